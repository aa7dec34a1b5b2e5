"""Areas too large to list: local candidates, the improved quick plan, CP-SAT over local pools.

Where the estimate of an area's connected in-band sets passes the cap, only local
candidates are listed (each practice's nearest), CP-SAT searches ever more of them from the
quick plan improved by local search, and the bound comes from
:mod:`footprints.optimiser.farley`. These tests force that path on small grids (against
the exhaustive optimum) and on random planar areas of 300 practices (against the plan that
enumeration returns when its listing cannot finish: the quick plan). Every assertion is
about structure, none about time.
"""

from __future__ import annotations

import pytest

from footprints.optimiser import candidates, optimise_area, proof
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE, plan_costs

from .grids import (
    FAST,
    brute_force_optimum,
    check_plan,
    grid,
    planar_area,
    problem_of,
    replace_settings,
)


@pytest.mark.parametrize(
    ("rows", "cols", "sizes"),
    [
        (3, 3, [9_000, 12_000, 8_000, 15_000, 7_000, 11_000, 10_000, 9_500, 13_000]),
        (2, 4, [10_000] * 8),
        (2, 5, [6_000, 14_000, 9_000, 12_000, 8_000, 11_000, 10_000, 7_000, 15_000, 9_000]),
    ],
)
def test_on_small_grids_the_local_path_finds_the_exhaustive_optimum(
    monkeypatch: pytest.MonkeyPatch, rows: int, cols: int, sizes: list[int]
) -> None:
    graph = grid(rows, cols, sizes)
    optimum = brute_force_optimum(graph, FAST)
    assert optimum is not None
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    # local candidates only: reported unproved, with a bound over every network
    assert result.status == "feasible" and result.fallback is None
    assert any("nearest" in line for line in result.explanations)
    assert result.bound is not None and result.objective is not None
    assert result.bound <= optimum + 1e-6
    # the nearest practices of a practice here are the whole grid: the pool is complete
    assert result.objective == pytest.approx(optimum, abs=0.01)


@pytest.mark.parametrize("seed", range(2))
def test_on_random_planar_areas_of_300_the_plan_beats_what_enumeration_returns(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    graph = planar_area(300, seed)
    # A work budget, not a time: listing every set would pass 40,000 (the estimate says so
    # before any is listed), where enumeration would return the quick plan with its bound.
    opts = replace_settings(time_limit=60.0, candidate_cap=40_000)
    with monkeypatch.context() as patched:  # the bound without duals shaped (farley's alone)
        patched.setattr(proof, "can_shape", lambda problem: False)
        unshaped = optimise_area(graph, opts)
    result = optimise_area(graph, opts)
    # the shaped bound is taken only where it is higher (same LP, same incumbent)
    assert unshaped.bound is not None and result.bound is not None
    assert result.bound >= unshaped.bound
    check_plan(graph, result)
    assert result.status == "feasible" and result.fallback is None
    assert any("nearest" in line for line in result.explanations)
    assert result.objective is not None and result.bound is not None
    problem = problem_of(graph, opts)
    quick = construct(problem)
    assert quick is not None
    quick_cost = sum(
        int(plan_costs(CandidateSets.of(networks), problem.practices, opts)[1].sum())
        for networks in quick
    )
    # the quick plan (improved by local search) is CP-SAT's incumbent: never worse than it
    assert result.objective <= quick_cost / SCALE + 0.01
    # a bound over every network: at least the fixed cost of the fewest networks (less
    # the half unit per network the relaxed search keeps for rounding)
    fewest = -(-sum(graph.nodes[p]["list_size"] for p in graph) // opts.band.max_population)
    assert fewest * (opts.network_cost - 0.01) <= result.bound <= result.objective + 1e-6
