"""What change buys: the best plan within ``k`` moves, for ``k = 0 …`` the fewest moves.

Least-change repair (:mod:`footprints.optimiser.priorities`) finds the fewest moves ``M``
that make every network comply. Below ``M`` some networks must stay as they are, breaking a
rule; the *trade-off curve* says how many, for every budget ``k < M``.

**Model.** The columns of the repair (every candidate network, matched to a current network
or to none: they comply) and, for each current network that breaks a rule, its *remnants*:
the network as it is, and as it is less one or two of its practices (less
:data:`REMNANT_DROP` at most; at most :data:`REMNANT_CAP` per network), each matched to that
network, so they move nobody; the practices left out go to other networks and count as
moves there. A practice of no current network may stay on its own. A remnant that is not
contiguous, or is on its own with no current network, or fails a candidate filter, is a
*hard* network; one outside the band where the area allows the band an *out-of-band* one.
Joining two remnants is not considered (it would move practices without making either
network comply).

**Objective** at budget ``k`` (a side row ``Σ moves ≤ k``, or patients moved with
``fewest_patients``): fewest hard networks, then fewest out-of-band networks, then fewest
moves, as one whole-number score ``hard·W₂ + out·W₁ + moved`` with ``W₁`` one more than the
most that can move and ``W₂ = W₁·(n + 1)`` (``n`` practices, so at most ``n`` networks):
each term is smaller than the next one's weight, so the order is strict.

**Re-use.** One master LP serves every budget (only the side row's bound changes, GLOP
keeps its basis) over the same columns, and the budgets are swept downwards: the plan found
for budget ``k`` moves some ``m ≤ k`` and is also the best for every budget from ``m`` to
``k`` (the best within ``m`` can be no better than the best within ``k``, and this plan is
within ``m``), so the next solve is at ``m − 1``. A curve takes one solve per distinct plan,
not one per budget.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray, components
from footprints.optimiser.columns import Columns, Limit, Partition
from footprints.optimiser.compliance import current_networks
from footprints.optimiser.costs import set_costs
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.measures import outside_band
from footprints.optimiser.pricing import matched_sums
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import partition
from footprints.optimiser.settings import CurvePoint

__all__ = [
    "CURVE_SHARE",
    "POINT_SHARE",
    "REMNANT_CAP",
    "REMNANT_DROP",
    "CurveColumns",
    "curve_columns",
    "trade_off",
]

CURVE_SHARE = 0.4
"""Share of an area's time limit kept for the curve when ``trade_off`` is asked for."""
POINT_SHARE = 0.5
"""Share of the curve's time left that one budget's solve may take."""
REMNANT_DROP = 2
"""Most practices a remnant of a current network leaves out."""
REMNANT_CAP = 400
"""Most remnants listed per current network."""


@dataclass(frozen=True)
class CurveColumns:
    """The repair's columns and the remnants, with what each column counts on the curve.

    Parameters
    ----------
    columns
        The repair's columns first (same numbers), then one per remnant.
    hard, out
        Per column: 1 for a remnant that is a hard or an out-of-band network.
    moved, patients
        Per column: practices and patients it moves.
    zero
        Columns of the plan moving nobody: each current network as it is, practices of no
        current network on their own.
    """

    columns: Columns
    hard: IntArray
    out: IntArray
    moved: IntArray
    patients: IntArray
    zero: IntArray


def _remnants(problem: AreaProblem) -> tuple[list[list[int]], list[int], list[bool]]:
    """Remnant sets, the current network each is matched to, and whether it is as it is.

    Every current network as it is (a compliant one only so: it is also a candidate), a
    breaking one also less one or two practices; practices of no current network alone.
    """
    planned = {i for piece in problem.pieces for i in piece.nodes}
    sets: list[list[int]] = []
    match: list[int] = []
    whole: list[bool] = []
    for network in current_networks(problem).values():
        free = [i for i in network.members if i in planned]
        if network.number < 0 or not free:
            continue
        listed = 0
        most = 0 if network.compliant else min(REMNANT_DROP, len(free) - 1)
        for drop in range(most + 1):
            for removed in itertools.combinations(free, drop):
                if listed >= REMNANT_CAP:
                    break
                sets.append([i for i in free if i not in removed])
                match.append(network.number)
                whole.append(drop == 0)
                listed += 1
    index = problem.current.index
    assert index is not None
    for i in sorted(planned):
        if index[i] < 0:
            sets.append([i])
            match.append(-1)
            whole.append(True)
    return sets, match, whole


def _flags(
    problem: AreaProblem, sets: list[list[int]], match: list[int]
) -> tuple[IntArray, IntArray]:
    """Per remnant: whether it is a hard network, and whether an out-of-band one."""
    practices = problem.practices
    soft = {i for piece in problem.pieces if piece.soft for i in piece.nodes}
    keep = problem.allowed(CandidateSets.of(sets)) if sets else np.zeros(0, dtype=bool)
    hard = np.zeros(len(sets), np.int64)
    out = np.zeros(len(sets), np.int64)
    for k, members in enumerate(sets):
        alone = match[k] < 0
        split = len(components(members, practices.neighbours)) > 1
        hard[k] = int(alone or split or not keep[k])
        population = int(practices.population[members].sum())
        out[k] = int(not problem.band.contains(population) and not all(i in soft for i in members))
    return hard, out


def curve_columns(problem: AreaProblem, columns: Columns) -> CurveColumns:
    """Add the remnants to the repair's columns (see the module's docstring)."""
    index = problem.current.index
    assert index is not None
    practices = problem.practices
    sets, match, whole = _remnants(problem)
    hard, out = _flags(problem, sets, match)
    extra = CandidateSets.of(sets)
    population, cost = set_costs(extra, practices, problem.settings)
    piece_of = np.zeros(len(practices), np.int64)
    for p, piece in enumerate(problem.pieces):
        piece_of[piece.nodes] = p
    first = extra.members[extra.offsets[:-1]] if len(extra) else np.zeros(0, np.int64)
    n_sets, n_cols = len(columns.sets), len(columns)
    new_cols = np.arange(n_sets, n_sets + len(extra), dtype=np.int64)
    joined = Columns(
        sets=CandidateSets.concatenate([columns.sets, extra]),
        set_population=np.concatenate([columns.set_population, population]),
        set_cost=np.concatenate([columns.set_cost, cost]),
        set_piece=np.concatenate([columns.set_piece, piece_of[first]]),
        col_set=np.concatenate([columns.col_set, new_cols]),
        col_match=np.concatenate([columns.col_match, np.asarray(match, np.int64)]),
        col_moves=np.concatenate([columns.col_moves, np.zeros(len(extra), np.int64)]),
        col_cost=np.concatenate([columns.col_cost, cost]),
    )
    zeros = np.zeros(n_cols, np.int64)
    outside = outside_band(problem, columns)  # the quick plan's networks may be
    with_current = (index >= 0).astype(np.int64)
    patients = practices.population * with_current
    moved_patients = joined.sets.sums(patients.astype(np.float64))[joined.col_set].astype(np.int64)
    moved_patients -= matched_sums(joined, index, patients)
    # The plan moving nobody: every current network as it is (practices over the maximum
    # on their own), practices of no current network on their own.
    zero = np.asarray([n_cols + k for k, as_is in enumerate(whole) if as_is], np.int64)
    return CurveColumns(
        columns=joined,
        hard=np.concatenate([zeros, hard]),
        out=np.concatenate([outside, out]),
        moved=joined.col_moves,
        patients=moved_patients,
        zero=zero,
    )


def trade_off(
    problem: AreaProblem, columns: Columns, least: IntArray, minimum: int, *, proved: bool
) -> list[CurvePoint]:
    """Compute the trade-off curve from the repair's columns and plan ``least`` (``minimum``).

    ``minimum`` is in practices, or in patients with ``fewest_patients``; ``proved`` says
    whether it is the proved minimum. Solves within ``problem.deadline``; the budgets left
    when time runs out get the plan moving nobody, not proved. Returns the points fewest
    moves first, the repair's plan last.
    """
    curve = curve_columns(problem, columns)
    patients_mode = problem.settings.fewest_patients
    moved = curve.patients if patients_mode else curve.moved
    n = len(problem.practices)
    w1 = (int(problem.practices.population.sum()) if patients_mode else n) + 1
    w2 = w1 * (n + 1)
    score = curve.hard * w2 + curve.out * w1 + moved
    scored = dataclasses.replace(curve.columns, col_cost=score)
    base = Partition.of_area(problem)
    pieces = [dataclasses.replace(piece, k_range=None) for piece in base.pieces]
    base = dataclasses.replace(base, pieces=pieces)
    points = [_point(problem, curve, least, minimum, minimum, proved)]
    lp: MasterLP | None = None
    budget = minimum - 1
    while budget >= 0:
        model = dataclasses.replace(base, limits=(Limit(moved, budget, "moves"),))
        if problem.deadline.passed():
            points.append(_point(problem, curve, curve.zero, 0, budget, False))
            break
        if lp is None:
            lp = MasterLP(scored, model)
            lp.add(initial_columns(scored, model.rows))
            lp.add(curve.zero)
        problem.report(0.9, f"trade-off curve: best within {budget:,} moves")
        outcome = partition(
            dataclasses.replace(problem, deadline=problem.deadline.share(POINT_SHARE)),
            scored,
            start=curve.zero,
            model=model,
            lp=lp,
            first_delta=1.0,
            presolve=False,
        )
        chosen = outcome.chosen if outcome.objective is not None else curve.zero
        found = int(moved[chosen].sum())
        points.append(_point(problem, curve, chosen, found, budget, outcome.status == "optimal"))
        budget = found - 1
    return sorted(points, key=lambda point: point.budget_from)


def _point(
    problem: AreaProblem,
    curve: CurveColumns,
    chosen: IntArray,
    budget_from: int,
    budget_to: int,
    proved: bool,
) -> CurvePoint:
    """One point's figures, from its plan's columns."""
    practices = problem.practices
    columns = curve.columns
    index = problem.current.index
    assert index is not None
    band = problem.band
    populations = [int(columns.set_population[columns.col_set[j]]) for j in chosen]
    populations += [int(practices.population[f.members].sum()) for f in problem.fixed]
    codes: list[str] = []
    for j in chosen:
        match = int(columns.col_match[j])
        for i in columns.sets.members_of(int(columns.col_set[j])):
            if index[i] >= 0 and index[i] != match:
                codes.append(practices.codes[i])
    return CurvePoint(
        budget_from=budget_from,
        budget_to=budget_to,
        moves=int(curve.moved[chosen].sum()),
        patients=int(curve.patients[chosen].sum()),
        networks=len(populations),
        in_band=sum(band.contains(p) for p in populations),
        hard_networks=int(curve.hard[chosen].sum()),
        out_of_band=int(curve.out[chosen].sum()),
        proved=proved,
        moved=tuple(sorted(codes)),
    )
