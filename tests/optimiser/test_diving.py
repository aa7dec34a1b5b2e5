"""Diving from the master LP: plans of the model only, within the target, nothing left out."""

from __future__ import annotations

import dataclasses
import math
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from footprints.optimiser.columns import Columns, Limit, Partition, build_columns, list_piece
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.diving import counts_kept, dive, dive_down
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.measures import outside_band, priority_measures
from footprints.optimiser.problem import AreaProblem

from .grids import grid, problem_of, replace_settings
from .test_priorities import areas_with_plans, compliant_networks, in_band_plans, least_moves

LEAST = replace_settings(least_change=True)


def _moves_model(problem: AreaProblem) -> tuple[Columns, Partition]:
    """Every candidate as a column costing its moves; the area's rows with the band kept."""
    columns = build_columns(problem, [list_piece(problem, piece) for piece in problem.pieces])
    band = Limit(outside_band(problem, columns), 0, "outside the band")
    model = dataclasses.replace(Partition.of_area(problem), limits=(band,))
    moves = priority_measures(problem, columns)[0].values
    return dataclasses.replace(columns, col_cost=moves), model


def moves_case(case: tuple[nx.Graph, dict[str, str]]) -> tuple[Columns, Partition] | None:
    """The moves model of a drawn area and plan; ``None`` where the band is soft (no plan)."""
    graph, current = case
    if not in_band_plans(graph):
        return None
    return _moves_model(problem_of(graph, LEAST, current=current))


def fewest_moves_case(
    case: tuple[nx.Graph, dict[str, str]],
) -> tuple[int, Columns, Partition] | None:
    """The fewest moves of a drawn area and plan by brute force, and its moves model."""
    graph, current = case
    plans = in_band_plans(graph)
    if not plans:
        return None
    best = min(least_moves(plan, current, compliant_networks(graph, current))[0] for plan in plans)
    return best, *_moves_model(problem_of(graph, LEAST, current=current))


def _lp(columns: Columns, model: Partition) -> tuple[MasterLP, float]:
    lp = MasterLP(columns, model)
    lp.add(initial_columns(columns, model.rows))
    result = lp.solve(Deadline(time.monotonic() + 30))
    assert result.feasible and result.complete
    return lp, result.bound


def _soon() -> Deadline:
    return Deadline(time.monotonic() + 30)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_a_dive_returns_only_plans_of_the_model_never_below_the_exhaustive_minimum(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    known = fewest_moves_case(case)
    if known is None:
        return  # the band is soft here: no plan keeps it
    best, columns, model = known
    lp, bound = _lp(columns, model)
    lower = math.ceil(bound - 1e-6)
    assert lower <= best
    in_master = lp.in_master.copy()
    found = dive_down(lp, model, lower, best + 3, _soon())
    # every exclusion undone: the columns of the master are let back, the rest priced again
    assert all(var.ub() == lp.solver.infinity() for var in lp.variables.values())
    assert not np.any(in_master & ~lp.in_master)
    again = lp.solve(_soon())
    assert again.bound == pytest.approx(bound, abs=1e-6)
    if found is None:
        return
    assert model.allows(columns, found) and counts_kept(columns, model, found)
    assert best <= int(columns.col_cost[found].sum()) <= best + 3
    if int(columns.col_cost[found].sum()) == lower:
        assert lower == best  # a plan at the LP bound is the minimum


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_a_dive_below_the_lp_bound_finds_nothing(case: tuple[nx.Graph, dict[str, str]]) -> None:
    listed = moves_case(case)
    if listed is None:
        return
    columns, model = listed
    lp, bound = _lp(columns, model)
    below = math.ceil(bound - 1e-6) - 1
    if below >= 0:
        assert dive(lp, model, below, _soon()) is None


def test_a_dive_finds_the_plan_where_the_lp_is_whole() -> None:
    graph = grid(2, 4, [10_000] * 8)
    # A and B are in the band but not contiguous as given (columns 0,2 and 1,3 of each row)
    current = {f"P{r}{c}": "A" if c % 2 == 0 else "B" for r in range(2) for c in range(4)}
    problem = problem_of(graph, LEAST, current=current)
    columns, model = _moves_model(problem)
    plans = in_band_plans(graph)
    best = min(least_moves(plan, current, compliant_networks(graph, current))[0] for plan in plans)
    lp, _ = _lp(columns, model)
    found = dive_down(lp, model, 0, best, _soon())
    assert found is not None
    assert int(columns.col_cost[found].sum()) == best
