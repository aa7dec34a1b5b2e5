"""``propose``: many areas, inline or in worker processes (one area per worker at a time)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import pytest

from footprints.optimiser import pool, propose

from .grids import (
    FAST,
    AtMostPractices,
    check_plan,
    filter_rule,
    grid,
    networks_of,
    replace_settings,
)


def test_propose_inline_combines_areas_and_contains_failures() -> None:
    good = grid(3, 3, [10_000] * 9, area="A")
    also = grid(2, 3, [10_000] * 6, area="B")
    also = nx.relabel_nodes(also, {p: f"B{p}" for p in also.nodes})
    broken = nx.Graph(area="C")
    broken.add_node("C1", list_size=10_000)  # no coordinates
    proposal = propose({"A": good, "B": also, "C": broken}, FAST, processes=1)
    assert proposal.results["A"].status == "optimal"
    assert proposal.results["B"].status == "optimal"
    failed = proposal.results["C"]
    assert failed.status == "fallback" and failed.fallback == "connected parts"
    assert failed.assignment == {"C1": "C-N01"}
    assert "C1: x/y coordinates missing" in failed.explanations[-1]
    assert "while reading the area's graph" in failed.explanations[-1]
    assert set(proposal.plan.assignment) == set(good.nodes) | set(also.nodes) | {"C1"}


def test_propose_in_processes_matches_inline() -> None:
    areas = {"A": grid(3, 3, [10_000] * 9, area="A")}
    other = grid(2, 3, [10_000] * 6, area="B")
    areas["B"] = nx.relabel_nodes(other, {p: f"B{p}" for p in other.nodes})
    inline = propose(areas, FAST, processes=1)
    parallel = propose(areas, FAST, processes=2)
    assert parallel.plan == inline.plan
    assert [r.status for r in parallel.results.values()] == ["optimal", "optimal"]


def test_candidate_filters_reach_worker_processes() -> None:
    areas = _areas(["A", "B"], rows=3, cols=4)
    filtered = replace_settings(candidate_filters=(AtMostPractices(3),))
    inline = propose(areas, filtered, processes=1)
    parallel = propose(areas, filtered, processes=2)
    assert parallel.plan == inline.plan
    for name, result in parallel.results.items():
        check_plan(areas[name], result)
        assert all(len(members) <= 3 for members in networks_of(result.assignment).values())


class _DieOnArrival:
    """Unpickled in a worker process, ends that process: a crash while it holds an area."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __reduce__(self) -> tuple[object, tuple[int, ...]]:
        if self.how == "killed":  # as the kernel's out-of-memory killer would
            return (signal.raise_signal, (signal.SIGKILL,))
        return (os._exit, (3,))


def _areas(names: Sequence[str], *, rows: int = 3, cols: int = 3) -> dict[str, nx.Graph]:
    areas = {}
    for name in names:
        area = grid(rows, cols, [10_000] * (rows * cols), area=name)
        areas[name] = nx.relabel_nodes(area, {p: f"{name}{p}" for p in area.nodes})
    return areas


@pytest.mark.parametrize(("how", "words"), [("exit", "exit code 3"), ("killed", "signal 9")])
def test_a_dying_worker_process_fails_only_its_area(how: str, words: str) -> None:
    areas = _areas(["A", "B", "C", "D", "E"])
    areas["B"].graph["crash"] = _DieOnArrival(how)
    proposal = propose(areas, FAST, processes=2)
    failed = proposal.results["B"]
    assert failed.status == "fallback" and failed.fallback == "constructive"
    check_plan(areas["B"], failed)  # the quick plan stands in: complete and contiguous
    assert words in failed.explanations[-1]
    assert "the worker process solving B" in failed.explanations[-1]
    assert "the plan is the quick constructive one" in failed.explanations[-1]
    for name in ("A", "C", "D", "E"):
        assert proposal.results[name].status == "optimal"
        check_plan(areas[name], proposal.results[name])
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}


@pytest.mark.parametrize("processes", [1, 2])
def test_propose_stopped_still_covers_every_practice(processes: int) -> None:
    areas = _areas(["A", "B", "C"])
    stop = threading.Event()
    stop.set()
    proposal = propose(areas, replace_settings(time_limit=600.0), processes=processes, stop=stop)
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}
    for name, result in proposal.results.items():
        check_plan(areas[name], result)
        assert any("stopped" in line for line in result.explanations), name


def test_a_worker_dying_while_stopping_still_leaves_a_plan_for_its_area() -> None:
    """A Ctrl-C can end a worker still starting up; its area then gets the quick plan."""
    areas = _areas(["A", "B", "C"])
    areas["B"].graph["crash"] = _DieOnArrival("exit")
    stop = threading.Event()
    stop.set()
    proposal = propose(areas, replace_settings(time_limit=600.0), processes=2, stop=stop)
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}
    for name, result in proposal.results.items():
        check_plan(areas[name], result)
        assert any("stopped" in line for line in result.explanations), name


def test_propose_reports_locks_across_areas_as_infeasible() -> None:
    a = grid(2, 2, [10_000] * 4, area="A")
    b = nx.relabel_nodes(grid(2, 2, [10_000] * 4, area="B"), lambda p: f"B{p}")
    proposal = propose({"A": a, "B": b}, FAST, locked={"P00": "L", "BP00": "L"}, processes=1)
    assert proposal.results["A"].status == "infeasible"
    assert "L" in proposal.results["A"].explanations[0]


def test_a_frozen_network_across_two_areas_keeps_its_one_id() -> None:
    """A locked network spanning two planning areas is kept whole: one id, the same members.

    (A network matched in two areas in repair mode is split, the smaller part renamed; a
    frozen one must not be.)
    """
    areas = _areas(["A", "B"])
    current = {p: f"{p[0]}-{p[1:]}" for graph in areas.values() for p in graph.nodes}
    frozen = sorted(areas["A"].nodes)[:2] + sorted(areas["B"].nodes)[:1]
    for practice in frozen:
        current[practice] = "LOCKED"
    proposal = propose(areas, FAST, current=current, frozen=["LOCKED"], processes=1)
    members = {p for p, n in proposal.plan.assignment.items() if n == "LOCKED"}
    assert members == set(frozen)
    assert not [n for n in proposal.plan.assignment.values() if n.startswith("LOCKED-")]


def test_propose_given_one_graph_or_a_region_says_what_it_takes() -> None:
    # a notebook's propose(region, ...) or propose(region.validation_graph, ...) failed with
    # "'Region' object is not iterable" or "'AtlasView' object has no attribute 'nodes'"
    from footprints.demo import load_demo

    region = load_demo()
    for given, kind in ((region, "Region"), (region.validation_graph, "Graph")):
        with pytest.raises(
            TypeError, match=rf"propose takes the graphs by planning area .*not a {kind}$"
        ):
            propose(given, FAST, processes=1)  # type: ignore[arg-type]


def test_a_frozen_id_that_is_no_current_network_is_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # a mistyped id froze nothing without a word
    areas = _areas(["A", "B"])
    current = {p: f"{p[0]}-N1" for graph in areas.values() for p in graph.nodes}
    with caplog.at_level("WARNING", logger="footprints.optimiser.pool"):
        proposal = propose(areas, FAST, current=current, frozen=["A-M1", "B-N1"], processes=1)
    warned = [r.getMessage() for r in caplog.records if "frozen network" in r.getMessage()]
    assert warned == [
        "frozen network A-M1 is no network of the current plan (did you mean 'A-N1'?): "
        "nothing is kept for it — give the id of a network of `current`"
    ]
    assert set(proposal.plan.assignment) == set(current)


def test_workers_never_run_the_parents_main_script_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under ``streamlit run`` the app's script is ``__main__``: no worker may start it again.

    Spawned processes run the parent's main file again unless it is kept from them; a
    script with top-level work (the app opening its plan store) made a worker die and its
    area fall back (seen in the suite, after an app test in the same process).
    """
    ran = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(
        f"from pathlib import Path\nPath({str(ran)!r}).write_text('ran')\nraise SystemExit(1)\n",
        encoding="utf-8",
    )
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    areas = _areas(["A", "B"])
    proposal = propose(areas, FAST, processes=2)
    assert {name: result.status for name, result in proposal.results.items()} == {
        "A": "optimal",
        "B": "optimal",
    }
    assert not ran.exists()
    assert sys.modules["__main__"] is main


def test_a_rule_defined_in_the_main_script_still_reaches_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the settings name something of ``__main__``, the workers run it again to find it."""
    fake = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", fake)
    monkeypatch.setattr(AtMostPractices, "__module__", "__main__")
    fake.AtMostPractices = AtMostPractices  # type: ignore[attr-defined]
    settings = replace_settings(rules=(*FAST.rules, filter_rule(AtMostPractices(4))))
    areas = _areas(["A"])
    jobs = [("A", areas["A"], settings, None, None, (), None)]
    assert pool._needs_main(jobs)
    assert not pool._needs_main([("A", areas["A"], FAST, None, None, (), None)])
