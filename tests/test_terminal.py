"""What the command line prints: a progress bar only on a terminal, plain lines in a log, colour only
on a terminal and never with NO_COLOR, and a summary that says what changed."""

from __future__ import annotations

import io
import re
import sys

import pytest
from conftest import SiteDir

from bulletin import cli
from bulletin.errors import Problem, Problems, Severity


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _problems() -> Problems:
    problems = Problems()
    problems.add(Problem("content/a.md", 3, Severity.ERROR, "threat_level: 'sever' is not a level"))
    problems.add(Problem("content/b.md", 1, Severity.WARNING, "no summary"))
    return problems


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("NO_COLOR", raising=False)
    cli._print_problems(_problems())
    assert "content/a.md:3: \x1b[1;31merror\x1b[0m: threat_level" in terminal.getvalue()
    assert "\x1b[1;33mwarning\x1b[0m" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = _Terminal()
    monkeypatch.setattr(sys, "stderr", plain)
    cli._print_problems(_problems())
    assert "\x1b" not in plain.getvalue() and "content/a.md:3: error: threat_level" in plain.getvalue()
    log = io.StringIO()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys, "stderr", log)
    cli._print_problems(_problems())
    assert "\x1b" not in log.getvalue()


def test_progress_is_a_bar_on_a_terminal_and_quarters_in_a_log(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    reporter = cli.TerminalReporter(quiet=False, verbose=False)
    for done in (0, 1000, 4000):
        reporter.progress(done, 4000)
    assert "\rrendering pages [" in terminal.getvalue() and terminal.getvalue().endswith("] 4000/4000\n")
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    reporter = cli.TerminalReporter(quiet=False, verbose=False)
    for done in range(0, 4001, 200):
        reporter.progress(done, 4000)
    assert log.getvalue().splitlines() == [f"rendering pages: {n}/4000" for n in (1000, 2000, 3000, 4000)]
    quiet = io.StringIO()
    monkeypatch.setattr(sys, "stderr", quiet)
    reporter = cli.TerminalReporter(quiet=True, verbose=False)
    reporter.progress(4000, 4000)
    assert quiet.getvalue() == ""


def test_the_summary_says_what_changed(site: SiteDir) -> None:
    first = site.run("build")
    assert re.search(
        r"wrote \d+ pages \((\d+) files\) to .* in [\d.]+ s: (\d+) changed, 0 unchanged, 0 removed", first.err
    )
    path = site.root / "content/briefings/2018-01-10-routine.md"
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    (site.root / "static").mkdir(exist_ok=True)
    second = site.run("build")
    found = re.search(r": (\d+) changed, (\d+) unchanged, (\d+) removed", second.err)
    assert found and 0 < int(found.group(1)) < int(found.group(2)) and found.group(3) == "0"
    path.unlink()
    third = site.run("build")
    found = re.search(r": (\d+) changed, (\d+) unchanged, (\d+) removed", third.err)
    assert found and int(found.group(3)) >= 1  # the deleted briefing's page (and its CAP files, if any)
