"""Exact plan territories in the local search, on tiny hand-made LSOA grids: the incremental
bookkeeping against a recomputation from scratch, hand-computed answers, and the local
search's acceptance rule (no change leaves more territories failing the tolerance)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.geography import TERRITORY_TOLERANCE
from footprints.optimiser import OptimiseSettings
from footprints.optimiser.candidates import CandidateSets, LsoaArrays
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import set_costs
from footprints.optimiser.improve import _repair, _repair_reach, improve
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.reshape import Network
from footprints.optimiser.search_costs import ExactTerritories, plan_territories
from footprints.optimiser.territories import PlanTerritories
from footprints.plan import Band

from .grids import connected, problem_of
from .test_containment import lsoa_graph
from .test_improve import tiny_lsoa_areas

Rows = Sequence[Mapping[int, int]]


def grid_lsoas(rows: Rows, width: int, height: int, outside: Mapping[int, int]) -> LsoaArrays:
    """LSOAs ``0 … width·height − 1`` on a grid (rook adjacency), practice ``i`` living as
    ``rows[i]`` says, ``outside`` patients registered elsewhere."""
    columns = width * height
    offsets = np.zeros(len(rows) + 1, np.int64)
    offsets[1:] = np.cumsum([len(r) for r in rows])
    lsoa = np.asarray([c for r in rows for c in sorted(r)], np.int64)
    count = np.asarray([r[c] for r in rows for c in sorted(r)], np.int64)
    registered = np.bincount(lsoa, weights=count, minlength=columns).astype(np.int64)
    for c, n in outside.items():
        registered[c] += n
    edges = [
        (y * width + x, y * width + x + 1) for y in range(height) for x in range(width - 1)
    ] + [(y * width + x, (y + 1) * width + x) for y in range(height - 1) for x in range(width)]
    source = np.asarray([a for a, b in edges] + [b for a, b in edges], np.int64)
    target = np.asarray([b for a, b in edges] + [a for a, b in edges], np.int64)
    order = np.lexsort((target, source))
    adjacency_offsets = np.zeros(columns + 1, np.int64)
    adjacency_offsets[1:] = np.cumsum(np.bincount(source, minlength=columns))
    return LsoaArrays(
        offsets=offsets,
        lsoa=lsoa,
        count=count,
        registered=registered,
        codes=np.arange(columns, dtype=np.int64),
        overlap=np.zeros((len(rows), len(rows))),
        adjacency=(adjacency_offsets, target[order]),
        catchments=(offsets, lsoa, count),
    )


def scratch(
    lsoas: LsoaArrays, population: Sequence[int], slot: Sequence[int], slots: int
) -> tuple[list[int], list[float], int]:
    """From nothing: each LSOA's holder, each slot's excess, and the patients contained.

    Holder: most patients, then the larger network, then the lower slot; ``-1`` where no
    slot has a patient or those registered outside the area have more than the best.
    """
    columns = len(lsoas.registered)
    held = [[0] * columns for _ in range(slots)]
    size = [0] * slots
    offsets, lsoa, count = lsoas.catchments
    for i, k in enumerate(slot):
        if k < 0:
            continue
        size[k] += population[i]
        for r in range(offsets[i], offsets[i + 1]):
            held[k][int(lsoa[r])] += int(count[r])
    area = [sum(int(count[r]) for r in range(len(lsoa)) if lsoa[r] == c) for c in range(columns)]
    owner = []
    for c in range(columns):
        best = max(range(slots), key=lambda k: (held[k][c], size[k], -k)) if slots else -1
        most = held[best][c] if best >= 0 else 0
        outside = int(lsoas.registered[c]) - area[c]
        owner.append(best if most > 0 and outside <= most else -1)
    graph = nx.Graph()
    adjacency_offsets, targets = lsoas.adjacency
    for c in range(columns):
        graph.add_edges_from(
            (c, int(t)) for t in targets[adjacency_offsets[c] : adjacency_offsets[c + 1]]
        )
    excess = []
    for k in range(slots):
        territory = [c for c in range(columns) if owner[c] == k]
        total = sum(held[k][c] for c in territory)
        parts = nx.connected_components(graph.subgraph(territory)) if territory else []
        largest = max((sum(held[k][c] for c in part) for part in parts), default=0)
        excess.append(
            max(0.0, TERRITORY_TOLERANCE * total - largest) if len(territory) > 1 else 0.0
        )
    contained = sum(held[owner[c]][c] for c in range(columns) if owner[c] >= 0)
    return owner, excess, contained


def test_a_row_by_hand() -> None:
    # LSOAs 0–4 in a row. A's practices live at both ends, B's in the middle.
    rows = [{0: 100}, {4: 100}, {1: 100, 2: 100, 3: 100}]
    lsoas = grid_lsoas(rows, 5, 1, {3: 50})
    territories = PlanTerritories(lsoas, np.asarray([100, 100, 300]), [[0, 1], [2]])
    assert territories.owner.tolist() == [0, 1, 1, 1, 0]
    assert territories.contained(0) == 200 and territories.contained(1) == 300
    # A's territory {0, 4}: 100 and 100, the largest part short of 95% of 200 by 90.
    assert territories.excess == [90.0, 0.0]
    assert territories.failing() == [0]
    assert territories.detached(0).tolist() == [4]
    change = territories.change({1: 1})  # the practice at LSOA 4 joins B
    assert (change.failing_before, change.failing_after) == (1, 0)
    assert change.excess_before == 90.0 and change.excess_after == 0.0
    assert change.repaired == 90.0  # A's excess, A made whole
    assert change.contained == 0  # LSOA 4 changes hands with its 100 patients
    assert territories.gain({1: 1}) == 0
    territories.apply(change)
    assert territories.owner.tolist() == [0, 1, 1, 1, 1]
    assert territories.excess == [0.0, 0.0]


def test_ties_go_to_the_larger_network_then_the_lower_slot() -> None:
    rows = [{0: 50}, {0: 50, 1: 10}, {0: 50}]
    lsoas = grid_lsoas(rows, 2, 1, {})
    territories = PlanTerritories(lsoas, np.asarray([50, 60, 50]), [[0], [1], [2]])
    assert territories.owner.tolist() == [1, 1]
    territories = PlanTerritories(lsoas, np.asarray([50, 50, 50]), [[0], [2], [1]])
    assert territories.owner[0] == 0


@st.composite
def grid_plans(
    draw: st.DrawFn,
) -> tuple[LsoaArrays, list[int], list[int], int, list[dict[int, int]]]:
    """A 3 × 3 grid, 4–7 practices, a plan of 1–4 slots and a few changes of slots."""
    n = draw(st.integers(4, 7))
    rows = [
        draw(st.dictionaries(st.integers(0, 8), st.integers(1, 60), min_size=1, max_size=4))
        for _ in range(n)
    ]
    outside = draw(st.dictionaries(st.integers(0, 8), st.integers(0, 80), max_size=3))
    slots = draw(st.integers(1, 4))
    slot = [draw(st.integers(0, slots - 1)) for _ in range(n)]
    population = [draw(st.integers(1, 100)) for _ in range(n)]
    changes = draw(
        st.lists(
            st.dictionaries(
                st.integers(0, n - 1), st.integers(0, slots - 1), min_size=1, max_size=3
            ),
            max_size=5,
        )
    )
    return grid_lsoas(rows, 3, 3, outside), population, slot, slots, changes


@settings(max_examples=150, deadline=None)
@given(case=grid_plans())
def test_incremental_territories_match_a_recomputation(
    case: tuple[LsoaArrays, list[int], list[int], int, list[dict[int, int]]],
) -> None:
    lsoas, population, slot, slots, changes = case
    networks = [[i for i, k in enumerate(slot) if k == s] for s in range(slots)]
    territories = PlanTerritories(lsoas, np.asarray(population), networks)
    owner, excess, contained = scratch(lsoas, population, slot, slots)
    assert territories.owner.tolist() == owner
    assert territories.excess == excess
    for moves in changes:
        priced = territories.change(moves)
        assert territories.gain(moves) == priced.contained
        slot = [moves.get(i, k) for i, k in enumerate(slot)]
        territories.apply(priced)
        before = excess
        owner, excess, now = scratch(lsoas, population, slot, slots)
        assert territories.owner.tolist() == owner
        assert territories.excess == excess
        # the excess of the territories made whole, less that of those broken
        made = sum(b for b, a in zip(before, excess, strict=True) if b > 0 and a == 0)
        broken = sum(a for b, a in zip(before, excess, strict=True) if b == 0 and a > 0)
        assert priced.repaired == pytest.approx(made - broken)
        assert priced.contained == now - contained
        assert sum(territories.contained(k) for k in range(slots)) == now
        contained = now


# ---- the local search's acceptance rule ---------------------------------------------------


def test_the_repair_pass_joins_a_territory_in_two_pieces() -> None:
    # LSOAs 0–4 in a row; A holds both ends, B the middle. Every practice touches every other.
    graph = lsoa_graph(
        {"A1": {0: 9_000}, "A2": {4: 9_000}, "B": {1: 9_000, 2: 9_000, 3: 9_000}}, columns=5
    )
    opts = OptimiseSettings(band=Band(5_000, 40_000), time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    index = problem.practices.index
    plan = [[[index["A1"], index["A2"]], [index["B"]]]]
    before = plan_territories(problem, plan)
    assert before is not None and before.failing() == [0]
    improved = improve(problem, plan)
    assert improved is not None
    after = plan_territories(problem, improved)
    assert after is not None and after.failing() == []


def test_without_plan_territories_nothing_is_kept() -> None:
    graph = lsoa_graph({"A1": {0: 9_000}, "A2": {4: 9_000}}, columns=5)
    opts = OptimiseSettings(band=Band(5_000, 40_000), time_limit=20.0, plan_territories=False)
    problem = problem_of(graph, opts)
    assert plan_territories(problem, [[[0, 1]]]) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_lsoa_areas())
def test_the_local_search_never_leaves_more_territories_failing(graph: nx.Graph) -> None:
    band = Band(5_000, 45_000)
    opts = OptimiseSettings(band=band, time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    plan = construct(problem)
    if plan is None:
        return
    before = plan_territories(problem, plan)
    improved = improve(problem, plan)
    assert improved is not None
    after = plan_territories(problem, improved)
    if before is None:
        assert after is None
        return
    assert after is not None
    assert len(after.failing()) <= len(before.failing())
    codes = problem.practices.codes
    for piece, new in zip(problem.pieces, improved, strict=True):
        if piece.soft:
            continue
        for network in new:
            assert connected(graph, {codes[i] for i in network})
            assert band.contains(int(problem.practices.population[network].sum()))
    assert sorted(itertools.chain.from_iterable(itertools.chain.from_iterable(improved))) == sorted(
        itertools.chain.from_iterable(itertools.chain.from_iterable(plan))
    )


def swap_row() -> tuple[AreaProblem, Network, Network, dict[Network, int], ExactTerritories]:
    """LSOAs 0–4 in a row: F1 | G1 G1 | G2 | F2, F's territory in two pieces.

    Every network holds the band's minimum, so no practice may leave alone; swapping F2 and
    G1 joins both territories. Returns the problem, F and G, their costs and territories.
    """
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
    exact = ExactTerritories.of(problem, territories, [f, g])
    assert exact is not None
    _, costs = set_costs(CandidateSets.of([f, g]), problem.practices, opts)
    return problem, f, g, dict(zip((f, g), costs.tolist(), strict=True)), exact


def test_the_repair_pass_redraws_a_pair_where_no_single_move_can() -> None:
    problem, f, g, cost, exact = swap_row()
    repaired = _repair(problem, [f, g], cost, float("inf"), exact)
    assert_swapped(problem, exact, repaired)


def assert_swapped(problem: AreaProblem, exact: ExactTerritories, repaired: list[Network]) -> None:
    """Check that :func:`swap_row`'s F2 and G1 were swapped, territories kept as recomputed."""
    index, territories = problem.practices.index, exact.territories
    assert sorted(repaired) == sorted(
        [tuple(sorted((index["F1"], index["G1"]))), tuple(sorted((index["F2"], index["G2"])))]
    )
    assert territories.failing() == []
    fresh = plan_territories(problem, [[list(n) for n in repaired]])
    assert fresh is not None and fresh.failing() == []
    # The same network holds each LSOA, kept move by move and recomputed.
    kept = {exact.slot[n]: n for n in repaired}
    assert [kept[k] for k in territories.owner.tolist()] == [
        repaired[k] for k in fresh.owner.tolist()
    ]


def test_the_repair_makes_a_territory_whole_though_a_neighbour_still_failing_gains_excess() -> None:
    # LSOAs 0–7 in a row, 1, 3 and 5 empty: F holds 0 and a detached 4, G holds 6–7 and a
    # detached 2; both fail. Giving F2 to G (or G2 to F) makes one territory whole and
    # leaves the other failing with more excess (1,000 patients more in all): the
    # failing count, which the measure counts, falls from two to one. Nothing makes both
    # whole within the band.
    graph = lsoa_graph(
        {
            "F1": {0: 20_000},
            "F2": {4: 2_000},
            "G1": {6: 10_000, 7: 10_000},
            "G2": {2: 3_000},
        },
        columns=8,
    )
    opts = OptimiseSettings(band=Band(15_000, 30_000), time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    index = problem.practices.index
    f = (index["F1"], index["F2"])
    g = tuple(sorted((index["G1"], index["G2"])))
    territories = plan_territories(problem, [[list(f), list(g)]])
    assert territories is not None and territories.failing() == [0, 1]
    exact = ExactTerritories.of(problem, territories, [f, g])
    assert exact is not None
    _, costs = set_costs(CandidateSets.of([f, g]), problem.practices, opts)
    cost = dict(zip((f, g), costs.tolist(), strict=True))
    excess_before = sum(territories.excess)
    repaired = _repair(problem, [f, g], cost, float("inf"), exact)
    assert len(territories.failing()) == 1
    assert sum(territories.excess) > excess_before  # the one left failing holds more excess
    fresh = plan_territories(problem, [[list(n) for n in repaired]])
    assert fresh is not None and len(fresh.failing()) == 1
    for network in repaired:
        assert opts.band.contains(int(problem.practices.population[list(network)].sum()))


def test_the_networks_touching_a_detached_part_come_with_patients_there_first() -> None:
    # LSOAs 0–5 in a row: F holds 0 and a detached 4, G 1–2, H 3 (and 30 patients in 4),
    # J 5. H has patients in the detached part and holds LSOA 3 beside it; J holds 5
    # beside it; G touches nothing of it.
    rows = [{0: 200}, {4: 100}, {1: 100, 2: 100}, {3: 100, 4: 30}, {5: 100}]
    lsoas = grid_lsoas(rows, 6, 1, {})
    territories = PlanTerritories(
        lsoas, np.asarray([200, 100, 200, 130, 100]), [[0, 1], [2], [3], [4]]
    )
    assert territories.failing() == [0]
    assert territories.detached(0).tolist() == [4]
    assert territories.touching(0) == [2, 3]
    assert territories.touching(1) == []  # G's territory is whole


def reach_row(
    patches: Mapping[int, str],
) -> tuple[AreaProblem, list[Network], dict[Network, int], ExactTerritories]:
    """:func:`swap_row`'s plan (F1 | G1 G1 | G2 | F2: F in two pieces) on ``patches``."""
    graph = lsoa_graph(
        {"F1": {0: 10_000}, "F2": {4: 10_000}, "G1": {1: 5_000, 2: 5_000}, "G2": {3: 10_000}},
        columns=5,
        patches=patches,
    )
    opts = OptimiseSettings(band=Band(20_000, 25_000), time_limit=20.0, seed=0)
    problem = problem_of(graph, opts)
    index = problem.practices.index
    nets = [(index["F1"], index["F2"]), tuple(sorted((index["G1"], index["G2"])))]
    territories = plan_territories(problem, [[list(n) for n in nets]])
    assert territories is not None and territories.failing() == [0]
    exact = ExactTerritories.of(problem, territories, nets)
    assert exact is not None
    _, costs = set_costs(CandidateSets.of(nets), problem.practices, opts)
    return problem, nets, dict(zip(nets, costs.tolist(), strict=True)), exact


def test_the_reach_repair_redraws_the_networks_touching_a_detached_part() -> None:
    # Patches 0–2 and 3–4: swapping F2 and G1 makes F whole and each network one patch's.
    problem, nets, cost, exact = reach_row({0: "P", 1: "P", 2: "P", 3: "Q", 4: "Q"})
    repaired = _repair_reach(problem, nets, cost, float("inf"), exact, [0], set())
    assert repaired is not None
    assert_swapped(problem, exact, repaired)


def test_the_reach_repair_buys_no_contiguity_with_straddling() -> None:
    # Patches {0, 4} and {1, 2, 3}: F and G each live in one patch; the swap that makes F
    # whole would put 10,000 patients of each outside its main patch. Refused.
    problem, nets, cost, exact = reach_row({0: "P", 4: "P", 1: "Q", 2: "Q", 3: "Q"})
    assert _repair_reach(problem, nets, cost, float("inf"), exact, [0], set()) is None
    assert exact.territories.failing() == [0]
