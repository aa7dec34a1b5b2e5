"""The Lagrangian bound where not every candidate is listed: never above the true optimum."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings, optimise_area
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE, set_costs
from footprints.optimiser.farley import (
    knapsack_bounds,
    knapsack_choices,
    plan_bound,
    reduced_cost_floor,
    relaxed_window,
)
from footprints.optimiser.master import Duals
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import partition

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    connected_subsets,
    few_candidates,
    least_reduced_cost,
    planar_area,
    problem_of,
    replace_settings,
    tiny_areas,
)

GRIDS = SMALL_GRIDS


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(-50, 50), min_size=1, max_size=7),
    data=st.data(),
    low=st.integers(0, 30),
    width=st.integers(0, 30),
    band=st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 20))),
    penalty=st.floats(0, 10),
)
def test_the_knapsack_bound_is_at_least_every_subset_in_the_window(
    values: list[float],
    data: st.DataObject,
    low: int,
    width: int,
    band: tuple[int, int] | None,
    penalty: float,
) -> None:
    weights = data.draw(st.lists(st.integers(0, 12), min_size=len(values), max_size=len(values)))
    high = low + width
    edges = None if band is None else (band[0], band[0] + band[1])
    bound = float(
        knapsack_bounds(
            np.asarray(values), np.asarray(weights), low, high, band=edges, penalty=penalty
        )[0]
    )
    best = -np.inf
    for k in range(len(values) + 1):
        for subset in itertools.combinations(range(len(values)), k):
            weight = sum(weights[i] for i in subset)
            if low <= weight <= high:
                off = 0 if edges is None else max(edges[0] - weight, weight - edges[1], 0)
                best = max(best, sum(values[i] for i in subset) - penalty * off)
    assert bound >= best - 1e-6
    if best == -np.inf:  # nothing fits: only when the items weigh too little in all
        assert sum(weights) < low or bound > -np.inf
    # the shares that attain it (the relaxed networks of footprints.optimiser.shaping)
    v, w = np.asarray(values), np.asarray(weights)
    found, shares = knapsack_choices(v, w, low, high, band=edges, penalty=penalty)
    assert float(found[0]) == pytest.approx(bound, abs=1e-6)
    if np.isfinite(bound):
        t = shares[0]
        assert ((t >= 0) & (t <= 1)).all()
        taken = float(w @ t)
        assert low - 1e-6 <= taken <= high + 1e-6
        off = 0.0 if edges is None else max(edges[0] - taken, taken - edges[1], 0.0)
        assert float(v @ t) - penalty * off == pytest.approx(bound, abs=1e-6)


def _random_duals(problem: AreaProblem, rng: np.random.Generator, scale: float) -> Duals:
    n = len(problem.practices)
    node = rng.normal(scale, scale, n) * problem.practices.population / 10_000
    return Duals(node, np.asarray([rng.normal(0, scale), 0.0]), np.zeros(1), 0.0, [], 0.0)


@pytest.mark.parametrize("name", sorted(GRIDS))
@pytest.mark.parametrize("seed", range(6))
def test_the_floor_is_below_every_connected_set(name: str, seed: int) -> None:
    graph, opts = GRIDS[name]
    problem = problem_of(graph, opts)
    piece = problem.pieces[0]
    low, high = relaxed_window(problem, piece)
    rng = np.random.default_rng(seed)
    duals = _random_duals(problem, rng, 3_000_000.0)
    floor = reduced_cost_floor(problem, piece, duals, piece_number=0, low=low, high=high)
    assert floor is not None
    assert floor.value <= least_reduced_cost(problem, graph, duals, low, high) + 1e-6


@settings(max_examples=30, deadline=None)
@given(graph=tiny_areas(min_size=2_000), seed=st.integers(0, 1_000))
def test_the_floor_is_below_every_connected_set_of_random_areas(graph: nx.Graph, seed: int) -> None:
    opts = replace_settings(straddle_weight=5.0)
    problem = problem_of(graph, opts)
    if len(problem.pieces) != 1:
        return
    piece = problem.pieces[0]
    low, high = relaxed_window(problem, piece)
    if not connected_subsets(graph, low, high):
        return
    duals = _random_duals(problem, np.random.default_rng(seed), 2_000_000.0)
    floor = reduced_cost_floor(
        problem, piece, duals, piece_number=0, low=low, high=high, seconds=0.2
    )
    assert floor is not None
    assert floor.value <= least_reduced_cost(problem, graph, duals, low, high) + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_the_floor_is_below_every_connected_set_of_a_soft_window(seed: int) -> None:
    """A soft piece's window runs from 0: the band penalty is in the relaxation then."""
    graph, opts = GRIDS["uneven 3x3"]
    problem = problem_of(graph, opts)
    piece = problem.pieces[0]
    duals = _random_duals(problem, np.random.default_rng(seed), 3_000_000.0)
    floor = reduced_cost_floor(problem, piece, duals, piece_number=0, low=0, high=60_000)
    assert floor is not None
    assert floor.value <= least_reduced_cost(problem, graph, duals, 0, 60_000) + 1e-6


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_a_plan_bound_is_never_above_the_brute_force_optimum(name: str) -> None:
    graph, opts = GRIDS[name]
    problem = problem_of(graph, opts)
    plan = construct(problem)
    assert plan is not None
    networks = [n for piece in plan for n in piece]
    _, cost = set_costs(CandidateSets.of(networks), problem.practices, opts)
    best = brute_force_optimum(graph, opts)
    assert best is not None
    bound, floors = plan_bound(problem, networks, seconds=2.0)
    assert len(floors) == len(problem.pieces)
    assert bound <= best * SCALE + 1e-6
    assert best * SCALE <= int(cost.sum()) + len(networks)  # costs are rounded per network
    assert bound >= 0


@pytest.mark.parametrize("name", sorted(GRIDS))
def test_partition_over_local_candidates_bounds_below_the_optimum(name: str) -> None:
    graph, opts = GRIDS[name]
    problem = problem_of(graph, opts)
    # keep a few candidates only, as if the rest could not be listed
    columns = few_candidates(problem, 3)
    outcome = partition(problem, columns)
    best = brute_force_optimum(graph, opts)
    assert best is not None and outcome.objective is not None
    assert outcome.bound is not None
    assert outcome.bound <= best * SCALE + 1e-6
    assert best * SCALE <= outcome.objective + len(outcome.chosen)  # rounded per network
    assert outcome.status == "feasible"


def test_every_weight_counts_in_the_floor() -> None:
    """The floor moves with the fixed cost per network: the relaxation reads the settings."""
    graph, _ = GRIDS["two rows"]
    floors = []
    for cost in (10_000.0, 30_000.0):
        problem = problem_of(graph, OptimiseSettings(time_limit=20.0, network_cost=cost))
        piece = problem.pieces[0]
        low, high = relaxed_window(problem, piece)
        duals = Duals(np.zeros(6), np.zeros(2), np.zeros(1), 0.0, [], 0.0)
        floor = reduced_cost_floor(problem, piece, duals, piece_number=0, low=low, high=high)
        assert floor is not None
        floors.append(floor.value)
    assert floors[1] - floors[0] == pytest.approx(20_000 * SCALE)


@pytest.mark.parametrize("seed", range(3))
def test_on_random_planar_areas_the_bounds_stay_below_the_enumerated_optimum(seed: int) -> None:
    graph = planar_area(24, seed)
    opts = replace_settings(time_limit=60.0)
    full = optimise_area(graph, opts)
    assert full.status == "optimal" and full.objective is not None
    # as if listing had stopped early: only a few candidates, the bound over all of them
    capped = optimise_area(graph, replace_settings(time_limit=60.0, candidate_cap=50))
    assert capped.bound is not None and capped.objective is not None
    assert capped.bound <= full.objective + 1e-6 <= capped.objective + 1e-6
    problem = problem_of(graph, opts)
    plan = construct(problem)
    assert plan is not None
    bound, _ = plan_bound(problem, [n for piece in plan for n in piece], seconds=2.0)
    assert bound <= full.objective * SCALE + 1e-6
