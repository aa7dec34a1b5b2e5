"""Exact pricing's first round where it cannot end in its share of the time.

On the largest planning areas (E54000007, 008, 016: 215–445 practices) the first complete
round at the duals ``priced_bound`` starts from did not end within its time, and no bound
came of exact pricing at all. In a planning area of several CCGs the same duals are now
priced at ``colgen.FIRST_SCALE`` first (far fewer groups price near 0 there). And where
shaping ended no round, exact pricing starts from the plan's cost shares rather than the
local LP's own duals. Every bound stays below the exhaustive optimum, also where networks
cross the borders of two or three CCGs.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from footprints.optimiser import candidates, colgen, farley, optimise_area, pricedproof, proof
from footprints.optimiser.colgen import lagrangian_value, priced_bound
from footprints.optimiser.construct import construct
from footprints.optimiser.shaping import shaped_bound

from .grids import (
    FAST,
    SMALL_GRIDS,
    brute_force_optimum,
    check_plan,
    problem_of,
    replace_settings,
    solved_master,
)
from .test_colgen_scaled import CASES, _case, _exact
from .test_group_pricing import _two_ccgs

GROUPS = sorted(name for name in CASES if "CCGs" in name)


@pytest.mark.parametrize("name", GROUPS)
@pytest.mark.parametrize("ends", [True, False])
def test_in_an_area_of_several_ccgs_the_given_duals_are_priced_scaled_first(
    monkeypatch: pytest.MonkeyPatch, name: str, ends: bool
) -> None:
    case = _case(name)
    assert case is not None
    problem, best, columns, node, piece = case
    assert problem.lower_areas > 1
    real = colgen.price_exactly
    priced_at: list[np.ndarray] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        priced_at.append(np.array(args[1], copy=True))
        if not ends and len(priced_at) == 2:  # the given duals' own round out of time
            return None
        return real(*args, **kwargs)

    monkeypatch.setattr(colgen, "price_exactly", spy)
    found = priced_bound(problem, columns, None, at=time.monotonic() + 600.0, duals=(node, piece))
    np.testing.assert_allclose(priced_at[0], colgen.FIRST_SCALE * node)
    np.testing.assert_allclose(priced_at[1], node)
    scaled = _exact(problem, columns, colgen.FIRST_SCALE * node, colgen.FIRST_SCALE * piece)
    # without the scaled round, a first round that does not end leaves no bound at all
    assert found.bound is not None
    assert found.bound >= scaled - 1e-6
    assert found.bound <= best + 1e-6
    # the bound is that of the duals returned
    assert found.duals is not None and found.floors is not None
    assert found.bound == pytest.approx(
        lagrangian_value(problem, *found.duals, found.floors), abs=1e-6
    )
    if not ends:
        assert found.rounds == 0
        np.testing.assert_allclose(found.duals[0], colgen.FIRST_SCALE * node)


def test_a_single_ccg_prices_the_given_duals_first(monkeypatch: pytest.MonkeyPatch) -> None:
    name = next(n for n in sorted(CASES) if n not in GROUPS and _case(n) is not None)
    case = _case(name)
    assert case is not None
    problem, _, columns, node, piece = case
    assert problem.lower_areas == 1
    real = colgen.price_exactly
    priced_at: list[np.ndarray] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        priced_at.append(np.array(args[1], copy=True))
        return real(*args, **kwargs)

    monkeypatch.setattr(colgen, "price_exactly", spy)
    priced_bound(problem, columns, None, at=time.monotonic() + 600.0, duals=(node, piece))
    np.testing.assert_allclose(priced_at[0], node)


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


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_shaping_out_of_time_says_its_duals_are_not_shaped(name: str) -> None:
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return
    columns, lp = solved_master(problem, keep_every=3)
    cut = shaped_bound(problem, columns, lp, at=time.monotonic() - 1.0, prove=False)
    assert cut.rounds == 0 and cut.unshaped
    columns, lp = solved_master(problem, keep_every=3)
    ended = shaped_bound(problem, columns, lp, at=time.monotonic() + 600.0, prove=False)
    assert not ended.unshaped  # its rounds ended, or none was needed
