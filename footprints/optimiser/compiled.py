"""Exact pricing of the usual cost on the Voronoi model, compiled (numba).

The same depth-first search as :func:`~footprints.optimiser.pricing.search_from` with
:class:`~footprints.optimiser.colgen.VoronoiCost` — every connected group of a piece in
its population window, each once (grown from its least practice, one practice of the
extension at a time, the ones passed over blocked below), each branch cut by the same
bounds: the gains every practice it could still take, the knapsack bound that knows the
window, and the geometric-median floor of the cost — but compiled with numba and on
arrays instead of Python integers as bit sets. On St Helens (34 practices) a round of
exact pricing in pure Python took about 12 s (BENCHMARKS.md); see there for this one.

The search has no clock (numba cannot read one): :func:`price_compiled` calls it once per
root practice with a budget of steps, measures the pace and stops at the deadline between
calls, or when a call spends its budget.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from footprints.optimiser.candidates import FloatArray, IntArray, bit_indices
from footprints.optimiser.costs import SCALE
from footprints.optimiser.problem import AreaProblem

__all__ = ["VoronoiKernel", "search_order", "search_root"]

_SLACK = 1.0
"""Cost units allowed for rounding between the search's costs and ``set_costs``."""
_PACE = 2_000_000.0
"""Search steps a second assumed before the first call is measured."""


@njit(cache=True)
def _median_bound(
    depth: int,
    path: IntArray,
    w: FloatArray,
    x: FloatArray,
    y: FloatArray,
    weight: float,
    sx: float,
    sy: float,
) -> tuple[float, float]:
    """Return (Σ w ‖x − c‖ about the weighted centre c, its geometric-median floor)."""
    if weight <= 0.0 or depth < 2:
        return 0.0, 0.0
    cx, cy = sx / weight, sy / weight
    compact = gx = gy = 0.0
    for k in range(depth):
        j = path[k]
        dx, dy = x[j] - cx, y[j] - cy
        d = math.hypot(dx, dy)
        if d > 0.0:
            compact += w[j] * d
            gx += w[j] * dx / d
            gy += w[j] * dy / d
    return compact, compact / (1.0 + math.hypot(gx, gy) / weight)


@njit(cache=True)
def search_root(
    root: int,
    indptr: IntArray,
    indices: IntArray,
    pop: IntArray,
    gain: FloatArray,
    w: FloatArray,
    x: FloatArray,
    y: FloatArray,
    patch: IntArray,
    n_patches: int,
    lock: IntArray,
    lock_size: IntArray,
    terms: FloatArray,
    low: int,
    high: int,
    goal: FloatArray,
    limit: int,
    found: IntArray,
    found_size: IntArray,
    counters: IntArray,
    max_steps: int,
) -> bool:
    """Search every connected group whose least practice is ``root`` (piece-local indices).

    ``terms``: fixed, compactness, straddle, touch, penalty, outside (cost units), band
    low and high. ``goal[0]``: record a group when ``Σ gain − cost ≥ goal[0]``;
    ``goal[1]``: the best value seen. ``found`` (rows: members, ``found_size`` their
    counts) holds the groups recorded, ``counters[0]`` of them; at ``limit`` the goal rises
    above the best value, so only better groups follow (rows past the array's end are
    dropped, the goal still rises). ``counters[1]``: steps taken. Returns ``False`` when
    ``max_steps`` ran out first.
    """
    m = len(pop)
    fixed, compact_w, straddle_w, touch_w = terms[0], terms[1], terms[2], terms[3]
    penalty, outside, band_lo, band_hi = terms[4], terms[5], terms[6], terms[7]
    if pop[root] > high:
        return True
    blocked = np.zeros(m, np.bool_)
    for j in range(root + 1):
        blocked[j] = True
    # gainers ranked by value per patient, and the least cost per patient of the rest
    positive = 0.0
    rate = np.inf
    n_gain = 0
    order = np.empty(m, np.int64)
    for j in range(root + 1, m):
        if gain[j] > 0.0:
            positive += gain[j]
            order[n_gain] = j
            n_gain += 1
        elif pop[j] > 0:
            rate = min(rate, -gain[j] / pop[j])
    if rate == np.inf:
        rate = 0.0
    key = np.empty(n_gain, np.float64)
    for k in range(n_gain):
        j = order[k]
        key[k] = -np.inf if pop[j] == 0 else -(gain[j] + rate * pop[j]) / pop[j]
    ranked = order[:n_gain][np.argsort(key, kind="mergesort")]
    # state per depth (depth d holds d + 1 practices)
    path = np.empty(m, np.int64)
    ext = np.empty((m, m), np.int64)
    ext_len = np.zeros(m, np.int64)
    ext_pos = np.zeros(m, np.int64)
    undo = np.empty(m, np.int64)  # practices blocked, in order
    undo_start = np.zeros(m, np.int64)
    total = np.zeros(m, np.int64)
    value = np.zeros(m, np.float64)
    left = np.zeros(m, np.float64)
    floor = np.zeros(m, np.float64)
    lock_at = np.zeros(m, np.int64)
    lock_count = np.zeros(m, np.int64)
    weight = np.zeros(m, np.float64)
    sx = np.zeros(m, np.float64)
    sy = np.zeros(m, np.float64)
    compact = np.zeros(m, np.float64)
    patch_w = np.zeros(max(n_patches, 1), np.float64)
    patch_n = np.zeros(max(n_patches, 1), np.int64)
    touched = np.zeros(m, np.int64)
    n_undo = 0
    steps = counters[1]

    # depth 0: the root alone
    d = 0
    path[0] = root
    total[0] = pop[root]
    value[0] = gain[root]
    lock_at[0] = lock[root]
    lock_count[0] = 1 if lock[root] >= 0 else 0
    weight[0] = w[root]
    sx[0] = w[root] * x[root]
    sy[0] = w[root] * y[root]
    compact[0] = 0.0
    n_touch = 0
    if patch[root] >= 0 and (straddle_w != 0.0 or touch_w != 0.0):
        patch_w[patch[root]] += w[root]
        patch_n[patch[root]] += 1
        n_touch = 1
    touched[0] = n_touch
    above = max(0.0, weight[0] - band_hi)
    floor[0] = fixed + touch_w * n_touch + penalty * above - _SLACK
    if gain[root] - floor[0] + positive < goal[0]:
        return True
    left[0] = positive
    # record the root alone
    for level in range(1):
        t = total[level]
        if t >= low and (lock_at[level] < 0 or lock_count[level] == lock_size[lock_at[level]]):
            dev = max(0.0, band_lo - t) + max(0.0, t - band_hi)
            cost = fixed + touch_w * n_touch + penalty * dev + (outside if dev > 0 else 0.0)
            v = value[level] - cost
            if v >= goal[0]:
                n = counters[0]
                if n < found.shape[0]:
                    found[n, 0] = root
                    found_size[n] = 1
                counters[0] = n + 1
                goal[1] = max(goal[1], v)
                if n + 1 >= limit:
                    goal[0] = max(goal[0], goal[1] + abs(goal[1]) * 4e-16 + 1e-300)
    n = 0
    for k in range(indptr[root], indptr[root + 1]):
        j = indices[k]
        if not blocked[j]:
            ext[0, n] = j
            n += 1
    ext_len[0] = n
    ext_pos[0] = 0
    undo_start[0] = 0

    while d >= 0:
        if ext_pos[d] >= ext_len[d]:
            # leave depth d: unblock what it blocked, take its practice out
            while n_undo > undo_start[d]:
                n_undo -= 1
                blocked[undo[n_undo]] = False
            if d > 0:
                v_out = path[d]
                if patch[v_out] >= 0 and (straddle_w != 0.0 or touch_w != 0.0):
                    patch_w[patch[v_out]] -= w[v_out]
                    patch_n[patch[v_out]] -= 1
            d -= 1
            continue
        steps += 1
        if steps > max_steps:
            counters[1] = steps
            return False
        u = ext[d, ext_pos[d]]
        ext_pos[d] += 1
        blocked[u] = True
        undo[n_undo] = u
        n_undo += 1
        g = gain[u]
        if g > 0.0:
            left[d] -= g
        new_total = total[d] + pop[u]
        if new_total > high:
            continue
        lu = lock[u]
        if lu >= 0 and lock_at[d] >= 0 and lu != lock_at[d]:
            continue
        new_value = value[d] + g
        if new_value - floor[d] + left[d] < goal[0]:
            continue
        # push u: the cost's floor for every group holding path[0..d] and u
        e = d + 1
        path[e] = u
        weight[e] = weight[d] + w[u]
        sx[e] = sx[d] + w[u] * x[u]
        sy[e] = sy[d] + w[u] * y[u]
        tracked = patch[u] >= 0 and (straddle_w != 0.0 or touch_w != 0.0)
        touch = touched[d]
        if tracked:
            if patch_n[patch[u]] == 0:
                touch += 1
            patch_w[patch[u]] += w[u]
            patch_n[patch[u]] += 1
        c, median = _median_bound(e + 1, path, w, x, y, weight[e], sx[e], sy[e])
        largest = 0.0
        summed = 0.0
        if touch > 0:
            for k in range(e + 1):
                q = patch[path[k]]
                if q >= 0:
                    summed += w[path[k]]
                    largest = max(largest, patch_w[q])
        straddle = summed - largest
        above = max(0.0, weight[e] - band_hi)
        new_floor = (
            fixed
            + compact_w * median
            + straddle_w * straddle
            + touch_w * touch
            + penalty * above
            - _SLACK
        )
        pruned = new_value - new_floor + left[d] < goal[0]
        if not pruned:
            # knapsack over the gainers not blocked, within the room left
            room = high - new_total
            missing = max(0, low - new_total)
            bound = -rate * missing
            for k in range(n_gain):
                j = ranked[k]
                if blocked[j]:
                    continue
                if pop[j] <= room:
                    bound += gain[j] + rate * pop[j]
                    room -= pop[j]
                else:
                    bound += (gain[j] + rate * pop[j]) * room / pop[j]
                    break
            pruned = new_value - new_floor + bound < goal[0]
        if pruned:
            if tracked:
                patch_w[patch[u]] -= w[u]
                patch_n[patch[u]] -= 1
            continue
        # enter depth e
        total[e] = new_total
        value[e] = new_value
        left[e] = left[d]
        floor[e] = new_floor
        lock_at[e] = lu if lu >= 0 else lock_at[d]
        lock_count[e] = lock_count[d] + (1 if lu >= 0 else 0)
        compact[e] = c
        touched[e] = touch
        t = new_total
        if t >= low and (lock_at[e] < 0 or lock_count[e] == lock_size[lock_at[e]]):
            dev = max(0.0, band_lo - t) + max(0.0, t - band_hi)
            cost = (
                fixed
                + compact_w * c
                + straddle_w * straddle
                + touch_w * touch
                + penalty * dev
                + (outside if dev > 0 else 0.0)
            )
            v = new_value - cost
            if v >= goal[0]:
                n = counters[0]
                if n < found.shape[0]:
                    for k in range(e + 1):
                        found[n, k] = path[k]
                    found_size[n] = e + 1
                counters[0] = n + 1
                goal[1] = max(goal[1], v)
                if n + 1 >= limit:
                    goal[0] = max(goal[0], goal[1] + abs(goal[1]) * 4e-16 + 1e-300)
        # its extension: what is left of depth d's, and u's neighbours not blocked
        n = 0
        for k in range(ext_pos[d], ext_len[d]):
            ext[e, n] = ext[d, k]
            n += 1
        base = n
        for k in range(indptr[u], indptr[u + 1]):
            j = indices[k]
            if blocked[j]:
                continue
            seen = False
            for q in range(base):
                if ext[e, q] == j:
                    seen = True
                    break
            if not seen:
                ext[e, n] = j
                n += 1
        ext_len[e] = n
        ext_pos[e] = 0
        undo_start[e] = n_undo
        d = e
    counters[1] = steps
    return True


def search_order(nodes: list[int], gain: FloatArray, population: IntArray) -> list[int]:
    """Order a piece's practices for :func:`search_root`: highest gain per patient first.

    Every order searches the same groups (each from its least practice in the order); this
    one searches fewest. A root's groups take only practices after it, so the practices
    worth most per patient, which keep the knapsack bound high, are spent on the first
    roots, and the later roots' bounds fall below the goal sooner. On E38000016's first
    complete round (49 practices, the shaped duals, nothing pricing below 0): 8.5 million
    steps against 22.7 million in the practices' own order (BENCHMARKS.md, session 15).
    ``gain`` and ``population`` are per area practice; ties keep the practices' order.
    """
    return sorted(nodes, key=lambda i: (-float(gain[i]) / max(1, int(population[i])), i))


class VoronoiKernel:
    """One piece's arrays for :func:`search_root` (piece-local indices).

    The practices are in the order given: any order searches the same groups, in more or
    fewer steps (see :func:`search_order`).
    """

    def __init__(self, problem: AreaProblem, nodes: list[int], low: int, high: int) -> None:
        practices = problem.practices
        settings = problem.settings
        self.nodes = np.asarray(nodes, np.int64)
        where = {int(i): k for k, i in enumerate(nodes)}
        indptr = [0]
        indices: list[int] = []
        for i in nodes:
            indices.extend(where[j] for j in bit_indices(practices.neighbours[i]) if j in where)
            indptr.append(len(indices))
        self.indptr = np.asarray(indptr, np.int64)
        self.indices = np.asarray(indices, np.int64)
        self.pop = practices.population[self.nodes].astype(np.int64)
        self.w = self.pop.astype(np.float64)
        self.x = practices.x_km[self.nodes].astype(np.float64)
        self.y = practices.y_km[self.nodes].astype(np.float64)
        raw = practices.patch[self.nodes].astype(np.int64)
        codes = {int(q): k for k, q in enumerate(sorted(set(raw[raw >= 0].tolist())))}
        self.patch = np.asarray([codes.get(int(q), -1) for q in raw.tolist()], np.int64)
        self.n_patches = len(codes)
        lock_of = problem.locks.lock_of
        groups = sorted({lock_of[i] for i in nodes if lock_of[i] >= 0})
        lock_codes = {g: k for k, g in enumerate(groups)}
        self.lock = np.asarray([lock_codes.get(lock_of[i], -1) for i in nodes], np.int64)
        self.lock_size = np.asarray(
            [int(problem.locks.masks[g]).bit_count() for g in groups] or [0], np.int64
        )
        band = settings.band
        self.terms = np.asarray(
            [
                settings.network_cost * SCALE,
                settings.compactness_weight * SCALE,
                settings.straddle_weight * SCALE,
                settings.patch_weight * SCALE,
                settings.band_penalty * SCALE,
                settings.out_of_band_cost * SCALE,
                float(band.min_population),
                float(band.max_population),
            ],
            np.float64,
        )
        self.low, self.high = int(low), int(high)

    def price(
        self,
        gain: FloatArray,
        goal: float,
        *,
        limit: int,
        at: float,
        rows: int,
        enough: int | None = None,
        first: int = 0,
    ) -> tuple[list[list[int]], float, int, int, bool] | None:
        """Search every group at ``gain`` (per piece practice); ``None`` past ``at``.

        Returns (the groups recorded, at most ``rows`` of them, as area indices; a ceiling:
        every group not returned is worth less than it, or at most it where some were
        dropped; how many groups were recorded; steps; whether every root was searched).
        The roots are searched from ``first`` on, round the end (each group is searched
        from its least practice, whatever the order). With ``enough``, the search stops
        after the root at which that many groups are recorded: the search is then not
        complete, and the ceiling bounds nothing.
        """
        m = len(self.nodes)
        found = np.zeros((rows, max(m, 1)), np.int64)
        found_size = np.zeros(rows, np.int64)
        counters = np.zeros(2, np.int64)
        goals = np.asarray([goal, -np.inf], np.float64)
        pace = _PACE
        complete = True
        for k in range(m):
            if enough is not None and counters[0] >= enough:  # roots are left: partial
                complete = False
                break
            root = (first + k) % m
            left = at - time.monotonic()
            if left <= 0:
                return None
            before, started = int(counters[1]), time.monotonic()
            budget = before + max(10_000, int(min(pace * left, 2.0**62)))
            done = search_root(
                root,
                self.indptr,
                self.indices,
                self.pop,
                gain,
                self.w,
                self.x,
                self.y,
                self.patch,
                self.n_patches,
                self.lock,
                self.lock_size,
                self.terms,
                self.low,
                self.high,
                goals,
                limit,
                found,
                found_size,
                counters,
                budget,
            )
            if not done:
                return None
            spent = time.monotonic() - started
            if counters[1] - before > 100_000 and spent > 0:
                pace = (counters[1] - before) / spent
        kept = min(int(counters[0]), rows)
        groups = [sorted(self.nodes[found[r, : found_size[r]]].tolist()) for r in range(kept)]
        # groups dropped past ``rows`` are worth at most the best value
        ceiling = float(goals[0]) if kept == counters[0] else max(goals)
        return groups, ceiling, int(counters[0]), int(counters[1]), complete
