"""What makes a cached result trustworthy: a fingerprint of the code that made it, a per-user key
to sign it with, and a check that a cache file is this user's own and not a planted link."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

import yaml

_SCHEMA = 1  # raise when the layout of cached data changes
_LIBRARIES = ("Markdown", "nh3", "PyYAML", "Jinja2", "MarkupSafe", "Babel")  # all that shape a page's bytes


@functools.cache
def fingerprint() -> bytes:
    """Everything besides a source and its settings that can change a parse: our code, and libraries."""
    digest = hashlib.blake2b(digest_size=32)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    # The standard library parses too (html.parser, unicodedata), and libyaml words errors its own way.
    digest.update(f"{sys.version}|{sys.implementation.cache_tag}|{unicodedata.unidata_version}".encode())
    digest.update(f"libyaml={getattr(yaml, '__with_libyaml__', False)}|schema={_SCHEMA}".encode())
    return digest.digest()


def signing_key() -> bytes | None:
    """The key entries are signed with: per user, outside any site, made on first use."""
    home = os.environ.get("XDG_CACHE_HOME", "")
    base = (Path(home) if os.path.isabs(home) else Path.home() / ".cache") / "bulletin"  # XDG: ignore relative
    path = base / "cache-key"
    key = _read_key(path)
    if key is not None:
        return key
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = base / f".cache-key.{os.getpid()}"
        with open(temporary, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(os.urandom(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # whole, and only if no other build made one first
        except FileExistsError:
            if _read_key(path) is None:  # empty or short, left by a killed build: replace it
                os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError:
        return None
    return _read_key(path)


def _read_key(path: Path) -> bytes | None:
    """The key, if it is a regular file of 32 bytes that this user owns and only this user can read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        owned = status.st_uid == os.geteuid() if hasattr(os, "geteuid") else True
        if not stat.S_ISREG(status.st_mode) or not owned or status.st_mode & 0o077:
            return None
        data = handle.read(33)
    return data if len(data) == 32 else None


def not_ours(path: Path) -> str:
    """Why ``path`` may not be used for the cache (a link, something else, another user's), or ''."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"cannot read {path} ({exc.strerror})"
    if stat.S_ISLNK(status.st_mode):
        return f"{path} is a symlink"
    if not (stat.S_ISDIR(status.st_mode) or stat.S_ISREG(status.st_mode)):
        return f"{path} is not a file or folder"
    if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
        return f"{path} belongs to another user"
    return ""
