"""Least change: the compact model's bound on moves, with contiguity cuts (move_cuts)."""

from __future__ import annotations

import time

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser.deadline import Deadline
from footprints.optimiser.move_cuts import CutBound, fewest_moves_by_cuts
from footprints.optimiser.problem import AreaProblem

from .grids import grid, problem_of, replace_settings, tiny_areas
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
    found = _bound(problem_of(graph, LEAST, current=current), best + above)
    assert found.connected
    assert found.bound == best


def test_a_network_in_two_parts_needs_the_cuts() -> None:
    """A lies at both ends of a line, B between: in the band as they are, but A is in parts.

    Without contiguity nothing moves; the cuts show that two practices must (A takes one of
    B's, B takes A's far end), which the exhaustive search confirms.
    """
    graph = grid(1, 5, [20_000, 12_000, 12_000, 12_000, 20_000])
    current = {"P00": "A", "P01": "B", "P02": "B", "P03": "B", "P04": "A"}
    assert _fewest_moves(graph, current) == 2
    problem = problem_of(graph, LEAST, current=current)
    found = _bound(problem, 3)
    assert (found.bound, found.connected) == (2, True)
    assert found.cuts > 0 and found.rounds > 1
    proof = _bound(problem, 2)  # no plan moves 1: the plan at hand's 2 is proved
    assert proof.bound == 2


def test_no_bound_without_a_current_plan_or_counting_patients() -> None:
    graph = grid(1, 2, [20_000] * 2)
    current = {"P00": "A", "P01": "B"}
    assert _bound(problem_of(graph, LEAST), 3).bound == 0
    patients = replace_settings(least_change=True, fewest_patients=True)
    assert _bound(problem_of(graph, patients, current=current), 3).bound == 0
