"""Repair by parts: complete part of a plan one gap at a time, each gap solved exactly.

On least change the exact search over every column often cannot improve on the plan it
starts from in an area's time: the move counts are small whole numbers, the LP is
degenerate (tens of thousands of columns at reduced cost 0) and CP-SAT over 10,000–30,000
columns ends without a better plan (BENCHMARKS.md, "Least change: all England (2020)").
Small parts of the same model are easy. :func:`repair_by_parts` makes a first plan from
part of one: least change keeps every current network that complies and covers the
practices left, one connected gap at a time, with the networks around the gap freed ring
by ring until the gap can be covered (Kent and Medway at 15 s: 28 moves in 0.3 s, where
the constructive plan moved 89). Every plan it returns is a plan of the same model (the
same rows, network counts, matching and side rows); it proves nothing.

A search that freed a few touching networks of a whole plan at a time and re-solved them
(``improve_by_neighbourhoods``, session 7) was removed: inside the fewest-moves solve it
took time from the LP and cost proofs (BENCHMARKS.md, run A), and diving
(:mod:`footprints.optimiser.diving`) now finds the plans at the bound it was meant to.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from footprints.optimiser.candidates import IntArray, bit_indices
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.cpsat import solve_integer
from footprints.optimiser.deadline import StopSignal
from footprints.optimiser.diving import counts_kept
from footprints.optimiser.settings import OptimiseSettings

__all__ = [
    "PART_COLUMNS",
    "REPAIR_RINGS",
    "REPAIR_SECONDS",
    "inside",
    "repair_by_parts",
]

logger = logging.getLogger(__name__)

PART_COLUMNS = 5_000
"""Most columns inside one part (or one gap of :func:`repair_by_parts`): a larger part is
not solved (CP-SAT is slow to build and search it)."""
REPAIR_RINGS = 3
"""Rings of neighbouring networks :func:`repair_by_parts` frees around a gap at most."""
REPAIR_SECONDS = 1.0
"""Most seconds one gap's exact solve may take in :func:`repair_by_parts`."""


def inside(columns: Columns, freed: IntArray) -> IntArray:
    """Return the columns all of whose practices are among ``freed`` (practice indices)."""
    flags = np.zeros(int(columns.sets.members.max(initial=-1)) + 1, np.float64)
    flags[freed[freed < len(flags)]] = 1.0
    within = np.rint(columns.sets.sums(flags)).astype(np.int64) == columns.sets.sizes
    found: IntArray = np.flatnonzero(within[columns.col_set]).astype(np.int64)
    return found


def repair_by_parts(
    columns: Columns,
    values: IntArray,
    model: Partition,
    kept: IntArray,
    settings: OptimiseSettings,
    neighbours: list[int],
    *,
    time_limit: float,
    stop: StopSignal | None = None,
    name: str = "",
) -> IntArray | None:
    """Complete the part of a plan ``kept`` (columns), one gap at a time, each exactly.

    The practices of ``model``'s rows that ``kept`` leaves out are taken a connected group
    at a time; each group is covered at least cost (``values``) by columns inside it,
    else inside it and the networks of ``kept`` next to it (those are then re-planned),
    else one ring of networks further, up to :data:`REPAIR_RINGS` rings. Least change
    passes the current networks that comply as ``kept``: the networks that break a rule
    are repaired with their neighbours, one neighbourhood at a time, every other network
    kept as it is.

    Returns
    -------
    IntArray or None
        The columns of a plan of ``model`` (its network counts kept); ``None`` when a group
        could not be covered in time or within the rings.
    """
    began = time.monotonic()
    at = began + time_limit
    scored = dataclasses.replace(columns, col_cost=values)
    sets = columns.sets
    plan = {int(j): sets.members_of(int(columns.col_set[j])) for j in kept}
    owner = {i: j for j, group in plan.items() for i in group}
    rows = set(model.rows)
    if any(i not in rows for i in owner):
        return None
    solves = 0
    while True:
        gap = sorted(rows - owner.keys())
        if not gap:
            break
        freed = {gap[0]}
        frontier = [gap[0]]
        while frontier:  # the connected group of uncovered practices holding gap[0]
            i = frontier.pop()
            for k in bit_indices(neighbours[i]):
                if k in rows and k not in owner and k not in freed:
                    freed.add(k)
                    frontier.append(k)
        found = None
        for _ring in range(REPAIR_RINGS + 1):
            if time.monotonic() >= at or (stop is not None and stop.is_set()):
                _log_repair(name, solves, began, None)
                return None
            if _ring:
                around = 0
                for i in freed:
                    around |= neighbours[i]
                reached = {k for k in bit_indices(around) if k in rows and k not in freed}
                for k in reached:
                    freed.add(k)
                    if k in owner:
                        freed.update(plan[owner[k]])
            solves += 1
            found = _cover(scored, model, plan, freed, settings, at, stop)
            if found is not None:
                break
        if found is None:
            _log_repair(name, solves, began, None)
            return None
        for j in {owner[i] for i in freed if i in owner}:
            for i in plan.pop(j):
                del owner[i]
        for j in found:
            plan[int(j)] = sets.members_of(int(columns.col_set[j]))
            for i in plan[int(j)]:
                owner[i] = int(j)
    chosen = np.asarray(sorted(plan), np.int64)
    if not model.allows(columns, chosen) or not counts_kept(columns, model, chosen):
        _log_repair(name, solves, began, None)
        return None
    _log_repair(name, solves, began, int(values[chosen].sum()))
    return chosen


def _cover(
    scored: Columns,
    model: Partition,
    plan: dict[int, list[int]],
    freed: set[int],
    settings: OptimiseSettings,
    at: float,
    stop: StopSignal | None,
) -> IntArray | None:
    """Cover ``freed`` exactly at least cost with columns inside it, the rest of ``plan`` kept."""
    outside = np.asarray([j for j in plan if not any(i in freed for i in plan[j][:1])], np.int64)
    pool = inside(scored, np.asarray(sorted(freed), np.int64))
    if len(pool) > PART_COLUMNS:
        return None
    taken = scored.col_match[outside]
    pool = pool[~np.isin(scored.col_match[pool], taken[taken >= 0])]
    if not len(pool):
        return None
    limits = tuple(
        dataclasses.replace(limit, most=limit.most - int(limit.values[outside].sum()))
        for limit in model.limits
    )
    part = Partition(sorted(freed), [], model.n_match, None, model.n_practices, limits)
    result = solve_integer(
        scored,
        part,
        pool,
        settings,
        time_limit=min(REPAIR_SECONDS, at - time.monotonic()),
        stop=stop,
    )
    return result.chosen if result.objective is not None else None


def _log_repair(name: str, solves: int, began: float, value: int | None) -> None:
    logger.debug(
        "area %s: repair by parts: %s in %d solves, %.2f s",
        name,
        "no plan" if value is None else f"value {value}",
        solves,
        time.monotonic() - began,
    )
