"""Stopping a runaway computation in the thread that runs it, after a time budget.

Python-Markdown is superlinear on some inputs (100 KB of ``<a `` ran for minutes). Its loops
are Python code, so an exception raised into the rendering thread stops them at the next
bytecode; this works in any thread (a live session renders in its rebuild thread, where
``SIGALRM`` cannot reach) and in worker processes. A single long call into C (one regular
expression) is only stopped when it returns, which is why sizes are capped as well.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class Overtime(BaseException):
    """Raised into the working thread when its budget is spent.

    A BaseException, so that no ``except Exception`` in library code can swallow it.
    """


@dataclass
class _Budget:
    deadline: float
    fired: bool = False


class _Watchdog:
    """One thread per process watches every running budget (a timer thread per call would cost
    more than rendering a short briefing)."""

    def __init__(self) -> None:
        self.reset()
        if hasattr(os, "register_at_fork"):
            # A worker forked while this lock was held would deadlock on it; the watching thread
            # does not survive a fork either.
            os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        # Entered with a plain lock's C-level ``__enter__``: an Overtime arriving while a thread
        # waits for it lands inside the block, which releases it (a Condition's Python-level
        # ``__enter__`` could take the lock and then be interrupted, leaking it for good).
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.budgets: dict[int, _Budget] = {}
        self.waking_at = float("inf")
        self.thread: threading.Thread | None = None

    def add(self, thread_id: int, budget: _Budget) -> None:
        with self.lock:
            self.budgets[thread_id] = budget
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="bulletin-deadline", daemon=True)
                self.thread.start()
            if budget.deadline < self.waking_at:
                self.changed.notify()

    def remove(self, thread_id: int, budget: _Budget) -> None:
        with self.lock:
            if self.budgets.get(thread_id) is budget:
                del self.budgets[thread_id]
            if budget.fired:
                # Delivered, or still pending: clear it, so it cannot land later in unrelated code.
                _raise_in(thread_id, None)

    def _watch(self) -> None:
        with self.changed:
            while True:
                now = time.monotonic()
                for thread_id, budget in list(self.budgets.items()):
                    if budget.deadline <= now:
                        budget.fired = True
                        del self.budgets[thread_id]
                        _raise_in(thread_id, Overtime)
                self.waking_at = min((b.deadline for b in self.budgets.values()), default=float("inf"))
                self.changed.wait(None if self.waking_at == float("inf") else self.waking_at - now)


_watchdog = _Watchdog()


def call_with_deadline(work: Callable[[], T], seconds: float) -> T:
    """``work()``, or :class:`Overtime` raised out of it once it has run for ``seconds``.

    Not reentrant: one budget per thread at a time.
    """
    thread_id = threading.get_ident()
    budget = _Budget(time.monotonic() + seconds)
    try:
        _watchdog.add(thread_id, budget)
        return work()
    finally:
        while True:  # an Overtime delivered while removing the budget must not skip the removal
            try:
                _watchdog.remove(thread_id, budget)
                break
            except Overtime:
                continue


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    # None is passed as NULL, which clears a pending exception (a py_object(None) would raise None).
    argument = ctypes.py_object(exception) if exception is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), argument)
