"""The one place where the site's own files are found and opened: sources, templates, static files.

Every file is opened once, and the checks are made on the opened descriptor, not on the name:
it must be a regular file (a FIFO would block the build forever, a device could be endless) and
the file actually opened must lie inside the site (a symlink swapped in between a check and an
open cannot smuggle ``/etc/passwd`` into the output). Walks report every folder they cannot read
and every link that loops or leaves the site as a located problem, so a build never publishes
less than the sources say without saying why.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import Problems
from .paths import is_ignored_name

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
# For files that may hold no link at all (the published/ record, the previous output): a FIFO
# opens without blocking, and a link fails with ELOOP instead of being followed.
READ_NO_LINK = _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0)
_PROC_FD = Path("/proc/self/fd")
_CHUNK = 1024 * 1024


class UnreadableFile(Exception):
    """A site file that may not or cannot be read; the message says why, for a located problem."""


@dataclass(frozen=True)
class Found:
    """One file a walk found: where it is on disk and its path relative to the walked folder."""

    path: Path
    relative: PurePosixPath
    shown: str  # for messages: relative to the site (or theme) root


@dataclass(frozen=True)
class SiteFile:
    """A file to publish as it is (a static file), with the folder it must stay inside."""

    path: Path
    root: Path  # resolved
    shown: str  # for messages

    def check(self) -> None:
        """Raise :class:`UnreadableFile` unless the file can be published (``check`` reads nothing)."""
        fd, _ = open_inside(self.path, self.root)
        os.close(fd)

    def open(self) -> tuple[int, os.stat_result]:
        """A checked descriptor (the caller closes it) and its status."""
        return open_inside(self.path, self.root)

    def read(self) -> bytes:
        return read_inside(self.path, self.root)

    def copy_to(self, target: Path) -> None:
        copy_inside(self.path, self.root, target)

    def same_bytes(self, other: BinaryIO) -> bool:
        """Whether ``other`` (an open file) holds exactly this file's bytes."""
        fd, status = open_inside(self.path, self.root)
        try:
            if os.fstat(other.fileno()).st_size != status.st_size:
                return False
            while True:
                mine = os.read(fd, _CHUNK)
                if mine != other.read(len(mine) or 1):
                    return False
                if not mine:
                    return True
        finally:
            os.close(fd)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "not a regular file"


def open_inside(path: Path, root: Path) -> tuple[int, os.stat_result]:
    """Open ``path`` for reading if it is a regular file inside ``root`` (a resolved path).

    Returns the descriptor and its status; the caller closes it. Links inside the site are
    followed; where the file really is is read back from the descriptor itself.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise UnreadableFile(_reason(exc)) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFile(f"is {kind_of(status.st_mode)}; only regular files are read")
        if not _opened_inside(fd, path, status, root):
            raise UnreadableFile("symlink points outside the site; refusing to read it")
    except BaseException:
        os.close(fd)
        raise
    return fd, status


def read_inside(path: Path, root: Path, limit: int | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file inside ``root``; more than ``limit`` bytes is an error."""
    fd, status = open_inside(path, root)
    try:
        if limit is not None and status.st_size > limit:
            raise UnreadableFile(too_large(what, status.st_size, limit))
        cap = None if limit is None else limit + 1  # a file that grows while it is read is still capped
        data = bytearray()
        while cap is None or len(data) < cap:
            chunk = os.read(fd, _CHUNK if cap is None else min(_CHUNK, cap - len(data)))
            if not chunk:
                break
            data += chunk
    except OSError as exc:
        raise UnreadableFile(_reason(exc)) from None
    finally:
        os.close(fd)
    if limit is not None and len(data) > limit:
        raise UnreadableFile(too_large(what, len(data), limit))
    return bytes(data)


def copy_inside(path: Path, root: Path, target: Path) -> None:
    """Copy a regular file inside ``root`` to a new file ``target``, from the descriptor that was checked."""
    fd, _ = open_inside(path, root)
    try:
        with open(target, "xb") as out:
            _send(fd, out.fileno())
    finally:
        os.close(fd)


def _send(source: int, target: int) -> None:
    offset = 0
    try:
        if not hasattr(os, "sendfile"):
            raise OSError(errno.ENOSYS, "no sendfile")
        while count := os.sendfile(target, source, offset, 16 * _CHUNK):
            offset += count
        return
    except OSError as exc:
        if offset or exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise
    while chunk := os.read(source, _CHUNK):  # file systems without sendfile
        os.write(target, chunk)


def too_large(what: str, size: int, limit: int) -> str:
    return f"{what} is too large ({size:,} bytes, at most {limit:,})"


def _opened_inside(fd: int, path: Path, status: os.stat_result, root: Path) -> bool:
    try:
        real = Path(os.readlink(_PROC_FD / str(fd)))  # Linux: the file the descriptor really holds
    except OSError:
        real = Path(os.path.realpath(path))  # elsewhere: resolve, and check it is still the same file
        try:
            again = os.stat(real)
        except OSError:
            return False
        if (again.st_dev, again.st_ino) != (status.st_dev, status.st_ino):
            return False
    return real == root or real.is_relative_to(root)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop; cannot read it"
    return f"cannot read file: {exc.strerror or exc}"


def source_folder(folder: Path, shown: str, problems: Problems) -> bool:
    """Whether an optional source folder (``static/``, ``templates/``) is there to be read.

    Missing is fine; anything else in its place (a file, a broken link, a FIFO, no permission)
    is an error, never a silent fall-back to the theme's.
    """
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        if os.path.islink(folder):
            problems.error(shown, 1, "broken symlink; expected a folder")
        return False
    except OSError as exc:
        problems.error(shown, 1, f"cannot read folder: {exc.strerror or exc}")
        return False
    if not stat.S_ISDIR(mode):
        problems.error(shown, 1, f"is {kind_of(mode)}, not a folder")
        return False
    return True


def walk(folder: Path, root: Path, shown_base: Path, problems: Problems) -> Iterator[Found]:
    """Every file under ``folder`` (sorted, editors' litter skipped), following links inside ``root``.

    A folder that cannot be read, a link out of ``root``, a link loop and anything that is not a
    regular file or folder is an error; each real folder is visited once, so links cannot make a
    walk endless.
    """
    seen: dict[tuple[int, int], str] = {}  # each real folder, and where it was first read

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        problems.error(shown_path(where, shown_base), 1, f"cannot read folder: {exc.strerror or exc}")

    for current, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        here = Path(current)
        try:
            real = Path(os.path.realpath(here))
            status = os.stat(here)
        except OSError as exc:
            problems.error(shown_path(here, shown_base), 1, f"cannot read folder: {exc.strerror or exc}")
            dirs[:] = []
            continue
        if not (real == root or real.is_relative_to(root)):
            problems.error(shown_path(here, shown_base), 1, "symlink points outside the site; refusing to read it")
            dirs[:] = []
            continue
        identity = (status.st_dev, status.st_ino)
        if identity in seen:
            parent = Path(os.path.realpath(here.parent))
            if parent == real or parent.is_relative_to(real):
                problems.error(
                    shown_path(here, shown_base), 1, "symlink to a folder that contains it (a loop); skipped"
                )
            else:  # read already under its other name: its files are not read twice, and the author is told
                problems.warning(shown_path(here, shown_base), 1, f"same folder as {seen[identity]}; read only there")
            dirs[:] = []
            continue
        seen[identity] = shown_path(here, shown_base)
        dirs[:] = sorted(d for d in dirs if not is_ignored_name(d))
        names = sorted(files)
        for name in names:
            if is_ignored_name(name):
                continue
            path = here / name
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                reason = "broken symlink" if os.path.islink(path) and exc.errno == 2 else _reason(exc)
                problems.error(shown_path(path, shown_base), 1, reason)
                continue
            if not stat.S_ISREG(mode):
                problems.error(shown_path(path, shown_base), 1, f"is {kind_of(mode)}; only regular files are read")
                continue
            yield Found(path, PurePosixPath(path.relative_to(folder).as_posix()), shown_path(path, shown_base))


def shown_path(path: Path, base: Path) -> str:
    """A path for messages: relative to ``base`` (the site root) when it is inside it."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
