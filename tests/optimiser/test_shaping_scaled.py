"""The shaped duals scaled down: every scale's bound stays below the exhaustive optimum, and
the bound of duals that overshoot is recovered by scaling them back."""

from __future__ import annotations

import time
from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser import shaping
from footprints.optimiser.columns import Columns
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.master import Duals
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.shaping import (
    Shaped,
    first_scale,
    prove_shaped,
    scaled_bound,
    shaped_bound,
)

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    few_candidates,
    problem_of,
    replace_settings,
    solved_master,
    tiny_areas,
)

SCALES = (0.0, 0.25, 0.5, 0.8, 0.95, 1.0, 1.5)


def _pending(problem: AreaProblem, keep_every: int) -> tuple[Columns, Shaped]:
    """Shaped duals over a few of each piece's candidates, their bound not yet proved."""
    columns, lp = solved_master(problem, keep_every)
    shaped = shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0, prove=False)
    assert shaped.pending is not None
    return columns, shaped


def _grid_pending(name: str) -> tuple[AreaProblem, float, Columns, Shaped] | None:
    """:data:`SMALL_GRIDS` ``name``: its problem, optimum and :func:`_pending` (``None``
    where the constructive plan finds none)."""
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return None
    best = brute_force_optimum(graph, opts)
    assert best is not None
    return (problem, best, *_pending(problem, keep_every=3))


def _overshot(columns: Columns, shaped: Shaped, factor: float) -> Shaped:
    """``shaped`` with its duals multiplied by ``factor`` (and the columns' reduced costs
    with them: ``c − factor (π(j) + σ) = factor rc + (1 − factor) c``)."""
    assert shaped.pending is not None
    duals, rc, moves, target, seconds = shaped.pending
    big: Duals = replace(
        duals,
        node=factor * duals.node,
        piece=factor * duals.piece,
        bound=factor * duals.bound,
    )
    rc_big = factor * rc + (1.0 - factor) * columns.col_cost.astype(np.float64)
    return Shaped(None, shaped.rounds, shaped.relaxed, None, (big, rc_big, moves, target, seconds))


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_on_small_grids_every_scale_of_the_shaped_duals_bounds_below_the_optimum(
    name: str,
) -> None:
    case = _grid_pending(name)
    if case is None:
        return
    problem, best, columns, shaped = case
    assert shaped.pending is not None
    duals, rc, *_ = shaped.pending
    for alpha in SCALES:
        value, _ = scaled_bound(problem, columns, duals, rc, alpha, seconds=1.0)
        assert value is not None
        assert value <= best * SCALE + 1e-6
    proved = prove_shaped(problem, columns, shaped, at=time.monotonic() + 3.0)
    assert proved.bound is not None and proved.bound <= best * SCALE + 1e-6


@settings(max_examples=25, deadline=None)
@given(
    graph=tiny_areas(min_size=2_000),
    keep_every=st.integers(1, 4),
    alpha=st.floats(0.0, 2.0),
)
def test_on_random_tiny_areas_every_scale_bounds_below_the_optimum(
    graph: nx.Graph, keep_every: int, alpha: float
) -> None:
    opts = replace_settings(straddle_weight=5.0)
    problem = problem_of(graph, opts)
    best = brute_force_optimum(graph, opts)
    if best is None or construct(problem) is None:
        return
    columns, shaped = _pending(problem, keep_every)
    assert shaped.pending is not None
    duals, rc, *_ = shaped.pending
    value, _ = scaled_bound(problem, columns, duals, rc, alpha, seconds=1.0)
    if value is not None:
        assert value <= best * SCALE + 1e-6


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_duals_that_overshoot_get_the_bound_of_their_scaled_back_duals(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duals twice the shaped ones: scaled by 0.5 they are the shaped duals, whose bound
    they then prove; ``prove_shaped`` (its first scale monkeypatched to 0.5, no steps
    after it) returns at least that bound, never above the optimum."""
    case = _grid_pending(name)
    if case is None:
        return
    problem, best, columns, shaped = case
    assert shaped.pending is not None
    duals, rc, *_ = shaped.pending
    own, _ = scaled_bound(problem, columns, duals, rc, 1.0, seconds=1.0)
    big = _overshot(columns, shaped, 2.0)
    assert big.pending is not None
    back, _ = scaled_bound(problem, columns, big.pending[0], big.pending[1], 0.5, seconds=1.0)
    assert own is not None and back is not None
    assert back == pytest.approx(own, rel=1e-3)  # the relaxed search stops by time
    alone, _ = scaled_bound(problem, columns, big.pending[0], big.pending[1], 1.0, seconds=1.0)
    assert alone is not None
    monkeypatch.setattr(shaping, "first_scale", lambda columns, floor: 0.5)
    monkeypatch.setattr(shaping, "SCALE_STEPS", 0)
    proved = prove_shaped(problem, columns, big, at=time.monotonic() + 3.0)
    assert proved.bound is not None
    tolerance = 1e-3 * max(1.0, abs(back))  # the relaxed search stops by time
    assert proved.bound >= back - tolerance
    assert proved.bound <= best * SCALE + 1e-6
    if back > alone + 10 * tolerance:  # overshooting duals prove less than the shaped ones …
        assert proved.bound > alone + tolerance  # … and the scale gets the difference back


def test_the_first_scale_is_where_a_typical_network_would_price_at_0() -> None:
    """A floor of −f under a typical (median) network cost c: the scale c / (c + f), at
    which that network's reduced cost ``c − α (c − floor)`` is 0; 1 without a negative floor."""
    columns = few_candidates(problem_of(*SMALL_GRIDS["two rows"]), keep_every=1)
    typical = float(np.median(columns.col_cost))
    assert first_scale(columns, 0.0) == 1.0
    assert first_scale(columns, 5.0) == 1.0
    alpha = first_scale(columns, -typical / 3)
    assert alpha == pytest.approx(0.75)
    assert typical - alpha * (typical + typical / 3) == pytest.approx(0.0, abs=1e-6 * typical)
