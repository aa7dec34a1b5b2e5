"""A proof where not every candidate can be listed: exact pricing, then the window it bounds.

For a fresh proposal of the usual objective on the Voronoi model, with the compiled exact
pricing (:mod:`~footprints.optimiser.compiled`):

1. column generation with exact pricing (:func:`~footprints.optimiser.colgen.priced_bound`)
   proves a Lagrangian bound ``L`` over every connected in-band network, from duals
   ``π`` (practices), ``σ`` (pieces) and each piece's least reduced cost ``f_p`` under
   them;
2. a plan holding network ``N`` of piece ``p`` costs at least ``L + rc(N) − f_p``: its other
   networks cost at least their floors (see :func:`~footprints.optimiser.colgen.
   lagrangian_value`). So with a plan of cost ``z``, every better plan is made of networks
   with ``rc(N) − f_p ≤ z − L``. The compiled search lists them all (the *window*) on the
   unlisted pieces; the listed pieces' columns are filtered the same way;
3. CP-SAT over the window: its optimum is the area's, proved. Where the window holds too
   many networks, a narrower one of width ``Δ`` is searched: a plan found at most
   ``L + Δ`` is proved; otherwise every plan costs at least ``min(CP-SAT's bound, L + Δ)``.

The columns found join the pool, so that the plan found can be read and polished.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from footprints.optimiser.candidates import FloatArray, IntArray
from footprints.optimiser.colgen import _extend, can_price, lagrangian_value, priced_bound
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.cpsat import solve_integer
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.farley import relaxed_window
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import PricedProof

__all__ = [
    "MOST_GROUP_PRACTICES",
    "MOST_PRACTICES",
    "WINDOW_COLUMNS",
    "WINDOW_GAP",
    "PricedProof",
    "attempt",
    "can_prove",
    "priced_proof",
]

logger = logging.getLogger(__name__)

WINDOW_COLUMNS = 30_000
"""Most networks one window may hold (those of the unlisted pieces); past it, a narrower one."""
MOST_PRACTICES = 120
"""Largest unlisted piece priced: on Kent and Medway (206 practices) the rounds of column
generation take 2–4 s each and do not end in 15 s (BENCHMARKS.md); such areas keep the
shaped bound and the whole time for their plan."""
MOST_GROUP_PRACTICES = 450
"""Largest unlisted piece priced in a planning area joining several CCGs (an STP: at most 445
practices in England 2020). Since the search order of session 15, a complete round on
E54000050 (369 practices) takes 0.2–0.5 s: 15 s per area then lifts its bound from the
fixed-cost floor (gap 80.2%) to 23.2%, 60 s to 4.7% (BENCHMARKS.md, session 16). Such an
area starts from its CCGs' plans joined, so the plan loses little of the local pools' time;
a single CCG (Kent and Medway, whose plan comes from the 16,000-column pool) keeps
:data:`MOST_PRACTICES`."""
WINDOW_GAP = 0.03
"""Where column generation did not converge in time (its bound a Lagrangian one of rounds
cut short), the largest gap between that bound and the plan, as a share of the plan, at
which an area's solve still searches the window (``priced_proof``'s ``window_gap``).
Further off, the window holds too many networks to prove anything and its time goes back
to the plan's search: on all England, searching such windows gave six areas worse plans
than without exact pricing (E38000144, 191, 016, 101, 135, 205; BENCHMARKS.md)."""
_SLACK = 2.0
"""Cost units the window is widened by, for rounding between the search and ``set_costs``."""


def can_prove(problem: AreaProblem, columns: Columns) -> bool:
    """Whether :func:`priced_proof` applies: fresh, the usual objective, the Voronoi model.

    And no unlisted piece larger than :data:`MOST_PRACTICES` (a planning area of several
    CCGs: :data:`MOST_GROUP_PRACTICES`).
    """
    if problem.practices.homes is not None or not can_price(problem, columns):
        return False
    unlisted = [len(piece.nodes) for piece in problem.pieces if not piece.bounded]
    most = MOST_PRACTICES if problem.lower_areas <= 1 else MOST_GROUP_PRACTICES
    if max(unlisted, default=0) > most:
        return False
    try:
        import numba  # noqa: F401 - the compiled search needs it
    except ImportError:  # pragma: no cover - a dependency; the shaped bound stands in
        return False
    return True


def _window(
    problem: AreaProblem,
    node: FloatArray,
    piece_dual: FloatArray,
    floors: dict[int, float],
    width: float,
    *,
    at: float,
) -> list[tuple[list[int], int]] | None:
    """Every network of the unlisted pieces with ``rc − f_p ≤ width``; ``None`` if too many."""
    from footprints.optimiser.compiled import VoronoiKernel, search_order

    found: list[tuple[list[int], int]] = []
    gain = node.astype(np.float64)
    for p, piece in enumerate(problem.pieces):
        if piece.bounded:
            continue
        low, high = relaxed_window(problem, piece)
        order = search_order(sorted(piece.nodes), gain, problem.practices.population)
        kernel = VoronoiKernel(problem, order, low, high)
        goal = -float(piece_dual[p]) - floors[p] - width - _SLACK
        most = WINDOW_COLUMNS - len(found)
        result = kernel.price(gain[kernel.nodes], goal, limit=most + 1, at=at, rows=most + 1)
        if result is None or result[2] > most:
            return None
        found.extend((members, p) for members in result[0])
    return found


def _keys(columns: Columns, keys: IntArray) -> IntArray:
    """Return a hash of each column's members (the xor of random keys)."""
    hashed: IntArray = columns.sets.reduce(keys, np.bitwise_xor)[columns.col_set]
    return hashed


def _reduced(
    problem: AreaProblem,
    columns: Columns,
    node: FloatArray,
    piece_dual: FloatArray,
    floors: dict[int, float],
) -> FloatArray:
    """Return each column's reduced cost less its piece's floor.

    A plan holding the column costs at least the Lagrangian bound plus this (0 for the
    cheapest network of each piece).
    """
    piece_of = columns.set_piece[columns.col_set]
    floor = np.asarray([floors.get(p, 0.0) for p in range(len(problem.pieces) + 1)])
    rc: FloatArray = (
        columns.col_cost
        - columns.sets.sums(node)[columns.col_set]
        - piece_dual[piece_of]
        - floor[piece_of]
    )
    return rc


def priced_proof(
    problem: AreaProblem,
    columns: Columns,
    plan: IntArray | None,
    *,
    bound_at: float,
    at: float,
    window_gap: float | None = None,
    duals: tuple[FloatArray, FloatArray] | None = None,
) -> PricedProof:
    """Bound by exact pricing until ``bound_at``, then search the window it proves until ``at``.

    ``columns``: the columns at hand (local candidates, the listed pieces' columns);
    ``plan``: columns of a plan (the incumbent). See the module's docstring. With
    ``window_gap`` (a share of the plan, such as :data:`WINDOW_GAP`) the window is searched
    only where column generation converged or its bound ends that near the plan. ``duals``
    (such as the shaped ones) are where column generation starts (see
    :func:`~footprints.optimiser.colgen.priced_bound`).
    """
    started = time.monotonic()
    objective = int(columns.col_cost[plan].sum()) if plan is not None and len(plan) else None
    chosen = plan if plan is not None else np.zeros(0, np.int64)
    priced = priced_bound(problem, columns, plan, at=bound_at, duals=duals)
    columns = priced.columns
    if priced.bound is None or priced.duals is None or priced.floors is None:
        return PricedProof(None, objective, chosen, False, columns)
    node, piece_dual = priced.duals
    floors = dict(priced.floors)
    lower = lagrangian_value(problem, node, piece_dual, floors)
    reduced = _reduced(problem, columns, node, piece_dual, floors)
    bound = max(lower, priced.bound)
    logger.debug(
        "area %s: priced bound %.0f after %d rounds, plan %s, %.2f s",
        problem.name,
        bound,
        priced.rounds,
        objective,
        time.monotonic() - started,
    )
    if objective is None or math.ceil(bound - 1e-6) >= objective:
        proved = objective is not None
        return PricedProof(bound, objective, chosen, proved, columns, reduced=reduced)
    far = window_gap is not None and objective - bound > window_gap * abs(objective)
    if far and not priced.converged:
        return PricedProof(bound, objective, chosen, False, columns, reduced=reduced)
    rows = Partition.of_area(problem)
    keys = np.random.default_rng(20_261_128).integers(
        1, 2**62, size=len(problem.practices), dtype=np.int64
    )
    width = objective - lower
    widened = False
    while time.monotonic() < at:
        found = _window(problem, node, piece_dual, floors, width, at=at)
        if found is None:
            logger.debug("area %s: window %.0f: too many networks", problem.name, width)
            if time.monotonic() >= at or widened:  # a wider window holds too many
                break
            width /= 4  # too many networks (or out of time): a narrower window
            continue
        seen = set(_keys(columns, keys).tolist())
        fresh = []
        for members, _ in found:
            key = int(np.bitwise_xor.reduce(keys[members]))
            if key not in seen:
                seen.add(key)
                fresh.append(members)
        if fresh:
            columns = _extend(problem, columns, fresh)
        rc = _reduced(problem, columns, node, piece_dual, floors)
        pool = np.flatnonzero(rc <= width + _SLACK).astype(np.int64)
        if len(chosen):
            pool = np.union1d(pool, chosen).astype(np.int64)
        deadline = Deadline(at, problem.deadline.stop)
        result = solve_integer(
            columns,
            rows,
            pool,
            problem.settings,
            time_limit=max(0.0, deadline.left()),
            stop=problem.deadline.stop,
            hint=chosen if len(chosen) else None,
            presolve=False,
        )
        logger.debug(
            "area %s: window %.0f: %d networks (%d new), pool %d: %s %s (bound %.0f), %.2f s",
            problem.name,
            width,
            len(found),
            len(fresh),
            len(pool),
            result.status,
            result.objective,
            result.bound,
            time.monotonic() - started,
        )
        if result.objective is not None and (objective is None or result.objective < objective):
            objective, chosen = result.objective, result.chosen
        if result.status == "optimal":
            # every plan with a network outside the window costs more than lower + width
            if objective is not None and objective <= lower + width + 1e-6:
                return PricedProof(float(objective), objective, chosen, True, columns)
            bound = max(bound, min(float(objective or math.inf), lower + width))
        elif result.status == "infeasible":
            bound = max(bound, lower + width)
        else:
            bound = max(bound, min(result.bound, lower + width))
            break
        if objective is None or math.ceil(bound - 1e-6) >= objective:
            break
        # the window held no plan within it: a wider one, up to the plan found
        width, widened = min(objective - lower, 2 * width), True
    proved = objective is not None and math.ceil(bound - 1e-6) >= objective
    reduced = _reduced(problem, columns, node, piece_dual, floors)
    return PricedProof(bound, objective, chosen, proved, columns, near=True, reduced=reduced)


def attempt(
    problem: AreaProblem,
    columns: Columns,
    plan: IntArray | None,
    *,
    bound_at: float,
    at: float,
    duals: tuple[FloatArray, FloatArray] | None = None,
) -> PricedProof | None:
    """:func:`priced_proof` with :data:`WINDOW_GAP`, where it applies (else ``None``).

    ``proof.partition``'s hook (its ``priced``): the proof loop comes before exact
    pricing in the optimiser's stages, so it is handed this function, not importing it.
    """
    if not can_prove(problem, columns):
        return None
    return priced_proof(
        problem, columns, plan, bound_at=bound_at, at=at, window_gap=WINDOW_GAP, duals=duals
    )
