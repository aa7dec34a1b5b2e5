from __future__ import annotations

import pytest

from footprints.plan import Band, Plan


def test_networks_groups_practices_sorted() -> None:
    plan = Plan({"B2": "N2", "A1": "N1", "C3": "N1"}, {"N1": "North"})
    assert plan.networks() == {"N1": ["A1", "C3"], "N2": ["B2"]}
    assert plan.network_name("N1") == "North"
    assert plan.network_name("N2") == "N2"


def test_moved_returns_new_plan_and_keeps_original() -> None:
    plan = Plan({"A1": "N1", "B2": "N1", "C3": "N2"}, {"N2": "South"})
    moved = plan.moved(["C3"], "N1")
    assert moved.assignment["C3"] == "N1"
    assert plan.assignment["C3"] == "N2"
    # the emptied network's name goes with it
    assert "N2" not in moved.names
    assert moved != plan


def test_plan_is_immutable() -> None:
    plan = Plan({"A1": "N1"})
    with pytest.raises(TypeError):
        plan.assignment["A1"] = "N2"  # type: ignore[index]


def test_plans_compare_by_content() -> None:
    assert Plan({"A1": "N1"}) == Plan({"A1": "N1"})
    assert hash(Plan({"A1": "N1"})) == hash(Plan({"A1": "N1"}))
    assert Plan({"A1": "N1"}) != Plan({"A1": "N2"})


@pytest.mark.parametrize(
    ("population", "gap", "inside"),
    [(29_999, -1, False), (30_000, 0, True), (50_000, 0, True), (50_001, 1, False)],
)
def test_band_gap_and_contains(population: int, gap: int, inside: bool) -> None:
    band = Band()
    assert band.gap(population) == gap
    assert band.contains(population) is inside


def test_empty_band_is_refused_with_the_numbers() -> None:
    with pytest.raises(ValueError, match=r"\[50,000, 30,000\]"):
        Band(50_000, 30_000)


def test_renames_and_waivers_make_new_plans_and_keep_case() -> None:
    plan = Plan({"A": "N1", "B": "N2"}, {"N1": "North"})
    renamed = plan.renamed("N2", " McAdam Health PCN ")
    assert renamed.network_name("N2") == "McAdam Health PCN"
    assert plan.network_name("N2") == "N2"
    assert renamed.renamed("N2", "").network_name("N2") == "N2"
    waived = renamed.with_waiver("N1", "an island")
    assert waived.waivers == {"N1": "an island"} and waived != renamed
    assert waived.moved(["A"], "N2").waivers == {}  # N1 is gone, with its reason
    assert waived.restricted(["B"]) == Plan({"B": "N2"}, {"N2": "McAdam Health PCN"})
