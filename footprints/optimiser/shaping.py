"""Duals shaped for the relaxed pricing: column generation over relaxed networks.

Where not every candidate network could be listed, :mod:`~footprints.optimiser.farley`
bounds every plan by ``D + Σ_p k_p min(0, f_p)``: ``D`` the duals' bound and ``f_p`` a
proved floor on the reduced cost of every network of piece ``p`` under a *relaxed*
pricing (connectivity dropped). Its value depends on the duals alone. The master LP over
the listed columns answers with a vertex of a highly degenerate dual (Kent and Medway:
practices' duals from −2·10⁷ to 1.5·10⁷ cost units), under which the relaxed pricing
joins the practices of high dual from anywhere and the floor is far below 0: a bound
below 0 (BENCHMARKS.md, "Why the bounds did not move").

Here the duals are shaped for that pricing. The master LP gets *relaxed columns*: at each
of a piece's practice sites ``g`` taken as a network's centre, the optimum of the
fractional knapsack of the relaxed pricing, ``t_i ∈ [0, 1]`` per practice, costing
``network_cost + w Σ t_i p_i ‖x_i − g‖ + s Σ t_i p_i [patch_i ≠ q]`` (plus the band
penalty of ``Σ t_i p_i`` on a soft piece) — no network, but what the relaxation says a
network with those practices around that centre costs at least. Rounds of column
generation over these (and over the listed columns, which the master prices itself) lead
the duals towards those of the relaxation's Lagrangian dual, where the relaxed pricing
finds nothing below 0 at the sites. The bound is then proved by
:func:`~footprints.optimiser.farley.lagrangian_bound` on the duals of the round: valid
whatever columns shaped them, as the relaxed pricing there covers every centre.

The usual objective on the Voronoi model only (no side rows): on registration geography
the relaxation has no compactness term to shape against. Fresh proposals and repair mode
alike: in repair mode the relaxed columns leave out the move cost and match no current
network, as the relaxed pricing of :func:`~footprints.optimiser.farley.reduced_cost_floor`
does (each move costs at least 0); the bound charges the matching rows' duals to the
columns (:func:`~footprints.optimiser.farley.match_free`) and counts the budget row's.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from footprints.errors import SolverError
from footprints.optimiser.candidates import FloatArray, IntArray, bit_indices
from footprints.optimiser.columns import Columns
from footprints.optimiser.costs import SCALE
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.farley import (
    knapsack_choices,
    lagrangian_bound,
    listed_floors,
    match_free,
    relaxed_penalty,
    relaxed_window,
)
from footprints.optimiser.master import Duals, MasterLP
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "ROUND_COLUMNS",
    "SHAPE_SHARE",
    "Shaped",
    "can_shape",
    "prove_shaped",
    "shaped_bound",
]

logger = logging.getLogger(__name__)

SHAPE_SHARE = 0.4
"""Share of the time left that the shaping rounds and the bound they prove may take."""
ROUND_COLUMNS = 400
"""Most relaxed columns one piece adds to the master per round (the most negative)."""
_FINAL_SHARE = 0.4
"""Share of the shaping's time kept for proving the bound on the last duals."""


@dataclass
class Shaped:
    """What :func:`shaped_bound` proved.

    Parameters
    ----------
    bound
        The bound over every plan (cost units, not rounded), ``None`` if none was proved.
    rounds
        Rounds of relaxed columns added to the master.
    relaxed
        Relaxed columns added in all.
    duals
        The duals the bound was proved at (practices; pieces, then one 0), matching rows'
        term left out, ``None`` without a bound: a warm start for exact pricing
        (:func:`~footprints.optimiser.colgen.priced_bound`), whose first round at them proves
        at least as much as the relaxed pricing did, as the exact floors are the higher.
    pending
        Where the bound is left for :func:`prove_shaped`: the match-free duals, the listed
        columns' reduced costs, the move budget, the target and the seconds the relaxed
        search would have had; else ``None``.
    """

    bound: float | None
    rounds: int
    relaxed: int
    duals: tuple[FloatArray, FloatArray] | None = None
    pending: tuple[Duals, FloatArray, int | None, float, float] | None = None


def can_shape(problem: AreaProblem) -> bool:
    """Whether :func:`shaped_bound` applies: the Voronoi model, fresh or in repair mode."""
    return problem.practices.homes is None


@dataclass
class _Sites:
    """One unlisted piece's relaxed pricing at its practice sites (see the module)."""

    piece: int
    nodes: IntArray
    weights: IntArray
    cost: FloatArray  # (sites × patches, practices): what each practice adds to the cost
    low: int
    high: int
    band: tuple[int, int] | None
    penalty: float


def _sites(problem: AreaProblem, p: int) -> _Sites:
    """Return piece ``p``'s relaxed cost terms at each of its practices' sites."""
    settings = problem.settings
    practices = problem.practices
    piece = problem.pieces[p]
    nodes = np.asarray(sorted(piece.nodes), np.int64)
    weights = practices.population[nodes].astype(np.int64)
    xs, ys = practices.x_km[nodes], practices.y_km[nodes]
    # centres: every practice's site, and the midpoint of every pair of neighbours
    where = {int(i): k for k, i in enumerate(nodes.tolist())}
    pairs = [
        (k, where[j])
        for k, i in enumerate(nodes.tolist())
        for j in bit_indices(practices.neighbours[i])
        if j in where and where[j] > k
    ]
    cx = np.concatenate([xs, [(xs[a] + xs[b]) / 2 for a, b in pairs]])
    cy = np.concatenate([ys, [(ys[a] + ys[b]) / 2 for a, b in pairs]])
    distance = np.hypot(xs[None, :] - cx[:, None], ys[None, :] - cy[:, None])
    compact = settings.compactness_weight * SCALE * weights[None, :] * distance
    straddle = settings.straddle_weight * SCALE
    # the main patch at each centre: its practice's (a heuristic: the bound's own
    # relaxed pricing tries every patch)
    patch = practices.patch[nodes]
    main = np.concatenate([patch, [patch[a] for a, _ in pairs]]).astype(np.int64)
    outside = (patch[None, :] != main[:, None]) & (patch[None, :] >= 0) & (main[:, None] >= 0)
    cost = compact + straddle * weights[None, :] * outside
    low, high = relaxed_window(problem, piece)
    band, penalty = relaxed_penalty(problem, low, high)
    return _Sites(p, nodes, weights, cost, low, high, band, penalty)


def _round(problem: AreaProblem, lp: MasterLP, sites: list[_Sites], duals: Duals) -> int:
    """Add each piece's most negative relaxed columns under ``duals``; return how many."""
    fixed = problem.settings.network_cost * SCALE
    added = 0
    for site in sites:
        gains = duals.node[site.nodes].astype(np.float64)
        best, shares = knapsack_choices(
            gains[None, :] - site.cost,
            site.weights,
            site.low,
            site.high,
            band=site.band,
            penalty=site.penalty,
        )
        rc = fixed - float(duals.piece[site.piece]) - best
        tolerance = 1e-6 * fixed
        negative = np.flatnonzero(np.isfinite(rc) & (rc < -tolerance))
        if not len(negative):
            continue
        negative = negative[np.argsort(rc[negative], kind="stable")][:ROUND_COLUMNS]
        seen: set[bytes] = set()
        for row in negative.tolist():
            t = shares[row]
            key = np.round(t, 6).tobytes()
            if key in seen:
                continue
            seen.add(key)
            held = np.flatnonzero(t > 1e-12)
            total = float(site.weights[held] @ t[held])
            cost = fixed + float(site.cost[row, held] @ t[held])
            if site.band is not None:
                cost += site.penalty * (
                    max(0.0, site.band[0] - total) + max(0.0, total - site.band[1])
                )
            lp.add_relaxed(site.nodes[held], t[held], site.piece, cost)
            added += 1
    return added


def _by_count(
    problem: AreaProblem, duals: Duals, floors: FloatArray, max_moves: int | None
) -> float:
    """Bound every plan by the duals, each piece's networks counted: ``Σπ + min_k k(σ + f)``.

    Every network of piece ``p`` has reduced cost at least ``floors[p]``, and the piece has
    ``k`` networks, ``k`` within its range: its plans cost at least
    ``Σ_{i∈p} π_i + k (σ_p + f_p)``. As :func:`~footprints.optimiser.colgen.lagrangian_value`,
    never below :func:`~footprints.optimiser.farley.lagrangian_bound`'s sum. In repair mode
    ``floors`` are those of the reduced costs charged the matching rows' duals
    (:func:`~footprints.optimiser.farley.match_free`), and the move budget's row adds
    ``min(0, λ · max_moves)`` (``max_moves``: the master's budget, ``None`` without one).
    """
    total = min(0.0, duals.moves * max_moves) if max_moves is not None else 0.0
    for p, piece in enumerate(problem.pieces):
        if piece.k_range is not None:
            lo, hi = piece.k_range
        else:
            lo, hi = 1, len(piece.nodes)
        per = float(duals.piece[p]) + float(floors[p])
        if not math.isfinite(per):
            return -math.inf
        total += float(duals.node[sorted(piece.nodes)].sum()) + min(lo * per, hi * per)
    return total


def shaped_bound(
    problem: AreaProblem,
    columns: Columns,
    lp: MasterLP,
    *,
    at: float,
    target: float = 0.0,
    prove: bool = True,
) -> Shaped:
    """Shape the duals of ``lp`` (solved, over ``columns``) and prove a bound from them, by ``at``.

    ``lp`` gains relaxed columns (see the module) and is left solved over them: its duals
    and reduced costs are no longer those of the listed columns alone, and its value no
    bound. ``target`` is passed to :func:`~footprints.optimiser.farley.lagrangian_bound`.
    The bound is that of the last duals the rounds reached, proved over every network.
    With ``prove=False`` the rounds end as usual but the relaxed search of the bound is
    left for :func:`prove_shaped` (its share of the time is not taken): where exact pricing
    follows, its first round at the shaped duals proves at least as much, as the exact
    floors are the higher (about 1 s on E38000016, 144 and 205, BENCHMARKS.md).
    """
    started = time.monotonic()
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    sites = [_sites(problem, p) for p in unlisted]
    final = at - _FINAL_SHARE * max(0.0, at - started)
    deadline = Deadline(final, problem.deadline.stop)
    duals = lp.dual_values()
    rounds = relaxed = 0
    while not deadline.passed():
        added = _round(problem, lp, sites, duals)
        if not added:
            break
        try:
            relaxation = lp.solve(deadline)
        except SolverError:  # a bound is a bonus: keep the last duals
            logger.debug("area %s: GLOP failed on the shaped master", problem.name)
            break
        if not relaxation.feasible or not relaxation.complete:
            break
        duals = lp.dual_values()
        rounds += 1
        relaxed += added
        logger.debug(
            "area %s: shaping round %d: %d relaxed columns, dual bound %.0f, %.2f s",
            problem.name,
            rounds,
            added,
            duals.bound,
            time.monotonic() - started,
        )
    duals, rc = match_free(duals, columns, lp.reduced_costs(duals))
    shaped = Shaped(None, rounds, relaxed, (duals.node.copy(), duals.piece.copy()))
    shaped.pending = (duals, rc, lp.max_moves, target, max(0.0, at - final))
    if not prove:
        logger.debug(
            "area %s: shaped duals, %d rounds, %d relaxed columns: bound left, %.2f s",
            problem.name,
            rounds,
            relaxed,
            time.monotonic() - started,
        )
        return shaped
    return prove_shaped(problem, columns, shaped, at=at, started=started)


def prove_shaped(
    problem: AreaProblem,
    columns: Columns,
    shaped: Shaped,
    *,
    at: float,
    started: float | None = None,
) -> Shaped:
    """Prove the bound of ``shaped``'s duals (from :func:`shaped_bound`) by ``at``.

    A :class:`Shaped` without duals, or already proved, is returned as it is.
    """
    if shaped.pending is None:
        return shaped
    started = time.monotonic() if started is None else started
    duals, rc, max_moves, target, _ = shaped.pending
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    listed = listed_floors(problem, columns, rc)
    found = lagrangian_bound(problem, duals, listed, deadline_at=at, target=target)
    bound = None
    if found is not None:
        for p, floor in zip(unlisted, found[1], strict=True):
            listed[p] = min(float(listed[p]), floor.value)
        bound = max(found[0], _by_count(problem, duals, listed, max_moves))
    if found is not None:
        logger.debug(
            "area %s: floors %s, dual bound %.0f",
            problem.name,
            [(round(f.value), f.squares, f.complete) for f in found[1]],
            duals.bound,
        )
    logger.debug(
        "area %s: shaped duals, %d rounds, %d relaxed columns: bound %s, %.2f s",
        problem.name,
        shaped.rounds,
        shaped.relaxed,
        "—" if bound is None else f"{bound:,.0f}",
        time.monotonic() - started,
    )
    if bound is None or not math.isfinite(bound):
        return Shaped(None, shaped.rounds, shaped.relaxed)
    return Shaped(bound, shaped.rounds, shaped.relaxed, shaped.duals)
