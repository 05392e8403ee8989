"""``new briefing "TITLE"`` writes a draft that passes ``check --drafts`` as written."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SITES, SiteDir, run_build_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.cli import main


def test_new_briefing_passes_check_with_drafts(site: SiteDir) -> None:
    result = site.run("new", "briefing", "Armed patrols increased: 10:00 update", now="2026-11-25T16:30:00")
    assert result.code == 0, result.err
    path = site.root / "content/briefings/2026-11-25-armed-patrols-increased-10-00-update.md"
    text = path.read_text(encoding="utf-8")
    assert 'title: "Armed patrols increased: 10:00 update"' in text
    assert "draft: true" in text
    assert "date: 2026-11-25T16:30:00" in text
    for key in ("summary:", "threat_level:", "officers:", "area:", "tags:", "spokespeople:", "quotes:", "advice:"):
        assert key in text
    for key in ("region:", "slug:", "publish_at:", "expires:", "alert:", "sources:", "updates:", "extra:"):
        assert key in text  # stubbed, some as comments
    check = site.run("check", "--drafts", "--strict")
    assert check.code == 0, check.err
    built = site.run("build")
    assert built.code == 0
    assert not (site.public / "briefings/armed-patrols-increased-10-00-update").exists()  # still a draft


def test_new_briefing_uses_the_level_in_force(site: SiteDir) -> None:
    site.run("new", "briefing", "Level check")
    text = next((site.root / "content/briefings").glob("*-level-check.md")).read_text()
    assert "threat_level: severe" in text  # the newest briefing of the minimal site says severe


def test_new_briefing_refuses_to_overwrite(site: SiteDir) -> None:
    assert site.run("new", "briefing", "Same title", now="2026-01-01T10:00:00").code == 0
    again = site.run("new", "briefing", "Same title", now="2026-01-01T11:00:00")
    assert again.code == 1
    assert "already exists" in again.err


def test_new_needs_a_title(site: SiteDir) -> None:
    assert site.run("new", "briefing").code == 2
    assert site.run("new", "briefing", "   ").code == 2
    assert site.run("new", "page", "About").code == 2


def test_a_title_with_a_line_break_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(SITES / "minimal", root)
    before = sorted((root / "content/briefings").iterdir())
    for title, shown in [
        ("Line1\nLine2", "a line break (U+000A, character 6)"),
        ("Clear \x1b[2J screen", "the control character U+001B (character 7)"),
        ("caf\udce9", "U+DCE9 (character 4), which is not a character"),  # the Latin-1 byte 0xE9 in argv
    ]:
        result = run_build_py("new", "briefing", title, "--site", str(root), cwd=tmp_path)
        assert result.code == 2, result.err
        assert len(result.lines) == 1, result.err
        assert result.lines[0].startswith(f"bulletin: error: new briefing: the title contains {shown}; ")
        assert "\x1b" not in result.err
    assert sorted((root / "content/briefings").iterdir()) == before  # nothing written, not even an empty file


@pytest.fixture(scope="module")
def draft_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drafts") / "site"
    shutil.copytree(SITES / "minimal", root)
    return root


def _cli(site: Path, *args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["--site", str(site), "--now", "2026-11-25T16:30:00", "--jobs", "1", *args])
    return code, err.getvalue()


TITLE_BITS = st.sampled_from(
    ["\n", "\r", "\t", "\x0b", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\ufeff", "\u200b", "\ufffe",
     "\udcff", "\U0001fffe", "\x00", '"', "'", "\\", ":", ": ", "#", " #", "- ", "---", "{", "}", "[", "]", "&a", "*a",
     "!!python/object", "%", "@", "`", "|", ">", "? ", "NO", "10:00", "2016-08-03", "null", "~", " ", "\u00a0", "\u3000",
     "Gŵyl Ŷ Fenni", "🚨", "é", "\u0301", "ﬁ", "Floods", "x" * 90]
)  # fmt: skip


@given(st.lists(TITLE_BITS | st.characters(exclude_categories=()), min_size=1, max_size=12).map("".join))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_title_new_accepts_gives_a_draft_that_passes_check(draft_site: Path, title: str) -> None:
    folder = draft_site / "content/briefings"
    before = set(folder.iterdir())
    code, err = _cli(draft_site, "new", "briefing", "--", title)  # "--": a title may start with "-"
    created = set(folder.iterdir()) - before
    if code == 2:  # refused as a usage error, on one line, with nothing written
        assert len(err.splitlines()) == 1 and err.startswith("bulletin: error: new briefing: "), err
        assert not created
        return
    assert code == 0, err
    (draft,) = created
    try:
        checked, report = _cli(draft_site, "check", "--drafts")
        assert checked == 0, report
        front = draft.read_text(encoding="utf-8").split("---\n")[1]
        assert yaml.safe_load(front)["title"] == title.strip()  # the title as given, not folded or changed
    finally:
        draft.unlink()


def test_a_published_briefing_still_holding_todo_stubs_is_warned_about(site: SiteDir) -> None:
    created = site.run("new", "briefing", "Road closures for the parade")
    assert created.code == 0, created.err
    path = next((site.root / "content/briefings").glob("*-road-closures-for-the-parade.md"))
    path.write_text(path.read_text().replace("draft: true\n", ""))
    result = site.run("check")
    assert result.code == 0
    lines = [line for line in result.err.splitlines() if "placeholder 'TODO:'" in line]
    assert any(":summary:" not in line and "warning:" in line for line in lines)
    assert len(lines) >= 3  # summary, area, advice and the body
    assert site.run("check", "--strict").code == 1
