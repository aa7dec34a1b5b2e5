"""What each priority put before the usual objective counts, per column.

:mod:`~footprints.optimiser.priorities` solves the priorities in order; each is a
:class:`Measure` here, a whole number ≥ 0 per column (candidate network × matched current
network), so a plan's value is the sum over its columns:

- ``nest_in_patches`` — **straddling networks**: 1 per network whose practices lie in more
  than one patch;
- ``patches_first`` — **straddling patients**: the straddle term of the usual objective;
- ``least_change`` — **moves** (or **patients moved**), then **moves out of compliant
  networks** (:func:`move_measures`).

Every priority's solve also keeps the band where the area allows it (:func:`outside_band`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray
from footprints.optimiser.columns import Columns
from footprints.optimiser.compliance import current_networks
from footprints.optimiser.costs import straddling
from footprints.optimiser.nesting import nest_patches, straddling_flags
from footprints.optimiser.pricing import additive_values
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.settings import PriorityResult

__all__ = ["Measure", "move_measures", "outside_band", "priority_measures"]


@dataclass(frozen=True)
class Measure:
    """What one priority counts, per column.

    Parameters
    ----------
    name
        The priority's name (:attr:`PriorityResult.name`).
    values
        Per column: whole numbers ≥ 0.
    scale
        Units of ``values`` per unit of the named quantity (the remainder breaks ties).
    step
        The proof loop's first reduced-cost window (one unit of the named quantity).
    base
        When the measure is additive over practices given the matched network (see
        :func:`~footprints.optimiser.pricing.additive_values`): each practice's part, so
        that a minimum can be proved by pricing where not every candidate was listed.
    """

    name: str
    values: IntArray
    scale: int = 1
    step: float = 1.0
    base: IntArray | None = None

    def result(self, value: int | None, bound: float | None) -> PriorityResult:
        """Make the priority's result from a plan's value and a proved bound (in ``values``)."""
        whole = None if bound is None or not math.isfinite(bound) else math.ceil(bound - 1e-6)
        return PriorityResult(
            self.name,
            None if value is None else value // self.scale,
            None if whole is None else max(0, whole) // self.scale,
        )


def _set_straddling(problem: AreaProblem, sets: CandidateSets) -> IntArray:
    practices = problem.practices
    parts = [
        straddling(
            chunk, population=practices.population, patch=practices.patch, homes=practices.homes
        )
        for _, chunk in sets.chunks()
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def move_measures(problem: AreaProblem, columns: Columns) -> list[Measure]:
    """Practices (or patients) moved, then practices moved out of compliant networks.

    Both are additive over practices: a column ``(N, m)`` counts ``base_i`` for each member
    ``i`` of ``N`` with a current network other than ``m``: ``1`` (or its patients), then
    ``1`` if its current network complies.
    """
    index = problem.current.index
    assert index is not None
    practices = problem.practices
    compliant = np.zeros(len(problem.current.ids) + 1, np.int64)
    for network in current_networks(problem).values():
        if network.number >= 0 and network.compliant:
            compliant[network.number] = 1
    with_current = index >= 0
    patients = problem.settings.fewest_patients
    unit = practices.population if patients else np.ones(len(practices), np.int64)
    moved = np.where(with_current, unit, 0).astype(np.int64)
    kept = np.where(with_current, compliant[index], 0).astype(np.int64)
    return [
        Measure(
            "patients moved" if patients else "moves",
            additive_values(columns, index, moved),
            step=1000.0 if patients else 1.0,
            base=moved,
        ),
        Measure(
            "moves out of compliant networks", additive_values(columns, index, kept), base=kept
        ),
    ]


def priority_measures(problem: AreaProblem, columns: Columns) -> list[Measure]:
    """Measure on every column the priorities the settings ask for, in order."""
    settings = problem.settings
    found = []
    if settings.nest_in_patches:
        flags = straddling_flags(columns.sets, nest_patches(problem.practices))
        found.append(Measure("straddling networks", flags[columns.col_set]))
    if settings.patches_first:
        values = _set_straddling(problem, columns.sets)[columns.col_set]
        found.append(Measure("straddling patients", values, step=1000.0))
    if settings.least_change and problem.current.index is not None:
        found.extend(move_measures(problem, columns))
    return found


def outside_band(problem: AreaProblem, columns: Columns) -> IntArray:
    """Flag the columns outside the band in a piece where the area allows the band.

    Per column 1 or 0; the quick plan's networks can be such columns. The usual objective
    never takes one (its band penalty), but a priority measures nothing of the band: every
    priority's solve keeps these at 0.
    """
    hard = np.array([not piece.soft for piece in problem.pieces] + [False])
    population = columns.set_population[columns.col_set]
    band = problem.band
    out = (population < band.min_population) | (population > band.max_population)
    flags: IntArray = (out & hard[columns.set_piece[columns.col_set]]).astype(np.int64)
    return flags
