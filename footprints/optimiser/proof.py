"""The proof loop: LP bound, reduced-cost filtering and CP-SAT, repeated until proved.

1. The master LP (:mod:`footprints.optimiser.master`) gives a lower bound ``LB`` and the
   reduced cost of every column.
2. CP-SAT (:mod:`footprints.optimiser.cpsat`) solves the integer problem over the columns
   with reduced cost ``≤ Δ``.
3. A plan of cost ``z`` with ``z − LB ≤ Δ`` is proved optimal (any better plan would use
   only columns with reduced cost ``≤ z − LB``, all of which were in the model); otherwise
   ``Δ := z − LB`` and step 2 is repeated, CP-SAT then looking only at plans that use a
   new column and cost less than ``z``. If the filtered model is infeasible, ``Δ`` grows
   and ``LB + Δ`` becomes a proved bound.

When time runs out before the exact solve finds a plan, :func:`fallback` returns the
constructive plan (or the current plan, if cheaper).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from footprints.optimiser.candidates import CandidateSets, IntArray, components
from footprints.optimiser.columns import (
    Columns,
    Partition,
    build_columns,
    plan_columns,
    raise_costs,
)
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.costs import SCALE
from footprints.optimiser.cpsat import IntegerResult, solve_integer
from footprints.optimiser.improve import improve, improving
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.settings import Status

__all__ = [
    "CP_SAT_COLUMNS",
    "POLISHED",
    "Outcome",
    "fallback",
    "hint_columns",
    "partition",
    "polish",
]

logger = logging.getLogger(__name__)


CP_SAT_COLUMNS = 30_000
"""Most columns handed to one CP-SAT solve (the cheapest by reduced cost).
"""


@dataclass
class Outcome:
    """How the solve of an area's pieces ended.

    Parameters
    ----------
    status
        As :attr:`~footprints.optimiser.settings.AreaResult.status`.
    objective
        Cost of the chosen columns (integer units), or ``None`` without a plan.
    bound
        Proved lower bound (integer units), or ``None``.
    chosen
        The columns of the plan.
    pool_size
        Candidate networks listed.
    notes
        Sentences for the result's explanations.
    """

    status: Status
    objective: int | None
    bound: float | None
    chosen: IntArray
    pool_size: int
    notes: list[str]

    @staticmethod
    def without_plan(status: Status, pool_size: int, notes: list[str]) -> Outcome:
        """Make an outcome with no plan (infeasible, or timed out)."""
        return Outcome(status, None, None, np.zeros(0, np.int64), pool_size, notes)


def hint_columns(problem: AreaProblem, columns: Columns) -> IntArray | None:
    """Columns reproducing the current plan's networks, when all are candidates."""
    current = problem.current
    if not current.ids or len(columns) == 0:
        return None
    rng = np.random.default_rng(12345)
    keys = rng.integers(1, 2**62, size=len(problem.practices), dtype=np.int64)
    sets = columns.sets
    set_key = sets.reduce(keys, np.bitwise_xor)
    members: dict[str, list[int]] = {}
    for code, net in current.assignment.items():
        members.setdefault(net, []).append(problem.practices.index[code])
    chosen = []
    col_key = set_key[columns.col_set]
    for m, net in enumerate(current.ids):
        nodes = sorted(members[net])
        key = np.bitwise_xor.reduce(keys[nodes])
        hits = np.flatnonzero((col_key == key) & (columns.col_match == m))
        found = [j for j in hits if sorted(sets.members_of(int(columns.col_set[j]))) == nodes]
        if not found:
            return None
        chosen.append(found[0])
    return np.asarray(chosen, np.int64)


def _ceil(value: float) -> float:
    """Round a bound up to the next whole cost unit (costs are integers)."""
    return float(math.ceil(value)) if math.isfinite(value) else value


def partition(problem: AreaProblem, columns: Columns, *, start: IntArray | None = None) -> Outcome:
    """LP bound, reduced-cost filtering and CP-SAT, repeated until proved or out of time.

    ``start`` (columns forming a plan the model allows) is the first incumbent.
    """
    settings = problem.settings
    deadline = problem.deadline
    model = Partition.of_area(problem)
    notes: list[str] = []
    pool_size = len(columns.sets)
    if not model.rows:
        return Outcome("optimal", 0, 0.0, np.zeros(0, np.int64), pool_size, notes)
    hint = hint_columns(problem, columns)
    incumbent: IntegerResult | None = None
    for plan in (start, hint):
        if plan is not None:
            raise_costs(problem, columns, plan)
            cost = int(columns.col_cost[plan].sum())
            if incumbent is None or incumbent.objective is None or cost < incumbent.objective:
                incumbent = IntegerResult("feasible", cost, -math.inf, plan)
    problem.report(0.3, "solving the LP relaxation")
    lp = MasterLP(columns, model)
    lp.add(initial_columns(columns, model.rows))
    if incumbent is not None:
        lp.add(incumbent.chosen)
    relaxation = lp.solve(deadline)
    if not relaxation.feasible:
        if relaxation.complete:
            return Outcome.without_plan("infeasible", pool_size, notes)
        notes.append(
            f"{deadline.why(settings.time_limit)} while solving the linear relaxation"
            + ("" if deadline.stopped() else "; allow more time")
        )
        if incumbent is not None and incumbent.objective is not None:
            notes.append("the plan is the quick constructive one, with no bound")
            return Outcome(
                "feasible", incumbent.objective, None, incumbent.chosen, pool_size, notes
            )
        return Outcome.without_plan("timed out", pool_size, notes)
    status, proved_bound, incumbent = _search(
        problem, columns, model, relaxation.reduced_costs, relaxation.bound, incumbent, hint
    )
    if status == "infeasible":
        return Outcome.without_plan("infeasible", pool_size, notes)
    if incumbent is None or incumbent.objective is None:
        notes.append(
            f"no plan was found before {deadline.why(settings.time_limit)}"
            + ("" if deadline.stopped() else "; allow more time")
        )
        return Outcome.without_plan("timed out", pool_size, notes)
    if status != "optimal":
        status = "feasible"
        notes.append(f"{deadline.why(settings.time_limit)} before the plan was proved optimal")
    bound: float | None = min(proved_bound, float(incumbent.objective))
    listed_all = all(piece.bounded for piece in problem.pieces)
    if not (listed_all and relaxation.complete):
        status = "feasible"
        bound = None
        if not listed_all:
            notes.append(
                f"listing every candidate network would pass {settings.candidate_cap:,} or "
                "take too long, so only networks within a radius of each practice were "
                "considered and no bound is reported"
            )
        else:
            notes.append(
                f"{deadline.why(settings.time_limit)} before the linear relaxation was solved "
                "to the end, so no bound is reported"
            )
    return Outcome(status, incumbent.objective, bound, incumbent.chosen, pool_size, notes)


def _search(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    rc: npt.NDArray[np.float64],
    lower: float,
    incumbent: IntegerResult | None,
    hint: IntArray | None,
) -> tuple[Status, float, IntegerResult | None]:
    """CP-SAT over ever wider pools of columns by reduced cost, until proved or out of time.

    Returns
    -------
    status, bound, incumbent
        ``"optimal"`` (the incumbent is proved), ``"infeasible"`` (no plan exists) or
        ``"timed out"``; the proved bound (integer units); the best plan found.
    """
    deadline = problem.deadline
    tolerance = 1e-7 * max(1.0, float(np.abs(columns.col_cost).max()))
    lower_int = math.ceil(lower - tolerance)
    delta = max(10.0 * SCALE, 0.002 * abs(lower))
    # Invariant: every plan made only of columns with reduced cost <= searched costs at
    # least `floor` (the incumbent's cost, or infinity when there is none); every other
    # plan costs more than lower + searched.
    searched: float | None = None
    floor = math.inf
    proved_bound = float(lower_int)
    status: Status = "timed out"
    problem.report(0.4, f"LP bound {lower / SCALE:,.1f}")
    while True:
        remaining = deadline.left()
        if remaining <= 0.05:
            break
        if len(rc) > CP_SAT_COLUMNS and np.count_nonzero(rc <= delta + tolerance) > (
            CP_SAT_COLUMNS
        ):
            # Building a CP-SAT model of millions of columns takes longer than the time
            # limit: lower delta to keep the cheapest columns (the proof logic holds for
            # any delta).
            delta = max(
                float(np.partition(rc, CP_SAT_COLUMNS)[CP_SAT_COLUMNS]) - 2 * tolerance,
                searched if searched is not None else -math.inf,
            )
        everything = bool(np.all(rc <= delta + tolerance))
        pool = np.flatnonzero(rc <= delta + tolerance).astype(np.int64)
        raised = raise_costs(problem, columns, pool)
        if raised is not None:
            # The pool's territory terms are now in their costs: their reduced costs rose by
            # as much (the LP's duals stay feasible), so choose the pool again.
            rc = rc + raised
            continue
        require = None
        if searched is not None:
            require = np.flatnonzero((rc > searched + tolerance) & (rc <= delta + tolerance))
        solve_started = time.monotonic()
        result = solve_integer(
            columns,
            model,
            pool,
            problem.settings,
            hint=incumbent.chosen if incumbent is not None else hint,
            time_limit=remaining,
            stop=deadline.stop,
            require=require,
            below=incumbent.objective if incumbent is not None else None,
        )
        logger.debug(
            "area %s: LB %.0f, delta %.0f, pool %d of %d (%s new): %s %s (bound %.0f) in %.1f s",
            problem.name,
            lower,
            delta,
            len(pool),
            len(columns),
            "all" if require is None else len(require),
            result.status,
            result.objective,
            result.bound,
            time.monotonic() - solve_started,
        )
        if result.objective is not None and (
            incumbent is None
            or incumbent.objective is None
            or result.objective < incumbent.objective
        ):
            incumbent = result
        outside = math.inf if everything else lower + delta
        if result.status in ("optimal", "infeasible"):
            searched = delta
            if incumbent is not None and incumbent.objective is not None:
                floor = float(incumbent.objective)
            proved_bound = max(proved_bound, _ceil(min(floor, outside) - tolerance))
            if floor <= outside + tolerance:
                status = "optimal" if incumbent is not None else "infeasible"
                proved_bound = floor
                break
            # With nothing better in the pool, widen it step by step up to the incumbent's gap.
            delta = floor - lower if result.status == "optimal" else min(4 * delta, floor - lower)
            if incumbent is not None:
                problem.report(
                    0.5,
                    f"plan {floor / SCALE:,.1f}, bound {proved_bound / SCALE:,.1f}",
                )
            continue
        # Out of time: plans in the searched part cost at least `floor`, new ones at least
        # what CP-SAT proved, and the rest more than lower + delta.
        proved_bound = max(proved_bound, _ceil(min(floor, result.bound, outside) - tolerance))
        break
    return status, proved_bound, incumbent


# --------------------------------------------------------------------------- fallback


def _current_networks(problem: AreaProblem) -> PieceNetworks | None:
    """Return the current networks per piece, when they partition each piece contiguously.

    ``None`` also when one of them fails a candidate filter.
    """
    current_map = problem.current.assignment
    if not current_map:
        return None
    practices = problem.practices
    plan: PieceNetworks = []
    for piece in problem.pieces:
        members: dict[str, list[int]] = {}
        for i in piece.nodes:
            net = current_map.get(practices.codes[i])
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


def fallback(
    problem: AreaProblem, construction: PieceNetworks | None, notes: list[str]
) -> tuple[Outcome, Columns]:
    """Return the best plan at hand when time ran out before the exact solve found one."""
    max_moves = problem.settings.max_moves
    best: tuple[int, IntArray, Columns] | None = None
    for plan in (construction, _current_networks(problem)):
        if plan is None:
            continue
        columns = build_columns(problem, [CandidateSets.of(n) for n in plan])
        raise_costs(problem, columns, np.arange(len(columns), dtype=np.int64))
        chosen = plan_columns(columns, np.arange(len(columns.sets)), max_moves)
        if chosen is None:
            continue
        cost = int(columns.col_cost[chosen].sum())
        if best is None or cost < best[0]:
            best = (cost, chosen, columns)
    if best is None:
        notes = [*notes, "no plan was found within the time limit; allow more time"]
        return Outcome.without_plan("timed out", 0, notes), build_columns(problem, [], repair=False)
    cost, chosen, columns = best
    notes = [
        *notes,
        "the plan is the quick constructive one (or the current plan, if cheaper), not "
        "optimised and with no bound; allow more time for a better plan",
    ]
    return Outcome("feasible", cost, None, chosen, len(columns.sets), notes), columns


# --------------------------------------------------------------------------- polish

POLISHED = (
    "the plan was then improved by local search (re-drawing neighbouring networks) until the "
    "time limit"
)
"""The note of a plan :func:`polish` improved."""


def polish(problem: AreaProblem, columns: Columns, outcome: Outcome) -> tuple[Outcome, Columns]:
    """Improve a plan not proved optimal by local search, in the time left.

    On registration geography (see :func:`~footprints.optimiser.improve.improving`) the
    chosen networks are re-drawn pairwise while that lowers the cost, until the deadline. The
    bound, if any, stays (it holds for every plan); the status becomes ``"feasible"``.
    ``outcome`` and ``columns`` unchanged when nothing improves.
    """
    if (
        outcome.objective is None
        or outcome.status == "optimal"
        or not improving(problem)
        or problem.deadline.passed()
    ):
        return outcome, columns
    plan: PieceNetworks = [[] for _ in problem.pieces]
    for j in outcome.chosen.tolist():
        s = int(columns.col_set[j])
        plan[int(columns.set_piece[s])].append(columns.sets.members_of(s))
    improved = improve(problem, plan, until=problem.deadline.at)
    assert improved is not None
    better = build_columns(problem, [CandidateSets.of(n) for n in improved])
    raise_costs(problem, better, np.arange(len(better), dtype=np.int64))
    chosen = plan_columns(better, np.arange(len(better.sets)), problem.settings.max_moves)
    if chosen is None:
        return outcome, columns
    cost = int(better.col_cost[chosen].sum())
    if cost >= outcome.objective:
        return outcome, columns
    bound = None if outcome.bound is None else min(outcome.bound, float(cost))
    notes = [*outcome.notes, POLISHED]
    return Outcome("feasible", cost, bound, chosen, outcome.pool_size, notes), better
