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
    assert violation.message == (
        "The territory of network N1 (the LSOAs where it has the most patients) is in 2 "
        "pieces: its main piece holds 94.9% of the 1,000 patients living in it, below the 95% "
        "tolerance. Detached: LSOA L30 (51 patients). Most of the network's patients there "
        "are registered at A (51), and the detached pieces lie in N2's territory: consider "
        "moving those practices there, or record why the network serves these areas."
    )
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


def test_the_message_describes_the_largest_detached_pieces_and_counts_the_rest() -> None:
    # N1 holds L00 and every other LSOA after it; N2 holds the ones between
    homes = {
        "A": {"L00": 1_000, "L20": 40, "L40": 30, "L60": 20, "L80": 10},
        "B": {f"L{c}0": 5_000 for c in (1, 3, 5, 7)},
    }
    found = check_territories(PLAN, home_graph(homes, columns=9))
    assert [v.networks for v in found] == [("N1",), ("N2",)]  # N2: four pieces of 5,000
    violation = found[0]
    assert violation.values["part_count"] == 5
    assert [part["patients"] for part in violation.values["parts"]] == [1_000, 40, 30, 20, 10]
    assert (
        "Detached: LSOA L20 (40 patients); LSOA L40 (30 patients); LSOA L60 (20 patients); "
        "and 1 more piece (10 patients)."
    ) in violation.message


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
