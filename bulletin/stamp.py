"""The last build's stamp: a run with nothing to do is recognised from file status alone.

A build that succeeded leaves ``last-build.json`` in the cache folder. It holds a digest of the
status (inode, size, modification and change times, link targets) of every input the build
read (site.yaml, content/, templates/, static/, published/, the default theme and the interface
catalogues), taken *before* any of them was read, so an edit made during the build is seen by
the next run; a digest of every file the build left in the output; the options and code that
made it; and the span of time over which that output stays true (until the next embargo lifts,
a briefing expires, an update or cancel is due or an alert leaves the alerts window). The next
run with the same options walks the same folders: when everything matches and the clock is
inside the span, nothing is parsed, rendered or written, and the stamped warnings are reported
again.

Change times cannot be set by a user, so an edit to a source that restores size and modification
time (``cp -p``, ``touch -d``) is still seen, and so is a chmod. In the output, where the change
time moves whenever the replaced site is removed, a file edited, chmod-ed or removed by hand is
seen by its size, modification time, mode or inode. The stamp is signed like the parse cache, so
a stamp copied from elsewhere is never believed. Anything unexpected (unreadable folders, a
damaged or foreign stamp, leftovers of a killed build) means "not fresh": the full build runs
and says what is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .errors import Problem, Severity
from .i18n import LOCALE_ROOT
from .paths import THEME_ROOT
from .signing import fingerprint, not_ours, signing_key

STAMP_FILE = "last-build.json"
_VERSION = 1
SOURCE_FOLDERS = ("content", "templates", "static", "published")  # of the site; the theme adds its own two


class _Unreadable(Exception):
    """A folder could not be listed: never fresh (the full build reports it)."""


def inputs_digest(site_root: Path, theme_root: Path) -> bytes | None:
    """The status of every input a build reads, or None when some cannot be read."""
    digest = hashlib.blake2b(digest_size=32)
    try:
        _add_file(digest, site_root / "site.yaml", "site.yaml")
        for root, names, shown in ((site_root, SOURCE_FOLDERS, ""), (theme_root, ("templates", "static"), "theme/")):
            for name in names:
                _add_file(digest, root / name, f"{shown}{name}", follow=False)  # a swapped link to the folder
                _add_tree(digest, root / name, f"{shown}{name}", inside=(root, root / name))
        # The interface catalogues shape pages as the theme's templates do.
        _add_tree(digest, LOCALE_ROOT, "locale", inside=(LOCALE_ROOT,))
    except _Unreadable:
        return None
    return digest.digest()


def output_digest(output: Path) -> bytes | None:
    """The status of every file and folder in the output (never following links), or None."""
    digest = hashlib.blake2b(digest_size=32)
    try:
        _add_file(digest, output, ".", follow=False, changed=False)
        _add_tree(digest, output, ".", inside=None)
    except _Unreadable:
        return None
    return digest.digest()


def _add_file(digest: Any, path: Path, name: str, follow: bool = True, changed: bool = True) -> None:
    try:
        status = os.stat(path, follow_symlinks=follow)
    except FileNotFoundError:
        digest.update(f"{name}\0-\n".encode())
        return
    except OSError as exc:
        raise _Unreadable from exc
    digest.update(f"{name}\0{_status(status, changed)}\n".encode())


def _status(status: os.stat_result, changed: bool = True) -> str:
    kept = f"{status.st_mode:o}:{status.st_dev}:{status.st_ino}:{status.st_size}:{status.st_mtime_ns}"
    return f"{kept}:{status.st_ctime_ns}" if changed else kept


def _add_tree(digest: Any, folder: Path, name: str, inside: tuple[Path, ...] | None) -> None:
    """Every entry under ``folder`` in a fixed order. With ``inside``, links are followed (as the
    build follows them) when they lead into one of those folders, once each (a loop or a second
    link to the same folder is recorded, not walked again); a link leading anywhere else makes
    the inputs unknowable (the build refuses it, or reads what this walk would not watch)."""
    bounds = tuple(os.path.realpath(b) for b in inside or ())
    follow = inside is not None
    seen: set[tuple[int, int]] = set()
    stack = [(str(folder), name)]
    while stack:
        path, shown = stack.pop()
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except FileNotFoundError:
            digest.update(f"{shown}/\0-\n".encode())
            continue
        except OSError as exc:
            raise _Unreadable from exc
        for entry in entries:
            where = f"{shown}/{entry.name}"
            try:
                link = os.readlink(entry.path) if entry.is_symlink() else ""
                if link and follow:
                    try:
                        status = entry.stat(follow_symlinks=True)
                    except FileNotFoundError:  # a broken link: its target string is what counts
                        digest.update(f"{where}\0>{link}\n".encode())
                        continue
                else:
                    status = entry.stat(follow_symlinks=False)
            except OSError as exc:
                raise _Unreadable from exc
            # Not the output's change times: removing the replaced site unlinks the other name of each
            # file a build kept, which changes its change time but not a byte of it.
            digest.update(f"{where}\0{_status(status, changed=follow)}>{link}\n".encode())
            if link and follow and not _within(os.path.realpath(entry.path), bounds):
                raise _Unreadable(where)
            if stat.S_ISDIR(status.st_mode):
                identity = (status.st_dev, status.st_ino)
                if identity not in seen:
                    seen.add(identity)
                    stack.append((entry.path, where))


def _within(path: str, bounds: tuple[str, ...]) -> bool:
    return any(path == b or path.startswith(b.rstrip(os.sep) + os.sep) for b in bounds)


@dataclass(frozen=True)
class Replay:
    """What a stamped build reported, to report again when a run finds nothing to do."""

    output: Path
    pages: int
    files: int
    problems: tuple[Problem, ...]
    infos: tuple[str, ...]


class Stamp:
    """One run's view of the last build's stamp: :meth:`fresh` before building, :meth:`save` after."""

    def __init__(
        self,
        folder: Path,
        site_root: Path,
        *,
        output: Path | None,
        base_url: str | None,
        drafts: bool,
        strict: bool,
        locked: bool,
        record: bool,
    ) -> None:
        """The stamp in ``folder`` (the cache folder) for a build of ``site_root`` with these options;
        ``--jobs`` is not among them because the output is the same for any number of workers."""
        self.folder = folder
        settings = (str(output.absolute()) if output else None, base_url, drafts, strict, locked, record)
        self.options = hashlib.blake2b(
            fingerprint() + repr((str(site_root.resolve()), *settings)).encode(), digest_size=32
        ).hexdigest()
        self.inputs = inputs_digest(site_root, THEME_ROOT)  # before anything is read: see the module's docstring

    def fresh(self, now: dt.datetime) -> Replay | None:
        """The stamped build's report, when its output is still exactly what this run would write."""
        found = self._read()
        if found is None or self.inputs is None:
            return None
        if found.get("options") != self.options or found.get("inputs") != self.inputs.hex():
            return None
        try:
            zone = ZoneInfo(found["timezone"])
            at = now if now.tzinfo else now.replace(tzinfo=zone)
            since = dt.datetime.fromisoformat(found["since"])
            until = dt.datetime.fromisoformat(found["until"]) if found["until"] else None
            if at < since or (until is not None and at >= until):
                return None
            output = Path(found["output_path"])
            if _leftovers(output):
                return None
            current = output_digest(output)
            if current is None or found.get("output") != current.hex():
                return None
            problems = tuple(Problem(p, int(line), Severity(sev), text) for p, line, sev, text in found["problems"])
            infos = tuple(str(i) for i in found["infos"])
            return Replay(output, int(found["pages"]), int(found["files"]), problems, infos)
        except (KeyError, TypeError, ValueError, OverflowError):
            return None

    def save(self, now: dt.datetime, until: dt.datetime | None, timezone: str, replay: Replay) -> None:
        """Stamp the output just written (or left as it was) by a successful build."""
        if self.inputs is None:
            return
        current = output_digest(replay.output)
        key = signing_key()
        if current is None or key is None:
            return
        body = {
            "version": _VERSION,
            "options": self.options,
            "inputs": self.inputs.hex(),
            "output": current.hex(),
            "output_path": str(replay.output.absolute()),
            "timezone": timezone,
            "since": now.isoformat(),
            "until": until.isoformat() if until else None,
            "pages": replay.pages,
            "files": replay.files,
            "problems": [[p.path, p.line, p.severity.value, p.message] for p in replay.problems],
            "infos": list(replay.infos),
        }
        text = json.dumps(body, sort_keys=True, ensure_ascii=True)
        signed = json.dumps({"body": text, "tag": hmac.new(key, text.encode(), "sha256").hexdigest()})
        path = self.folder / STAMP_FILE
        if not_ours(self.folder) or not_ours(path):
            return
        temporary = self.folder / f".{STAMP_FILE}.{os.getpid()}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temporary, "x", encoding="ascii") as handle:
                handle.write(signed)
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()

    def forget(self) -> None:
        """A run that changed the output without stamping it: the old stamp no longer describes it."""
        with contextlib.suppress(OSError):
            if not not_ours(self.folder / STAMP_FILE):
                (self.folder / STAMP_FILE).unlink()

    def _read(self) -> dict[str, Any] | None:
        path = self.folder / STAMP_FILE
        key = signing_key()
        if key is None or not_ours(self.folder) or not_ours(path):
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                signed = json.loads(handle.read(8 * 1024 * 1024))
            text = signed["body"]
            tag = hmac.new(key, text.encode(), "sha256").hexdigest()
            if not hmac.compare_digest(tag, str(signed["tag"])):
                return None
            body = json.loads(text)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeError):
            return None
        return body if isinstance(body, dict) and body.get("version") == _VERSION else None


def _leftovers(output: Path) -> bool:
    """Folders of a killed build beside the output: the full build cleans them up. (A replaced
    site being removed in the background, ``.trash-``, is no sign of one.)"""
    prefix = f".{output.name}."
    try:
        return any(
            name.startswith(prefix) and name != f"{prefix}lock" and not name.startswith(f"{prefix}trash-")
            for name in os.listdir(output.parent)
        )
    except OSError:
        return True


def next_moment(values: Iterable[object], now: dt.datetime) -> dt.datetime | None:
    """The earliest date-time after ``now`` anywhere in ``values`` (dataclasses, containers, Moments):
    the output can change then (an embargo, an expiry, an update or a cancel falls due), so a
    stamp made now is good only until then. Broader than any list of named fields, on purpose."""
    earliest: dt.datetime | None = None
    stack = list(values)
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None and value > now and (earliest is None or value < earliest):
                earliest = value
        elif (
            isinstance(value, str | bytes | int | float | bool | dt.date | dt.time | dt.timedelta)
            or value is None
            or id(value) in seen
        ):
            continue
        elif is_dataclass(value) and not isinstance(value, type):
            seen.add(id(value))
            stack.extend(getattr(value, f.name) for f in fields(value))
        elif isinstance(value, dict):
            seen.add(id(value))
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set | frozenset):
            seen.add(id(value))
            stack.extend(value)
    return earliest
