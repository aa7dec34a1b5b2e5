"""Exact pricing in a planning area of several CCGs (an STP): larger pieces are priced.

A single CCG prices unlisted pieces of at most ``pricedproof.MOST_PRACTICES`` practices; a
planning area joining several CCGs (``graph.graph["areas"]``, as
:func:`~footprints.planning_areas.planning_graphs` names them) up to
``MOST_GROUP_PRACTICES``. Here the limits are lowered below a small grid's size and the grid
forced onto the local path, so that only the area's kind decides whether exact pricing runs;
its bound never exceeds the exhaustive optimum of the problem where networks cross the CCGs'
border.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from footprints.optimiser import candidates, farley, optimise_area, pricedproof

from .grids import FAST, brute_force_optimum, check_plan, grid, problem_of, replace_settings

SIZES = [9_000, 12_000, 8_000, 15_000, 7_000, 11_000, 10_000, 9_500, 13_000, 6_000, 14_000, 10_500]


def _two_ccgs() -> nx.Graph:
    """A 3 x 4 grid as one planning area joining two CCGs (left and right halves)."""
    graph = grid(3, 4, SIZES)
    for code in graph.nodes:
        graph.nodes[code]["ccg"] = "A" if int(code[-1]) < 2 else "B"
    graph.graph.update(area="STP", areas=["A", "B"], level="group")
    return graph


def test_an_area_of_several_ccgs_counts_them() -> None:
    assert problem_of(_two_ccgs()).lower_areas == 2
    assert problem_of(grid(3, 4, SIZES)).lower_areas == 1


@pytest.mark.parametrize("group", [False, True])
def test_exact_pricing_runs_on_larger_pieces_only_in_an_area_of_several_ccgs(
    monkeypatch: pytest.MonkeyPatch, group: bool
) -> None:
    graph = _two_ccgs() if group else grid(3, 4, SIZES)
    optimum = brute_force_optimum(graph, FAST)  # networks may cross the CCGs' border
    assert optimum is not None
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    monkeypatch.setattr(pricedproof, "MOST_PRACTICES", 4)  # the grid's piece is larger
    monkeypatch.setattr(pricedproof, "MOST_GROUP_PRACTICES", len(graph))
    calls: list[int] = []
    real = pricedproof.priced_proof

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pricedproof, "priced_proof", spy)
    # shaping and the pools take shares of the time limit: a short one keeps the test quick.
    # Where a proof is due (group), a limit no busy machine reaches: the proof ends the solve
    # (4 s could end before it at a high load); Farley's plan shares, before it, get 0.1%.
    if group:
        monkeypatch.setattr(farley, "FLOOR_SHARE", 0.001)
    result = optimise_area(graph, replace_settings(time_limit=600.0 if group else 4.0))
    check_plan(graph, result)
    assert bool(calls) == group
    assert result.bound is not None and result.objective is not None
    assert result.bound <= optimum + 1e-6
    assert result.objective >= optimum - 0.01
    if group:  # exact pricing over every network of 12 practices proves the optimum
        assert result.status == "optimal"
        assert result.objective == pytest.approx(optimum, abs=0.01)


def test_the_group_limit_is_no_smaller_than_a_ccgs() -> None:
    assert pricedproof.MOST_GROUP_PRACTICES >= pricedproof.MOST_PRACTICES
