"""Exact pricing's first round scaled (``colgen.scaled_round``): every scale's bound stays
below the exhaustive optimum, also where networks cross the borders of two or three CCGs,
and duals that overshoot get the bound of the duals they were scaled from back."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest

from footprints.optimiser import colgen
from footprints.optimiser.colgen import (
    lagrangian_value,
    price_exactly,
    priced_bound,
    scaled_round,
)
from footprints.optimiser.columns import Columns
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.shaping import shaped_bound

from .grids import (
    FAST,
    SMALL_GRIDS,
    brute_force_optimum,
    grid,
    problem_of,
    solved_master,
)


def _group(rows: int, cols: int, sizes: list[int], ccgs: int) -> nx.Graph:
    """A grid as one planning area joining ``ccgs`` CCGs (by column, left to right)."""
    graph = grid(rows, cols, sizes)
    for code in graph.nodes:
        graph.nodes[code]["ccg"] = "ABC"[int(code[-1]) * ccgs // cols]
    graph.graph.update(area="STP", areas=list("ABC"[:ccgs]), level="group")
    return graph


CASES = {
    **SMALL_GRIDS,
    "two CCGs 2x4": (
        _group(2, 4, [9_000, 12_000, 8_000, 15_000, 7_000, 11_000, 10_000, 13_000], 2),
        FAST,
    ),
    "three CCGs 3x3": (
        _group(3, 3, [12_000, 9_000, 14_000, 8_000, 11_000, 10_000, 15_000, 7_000, 13_000], 3),
        FAST,
    ),
}


def _exact(problem: AreaProblem, columns: Columns, node: np.ndarray, piece: np.ndarray) -> float:
    """The Lagrangian bound of these duals, every unlisted piece priced exactly."""
    unlisted = [p for p, x in enumerate(problem.pieces) if not x.bounded]
    priced = price_exactly(problem, node, piece, unlisted, at=time.monotonic() + 30.0)
    assert priced is not None and priced.complete
    return lagrangian_value(problem, node, piece, priced.floors)


def _case(name: str) -> tuple[AreaProblem, float, Columns, np.ndarray, np.ndarray] | None:
    """The case's problem, optimum (cost units), a few columns and its shaped duals doubled."""
    graph, opts = CASES[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return None
    best = brute_force_optimum(graph, opts)
    assert best is not None
    columns, lp = solved_master(problem, keep_every=3)
    shaped = shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0)
    assert shaped.duals is not None
    node, piece = shaped.duals
    return problem, best * SCALE, columns, 2.0 * node, 2.0 * piece


def test_the_group_cases_join_several_ccgs() -> None:
    assert problem_of(CASES["two CCGs 2x4"][0]).lower_areas == 2
    assert problem_of(CASES["three CCGs 3x3"][0]).lower_areas == 3


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_scaled_round_bounds_below_the_optimum_and_recovers_overshooting_duals(
    name: str,
) -> None:
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    found = scaled_round(problem, columns, node, piece, at=time.monotonic() + 30.0)
    assert found is not None
    value, alpha, floors = found
    assert 0.0 < alpha < 1.0
    assert value <= best + 1e-6
    # the bound it reports is the Lagrangian value of the duals scaled by alpha
    assert value == pytest.approx(
        lagrangian_value(problem, alpha * node, alpha * piece, floors), abs=1e-6
    )
    # the first scale tried (0.5) gives back the duals before doubling: at least their bound
    assert value >= _exact(problem, columns, node / 2, piece / 2) - 1e-6


@pytest.mark.parametrize("name", sorted(CASES))
def test_priced_bound_keeps_the_scaled_first_round_where_it_bounds_more(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # every scale within the deadline below, however long the first round took
    monkeypatch.setattr(colgen, "SCALE_TIME", 1e6)
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    first = _exact(problem, columns, node, piece)  # the first round, at the doubled duals
    scaled = scaled_round(problem, columns, node, piece, at=time.monotonic() + 30.0)
    assert scaled is not None
    found = priced_bound(problem, columns, None, at=time.monotonic() + 30.0, duals=(node, piece))
    assert found.bound is not None
    assert found.bound <= best + 1e-6
    if scaled[0] > first + 1e-6:  # the overshooting duals bound less than their scales
        assert found.scale == pytest.approx(scaled[1])
        assert found.bound >= scaled[0] - 1e-6
