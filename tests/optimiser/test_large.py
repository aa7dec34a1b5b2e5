"""Areas too large to list: local candidates, the improved quick plan, CP-SAT over local pools.

Where the estimate of an area's connected in-band sets passes the cap, only local
candidates are listed (each practice's nearest), CP-SAT searches ever more of them from the
quick plan improved by local search, and the bound comes from
:mod:`footprints.optimiser.farley`. These tests force that path on small grids (against
the exhaustive optimum), and hold the acceptance point of issue 16 on random planar areas of
300 practices: the new method's bound and plan are never worse than enumeration's (listing
alone, as before local candidates) given the same settings, both where enumeration cannot
list every candidate within the cap (it returns the quick plan, with no bound or the weak
one of its cost shares) and where it can (both prove the same optimum). Every assertion is
about structure, none about time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from footprints.optimiser import candidates, optimise_area, pricedproof, proof
from footprints.optimiser import columns as columns_stage
from footprints.optimiser import fallback as fallback_stage
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE, plan_costs

from .grids import (
    FAST,
    brute_force_optimum,
    check_plan,
    grid,
    networks_of,
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
    monkeypatch.setattr(pricedproof, "can_prove", lambda *_: False)  # no exact pricing
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    # local candidates only: reported unproved, with a bound over every network
    assert result.status == "feasible" and result.fallback is None
    assert any("nearest" in line for line in result.explanations)
    assert result.bound is not None and result.objective is not None
    assert result.bound <= optimum + 1e-6
    # the nearest practices of a practice here are the whole grid: the pool is complete
    assert result.objective == pytest.approx(optimum, abs=0.01)


def _enumeration_only(patched: pytest.MonkeyPatch, *, bounds: bool = True) -> None:
    """Optimise as listing alone did, before local candidates (and, without ``bounds``, farley).

    A listing that passes the cap (or its time) ends the solve as it did then: no local
    candidates, the quick plan at hand (:func:`~footprints.optimiser.fallback.fallback`).
    ``bounds=False`` also leaves out every bound of a plan not listed in full (farley's, the
    shaped one, the plan's cost shares).
    """
    listing = candidates.list_candidates

    def listed_in_full(*args: Any, **kwargs: Any) -> tuple[CandidateSets, bool]:
        sets, complete = listing(*args, **{**kwargs, "local": False})
        if not complete:
            raise candidates.EnumerationTimeoutError("the listing passed the cap")
        return sets, complete

    patched.setattr(columns_stage, "list_candidates", listed_in_full)
    if not bounds:
        patched.setattr(proof, "unlisted_bound", lambda *args, **kwargs: None)
        patched.setattr(proof, "can_shape", lambda problem: False)
        for stage in (proof, fallback_stage):
            patched.setattr(stage, "shares_bound", lambda *args, **kwargs: None)


@pytest.mark.parametrize("seed", range(2))
def test_on_random_planar_areas_of_300_enumeration_cannot_list_the_bound_and_plan_are_better(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    graph = planar_area(300, seed)
    # A work budget: listing every set would pass 40,000 (the estimate says so before any is
    # listed); the time limit only ends the search for a better plan.
    opts = replace_settings(time_limit=20.0, candidate_cap=40_000)
    problem = problem_of(graph, opts)
    quick = construct(problem)
    assert quick is not None
    quick_cost = sum(
        int(plan_costs(CandidateSets.of(networks), problem.practices, opts)[1].sum())
        for networks in quick
    )
    # enumeration, given the same settings: the listing stops at the cap, the quick plan
    # stands, with no bound (before farley) or today's bound of its cost shares
    with monkeypatch.context() as patched:
        _enumeration_only(patched, bounds=False)
        listed = optimise_area(graph, opts)
    with monkeypatch.context() as patched:
        _enumeration_only(patched)
        shares = optimise_area(graph, opts)
    for enumerated in (listed, shares):
        assert enumerated.fallback == "constructive"
        assert enumerated.objective == pytest.approx(quick_cost / SCALE, abs=0.01)
    assert listed.bound is None and shares.bound is not None
    # the new method, its bound from farley's alone recorded on the way (the same LP)
    farley: list[float] = []
    found_by = proof.unlisted_bound

    def recorded(*args: Any, **kwargs: Any) -> float | None:
        found = found_by(*args, **kwargs)
        if found is not None:
            farley.append(found)
        return found

    with monkeypatch.context() as patched:
        patched.setattr(proof, "unlisted_bound", recorded)
        result = optimise_area(graph, opts)
    check_plan(graph, result)
    assert result.status == "feasible" and result.fallback is None
    assert any("nearest" in line for line in result.explanations)
    assert result.objective is not None and result.bound is not None
    # never worse than enumeration's plan and bound
    assert result.objective <= shares.objective + 0.01
    assert result.bound >= shares.bound - 0.01
    # the shaped bound is taken only where it is higher than farley's alone
    assert farley and result.bound >= max(farley) / SCALE - 0.01
    # a bound over every network: at least the fixed cost of the fewest networks (less
    # the half unit per network the relaxed search keeps for rounding)
    fewest = -(-sum(graph.nodes[p]["list_size"] for p in graph) // opts.band.max_population)
    assert fewest * (opts.network_cost - 0.01) <= result.bound <= result.objective + 1e-6


@pytest.mark.parametrize("seed", range(2))
def test_on_random_planar_areas_of_300_enumeration_can_list_both_prove_the_optimum(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    graph = planar_area(300, seed)
    # practices of 11,000-24,000 patients: networks of 2-4 practices, few enough to list
    sizes = np.random.default_rng(100 + seed).integers(11_000, 24_000, len(graph))
    for practice, size in zip(sorted(graph), sizes.tolist(), strict=True):
        graph.nodes[practice]["list_size"] = size
    opts = replace_settings(time_limit=20.0, candidate_cap=40_000)
    with monkeypatch.context() as patched:
        _enumeration_only(patched, bounds=False)
        enumerated = optimise_area(graph, opts)
    result = optimise_area(graph, opts)
    for found in (enumerated, result):
        check_plan(graph, found)
        assert found.objective is not None and found.bound is not None
        assert 0 < found.pool_size <= opts.candidate_cap
    # enumeration listed every candidate and proved its plan optimal
    assert enumerated.status == "optimal"
    assert not any("nearest" in line for line in enumerated.explanations)
    # the new method's bound and plan are never worse: the same optimum, proved
    assert result.bound >= enumerated.bound - 0.01
    assert result.objective <= enumerated.objective + 0.01
    assert result.status == "optimal"
    sizes_of = [len(members) for members in networks_of(result.assignment).values()]
    assert min(sizes_of) >= 2 and max(sizes_of) <= 4


@pytest.mark.parametrize("priced", [False, True])
def test_the_first_local_pool_is_larger_where_exact_pricing_did_not_run(
    monkeypatch: pytest.MonkeyPatch, priced: bool
) -> None:
    """Kent: the 16,000-column solve finds its plan, when reached (BENCHMARKS.md, session 15).

    Exact pricing takes half the time left where it runs; where it does not (pieces too large
    for it), the local pools start at ``UNPRICED_POOL`` columns, else at ``LOCAL_POOL``.
    """
    from footprints.optimiser import pools
    from footprints.optimiser.proof import PricedProof

    graph = grid(2, 5, [6_000, 14_000, 9_000, 12_000, 8_000, 11_000, 10_000, 7_000, 15_000, 9_000])
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    if priced:  # pricing runs, proves nothing: the pools search for the plan
        monkeypatch.setattr(
            pricedproof,
            "priced_proof",
            lambda problem, columns, *_, **__: PricedProof(
                None, None, np.zeros(0, np.int64), False, columns
            ),
        )
    else:
        monkeypatch.setattr(pricedproof, "can_prove", lambda *_: False)  # no exact pricing
    firsts: list[int] = []
    real = proof.grow_pools

    def spy(*args: Any, **kwargs: Any) -> Any:
        firsts.append(kwargs["first"])
        return real(*args, **kwargs)

    monkeypatch.setattr(proof, "grow_pools", spy)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert firsts == [pools.LOCAL_POOL if priced else pools.UNPRICED_POOL]
    assert pools.UNPRICED_POOL > pools.LOCAL_POOL


@pytest.mark.parametrize("seed", range(2))
def test_a_local_pool_solve_cut_short_still_returns_a_plan_no_worse_than_its_incumbent(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Kent at a time limit of 8–15 s: the pool solve was cut with no plan (session 17).

    The incumbent is CP-SAT's first solution: a solve cut before its first conflict (as the
    deadline cuts it, but by a count, not a clock) answers with a plan no worse than the
    incumbent, where a bound below the incumbent's cost made the hint infeasible and such a
    solve answered ``unknown``.
    """
    from ortools.sat.python import cp_model

    from footprints.optimiser import pools

    class CutSolver(cp_model.CpSolver):  # type: ignore[misc]
        def solve(self, model: cp_model.CpModel, *args: Any, **kwargs: Any) -> Any:
            self.parameters.max_number_of_conflicts = 0
            return super().solve(model, *args, **kwargs)

    answers: list[tuple[int | None, int | None]] = []
    real = pools.solve_pool

    def cut(*args: Any, **kwargs: Any) -> Any:
        incumbent = args[4]
        with monkeypatch.context() as patched:
            patched.setattr(cp_model, "CpSolver", CutSolver)
            result = real(*args, **kwargs)
        answers.append((None if incumbent is None else incumbent.objective, result.objective))
        return result

    graph = planar_area(60, seed)
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    monkeypatch.setattr(pricedproof, "can_prove", lambda *_: False)  # no exact pricing
    monkeypatch.setattr(pools, "solve_pool", cut)
    result = optimise_area(graph, replace_settings(time_limit=20.0))
    check_plan(graph, result)
    assert answers and all(given is not None for given, _ in answers)
    for given, found in answers:
        assert found is not None and given is not None and found <= given
