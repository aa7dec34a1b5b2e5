"""Large-neighbourhood search: improve a plan a few networks at a time, each part exactly.

On least change the exact search over every column often cannot improve on the plan it
starts from in an area's time: the move counts are small whole numbers, the LP is
degenerate (tens of thousands of columns at reduced cost 0) and CP-SAT over 10,000–30,000
columns ends without a better plan (BENCHMARKS.md, "Least change: all England (2020)").
Small parts of the same model are easy. :func:`improve_by_neighbourhoods` keeps a plan and
repeatedly *frees* a few of its networks that touch each other — a network that moves
practices and its neighbours first — and solves the model exactly over the columns that
lie inside the freed practices, every other network of the plan kept as it is. A better
part replaces the old one; a part none better than the plan's own is left alone. So:

- every plan it returns is a plan of the same model (the same rows, network counts,
  matching and side rows: the model is the whole one, over a pool holding the kept
  networks, which the cover rows then force);
- the plan returned is never worse than the plan given (a part is only taken when CP-SAT
  finds a plan costing less than the whole plan);
- it proves nothing: a bound comes from the LP (:mod:`footprints.optimiser.pricing`,
  :mod:`footprints.optimiser.proof`), and a plan meeting it is proved there.

:func:`repair_by_parts` makes a first plan the same way from part of one: least change
keeps every current network that complies and covers the practices left, one connected
gap at a time, with the networks around the gap freed ring by ring until the gap can be
covered (Kent and Medway at 15 s: 28 moves in 0.3 s, where the constructive plan moved 89).
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
from footprints.optimiser.settings import OptimiseSettings

__all__ = [
    "FIRST_NETWORKS",
    "PART_COLUMNS",
    "PART_SECONDS",
    "REPAIR_RINGS",
    "REPAIR_SECONDS",
    "improve_by_neighbourhoods",
    "inside",
    "repair_by_parts",
]

logger = logging.getLogger(__name__)

FIRST_NETWORKS = 4
"""Networks freed at once at first; two more after each pass that improves nothing."""
PART_SECONDS = 1.0
"""Most seconds one part's exact solve may take."""
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


def _touching(
    columns: Columns, plan: IntArray, neighbours: list[int], groups: IntArray | None
) -> tuple[list[set[int]], list[set[int]]]:
    """Return per network of ``plan`` the networks sharing a group with it, and touching it.

    Networks are positions in ``plan``. ``groups``: per practice its group (its current
    network), ``-1`` for none.
    """
    owner: dict[int, int] = {}
    members = [columns.sets.members_of(int(columns.col_set[j])) for j in plan]
    holding: dict[int, set[int]] = {}
    for k, group in enumerate(members):
        for i in group:
            owner[i] = k
            if groups is not None and groups[i] >= 0:
                holding.setdefault(int(groups[i]), set()).add(k)
    sharing: list[set[int]] = []
    touching: list[set[int]] = []
    for k, group in enumerate(members):
        around = 0
        for i in group:
            around |= neighbours[i]
        touching.append({owner[i] for i in bit_indices(around) if i in owner} - {k})
        shared: set[int] = set()
        if groups is not None:
            for i in group:
                if groups[i] >= 0:
                    shared |= holding[int(groups[i])]
        sharing.append(shared - {k})
    return sharing, touching


def improve_by_neighbourhoods(
    columns: Columns,
    values: IntArray,
    model: Partition,
    plan: IntArray,
    settings: OptimiseSettings,
    neighbours: list[int],
    *,
    groups: IntArray | None = None,
    time_limit: float,
    stop: StopSignal | None = None,
    name: str = "",
) -> IntArray:
    """Lower ``values`` summed over the plan ``plan`` by re-solving a few networks at a time.

    See the module's docstring. ``values``: the cost of every column (whole numbers);
    ``model``: the rows, which ``plan`` must keep; ``neighbours``: each practice's
    neighbours as a bit mask; ``groups``: per practice its current network (``-1``: none),
    so that a part frees first the networks that split a current network. Parts are tried
    in turn — first those around networks with a positive cost, most costly first — for at
    most ``time_limit`` seconds (or until
    ``stop``), growing by two networks after each pass that improves nothing, until a pass
    frees every network.

    Returns
    -------
    IntArray
        The columns of the best plan found: ``plan`` itself when nothing better was found.
    """
    began = time.monotonic()
    at = began + time_limit
    best = np.sort(np.asarray(plan, np.int64))
    if not len(best) or not model.allows(columns, best):
        return np.asarray(plan, np.int64)
    scored = dataclasses.replace(columns, col_cost=values)
    rng = np.random.default_rng(settings.seed)
    size = FIRST_NETWORKS
    start_value = total = int(values[best].sum())
    solves = 0
    while total > 0:
        improved = False
        sharing, touching = _touching(columns, best, neighbours, groups)
        costs = values[best]
        order = sorted(range(len(best)), key=lambda k: (-int(costs[k]), float(rng.random())))
        tried: set[frozenset[int]] = set()
        for seed in order:
            if time.monotonic() >= at or (stop is not None and stop.is_set()):
                return _done(name, start_value, total, solves, began, best)
            part = _grow(seed, sharing, touching, size, rng)
            key = frozenset(part)
            if key in tried:
                continue
            tried.add(key)
            freed = np.asarray(
                [i for k in part for i in columns.sets.members_of(int(columns.col_set[best[k]]))],
                np.int64,
            )
            within = inside(columns, freed)
            if len(within) > PART_COLUMNS:
                continue
            pool = np.union1d(within, best).astype(np.int64)
            solves += 1
            result = solve_integer(
                scored,
                model,
                pool,
                settings,
                time_limit=min(PART_SECONDS, at - time.monotonic()),
                stop=stop,
                hint=best,
                below=total,
            )
            if result.objective is not None and result.objective < total:
                best, total = np.sort(result.chosen), int(result.objective)
                improved = True
                break  # the networks changed: measure which touch which again
        if not improved:
            if size >= len(best):
                break
            size += 2
    return _done(name, start_value, total, solves, began, best)


def _grow(
    seed: int,
    sharing: list[set[int]],
    touching: list[set[int]],
    size: int,
    rng: np.random.Generator,
) -> list[int]:
    """Return ``seed`` and networks near it, breadth first, up to ``size`` networks.

    From each network, those sharing a group with it come first, then those touching it.
    """
    part = [seed]
    chosen = {seed}
    frontier = [seed]
    while frontier and len(part) < size:
        nxt: list[int] = []
        for k in frontier:
            shared = sorted(sharing[k] - chosen)
            rng.shuffle(shared)
            around = sorted(touching[k] - chosen - sharing[k])
            rng.shuffle(around)
            for other in shared + around:
                if len(part) >= size:
                    break
                part.append(other)
                chosen.add(other)
                nxt.append(other)
        frontier = nxt
    return part


def _done(name: str, first: int, total: int, solves: int, began: float, best: IntArray) -> IntArray:
    logger.debug(
        "area %s: neighbourhoods %d → %d in %d solves, %.2f s",
        name,
        first,
        total,
        solves,
        time.monotonic() - began,
    )
    return best


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
    if not model.allows(columns, chosen) or not _counts_kept(columns, model, chosen):
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


def _counts_kept(columns: Columns, model: Partition, chosen: IntArray) -> bool:
    """Whether every piece with a network-count range has a count within it."""
    pieces = columns.set_piece[columns.col_set[chosen]]
    for p, piece in enumerate(model.pieces):
        if piece.k_range is not None:
            count = int(np.count_nonzero(pieces == p))
            if not piece.k_range[0] <= count <= piece.k_range[1]:
                return False
    return True


def _log_repair(name: str, solves: int, began: float, value: int | None) -> None:
    logger.debug(
        "area %s: repair by parts: %s in %d solves, %.2f s",
        name,
        "no plan" if value is None else f"value {value}",
        solves,
        time.monotonic() - began,
    )
