"""A planning area larger than a CCG never ends worse than its CCGs' plans joined.

Exact checks, not timed ones: whatever the search reaches in its time (even when stopped at
once), the larger area's plan costs at most what the joined plan of its CCGs costs.
"""

from __future__ import annotations

import networkx as nx
import pytest

from footprints.optimiser import AreaResult, optimise_area
from footprints.optimiser.seed import lower_graphs, optimise_group

from .grids import FAST, check_plan, grid, networks_of, planar_area, replace_settings


class _Stopped:
    """A stop signal set from the start: the search ends as soon as it can."""

    def is_set(self) -> bool:
        return True


def _group(graph: nx.Graph, ccg_of: dict[str, str]) -> nx.Graph:
    """Mark ``graph`` as a larger area whose practices lie in the CCGs of ``ccg_of``."""
    nx.set_node_attributes(graph, ccg_of, "ccg")
    graph.graph.update(level="group", areas=sorted(set(ccg_of.values())))
    return graph


def _joined(graph: nx.Graph) -> tuple[dict[str, str], float, list[AreaResult]]:
    """Solve each CCG alone; return the joined plan, its cost and the CCGs' results."""
    results = [optimise_area(sub, FAST) for sub in lower_graphs(graph).values()]
    joined = {
        code: f"{result.area}/{net}"
        for result in results
        for code, net in result.assignment.items()
    }
    cost = sum(r.objective or 0.0 for r in results)
    return joined, cost, results


def _networks(assignment: dict[str, str]) -> set[frozenset[str]]:
    return {frozenset(members) for members in networks_of(assignment).values()}


def _west_east(graph: nx.Graph) -> dict[str, str]:
    middle = sorted(float(x) for _, x in graph.nodes(data="x"))[len(graph) // 2]
    return {str(n): ("C1" if float(x) < middle else "C2") for n, x in graph.nodes(data="x")}


def test_lower_graphs_cut_a_group_into_its_ccgs_without_the_crossing_edges() -> None:
    graph = _group(
        grid(3, 4, [10_000] * 12), {f"P{r}{c}": f"C{c // 2}" for r in range(3) for c in range(4)}
    )
    lower = lower_graphs(graph)
    assert sorted(lower) == ["C0", "C1"]
    assert sorted(lower["C0"]) == sorted(f"P{r}{c}" for r in range(3) for c in range(2))
    assert lower["C0"].graph["area"] == "C0" and "level" not in lower["C0"].graph
    crossing = [(a, b) for a, b in graph.edges if graph.nodes[a]["ccg"] != graph.nodes[b]["ccg"]]
    assert crossing and not any(lower["C0"].has_edge(a, b) for a, b in crossing)
    assert lower_graphs(grid(3, 4, [10_000] * 12)) == {}  # not a group: nothing to cut


@pytest.mark.parametrize("seed", range(3))
def test_stopped_at_once_the_group_keeps_its_ccgs_plans_joined(seed: int) -> None:
    graph = planar_area(60, seed)
    graph = _group(graph, _west_east(graph))
    joined, cost, results = _joined(graph)
    assert all(r.objective is not None for r in results)
    result = optimise_area(graph, FAST, start=joined, stop=_Stopped())
    check_plan(graph, result)
    assert result.objective is not None
    assert result.objective <= cost + 1e-6
    if _networks(result.assignment) == _networks(joined):
        assert any("start plan given" in line for line in result.explanations)
        assert not any("constructive" in line for line in result.explanations)
    else:  # only a cheaper plan replaces it (the constructive one, or the local search's)
        assert result.objective < cost


@pytest.mark.parametrize("seed", range(2))
def test_a_group_solved_briefly_never_costs_more_than_its_ccgs_joined(seed: int) -> None:
    graph = planar_area(90, seed)
    graph = _group(graph, _west_east(graph))
    joined, cost, _ = _joined(graph)
    result = optimise_area(graph, replace_settings(time_limit=1.0), start=joined)
    check_plan(graph, result)
    assert result.objective is not None and result.objective <= cost + 1e-6
    assert result.bound is not None and result.bound <= result.objective + 1e-6


def test_optimise_group_solves_the_ccgs_first_and_says_so() -> None:
    graph = planar_area(60, 5)
    graph = _group(graph, _west_east(graph))
    settings = replace_settings(time_limit=10.0)
    result = optimise_group(graph, settings)
    check_plan(graph, result)
    assert any("CCGs' plans joined" in line for line in result.explanations)
    # the CCGs alone in their share of the time, joined: the plan costs at most that
    shares = [
        optimise_area(sub, replace_settings(time_limit=max(0.5, 0.4 * 10.0 * len(sub) / 60)))
        for sub in lower_graphs(graph).values()
    ]
    assert all(s.status == "optimal" for s in shares)  # small CCGs: the same plans each time
    assert result.objective is not None
    assert result.objective <= sum(s.objective or 0.0 for s in shares) + 1e-6
