"""Duals shaped for the relaxed pricing: the bound they prove never passes the optimum."""

from __future__ import annotations

import time

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.farley import lagrangian_bound, listed_floors
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.shaping import Shaped, can_shape, shaped_bound

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    problem_of,
    replace_settings,
    solved_master,
    tiny_areas,
)


def _shaped(problem: AreaProblem, keep_every: int) -> tuple[Shaped, float | None]:
    """The shaped bound, and the bound of the master's own duals (as before shaping)."""
    columns, lp = solved_master(problem, keep_every)
    duals = lp.dual_values()
    rc = lp.reduced_costs(duals)
    before = lagrangian_bound(
        problem, duals, listed_floors(problem, columns, rc), deadline_at=time.monotonic() + 2.0
    )
    shaped = shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0)
    return shaped, None if before is None else before[0]


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_on_small_grids_the_shaped_bound_is_never_above_the_exhaustive_optimum(
    name: str,
) -> None:
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    assert can_shape(problem)
    shaped, before = _shaped(problem, keep_every=3)
    best = brute_force_optimum(graph, opts)
    assert best is not None and shaped.bound is not None
    assert shaped.bound <= best * SCALE + 1e-6
    # every plan has at least one network: the bound knows the fixed cost
    assert shaped.bound >= 0.0
    if before is not None:
        assert before <= best * SCALE + 1e-6


@settings(max_examples=25, deadline=None)
@given(graph=tiny_areas(min_size=2_000), keep_every=st.integers(1, 4))
def test_on_random_tiny_areas_the_shaped_bound_is_never_above_the_optimum(
    graph: nx.Graph, keep_every: int
) -> None:
    opts = replace_settings(straddle_weight=5.0)
    problem = problem_of(graph, opts)
    best = brute_force_optimum(graph, opts)
    if best is None or construct(problem) is None:
        return
    shaped, _ = _shaped(problem, keep_every)
    if shaped.bound is not None:
        assert shaped.bound <= best * SCALE + 1e-6
