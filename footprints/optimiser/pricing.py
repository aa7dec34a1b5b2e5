"""A proved minimum where not every candidate can be listed: exact pricing of an additive measure.

Where a piece of an area has too many candidate networks to list (millions of connected
in-band groups of small practices), the proof loop has no valid bound. For a priority whose
cost is *additive over practices given the matched network* — least change: a column
``(N, m)`` costs ``Σ_{i ∈ N} base_i`` over its members ``i`` not in current network ``m``
(:func:`additive_values`) — the bound can still be proved by pricing instead of listing:

1. the master LP over the columns at hand (the groups near the current networks, see
   :func:`~footprints.optimiser.columns.near_current`) is solved; its duals ``π``
   (practices), ``μ`` (current networks) and ``σ`` (network counts) price every connected
   group ``N`` of a piece matched to ``m`` at
   ``rc(N, m) = Σ_{i ∈ N} (c_i^m − π_i) − μ_m − σ``, ``c_i^m = base_i`` unless ``i`` is in
   ``m``;
2. :func:`price` searches every connected group of the piece in its population window
   (depth first, each group once, as :func:`~footprints.optimiser.candidates.connected_sets`
   lists them) for those with ``rc`` below a threshold, pruning a branch as soon as the
   gains ``π_j − c_j^m > 0`` of every practice it could still take cannot bring ``rc``
   down to the threshold;
3. new columns join the LP until none prices below 0: the LP bound then holds over *every*
   candidate, listed or not;
4. the integer search (:func:`~footprints.optimiser.cpsat.solve_integer`) runs over every
   column with ``rc ≤ Δ``, all found by :func:`price`: a plan using any other column costs
   more than the bound plus ``Δ``, so a plan within ``Δ`` of the bound is proved optimal;
   otherwise ``Δ`` grows to the gap and the search is repeated.

The columns found join the pool, so that the later solves (the usual objective) can use the
plan found.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from footprints.optimiser import candidates
from footprints.optimiser.candidates import (
    CandidateSets,
    EnumerationTimeoutError,
    FloatArray,
    IntArray,
)
from footprints.optimiser.columns import Columns, Partition, piece_window
from footprints.optimiser.costs import move_costs, set_costs
from footprints.optimiser.cpsat import IntegerResult, solve_integer
from footprints.optimiser.diving import DIVE_STEPS, dive_down
from footprints.optimiser.master import Duals, MasterLP, initial_columns
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import CP_SAT_COLUMNS, Outcome
from footprints.optimiser.settings import Status

__all__ = [
    "DIVE_SHARE",
    "PHASE_ONE_TOLERANCE",
    "PRICE_CAP",
    "ROUND_COLUMNS",
    "ROUND_STEPS",
    "LimitReachedError",
    "Priced",
    "SetCost",
    "additive_values",
    "extend_columns",
    "matched_sums",
    "padded",
    "price",
    "priced_partition",
    "search_from",
]

logger = logging.getLogger(__name__)

DIVE_SHARE = 0.25
"""Share of the time left once the LP is solved over every candidate that diving
(:mod:`~footprints.optimiser.diving`) may take looking for a plan at the bound."""
PRICE_CAP = 300_000
"""Most columns one complete pricing search may return; past it the proof gives up."""
ROUND_COLUMNS = 3_000
"""Columns added to the LP per pricing round of column generation."""
ROUND_STEPS = 400_000
"""Search steps per pricing round after which the columns found so far join the LP."""

PHASE_ONE_TOLERANCE = 1e-9
"""Reduced cost (in artificial units) below which phase one's pricing adds a column."""

_CHECK_EVERY = 20_000
"""Search steps between looks at the deadline."""


def matched_sums(columns: Columns, current_index: IntArray, values: IntArray) -> IntArray:
    """Per column: ``values`` summed over its members whose current network it is matched to.

    ``0`` for unmatched columns. In chunks of columns, so that no array of every member of
    every column is built.
    """
    out = np.zeros(len(columns), np.int64)
    matched = np.flatnonzero(columns.col_match >= 0)
    sets = columns.sets
    for start in range(0, len(matched), candidates.CHUNK):
        cols = matched[start : start + candidates.CHUNK]
        set_ids = columns.col_set[cols]
        sizes = sets.sizes[set_ids]
        starts = sets.offsets[:-1][set_ids]
        owner = np.repeat(np.arange(len(cols), dtype=np.int64), sizes)
        entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        members = sets.members[entry]
        hit = current_index[members] == columns.col_match[cols][owner]
        sums = np.bincount(owner[hit], weights=values[members][hit], minlength=len(cols))
        out[cols] = np.rint(sums).astype(np.int64)
    return out


def padded(model: Partition, n_columns: int) -> Partition:
    """Return ``model`` with its limits counting 0 on the columns added after theirs."""
    limits = tuple(
        dataclasses.replace(
            limit,
            values=np.concatenate(
                [limit.values, np.zeros(n_columns - len(limit.values), np.int64)]
            ),
        )
        for limit in model.limits
    )
    return dataclasses.replace(model, limits=limits)


def additive_values(columns: Columns, current_index: IntArray, base: IntArray) -> IntArray:
    """Per column ``(N, m)``: ``Σ base_i`` over the members ``i`` of ``N`` not in network ``m``."""
    totals = columns.sets.sums(base.astype(np.float64))[columns.col_set]
    values: IntArray = np.rint(totals).astype(np.int64) - matched_sums(columns, current_index, base)
    return values


def extend_columns(
    problem: AreaProblem, columns: Columns, found: list[tuple[list[int], int]]
) -> Columns:
    """Append columns ``(members, matched current network or -1)`` to ``columns``.

    Where ``columns`` tracks the territory term (``checked`` set), the new sets are marked
    not yet checked, so that :func:`~footprints.optimiser.columns.raise_costs` adds the
    term to them and to the older sets still unchecked.
    """
    if not found:
        return columns
    index = problem.current.index
    assert index is not None
    sets = CandidateSets.of([members for members, _ in found])
    population, cost = set_costs(sets, problem.practices, problem.settings)
    piece_of = np.zeros(len(problem.practices), np.int64)
    for p, piece in enumerate(problem.pieces):
        piece_of[piece.nodes] = p
    match = np.asarray([m for _, m in found], np.int64)
    moves = np.asarray(
        [sum(1 for i in members if index[i] >= 0 and index[i] != m) for members, m in found],
        np.int64,
    )
    n_sets = len(columns.sets)
    return Columns(
        sets=CandidateSets.concatenate([columns.sets, sets]),
        set_population=np.concatenate([columns.set_population, population]),
        set_cost=np.concatenate([columns.set_cost, cost]),
        set_piece=np.concatenate(
            [columns.set_piece, piece_of[[members[0] for members, _ in found]]]
        ),
        col_set=np.concatenate([columns.col_set, np.arange(n_sets, n_sets + len(found))]),
        col_match=np.concatenate([columns.col_match, match]),
        col_moves=np.concatenate([columns.col_moves, moves]),
        col_cost=np.concatenate([columns.col_cost, cost + move_costs(moves, problem.settings)]),
        checked=None
        if columns.checked is None
        else np.concatenate([columns.checked, np.zeros(len(found), bool)]),
    )


def price(
    problem: AreaProblem,
    base: FloatArray,
    duals: Duals,
    *,
    threshold: float,
    pieces: list[int],
    at: float,
    limit: int = PRICE_CAP,
    steps_limit: int | None = None,
) -> tuple[list[tuple[list[int], int]], bool] | None:
    """Columns of pieces ``pieces`` with reduced cost below ``threshold``: all, or ``limit``.

    A column is a connected group of a piece in its population window, keeping the locks,
    matched to a current network it overlaps or to none; its cost is additive (see the
    module's docstring). The candidate filters are not applied here.

    Returns
    -------
    (list of (members, match), complete) or None
        The columns found and whether they are all (``False`` when the search stopped at
        ``limit`` columns, or after ``steps_limit`` steps having found some: with nothing
        found it goes on, as only a complete search proves the LP bound); ``None`` when the
        time ``at`` (``time.monotonic()``) passed first.
    """
    index = problem.current.index
    assert index is not None
    practices = problem.practices
    adjacency = practices.neighbours
    population = practices.population.tolist()
    lock_of = problem.locks.lock_of
    masks = problem.locks.masks
    found: list[tuple[list[int], int]] = []
    steps = [0, steps_limit if steps_limit is not None else -1]
    started = time.monotonic()
    try:
        for p in pieces:
            low, high = piece_window(problem, problem.pieces[p])
            nodes = sorted(problem.pieces[p].nodes)
            node_mask = sum(1 << i for i in nodes)
            members: dict[int, list[int]] = {}
            for i in nodes:
                if index[i] >= 0:
                    members.setdefault(int(index[i]), []).append(i)
            for m in [-1, *sorted(members)]:
                gain = duals.node - base
                if m >= 0:
                    gain[members[m]] = duals.node[members[m]]
                target = -duals.match[m] - duals.piece[p] - threshold  # m = -1 reads the 0
                anchors = members[m] if m >= 0 else nodes
                for a in anchors:
                    if m >= 0:
                        earlier = sum(1 << i for i in members[m] if i < a)
                        allowed = node_mask & ~earlier
                    else:
                        allowed = node_mask & ~((1 << (a + 1)) - 1) | (1 << a)
                    search_from(
                        a,
                        m,
                        allowed,
                        gain.tolist(),
                        [target, -math.inf],
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
                    )
    except LimitReachedError:
        return found, False
    except EnumerationTimeoutError:
        return None
    finally:
        logger.debug(
            "area %s: pricing below %.1f: %d steps, %d found, %.2f s",
            problem.name,
            threshold,
            steps[0],
            len(found),
            time.monotonic() - started,
        )
    return found, True


class LimitReachedError(Exception):
    """A pricing search found as many columns as it was asked for, or ran out of steps."""


class SetCost(Protocol):
    """A cost of connected groups that the depth-first search grows one practice at a time.

    :func:`search_from` pushes a practice on entering a branch and pops it on leaving, so
    the cost can be kept incrementally.
    """

    def push(self, i: int) -> float:
        """Add practice ``i``; return a lower bound on the cost of every group holding these."""

    def pop(self) -> None:
        """Remove the practice added last."""

    def cost(self, total: int) -> float:
        """Return the cost of the group held now (``total``: its population)."""


def search_from(
    root: int,
    match: int,
    allowed: int,
    gain: list[float],
    goal: list[float],
    low: int,
    high: int,
    adjacency: list[int],
    population: list[int],
    lock_of: list[int],
    masks: list[int],
    found: list[tuple[list[int], int]],
    steps: list[int],
    at: float,
    limit: int,
    cost: SetCost | None = None,
    keep_best: bool = False,
) -> None:
    """Depth-first search of the connected groups holding ``root`` within ``allowed``.

    Each group in ``[low, high]`` keeping the locks whose value — its members' ``gain``,
    less ``cost.cost`` when a cost is given — reaches ``goal[0]`` is appended to ``found``
    (``goal[1]``: the best value found so far). At ``limit`` groups the search stops
    (:class:`LimitReachedError`), or, with ``keep_best``, raises ``goal[0]`` to the best
    value found and goes on for better ones only: the search then proves the best value.

    A branch is cut when even the best completion cannot reach ``goal[0]``: first when the
    gains of every practice it could still take fall short; then by a knapsack bound that
    knows the population window — the practices with a gain, fractionally, within the room
    left under ``high``, less the least cost of the population still missing to reach
    ``low`` (at the lowest cost per patient of any practice without a gain). A cost's
    :meth:`SetCost.push` bound (nondecreasing as the group grows) is taken off both;
    should the search raise, ``cost`` is left holding the branch it was in.
    """
    if population[root] > high:
        return
    root_floor = cost.push(root) if cost is not None else 0.0
    positive = 0.0
    rest = allowed & ~(1 << root)
    mask = rest
    gainers: list[tuple[float, int, float, int]] = []
    rate = math.inf
    while mask:
        bit = mask & -mask
        mask ^= bit
        j = bit.bit_length() - 1
        g = gain[j]
        if g > 0:
            positive += g
            gainers.append((0.0, j, g, population[j]))
        elif population[j] > 0:
            rate = min(rate, -g / population[j])
    if gain[root] - root_floor + positive < goal[0]:
        if cost is not None:
            cost.pop()
        return
    rate = 0.0 if math.isinf(rate) else rate
    # best value per patient first (a practice with no patients is free to take)
    ranked = sorted(
        ((g + rate * p, j, p) for _, j, g, p in gainers),
        key=lambda item: -math.inf if item[2] == 0 else -item[0] / item[2],
    )
    path = [root]

    def knapsack(used: int, room: int, missing: int) -> float:
        bound = -rate * missing
        for value, j, p in ranked:
            if used >> j & 1:
                continue
            if p <= room:
                bound += value
                room -= p
            else:
                return bound + value * room / p
        return bound

    def record(total: int, lock: int, chosen: int, value: float) -> None:
        if total < low or (lock >= 0 and chosen & masks[lock] != masks[lock]):
            return
        if cost is not None:
            value -= cost.cost(total)
        if value >= goal[0]:
            found.append((sorted(path), match))
            goal[1] = max(goal[1], value)
            if len(found) >= limit:
                if not keep_best:
                    raise LimitReachedError
                goal[0] = max(goal[0], math.nextafter(goal[1], math.inf))

    def grow(
        chosen: int,
        total: int,
        lock: int,
        value: float,
        extension: int,
        blocked: int,
        left: float,
        floor: float,
    ) -> None:
        while extension:
            steps[0] += 1
            if steps[0] % _CHECK_EVERY == 0:
                if time.monotonic() > at:
                    raise EnumerationTimeoutError
                if found and 0 <= steps[1] < steps[0]:
                    raise LimitReachedError
            bit = extension & -extension
            extension ^= bit
            blocked |= bit
            w = bit.bit_length() - 1
            g = gain[w]
            if g > 0:
                left -= g  # w is taken or excluded from here on
            new_total = total + population[w]
            if new_total > high:
                continue
            lock_w = lock_of[w]
            if lock_w >= 0 and lock >= 0 and lock != lock_w:
                continue
            new_value = value + g
            new_lock = lock_w if lock_w >= 0 else lock
            if new_value - floor + left < goal[0]:
                continue
            new_floor = floor
            if cost is not None:
                new_floor = cost.push(w)
                if new_value - new_floor + left < goal[0]:
                    cost.pop()
                    continue
            if (
                new_value
                - new_floor
                + knapsack(chosen | bit | blocked, high - new_total, max(0, low - new_total))
                < goal[0]
            ):
                if cost is not None:
                    cost.pop()
                continue
            path.append(w)
            record(new_total, new_lock, chosen | bit, new_value)
            grow(
                chosen | bit,
                new_total,
                new_lock,
                new_value,
                extension | (adjacency[w] & allowed & ~blocked),
                blocked,
                left,
                new_floor,
            )
            path.pop()
            if cost is not None:
                cost.pop()

    lock = lock_of[root]
    record(population[root], lock, 1 << root, gain[root])
    blocked = ~allowed | (1 << root)
    grow(
        1 << root,
        population[root],
        lock,
        gain[root],
        adjacency[root] & rest,
        blocked,
        positive,
        root_floor,
    )
    if cost is not None:
        cost.pop()


@dataclass
class Priced:
    """What the priced search proved, and the pool it grew.

    Parameters
    ----------
    outcome
        The minimum found (cost = the measure), with its bound.
    columns
        The columns it started with, then the ones pricing found.
    values
        The measure of every column of ``columns``.
    """

    outcome: Outcome
    columns: Columns
    values: IntArray


def priced_partition(
    problem: AreaProblem,
    columns: Columns,
    base: IntArray,
    *,
    start: IntArray | None,
    step: float,
    model: Partition | None = None,
    known_bound: int = 0,
) -> Priced:
    """Minimise the additive measure ``base`` with exact pricing over the unlisted pieces.

    See the module's docstring. ``start`` (columns of a plan) is the first incumbent.
    ``model``: the rows (default :meth:`Partition.of_area`); its limits must count 0 on
    every column pricing can add (connected groups in their piece's window), such as
    :func:`~footprints.optimiser.measures.outside_band`. ``known_bound``: a lower bound
    on the minimum proved otherwise (:func:`~footprints.optimiser.priorities.fewest_moves_floor`).

    With ``step`` of one unit or less, the first search is over the columns within
    ``⌈LB⌉ − LB`` of the LP bound ``LB`` only: every plan costing ``⌈LB⌉`` is made of them
    (a plan costs at least ``LB`` plus the reduced cost of each of its columns), so a plan
    found there is proved, and none found proves ``⌈LB⌉ + 1``. The pool is smaller than
    the whole unit's (on the degenerate move counts of E38000161, 9,455 columns against
    15,263).
    """
    index = problem.current.index
    assert index is not None
    deadline = problem.deadline
    pieces = [p for p, piece in enumerate(problem.pieces) if not piece.bounded]
    rows: Partition = model if model is not None else Partition.of_area(problem)
    keys = np.random.default_rng(20_251_127).integers(
        1, 2**62, size=len(problem.practices), dtype=np.int64
    )
    seen = set(
        zip(
            columns.sets.reduce(keys, np.bitwise_xor)[columns.col_set].tolist(),
            columns.col_match.tolist(),
            strict=True,
        )
    )
    values = additive_values(columns, index, base)
    scored = dataclasses.replace(columns, col_cost=values)
    gain_base = base.astype(np.float64)
    tolerance = 1e-7 * max(1.0, float(base.sum()))
    # Columns pricing out above -tolerance are not added: each plan's columns could lower
    # the bound by that much at most.
    slack = tolerance * sum(
        piece.k_range[1] if piece.k_range is not None else len(piece.nodes)
        for piece in problem.pieces
    )

    def grow(found: list[tuple[list[int], int]]) -> int:
        nonlocal columns, values, scored, rows
        fresh = []
        for members, m in found:
            key = (int(np.bitwise_xor.reduce(keys[members])), m)
            if key not in seen:
                seen.add(key)
                fresh.append((members, m))
        if fresh and problem.settings.candidate_filters:
            keep = problem.allowed(CandidateSets.of([members for members, _ in fresh]))
            fresh = [column for column, ok in zip(fresh, keep, strict=True) if ok]
        if fresh:
            old = len(columns)
            columns = extend_columns(problem, columns, fresh)
            part = dataclasses.replace(
                columns,
                col_set=columns.col_set[old:],
                col_match=columns.col_match[old:],
                col_moves=columns.col_moves[old:],
                col_cost=columns.col_cost[old:],
            )
            values = np.concatenate([values, additive_values(part, index, base)])
            scored = dataclasses.replace(columns, col_cost=values)
            rows = padded(rows, len(columns))
            lp.grow(scored)
            lp.follow(rows)
        return len(fresh)

    def unproved(note: str, incumbent: IntegerResult | None, bound: float | None) -> Priced:
        logger.debug("area %s: not proved by pricing: %s", problem.name, note)
        chosen = incumbent.chosen if incumbent is not None else np.zeros(0, np.int64)
        objective = incumbent.objective if incumbent is not None else None
        status: Status = "feasible" if objective is not None else "timed out"
        outcome = Outcome(status, objective, bound, chosen, len(columns.sets), [note])
        return Priced(outcome, columns, values)

    incumbent: IntegerResult | None = None
    if start is not None and rows.allows(columns, start):
        incumbent = IntegerResult("feasible", int(values[start].sum()), -math.inf, start)
    lp = MasterLP(scored, rows)
    lp.add(initial_columns(scored, rows.rows))
    if incumbent is not None:
        lp.add(incumbent.chosen)
    while True:  # the LP over every candidate, by pricing
        relaxation = lp.solve(deadline)
        if not relaxation.complete:
            return unproved("the LP was not solved in time", incumbent, None)
        # Infeasible over the columns at hand (phase one): price with the phase-one duals
        # (every column costs 0 there) for the columns that make it feasible.
        phase_one = not relaxation.feasible
        duals = lp.dual_values()
        priced = price(
            problem,
            np.zeros_like(gain_base) if phase_one else gain_base,
            duals,
            threshold=-PHASE_ONE_TOLERANCE if phase_one else -tolerance,
            pieces=pieces,
            at=deadline.at,
            limit=ROUND_COLUMNS,
            steps_limit=ROUND_STEPS,
        )
        if priced is None:
            return unproved("pricing did not finish", incumbent, None)
        found, complete = priced
        added = grow(found)
        logger.debug(
            "area %s: LP %.1f over %d columns; pricing found %d, %d new",
            problem.name,
            relaxation.bound,
            len(columns),
            len(found),
            added,
        )
        if complete and not added and phase_one:
            return unproved(
                "no plan meets the rules, even as a relaxation over every candidate network",
                incumbent,
                None,
            )
        if complete and not added:
            break
        if not added:
            return unproved("pricing found only columns it had", incumbent, None)
    lower = relaxation.bound - slack
    searched = -math.inf
    proved_bound = max(known_bound, math.ceil(lower - tolerance))
    tight = step <= 1.0
    delta = max(2 * tolerance, proved_bound - lower + tolerance) if tight else step
    tight_delta = delta
    if incumbent is None or incumbent.objective is None or incumbent.objective > proved_bound:
        # A plan at the bound proves itself: dive for one over the columns at hand first.
        upper = incumbent.objective - 1 if incumbent and incumbent.objective is not None else None
        dived = dive_down(
            lp,
            rows,
            proved_bound,
            upper if upper is not None else proved_bound + DIVE_STEPS - 1,
            deadline.share(DIVE_SHARE),
            name=problem.name,
        )
        if dived is not None:
            incumbent = IntegerResult("feasible", int(values[dived].sum()), -math.inf, dived)
    while incumbent is None or incumbent.objective is None or incumbent.objective > proved_bound:
        if deadline.passed():
            return unproved("time ran out", incumbent, proved_bound)
        priced = price(problem, gain_base, duals, threshold=delta, pieces=pieces, at=deadline.at)
        if priced is None or not priced[1]:
            return unproved("pricing did not finish", incumbent, proved_bound)
        found = priced[0]
        added = grow(found)
        rc = lp.reduced_costs(duals)
        if np.count_nonzero(rc <= delta + tolerance) > CP_SAT_COLUMNS:
            # keep CP-SAT's rows small: the proof holds for any delta
            delta = float(np.partition(rc, CP_SAT_COLUMNS)[CP_SAT_COLUMNS]) - 2 * tolerance
            if delta <= searched:
                return unproved("too many columns near the bound", incumbent, proved_bound)
        searched = delta
        pool = np.flatnonzero(rc <= delta + tolerance).astype(np.int64)
        result = solve_integer(
            scored,
            rows,
            pool,
            problem.settings,
            time_limit=deadline.left(),
            stop=deadline.stop,
            hint=incumbent.chosen if incumbent is not None else None,
            below=incumbent.objective if incumbent is not None else None,
        )
        logger.debug(
            "area %s: lower %.1f, delta %.1f: %d priced (%d new), pool %d: %s %s (bound %.1f)",
            problem.name,
            lower,
            delta,
            len(found),
            added,
            len(pool),
            result.status,
            result.objective,
            result.bound,
        )
        best = math.inf if incumbent is None or incumbent.objective is None else incumbent.objective
        if result.objective is not None and result.objective < best:
            incumbent = result
        if result.status not in ("optimal", "infeasible"):
            bound = math.ceil(min(result.bound, lower + delta) - tolerance)
            return unproved("time ran out", incumbent, max(proved_bound, bound))
        # every plan not in the pool costs more than lower + delta
        floor: float = math.inf
        if incumbent is not None and incumbent.objective is not None:
            floor = incumbent.objective
        proved_bound = max(proved_bound, math.ceil(min(floor, lower + delta) - tolerance))
        if floor <= lower + delta + tolerance:
            proved_bound = int(floor)
            break
        if tight and delta >= tight_delta and math.isfinite(floor):
            # the whole window of ⌈LB⌉ held no plan costing that: every plan costs more
            proved_bound = max(proved_bound, min(int(floor), proved_bound + 1))
            if floor <= proved_bound:
                break
        tight = False
        delta = max(2 * delta, floor - lower)
    assert incumbent is not None and incumbent.objective is not None
    objective, pool_size = incumbent.objective, len(columns.sets)
    outcome = Outcome("optimal", objective, float(objective), incumbent.chosen, pool_size, [])
    return Priced(outcome, columns, values)
