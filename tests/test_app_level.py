"""The app's planning level: each CCG on its own, or each STP / ICB as one area."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from test_app import _click, _finish_optimiser, _plan, _saved, _session_id, _start, state_dir

from app.facts import compute
from app.markdown import shown
from app.optimiser import planning_areas
from footprints.demo import load_demo
from footprints.plan import Band, Plan
from footprints.planning_areas import planning_groups

__all__ = ["state_dir"]  # the fixture, used by name


def test_the_upper_level_makes_the_stp_of_the_ccgs_in_scope_one_area() -> None:
    region = load_demo()
    ccgs = sorted(region.ccg_graphs)
    graphs, groups = planning_areas(region, None, ccgs[:1])
    assert groups == {ccgs[0]: [ccgs[0]]} and set(graphs[ccgs[0]]) == set(
        region.ccg_graphs[ccgs[0]]
    )
    graphs, groups = planning_areas(region, planning_groups(region, "upper"), ccgs[:1])
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
        groups = planning_groups(region, level) if level == "upper" else None
        report = compute(plan, Band(), region, groups)["report"]
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
    assert (
        "cross a CCG border inside their planning area" in notice or "No network crosses" in notice
    )
    assert set(_plan(at).assignment) == set(region.practices["code"])
    report = at.session_state["_derived"]["report"]
    assert not [v for v in report.hard if "cross" in v.message.lower()]


def test_the_app_plans_by_an_areas_file_s_groups(state_dir: Path, tmp_path: Path) -> None:
    """Two of the demo's three CCGs in one group, the third alone: two planning areas."""
    at = _start()
    region = at.session_state["_derived"]["region"]
    ccgs = sorted(region.ccg_graphs)
    clusters = tmp_path / "clusters.csv"
    clusters.write_text(
        f"lower_area,group\n{ccgs[0]},North\n{ccgs[1]},North\n{ccgs[2]},South\n",
        encoding="utf-8",
    )
    at.radio(key="planning_level").set_value("areas").run()
    uploader = next(u for u in at.sidebar.file_uploader if "Areas file" in u.label)
    uploader.set_value((clusters.name, clusters.read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert dict(at.session_state["area_groups"]) == {
        "North": [ccgs[0], ccgs[1]],
        "South": [ccgs[2]],
    }
    assert any("2 planning areas of 3 CCGs" in c.value for c in at.sidebar.caption)
    at.number_input(key="time_limit").set_value(5.0).run()
    _click(at, "propose")
    _finish_optimiser(at)
    assert sorted(at.session_state["results"]) == ["North", "South"]
    # The groups are saved with the session and come back when it is opened again.
    key = _session_id(at)
    assert _saved(key).settings["area_groups"] == {"North": [ccgs[0], ccgs[1]], "South": [ccgs[2]]}
    again = _start(key)
    assert again.session_state["planning_level"] == "areas"
    assert dict(again.session_state["area_groups"]) == {
        "North": [ccgs[0], ccgs[1]],
        "South": [ccgs[2]],
    }
    assert any("2 planning areas of 3 CCGs" in c.value for c in again.sidebar.caption)


def test_a_bad_areas_file_is_shown_row_by_row(state_dir: Path, tmp_path: Path) -> None:
    at = _start()
    clusters = tmp_path / "clusters.csv"
    clusters.write_text("lower_area,group\nE99999999,North\n", encoding="utf-8")
    at.radio(key="planning_level").set_value("areas").run()
    uploader = next(u for u in at.sidebar.file_uploader if "Areas file" in u.label)
    uploader.set_value((clusters.name, clusters.read_bytes(), "text/csv")).run()
    errors = " ".join(shown(e.value) for e in at.sidebar.error)
    assert "clusters.csv, row 2" in errors and "E99999999" in errors
    assert "area_groups" not in at.session_state  # nothing read


def test_an_areas_file_the_server_cannot_save_is_an_error_on_the_page(
    state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a full disk the upload stopped the whole page with a traceback (OSError)."""
    import app.uploads

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    at = _start()
    plan = _plan(at)
    monkeypatch.setattr(app.uploads, "write_bytes", full)
    at.radio(key="planning_level").set_value("areas").run()
    uploader = next(u for u in at.sidebar.file_uploader if "Areas file" in u.label)
    uploader.set_value(("clusters.csv", b"lower_area,group\n", "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [shown(e.value) for e in at.sidebar.error]
    assert any("The areas file could not be saved on the server" in e for e in errors), errors
    assert _plan(at) == plan
