"""Problems found in a site, reported compiler style: ``path:line: error: message``.

Every check in Bulletin reports through a :class:`Problems` collector instead of
raising, so one run shows every problem at once. :class:`BulletinError` is for the
few cases that must stop a run immediately (an unreadable site.yaml, an unsafe
output folder); it carries the same fields and prints the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, located by a site-relative path and a 1-based line."""

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        # One problem, one line: control characters in file names and authors' values are shown escaped,
        # so neither can end the line early, forge another one ("0 errors") or drive the terminal.
        return f"{terminal_text(self.path)}:{self.line}: {self.severity.value}: {terminal_text(self.message)}"


_ESCAPES = (
    {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}  # C0, DEL and C1 controls
    | {0x2028: "\\u2028", 0x2029: "\\u2029"}  # line and paragraph separators end a line for str.splitlines
    # Bidirectional overrides and isolates can reorder what a terminal shows (a "Trojan Source" file name).
    | {code: f"\\u{code:04x}" for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
    | {10: "\\n", 13: "\\r", 9: "\\t"}
)


def terminal_text(text: str) -> str:
    """``text`` for one line of a terminal: control characters and line breaks shown as escapes."""
    return text.translate(_ESCAPES)


class BulletinError(Exception):
    """A problem that stops the run at once (exit status 1 unless told otherwise)."""

    def __init__(self, path: str, line: int, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.problem = Problem(path, line, Severity.ERROR, message)
        self.exit_code = exit_code

    def __str__(self) -> str:
        return str(self.problem)


class UsageError(BulletinError):
    """A command line that asks for something impossible: exit status 2, printed as argparse prints its own."""

    def __init__(self, message: str) -> None:
        super().__init__("", 1, message, exit_code=2)

    def __str__(self) -> str:
        return f"bulletin: error: {terminal_text(self.problem.message)}"


class Problems:
    """Collects the problems of one run, in the order they are found."""

    def __init__(self) -> None:
        self._items: list[Problem] = []
        self._seen: set[Problem] = set()

    def add(self, problem: Problem) -> None:
        """Record a problem once: the same finding reached twice is one problem."""
        if problem not in self._seen:
            self._seen.add(problem)
            self._items.append(problem)

    def error(self, path: str, line: int, message: str) -> None:
        self.add(Problem(path, max(line, 1), Severity.ERROR, message))

    def warning(self, path: str, line: int, message: str) -> None:
        self.add(Problem(path, max(line, 1), Severity.WARNING, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def errors(self) -> int:
        return sum(1 for p in self._items if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self._items if p.severity is Severity.WARNING)

    def has_errors(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)

    def sorted(self) -> list[Problem]:
        """Problems by file and line, so output is stable."""
        return sorted(self._items, key=lambda p: (p.path, p.line, p.severity.value, p.message))

    def __len__(self) -> int:
        return len(self._items)


def summary_line(errors: int, warnings: int) -> str:
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
