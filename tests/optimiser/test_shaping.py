"""Duals shaped for the relaxed pricing: the bound they prove never passes the optimum."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import Columns, Partition, build_columns, piece_candidates
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.farley import knapsack_bounds, lagrangian_bound, listed_floors
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.shaping import Shaped, can_shape, knapsack_choices, shaped_bound

from .grids import SMALL_GRIDS, brute_force_optimum, problem_of, replace_settings, tiny_areas


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50), min_size=1, max_size=7),
    data=st.data(),
    low=st.integers(0, 30),
    width=st.integers(0, 30),
    band=st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 20))),
    penalty=st.floats(0, 10),
)
def test_the_knapsack_choice_takes_the_knapsack_optimum(
    values: list[float],
    data: st.DataObject,
    low: int,
    width: int,
    band: tuple[int, int] | None,
    penalty: float,
) -> None:
    weights = np.asarray(
        data.draw(st.lists(st.integers(0, 12), min_size=len(values), max_size=len(values)))
    )
    high = low + width
    edges = None if band is None else (band[0], band[0] + band[1])
    v = np.asarray(values)
    expected = float(knapsack_bounds(v, weights, low, high, band=edges, penalty=penalty)[0])
    found, shares = knapsack_choices(v, weights, low, high, band=edges, penalty=penalty)
    assert float(found[0]) == pytest.approx(expected, abs=1e-6)
    if not np.isfinite(expected):
        return
    t = shares[0]
    assert ((t >= 0) & (t <= 1)).all()
    taken = float(weights @ t)
    assert low - 1e-6 <= taken <= high + 1e-6
    off = 0.0 if edges is None else max(edges[0] - taken, taken - edges[1], 0.0)
    assert float(v @ t) - penalty * off == pytest.approx(expected, abs=1e-6)


def _local_master(problem: AreaProblem, keep_every: int) -> tuple[Columns, MasterLP]:
    """A master LP solved over a few of each piece's candidates, as if listing had stopped."""
    sets = [piece_candidates(problem, piece) for piece in problem.pieces]
    kept = [s.select(np.arange(len(s)) % keep_every == 0) for s in sets]
    plan = construct(problem)
    assert plan is not None
    kept = [
        CandidateSets.concatenate([k, CandidateSets.of(p)]) for k, p in zip(kept, plan, strict=True)
    ]
    for piece in problem.pieces:
        piece.bounded = False
    columns = build_columns(problem, kept)
    rows = Partition.of_area(problem)
    lp = MasterLP(columns, rows)
    lp.add(initial_columns(columns, rows.rows))
    relaxation = lp.solve(Deadline(time.monotonic() + 20.0))
    assert relaxation.feasible and relaxation.complete
    return columns, lp


def _shaped(problem: AreaProblem, keep_every: int) -> tuple[Shaped, float | None]:
    """The shaped bound, and the bound of the master's own duals (as before shaping)."""
    columns, lp = _local_master(problem, keep_every)
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
