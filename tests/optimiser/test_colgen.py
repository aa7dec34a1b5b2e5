"""Exact pricing of the usual cost: the least reduced cost found equals brute force's."""

from __future__ import annotations

import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.colgen import price_exactly, priced_bound
from footprints.optimiser.columns import build_columns, piece_candidates
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE, set_costs
from footprints.optimiser.farley import relaxed_window
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.settings import OptimiseSettings

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    connected_subsets,
    problem_of,
    replace_settings,
    tiny_areas,
    tiny_home_areas,
)


def _least_reduced_cost(
    problem: AreaProblem, graph: nx.Graph, node: np.ndarray, sigma: float
) -> float:
    """The least reduced cost over every connected set of the piece's window, by brute force."""
    low, high = relaxed_window(problem, problem.pieces[0])
    subsets = connected_subsets(graph, low, high)
    if not subsets:
        return np.inf
    practices = problem.practices
    sets = CandidateSets.of([sorted(practices.index[c] for c in s) for s in subsets])
    _, cost = set_costs(sets, practices, problem.settings)
    return float((cost - sets.sums(node) - sigma).min())


def _check_pricing(graph: nx.Graph, opts: OptimiseSettings, seed: int, scale: float) -> None:
    problem = problem_of(graph, opts)
    if len(problem.pieces) != 1:
        return
    rng = np.random.default_rng(seed)
    population = problem.practices.population
    node = rng.normal(scale, scale, len(population)) * population / 10_000
    piece_dual = np.asarray([rng.normal(0, scale), 0.0])
    priced = price_exactly(problem, node, piece_dual, [0], at=np.inf, limit=2)
    assert priced is not None
    least = _least_reduced_cost(problem, graph, node, float(piece_dual[0]))
    floor = priced.floors[0]
    assert floor <= least + 1e-6
    # exact: the least where it is below 0, else 0 (less the slack and the costs' rounding)
    assert floor >= min(least, 0.0) - 2.0
    for members, _ in priced.found:
        assert (
            problem.practices.population[members].sum()
            >= relaxed_window(problem, problem.pieces[0])[0]
        )


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
@pytest.mark.parametrize("seed", range(6))
def test_exact_pricing_finds_the_least_reduced_cost_of_the_grids(name: str, seed: int) -> None:
    graph, opts = SMALL_GRIDS[name]
    _check_pricing(graph, opts, seed, 3_000_000.0)


@settings(max_examples=40, deadline=None)
@given(graph=tiny_areas(min_size=2_000), seed=st.integers(0, 1_000))
def test_exact_pricing_finds_the_least_reduced_cost_on_voronoi(graph: nx.Graph, seed: int) -> None:
    _check_pricing(graph, replace_settings(straddle_weight=5.0, patch_weight=2_000.0), seed, 2e6)


@settings(max_examples=40, deadline=None)
@given(graph=tiny_home_areas(), seed=st.integers(0, 1_000))
def test_exact_pricing_finds_the_least_reduced_cost_on_registrations(
    graph: nx.Graph, seed: int
) -> None:
    _check_pricing(graph, replace_settings(home_straddle_weight=5.0), seed, 2e6)


@settings(max_examples=40, deadline=None)
@given(graph=tiny_home_areas(), seed=st.integers(0, 1_000))
def test_exact_pricing_sees_the_working_patches_on_registrations(
    graph: nx.Graph, seed: int
) -> None:
    _check_pricing(graph, replace_settings(home_patch_weight=20_000.0), seed, 2e6)


def _bound_below_optimum(graph: nx.Graph, opts: OptimiseSettings) -> float | None:
    """:func:`priced_bound` from a third of the candidates and the constructive plan."""
    problem = problem_of(graph, opts)
    best = brute_force_optimum(graph, opts)
    plan = construct(problem)
    if best is None or plan is None:
        return None
    sets = [piece_candidates(problem, piece) for piece in problem.pieces]
    kept = [
        CandidateSets.concatenate([s.select(np.arange(len(s)) % 3 == 0), CandidateSets.of(p)])
        for s, p in zip(sets, plan, strict=True)
    ]
    for piece in problem.pieces:
        piece.bounded = False
    columns = build_columns(problem, kept)
    start = np.flatnonzero(np.isin(columns.col_set, np.arange(len(columns.sets))))
    chosen = start[-sum(len(p) for p in plan) :] if len(problem.pieces) == 1 else None
    found = priced_bound(problem, columns, chosen, at=time.monotonic() + 60.0)
    assert found.bound is not None and found.rounds >= 1
    assert found.bound <= best * SCALE + 1e-6
    return found.bound / (best * SCALE) if best > 0 else None


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_priced_bound_never_exceeds_the_exhaustive_optimum(name: str) -> None:
    graph, opts = SMALL_GRIDS[name]
    ratio = _bound_below_optimum(graph, opts)
    # run to the end, column generation proves the LP over every candidate: close to it
    assert ratio is not None and ratio > 0.8


@settings(max_examples=30, deadline=None)
@given(graph=tiny_home_areas())
def test_the_priced_bound_never_exceeds_the_optimum_on_registrations(graph: nx.Graph) -> None:
    _bound_below_optimum(graph, replace_settings(home_straddle_weight=5.0))


@settings(max_examples=30, deadline=None)
@given(graph=tiny_home_areas())
def test_the_priced_bound_stays_below_the_optimum_with_working_patches(graph: nx.Graph) -> None:
    _bound_below_optimum(graph, replace_settings(home_patch_weight=20_000.0))


@settings(max_examples=30, deadline=None)
@given(graph=tiny_areas(min_size=2_000))
def test_the_priced_bound_never_exceeds_the_optimum_on_voronoi(graph: nx.Graph) -> None:
    _bound_below_optimum(graph, replace_settings(straddle_weight=5.0))
