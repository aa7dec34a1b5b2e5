"""The shaped duals scaled down in repair mode: matching and budget rows' duals scale too,
every scale's bound stays below the exhaustive optimum, and overshooting duals are scaled
back as in a fresh proposal."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from footprints.optimiser import shaping
from footprints.optimiser.columns import Columns
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.master import Duals
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.shaping import Shaped, prove_shaped, scaled_bound, shaped_bound

from .grids import SMALL_GRIDS, brute_force_optimum, problem_of, solved_master

SCALES = (0.0, 0.25, 0.5, 0.8, 1.0, 1.5)


def _repair_case(name: str) -> tuple[AreaProblem, float, Columns, Shaped] | None:
    """:data:`SMALL_GRIDS` ``name`` in repair mode, its shaped duals' bound not yet proved.

    The current plan pairs the practices in code order; moves cost nothing and the move
    budget (every practice) never binds, so the optimum is brute force's.
    """
    graph, opts = SMALL_GRIDS[name]
    opts = replace(opts, move_weight=0.0, max_moves=len(graph))
    current = {p: f"N{k // 2}" for k, p in enumerate(sorted(graph.nodes))}
    problem = problem_of(graph, opts, current=current)
    if construct(problem) is None:
        return None
    best = brute_force_optimum(graph, opts)
    assert best is not None
    columns, lp = solved_master(problem, 3)
    shaped = shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0, prove=False)
    assert shaped.pending is not None
    return problem, best, columns, shaped


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_in_repair_mode_every_scale_of_the_shaped_duals_bounds_below_the_optimum(
    name: str,
) -> None:
    case = _repair_case(name)
    if case is None:
        return
    problem, best, columns, shaped = case
    assert problem.current.index is not None
    assert shaped.pending is not None
    duals, rc, moves, *_ = shaped.pending
    for alpha in SCALES:
        value, _ = scaled_bound(problem, columns, duals, rc, alpha, seconds=1.0, max_moves=moves)
        assert value is not None  # repair mode scales too
        assert value <= best * SCALE + 1e-6
    proved = prove_shaped(problem, columns, shaped, at=time.monotonic() + 3.0)
    assert proved.bound is not None and proved.bound <= best * SCALE + 1e-6


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_in_repair_mode_overshooting_duals_get_the_bound_of_their_scaled_back_duals(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every dual twice the shaped one (matching and budget rows' too): ``prove_shaped``,
    its first scale 0.5 and no steps after, proves the shaped duals' bound again."""
    case = _repair_case(name)
    if case is None:
        return
    problem, best, columns, shaped = case
    assert shaped.pending is not None
    duals, rc, moves, target, seconds = shaped.pending
    big: Duals = replace(
        duals,
        node=2 * duals.node,
        piece=2 * duals.piece,
        match=2 * duals.match,
        moves=2 * duals.moves,
        bound=2 * duals.bound,
    )
    rc_big = 2 * rc - columns.col_cost.astype(np.float64)
    own, _ = scaled_bound(problem, columns, duals, rc, 1.0, seconds=1.0, max_moves=moves)
    back, _ = scaled_bound(problem, columns, big, rc_big, 0.5, seconds=1.0, max_moves=moves)
    alone, _ = scaled_bound(problem, columns, big, rc_big, 1.0, seconds=1.0, max_moves=moves)
    assert own is not None and back is not None and alone is not None
    assert back == pytest.approx(own, rel=1e-3)  # the relaxed search stops by time
    monkeypatch.setattr(shaping, "first_scale", lambda columns, floor: 0.5)
    monkeypatch.setattr(shaping, "SCALE_STEPS", 0)
    overshot = Shaped(
        None, shaped.rounds, shaped.relaxed, None, (big, rc_big, moves, target, seconds)
    )
    proved = prove_shaped(problem, columns, overshot, at=time.monotonic() + 3.0)
    assert proved.bound is not None
    tolerance = 1e-3 * max(1.0, abs(back))
    assert proved.bound >= back - tolerance
    assert proved.bound <= best * SCALE + 1e-6
