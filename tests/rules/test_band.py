"""The band rule on hand-made grids."""

from __future__ import annotations

from rule_grids import by_rows, grid

from footprints.plan import Band, Plan
from footprints.rules import check_band


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


def test_band_far_above_suggests_how_many_networks_to_split_into() -> None:
    graph = grid(1, 2, 95_000)
    (violation,) = check_band(Plan({"P00": "N1", "P01": "N1"}), graph)
    assert "190,000 patients, 140,000 above the 50,000 maximum" in violation.message
    assert "split it into 4 networks" in violation.message
