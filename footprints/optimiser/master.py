"""The set-partitioning master LP, solved with GLOP by column generation.

A restricted master over a few thousand columns is solved; every column of the pool is then
priced with numpy from its duals, and the columns with negative reduced cost join the master,
until none is left. Phase 1 (artificial variables only in the objective) finds a feasible
master or proves there is none; phase 2 minimises cost. The result is a lower bound on the
cost of any plan and the reduced cost of every column, which the proof loop
(:mod:`footprints.optimiser.proof`) uses to filter the columns CP-SAT sees.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from footprints.errors import SolverError
from footprints.optimiser import candidates
from footprints.optimiser.candidates import FloatArray, IntArray
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.deadline import Deadline, Interrupter

__all__ = [
    "EARLY_STOP_S",
    "GLOP_STATUSES",
    "Duals",
    "LPResult",
    "MasterLP",
    "glop_failure",
    "initial_columns",
]

logger = logging.getLogger(__name__)

_GLOP = pywraplp.Solver
GLOP_STATUSES = {
    _GLOP.OPTIMAL: "OPTIMAL",
    _GLOP.FEASIBLE: "FEASIBLE",
    _GLOP.INFEASIBLE: "INFEASIBLE",
    _GLOP.UNBOUNDED: "UNBOUNDED",
    _GLOP.ABNORMAL: "ABNORMAL",
    _GLOP.MODEL_INVALID: "MODEL_INVALID",
    _GLOP.NOT_SOLVED: "NOT_SOLVED",
}
"""Every status GLOP answers with (``pywraplp.Solver``'s constants), by name."""

#: GLOP's answers when its time limit (or an interrupt) ended the solve early. ABNORMAL is
#: among them: on a loaded machine GLOP answered it at its deadline (phase 2, 7,197 columns,
#: 0.0 s left), as it once answered FEASIBLE there (52R, issue 17); with more than
#: :data:`EARLY_STOP_S` left, each is a failure.
_STOPPED = (_GLOP.FEASIBLE, _GLOP.NOT_SOLVED, _GLOP.ABNORMAL)

EARLY_STOP_S = 0.5
"""Seconds before its deadline that GLOP may stop (``FEASIBLE``, ``NOT_SOLVED``,
``ABNORMAL``) and still count as stopped by the time limit: it measures time itself and may
end a little early.
"""

_MEANING = {
    _GLOP.FEASIBLE: "it stopped before its time limit",
    _GLOP.NOT_SOLVED: "it stopped before its time limit",
    _GLOP.INFEASIBLE: "although its artificial variables make every master feasible "
    "(numerical trouble)",
    _GLOP.UNBOUNDED: "although no column costs less than 0 (numerical trouble)",
    _GLOP.ABNORMAL: "(numerical trouble, or a failure inside the solver)",
    _GLOP.MODEL_INVALID: "(it rejected a coefficient or a bound: one that is not finite?)",
}


def glop_failure(status: int, *, phase: int, columns: int, left: float) -> str:
    """Say, in one sentence, which unusable answer GLOP gave on the master LP."""
    name = GLOP_STATUSES.get(status, "an unknown status")
    meaning = _MEANING.get(status, "(an answer the optimiser does not know)")
    return (
        f"GLOP answered {name} (status {status}) on the master LP, {meaning}, in phase "
        f"{phase} with {columns:,} columns and {left:.1f} s left"
    )


@dataclass
class Duals:
    """The master LP's duals after a solve.

    Parameters
    ----------
    node
        Per practice: the dual of its cover row (0 for practices not in the rows).
    piece
        Per piece, then one 0: the dual of its network-count row (0 without one).
    match
        Per current network, then one 0: the dual of its matching row.
    moves
        The dual of the move budget row (0 without one).
    limits
        The duals of the side rows, in order.
    bound
        The dual bound they prove over the columns that price out at 0 or more.
    """

    node: FloatArray
    piece: FloatArray
    match: FloatArray
    moves: float
    limits: list[float]
    bound: float


@dataclass
class LPResult:
    """What the master LP proved.

    Parameters
    ----------
    feasible
        Whether the relaxation has a solution.
    bound
        Proved lower bound (cost units), valid over every column.
    reduced_costs
        Reduced cost of every column.
    values
        LP value per column (0 outside the restricted master).
    complete
        ``False`` when the deadline stopped column generation.
    """

    feasible: bool
    bound: float
    reduced_costs: FloatArray
    values: FloatArray
    complete: bool


class MasterLP:
    """Set-partitioning LP solved with GLOP by column generation over ``columns``.

    Parameters
    ----------
    columns
        The pool of columns.
    partition
        The rows: practices covered exactly once, network counts per piece, current networks
        matched at most once, the move budget.
    """

    def __init__(self, columns: Columns, partition: Partition) -> None:
        self.columns = columns
        self.rows = partition.rows
        self.n_nodes = partition.n_practices
        self.pieces = partition.pieces
        self.n_match = partition.n_match
        self.max_moves = partition.max_moves
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools GLOP is not available")
        self.solver = solver
        inf = solver.infinity()
        self.node_rows: dict[int, Any] = {}
        self.artificials: list[Any] = []
        for node in self.rows:
            row = solver.Constraint(1.0, 1.0)
            art = solver.NumVar(0.0, inf, "")
            row.SetCoefficient(art, 1.0)
            self.artificials.append(art)
            self.node_rows[node] = row
        self.piece_rows: dict[int, Any] = {}
        for p, piece in enumerate(self.pieces):
            if piece.k_range is None:
                continue
            row = solver.Constraint(float(piece.k_range[0]), float(piece.k_range[1]))
            for sign in (1.0, -1.0):
                art = solver.NumVar(0.0, inf, "")
                row.SetCoefficient(art, sign)
                self.artificials.append(art)
            self.piece_rows[p] = row
        self.match_rows = [solver.Constraint(-inf, 1.0) for _ in range(self.n_match)]
        self.moves_row = None
        if self.max_moves is not None:
            self.moves_row = solver.Constraint(-inf, float(self.max_moves))
            art = solver.NumVar(0.0, inf, "")
            self.moves_row.SetCoefficient(art, -1.0)
            self.artificials.append(art)
        self.limits = partition.limits
        self.limit_rows: list[Any] = []
        for limit in self.limits:
            row = solver.Constraint(-inf, float(limit.most))
            art = solver.NumVar(0.0, inf, "")
            row.SetCoefficient(art, -1.0)
            self.artificials.append(art)
            self.limit_rows.append(row)
        self.in_master = np.zeros(len(columns), dtype=bool)
        self.variables: dict[int, Any] = {}
        self.objective = solver.Objective()
        self.objective.SetMinimization()
        self.phase = 1
        for art in self.artificials:
            self.objective.SetCoefficient(art, 1.0)
        piece_of_col = columns.set_piece[columns.col_set]
        has_row = np.array([p in self.piece_rows for p in range(len(self.pieces))] + [False])
        self.piece_index_of_col = np.where(has_row[piece_of_col], piece_of_col, -1)
        self._upper_networks = sum(
            piece.k_range[1] if piece.k_range is not None else len(piece.nodes)
            for piece in self.pieces
        )

    def follow(self, partition: Partition) -> None:
        """Take the move budget and the limits' bounds of ``partition``, keeping GLOP's basis.

        ``partition`` has the rows this LP was built with, the same limits (values) and a
        move budget exactly when this LP has one; only the bounds change.
        """
        if (partition.max_moves is None) != (self.moves_row is None) or len(
            partition.limits
        ) != len(self.limits):
            raise ValueError(
                "the master LP was built with other rows: a move budget "
                f"{self.max_moves}, {len(self.limits)} limit(s)"
            )
        if self.moves_row is not None and partition.max_moves is not None:
            self.max_moves = partition.max_moves
            self.moves_row.SetUb(float(partition.max_moves))
        self.limits = partition.limits
        for limit, row in zip(self.limits, self.limit_rows, strict=True):
            row.SetUb(float(limit.most))

    def add(self, cols: Iterable[int]) -> None:
        """Add the columns ``cols`` to the restricted master (those not in it yet)."""
        columns = self.columns
        sets = columns.sets
        inf = self.solver.infinity()
        for j in cols:
            j = int(j)
            if self.in_master[j]:
                continue
            self.in_master[j] = True
            var = self.solver.NumVar(0.0, inf, "")
            s = int(columns.col_set[j])
            for node in sets.members[sets.offsets[s] : sets.offsets[s + 1]]:
                self.node_rows[int(node)].SetCoefficient(var, 1.0)
            piece = int(columns.set_piece[s])
            if piece in self.piece_rows:
                self.piece_rows[piece].SetCoefficient(var, 1.0)
            match = int(columns.col_match[j])
            if match >= 0:
                self.match_rows[match].SetCoefficient(var, 1.0)
            if self.moves_row is not None and columns.col_moves[j]:
                self.moves_row.SetCoefficient(var, float(columns.col_moves[j]))
            for limit, row in zip(self.limits, self.limit_rows, strict=True):
                if limit.values[j]:
                    row.SetCoefficient(var, float(limit.values[j]))
            if self.phase == 2:
                self.objective.SetCoefficient(var, float(columns.col_cost[j]))
            self.variables[j] = var

    def add_relaxed(self, nodes: IntArray, shares: FloatArray, piece: int, cost: float) -> None:
        """Add a column that is no candidate network: ``shares`` of ``nodes``' rows at ``cost``.

        A relaxed network (:mod:`~footprints.optimiser.shaping`): it counts once in
        ``piece``'s network-count row, and only the duals see it (not the values, not the
        reduced costs of :meth:`solve`). Only after phase 1 (a solved, feasible master).
        """
        if self.phase != 2:
            raise ValueError("relaxed columns join a master only once it is feasible (phase 2)")
        var = self.solver.NumVar(0.0, self.solver.infinity(), "")
        for node, share in zip(nodes.tolist(), shares.tolist(), strict=True):
            self.node_rows[int(node)].SetCoefficient(var, float(share))
        if piece in self.piece_rows:
            self.piece_rows[piece].SetCoefficient(var, 1.0)
        self.objective.SetCoefficient(var, float(cost))

    def _start_phase_two(self) -> None:
        self.phase = 2
        for art in self.artificials:
            self.objective.SetCoefficient(art, 0.0)
            art.SetUb(0.0)
        for j, var in self.variables.items():
            self.objective.SetCoefficient(var, float(self.columns.col_cost[j]))

    def grow(self, columns: Columns) -> None:
        """Go on over ``columns``: this LP's columns first, in the same order, then new ones."""
        old = len(self.columns)
        if len(columns) < old or not np.array_equal(columns.col_set[:old], self.columns.col_set):
            raise ValueError("grow() takes the master's columns followed by new ones")
        self.columns = columns
        self.in_master = np.concatenate([self.in_master, np.zeros(len(columns) - old, dtype=bool)])
        piece_of_col = columns.set_piece[columns.col_set]
        has_row = np.array([p in self.piece_rows for p in range(len(self.pieces))] + [False])
        self.piece_index_of_col = np.where(has_row[piece_of_col], piece_of_col, -1)

    def dual_values(self) -> Duals:
        """Return the duals of the last solve, and the dual bound they prove."""
        node_dual = np.zeros(self.n_nodes, np.float64)
        for node, row in self.node_rows.items():
            node_dual[node] = row.dual_value()
        piece_dual = np.zeros(len(self.pieces) + 1, np.float64)
        dual_bound = float(node_dual.sum())
        for p, row in self.piece_rows.items():
            d = row.dual_value()
            piece_dual[p] = d
            dual_bound += min(d * row.lb(), d * row.ub())
        match_dual = np.zeros(self.n_match + 1, np.float64)
        for m, row in enumerate(self.match_rows):
            d = row.dual_value()
            match_dual[m] = d
            dual_bound += min(0.0, d)
        moves_dual = 0.0
        if self.moves_row is not None and self.max_moves is not None:
            moves_dual = self.moves_row.dual_value()
            dual_bound += min(0.0, moves_dual * self.max_moves)
        limit_duals = []
        for limit, row in zip(self.limits, self.limit_rows, strict=True):
            d = row.dual_value()
            dual_bound += min(0.0, d * limit.most)
            limit_duals.append(d)
        return Duals(node_dual, piece_dual, match_dual, moves_dual, limit_duals, dual_bound)

    def reduced_costs(self, duals: Duals, *, with_costs: bool = True) -> FloatArray:
        """Reduced cost of every column under ``duals`` (phase 1: ``with_costs=False``)."""
        columns = self.columns
        set_dual = columns.sets.sums(duals.node)
        costs = columns.col_cost.astype(np.float64) if with_costs else 0.0
        rc = (
            costs
            - set_dual[columns.col_set]
            - duals.piece[self.piece_index_of_col]
            - duals.match[columns.col_match]
            - duals.moves * columns.col_moves
        )
        for limit, d in zip(self.limits, duals.limits, strict=True):
            rc = rc - d * limit.values
        return np.asarray(rc, np.float64)

    def _price(self) -> tuple[FloatArray, float]:
        """Reduced cost of every column and the dual bound of the current duals."""
        duals = self.dual_values()
        return self.reduced_costs(duals, with_costs=self.phase == 2), duals.bound

    def solve(self, deadline: Deadline) -> LPResult:
        """Column generation until no column prices out or ``deadline`` passes.

        Raises
        ------
        SolverError
            When GLOP answers anything but ``OPTIMAL``, other than stopping at the deadline
            (see :data:`GLOP_STATUSES` and :func:`glop_failure`).
        """
        columns = self.columns
        n_cols = len(columns)
        batch = max(200, 4 * len(self.rows))
        empty = np.zeros(0, np.float64)
        if n_cols == 0:
            return LPResult(not self.rows, 0.0, empty, empty, True)
        scale = max(1.0, float(np.abs(columns.col_cost).max()))
        complete = True
        while True:
            # GLOP is not otherwise interruptible: one solve of a large master can run long.
            self.solver.SetTimeLimit(max(1, int(1000 * deadline.left())))
            with Interrupter(deadline.stop, self.solver.InterruptSolve):
                status = self.solver.Solve()
            if status == _GLOP.ABNORMAL and not deadline.passed():
                # Numerical trouble in the warm-started basis (E38000107, E38000135 of
                # England's least change): once more from scratch before giving up.
                scratch = pywraplp.MPSolverParameters()
                scratch.SetIntegerParam(
                    pywraplp.MPSolverParameters.INCREMENTALITY,
                    pywraplp.MPSolverParameters.INCREMENTALITY_OFF,
                )
                self.solver.SetTimeLimit(max(1, int(1000 * deadline.left())))
                with Interrupter(deadline.stop, self.solver.InterruptSolve):
                    status = self.solver.Solve(scratch)
                if status == _GLOP.OPTIMAL:
                    logger.debug("GLOP answered ABNORMAL, then OPTIMAL from scratch")
            if status == _GLOP.ABNORMAL and not deadline.passed():
                # Still in trouble from scratch (the demo's least change, all four of
                # session 11's branches merged): the primal simplex without presolve.
                primal = pywraplp.MPSolverParameters()
                primal.SetIntegerParam(
                    pywraplp.MPSolverParameters.INCREMENTALITY,
                    pywraplp.MPSolverParameters.INCREMENTALITY_OFF,
                )
                primal.SetIntegerParam(
                    pywraplp.MPSolverParameters.PRESOLVE,
                    pywraplp.MPSolverParameters.PRESOLVE_OFF,
                )
                primal.SetIntegerParam(
                    pywraplp.MPSolverParameters.LP_ALGORITHM,
                    pywraplp.MPSolverParameters.PRIMAL,
                )
                self.solver.SetTimeLimit(max(1, int(1000 * deadline.left())))
                with Interrupter(deadline.stop, self.solver.InterruptSolve):
                    status = self.solver.Solve(primal)
                if status == _GLOP.OPTIMAL:
                    logger.debug("GLOP answered ABNORMAL twice, then OPTIMAL by primal simplex")
            if status != _GLOP.OPTIMAL:
                # Stopped by the time limit or the user: no bound. GLOP may end a little
                # before the deadline it was given (FEASIBLE, NOT_SOLVED or ABNORMAL).
                left = deadline.left()
                if deadline.passed() or (status in _STOPPED and left <= EARLY_STOP_S):
                    return LPResult(False, -math.inf, empty, empty, False)
                # Any other answer is unusable: the area falls back to its quick plan.
                raise SolverError(
                    glop_failure(status, phase=self.phase, columns=len(self.variables), left=left)
                )
            rc, dual_bound = self._price()
            tolerance = 1e-9 * (scale if self.phase == 2 else 1.0) + 1e-9
            negative = np.flatnonzero((rc < -tolerance) & ~self.in_master)
            if len(negative) and not deadline.passed():
                if len(negative) > batch:
                    negative = negative[np.argpartition(rc[negative], batch)[:batch]]
                self.add(negative)
                continue
            if len(negative):
                complete = False
            if self.phase == 1:
                infeasibility = self.objective.Value()
                if infeasibility > 1e-6 and complete:
                    return LPResult(False, math.inf, rc, empty, True)
                if infeasibility > 1e-6:
                    return LPResult(False, -math.inf, rc, empty, False)
                self._start_phase_two()
                continue
            break
        # Lagrangian bound: any plan has at most `upper_networks` columns, so columns with
        # (numerically) negative reduced cost cannot lower it by more than this.
        bound = dual_bound + self._upper_networks * min(0.0, float(rc.min()))
        values = np.zeros(n_cols, np.float64)
        for j, var in self.variables.items():
            values[j] = var.solution_value()
        return LPResult(True, bound, rc, values, complete)


def initial_columns(columns: Columns, rows: list[int]) -> IntArray:
    """For each practice the cheapest column holding it: a cheap start for the master.

    Ties go to the lowest column. The columns are taken cheapest first, in chunks, until
    every practice of ``rows`` has one, so no array the size of all the pool's members is
    built and a large pool is rarely read to the end.
    """
    if len(columns) == 0 or not rows:
        return np.zeros(0, np.int64)
    sets = columns.sets
    n_nodes = max(int(sets.members.max()), max(rows)) + 1
    best_col = np.full(n_nodes, -1, np.int64)
    wanted = np.asarray(rows, np.int64)
    order = np.argsort(columns.col_cost, kind="stable")  # equal cost: lower column first
    step = max(1, candidates.CHUNK // 5)
    for start in range(0, len(order), step):
        cols = order[start : start + step]
        set_ids = columns.col_set[cols]
        sizes = sets.sizes[set_ids]
        starts = sets.offsets[:-1][set_ids]
        col = np.repeat(cols, sizes)
        entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        node = sets.members[entry].astype(np.int64)
        fresh = best_col[node] < 0
        node, col = node[fresh], col[fresh]
        first_nodes, first = np.unique(node, return_index=True)
        best_col[first_nodes] = col[first]
        if (best_col[wanted] >= 0).all():
            break
    return np.unique(best_col[best_col >= 0])
