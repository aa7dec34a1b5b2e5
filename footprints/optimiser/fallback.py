"""The plan at hand when the exact solve ends without one, and its polish by local search.

:func:`fallback` returns the best plan at hand when time runs out before the exact solve
(:func:`~footprints.optimiser.proof.partition`) finds a plan, or the solve fails: the
constructive plan (or the current plan, if cheaper; under least change the current plan
repaired, else the current plan made whole: never a plan built from scratch where another is
at hand), else one network per connected part of the area. :func:`polish` improves a plan
not proved optimal by local search in the time left. :func:`plan_networks` and
:func:`costed_plan` turn a plan given by its practices into the solve's columns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray, components
from footprints.optimiser.columns import Columns, build_columns, plan_columns, raise_costs
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.improve import improvable, improve, improving
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import SHARES_WORDS, Outcome, past_deadline, shares_bound
from footprints.optimiser.reshape import repair_start
from footprints.optimiser.search_costs import territory_score
from footprints.optimiser.settings import Fallback, Status

__all__ = [
    "POLISHED",
    "REPAIRED",
    "costed_plan",
    "fallback",
    "least_change_key",
    "plan_networks",
    "polish",
]


def _current_networks(problem: AreaProblem) -> PieceNetworks | None:
    """Return the current networks per piece, when they partition each piece contiguously.

    ``None`` also when one of them fails a candidate filter.
    """
    return plan_networks(problem, problem.current.assignment)


def plan_networks(problem: AreaProblem, assignment: Mapping[str, str]) -> PieceNetworks | None:
    """Return a plan's networks per piece, when they partition each piece contiguously.

    ``assignment`` maps practice code → network (a network spanning pieces counts as its
    part in each). ``None`` when it is empty, misses a practice of a piece, has a network
    not contiguous within a piece, or a network fails a candidate filter.
    """
    if not assignment:
        return None
    practices = problem.practices
    plan: PieceNetworks = []
    for piece in problem.pieces:
        members: dict[str, list[int]] = {}
        for i in piece.nodes:
            net = assignment.get(practices.codes[i])
            if net is None:
                return None
            members.setdefault(net, []).append(i)
        networks = [sorted(members[net]) for net in sorted(members)]
        if any(len(components(n, practices.neighbours)) != 1 for n in networks):
            return None
        plan.append(networks)
    if problem.settings.candidate_filters:
        every = [n for networks in plan for n in networks]
        if not problem.allowed(CandidateSets.of(every)).all():
            return None
    return plan


def costed_plan(problem: AreaProblem, plan: PieceNetworks) -> tuple[int, IntArray, Columns] | None:
    """Return a plan's cost, its columns chosen and the columns, as the solve costs them.

    ``None`` when its networks cannot be matched within the move budget.
    """
    columns = build_columns(problem, [CandidateSets.of(n) for n in plan])
    raise_costs(problem, columns, np.arange(len(columns), dtype=np.int64))
    chosen = plan_columns(columns, np.arange(len(columns.sets)), problem.settings.max_moves)
    if chosen is None:
        return None
    return int(columns.col_cost[chosen].sum()), chosen, columns


def _made_whole(problem: AreaProblem) -> tuple[IntArray, Columns] | None:
    """Return the current plan made whole (:func:`~.reshape.repair_start`), as columns.

    The last resort of a repair: each current network kept as it stands, cut into its
    connected parts, the practices in none joined to a neighbour's. Moves are counted but
    the move budget is not kept (no plan within it is at hand). ``None`` without a current
    plan, or when it breaks a lock or a candidate filter.
    """
    plan = repair_start(problem)
    if plan is None:
        return None
    unbudgeted = dataclasses.replace(
        problem, settings=dataclasses.replace(problem.settings, max_moves=None)
    )
    columns = build_columns(unbudgeted, [CandidateSets.of(n) for n in plan])
    chosen = plan_columns(columns, np.arange(len(columns.sets)), None)
    if chosen is None:
        return None
    return chosen, columns


def _parts(problem: AreaProblem) -> tuple[IntArray, Columns]:
    """One network per connected piece of the area: the plan of last resort.

    Moves from the current plan are counted where the move budget allows it; the budget is
    not kept (nothing else is at hand).
    """
    sets = [CandidateSets.of([piece.nodes]) for piece in problem.pieces]
    columns = build_columns(problem, sets)
    chosen = plan_columns(columns, np.arange(len(columns.sets)), None)
    if chosen is None:
        columns = build_columns(problem, sets, repair=False)
        chosen = np.arange(len(columns), dtype=np.int64)
    return chosen, columns


_FALLBACK_WORDS = {
    "constructive": "the plan is the quick constructive one",
    "current": "the plan is the current plan (it costs less than the quick constructive one)",
    "repaired": "the plan is the current plan repaired with the fewest moves found before the "
    "exact solve (the networks that comply kept where they could be, those breaking a rule "
    "re-formed with their neighbours)",
    "current made whole": "the plan is the current plan made whole (least change had no "
    "repair in time): each current network as it stands, cut into its connected parts, the "
    "practices in none joined to a neighbouring network (it may break the band)",
}
"""How :func:`fallback` names the plan that stands in, by kind."""


def least_change_key(problem: AreaProblem, columns: Columns, chosen: IntArray) -> tuple[int, int]:
    """Rank a plan as least change does: networks outside the band, then moves.

    Networks outside the band count only in pieces where the area allows the band; moves
    are the practices moved (patients with ``fewest_patients``), each network matched to
    its column's current network.
    """
    index = problem.current.index
    assert index is not None
    hard = np.array([not piece.soft for piece in problem.pieces] + [False])
    band = problem.band
    population = problem.practices.population
    outside = moved = 0
    for j in chosen.tolist():
        s = int(columns.col_set[j])
        total = int(columns.set_population[s])
        if hard[int(columns.set_piece[s])] and not band.contains(total):
            outside += 1
        members = np.asarray(columns.sets.members_of(s), np.int64)
        leaving = members[(index[members] >= 0) & (index[members] != columns.col_match[j])]
        moved += (
            int(population[leaving].sum()) if problem.settings.fewest_patients else len(leaving)
        )
    return outside, moved


def _best_at_hand(
    problem: AreaProblem,
    construction: PieceNetworks | None,
    repaired: PieceNetworks | None,
    *,
    least: bool,
) -> tuple[int, IntArray, Columns, Fallback] | None:
    """Return the best plan at hand (its cost, columns chosen, columns and kind), if any.

    By cost; under least change (``least``) by :func:`least_change_key` among the plans
    made from the current one: the current plan repaired, the current plan as it is, and
    the current plan made whole (:func:`_made_whole`, its moves counted, the move budget
    not kept). The quick constructive plan, built from scratch, is then at hand only when
    none of them is: on NHS North West London 2021 it moved hundreds of practices where
    the user asked for least change (BENCHMARKS.md, the app on real areas, session 16).
    """
    at_hand: list[tuple[PieceNetworks | None, Fallback]] = [(repaired, "repaired")]
    if not least:
        at_hand.append((construction, "constructive"))
    at_hand.append((_current_networks(problem), "current"))
    costed: list[tuple[int, IntArray, Columns, Fallback]] = []
    for plan, found in at_hand:
        priced = None if plan is None else costed_plan(problem, plan)
        if priced is not None:
            costed.append((*priced, found))
    if least:
        whole = _made_whole(problem)
        if whole is not None:
            chosen, columns = whole
            cost = int(columns.col_cost[chosen].sum())
            costed.append((cost, chosen, columns, "current made whole"))
        if not costed and construction is not None:
            priced = costed_plan(problem, construction)
            if priced is not None:
                costed.append((*priced, "constructive"))
    best: tuple[int, IntArray, Columns, Fallback] | None = None
    best_key: tuple[int, ...] | None = None
    for cost, chosen, columns, found in costed:
        key = (*least_change_key(problem, columns, chosen), cost) if least else (cost,)
        if best_key is None or key < best_key:
            best, best_key = (cost, chosen, columns, found), key
    return best


_WHOLE_NOTE = (
    "the plan is the current plan made whole: each current network as it stands, cut into its "
    "connected parts, the practices in none joined to a neighbouring network (it may break "
    "the band and the move budget)"
)

_PARTS_NOTE = (
    "the plan is the last resort: one network per connected part of the area (it may break "
    "the band and the locks)"
)


def fallback(
    problem: AreaProblem,
    construction: PieceNetworks | None,
    notes: list[str],
    *,
    failure: str | None = None,
    repaired: PieceNetworks | None = None,
) -> tuple[Outcome, Columns]:
    """Return the best plan at hand when the exact solve ended without one.

    The constructive plan or the current plan, whichever costs less (within the move
    budget); without either, in a repair the current plan made whole (each current
    network cut into its connected parts: the user's networks kept, the move budget not),
    else one network per connected part of the area, so that a plan always covers every
    practice. Under least change (:func:`least_change_key`) the plans made from the
    current one compete instead: the current plan ``repaired``, the current plan as it is,
    and the current plan made whole (status ``"feasible"``, its moves counted); the plan
    breaking the band in fewest networks where the area allows the band, then moving
    fewest, then costing least. A least-change run never gets a plan built from scratch
    while one made from the current plan is at hand (see :func:`_best_at_hand`).

    Parameters
    ----------
    problem
        The area's problem.
    construction
        The quick constructive plan, or ``None`` when there is none.
    notes
        Sentences saying why the exact solve ended (kept first in the explanations).
    failure
        ``None`` when time ran out (or the user stopped): the status is ``"feasible"`` for
        the constructive or current plan, ``"timed out"`` for the current plan made whole
        and the last resort. Otherwise the
        failure that ended the solve, in words: the status is ``"fallback"`` and the note
        names the failure and the plan that stands in.
    repaired
        Least change: the current plan repaired with the fewest moves found (see
        :func:`~footprints.optimiser.least_start.local_plan`), or ``None``.
    """
    least = problem.settings.least_change and problem.current.index is not None
    best = _best_at_hand(problem, construction, repaired, least=least)
    kind: Fallback
    status: Status
    # A proved bound all the same, from the plan's cost shares (a moment over time).
    seconds = 0.0 if failure else past_deadline(problem)
    bound: float | None = None
    if best is not None:
        bound = shares_bound(problem, best[2], best[1], best[0], seconds)
    if best is None:
        whole = _made_whole(problem)
        if whole is None:
            chosen, columns = _parts(problem)
            kind, words = "connected parts", _PARTS_NOTE
        else:
            chosen, columns = whole
            kind, words = "current made whole", _WHOLE_NOTE
        cost = int(columns.col_cost[chosen].sum())
        bound = shares_bound(problem, columns, chosen, cost, 0.0)
        status = "timed out"
    else:
        cost, chosen, columns, kind = best
        status = "feasible"
        words = _FALLBACK_WORDS[kind] + (
            ", not optimised and with no bound"
            if bound is None
            else f", not optimised, with {SHARES_WORDS}"
        )
    if failure is None:
        if status == "feasible":
            note = words
        elif kind == "connected parts":
            note = "no plan keeping the locks was found in time, so " + words
        elif kind == "current made whole":
            note = "no plan keeping the locks and the move budget was found in time, so " + words
        else:
            note = words
        if not problem.deadline.stopped():
            note += "; allow more time for a better plan"
    else:
        status = "fallback"
        note = (
            f"the solve failed ({failure}), so {words}; run this area again for an optimised "
            "plan (a failure that depends on the machine's load may not recur)"
        )
    outcome = Outcome(status, cost, bound, chosen, len(columns.sets), [*notes, note], kind)
    return outcome, columns


def _listed_all(problem: AreaProblem) -> bool:
    """Whether every candidate of every piece was listed."""
    return all(piece.bounded for piece in problem.pieces)


POLISHED = (
    "the plan was then improved by local search (re-drawing neighbouring networks) until the "
    "time limit"
)
"""The note of a plan :func:`polish` improved."""

REPAIRED = (
    "the plan was then re-drawn by local search on its networks' exact territories (fewer "
    "territories in pieces, or more patients in their own network's territory)"
)
"""The note of a plan :func:`polish` changed for its exact territories."""


def _outside(problem: AreaProblem, plan: PieceNetworks) -> int:
    """Count the networks of ``plan`` outside the band."""
    population = problem.practices.population
    sizes = [int(population[list(n)].sum()) for networks in plan for n in networks]
    return sum(not problem.band.contains(size) for size in sizes)


def polish(problem: AreaProblem, columns: Columns, outcome: Outcome) -> tuple[Outcome, Columns]:
    """Improve a plan not proved optimal by local search, in the time left.

    On registration geography (see :func:`~footprints.optimiser.improve.improving`), and
    wherever only local candidates were listed, the chosen networks are re-drawn pairwise
    while that lowers the cost, until the deadline. The
    bound, if any, stays (it holds for every plan), and so do the status (``"feasible"``) and
    which plan stood in (:attr:`Outcome.fallback`). Only a ``"feasible"`` plan is polished
    (not a proved one, nor the last resort of ``"timed out"``). ``outcome`` and ``columns``
    unchanged when nothing improves.

    Where the local search keeps exact territories
    (:func:`~footprints.optimiser.search_costs.territory_score`), a proved plan is polished too
    (its networks' costs are the candidates', which see territories only roughly): the
    plan found replaces it when fewer of its territories fail the tolerance, or as many and
    it costs less with the territory terms; it is then ``"feasible"``. A plan with fewer
    networks outside the band (:func:`~footprints.optimiser.improve.improve` brings them in
    first) replaces it whatever else it costs: the band comes before everything but the
    hard rules.
    """
    exact = outcome.objective is not None and improving(problem)
    statuses = ("feasible", "optimal") if exact else ("feasible",)
    if (
        outcome.objective is None
        or outcome.status not in statuses
        or not (improving(problem) or (improvable(problem) and not _listed_all(problem)))
        or problem.deadline.passed()
    ):
        return outcome, columns
    plan: PieceNetworks = [[] for _ in problem.pieces]
    for j in outcome.chosen.tolist():
        s = int(columns.col_set[j])
        plan[int(columns.set_piece[s])].append(columns.sets.members_of(s))
    before = territory_score(problem, plan) if exact else None
    if before is None and outcome.status != "feasible":
        return outcome, columns
    improved = improve(problem, plan, until=problem.deadline.at, anyway=True)
    assert improved is not None
    better = build_columns(problem, [CandidateSets.of(n) for n in improved])
    raise_costs(problem, better, np.arange(len(better), dtype=np.int64))
    chosen = plan_columns(better, np.arange(len(better.sets)), problem.settings.max_moves)
    if chosen is None:
        return outcome, columns
    cost = int(better.col_cost[chosen].sum())
    after = territory_score(problem, improved) if before is not None else None
    into_band = _outside(problem, improved) < _outside(problem, plan)
    if before is None or after is None:
        if cost >= outcome.objective and not into_band:
            return outcome, columns
        note = POLISHED
    else:
        ahead = (after[0], cost + after[1]) < (before[0], outcome.objective + before[1])
        if not (ahead or into_band) or sorted(map(sorted, plan)) == sorted(map(sorted, improved)):
            return outcome, columns
        note = REPAIRED
    bound = None if outcome.bound is None else min(outcome.bound, float(cost))
    notes = [*outcome.notes, note]
    polished = Outcome("feasible", cost, bound, chosen, outcome.pool_size, notes, outcome.fallback)
    return polished, better
