"""The proof loop: LP bound, reduced-cost filtering and CP-SAT, repeated until proved.

1. The master LP (:mod:`footprints.optimiser.master`) gives a lower bound ``LB`` and the
   reduced cost of every column.
2. CP-SAT (:mod:`footprints.optimiser.cpsat`) solves the integer problem over the columns
   with reduced cost ``≤ Δ``.
3. A plan of cost ``z`` with ``z − LB ≤ Δ`` is proved optimal (any better plan would use
   only columns with reduced cost ``≤ z − LB``, all of which were in the model); otherwise
   ``Δ := z − LB`` and step 2 is repeated, CP-SAT then looking only at plans that use a
   new column and cost less than ``z``. If the filtered model is infeasible, ``Δ`` grows
   and ``LB + Δ`` becomes a proved bound. One solve takes at most :data:`CP_SAT_COLUMNS`
   columns, more (threefold at a time) while the largest solve so far says a larger one
   can end in the time left.
4. After a solve that leaves the incumbent ``z`` unproved, the LP over every column with
   reduced cost ``≤ z − LB`` (all a better plan can use), strengthened by subset-row cuts
   (:mod:`~footprints.optimiser.rowcuts`), bounds every plan: at ``z`` it proves ``z``
   without CP-SAT (E38000143 and E38000091, whose windows CP-SAT did not close in time).
   Short of it, the loop goes on at that LP's duals (reduced-cost fixing): a narrower
   window of columns (E38000243: 458,639 → 120,529), searched as in step 2.

When time runs out before the exact solve finds a plan, or the solve fails,
:func:`~footprints.optimiser.fallback.fallback` returns the plan at hand: the constructive
plan (or the current plan, if cheaper), else one network per connected part of the area.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import numpy.typing as npt

from footprints.errors import SolverError
from footprints.optimiser.candidates import FloatArray, IntArray
from footprints.optimiser.columns import (
    Columns,
    Partition,
    raise_costs,
)
from footprints.optimiser.costs import SCALE, move_costs
from footprints.optimiser.cpsat import IntegerResult
from footprints.optimiser.farley import plan_bound, unlisted_bound
from footprints.optimiser.master import EARLY_STOP_S, LPResult, MasterLP, initial_columns
from footprints.optimiser.pools import (
    LOCAL_POOL,
    UNPRICED_POOL,
    grow_pools,
    preferred_columns,
    solve_pool,
)
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.rowcuts import Separation, Triple, fixed_by_cuts, window_bound
from footprints.optimiser.settings import Fallback, Status
from footprints.optimiser.shaping import (
    SHAPE_SHARE,
    Shaped,
    can_shape,
    prove_shaped,
    shaped_bound,
)

__all__ = [
    "CP_SAT_COLUMNS",
    "FALLBACK_BOUND_S",
    "HOME_BOUND_S",
    "SHARES_WORDS",
    "Outcome",
    "hint_columns",
    "partition",
    "past_deadline",
    "shares_bound",
    "usual_costs",
]

logger = logging.getLogger(__name__)


CP_SAT_COLUMNS = 30_000
"""Most columns handed to one CP-SAT solve (the cheapest by reduced cost).
"""
PRICE_SHARE = 0.5
"""Share of the time left that exact pricing's column generation may take (see ``partition``)."""
PROOF_SHARE = 0.95
"""Share of the time left by which the window that exact pricing bounds must be searched."""
FALLBACK_BOUND_S = 1.5
"""Most seconds past the deadline that the bound of a plan's cost shares may take (where the
search left no time for a better one)."""
HOME_BOUND_S = 0.3
"""The same on registration geography: the practices' own least compactness bounds most
there and needs no search (:func:`~footprints.optimiser.farley.plan_bound`), while each
relaxed search over the homes' patches takes 0.1–0.3 s (North West London, 2021)."""


@dataclass
class PricedProof:
    """What exact pricing proved (:func:`~footprints.optimiser.pricedproof.priced_proof`).

    Parameters
    ----------
    bound
        A lower bound on every plan (cost units, not rounded), ``None`` if none was proved.
    objective
        The best plan's cost (cost units), ``None`` if none was found.
    chosen
        Its columns (of ``columns``).
    proved
        Whether ``objective`` is proved optimal.
    columns
        The columns it started with, then those pricing found.
    near
        Whether the window was searched (column generation converged, or its bound came
        within the window gap of the plan).
    reduced
        Each of ``columns``' reduced cost at the duals of ``bound``, less its piece's least
        (a plan holding it costs at least ``bound`` plus this), ``None`` without a bound.
    """

    bound: float | None
    objective: int | None
    chosen: IntArray
    proved: bool
    columns: Columns
    near: bool = False
    reduced: FloatArray | None = None


class PricedProver(Protocol):
    """Exact pricing's proof as ``partition`` calls it (``pricedproof.attempt``).

    It returns ``None`` where it does not apply.
    """

    def __call__(
        self,
        problem: AreaProblem,
        columns: Columns,
        plan: IntArray | None,
        *,
        bound_at: float,
        at: float,
        duals: tuple[FloatArray, FloatArray] | None = None,
    ) -> PricedProof | None: ...


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
    fallback
        Which plan stands in when the exact solve gave none (see
        :attr:`~footprints.optimiser.settings.AreaResult.fallback`), else ``None``.
    columns
        The columns ``chosen`` indexes where the solve added to those it was given (exact
        pricing, :mod:`~footprints.optimiser.pricedproof`), else ``None``.
    """

    status: Status
    objective: int | None
    bound: float | None
    chosen: IntArray
    pool_size: int
    notes: list[str]
    fallback: Fallback | None = None
    columns: Columns | None = None

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


def partition(
    problem: AreaProblem,
    columns: Columns,
    *,
    start: IntArray | None = None,
    model: Partition | None = None,
    lp: MasterLP | None = None,
    first_delta: float | None = None,
    presolve: bool = False,
    start_words: str = "the quick constructive one",
    priced: PricedProver | None = None,
) -> Outcome:
    """LP bound, reduced-cost filtering and CP-SAT, repeated until proved or out of time.

    ``start`` (columns forming a plan) is the first incumbent where the model allows it.
    ``model`` gives the rows (default: the whole area's, :meth:`Partition.of_area`); ``lp``
    a master LP over the same columns and rows to go on from (its move budget and limits
    are set to the model's), so that solves differing only in those share their work.
    ``first_delta`` is the first reduced-cost window of the search (default: 10
    patient-km or 0.2% of the LP bound, whichever is more); ``presolve=True`` runs
    CP-SAT's presolve, off by default: on these set-partitioning models of 5,000–30,000
    columns it took most of the time (its probing alone 1.7–3.4 s a pass on a busy
    machine) and the search without it ended sooner or found more (BENCHMARKS.md);
    ``start_words`` says what ``start`` is, should it be returned unproved. ``priced``
    (``pricedproof.attempt``) lets a fresh proposal of the usual objective whose candidates
    could not all be listed be bounded, and perhaps proved, by exact pricing
    (:mod:`~footprints.optimiser.pricedproof`) beside the shaped relaxation; the outcome
    then names its columns.
    """
    settings = problem.settings
    deadline = problem.deadline
    model = model if model is not None else Partition.of_area(problem)
    notes: list[str] = []
    pool_size = len(columns.sets)
    if not model.rows:
        return Outcome("optimal", 0, 0.0, np.zeros(0, np.int64), pool_size, notes)
    hint = hint_columns(problem, columns)
    if hint is not None and not model.allows(columns, hint):
        hint = None
    incumbent: IntegerResult | None = None
    for plan in (start, hint):
        if plan is not None and model.allows(columns, plan):
            raise_costs(problem, columns, plan)
            cost = int(columns.col_cost[plan].sum())
            if incumbent is None or incumbent.objective is None or cost < incumbent.objective:
                incumbent = IntegerResult("feasible", cost, -math.inf, plan)
    problem.report(0.3, "solving the LP relaxation")
    if lp is None:
        lp = MasterLP(columns, model)
        lp.add(initial_columns(columns, model.rows))
    else:
        lp.follow(model)
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
            quick = (
                shares_bound(
                    problem, columns, incumbent.chosen, incumbent.objective, past_deadline(problem)
                )
                if usual_costs(problem, columns)
                else None
            )
            notes.append(
                f"the plan is {start_words}"
                + (", with no bound" if quick is None else f", with {SHARES_WORDS}")
            )
            return Outcome(
                "feasible", incumbent.objective, quick, incumbent.chosen, pool_size, notes
            )
        return Outcome.without_plan("timed out", pool_size, notes)
    listed_all = all(piece.bounded for piece in problem.pieces)
    relaxed: float | None = None
    priced_ran = False  # exact pricing took its share of the time
    extended: Columns | None = None  # the columns with exact pricing's, where they joined
    usual = usual_costs(problem, columns)
    if usual and not listed_all and relaxation.complete and not model.limits:
        # Before the search, while the LP's duals are at hand (the bound over every plan).
        relaxed = unlisted_bound(
            problem,
            columns,
            lp.dual_values(),
            relaxation.reduced_costs,
            incumbent.chosen if incumbent is not None else None,
        )
        shaped: Shaped | None = None
        if can_shape(problem):  # duals shaped for the relaxed pricing: a stronger bound
            at = time.monotonic() + SHAPE_SHARE * max(0.0, deadline.left())
            # where exact pricing may follow, its first round at the shaped duals proves
            # their bound, at least as high: the relaxed search's time goes to it
            pricing = priced is not None and problem.current.index is None
            shaped = shaped_bound(problem, columns, lp, at=at, prove=not pricing)
        # exact pricing starts at the shaped duals; where no shaping round ended they are
        # the listed master's own, and it starts from the plan's cost shares instead
        shaped_duals = None if shaped is None or shaped.unshaped else shaped.duals
        left = max(0.0, deadline.left())
        now = time.monotonic()
        proof = (
            None
            if priced is None
            else priced(
                problem,
                columns,
                incumbent.chosen if incumbent is not None else None,
                bound_at=now + PRICE_SHARE * left,
                at=now + PROOF_SHARE * left,
                duals=shaped_duals,
            )
        )
        priced_ran = proof is not None
        if (
            shaped is not None
            and shaped.pending is not None
            and (proof is None or proof.bound is None)
        ):
            # no round of exact pricing ended: the shaped duals' bound after all
            shaped = prove_shaped(problem, columns, shaped, at=time.monotonic() + shaped.pending[4])
        if (
            shaped is not None
            and shaped.bound is not None
            and (relaxed is None or shaped.bound > relaxed)
        ):
            relaxed = shaped.bound
        if proof is not None:  # the LP over every network by exact pricing, perhaps a proof
            if proof.proved and proof.objective is not None:
                return Outcome(
                    "optimal",
                    proof.objective,
                    float(proof.objective),
                    proof.chosen,
                    len(proof.columns.sets),
                    notes,
                    columns=proof.columns,
                )
            if proof.bound is not None and (relaxed is None or proof.bound > relaxed):
                relaxed = proof.bound  # the best of the shaped and the priced bounds
            better = incumbent is None or incumbent.objective is None
            if not better and proof.objective is not None:
                assert incumbent is not None and incumbent.objective is not None
                better = proof.objective < incumbent.objective
            if better and proof.objective is not None:  # the window search found a better plan
                tolerance = 1e-7 * max(1.0, float(np.abs(proof.columns.col_cost).max()))
                notes.append(
                    f"listing every candidate network would pass {settings.candidate_cap:,} or "
                    "take too long, so the bound is proved by pricing every network exactly "
                    "(column generation), and the plan searched among the networks that "
                    "bound leaves"
                )
                return Outcome(
                    "feasible",
                    proof.objective,
                    None
                    if relaxed is None
                    else min(_ceil(relaxed - tolerance), float(proof.objective)),
                    proof.chosen,
                    len(proof.columns.sets),
                    notes,
                    columns=proof.columns,
                )
            if proof.reduced is not None:
                # The pools take the cheapest columns at the duals of the priced bound (near
                # those of the LP over every network), pricing's columns among them, rather
                # than at the local LP's duals (degenerate: ±2·10⁸ per practice)
                relaxation = _priced_order(relaxation, proof.reduced)
                columns = extended = proof.columns
    if listed_all:
        status, proved_bound, incumbent, short = _search(
            problem, columns, model, relaxation, incumbent, hint, first_delta, presolve
        )
    else:  # only local candidates: no window of reduced costs proves anything
        status, proved_bound, incumbent, short = grow_pools(
            problem,
            columns,
            model,
            relaxation,
            incumbent,
            hint,
            most=CP_SAT_COLUMNS,
            reserve=0.0 if relaxed is not None else past_deadline(problem),
            presolve=presolve,
            first=LOCAL_POOL if priced_ran else UNPRICED_POOL,
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
        notes.append(
            short or f"{deadline.why(settings.time_limit)} before the plan was proved optimal"
        )
        if start is not None and incumbent.chosen is start:
            notes.append(f"the plan is {start_words}: CP-SAT found none better in time")
    bound: float | None = min(proved_bound, float(incumbent.objective))
    if not (listed_all and relaxation.complete):
        status = "feasible"
        bound = None
        if not listed_all and relaxed is not None:
            tolerance = 1e-7 * max(1.0, float(np.abs(columns.col_cost).max()))
            bound = min(_ceil(relaxed - tolerance), float(incumbent.objective))
            notes.append(
                f"listing every candidate network would pass {settings.candidate_cap:,} or "
                "take too long, so only networks among each practice's nearest were "
                "considered; the bound is proved over every network all the same, from the "
                "linear relaxation's duals and a relaxed search of the networks not listed"
            )
        elif not listed_all:
            notes.append(
                f"listing every candidate network would pass {settings.candidate_cap:,} or "
                "take too long, so only networks among each practice's nearest were "
                "considered"
                + (
                    f"; the plan is reported with {SHARES_WORDS}"
                    if usual
                    else " and no bound is reported"
                )
            )
        else:
            notes.append(
                f"{deadline.why(settings.time_limit)} before the linear relaxation was solved "
                "to the end, so "
                + (f"the plan is reported with {SHARES_WORDS}" if usual else "no bound is reported")
            )
    if usual and (bound is None or (not listed_all and relaxed is None)):
        # The final plan's cost shares, a moment past the deadline (the search before it
        # rarely leaves the relaxed search time enough); not where the bound from the LP's
        # duals already took the start's shares.
        seconds = past_deadline(problem)
        shares = shares_bound(problem, columns, incumbent.chosen, incumbent.objective, seconds)
        if shares is not None:
            bound = shares if bound is None else max(bound, shares)
    return Outcome(
        status, incumbent.objective, bound, incumbent.chosen, pool_size, notes, columns=extended
    )


def _priced_order(relaxation: LPResult, reduced: FloatArray) -> LPResult:
    """Return ``relaxation`` ranking its columns by two orders, interleaved.

    The local LP's reduced costs, and ``reduced`` (at the duals of the priced bound, over
    the columns pricing added too): each column ranks at the better of its two places, so
    a pool of the first ``2n`` holds the first ``n`` of each order. A rank for the pools
    only (the bound stays the local LP's); the columns pricing added have LP values 0.
    """
    local = relaxation.reduced_costs
    rank = np.full(len(reduced), np.inf)
    rank[np.argsort(local, kind="stable")] = np.arange(len(local), dtype=np.float64)
    priced = np.empty(len(reduced), np.float64)
    priced[np.argsort(reduced, kind="stable")] = np.arange(len(reduced), dtype=np.float64)
    rank = np.minimum(rank, priced)
    values = relaxation.values
    if len(values) == len(local):
        values = np.concatenate([values, np.zeros(len(reduced) - len(values))])
    return replace(relaxation, reduced_costs=rank, values=values)


SHARES_WORDS = (
    "a weak bound only: a relaxed search of every network (connectivity dropped; compactness "
    "and patch straddling priced, from the patients' homes on registration geography) at "
    "prices from the plan's own cost shares or, on registration geography, each practice's "
    "own least compactness; at least the fixed cost of the fewest networks"
)
"""How a bound from :func:`shares_bound` is described (true of both geographies:
:func:`~footprints.optimiser.farley.plan_bound`)."""


def past_deadline(problem: AreaProblem) -> float:
    """Seconds a bound from a plan's cost shares may take past the deadline (none if stopped)."""
    if problem.deadline.stopped():
        return 0.0
    most = FALLBACK_BOUND_S if problem.practices.homes is None else HOME_BOUND_S
    return min(most, 0.1 * problem.settings.time_limit)


def usual_costs(problem: AreaProblem, columns: Columns) -> bool:
    """Whether ``columns`` cost what the usual objective says (not a priority's measure).

    The bounds of :mod:`~footprints.optimiser.farley` hold for the usual objective only.
    """
    expected = columns.set_cost[columns.col_set] + move_costs(columns.col_moves, problem.settings)
    return bool(np.array_equal(columns.col_cost, expected))


def shares_bound(
    problem: AreaProblem, columns: Columns, chosen: IntArray, objective: int, seconds: float
) -> float | None:
    """Prove a bound on every plan from the cost shares of the plan ``chosen`` (columns).

    :func:`~footprints.optimiser.farley.plan_bound` in ``seconds``, rounded up and at most
    ``objective``; ``None`` (logged) should it fail, so that a plan at hand still stands.
    """
    try:
        networks = [columns.sets.members_of(int(s)) for s in columns.col_set[chosen]]
        found, _ = plan_bound(problem, networks, seconds=seconds)
    except Exception:  # a bound is a bonus: the plan must not be lost for it
        logger.exception("area %s: no bound from the plan's cost shares", problem.name)
        return None
    return min(_ceil(found - 1e-7 * max(1.0, abs(found))), float(objective))


def _pool(
    rc: npt.NDArray[np.float64],
    delta: float,
    tolerance: float,
    preferred: npt.NDArray[np.bool_],
    most: int = CP_SAT_COLUMNS,
) -> tuple[IntArray, float, bool]:
    """Choose the columns of one CP-SAT solve: those with reduced cost ``≤ delta``.

    At most ``most`` are taken (building a model of millions takes longer than the time
    limit). Where more qualify, ``delta`` is lowered to keep the cheapest; where
    the cut falls among many columns of the same reduced cost (a degenerate LP: practices at
    one site make thousands of equally good networks), the cheapest are taken by rank,
    ``preferred`` ones (the LP's and the incumbent's) first.

    Returns
    -------
    pool, delta, ranked
        The columns; the reduced cost up to which *every* column is in the pool (what a
        search of the pool proves things about); whether the pool was cut by rank.
    """
    within = rc <= delta + tolerance
    if np.count_nonzero(within) <= most:
        return np.flatnonzero(within).astype(np.int64), delta, False
    cut = float(np.partition(rc, most)[most])
    lowered = cut - 2 * tolerance
    below = np.flatnonzero(rc <= lowered + tolerance).astype(np.int64)
    if len(below) >= most // 2:
        return below, lowered, False
    order = np.lexsort((~preferred, rc))[:most]
    return np.sort(order).astype(np.int64), lowered, True


GROWTH = 3
"""Factor by which the most columns of one CP-SAT solve grow when a pool cut at the most
proved nothing and time is left (:func:`_grown`)."""
GROW_MARGIN = 1.0
"""A larger pool is searched only if this many times its expected time is left."""
PARTIAL_GROWTH = 1.5
"""Where the whole window does not fit in the time left, a pool is grown only to what fits,
and only if that is at least this many times the last (a higher bound, not a proof)."""


def _grown(most: int, wanted: int, pace: float, left: float) -> int:
    """Give the most columns of the next solve, where a pool cut at ``most`` proved nothing.

    ``wanted``: the columns within the window the loop would search next (all of them make
    a proof possible); ``pace``: seconds per column of the largest solve that ended (0: none
    yet, no growth). The pool grows to the window where ``GROWTH × most`` holds it and its
    expected time is left; else to the most columns the time left is expected to search,
    if that is at least ``PARTIAL_GROWTH × most`` (the bound then rises by the columns
    searched); else ``most`` (no growth). On a small area (E38000091: 25 practices, 4
    networks) a solve of 30,000 columns ends in about a second, and the columns within the
    incumbent's gap are a few times more. The window, not every column, is what a proof
    needs (E38000244: 48,121 of 195,194 columns within the plan's gap, a 30,000-column solve
    in 4.7 s, 9 s left: it used to wait for time for 90,000).
    """
    if most >= wanted or pace <= 0.0:
        return most
    size = min(wanted, GROWTH * most)
    if GROW_MARGIN * pace * size <= left:
        return size
    fits = int(left / (GROW_MARGIN * pace))
    return fits if fits >= PARTIAL_GROWTH * most else most


def _last_cut(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    rc: FloatArray,
    floor: float,
    lower: float,
    incumbent: IntegerResult | None,
    triples: list[Triple],
    kept: list[Separation] | None,
    tolerance: float,
) -> float | None:
    """Bound the incumbent's window by the LP with cuts in all the time left: the last step.

    ``None`` where its bound reaches the incumbent's cost ``floor`` (the incumbent is
    proved optimal); else the bound it proves, rounded up (never above ``floor``).
    """
    cut = window_bound(
        problem, columns, model, rc, floor - lower + tolerance, incumbent, triples, 1.0, kept
    )
    if floor <= cut + tolerance:
        return None
    return _ceil(min(cut, floor) - tolerance)


def _search(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    relaxation: LPResult,
    incumbent: IntegerResult | None,
    hint: IntArray | None,
    first_delta: float | None = None,
    presolve: bool = False,
) -> tuple[Status, float, IntegerResult | None, str | None]:
    """CP-SAT over ever wider pools of columns by reduced cost, until proved or out of time.

    Returns
    -------
    status, bound, incumbent, short
        ``"optimal"`` (the incumbent is proved), ``"infeasible"`` (no plan exists) or
        ``"timed out"``; the proved bound (integer units); the best plan found; and, when
        the search ended short of a proof for another reason than time, that reason.

    Raises
    ------
    SolverError
        When CP-SAT answers UNKNOWN (neither a plan nor a proof) with time left.
    """
    deadline = problem.deadline
    rc, lower = relaxation.reduced_costs, relaxation.bound
    tolerance = 1e-7 * max(1.0, float(np.abs(columns.col_cost).max()))
    lower_int = math.ceil(lower - tolerance)
    if first_delta is None:
        first_delta = max(10.0 * SCALE, 0.002 * abs(lower))
    delta = first_delta
    preferred = preferred_columns(relaxation, incumbent, hint)
    # Invariant: every plan made only of columns with reduced cost <= searched costs at
    # least `floor` (the incumbent's cost, or infinity when there is none); every other
    # plan costs more than lower + searched.
    searched: float | None = None
    most = CP_SAT_COLUMNS  # columns of one solve, grown while the solves end in time
    pace, paced = 0.0, 0  # seconds per column of the largest pool searched to the end
    floor = math.inf
    proved_bound = float(lower_int)
    status: Status = "timed out"
    triples: list[Triple] = []  # subset-row cuts found so far (valid over any pool)
    cut_floor = math.inf  # the incumbent's cost when the subset-row LP last ran
    kept: list[Separation] = []  # its last answer, to go on from
    problem.report(0.4, f"LP bound {lower / SCALE:,.1f}")
    if (
        incumbent is not None
        and incumbent.objective is not None
        and incumbent.objective <= lower_int
    ):
        # Costs are whole numbers: nothing is cheaper than the bound the start meets.
        return "optimal", float(incumbent.objective), incumbent, None
    while True:
        remaining = deadline.left()
        if remaining <= 0.05:
            break
        pool, proven, ranked = _pool(rc, delta, tolerance, preferred, most)
        raised = raise_costs(problem, columns, pool)
        if raised is not None:
            # The pool's territory terms are now in their costs: their reduced costs rose by
            # as much (the LP's duals stay feasible), so choose the pool again.
            rc = rc + raised
            continue
        if searched is not None:
            proven = max(proven, searched)
        everything = not ranked and len(pool) == len(rc)
        require = None
        if searched is not None:
            require = pool[rc[pool] > searched + tolerance]
            if not len(require) and proven <= searched:
                # The cut fell at or below the window searched (many columns tie at a
                # small whole-number cost): the same columns would be searched again,
                # unless a larger pool can be searched in the time left.
                wanted = int(np.count_nonzero(rc <= delta + tolerance))
                grown = _grown(most, wanted, pace, deadline.left())
                if grown > most:
                    most = grown
                    continue
                if math.isfinite(floor):  # the time left to the LP with cuts
                    last = _last_cut(
                        problem,
                        columns,
                        model,
                        rc,
                        floor,
                        lower,
                        incumbent,
                        triples,
                        kept,
                        tolerance,
                    )
                    if last is None:
                        return "optimal", floor, incumbent, None
                    proved_bound = max(proved_bound, last)
                return (
                    status,
                    proved_bound,
                    incumbent,
                    f"more than {most:,} candidate networks lie within "
                    f"{searched / SCALE:,.1f} of the LP bound, so the plan could not be "
                    "proved optimal",
                )
        if incumbent is not None:
            # The incumbent's columns too, whatever their reduced costs: a plan mending a
            # few of its networks from the window may be far cheaper while the window's
            # columns alone form no plan (E38000243: the window searches found nothing for
            # 30 s; its optimum, 18% below the start, shares 3 columns with it outside the
            # window). A plan made only of the window's columns is still searched (the
            # proof's invariant): the extra columns only widen the search.
            pool = np.union1d(pool, incumbent.chosen).astype(np.int64)
        solve_started = time.monotonic()
        result = solve_pool(
            problem, columns, model, pool, incumbent, hint, deadline, presolve, require
        )
        logger.debug(
            "area %s: LB %.0f, delta %.0f, pool %d of %d (%s new%s): %s %s (bound %.0f) in %.1f s",
            problem.name,
            lower,
            proven,
            len(pool),
            len(columns),
            "all" if require is None else len(require),
            ", by rank" if ranked else "",
            result.status,
            result.objective,
            result.bound,
            time.monotonic() - solve_started,
        )
        if result.status == "unknown" and not result.out_of_time and not deadline.stopped():
            left = deadline.left()
            if left > EARLY_STOP_S:
                raise SolverError(
                    "CP-SAT answered UNKNOWN (status 0: neither a plan nor a proof) over "
                    f"{len(pool):,} columns after {result.seconds:.1f} s of the "
                    f"{remaining:.1f} s it was given, with {left:.1f} s of the time limit left"
                )
        improved = result.objective is not None and (
            incumbent is None
            or incumbent.objective is None
            or result.objective < incumbent.objective
        )
        if improved:
            incumbent = result
            preferred[result.chosen] = True
        if result.status in ("optimal", "infeasible") and len(pool) >= paced:
            # The largest pool's pace (a small pool's is mostly the model's overhead).
            pace, paced = (time.monotonic() - solve_started) / max(1, len(pool)), len(pool)
        outside = math.inf if everything else lower + proven
        if result.status in ("optimal", "infeasible"):
            searched = proven
            if incumbent is not None and incumbent.objective is not None:
                floor = float(incumbent.objective)
            proved_bound = max(proved_bound, _ceil(min(floor, outside) - tolerance))
            if floor <= outside + tolerance:
                status = "optimal" if incumbent is not None else "infeasible"
                proved_bound = floor
                break
            if math.isfinite(floor) and floor != cut_floor:
                # Every plan below the incumbent is made of the window's columns: the LP over
                # them with subset-row cuts bounds them all, often up to the incumbent.
                cut_floor = floor
                width = floor - lower + tolerance
                cut = window_bound(
                    problem, columns, model, rc, width, incumbent, triples, kept=kept
                )
                if floor <= cut + tolerance:
                    status, proved_bound = "optimal", floor
                    break
                proved_bound = max(proved_bound, _ceil(min(cut, floor) - tolerance))
                fixed = fixed_by_cuts(rc, lower, kept[0] if kept else None, tolerance)
                if fixed is not None:
                    # The loop goes on at the LP with cuts' reduced costs: fewer columns lie
                    # within the incumbent's gap, and the pools are chosen again from them,
                    # from the first window up (E38000014, 049, 212: the whole gap at once,
                    # 9,000-46,000 columns, took 4 s to forever where main's next small
                    # window held the optimum).
                    rc, lower = fixed
                    searched, delta = None, min(first_delta, floor - lower)
                    logger.debug(
                        "area %s: reduced-cost fixing at the LP with cuts: %d columns within "
                        "the gap of %.0f",
                        problem.name,
                        np.count_nonzero(rc <= floor - lower + tolerance),
                        floor - lower,
                    )
                    continue
            grown = most
            if ranked and not improved:
                wanted = int(np.count_nonzero(rc <= floor - lower + tolerance))
                grown = _grown(most, wanted, pace, deadline.left())
            if grown > most:
                most = grown
            elif ranked and not improved:
                # The same columns would be taken again: nothing more to learn in time but
                # what the LP with cuts proves in the time left.
                last = _last_cut(
                    problem, columns, model, rc, floor, lower, incumbent, triples, kept, tolerance
                )
                if last is None:
                    return "optimal", floor, incumbent, None
                proved_bound = max(proved_bound, last)
                return (
                    status,
                    proved_bound,
                    incumbent,
                    (
                        f"{np.count_nonzero(np.abs(rc - rc[pool].max()) <= tolerance):,} candidate "
                        "networks are equally good at the cut of the "
                        f"{most:,} that one CP-SAT solve takes, so the plan could not be "
                        "proved optimal"
                    ),
                )
            # With nothing better in the pool, widen it step by step up to the incumbent's gap.
            gap = floor - lower
            delta = gap if result.status == "optimal" else min(max(4 * proven, first_delta), gap)
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
    return status, proved_bound, incumbent, None
