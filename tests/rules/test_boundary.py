"""The boundary rule on hand-made grids."""

from __future__ import annotations

from rule_grids import by_rows, code_at, grid

from footprints.plan import Plan
from footprints.rules import check_boundaries


def _two_ccgs() -> dict[str, str | None]:
    """Columns 0-1 in CCG C1, column 2 in C2."""
    return {code_at(r, c): ("C1" if c < 2 else "C2") for r in range(3) for c in range(3)}


def test_boundaries_pass_inside_one_ccg() -> None:
    graph = grid(3, 3, ccg=_two_ccgs())
    plan = Plan({code_at(r, c): ("A" if c < 2 else "B") for r in range(3) for c in range(3)})
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
    ccg = {code_at(0, c): f"C{c}" for c in range(3)}
    stp = {code_at(0, c): ("S1" if c < 2 else "S2") for c in range(3)}
    graph = grid(1, 3, 10_000, ccg=ccg, stp=stp)
    (violation,) = check_boundaries(Plan({code_at(0, c): "N" for c in range(3)}), graph)
    assert violation.values["level"] == "stp"
    assert violation.values["levels"] == ["ccg", "stp"]
    assert violation.values["stp"] == {"S1": 20_000, "S2": 10_000}
    assert "crosses 2 STPs and 3 CCGs" in violation.message
    assert violation.practices == ("P02",)


def test_boundaries_ignore_practices_without_an_area() -> None:
    graph = grid(1, 2, ccg={"P00": "C1", "P01": None})
    assert check_boundaries(Plan({"P00": "N", "P01": "N"}), graph) == []
