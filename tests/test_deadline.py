"""The time budget: stops runaway work in any thread, and never leaks into the code after it."""

from __future__ import annotations

import threading
import time

import pytest

from bulletin import deadline
from bulletin.deadline import Overtime, call_with_deadline


def _spin(seconds: float) -> int:
    end = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < end:
        count += 1
    return count


def test_runaway_work_is_stopped_near_its_budget() -> None:
    started = time.monotonic()
    with pytest.raises(Overtime):
        call_with_deadline(lambda: _spin(30), 0.2)
    assert time.monotonic() - started < 2


def test_budgets_ending_as_the_work_ends_never_leak_the_lock_or_a_late_exception() -> None:
    outcomes = {"done": 0, "stopped": 0}

    def race() -> None:
        for index in range(300):
            budget = 0.002 + (index % 7) * 0.0005
            try:
                call_with_deadline(lambda budget=budget: _spin(budget), budget)
                outcomes["done"] += 1
            except Overtime:
                outcomes["stopped"] += 1
        _spin(0.05)  # a pending exception that escaped its budget would surface here

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes["done"] + outcomes["stopped"] == 600
    assert not deadline._watchdog.lock.locked()
    # The watchdog still works, from another thread too.
    stopped: list[bool] = []

    def runaway() -> None:
        try:
            call_with_deadline(lambda: _spin(30), 0.2)
        except Overtime:
            stopped.append(True)

    other = threading.Thread(target=runaway)
    other.start()
    other.join(5)
    assert stopped == [True]


def test_work_that_finishes_returns_its_result() -> None:
    assert call_with_deadline(lambda: 41 + 1, 5) == 42
