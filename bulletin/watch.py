"""Watching a site's sources and rebuilding: the shared engine of ``watch`` and ``serve``.

Which file-system events matter is decided by a pure function (:func:`relevant_paths`), so it is
tested with synthetic events. Editors' temporary and backup files, reads (watchdog reports opens
and closes) and the output folder are ignored; a save by rename counts by its destination.
A burst of events becomes one rebuild after a quiet period; a change that arrives during a
rebuild triggers exactly one more.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from .paths import THEME_ROOT, is_ignored_name

QUIET_SECONDS = 0.05  # events closer together than this are one change
MAX_WAIT_SECONDS = 2.0  # a steady trickle of events still gets a rebuild this often
SOURCE_DIRS = ("content", "templates", "static", "published")
_IGNORED_EVENTS = {"opened", "closed_no_write"}


def watched_roots(site_root: Path) -> list[Path]:
    """Folders whose changes can change the site: the site's sources and the default theme."""
    roots = [site_root / name for name in SOURCE_DIRS]
    roots += [THEME_ROOT / "templates", THEME_ROOT / "static"]
    return list(dict.fromkeys(r.resolve() for r in roots))


def relevant_paths(events: Iterable[FileSystemEvent], site_root: Path, output: Path) -> set[str]:
    """The paths a batch of events changed that can change the built site."""
    site_root = site_root.resolve()
    output = output.resolve()
    # The source folders by name as well: replacing a symlinked content/ changes the name, not the target.
    roots = watched_roots(site_root) + [site_root / name for name in SOURCE_DIRS]
    config = site_root / "site.yaml"
    found: set[str] = set()
    for event in events:
        if event.event_type in _IGNORED_EVENTS or (event.is_directory and event.event_type == "modified"):
            continue
        candidates = [event.src_path, getattr(event, "dest_path", "") or ""]
        for raw in candidates:
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            if not path.is_absolute():
                path = site_root / path
            if path == output or output in path.parents:
                continue
            inside = path.relative_to(site_root).parts if path.is_relative_to(site_root) else (path.name,)
            if any(is_ignored_name(part) for part in inside):  # also files in hidden folders (.obsidian/)
                continue
            if path == config or any(root == path or root in path.parents for root in roots):
                found.add(str(path))
    return found


class _Collector(FileSystemEventHandler):
    def __init__(self, notify: Callable[[FileSystemEvent], None]) -> None:
        self.notify = notify

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.notify(event)


class Rebuilder:
    """Runs ``rebuild`` after each quiet burst of relevant changes, one rebuild at a time."""

    def __init__(
        self,
        site_root: Path,
        output: Path,
        rebuild: Callable[[set[str]], None],
        poll: bool = False,
        quiet: float = QUIET_SECONDS,
    ) -> None:
        self.site_root = site_root
        self.output = output
        self.rebuild = rebuild
        self.quiet = quiet
        self.poll = poll
        self._events: list[FileSystemEvent] = []
        self._lock = threading.Condition()
        self._stopped = False
        self._last_event = 0.0
        self.rebuilds = 0
        # watched source folder -> (its watchdog watch, its inode): a folder deleted and made again
        # is a new inode, which the old watch no longer sees
        self._scheduled: dict[Path, tuple[object, int]] = {}
        self.observer = PollingObserver(timeout=0.5) if poll else Observer()

    def _notify(self, event: FileSystemEvent) -> None:
        with self._lock:
            self._events.append(event)
            self._last_event = time.monotonic()
            self._lock.notify_all()

    def start(self) -> None:
        self._handler = _Collector(self._notify)
        self._schedule_sources()
        handler = self._handler
        # The site root itself, not recursively: site.yaml, and source folders created later.
        self.observer.schedule(handler, str(self.site_root.resolve()), recursive=False)
        try:
            self.observer.start()
        except OSError as exc:  # inotify limits (ENOSPC, EMFILE): poll instead of failing
            print(
                f"bulletin: cannot watch with inotify ({exc.strerror}); polling instead. "
                "Raise fs.inotify.max_user_watches to watch natively.",
                file=sys.stderr,
            )
            self.observer = PollingObserver(timeout=0.5)
            self._scheduled.clear()
            self._schedule_sources()
            self.observer.schedule(handler, str(self.site_root.resolve()), recursive=False)
            self.observer.start()
        threading.Thread(target=self._loop, name="bulletin-rebuild", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self.observer.stop()
        self.observer.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._events and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                # Wait for a quiet moment: one save can be several events, a checkout hundreds.
                first = time.monotonic()
                while (
                    time.monotonic() - self._last_event < self.quiet
                    and time.monotonic() - first < MAX_WAIT_SECONDS
                    and not self._stopped
                ):
                    self._lock.wait(self.quiet)
                events, self._events = self._events, []
            changed = relevant_paths(events, self.site_root, self.output)
            gone = {
                Path(os.fsdecode(e.src_path)).resolve()
                for e in events
                if e.event_type in ("deleted", "moved") and e.is_directory
            }
            self._schedule_sources(gone)  # source folders deleted, or created (again), since the last batch
            if changed:
                self.rebuilds += 1
                try:
                    self.rebuild(changed)
                except Exception:  # a bug must not end the session: report it, keep watching
                    traceback.print_exc()
                    print("bulletin: internal error during rebuild (a bug; please report it)", file=sys.stderr)

    def _schedule_sources(self, gone: set[Path] | None = None) -> None:
        wanted = watched_roots(self.site_root)
        for root in [r for r in self._scheduled if r not in wanted]:  # a symlinked source folder now points elsewhere
            with contextlib.suppress(KeyError, OSError, RuntimeError):
                self.observer.unschedule(self._scheduled[root][0])  # type: ignore[arg-type]
            del self._scheduled[root]
        for root in wanted:
            try:
                inode = root.stat().st_ino if root.is_dir() else None
            except OSError:
                inode = None
            current = self._scheduled.get(root)
            if current is not None and (current[1] != inode or root in (gone or set())):
                with contextlib.suppress(KeyError, OSError, RuntimeError):
                    self.observer.unschedule(current[0])  # type: ignore[arg-type]
                del self._scheduled[root]
                current = None
            if current is None and inode is not None:
                with contextlib.suppress(OSError, RuntimeError):  # gone again before we got to it
                    watch = self.observer.schedule(self._handler, str(root), recursive=True)
                    self._scheduled[root] = (watch, inode)
