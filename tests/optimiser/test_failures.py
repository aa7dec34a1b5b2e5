"""Every failure in an area's solve is contained: the plan at hand stands in, and says why.

Each GLOP and CP-SAT status the optimiser can meet is injected (the solver calls
monkeypatched), an exception is raised in each stage, and the stop comes at each stage; each
time a plan covering every practice comes back, contiguous, with a status and an explanation
naming the failure, its stage and the plan that stands in.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from footprints.errors import SolverError
from footprints.optimiser import area as area_stage
from footprints.optimiser import (
    candidates,
    changes,
    construct,
    cpsat,
    curve,
    explain,
    master,
    optimise_area,
    pieces,
    priorities,
    proof,
    propose,
)
from footprints.optimiser import columns as columns_stage
from footprints.optimiser import problem as problem_stage
from footprints.optimiser.master import GLOP_STATUSES, MasterLP, glop_failure

from .grids import FAST, SolverSaying, check_plan, grid

GRID = (4, 4, [10_000] * 16)  # 160,000 patients: four or five networks


def _graph() -> nx.Graph:
    return grid(*GRID)


def _contained(graph: nx.Graph, result: Any, kind: str, *words: str) -> None:
    """The plan covers every practice, contiguously; the status and words say what failed."""
    check_plan(graph, result)
    assert result.status == "fallback"
    assert result.fallback == kind
    note = result.explanations[-1]
    assert note.startswith("the solve failed (")
    for word in words:
        assert word in note, note


# --------------------------------------------------------------------------- GLOP


UNUSABLE_GLOP = [
    s for s in GLOP_STATUSES if s != pywraplp.Solver.OPTIMAL
]  # FEASIBLE and NOT_SOLVED with time left, INFEASIBLE, UNBOUNDED, ABNORMAL, MODEL_INVALID


def test_every_glop_status_is_named() -> None:
    assert sorted(GLOP_STATUSES) == list(range(7))  # OPTIMAL … NOT_SOLVED, as OR-Tools has them
    assert "ABNORMAL" in glop_failure(4, phase=1, columns=10, left=3.0)
    assert "unknown status" in glop_failure(99, phase=1, columns=10, left=3.0)


@pytest.mark.parametrize("status", UNUSABLE_GLOP, ids=[GLOP_STATUSES[s] for s in UNUSABLE_GLOP])
def test_an_unusable_glop_status_falls_back_to_the_quick_plan(
    status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: status)
    graph = _graph()
    result = optimise_area(graph, FAST)
    _contained(
        graph,
        result,
        "constructive",
        f"SolverError while solving the linear relaxation (GLOP): GLOP answered "
        f"{GLOP_STATUSES[status]} (status {status}) on the master LP",
        "the plan is the quick constructive one",
        "run this area again",
    )
    # only the weak bound of the plan's own cost shares (footprints.optimiser.farley)
    assert result.bound is not None and result.objective is not None
    assert 0 < result.bound <= result.objective


def test_one_abnormal_glop_answer_is_solved_again_from_scratch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GLOP's ABNORMAL once (numerical trouble in a warm start): the retry solves the area."""
    original = pywraplp.Solver.Solve
    calls: list[int] = []

    def abnormal_first(self: pywraplp.Solver, *params: Any) -> int:
        calls.append(len(params))
        if len(calls) == 1:
            return int(pywraplp.Solver.ABNORMAL)
        return int(original(self, *params))

    monkeypatch.setattr(pywraplp.Solver, "Solve", abnormal_first)
    graph = _graph()
    result = optimise_area(graph, FAST)
    monkeypatch.undo()
    check_plan(graph, result)
    assert calls[:2] == [0, 1]  # the retry passes its parameters: incrementality off
    assert result.status == "optimal" and result.fallback is None
    assert result.objective == optimise_area(graph, FAST).objective


def test_two_abnormal_glop_answers_are_solved_by_the_primal_simplex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ABNORMAL from the warm start and from scratch: the primal simplex solves the area.

    Seen on the demo's least change (docs/ccg-lead.md) once session 11's branches merged.
    """
    original = pywraplp.Solver.Solve
    calls: list[int] = []

    def abnormal_twice(self: pywraplp.Solver, *params: Any) -> int:
        calls.append(len(params))
        if len(calls) <= 2:
            return int(pywraplp.Solver.ABNORMAL)
        return int(original(self, *params))

    monkeypatch.setattr(pywraplp.Solver, "Solve", abnormal_twice)
    graph = _graph()
    result = optimise_area(graph, FAST)
    monkeypatch.undo()
    check_plan(graph, result)
    assert calls[:3] == [0, 1, 1]  # from scratch, then the primal simplex's parameters
    assert result.status == "optimal" and result.fallback is None
    assert result.objective == optimise_area(graph, FAST).objective


@pytest.mark.parametrize(
    "status", [pywraplp.Solver.FEASIBLE, pywraplp.Solver.NOT_SOLVED, pywraplp.Solver.ABNORMAL]
)
def test_glop_stopping_at_its_deadline_is_the_time_limit_not_a_failure(
    status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GLOP may end a little before the deadline it was given: that is the time limit.

    ABNORMAL too: on a loaded machine GLOP answered it with 0.0 s left.
    """
    monkeypatch.setattr(master, "EARLY_STOP_S", 1e9)
    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: status)
    graph = _graph()
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "feasible"
    assert any("while solving the linear relaxation" in line for line in result.explanations)


def test_the_lp_raises_a_solver_error_naming_the_status(monkeypatch: pytest.MonkeyPatch) -> None:
    from .grids import problem_of

    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: pywraplp.Solver.ABNORMAL)
    problem = problem_of(_graph())
    columns = columns_stage.build_columns(
        problem, [columns_stage.piece_candidates(problem, p) for p in problem.pieces]
    )
    lp = MasterLP(columns, columns_stage.Partition.of_area(problem))
    with pytest.raises(SolverError, match=r"GLOP answered ABNORMAL \(status 4\).*phase 1"):
        lp.solve(problem.deadline)


# --------------------------------------------------------------------------- CP-SAT


def _cp_sat_answers(status: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CP-SAT solve runs, then answers ``status``."""
    real = cpsat.solve_model

    def solve(*args: Any, **kwargs: Any) -> tuple[cp_model.CpSolver, Any]:
        solver, _ = real(*args, **kwargs)
        return solver, status

    monkeypatch.setattr(cpsat, "solve_model", solve)


def test_every_cp_sat_status_is_named() -> None:
    assert set(cpsat.CP_SAT_STATUSES.values()) == {
        "UNKNOWN",
        "MODEL_INVALID",
        "FEASIBLE",
        "INFEASIBLE",
        "OPTIMAL",
    }


@pytest.mark.parametrize(
    ("status", "no_start", "words"),
    [
        pytest.param(
            cp_model.MODEL_INVALID,
            False,
            ["SolverError while solving the integer model (CP-SAT): CP-SAT answered MODEL_INVALID"],
            id="MODEL_INVALID",
        ),
        pytest.param(
            cp_model.UNKNOWN,
            False,
            ["CP-SAT answered UNKNOWN", "s of the time limit"],
            id="UNKNOWN with time left",
        ),
        pytest.param(
            cp_model.INFEASIBLE,
            True,  # no start plan, as when the quick plan misses the band
            [
                "CP-SAT reported that no plan exists even with the band soft, yet the "
                "constructive plan is one"
            ],
            id="INFEASIBLE where a plan exists",
        ),
    ],
)
def test_an_unusable_cp_sat_answer_falls_back_to_the_quick_plan(
    status: int, no_start: bool, words: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _cp_sat_answers(status, monkeypatch)
    if no_start:
        monkeypatch.setattr(area_stage, "_start", lambda *args: None)
    graph = _graph()
    result = optimise_area(graph, FAST)
    _contained(graph, result, "constructive", *words)


def test_cp_sat_unknown_at_the_deadline_is_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    _cp_sat_answers(cp_model.UNKNOWN, monkeypatch)
    monkeypatch.setattr(proof, "EARLY_STOP_S", 1e9)
    graph = _graph()
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "feasible" and result.fallback is None


def test_cp_sat_unknown_after_its_whole_limit_is_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """UNKNOWN from a CP-SAT that used all the time it was given is no failure, even when
    the area's clock says time is left."""
    real = cpsat.solve_model

    def solve(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        solver, _ = real(*args, **kwargs)
        return SolverSaying(solver, 1e9), cp_model.UNKNOWN  # a busy machine

    monkeypatch.setattr(cpsat, "solve_model", solve)
    graph = _graph()
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "feasible" and result.fallback is None


# --------------------------------------------------------------------------- exceptions


def _raiser(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected")


STAGES: list[tuple[Any, str, str, str]] = [
    # module, function, the stage in words, the plan that stands in
    (problem_stage, "practice_arrays", "reading the area's graph", "connected parts"),
    (pieces, "components", "deciding the networks fixed before solving", "connected parts"),
    (construct, "split", "building the quick constructive plan", "connected parts"),
    (candidates, "connected_sets", "listing candidate networks", "constructive"),
    (columns_stage, "set_costs", "costing candidate networks", "connected parts"),
    (MasterLP, "_price", "solving the linear relaxation (GLOP)", "constructive"),
    (cpsat, "build_model", "solving the integer model (CP-SAT)", "constructive"),
    (proof, "hint_columns", "the proof loop", "constructive"),
    (explain, "_network_ids", "writing the result", "connected parts"),
]


@pytest.mark.parametrize(
    ("module", "function", "stage", "kind"), STAGES, ids=[s[1] for s in STAGES]
)
def test_an_exception_in_any_stage_falls_back(
    module: Any, function: str, stage: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, function, _raiser)
    graph = _graph()
    result = optimise_area(graph, FAST)
    _contained(graph, result, kind, f"RuntimeError while {stage}: injected")
    if kind == "connected parts":
        assert result.networks == 1 and result.soft_networks == ["T-N01"]
        assert "the plan of last resort" in result.explanations[0]


LEAST_STAGES: list[tuple[Any, str, str]] = [
    # module, function, the stage in words (least change with its curve, in repair mode)
    (priorities, "_solve_sequential", "solving the priorities put first"),
    (curve, "_point", "working out the trade-off curve"),
    (changes, "_own_breach", "saying why each practice moved"),
]


@pytest.mark.parametrize(
    ("module", "function", "stage"), LEAST_STAGES, ids=[s[1] for s in LEAST_STAGES]
)
def test_an_exception_in_a_priority_stage_falls_back(
    module: Any, function: str, stage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Least change, its curve and the reasons for the moves are contained like any stage."""
    monkeypatch.setattr(module, function, _raiser)
    graph = _graph()
    rows = {f"P{r}{c}": f"Row{r}" for r in range(4) for c in range(4)}
    rows |= {"P00": "Row1", "P01": "Row1"}  # Row0 too small, Row1 too big: a move is needed
    least = dataclasses.replace(FAST, least_change=True, trade_off=True)
    result = optimise_area(graph, least, current=rows)
    # least change stands in with the current plan repaired, never one built from scratch
    _contained(graph, result, "repaired", f"RuntimeError while {stage}: injected")
    kept = {p: n for p, n in rows.items() if n in ("Row2", "Row3")}  # they comply
    assert {p: result.assignment[p] for p in kept} == kept


def test_a_failure_keeps_the_current_plan_where_it_is_at_hand(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a constructive plan, the current plan stands in (and keeps its ids)."""
    monkeypatch.setattr(construct, "split", _raiser)
    graph = _graph()
    rows = {f"P{r}{c}": f"Row{r}" for r in range(4) for c in range(4)}
    result = optimise_area(graph, FAST, current=rows)
    _contained(graph, result, "current", "the plan is the current plan")
    assert result.assignment == rows


def test_a_graph_that_cannot_be_read_still_gets_a_plan() -> None:
    graph = nx.Graph(area="Z")
    graph.add_node("A", list_size=20_000, x=0.0, y=0.0)
    graph.add_node("B", list_size=20_000)  # no coordinates
    graph.add_node("C", list_size="many", x=5.0, y=0.0)
    graph.add_edge("A", "B")
    result = optimise_area(graph, FAST, current={"A": "N1", "B": "N1", "C": "N2"})
    assert result.status == "fallback" and result.fallback == "current"
    assert result.assignment == {"A": "Z-N01", "B": "Z-N01", "C": "Z-N02"}
    assert "B: x/y coordinates missing" in result.explanations[-1]
    assert "C: list_size 'many' is not a whole number" in result.explanations[-1]


# --------------------------------------------------------------------------- the deadline


def _stop_when(
    module: Any, function: str, stop: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: Callable[..., Any] = getattr(module, function)

    def stopping(*args: Any, **kwargs: Any) -> Any:
        stop.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, function, stopping)


@pytest.mark.parametrize(
    ("module", "function"),
    [
        (construct, "split"),
        (candidates, "connected_sets"),
        (MasterLP, "solve"),
        (cpsat, "solve_model"),
    ],
    ids=["constructing", "listing", "LP", "CP-SAT"],
)
def test_the_deadline_at_any_stage_leaves_a_whole_plan(
    module: Any, function: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    _stop_when(module, function, stop, monkeypatch)
    graph = _graph()
    result = optimise_area(graph, FAST, stop=stop)
    check_plan(graph, result)
    assert result.status in {"feasible", "optimal"}
    if result.status == "feasible":
        assert any("stopped" in line for line in result.explanations)


def test_no_plan_keeping_the_locks_in_time_is_one_network_per_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(area_stage, "construct", lambda problem: None)
    stop = threading.Event()
    stop.set()
    graph = _graph()
    result = optimise_area(graph, FAST, stop=stop)
    check_plan(graph, result)
    assert result.status == "timed out" and result.fallback == "connected parts"
    assert "no plan keeping the locks was found in time" in result.explanations[-1]


# --------------------------------------------------------------------------- many areas


def test_propose_contains_a_failure_in_one_area(monkeypatch: pytest.MonkeyPatch) -> None:
    """One area's failure leaves the others optimal and the plan whole."""
    areas = {}
    for name in ("A", "B"):
        g = grid(3, 3, [10_000] * 9, area=name)
        areas[name] = nx.relabel_nodes(g, {p: f"{name}{p}" for p in g.nodes})
    failed: dict[str, bool] = {}
    real_construct = area_stage.construct

    def construct_then_fail(problem: Any) -> Any:
        plan = real_construct(problem)
        if problem.name == "B":
            failed["B"] = True
            raise RuntimeError("injected in B")
        return plan

    monkeypatch.setattr(area_stage, "construct", construct_then_fail)
    proposal = propose(areas, FAST, processes=1)
    assert failed == {"B": True}
    assert proposal.results["A"].status == "optimal"
    assert proposal.results["B"].status == "fallback"
    assert "injected in B" in proposal.results["B"].explanations[-1]
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}
