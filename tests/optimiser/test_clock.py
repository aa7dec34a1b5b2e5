"""Every stage watches the clock: given a time that has passed, it stops with what it has.

NHS North West London 2021 (351 practices, registrations) overran the app's 20 s: the stages
that never looked at the clock (building CP-SAT's model, listing the groups near the
current networks, a constructive try, a territory re-drawing after the cutoff) ran on past
it (BENCHMARKS.md, sessions 17 and 18). These tests hold each to its time without timing
anything: a slow step is simulated by a wait, and what runs after it is counted.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from footprints.optimiser import construct as construct_module
from footprints.optimiser import cpsat
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import Columns, Partition, near_current, piece_window
from footprints.optimiser.construct import construct
from footprints.optimiser.improve import Rounds
from footprints.optimiser.pieces import Piece

from .grids import FAST, grid, problem_of, replace_settings

SETS = [[0], [1], [2], [0, 1], [1, 2], [0, 1, 2]]
COSTS = [5, 5, 5, 7, 6, 12]


def _columns() -> Columns:
    n = len(SETS)
    cost = np.asarray(COSTS, np.int64)
    return Columns(
        sets=CandidateSets.of(SETS),
        set_population=np.zeros(n, np.int64),
        set_cost=cost,
        set_piece=np.zeros(n, np.int64),
        col_set=np.arange(n, dtype=np.int64),
        col_match=np.full(n, -1, np.int64),
        col_moves=np.zeros(n, np.int64),
        col_cost=cost,
    )


def test_cp_sat_has_only_the_time_left_once_its_model_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building the model takes part of the time limit (it took 7.4 s of NWL's 20 s)."""
    built = cpsat.build_model
    given: list[float] = []
    solve = cpsat.solve_model

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # a large model built in Python
        return built(*args, **kwargs)

    def solve_model(*args: Any, time_limit: float, **kwargs: Any) -> Any:
        given.append(time_limit)
        return solve(*args, time_limit=time_limit, **kwargs)

    monkeypatch.setattr(cpsat, "build_model", slow_build)
    monkeypatch.setattr(cpsat, "solve_model", solve_model)
    rows = Partition([0, 1, 2], [Piece([0, 1, 2], 0)], 0, None, 3)
    pool = np.arange(len(SETS), dtype=np.int64)
    result = cpsat.solve_integer(_columns(), rows, pool, FAST, time_limit=10.0)
    assert result.objective == 11  # the solve still gives its plan
    assert given and given[0] <= 10.0 - 0.5


def test_a_later_constructive_try_gives_up_at_the_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A try started before the cutoff stops drawing trees once it passes (NWL: 2 s past)."""
    graph = grid(6, 8, [10_000] * 48)
    problem = problem_of(graph, replace_settings(time_limit=2.0))
    cutoff_wait = construct_module.CONSTRUCT_SHARE * 2.0 + 0.1
    drawn = construct_module.random_tree
    calls: list[str] = []
    tops: list[int] = []
    split = construct_module.split
    depth = [0]

    def counted_split(*args: Any, **kwargs: Any) -> Any:
        if depth[0] == 0:  # construct's own call: a try (the recursion calls split too)
            tops.append(len(calls))
        depth[0] += 1
        try:
            return split(*args, **kwargs)
        finally:
            depth[0] -= 1

    def slow_tree(*args: Any, **kwargs: Any) -> Any:
        # the second try's first tree is slow: the cutoff passes while it is drawn
        if len(tops) == 2 and "slow" not in calls:
            time.sleep(cutoff_wait)
            calls.append("slow")
        else:
            calls.append("tree")
        return drawn(*args, **kwargs)

    monkeypatch.setattr(construct_module, "random_tree", slow_tree)
    monkeypatch.setattr(construct_module, "split", counted_split)
    plan = construct(problem)
    assert plan is not None and len(plan) == 1  # the first try's plan stands
    assert len(tops) >= 2 and "slow" in calls
    after = calls[calls.index("slow") + 1 :]
    assert after == []  # no tree drawn once the cutoff passed


def test_near_current_given_a_passed_time_varies_no_network() -> None:
    """Least change's listing near the current networks stops at its time (NWL: 8.3 s)."""
    graph = grid(3, 4, [10_000] * 12)
    current = {p: f"R{p[1]}" for p in graph}  # the rows, 40,000 patients each
    problem = problem_of(graph, current=current)
    piece = problem.pieces[0]
    low, high = piece_window(problem, piece)
    every = near_current(problem, piece, low, high)
    late = near_current(problem, piece, low, high, until=time.monotonic() - 1.0)
    members = {tuple(every.members_of(k)) for k in range(len(every))}
    found = {tuple(late.members_of(k)) for k in range(len(late))}
    assert found < members  # fewer groups, and only groups the full listing has
    codes = problem.practices.codes
    rows = {tuple(sorted(i for i, c in enumerate(codes) if c[1] == r)) for r in "012"}
    assert rows <= found  # every current network as it is: least change can keep it


def test_no_round_starts_that_the_longest_so_far_would_carry_past_the_cutoff() -> None:
    rounds = Rounds(time.monotonic() + 0.5)
    assert rounds.another()  # the first round always runs
    time.sleep(0.3)  # a round of 0.3 s: another would end past the cutoff
    assert not rounds.another()
    assert Rounds(time.monotonic() - 1.0).another() is False
