"""Two practices moved at once for the territory repair (:mod:`footprints.optimiser.reshape`):
the changes listed against a brute-force enumeration, and a repair on a hand-made LSOA row
whose territories are kept move by move and recomputed."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import HealthCheck, given, settings

from footprints.optimiser import OptimiseSettings
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import set_costs
from footprints.optimiser.improve import _Exact, _repair_two, plan_territories
from footprints.optimiser.reshape import two_moves
from footprints.plan import Band

from .grids import connected, problem_of
from .test_containment import lsoa_graph
from .test_improve import tiny_lsoa_areas


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
    # LSOAs 0–4 in a row: F1 | G1 G1 | G2 | F2. Every network holds the band's minimum, so
    # no practice may leave alone; swapping F2 and G1 joins both territories.
    graph = lsoa_graph(
        {
            "F1": {0: 10_000},
            "F2": {4: 10_000},
            "G1": {1: 5_000, 2: 5_000},
            "G2": {3: 10_000},
        },
        columns=5,
    )
    opts = OptimiseSettings(band=Band(20_000, 25_000), time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    index = problem.practices.index
    f = (index["F1"], index["F2"])
    g = tuple(sorted((index["G1"], index["G2"])))
    territories = plan_territories(problem, [[list(f), list(g)]])
    assert territories is not None and territories.failing() == [0]
    exact = _Exact.of(problem, territories, [f, g])
    assert exact is not None
    _, costs = set_costs(CandidateSets.of([f, g]), problem.practices, opts)
    cost = dict(zip((f, g), costs.tolist(), strict=True))
    repaired = _repair_two(problem, [f, g], cost, float("inf"), exact, set(f) | set(g))
    assert repaired is not None
    assert sorted(repaired) == sorted(
        [tuple(sorted((index["F1"], index["G1"]))), tuple(sorted((index["F2"], index["G2"])))]
    )
    assert territories.failing() == []
    fresh = plan_territories(problem, [[list(n) for n in repaired]])
    assert fresh is not None and fresh.failing() == []
    kept = {exact.slot[n]: n for n in repaired}
    assert [kept[k] for k in territories.owner.tolist()] == [
        repaired[k] for k in fresh.owner.tolist()
    ]
    _, fresh_costs = set_costs(CandidateSets.of(repaired), problem.practices, opts)
    assert [cost[n] for n in repaired] == fresh_costs.tolist()
    # Once whole, nothing is left to repair.
    assert _repair_two(problem, repaired, cost, float("inf"), exact, set(f) | set(g)) is None
