"""A proved bound where not every candidate can be listed: exact pricing of the usual cost.

Where a piece has too many connected in-band groups to list, :mod:`~footprints.optimiser.
farley` bounds every plan from duals and a *relaxed* pricing (connectivity dropped), which
is weak. Here the pricing problem — the least reduced cost ``cost(N) − Σ_{i∈N} π_i − σ_p``
over every connected group ``N`` of piece ``p`` in its population window, keeping the
locks — is solved **exactly**, by the depth-first search of
:func:`~footprints.optimiser.pricing.search_from` (each group once), with the usual cost
kept incrementally (:class:`VoronoiCost`, :class:`HomesCost`) and each branch cut by a
lower bound on the cost of every group holding its practices:

- **Voronoi**: ``Σ w_i ‖x_i − c_N‖`` (``c_N`` the weighted centre) is at least the
  geometric-median value of ``N``, which only grows as practices join; it is bounded below
  by the dual certificate at the centre: ``C / (1 + ‖Σ w_i u_i‖ / W)`` with ``u_i`` the
  unit vectors from the centre (at least half of ``C``, nearly all of it for a balanced set);
- **registration geography**: ``P × RMS`` is ``sqrt(P² / n × SSE)``; the squared
  deviations ``SSE`` only grow, ``P`` reaches at least the window's bottom, and ``P / n``
  is at least the least ratio of any practice that can join;
- straddling (``Σ − largest`` per patch) and the patches touched only grow; the band
  penalty above the band only grows; mixing is at least 0.

Every complete pricing proves a Lagrangian bound (:func:`lagrangian_value`): any plan
costs at least ``Σ_i π_i + Σ_p min_{k ∈ [k_lo, k_hi]} k (σ_p + r_p)`` with ``r_p`` the
least reduced cost of piece ``p`` (listed pieces: over their listed columns), whatever
duals are priced. :func:`priced_bound` runs column generation over the columns at hand
with Wentges smoothing — each round prices at ``α π_best + (1 − α) π_LP``, ``π_best``
the duals of the best bound so far, starting from the incumbent plan's cost shares — and
keeps the best bound of any complete round, so a deadline that cuts it short still leaves
a valid bound. Between complete rounds it prices *partially* (at the LP's own duals, each
piece's search stopped at :data:`PARTIAL` groups pricing below 0): such a round proves
nothing, but it moves the LP on in a fraction of a complete round's time. Fresh proposals
of the usual objective only (no current plan to match, no side rows).

Where the first complete round's floors are below 0 (the shaped duals of a large planning
area: up to −170,000 patient-km a network, times its 30–60 networks), it also prices the
same duals scaled by ``α`` in (0, 1) (:func:`scaled_round`): any duals bound every plan,
and the scaled ones price each network at ``α rc + (1 − α) cost``, so that the floor
reaches 0 at some ``α`` and the bound there is about ``α`` times the duals' own sum. These
rounds are cheap (the fewer networks price below 0, the less the search explores) and
take at most :data:`SCALE_TIME` times the first round's time. Before them it *repairs* the
first round's duals (:func:`repaired_round`): only the duals of the practices of the groups
found below 0 are lowered, each by its share of such a group's deficit, and priced again
(at most :data:`REPAIR_ROUNDS` rounds within :data:`REPAIR_TIME` times the first round's
time). Where the duals overshoot in a few places rather than everywhere (the large
planning areas' shaped duals) that keeps most of their sum: E54000050's first round bounds
−55.0 M patient-km, scaled 2.4 M, repaired 6.6 M. The better of the two becomes the
stability centre.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import (
    CandidateSets,
    EnumerationTimeoutError,
    FloatArray,
    IntArray,
)
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.costs import SCALE, set_costs
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.farley import relaxed_window
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.pieces import Piece
from footprints.optimiser.pricing import LimitReachedError, search_from
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import usual_costs

__all__ = [
    "FULL_RESERVE",
    "PARTIAL",
    "REPAIR_ROUNDS",
    "REPAIR_TIME",
    "ROUND_LIMIT",
    "SCALE_STEPS",
    "SCALE_TIME",
    "SMOOTHING",
    "HomesCost",
    "PricedBound",
    "Pricing",
    "VoronoiCost",
    "can_price",
    "lagrangian_value",
    "network_cost",
    "price_exactly",
    "priced_bound",
    "repaired_round",
    "scaled_round",
]

logger = logging.getLogger(__name__)

ROUND_LIMIT = 400
"""Columns one piece's pricing keeps per round; past it only better ones (the least proved)."""
SMOOTHING = 0.7
"""Wentges' ``α``: the weight of the best-bound duals in the duals priced."""
PARTIAL = 50
"""Groups per piece at which a partial pricing round of :func:`priced_bound` stops."""
FULL_RESERVE = 1.5
"""Times the last complete round's time left before :func:`priced_bound`'s deadline at
which it prices completely again (partial rounds before, which prove nothing)."""
SCALE_STEPS = 6
"""Scales :func:`scaled_round` prices (a bisection on where the least floor reaches 0)."""
SCALE_TIME = 1.0
"""Times the first complete round's time that :func:`scaled_round` may take after it."""
REPAIR_ROUNDS = 6
"""Most pricing rounds of :func:`repaired_round`."""
REPAIR_TIME = 3.0
"""Times the first complete round's time that :func:`repaired_round` may take after it."""
_STRIDE = 7
"""Roots each partial round's search starts past the last one's (the groups found vary)."""

_SLACK = 1.0
"""Cost units allowed for rounding between the search's costs and :func:`set_costs`."""


class VoronoiCost:
    """The usual cost of a group under the Voronoi model, kept as practices join and leave.

    In cost units (:data:`~footprints.optimiser.costs.SCALE` per patient-km); see the
    module's docstring for the bound :meth:`push` returns.
    """

    def __init__(self, problem: AreaProblem) -> None:
        practices = problem.practices
        settings = problem.settings
        self.w = practices.population.astype(np.float64).tolist()
        self.x = practices.x_km.tolist()
        self.y = practices.y_km.tolist()
        self.patch = practices.patch.tolist()
        self.fixed = settings.network_cost * SCALE
        self.compact = settings.compactness_weight * SCALE
        self.straddle = settings.straddle_weight * SCALE
        self.touch = settings.patch_weight * SCALE
        self.penalty = settings.band_penalty * SCALE
        self.outside = settings.out_of_band_cost * SCALE
        self.band = (settings.band.min_population, settings.band.max_population)
        self.members: list[int] = []
        # per level: (W, Σwx, Σwy, per-patch list sizes, compactness, bound)
        self.levels: list[tuple[float, float, float, dict[int, float], float, float]] = []

    def push(self, i: int) -> float:
        """Add practice ``i``; return a lower bound on the cost of every group holding these."""
        if self.levels:
            weight, sx, sy, patches, _, _ = self.levels[-1]
        else:
            weight, sx, sy, patches = 0.0, 0.0, 0.0, {}
        w = self.w[i]
        weight, sx, sy = weight + w, sx + w * self.x[i], sy + w * self.y[i]
        if self.patch[i] >= 0 and (self.straddle or self.touch):
            patches = dict(patches)
            patches[self.patch[i]] = patches.get(self.patch[i], 0.0) + w
        self.members.append(i)
        compact, median = 0.0, 0.0
        if weight > 0 and len(self.members) > 1:
            cx, cy = sx / weight, sy / weight
            gx = gy = 0.0
            for j in self.members:
                dx, dy = self.x[j] - cx, self.y[j] - cy
                d = math.hypot(dx, dy)
                if d > 0:
                    compact += self.w[j] * d
                    gx += self.w[j] * dx / d
                    gy += self.w[j] * dy / d
            median = compact / (1.0 + math.hypot(gx, gy) / weight)
        straddle = sum(patches.values()) - max(patches.values(), default=0.0)
        above = max(0.0, weight - self.band[1])
        bound = (
            self.fixed
            + self.compact * median
            + self.straddle * straddle
            + self.touch * len(patches)
            + self.penalty * above
        )
        self.levels.append((weight, sx, sy, patches, compact, bound))
        return float(bound) - _SLACK

    def pop(self) -> None:
        """Remove the practice added last."""
        self.members.pop()
        self.levels.pop()

    def cost(self, total: int) -> float:
        """Return the cost of the group held now (``total``: its population)."""
        _, _, _, patches, compact, _ = self.levels[-1]
        straddle = sum(patches.values()) - max(patches.values(), default=0.0)
        deviation = max(0.0, self.band[0] - total) + max(0.0, total - self.band[1])
        return (
            self.fixed
            + self.compact * compact
            + self.straddle * straddle
            + self.touch * len(patches)
            + self.penalty * deviation
            + (self.outside if deviation > 0 else 0.0)
        )


class HomesCost:
    """The usual cost of a group on registration geography, kept as practices join and leave.

    Compactness, home straddling, the working patches beyond the first, mixing and the band
    penalty (the territory term is left out: :func:`~footprints.optimiser.costs.set_costs`
    leaves it out too). ``low``: the
    window's bottom (every group recorded reaches it); ``nodes``: the practices that may
    join (for the least patients-per-home ratio).
    """

    def __init__(self, problem: AreaProblem, low: int, nodes: list[int]) -> None:
        practices = problem.practices
        homes = practices.homes
        assert homes is not None
        settings = problem.settings
        self.p = practices.population.astype(np.float64).tolist()
        self.n = homes.patients.tolist()
        self.sx = homes.sum_x.tolist()
        self.sy = homes.sum_y.tolist()
        self.sq = homes.sum_sq.tolist()
        self.patched = homes.patched.astype(np.float64).tolist()
        self.patches = [
            {int(c): float(v) for c, v in enumerate(row) if v} for row in homes.patches.tolist()
        ]
        lsoas = homes.lsoas
        self.mix = settings.containment_weight * SCALE if lsoas is not None else 0.0
        self.overlap = lsoas.overlap if lsoas is not None else None
        self.fixed = settings.network_cost * SCALE
        self.compact = settings.compactness_weight * SCALE
        self.straddle = settings.home_straddle_weight * SCALE
        self.working = settings.home_patch_weight * SCALE if homes.working is not None else 0.0
        self.floors: list[int] = [] if homes.working is None else homes.working.tolist()
        self.penalty = settings.band_penalty * SCALE
        self.outside = settings.out_of_band_cost * SCALE
        self.band = (settings.band.min_population, settings.band.max_population)
        self.low = float(low)
        ratios = [self.p[i] / self.n[i] for i in nodes if self.n[i] > 0]
        self.least_ratio = min(ratios, default=math.inf)
        self.members: list[int] = []
        # per level: (P, n, Σnx, Σny, Σnsq, patched, per patch, own overlap, bound)
        self.levels: list[tuple[float, float, float, float, float, float, dict[int, float], float]]
        self.levels = []
        self.bounds: list[float] = []

    def _sse(self, n: float, sx: float, sy: float, sq: float) -> float:
        if n <= 0:
            return 0.0
        variance = sq / n - (sx / n) ** 2 - (sy / n) ** 2
        return 0.0 if variance <= 1e-12 * (sq / n) else variance * n

    def push(self, i: int) -> float:
        """Add practice ``i``; return a lower bound on the cost of every group holding these."""
        if self.levels:
            pop, n, sx, sy, sq, patched, patches, own = self.levels[-1]
        else:
            pop, n, sx, sy, sq, patched, patches, own = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, {}, 0.0
        pop, n = pop + self.p[i], n + self.n[i]
        sx, sy, sq = sx + self.sx[i], sy + self.sy[i], sq + self.sq[i]
        patched += self.patched[i]
        if self.patches[i]:
            patches = dict(patches)
            for c, v in self.patches[i].items():
                patches[c] = patches.get(c, 0.0) + v
        if self.overlap is not None:
            row = self.overlap[i]
            own += float(row[i]) + 2.0 * sum(float(row[j]) for j in self.members)
        self.members.append(i)
        self.levels.append((pop, n, sx, sy, sq, patched, patches, own))
        sse = self._sse(n, sx, sy, sq)
        ratio = min(pop / n, self.least_ratio) if n > 0 else self.least_ratio
        compact = math.sqrt(max(pop, self.low) * ratio * sse) if sse > 0 else 0.0
        straddle = patched - max(patches.values(), default=0.0)
        bound = (
            self.fixed
            + self.compact * compact * (1 - 1e-9)
            + self.straddle * straddle
            + self._working(patches)
            + self.penalty * max(0.0, pop - self.band[1])
        )
        self.bounds.append(bound)
        return float(bound) - _SLACK

    def _working(self, patches: dict[int, float]) -> float:
        """Price the working patches beyond the first (only more as practices join)."""
        if not self.working:
            return 0.0
        count = sum(1 for c, v in patches.items() if v >= self.floors[c])
        return self.working * max(0, count - 1)

    def pop(self) -> None:
        """Remove the practice added last."""
        self.members.pop()
        self.levels.pop()
        self.bounds.pop()

    def cost(self, total: int) -> float:
        """Return the cost of the group held now (``total``: its population)."""
        pop, n, sx, sy, sq, patched, patches, own = self.levels[-1]
        sse = self._sse(n, sx, sy, sq)
        compact = pop * math.sqrt(sse / n) if n > 0 else 0.0
        straddle = patched - max(patches.values(), default=0.0)
        deviation = max(0.0, self.band[0] - total) + max(0.0, total - self.band[1])
        mixing = n - own if self.overlap is not None else 0.0
        return (
            self.fixed
            + self.compact * compact
            + self.straddle * straddle
            + self._working(patches)
            + self.mix * mixing
            + self.penalty * deviation
            + (self.outside if deviation > 0 else 0.0)
        )


@dataclass
class Pricing:
    """One complete exact pricing of some pieces.

    Parameters
    ----------
    floors
        Per piece priced: a proved lower bound on the reduced cost of every one of its
        connected groups in the window (cost units).
    found
        The groups found pricing below 0 (members), with their piece.
    steps
        Search steps taken.
    complete
        Whether every group was searched: only then do ``floors`` bound anything (a
        partial pricing, stopped at ``enough`` groups, proves nothing).
    """

    floors: dict[int, float]
    found: list[tuple[list[int], int]]
    steps: int
    complete: bool = True


def can_price(problem: AreaProblem, columns: Columns) -> bool:
    """Whether :func:`priced_bound` applies: a fresh proposal of the usual objective."""
    return problem.current.index is None and usual_costs(problem, columns)


def network_cost(problem: AreaProblem, piece: Piece) -> VoronoiCost | HomesCost:
    """Return the incremental cost of ``piece``'s groups (Voronoi or registrations)."""
    if problem.practices.homes is None:
        return VoronoiCost(problem)
    low, _ = relaxed_window(problem, piece)
    return HomesCost(problem, low, sorted(piece.nodes))


def price_exactly(
    problem: AreaProblem,
    node: FloatArray,
    piece_dual: FloatArray,
    pieces: list[int],
    *,
    at: float,
    limit: int = ROUND_LIMIT,
    compiled: bool = True,
    enough: int | None = None,
    first: int = 0,
) -> Pricing | None:
    """Price every connected group of ``pieces`` exactly at duals ``node`` and ``piece_dual``.

    ``None`` when the time ``at`` (``time.monotonic()``) passes first. Each piece keeps the
    ``limit`` groups found first pricing below 0, then only better ones, so its least
    reduced cost is proved (see :func:`~footprints.optimiser.pricing.search_from`). On the
    Voronoi model the search is the compiled one (:mod:`~footprints.optimiser.compiled`)
    unless ``compiled=False``; there ``enough`` makes the pricing *partial*: a piece's
    search stops once it has found that many groups pricing below 0 (its roots searched
    from the ``first``-th on, round the end), and the pricing is then not complete (see
    :attr:`Pricing.complete`). The search in Python is always complete.
    """
    if compiled and problem.practices.homes is None:
        return _price_compiled(
            problem, node, piece_dual, pieces, at=at, limit=limit, enough=enough, first=first
        )
    practices = problem.practices
    adjacency = practices.neighbours
    population = practices.population.tolist()
    lock_of = problem.locks.lock_of
    masks = problem.locks.masks
    gain = node.astype(np.float64).tolist()
    steps = [0, -1]
    floors: dict[int, float] = {}
    found_all: list[tuple[list[int], int]] = []
    for p in pieces:
        piece = problem.pieces[p]
        low, high = relaxed_window(problem, piece)
        nodes = sorted(piece.nodes)
        node_mask = sum(1 << i for i in nodes)
        sigma = float(piece_dual[p])
        goal = [-sigma, -math.inf]  # record a group when gain − cost ≥ −σ: rc ≤ 0
        found: list[tuple[list[int], int]] = []
        cost = network_cost(problem, piece)
        try:
            for a in nodes:
                allowed = node_mask & ~((1 << (a + 1)) - 1) | (1 << a)
                search_from(
                    a,
                    -1,
                    allowed,
                    gain,
                    goal,
                    low,
                    high,
                    adjacency,
                    population,
                    lock_of,
                    masks,
                    found,
                    steps,
                    at,
                    limit,
                    cost,
                    keep_best=True,
                )
        except (EnumerationTimeoutError, LimitReachedError):
            return None
        # groups not recorded have gain − cost < goal[0]: rc > −goal[0] − σ (less rounding)
        floors[p] = -goal[0] - sigma - _SLACK
        found_all.extend((members, p) for members, _ in found)
    return _exact_floors(problem, node, piece_dual, floors, found_all, steps[0])


def _exact_floors(
    problem: AreaProblem,
    node: FloatArray,
    piece_dual: FloatArray,
    floors: dict[int, float],
    found_all: list[tuple[list[int], int]],
    steps: int,
) -> Pricing:
    """Lower each floor to its groups' exact reduced costs; keep the groups below 0."""
    practices = problem.practices
    if found_all:
        sets = CandidateSets.of([members for members, _ in found_all])
        _, exact = set_costs(sets, practices, problem.settings)
        rc = exact - sets.sums(node) - piece_dual[[p for _, p in found_all]]
        for (_, p), value in zip(found_all, rc.tolist(), strict=True):
            floors[p] = min(floors[p], value)
        found_all = [f for f, value in zip(found_all, rc.tolist(), strict=True) if value < 0]
    return Pricing(floors, found_all, steps)


def _price_compiled(
    problem: AreaProblem,
    node: FloatArray,
    piece_dual: FloatArray,
    pieces: list[int],
    *,
    at: float,
    limit: int,
    enough: int | None = None,
    first: int = 0,
) -> Pricing | None:
    """:func:`price_exactly` by the compiled search (:mod:`~footprints.optimiser.compiled`)."""
    from footprints.optimiser.compiled import (  # numba compiles on first use
        VoronoiKernel,
        search_order,
    )

    floors: dict[int, float] = {}
    found_all: list[tuple[list[int], int]] = []
    steps = 0
    complete = True
    gain = node.astype(np.float64)
    for p in pieces:
        piece = problem.pieces[p]
        low, high = relaxed_window(problem, piece)
        order = search_order(sorted(piece.nodes), gain, problem.practices.population)
        kernel = VoronoiKernel(problem, order, low, high)
        sigma = float(piece_dual[p])
        start = first % max(1, len(kernel.nodes))
        result = kernel.price(
            gain[kernel.nodes],
            -sigma,
            limit=limit,
            at=at,
            rows=4 * limit,
            enough=enough,
            first=start,
        )
        if result is None:
            return None
        groups, ceiling, _, taken, searched = result
        steps += taken
        complete = complete and searched
        floors[p] = -ceiling - sigma - _SLACK  # the groups returned: their exact costs below
        found_all.extend((members, p) for members in groups)
    priced = _exact_floors(problem, node, piece_dual, floors, found_all, steps)
    priced.complete = complete
    return priced


def _k_range(problem: AreaProblem, piece: Piece) -> tuple[int, int]:
    """Return the fewest and most networks of ``piece``."""
    if piece.k_range is not None:
        return piece.k_range
    _, high = relaxed_window(problem, piece)
    return max(1, math.ceil(piece.population / max(1, high))), len(piece.nodes)


def lagrangian_value(
    problem: AreaProblem, node: FloatArray, piece_dual: FloatArray, floors: dict[int, float]
) -> float:
    """Bound every plan by duals ``node``, ``piece_dual`` and each piece's least reduced cost.

    ``floors[p]`` must bound the reduced cost of every network piece ``p`` can have.
    """
    total = 0.0
    for p, piece in enumerate(problem.pieces):
        lo, hi = _k_range(problem, piece)
        per = float(piece_dual[p]) + floors[p]
        total += float(node[sorted(piece.nodes)].sum()) + min(lo * per, hi * per)
    return total


@dataclass
class PricedBound:
    """What :func:`priced_bound` proved.

    Parameters
    ----------
    bound
        The best Lagrangian bound of a complete round (cost units), ``None`` if none ended.
    rounds
        Complete pricing rounds.
    columns
        The columns it started with, then those pricing found.
    duals
        The duals (practices, pieces) of the best bound, ``None`` if no round ended.
    floors
        Per piece, the least reduced cost of its networks under ``duals``.
    converged
        Whether no network priced below 0 at the LP's own duals: ``bound`` is then the LP's
        over every network, not a Lagrangian bound of rounds cut short.
    partials
        Partial pricing rounds (stopped at ``partial`` groups: no bound from them).
    scale
        Where the first round's duals scaled (:func:`scaled_round`) bounded more than they
        did: the scale (``duals`` are then the scaled ones, unless a later round did better).
    """

    bound: float | None
    rounds: int
    columns: Columns
    duals: tuple[FloatArray, FloatArray] | None = None
    floors: dict[int, float] | None = None
    converged: bool = False
    partials: int = 0
    scale: float | None = None


def _shares(problem: AreaProblem, columns: Columns, plan: IntArray) -> FloatArray:
    """Each practice's share of its plan network's cost, by list size (0.9 of it)."""
    population = problem.practices.population.astype(np.float64)
    share = np.zeros(len(population), np.float64)
    for col in plan.tolist():
        members = columns.sets.members_of(int(columns.col_set[col]))
        size = float(population[members].sum())
        cost = 0.9 * float(columns.col_cost[col])
        share[members] = cost * (population[members] / size if size > 0 else 1 / len(members))
    return share


def _listed_floors(
    problem: AreaProblem, columns: Columns, node: FloatArray, piece_dual: FloatArray
) -> dict[int, float]:
    """Per listed piece: the least reduced cost of its columns."""
    floors: dict[int, float] = {}
    listed = [p for p, piece in enumerate(problem.pieces) if piece.bounded]
    if not listed:
        return floors
    piece_of = columns.set_piece[columns.col_set]
    rc = columns.col_cost - columns.sets.sums(node)[columns.col_set] - piece_dual[piece_of]
    least = np.full(len(problem.pieces) + 1, np.inf)
    np.minimum.at(least, piece_of, rc)
    for p in listed:
        floors[p] = float(least[p])
    return floors


def _extend(problem: AreaProblem, columns: Columns, groups: list[list[int]]) -> Columns:
    """Append fresh columns (no matched network, no moves) for ``groups``."""
    sets = CandidateSets.of(groups)
    population, cost = set_costs(sets, problem.practices, problem.settings)
    piece_of = np.zeros(len(problem.practices), np.int64)
    for p, piece in enumerate(problem.pieces):
        piece_of[sorted(piece.nodes)] = p
    n_sets, n = len(columns.sets), len(groups)
    return Columns(
        sets=CandidateSets.concatenate([columns.sets, sets]),
        set_population=np.concatenate([columns.set_population, population]),
        set_cost=np.concatenate([columns.set_cost, cost]),
        set_piece=np.concatenate([columns.set_piece, piece_of[[g[0] for g in groups]]]),
        col_set=np.concatenate([columns.col_set, np.arange(n_sets, n_sets + n)]),
        col_match=np.concatenate([columns.col_match, np.full(n, -1, np.int64)]),
        col_moves=np.concatenate([columns.col_moves, np.zeros(n, np.int64)]),
        col_cost=np.concatenate([columns.col_cost, cost]),
    )


def scaled_round(
    problem: AreaProblem,
    columns: Columns,
    node: FloatArray,
    piece_dual: FloatArray,
    *,
    at: float,
    steps: int = SCALE_STEPS,
) -> tuple[float, float, dict[int, float]] | None:
    """Return the best bound of the duals scaled by ``α`` in (0, 1), with its ``α`` and floors.

    Complete exact pricing at each scale (the unlisted pieces; the listed ones over their
    columns), by bisection: where a piece's floor is still below 0 the next scale is
    lower, else higher. Every scale's bound is valid (any duals bound every plan). ``None``
    where no scale's pricing ended by ``at``.
    """
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    low, high = 0.0, 1.0
    best: tuple[float, float, dict[int, float]] | None = None
    for _ in range(steps):
        alpha = (low + high) / 2
        scaled_node, scaled_piece = alpha * node, alpha * piece_dual
        priced = price_exactly(problem, scaled_node, scaled_piece, unlisted, at=at)
        if priced is None or not priced.complete:
            break
        floors = {**_listed_floors(problem, columns, scaled_node, scaled_piece), **priced.floors}
        value = lagrangian_value(problem, scaled_node, scaled_piece, floors)
        if best is None or value > best[0]:
            best = (value, alpha, floors)
        if min(priced.floors.values(), default=0.0) < -2 * _SLACK:
            high = alpha
        else:
            low = alpha
    return best


def _deficit_cuts(
    problem: AreaProblem,
    node: FloatArray,
    piece_dual: FloatArray,
    found: list[tuple[list[int], int]],
) -> FloatArray:
    """Per practice: how far to lower its dual so that every group of ``found`` prices ≥ 0.

    A group ``N`` pricing at ``−d < 0`` asks ``d`` of its practices, each its share of
    ``N``'s list size (an even share where ``N`` has no patients), plus the rounding slack;
    each practice is lowered by the most any group asks of it.
    """
    cut = np.zeros(len(node), np.float64)
    if not found:
        return cut
    sets = CandidateSets.of([members for members, _ in found])
    _, cost = set_costs(sets, problem.practices, problem.settings)
    rc = cost - sets.sums(node) - piece_dual[[p for _, p in found]]
    population = problem.practices.population.astype(np.float64)
    for (members, _), value in zip(found, rc.tolist(), strict=True):
        if value >= 0:
            continue
        size = float(population[members].sum())
        share = population[members] / size if size > 0 else np.full(len(members), 1 / len(members))
        cut[members] = np.maximum(cut[members], -value * share + _SLACK)
    return cut


def repaired_round(
    problem: AreaProblem,
    columns: Columns,
    node: FloatArray,
    piece_dual: FloatArray,
    found: list[tuple[list[int], int]],
    *,
    at: float,
    rounds: int = REPAIR_ROUNDS,
) -> tuple[float, FloatArray, dict[int, float], list[tuple[list[int], int]]] | None:
    """Return the best bound of ``node`` lowered where groups price below 0, with its duals.

    ``found``: groups pricing below 0 at ``node`` and ``piece_dual`` (a complete round's).
    Each round lowers the duals of their practices by their deficits (:func:`_deficit_cuts`:
    every reduced cost only rises, and those groups reach 0), then prices the unlisted
    pieces exactly again, whose groups still below 0 are the next round's; it stops where
    none is left, the bound no longer rises, or a pricing does not end by ``at``. Any duals
    bound every plan, so every round's bound is valid. Unlike :func:`scaled_round`, which
    lowers every dual alike, it lowers only the duals of the practices that overshoot (the
    shaped duals of a large planning area overshoot in a few places: E54000015's first
    round at them bounds −3.4 M patient-km, scaled 1.44 M, repaired 2.53 M). Returns
    (bound, practice duals, floors, the groups found pricing below 0 on the way), ``None``
    where no round ended.
    """
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    node = node.astype(np.float64)
    best: tuple[float, FloatArray, dict[int, float], list[tuple[list[int], int]]] | None = None
    seen: list[tuple[list[int], int]] = []
    for _ in range(rounds):
        if not found:
            break
        node = node - _deficit_cuts(problem, node, piece_dual, found)
        priced = price_exactly(problem, node, piece_dual, unlisted, at=at)
        if priced is None or not priced.complete:
            break
        floors = {**_listed_floors(problem, columns, node, piece_dual), **priced.floors}
        value = lagrangian_value(problem, node, piece_dual, floors)
        seen.extend(priced.found)
        if best is not None and value <= best[0]:
            break
        best = (value, node.copy(), floors, seen)
        found = priced.found
    return best


def priced_bound(
    problem: AreaProblem,
    columns: Columns,
    plan: IntArray | None,
    *,
    at: float,
    duals: tuple[FloatArray, FloatArray] | None = None,
    partial: int | None = PARTIAL,
) -> PricedBound:
    """Bound every plan by stabilised column generation with exact pricing, until ``at``.

    ``columns``: the columns at hand (the local candidates and every listed piece's);
    ``plan``: columns of a plan; ``duals`` (practices; pieces, then one 0), such as the
    shaped ones (:attr:`~footprints.optimiser.shaping.Shaped.duals`), are the first priced
    and the stability centre, else the plan's cost shares are. See the module's
    docstring. The bound is that of the best complete round; the columns found are
    returned too (they may improve a plan). With ``partial`` (on the compiled search), the
    rounds between the first and the last complete ones are *partial*: priced at the LP's
    own duals, each stops once a piece has ``partial`` groups pricing below 0 (a round that
    searched everything all the same proves its bound), so the LP converges in less time;
    a complete round at the smoothed duals comes again while :data:`FULL_RESERVE` times the
    last one's time is left, and where it would not end in time, the time goes back. A
    partial round must end while that much is left (else it stops and a complete round
    follows): on E38000016 a second partial round ran to the deadline, 2.8 s for no bound.
    """
    started = time.monotonic()
    unlisted = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    rows = Partition.of_area(problem)
    n_pieces = len(problem.pieces) + 1
    best: float | None = None
    best_floors: dict[int, float] | None = None
    rounds = 0
    keys: set[tuple[int, ...]] = set()
    center: tuple[FloatArray, FloatArray] | None = None
    if duals is not None:
        center = (duals[0].astype(np.float64), duals[1].astype(np.float64))
    elif plan is not None and len(plan):
        center = (_shares(problem, columns, plan), np.zeros(n_pieces))
    lp = MasterLP(columns, rows)
    lp.add(initial_columns(columns, rows.rows))
    if plan is not None:
        lp.add(plan)
    deadline = Deadline(at, problem.deadline.stop)
    alpha = SMOOTHING
    first = center is not None
    converged = False
    full_time: float | None = None  # seconds the last complete round took
    partials = 0
    scale: float | None = None
    force = False
    while not deadline.passed():
        now = time.monotonic()
        # a complete round first, then partial ones while a complete one still fits after
        reserve = FULL_RESERVE * full_time if full_time is not None else (at - started) / 2
        full = first or force or partial is None or at - now <= reserve
        if full and partial is not None and full_time is not None and at - now < full_time:
            break  # a complete round would not end: its time goes back
        if first:
            assert center is not None
            node, piece_dual = center
        else:
            relaxation = lp.solve(deadline)
            if not relaxation.feasible or not relaxation.complete:
                break
            lp_duals = lp.dual_values()
            if center is None or not full:  # partial rounds price the LP's own duals
                node, piece_dual = lp_duals.node, lp_duals.piece
            else:
                node = alpha * center[0] + (1 - alpha) * lp_duals.node
                piece_dual = alpha * center[1] + (1 - alpha) * lp_duals.piece
        enough = None if full else partial
        until = at
        if not full and full_time is not None:  # a complete round must still fit after it
            until = at - FULL_RESERVE * full_time
        priced = price_exactly(
            problem, node, piece_dual, unlisted, at=until, enough=enough, first=_STRIDE * partials
        )
        if priced is None:
            if until < at:  # a partial round out of its time: a complete one in what is left
                force = True
                continue
            break
        value: float | None = None
        if not priced.complete:
            partials += 1
        else:  # only a complete round bounds anything
            rounds += 1
            if full:
                full_time = time.monotonic() - now
            floors = {**_listed_floors(problem, columns, node, piece_dual), **priced.floors}
            value = lagrangian_value(problem, node, piece_dual, floors)
            if best is None or value > best:
                best, center, best_floors = value, (node.copy(), piece_dual.copy()), floors
            if rounds == 1 and min(priced.floors.values(), default=0.0) < -2 * _SLACK:
                # a share of the time: later rounds may bound more
                repair_at = min(until, time.monotonic() + REPAIR_TIME * (full_time or 0.0))
                repaired = repaired_round(
                    problem, columns, node, piece_dual, priced.found, at=repair_at
                )
                if repaired is not None:
                    priced.found.extend(repaired[3])  # columns for the LP
                    if repaired[0] > best:
                        best, best_floors = repaired[0], repaired[2]
                        center = (repaired[1], piece_dual.copy())
                        logger.debug(
                            "area %s: the first round's duals repaired: bound %.1f, %.2f s",
                            problem.name,
                            best,
                            time.monotonic() - started,
                        )
                scaled_at = min(until, time.monotonic() + SCALE_TIME * (full_time or 0.0))
                scaled = scaled_round(problem, columns, node, piece_dual, at=scaled_at)
                if scaled is not None and scaled[0] > best:
                    best, scale, best_floors = scaled[0], scaled[1], scaled[2]
                    center = (scale * node, scale * piece_dual)
                    logger.debug(
                        "area %s: the first round's duals scaled by %.3f: bound %.1f, %.2f s",
                        problem.name,
                        scale,
                        best,
                        time.monotonic() - started,
                    )
        logger.debug(
            "area %s: exact pricing %s (α %.2f): bound %s, %d found, %d steps, %.2f s",
            problem.name,
            f"round {rounds}" if priced.complete else f"partial round {partials}",
            1.0 if first else (alpha if full else 0.0),
            "none" if value is None else f"{value:.1f}",
            len(priced.found),
            priced.steps,
            time.monotonic() - started,
        )
        fresh = []
        for members, _ in priced.found:
            key = tuple(members)
            if key not in keys:
                keys.add(key)
                fresh.append(members)
        force = not fresh and not priced.complete  # found nothing new: complete the next
        if fresh:
            old = len(columns)
            columns = _extend(problem, columns, fresh)
            lp.grow(columns)
            lp.add(range(old, len(columns)))
        elif not first and priced.complete:
            if alpha == 0.0 or not full:
                converged = True
                break  # no column prices below 0 at the LP's own duals: the LP bound is proved
            alpha = max(0.0, alpha - 0.3)  # priced at smoothed duals in vain: trust the LP more
        first = False
    return PricedBound(
        best,
        rounds,
        columns,
        center if best is not None else None,
        best_floors,
        converged,
        partials,
        scale,
    )
