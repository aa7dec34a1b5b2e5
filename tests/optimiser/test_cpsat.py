"""The CP-SAT model on hand-made columns: build, solve and status in words, one at a time."""

from __future__ import annotations

import signal
import time
from typing import Any

import numpy as np
import pytest
from ortools.sat.python import cp_model

from footprints.optimiser import cpsat
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.cpsat import (
    CP_SAT_BACKSTOP_S,
    build_model,
    read_result,
    solve_integer,
    solve_model,
    status_words,
)
from footprints.optimiser.pieces import Piece

from .grids import FAST, SolverSaying

IntList = list[int]


def _columns(
    networks: list[IntList],
    costs: IntList,
    *,
    match: IntList | None = None,
    moves: IntList | None = None,
) -> Columns:
    """One column per network (all in piece 0), with the given costs, matches and moves."""
    n = len(networks)
    sets = CandidateSets.of(networks)
    cost = np.asarray(costs, np.int64)
    return Columns(
        sets=sets,
        set_population=np.zeros(n, np.int64),
        set_cost=cost,
        set_piece=np.zeros(n, np.int64),
        col_set=np.arange(n, dtype=np.int64),
        col_match=np.asarray(match if match is not None else [-1] * n, np.int64),
        col_moves=np.asarray(moves if moves is not None else [0] * n, np.int64),
        col_cost=cost,
    )


def _rows(
    k_range: tuple[int, int] | None = None, *, n_match: int = 0, max_moves: int | None = None
) -> Partition:
    piece = Piece([0, 1, 2], 0, k_range=k_range)
    return Partition([0, 1, 2], [piece], n_match, max_moves, 3)


#: Three practices; the best cover is {0} + {1, 2} at 11.
SETS = [[0], [1], [2], [0, 1], [1, 2], [0, 1, 2]]
COSTS = [5, 5, 5, 7, 6, 12]
EVERY = np.arange(len(SETS), dtype=np.int64)


def test_status_words() -> None:
    assert status_words(cp_model.OPTIMAL) == "optimal"
    assert status_words(cp_model.FEASIBLE) == "feasible"
    assert status_words(cp_model.INFEASIBLE) == "infeasible"
    assert status_words(cp_model.MODEL_INVALID) == "invalid"
    assert status_words(cp_model.UNKNOWN) == "unknown"


def test_a_tiny_model_gives_the_known_optimum() -> None:
    columns = _columns(SETS, COSTS)
    built = build_model(columns, _rows(), EVERY)
    assert built is not None
    solver, status = solve_model(built, FAST, time_limit=10)
    assert status_words(status) == "optimal"
    result = read_result(built, solver, status)
    assert result.status == "optimal"
    assert result.objective == 11
    assert sorted(result.chosen.tolist()) == [0, 4]


def test_an_infeasible_model_says_infeasible() -> None:
    """Every practice is covered, but the three pairs overlap: no exact cover exists."""
    columns = _columns([[0, 1], [1, 2], [0, 2]], [1, 1, 1])
    built = build_model(columns, _rows(), np.arange(3, dtype=np.int64))
    assert built is not None
    solver, status = solve_model(built, FAST, time_limit=10)
    assert status_words(status) == "infeasible"
    assert read_result(built, solver, status).status == "infeasible"


def test_a_practice_in_no_column_is_infeasible_before_solving() -> None:
    columns = _columns([[0, 1]], [1])
    assert build_model(columns, _rows(), np.arange(1, dtype=np.int64)) is None
    result = solve_integer(columns, _rows(), np.arange(1, dtype=np.int64), FAST, time_limit=10)
    assert result.status == "infeasible" and result.objective is None


@pytest.mark.parametrize(("k_range", "cost"), [((1, 1), 12), ((2, 2), 11), ((3, 3), 15)])
def test_the_network_count_is_kept(k_range: tuple[int, int], cost: int) -> None:
    columns = _columns(SETS, COSTS)
    result = solve_integer(columns, _rows(k_range), EVERY, FAST, time_limit=10)
    assert result.status == "optimal" and result.objective == cost


def test_a_current_network_is_matched_at_most_once() -> None:
    # {0} and {1, 2} both claim current network 0, so the pair costs 12 and {0, 1} + {2} wins.
    columns = _columns(SETS, [5, 5, 5, 6, 6, 13], match=[0, -1, -1, -1, 0, -1])
    result = solve_integer(columns, _rows(n_match=1), EVERY, FAST, time_limit=10)
    assert result.objective == 11
    assert sorted(result.chosen.tolist()) == [2, 3]


def test_the_move_budget_is_kept() -> None:
    columns = _columns(SETS, COSTS, moves=[0, 0, 0, 0, 3, 0])
    free = solve_integer(columns, _rows(), EVERY, FAST, time_limit=10)
    tight = solve_integer(columns, _rows(max_moves=2), EVERY, FAST, time_limit=10)
    assert free.objective == 11 and tight.objective == 12


def test_required_columns_and_a_cost_ceiling_cut_the_search() -> None:
    columns = _columns(SETS, COSTS)
    required = solve_integer(
        columns, _rows(), EVERY, FAST, time_limit=10, require=np.array([5], np.int64)
    )
    assert required.objective == 12 and required.chosen.tolist() == [5]
    below = solve_integer(columns, _rows(), EVERY, FAST, time_limit=10, below=11)
    assert below.status == "infeasible"
    hinted = solve_integer(
        columns, _rows(), EVERY, FAST, time_limit=10, hint=np.array([0, 1, 2], np.int64)
    )
    assert hinted.objective == 11


def test_our_clock_ends_the_solve_and_cp_sat_s_own_clock_is_a_backstop() -> None:
    """CP-SAT's clock stops it early by up to its longest step between clock checks
    (seconds in presolve); its own limit lies beyond the one given, which ours keeps."""
    built = build_model(_columns(SETS, COSTS), _rows(), EVERY)
    assert built is not None
    solver, _ = solve_model(built, FAST, time_limit=2.5)
    assert solver.parameters.max_time_in_seconds == pytest.approx(2.5 + CP_SAT_BACKSTOP_S)


def test_cp_sat_leaves_ctrl_c_alone_where_the_process_ignores_it() -> None:
    """A worker of `propose` ignores SIGINT and waits for its parent's stop; CP-SAT caught
    the Ctrl-C itself and answered UNKNOWN first, which read as a failed solve (exit 4)."""
    built = build_model(_columns(SETS, COSTS), _rows(), EVERY)
    assert built is not None
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ignored, _ = solve_model(built, FAST, time_limit=2.5)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert ignored.parameters.catch_sigint_signal is False
    # where the process handles Ctrl-C (the command line with one process), CP-SAT stops too;
    # set here, not assumed: a test run started in the background of a shell without job
    # control inherits SIGINT ignored (`nohup … &`), and Python then keeps it ignored
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        handled, _ = solve_model(built, FAST, time_limit=2.5)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert handled.parameters.catch_sigint_signal is True


def test_unknown_once_the_time_limit_has_passed_is_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """UNKNOWN that comes when the time given has passed, by our clock, is out of time,
    however little time CP-SAT's own account says it used."""
    real = cpsat.solve_model

    def answer_at_the_limit(*args: Any, time_limit: float, **kwargs: Any) -> tuple[Any, Any]:
        until = time.monotonic() + time_limit
        solver, _ = real(*args, time_limit=time_limit, **kwargs)
        while time.monotonic() < until:  # our clock reaches the limit, as a long solve's
            time.sleep(until - time.monotonic())
        return SolverSaying(solver, 0.0), cp_model.UNKNOWN

    monkeypatch.setattr(cpsat, "solve_model", answer_at_the_limit)
    result = solve_integer(_columns(SETS, COSTS), _rows(), EVERY, FAST, time_limit=1.0)
    assert result.status == "unknown" and result.seconds == 0.0
    assert result.out_of_time


def test_unknown_well_before_the_time_limit_is_not_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """UNKNOWN from a solve that ended (by CP-SAT's clock and ours) long before the time
    given has passed is no time limit: the proof loop calls it a failure."""
    real = cpsat.solve_model

    def answer_at_once(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        solver, _ = real(*args, **kwargs)
        return SolverSaying(solver, 0.0), cp_model.UNKNOWN

    monkeypatch.setattr(cpsat, "solve_model", answer_at_once)
    early = solve_integer(_columns(SETS, COSTS), _rows(), EVERY, FAST, time_limit=1_000.0)
    assert early.status == "unknown" and not early.out_of_time
