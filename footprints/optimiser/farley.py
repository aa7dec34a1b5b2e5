"""A proved bound where not every candidate network could be listed: the Lagrangian bound.

Where a piece of an area has too many connected in-band groups to list, the master LP over
the columns at hand bounds only plans made of those columns. Its duals still bound every
plan (weak duality, Farley's bound): with ``π`` (practices), ``σ`` (network counts),
``μ`` (current networks), the moves' and the limits' duals, every column ``j`` has reduced
cost ``rc_j = c_j − a_j·y``, and every plan ``x`` of the rows costs

``Σ c_j x_j = Σ (a_j·y) x_j + Σ rc_j x_j ≥ D + Σ_p k_p · min(0, min_{j in p} rc_j)``

where ``D`` is the duals' bound (:attr:`~footprints.optimiser.master.Duals.bound`) and
``k_p`` the most networks piece ``p`` can have. :func:`lagrangian_bound` needs only a lower
bound on the least reduced cost of *every* column of a piece, listed or not;
:func:`reduced_cost_floor` proves one without listing, by a relaxation of the pricing problem:

- a network ``N`` costs at least ``network_cost`` plus its compactness
  ``Σ_{i∈N} p_i ‖x_i − c_N‖`` (``c_N`` its centre, inside the piece's bounding box) plus its
  straddling ``min_q Σ_{i∈N, patch_i≠q} p_i``; every other term is ``≥ 0``;
- so for a square ``R`` of centres (centre ``g``, half-diagonal ``r``) and a main patch
  ``q``, each practice is worth at most ``v_i = π_i − w p_i max(0, ‖x_i − g‖ − r) −
  s p_i [patch_i ≠ q]``, and the most any group in the population window can gain is at
  most the fractional knapsack ``max Σ v_i t_i``, ``low ≤ Σ p_i t_i ≤ high``,
  ``0 ≤ t ≤ 1`` (connectivity dropped);
- the squares covering the bounding box are split, best first, while time allows: the
  largest knapsack over the squares left is a valid bound at every moment.

The duals come from the master LP over the listed columns (:func:`unlisted_bound`), or,
where there is no LP at hand or its duals are too uneven, from one plan's own cost shares
(:func:`plan_bound`): each practice's share of its network's cost, evened out over its
neighbours and shifted per patient by a bisection until every network prices at ``≥ 0``.
Where even that search has no time, every network still costs at least ``network_cost``,
so a piece of at least ``k_min`` networks costs at least ``k_min × network_cost``. The
bounds hold for the usual objective only (not for a priority's measure).

Registration geography measures compactness from the patients' homes
(:func:`home_relaxation`): a network ``N`` costs ``P_N × RMS_N`` (``P`` list sizes,
``RMS`` the root-mean-square distance of its ``n_N`` patients' homes from their centre
``c``). Each practice's homes have ``n_i`` patients, mean ``m_i`` and mean squared spread
``s_i`` about it, so ``n_N RMS_N² = Σ n_i (s_i + ‖m_i − c‖²)`` and, ``√`` being concave,
``n_N RMS_N ≥ Σ n_i √(s_i + ‖m_i − c‖²)``; with ``P_i ≥ ρ n_i − e_i`` per practice
(``e_i = max(0, ρ n_i − P_i)``) and ``RMS_N ≤ R`` (the largest spread plus the squared
diagonal of the box of the ``m_i``), ``P_N RMS_N ≥ Σ_i (ρ n_i √(s_i + δ_i²) − e_i R)``,
``δ_i`` the distance from ``m_i`` to the square of centres: a term per practice, as under
the Voronoi model. Straddling is ``min_q Σ_i (patched_i − patients of i in q)`` over the
main patches ``q``: a term per practice for each. The other terms (containment, territory,
working patches) are ``≥ 0`` and left out.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from footprints.optimiser.candidates import (
    CandidateSets,
    FloatArray,
    HomeArrays,
    IntArray,
    bit_indices,
)
from footprints.optimiser.columns import Columns, piece_window
from footprints.optimiser.costs import SCALE, set_costs
from footprints.optimiser.master import Duals
from footprints.optimiser.pieces import Piece
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "FLOOR_SECONDS",
    "FLOOR_SHARE",
    "Floor",
    "HomeTerms",
    "home_relaxation",
    "knapsack_bounds",
    "knapsack_choices",
    "lagrangian_bound",
    "listed_floors",
    "match_free",
    "plan_bound",
    "reduced_cost_floor",
    "relaxed_penalty",
    "relaxed_window",
    "unlisted_bound",
]

FLOOR_SECONDS = 1.0
"""Most seconds one piece's relaxed pricing may take (the bound holds whenever it stops)."""
FLOOR_SHARE = 0.15
"""Most share of the time left that the relaxed pricing of all pieces may take."""

_START_SQUARES = 8
"""Squares per side of the first grid of centres over a piece's bounding box."""
_START_HOME_SQUARES = 4
"""The same on registration geography, where each square is priced for every patch its
homes reach (North West London 2021: 44; 64 squares took 0.2–0.5 s at a load of 7)."""
_BATCH = 32
"""Squares split at once (their 4 children are priced together)."""


def knapsack_bounds(
    values: FloatArray,
    weights: IntArray,
    low: int,
    high: int,
    *,
    band: tuple[int, int] | None = None,
    penalty: float = 0.0,
) -> FloatArray:
    """Per row of ``values``: the fractional knapsack ``max Σ v t − penalty·dev(Σ w t)``.

    Over ``0 ≤ t ≤ 1`` with ``low ≤ Σ w t ≤ high``; ``dev`` is how far the weight lies
    outside ``band`` (``0`` without one). Items of weight 0 count when their value is
    positive. Taking items by value per weight, best first, makes the value a concave
    piecewise-linear function of the weight taken (less the convex penalty), so its
    maximum is at a breakpoint: a whole number of items, a band edge or the window's ends.
    ``-inf`` where the items weigh less than ``low`` in all. See :func:`knapsack_choices`.
    """
    found, _ = knapsack_choices(
        values, weights, low, high, band=band, penalty=penalty, shares=False
    )
    return found


def knapsack_choices(
    values: FloatArray,
    weights: IntArray,
    low: int,
    high: int,
    *,
    band: tuple[int, int] | None = None,
    penalty: float = 0.0,
    shares: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Per row of ``values``: the fractional knapsack's optimum and the shares ``t`` taking it.

    The same problem as :func:`~footprints.optimiser.farley.knapsack_bounds`
    (``max Σ v t − penalty·dev(Σ w t)`` over ``0 ≤ t ≤ 1``, ``low ≤ Σ w t ≤ high``), with
    the maximiser: items by value per weight, best first, up to the best breakpoint.
    Items of weight 0 are taken when their value is positive. Rows with no choice in the
    window get ``-inf`` and ``t = 0``. ``shares=False`` skips the shares (all 0).
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
    if not shares:
        return bonus + best, chosen
    # shares in sorted order: whole items up to the take, then a part of the next
    before = cum_w - w_sorted
    part = np.clip((take[:, None] - before) / w_sorted, 0.0, 1.0)
    placed = np.zeros((rows, len(w)), np.float64)
    np.put_along_axis(placed, order, part, axis=1)
    chosen[:, heavy] = np.where(np.isfinite(best)[:, None], placed, 0.0)
    result: FloatArray = bonus + best
    return result, chosen


@dataclass
class Floor:
    """A lower bound on the reduced cost of every column of one piece.

    Parameters
    ----------
    value
        The bound (cost units).
    squares
        Squares of centres priced.
    complete
        Whether the squares were split until none could hold a column pricing below the
        target (else time or the square limit stopped the split).
    """

    value: float
    squares: int
    complete: bool


def reduced_cost_floor(
    problem: AreaProblem,
    piece: Piece,
    duals: Duals,
    *,
    piece_number: int,
    low: int,
    high: int,
    target: float = 0.0,
    seconds: float = FLOOR_SECONDS,
) -> Floor | None:
    """Prove a lower bound on the reduced cost of every column of ``piece``, listed or not.

    A column is any group of the piece's practices in ``[low, high]`` (connected or not:
    the relaxation drops connectivity), matched to any current network or none. See the
    module's docstring. The split of squares of centres stops once the bound reaches
    ``target`` or after ``seconds``. ``None`` when a side row (a limit) has a non-zero
    dual: its count over unlisted columns is not known.
    """
    if any(d != 0.0 for d in duals.limits):
        return None
    settings = problem.settings
    practices = problem.practices
    nodes = np.asarray(sorted(piece.nodes), np.int64)
    weights = practices.population[nodes].astype(np.int64)
    gains = duals.node[nodes].astype(np.float64)
    constant = settings.network_cost * SCALE - 0.5 - float(duals.piece[piece_number])
    constant -= max(0.0, float(duals.match.max()))
    if problem.current.index is not None:
        per_move = float(np.rint(settings.move_weight * SCALE)) - duals.moves
        constant += min(0.0, per_move) * len(nodes)
    homes = practices.homes
    compact = settings.compactness_weight * SCALE
    home: HomeTerms | None = None
    if homes is None:
        straddle = settings.straddle_weight * SCALE
        patch = practices.patch[nodes]
        patches = np.unique(patch[patch >= 0]) if straddle > 0 else np.zeros(0, np.int64)
        if not len(patches):
            patches = np.full(1, -1, np.int64)
        # per main patch q: what each practice pays for lying outside it (none without one)
        outside = np.stack(
            [straddle * weights * ((patch != q) & (patch >= 0)) for q in patches]
        ).astype(np.float64)
        xs, ys = practices.x_km[nodes], practices.y_km[nodes]
    else:
        home = home_relaxation(homes, practices.population, nodes)
        outside = settings.home_straddle_weight * SCALE * home.outside
        xs, ys = home.x, home.y
        if not np.any(home.weight > 0):
            compact = 0.0  # no homes: no compactness to bound
    band, penalty = relaxed_penalty(problem, low, high)

    def price(squares: list[tuple[float, float, float]]) -> FloatArray:
        """Return the best knapsack over every main patch, per square ``(x, y, half side)``."""
        sq = np.asarray(squares, np.float64)
        if compact > 0:
            d = np.hypot(xs[None, :] - sq[:, 0:1], ys[None, :] - sq[:, 1:2])
            reach = np.clip(d - sq[:, 2:3] * math.sqrt(2.0), 0.0, None)
            if home is None:
                base = gains[None, :] - compact * weights[None, :] * reach
            else:
                base = gains[None, :] - compact * home.cost(reach)
        else:
            base = np.repeat(gains[None, :], len(sq), axis=0)
        values = (base[:, None, :] - outside[None, :, :]).reshape(-1, len(nodes))
        best = knapsack_bounds(values, weights, low, high, band=band, penalty=penalty).reshape(
            len(sq), len(outside)
        )
        out: FloatArray = best.max(axis=1)
        return out

    started = time.monotonic()
    boxed = (home.weight > 0) if home is not None and compact > 0 else np.ones(len(xs), bool)
    x0, x1 = float(xs[boxed].min()), float(xs[boxed].max())
    y0, y1 = float(ys[boxed].min()), float(ys[boxed].max())
    side = _START_SQUARES if home is None else _START_HOME_SQUARES
    half = max(x1 - x0, y1 - y0, 1e-3) / (2 * side)
    first = [
        (x0 + (2 * a + 1) * half, y0 + (2 * b + 1) * half, half)
        for a in range(side)
        for b in range(side)
    ]
    if compact <= 0:
        first = first[:1]
    gained = price(first)
    heap = [(-float(g), square) for g, square in zip(gained, first, strict=True)]
    heapq.heapify(heap)
    priced = len(first)
    enough = constant - target  # a square gaining at most this cannot price below target
    complete = True
    while heap and -heap[0][0] > enough and compact > 0:
        if time.monotonic() - started > seconds:
            complete = False
            break
        batch = [heapq.heappop(heap) for _ in range(min(_BATCH, len(heap)))]
        children = [
            (x + dx * h / 2, y + dy * h / 2, h / 2)
            for _, (x, y, h) in batch
            for dx in (-1, 1)
            for dy in (-1, 1)
        ]
        for g, square in zip(price(children), children, strict=True):
            heapq.heappush(heap, (-float(g), square))
        priced += len(children)
    best_gain = -heap[0][0] if heap else -math.inf
    if compact <= 0:
        complete = best_gain <= enough
    return Floor(constant - best_gain, priced, complete)


@dataclass
class HomeTerms:
    """Per practice of a piece, the relaxed home compactness and straddling terms.

    See the module's docstring: a network's ``P_N RMS_N`` is at least ``Σ_i cost_i(δ_i)``
    with ``cost_i(δ) = weight_i √(spread_i + δ²) − discount_i``, ``δ_i`` the distance from
    the practice's mean home ``(x_i, y_i)`` to the network's centre; ``outside[q, i]`` is
    practice ``i``'s patients living outside patch ``q`` (per main patch ``q``).
    """

    x: FloatArray
    y: FloatArray
    weight: FloatArray
    spread: FloatArray
    discount: FloatArray
    outside: FloatArray

    def cost(self, reach: FloatArray) -> FloatArray:
        """Return each practice's least compactness (patient-km) at distances ``reach``."""
        out: FloatArray = self.weight * np.sqrt(self.spread + reach * reach) - self.discount
        return out


def home_relaxation(homes: HomeArrays, population: IntArray, nodes: IntArray) -> HomeTerms:
    """Return the practices ``nodes``' relaxed home terms (see :class:`HomeTerms`).

    ``ρ`` is the practices' list size per patient with a home at which their own least
    compactness summed peaks (see the code); a practice below it (its list size
    ``P_i < ρ n_i``) is discounted ``(ρ n_i − P_i) R``, ``R`` the largest RMS distance any
    network of them can have. Practices without homes cost nothing. Spreads are rounded
    down a little: floats must not raise a bound.
    """
    n = homes.patients[nodes].astype(np.float64)
    some = n > 0
    share = np.divide(1.0, n, out=np.zeros_like(n), where=some)
    x = homes.sum_x[nodes] * share
    y = homes.sum_y[nodes] * share
    mean_sq = homes.sum_sq[nodes] * share
    spread = np.clip(mean_sq - x * x - y * y - 1e-9 * mean_sq, 0.0, None)
    lists = population[nodes].astype(np.float64)
    if not some.any():
        zeros = np.zeros(len(nodes), np.float64)
        return HomeTerms(x, y, zeros, zeros, zeros, _home_outside(homes, nodes))
    diagonal = math.hypot(
        float(x[some].max() - x[some].min()), float(y[some].max() - y[some].min())
    )
    largest = math.sqrt(float(spread[some].max()) + diagonal * diagonal) * (1 + 1e-9)
    # ρ: the practices' own least compactness summed is concave, piecewise linear in it,
    # with its peak at one of their ratios
    ratios = np.unique(lists[some] / n[some])
    own = n[some] * np.sqrt(spread[some])
    value = [
        r * float(own.sum()) - largest * float(np.clip(r * n[some] - lists[some], 0, None).sum())
        for r in ratios.tolist()
    ]
    rho = float(ratios[int(np.argmax(value))])
    short = np.where(some, np.clip(rho * n - lists, 0.0, None), 0.0)
    x = np.where(some, x, float(x[some].mean()))
    y = np.where(some, y, float(y[some].mean()))
    return HomeTerms(
        x, y, rho * n, np.where(some, spread, 0.0), short * largest, _home_outside(homes, nodes)
    )


def _home_outside(homes: HomeArrays, nodes: IntArray) -> FloatArray:
    """Per main patch (a column of ``homes.patches``), each practice's patients outside it."""
    patched = homes.patched[nodes].astype(np.float64)
    if homes.patches.shape[1] == 0:
        return patched[None, :]
    out: FloatArray = patched[None, :] - homes.patches[nodes].T.astype(np.float64)
    return out


def lagrangian_bound(
    problem: AreaProblem,
    duals: Duals,
    listed_floor: FloatArray,
    *,
    deadline_at: float,
    target: float = 0.0,
) -> tuple[float, list[Floor]] | None:
    """Bound every plan of the area from the duals of a master LP over some of its columns.

    ``listed_floor[p]`` is the least reduced cost of the listed columns of piece ``p``
    (``inf`` for none). Pieces whose candidates were all listed (``bounded``) need nothing
    more; the others get :func:`reduced_cost_floor`, sharing the time up to
    ``deadline_at`` (``time.monotonic()``). ``target``: a reduced cost that is low enough
    not to matter (pricing of a piece stops once its floor reaches it).

    Returns
    -------
    (bound, floors) or None
        The bound (cost units, not rounded) and the floor of each unlisted piece; ``None``
        when a piece's floor cannot be proved (see :func:`reduced_cost_floor`).
    """
    total = duals.bound
    floors: list[Floor] = []
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    for n, p in enumerate(unlisted):
        piece = problem.pieces[p]
        low, high = relaxed_window(problem, piece)
        left = max(0.05, (deadline_at - time.monotonic()) / (len(unlisted) - n))
        floor = reduced_cost_floor(
            problem,
            piece,
            duals,
            piece_number=p,
            low=low,
            high=high,
            target=target,
            seconds=min(FLOOR_SECONDS, left),
        )
        if floor is None:
            return None
        floors.append(floor)
        listed_floor = listed_floor.copy()
        listed_floor[p] = min(float(listed_floor[p]), floor.value)
    for p, piece in enumerate(problem.pieces):
        most = piece.k_range[1] if piece.k_range is not None else len(piece.nodes)
        total += most * min(0.0, float(listed_floor[p]))
    return total, floors


def listed_floors(problem: AreaProblem, columns: Columns, rc: FloatArray) -> FloatArray:
    """Per piece: the least reduced cost ``rc`` of its listed columns (``inf`` for none)."""
    floors = np.full(len(problem.pieces), np.inf)
    if len(rc):
        np.minimum.at(floors, columns.set_piece[columns.col_set], rc)
    return floors


def match_free(duals: Duals, columns: Columns, rc: FloatArray) -> tuple[Duals, FloatArray]:
    """Return ``duals`` without their matching rows' term, and each column's ``rc`` charged it.

    Repair mode: a plan's cost is ``D + Σ_j rc_j x_j`` where ``D`` holds
    ``Σ_m μ_m n_m ≥ Σ_m min(0, μ_m)`` (``n_m ≤ 1`` networks matched to current network
    ``m``). Charging each column matched to ``m`` its ``min(0, μ_m)`` instead
    (``rc'_j = rc_j + min(0, μ_m)``) gives ``Σ_j rc_j x_j + Σ_m μ_m n_m ≥ Σ_j rc'_j x_j``, so
    ``D − Σ_m min(0, μ_m) + Σ_p k_p min(0, f'_p)`` bounds every plan, ``f'_p`` a floor on
    ``rc'`` over piece ``p``. :func:`reduced_cost_floor` is one already: a column's ``rc'``
    is its cost less its duals less ``max(0, μ_m)``, which it takes at most. A degenerate
    master puts much of the cost on ``μ`` (tens of networks at ``−10⁶`` each): the bound
    keeps it where the columns pay it. Unchanged without a current plan (``μ = 0``).
    """
    credit = np.minimum(duals.match, 0.0)  # the last entry (no match) is 0
    charged: FloatArray = rc + credit[columns.col_match]
    return replace(duals, bound=duals.bound - float(credit.sum())), charged


def unlisted_bound(
    problem: AreaProblem,
    columns: Columns,
    duals: Duals,
    rc: FloatArray,
    plan: IntArray | None,
) -> float | None:
    """Bound every plan from a master LP over some columns, and from a plan's cost shares.

    The better of :func:`lagrangian_bound` (the LP's ``duals`` and its columns' reduced
    costs ``rc``; skipped when the duals are degenerate) and :func:`plan_bound` (the columns
    ``plan``, when given), in at most :data:`FLOOR_SHARE` of the time left. ``None`` when
    neither can be proved.
    """
    deadline = problem.deadline
    seconds = FLOOR_SHARE * max(0.0, deadline.left())
    end = time.monotonic() + seconds
    most = sum(
        piece.k_range[1] if piece.k_range is not None else len(piece.nodes)
        for piece in problem.pieces
    )
    best: float | None = None
    # A degenerate LP's duals (a practice's above any column's cost) leave a relaxation
    # without connectivity nothing to bound: the time goes to the plan's shares instead.
    if len(columns) and float(np.abs(duals.node).max()) <= float(columns.col_cost.max()):
        duals, rc = match_free(duals, columns, rc)
        found = lagrangian_bound(
            problem,
            duals,
            listed_floors(problem, columns, rc),
            deadline_at=end - seconds / 2,
            target=-1.0 / max(1, most),
        )
        best = found[0] if found is not None else None
    if plan is not None and len(plan):
        networks = [columns.sets.members_of(int(s)) for s in columns.col_set[plan]]
        shares, _ = plan_bound(problem, networks, seconds=max(0.05, end - time.monotonic()))
        best = shares if best is None else max(best, shares)
    return best


SHARES = (0.9,)
"""Scalings ``θ`` of a plan's cost shares tried by :func:`plan_bound`."""
HALVINGS = 10
"""Steps of the bisection on the per-patient dual ``φ`` in :func:`plan_bound`."""


def relaxed_penalty(
    problem: AreaProblem, low: int, high: int
) -> tuple[tuple[int, int] | None, float]:
    """Return the band and the penalty per patient outside it, for a window ``[low, high]``.

    Out of the band (a soft piece's window), a network pays the band penalty per patient;
    a window inside the band pays none (``None``, 0).
    """
    settings = problem.settings
    if low >= settings.band.min_population and high <= settings.band.max_population:
        return None, 0.0
    band = (settings.band.min_population, settings.band.max_population)
    return band, settings.band_penalty * SCALE


def relaxed_window(problem: AreaProblem, piece: Piece) -> tuple[int, int]:
    """Return a population window holding every column the piece can have.

    The piece's window (:func:`~footprints.optimiser.columns.piece_window`), widened to a
    single practice over its top (repair mode keeps those alone) and, for a soft piece
    under a move budget, to the whole piece (the current out-of-band networks join then).
    """
    low, high = piece_window(problem, piece)
    population = problem.practices.population
    high = max(high, int(population[sorted(piece.nodes)].max(initial=0)))
    if piece.k_range is None and problem.settings.max_moves is not None:
        low, high = 0, max(high, piece.population)
    return low, high


def plan_bound(
    problem: AreaProblem, networks: list[list[int]], *, seconds: float
) -> tuple[float, list[Floor]]:
    """Bound every plan of the area from the cost shares of one plan, without any LP.

    Each practice ``i`` of network ``N`` of ``networks`` (a plan of the area) gets the dual
    ``π_i = θ cost(N) p_i / P_N + φ p_i`` (an even share of ``cost(N)`` where ``N`` has no
    patients). Every network of the piece then has a reduced cost of at least the floor
    ``f`` (:func:`reduced_cost_floor`), and the piece's networks cover its population
    ``P`` exactly once, so every plan of a piece of at least ``k_min`` networks costs at least
    ``θ A + φ P + k_min f`` where ``f ≥ 0`` (``A``: the shares' sum). For each ``θ`` of
    :data:`SHARES`, ``φ`` is the largest that :data:`HALVINGS` halvings prove to keep
    ``f ≥ 0``; the best ``θ`` is kept, per piece, within ``seconds`` in all. On registration
    geography each practice's own least compactness (:func:`home_relaxation` at its own
    homes' centre) is tried as the shares too: every network costs at least the sum of its
    practices', whatever the plan, so those duals bound far above the fixed costs where a
    plan's shares do not.

    Returns
    -------
    bound, floors
        The bound (cost units, not rounded) and each piece's floor at its best ``(θ, φ)``.
    """
    practices = problem.practices
    population = practices.population.astype(np.float64)
    share = np.zeros(len(practices), np.float64)
    if networks:
        sizes, cost = set_costs(CandidateSets.of(networks), practices, problem.settings)
        for members, total, size in zip(networks, cost.tolist(), sizes.tolist(), strict=True):
            share[members] = total * (population[members] / size if size > 0 else 1 / len(members))
    share = _smoothed(problem, share)
    candidates = [theta * share for theta in SHARES]
    if practices.homes is not None:  # each practice's own least compactness: tried first
        candidates.insert(0, _own_costs(problem))
    zeros = np.zeros(len(problem.pieces) + 1, np.float64)
    started = time.monotonic()
    per = seconds / max(1, len(problem.pieces) * len(candidates) * (HALVINGS + 1))
    total_bound = 0.0
    floors: list[Floor] = []
    longest = [0.0]  # the longest relaxed search so far: none starts that it would end late
    for p, piece in enumerate(problem.pieces):
        nodes = sorted(piece.nodes)
        window = relaxed_window(problem, piece)
        weight = float(population[nodes].sum())
        # a soft piece has no count row, but no column weighs more than the window's top
        fewest = (
            piece.k_range[0]
            if piece.k_range is not None
            else max(1, math.ceil(weight / max(1, window[1])))
        )
        best: tuple[float, Floor] | None = None

        def floor_at(
            base: FloatArray,
            phi: float,
            *,
            piece: Piece = piece,
            p: int = p,
            window: tuple[int, int] = window,
        ) -> Floor:
            duals = Duals(base + phi * population, zeros, np.zeros(1), 0.0, [], 0.0)
            began = time.monotonic()
            found = reduced_cost_floor(
                problem, piece, duals, piece_number=p, low=window[0], high=window[1], seconds=per
            )
            longest[0] = max(longest[0], time.monotonic() - began)
            assert found is not None  # no limits here
            return found

        def late() -> bool:
            return time.monotonic() + longest[0] - started > seconds

        for number, base in enumerate(candidates):
            if best is not None and late():
                break
            amount = float(base[nodes].sum())
            spread = max(0.0, amount / weight if weight > 0 else 0.0)
            rates = base[nodes] / np.maximum(population[nodes], 1.0)
            # at lo every practice with patients has pi <= 0: f >= 0 is quick to prove
            lo, hi = -float(rates.max(initial=0.0)), spread
            if number == 0 and practices.homes is not None:
                # the practices' own costs: no practice gains more than φ p_i, so no network
                # (at most the window's top) more than φ × top: f ≥ 0 up to the fixed cost
                # per patient of the top, proved without a search
                lo = (problem.settings.network_cost * SCALE - 0.5) / max(1, window[1])
                kept = Floor(0.0, 0, True)
            else:
                kept = floor_at(base, lo)
            if kept.value < 0:  # pay the piece's networks at most f < 0 each
                most = piece.k_range[1] if piece.k_range is not None else len(nodes)
                value = amount + lo * weight + most * kept.value
            else:
                for _ in range(HALVINGS):
                    if late():
                        break
                    mid = (lo + hi) / 2
                    found = floor_at(base, mid)
                    if found.value >= 0:
                        lo, kept = mid, found
                    else:
                        hi = mid
                value = amount + lo * weight + fewest * kept.value

            if best is None or value > best[0]:
                best = (value, kept)
        assert best is not None
        # every network costs at least network_cost: a floor that needs no search
        least = fewest * (problem.settings.network_cost * SCALE - 0.5)
        if least > best[0]:
            best = (least, best[1])
        total_bound += best[0]
        floors.append(best[1])
    return total_bound, floors


def _own_costs(problem: AreaProblem) -> FloatArray:
    """Per practice: its least home compactness in a network centred on its own homes.

    :meth:`HomeTerms.cost` at distance 0, piece by piece (cost units); 0 outside a piece.
    """
    practices = problem.practices
    assert practices.homes is not None
    own = np.zeros(len(practices), np.float64)
    weight = problem.settings.compactness_weight * SCALE
    for piece in problem.pieces:
        nodes = np.asarray(sorted(piece.nodes), np.int64)
        terms = home_relaxation(practices.homes, practices.population, nodes)
        own[nodes] = weight * terms.cost(np.zeros(len(nodes)))
    return own


def _smoothed(problem: AreaProblem, share: FloatArray) -> FloatArray:
    """Each practice's share at most the mean cost per patient of it and its neighbours.

    A network's cost shares are even per patient; where a costly network meets a cheap
    one, the relaxation would join the costly one's practices to the cheap one's and
    price them below 0. Lower shares keep the relaxation's floor up.
    """
    practices = problem.practices
    population = practices.population.astype(np.float64)
    rate = np.where(population > 0, share / np.maximum(population, 1.0), 0.0)
    out = rate.copy()
    for i in range(len(practices)):
        around = [j for j in bit_indices(practices.neighbours[i]) if population[j] > 0]
        if population[i] > 0 and around:
            out[i] = min(rate[i], float(np.mean([rate[i], *rate[around]])))
    smoothed: FloatArray = np.where(population > 0, out * population, share)
    return smoothed
