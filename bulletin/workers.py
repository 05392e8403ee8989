"""Worker processes: never more than the machine can use, and never outliving the build.

A build killed with SIGKILL cannot shut its pool down, and orphaned workers would wait for
work forever; on Linux each worker asks the kernel to kill it when its parent dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext

_PR_SET_PDEATHSIG = 1


def max_jobs() -> int:
    """More workers than twice the CPUs only adds memory and start-up time."""
    return 2 * (os.cpu_count() or 1)


@contextlib.contextmanager
def worker_pool(
    jobs: int,
    initializer: Callable[..., None],
    initargs: tuple[object, ...],
    context: BaseContext | None = None,
) -> Iterator[ProcessPoolExecutor]:
    """A process pool of at most :func:`max_jobs` workers that die with this process."""
    workers = max(1, min(jobs, max_jobs()))
    start = (os.getpid(), initializer, initargs)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=start) as pool:
        yield pool


def _start_worker(parent: int, initializer: Callable[..., None], initargs: tuple[object, ...]) -> None:
    die_with_parent(parent)
    initializer(*initargs)


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when ``parent`` ends (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
