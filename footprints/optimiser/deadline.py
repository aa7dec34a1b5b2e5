"""When an area's solve must end: its deadline, the user's stop, and how a stop reaches a solver.

A solve ends at its time limit or as soon as the user asks it to stop, whichever comes first.
:class:`Deadline` answers "how long is left?" for both; :class:`Interrupter` carries a stop
into GLOP and CP-SAT, which run in C++ and look only at their own time limits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["STOP_POLL", "Deadline", "Interrupter", "StopSignal"]

STOP_POLL = 0.05
"""Seconds between looks at the stop signal while a solver runs."""


class StopSignal(Protocol):
    """Anything with ``is_set()``: a :class:`threading.Event` or a multiprocessing ``Event``.

    The optimiser polls it and, once it is set, stops as soon as it can with the best plan
    it has.
    """

    def is_set(self) -> bool:
        """Whether a stop has been asked for."""
        ...


@dataclass(frozen=True)
class Deadline:
    """When an area's solve must end: at ``at`` (``time.monotonic()``) or once ``stop`` is set.

    Parameters
    ----------
    at
        The ``time.monotonic()`` value at which time runs out.
    stop
        The user's stop signal, if any.
    """

    at: float
    stop: StopSignal | None = None

    def stopped(self) -> bool:
        """Whether the user asked the solve to stop."""
        return self.stop is not None and self.stop.is_set()

    def left(self) -> float:
        """Seconds left (0 once stopped or past ``at``)."""
        return 0.0 if self.stopped() else max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        """Whether no time is left."""
        return self.left() <= 0.0

    def share(self, fraction: float) -> Deadline:
        """Return the deadline ``fraction`` of the time left from now (same stop signal)."""
        return Deadline(time.monotonic() + fraction * self.left(), self.stop)

    def why(self, time_limit: float) -> str:
        """Why the solve ended early, as the start of a sentence."""
        if self.stopped():
            return "the optimiser was stopped"
        return f"the time limit of {round(time_limit, 1):g} s ran out"


class Interrupter:
    """Calls ``interrupt`` (from a watcher thread) if ``stop`` is set, or ``at`` passes.

    GLOP and CP-SAT run in C++ and only look at their own time limits; this is how a stop
    asked for by the user reaches them, and how a solver is ended at a time of our clock
    rather than its own (CP-SAT's clock ends a solve early, see
    :func:`~footprints.optimiser.cpsat.solve_model`).

    Parameters
    ----------
    stop
        The stop signal to watch (``None``: watch nothing).
    interrupt
        What ends the solver's run, e.g. GLOP's ``InterruptSolve`` or CP-SAT's
        ``stop_search``.
    at
        A ``time.monotonic()`` value at which to call ``interrupt`` (``None``: none).
        :attr:`timed_out` then says whether it was called for that reason.
    """

    def __init__(
        self,
        stop: StopSignal | None,
        interrupt: Callable[[], object],
        *,
        at: float | None = None,
    ) -> None:
        self.stop = stop
        self.interrupt = interrupt
        self.at = at
        self.timed_out = False
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def _watch(self) -> None:
        while not self.done.wait(STOP_POLL):
            if self.stop is not None and self.stop.is_set():
                self.interrupt()
                return
            if self.at is not None and time.monotonic() >= self.at:
                self.timed_out = True
                self.interrupt()
                return

    def __enter__(self) -> Interrupter:
        """Start watching the stop signal and the clock."""
        if self.stop is not None or self.at is not None:
            self.thread = threading.Thread(target=self._watch, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop watching (the solver has returned)."""
        self.done.set()
        if self.thread is not None:
            self.thread.join()
