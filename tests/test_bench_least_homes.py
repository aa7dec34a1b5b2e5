"""The pure pieces of benchmarks/bench_least_homes.py: CCG choice, plan, tables."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from benchmark_scripts import benchmark_script

from footprints.optimiser import AreaResult, Move, PriorityResult


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """The script, imported as ``python benchmarks/…`` runs it (its folder on the path)."""
    yield from benchmark_script("bench_least_homes")


def _move(practice: str, reason: str) -> Move:
    return Move(practice, 9_000, "N1", "N2", reason, None, "N2", f"{practice} moves")


def _run(bench: ModuleType) -> Any:
    """Areas: proved (2 moves, one forced), bounded, fallback, constructive, odd units."""
    proved = AreaResult(
        "A",
        {"a1": "N1", "a2": "N2"},
        "optimal",
        moves=2,
        priorities=(PriorityResult("moves", 2, 2),),
        moved=(_move("a1", "fixes"), _move("a2", "forced")),
    )
    bounded = AreaResult(
        "B", {"b1": "N3"}, "feasible", moves=5, priorities=(PriorityResult("moves", 5, 3),)
    )
    down = AreaResult("C", {"c1": "N4", "c2": "N4"}, "fallback", moves=0)
    quick = AreaResult("D", {"d1": "N5"}, "feasible", fallback="constructive")
    odd = AreaResult(
        "E", {"e1": "N6"}, "optimal", moves=1, priorities=(PriorityResult("moves", 9001, 9001),)
    )
    figures = importlib.import_module("bench_england").PlanFigures(
        networks=4,
        in_band=3,
        below=1,
        above=0,
        out_single_over_max=0,
        out_other=1,
        out_other_examples=[],
        hard=0,
        hard_by_rule={},
        straddling_networks=1,
        straddling_population=1_234,
        extra_memberships=2,
        mean_km=1.5,
        unassigned=0,
    )
    return bench.Run(
        "least change", {"A": proved, "B": bounded, "C": down, "D": quick, "E": odd}, 12.0, figures
    )


def test_parse_ccgs_keeps_the_order_given_and_names_unknown_codes(bench: ModuleType) -> None:
    known = ["E1", "E2", "E3"]
    assert bench.parse_ccgs("", known) == known
    assert bench.parse_ccgs("E3, E1", known) == ["E3", "E1"]
    with pytest.raises(SystemExit, match=r"--ccgs: 2 unknown CCG code\(s\) E7, E9"):
        bench.parse_ccgs("E1,E9,E7", known)


def test_plan_statuses_and_fallbacks_of_a_run(bench: ModuleType) -> None:
    run = _run(bench)
    plan = bench.plan_of(run)
    assert dict(plan.assignment) == {
        "a1": "N1",
        "a2": "N2",
        "b1": "N3",
        "c1": "N4",
        "c2": "N4",
        "d1": "N5",
        "e1": "N6",
    }
    assert bench.statuses(run) == "fallback 1, feasible 2, optimal 2"
    assert bench.fallbacks(run) == ["C (fallback)", "D (constructive)"]
    assert bench.disagreeing(run) == ["E"]


def test_repair_table_drops_the_2020_comparison_and_lists_fallbacks(bench: ModuleType) -> None:
    lines = bench.repair_lines(_run(bench), 40)
    text = "\n".join(lines)
    assert "| practices moved (the priority) | 8 of 40 (20.0%) |" in text
    assert "| practices over the maximum split off their network | 1 |" in text
    assert "| areas with the minimum proved | 2 / 5 (40.0%) |" in text
    assert "| areas not proved: with a bound / with none | 1 / 2 |" in text
    assert "| areas whose moves priority value is not the moves counted | 1 E |" in text
    assert "| areas with the minimum proved, without those | 1 / 5 |" in text
    assert "| areas on a stand-in plan | 2 C (fallback), D (constructive) |" in text
    assert "| straddling networks / population / Σ extra memberships (practice sites" in text
    assert "today's repair" not in text
    assert all(line.startswith("|") for line in lines)


def test_homes_table_has_a_column_per_plan(bench: ModuleType) -> None:
    def figures(networks: int, in_band: int, hard_rules: list[str]) -> dict[str, Any]:
        return {
            "networks": networks,
            "in_band": in_band,
            "hard": len(hard_rules),
            "hard_rules": hard_rules,
            "territory_ok": networks - 1,
            "containment_median": 0.81234,
            "containment_region": 0.8,
            "straddling_networks": 3,
            "straddling_population": 45_678,
            "extra_memberships": 9,
        }

    lines = bench.homes_rows({"repair": figures(10, 9, []), "real": figures(8, 2, ["band"])})
    assert lines[0] == "| measure (registration geography) | repair | real |"
    assert "| in band (30,000–50,000) | 9 (90.0%) | 2 (25.0%) |" in lines
    assert "| hard violations | 0 | 1 band |" in lines
    assert "| territory contiguous under the 95% tolerance | 9 (90.0%) | 7 (87.5%) |" in lines
    assert "| median containment | 0.812 | 0.812 |" in lines
    assert "| straddling population (homes) | 45,678 | 45,678 |" in lines
