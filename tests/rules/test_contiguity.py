"""The contiguity rule on hand-made grids."""

from __future__ import annotations

import networkx as nx
from rule_grids import by_rows, grid

from footprints.plan import Plan
from footprints.rules import check_contiguity


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
