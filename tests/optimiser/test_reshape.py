"""Changes of several networks for the territory repair (:mod:`footprints.optimiser.reshape`):
two practices moved at once and every partition of a group, each listed against a
brute-force enumeration, and repairs on a hand-made LSOA row whose territories are kept move
by move and recomputed."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings
from footprints.optimiser import improve as improve_module
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import set_costs
from footprints.optimiser.improve import (
    Network,
    _Exact,
    _repair,
    _repair_clusters,
    _repair_groups,
    _repair_two,
    plan_territories,
)
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.reshape import cluster_moves, partitions, two_moves
from footprints.plan import Band

from .grids import connected, problem_of, set_partitions
from .test_containment import lsoa_graph
from .test_improve import tiny_lsoa_areas
from .test_territories import assert_swapped, swap_row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_lsoa_areas())
def test_two_moves_are_every_swap_and_chain_that_keeps_the_rules(graph: nx.Graph) -> None:
    band = Band(5_000, 45_000)
    problem = problem_of(graph, OptimiseSettings(band=band, time_limit=20.0, seed=0))
    plan = construct(problem)
    if plan is None:
        return
    nets = [tuple(sorted(n)) for piece in plan for n in piece]
    codes = problem.practices.codes
    population = problem.practices.population
    owner = {i: k for k, n in enumerate(nets) for i in n}

    def keeps(members: list[int]) -> bool:
        return (
            bool(members)
            and band.contains(int(population[members].sum()))
            and connected(graph, {codes[i] for i in members})
        )

    # The first practice joins a network it touches, the second the first's (a swap) or
    # another network it touches (a chain); every network changed keeps band and contiguity.
    expected = set()
    for i, j in itertools.permutations(owner, 2):
        a, b = owner[i], owner[j]
        if a == b or not any(graph.has_edge(codes[i], codes[x]) for x in nets[b]):
            continue
        for c in range(len(nets)):
            if c == b or (c != a and not any(graph.has_edge(codes[j], codes[x]) for x in nets[c])):
                continue
            after = {k: [x for x in n if x not in (i, j)] for k, n in enumerate(nets)}
            after[b].append(i)
            after[c].append(j)
            if all(keeps(after[k]) for k in {a, b, c}):
                expected.add((i, b, j, c))
    listed = two_moves(problem, nets, set(owner))
    found = {(i, b, j, c) for (i, b), (j, c) in (tuple(t.moves.items()) for t in listed)}
    assert found == expected
    for change in listed:
        # The networks after the change are those of `nets` with the two practices moved.
        for k, network in zip(change.old, change.new, strict=True):
            members = {x for x in nets[k] if x not in change.moves}
            members |= {x for x, to in change.moves.items() if to == k}
            assert set(network) == members and list(network) == sorted(network)


def test_a_swap_of_two_practices_joins_two_territories() -> None:
    # The row of test_territories: swapping F2 and G1 joins both territories.
    problem, f, g, cost, exact = swap_row()
    repaired = _repair_two(problem, [f, g], cost, float("inf"), exact, set(f) | set(g))
    assert repaired is not None
    assert_swapped(problem, exact, repaired)
    _, fresh_costs = set_costs(CandidateSets.of(repaired), problem.practices, problem.settings)
    assert [cost[n] for n in repaired] == fresh_costs.tolist()
    # Once whole, nothing is left to repair.
    assert _repair_two(problem, repaired, cost, float("inf"), exact, set(f) | set(g)) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_lsoa_areas(), count=st.integers(1, 4))
def test_partitions_are_every_partition_into_connected_in_band_networks(
    graph: nx.Graph, count: int
) -> None:
    band = Band(5_000, 45_000)
    problem = problem_of(graph, OptimiseSettings(band=band, time_limit=20.0, seed=0))
    codes = problem.practices.codes
    population = problem.practices.population
    nodes = list(range(len(codes)))
    index = problem.practices.index
    expected = {
        tuple(sorted(tuple(sorted(index[p] for p in block)) for block in blocks))
        for blocks in set_partitions(list(codes))
        if len(blocks) == count
        and all(
            band.contains(int(population[[index[p] for p in block]].sum()))
            and connected(graph, set(block))
            for block in blocks
        )
    }
    listed = partitions(problem, nodes, count)
    assert len(listed) == len(set(listed))
    assert {tuple(sorted(option)) for option in listed} == expected


def test_a_failing_territory_is_repaired_by_redrawing_its_group() -> None:
    # The row of test_territories: F's territory is in two pieces; the pair F, G re-drawn
    # exactly (every partition into two networks) joins both territories.
    problem, f, g, cost, exact = swap_row()
    failing = [exact.slot[f]]
    repaired = _repair_groups(problem, [f, g], cost, float("inf"), exact, failing, set())
    assert repaired is not None
    assert_swapped(problem, exact, repaired)
    _, fresh_costs = set_costs(CandidateSets.of(repaired), problem.practices, problem.settings)
    assert [cost[n] for n in repaired] == fresh_costs.tolist()
    # A group already tried is not tried again.
    problem, f, g, cost, exact = swap_row()
    again = _repair_groups(problem, [f, g], cost, float("inf"), exact, failing, {(f, g)})
    assert again is None and exact.territories.failing() == failing


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_lsoa_areas())
def test_cluster_moves_are_every_move_of_a_cluster_that_keeps_the_rules(graph: nx.Graph) -> None:
    band = Band(5_000, 45_000)
    problem = problem_of(graph, OptimiseSettings(band=band, time_limit=20.0, seed=0))
    plan = construct(problem)
    if plan is None:
        return
    nets = [tuple(sorted(n)) for piece in plan for n in piece]
    codes = problem.practices.codes
    population = problem.practices.population

    def keeps(members: list[int]) -> bool:
        return (
            bool(members)
            and band.contains(int(population[members].sum()))
            and connected(graph, {codes[i] for i in members})
        )

    # Every proper non-empty subset of every network is a cluster.
    clusters = [
        (a, cluster)
        for a, network in enumerate(nets)
        for size in range(1, len(network))
        for cluster in itertools.combinations(network, size)
    ]
    expected = set()
    for a, cluster in clusters:
        for b, other in enumerate(nets):
            if b == a or not any(
                graph.has_edge(codes[i], codes[x]) for i in cluster for x in other
            ):
                continue
            for j in [None, *other]:
                a_after = [x for x in nets[a] if x not in cluster] + ([j] if j is not None else [])
                b_after = [x for x in other if x != j] + list(cluster)
                if keeps(a_after) and keeps(b_after):
                    expected.add((cluster, b, j))
    listed = cluster_moves(problem, nets, clusters, cap=10**6)
    found = set()
    for change in listed:
        a, b = change.old
        cluster = tuple(sorted(i for i, to in change.moves.items() if to == b))
        back = [i for i, to in change.moves.items() if to == a]
        found.add((cluster, b, back[0] if back else None))
        for k, network in zip(change.old, change.new, strict=True):
            members = {x for x in nets[k] if x not in change.moves}
            members |= {x for x, to in change.moves.items() if to == k}
            assert set(network) == members and list(network) == sorted(network)
    assert found == expected
    assert len(listed) == len(found)


def cluster_row() -> tuple[AreaProblem, Network, Network, dict[Network, int], _Exact]:
    """LSOAs 0–8 in a row: F0 F1 F2 | G1 G2 | F3 F4 F5 F6, 5,000 patients each.

    F's territory is in two pieces (0–2 and 5–8); the cluster F0–F2 moving whole into G
    joins both, while no one or two practices moving repairs it (a swap leaves F in pieces,
    and F0–F2 moving alone or in twos leaves it so too). Returns the problem, F and G, their
    costs and territories.
    """
    where = {"F0": 0, "F1": 1, "F2": 2, "G1": 3, "G2": 4, "F3": 5, "F4": 6, "F5": 7, "F6": 8}
    graph = lsoa_graph({p: {lsoa: 5_000} for p, lsoa in where.items()}, columns=9)
    opts = OptimiseSettings(band=Band(10_000, 40_000), time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    index = problem.practices.index
    f = tuple(sorted(index[p] for p in where if p.startswith("F")))
    g = tuple(sorted(index[p] for p in where if p.startswith("G")))
    territories = plan_territories(problem, [[list(f), list(g)]])
    assert territories is not None and territories.failing() == [0]
    exact = _Exact.of(problem, territories, [f, g])
    assert exact is not None
    _, costs = set_costs(CandidateSets.of([f, g]), problem.practices, opts)
    return problem, f, g, dict(zip((f, g), costs.tolist(), strict=True)), exact


def assert_cluster_moved(problem: AreaProblem, exact: _Exact, repaired: list[Network]) -> None:
    """Check that :func:`cluster_row`'s F0–F2 joined G, territories kept as recomputed."""
    index = problem.practices.index
    assert sorted(repaired) == sorted(
        [
            tuple(sorted(index[p] for p in ("F3", "F4", "F5", "F6"))),
            tuple(sorted(index[p] for p in ("F0", "F1", "F2", "G1", "G2"))),
        ]
    )
    assert exact.territories.failing() == []
    fresh = plan_territories(problem, [[list(n) for n in repaired]])
    assert fresh is not None and fresh.failing() == []
    kept = {exact.slot[n]: n for n in repaired}
    assert [kept[k] for k in exact.territories.owner.tolist()] == [
        repaired[k] for k in fresh.owner.tolist()
    ]


def test_a_cluster_holding_a_detached_part_moves_whole() -> None:
    problem, f, g, cost, exact = cluster_row()
    # No two practices moving at once repair F.
    assert _repair_two(problem, [f, g], cost, float("inf"), exact, set(f) | set(g)) is None
    failing = exact.territories.failing()
    repaired = _repair_clusters(problem, [f, g], cost, float("inf"), exact, failing)
    assert repaired is not None
    assert_cluster_moved(problem, exact, repaired)
    _, fresh_costs = set_costs(CandidateSets.of(repaired), problem.practices, problem.settings)
    assert [cost[n] for n in repaired] == fresh_costs.tolist()
    # Once whole, there is no cluster left to move.
    assert _repair_clusters(problem, repaired, cost, float("inf"), exact, []) is None


def test_the_repair_pass_moves_a_cluster_where_the_redrawings_find_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in a large area where the pair and group re-drawings are capped before the change
    # that repairs: none priced, none found; the cluster move still repairs F.
    monkeypatch.setattr(improve_module, "REPAIR_SPLITS", 0)
    monkeypatch.setattr(improve_module, "REPAIR_GROUP_SIZES", ())
    problem, f, g, cost, exact = cluster_row()
    repaired = _repair(problem, [f, g], cost, float("inf"), exact)
    assert_cluster_moved(problem, exact, repaired)
