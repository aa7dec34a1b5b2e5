"""LP-guided diving: a plan at the LP bound, found by fixing the LP's columns one at a time.

On least change the LP bound is often the minimum (E38000006: bound 22, minimum 22), but
the LP is degenerate — tens of thousands of columns at reduced cost 0 — and CP-SAT over
them ends without a plan in an area's time (BENCHMARKS.md, "Least change: all England
(2020)"). Diving finds such a plan directly: solve the master LP; fix every column at 1
(the columns sharing a practice or a matched current network with it are excluded); take
the fractional column with the largest value and fix it too; solve again. While the LP's
value stays within ``target`` the fix is kept; otherwise the column is excluded instead;
when that too passes ``target`` the dive ends without a plan. An LP solution with every
value 0 or 1 is a plan of the model (the LP holds every row), checked again before it is
returned.

It proves nothing by itself: a plan found costing the rounded-up LP bound is proved by the
bound (:mod:`footprints.optimiser.proof`, :mod:`footprints.optimiser.pricing`). Every
exclusion is undone before :func:`dive` returns, so the master LP given goes on as it was
(its basis changed, not its columns or rows).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from footprints.errors import SolverError
from footprints.optimiser.candidates import IntArray
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.master import LPResult, MasterLP

__all__ = ["ARTIFICIAL_PRICE", "DIVE_STEPS", "DIVE_TOLERANCE", "counts_kept", "dive", "dive_down"]

logger = logging.getLogger(__name__)

DIVE_STEPS = 3
"""Targets one above another that :func:`dive_down` tries from the bound up, before the
incumbent's cost less one."""
ARTIFICIAL_PRICE = 1000.0
"""Price of the master's artificial columns during a dive, per unit of the largest cost."""
DIVE_TOLERANCE = 1e-6
"""LP values within this of 0 or 1 count as 0 or 1; LP values within this of ``target``
count as within it."""


def counts_kept(columns: Columns, model: Partition, chosen: IntArray) -> bool:
    """Whether every piece with a network-count range has a count within it."""
    pieces = columns.set_piece[columns.col_set[chosen]]
    for p, piece in enumerate(model.pieces):
        if piece.k_range is not None:
            count = int(np.count_nonzero(pieces == p))
            if not piece.k_range[0] <= count <= piece.k_range[1]:
                return False
    return True


class _Exclusions:
    """Columns kept out of a master LP for a while, and undone on request."""

    def __init__(self, lp: MasterLP) -> None:
        self.lp = lp
        self.out = np.zeros(len(lp.columns), bool)
        self.changes: list[tuple[IntArray, IntArray]] = []

    def exclude(self, cols: IntArray) -> int:
        """Keep ``cols`` out (upper bound 0, or never priced in); return an undo mark.

        A column outside the master is marked as in it, so that the master never prices it
        in (in one numpy step: there may be hundreds of thousands).
        """
        mark = len(self.changes)
        lp = self.lp
        cols = cols[~self.out[cols]]
        self.out[cols] = True
        inside = cols[lp.in_master[cols]]
        outside = cols[~lp.in_master[cols]]
        for c in inside.tolist():
            lp.variables[c].SetUb(0.0)
        lp.in_master[outside] = True
        self.changes.append((inside, outside))
        return mark

    def undo(self, mark: int = 0) -> None:
        """Let back every column excluded since ``mark``."""
        lp = self.lp
        infinity = lp.solver.infinity()
        for inside, outside in reversed(self.changes[mark:]):
            self.out[inside] = False
            self.out[outside] = False
            for c in inside.tolist():
                lp.variables[c].SetUb(infinity)
            lp.in_master[outside] = False
        del self.changes[mark:]


def _conflicts(columns: Columns, j: int, out: np.ndarray, n_practices: int) -> IntArray:
    """Columns other than ``j`` sharing a practice or a matched current network with it."""
    member = np.zeros(n_practices, np.float64)
    member[columns.sets.members_of(int(columns.col_set[j]))] = 1.0
    hit = columns.sets.sums(member)[columns.col_set] > 0
    match = int(columns.col_match[j])
    if match >= 0:
        hit |= columns.col_match == match
    hit[j] = False
    return np.flatnonzero(hit & ~out).astype(np.int64)


def _solve(lp: MasterLP, deadline: Deadline) -> tuple[LPResult | None, float]:
    """Solve the master over the columns not excluded: its result and value (inf: none)."""
    try:
        result = lp.solve(deadline)
    except SolverError:  # the exclusions left no solution in phase two (GLOP: INFEASIBLE)
        return None, math.inf
    if not result.feasible or not result.complete:
        return result, math.inf
    return result, float(lp.solver.Objective().Value())


def dive(
    lp: MasterLP,
    model: Partition,
    target: int,
    deadline: Deadline,
) -> IntArray | None:
    """Return the columns of a plan costing at most ``target`` found by diving, or ``None``.

    ``lp``: a master LP over the columns and rows of ``model``. Stops (``None``) at
    ``deadline``, when the LP passes ``target`` both ways or when the master is left without
    a solution. Every exclusion is undone before it returns.
    """
    columns = lp.columns
    cost = columns.col_cost
    excluded = _Exclusions(lp)
    fixed: set[int] = set()
    # The master's artificial columns, at a price no plan within the target pays, keep it
    # solvable whatever is excluded (else GLOP answers INFEASIBLE before the master prices
    # in the columns that would cover the rows left).
    penalty = ARTIFICIAL_PRICE * max(1.0, float(np.abs(cost).max()), float(abs(target)))
    for art in lp.artificials:
        art.SetUb(lp.solver.infinity())
        lp.objective.SetCoefficient(art, penalty)
    try:
        result, value = _solve(lp, deadline)
        for _ in range(len(model.rows) + 1):
            if result is None or value > target + DIVE_TOLERANCE or deadline.passed():
                return None
            x = result.values
            frac = np.flatnonzero((x > DIVE_TOLERANCE) & (x < 1 - DIVE_TOLERANCE))
            ones = np.flatnonzero(x >= 1 - DIVE_TOLERANCE)
            if not len(frac):
                chosen = ones.astype(np.int64)
                ok = model.allows(columns, chosen) and counts_kept(columns, model, chosen)
                if ok and int(cost[chosen].sum()) <= target:
                    return chosen
                return None
            for j in ones.tolist():
                if j not in fixed:
                    excluded.exclude(_conflicts(columns, j, excluded.out, model.n_practices))
                    fixed.add(j)
            j = int(frac[np.argmax(x[frac])])
            mark = excluded.exclude(_conflicts(columns, j, excluded.out, model.n_practices))
            result, value = _solve(lp, deadline)
            if value <= target + DIVE_TOLERANCE:
                fixed.add(j)
                continue
            excluded.undo(mark)
            excluded.exclude(np.asarray([j], np.int64))
            result, value = _solve(lp, deadline)
        return None
    finally:
        excluded.undo()
        for art in lp.artificials:
            art.SetUb(0.0)
            lp.objective.SetCoefficient(art, 0.0)


def dive_down(
    lp: MasterLP,
    model: Partition,
    lower: int,
    upper: int,
    deadline: Deadline,
    *,
    name: str = "",
) -> IntArray | None:
    """Dive for a plan costing ``lower``, ``lower + 1``, ``lower + 2``, then ``upper``.

    ``lower``: the rounded-up LP bound (a plan found there is proved); ``upper``: the most a
    plan found may cost (the incumbent's cost less one). Returns the first plan found;
    ``None`` when no dive finds one before ``deadline``.
    """
    began = time.monotonic()
    targets = sorted({*range(lower, min(upper, lower + DIVE_STEPS - 1) + 1), upper})
    for target in targets:
        if target < lower:
            continue
        if deadline.passed():
            break
        found = dive(lp, model, target, deadline)
        if found is not None:
            logger.debug(
                "area %s: dive found %d (targets %d–%d) in %.2f s",
                name,
                int(lp.columns.col_cost[found].sum()),
                lower,
                upper,
                time.monotonic() - began,
            )
            return found
    logger.debug(
        "area %s: dive found nothing in %d–%d, %.2f s", name, lower, upper, time.monotonic() - began
    )
    return None
