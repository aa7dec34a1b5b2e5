"""Compiled exact pricing and the proof over the window it bounds, against brute force."""

from __future__ import annotations

import dataclasses
import math
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings, colgen, optimise_area, pricedproof
from footprints.optimiser.colgen import price_exactly
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.pricedproof import can_prove, priced_proof

from .grids import (
    SMALL_GRIDS,
    brute_force_optimum,
    few_candidates,
    planar_area,
    problem_of,
    replace_settings,
    tiny_areas,
)


def _groups(found: list[tuple[list[int], int]]) -> set[tuple[int, ...]]:
    return {tuple(members) for members, _ in found}


def _same_pricing(graph: nx.Graph, opts: OptimiseSettings, seed: int) -> None:
    """The compiled and the Python search: the same floors, the same groups below 0."""
    problem = problem_of(graph, opts)
    rng = np.random.default_rng(seed)
    population = problem.practices.population
    node = rng.normal(2e6, 2e6, len(population)) * population / 10_000
    piece_dual = rng.normal(0, 2e6, len(problem.pieces) + 1)
    pieces = list(range(len(problem.pieces)))
    limit = 100_000  # every group below 0: nothing left to the order of the search
    python = price_exactly(
        problem, node, piece_dual, pieces, at=np.inf, limit=limit, compiled=False
    )
    compiled = price_exactly(problem, node, piece_dual, pieces, at=np.inf, limit=limit)
    assert python is not None and compiled is not None
    assert compiled.floors.keys() == python.floors.keys()
    for p, floor in python.floors.items():
        assert compiled.floors[p] == pytest.approx(floor, abs=1e-3)
    assert _groups(compiled.found) == _groups(python.found)


@pytest.mark.parametrize("seed", range(4))
def test_the_compiled_search_prices_a_planar_area_as_the_python_one(seed: int) -> None:
    _same_pricing(planar_area(16, seed), replace_settings(straddle_weight=30.0), seed)


@settings(max_examples=40, deadline=None)
@given(graph=tiny_areas(min_size=2_000), seed=st.integers(0, 1_000))
def test_the_compiled_search_prices_tiny_areas_as_the_python_one(
    graph: nx.Graph, seed: int
) -> None:
    _same_pricing(graph, replace_settings(straddle_weight=5.0, patch_weight=2_000.0), seed)


def _proved(graph: nx.Graph, opts: OptimiseSettings) -> None:
    """From a third of the candidates: the optimum proved equals brute force's."""
    best = brute_force_optimum(graph, opts)
    problem = problem_of(graph, opts)
    plan = construct(problem)
    if best is None or plan is None:
        return
    columns = few_candidates(problem)
    assert can_prove(problem, columns)
    every = np.flatnonzero(np.isin(columns.col_set, np.arange(len(columns.sets))))
    start = every[-sum(len(p) for p in plan) :] if len(problem.pieces) == 1 else None
    now = time.monotonic()
    proof = priced_proof(problem, columns, start, bound_at=now + 30.0, at=now + 60.0)
    assert proof.bound is not None
    # Each network's cost is rounded to the nearest unit (costs.SCALE), so the integer
    # model's optimum, which a proved bound may reach, can pass the exact optimum by half a
    # unit per network: one tiny area gave 9,005,737 against 9,005,735.8 (on main too).
    assert proof.bound <= best * SCALE + len(graph) / 2
    assert proof.proved
    assert proof.objective == pytest.approx(best * SCALE, abs=len(graph))
    assert int(proof.columns.col_cost[proof.chosen].sum()) == proof.objective


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_priced_proof_finds_the_exhaustive_optimum_of_the_grids(name: str) -> None:
    graph, opts = SMALL_GRIDS[name]
    _proved(graph, opts)


@settings(max_examples=30, deadline=None)
@given(graph=tiny_areas(min_size=2_000))
def test_the_priced_proof_finds_the_exhaustive_optimum_of_tiny_areas(graph: nx.Graph) -> None:
    _proved(graph, replace_settings(straddle_weight=5.0))


def test_an_area_too_large_to_list_is_proved_by_pricing() -> None:
    """With a candidate cap far below its count, an area is proved at the listed optimum."""
    graph = planar_area(40, 7)
    listed = optimise_area(graph, OptimiseSettings(time_limit=60.0, seed=0, workers=1))
    assert listed.status == "optimal"
    capped = optimise_area(
        graph, OptimiseSettings(time_limit=60.0, seed=0, workers=1, candidate_cap=2_000)
    )
    assert capped.pool_size != listed.pool_size  # not listed in full: local candidates
    assert capped.status == "optimal", capped.explanations
    assert capped.objective == pytest.approx(listed.objective, abs=1e-6)


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_window_waits_for_a_converged_bound_or_one_near_the_plan(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a window gap, a bound of rounds cut short far below the plan searches no window.

    An area's solve passes :data:`~footprints.optimiser.pricedproof.WINDOW_GAP`: where
    column generation did not converge and its bound ends far from the plan, the window
    holds too many networks to prove anything, and its time goes back to the plan's search
    (all England: worse plans without the gate). A converged bound's window is searched.
    """
    graph, opts = SMALL_GRIDS[name]
    best = brute_force_optimum(graph, opts)
    problem = problem_of(graph, opts)
    plan = construct(problem)
    if best is None or plan is None or len(problem.pieces) != 1:
        return
    columns = few_candidates(problem)
    every = np.flatnonzero(np.isin(columns.col_set, np.arange(len(columns.sets))))
    start = every[-len(plan[0]) :]
    objective = int(columns.col_cost[start].sum())
    now = time.monotonic()
    converged = priced_proof(
        problem, columns, start, bound_at=now + 30.0, at=now + 60.0, window_gap=0.0
    )
    assert converged.proved  # a converged bound: the window is searched, gap or not
    assert converged.objective == pytest.approx(best * SCALE, abs=len(graph))

    def cut_short(*args: object, **kwargs: object) -> colgen.PricedBound:
        bound = colgen.priced_bound(*args, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(bound, converged=False)

    monkeypatch.setattr(pricedproof, "priced_bound", cut_short)
    now = time.monotonic()
    short = priced_proof(
        problem, columns, start, bound_at=now + 30.0, at=now + 60.0, window_gap=0.0
    )
    assert short.bound is not None and short.bound <= best * SCALE + 1.0
    if objective > math.ceil(short.bound - 1e-6):  # the plan is not at the bound
        assert not short.proved and not short.near
        assert short.objective == objective  # the window was not searched
    else:
        assert short.proved
    now = time.monotonic()
    wide = priced_proof(problem, columns, start, bound_at=now + 30.0, at=now + 60.0)
    assert wide.proved  # without the gap, the window of a cut-short bound is searched


@pytest.mark.parametrize("seed", range(3))
def test_every_order_of_the_practices_prices_the_same_and_pricing_takes_the_gain_order(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The search's order changes its steps, never what it finds (E38000016: 22.7 → 8.5 M).

    The kernel in the gain order, its reverse and a shuffle: the same groups below 0 and the
    same ceiling; and exact pricing builds its kernels in the gain order.
    """
    from footprints.optimiser import compiled

    graph = planar_area(18, seed)
    opts = replace_settings(straddle_weight=30.0)
    problem = problem_of(graph, opts)
    rng = np.random.default_rng(seed)
    population = problem.practices.population
    node = rng.normal(2e6, 2e6, len(population)) * population / 10_000
    nodes = sorted(problem.pieces[0].nodes)
    low, high = colgen.relaxed_window(problem, problem.pieces[0])
    ordered = compiled.search_order(nodes, node, population)
    per_patient = [node[i] / max(1, population[i]) for i in ordered]
    assert sorted(ordered) == nodes and per_patient == sorted(per_patient, reverse=True)
    answers = []
    for order in (ordered, ordered[::-1], rng.permutation(nodes).tolist(), nodes):
        kernel = compiled.VoronoiKernel(problem, order, low, high)
        found = kernel.price(node[kernel.nodes], -1e6, limit=100_000, at=np.inf, rows=100_000)
        assert found is not None
        groups, ceiling, count, _, complete = found
        assert complete and count == len(groups)
        answers.append(({tuple(g) for g in groups}, ceiling))
    assert all(a == answers[0] for a in answers[1:])
    assert answers[0][0]  # some group prices below the goal: the comparison says something
    built: list[list[int]] = []
    real = compiled.VoronoiKernel

    def spy(problem: object, order: list[int], low: int, high: int) -> object:
        built.append(list(order))
        return real(problem, order, low, high)  # type: ignore[arg-type]

    monkeypatch.setattr(compiled, "VoronoiKernel", spy)
    piece_dual = np.zeros(len(problem.pieces) + 1)
    assert price_exactly(problem, node, piece_dual, [0], at=np.inf) is not None
    assert built == [ordered]
