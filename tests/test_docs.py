"""The user guide in docs/ is true: its commands run as it says, its error lines are Bulletin's own,
its links resolve, and it documents every command, option and key the code accepts.

Conventions the docs follow so that this file can check them (a reader sees ordinary Markdown):

- A ```sh block's lines that start with ``bulletin``, ``python build.py`` or ``.venv/bin/python build.py``
  are run (as this checkout's build.py), in the order of the page, in one temporary folder per page:
  empty when the page's first command is ``new site``, else a site ``new site`` made. Absolute paths
  in them are moved into that folder. ``serve`` and ``watch`` are started, seen to work and stopped;
  ``serve`` gets a free port. A command that command-line.md announces as coming, and --help does not
  have yet, is skipped. ``SOURCE_DATE_EPOCH`` is fixed at :data:`DOCS_NOW`, so the dates in file names
  are the ones shown.
- On the guide's pages (:data:`GUIDE`), a ```text block right after a ```sh block is what its last
  command prints: each of its lines must be in the real output (``…`` stands for any text; timings such
  as ``0.09 s`` may differ). Every command must exit 0, unless that output shows an error:
  ``bulletin: error:`` means 2, ``path:line: error:`` (or "nothing written") 1.
- ``<!-- docs-test: {"replace": PATH, "old": TEXT, "new": TEXT} -->`` and ``{"write": PATH, "text": TEXT}``
  make the edits the prose asks the reader to make, at that point of the page;
  ``{"valid": PATH}`` says the next block is a whole file that passes ``check`` without a warning there.
- In authoring.md and site-yaml.md, a ```yaml (or ```markdown) block followed by a ```text block of
  ``path:line: error: …`` lines is a mistake and what ``check`` says about it: the block replaces those
  keys of PATH in a site made by ``new site`` (or is the whole file, for a new file, a list, or a block
  starting with ``---``), and the lines must be exactly the problems ``check`` reports. PATH is the
  file of the first problem, unless the block's first line is a comment naming it (``# site.yaml``).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO, SITES
from live_site import free_port, wait_until

from bulletin.cli import main

DOCS = REPO / "docs"
GUIDE = ("README.md", "quick-start.md", "authoring.md", "site-yaml.md", "alerts.md", "output.md", "command-line.md")
PAGES = sorted(DOCS.glob("*.md"))  # the guide, and any page added to docs/ since
DOCS_NOW = "2026-03-02T09:30:00+00:00"  # every example's clock: a Monday, in GMT, so no offset surprises
DOCS_EPOCH = str(int(dt.datetime.fromisoformat(DOCS_NOW).timestamp()))
COMMAND = re.compile(r"^(?:bulletin|(?:\.venv/bin/)?python3? build\.py)(?=\s|$)")
PROBLEM = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?:error|warning): ")
TARGET = re.compile(r"^# (content/\S+|site\.yaml)\n")
SUMMARY = re.compile(r"^\d+ errors?, \d+ warnings?$")
LONG_RUNNING = ("serve", "watch")


# Reading the docs --------------------------------------------------------------------------------


@dataclass
class Block:
    """A fenced code block, or a docs-test directive, in page order."""

    kind: str  # "code" or "directive"
    lang: str
    text: str
    line: int  # of the opening fence or comment, for messages
    data: dict = field(default_factory=dict)


_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
_DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(\{.*?\})\s*-->", re.DOTALL)


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    found: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            indent, marker, lang = fence.groups()
            body: list[str] = []
            index += 1
            start = index
            while index < len(lines) and not lines[index].strip().startswith(marker):
                body.append(lines[index][len(indent) :] if lines[index].startswith(indent) else lines[index])
                index += 1
            found.append(Block("code", lang, "\n".join(body) + "\n", start))
        elif "<!--" in line and "docs-test:" in line:
            end = index
            while "-->" not in lines[end]:
                end += 1
            match = _DIRECTIVE.search("\n".join(lines[index : end + 1]))
            assert match, f"{path.name}:{index + 1}: a docs-test comment that is not one JSON object"
            found.append(Block("directive", "", "", index + 1, json.loads(match.group(1))))
            index = end
        index += 1
    return found


def prose(path: Path) -> str:
    """The page without its code blocks and inline code: what a repository host turns into links."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(path))


def without_code_blocks(path: Path) -> str:
    return re.sub(r"^([ \t]*)(```+|~~~+).*?^\1\2[ \t]*$", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)


# Running the commands of a page ------------------------------------------------------------------


@dataclass
class Step:
    page: str
    line: int
    shown: str  # the command as the docs show it
    args: list[str]  # after ``bulletin`` / ``build.py``
    expect_output: list[str] = field(default_factory=list)
    edit: dict | None = None


def steps(page: Path) -> list[Step]:
    result: list[Step] = []
    items = blocks(page)
    for position, block in enumerate(items):
        if block.kind == "directive":
            result.append(Step(page.name, block.line, "", [], edit=block.data))
            continue
        if block.lang != "sh":
            continue
        commands: list[Step] = []
        for offset, raw in enumerate(block.text.split("\n")):
            line = raw.strip()
            if COMMAND.match(line):
                words = shlex.split(line, comments=True)
                first = 1 if words[0] == "bulletin" else 2
                commands.append(Step(page.name, block.line + offset + 1, line, words[first:]))
        following = items[position + 1] if position + 1 < len(items) else None
        if following is not None and following.kind == "code" and following.lang == "text" and commands:
            commands[-1].expect_output = [ln for ln in following.text.split("\n") if ln.strip()]
        result.extend(commands)
    return result


def expected_status(output: list[str]) -> int:
    """2 for a usage error, 1 when the shown output has an error or says nothing was written, else 0."""
    if any(line.startswith("bulletin: error:") for line in output):
        return 2
    if any((PROBLEM.match(line) and ": error: " in line) or "nothing written;" in line for line in output):
        return 1
    return 0


def _pattern(shown: str) -> re.Pattern[str]:
    """A line of shown output as a pattern: ``…`` is any text, and a timing any timing."""
    parts = [re.escape(part) for part in re.split(r"…", _untimed(shown))]
    return re.compile("^" + ".*".join(parts) + "$")


def _untimed(line: str) -> str:
    return re.sub(r"\b\d+\.\d+ s\b", "0.00 s", line.rstrip())


def assert_shown(step: Step, output: str, port: tuple[int, int] | None = None) -> None:
    real = [_untimed(line) for line in output.split("\n")]
    if port is not None:
        real = [line.replace(f":{port[0]}/", f":{port[1]}/") for line in real]
    for shown in step.expect_output:
        pattern = _pattern(shown)
        assert any(pattern.match(line) for line in real), (
            f"{step.page}:{step.line}: `{step.shown}` did not print\n  {shown}\nit printed:\n{output}"
        )


def environment() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": DOCS_EPOCH, "NO_COLOR": "1"}


def build_py(args: list[str]) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), *args]


def apply_edit(edit: dict, cwd: Path, where: str) -> None:
    if "valid" in edit:
        return  # marks an example, checked by test_each_example_is_valid
    if "replace" in edit:
        path = cwd / edit["replace"]
        text = path.read_text(encoding="utf-8")
        assert edit["old"] in text, f"{where}: {edit['replace']} does not contain {edit['old']!r}"
        path.write_text(text.replace(edit["old"], edit["new"], 1), encoding="utf-8")
    elif "write" in edit:
        path = cwd / edit["write"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edit["text"], encoding="utf-8")
    else:
        raise AssertionError(f"{where}: unknown docs-test directive {edit}")


def localised(args: list[str], cwd: Path) -> list[str]:
    """The arguments with absolute and home paths (``--output /srv/www/briefings``) moved into ``cwd``:
    a test never writes outside its folder."""
    result = []
    for arg in args:
        option, equals, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if value.startswith(("/", "~")):
            value = str(cwd / "elsewhere" / value.lstrip("~/"))
        result.append(f"{option}{equals}{value}")
    return result


def run_step(step: Step, cwd: Path) -> None:
    where = f"{step.page}:{step.line}"
    if step.args and step.args[0] in LONG_RUNNING:
        run_long(step, cwd)
        return
    args = localised(step.args, cwd)
    done = subprocess.run(build_py(args), cwd=cwd, env=environment(), capture_output=True, text=True, timeout=180)
    output = done.stdout + done.stderr
    want = expected_status(step.expect_output)
    assert done.returncode == want, f"{where}: `{step.shown}` exited {done.returncode}, not {want}:\n{output}"
    assert_shown(step, output)


def run_long(step: Step, cwd: Path) -> None:
    """``serve`` and ``watch`` run until stopped: start them, see them work, stop them."""
    args = localised(step.args, cwd)
    shown_port = 8000
    port = free_port()
    if args[0] == "serve":
        if "--port" in args:
            at = args.index("--port") + 1
            shown_port, args[at] = int(args[at]), str(port)
        else:
            args += ["--port", str(port)]
        assert "--host" not in args, f"{step.page}:{step.line}: keep examples on the loopback address"
    log = cwd / f"{args[0]}-{step.line}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(build_py(args), cwd=cwd, env=environment(), stdout=out, stderr=subprocess.STDOUT)
        try:
            if args[0] == "serve":
                assert wait_until(lambda: proc.poll() is not None or _answers(port), timeout=60), log.read_text()
                assert proc.poll() is None, f"{step.page}:{step.line}: serve exited:\n{log.read_text()}"
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                    assert response.status == 200
                    assert b"data-threat-level" in response.read()
            else:
                assert wait_until(lambda: "wrote " in log.read_text() or proc.poll() is not None, timeout=60)
                assert proc.poll() is None, f"{step.page}:{step.line}: watch exited:\n{log.read_text()}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert_shown(step, log.read_text(), (port, shown_port))


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


PAGES_WITH_COMMANDS = [p.name for p in PAGES if any(s.args for s in steps(p))]


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES_WITH_COMMANDS)
def test_every_command_in_the_docs_runs_as_shown(name: str, tmp_path: Path) -> None:
    """A page's commands run in order in a fresh folder: one where they make the site themselves
    (``new site my-briefings``), else a site that ``new site`` made (run "from the site's root")."""
    page = steps(DOCS / name)
    commands = [step for step in page if step.args]
    if commands[0].args[:2] != ["new", "site"]:
        new_site(tmp_path)
    real = help_commands(help_text())
    coming = reference_sections((DOCS / "command-line.md").read_text(encoding="utf-8"))[1] - real
    for step in page:
        if name not in GUIDE:
            step.expect_output = []  # other pages may follow a command with text that is not its output
        if step.edit is not None:
            apply_edit(step.edit, tmp_path, f"{name}:{step.line}")
        elif step.args[0] not in coming:  # a command announced as coming cannot run yet
            run_step(step, tmp_path)


def test_the_guide_is_whole_and_its_commands_are_found() -> None:
    """Every page of the guide exists; the quick start, the command-line reference and the alerts guide
    are run whole."""
    assert {"quick-start.md", "command-line.md", "alerts.md"} <= set(PAGES_WITH_COMMANDS)
    assert all((DOCS / name).exists() for name in GUIDE)


# Mistakes and their messages ---------------------------------------------------------------------


@dataclass
class Mistake:
    page: str
    line: int
    fragment: str
    lang: str
    shown: list[str]  # problem lines, and perhaps the summary

    @property
    def target(self) -> str:
        """The file changed: named in a first comment line, else the file of the first problem."""
        named = TARGET.match(self.fragment)
        return named.group(1) if named else PROBLEM.match(self.shown[0]).group("path")  # type: ignore[union-attr]


def mistakes(page: Path) -> list[Mistake]:
    items = blocks(page)
    found = []
    for block, following in zip(items, items[1:], strict=False):
        if block.kind != "code" or block.lang not in ("yaml", "markdown") or following.lang != "text":
            continue
        shown = [line for line in following.text.split("\n") if line.strip()]
        if shown and PROBLEM.match(shown[0]):
            found.append(Mistake(page.name, block.line, block.text, block.lang, shown))
    return found


def new_site(root: Path) -> None:
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["new", "site", str(root), "--now", DOCS_NOW]) == 0


def patch(root: Path, target: str, fragment: str) -> None:
    """Put ``fragment`` into ``target``: replacing the top-level keys it gives, or as the whole file."""
    path = root / target
    body = TARGET.sub("", fragment, count=1)
    whole = not path.exists() or body.startswith(("---", "- ")) or target.endswith("threat-levels.yaml")
    if not whole or path.suffix == ".md":
        fragment = body  # the comment naming the file stays only in a whole YAML file
    if whole:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fragment, encoding="utf-8")
        return
    lines = path.read_text(encoding="utf-8").split("\n")
    start, end = (1, lines.index("---", 1)) if path.suffix == ".md" else (0, len(lines))
    keys = [m.group(1) for m in re.finditer(r"^([A-Za-z_][\w-]*):", fragment, flags=re.M)]
    section = lines[start:end]
    insert_at = None
    index = 0
    while index < len(section):
        match = re.match(r"^([A-Za-z_][\w-]*):", section[index])
        if match and match.group(1) in keys:
            insert_at = index if insert_at is None else insert_at
            del section[index]
            while index < len(section) and (section[index].startswith((" ", "\t")) or not section[index].strip()):
                del section[index]
            continue
        index += 1
    new = fragment.rstrip("\n").split("\n")
    section[insert_at if insert_at is not None else len(section) : insert_at if insert_at is not None else None] = new
    path.write_text("\n".join([*lines[:start], *section, *lines[end:]]), encoding="utf-8")


def check_output(root: Path) -> tuple[int, list[str]]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["check", "--site", str(root), "--now", DOCS_NOW, "--jobs", "1", "--no-cache"])
    return code, err.getvalue().split("\n")


MISTAKES = [m for name in ("authoring.md", "site-yaml.md") if (DOCS / name).exists() for m in mistakes(DOCS / name)]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[f"{m.page}:{m.line}" for m in MISTAKES])
def test_each_mistake_gives_the_message_shown(mistake: Mistake, tmp_path: Path) -> None:
    root = tmp_path / "my-briefings"
    new_site(root)
    patch(root, mistake.target, mistake.fragment)
    code, real = check_output(root)
    real_problems = sorted(line for line in real if PROBLEM.match(line))
    shown_problems = sorted(line for line in mistake.shown if PROBLEM.match(line))
    assert shown_problems == real_problems, f"{mistake.page}:{mistake.line}: check printed\n" + "\n".join(real)
    for line in mistake.shown:
        assert PROBLEM.match(line) or (SUMMARY.match(line) and line in real), f"{mistake.page}: {line!r}"
    assert code == (1 if any(": error: " in line for line in real_problems) else 0)


def examples(page: Path) -> list[tuple[int, str, str]]:
    """(line, path, text) of each block marked ``<!-- docs-test: {"valid": PATH} -->``: a whole file."""
    items = blocks(page)
    found = []
    for marker, block in zip(items, items[1:], strict=False):
        if marker.kind == "directive" and "valid" in marker.data:
            assert block.kind == "code", f"{page.name}:{marker.line}: no example after the marker"
            found.append((block.line, marker.data["valid"], block.text))
    return found


EXAMPLES = [(page.name, *example) for page in PAGES for example in examples(page)]


@pytest.mark.parametrize("page, line, path, text", EXAMPLES, ids=[f"{e[0]}:{e[1]}" for e in EXAMPLES])
def test_each_example_is_valid(page: str, line: int, path: str, text: str, tmp_path: Path) -> None:
    """The complete files the guide shows as examples pass ``check`` with no warning."""
    root = tmp_path / "my-briefings"
    new_site(root)
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")
    code, real = check_output(root)
    assert code == 0 and "0 errors, 0 warnings" in real, f"{page}:{line}: check printed\n" + "\n".join(real)


def test_the_guide_shows_mistakes_and_examples() -> None:
    assert len(EXAMPLES) >= 5
    assert len([m for m in MISTAKES if m.page == "authoring.md"]) >= 20
    assert [m for m in MISTAKES if m.page == "site-yaml.md"]


# Keys the code accepts -----------------------------------------------------------------------------


def declared_keys(module: Path) -> set[str]:
    """Every key of every schema the module declares: dict literals whose values are all ``Field(...)``."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict) or not node.values:
            continue
        fields = all(
            isinstance(v, ast.Call) and (getattr(v.func, "attr", None) or getattr(v.func, "id", None)) == "Field"
            for v in node.values
        )
        if fields:
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def documented(key: str, text: str) -> bool:
    """``key`` appears in backticks, alone, as the end of a dotted path, or as ``key:``."""
    return re.search(rf"`(?:[\w\[\]]+\.)*{re.escape(key)}(?::[^`]*)?`", text) is not None


CONTENT_MODULES = {
    "authoring.md": ["content/briefings.py", "content/people.py", "content/pages.py", "content/timeline.py"],
    "alerts.md": ["content/areas.py"],
    "site-yaml.md": ["config.py"],
}


@pytest.mark.parametrize("page", sorted(CONTENT_MODULES))
def test_every_accepted_key_is_documented(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    keys = set().union(*(declared_keys(REPO / "bulletin" / m) for m in CONTENT_MODULES[page]))
    assert keys, page
    missing = sorted(k for k in keys if not documented(k, text))
    assert not missing, f"docs/{page} does not document {missing}"


def test_the_key_scan_finds_what_the_validators_use() -> None:
    """The scan above reads the same declarations the validators check against."""
    from bulletin.config import SCHEMA
    from bulletin.content.briefings import schema
    from bulletin.content.pages import PAGE_SCHEMA
    from bulletin.content.people import PERSON_SCHEMA

    found = declared_keys(REPO / "bulletin/content/briefings.py")
    config = type("Config", (), {"level_ids": ("low",)})()
    assert set(schema(config)) <= found  # type: ignore[arg-type]
    assert set(PERSON_SCHEMA) <= declared_keys(REPO / "bulletin/content/people.py")
    assert set(PAGE_SCHEMA) <= declared_keys(REPO / "bulletin/content/pages.py")
    assert set(SCHEMA) <= declared_keys(REPO / "bulletin/config.py")
    assert {"level", "since", "note"} <= declared_keys(REPO / "bulletin/content/timeline.py")


# The command-line reference against --help ---------------------------------------------------------


def help_text() -> str:
    done = subprocess.run(build_py(["--help"]), capture_output=True, text=True, timeout=60, env=environment())
    assert done.returncode == 0
    return done.stdout


def help_commands(text: str) -> set[str]:
    choices = re.search(r"\{([\w,-]+)\}", text)
    assert choices, text
    commands = set(choices.group(1).split(","))
    epilog = text[text.index("Commands:") :] if "Commands:" in text else ""
    commands |= {f"new {what}" for what in re.findall(r"\bnew (\w+)", epilog)}
    return commands


def help_options(text: str) -> set[str]:
    """Each option as the help names it, with its metavar: ``--site DIR``, ``--quiet``, ``-q``."""
    options: set[str] = set()
    for line in text.split("\n"):
        match = re.match(r"^  (-[^\s].*?)(?:\s{2,}|$)", line)
        if match:
            for name in match.group(1).split(", "):
                options.add(name.strip())
    return options


def reference_sections(text: str) -> tuple[set[str], set[str], set[str]]:
    """The commands (``### `build` ``), the coming ones (under a heading saying so) and the options
    (first column of the options table) that docs/command-line.md documents."""
    commands: set[str] = set()
    coming: set[str] = set()
    for heading in re.findall(r"^###\s+(.*)$", text, flags=re.M):
        match = re.match(r"`bulletin ([a-z]+(?: (?:briefing|site))?)\b[^`]*`", heading)
        if match:
            (coming if "coming" in heading.lower() else commands).add(match.group(1))
    options: set[str] = set()
    for row in re.findall(r"^\|\s*(`-.*?)\s*\|", text, flags=re.M):
        options |= set(re.findall(r"`(-[^`]+)`", row))
    return commands, coming, options


def test_the_command_line_reference_matches_help() -> None:
    text = (DOCS / "command-line.md").read_text(encoding="utf-8")
    shown = help_text()
    commands, coming, options = reference_sections(text)
    real_commands = help_commands(shown) - {"new"}  # new is documented as new briefing and new site
    assert commands == real_commands, f"documented {sorted(commands)}, --help has {sorted(real_commands)}"
    # A command announced as coming is one --help does not have yet; once it has it, document it fully.
    assert not coming & real_commands, f"{sorted(coming & real_commands)} are in --help: document them fully"
    real_options = help_options(shown)
    assert options == real_options, (
        f"missing from the reference: {sorted(real_options - options)}; not in --help: {sorted(options - real_options)}"
    )
    for status in ("0", "1", "2", "3"):
        assert re.search(rf"^\|\s*{status}\s*\|", text, flags=re.M), f"exit status {status} is not in the table"


# Links ---------------------------------------------------------------------------------------------

EXAMPLE_HOSTS = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:example\.(?:org|com|net)|localhost|127\.0\.0\.1)(?::\d+)?(?:/|$)"
)
_LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<(https?://[^>]+)>")
_BARE = re.compile(r"(?<![(<\w])https?://[^\s)>\]`'\"]+")


def slug_of(heading: str) -> str:
    """A heading's anchor as repository hosts make it."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug_of(h) for h in re.findall(r"^#+[ \t]+(.*)$", without_code_blocks(path), flags=re.M)}


LINKED_FILES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", LINKED_FILES, ids=[str(p.relative_to(REPO)) for p in LINKED_FILES])
def test_links_resolve_inside_the_repository(path: Path) -> None:
    text = prose(path)
    for match in _LINK.finditer(text):
        target = match.group(1) or match.group(2)
        where = f"{path.relative_to(REPO)}: link {target}"
        assert "../shared" not in target, where
        if re.match(r"^[a-z][\w+.-]*:", target):
            assert EXAMPLE_HOSTS.match(target), f"{where} points outside the repository"
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.is_relative_to(REPO), f"{where} leaves the repository"
        assert linked.exists(), f"{where}: no such file"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{where}: no heading with that anchor"
    for bare in _BARE.findall(text):
        assert EXAMPLE_HOSTS.match(bare), f"{path.relative_to(REPO)}: {bare} points outside the repository"


def test_the_index_links_every_page() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"]({page.name})" in index, f"docs/README.md does not link {page.name}"


# The output reference against a real build -----------------------------------------------------------


def output_patterns(text: str) -> list[re.Pattern[str]]:
    """Each documented path (``/briefings/<slug>/``, ``/archive/YYYY/MM/``, ``/search/words/<hash>.json``)
    as a pattern of output files; ``/<slug>/``, a page of content/pages, is matched by the pages' slugs."""
    patterns = []
    for path in re.findall(r"`(/[^`\s]*)`", text):
        if path == "/<slug>/":
            continue
        regex = re.escape(path.lstrip("/"))
        regex = regex.replace("YYYY", r"\d{4}").replace("MM", r"\d{2}")
        regex = re.sub(r"<[^>]+>", r"[^/]+", regex.replace(r"\<", "<").replace(r"\>", ">"))
        regex = re.sub(r"(?<=[/-])N(?=/|\\\.)", r"\\d+", regex)
        regex = regex.replace("…", ".*")
        if path.endswith("/"):
            regex += "index.html"
        patterns.append(re.compile(regex + "$"))
    return patterns


def test_every_file_a_build_writes_is_in_the_output_reference(tmp_path: Path) -> None:
    """A new site, built, and the test fixture (two briefings a page, so every listing has a page 2),
    checked in memory: every file either writes is described in docs/output.md."""
    from bulletin import builder

    text = (DOCS / "output.md").read_text(encoding="utf-8")
    assert "`/<slug>/`" in text
    patterns = output_patterns(text)
    root = tmp_path / "my-briefings"
    new_site(root)
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["build", "--site", str(root), "--now", DOCS_NOW, "--jobs", "1", "--no-cache"]) == 0
    written = [p.relative_to(root / "public").as_posix() for p in (root / "public").rglob("*") if p.is_file()]
    pages = [f"{page.stem}/index.html" for page in (root / "content/pages").glob("*.md")]
    fixture = builder.check(builder.BuildOptions(site_root=SITES / "minimal", now=dt.datetime(2026, 11, 25, 12)))
    assert fixture.ok, fixture.problems.sorted()
    assert "briefings/page/2/index.html" in {str(p) for p in fixture.rendered}
    written += [str(p) for p in [*fixture.rendered, *fixture.static]]
    pages += [f"{page.stem}/index.html" for page in (SITES / "minimal/content/pages").glob("*.md")]
    missing = sorted({p for p in written if p not in pages and not any(pattern.match(p) for pattern in patterns)})
    assert not missing, f"docs/output.md does not describe {missing}"
