"""Listing candidate networks: connected sets of practices in a population window."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprints.optimiser import candidates
from footprints.optimiser.candidates import (
    CandidateSets,
    PracticeArrays,
    bit_indices,
    bit_mask,
    components,
    connected_sets,
    estimate_sets,
    list_candidates,
    nearest_reach,
)
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.problem import practice_arrays

from .grids import connected, connected_subsets, grid, listed, tiny_areas


def _arrays(graph: nx.Graph) -> PracticeArrays:
    return practice_arrays(graph)[1]


def _everything(practices: PracticeArrays, low: int, high: int, **options: object) -> CandidateSets:
    return connected_sets(
        range(len(practices)),
        practices.neighbours,
        practices.population.tolist(),
        low=low,
        high=high,
        **options,  # type: ignore[arg-type]
    )


@settings(max_examples=40, deadline=None)
@given(graph=tiny_areas(), low=st.integers(0, 40_000), width=st.integers(0, 40_000))
def test_connected_sets_lists_each_connected_set_in_the_window_once(
    graph: nx.Graph, low: int, width: int
) -> None:
    nodes = sorted(graph.nodes)
    index = {p: i for i, p in enumerate(nodes)}
    neighbours = [sum(1 << index[q] for q in graph[p]) for p in nodes]
    sizes = [graph.nodes[p]["list_size"] for p in nodes]
    sets = connected_sets(range(len(nodes)), neighbours, sizes, low=low, high=low + width)
    listed = [tuple(sorted(sets.members_of(i))) for i in range(len(sets))]
    assert len(listed) == len(set(listed))
    expected = {
        subset
        for k in range(1, len(nodes) + 1)
        for subset in itertools.combinations(range(len(nodes)), k)
        if low <= sum(sizes[i] for i in subset) <= low + width
        and connected(graph, {nodes[i] for i in subset})
    }
    assert set(listed) == expected


@pytest.mark.parametrize(
    ("rows", "cols", "window", "count"),
    [
        (2, 2, (20_000, 30_000), 8),  # a 4-cycle: its 4 edges and its 4 paths of three
        (3, 3, (30_000, 30_000), 22),  # the 3x3 grid's trominoes: 6 straight, 16 bent
        (1, 4, (10_000, 40_000), 10),  # a path of four: 4 + 3 + 2 + 1 intervals
    ],
)
def test_count_of_connected_sets_in_a_window_on_tiny_grids(
    rows: int, cols: int, window: tuple[int, int], count: int
) -> None:
    graph = grid(rows, cols, [10_000] * (rows * cols))
    practices = _arrays(graph)
    sets = _everything(practices, *window)
    assert len(sets) == count
    assert listed(sets, practices) == connected_subsets(graph, *window)


def test_connected_sets_on_a_weighted_grid_match_brute_force() -> None:
    sizes = [5_000, 12_000, 8_000, 15_000, 10_000, 7_000, 9_000, 11_000, 6_000]
    graph = grid(3, 3, sizes)
    practices = _arrays(graph)
    sets = _everything(practices, 25_000, 35_000)
    assert listed(sets, practices) == connected_subsets(graph, 25_000, 35_000)
    assert len(sets) == len(connected_subsets(graph, 25_000, 35_000))


def test_a_listed_set_holds_a_whole_lock_group_or_none_of_it() -> None:
    graph = grid(3, 3, [10_000] * 9)
    practices = _arrays(graph)
    group = [practices.index["P00"], practices.index["P02"]]  # not adjacent
    lock_of = [0 if i in group else -1 for i in range(9)]
    sets = _everything(practices, 30_000, 40_000, lock_of=lock_of, lock_masks=[bit_mask(group)])
    expected = {s for s in connected_subsets(graph, 30_000, 40_000) if ("P00" in s) == ("P02" in s)}
    assert listed(sets, practices) == expected
    assert ("P00", "P01", "P02") in expected


def test_the_cap_falls_back_to_local_sets() -> None:
    graph = grid(4, 4, [10_000] * 16)
    practices = _arrays(graph)
    far = Deadline(float("inf"))
    options = {"lock_of": [-1] * 16, "lock_masks": [], "deadline": far}
    nodes = list(range(16))
    every, complete = list_candidates(
        practices,
        nodes,
        low=30_000,
        high=50_000,
        cap=1_000_000,
        **options,  # type: ignore[arg-type]
    )
    assert complete
    assert listed(every, practices) == connected_subsets(graph, 30_000, 50_000)
    local, complete = list_candidates(
        practices,
        nodes,
        low=30_000,
        high=50_000,
        cap=50,
        **options,  # type: ignore[arg-type]
    )
    assert not complete
    assert 0 < len(local) < len(every)
    assert listed(local, practices) <= listed(every, practices)


def test_local_sets_draw_on_their_first_practice_s_nearest() -> None:
    graph = grid(5, 5, [10_000] * 25)
    practices = _arrays(graph)
    options = {"lock_of": [-1] * 25, "lock_masks": [], "deadline": Deadline(float("inf"))}
    local, complete = list_candidates(
        practices,
        list(range(25)),
        low=30_000,
        high=50_000,
        cap=100,
        **options,  # type: ignore[arg-type]
    )
    assert not complete
    reach = nearest_reach(practices, range(25), candidates.LOCAL_NEAREST)
    every = listed(_everything(practices, 30_000, 50_000), practices)
    found = listed(local, practices)
    assert found < every
    for k in range(len(local)):
        members = local.members_of(k)
        assert bit_mask(members) & ~reach[min(members)] == 0
    # every set among the nearest practices is there (the first listing has no cap)
    within = {
        s
        for s in every
        if bit_mask(practices.index[c] for c in s) & ~reach[min(practices.index[c] for c in s)] == 0
    }
    assert within <= found


@pytest.mark.parametrize(("rows", "cols"), [(3, 4), (4, 4), (4, 5)])
def test_the_estimate_of_the_sets_is_near_their_number(rows: int, cols: int) -> None:
    sizes = [7_000 + 1_500 * (k % 5) for k in range(rows * cols)]
    graph = grid(rows, cols, sizes)
    practices = _arrays(graph)
    exact = len(_everything(practices, 30_000, 50_000))
    nodes = range(len(practices))
    estimate = estimate_sets(
        nodes, practices.neighbours, practices.population.tolist(), low=30_000, high=50_000
    )
    assert exact > 50
    assert 0.8 * exact <= estimate <= 1.25 * exact
    # a window nothing reaches: nothing to count
    assert (
        estimate_sets(nodes, practices.neighbours, practices.population.tolist(), low=0, high=10)
        == 0.0
    )


def test_a_hopeless_listing_is_not_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = grid(4, 4, [10_000] * 16)
    practices = _arrays(graph)
    tried: list[int] = []
    real = candidates.connected_sets

    def counting(*args: object, **kwargs: object) -> CandidateSets:
        tried.append(0 if kwargs.get("reach") is None else 1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(candidates, "connected_sets", counting)
    options = {"lock_of": [-1] * 16, "lock_masks": [], "deadline": Deadline(float("inf"))}
    exact = len(_everything(practices, 30_000, 50_000))
    for cap, full in ((exact, True), (exact // 4, False)):
        tried.clear()
        sets, complete = list_candidates(
            practices,
            list(range(16)),
            low=30_000,
            high=50_000,
            cap=cap,
            **options,  # type: ignore[arg-type]
        )
        assert complete == full
        assert (tried[0] == 0) == full  # the full listing was tried only where it could fit
        assert len(sets) <= exact


def test_candidate_set_reductions_match_a_loop() -> None:
    graph = grid(3, 3, [9_000] * 9)
    neighbours = [0] * 9
    for a, b in graph.edges:
        i, j = int(a[1]) * 3 + int(a[2]), int(b[1]) * 3 + int(b[2])
        neighbours[i] |= 1 << j
        neighbours[j] |= 1 << i
    sets = connected_sets(range(9), neighbours, [9_000] * 9, low=18_000, high=40_000)
    values = np.arange(9, dtype=np.float64) ** 2
    keys = np.array([3, 5, 6, 9, 17, 33, 65, 129, 257], np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(candidates, "CHUNK", 4)
        sums = sets.sums(values)
        xors = sets.reduce(keys, np.bitwise_xor)
        middle = sets.slice(3, 10)
    for k in range(len(sets)):
        members = sets.members_of(k)
        assert sums[k] == sum(values[m] for m in members)
        expected = 0
        for m in members:
            expected ^= int(keys[m])
        assert xors[k] == expected
    assert [middle.members_of(k) for k in range(len(middle))] == [
        sets.members_of(k) for k in range(3, 10)
    ]


def test_sets_are_built_joined_and_selected() -> None:
    sets = CandidateSets.of([[0, 1], [2], [3, 4, 5]])
    assert len(sets) == 3 and sets.sizes.tolist() == [2, 1, 3]
    assert sets.owner().tolist() == [0, 0, 1, 2, 2, 2]
    kept = sets.select(np.array([True, False, True]))
    assert [kept.members_of(k) for k in range(len(kept))] == [[0, 1], [3, 4, 5]]
    both = CandidateSets.concatenate([sets, CandidateSets.of([[6]])])
    assert [both.members_of(k) for k in range(len(both))] == [[0, 1], [2], [3, 4, 5], [6]]
    assert len(CandidateSets.concatenate([])) == 0


def test_bit_masks_and_components() -> None:
    assert bit_mask([0, 3]) == 0b1001
    assert bit_indices(0b10110) == [1, 2, 4]
    # A path 0-1-2 and a lone 3.
    neighbours = [0b010, 0b101, 0b010, 0]
    assert components([0, 1, 2, 3], neighbours) == [[0, 1, 2], [3]]
    assert components([0, 2], neighbours) == [[0], [2]]
