"""bench_straddle's options: the sweep's values checked before England is loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from benchmark_scripts import benchmark_script


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    yield from benchmark_script("bench_straddle")


@pytest.mark.parametrize("text", ["-1", "nan", "30000,inf", "abc", ",", "3e4,-5"])
@pytest.mark.parametrize("option", ["--network-costs", "--weights", "--patch-weights"])
def test_a_bad_value_is_refused_naming_the_option(
    bench: ModuleType, tmp_path: Path, option: str, text: str
) -> None:
    # tmp_path holds no data: the values are checked before anything is loaded
    with pytest.raises(SystemExit) as stopped:
        bench.main(["--data", str(tmp_path), option, text])
    message = str(stopped.value)
    assert message.startswith(f"{option} {text!r}: give finite numbers of at least 0")


def test_the_sweep_values_and_labels(bench: ModuleType) -> None:
    assert bench._floats("30000, 60000,1e5", "--network-costs") == [30_000, 60_000, 100_000]
    assert bench.run_label(30, 0, None) == "straddle weight 30"
    assert bench.run_label(30, 10_000, 60_000) == (
        "straddle weight 30, patch weight 10,000, network cost 60,000"
    )
