"""The cost per network: a higher one never asks for more networks (issue #15 item 4)."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings, optimise_area

from .grids import check_plan, grid

COSTS = (0.0, 10_000.0, 30_000.0, 100_000.0, 1_000_000.0)


def _networks(sizes: list[int], patches: list[str | None], cost: float) -> int:
    graph = grid(3, 4, sizes, patches=patches)
    result = optimise_area(graph, OptimiseSettings(time_limit=20, network_cost=cost, seed=1))
    check_plan(graph, result)
    assert result.status == "optimal"  # the argument below holds for optima only
    return result.networks


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(6_000, 16_000), min_size=12, max_size=12),
    patches=st.lists(st.sampled_from(["A", "B", None]), min_size=12, max_size=12),
)
def test_a_higher_network_cost_never_gives_more_networks(
    sizes: list[int], patches: list[str | None]
) -> None:
    # With a plan's other costs f and n networks, optima A at cost c1 and B at c2 > c1 give
    # f(A) + c1·nA ≤ f(B) + c1·nB and f(B) + c2·nB ≤ f(A) + c2·nA, so (c2 − c1)(nB − nA) ≤ 0.
    counts = [_networks(sizes, patches, cost) for cost in COSTS]
    assert counts == sorted(counts, reverse=True)


def test_a_high_network_cost_packs_the_area_into_fewer_networks() -> None:
    # 12 practices of 13,000 (156,000): four networks of 39,000 are the most compact in
    # band; only three networks of 52,000 would be fewer, and they are above 50,000, so a
    # million per network still leaves four, and no cost gives fewer than ⌈156/50⌉ = 4.
    # At 12,500 each (150,000) three networks of 50,000 fit the band: a high cost finds them.
    assert _networks([13_000] * 12, [None] * 12, 1_000_000.0) == 4
    few = _networks([12_500] * 12, [None] * 12, 1_000_000.0)
    many = _networks([12_500] * 12, [None] * 12, 0.0)
    assert few == 3 < many


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
@pytest.mark.parametrize("name", ["network_cost", "compactness_weight", "patch_weight"])
def test_a_cost_that_is_negative_or_not_finite_is_refused(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"{name} must be a finite number at least 0"):
        OptimiseSettings(**{name: value})  # type: ignore[arg-type]
