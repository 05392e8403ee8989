"""The record of published CAP messages: ``published/<slug>/<n>.xml`` in the site, committed with it.

Aggregators treat a CAP message as a public document that never changes once sent. The first
``build`` that publishes message n records its bytes here; every later build, on any machine and
into any folder, publishes the recorded bytes instead of making them again, so the output is a
pure function of the repository. Only ``build`` writes the record (``serve``, ``watch`` and
``check`` read it), and it only ever adds files: a recorded message is never rewritten.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problems
from .fields import SLUG

RECORD_DIR = "published"
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
    """Every recorded message; files that cannot be messages are reported, never silently skipped."""
    record = Record()
    top = site_root / RECORD_DIR
    try:
        top_stat = os.lstat(top)
    except FileNotFoundError:
        return record
    except OSError as exc:
        problems.error(RECORD_DIR, 1, f"cannot read the record of published CAP messages: {exc.strerror}")
        return record
    if not stat.S_ISDIR(top_stat.st_mode):
        problems.error(RECORD_DIR, 1, "must be the folder of published CAP messages (it is a file or a symlink)")
        return record
    try:
        slugs = sorted(os.listdir(top))
    except OSError as exc:
        problems.error(RECORD_DIR, 1, f"cannot read the record of published CAP messages: {exc.strerror}")
        return record
    for slug in slugs:
        if slug.startswith("."):
            continue
        where = f"{RECORD_DIR}/{slug}"
        if not SLUG.fullmatch(slug) or not (top / slug).is_dir() or (top / slug).is_symlink():
            problems.error(where, 1, "not a briefing's folder of published CAP messages (published/<slug>/<n>.xml)")
            continue
        try:
            names = sorted(os.listdir(top / slug))
        except OSError as exc:
            problems.error(where, 1, f"cannot read: {exc.strerror}")
            continue
        for name in names:
            if name.startswith("."):
                continue
            data = _read_message(top / slug / name, f"{where}/{name}", problems)
            if data is not None:
                record.messages.setdefault(slug, {})[int(name[:-4])] = data
    return record


def _read_message(path: Path, shown: str, problems: Problems) -> bytes | None:
    if not _MESSAGE_NAME.fullmatch(path.name):
        problems.error(shown, 1, "not a recorded CAP message; the record holds only <n>.xml files")
        return None
    try:
        # O_NOFOLLOW: a recorded message is a file of the site, never a link to somewhere else.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        problems.error(shown, 1, f"cannot read the recorded CAP message: {exc.strerror}")
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
    for temporary in sorted((site_root / RECORD_DIR).glob("*/.*.xml.tmp-*")):
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
