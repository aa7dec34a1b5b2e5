"""The repair by parts: plans of the model only, keeping what it is given where it can."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings

from footprints.optimiser import optimise_area
from footprints.optimiser.columns import Columns, Limit, Partition, build_columns, list_piece
from footprints.optimiser.least_start import compliant_as_is
from footprints.optimiser.measures import outside_band, priority_measures
from footprints.optimiser.neighbourhoods import inside, repair_by_parts
from footprints.optimiser.problem import AreaProblem

from .grids import grid, problem_of, replace_settings
from .test_priorities import areas_with_plans

LEAST = replace_settings(least_change=True)


def _model(problem: AreaProblem) -> tuple[Columns, Partition, np.ndarray]:
    """Every candidate as a column, the area's rows with the band kept, the moves per column."""
    columns = build_columns(problem, [list_piece(problem, piece) for piece in problem.pieces])
    band = Limit(outside_band(problem, columns), 0, "outside the band")
    model = dataclasses.replace(Partition.of_area(problem), limits=(band,))
    return columns, model, priority_measures(problem, columns)[0].values


def _any_plan(problem: AreaProblem, columns: Columns, model: Partition) -> np.ndarray | None:
    """Some plan of the model: the least-change run's own columns are not at hand, so the
    repair from nothing kept gives one."""
    return repair_by_parts(
        columns,
        np.zeros(len(columns), np.int64),
        model,
        np.zeros(0, np.int64),
        problem.settings,
        problem.practices.neighbours,
        time_limit=10.0,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_the_repair_keeps_what_it_is_given_where_it_can_and_returns_plans_only(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    graph, current = case
    problem = problem_of(graph, LEAST, current=current)
    columns, model, moves = _model(problem)
    kept = compliant_as_is(problem, columns)[0]
    found = repair_by_parts(
        columns,
        moves,
        model,
        kept,
        problem.settings,
        problem.practices.neighbours,
        time_limit=10.0,
    )
    if found is None:
        return
    assert model.allows(columns, found)
    if not len(kept) or len(kept) == len(found):
        return
    # The networks kept are re-planned only where a gap touches them: some stay.
    far = [
        j
        for j in kept
        if not any(
            practice in columns.sets.members_of(int(columns.col_set[k]))
            for k in found
            if k not in kept
            for practice in columns.sets.members_of(int(columns.col_set[j]))
        )
    ]
    assert set(far) <= set(found.tolist())


def test_the_repair_mends_a_broken_network_with_its_neighbour_and_keeps_the_rest() -> None:
    """A, B and D comply; C (10,000) is too small: it joins its neighbour B, three moves at
    most, and A and D stay as they are."""
    graph = grid(1, 12, [10_000] * 12)
    current = {f"P0{c}": net for c, net in enumerate("AAAABBBBCDDD")}
    problem = problem_of(graph, LEAST, current=current)
    columns, model, moves = _model(problem)
    kept = compliant_as_is(problem, columns)[0]
    found = repair_by_parts(
        columns, moves, model, kept, problem.settings, problem.practices.neighbours, time_limit=10.0
    )
    assert found is not None
    assert model.allows(columns, found)
    assert int(moves[found].sum()) == 1  # C's one practice joins D (D has 30,000)
    assert set(kept.tolist()) & set(found.tolist())  # A stays as it is


def test_inside_finds_the_columns_within_the_practices_given() -> None:
    graph = grid(1, 6, [10_000] * 6)
    problem = problem_of(graph, LEAST, current={f"P0{c}": "A" for c in range(6)})
    columns, _, _ = _model(problem)
    freed = np.asarray([0, 1, 2, 3], np.int64)
    found = set(inside(columns, freed).tolist())
    for j in range(len(columns)):
        members = set(columns.sets.members_of(int(columns.col_set[j])))
        assert (j in found) == (members <= {0, 1, 2, 3})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_a_minimum_is_reported_proved_only_when_the_plan_meets_its_bound(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    graph, current = case
    result = optimise_area(graph, LEAST, current=current)
    for priority in result.priorities:
        if priority.proved:
            assert priority.bound == priority.value
        elif priority.bound is not None and priority.value is not None:
            assert priority.bound < priority.value
