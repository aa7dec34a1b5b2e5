"""The validator's rules on hand-made grids, and against brute-force recomputations."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.plan import Band, Plan
from footprints.validate import (
    RULES,
    LiveValidator,
    Report,
    Violation,
    check_band,
    check_boundaries,
    check_contiguity,
    check_coverage,
    check_patches,
    validate,
)

# ------------------------------------------------------------------------------ fixtures


def _code(row: int, col: int) -> str:
    return f"P{row}{col}"


def grid(
    rows: int,
    cols: int,
    sizes: Sequence[int] | int = 10_000,
    *,
    ccg: Mapping[str, str | None] | None = None,
    stp: Mapping[str, str | None] | None = None,
    patch: Mapping[str, str | None] | None = None,
) -> nx.Graph:
    """A rows x cols grid of practices ``P<row><col>``, 1 km apart, rook adjacency."""
    graph = nx.Graph(area="C1", level="ccg", island_links=0)
    codes = [_code(r, c) for r in range(rows) for c in range(cols)]
    for i, code in enumerate(codes):
        r, c = int(code[1]), int(code[2])
        graph.add_node(
            code,
            list_size=sizes if isinstance(sizes, int) else sizes[i],
            x=1000.0 * c,
            y=1000.0 * r,
            ccg=(ccg or {}).get(code, "C1"),
            stp=(stp or {}).get(code, "S1"),
            patch=(patch or {}).get(code),
            name=f"Surgery {code}",
        )
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                graph.add_edge(_code(r, c), _code(r, c + 1), kind="border", border_m=1000.0)
            if r + 1 < rows:
                graph.add_edge(_code(r, c), _code(r + 1, c), kind="border", border_m=1000.0)
    return graph


def by_rows(rows: int, cols: int) -> Plan:
    """One network per grid row: N0, N1, ..."""
    return Plan({_code(r, c): f"N{r}" for r in range(rows) for c in range(cols)})


@pytest.fixture
def g3() -> nx.Graph:
    """3x3 grid, 12,000 patients a practice: each row is a 36,000-patient network."""
    return grid(3, 3, 12_000)


# ------------------------------------------------------------------------------ coverage


def test_coverage_passes_when_every_practice_is_assigned_once(g3: nx.Graph) -> None:
    assert check_coverage(by_rows(3, 3), g3) == []


def test_coverage_reports_unassigned_practices_and_empty_networks(g3: nx.Graph) -> None:
    assignment = dict(by_rows(3, 3).assignment)
    del assignment["P00"]
    assignment["P11"] = ""
    assignment["P22"] = None  # type: ignore[assignment]
    (violation,) = check_coverage(Plan(assignment), g3)
    assert violation.rule == "coverage" and violation.severity == "hard"
    assert violation.practices == ("P00", "P11", "P22")
    assert violation.values == {"kind": "unassigned", "count": 3, "population": 36_000}
    assert "3 practices (36,000 patients) are in no network" in violation.message
    assert "P00 (Surgery P00, 12,000 patients)" in violation.message


def test_coverage_names_one_unassigned_practice(g3: nx.Graph) -> None:
    assignment = dict(by_rows(3, 3).assignment)
    del assignment["P21"]
    (violation,) = check_coverage(Plan(assignment), g3)
    assert violation.message.startswith(
        "Practice P21 (Surgery P21, 12,000 patients) is in no network."
    )


def test_coverage_reports_unknown_codes_with_their_networks(g3: nx.Graph) -> None:
    plan = by_rows(3, 3).moved(["Z99999"], "N1")
    (violation,) = check_coverage(plan, g3)
    assert violation.values["kind"] == "unknown"
    assert violation.practices == ("Z99999",) and violation.networks == ("N1",)
    assert "Z99999 (in N1)" in violation.message


def test_coverage_reports_duplicates_the_reader_found(g3: nx.Graph) -> None:
    (violation,) = check_coverage(by_rows(3, 3), g3, duplicates=["P01", "P01", "P10"])
    assert violation.values == {"kind": "duplicate", "count": 2}
    assert violation.practices == ("P01", "P10")
    assert "more than once" in violation.message


# ------------------------------------------------------------------------------ band


def test_band_passes_inside_and_on_the_bounds() -> None:
    graph = grid(2, 2, [15_000, 15_000, 25_000, 25_000])
    assert check_band(by_rows(2, 2), graph, Band(30_000, 50_000)) == []


def test_band_below_message_suggests_a_merge_that_fits() -> None:
    graph = grid(3, 3, [9_000, 9_000, 9_410, 7_000, 7_000, 7_000, 15_000, 15_000, 15_000])
    violation, other = check_band(by_rows(3, 3), graph, Band())
    assert violation.networks == ("N0",) and violation.severity == "waivable"
    assert violation.values["population"] == 27_410
    assert violation.values["gap"] == -2_590
    assert violation.values["neighbours"] == ["N1"]
    assert violation.message == (
        "Network N0 has 27,410 patients, 2,590 below the 30,000 minimum: add a neighbouring "
        "practice or merge with N1, or record a waiver reason (rural, island, small CCG)."
    )
    assert other.networks == ("N1",) and "merge with N0," in other.message


def test_band_below_without_a_fitting_merge_names_the_neighbours() -> None:
    graph = grid(3, 3, [9_000, 9_000, 9_000, 12_000, 12_000, 12_000, 15_000, 15_000, 15_000])
    (violation,) = check_band(by_rows(3, 3), graph, Band())
    assert "add practices from a neighbouring network (N1)" in violation.message


def test_band_above_names_neighbours_with_room() -> None:
    graph = grid(3, 3, [20_000, 20_000, 20_000, 10_000, 10_000, 10_000, 12_000, 12_000, 12_000])
    (violation,) = check_band(by_rows(3, 3), graph, Band())
    assert violation.networks == ("N0",)
    assert violation.values["gap"] == 10_000 and violation.values["direction"] == "above"
    assert violation.practices == ("P00", "P01", "P02")
    assert "60,000 patients, 10,000 above the 50,000 maximum" in violation.message
    assert "move a border practice to N1" in violation.message
    assert "split it into 2 networks" in violation.message


def test_band_isolated_network_can_only_be_waived() -> None:
    graph = grid(1, 2, 5_000)
    (violation,) = check_band(Plan({"P00": "N1", "P01": "N1"}), graph)
    assert "it borders no other network, so record a waiver reason" in violation.message


def test_band_uses_network_names_in_messages() -> None:
    graph = grid(1, 2, 5_000)
    plan = Plan({"P00": "N1", "P01": "N1"}, {"N1": "Riverside PCN"})
    (violation,) = check_band(plan, graph)
    assert violation.message.startswith("Network N1 (Riverside PCN) has 10,000 patients")


# ------------------------------------------------------------------------------ contiguity


def test_contiguity_passes_for_connected_networks(g3: nx.Graph) -> None:
    assert check_contiguity(by_rows(3, 3), g3) == []


def test_contiguity_names_the_separate_parts(g3: nx.Graph) -> None:
    plan = by_rows(3, 3).moved(["P20"], "N0")  # N0 = top row + a bottom corner
    (violation,) = check_contiguity(plan, g3)
    assert violation.rule == "contiguity" and violation.severity == "hard"
    assert violation.networks == ("N0",)
    assert violation.practices == ("P20",)
    assert violation.values["part_count"] == 2
    assert violation.values["parts"] == [
        {"practices": ["P00", "P01", "P02"], "population": 36_000},
        {"practices": ["P20"], "population": 12_000},
    ]
    assert violation.values["detached_population"] == 12_000
    assert "P00, P01 and P02 (36,000 patients); P20 (12,000 patients)" in violation.message
    assert "to a network it borders (N1 or N2)" in violation.message


def test_contiguity_counts_island_and_colocated_links() -> None:
    graph = grid(1, 3)
    graph.remove_edge("P01", "P02")
    graph.add_node("Q1", list_size=5_000, x=0.0, y=0.0, ccg="C1", stp="S1", patch=None)
    graph.add_edge("P02", "P00", kind="island", border_m=0.0)
    graph.add_edge("Q1", "P00", kind="colocated", border_m=0.0)
    plan = Plan({"P00": "N1", "P01": "N1", "P02": "N1", "Q1": "N1"})
    assert check_contiguity(plan, graph) == []


def test_contiguity_counts_upper_graph_links() -> None:
    lower = grid(1, 3)
    lower.remove_edge("P01", "P02")
    upper = nx.Graph()
    upper.add_edge("P01", "P02", kind="border", border_m=10.0)
    plan = Plan({"P00": "N1", "P01": "N1", "P02": "N1"})
    assert len(check_contiguity(plan, lower)) == 1
    assert check_contiguity(plan, lower, upper_graph=upper) == []


# ------------------------------------------------------------------------------ boundary


def _two_ccgs() -> dict[str, str | None]:
    """Columns 0-1 in CCG C1, column 2 in C2."""
    return {_code(r, c): ("C1" if c < 2 else "C2") for r in range(3) for c in range(3)}


def test_boundaries_pass_inside_one_ccg() -> None:
    graph = grid(3, 3, ccg=_two_ccgs())
    plan = Plan({_code(r, c): ("A" if c < 2 else "B") for r in range(3) for c in range(3)})
    assert check_boundaries(plan, graph) == []


def test_boundaries_report_ccg_crossing_with_populations() -> None:
    graph = grid(3, 3, 10_000, ccg=_two_ccgs())
    (violation, *rest) = check_boundaries(by_rows(3, 3), graph)
    assert len(rest) == 2
    assert violation.severity == "hard" and violation.networks == ("N0",)
    assert violation.practices == ("P02",)
    assert violation.values["level"] == "ccg"
    assert violation.values["ccg"] == {"C1": 20_000, "C2": 10_000}
    assert violation.values["population_outside"] == 10_000
    assert violation.message.startswith(
        "Network N0 crosses 2 CCGs: C1 (20,000 patients) and C2 (10,000 patients: P02); "
        "a network must stay inside one CCG: move P02"
    )


def test_boundaries_waivable_when_crossing_allowed() -> None:
    graph = grid(3, 3, ccg=_two_ccgs())
    violations = check_boundaries(by_rows(3, 3), graph, allow_crossing=True)
    assert [v.severity for v in violations] == ["waivable"] * 3
    assert "crossing is allowed" in violations[0].message


def test_boundaries_judged_at_the_stp_level_when_it_is_crossed() -> None:
    ccg = {_code(0, c): f"C{c}" for c in range(3)}
    stp = {_code(0, c): ("S1" if c < 2 else "S2") for c in range(3)}
    graph = grid(1, 3, 10_000, ccg=ccg, stp=stp)
    (violation,) = check_boundaries(Plan({_code(0, c): "N" for c in range(3)}), graph)
    assert violation.values["level"] == "stp"
    assert violation.values["levels"] == ["ccg", "stp"]
    assert violation.values["stp"] == {"S1": 20_000, "S2": 10_000}
    assert "crosses 2 STPs and 3 CCGs" in violation.message
    assert violation.practices == ("P02",)


def test_boundaries_ignore_practices_without_an_area() -> None:
    graph = grid(1, 2, ccg={"P00": "C1", "P01": None})
    assert check_boundaries(Plan({"P00": "N", "P01": "N"}), graph) == []


# ------------------------------------------------------------------------------ patch


def test_patches_pass_when_networks_keep_to_one_patch(g3: nx.Graph) -> None:
    for code in g3:
        g3.nodes[code]["patch"] = f"row{code[1]}"
    assert check_patches(by_rows(3, 3), g3) == []


def test_patches_report_straddling_population() -> None:
    patch = {"P00": "A", "P01": "A", "P02": "B", "P10": "B", "P11": None, "P12": "B"}
    graph = grid(2, 3, [10_000, 12_000, 9_000, 10_000, 10_000, 10_000], patch=patch)
    (violation,) = check_patches(by_rows(2, 3), graph)
    assert violation.severity == "waivable" and violation.networks == ("N0",)
    assert violation.values == {
        "patches": {"A": 22_000, "B": 9_000},
        "main_patch": "A",
        "straddling_population": 9_000,
    }
    assert violation.practices == ("P02",)
    assert "9,000 patients lie outside its main patch A" in violation.message


# ------------------------------------------------------------------------------ validate


def test_validate_good_plan_is_ok(g3: nx.Graph) -> None:
    report = validate(by_rows(3, 3), g3)
    assert report.ok and report.violations == ()
    assert report.summary["networks"] == 3 and report.summary["in_band"] == 3
    assert all(report.summary[rule] == 0 for rule in RULES)


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

CCG_SPLITS = st.integers(0, 5)


@st.composite
def cases(draw: st.DrawFn) -> tuple[nx.Graph, Plan, Band, bool]:
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    codes = [_code(r, c) for r in range(rows) for c in range(cols)]
    sizes = draw(st.lists(st.integers(0, 20_000), min_size=len(codes), max_size=len(codes)))
    split_col, split_row = draw(CCG_SPLITS), draw(CCG_SPLITS)
    ccg = {c: ("C1" if int(c[2]) < split_col else "C2") for c in codes}
    stp = {c: ("S1" if int(c[1]) < split_row else "S2") for c in codes}
    labels = st.sampled_from(["A", "B", "C", None])
    patch = dict(
        zip(codes, draw(st.lists(labels, min_size=len(codes), max_size=len(codes))), strict=True)
    )
    graph = grid(rows, cols, sizes, ccg=ccg, stp=stp, patch=patch)
    choices = st.sampled_from(["N1", "N2", "N3", "N4", "", None, "absent"])
    assignment = {}
    for code, network in zip(
        codes, draw(st.lists(choices, min_size=len(codes), max_size=len(codes))), strict=True
    ):
        if network != "absent":
            assignment[code] = network
    for unknown in draw(st.lists(st.sampled_from(["Z1", "Z2", "Z3"]), unique=True)):
        assignment[unknown] = draw(st.sampled_from(["N1", "N5", ""]))
    low = draw(st.integers(0, 40_000))
    band = Band(low, low + draw(st.integers(0, 40_000)))
    return graph, Plan(assignment), band, draw(st.booleans())


def _grid_neighbours(code: str) -> list[str]:
    r, c = int(code[1]), int(code[2])
    return [_code(r + dr, c + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1))]


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


def test_band_far_above_suggests_how_many_networks_to_split_into() -> None:
    graph = grid(1, 2, 95_000)
    (violation,) = check_band(Plan({"P00": "N1", "P01": "N1"}), graph)
    assert "190,000 patients, 140,000 above the 50,000 maximum" in violation.message
    assert "split it into 4 networks" in violation.message
