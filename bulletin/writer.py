"""Atomic output: a site is written into a fresh folder beside the output and swapped in whole.

On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call, so the output folder
always holds either the complete previous site or the complete new one, even if
the build is killed or the power fails (the new files are synced first). Elsewhere
it falls back to two renames, and the next build repairs a swap cut in half.
Leftovers of killed builds are removed by the next build; a lock file keeps two
builds from swapping at the same moment.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .errors import BulletinError
from .paths import UnsafePath, safe_join
from .sitefiles import READ_NO_LINK, SiteFile, UnreadableFile

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds must not overlap there
    fcntl = None  # type: ignore[assignment]

MARKER = ".bulletin-output"
_MARKER_TEXT = b"This folder is written by Bulletin; each build replaces it whole.\n"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class Release:
    """A new version of the output folder, being written. Use :func:`release`."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.parent = output.parent
        self.folder = self.parent / f".{output.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        self.folder.mkdir()
        # Held while this build runs: the next build knows a folder whose lock it can take is a leftover.
        self._hold = _hold_folder(self.folder)
        self.files = 0
        self.kept = 0  # files linked in unchanged from the previous site
        self.removed = 0  # files of the previous site that the new one does not have
        self._names: set[str] = set()
        self._made: set[Path] = set()

    def write(self, relative: PurePosixPath, data: bytes) -> None:
        target = safe_join(self.folder, relative)
        self._folder_for(target)
        self.files += 1
        self._names.add(str(relative))
        if self._keep(relative, target, bytes_are(data)):
            return
        with open(target, "xb") as handle:  # "x": two outputs claiming one path is a bug, never an overwrite
            handle.write(data)

    def keep(self, relative: PurePosixPath, same: Same) -> None:
        """Link in the previous site's file, which ``same`` says is the one to publish (a page not
        rendered again); if it changed since, the build fails rather than publish without it."""
        target = safe_join(self.folder, relative)
        self._folder_for(target)
        self.files += 1
        self._names.add(str(relative))
        if not self._keep(relative, target, same):
            raise BulletinError(str(self.output / relative), 1, "changed in the output during the build; build again")

    def copy(self, relative: PurePosixPath, source: SiteFile) -> None:
        target = safe_join(self.folder, relative)
        self._folder_for(target)
        self.files += 1
        self._names.add(str(relative))
        if self._keep(relative, target, source.same_bytes):
            return
        source.copy_to(target)

    def _folder_for(self, target: Path) -> None:
        # Made once each: a mkdir that finds the folder there costs a system call per file.
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)

    def _keep(self, relative: PurePosixPath, target: Path, same: Same) -> bool:
        """Link the previous site's file in when its bytes are the ones to write: it keeps its
        modification time (and inode), so rsync and bucket-sync tools upload only what changed."""
        status = _same_file(self.output, relative, same)
        if status is None:
            return False
        try:
            os.link(safe_join(self.output, relative), target, follow_symlinks=False)
            linked = os.lstat(target)
        except (OSError, NotImplementedError):  # no linkat (Windows): write the file instead
            return False
        if (linked.st_dev, linked.st_ino) != (status.st_dev, status.st_ino):
            target.unlink()  # the name was swapped after the comparison: write the file instead
            return False
        self.kept += 1
        return True

    def commit(self) -> None:
        (self.folder / MARKER).write_bytes(_MARKER_TEXT)
        _sync_file_system(self.folder)  # the new files must be on disk before the swap makes them the output
        with _lock(self.parent / f".{self.output.name}.lock"):
            if self.output.exists():
                _check_replaceable(self.output)
                if not _exchange(self.folder, self.output):
                    old = self.parent / f".{self.output.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
                    os.rename(self.output, old)
                    os.rename(self.folder, self.output)
                    self.folder = old
                _fsync_dir(self.parent)
                self.close()
                self.removed = _count_missing(self.folder, self._names | {MARKER})
                retire(self.folder, self.output)  # now the previous site
            else:
                os.rename(self.folder, self.output)
                _fsync_dir(self.parent)

    def abort(self) -> None:
        _remove_tree(self.folder)

    def close(self) -> None:
        if self._hold is not None:
            os.close(self._hold)
            self._hold = None


Same = Callable[[BinaryIO], bool]


def _count_missing(folder: Path, names: set[str]) -> int:
    """How many files under ``folder`` (the previous site) are not among ``names`` (the new one's)."""
    missing = 0
    for current, _, files in os.walk(folder):
        here = os.path.relpath(current, folder)
        for name in files:
            missing += (name if here == "." else f"{here}/{name}") not in names
    return missing


def bytes_are(data: bytes) -> Same:
    """A test that an open file holds exactly ``data``."""
    return lambda old: old.read(len(data) + 1) == data


def _same_file(output: Path, relative: PurePosixPath, same: Same) -> os.stat_result | None:
    """The status of the output's regular file at ``relative`` if ``same`` says it holds the right bytes."""
    try:
        fd = os.open(safe_join(output, relative), READ_NO_LINK)
    except (OSError, UnsafePath):
        return None
    with os.fdopen(fd, "rb") as old:
        try:
            status = os.fstat(fd)
            return status if as_written(status) and same(old) else None
        except (OSError, UnreadableFile):
            return None


_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import, before any thread could create a file meanwhile


def as_written(status: os.stat_result) -> bool:
    """A file as a build would have left it: regular, ours, one link, the mode new files get.
    A file someone chmod-ed, or hard-linked into a snapshot, is written afresh instead."""
    owner = status.st_uid == os.geteuid() if hasattr(os, "geteuid") else True
    mode = stat.S_IMODE(status.st_mode) == 0o666 & ~_UMASK
    return stat.S_ISREG(status.st_mode) and owner and mode and status.st_nlink == 1


def unchanged_output(output: Path, files: dict[PurePosixPath, Same]) -> bool:
    """Whether ``output`` (a folder Bulletin wrote) holds exactly these files with these bytes:
    then a build has nothing to write, and touches nothing. Stops at the first difference."""
    if not (output / MARKER).is_file():
        return False
    found: set[str] = set()
    for current, dirs, names in os.walk(output):  # exactly these names: no extra, no other case, no links
        here = Path(current)
        if not dirs and not names or any(os.path.islink(here / d) for d in dirs):
            return False
        found.update((here / name).relative_to(output).as_posix() for name in names)
    if found != {str(path) for path in files} | {MARKER}:
        return False
    return all(_same_file(output, relative, same) is not None for relative, same in sorted(files.items()))


@contextlib.contextmanager
def release(output: Path) -> Iterator[Release]:
    """A :class:`Release` that is removed again unless ``commit()`` was called and succeeded."""
    prepare_output(output)
    rel = Release(output)
    try:
        yield rel
    finally:
        if rel.folder.exists():
            rel.abort()
        rel.close()


def prepare_output(output: Path) -> None:
    """Refuse an output folder that is not ours to replace, and clean up after killed builds."""
    check_output_folder(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(output)


def check_output_folder(output: Path) -> None:
    if output.is_symlink():
        raise BulletinError(str(output), 1, "output is a symlink; give the real folder as --output")
    if os.path.lexists(output) and not output.is_dir():
        raise BulletinError(str(output), 1, "output exists and is not a folder; refusing to replace it")
    for parent in output.parents:
        if os.path.lexists(parent) and not parent.is_dir():
            raise BulletinError(str(output), 1, f"cannot make the output folder: {parent} is not a folder")
    if output.is_dir():
        _check_replaceable(output)


def _check_replaceable(output: Path) -> None:
    """Never swap away a folder Bulletin did not write (someone's ~/Documents given as --output)."""
    if output.is_symlink():
        raise BulletinError(str(output), 1, "output is a symlink; give the real folder as --output")
    if any(output.iterdir()) and not (output / MARKER).is_file():
        raise BulletinError(
            str(output), 1, f"refusing to replace {output}: it is not empty and was not written by Bulletin"
        )


def remove_leftovers(output: Path) -> None:
    """Remove temporary folders of builds that were killed, and finish a swap cut in half."""
    parent = output.parent
    pattern = glob.escape(f".{output.name}")
    with _lock(parent / f".{output.name}.lock"):
        for entry in sorted(parent.glob(f"{pattern}.old-*")):
            if not output.exists() and (entry / MARKER).is_file():
                os.rename(entry, output)  # a fallback swap was cut between its two renames
            else:
                _remove_tree(entry)
        for entry in sorted([*parent.glob(f"{pattern}.tmp-*"), *parent.glob(f"{pattern}.trash-*")]):
            if _abandoned(entry):  # a trash folder is held by the process removing it, while it runs
                _remove_tree(entry)


def retire(folder: Path, output: Path) -> None:
    """Remove a replaced site without keeping the build waiting for it.

    Removing tens of thousands of folders can take longer than the whole build on some file systems
    (on an ext4 mounted with ``discard``, about a millisecond a folder). The folder is renamed out of
    the way and removed by a detached, low-priority process that holds its lock; if that process
    dies, the next build removes what is left. Where that cannot be done, it is removed here.
    """
    trash = folder.parent / f".{output.name}.trash-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        os.rename(folder, trash)
        held = _hold_folder(trash)
    except OSError:
        _remove_tree(folder)
        return
    if held is None or not hasattr(os, "posix_spawn"):  # no locks or no spawn (Windows): remove it here
        _remove_tree(trash)
        if held is not None:
            os.close(held)
        return
    _reap()
    try:
        os.set_inheritable(held, True)  # the remover keeps the lock for as long as it runs
        command = [sys.executable, "-c", _REMOVER, str(Path(__file__).resolve().parent.parent), str(trash)]
        # Its own session: a Ctrl-C in the terminal after the build does not stop it.
        quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]  # never holds a pipe
        _REMOVERS.append(os.posix_spawn(sys.executable, command, os.environ, file_actions=quiet, setsid=True))
    except OSError:
        _remove_tree(trash)
    finally:
        os.close(held)


_REMOVERS: list[int] = []  # process ids, reaped as later builds of a live session retire more


def _reap() -> None:
    for pid in list(_REMOVERS):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        _REMOVERS.remove(pid)


_REMOVER = """
import os, sys
from pathlib import Path
os.nice(19)
sys.path.insert(0, sys.argv[1])
from bulletin.writer import _remove_tree
_remove_tree(Path(sys.argv[2]))
"""


def _remove_tree(folder: Path) -> None:
    """Remove ``folder`` and everything in it as far as possible, never raising.

    A killed build's folder may hold read-only folders (copied that way, or changed since), whose
    entries cannot be removed even by their owner: each folder in the tree that refuses is made
    readable, writable and searchable by its owner (``chmod u+rwx``) and the removal tried again.
    Nothing outside ``folder`` is ever changed.
    """
    top = os.path.abspath(folder)
    retried: set[tuple[str, str]] = set()

    def inside(path: str) -> bool:
        return path == top or path.startswith(top + os.sep)

    def retry(function: Callable[..., object], path: str, error: BaseException) -> None:
        if not isinstance(error, PermissionError) or (function.__name__, path) in retried:
            return  # gone already, or not a matter of permissions, or already tried: leave it
        retried.add((function.__name__, path))
        if function in (os.unlink, os.remove, os.rmdir):  # its folder refuses to lose an entry
            parent = os.path.dirname(path)
            if inside(parent) and _allow_owner(parent):
                with contextlib.suppress(OSError):
                    function(path)
        elif inside(path) and _allow_owner(path):  # a folder that cannot be opened or listed
            _rmtree(path, retry)

    _rmtree(top, retry)


def _rmtree(path: str, handler: Callable[[Callable[..., object], str, BaseException], None]) -> None:
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=handler)
    else:
        shutil.rmtree(path, onerror=lambda function, where, info: handler(function, where, info[1]))


def _allow_owner(path: str) -> bool:
    """``chmod u+rwx`` a real folder (never through a symlink); False when that is not possible."""
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISDIR(mode):
            return False
        os.chmod(path, stat.S_IMODE(mode) | stat.S_IRWXU)
    except OSError:
        return False
    return True


def _hold_folder(folder: Path) -> int | None:
    """Lock ``folder`` for as long as the returned descriptor stays open."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _abandoned(folder: Path) -> bool:
    """True when no running build holds ``folder`` (its builder was killed)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except PermissionError:
        # A leftover made unreadable (mode 000): ours to open again if this user owns it.
        try:
            if os.lstat(folder).st_uid != os.geteuid():
                return False
            os.chmod(folder, 0o700)
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            return False
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders; False where the OS or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sync_file_system(folder: Path) -> None:
    """Flush the file system holding ``folder`` (Linux ``syncfs``), not every disk of the machine."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
