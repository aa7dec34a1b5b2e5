"""Subset-row cuts: triples of practices that at most one network of a plan covers twice.

In a plan every practice is in exactly one network, so of any three practices ``T`` at most
one network holds two or more of them (two such networks would share a practice of ``T``):
``Σ_{N : |N ∩ T| ≥ 2} x_N ≤ 1`` holds for every plan, over any pool of columns. The
set-partitioning LP does not know it: three networks each holding two of ``T`` at ½ each
meet every cover row and break the cut (Jepsen, Petersen, Spoorendonk & Pisinger,
Operations Research 2008: the rank-1 Chvátal–Gomory cuts of the three rows, ``⌊½ (x_a + x_b
+ x_c)⌋``).

On E38000143 (100 practices, 7 networks) the LP over the 53,207 columns of the window a
proof needs is 5.97% below the optimum, and CP-SAT's bound over them closed 0.3 of those
points in 51 s; 92 such cuts, found by ten rounds of :func:`separate`, lift that LP to the
optimum itself (BENCHMARKS.md, session 20). :func:`separate` solves the LP over a pool with
the cuts so far (GLOP over a few thousand of its columns, priced against the rest), adds the
most violated triples and repeats until none is violated or its time is up; the proof loop
hands the triples to CP-SAT (:func:`add_cuts`), whose own LP then starts from the stronger
relaxation. Valid over any pool, so the proof's window logic is unchanged.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from ortools.linear_solver import pywraplp

from footprints.optimiser.candidates import FloatArray, IntArray
from footprints.optimiser.columns import Columns, Partition

if TYPE_CHECKING:
    from footprints.optimiser.cpsat import IntegerResult
    from footprints.optimiser.problem import AreaProblem

__all__ = [
    "CUTS_PER_ROUND",
    "CUT_COLUMNS",
    "CUT_SHARE",
    "RESTRICTED",
    "Separation",
    "Triple",
    "covers_two",
    "fixed_by_cuts",
    "separate",
    "window_bound",
]

logger = logging.getLogger(__name__)

Triple = tuple[int, int, int]

CUTS_PER_ROUND = 100
"""Most triples one round of :func:`separate` adds (the most violated first)."""
_PER_PRACTICE = 3
"""Most triples of one round sharing a practice (violated triples cluster on a few practices;
spread, they lift the LP more per round)."""
RESTRICTED = 2_000
"""Columns of the pool the LP of :func:`separate` starts with (the cheapest by reduced cost,
the incumbent's); the others join while they price below 0."""
_ENTER = 500
"""Most columns joining the LP per pricing step."""
_VIOLATION = 1e-4
"""How far a triple's left side must pass 1 to count as violated."""


def _members(columns: Columns, pool: IntArray) -> tuple[IntArray, IntArray]:
    """Return the practices of the columns ``pool``, flat, and where each column's start."""
    sets = columns.sets
    chosen = columns.col_set[pool]
    sizes = sets.sizes[chosen]
    starts = sets.offsets[chosen]
    entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
    firsts = np.zeros(len(pool), np.int64)
    np.cumsum(sizes[:-1], out=firsts[1:])
    return sets.members[entry].astype(np.int64), firsts


def _membership(columns: Columns, pool: IntArray, n: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Return a ``len(pool) × n`` table: whether column ``pool[r]`` holds practice ``i``."""
    members, firsts = _members(columns, pool)
    sizes = np.diff(np.append(firsts, len(members)))
    table = np.zeros((len(pool), n), bool)
    table[np.repeat(np.arange(len(pool)), sizes), members] = True
    return table


def _by_practice(columns: Columns, pool: IntArray, n: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Return an ``n × len(pool)`` table: whether practice ``i`` is in column ``pool[r]``.

    :func:`_membership` transposed, each practice's row contiguous: a cut's columns are
    three rows added (:func:`_covering_two`), where reading one practice from the other
    strides over every column (E38000243's window of 458,639 columns: 55 ms a cut).
    """
    members, firsts = _members(columns, pool)
    sizes = np.diff(np.append(firsts, len(members)))
    table = np.zeros((n, len(pool)), bool)
    table[members, np.repeat(np.arange(len(pool)), sizes)] = True
    return table


def _covering_two(by_practice: np.ndarray[Any, np.dtype[np.bool_]], triple: Triple) -> IntArray:
    """Columns of ``by_practice`` (see :func:`_by_practice`) holding two or more of ``triple``."""
    i, j, k = triple
    held = by_practice[i].astype(np.uint8) + by_practice[j] + by_practice[k]
    return np.flatnonzero(held >= 2).astype(np.int64)


def covers_two(table: np.ndarray[Any, np.dtype[np.bool_]], triple: Triple) -> IntArray:
    """Rows of ``table`` (see :func:`_membership`) holding two or more of ``triple``."""
    held = table[:, list(triple)].sum(axis=1)
    return np.flatnonzero(held >= 2).astype(np.int64)


def _violated(
    by_practice: np.ndarray[Any, np.dtype[np.bool_]],
    values: np.ndarray[Any, np.dtype[np.float64]],
    at: float = math.inf,
) -> list[tuple[float, Triple]]:
    """Every triple whose cut the LP solution ``values`` (per column of ``by_practice``) breaks.

    Those found by ``at`` (``time.monotonic()``) where the time runs out first.

    The left side of triple ``(i, j, k)`` is ``P_ij + P_ik + P_jk − 2 Q_ijk``: ``P`` the
    weight of the columns holding a pair, ``Q`` of those holding all three. Each ``P`` is at
    most 1 (a cover row), so a broken cut has two pairs of positive weight, which share a
    practice ``a``: the triples are sought among ``a`` and two of its *partners* (the
    practices sharing a column of positive value with it), not among every pair of
    practices (E38000243's window: 2 s a round over every pair, BENCHMARKS.md session 21).
    """
    used = np.flatnonzero(values > 1e-9)
    if not len(used):
        return []
    held = by_practice[:, used].T.astype(np.float64)
    weight = values[used]
    active = np.flatnonzero(held.sum(axis=0) > 0)
    held = held[:, active]
    pairs = (held * weight[:, None]).T @ held
    found: dict[Triple, float] = {}
    for a in range(len(active)):
        if time.monotonic() >= at:
            break
        partners = np.flatnonzero(pairs[a] > 0.0)
        partners = partners[partners != a]
        if len(partners) < 2:
            continue
        near = held[:, partners]
        with_a = near * (weight * held[:, a])[:, None]
        triples = with_a.T @ near
        row = pairs[a][partners]
        side = row[:, None] + row[None, :] + pairs[np.ix_(partners, partners)] - 2.0 * triples
        for b, c in zip(*np.nonzero(np.triu(side > 1.0 + _VIOLATION, k=1)), strict=True):
            i, j, k = sorted((int(active[a]), int(active[partners[b]]), int(active[partners[c]])))
            found[(i, j, k)] = float(side[b, c])
    return sorted(((v, t) for t, v in found.items()), reverse=True)


class _CutLP:
    """The LP over a pool: cover rows, network counts and subset-row cuts, grown by pricing."""

    def __init__(self, columns: Columns, model: Partition, pool: IntArray) -> None:
        self.pool = pool
        self.by_practice = _by_practice(columns, pool, model.n_practices)
        self.members, self.firsts = _members(columns, pool)
        self.ends = np.append(self.firsts[1:], len(self.members))
        self.cost = columns.col_cost[pool].astype(np.float64)
        self.piece = columns.set_piece[columns.col_set[pool]]
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools GLOP is not available")
        self.solver = solver
        # Artificials keep every restricted LP feasible; the LP only guides the separation
        # and bounds plans, which have none, so their cost need not be large. At 100 times
        # the dearest column GLOP answered ABNORMAL at once on E38000245's window (columns
        # up to 119.7 M): no bound at all.
        big = 2.0 * float(max(1.0, np.abs(self.cost).max()))
        self.bound = -math.inf  # of the last complete solve (see _dual_bound)
        self.reduced: np.ndarray[Any, np.dtype[np.float64]] | None = None  # of that solve
        objective = solver.Objective()
        objective.SetMinimization()
        self.cover: dict[int, Any] = {}
        for i in model.rows:
            row = solver.Constraint(1.0, 1.0)
            art = solver.NumVar(0.0, solver.infinity(), "")
            row.SetCoefficient(art, 1.0)
            objective.SetCoefficient(art, big)
            self.cover[i] = row
        self.counts: dict[int, Any] = {}
        self.k_ranges: dict[int, tuple[int, int]] = {}
        for p, piece in enumerate(model.pieces):
            if piece.k_range is not None:
                self.k_ranges[p] = piece.k_range
                self.counts[p] = solver.Constraint(float(piece.k_range[0]), float(piece.k_range[1]))
                for sign in (1.0, -1.0):
                    art = solver.NumVar(0.0, solver.infinity(), "")
                    self.counts[p].SetCoefficient(art, sign)
                    objective.SetCoefficient(art, big)
        self.objective = objective
        self.cuts: list[tuple[Triple, Any, IntArray]] = []
        self.variables: dict[int, Any] = {}
        self.rows = np.asarray(model.rows, np.int64)

    def add(self, rows: IntArray) -> None:
        """Bring rows of the pool (not yet in) into the LP."""
        new: list[int] = []
        for r in rows.tolist():
            if r in self.variables:
                continue
            # no upper bound (the cover rows keep it at most 1): a bound's dual would
            # enter the plan's cost otherwise (see _dual_bound)
            var = self.solver.NumVar(0.0, self.solver.infinity(), "")
            for i in self.members[self.firsts[r] : self.ends[r]].tolist():
                if i in self.cover:
                    self.cover[i].SetCoefficient(var, 1.0)
            piece = int(self.piece[r])
            if piece in self.counts:
                self.counts[piece].SetCoefficient(var, 1.0)
            self.objective.SetCoefficient(var, float(self.cost[r]))
            self.variables[r] = var
            new.append(r)
        if new and self.cuts:  # each cut's side, over the new columns at once
            held = self.by_practice[:, np.asarray(new, np.int64)]
            for triple, row, _ in self.cuts:
                for k in np.flatnonzero(held[list(triple)].sum(axis=0) >= 2).tolist():
                    row.SetCoefficient(self.variables[new[k]], 1.0)

    def cut(self, triple: Triple) -> None:
        """Add the cut of ``triple`` over the columns in the LP (later ones join it on add)."""
        row = self.solver.Constraint(-self.solver.infinity(), 1.0)
        rows = _covering_two(self.by_practice, triple)
        for r in rows.tolist():
            if r in self.variables:
                row.SetCoefficient(self.variables[r], 1.0)
        self.cuts.append((triple, row, rows))

    def solve(self, deadline_at: float) -> bool:
        """Solve over the pool (pricing the rest in); ``False`` if time ran out or GLOP failed."""
        while True:
            left = deadline_at - time.monotonic()
            if left <= 0:
                return False
            if math.isfinite(left):
                self.solver.SetTimeLimit(max(1, int(1000 * left)))
            status = self.solver.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                logger.debug(
                    "subset-row LP: GLOP answered %d over %d columns", status, len(self.variables)
                )
                return False
            node = np.zeros(self.by_practice.shape[0])
            for i, row in self.cover.items():
                node[i] = row.dual_value()
            reduced = self.cost - np.add.reduceat(node[self.members], self.firsts)
            for p, row in self.counts.items():
                reduced[self.piece == p] -= row.dual_value()
            for _, row, rows in self.cuts:
                reduced[rows] -= row.dual_value()
            tolerance = 1e-7 * max(1.0, float(np.abs(self.cost).max()))
            outside = np.ones(len(reduced), bool)
            outside[list(self.variables)] = False
            entering = np.flatnonzero(outside & (reduced < -tolerance))
            if not len(entering):
                self.bound = self._dual_bound(node, reduced)
                self.reduced = reduced
                return True
            self.add(entering[np.argsort(reduced[entering], kind="stable")[:_ENTER]])

    def _dual_bound(
        self,
        node: np.ndarray[Any, np.dtype[np.float64]],
        reduced: np.ndarray[Any, np.dtype[np.float64]],
    ) -> float:
        """Bound every plan over the pool from the duals alone (weak duality).

        A plan's cost is ``Σ rc_N + Σ_i π_i + Σ_p σ_p k_p + Σ_T μ_T (its side of T)``: at
        least ``Σ_i π_i + Σ_p min(σ_p lo_p, σ_p hi_p) + Σ_T min(μ_T, 0)``, less the networks
        it can have times the most negative reduced cost (GLOP's tolerances), whatever the
        solver's own objective says. The artificials play no part (a plan has none).
        """
        bound = float(node[self.rows].sum())
        networks = float(len(self.rows))
        for p, row in self.counts.items():
            dual = row.dual_value()
            low, high = self.k_ranges[p]
            bound += min(dual * low, dual * high)
        for _, row, _ in self.cuts:
            bound += min(row.dual_value(), 0.0)
        return bound + networks * min(0.0, float(reduced.min(initial=0.0)))

    def values(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Each pool column's value in the last solve (0 outside the LP)."""
        out = np.zeros(len(self.cost))
        for r, var in self.variables.items():
            out[r] = var.solution_value()
        return out


@dataclass
class Separation:
    """What :func:`separate` found.

    Parameters
    ----------
    triples
        The new triples (not those it was given), in the order found.
    bound
        A lower bound on every plan made of the pool's columns, from the duals of the last
        LP solved to the end (with the cuts then known), ``-inf`` if none was.
    lp
        The LP, to go on from (``separate``'s ``again``) over the same pool.
    """

    triples: list[Triple]
    bound: float
    lp: _CutLP | None = field(default=None, repr=False)


def separate(
    columns: Columns,
    model: Partition,
    pool: IntArray,
    *,
    rank: np.ndarray[Any, np.dtype[np.float64]] | None = None,
    start: IntArray | None = None,
    known: Sequence[Triple] = (),
    at: float,
    rounds: int = 20,
    again: Separation | None = None,
) -> Separation:
    """Find triples whose cuts the LP over ``pool`` breaks, round after round, until ``at``.

    ``rank`` (per column of ``columns``, e.g. reduced costs) chooses the first
    :data:`RESTRICTED` columns of the LP, with ``start`` (a plan's columns, if in the pool);
    ``known`` triples are cut from the start. Returns the new triples (not ``known``), in
    the order found (each round's kept even if the time runs out in the next), and the
    bound of the last LP solved to the end (:class:`Separation`). ``again``: an earlier
    answer over the same pool and columns, whose LP (its columns and cuts) is gone on from
    rather than built anew (E38000143: 1–2 s of a 53,207-column window at a load of 7).
    """
    if not len(pool) or not model.rows:
        return Separation([], -math.inf)
    lp = again.lp if again is not None else None
    if lp is None or not np.array_equal(lp.pool, pool):
        lp = _CutLP(columns, model, pool)
        order = (
            np.argsort(rank[pool], kind="stable")
            if rank is not None
            else np.arange(len(pool), dtype=np.int64)
        )
        first = order[:RESTRICTED]
        if start is not None:
            first = np.union1d(first, np.flatnonzero(np.isin(pool, start)))
        lp.add(first.astype(np.int64))
    have = {triple for triple, _, _ in lp.cuts}
    for triple in known:
        if triple not in have:
            have.add(triple)
            lp.cut(triple)
    found: list[Triple] = []
    for _ in range(rounds):
        if not lp.solve(at):
            break
        value = lp.solver.Objective().Value()
        uses: dict[int, int] = {}
        added = 0
        for _, triple in _violated(lp.by_practice, lp.values(), at):
            if triple in have or any(uses.get(i, 0) >= _PER_PRACTICE for i in triple):
                continue
            for i in triple:
                uses[i] = uses.get(i, 0) + 1
            have.add(triple)
            found.append(triple)
            lp.cut(triple)
            added += 1
            if added >= CUTS_PER_ROUND:
                break
        logger.debug(
            "subset-row round: LP %.0f (dual bound %.0f) over %d of %d columns, %d cuts added",
            value,
            lp.bound,
            len(lp.variables),
            len(pool),
            added,
        )
        if not added or time.monotonic() >= at:
            break
    return Separation(found, lp.bound, lp)


# ------------------------------------------------------------------ the window of a proof

CUT_SHARE = 0.3
"""Share of the time left that the subset-row LP over a window may take
(:func:`window_bound`) after a solve; all of it where the loop would stop anyway."""
CUT_COLUMNS = 500_000
"""Most columns of a window that the subset-row LP is solved over. The windows a proof needs
on the areas that stopped short hold 48,121–66,579 (E38000091, 143, 244, 245), E38000243's
458,639 (its LP with cuts 2.6 s at a load of 10, BENCHMARKS.md session 21); the table of
which practice each column holds is practices × columns bytes (100 MB at 200 × 500,000)."""


def fixed_by_cuts(
    rc: FloatArray, lower: float, found: Separation | None, tolerance: float
) -> tuple[FloatArray, float] | None:
    """Reduced costs and bound at the duals of the LP with cuts, where it bounds higher.

    ``rc`` and ``lower``: the loop's (a plan holding column ``N`` costs at least ``lower +
    rc[N]``); ``found``: the LP with cuts over the window ``found.lp.pool`` (the columns of
    ``rc`` up to the incumbent's gap when it ran), its bound ``B`` and reduced costs
    ``r'`` at its last complete solve. A plan of the window holding ``N`` costs at least
    ``B + r'[N]`` (weak duality, with the cuts: :meth:`_CutLP._dual_bound`); a plan with a
    column outside it costs more than that incumbent, more than any plan the loop still
    looks for. So every column's reduced cost becomes the
    larger of ``rc[N] + lower − B`` and (in the window) ``r'[N]``, and the bound ``B``:
    reduced-cost fixing by the stronger LP, a narrower window. ``None`` where ``B`` is no
    higher than ``lower``. E38000243: the 458,639 columns within the plan's gap become
    103,894 at the duals of 49 cuts (BENCHMARKS.md, session 21).
    """
    if found is None or found.lp is None or found.lp.reduced is None:
        return None
    bound = found.bound
    if not bound > lower + tolerance:
        return None
    fixed = rc + (lower - bound)
    window = found.lp.pool
    fixed[window] = np.maximum(fixed[window], found.lp.reduced)
    return fixed, bound


def window_bound(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    rc: FloatArray,
    width: float,
    incumbent: IntegerResult | None,
    triples: list[Triple],
    share: float | None = None,
    kept: list[Separation] | None = None,
) -> float:
    """Bound every plan made of the columns of reduced cost ``≤ width`` (the window).

    The LP over them with subset-row cuts (:func:`separate`) in ``share`` of the time left
    (:data:`CUT_SHARE`, read at the call, unless given), starting from ``triples`` (extended
    with the new ones);
    ``-inf`` where the window holds more than :data:`CUT_COLUMNS` or no LP ended in time.
    ``kept``: the last answer (replaced by this one), whose LP goes on where the window is
    the same.
    Rows it does not model (matching, a move budget, limits) are left out: the bound is
    still valid, only weaker. E38000143: the window of 53,207 columns a proof needs has its
    LP 5.97% below the optimum; 103 cuts in ten rounds (6 s at a load of 10) bound it at
    the optimum, which CP-SAT's search over the same columns had not proved in 51 s
    (BENCHMARKS.md, session 20).
    """
    share = CUT_SHARE if share is None else share
    window = np.flatnonzero(rc <= width).astype(np.int64)
    if len(window) > CUT_COLUMNS:
        return -math.inf
    at = time.monotonic() + share * max(0.0, problem.deadline.left())
    found = separate(
        columns,
        model,
        window,
        rank=rc,
        start=incumbent.chosen if incumbent is not None else None,
        known=triples,
        at=at,
        again=kept[0] if kept else None,
    )
    triples.extend(found.triples)
    if kept is not None:
        kept[:] = [found]
    logger.debug(
        "area %s: subset-row LP over %d columns: bound %.0f, %d cuts",
        problem.name,
        len(window),
        found.bound,
        len(triples),
    )
    return found.bound
