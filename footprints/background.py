"""Run :func:`footprints.optimiser.propose` in a background thread that can be watched and stopped.

An interactive front end (the Streamlit app) must stay responsive while the optimiser
runs: it starts a :class:`ProposalJob`, redraws its progress every so often, offers a Stop
button that calls :meth:`ProposalJob.stop`, and applies :attr:`ProposalJob.proposal` once
:attr:`ProposalJob.done`. A stopped job still ends with a complete proposal: each area has
the best plan found before the stop (see :func:`~footprints.optimiser.propose`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping

import networkx as nx

from footprints.errors import FootprintsError
from footprints.optimiser import OptimiseSettings, Progress, Proposal, propose

__all__ = ["ProposalJob"]

logger = logging.getLogger(__name__)


class ProposalJob:
    """:func:`~footprints.optimiser.propose` running in a daemon thread.

    Parameters are those of :func:`~footprints.optimiser.propose`; the job starts at once.
    ``progress``, if given, is also called with each report (from the job's thread).

    Attributes
    ----------
    fraction, message
        The latest progress report (0 to 1, and what the optimiser is doing).
    proposal
        The result once :attr:`done`, else ``None`` (also ``None`` after an error).
    error
        The exception the optimiser raised, if it did (``proposal`` is then ``None``).
    seconds
        Wall time from start to finish once :attr:`done`.
    """

    def __init__(
        self,
        graphs: Mapping[str, nx.Graph],
        settings: OptimiseSettings,
        *,
        current: Mapping[str, str] | None = None,
        locked: Mapping[str, str] | None = None,
        frozen: Iterable[str] = (),
        processes: int | None = 1,
        progress: Progress | None = None,
        start: Mapping[str, str] | None = None,
    ) -> None:
        self.fraction = 0.0
        self.message = "starting"
        self.proposal: Proposal | None = None
        self.error: BaseException | None = None
        self.seconds: float | None = None
        self._stop = threading.Event()
        self._report = progress
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run,
            args=(dict(graphs), settings, current, locked, tuple(frozen), processes, start),
            name="footprints-proposal",
            daemon=True,
        )
        self._thread.start()

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message
        if self._report is not None:
            self._report(fraction, message)

    def _run(
        self,
        graphs: dict[str, nx.Graph],
        settings: OptimiseSettings,
        current: Mapping[str, str] | None,
        locked: Mapping[str, str] | None,
        frozen: tuple[str, ...],
        processes: int | None,
        start: Mapping[str, str] | None,
    ) -> None:
        try:
            self.proposal = propose(
                graphs,
                settings,
                current=current,
                locked=locked,
                frozen=frozen,
                processes=processes,
                progress=self._progress,
                stop=self._stop,
                start=start,
            )
        except Exception as error:  # kept for the front end to show
            if not isinstance(error, FootprintsError):  # a bug: keep its traceback in the log
                logger.exception("the optimiser failed")
            self.error = error
        finally:
            self.seconds = time.monotonic() - self._started

    def stop(self) -> None:
        """Ask the optimiser to finish now with the best plan it has."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        """Whether the optimiser has finished (with a proposal or an error)."""
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the job is done or ``timeout`` seconds pass; returns :attr:`done`."""
        self._thread.join(timeout)
        return self.done
