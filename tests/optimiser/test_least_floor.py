"""Least change: the floor on moves (never above the minimum) and the local plan that meets it."""

from __future__ import annotations

import networkx as nx
from hypothesis import HealthCheck, given, settings

from footprints.optimiser import optimise_area
from footprints.optimiser.least_start import local_plan
from footprints.optimiser.move_floor import fewest_moves_floor

from .grids import grid, problem_of, replace_settings
from .test_priorities import areas_with_plans, compliant_networks, in_band_plans, least_moves

LEAST = replace_settings(least_change=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_the_floor_never_exceeds_the_exhaustive_minimum(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    graph, current = case
    plans = in_band_plans(graph)
    if not plans:
        return  # the band is soft: the floor counts no network over the maximum there
    compliant = compliant_networks(graph, current)
    best = min(least_moves(plan, current, compliant)[0] for plan in plans)
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) <= best


def test_a_network_over_the_maximum_and_one_under_the_minimum_share_one_move() -> None:
    graph = grid(1, 4, [20_000] * 4)
    current = {"P00": "A", "P01": "A", "P02": "A", "P03": "B"}  # 60,000 and 20,000
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) == 1
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].value, result.priorities[0].proved) == (1, 1, True)
    assert result.assignment["P02"] == "B"


def test_two_networks_under_the_minimum_need_one_move_between_them() -> None:
    graph = grid(1, 2, [20_000] * 2)
    current = {"P00": "A", "P01": "B"}
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) == 1
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].proved) == (1, True)


def test_a_practice_of_no_network_can_mend_a_small_one_for_free() -> None:
    graph = grid(1, 2, [20_000] * 2)
    current = {"P00": "A"}  # P01 is in no network: joining A moves nobody
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) == 0
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].proved) == (0, True)


def test_two_networks_over_the_maximum_need_a_move_each() -> None:
    graph = grid(2, 3, [20_000] * 6)
    current = {f"P{r}{c}": f"Row{r}" for r in range(2) for c in range(3)}  # 60,000 each
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) == 2
    result = optimise_area(graph, LEAST, current=current)
    assert result.priorities[0].value == result.moves
    assert result.priorities[0].proved
    assert (result.moves or 0) >= 2


def test_the_local_plan_fills_a_small_network_with_several_practices() -> None:
    """A network of 9,000 needs the four practices of 6,000 beside it: four joiners at once."""
    graph = grid(1, 8, [9_000, 6_000, 6_000, 6_000, 6_000, 11_000, 11_000, 11_000])
    current = {"P00": "A"} | {f"P0{c}": "B" for c in range(1, 8)}  # 9,000 and 57,000
    problem = problem_of(graph, LEAST, current=current)
    plan = local_plan(problem, None, time_limit=10.0)
    assert plan is not None
    index = problem.current.index
    assert index is not None
    moved = sum(1 for members, match in plan for i in members if index[i] != match)
    assert moved == 4
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].proved) == (4, True)


def test_a_network_twice_the_maximum_loses_what_does_not_fit() -> None:
    graph = grid(1, 10, [10_000] * 10)
    current = {f"P0{c}": "A" for c in range(10)}  # 100,000: at most 5 of 10,000 stay
    assert fewest_moves_floor(problem_of(graph, LEAST, current=current)) == 5
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].value, result.priorities[0].proved) == (5, 5, True)


def test_a_network_in_two_parts_keeps_one_or_pays_for_the_bridge() -> None:
    """A's two parts lie three practices apart: it loses its small part or takes B's middle.

    Either way two practices move; the floor sees it (the floor of session 8 counted one
    network to change, one move at most half-spent on it: 1).
    """
    pops = [10_000, 10_000, 10_000, 12_000, 12_000, 12_000, 5_000, 5_000]
    graph = grid(1, 8, pops)
    current = {f"P0{c}": "A" for c in (0, 1, 2, 6, 7)} | {f"P0{c}": "B" for c in (3, 4, 5)}
    problem = problem_of(graph, LEAST, current=current)
    plans = in_band_plans(graph)
    compliant = compliant_networks(graph, current)
    best = min(least_moves(plan, current, compliant)[0] for plan in plans)
    assert best == 2
    assert fewest_moves_floor(problem) == best
    result = optimise_area(graph, LEAST, current=current)
    assert (result.moves, result.priorities[0].value, result.priorities[0].proved) == (2, 2, True)
    assert result.priorities[0].bound == 2
