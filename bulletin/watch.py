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

from .paths import is_ignored_name
from .render import THEME_ROOT

QUIET_SECONDS = 0.05  # events closer together than this are one change
SOURCE_DIRS = ("content", "templates", "static")
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
    roots = watched_roots(site_root)
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
            if is_ignored_name(path.name) or path == output or output in path.parents:
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
        self._scheduled: set[Path] = set()
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
                while time.monotonic() - self._last_event < self.quiet and not self._stopped:
                    self._lock.wait(self.quiet)
                events, self._events = self._events, []
            changed = relevant_paths(events, self.site_root, self.output)
            if self._new_source_folder(changed):
                self._rewatch()
            if changed:
                self.rebuilds += 1
                try:
                    self.rebuild(changed)
                except Exception:  # a bug must not end the session: report it, keep watching
                    traceback.print_exc()
                    print("bulletin: internal error during rebuild (a bug; please report it)", file=sys.stderr)

    def _new_source_folder(self, changed: set[str]) -> bool:
        return any(Path(p).parent == self.site_root.resolve() and Path(p).name in SOURCE_DIRS for p in changed)

    def _rewatch(self) -> None:
        self._schedule_sources()

    def _schedule_sources(self) -> None:
        for root in watched_roots(self.site_root):
            if root.is_dir() and root not in self._scheduled:
                with contextlib.suppress(OSError, RuntimeError):  # gone again before we got to it
                    self.observer.schedule(self._handler, str(root), recursive=True)
                    self._scheduled.add(root)
