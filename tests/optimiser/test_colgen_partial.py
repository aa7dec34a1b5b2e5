"""Partial pricing rounds: they stop early and prove nothing; the bound stays the LP's."""

from __future__ import annotations

import time

import numpy as np
import pytest

from footprints.optimiser.colgen import price_exactly, priced_bound
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.settings import OptimiseSettings

from .grids import SMALL_GRIDS, brute_force_optimum, few_candidates, planar_area, problem_of


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_a_partial_pricing_stops_at_enough_groups_and_a_complete_one_from_any_root_agrees(
    name: str,
) -> None:
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if len(problem.pieces) != 1:
        return
    # duals far above any cost: every group in the window prices below 0
    node = problem.practices.population.astype(np.float64) * 1_000.0
    piece_dual = np.zeros(2)
    full = price_exactly(problem, node, piece_dual, [0], at=np.inf, limit=10_000)
    assert full is not None and full.complete and len(full.found) >= 2
    part = price_exactly(problem, node, piece_dual, [0], at=np.inf, limit=10_000, enough=1)
    assert part is not None and not part.complete
    assert 1 <= len(part.found) < len(full.found)
    every = {tuple(members) for members, _ in full.found}
    assert {tuple(members) for members, _ in part.found} <= every
    for first in range(1, len(graph)):  # the roots in another order: the same pricing
        other = price_exactly(problem, node, piece_dual, [0], at=np.inf, limit=10_000, first=first)
        assert other is not None and other.complete
        assert other.floors[0] == pytest.approx(full.floors[0])
        assert {tuple(members) for members, _ in other.found} == every


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_with_partial_rounds_the_priced_bound_never_exceeds_the_exhaustive_optimum(
    name: str,
) -> None:
    graph, opts = SMALL_GRIDS[name]
    best = brute_force_optimum(graph, opts)
    if best is None:
        return
    problem = problem_of(graph, opts)
    columns = few_candidates(problem, 3)
    found = priced_bound(problem, columns, None, at=time.monotonic() + 60.0, partial=1)
    assert found.bound is not None and found.converged
    assert found.bound <= best * SCALE + 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_partial_rounds_converge_to_the_same_lp_bound_as_complete_ones(seed: int) -> None:
    """On random planar areas of 30 practices, started from a third of the candidates."""
    opts = OptimiseSettings(time_limit=20.0, workers=1, seed=3)
    problem = problem_of(planar_area(30, seed), opts)
    columns = few_candidates(problem, 3)
    complete = priced_bound(problem, columns, None, at=time.monotonic() + 60.0, partial=None)
    partial = priced_bound(problem, columns, None, at=time.monotonic() + 60.0, partial=5)
    assert complete.converged and partial.converged
    assert complete.partials == 0 and partial.partials > 0
    assert complete.bound is not None and partial.bound is not None
    # both the LP over every network, less each round's rounding slack
    assert partial.bound == pytest.approx(complete.bound, abs=4.0 * len(problem.practices))


@pytest.mark.parametrize("seed", range(2))
def test_a_partial_round_out_of_its_time_is_followed_by_a_complete_one(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partial round must end while a complete one still fits: cut short, it gives way to
    a complete round (a bound), not to the end of column generation."""
    from footprints.optimiser import colgen

    opts = OptimiseSettings(time_limit=20.0, workers=1, seed=3)
    problem = problem_of(planar_area(30, seed), opts)
    columns = few_candidates(problem, 3)
    plan = construct(problem)
    assert plan is not None
    size = sum(len(networks) for networks in plan)  # the quick plan: the last columns listed
    start = np.arange(len(columns) - size, len(columns), dtype=np.int64)
    calls: list[tuple[bool, float]] = []
    exact = colgen.price_exactly

    def partial_out_of_time(*args: object, **kwargs: object) -> object:
        partial = kwargs.get("enough") is not None
        calls.append((partial, float(kwargs["at"])))  # type: ignore[arg-type]
        if partial:
            return None  # as if its deadline passed first
        return exact(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(colgen, "price_exactly", partial_out_of_time)
    at = time.monotonic() + 60.0
    found = priced_bound(problem, columns, start, at=at, partial=1)
    assert calls and not calls[0][0]  # the first round, at the plan's cost shares, complete
    partials = [k for k, (partial, _) in enumerate(calls) if partial]
    if not partials:
        return  # converged at the first rounds
    assert all(until < at for partial, until in calls if partial)  # a complete round's time kept
    assert partials[0] + 1 < len(calls) and not calls[partials[0] + 1][0]
    assert found.rounds >= 2 and found.bound is not None
    best = priced_bound(problem, columns, None, at=time.monotonic() + 60.0, partial=None)
    assert best.bound is not None and found.bound <= best.bound + 1e-6 * abs(best.bound) + 1.0
