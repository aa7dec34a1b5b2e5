"""The summary line of ``benchmarks/bench_england.py --fresh-only`` (issue #16's figures)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest
from benchmark_scripts import benchmark_script

from footprints.optimiser import AreaResult


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    """The script, imported as ``python benchmarks/…`` runs it (its folder on the path)."""
    yield from benchmark_script("bench_england")


def _area(area: str, status: str, objective: float, bound: float | None) -> AreaResult:
    return AreaResult(
        area,
        {f"{area}1": "N1"},
        status,  # type: ignore[arg-type]
        objective=objective,
        bound=bound,
        seconds=2.0,
    )


def test_the_line_counts_proofs_gaps_within_one_percent_and_areas_without_a_bound(
    bench: ModuleType,
) -> None:
    results = {
        "A": _area("A", "optimal", 100.0, 100.0),
        "B": _area("B", "feasible", 1000.0, 995.0),  # 0.5%: within 1%, not proved
        "C": _area("C", "feasible", 1000.0, 600.0),  # 40%: the worst
        "D": _area("D", "feasible", 1000.0, None),  # no bound
    }
    line = bench.fresh_only_line(results, 61.4)
    assert line == (
        "fresh: 1 / 4 proved, 2 within 1%, worst gap 40.0% (C), 1 without a bound, 61 s wall"
    )
