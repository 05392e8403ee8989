"""The record of published CAP messages: ``published/<slug>/<n>.xml`` in the site, committed with it.

Aggregators treat a CAP message as a public document that never changes once sent. The first
``build`` that publishes message n records its bytes here; every later build, on any machine and
into any folder, publishes the recorded bytes instead of making them again, so the output is a
pure function of the repository. Only ``build`` writes the record (``serve``, ``watch`` and
``check`` read it), and it only ever adds files: a recorded message is never rewritten.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problems
from .fields import SLUG
from .paths import RECORD_DIR
from .sitefiles import READ_NO_LINK

MAX_MESSAGE_BYTES = 1 << 20  # our messages are a few KB; anything this large is not one of them
_MESSAGE_NAME = re.compile(r"(0|[1-9][0-9]{0,5})\.xml")


@dataclass
class Record:
    """Recorded messages by briefing slug and message number."""

    messages: dict[str, dict[int, bytes]] = field(default_factory=dict)

    def get(self, slug: str, number: int) -> bytes | None:
        return self.messages.get(slug, {}).get(number)

    def numbers(self, slug: str) -> list[int]:
        return sorted(self.messages.get(slug, {}))


def record_path(slug: str, number: int) -> str:
    """Where message ``number`` of ``slug`` is recorded, relative to the site root."""
    return f"{RECORD_DIR}/{slug}/{number}.xml"


def read_record(site_root: Path, problems: Problems) -> Record:
    """Every recorded message; files that cannot be messages are reported, never silently skipped.

    The record holds no links at all: each folder and file is opened relative to the descriptor
    of the folder above it, without following a link, so none can be swapped in between a check
    and a read.
    """
    record = Record()
    try:
        top = _open_folder(RECORD_DIR, site_root / RECORD_DIR)
    except FileNotFoundError:
        return record
    except _NotRecord as exc:
        problems.error(RECORD_DIR, 1, str(exc))
        return record
    try:
        for slug in sorted(os.listdir(top)):
            if slug.startswith("."):
                continue
            where = f"{RECORD_DIR}/{slug}"
            try:
                if not SLUG.fullmatch(slug):
                    raise _NotRecord("not a briefing's folder of published CAP messages (published/<slug>/<n>.xml)")
                folder = _open_folder(slug, slug, top)
            except (_NotRecord, FileNotFoundError) as exc:
                problems.error(where, 1, str(exc) or "gone while it was read")
                continue
            try:
                for name in sorted(os.listdir(folder)):
                    if name.startswith("."):
                        continue
                    data = _read_message(folder, name, f"{where}/{name}", problems)
                    if data is not None:
                        record.messages.setdefault(slug, {})[int(name[:-4])] = data
            finally:
                os.close(folder)
    finally:
        os.close(top)
    return record


class _NotRecord(Exception):
    pass


def _open_folder(shown: str, path: Path | str, parent: int | None = None) -> int:
    try:
        fd = os.open(path, READ_NO_LINK | getattr(os, "O_DIRECTORY", 0), dir_fd=parent)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _NotRecord(
                f"{shown} must be a folder of published CAP messages, not a file or a symlink"
                if parent is None
                else "not a briefing's folder of published CAP messages (published/<slug>/<n>.xml)"
            ) from None
        raise _NotRecord(f"cannot read the record of published CAP messages: {exc.strerror}") from None
    return fd


def _read_message(folder: int, name: str, shown: str, problems: Problems) -> bytes | None:
    if not _MESSAGE_NAME.fullmatch(name):
        problems.error(shown, 1, "not a recorded CAP message; the record holds only <n>.xml files")
        return None
    try:
        fd = os.open(name, READ_NO_LINK, dir_fd=folder)
    except OSError as exc:
        reason = "a recorded CAP message must be a regular file" if exc.errno == errno.ELOOP else None
        problems.error(shown, 1, reason or f"cannot read the recorded CAP message: {exc.strerror}")
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            problems.error(shown, 1, "a recorded CAP message must be a regular file")
            return None
        data = handle.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES or b"urn:oasis:names:tc:emergency:cap:1.2" not in data:
        problems.error(shown, 1, "is not a CAP 1.2 message; restore it from version control")
        return None
    return data


def write_record(site_root: Path, new: dict[tuple[str, int], bytes]) -> list[str]:
    """Record newly published messages; returns their site-relative paths.

    Each file is written whole beside its place and linked in, which fails rather than replaces
    when a concurrent build recorded the same message first: a recorded message is never rewritten.
    """
    written = []
    for (slug, number), data in sorted(new.items()):
        folder = site_root / RECORD_DIR / slug
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{number}.xml"
        temporary = folder / f".{number}.xml.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            with open(temporary, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, target)
            except FileExistsError:
                continue
        finally:
            temporary.unlink(missing_ok=True)
        written.append(record_path(slug, number))
    if written:
        _sync_folder(site_root / RECORD_DIR)
    return written


def remove_stale_temporaries(site_root: Path) -> list[Path]:
    """Remove half-written records of builds that were killed (their process is gone)."""
    removed = []
    top = site_root / RECORD_DIR
    if top.is_symlink() or not top.is_dir():
        return removed
    folders = [f for f in sorted(top.iterdir()) if not f.is_symlink() and f.is_dir()]  # never into a link
    for temporary in (t for folder in folders for t in sorted(folder.glob(".*.xml.tmp-*"))):
        pid = temporary.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                temporary.unlink()
                removed.append(temporary)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the files themselves are synced
    finally:
        os.close(fd)
