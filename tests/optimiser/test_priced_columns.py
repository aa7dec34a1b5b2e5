"""The columns exact pricing found join the plan's search, where they did not prove a plan."""

from __future__ import annotations

import numpy as np
import pytest

from footprints.optimiser.colgen import _extend
from footprints.optimiser.columns import Columns, piece_candidates
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import PricedProof, partition

from .grids import SMALL_GRIDS, brute_force_optimum, few_candidates, problem_of

KEEP = 1_000_000
"""Candidates listed: the first of each piece (and the quick plan), the rest left to pricing."""


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_plan_search_takes_the_columns_exact_pricing_found(name: str) -> None:
    """A hook that adds every candidate left out (as pricing's columns) and proves nothing:
    the plan is searched over them too, and is the exhaustive optimum."""
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return
    best = brute_force_optimum(graph, opts)
    if best is None:
        return
    columns = few_candidates(problem, KEEP)
    missing = [
        sorted(int(i) for i in sets.members_of(k))
        for piece in problem.pieces
        for sets in [piece_candidates(problem, piece)]
        for k in range(len(sets))
        if k % KEEP
    ]
    if not missing:
        return

    def hook(
        problem: AreaProblem,
        columns: Columns,
        plan: np.ndarray | None,
        *,
        bound_at: float,
        at: float,
        duals: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> PricedProof | None:
        objective = None if plan is None else int(columns.col_cost[plan].sum())
        chosen = np.zeros(0, np.int64) if plan is None else plan
        return PricedProof(None, objective, chosen, False, _extend(problem, columns, missing))

    outcome = partition(problem, columns, priced=hook)
    assert outcome.objective is not None
    assert abs(outcome.objective - best * SCALE) <= len(graph)  # costs rounded per network
    # the plan is read from the columns with pricing's (the search could choose them)
    assert outcome.columns is not None
    assert len(outcome.columns) == len(columns) + len(missing)
    assert outcome.chosen.max() < len(outcome.columns)
    if outcome.bound is not None:
        assert outcome.bound <= best * SCALE + 1e-6
