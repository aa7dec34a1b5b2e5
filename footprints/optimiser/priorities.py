"""Priorities put before the usual objective: least change, patches first, nesting in patches.

The usual objective (:mod:`footprints.optimiser.costs`) trades every term against every other
at fixed prices. A *priority* is put first instead, lexicographically: the plan is the best
by the usual objective among the plans that are best on the priority. Every plan the
optimiser considers keeps the hard rules and the band where the area allows it (by
construction, :mod:`footprints.optimiser.columns`), so those come first of all. Then, in
this order, for those asked for in :class:`~footprints.optimiser.settings.OptimiseSettings`:

- ``nest_in_patches`` — **straddling networks**: 1 per network whose practices lie in more
  than one patch (practices in no patch ignored; under registration geography a practice
  lies in the patch where most of its patients live). The minimum is 0 wherever a plan
  nesting every network in a patch exists.
- ``patches_first`` — **straddling patients**: the straddle term of the usual objective,
  the patients outside each network's main patch.
- ``least_change`` — **moves**, the practices moved (patients moved with
  ``fewest_patients``), then **moves out of compliant networks**, the practices moved out of
  current networks that already comply (:func:`current_networks`): among plans moving
  fewest, those that leave compliant networks as they are.

Every measure is a whole number ≥ 0 per column (candidate network × matched current
network), so a plan's value is the sum over its columns.

**Sequential** (``lexicographic="sequential"``, the default): the first priority is
minimised by the proof loop (:func:`~footprints.optimiser.proof.partition`) with the
measure as the cost, its best value ``v₁`` becomes a side row ``Σ measure ≤ v₁``
(:class:`~footprints.optimiser.columns.Limit`), the next is minimised under that row, and so
on; the usual objective last, under every row. Each solve starts from the plan of the one
before, which keeps every row. A priority's value is proved when its bound reaches it; when
time runs short the best value found is kept (with its bound), so later solves are still
correct, only not proved best.

**Weights** (``lexicographic="weights"``): one solve, each priority's measure weighted by
``1 +`` an upper bound on the total of everything after it over any plan. That bound is
``N × (largest column value)`` summed over the later terms, with ``N`` the most networks a
plan can have (each piece's maximum count, or its practices): every plan has at most ``N``
columns and every value is ≥ 0. So a plan with a smaller value of a priority costs less
than any plan with a larger one, whatever the later terms: ``w·a + r_a ≤ w·a + (w − 1) <
w·(a + 1) ≤ w·b + r_b`` for ``a < b``. Where the weights would pass 2⁵³ (beyond what the LP
holds exactly) the solve is sequential instead.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from footprints.optimiser import pricedproof
from footprints.optimiser.candidates import CandidateSets, IntArray, bit_indices, bit_mask
from footprints.optimiser.columns import (
    Columns,
    Limit,
    Partition,
    build_columns,
    near_current,
    piece_window,
    plan_columns,
    raise_costs,
)
from footprints.optimiser.compliance import current_networks
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.costs import straddling
from footprints.optimiser.cpsat import solve_integer
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.diving import DIVE_STEPS, dive_down
from footprints.optimiser.fixing import Fixed, prove_least
from footprints.optimiser.master import LPResult, MasterLP, initial_columns
from footprints.optimiser.move_cuts import NEW_SLOTS, CutBound, fewest_moves_by_cuts, polish_moves
from footprints.optimiser.move_floor import fewest_moves_floor
from footprints.optimiser.neighbourhoods import repair_by_parts
from footprints.optimiser.nesting import nest_patches, straddling_flags
from footprints.optimiser.pricing import additive_values, extend_columns, padded, priced_partition
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import Outcome, partition
from footprints.optimiser.settings import Move, PriorityResult, Status

logger = logging.getLogger(__name__)

__all__ = [
    "DIVE_SHARE",
    "EARLY_PRACTICES",
    "EARLY_SHARE",
    "FIRST_SHARE",
    "FIXING_SHARE",
    "LOCAL_SHARE",
    "POLISH_SHARE",
    "PRICING_SHARE",
    "PRIORITY_SHARE",
    "REPAIR_FLOOR",
    "REPAIR_SHARE",
    "LocalPlan",
    "Measure",
    "fewest_moves_floor",
    "local_networks",
    "local_plan",
    "polish_local",
    "priority_measures",
    "solve_priorities",
    "stand_in_priorities",
]

PRIORITY_SHARE = 0.7
"""Share of the time left that each priority's solve after the first may take (the usual
objective, solved last, has what is left)."""
FIRST_SHARE = 0.85
"""Share of the time left that the first priority's solve may take. Its proved minimum (least
change: the fewest moves) is what is asked for; every later solve starts from its plan,
which keeps its value, so they need little time to give a plan (BENCHMARKS.md, #15)."""
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
DIVE_SHARE = 0.25
"""Share of a priority's time left after its LP that diving (:mod:`~footprints.optimiser.
diving`) may take looking for a plan at the LP bound before the exact search."""
FIXING_SHARE = 0.6
"""Share of a priority's time left after its LP and dives that the questions of reduced-cost
fixing (:func:`~footprints.optimiser.fixing.prove_least`) may take before the proof loop."""
CUTS_SHARE = 0.5
"""Share of the time left that the compact model's bound on moves (:mod:`~footprints.
optimiser.move_cuts`) may take after the fewest moves' solve, where that did not prove its
plan: a no to "does a plan move fewer?" proves it. Asked after the solve, not before: asked
first (0.3 of the time) in every area it took the solve's time and lost more areas than it
proved (BENCHMARKS.md, #15); only areas of at most :data:`EARLY_PRACTICES` ask it first too."""
EARLY_PRACTICES = 60
"""Areas of at most this many practices ask the compact model on moves (:mod:`~footprints.
optimiser.move_cuts`) before the fewest moves' LP, with the plan at hand: their model is
small, and its last answer, every network connected, is a plan moving its bound."""
EARLY_SHARE = 0.3
"""Share of the fewest moves' time that the compact model may take before the LP."""
POLISH_SHARE = 0.25
"""Share of an area's time limit that polishing the first plan (:func:`polish_local`) may
take in a small area."""
PRICING_SHARE = 0.5
"""Share of a priority's time that pricing may take before the columns at hand are searched."""

_EXACT = 2**53
"""Largest whole number the LP (double precision) holds exactly."""


# --------------------------------------------------------------------------- measures


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


def _move_measures(problem: AreaProblem, columns: Columns) -> list[Measure]:
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
        found.extend(_move_measures(problem, columns))
    return found


# --------------------------------------------------------------------------- solving


def solve_priorities(
    problem: AreaProblem,
    columns: Columns,
    *,
    start: IntArray | None = None,
    local: LocalPlan | None = None,
) -> tuple[Outcome, Columns, list[PriorityResult]]:
    """Solve the priorities of the settings in order, then the usual objective.

    ``local`` (from :func:`local_plan`) is a plan the fewest-moves solve starts from
    where it moves fewer practices than ``start``.

    Returns
    -------
    outcome, columns, priorities
        The usual objective's outcome (its plan keeps every priority at its best value
        found), the columns its plan is made of (``columns``, with any that pricing found
        after them) and each priority's result. Without priorities: the plain proof loop.
    """
    measures = priority_measures(problem, columns)
    if not measures:
        outcome = partition(problem, columns, start=start, priced=pricedproof.attempt)
        return outcome, outcome.columns or columns, []
    if problem.settings.lexicographic == "weights":
        weighted = _solve_weighted(problem, columns, measures, start)
        if weighted is not None:
            return weighted[0], columns, weighted[1]
    return _solve_sequential(problem, columns, measures, start, local)


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


def _solve_sequential(
    problem: AreaProblem,
    columns: Columns,
    measures: list[Measure],
    start: IntArray | None,
    local: LocalPlan | None,
) -> tuple[Outcome, Columns, list[PriorityResult]]:
    base = Partition.of_area(problem)
    limits: list[Limit] = [Limit(outside_band(problem, columns), 0, "outside the band")]
    results: list[PriorityResult] = []
    incumbent = start
    listed = all(piece.bounded for piece in problem.pieces)
    for measure in measures:
        known = fewest_moves_floor(problem) if measure.name == "moves" else 0
        share = PRIORITY_SHARE if results else FIRST_SHARE
        values = measure.values
        if len(values) != len(columns):  # pricing added columns: measure them too
            assert measure.base is not None and problem.current.index is not None
            values = additive_values(columns, problem.current.index, measure.base)
            measure = dataclasses.replace(measure, values=values)
        if measure.name in ("moves", "patients moved") and local:
            model = dataclasses.replace(base, limits=tuple(limits))
            incumbent = _better_start(problem, columns, values, model, incumbent, local)
        model = dataclasses.replace(base, limits=tuple(limits))
        at_hand = (
            int(values[incumbent].sum())
            if incumbent is not None and model.allows(columns, incumbent)
            else None
        )
        asked = None
        if (
            measure.name == "moves"
            and at_hand is not None
            and known < at_hand <= NEW_SLOTS + 1
            and len(limits) == 1
            and sum(len(piece.nodes) for piece in problem.pieces) <= EARLY_PRACTICES
        ):
            # a small area: the compact model may prove the fewest moves, with its plan,
            # before the LP over every candidate (BENCHMARKS.md, #15, session 16)
            asked = at_hand
            found = _cut_bound(problem, at_hand, EARLY_SHARE)
            known = max(known, found.bound)
            adopted = _take_cut_plan(problem, columns, found, measure, at_hand, limits)
            if adopted is not None:
                columns, values, incumbent = adopted
                measure = dataclasses.replace(measure, values=values)
                model = dataclasses.replace(base, limits=tuple(limits))
                at_hand = int(values[incumbent].sum())
        tier_problem = dataclasses.replace(problem, deadline=problem.deadline.share(share))
        if at_hand is not None and incumbent is not None and at_hand <= known:
            # Nothing is below 0 or the bound known: the plan at hand is best on this
            # priority already.
            tier = Outcome("optimal", at_hand, float(at_hand), incumbent, len(columns.sets), [])
        elif measure.base is not None and len(limits) == 1 and not listed:
            tier, columns, values = _priced_tier(
                tier_problem, columns, measure, model, incumbent, known
            )
            limits[0] = Limit(outside_band(problem, columns), 0, "outside the band")
        else:
            scored = columns.scored(values)
            lp, incumbent, relaxation = _dived(tier_problem, scored, model, incumbent, at_hand)
            fixed = _fixed(tier_problem, scored, model, relaxation, incumbent, known)
            known = known if fixed is None else fixed.bound
            if fixed is not None and fixed.proved:
                tier = Outcome(
                    "optimal", fixed.value, float(fixed.value), fixed.chosen, len(columns.sets), []
                )
            else:
                tier = partition(
                    tier_problem,
                    scored,
                    start=incumbent if fixed is None else fixed.chosen,
                    model=model,
                    lp=lp,
                    first_delta=measure.step,
                    presolve=False,
                )
        if tier.objective is None:  # infeasible, or no plan in time: as the plain loop
            return tier, columns, results
        value = tier.objective
        if (
            measure.name == "moves"
            and max(known, tier.bound or 0) < value <= NEW_SLOTS + 1
            and value != asked
        ):
            # not proved: ask the compact model (with more new networks than it holds, it
            # cannot prove the plan), unless it was asked the same before the solve
            found = _cut_bound(problem, value, CUTS_SHARE)
            known = max(known, found.bound)
            adopted = _take_cut_plan(problem, columns, found, measure, value, limits)
            if adopted is not None:
                columns, values, chosen = adopted
                value = int(values[chosen].sum())
                floor = max(float(known), tier.bound or 0.0)
                status: Status = "optimal" if value <= floor else "feasible"
                tier = Outcome(status, value, floor, chosen, len(columns.sets), [])
        # Every measure is ≥ 0: a plan at 0 is best whatever the search proved.
        bound = 0.0 if value == 0 else _at_least(tier.bound, known)
        results.append(measure.result(value, bound))
        limits.append(Limit(values, value, measure.name))
        incumbent = tier.chosen
    final = partition(
        problem,
        columns,
        start=incumbent,
        model=dataclasses.replace(base, limits=tuple(limits)),
        start_words="the best found on the priorities",
    )
    if final.objective is not None:
        # The last solve may have found a plan better on a priority than its own solve did.
        results = [
            measure.result(
                int(limit.values[final.chosen].sum()),
                None if result.bound is None else result.bound * measure.scale,
            )
            for measure, limit, result in zip(measures, limits[1:], results, strict=True)
        ]
    return final, columns, results


def _dived(
    problem: AreaProblem,
    scored: Columns,
    model: Partition,
    incumbent: IntArray | None,
    at_hand: int | None,
) -> tuple[MasterLP | None, IntArray | None, LPResult | None]:
    """Solve the tier's master LP and dive from it for a plan below the one at hand.

    Returns the LP (for :func:`~footprints.optimiser.proof.partition` to go on from;
    ``None`` when it was not solved in time), the better plan found, else ``incumbent``,
    and the LP's solution over every column (``None`` when it was not solved to the end).
    A plan found at the rounded-up LP bound is then proved at once by the proof loop.
    """
    lp = MasterLP(scored, model)
    lp.add(initial_columns(scored, model.rows))
    if incumbent is not None and at_hand is not None:
        lp.add(incumbent)
    relaxation = lp.solve(problem.deadline)
    if not (relaxation.feasible and relaxation.complete):
        return None, incumbent, None
    lower = math.ceil(relaxation.bound - 1e-6)
    upper = at_hand - 1 if at_hand is not None else lower + DIVE_STEPS - 1
    if upper < lower:
        return lp, incumbent, relaxation
    found = dive_down(
        lp, model, lower, upper, problem.deadline.share(DIVE_SHARE), name=problem.name
    )
    return lp, found if found is not None else incumbent, relaxation


def _fixed(
    problem: AreaProblem,
    scored: Columns,
    model: Partition,
    relaxation: LPResult | None,
    incumbent: IntArray | None,
    known: int,
) -> Fixed | None:
    """Look for the cheapest plan by reduced-cost fixing (:mod:`~footprints.optimiser.fixing`).

    Takes :data:`FIXING_SHARE` of the time left, from the bound ``known`` up; ``None``
    without an LP solved over every column (``relaxation``) or a plan of ``model`` at hand.
    """
    if relaxation is None or incumbent is None or not model.allows(scored, incumbent):
        return None
    return prove_least(
        scored,
        model,
        relaxation.reduced_costs,
        relaxation.bound,
        incumbent,
        problem.settings,
        problem.deadline.share(FIXING_SHARE),
        floor=known,
        name=problem.name,
    )


def _cut_bound(problem: AreaProblem, at_hand: int, share: float) -> CutBound:
    """Return the compact model's bound on moves (:mod:`~footprints.optimiser.move_cuts`)."""
    found = fewest_moves_by_cuts(problem, at_hand, problem.deadline.share(share))
    logger.debug(
        "area %s: compact bound %d on moves (plan at hand %d), %d rounds, %d cuts%s",
        problem.name,
        found.bound,
        at_hand,
        found.rounds,
        found.cuts,
        ", its answer a plan" if found.plan is not None else "",
    )
    return found


def _take_cut_plan(
    problem: AreaProblem,
    columns: Columns,
    found: CutBound,
    measure: Measure,
    at_hand: int,
    limits: list[Limit],
) -> tuple[Columns, IntArray, IntArray] | None:
    """Take the compact model's answer as the plan where :func:`_adopt_cut_plan` can.

    Only with the band's row alone in ``limits`` (the earlier priorities' rows would need
    the new columns measured); that row then counts the new columns too.
    """
    if len(limits) != 1:
        return None
    adopted = _adopt_cut_plan(problem, columns, found, measure, at_hand)
    if adopted is not None:
        limits[0] = Limit(outside_band(problem, adopted[0]), 0, "outside the band")
    return adopted


def _adopt_cut_plan(
    problem: AreaProblem, columns: Columns, found: CutBound, measure: Measure, at_hand: int
) -> tuple[Columns, IntArray, IntArray] | None:
    """Add the compact model's answer to ``columns`` where it is a plan moving fewer.

    Its networks are connected and, in a hard piece, in the band (the model's rows); here
    each must also lie in its piece's population window and pass the candidate filters and
    the locks, as every candidate does. Returns the columns with the plan's appended, the
    measure's values over them and the plan's columns; ``None`` where the answer is no
    such plan.
    """
    index = problem.current.index
    if found.plan is None or measure.base is None or index is None:
        return None
    moved = sum(1 for members, m in found.plan for i in members if index[i] >= 0 and index[i] != m)
    if moved >= at_hand or not _fits(problem, found.plan):
        return None
    old = len(columns)
    extended = extend_columns(problem, columns, found.plan)
    values = additive_values(extended, index, measure.base)
    chosen = np.arange(old, len(extended), dtype=np.int64)
    logger.debug("area %s: the compact model's answer is a plan moving %d", problem.name, moved)
    return extended, values, chosen


def _fits(problem: AreaProblem, plan: LocalPlan) -> bool:
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
    taken where each network could be a candidate (:func:`_fits`); else ``local``.
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
    if found.plan is None or not _fits(problem, found.plan):
        return local
    return found.plan


def _at_least(bound: float | None, known: int) -> float | None:
    """Return the better of a solve's bound (``None``: none) and one known otherwise (0: none)."""
    if not known:
        return bound
    return float(known) if bound is None else max(float(known), bound)


def _as_is(problem: AreaProblem, columns: Columns) -> tuple[IntArray, IntArray, IntArray]:
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
    as_is, have, keys = _as_is(problem, columns)
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


LocalPlan = list[tuple[list[int], int]]
"""A plan as networks (practice indices) each with its matched current network (or -1)."""


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


def stand_in_priorities(problem: AreaProblem, moved: Sequence[Move]) -> list[PriorityResult]:
    """Least change's priority for a plan standing in: its moves and the bound known at once.

    ``moved``: the plan's moved practices (:func:`~footprints.optimiser.changes.
    moved_practices`); those over the maximum split off (``"forced"``) count as the solve's
    measure counts them: not at all. The bound is :func:`fewest_moves_floor` (none for
    patients moved): the exact solve that would have proved more gave no plan.
    """
    moved = [m for m in moved if m.reason != "forced"]
    if problem.settings.fewest_patients:
        return [PriorityResult("patients moved", sum(m.patients for m in moved), None)]
    floor = fewest_moves_floor(problem)
    return [PriorityResult("moves", len(moved), floor or None)]


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
    moved = _move_measures(problem, columns)[0]
    band = Limit(outside_band(problem, columns), 0, "outside the band")
    model = dataclasses.replace(Partition.of_area(problem), limits=(band,))
    if start is not None and not model.allows(columns, start):
        start = None
    values = moved.values
    repaired = repair_by_parts(
        columns,
        values,
        model,
        _as_is(problem, columns)[0],
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


def _better_start(
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


def _priced_tier(
    problem: AreaProblem,
    columns: Columns,
    measure: Measure,
    base: Partition,
    start: IntArray | None,
    known: int = 0,
) -> tuple[Outcome, Columns, IntArray]:
    """Minimise an additive measure where not every candidate was listed.

    ``known``: a lower bound proved otherwise (:func:`fewest_moves_floor`).

    Pricing (:func:`~footprints.optimiser.pricing.priced_partition`) proves the minimum
    when it can within half the time; otherwise the proof loop searches the columns it has
    (with those pricing found) for a better plan, and keeps pricing's bound if it got one.
    """
    assert measure.base is not None
    share = dataclasses.replace(problem, deadline=problem.deadline.share(PRICING_SHARE))
    priced = priced_partition(
        share, columns, measure.base, start=start, step=measure.step, model=base, known_bound=known
    )
    columns, values = priced.columns, priced.values
    base = padded(base, len(columns))
    if priced.outcome.status == "optimal":
        return priced.outcome, columns, values
    found = priced.outcome if priced.outcome.objective is not None else None
    scored = columns.scored(values)
    first = found.chosen if found is not None else start
    at_hand = (
        int(values[first].sum()) if first is not None and base.allows(columns, first) else None
    )
    # Over the columns at hand the LP bounds nothing, but a dive from it may still find a
    # plan moving fewer.
    lp, first, _ = _dived(problem, scored, base, first, at_hand)
    searched = partition(
        problem,
        scored,
        start=first,
        model=base,
        lp=lp,
        first_delta=measure.step,
        presolve=False,
    )
    bound = _at_least(priced.outcome.bound, known)
    if searched.objective is None or (
        found is not None and found.objective is not None and found.objective < searched.objective
    ):
        return priced.outcome, columns, values
    proved = bound is not None and bound >= searched.objective
    status: Status = "optimal" if proved else "feasible"
    return dataclasses.replace(searched, status=status, bound=bound), columns, values


def _solve_weighted(
    problem: AreaProblem, columns: Columns, measures: list[Measure], start: IntArray | None
) -> tuple[Outcome, list[PriorityResult]] | None:
    """One solve with dominating weights; ``None`` when they would not stay exact."""
    networks = sum(
        piece.k_range[1] if piece.k_range is not None else len(piece.nodes)
        for piece in problem.pieces
    )
    if len(columns) == 0:
        return None
    total = columns.col_cost.astype(np.int64)
    span = networks * int(total.max())  # ≥ the usual objective of any plan (costs are ≥ 0)
    weights: list[int] = []
    for measure in reversed(measures):
        weight = span + 1
        span += weight * networks * int(measure.values.max())
        if span >= _EXACT:
            return None
        weights.append(weight)
        total = total + weight * measure.values
    weights.reverse()
    band = Limit(outside_band(problem, columns), 0, "outside the band")
    model = dataclasses.replace(Partition.of_area(problem), limits=(band,))
    # Cost arrays of its own: the territory terms its solve adds are in ``total`` only, and
    # the chosen columns get theirs in ``columns`` below.
    checked = None if columns.checked is None else columns.checked.copy()
    weighted = dataclasses.replace(
        columns, col_cost=total, set_cost=columns.set_cost.copy(), checked=checked
    )
    outcome = partition(problem, weighted, start=start, model=model)
    if outcome.objective is None:
        return outcome, []
    chosen = outcome.chosen
    raise_costs(problem, columns, chosen)
    proved = outcome.status == "optimal"
    results = []
    for k, measure in enumerate(measures):
        value = int(measure.values[chosen].sum())
        bound: float | None = value if proved else None
        if k == 0 and not proved and outcome.bound is not None:
            # combined ≥ b and everything after the first term is < its weight
            bound = math.ceil((outcome.bound - weights[0] + 1) / weights[0] - 1e-9)
        results.append(measure.result(value, bound))
    usual = int(columns.col_cost[chosen].sum())
    outcome = dataclasses.replace(outcome, objective=usual, bound=usual if proved else None)
    return outcome, results
