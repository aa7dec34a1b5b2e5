"""Errors and input problems.

Every loader collects *all* the problems it finds in an input and raises them together in one
:class:`InputError`, so a user fixes a file once rather than once per run. Each
:class:`Problem` names the file, the row or feature, what is wrong and how to fix it.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "PROBLEMS_SHOWN",
    "FootprintsError",
    "InfeasibleError",
    "InputError",
    "MissingColumnError",
    "OutputError",
    "Problem",
    "ProblemLog",
    "SolverError",
    "close_matches",
    "collected_warnings",
    "count",
    "did_you_mean",
]

Severity = Literal["error", "warning"]


def count(number: int, noun: str) -> str:
    """``1 network``, ``2 networks``: a count as every message words it."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def close_matches(word: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """Return the choices nearest a mistyped word, nearest first (at most ``n``, maybe none).

    Compared without case or spaces (difflib's ratio, at least 0.75), so that a code typed
    with a character swapped, dropped or doubled finds the one meant.
    """

    def key(text: str) -> str:
        return "".join(str(text).split()).casefold()

    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(key(choice), str(choice))
    typed = key(word)
    if not by_key:
        return []
    # difflib's ratio ties codes alike but for one character (E38900020 is 8/9 like each of
    # E38900001..3): of its matches, keep those fewest typing slips away (E38900002)
    near = difflib.get_close_matches(typed, list(by_key), len(by_key), 0.75)
    if not near:
        return []
    slips = {k: _slips(typed, k) for k in near}
    fewest = min(slips.values())
    return [by_key[k] for k in near if slips[k] == fewest][:n]


def _slips(typed: str, meant: str) -> int:
    """Return the characters inserted, dropped, changed or swapped with a neighbour."""
    before: list[int] = []
    row = list(range(len(meant) + 1))
    for i, a in enumerate(typed, 1):
        current = [i]
        for j, b in enumerate(meant, 1):
            best = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == meant[j - 2] and typed[i - 2] == b:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, row = row, current
    return row[-1]


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 3) -> str:
    """Return `` (did you mean 'E38000237'?)`` naming :func:`close_matches`, or ``""``."""
    near = close_matches(word, choices, n=n)
    return f" (did you mean {' or '.join(repr(c) for c in near)}?)" if near else ""


PROBLEMS_SHOWN = 50
"""Most problems shown at once, by the command line and the app.

A file with 20,000 bad rows is reported as its first 50 problems and "… and 19,950 more";
the whole list goes to a file (command line) or a download (app).
"""


class FootprintsError(Exception):
    """Base class of every error footprints raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input.

    Parameters
    ----------
    source
        The file (or layer) the problem is in, as the user named it.
    message
        What is wrong, with the numbers.
    fix
        What the user should do about it.
    row
        Spreadsheet-style row number (the header is row 1, the first data row is row 2), or
        ``None`` when the problem is not about one row.
    code
        The practice code, boundary code or feature id concerned, if any.
    severity
        ``"error"`` stops loading; ``"warning"`` is reported and loading goes on.
    """

    source: str
    message: str
    fix: str = ""
    row: int | None = None
    code: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        """Say where the problem is, what it is and what to do, on one line."""
        where = self.source
        if self.row is not None:
            where += f", row {self.row}"
        if self.code is not None:
            where += f" ({self.code})"
        text = f"{where}: {self.message}"
        if self.fix:
            text += f" — {self.fix}"
        return text


class InputError(FootprintsError, ValueError):
    """One or more problems make an input unusable; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        errors = self.errors
        super().__init__("\n".join([self._head(), *(f"- {p}" for p in errors)]))

    @property
    def errors(self) -> list[Problem]:
        """The problems that are errors (``problems`` holds the warnings too)."""
        return [p for p in self.problems if p.severity == "error"]

    def _head(self) -> str:
        count = len(self.errors)
        return f"{count:,} problem{'s' if count != 1 else ''} in the input:"

    def page(self, shown: int = PROBLEMS_SHOWN) -> str:
        """Return the message with the first ``shown`` errors and a count of the rest.

        ``str(error)`` lists every error; this is what a person reads when there are
        thousands: ``… and 19,950 more``.
        """
        errors = self.errors
        lines = [self._head(), *(f"- {p}" for p in errors[:shown])]
        if len(errors) > shown:
            lines.append(f"- … and {len(errors) - shown:,} more")
        return "\n".join(lines)

    def full_text(self) -> str:
        """Return every problem, errors then warnings, one a line (for a file or a download)."""
        warnings = [p for p in self.problems if p.severity == "warning"]
        lines = [f"error: {p}" for p in self.errors] + [f"warning: {p}" for p in warnings]
        return "\n".join(lines) + "\n"


class MissingColumnError(FootprintsError, KeyError):
    """A required column is absent from a table."""

    def __str__(self) -> str:
        """Return the message as written (``KeyError`` would quote it)."""
        return str(self.args[0]) if self.args else ""


class OutputError(FootprintsError, OSError):
    """An output file cannot be written (a missing or read-only folder, a full disk).

    The message names the file, the reason and the fix; ``errno`` and ``filename`` are
    those of the failed write, where known.
    """

    def __init__(self, message: str, *, number: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errno = number
        self.filename = path

    def __str__(self) -> str:
        """Return the message as written."""
        return self.message


class InfeasibleError(FootprintsError, ValueError):
    """A request cannot be met (for example no plan satisfies the hard rules); says why."""


class SolverError(FootprintsError, RuntimeError):
    """A solver gave an answer the optimiser cannot use; the message says which, in words.

    For example GLOP's ``ABNORMAL`` or CP-SAT's ``MODEL_INVALID``, or an early stop with
    time left. The optimiser contains it: the area falls back to its quick plan (see
    :func:`footprints.optimiser.optimise_area`), so it reaches callers only from the
    stages themselves.
    """


_COLLECTED: ContextVar[list[Problem] | None] = ContextVar("_COLLECTED", default=None)


@contextmanager
def collected_warnings() -> Iterator[list[Problem]]:
    """Gather every warning a :class:`ProblemLog` records inside the block, in order.

    The loaders log their warnings (a list size of 0, a repeated ePCN row …); a caller that
    shows problems itself — ``load_region`` for the app and the library — collects them
    here instead of reading the log.
    """
    found: list[Problem] = []
    token = _COLLECTED.set(found)
    try:
        yield found
    finally:
        _COLLECTED.reset(token)


@dataclass
class ProblemLog:
    """Collects problems while an input is read, then raises them together.

    Warnings are also logged on the given logger so the CLI and the app can show them.
    """

    source: str
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("footprints"))
    problems: list[Problem] = field(default_factory=list)

    def error(
        self, message: str, fix: str = "", *, row: int | None = None, code: str | None = None
    ) -> None:
        """Record an error: the input cannot be used until it is fixed."""
        self.problems.append(Problem(self.source, message, fix, row, code, "error"))

    def warn(
        self, message: str, fix: str = "", *, row: int | None = None, code: str | None = None
    ) -> None:
        """Record (and log) a warning: the input is used, but the user should know."""
        problem = Problem(self.source, message, fix, row, code, "warning")
        self.problems.append(problem)
        self.logger.warning("%s", problem)
        collecting = _COLLECTED.get()
        if collecting is not None:
            collecting.append(problem)

    @property
    def errors(self) -> list[Problem]:
        """The problems recorded as errors."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems recorded as warnings."""
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        """Raise :class:`InputError` listing every error so far (warnings included)."""
        if self.errors:
            raise InputError(self.problems)
