"""The integer set-partitioning model, solved with CP-SAT: build, solve, status in words.

:func:`build_model` makes one boolean per column of a pool and adds each family of
constraints with its own ``add_*`` function (cover every practice once, network counts per
piece, each current network matched at most once, the move budget, the side rows of the
lexicographic solves, and the two cuts the proof loop uses); :func:`solve_model` runs
CP-SAT; :func:`status_words` and :func:`read_result` turn its answer into words and chosen
columns. :func:`solve_integer` runs the three steps.
"""

from __future__ import annotations

import math
import signal
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from footprints.errors import SolverError
from footprints.optimiser.candidates import IntArray
from footprints.optimiser.columns import Columns, Limit, Partition
from footprints.optimiser.deadline import Interrupter, StopSignal
from footprints.optimiser.master import EARLY_STOP_S
from footprints.optimiser.pieces import Piece
from footprints.optimiser.settings import OptimiseSettings

__all__ = [
    "CP_SAT_BACKSTOP_S",
    "CP_SAT_STATUSES",
    "CpSatModel",
    "IntegerResult",
    "add_cost_below",
    "add_cover_rows",
    "add_hint",
    "add_limits",
    "add_matching",
    "add_move_budget",
    "add_network_counts",
    "add_required",
    "build_model",
    "read_result",
    "solve_integer",
    "solve_model",
    "status_words",
]

Booleans = list[cp_model.IntVar]

CP_SAT_STATUSES = {
    cp_model.UNKNOWN: "UNKNOWN",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.OPTIMAL: "OPTIMAL",
}
"""Every status CP-SAT answers with, by name."""

CP_SAT_BACKSTOP_S = 10.0
"""Seconds past the time limit given to :func:`solve_model` at which CP-SAT's own clock
stops it, should our clock not have: far enough that its early stop (by up to the longest
step between its clock checks) comes after ours."""


@dataclass
class IntegerResult:
    """What CP-SAT found over a pool of columns.

    Parameters
    ----------
    status
        ``"optimal"``, ``"feasible"``, ``"infeasible"`` or ``"unknown"`` (no plan in time).
    objective
        Cost of the plan found (integer units), or ``None``.
    bound
        CP-SAT's proved bound on the cost of any plan in the pool.
    chosen
        The columns of the plan found.
    seconds
        CP-SAT's own account of its wall time on this solve.
    out_of_time
        Whether an ``"unknown"`` answer came once the time limit had passed (less
        :data:`~footprints.optimiser.master.EARLY_STOP_S`), by CP-SAT's clock or ours (which
        ends the solve, see :func:`solve_model`): the time limit, not a failure, whatever
        the caller's clock says is left.
    """

    status: str
    objective: int | None
    bound: float
    chosen: IntArray
    seconds: float = 0.0
    out_of_time: bool = False

    @staticmethod
    def infeasible() -> IntegerResult:
        """No plan exists over the pool."""
        return IntegerResult("infeasible", None, math.inf, np.zeros(0, np.int64))


@dataclass
class CpSatModel:
    """A built CP-SAT model: one boolean per column of ``pool``, and the cost to minimise."""

    model: cp_model.CpModel
    xs: Booleans
    pool: IntArray
    objective: cp_model.LinearExpr


# --------------------------------------------------------------------------- build


def add_cover_rows(
    model: cp_model.CpModel, xs: Booleans, columns: Columns, pool: IntArray, rows: list[int]
) -> bool:
    """Each practice of ``rows`` in exactly one chosen column; ``False`` if one is in none."""
    sets = columns.sets
    pool_sets = columns.col_set[pool]
    sizes = sets.sizes[pool_sets]
    starts = sets.offsets[pool_sets]
    total = int(sizes.sum())
    local = np.repeat(np.arange(len(pool), dtype=np.int64), sizes)
    entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(total)
    nodes = sets.members[entry]
    order = np.argsort(nodes, kind="stable")
    nodes_sorted, local_sorted = nodes[order], local[order]
    row_array = np.asarray(rows, np.int64)
    lefts = np.searchsorted(nodes_sorted, row_array, side="left")
    rights = np.searchsorted(nodes_sorted, row_array, side="right")
    for r in range(len(rows)):
        covering = local_sorted[lefts[r] : rights[r]]
        if len(covering) == 0:
            return False
        model.add_exactly_one([xs[int(i)] for i in covering])
    return True


def add_network_counts(
    model: cp_model.CpModel, xs: Booleans, columns: Columns, pool: IntArray, pieces: list[Piece]
) -> bool:
    """Keep each hard piece's network count in its range; ``False`` if it cannot be."""
    pool_piece = columns.set_piece[columns.col_set[pool]]
    for p, piece in enumerate(pieces):
        if piece.k_range is not None:
            chosen = [xs[int(i)] for i in np.flatnonzero(pool_piece == p)]
            if len(chosen) < piece.k_range[0]:
                return False
            model.add_linear_constraint(
                cp_model.LinearExpr.sum(chosen), piece.k_range[0], piece.k_range[1]
            )
    return True


def add_matching(
    model: cp_model.CpModel, xs: Booleans, columns: Columns, pool: IntArray, n_match: int
) -> None:
    """Each current network matched to at most one chosen column."""
    if not n_match:
        return
    pool_match = columns.col_match[pool]
    order_m = np.argsort(pool_match, kind="stable")
    sorted_m = pool_match[order_m]
    cuts = np.searchsorted(sorted_m, np.arange(n_match + 1))
    for m in range(n_match):
        group = order_m[cuts[m] : cuts[m + 1]]
        if len(group) > 1:
            model.add_at_most_one([xs[int(i)] for i in group])


def add_move_budget(
    model: cp_model.CpModel,
    xs: Booleans,
    columns: Columns,
    pool: IntArray,
    max_moves: int | None,
) -> None:
    """At most ``max_moves`` practices moved by the chosen columns (``None``: no budget)."""
    if max_moves is None:
        return
    moves = columns.col_moves[pool]
    moving = np.flatnonzero(moves > 0)
    if len(moving):
        model.add(
            cp_model.LinearExpr.weighted_sum(
                [xs[int(i)] for i in moving], [int(moves[i]) for i in moving]
            )
            <= max_moves
        )


def add_limits(
    model: cp_model.CpModel, xs: Booleans, pool: IntArray, limits: tuple[Limit, ...]
) -> None:
    """Keep every side row ``Σ values · x ≤ most`` (see :class:`~.columns.Limit`)."""
    for limit in limits:
        values = limit.values[pool]
        counted = np.flatnonzero(values != 0)
        if len(counted):
            model.add(
                cp_model.LinearExpr.weighted_sum(
                    [xs[int(i)] for i in counted], [int(values[i]) for i in counted]
                )
                <= limit.most
            )


def add_required(model: cp_model.CpModel, xs: Booleans, pool: IntArray, require: IntArray) -> bool:
    """At least one chosen column among ``require``; ``False`` if none is in the pool."""
    required = np.flatnonzero(np.isin(pool, require))
    if len(required) == 0:
        return False
    model.add_bool_or([xs[int(i)] for i in required])
    return True


def add_cost_below(model: cp_model.CpModel, objective: cp_model.LinearExpr, below: int) -> None:
    """Only plans costing less than ``below``."""
    model.add(objective <= below - 1)


def add_hint(
    model: cp_model.CpModel, xs: Booleans, pool: IntArray, hint: IntArray, *, partial: bool = False
) -> None:
    """Start the search from the plan made of the columns ``hint``.

    With ``partial``, ``hint`` is part of a plan: only its columns are hinted (chosen).
    """
    hinted = set(int(j) for j in hint)
    for i, j in enumerate(pool):
        if int(j) in hinted or not partial:
            model.add_hint(xs[i], int(j) in hinted)


def build_model(
    columns: Columns,
    partition: Partition,
    pool: IntArray,
    *,
    hint: IntArray | None = None,
    require: IntArray | None = None,
    below: int | None = None,
    partial_hint: IntArray | None = None,
) -> CpSatModel | None:
    """Build the model over the columns ``pool`` (``None`` when it plainly has no solution).

    ``require`` (columns) and ``below`` restrict the search to plans using one of
    ``require`` and costing less than ``below``: used to prove an incumbent optimal after
    the pool grew, without searching the old pool again. ``partial_hint``: columns of part
    of a plan to start from (used when there is no ``hint``).
    """
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"c{int(j)}") for j in pool]
    if not add_cover_rows(model, xs, columns, pool, partition.rows):
        return None
    if not add_network_counts(model, xs, columns, pool, partition.pieces):
        return None
    add_matching(model, xs, columns, pool, partition.n_match)
    add_move_budget(model, xs, columns, pool, partition.max_moves)
    add_limits(model, xs, pool, partition.limits)
    objective = cp_model.LinearExpr.weighted_sum(xs, [int(c) for c in columns.col_cost[pool]])
    if require is not None and not add_required(model, xs, pool, require):
        return None
    if below is not None:
        add_cost_below(model, objective, below)
    model.minimize(objective)
    if hint is not None:
        add_hint(model, xs, pool, hint)
    elif partial_hint is not None:
        add_hint(model, xs, pool, partial_hint, partial=True)
    return CpSatModel(model, xs, pool, objective)


# --------------------------------------------------------------------------- solve


def solve_model(
    built: CpSatModel,
    settings: OptimiseSettings,
    *,
    time_limit: float,
    stop: StopSignal | None = None,
    presolve: bool = True,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Run CP-SAT on ``built`` for at most ``time_limit`` seconds (or until ``stop``).

    Our clock, not CP-SAT's, ends the solve at ``time_limit`` (an
    :class:`~footprints.optimiser.deadline.Interrupter` calls ``stop_search``): CP-SAT's
    own clock stops it as soon as the time now plus the longest recent interval between two
    of its clock checks would pass its limit, and in presolve one step between checks can
    take seconds on a busy machine, so it would stop seconds early without a plan (UNKNOWN,
    "Stopped after presolve"). Its own limit is set :data:`CP_SAT_BACKSTOP_S` later, as a
    backstop. So an answer that comes before ``time_limit`` is never the time limit.

    ``presolve=False`` skips CP-SAT's presolve, which can take longer than the search on
    large degenerate models (tens of thousands of columns of whole-number costs).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    time_limit = max(0.05, time_limit)
    params.max_time_in_seconds = time_limit + CP_SAT_BACKSTOP_S
    params.cp_model_presolve = presolve
    params.random_seed = settings.seed
    params.num_workers = settings.workers
    # CP-SAT catches Ctrl-C itself by default, even where this process ignores it: a worker
    # of `propose` (which leaves the stop to its parent) then answered UNKNOWN before the
    # stop reached it, and the area was reported as a failed solve (exit 4).
    params.catch_sigint_signal = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    if settings.workers == 1:
        params.linearization_level = 2
    else:
        # On few cores the default portfolio stalls on these models (OPTIMISER-NOTES.md);
        # one full solver with the strongest LP proves them.
        params.num_full_subsolvers = 1
        params.subsolvers.append("max_lp")
    with Interrupter(stop, solver.stop_search, at=time.monotonic() + time_limit):
        status = solver.solve(built.model)
    return solver, status


# --------------------------------------------------------------------------- status


def status_words(status: cp_model.CpSolverStatus) -> str:
    """Say what CP-SAT's status means, in one word.

    Returns
    -------
    str
        ``"optimal"``, ``"feasible"``, ``"infeasible"``, ``"invalid"`` (the model was
        rejected), or ``"unknown"`` (time ran out before a plan was found or infeasibility
        was proved).
    """
    if status == cp_model.OPTIMAL:
        return "optimal"
    if status == cp_model.FEASIBLE:
        return "feasible"
    if status == cp_model.INFEASIBLE:
        return "infeasible"
    if status == cp_model.MODEL_INVALID:
        return "invalid"
    return "unknown"


def read_result(
    built: CpSatModel, solver: cp_model.CpSolver, status: cp_model.CpSolverStatus
) -> IntegerResult:
    """Read the plan CP-SAT found (its columns), its cost and bound, from its status.

    Raises
    ------
    SolverError
        When CP-SAT rejected the model (``MODEL_INVALID``).
    """
    word = status_words(status)
    if word == "infeasible":
        return IntegerResult.infeasible()
    if word == "invalid":  # a bug if it happens: the area falls back to its quick plan
        reason = built.model.validate() or "no reason given"
        raise SolverError(
            f"CP-SAT answered MODEL_INVALID (status {int(status)}) on a model of "
            f"{len(built.xs):,} columns: {reason}"
        )
    if word == "unknown":
        return IntegerResult("unknown", None, solver.best_objective_bound, np.zeros(0, np.int64))
    values = np.array([solver.boolean_value(x) for x in built.xs], dtype=bool)
    return IntegerResult(
        word,
        round(solver.objective_value),
        float(solver.best_objective_bound),
        built.pool[values],
    )


def solve_integer(
    columns: Columns,
    partition: Partition,
    pool: IntArray,
    settings: OptimiseSettings,
    *,
    time_limit: float,
    stop: StopSignal | None = None,
    hint: IntArray | None = None,
    require: IntArray | None = None,
    below: int | None = None,
    partial_hint: IntArray | None = None,
    presolve: bool = True,
) -> IntegerResult:
    """CP-SAT over the columns ``pool``: build, solve, read (see :func:`build_model`).

    ``time_limit`` counts from the call: building the model in Python takes part of it
    (on NHS North West London 2021, 7.4 s over two solves before CP-SAT's own limit
    applied, BENCHMARKS.md, session 17), and CP-SAT has what is left.
    """
    began = time.monotonic()
    built = build_model(
        columns,
        partition,
        pool,
        hint=hint,
        require=require,
        below=below,
        partial_hint=partial_hint,
    )
    if built is None:
        return IntegerResult.infeasible()
    started = time.monotonic()
    time_limit -= started - began
    solver, status = solve_model(
        built, settings, time_limit=time_limit, stop=stop, presolve=presolve
    )
    elapsed = time.monotonic() - started
    result = read_result(built, solver, status)
    result.seconds = float(solver.wall_time)
    # solve_model's clock ends CP-SAT at the time limit: an answer after it is the limit.
    result.out_of_time = result.status == "unknown" and (
        max(result.seconds, elapsed) >= time_limit - EARLY_STOP_S
    )
    return result
