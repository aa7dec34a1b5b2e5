"""Least change near the current plan: every column of a plan moving at most k, and its minimum."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import priorities
from footprints.optimiser.candidates import CandidateSets, IntArray
from footprints.optimiser.columns import Columns, Partition, build_columns
from footprints.optimiser.near_moves import near_columns
from footprints.optimiser.priorities import priority_measures
from footprints.optimiser.problem import AreaProblem

from .grids import networks_of, problem_of, replace_settings
from .test_priorities import areas_with_plans, in_band_plans

LEAST = replace_settings(least_change=True)


def best_matching(plan: list[set[str]], current: Mapping[str, str]) -> tuple[int, list[str | None]]:
    """The fewest practices moved by ``plan`` and a 1-1 matching of its networks that does it."""
    before = networks_of(current)
    slots: list[str | None] = [*sorted(before), *([None] * len(plan))]
    best: tuple[int, list[str | None]] = (len(current) + 1, [])
    for matching in itertools.permutations(slots, len(plan)):
        moved = sum(
            1
            for members, match in zip(plan, matching, strict=True)
            for p in members
            if p in current and current[p] != match
        )
        if moved < best[0]:
            best = (moved, list(matching))
    return best


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans(), k=st.integers(min_value=0, max_value=4))
def test_every_column_of_a_plan_moving_at_most_k_is_listed(
    case: tuple[nx.Graph, dict[str, str]], k: int
) -> None:
    """Against brute force: each in-band plan moving ≤ k, its networks with their matches."""
    graph, current = case
    problem = problem_of(graph, LEAST, current=current)
    near = near_columns(problem, k)
    assert near is not None
    codes = problem.practices.codes
    ids = problem.current.ids
    have = {
        (
            frozenset(codes[i] for i in near.sets.members_of(int(near.col_set[j]))),
            ids[int(near.col_match[j])] if near.col_match[j] >= 0 else None,
        )
        for j in range(len(near))
    }
    for plan in in_band_plans(graph):
        moved, matching = best_matching(plan, current)
        if moved > k:
            continue
        for members, match in zip(plan, matching, strict=True):
            # a network matched to a current network it shares no practice with is as one
            # matched to none
            if match is not None and not any(current.get(p) == match for p in members):
                match = None
            assert (frozenset(members), match) in have


def plan_columns_of(
    problem: AreaProblem, plan: list[set[str]], matching: list[str | None]
) -> tuple[Columns, IntArray] | None:
    """The columns of ``plan`` (matched as given) alone; ``None`` if it crosses pieces."""
    index = {code: i for i, code in enumerate(problem.practices.codes)}
    sets = [[index[p] for p in sorted(members)] for members in plan]
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    if any(len({piece_of[i] for i in members}) != 1 for members in sets):
        return None
    per_piece: list[list[list[int]]] = [[] for _ in problem.pieces]
    for members in sets:
        per_piece[piece_of[members[0]]].append(members)
    columns = build_columns(problem, [CandidateSets.of(nets) for nets in per_piece])
    ids = problem.current.ids
    chosen = []
    for members, match in zip(sets, matching, strict=True):
        number = ids.index(match) if match is not None else -1
        same = [
            j
            for j in range(len(columns))
            if columns.sets.members_of(int(columns.col_set[j])) == members
        ]
        # matched to a network it shares nothing with: as matched to none
        hits = [j for j in same if int(columns.col_match[j]) == number] or [
            j for j in same if int(columns.col_match[j]) == -1
        ]
        chosen.append(hits[0])
    return columns, np.asarray(chosen, np.int64)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans())
def test_the_near_tier_proves_the_exhaustive_minimum_from_any_plan_at_hand(
    case: tuple[nx.Graph, dict[str, str]],
) -> None:
    """Given one plan's columns only (no other candidate), the near tier finds the minimum.

    From every in-band plan moving a different number (at most 5): the fewest itself (no
    plan moves fewer: proved as it is), one move more (the minimum is found), and more.
    """
    graph, current = case
    problem = problem_of(graph, LEAST, current=current)
    by_moves: dict[int, tuple[list[set[str]], list[str | None]]] = {}
    for plan in in_band_plans(graph):
        moved, matching = best_matching(plan, current)
        by_moves.setdefault(moved, (plan, matching))
    if not by_moves:
        return
    fewest = min(by_moves)
    for moved, (plan, matching) in sorted(by_moves.items()):
        if moved == 0 or moved > 5:
            continue
        made = plan_columns_of(problem, plan, matching)
        if made is None:
            continue  # the plan crosses the pieces the problem was cut into
        columns, incumbent = made
        measure = priority_measures(problem, columns)[0]
        assert int(measure.values[incumbent].sum()) == moved
        found = priorities._near_tier(
            problem, columns, measure, Partition.of_area(problem), incumbent, 0
        )
        assert found is not None
        outcome, grown, values = found
        assert (outcome.status, outcome.objective) == ("optimal", fewest)
        assert int(values[outcome.chosen].sum()) == fewest
        assert Partition.of_area(problem).allows(grown, outcome.chosen)
