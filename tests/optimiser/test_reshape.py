"""Changes of several networks for the territory repair (:mod:`footprints.optimiser.reshape`):
two practices moved at once and every partition of a group, each listed against a
brute-force enumeration, and repairs on a hand-made LSOA row whose territories are kept move
by move and recomputed."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import set_costs
from footprints.optimiser.improve import _repair_groups, _repair_two
from footprints.optimiser.reshape import partitions, two_moves
from footprints.plan import Band

from .grids import connected, problem_of, set_partitions
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
    # Or the first joins a network b it touches and the second leaves a third network for
    # the first's, touching the practices left there (a chain that refills it).
    for i, j in itertools.permutations(owner, 2):
        a, c = owner[i], owner[j]
        rest = [x for x in nets[a] if x != i]
        if a == c or not any(graph.has_edge(codes[j], codes[x]) for x in rest):
            continue
        for b in range(len(nets)):
            if b in (a, c) or not any(graph.has_edge(codes[i], codes[x]) for x in nets[b]):
                continue
            after = {k: [x for x in n if x not in (i, j)] for k, n in enumerate(nets)}
            after[b].append(i)
            after[a].append(j)
            if all(keeps(after[k]) for k in {a, b, c}):
                expected.add((i, b, j, a))
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
