"""Exact pricing started from the shaped duals: never above the optimum, never below shaping."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser import pricedproof
from footprints.optimiser.colgen import priced_bound
from footprints.optimiser.columns import Columns
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import PricedProof, partition
from footprints.optimiser.shaping import shaped_bound

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    few_candidates,
    problem_of,
    replace_settings,
    solved_master,
    tiny_areas,
)


def _warm(problem: AreaProblem, keep_every: int) -> tuple[float, float, Columns]:
    """The shaped bound, and exact pricing's bound started from the shaped duals."""
    columns, lp = solved_master(problem, keep_every)
    shaped = shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0)
    assert shaped.bound is not None and shaped.duals is not None
    node, piece = shaped.duals
    assert node.shape == (len(problem.practices),) and piece.shape == (len(problem.pieces) + 1,)
    found = priced_bound(problem, columns, None, at=time.monotonic() + 30.0, duals=shaped.duals)
    assert found.bound is not None and found.rounds >= 1
    return shaped.bound, found.bound, columns


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_from_the_shaped_duals_the_priced_bound_stays_between_shaping_and_the_optimum(
    name: str,
) -> None:
    graph, opts = SMALL_GRIDS[name]
    best = brute_force_optimum(graph, opts)
    if best is None:
        return
    shaped, priced, _ = _warm(problem_of(graph, opts), keep_every=3)
    assert priced <= best * SCALE + 1e-6
    # the first round prices exactly at the shaped duals: its floors are at least the
    # relaxed pricing's, so the bound is at least the shaped one (less rounding)
    assert priced >= shaped - 2.0 * len(graph)


@settings(max_examples=25, deadline=None)
@given(graph=tiny_areas(min_size=2_000), keep_every=st.integers(1, 4))
def test_on_random_tiny_areas_the_warm_priced_bound_is_never_above_the_optimum(
    graph: nx.Graph, keep_every: int
) -> None:
    opts = replace_settings(straddle_weight=5.0)
    problem = problem_of(graph, opts)
    best = brute_force_optimum(graph, opts)
    if best is None or construct(problem) is None:
        return
    shaped, priced, _ = _warm(problem, keep_every)
    assert priced <= best * SCALE + 1e-6
    assert priced >= shaped - 2.0 * len(graph)


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_proof_loop_hands_the_shaped_duals_to_exact_pricing(name: str) -> None:
    """``partition`` passes shaping's duals to its exact-pricing hook as the start."""
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return
    columns = few_candidates(problem)
    seen: list[tuple[np.ndarray, np.ndarray] | None] = []

    def hook(
        problem: AreaProblem,
        columns: Columns,
        plan: np.ndarray | None,
        *,
        bound_at: float,
        at: float,
        duals: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> PricedProof | None:
        seen.append(duals)
        return pricedproof.attempt(problem, columns, plan, bound_at=bound_at, at=at, duals=duals)

    outcome = partition(problem, columns, priced=hook)
    assert len(seen) == 1
    duals = seen[0]
    assert duals is not None
    assert duals[0].shape == (len(problem.practices),)
    assert np.isfinite(duals[0]).all() and np.isfinite(duals[1]).all()
    best = brute_force_optimum(graph, opts)
    if best is not None and outcome.bound is not None:
        assert outcome.bound <= best * SCALE + 1e-6
