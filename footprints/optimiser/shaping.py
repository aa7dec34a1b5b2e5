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
Where the rounds end before that floor reaches 0, the duals scaled down by ``α`` often prove
more (:func:`scaled_bound`): they keep ``α`` of the dual bound while the floor, which the
bound counts once per network, rises towards 0 (fresh and in repair mode alike).

The usual objective on the Voronoi model only (no side rows). On registration geography
the relaxed pricing prices the homes (:func:`~footprints.optimiser.farley.home_relaxation`),
but rounds shaped against it took 1.5–2.8 s of the app's 20 s and proved less than the
practices' own least compactness (BENCHMARKS.md, session 19). Fresh proposals and repair mode
alike: in repair mode the relaxed columns leave out the move cost and match no current
network, as the relaxed pricing of :func:`~footprints.optimiser.farley.reduced_cost_floor`
does (each move costs at least 0); the bound charges the matching rows' duals to the
columns (:func:`~footprints.optimiser.farley.match_free`) and counts the budget row's.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from footprints.errors import SolverError
from footprints.optimiser.candidates import FloatArray, IntArray, bit_indices
from footprints.optimiser.columns import Columns
from footprints.optimiser.costs import SCALE
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.farley import (
    Floor,
    knapsack_choices,
    lagrangian_bound,
    listed_floors,
    match_free,
    reduced_cost_floor,
    relaxed_penalty,
    relaxed_window,
)
from footprints.optimiser.master import Duals, MasterLP
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "ROUND_COLUMNS",
    "SCALED_SECONDS",
    "SCALED_SHARE",
    "SCALE_STEP",
    "SCALE_STEPS",
    "SHAPE_SHARE",
    "Shaped",
    "can_shape",
    "first_scale",
    "prove_shaped",
    "scaled_bound",
    "shaped_bound",
]

logger = logging.getLogger(__name__)

SHAPE_SHARE = 0.4
"""Share of the time left that the shaping rounds and the bound they prove may take."""
ROUND_COLUMNS = 400
"""Most relaxed columns one piece adds to the master per round (the most negative)."""
_FINAL_SHARE = 0.4
"""Share of the shaping's time kept for proving the bound on the last duals."""
SCALE_STEPS = 3
"""Most scales of the shaped duals tried after the first guess (see :func:`prove_shaped`)."""
SCALE_STEP = 0.05
"""How far apart the scales tried are."""
SCALED_SECONDS = 0.3
"""Fewest seconds one scale's relaxed search takes (less proves little on Kent and Medway)."""
SCALED_SHARE = 0.6
"""Share of the bound's time for the scaled duals (the rest proves the shaped duals' own)."""


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
    unshaped
        Whether no round ended while relaxed columns still priced below 0 (the deadline
        came first, or GLOP failed): ``duals`` are then the listed master's own, not shaped
        ones (E54000007 and E54000008 at 15 s: exact pricing's first round at them did not
        end in its time).
    """

    bound: float | None
    rounds: int
    relaxed: int
    duals: tuple[FloatArray, FloatArray] | None = None
    pending: tuple[Duals, FloatArray, int | None, float, float] | None = None
    unshaped: bool = False


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


def scaled_bound(
    problem: AreaProblem,
    columns: Columns,
    duals: Duals,
    rc: FloatArray,
    alpha: float,
    *,
    seconds: float,
    max_moves: int | None = None,
) -> tuple[float | None, bool]:
    """Prove a bound over every plan at the duals ``alpha ×`` ``duals`` (fresh or repair).

    Any duals bound every plan (weak duality): ``Σ_i α π_i + Σ_p min_k k (α σ_p + f_p)``,
    ``f_p`` a floor on ``c_j − α π(j) − α σ_p`` over every network of piece ``p``
    (:func:`_by_count`). The shaping rounds stop before the relaxed pricing finds nothing
    below 0 over every centre, and the bound multiplies that floor by the most networks
    (Kent and Medway: a floor of −2.4 M cost units × 63 networks takes 151 M off a dual
    bound of 454 M); scaled down, the duals lose ``(1 − α)`` of the dual bound but the floor
    rises towards 0, and the bound, concave in ``α``, can rise (Kent: 298 M at ``α`` 1,
    370 M at 0.85). ``rc``: the listed columns' reduced costs at ``duals``; theirs at the
    scaled duals are ``α rc + (1 − α) c``. Each unlisted piece's relaxed search shares
    ``seconds`` and stops once its floor is proved at least 0. In repair mode ``duals`` are
    match-free (:func:`~footprints.optimiser.farley.match_free`, ``rc`` charged so): the
    matching rows' and the move budget's duals scale too (``max_moves``: the master's
    budget, ``None`` without one), and every sign stays as the rows ask.

    Returns
    -------
    (bound, reached)
        The bound (``None`` where it does not apply: side rows; or where no floor could be
        proved) and whether every piece's floor was proved at least 0 (the
        search was not cut by time): the bound is then about ``α`` × the dual bound, and a
        larger ``α`` may do better.
    """
    if any(d != 0.0 for d in duals.limits):
        return None, False
    scaled = replace(
        duals,
        node=alpha * duals.node,
        piece=alpha * duals.piece,
        match=alpha * duals.match,
        moves=alpha * duals.moves,
        bound=alpha * duals.bound,
    )
    floors = listed_floors(
        problem, columns, alpha * rc + (1.0 - alpha) * columns.col_cost.astype(np.float64)
    )
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    started = time.monotonic()
    reached = True
    for n, p in enumerate(unlisted):
        piece = problem.pieces[p]
        low, high = relaxed_window(problem, piece)
        left = max(0.02, (started + seconds - time.monotonic()) / (len(unlisted) - n))
        floor = reduced_cost_floor(
            problem, piece, scaled, piece_number=p, low=low, high=high, seconds=left
        )
        if floor is None:
            return None, False
        reached = reached and floor.complete
        floors[p] = min(float(floors[p]), floor.value)
    bound = _by_count(problem, scaled, floors, max_moves)
    return (bound, reached) if math.isfinite(bound) else (None, False)


def first_scale(columns: Columns, floor: float) -> float:
    """Guess the scale of the duals at which the relaxed pricing's floor reaches 0.

    The network ``j`` at the floor ``f = c_j − π(j) − σ`` has, at the duals scaled by
    ``α``, reduced cost ``c_j − α (c_j − f)``: 0 at ``α = c_j / (c_j − f)``. Its cost is not
    known (the relaxed search gives only the floor), so a typical network's stands in: the
    median cost of the listed columns. The floor at that scale is about 0 and the bound
    there about ``α`` × the dual bound (Kent and Medway: 0.63 from a floor of −6.4 M and a
    median of 10.9 M; the bound's peak was at 0.6).
    """
    if floor >= 0.0 or not len(columns.col_cost):
        return 1.0
    typical = float(np.median(columns.col_cost))
    if typical <= 0.0:
        return 1.0
    return min(1.0, max(SCALE_STEP, typical / (typical - floor)))


def _best_scale(
    problem: AreaProblem,
    columns: Columns,
    duals: Duals,
    rc: FloatArray,
    floors: list[Floor],
    *,
    at: float,
    max_moves: int | None = None,
) -> float:
    """Return the best bound of the shaped duals scaled (:func:`scaled_bound`) by ``at``.

    From :func:`first_scale` of the lowest floor, :data:`SCALE_STEP` up while the bound
    rises, else down while it rises (concave in the scale, up to the relaxed search being
    cut by time): at most ``1 +`` :data:`SCALE_STEPS` scales, each at least
    :data:`SCALED_SECONDS`. ``-inf`` where no scale proved a bound.
    """
    lowest = min((f.value for f in floors), default=0.0)
    if lowest >= 0.0:
        return -math.inf  # the shaped duals' own floors are at 0: nothing to scale for
    alpha = first_scale(columns, lowest)
    tries = 1 + SCALE_STEPS

    def value(scale: float, n: int) -> float:
        seconds = max(SCALED_SECONDS, (at - time.monotonic()) / (tries - n))
        found, _ = scaled_bound(
            problem, columns, duals, rc, scale, seconds=seconds, max_moves=max_moves
        )
        logger.debug(
            "area %s: duals scaled by %.2f: bound %s",
            problem.name,
            scale,
            "—" if found is None else f"{found:,.0f}",
        )
        return -math.inf if found is None else found

    best = value(alpha, 0)
    here, n, direction = alpha, 1, 1.0
    while n < tries and time.monotonic() < at:
        step = here + direction * SCALE_STEP
        if 0.0 < step < 1.0:  # the scale 1 is the shaped duals' own bound
            found = value(step, n)
            n += 1
            if found > best:
                best, here = found, step
                continue
        if direction < 0 or here != alpha:
            break  # past the peak
        direction = -1.0  # nothing better above the first guess: try below it
    return best


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
    settled = False  # no relaxed column priced below 0: the duals are shaped as they are
    while not deadline.passed():
        added = _round(problem, lp, sites, duals)
        if not added:
            settled = True
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
    shaped.unshaped = not rounds and not settled
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

    A :class:`Shaped` without duals, or already proved, is returned as it is. Without side
    rows (fresh or in repair mode) :data:`SCALED_SHARE` of the time goes to the duals
    scaled down
    (:func:`scaled_bound`), from the scale at which the floor should reach 0
    (:func:`first_scale`); the best bound found is returned.
    """
    if shaped.pending is None:
        return shaped
    started = time.monotonic() if started is None else started
    duals, rc, max_moves, target, _ = shaped.pending
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    listed = listed_floors(problem, columns, rc)
    scales = not any(d != 0.0 for d in duals.limits)
    own_at = at - SCALED_SHARE * max(0.0, at - time.monotonic()) if scales else at
    found = lagrangian_bound(problem, duals, listed, deadline_at=own_at, target=target)
    bound = None
    if found is not None:
        for p, floor in zip(unlisted, found[1], strict=True):
            listed[p] = min(float(listed[p]), floor.value)
        bound = max(found[0], _by_count(problem, duals, listed, max_moves))
    if bound is not None and scales and found is not None:
        scaled = _best_scale(problem, columns, duals, rc, found[1], at=at, max_moves=max_moves)
        bound = max(bound, scaled)
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
        return Shaped(None, shaped.rounds, shaped.relaxed, unshaped=shaped.unshaped)
    return Shaped(bound, shaped.rounds, shaped.relaxed, shaped.duals, unshaped=shaped.unshaped)
