"""Pages kept between runs: a page whose inputs are all as they were is not rendered again.

Each page is rendered from a template set, the site-wide globals and its own context, and every
one of those is data: frozen view objects, strings, numbers, dates. A page's key is a digest of
all of it, taken the way :func:`bulletin.cache.same` compares values (types, key order, the
``fold`` of a date-time), plus the code fingerprint. After a build, ``pages.json`` in the cache
folder records each HTML page's key and the status of the file the build left in the output.
The next run computes the keys again (cheap next to rendering) and, for a page whose key and
output file are both as recorded, keeps that file instead of rendering it: the page's sources,
the templates the theme and site have, the config keys that reach the globals and the clock as
far as it changes a view are all in the key, so an edit redoes exactly the pages it reaches.

The record is signed like the parse cache and trusted only as far as the output agrees with it:
a file whose inode, size, modification time or mode differs from the record is rendered again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import os
import stat
from enum import Enum
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, BinaryIO

from .paths import safe_join
from .signing import fingerprint, not_ours, signing_key
from .writer import as_written

PAGES_FILE = "pages.json"
_VERSION = 1


class Unkeyable(Exception):
    """A value whose rendering cannot be told from its data (a function, an unknown object)."""


class Keys:
    """Digests of values, each object digested once per build (views are shared by many pages)."""

    def __init__(self) -> None:
        self._done: dict[int, bytes] = {}
        self._alive: list[object] = []  # keeps ids unique while this object lives

    def of(self, value: Any) -> bytes:
        kind = type(value)
        if value is None or kind in (bool, int, float):
            return f"{kind.__name__}:{value!r}".encode()
        if isinstance(value, str):  # Markup too, by its type's name
            return b"%s:%d:%s" % (kind.__name__.encode(), len(value), value.encode("utf-8", "surrogatepass"))
        done = self._done.get(id(value))
        if done is not None:
            return done
        digest = hashlib.blake2b(self._parts(value), digest_size=16).digest()
        self._done[id(value)] = digest
        self._alive.append(value)
        return digest

    def _parts(self, value: Any) -> bytes:
        kind = type(value)
        name = f"{kind.__module__}.{kind.__qualname__}".encode()
        if isinstance(value, dt.datetime):
            tz = value.tzinfo
            return name + f"{value.isoformat()}|{value.fold}|{getattr(tz, 'key', tz)!r}".encode()
        if isinstance(value, bytes | PurePath | Enum | dt.date | dt.timedelta | dt.tzinfo):
            return name + repr(value).encode()
        if isinstance(value, list | tuple):
            return name + b"[" + b",".join(self.of(item) for item in value) + b"]"
        if isinstance(value, dict):
            return name + b"{" + b",".join(self.of(k) + b"=" + self.of(v) for k, v in value.items()) + b"}"
        if isinstance(value, set | frozenset):
            return name + b"{" + b",".join(sorted(self.of(item) for item in value)) + b"}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = dataclasses.fields(value)
            return name + b"(" + b",".join(self.of(getattr(value, f.name)) for f in fields) + b")"
        raise Unkeyable(f"cannot key a {kind.__qualname__}")


def page_key(keys: Keys, common: bytes, template: str, context: dict[str, Any]) -> str | None:
    """The key of one page, or None when its context holds something that cannot be keyed."""
    try:
        return hashlib.blake2b(common + template.encode() + b"\0" + keys.of(context), digest_size=20).hexdigest()
    except Unkeyable:
        return None


def common_key(templates_digest: str, globals_: tuple[tuple[str, Any], ...], keys: Keys) -> bytes:
    """What every page depends on: the code, the templates' bytes and the data globals."""
    try:
        return fingerprint() + templates_digest.encode() + keys.of(globals_)
    except Unkeyable:
        return os.urandom(16)  # never equal to a recorded key: every page renders


@dataclasses.dataclass(frozen=True)
class Kept:
    """A page left as the last build wrote it: its file in the output, as recorded."""

    inode: int
    size: int
    mtime_ns: int
    mode: int
    marked: bool  # holds data-threat-level (the theme's check, repeated without the bytes)

    def same(self, old: BinaryIO) -> bool:
        """For the writer: the open file is the recorded one (its bytes are not read again)."""
        return self.matches(os.fstat(old.fileno()))

    def matches(self, status: os.stat_result) -> bool:
        return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_mode) == (
            self.inode,
            self.size,
            self.mtime_ns,
            self.mode,
        )


class PageStore:
    """The last build's pages: read before rendering, written after a successful build."""

    def __init__(self, folder: Path, output: Path) -> None:
        self.folder = folder
        self.output = output
        self.keys = Keys()
        self._recorded = self._read()
        self._new: dict[str, tuple[str, bool]] = {}  # url -> (key, marked)
        self._paths: dict[str, PurePosixPath] = {}

    def kept(self, url: str, path: PurePosixPath, key: str | None) -> Kept | None:
        """The recorded page at ``url`` if its key is ``key`` and its output file is as recorded."""
        entry = self._recorded.get(url)
        if key is None or entry is None or entry[0] != key:
            return None
        kept = Kept(*entry[1:])
        try:
            status = os.stat(safe_join(self.output, path), follow_symlinks=False)
        except (OSError, ValueError):
            return None
        # Only a file the writer will link in as it is (one link: the previous site is gone).
        return kept if as_written(status) and kept.matches(status) else None

    def note(self, url: str, path: PurePosixPath, key: str | None, marked: bool) -> None:
        """A page of this build, with the key it was (or would have been) rendered under."""
        if key is not None:
            self._new[url] = (key, marked)
            self._paths[url] = path

    def save(self) -> None:
        """Record this build's pages with the status of their files in the output just swapped in."""
        secret = signing_key()
        if secret is None or not_ours(self.folder) or not_ours(self.folder / PAGES_FILE):
            return
        pages: dict[str, list[Any]] = {}
        for url, (key, marked) in self._new.items():
            try:
                status = os.stat(safe_join(self.output, self._paths[url]), follow_symlinks=False)
            except (OSError, ValueError, KeyError):
                continue
            pages[url] = [key, status.st_ino, status.st_size, status.st_mtime_ns, status.st_mode, marked]
        body = json.dumps({"version": _VERSION, "output": str(self.output.absolute()), "pages": pages})
        signed = hmac.new(secret, body.encode(), "sha256").hexdigest() + "\n" + body
        temporary = self.folder / f".{PAGES_FILE}.{os.getpid()}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temporary, "x", encoding="utf-8") as handle:
                handle.write(signed)
            os.replace(temporary, self.folder / PAGES_FILE)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()

    def forget(self) -> None:
        with contextlib.suppress(OSError):
            if not not_ours(self.folder / PAGES_FILE):
                (self.folder / PAGES_FILE).unlink()

    def _read(self) -> dict[str, list[Any]]:
        path = self.folder / PAGES_FILE
        secret = signing_key()
        if secret is None or not_ours(self.folder) or not_ours(path):
            return {}
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return {}
                tag, _, body = handle.read().decode("utf-8").partition("\n")
            if not hmac.compare_digest(tag, hmac.new(secret, body.encode(), "sha256").hexdigest()):
                return {}
            data = json.loads(body)
            if data.get("version") != _VERSION or data.get("output") != str(self.output.absolute()):
                return {}
            pages = data["pages"]
            return pages if all(_entry(v) for v in pages.values()) else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeError):
            return {}


def _entry(value: object) -> bool:
    """A recorded page: [key, inode, size, mtime_ns, mode, marked]."""
    if not isinstance(value, list) or len(value) != 6 or not isinstance(value[0], str):
        return False
    return all(type(n) is int for n in value[1:5]) and type(value[5]) is bool
