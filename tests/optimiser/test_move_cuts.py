"""Least change: the compact model's bound on moves, with contiguity cuts (move_cuts)."""

from __future__ import annotations

import dataclasses
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from footprints.optimiser import OptimiseSettings, priorities
from footprints.optimiser.candidates import CandidateSets, components
from footprints.optimiser.columns import Columns, Limit, Partition, build_columns, piece_candidates
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.least_start import polish_local
from footprints.optimiser.measures import outside_band, priority_measures
from footprints.optimiser.move_cuts import (
    NEW_SLOTS,
    CutBound,
    Polished,
    _Model,
    fewest_moves_by_cuts,
    polish_moves,
)
from footprints.optimiser.priorities import _adopt_cut_plan, solve_priorities
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import Outcome

from .grids import AtMostPractices, grid, problem_of, replace_settings, tiny_areas
from .test_priorities import areas_with_plans, compliant_networks, in_band_plans, least_moves

LEAST = replace_settings(least_change=True)


def _bound(problem: AreaProblem, at_hand: int) -> CutBound:
    return fewest_moves_by_cuts(problem, at_hand, Deadline(time.monotonic() + 30.0))


def _fewest_moves(graph: nx.Graph, current: dict[str, str]) -> int | None:
    """The exhaustive minimum of moves over in-band contiguous plans (None: the band is soft)."""
    plans = in_band_plans(graph)
    if not plans:
        return None
    compliant = compliant_networks(graph, current)
    return min(least_moves(plan, current, compliant)[0] for plan in plans)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_with_plans(), above=st.integers(1, 3))
def test_the_bound_never_exceeds_the_exhaustive_minimum(
    case: tuple[nx.Graph, dict[str, str]], above: int
) -> None:
    """Asked whether a plan moves fewer than the minimum + ``above``, it never says no."""
    graph, current = case
    best = _fewest_moves(graph, current)
    if best is None:
        return  # the band is soft: the model leaves it out, no exhaustive minimum to match
    found = _bound(problem_of(graph, LEAST, current=current), best + above)
    assert found.bound <= best


@st.composite
def areas_all_in_networks(draw: st.DrawFn) -> tuple[nx.Graph, dict[str, str]]:
    """A tiny area whose every practice lies in current network A, B or C."""
    graph = draw(tiny_areas(min_size=8_000))
    labels = st.sampled_from(["A", "B", "C"])
    return graph, {p: draw(labels) for p in sorted(graph.nodes)}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_all_in_networks(), above=st.integers(0, 2))
def test_with_every_slot_connected_the_bound_is_the_minimum(
    case: tuple[nx.Graph, dict[str, str]], above: int
) -> None:
    """Every practice in a network: a connected answer is a plan, so the bound is exact."""
    graph, current = case
    best = _fewest_moves(graph, current)
    if best is None or best + above == 0:
        return
    problem = problem_of(graph, LEAST, current=current)
    found = _bound(problem, best + above)
    assert found.connected
    assert found.bound == best
    if best < best + above:  # asked for fewer than the plan at hand: its answer is a plan
        _check_plan(problem, found, best)


def _check_plan(problem: AreaProblem, found: CutBound, moves: int) -> None:
    """The answer covers each practice once, in connected in-band networks, moving ``moves``."""
    assert found.plan is not None
    practices = problem.practices
    index = problem.current.index
    assert index is not None
    covered = sorted(i for members, _ in found.plan for i in members)
    assert covered == sorted(i for piece in problem.pieces for i in piece.nodes)
    matched = [m for _, m in found.plan if m >= 0]
    assert len(matched) == len(set(matched))
    for members, _ in found.plan:
        assert len(components(members, practices.neighbours)) == 1
        assert problem.band.contains(int(practices.population[members].sum()))
    moved = sum(1 for members, m in found.plan for i in members if index[i] >= 0 and index[i] != m)
    assert moved == moves


def test_a_network_in_two_parts_needs_the_cuts() -> None:
    """A lies at both ends of a line, B between: in the band as they are, but A is in parts.

    Each of A's practices has a neighbour of A, so without contiguity nothing moves; the
    cuts show that three practices must, which the exhaustive search confirms.
    """
    graph = grid(1, 7, [10_000, 10_000, 12_000, 12_000, 12_000, 10_000, 10_000])
    current = dict(zip(sorted(graph.nodes), "AABBBAA", strict=True))
    assert _fewest_moves(graph, current) == 3
    problem = problem_of(graph, LEAST, current=current)
    found = _bound(problem, 4)
    assert (found.bound, found.connected) == (3, True)
    assert found.cuts > 0 and found.rounds > 1
    _check_plan(problem, found, 3)  # the last answer is itself a plan moving 3
    proof = _bound(problem, 3)  # no plan moves 2: the plan at hand's 3 is proved
    assert proof.bound == 3


def test_a_practice_below_the_minimum_is_never_alone_in_its_slot() -> None:
    """A's ends lie apart, each below the band's minimum: each needs a neighbour in A's slot.

    So the first solve, before any cut, already sees the two moves.
    """
    problem = _line_problem(LEAST)
    found = _bound(problem, 3)
    assert (found.bound, found.relaxed, found.cuts) == (2, 2, 0)
    _check_plan(problem, found, 2)  # the last answer is itself a plan moving 2


def test_no_bound_without_a_current_plan_or_counting_patients() -> None:
    graph = grid(1, 2, [20_000] * 2)
    current = {"P00": "A", "P01": "B"}
    assert _bound(problem_of(graph, LEAST), 3).bound == 0
    patients = replace_settings(least_change=True, fewest_patients=True)
    assert _bound(problem_of(graph, patients, current=current), 3).bound == 0


def _line_problem(settings: OptimiseSettings) -> AreaProblem:
    """The line above: A at both ends, B between; 2 moves at least."""
    graph = grid(1, 5, [20_000, 12_000, 12_000, 12_000, 20_000])
    current = {"P00": "A", "P01": "B", "P02": "B", "P03": "B", "P04": "A"}
    return problem_of(graph, settings, current=current)


def test_the_connected_answer_becomes_the_plan_of_the_moves_solve() -> None:
    """The answer moving 2 is added as columns and chosen over a plan at hand moving 3."""
    problem = _line_problem(LEAST)
    # the plan at hand: {P00, P01, P02} and {P03, P04}, which moves 3 at best
    columns = build_columns(problem, [CandidateSets.of([[0, 1, 2], [3, 4]])])
    moves = priority_measures(problem, columns)[0]
    found = _bound(problem, 3)
    adopted = _adopt_cut_plan(problem, columns, found, moves, 3)
    assert adopted is not None
    extended, values, chosen = adopted
    assert np.array_equal(values[: len(columns)], moves.values)
    assert np.array_equal(extended.col_set[: len(columns)], columns.col_set)
    assert int(values[chosen].sum()) == 2
    band = Limit(outside_band(problem, extended), 0)
    assert dataclasses.replace(Partition.of_area(problem), limits=(band,)).allows(extended, chosen)
    networks = sorted(extended.sets.members_of(int(extended.col_set[j])) for j in chosen)
    assert networks == sorted(members for members, _ in found.plan or [])
    # asked with a plan at hand already moving 2, there is nothing better to take
    assert _adopt_cut_plan(problem, columns, found, moves, 2) is None


def test_an_answer_a_candidate_filter_refuses_is_not_taken() -> None:
    """At most two practices a network: every plan moving 2 holds three in one network."""
    problem = _line_problem(
        replace_settings(least_change=True, candidate_filters=(AtMostPractices(2),))
    )
    columns = build_columns(problem, [CandidateSets.of([[0, 1], [3, 4]])])
    moves = priority_measures(problem, columns)[0]
    found = _bound(problem, 3)
    assert found.plan is not None  # the model leaves the filters out
    assert _adopt_cut_plan(problem, columns, found, moves, 3) is None


# --------------------------------------------------------------------------- polish


def _moves(problem: AreaProblem, plan: list[tuple[list[int], int]]) -> int:
    index = problem.current.index
    assert index is not None
    return sum(1 for members, m in plan for i in members if index[i] >= 0 and index[i] != m)


def _check_polished(problem: AreaProblem, found: Polished) -> None:
    """The polished plan covers each practice once, in connected in-band networks."""
    _check_plan(problem, CutBound(0, 0, 0, True, plan=found.plan), found.moves)


def _numbers(problem: AreaProblem) -> dict[str, int]:
    """Each current network's number in the problem."""
    return {name: number for number, name in enumerate(problem.current.ids)}


def test_the_polish_moves_fewer_than_the_plan_it_starts_from() -> None:
    """On the line, {P00, P01, P02} kept as A moves 3; the polish finds the plan moving 2."""
    problem = _line_problem(LEAST)
    number = _numbers(problem)
    start = [([0, 1, 2], number["A"]), ([3, 4], number["B"])]
    assert _moves(problem, start) == 3
    found = polish_moves(problem, start, Deadline(time.monotonic() + 30.0))
    assert found.plan is not None and found.moves == 2
    _check_polished(problem, found)
    # from the plan moving 2 there is nothing better
    best = polish_moves(problem, found.plan, Deadline(time.monotonic() + 30.0))
    assert best.plan is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=areas_all_in_networks(), pick=st.integers(0, 10**6))
def test_the_polish_gives_plans_never_below_the_exhaustive_minimum(
    case: tuple[nx.Graph, dict[str, str]], pick: int
) -> None:
    """From any in-band plan, every network new: a plan moving fewer, never below the minimum."""
    graph, current = case
    best = _fewest_moves(graph, current)
    if best is None:
        return
    problem = problem_of(graph, LEAST, current=current)
    codes = list(problem.practices.index)
    plans = in_band_plans(graph)
    plan = plans[pick % len(plans)]
    start = [(sorted(codes.index(code) for code in members), -1) for members in plan]
    at_hand = _moves(problem, start)
    found = polish_moves(problem, start, Deadline(time.monotonic() + 30.0))
    if found.plan is None:  # none found moving fewer: a plan at hand at the minimum or not
        assert found.moves == at_hand >= best
        return
    assert best <= found.moves < at_hand
    assert _moves(problem, found.plan) == found.moves
    _check_polished(problem, found)


def test_the_first_plan_is_polished_where_its_networks_could_be_candidates() -> None:
    """A first plan moving 3 becomes the plan moving 2; not where a filter refuses it."""
    problem = _line_problem(LEAST)
    number = _numbers(problem)
    local = [([0, 1, 2], number["A"]), ([3, 4], number["B"])]
    polished = polish_local(problem, local, time_limit=30.0)
    assert polished is not None and _moves(problem, polished) == 2
    # at most two practices a network: every plan moving 2 holds three in one network, so
    # the polish's plan (the model leaves the filters out) is not taken
    refused = _line_problem(
        replace_settings(least_change=True, candidate_filters=(AtMostPractices(2),))
    )
    assert polish_local(refused, local, time_limit=30.0) is local


def test_a_neighbourhood_model_holds_only_its_freed_practices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More networks far away that stay as they are add nothing to a neighbourhood's model.

    The line where A lies at both ends, then pairs of practices each a compliant network
    of its own; the first neighbourhood (A's slot, the most moved) is the same model
    whatever the count of pairs. Before, each neighbourhood was the whole area's model with
    the rest fixed.
    """
    sizes: list[int] = []
    solve = cp_model.CpSolver.solve

    def counted(solver: cp_model.CpSolver, model: cp_model.CpModel, *args: object) -> object:
        sizes.append(len(model.proto.variables))
        return solve(solver, model, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cp_model.CpSolver, "solve", counted)
    firsts = []
    for pairs in (0, 6):
        weights = [20_000, 12_000, 12_000, 12_000, 20_000] + [20_000] * 2 * pairs
        graph = grid(1, len(weights), weights)
        names = ["A", "B", "B", "B", "A"] + [f"C{k // 2}" for k in range(2 * pairs)]
        current = {f"P0{c}": name for c, name in enumerate(names)}
        problem = problem_of(graph, LEAST, current=current)
        number = _numbers(problem)
        at = {code: i for i, code in enumerate(problem.practices.index)}
        start = [
            ([at[f"P0{c}"] for c in members], number[name])
            for members, name in [((0, 1, 2), "A"), ((3, 4), "B")]
            + [((5 + 2 * k, 6 + 2 * k), f"C{k}") for k in range(pairs)]
        ]
        sizes.clear()
        found = polish_moves(problem, start, Deadline(time.monotonic() + 30.0))
        assert found.plan is not None and found.moves == 2
        _check_polished(problem, found)
        firsts.append(sizes[0])
    assert firsts[0] == firsts[1]


def test_new_slots_are_as_many_as_the_moved_patients_can_fill() -> None:
    """Each new network holds the band's minimum, all from moved practices.

    On the line AABBBAA (10,000 and 12,000 patients, minimum 30,000), a plan moving at most
    3 moves 36,000 patients at most: one new network at most, not three.
    """
    graph = grid(1, 7, [10_000, 10_000, 12_000, 12_000, 12_000, 10_000, 10_000])
    current = dict(zip(sorted(graph.nodes), "AABBBAA", strict=True))
    problem = problem_of(graph, LEAST, current=current)
    assert problem.band.min_population == 30_000
    new = [s for s in _Model(problem, NEW_SLOTS, 3).slots[0] if s[1] < 0]
    assert len(new) == 1
    soft = dataclasses.replace(problem, pieces=[dataclasses.replace(problem.pieces[0], soft=True)])
    assert len([s for s in _Model(soft, NEW_SLOTS, 3).slots[0] if s[1] < 0]) == 3


def test_the_fewest_moves_plan_not_proved_is_polished(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fewest moves' solve finds nothing better than the plan at hand (moving 4), and the
    compact model no bound: the polish after the solve gives the plan moving 3, the minimum.

    Before, the solve's plan moving 4 was the answer.
    """
    graph = grid(1, 7, [10_000, 10_000, 12_000, 12_000, 12_000, 10_000, 10_000])
    current = dict(zip(sorted(graph.nodes), "AABBBAA", strict=True))
    assert _fewest_moves(graph, current) == 3
    problem = problem_of(graph, LEAST, current=current)
    index = problem.current.index
    assert index is not None
    columns = build_columns(problem, [piece_candidates(problem, problem.pieces[0])])
    # the plan at hand: {P00..P03} kept as A, {P04..P06} as B, moving 4
    start = []
    for members, match in (((0, 1, 2, 3), index[0]), ((4, 5, 6), index[2])):
        (s,) = [s for s in range(len(columns.sets)) if tuple(columns.sets.members_of(s)) == members]
        start.append(int(np.flatnonzero((columns.col_set == s) & (columns.col_match == match))[0]))

    def no_better(problem: AreaProblem, columns: Columns, **given: object) -> Outcome:
        chosen = given["start"]  # every solve finds nothing better than where it starts
        assert isinstance(chosen, np.ndarray)
        return Outcome("feasible", 4, None, chosen, len(columns.sets), [])

    monkeypatch.setattr(
        priorities, "fewest_moves_by_cuts", lambda *_a, **_k: CutBound(0, 1, 0, False)
    )
    monkeypatch.setattr(priorities, "partition", no_better)
    monkeypatch.setattr(priorities, "_dived", lambda _p, _s, _m, start, _a: (None, start, None))
    final, _, results = solve_priorities(
        problem, columns, start=np.asarray(sorted(start), np.int64)
    )
    assert results[0].value == 3
    assert final.chosen is not None
