"""Rendering many pages: in forked worker processes for a cold build, in order whatever ``--jobs``.

Workers are forked after the pages are planned, so each inherits the renderer and every page's
context without pickling them; only the finished bytes (or a located problem) come back, in the
order of the plan, so the output is byte-identical for any number of workers. Live sessions
render in-process: they keep a render cache and run threads that a fork would not carry along.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .errors import BulletinError, Problem
from .render import Renderer
from .workers import worker_pool

PARALLEL_PAGES = 400  # below this, starting workers costs more than it saves
PROGRESS_EVERY = 200  # pages between two progress reports
PageJob = tuple[str, dict[str, Any], str]  # template, context, what it is for (its source)

_shared: list[Any] = []  # (renderer, jobs), set in the parent just before the workers are forked


def render_all(
    renderer: Renderer, jobs: list[PageJob], workers: int, progress: Callable[[int], None] | None = None
) -> list[bytes | Problem]:
    """Every job's bytes, or the problem that stopped it, in the order given; ``progress`` hears
    how many are done every PROGRESS_EVERY pages."""
    if workers <= 1 or len(jobs) < PARALLEL_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        return _counted((_render(renderer, job) for job in jobs), progress)
    _shared[:] = [renderer, jobs]
    try:
        with worker_pool(workers, _ready, (), context=multiprocessing.get_context("fork")) as pool:
            chunk = max(1, len(jobs) // (workers * 8))
            return _counted(pool.map(_render_at, range(len(jobs)), chunksize=chunk), progress)
    except BrokenProcessPool:  # a worker killed from outside (out of memory): render here instead
        return _counted((_render(renderer, job) for job in jobs), progress)
    finally:
        _shared.clear()


def _counted(results: Iterable[bytes | Problem], progress: Callable[[int], None] | None) -> list[bytes | Problem]:
    done: list[bytes | Problem] = []
    for result in results:
        done.append(result)
        if progress and len(done) % PROGRESS_EVERY == 0:
            progress(len(done))
    return done


def _ready() -> None:
    """Nothing to set up: the fork brought the renderer and the jobs."""


def _render_at(index: int) -> bytes | Problem:
    renderer, jobs = _shared
    return _render(renderer, jobs[index])


def _render(renderer: Renderer, job: PageJob) -> bytes | Problem:
    template, context, source = job
    try:
        return renderer.render(template, context, source).encode("utf-8")
    except BulletinError as exc:
        return exc.problem
