"""Reading a content file's bytes: encoding, line endings and the front matter block.

A file must be UTF-8 (a BOM is tolerated); CRLF and CR line endings are normalised
so that line numbers stay right; a Markdown file starts with a ``---`` line and its
front matter ends at the next ``---`` line. Every failure is a Problem with a line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import Problem, Severity

MAX_FRONT_MATTER = 64 * 1024
MAX_BODY = 2 * 1024 * 1024
_FENCE = re.compile(r"---[ \t]*")
# C0 controls other than tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Split:
    """A Markdown file cut into its front matter text and its body."""

    front_matter: str
    front_matter_line: int  # file line of the first front matter line
    body: str
    body_line: int  # file line of the first body line


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text with ``\\n`` line endings, or a problem naming the bad byte's line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [_error(path, 1, "file is UTF-16; save it as UTF-8")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [
            _error(
                path,
                line,
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); save it as UTF-8",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None, [_error(path, 1, "file is empty")]
    return unicodedata.normalize("NFC", text), []


def split_front_matter(text: str, path: str) -> tuple[Split | None, list[Problem]]:
    """Cut decoded text into front matter and body."""
    lines = text.split("\n")
    if not _FENCE.fullmatch(lines[0]):
        return None, [_error(path, 1, "missing front matter: the file must start with a '---' line")]
    for index in range(1, len(lines)):
        if _FENCE.fullmatch(lines[index]):
            break
    else:
        return None, [_error(path, 1, "front matter is not closed: add a '---' line after it")]
    front = "\n".join(lines[1:index])
    body = "\n".join(lines[index + 1 :])
    problems: list[Problem] = []
    if len(front.encode()) > MAX_FRONT_MATTER:
        return None, [
            _error(path, 1, f"front matter is too large ({len(front.encode())} bytes, max {MAX_FRONT_MATTER})")
        ]
    if len(body.encode()) > MAX_BODY:
        problems.append(_error(path, index + 2, f"body is too large ({len(body.encode())} bytes, max {MAX_BODY})"))
        body = ""
    problems.extend(control_characters(body, path, index + 2))
    return Split(front, 2, body, index + 2), problems


def control_characters(text: str, path: str, first_line: int) -> list[Problem]:
    match = _CONTROL.search(text)
    if not match:
        return []
    line = first_line + text.count("\n", 0, match.start())
    return [_error(path, line, f"control character U+{ord(match.group()):04X} is not allowed")]


def _error(path: str, line: int, message: str) -> Problem:
    return Problem(path, line, Severity.ERROR, message)
