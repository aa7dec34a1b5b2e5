"""The territory rule on hand-made LSOA rows, against hand-computed territories.

Five 1 km squares in a row, ``L00 L10 L20 L30 L40``. Practice A (network N1) has patients
in L00, L10 and L30; practice B (network N2) holds L20, which cuts N1's territory in two:
the main part {L00, L10} and the detached L30.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest
from home_grids import home_graph

from footprints.geography import TERRITORY_TOLERANCE
from footprints.plan import Plan
from footprints.rules import REGISTRY, RULES, LiveValidator, check_territories, rule_named, validate

PLAN = Plan({"A": "N1", "B": "N2"})


def cut_row(main: tuple[int, int], detached: int) -> nx.Graph:
    """N1's patients: ``main`` in L00 and L10, ``detached`` in L30; N2 holds L20."""
    return home_graph(
        {"A": {"L00": main[0], "L10": main[1], "L30": detached}, "B": {"L20": 5_000}},
        columns=5,
    )


def test_a_territory_holding_exactly_the_tolerance_in_its_main_part_passes() -> None:
    graph = cut_row((50, 45), 5)  # main part 95 of 100: exactly 95%
    assert TERRITORY_TOLERANCE == 0.95
    assert check_territories(PLAN, graph) == []


def test_just_below_the_tolerance_the_detached_part_is_named() -> None:
    graph = cut_row((500, 449), 51)  # main part 949 of 1,000: 94.9%
    (violation,) = check_territories(PLAN, graph)
    assert violation.rule == "territory" and violation.severity == "waivable"
    assert violation.networks == ("N1",) and violation.practices == ("A",)
    assert violation.values == {
        "part_count": 2,
        "parts": [
            {"lsoas": ["L00", "L10"], "lsoa_count": 2, "patients": 949},
            {"lsoas": ["L30"], "lsoa_count": 1, "patients": 51},
        ],
        "territory_patients": 1_000,
        "main_share": 0.949,
        "tolerance": 0.95,
        "detached_patients": 51,
        "practices": {"A": 51},
        "surrounding": ["N2"],
    }
    message = violation.message
    assert "territory is in 2 pieces" in message and "94.9% of the 1,000 patients" in message
    assert "Detached: LSOA L30 (51 patients)" in message
    assert "registered at A (51)" in message and "lie in N2's territory" in message
    assert rule_named("territory").describe_numbers(violation.values) == (
        "2 pieces, main 94.9%, 51 detached"
    )


def test_the_holders_are_the_members_with_most_patients_in_the_detached_parts() -> None:
    graph = home_graph(
        {
            "A": {"L00": 600, "L30": 10},
            "C": {"L10": 300, "L30": 40, "L40": 5},
            "D": {"L10": 100},
            "B": {"L20": 5_000},
        },
        columns=6,
    )
    plan = Plan({"A": "N1", "C": "N1", "D": "N1", "B": "N2"})
    (violation,) = check_territories(plan, graph)
    # territory L00, L10 | L30, L40: main 1,000 of 1,055
    assert [part["lsoas"] for part in violation.values["parts"]] == [["L00", "L10"], ["L30", "L40"]]
    assert violation.values["practices"] == {"C": 45, "A": 10}
    assert violation.practices == ("A", "C")
    assert violation.values["detached_patients"] == 55


def test_only_the_first_lsoas_of_a_large_part_are_listed() -> None:
    columns = 8  # N1: L00, then L20 … L70 detached behind N2's L10
    homes = {"A": {"L00": 1_000, **{f"L{c}0": 10 for c in range(2, columns)}}}
    homes["B"] = {"L10": 50_000}
    (violation,) = check_territories(PLAN, home_graph(homes, columns=columns))
    detached = violation.values["parts"][1]
    assert detached == {"lsoas": ["L20", "L30", "L40"], "lsoa_count": 6, "patients": 60}
    assert "L20, L30, L40 and 3 more LSOAs (60 patients)" in violation.message


def test_without_homes_on_the_graph_the_rule_finds_nothing() -> None:
    graph = home_graph(
        {"A": {"L00": 500, "L10": 449, "L30": 51}, "B": {"L20": 5_000}},
        columns=5,
        with_homes=False,
    )
    assert check_territories(PLAN, graph) == []


def test_the_rule_applies_only_under_registration_geography() -> None:
    territory = rule_named("territory")
    assert territory.geographies == ("registrations",) and territory.scope == "plan"
    assert [r.name for r in REGISTRY if r.applies_to("voronoi")] == [
        name for name in RULES if name != "territory"
    ]
    assert all(r.applies_to("registrations") for r in REGISTRY)


def test_validate_runs_it_and_counts_it_only_under_registrations() -> None:
    graph = cut_row((500, 449), 51)
    report = validate(PLAN, graph)
    assert report.geography == "registrations"
    assert [v.rule for v in report.by_rule("territory")] == ["territory"]
    assert report.summary["territory"] == 1
    data = json.loads(json.dumps(report.to_dict()))
    assert data["summary"]["geography"] == "registrations"
    assert data["summary"]["territory"] == 1

    graph.graph["geography"] = "voronoi"  # the same graph judged on the Voronoi model
    voronoi = validate(PLAN, graph)
    assert voronoi.geography == "voronoi" and "territory" not in voronoi.summary
    assert voronoi.by_rule("territory") == ()
    counts = ["networks", "in_band", "below", "above", "hard", "waivable"]
    rules = [name for name in RULES if name != "territory"]
    assert list(voronoi.to_dict()["summary"]) == ["geography", *counts, *rules]
    assert list(data["summary"]) == ["geography", *counts, *RULES]


def test_the_live_validator_re_runs_the_territory_rule_on_every_move() -> None:
    graph = home_graph(
        {
            "A": {"L00": 500, "L10": 449},
            "E": {"L30": 51},
            "B": {"L20": 5_000},
        },
        columns=5,
    )
    plan = Plan({"A": "N1", "E": "N3", "B": "N2"})
    live = LiveValidator(plan, graph)
    assert live.report.by_rule("territory") == ()
    moved = live.move(["E"], "N1")  # E's patients in L30 now make N1's territory two pieces
    assert [v.networks for v in moved.by_rule("territory")] == [("N1",)]
    assert moved == validate(live.plan, graph)
    back = live.move(["E"], "N3")
    assert back.by_rule("territory") == () and back == validate(live.plan, graph)


@pytest.mark.parametrize("n1_larger", [True, False])
def test_ties_go_to_the_larger_network_by_list_size(n1_larger: bool) -> None:
    """The rule breaks an LSOA's tie by network population, as DESIGN.md says."""
    graph = home_graph(
        {"A": {"L00": 900, "L10": 50, "L20": 50}, "B": {"L10": 50, "L30": 900}},
        columns=4,
        list_size={"A": 2_000, "B": 1_000 if n1_larger else 3_000},
    )
    # L10 is tied 50–50. Won by N1: N1 = {L00, L10, L20} and N2 = {L30}, each one piece.
    # Won by N2: N1 = {L00} | {L20} and N2 = {L10} | {L30}, each 900 of 950 in its main part.
    found = check_territories(PLAN, graph)
    assert [v.networks for v in found] == ([] if n1_larger else [("N1",), ("N2",)])
