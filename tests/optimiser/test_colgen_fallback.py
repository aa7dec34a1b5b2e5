"""Exact pricing's first round where it cannot end in its share of the time.

On the largest planning areas (E54000007, 008, 016: 215–445 practices) the first complete
round at the duals ``priced_bound`` starts from did not end within its time, and no bound
came of exact pricing at all. There the same duals are priced at ``colgen.FIRST_SCALE``
(far fewer groups price near 0), and where nothing prices below 0 there, the scales between
it and 1 (``scaled_round``'s ``low``). And where shaping ended no round, exact pricing
starts from the plan's cost shares rather than the local LP's own duals. Every bound stays
below the exhaustive optimum, also where networks cross the borders of two or three CCGs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from footprints.optimiser import candidates, colgen, farley, optimise_area, pricedproof, proof
from footprints.optimiser.colgen import lagrangian_value, priced_bound, scaled_round

from .grids import FAST, brute_force_optimum, check_plan, replace_settings
from .test_colgen_scaled import CASES, _case, _exact
from .test_group_pricing import _two_ccgs


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_first_round_out_of_time_is_priced_again_scaled(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    real = colgen.price_exactly
    priced_at: list[np.ndarray] = []

    def first_out_of_time(*args: Any, **kwargs: Any) -> Any:
        priced_at.append(np.array(args[1], copy=True))
        if len(priced_at) == 1:  # the first round's share of the time passed
            return None
        return real(*args, **kwargs)

    monkeypatch.setattr(colgen, "price_exactly", first_out_of_time)
    found = priced_bound(problem, columns, None, at=time.monotonic() + 600.0, duals=(node, piece))
    # without the fallback the first round's end was the end of exact pricing: no bound
    assert found.bound is not None
    assert found.bound <= best + 1e-6
    assert len(priced_at) >= 2
    np.testing.assert_allclose(priced_at[1], colgen.FIRST_SCALE * node)
    # at least the bound of the scaled duals themselves
    scaled = _exact(problem, columns, colgen.FIRST_SCALE * node, colgen.FIRST_SCALE * piece)
    assert found.bound >= scaled - 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_scales_above_a_low_one_bound_below_the_optimum(name: str) -> None:
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    node, piece = node / 2, piece / 2  # the shaped duals themselves (the case doubles them)
    found = scaled_round(problem, columns, node, piece, at=time.monotonic() + 600.0, low=0.5)
    assert found is not None
    value, alpha, floors = found
    assert 0.5 < alpha < 1.0
    assert value <= best + 1e-6
    assert value == pytest.approx(
        lagrangian_value(problem, alpha * node, alpha * piece, floors), abs=1e-6
    )
    # the first scale tried is halfway between: at least its bound
    assert value >= _exact(problem, columns, 0.75 * node, 0.75 * piece) - 1e-6


def test_no_shaping_round_starts_exact_pricing_from_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = _two_ccgs()
    optimum = brute_force_optimum(graph, FAST)
    assert optimum is not None
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    monkeypatch.setattr(pricedproof, "MOST_PRACTICES", 4)
    monkeypatch.setattr(pricedproof, "MOST_GROUP_PRACTICES", len(graph))
    monkeypatch.setattr(farley, "FLOOR_SHARE", 0.001)
    real_shape = proof.shaped_bound
    shaped_rounds: list[int] = []

    def no_round(*args: Any, **kwargs: Any) -> Any:
        shaped = real_shape(*args, **kwargs)
        shaped_rounds.append(shaped.rounds)
        shaped.unshaped = True  # as where the deadline came before shaping's first round
        return shaped

    started_at: list[Any] = []
    real_attempt = pricedproof.attempt

    def spy(*args: Any, **kwargs: Any) -> Any:
        started_at.append(kwargs.get("duals"))
        return real_attempt(*args, **kwargs)

    monkeypatch.setattr(proof, "shaped_bound", no_round)
    monkeypatch.setattr(pricedproof, "attempt", spy)
    # a limit no busy machine reaches: the proof ends the solve
    result = optimise_area(graph, replace_settings(time_limit=600.0))
    check_plan(graph, result)
    assert shaped_rounds and started_at
    assert started_at[0] is None  # the local LP's duals are not where pricing starts
    assert result.bound is not None and result.bound <= optimum + 1e-6
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=0.01)
