"""The master LP on its own: a lower bound no plan beats, exact where the LP is integral."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from footprints.optimiser.columns import Partition, build_columns, list_piece, piece_candidates
from footprints.optimiser.costs import SCALE
from footprints.optimiser.master import LPResult, MasterLP, initial_columns
from footprints.optimiser.problem import AreaProblem

from .grids import FAST, brute_force_optimum, grid, problem_of, tiny_areas


def _relaxation(problem: AreaProblem, *, listing: str = "candidates") -> tuple[LPResult, MasterLP]:
    pick = piece_candidates if listing == "candidates" else list_piece
    columns = build_columns(problem, [pick(problem, piece) for piece in problem.pieces])
    lp = MasterLP(columns, Partition.of_area(problem))
    lp.add(initial_columns(columns, Partition.of_area(problem).rows))
    return lp.solve(problem.deadline), lp


def test_the_bound_is_the_optimum_where_the_lp_is_integral() -> None:
    """Four 15,000 practices in a row: only {P00, P01} + {P02, P03} is in band."""
    graph = grid(1, 4, [15_000] * 4)
    problem = problem_of(graph)
    assert problem.pieces[0].k_range == (2, 2)
    result, lp = _relaxation(problem)
    assert result.feasible and result.complete
    best = brute_force_optimum(graph, FAST)
    assert best is not None
    assert result.bound / SCALE == pytest.approx(best, abs=0.02)
    chosen = [j for j in np.flatnonzero(result.values > 0.5)]
    assert sorted(lp.columns.sets.members_of(int(lp.columns.col_set[j])) for j in chosen) == [
        [0, 1],
        [2, 3],
    ]
    assert result.values.sum() == pytest.approx(2.0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_areas(min_size=8_000))
def test_the_bound_never_exceeds_the_brute_force_optimum(graph: nx.Graph) -> None:
    best = brute_force_optimum(graph, FAST)
    problem = problem_of(graph)
    result, _ = _relaxation(problem)
    if best is None or any(piece.soft for piece in problem.pieces):
        return  # no in-band plan to compare with
    assert result.feasible and result.complete
    # Costs are rounded to 0.01 patient-km per network inside the solver.
    assert result.bound / SCALE <= best + 0.01 * graph.number_of_nodes() + 1e-6


def test_a_practice_in_no_column_makes_the_lp_infeasible() -> None:
    """P01 (6,000) between two 45,000 practices is in no in-band network."""
    problem = problem_of(grid(1, 3, [45_000, 6_000, 45_000]))
    assert not problem.pieces[0].soft
    result, _ = _relaxation(problem, listing="band only")
    assert not result.feasible and result.complete
    assert result.bound == math.inf


def test_initial_columns_take_the_cheapest_column_of_each_practice() -> None:
    problem = problem_of(grid(1, 4, [15_000] * 4))
    columns = build_columns(problem, [piece_candidates(problem, problem.pieces[0])])
    start = initial_columns(columns, [0, 1, 2, 3])
    for practice in range(4):
        holding = [
            j
            for j in range(len(columns))
            if practice in columns.sets.members_of(int(columns.col_set[j]))
        ]
        cheapest = min(holding, key=lambda j: (columns.col_cost[j], j))
        assert cheapest in start
