"""A problem is one terminal line: control characters in file names and messages cannot forge others."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import NOW, SITES, run_build_py

from bulletin.errors import BulletinError, Problem, Severity, UsageError

BAD_FRONT = "---\ntitle: [\n---\nBody.\n"
YAML_ERROR = "error: invalid YAML: did not find expected node content (while parsing a flow node)"


def test_file_names_with_control_characters_give_one_escaped_line_each(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITES / "minimal", root)
    briefings = root / "content/briefings"
    (briefings / "2020-01-01-a\n0 errors, 0 warnings\nb.md").write_text(BAD_FRONT, encoding="utf-8")
    (briefings / "2020-01-01-c\x1b[2Jd\x9b31m.md").write_text(BAD_FRONT, encoding="utf-8")
    (briefings / "2020-01-01-e\rf\x7f.md").write_text(BAD_FRONT, encoding="utf-8")
    result = run_build_py("check", "--site", str(root), "--now", NOW, cwd=tmp_path)
    assert result.code == 1
    assert result.lines == [
        f"content/briefings/2020-01-01-a\\n0 errors, 0 warnings\\nb.md:3: {YAML_ERROR}",
        f"content/briefings/2020-01-01-c\\x1b[2Jd\\x9b31m.md:3: {YAML_ERROR}",
        f"content/briefings/2020-01-01-e\\rf\\x7f.md:3: {YAML_ERROR}",
        "3 errors, 0 warnings",
    ]
    assert not any(ord(c) < 32 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in result.err)


def test_path_and_message_escape_c0_del_c1_and_line_separators() -> None:
    problem = Problem("a\x1b]0;x\x07\u2028b\x85.md", 2, Severity.WARNING, "bad \x9b2J\x7f\u2029 value\n")
    assert str(problem) == "a\\x1b]0;x\\x07\\u2028b\\x85.md:2: warning: bad \\x9b2J\\x7f\\u2029 value\\n"
    assert len(str(problem).splitlines()) == 1
    assert str(BulletinError("x\ny", 1, "m\tn")) == "x\\ny:1: error: m\\tn"
    assert str(UsageError("no\x1b[2J")) == "bulletin: error: no\\x1b[2J"
    assert str(Problem("Gŵyl\u00a0Ŷ 🚨.md", 1, Severity.ERROR, "é")) == "Gŵyl\u00a0Ŷ 🚨.md:1: error: é"  # text stays


def test_bidirectional_overrides_cannot_reorder_a_line() -> None:
    problem = Problem("brief\u202egnp.md", 1, Severity.ERROR, "x\u2066y\u2069")
    assert str(problem) == "brief\\u202egnp.md:1: error: x\\u2066y\\u2069"
