"""``serve`` and ``watch``: an initial build, then a rebuild after every change, until Ctrl-C."""

from __future__ import annotations

import dataclasses
import errno
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from . import builder
from .cache import BuildCache
from .errors import summary_line
from .serve import PreviewState, start_server
from .watch import Rebuilder


def _output(options: builder.BuildOptions) -> Path:
    if options.output:
        return options.output
    from .config import load_config
    from .errors import Problems

    config = load_config(options.site_root, Problems(), options.base_url)
    return options.site_root / (config.output_dir if config else "public")


def _report(result: builder.BuildResult, started: float, what: str, serving: bool = False) -> None:
    for problem in result.problems.sorted():
        print(problem, file=sys.stderr)
    counts = summary_line(result.problems.errors, result.problems.warnings)
    if result.ok:
        outcome = what
    elif what == "wrote":
        outcome = "build failed"
    elif serving:
        outcome = "build failed; still serving the last good build"
    else:
        outcome = "build failed; pages show the errors until a build succeeds"
    print(f"{time.strftime('%H:%M:%S')} {outcome} in {time.perf_counter() - started:.2f} s ({counts})", file=sys.stderr)


def _fresh(options: builder.BuildOptions) -> builder.BuildOptions:
    """Without --now, each rebuild judges embargo and expiry against the clock at that moment."""
    return dataclasses.replace(options, now=builder.resolve_now(None)) if options.now_from_clock else options


def serve(options: builder.BuildOptions, host: str, port: int, poll: bool, reporter: builder.Reporter) -> int:
    options = dataclasses.replace(options, cache=BuildCache())
    state = PreviewState()
    lock = threading.Lock()

    def rebuild(_changed: set[str] | None = None) -> None:
        with lock:
            started = time.perf_counter()
            result = builder.check(_fresh(options), reporter)
            if result.ok:
                state.publish(result.rendered, result.static)
            else:
                failing = [p for p in result.problems.sorted() if p.severity.value == "error" or options.strict]
                state.fail([str(p) for p in failing])
            _report(result, started, "rebuilt", serving=bool(state.snapshot.files))

    watcher = _start_watching(options, rebuild, poll)  # before the first build: an edit during it is not lost
    try:
        rebuild()
        try:
            server = start_server(state, host, port)
        except OSError as exc:
            hint = f"; another program uses it: try --port {port + 1}" if exc.errno == errno.EADDRINUSE else ""
            print(f"bulletin: cannot listen on {host}:{port}: {exc.strerror}{hint}", file=sys.stderr)
            return 2
        shown = f"[{host}]" if ":" in host else host
        print(f"serving http://{shown}:{server.server_address[1]}/ (Ctrl-C to stop)", file=sys.stderr)
        try:
            _wait_for_interrupt()
        finally:
            state.close()
            server.shutdown()
            server.server_close()
    finally:
        watcher.stop()
    return 0


def watch(options: builder.BuildOptions, poll: bool, reporter: builder.Reporter) -> int:
    # Rebuilds on every save publish drafts of messages; only a deliberate build records them.
    options = dataclasses.replace(options, cache=BuildCache(), record=False)
    lock = threading.Lock()

    def rebuild(_changed: set[str] | None = None) -> None:
        with lock:
            started = time.perf_counter()
            result = builder.build(_fresh(options), reporter)
            _report(result, started, "wrote")

    watcher = _start_watching(options, rebuild, poll)
    try:
        rebuild()
        print("watching for changes (Ctrl-C to stop)", file=sys.stderr)
        _wait_for_interrupt()
    finally:
        watcher.stop()
    return 0


def _start_watching(options: builder.BuildOptions, rebuild: Callable[[set[str]], None], poll: bool) -> Rebuilder:
    watcher = Rebuilder(options.site_root, _output(options), rebuild, poll=poll)
    watcher.start()
    return watcher


def _wait_for_interrupt() -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
