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

Fresh proposals of the usual objective on the Voronoi model only (no current plan to
match, no side rows): on registration geography the relaxation has no compactness term
to shape against.
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
from footprints.optimiser.farley import lagrangian_bound, listed_floors, relaxed_window
from footprints.optimiser.master import Duals, MasterLP
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "ROUND_COLUMNS",
    "SHAPE_SHARE",
    "Shaped",
    "can_shape",
    "knapsack_choices",
    "shaped_bound",
]

logger = logging.getLogger(__name__)

SHAPE_SHARE = 0.4
"""Share of the time left that the shaping rounds and the bound they prove may take."""
ROUND_COLUMNS = 400
"""Most relaxed columns one piece adds to the master per round (the most negative)."""
_FINAL_SHARE = 0.4
"""Share of the shaping's time kept for proving the bound on the last duals."""


def knapsack_choices(
    values: FloatArray,
    weights: IntArray,
    low: int,
    high: int,
    *,
    band: tuple[int, int] | None = None,
    penalty: float = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Per row of ``values``: the fractional knapsack's optimum and the shares ``t`` taking it.

    The same problem as :func:`~footprints.optimiser.farley.knapsack_bounds`
    (``max Σ v t − penalty·dev(Σ w t)`` over ``0 ≤ t ≤ 1``, ``low ≤ Σ w t ≤ high``), with
    the maximiser: items by value per weight, best first, up to the best breakpoint.
    Items of weight 0 are taken when their value is positive. Rows with no choice in the
    window get ``-inf`` and ``t = 0``.
    """
    values = np.atleast_2d(values).astype(np.float64)
    rows, n = values.shape
    free = weights == 0
    chosen = np.zeros((rows, n), np.float64)
    chosen[:, free] = values[:, free] > 0
    bonus = np.clip(values[:, free], 0.0, None).sum(axis=1)
    heavy = np.flatnonzero(~free)
    w = weights[heavy].astype(np.float64)
    if not len(w):
        return np.where(low <= 0, bonus, -np.inf), chosen
    total = float(w.sum())
    if total + 1e-9 < low:
        return np.full(rows, -np.inf), np.zeros((rows, n))
    top = min(float(high), total)
    v = values[:, heavy]
    order = np.argsort(-(v / w), axis=1, kind="stable")
    w_sorted = w[order]
    v_sorted = np.take_along_axis(v, order, axis=1)
    cum_w = np.cumsum(w_sorted, axis=1)
    cum_v = np.cumsum(v_sorted, axis=1)
    index = np.arange(rows)

    def deviation(weight: FloatArray) -> FloatArray:
        if band is None:
            return np.zeros_like(weight)
        out: FloatArray = np.maximum(band[0] - weight, 0.0) + np.maximum(weight - band[1], 0.0)
        return out

    def value_at(take: FloatArray) -> FloatArray:
        """Return the greedy value of weight ``take`` (per row), less the penalty."""
        k = (cum_w < take[:, None] - 1e-9).sum(axis=1)
        kk = np.minimum(k, len(w) - 1)
        before_w = np.where(k > 0, cum_w[index, np.maximum(k - 1, 0)], 0.0)
        before_v = np.where(k > 0, cum_v[index, np.maximum(k - 1, 0)], 0.0)
        rate = v_sorted[index, kk] / w_sorted[index, kk]
        out: FloatArray = before_v + np.where(k < len(w), (take - before_w) * rate, 0.0)
        return out - penalty * deviation(take)

    inside = (cum_w >= low - 1e-9) & (cum_w <= top + 1e-9)
    whole = np.where(inside, cum_v - penalty * deviation(cum_w), -np.inf)
    best_at = whole.argmax(axis=1)
    best = whole[index, best_at]
    take = np.where(np.isfinite(best), cum_w[index, best_at], 0.0)
    edges = [float(low), top] + ([float(band[0]), float(band[1])] if band is not None else [])
    for edge in edges:
        at = np.full(rows, min(max(edge, float(low)), top))
        found = value_at(at)
        better = found > best
        best = np.where(better, found, best)
        take = np.where(better, at, take)
    # shares in sorted order: whole items up to the take, then a part of the next
    before = cum_w - w_sorted
    shares = np.clip((take[:, None] - before) / w_sorted, 0.0, 1.0)
    placed = np.zeros((rows, len(w)), np.float64)
    np.put_along_axis(placed, order, shares, axis=1)
    chosen[:, heavy] = np.where(np.isfinite(best)[:, None], placed, 0.0)
    result: FloatArray = bonus + best
    return result, chosen


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
    """

    bound: float | None
    rounds: int
    relaxed: int


def can_shape(problem: AreaProblem) -> bool:
    """Whether :func:`shaped_bound` applies: a fresh proposal on the Voronoi model."""
    return problem.current.index is None and problem.practices.homes is None


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
    band: tuple[int, int] | None = (
        settings.band.min_population,
        settings.band.max_population,
    )
    penalty = settings.band_penalty * SCALE
    if low >= settings.band.min_population and high <= settings.band.max_population:
        band, penalty = None, 0.0
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


def _by_count(problem: AreaProblem, duals: Duals, floors: FloatArray) -> float:
    """Bound every plan by the duals, each piece's networks counted: ``Σπ + min_k k(σ + f)``.

    Every network of piece ``p`` has reduced cost at least ``floors[p]``, and the piece has
    ``k`` networks, ``k`` within its range: its plans cost at least
    ``Σ_{i∈p} π_i + k (σ_p + f_p)``. As :func:`~footprints.optimiser.colgen.lagrangian_value`,
    never below :func:`~footprints.optimiser.farley.lagrangian_bound`'s sum.
    """
    total = 0.0
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
    problem: AreaProblem, columns: Columns, lp: MasterLP, *, at: float, target: float = 0.0
) -> Shaped:
    """Shape the duals of ``lp`` (solved, over ``columns``) and prove a bound from them, by ``at``.

    ``lp`` gains relaxed columns (see the module) and is left solved over them: its duals
    and reduced costs are no longer those of the listed columns alone, and its value no
    bound. ``target`` is passed to :func:`~footprints.optimiser.farley.lagrangian_bound`.
    The bound is that of the last duals the rounds reached, proved over every network.
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
    rc = lp.reduced_costs(duals)
    listed = listed_floors(problem, columns, rc)
    found = lagrangian_bound(problem, duals, listed, deadline_at=at, target=target)
    bound = None
    if found is not None:
        for p, floor in zip(unlisted, found[1], strict=True):
            listed[p] = min(float(listed[p]), floor.value)
        bound = max(found[0], _by_count(problem, duals, listed))
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
        rounds,
        relaxed,
        "—" if bound is None else f"{bound:,.0f}",
        time.monotonic() - started,
    )
    return Shaped(bound if bound is None or math.isfinite(bound) else None, rounds, relaxed)
