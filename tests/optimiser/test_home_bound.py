"""Bounds on registration geography: the relaxation prices the homes, and stays a bound."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.farley import plan_bound, reduced_cost_floor, relaxed_window
from footprints.optimiser.master import Duals
from footprints.optimiser.proof import partition

from .grids import (
    FAST,
    Home,
    brute_force_optimum,
    connected_subsets,
    few_candidates,
    home_grid,
    least_reduced_cost,
    problem_of,
    replace_settings,
    tiny_home_areas,
)

SIZES = [9_000, 14_000, 11_000, 16_000, 8_000, 12_000]


def _spread_homes(seed: int, *, far: float = 3_000.0) -> list[list[Home]]:
    """Each of the six practices of a 2 x 3 grid: patients in four places around it.

    Home patients differ from the list sizes (one practice has a third of its list), and
    homes lie in two patches, so both the ratio and the straddling are exercised.
    """
    rng = np.random.default_rng(seed)
    homes = []
    for k, size in enumerate(SIZES):
        x0, y0 = (k % 3) * 2_000.0, -(k // 3) * 2_000.0
        patients = size // 3 if k == 4 else size
        share = rng.dirichlet(np.ones(4)) * patients
        homes.append(
            [
                (
                    x0 + float(rng.normal(0, far)),
                    y0 + float(rng.normal(0, far)),
                    int(n),
                    "A" if rng.random() < 0.6 else "B",
                )
                for n in share
            ]
        )
    return homes


@settings(max_examples=40, deadline=None)
@given(graph=tiny_home_areas(), seed=st.integers(0, 1_000), scale=st.sampled_from([1e5, 1e6]))
def test_the_home_floor_is_below_every_connected_set_of_random_areas(
    graph: nx.Graph, seed: int, scale: float
) -> None:
    """Homes anywhere, list sizes unrelated to the patients with a home: still a floor."""
    problem = problem_of(graph, replace_settings(home_straddle_weight=20.0))
    if len(problem.pieces) != 1:
        return
    piece = problem.pieces[0]
    low, high = relaxed_window(problem, piece)
    if not connected_subsets(graph, low, high):
        return
    rng = np.random.default_rng(seed)
    n = len(problem.practices)
    node = rng.normal(scale, scale, n) * (problem.practices.population + 1) / 10_000
    duals = Duals(node, np.asarray([rng.normal(0, scale), 0.0]), np.zeros(1), 0.0, [], 0.0)
    floor = reduced_cost_floor(
        problem, piece, duals, piece_number=0, low=low, high=high, seconds=0.2
    )
    assert floor is not None
    assert floor.value <= least_reduced_cost(problem, graph, duals, low, high) + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_a_plan_bound_on_homes_prices_their_spread_and_stays_below_the_optimum(
    seed: int,
) -> None:
    """Above the fixed costs of the fewest networks (the relaxation knew no homes before)."""
    graph = home_grid(2, 3, SIZES, _spread_homes(seed))
    problem = problem_of(graph, FAST)
    plan = construct(problem)
    assert plan is not None
    networks = [n for piece in plan for n in piece]
    best = brute_force_optimum(graph, FAST)
    assert best is not None
    bound, _ = plan_bound(problem, networks, seconds=2.0)
    assert bound <= best * SCALE + 1e-6
    fewest = sum(piece.k_range[0] for piece in problem.pieces if piece.k_range is not None)
    fixed = fewest * FAST.network_cost
    assert bound > (fixed + 0.25 * (best - fixed)) * SCALE  # a quarter of the rest at least


@settings(max_examples=25, deadline=None)
@given(graph=tiny_home_areas())
def test_a_plan_bound_on_random_home_areas_stays_below_the_optimum(graph: nx.Graph) -> None:
    opts = replace_settings(home_straddle_weight=20.0)
    problem = problem_of(graph, opts)
    best = brute_force_optimum(graph, opts)
    plan = construct(problem)
    if best is None or plan is None:
        return
    networks = [n for piece in plan for n in piece]
    bound, _ = plan_bound(problem, networks, seconds=0.5)
    assert bound <= best * SCALE + 1e-6


@pytest.mark.parametrize("repair", [False, True], ids=["fresh", "repair"])
@pytest.mark.parametrize("seed", range(3))
def test_partition_over_local_home_candidates_bounds_below_the_optimum(
    seed: int, repair: bool
) -> None:
    """The app's path where candidates were not all listed, fresh and in repair mode.

    In repair mode the moves cost nothing here, so the optimum is brute force's.
    """
    graph = home_grid(2, 3, SIZES, _spread_homes(seed))
    opts = replace_settings(move_weight=0.0) if repair else FAST
    current = {p: f"N{k // 2}" for k, p in enumerate(sorted(graph.nodes))} if repair else None
    problem = problem_of(graph, opts, current=current)
    columns = few_candidates(problem, 3)
    outcome = partition(problem, columns)
    best = brute_force_optimum(graph, opts)
    assert best is not None and outcome.bound is not None
    assert outcome.bound <= best * SCALE + 1e-6
    fewest = sum(piece.k_range[0] for piece in problem.pieces if piece.k_range is not None)
    assert outcome.bound > fewest * opts.network_cost * SCALE
