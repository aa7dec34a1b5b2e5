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
from collections.abc import Sequence

import numpy as np

from footprints.optimiser import pricedproof
from footprints.optimiser.candidates import IntArray
from footprints.optimiser.columns import Columns, Limit, Partition, raise_costs
from footprints.optimiser.diving import DIVE_STEPS, dive_down
from footprints.optimiser.fixing import Fixed, prove_least
from footprints.optimiser.least_start import EARLY_PRACTICES, LocalPlan, better_start, fits
from footprints.optimiser.master import LPResult, MasterLP, initial_columns
from footprints.optimiser.measures import Measure, outside_band, priority_measures
from footprints.optimiser.move_cuts import (
    NEW_SLOTS,
    CutBound,
    Polished,
    fewest_moves_by_cuts,
    polish_moves,
)
from footprints.optimiser.move_floor import fewest_moves_floor
from footprints.optimiser.pricing import additive_values, extend_columns, padded, priced_partition
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import Outcome, partition
from footprints.optimiser.settings import Move, PriorityResult, Status

logger = logging.getLogger(__name__)

__all__ = [
    "CUTS_SHARE",
    "DIVE_SHARE",
    "EARLY_SHARE",
    "FIRST_SHARE",
    "FIXING_SHARE",
    "POLISH_AFTER_SHARE",
    "PRICING_SHARE",
    "PRIORITY_SHARE",
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
proved (BENCHMARKS.md, #15); only areas of at most :data:`~footprints.optimiser.
least_start.EARLY_PRACTICES` ask it first too."""
EARLY_SHARE = 0.3
"""Share of the fewest moves' time that the compact model may take before the LP."""
POLISH_AFTER_SHARE = 0.5
"""Share of the time left that polishing the fewest moves' plan (:func:`~footprints.
optimiser.move_cuts.polish_moves`) may take after its solve, where that did not prove it,
before the compact model is asked about the plan."""
PRICING_SHARE = 0.5
"""Share of a priority's time that pricing may take before the columns at hand are searched."""

_EXACT = 2**53
"""Largest whole number the LP (double precision) holds exactly."""


# --------------------------------------------------------------------------- solving


def solve_priorities(
    problem: AreaProblem,
    columns: Columns,
    *,
    start: IntArray | None = None,
    local: LocalPlan | None = None,
) -> tuple[Outcome, Columns, list[PriorityResult]]:
    """Solve the priorities of the settings in order, then the usual objective.

    ``local`` (from :func:`~footprints.optimiser.least_start.local_plan`) is a plan the
    fewest-moves solve starts from where it moves fewer practices than ``start``.

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
            incumbent = better_start(problem, columns, values, model, incumbent, local)
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
        if measure.name == "moves" and max(known, tier.bound or 0) < value and len(limits) == 1:
            # not proved: a few networks at a time may give a plan moving fewer
            polished = _polish_tier(problem, columns, tier.chosen)
            adopted = _take_cut_plan(problem, columns, polished, measure, value, limits)
            if adopted is not None:
                columns, values, tier = _adopted_tier(adopted, known, tier)
                value = int(tier.objective or 0)
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
                columns, values, tier = _adopted_tier(adopted, known, tier)
                value = int(tier.objective or 0)
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


def _adopted_tier(
    adopted: tuple[Columns, IntArray, IntArray], known: int, tier: Outcome
) -> tuple[Columns, IntArray, Outcome]:
    """Make a plan taken from outside the solve (:func:`_take_cut_plan`) the tier's outcome.

    Proved where its value reaches the better of the bound known and the solve's.
    """
    columns, values, chosen = adopted
    value = int(values[chosen].sum())
    floor = max(float(known), tier.bound or 0.0)
    status: Status = "optimal" if value <= floor else "feasible"
    return columns, values, Outcome(status, value, floor, chosen, len(columns.sets), [])


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


def _polish_tier(problem: AreaProblem, columns: Columns, chosen: IntArray) -> Polished:
    """Polish the plan ``chosen`` for :data:`POLISH_AFTER_SHARE` of the time left."""
    plan = [
        (columns.sets.members_of(int(columns.col_set[j])), int(columns.col_match[j]))
        for j in chosen
    ]
    found = polish_moves(problem, plan, problem.deadline.share(POLISH_AFTER_SHARE))
    logger.debug(
        "area %s: polish from the fewest moves' plan: %s",
        problem.name,
        "none moving fewer" if found.plan is None else f"a plan moving {found.moves}",
    )
    return found


def _take_cut_plan(
    problem: AreaProblem,
    columns: Columns,
    found: CutBound | Polished,
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
    problem: AreaProblem,
    columns: Columns,
    found: CutBound | Polished,
    measure: Measure,
    at_hand: int,
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
    if moved >= at_hand or not fits(problem, found.plan):
        return None
    old = len(columns)
    extended = extend_columns(problem, columns, found.plan)
    values = additive_values(extended, index, measure.base)
    chosen = np.arange(old, len(extended), dtype=np.int64)
    logger.debug("area %s: the compact model's answer is a plan moving %d", problem.name, moved)
    return extended, values, chosen


def _at_least(bound: float | None, known: int) -> float | None:
    """Return the better of a solve's bound (``None``: none) and one known otherwise (0: none)."""
    if not known:
        return bound
    return float(known) if bound is None else max(float(known), bound)


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
