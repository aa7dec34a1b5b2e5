"""The validator: reports and JSON, every rule against brute-force recomputations, live updates."""

from __future__ import annotations

import json
import random

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rule_grids import by_rows, cases, code_at, grid

from footprints.plan import Band, Plan
from footprints.rules import RULES, LiveValidator, Report, Violation, validate

# ------------------------------------------------------------------------------ validate


def test_validate_good_plan_is_ok(g3: nx.Graph) -> None:
    report = validate(by_rows(3, 3), g3)
    assert report.ok and report.violations == ()
    assert report.summary["networks"] == 3 and report.summary["in_band"] == 3
    voronoi = [rule for rule in RULES if rule != "territory"]  # the grid has no homes
    assert report.geography == "voronoi" and "territory" not in report.summary
    assert all(report.summary[rule] == 0 for rule in voronoi)


def test_validate_report_summary_and_json(g3: nx.Graph) -> None:
    g3.nodes["P22"]["ccg"] = "C2"
    plan = by_rows(3, 3).moved(["P20"], "N0").moved(["X1"], "N9")
    report = validate(plan, g3)
    assert not report.ok
    summary = report.summary
    assert summary["networks"] == 3
    assert (summary["below"], summary["above"], summary["in_band"]) == (1, 0, 2)
    assert summary["coverage"] == 1 and summary["contiguity"] == 1
    assert summary["boundary"] == 1 and summary["band"] == 1
    assert summary["hard"] == len(report.hard) == 3
    assert summary["waivable"] == len(report.waivable) == 1
    assert [v.rule for v in report.violations] == ["coverage", "band", "contiguity", "boundary"]
    data = json.loads(json.dumps(report.to_dict()))
    assert set(data) == {"ok", "summary", "violations"}
    assert set(data["violations"][0]) == {
        "rule",
        "severity",
        "networks",
        "practices",
        "values",
        "message",
    }
    assert [v.rule for v in report.for_network("N2")] == ["band", "boundary"]


def test_violation_is_frozen() -> None:
    violation = Violation("band", "waivable", ("N1",), (), {}, "")
    with pytest.raises(AttributeError):
        violation.rule = "patch"  # type: ignore[misc]


# ------------------------------------------------------------------------------ brute force


def _grid_neighbours(code: str) -> list[str]:
    r, c = int(code[1]), int(code[2])
    return [code_at(r + dr, c + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]


def _brute_members(graph: nx.Graph, plan: Plan) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for code, network in plan.assignment.items():
        if network and code in graph.nodes:
            members.setdefault(network, []).append(code)
    return members


def _flood_parts(members: list[str]) -> list[frozenset[str]]:
    left, parts = set(members), []
    while left:
        frontier = [left.pop()]
        part = set(frontier)
        while frontier:
            for other in _grid_neighbours(frontier.pop()):
                if other in left:
                    left.remove(other)
                    part.add(other)
                    frontier.append(other)
        parts.append(frozenset(part))
    return parts


def _sums(graph: nx.Graph, codes: list[str], key: str) -> dict[str, int]:
    sums: dict[str, int] = {}
    for code in codes:
        label = graph.nodes[code][key]
        if label is not None:
            sums[label] = sums.get(label, 0) + graph.nodes[code]["list_size"]
    return sums


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_rule_agrees_with_brute_force(case: tuple[nx.Graph, Plan, Band, bool]) -> None:
    graph, plan, band, allow = case
    report = validate(plan, graph, band=band, allow_crossing=allow)
    members = _brute_members(graph, plan)
    found = {rule: {} for rule in RULES}
    for v in report.violations:
        key = v.values.get("kind") if v.rule == "coverage" else v.networks[0]
        found[v.rule][key] = v

    # coverage
    unassigned = {c for c in graph.nodes if not plan.assignment.get(c)}
    unknown = {c for c in plan.assignment if c not in graph.nodes}
    assert set(found["coverage"]) == {
        k for k, s in [("unassigned", unassigned), ("unknown", unknown)] if s
    }
    if unassigned:
        assert set(found["coverage"]["unassigned"].practices) == unassigned
    if unknown:
        assert set(found["coverage"]["unknown"].practices) == unknown

    # band, by plain sums
    population = {n: sum(graph.nodes[c]["list_size"] for c in m) for n, m in members.items()}
    outside = {
        n for n, p in population.items() if not band.min_population <= p <= band.max_population
    }
    assert set(found["band"]) == outside
    for network in outside:
        gap = found["band"][network].values["gap"]
        p = population[network]
        assert gap == (
            p - band.min_population if p < band.min_population else p - band.max_population
        )
    assert report.summary["networks"] == len(members)
    assert report.summary["below"] == sum(p < band.min_population for p in population.values())

    # contiguity, by flood fill on grid coordinates
    split = {n: _flood_parts(m) for n, m in members.items()}
    assert set(found["contiguity"]) == {n for n, parts in split.items() if len(parts) > 1}
    for network, violation in found["contiguity"].items():
        reported = {frozenset(p["practices"]): p["population"] for p in violation.values["parts"]}
        assert set(reported) == set(split[network])
        for part, pop in reported.items():
            assert pop == sum(graph.nodes[c]["list_size"] for c in part)

    # boundaries
    crossing = {}
    for network, m in members.items():
        ccgs, stps = _sums(graph, m, "ccg"), _sums(graph, m, "stp")
        if len(ccgs) > 1 or len(stps) > 1:
            crossing[network] = (ccgs, stps)
    assert set(found["boundary"]) == set(crossing)
    for network, (ccgs, stps) in crossing.items():
        violation = found["boundary"][network]
        assert violation.values["ccg"] == ccgs and violation.values["stp"] == stps
        assert violation.severity == ("waivable" if allow else "hard")
        assert violation.values["level"] == ("stp" if len(stps) > 1 else "ccg")

    # patches
    straddling = {}
    for network, m in members.items():
        patches = _sums(graph, m, "patch")
        if len(patches) > 1:
            straddling[network] = sum(patches.values()) - max(patches.values())
    assert set(found["patch"]) == set(straddling)
    for network, pop in straddling.items():
        assert found["patch"][network].values["straddling_population"] == pop


# ------------------------------------------------------------------------------ live


def test_live_validator_move_matches_validate(g3: nx.Graph) -> None:
    live = LiveValidator(by_rows(3, 3), g3)
    assert live.report == validate(by_rows(3, 3), g3)
    report = live.move(["P20"], "N0")
    assert isinstance(report, Report)
    assert live.plan == by_rows(3, 3).moved(["P20"], "N0")
    assert report == validate(live.plan, g3)
    assert report.summary["contiguity"] == 1
    assert live.move(["P20"], "N2") == validate(by_rows(3, 3), g3)


def test_live_validator_unassign_and_new_network(g3: nx.Graph) -> None:
    live = LiveValidator(by_rows(3, 3), g3)
    report = live.move(["P00", "P01"], None)
    assert "P00" not in live.plan.assignment
    assert report.by_rule("coverage")[0].practices == ("P00", "P01")
    report = live.move(["P00", "P01"], "N7")
    assert report == validate(live.plan, g3)
    assert report.summary["networks"] == 4


@st.composite
def move_sequences(
    draw: st.DrawFn,
) -> tuple[nx.Graph, Plan, Band, list[tuple[list[str], str | None]]]:
    graph, plan, band, _ = draw(cases())
    codes = [*graph.nodes, "Z1", "Z9"]
    targets = st.sampled_from(["N1", "N2", "N3", "N4", "N6", "", None])
    moves = draw(
        st.lists(
            st.tuples(st.lists(st.sampled_from(codes), min_size=1, max_size=3), targets),
            min_size=1,
            max_size=12,
        )
    )
    return graph, plan, band, moves


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(move_sequences())
def test_live_validator_equals_full_validation_after_moves(
    case: tuple[nx.Graph, Plan, Band, list[tuple[list[str], str | None]]],
) -> None:
    graph, plan, band, moves = case
    live = LiveValidator(plan, graph, band=band, duplicates=["P00"])
    for practices, network in moves:
        report = live.move(practices, network)
        expected = validate(live.plan, graph, band=band, duplicates=["P00"])
        assert report.to_dict() == expected.to_dict()


def test_live_validator_random_walk_on_a_larger_grid() -> None:
    rng = random.Random(7)
    graph = grid(5, 5, [rng.randint(3_000, 14_000) for _ in range(25)])
    plan = Plan({c: f"N{int(c[1]) // 2}{int(c[2]) // 2}" for c in graph.nodes})
    live = LiveValidator(plan, graph)
    for _ in range(100):
        practice = rng.choice(sorted(graph.nodes))
        target = live.plan.assignment[rng.choice(sorted(graph.neighbors(practice)))]
        assert live.move([practice], target) == validate(live.plan, graph)


def test_validate_given_a_dict_or_a_region_says_what_it_takes() -> None:
    # a notebook's validate(dict(...), graph) or validate(plan, region) failed with
    # "'dict' object has no attribute 'names'" or an AttributeError of the Region
    from footprints.demo import load_demo

    region = load_demo()
    assert region.current is not None
    with pytest.raises(TypeError, match=r"validate takes a Plan, not a dict: wrap the mapping"):
        validate(dict(region.current.assignment), region.validation_graph)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"not a Region$"):
        validate(region.current, region)  # type: ignore[arg-type]
    assert validate(region.current, region.validation_graph).summary["networks"] > 0
