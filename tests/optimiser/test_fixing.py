"""Reduced-cost fixing: the cheapest plan by questions from the LP bound, against brute force."""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings

from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.cpsat import solve_integer
from footprints.optimiser.fixing import fixed_pool, prove_least

from .grids import grid, problem_of, replace_settings
from .test_diving import _lp, _moves_model, _soon, fewest_moves_case, moves_case
from .test_priorities import areas_with_plans

LEAST = replace_settings(least_change=True)


def _relaxation(columns: Columns, model: Partition) -> tuple[np.ndarray, float]:
    lp, bound = _lp(columns, model)
    return lp.solve(_soon()).reduced_costs, bound  # solved already: the same solution


def _worst_plan(columns: Columns, model: Partition) -> np.ndarray:
    """A plan of the model moving as many practices as any (the poorest start)."""
    most = int(columns.col_cost.max())
    flipped = dataclasses.replace(columns, col_cost=most - columns.col_cost)
    every = np.arange(len(columns), dtype=np.int64)
    result = solve_integer(flipped, model, every, LEAST, time_limit=30.0)
    assert result.objective is not None
    return result.chosen


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_fixing_from_the_poorest_plan_proves_the_exhaustive_minimum(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    known = fewest_moves_case(case)
    if known is None:
        return  # the band is soft here: no plan keeps it
    best, columns, model = known
    reduced_costs, lower = _relaxation(columns, model)
    start = _worst_plan(columns, model)
    fixed = prove_least(columns, model, reduced_costs, lower, start, LEAST, _soon())
    assert fixed.proved
    assert fixed.value == fixed.bound == best == int(columns.col_cost[fixed.chosen].sum())
    assert model.allows(columns, fixed.chosen)
    # Each question was asked over no more columns than the next one up.
    assert list(fixed.asked) == sorted(fixed.asked)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_the_fixed_pool_keeps_every_cheapest_plan(case: tuple[nx.Graph, dict[str, str]]) -> None:
    """Every plan costing the minimum uses only the columns the LP bound leaves at it."""
    listed = moves_case(case)
    if listed is None:
        return
    columns, model = listed
    reduced_costs, lower = _relaxation(columns, model)
    every = np.arange(len(columns), dtype=np.int64)
    cheapest = solve_integer(columns, model, every, LEAST, time_limit=30.0)
    assert cheapest.objective is not None
    pool = fixed_pool(reduced_costs, lower, cheapest.objective)
    assert set(cheapest.chosen.tolist()) <= set(pool.tolist())
    # Below the LP bound no column is left.
    assert not len(fixed_pool(reduced_costs, lower, math.ceil(lower - 1e-6) - 1))


def test_a_plan_at_hand_at_the_bound_is_proved_without_a_question() -> None:
    graph = grid(2, 2, [10_000] * 4)
    current = {f"P{r}{c}": "A" for r in range(2) for c in range(2)}
    problem = problem_of(graph, LEAST, current=current)
    columns, model = _moves_model(problem)
    reduced_costs, lower = _relaxation(columns, model)
    every = np.arange(len(columns), dtype=np.int64)
    start = solve_integer(columns, model, every, LEAST, time_limit=30.0).chosen
    fixed = prove_least(columns, model, reduced_costs, lower, start, LEAST, _soon())
    assert fixed.proved and fixed.asked == ()
    assert fixed.value == 0
