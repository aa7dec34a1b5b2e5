"""The deadline, the user's stop, and the watcher that carries a stop into a solver."""

from __future__ import annotations

import threading
import time

from footprints.optimiser.deadline import Deadline, Interrupter


def test_a_deadline_counts_down_and_says_why_it_ended() -> None:
    later = Deadline(time.monotonic() + 100)
    assert 99 < later.left() <= 100 and not later.passed()
    assert later.why(100) == "the time limit of 100 s ran out"
    # an STP's share of the time per CCG is read to a tenth of a second
    assert later.why(3.3681) == "the time limit of 3.4 s ran out"
    half = later.share(0.5)
    assert half.at < later.at and half.stop is later.stop
    assert Deadline(time.monotonic() - 1).passed()


def test_a_stop_ends_the_deadline_at_once() -> None:
    stop = threading.Event()
    deadline = Deadline(time.monotonic() + 100, stop)
    stop.set()
    assert deadline.stopped() and deadline.left() == 0.0 and deadline.passed()
    assert deadline.why(100) == "the optimiser was stopped"


def test_the_interrupter_calls_interrupt_once_the_stop_is_set() -> None:
    stop = threading.Event()
    interrupted = threading.Event()
    with Interrupter(stop, interrupted.set):
        stop.set()
        assert interrupted.wait(10), "the watcher did not pass the stop on"
    calls: list[int] = []
    with Interrupter(None, lambda: calls.append(1)):
        pass
    assert calls == []


def test_the_interrupter_calls_interrupt_once_its_time_comes() -> None:
    interrupted = threading.Event()
    with Interrupter(None, interrupted.set, at=time.monotonic()) as watch:
        assert interrupted.wait(10), "the watcher did not interrupt at its time"
    assert watch.timed_out
    stop = threading.Event()
    stopped = threading.Event()
    with Interrupter(stop, stopped.set, at=time.monotonic() + 1_000) as watch:
        stop.set()
        assert stopped.wait(10), "the watcher did not pass the stop on"
    assert not watch.timed_out
