"""The app's planning level: each CCG on its own, or each STP / ICB as one area."""

from __future__ import annotations

from pathlib import Path

from test_app import _click, _finish_optimiser, _plan, _start, state_dir

from app.facts import compute
from app.optimiser import planning_areas
from footprints.demo import load_demo
from footprints.plan import Band, Plan

__all__ = ["state_dir"]  # the fixture, used by name


def test_the_upper_level_makes_the_stp_of_the_ccgs_in_scope_one_area() -> None:
    region = load_demo()
    ccgs = sorted(region.ccg_graphs)
    graphs, groups = planning_areas(region, "lower", ccgs[:1])
    assert groups == {ccgs[0]: [ccgs[0]]} and set(graphs[ccgs[0]]) == set(
        region.ccg_graphs[ccgs[0]]
    )
    graphs, groups = planning_areas(region, "upper", ccgs[:1])
    (stp,) = groups  # the demo is one STP of three CCGs
    assert groups[stp] == ccgs and len(ccgs) == 3
    assert set(graphs[stp]) == {p for c in ccgs for p in region.ccg_graphs[c]}
    assert graphs[stp].graph["level"] == "group"
    crossing = [
        (a, b)
        for a, b in graphs[stp].edges
        if graphs[stp].nodes[a]["ccg"] != graphs[stp].nodes[b]["ccg"]
    ]
    assert crossing  # the CCGs are joined across their borders


def test_at_the_upper_level_a_crossing_inside_the_stp_is_waivable_not_hard() -> None:
    region = load_demo()
    assert region.current is not None
    graph = region.validation_graph
    practice, neighbour = next(
        (a, b) for a, b in sorted(graph.edges) if graph.nodes[a]["ccg"] != graph.nodes[b]["ccg"]
    )
    assignment = dict(region.current.assignment)
    assignment[practice] = assignment[neighbour]
    plan = Plan(assignment)
    network = assignment[neighbour]

    def crossing(level: str) -> set[str]:
        report = compute(plan, Band(), region, level)["report"]
        return {
            v.severity
            for v in report.violations
            if network in v.networks and "cross" in v.message.lower()
        }

    assert crossing("lower") == {"hard"}
    assert crossing("upper") == {"waivable"}


def test_the_app_proposes_by_stp_and_reports_its_crossings(state_dir: Path) -> None:
    at = _start()
    at.radio(key="planning_level").set_value("upper").run()
    at.number_input(key="time_limit").set_value(10.0).run()
    _click(at, "propose")
    _finish_optimiser(at)
    results = at.session_state["results"]
    (area,) = results  # the demo's STP, one area of its three CCGs
    region = at.session_state["_derived"]["region"]
    assert area in set(region.practices["stp"])
    notice = " ".join(s.value for s in at.success)
    assert "Optimiser finished" in notice
    assert "cross a CCG border inside their STP" in notice or "No network crosses" in notice
    assert set(_plan(at).assignment) == set(region.practices["code"])
    report = at.session_state["_derived"]["report"]
    assert not [v for v in report.hard if "cross" in v.message.lower()]
