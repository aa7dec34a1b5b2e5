"""Repair mode never ends on a plan dearer than the current one (Kent and Medway, 2020).

Re-optimising Kent's real plan in the app with a network locked could come back unchanged:
listing every candidate is hopeless there, time ran out, and the plan at hand was the
current one, though a few moves repair it. The current plan made whole and improved by
local search with moves costed is now the repair's first plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from footprints.optimiser import OptimiseSettings, optimise_area, pricedproof
from footprints.optimiser import area as area_module
from footprints.optimiser import candidates as candidates_module
from footprints.optimiser import improve as improve_stage
from footprints.optimiser.candidates import EnumerationTimeoutError
from footprints.optimiser.costs import SCALE
from footprints.optimiser.improve import repair_start
from footprints.optimiser.problem import AreaProblem, build_problem
from footprints.optimiser.search_costs import move_terms

from .grids import FAST, check_plan, grid, network_cost, networks_of, replace_settings
from .test_area import fewest_moves

# A 4 x 4 grid of 10,000-patient practices. "Top" (row 0) is locked; "Mid" took two
# practices of row 2 (60,000 patients, over the band) and left "Low" with two (20,000).
GRAPH = grid(4, 4, [10_000] * 16)
CURRENT = {
    **{f"P0{c}": "Top" for c in range(4)},
    **{f"P1{c}": "Mid" for c in range(4)},
    "P20": "Mid",
    "P21": "Mid",
    "P22": "Low",
    "P23": "Low",
    **{f"P3{c}": "Bottom" for c in range(4)},
}


def _cost(plan: Mapping[str, str], settings: OptimiseSettings) -> float:
    """The objective from its definition: networks, band penalty and charge, and moves."""
    total = 0.0
    for members in networks_of(plan).values():
        population = sum(GRAPH.nodes[p]["list_size"] for p in members)
        outside = max(settings.band.min_population - population, 0) + max(
            population - settings.band.max_population, 0
        )
        total += network_cost(GRAPH, sorted(members), settings)
        total += settings.band_penalty * outside + (settings.out_of_band_cost if outside else 0)
    return total + settings.move_weight * fewest_moves(plan, CURRENT)


def _hopeless(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing candidates never ends in time, as on Kent under load."""

    def listing(problem: AreaProblem) -> list[candidates_module.CandidateSets]:
        raise EnumerationTimeoutError("listing every candidate network is hopeless")

    monkeypatch.setattr(area_module, "_list_pieces", listing)


def test_with_only_the_current_plan_at_hand_the_repair_is_strictly_cheaper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No quick constructive plan and no listing: the result was the current plan as it was."""
    _hopeless(monkeypatch)
    monkeypatch.setattr(area_module, "construct", lambda problem: None)
    result = optimise_area(GRAPH, FAST, current=CURRENT, frozen=["Top"])
    check_plan(GRAPH, result)
    assert result.assignment != CURRENT
    assert _cost(result.assignment, FAST) < _cost(CURRENT, FAST)
    assert all(result.assignment[f"P0{c}"] == "Top" for c in range(4))
    assert sorted(p for p, n in result.assignment.items() if n == "Top") == [
        f"P0{c}" for c in range(4)
    ]
    assert any("current plan made whole" in line for line in result.explanations)


@pytest.mark.parametrize("move_weight", [1_000.0, 10_000.0, 1_000_000.0])
def test_a_repair_never_costs_more_than_the_current_plan(
    monkeypatch: pytest.MonkeyPatch, move_weight: float
) -> None:
    """Listing hopeless (the estimator says so), a short time: never dearer than today."""
    monkeypatch.setattr(candidates_module, "HOPELESS_MARGIN", 0.0)
    settings = replace_settings(time_limit=2.0, move_weight=move_weight)
    result = optimise_area(GRAPH, settings, current=CURRENT, frozen=["Top"])
    check_plan(GRAPH, result)
    assert _cost(result.assignment, settings) < _cost(CURRENT, settings)
    assert sorted(p for p, n in result.assignment.items() if n == "Top") == [
        f"P0{c}" for c in range(4)
    ]


def test_the_repair_start_joins_practices_in_no_network_and_splits_broken_ones() -> None:
    """P22 and P23 in no network join a neighbour; "Split" in two parts becomes two."""
    current = {**CURRENT, "P20": "Split", "P23": "Split", "P21": "Mid"}
    del current["P22"]
    problem = build_problem(GRAPH, FAST, current=current, frozen=["Top"])
    plan = repair_start(problem)
    assert plan is not None
    codes = problem.practices.codes
    networks = sorted(sorted(codes[i] for i in n) for piece in plan for n in piece)
    assert ["P20"] in networks  # one part of "Split"
    assert sum(len(n) for n in networks) == 12  # every practice of the unlocked rows
    assert all("P22" not in n or len(n) > 1 for n in networks)  # P22 joined a network


def test_move_terms_price_the_practices_outside_the_best_current_network() -> None:
    problem = build_problem(GRAPH, FAST, current=CURRENT, frozen=["Top"])
    index = {code: i for i, code in enumerate(problem.practices.codes)}
    sets = candidates_module.CandidateSets.of(
        [
            [index[p] for p in ("P20", "P21", "P22", "P23")],  # 2 of Mid, 2 of Low: 2 moves
            [index[p] for p in ("P30", "P31", "P32", "P33")],  # all of Bottom: none
        ]
    )
    assert move_terms(problem, sets).tolist() == [round(2 * FAST.move_weight * SCALE), 0]


def test_repair_of_an_area_too_large_to_list_runs_its_local_search_once_before_the_solve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """North West London's registrations, repair: local search ran twice before the LP.

    Once on the current plan made whole (``_repair``), then again on its result where
    only local candidates were listed: 3.5 + 3.6 s of the app's 20 s (BENCHMARKS.md,
    session 17). The exact stages now start after the first.
    """
    graph = grid(2, 5, [6_000, 14_000, 9_000, 12_000, 8_000, 11_000, 10_000, 7_000, 15_000, 9_000])
    current = {p: ("A" if i < 5 else "B") for i, p in enumerate(sorted(graph))}
    monkeypatch.setattr(candidates_module, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    monkeypatch.setattr(pricedproof, "can_prove", lambda *_: False)  # no exact pricing
    events: list[str] = []
    searched = improve_stage._improve_piece
    solve = area_module.solve_priorities

    def piece_searched(*args: Any, **kwargs: Any) -> Any:
        events.append("local search")
        return searched(*args, **kwargs)

    def solved(*args: Any, **kwargs: Any) -> Any:
        events.append("solve")
        return solve(*args, **kwargs)

    monkeypatch.setattr(improve_stage, "_improve_piece", piece_searched)
    monkeypatch.setattr(area_module, "solve_priorities", solved)
    result = optimise_area(graph, FAST, current=current)
    check_plan(graph, result)
    assert "solve" in events
    assert events[: events.index("solve")] == ["local search"]


def test_a_repair_from_the_current_plan_is_not_named_the_start_plan_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A start plan given, but the repair's first plan came from the current plan: say so.

    The words said "the start plan given" whenever one was given, though the current plan
    made whole (cheaper than it) was the plan the repair started from.
    """
    _hopeless(monkeypatch)
    monkeypatch.setattr(area_module, "construct", lambda problem: None)
    # the unlocked rows as one network of 120,000: dearer than the current plan made whole
    start = {**{f"P0{c}": "Top" for c in range(4)}, **{p: "All" for p in GRAPH if p[1] != "0"}}
    result = optimise_area(GRAPH, FAST, current=CURRENT, frozen=["Top"], start=start)
    check_plan(GRAPH, result)
    assert len(set(result.assignment.values())) > 2  # not the start plan
    assert not any("start plan given" in line for line in result.explanations)
    assert any("current plan made whole" in line for line in result.explanations)
