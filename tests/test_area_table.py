"""The per-area table of a saved England run (benchmarks/area_table.py, issue #16)."""

from __future__ import annotations

import importlib.util
import pickle
import sys
from pathlib import Path
from types import ModuleType

import pytest

from footprints.optimiser import AreaResult

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def area_table() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("area_table", BENCHMARKS / "area_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(area: str, status: str, objective: float, bound: float | None) -> AreaResult:
    return AreaResult(
        area=area,
        assignment={f"{area}-P{i}": "N1" for i in range(3)},
        status=status,  # type: ignore[arg-type]
        objective=objective,
        bound=bound,
        seconds=1.25,
    )


def test_rows_put_the_widest_gap_first_and_name_proofs(area_table: ModuleType) -> None:
    fresh = {
        "A": _result("A", "optimal", 100.0, 100.0),
        "B": _result("B", "feasible", 200.0, 150.0),
        "C": _result("C", "feasible", 100.0, None),
        "D": _result("D", "feasible", 100.0, 99.5),
    }
    repair = {"A": _result("A", "feasible", 120.0, 60.0)}
    rows = area_table.area_rows(fresh, repair)
    assert [row[0] for row in rows] == ["C", "B", "D", "A"]
    by_area = {row[0]: row for row in rows}
    assert by_area["C"][5] == "no bound" and by_area["C"][6] == "–"
    assert by_area["B"][6] == "25.00%" and by_area["D"][6] == "0.50%"
    assert by_area["A"][6] == "proved" and by_area["A"][11] == "50.00%"
    assert by_area["B"][7:] == ["–"] * 5  # no repair result for B
    assert by_area["A"][1] == 3 and by_area["A"][2] == "1.2"


def test_a_file_that_is_not_a_saved_run_is_named(
    area_table: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "other.pkl"
    bad.write_bytes(pickle.dumps({"plans": []}))
    assert area_table.main([str(bad)]) == 2
    assert "other.pkl" in capsys.readouterr().err
    saved = tmp_path / "england.pkl"
    saved.write_bytes(pickle.dumps({"fresh": {"A": _result("A", "optimal", 1.0, 1.0)}}))
    assert area_table.main([str(saved)]) == 0
    assert "| A | 3 |" in capsys.readouterr().out
