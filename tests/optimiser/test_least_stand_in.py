"""Least change never stands in with a plan built from scratch: the current plan, repaired.

When the exact solve gives no plan of its own (no time, candidates not listed in time, a
solver failure), least change returns the current plan repaired near the networks that
break a rule (:func:`~footprints.optimiser.least_start.local_plan`), not the quick
constructive plan, which ignores the current plan (on the 2021 registration geography 27
large CCGs got it, moving a large share of their practices).
"""

from __future__ import annotations

import networkx as nx
import pytest
from ortools.linear_solver import pywraplp

from footprints.optimiser import AreaResult, OptimiseSettings, least_start, optimise_area
from footprints.optimiser import area as area_stage
from footprints.optimiser.candidates import CandidateSets, EnumerationTimeoutError
from footprints.optimiser.construct import construct
from footprints.optimiser.fallback import fallback, least_change_key
from footprints.optimiser.move_floor import fewest_moves_floor

from .grids import DEFAULT_BAND, FAST, check_plan, connected, grid, networks_of, problem_of

LEAST = OptimiseSettings(time_limit=20.0, workers=1, seed=3, least_change=True)
NO_TIME = OptimiseSettings(time_limit=0.001, workers=1, seed=3, least_change=True)
ROWS, COLS = 6, 8
CHECK = "a check"  # as after a failure: no time spent on a bound


def _area() -> tuple[nx.Graph, dict[str, str]]:
    """48 practices of 10,000 in 2x2 blocks of 40,000; two blocks split into halves of 20,000."""
    graph = grid(ROWS, COLS, [10_000] * (ROWS * COLS))
    current = {f"P{r}{c}": f"B{r // 2}{c // 2}" for r in range(ROWS) for c in range(COLS)}
    current.update(dict.fromkeys(["P00", "P10"], "S1") | dict.fromkeys(["P01", "P11"], "S2"))
    current.update(dict.fromkeys(["P22", "P32"], "S3") | dict.fromkeys(["P23", "P33"], "S4"))
    return graph, current


def _compliant(graph: nx.Graph, current: dict[str, str]) -> dict[str, set[str]]:
    return {
        network: members
        for network, members in networks_of(current).items()
        if connected(graph, members)
        and DEFAULT_BAND.contains(sum(graph.nodes[p]["list_size"] for p in members))
    }


def _keeps_the_compliant_networks(
    graph: nx.Graph, current: dict[str, str], result: AreaResult
) -> None:
    """Every compliant network whole under its own id; only broken networks' practices move."""
    assignment = result.assignment
    compliant = _compliant(graph, current)
    assert len(compliant) == 10  # 12 blocks, 2 of them split
    for network, members in compliant.items():
        assert {assignment[p] for p in members} == {network}, network
    moved = {p for p in current if assignment[p] != current[p]}
    broken = {p for p in current if current[p] not in compliant}
    assert moved <= broken


def test_with_no_time_least_change_still_keeps_the_compliant_networks() -> None:
    """The exact solve has no time: the plan is the current one repaired, moving few."""
    graph, current = _area()
    result = optimise_area(graph, NO_TIME, current=current)
    check_plan(graph, result)
    _keeps_the_compliant_networks(graph, current, result)
    assert result.moves is not None and result.moves <= 4  # each split block rejoined
    # the proved minimum, with time, is the same
    assert optimise_area(graph, LEAST, current=current).moves == result.moves


def test_a_failed_solve_stands_in_with_the_current_plan_repaired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GLOP fails on every LP (as on 4 CCGs of 2021): not the constructive plan."""
    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: pywraplp.Solver.ABNORMAL)
    graph, current = _area()
    result = optimise_area(graph, LEAST, current=current)
    check_plan(graph, result)
    assert result.status == "fallback"
    assert result.fallback == "repaired"
    _keeps_the_compliant_networks(graph, current, result)
    note = result.explanations[-1]
    assert note.startswith("the solve failed (")
    assert "the current plan repaired with the fewest moves found" in note
    problem = problem_of(graph, LEAST, current=current)
    moves = result.priorities[0]
    assert (moves.name, moves.value, moves.bound) == ("moves", result.moves, 3)
    # each of the four halves of 20,000 takes a joiner or dissolves (both its practices move):
    # at least 3 moves (the minimum is 4)
    assert fewest_moves_floor(problem) == 3
    assert any(line.startswith("Least change: ") for line in result.explanations)


def test_listing_out_of_time_stands_in_with_the_current_plan_repaired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Candidates cannot be listed in time (the large CCGs): the current plan, repaired."""

    def out_of_time(*args: object) -> None:
        raise EnumerationTimeoutError

    monkeypatch.setattr(area_stage, "_list_pieces", out_of_time)
    graph, current = _area()
    result = optimise_area(graph, LEAST, current=current)
    check_plan(graph, result)
    assert (result.status, result.fallback) == ("feasible", "repaired")
    _keeps_the_compliant_networks(graph, current, result)
    assert any("while listing candidate networks" in line for line in result.explanations)
    assert any(
        line.startswith("the plan is the current plan repaired") for line in result.explanations
    )


def test_the_fallback_ranks_plans_by_the_band_then_moves_then_cost() -> None:
    """Least change stands in with the plan moving fewest; otherwise the cheapest, as before."""
    graph, current = _area()
    problem = problem_of(graph, LEAST, current=current)
    quick = construct(problem)
    assert quick is not None
    index = problem.practices.index
    repaired: list[list[int]] = []
    for network, members in networks_of(current).items():
        if network not in ("S2", "S4"):
            joined = members | ({"P01", "P11"} if network == "S1" else set())
            joined |= {"P23", "P33"} if network == "S3" else set()
            repaired.append(sorted(index[p] for p in joined))
    outcome, columns = fallback(problem, quick, [], failure=CHECK, repaired=[repaired])
    assert outcome.fallback == "repaired"
    assert least_change_key(problem, columns, outcome.chosen) == (0, 4)
    # without the repair, the current plan as it is (4 halves out of the band, no move), not
    # the quick plan built from scratch, though that one breaks the band nowhere
    alone, current_columns = fallback(problem, quick, [], failure=CHECK)
    assert alone.fallback == "current"
    assert least_change_key(problem, current_columns, alone.chosen) == (4, 0)
    quick_alone, _ = fallback(problem_of(graph, LEAST), quick, [], failure=CHECK)
    assert quick_alone.fallback == "constructive"  # no current plan: the quick plan, as before
    # without least change the cheapest plan at hand stands in
    usual = problem_of(graph, FAST, current=current)
    plain, _ = fallback(usual, quick, [], failure=CHECK, repaired=[repaired])
    for plan in ([repaired], quick):
        other, _ = fallback(usual, plan, [], failure=CHECK)
        assert plain.objective is not None and other.objective is not None
        assert plain.objective <= other.objective


def test_the_exact_solve_starts_from_the_repair_where_the_candidates_miss_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No candidate listed (as where listing gives only distant groups): the repair is kept."""
    monkeypatch.setattr(
        area_stage, "_list_pieces", lambda problem: [CandidateSets.of([]) for _ in problem.pieces]
    )
    graph, current = _area()
    result = optimise_area(graph, LEAST, current=current)
    check_plan(graph, result)
    assert result.fallback is None  # the solve's own plan, over the repair's networks
    _keeps_the_compliant_networks(graph, current, result)
    assert result.priorities[0].value == result.moves == 4


def test_the_stand_in_counts_moves_as_the_solve_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """A practice over the maximum split off is no move of the priority (as in the solve)."""
    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: pywraplp.Solver.ABNORMAL)
    graph = grid(3, 4, [10_000] * 11 + [60_000])
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}
    result = optimise_area(graph, LEAST, current=current)
    assert result.fallback == "repaired"
    assert [(m.practice, m.reason) for m in result.moved] == [("P23", "forced")]
    assert result.moves == result.priorities[0].value == 0


def test_a_repair_that_found_only_the_quick_plan_is_named_the_quick_plan() -> None:
    """Where the repair moved no fewer (its plan is the quick one), it is not called a repair."""
    graph, current = _area()
    problem = problem_of(graph, LEAST, current=current)
    quick = construct(problem)
    assert quick is not None
    same = [(sorted(members), -1) for networks in quick for members in reversed(networks)]
    assert area_stage._repaired(problem, same, quick) is None
    index = problem.practices.index
    kept = [(sorted(index[p] for p in m), -1) for m in networks_of(current).values()]
    assert area_stage._repaired(problem, kept, quick) is not None


def test_least_change_cut_before_its_repair_stands_in_with_the_current_plan_made_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No repair in time and no candidates: the current plan made whole, not a fresh plan.

    As least change on NHS North West London 2021 in the app (session 16): its repair found
    nothing moving fewer than the quick plan and listing ran out of time, so the quick
    constructive plan, built from scratch, stood in for a user who asked for least change.
    """

    def out_of_time(*args: object) -> None:
        raise EnumerationTimeoutError

    monkeypatch.setattr(area_stage, "_list_pieces", out_of_time)
    monkeypatch.setattr(area_stage, "local_plan", lambda *args, **kwargs: None)
    graph, current = _area()
    del current["P55"]  # a practice in no network: the current plan is not whole
    result = optimise_area(graph, LEAST, current=current)
    assert (result.status, result.fallback) == ("feasible", "current made whole")
    members = networks_of(result.assignment)
    assert all(connected(graph, practices) for practices in members.values())
    # each current network as it stands, the practice in none joined to its neighbours' B22
    assert sorted(map(sorted, members.values())) == sorted(
        map(sorted, networks_of({**current, "P55": "B22"}).values())
    )
    assert all(result.assignment[p] == network for p, network in current.items())
    assert result.moves == 0 and (result.priorities[0].name, result.priorities[0].value) == (
        "moves",
        0,
    )
    # the floor of 3 moves holds for plans in band, not for this one (4 halves outside it)
    assert len(result.soft_networks) == 4
    assert result.priorities[0].bound is None and not result.priorities[0].proved
    assert any(
        line.startswith("the plan is the current plan made whole") for line in result.explanations
    )


def test_least_change_s_first_plan_lists_no_ring_of_groups_once_out_of_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each ring's groups near the broken networks took seconds unchecked on NWL 2021."""
    graph, current = _area()
    problem = problem_of(graph, LEAST, current=current)
    listed: list[int] = []
    real = least_start.near_current

    def counted(*args: object, **kwargs: object) -> CandidateSets:
        listed.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(least_start, "near_current", counted)
    local = least_start.local_plan(problem, construct(problem), time_limit=0.0)
    assert len(listed) == len(problem.pieces)  # the columns' groups only, no ring after
    assert local is not None  # the best plan so far still comes back
