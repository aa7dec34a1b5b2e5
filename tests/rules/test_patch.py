"""The patch rule on hand-made grids."""

from __future__ import annotations

import networkx as nx
from rule_grids import by_rows, grid

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
