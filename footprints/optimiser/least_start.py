"""Least change's first plan: today's networks repaired near the broken ones.

Before any candidate is listed, :func:`local_plan` finds a plan moving few practices: only
the groups near the current networks (:func:`~footprints.optimiser.columns.near_current`)
are columns, the compliant networks far from a broken one stay as they are, and CP-SAT
solves that small model. :func:`polish_local` then tries to move fewer in a small area
(:func:`~footprints.optimiser.move_cuts.polish_moves`). The fewest-moves solve of
:mod:`~footprints.optimiser.priorities` starts from this plan where it moves fewer
(:func:`better_start`); when the exact solve gives no plan, it is the plan least change
falls back to.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray, bit_indices, bit_mask
from footprints.optimiser.columns import (
    Columns,
    Limit,
    Partition,
    build_columns,
    near_current,
    piece_window,
    plan_columns,
)
from footprints.optimiser.compliance import current_networks
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.cpsat import solve_integer
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.measures import move_measures, outside_band
from footprints.optimiser.move_cuts import polish_moves
from footprints.optimiser.move_floor import fewest_moves_floor
from footprints.optimiser.neighbourhoods import repair_by_parts
from footprints.optimiser.problem import AreaProblem

logger = logging.getLogger(__name__)

__all__ = [
    "EARLY_PRACTICES",
    "LOCAL_SHARE",
    "NEAR_SHARE",
    "POLISH_SHARE",
    "REPAIR_FLOOR",
    "REPAIR_SHARE",
    "LocalPlan",
    "better_start",
    "compliant_as_is",
    "fits",
    "local_networks",
    "local_plan",
    "polish_local",
]

LOCAL_SHARE = 0.4
"""Share of an area's time limit that the first plan from groups near the current networks
may take (:func:`local_plan`)."""
NEAR_SHARE = 0.4
"""Share of :func:`local_plan`'s time that listing the groups near the current networks
(:func:`~footprints.optimiser.columns.near_current`) may take: on NHS North West London 2021
it took 8.3 s, the whole share, unchecked (BENCHMARKS.md, session 17); the groups listed by
then are the columns."""
REPAIR_SHARE = 0.3
"""Share of :func:`local_plan`'s time that repairing the broken networks one neighbourhood at
a time (:func:`~footprints.optimiser.neighbourhoods.repair_by_parts`) may take."""
REPAIR_FLOOR = 2.0
"""Fewest seconds that repair may take, however little time is left: its plan is what least
change falls back to when the exact solve gives none, and without it that plan would be
the quick constructive one, which ignores the current plan (as the constructive plan,
it may run past the time limit)."""
EARLY_PRACTICES = 60
"""Areas of at most this many practices ask the compact model on moves (:mod:`~footprints.
optimiser.move_cuts`) before the fewest moves' LP, with the plan at hand: their model is
small, and its last answer, every network connected, is a plan moving its bound."""
POLISH_SHARE = 0.25
"""Share of an area's time limit that polishing the first plan (:func:`polish_local`) may
take in a small area."""


LocalPlan = list[tuple[list[int], int]]
"""A plan as networks (practice indices) each with its matched current network (or -1)."""


def fits(problem: AreaProblem, plan: LocalPlan) -> bool:
    """Whether each network of ``plan`` is one a candidate could be.

    In its piece's population window, passing the candidate filters, the locks kept.
    """
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    population = problem.practices.population
    for members, _ in plan:
        low, high = piece_window(problem, problem.pieces[piece_of[members[0]]])
        if not low <= int(population[members].sum()) <= high:
            return False
    networks = [members for members, _ in plan]
    return problem.locks.kept(networks) and bool(problem.allowed(CandidateSets.of(networks)).all())


def polish_local(
    problem: AreaProblem, local: LocalPlan | None, *, time_limit: float
) -> LocalPlan | None:
    """Return a plan moving fewer than :func:`local_plan`'s, where one is found in time.

    Only in areas of at most :data:`EARLY_PRACTICES` practices whose plan moves more than
    :func:`fewest_moves_floor`: :func:`~footprints.optimiser.move_cuts.polish_moves`
    changes a few networks at a time, for at most ``time_limit`` seconds. Its plan is
    taken where each network could be a candidate (:func:`fits`); else ``local``.
    """
    index = problem.current.index
    if (
        local is None
        or index is None
        or problem.settings.fewest_patients
        or sum(len(piece.nodes) for piece in problem.pieces) > EARLY_PRACTICES
    ):
        return local
    moved = sum(1 for members, m in local for i in members if index[i] >= 0 and index[i] != m)
    if moved <= fewest_moves_floor(problem):
        return local
    deadline = Deadline(
        min(time.monotonic() + time_limit, problem.deadline.at), problem.deadline.stop
    )
    found = polish_moves(problem, local, deadline)
    logger.debug(
        "area %s: polish from the first plan (%d moved): %s",
        problem.name,
        moved,
        "none moving fewer" if found.plan is None else f"a plan moving {found.moves}",
    )
    if found.plan is None or not fits(problem, found.plan):
        return local
    return found.plan


def compliant_as_is(problem: AreaProblem, columns: Columns) -> tuple[IntArray, IntArray, IntArray]:
    """Return the columns of the compliant current networks as they are, and the keys.

    The columns are matched to their own current network; the keys are every column's and
    the random practice keys behind them.
    """
    keys = np.random.default_rng(20_251_128).integers(
        1, 2**62, size=len(problem.practices), dtype=np.int64
    )
    have = columns.sets.reduce(keys, np.bitwise_xor)[columns.col_set]
    as_is: list[int] = []
    for network in current_networks(problem).values():
        if network.number >= 0 and network.compliant:
            key = np.bitwise_xor.reduce(keys[list(network.members)])
            hits = (have == key) & (columns.col_match == network.number)
            as_is.extend(int(j) for j in np.flatnonzero(hits)[:1])
    return np.asarray(as_is, np.int64), have, keys


def _local_start(
    problem: AreaProblem,
    columns: Columns,
    values: IntArray,
    model: Partition,
    start: IntArray | None,
    time_limit: float,
) -> IntArray | None:
    """Find a plan moving few practices by changing only the networks near the broken ones.

    Every compliant current network farther away stays as it is; the networks that break a
    rule and their compliant neighbours (then the neighbours' neighbours, if that finds no
    plan) may change into groups near them (:func:`~footprints.optimiser.columns.
    near_current`). CP-SAT solves that small model in a fraction of the time: a first plan
    for the exact solve to beat, often already the fewest moves. No ring starts once
    ``time_limit`` or the area's deadline has passed (on NHS North West London 2021 the two
    rings' groups took 17 of 40 s profiled, the time limit being 20 s).
    """
    began = time.monotonic()
    ends = min(began + time_limit, problem.deadline.at)
    if len(columns) == 0:
        return start
    as_is, have, keys = compliant_as_is(problem, columns)
    networks = [n for n in current_networks(problem).values() if n.number >= 0]
    index = problem.current.index
    assert index is not None
    practices = problem.practices
    unplaced = [i for piece in problem.pieces for i in piece.nodes if index[i] < 0]
    active = {n.number for n in networks if not n.compliant}
    reach = bit_mask(unplaced) | bit_mask(i for n in networks if not n.compliant for i in n.members)
    best = start
    best_value = int(values[start].sum()) if start is not None else None
    for _ring in range(2):
        if time.monotonic() - began >= time_limit or problem.deadline.passed():
            break  # listing the groups near a ring takes seconds on a large area, unchecked
        around = 0
        for i in bit_indices(reach):
            around |= practices.neighbours[i]
        active |= {int(index[i]) for i in bit_indices(around & ~reach) if index[i] >= 0}
        reach |= bit_mask(i for n in networks if n.number in active for i in n.members)
        near = CandidateSets.concatenate(
            [
                near_current(problem, piece, *piece_window(problem, piece), only=active, until=ends)
                for piece in problem.pieces
            ]
        )
        pool = np.union1d(np.flatnonzero(np.isin(have, near.reduce(keys, np.bitwise_xor))), as_is)
        if start is not None:
            pool = np.union1d(pool, start)
        result = solve_integer(
            columns.scored(values),
            model,
            pool.astype(np.int64),
            problem.settings,
            time_limit=max(0.05, time_limit - (time.monotonic() - began)),
            stop=problem.deadline.stop,
            hint=start,
            presolve=False,
        )
        if result.objective is not None:
            if best_value is None or result.objective < best_value:
                best, best_value = result.chosen, result.objective
            break
    return best


def local_networks(problem: AreaProblem, local: LocalPlan | None) -> PieceNetworks | None:
    """Return the networks of a plan from :func:`local_plan` per piece (``None``: none)."""
    if local is None:
        return None
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    plan: PieceNetworks = [[] for _ in problem.pieces]
    for members, _ in local:
        if not members or members[0] not in piece_of:
            return None
        plan[piece_of[members[0]]].append(sorted(members))
    return plan


def local_plan(
    problem: AreaProblem, quick: list[list[list[int]]] | None, *, time_limit: float
) -> LocalPlan | None:
    """Find a plan moving few practices before any candidate is listed.

    Only the groups near the current networks (:func:`~footprints.optimiser.columns.
    near_current`) and the quick plan's networks ``quick`` (per piece) are columns, and only
    the networks near those that break a rule may change (see :func:`_local_start`): a
    small model, so even an area whose candidates take longer to list than the time limit
    gets a plan that changes little. ``None`` without a current plan or a plan.
    """
    index = problem.current.index
    if index is None or not problem.settings.least_change:
        return None
    began = time.monotonic()
    listed = min(began + NEAR_SHARE * time_limit, problem.deadline.at)
    piece_sets = [
        near_current(problem, piece, *piece_window(problem, piece), until=listed)
        for piece in problem.pieces
    ]
    quick_ids: list[int] = []
    if quick is not None:
        offset = 0
        for p, networks in enumerate(quick):
            piece_sets[p] = CandidateSets.concatenate([piece_sets[p], CandidateSets.of(networks)])
            quick_ids.extend(
                range(offset + len(piece_sets[p]) - len(networks), offset + len(piece_sets[p]))
            )
            offset += len(piece_sets[p])
    columns = build_columns(problem, piece_sets)
    start = plan_columns(columns, np.asarray(quick_ids, np.int64), None) if quick_ids else None
    moved = move_measures(problem, columns)[0]
    band = Limit(outside_band(problem, columns), 0, "outside the band")
    model = dataclasses.replace(Partition.of_area(problem), limits=(band,))
    if start is not None and not model.allows(columns, start):
        start = None
    values = moved.values
    repaired = repair_by_parts(
        columns,
        values,
        model,
        compliant_as_is(problem, columns)[0],
        problem.settings,
        problem.practices.neighbours,
        time_limit=max(REPAIR_FLOOR, REPAIR_SHARE * (time_limit - (time.monotonic() - began))),
        name=problem.name,
    )
    if repaired is not None and (start is None or values[repaired].sum() < values[start].sum()):
        start = repaired
    left = time_limit - (time.monotonic() - began)
    if left <= 0 or problem.deadline.passed():  # out of time: the best plan so far
        chosen = start
    else:
        chosen = _local_start(problem, columns, values, model, start, left)
    if chosen is None:
        return None
    return [
        (columns.sets.members_of(int(columns.col_set[j])), int(columns.col_match[j]))
        for j in chosen
    ]


def better_start(
    problem: AreaProblem,
    columns: Columns,
    values: IntArray,
    model: Partition,
    start: IntArray | None,
    local: LocalPlan,
) -> IntArray | None:
    """Return the local plan's columns among ``columns`` where they are a better start."""
    keys = np.random.default_rng(20_251_129).integers(
        1, 2**62, size=len(problem.practices), dtype=np.int64
    )
    have = columns.sets.reduce(keys, np.bitwise_xor)[columns.col_set]
    found = []
    for members, match in local:
        key = np.bitwise_xor.reduce(keys[members])
        hits = np.flatnonzero((have == key) & (columns.col_match == match))
        if not len(hits):
            return start
        found.append(int(hits[0]))
    chosen = np.asarray(sorted(found), np.int64)
    if not model.allows(columns, chosen):
        return start
    kept = start is not None and model.allows(columns, start)
    if kept and start is not None and int(values[start].sum()) <= int(values[chosen].sum()):
        return start
    return chosen
