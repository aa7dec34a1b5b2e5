"""The coverage rule on hand-made grids."""

from __future__ import annotations

import networkx as nx
from rule_grids import by_rows

from footprints.plan import Plan
from footprints.rules import check_coverage


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
