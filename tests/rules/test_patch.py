"""The patch rule on hand-made grids."""

from __future__ import annotations

import networkx as nx
from home_grids import home_graph
from rule_grids import by_rows, grid

from footprints.plan import Plan
from footprints.rules import check_patches


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


# ---- on patients' homes (registration geography) -------------------------------------------
# Three patches, one LSOA each: X = L00, Y = L10, Z = L20. N1 is practice A; B and C fill the
# patches so that each patch is home to 1,000 registered patients.


def _homes_graph(a_in_y: int) -> nx.Graph:
    return home_graph(
        {
            "A": {"L00": 900, "L10": a_in_y, "L20": 10},
            "B": {"L10": 1_000 - a_in_y},
            "C": {"L00": 100, "L20": 990},
        },
        columns=3,
        patch_of_lsoa={"L00": "X", "L10": "Y", "L20": "Z"},
    )


HOMES_PLAN = Plan({"A": "N1", "B": "N2", "C": "N3"})


def test_on_homes_a_patch_works_into_a_network_from_five_percent_of_its_residents() -> None:
    graph = _homes_graph(50)  # A's 50 patients are 5.0% of Y's 1,000 residents
    assert graph.graph["patch_residents"] == {"X": 1_000, "Y": 1_000, "Z": 1_000}
    found = {v.networks[0]: v for v in check_patches(HOMES_PLAN, graph)}
    assert set(found) == {"N1", "N3"}  # N3: 100 of X's 1,000 residents (10%) and 990 of Z's
    violation = found["N1"]
    assert violation.values == {
        "patches": {"X": 900, "Y": 50},
        "main_patch": "X",
        # outside X: 50 in Y and 10 in Z (Z's 1% is no team's concern, but they live outside)
        "straddling_population": 60,
        "home_patches": {"X": 900, "Y": 50, "Z": 10},
        "patch_shares": {"X": 0.9, "Y": 0.05},
        "share_threshold": 0.05,
    }
    assert violation.practices == ()  # A's own patients live mainly in X, the main patch
    assert "straddles 2 nursing patches" in violation.message
    assert "Y (50 patients, 5% of its residents)" in violation.message
    assert "60 patients live outside its main patch X" in violation.message


def test_on_homes_just_below_five_percent_a_patch_does_not_work_into_it() -> None:
    graph = _homes_graph(49)  # 4.9% of Y
    assert {v.networks[0] for v in check_patches(HOMES_PLAN, graph)} == {"N3"}


def test_on_homes_the_practices_named_live_mainly_outside_the_main_patch() -> None:
    graph = _homes_graph(50)
    plan = Plan({"A": "N1", "B": "N1", "C": "N3"})  # N1: X 900, Y 1,000, Z 10
    (violation,) = [v for v in check_patches(plan, graph) if v.networks == ("N1",)]
    assert violation.values["main_patch"] == "Y"
    assert violation.values["straddling_population"] == 910
    assert violation.practices == ("A",)  # A lives mainly in X
    assert "X (900 patients, 90% of its residents: mostly of A)" in violation.message
