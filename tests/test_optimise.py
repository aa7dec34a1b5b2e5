"""Tests of the optimiser core on hand-made graphs (no geometry)."""

from __future__ import annotations

import itertools
import math
import os
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints import candidates
from footprints.candidates import connected_sets
from footprints.errors import InfeasibleError
from footprints.optimise import AreaResult, OptimiseSettings, optimise_area, propose
from footprints.plan import Band

FAST = OptimiseSettings(time_limit=20.0, workers=1, seed=3)
DEFAULT_BAND = Band()


# --------------------------------------------------------------------------- helpers


def grid(
    rows: int,
    cols: int,
    sizes: Sequence[int],
    *,
    spacing: float = 2_000.0,
    patches: Sequence[str | None] | None = None,
    area: str = "T",
) -> nx.Graph:
    """A rows x cols grid of practices ``P<r><c>``, ``spacing`` metres apart."""
    graph = nx.Graph(area=area)
    for r, c in itertools.product(range(rows), range(cols)):
        k = r * cols + c
        graph.add_node(
            f"P{r}{c}",
            list_size=sizes[k],
            x=c * spacing,
            y=-r * spacing,
            patch=patches[k] if patches else None,
        )
    for r, c in itertools.product(range(rows), range(cols)):
        if c + 1 < cols:
            graph.add_edge(f"P{r}{c}", f"P{r}{c + 1}", kind="border")
        if r + 1 < rows:
            graph.add_edge(f"P{r}{c}", f"P{r + 1}{c}", kind="border")
    return graph


def networks_of(assignment: Mapping[str, str]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for practice, network in assignment.items():
        members.setdefault(network, set()).add(practice)
    return members


def connected(graph: nx.Graph, practices: set[str]) -> bool:
    """Breadth-first search inside ``practices`` (independent of networkx's helpers)."""
    start = next(iter(practices))
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for other in graph[node]:
            if other in practices and other not in seen:
                seen.add(other)
                frontier.append(other)
    return seen == practices


def check_plan(graph: nx.Graph, result: AreaResult, band: Band = DEFAULT_BAND) -> None:
    assert sorted(result.assignment) == sorted(graph.nodes), "every practice exactly once"
    members = networks_of(result.assignment)
    assert result.networks == len(members)
    for network, practices in members.items():
        assert connected(graph, practices), f"{network} is not contiguous"
        population = sum(graph.nodes[p]["list_size"] for p in practices)
        if network not in result.soft_networks:
            assert band.contains(population), f"{network} has {population}"


def network_cost(graph: nx.Graph, practices: Sequence[str], opts: OptimiseSettings) -> float:
    """The objective of one network, computed from the definitions in the docstring."""
    sizes = [graph.nodes[p]["list_size"] for p in practices]
    total = sum(sizes)
    xs = [graph.nodes[p]["x"] / 1000 for p in practices]
    ys = [graph.nodes[p]["y"] / 1000 for p in practices]
    if total:
        cx = sum(s * x for s, x in zip(sizes, xs, strict=True)) / total
        cy = sum(s * y for s, y in zip(sizes, ys, strict=True)) / total
    else:
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    compactness = sum(s * math.hypot(x - cx, y - cy) for s, x, y in zip(sizes, xs, ys, strict=True))
    by_patch: dict[str, int] = {}
    for p, s in zip(practices, sizes, strict=True):
        patch = graph.nodes[p].get("patch")
        if patch is not None:
            by_patch[patch] = by_patch.get(patch, 0) + s
    straddling = sum(by_patch.values()) - max(by_patch.values(), default=0)
    return (
        opts.compactness_weight * compactness
        + opts.straddle_weight * straddling
        + opts.network_cost
    )


def set_partitions(items: list[str]) -> Iterator[list[list[str]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def brute_force_optimum(graph: nx.Graph, opts: OptimiseSettings) -> float | None:
    best = None
    band = opts.band
    for partition in set_partitions(sorted(graph.nodes)):
        total = 0.0
        for part in partition:
            population = sum(graph.nodes[p]["list_size"] for p in part)
            if not band.contains(population) or not connected(graph, set(part)):
                break
            total += network_cost(graph, part, opts)
        else:
            best = total if best is None else min(best, total)
    return best


# --------------------------------------------------------------------------- plans


def test_grid_4x4_gives_valid_optimal_plan() -> None:
    sizes = [9_000, 11_000, 8_000, 12_000, 10_000, 7_000, 9_500, 8_500] * 2
    graph = grid(4, 4, sizes)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert result.bound == pytest.approx(result.objective)
    assert result.soft_networks == []
    assert result.explanations == []
    assert 4 <= result.networks <= 5
    assert all(n.startswith("T-N") for n in result.assignment.values())


def test_grid_3x3_with_patches_prefers_aligned_networks() -> None:
    sizes = [12_000] * 9
    patches = ["A", "A", "B", "A", "A", "B", "A", "A", "B"]
    opts = OptimiseSettings(time_limit=20, straddle_weight=50.0, seed=1)
    graph = grid(3, 3, sizes, patches=patches)
    result = optimise_area(graph, opts)
    check_plan(graph, result)
    assert result.status == "optimal"
    # The B column (36,000 patients) makes a network of its own: no straddling.
    assert networks_of(result.assignment)[result.assignment["P02"]] == {"P02", "P12", "P22"}
    assert result.objective == pytest.approx(brute_force_optimum(graph, opts), abs=0.1)


@st.composite
def tiny_areas(draw: st.DrawFn) -> nx.Graph:
    n = draw(st.integers(min_value=2, max_value=8))
    graph = nx.Graph(area="H")
    for i in range(n):
        graph.add_node(
            f"Q{i}",
            list_size=draw(st.integers(min_value=0, max_value=25_000)),
            x=draw(st.floats(min_value=0, max_value=20_000)),
            y=draw(st.floats(min_value=0, max_value=20_000)),
            patch=draw(st.sampled_from(["A", "B", None])),
        )
    for i in range(1, n):  # a random spanning tree keeps the area connected
        graph.add_edge(f"Q{i}", f"Q{draw(st.integers(min_value=0, max_value=i - 1))}")
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6))
    for a, b in extra:
        if a != b:
            graph.add_edge(f"Q{a}", f"Q{b}")
    return graph


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_areas(), network_cost=st.sampled_from([0.0, 30_000.0]))
def test_optimum_matches_exhaustive_enumeration(graph: nx.Graph, network_cost: float) -> None:
    opts = OptimiseSettings(time_limit=20, network_cost=network_cost, straddle_weight=2.0)
    result = optimise_area(graph, opts)
    check_plan(graph, result)
    best = brute_force_optimum(graph, opts)
    if best is None:
        assert result.soft_networks, "no in-band plan exists, so some network must be soft"
        assert result.explanations
        return
    assert result.status == "optimal"
    assert result.soft_networks == []
    # Costs are rounded to 0.01 patient-km per network inside the solver.
    assert result.objective == pytest.approx(best, abs=0.01 * graph.number_of_nodes() + 1e-6)
    assert result.bound == pytest.approx(result.objective)


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


def test_same_seed_gives_same_plan() -> None:
    sizes = [8_000, 9_000, 10_000, 11_000, 12_000, 7_000] * 4
    graph = grid(4, 6, sizes)
    first = optimise_area(graph, FAST)
    second = optimise_area(graph, FAST)
    assert first.assignment == second.assignment
    assert first.objective == second.objective


def test_progress_is_reported() -> None:
    calls: list[tuple[float, str]] = []
    optimise_area(grid(3, 3, [10_000] * 9), FAST, progress=lambda f, m: calls.append((f, m)))
    assert calls[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in calls)
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)


# --------------------------------------------------------------------------- locks, frozen, repair


def test_locks_are_respected() -> None:
    graph = grid(4, 4, [10_000] * 16)
    locked = {"P00": "Alpha", "P02": "Alpha", "P33": "Beta", "P31": "Beta", "P11": "Gamma"}
    result = optimise_area(graph, FAST, locked=locked)
    check_plan(graph, result)
    members = networks_of(result.assignment)
    assert {"P00", "P02"} <= members["Alpha"]
    assert {"P33", "P31"} <= members["Beta"]
    assert "P11" in members["Gamma"]
    assert result.status == "optimal"


def test_frozen_networks_are_kept_exactly() -> None:
    graph = grid(4, 4, [10_000] * 16)
    base = optimise_area(graph, FAST)
    frozen = sorted(set(base.assignment.values()))[:2]
    # Re-optimise with a different weighting: the frozen networks must not change.
    opts = OptimiseSettings(time_limit=20, network_cost=0.0)
    result = optimise_area(graph, opts, current=base.assignment, frozen=frozen)
    check_plan(graph, result)
    for practice, network in base.assignment.items():
        if network in frozen:
            assert result.assignment[practice] == network
    assert sorted(p for p, n in result.assignment.items() if n in frozen) == sorted(
        p for p, n in base.assignment.items() if n in frozen
    )


def test_repair_with_no_moves_returns_current_plan() -> None:
    graph = grid(3, 4, [10_000] * 12)
    # A feasible but not compact current plan: three 4-practice rows.
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}
    result = optimise_area(graph, replace_settings(max_moves=0), current=current)
    assert result.assignment == current
    assert result.moves == 0
    assert result.status == "optimal"


def fewest_moves(assignment: Mapping[str, str], current: Mapping[str, str]) -> int:
    """Practices outside their matched current network, under the best 1-1 matching."""
    proposed = networks_of(assignment)
    before = networks_of(current)
    names = sorted(before)
    slots = names + [None] * len(proposed)
    best = len(assignment)
    for matching in itertools.permutations(slots, len(proposed)):
        kept = sum(
            len(members & before[match])
            for members, match in zip(proposed.values(), matching, strict=True)
            if match is not None
        )
        best = min(best, len(assignment) - kept)
    return best


def test_repair_counts_moves_and_respects_the_budget() -> None:
    graph = grid(3, 4, [10_000] * 12)
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}
    free = optimise_area(graph, replace_settings(move_weight=1.0), current=current)
    budget = optimise_area(graph, replace_settings(move_weight=1.0, max_moves=2), current=current)
    for result in (free, budget):
        check_plan(graph, result)
        assert result.status == "optimal"
        assert result.moves == fewest_moves(result.assignment, current)
    assert free.moves is not None and free.moves > 2
    assert budget.moves is not None and budget.moves <= 2
    assert budget.objective is not None and free.objective is not None
    assert budget.objective >= free.objective - 1e-6


def test_repair_keeps_matched_network_ids() -> None:
    graph = grid(2, 4, [10_000] * 8)
    current = {"P00": "X", "P01": "X", "P10": "X", "P11": "X"}
    current |= {"P02": "Y", "P03": "Y", "P12": "Y", "P13": "Y"}
    result = optimise_area(graph, replace_settings(), current=current)
    assert result.assignment == current
    assert result.moves == 0


@pytest.mark.parametrize("repair", [False, True])
def test_chunked_column_handling_gives_the_same_result(
    repair: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large pools are costed and priced in chunks; tiny chunks must not change anything."""
    sizes = [6_000, 9_000, 12_000, 7_000, 8_000, 11_000, 10_000, 5_000, 9_500, 13_000, 6_500, 8_500]
    patches = ["A", "A", "B", "B"] * 3
    graph = grid(3, 4, sizes, patches=patches)
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)} if repair else None
    opts = replace_settings(move_weight=500.0)
    whole = optimise_area(graph, opts, current=current)
    monkeypatch.setattr(candidates, "CHUNK", 5)
    chunked = optimise_area(graph, opts, current=current)
    assert whole.status == chunked.status == "optimal"
    assert chunked.assignment == whole.assignment
    assert chunked.objective == whole.objective
    assert chunked.pool_size == whole.pool_size > 7


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


def replace_settings(**changes: object) -> OptimiseSettings:
    values = {"time_limit": 20.0, "workers": 1, "seed": 3} | changes
    return OptimiseSettings(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- soft band


def test_practice_over_the_maximum_is_its_own_soft_network() -> None:
    sizes = [10_000] * 8 + [64_000]
    graph = grid(3, 3, sizes)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    big = result.assignment["P22"]
    assert networks_of(result.assignment)[big] == {"P22"}
    assert result.soft_networks == [big]
    text = " ".join(result.explanations)
    assert "P22" in text and "64,000" in text and "50,000" in text


def test_a_practice_over_the_maximum_keeps_its_current_network_id() -> None:
    graph = grid(2, 3, [60_000, 20_000, 20_000, 10_000, 10_000, 10_000])
    current = {"P00": "S", "P01": "A", "P02": "A", "P10": "B", "P11": "B", "P12": "B"}
    result = optimise_area(graph, replace_settings(), current=current)
    assert result.assignment == current
    assert result.moves == 0
    assert result.soft_networks == ["S"]


def test_soft_band_reasons_name_only_the_networks_they_explain() -> None:
    # P01 can be in no in-band network; P03-P05 (60,000) cannot be split in band either, so
    # a network without P01 is out of band too, and must not be blamed on P01.
    graph = grid(1, 6, [45_000, 6_000, 45_000, 20_000, 20_000, 20_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    members = networks_of(result.assignment)
    assert len(result.soft_networks) == 2
    for network in result.soft_networks:
        [line] = [e for e in result.explanations if e.startswith(f"Network {network} ")]
        if "P01" in members[network]:
            assert line.endswith(
                "P01 (6,000 patients) is in no contiguous group of 30,000–50,000 patients."
            )
        else:
            assert ": the band is soft in this part of the area (practice P01" in line


def test_area_under_the_minimum_is_one_soft_network() -> None:
    graph = grid(2, 2, [5_000, 6_000, 7_000, 4_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.networks == 1
    assert len(result.soft_networks) == 1
    text = " ".join(result.explanations)
    assert "22,000" in text and "30,000" in text and "P00" in text


def test_island_under_the_minimum_is_explained() -> None:
    graph = grid(3, 3, [10_000] * 9)
    graph.add_node("ISL", list_size=12_000, x=20_000.0, y=0.0, patch=None)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.assignment["ISL"] in result.soft_networks
    assert any("ISL" in line and "12,000" in line for line in result.explanations)
    # The mainland is still planned in band.
    assert len(result.soft_networks) == 1


def test_population_no_number_of_networks_fits_is_explained() -> None:
    graph = grid(1, 2, [28_000, 28_000])  # 56,000: over one network, under two
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.soft_networks
    assert any("56,000" in line for line in result.explanations)


def test_practice_in_no_in_band_group_is_explained() -> None:
    # A star: every leaf reaches the band only with the hub, which can join just one.
    graph = nx.Graph(area="S")
    graph.add_node("HUB", list_size=10_000, x=0.0, y=0.0)
    for k, (x, y) in enumerate([(1, 0), (0, 1), (-1, 0)]):
        graph.add_node(f"L{k}", list_size=25_000, x=x * 3000.0, y=y * 3000.0)
        graph.add_edge("HUB", f"L{k}")
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.soft_networks
    assert any("cannot be partitioned" in line for line in result.explanations)
    # Deviation is kept to what the area forces: two lone leaves, 5,000 short each.
    deviation = sum(
        abs(Band().gap(sum(graph.nodes[p]["list_size"] for p in members)))
        for members in networks_of(result.assignment).values()
    )
    assert deviation == 10_000


def test_practice_in_no_in_band_group_is_named() -> None:
    # P01 (6,000) sits between two 45,000 practices: any group with it is out of band.
    graph = grid(1, 3, [45_000, 6_000, 45_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert any("P01" in line and "no contiguous group" in line for line in result.explanations)


def test_contradictory_locks_raise_infeasible_error() -> None:
    graph = grid(1, 3, [15_000, 15_000, 15_000])
    locked = {"P00": "N1", "P02": "N1", "P01": "N2"}
    with pytest.raises(InfeasibleError, match=r"P00.*P02"):
        optimise_area(graph, FAST, locked=locked)


def test_lock_clashing_with_frozen_network_raises() -> None:
    graph = grid(2, 4, [10_000] * 8)
    current = {f"P{r}{c}": ("X" if c < 2 else "Y") for r in range(2) for c in range(4)}
    with pytest.raises(InfeasibleError, match="P00"):
        optimise_area(graph, FAST, current=current, frozen=["X"], locked={"P00": "Y"})


def test_candidate_cap_falls_back_without_a_bound() -> None:
    graph = grid(4, 4, [10_000] * 16)
    result = optimise_area(graph, replace_settings(candidate_cap=5))
    check_plan(graph, result)
    assert result.status == "feasible"
    assert result.bound is None and result.gap is None
    assert any("candidate" in line for line in result.explanations)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="workers"):
        OptimiseSettings(workers=0)
    with pytest.raises(ValueError, match="max_moves"):
        OptimiseSettings(max_moves=-1)


# --------------------------------------------------------------------------- many areas


def test_propose_inline_combines_areas_and_reports_errors() -> None:
    good = grid(3, 3, [10_000] * 9, area="A")
    also = grid(2, 3, [10_000] * 6, area="B")
    also = nx.relabel_nodes(also, {p: f"B{p}" for p in also.nodes})
    broken = nx.Graph(area="C")
    broken.add_node("C1", list_size=10_000)  # no coordinates
    proposal = propose({"A": good, "B": also, "C": broken}, FAST, processes=1)
    assert proposal.results["A"].status == "optimal"
    assert proposal.results["B"].status == "optimal"
    assert proposal.results["C"].status == "error"
    assert "C1" in proposal.results["C"].explanations[0]
    assert set(proposal.plan.assignment) == set(good.nodes) | set(also.nodes)


def test_propose_in_processes_matches_inline() -> None:
    areas = {"A": grid(3, 3, [10_000] * 9, area="A")}
    other = grid(2, 3, [10_000] * 6, area="B")
    areas["B"] = nx.relabel_nodes(other, {p: f"B{p}" for p in other.nodes})
    inline = propose(areas, FAST, processes=1)
    parallel = propose(areas, FAST, processes=2)
    assert parallel.plan == inline.plan
    assert [r.status for r in parallel.results.values()] == ["optimal", "optimal"]


class _DieOnArrival:
    """Unpickled in a worker process, ends that process: a crash while it holds an area."""

    def __init__(self, how: str) -> None:
        self.how = how

    def __reduce__(self) -> tuple[object, tuple[int, ...]]:
        if self.how == "killed":  # as the kernel's out-of-memory killer would
            return (signal.raise_signal, (signal.SIGKILL,))
        return (os._exit, (3,))


def _areas(names: Sequence[str]) -> dict[str, nx.Graph]:
    areas = {}
    for name in names:
        area = grid(3, 3, [10_000] * 9, area=name)
        areas[name] = nx.relabel_nodes(area, {p: f"{name}{p}" for p in area.nodes})
    return areas


@pytest.mark.parametrize(("how", "words"), [("exit", "exit code 3"), ("killed", "signal 9")])
def test_a_dying_worker_process_fails_only_its_area(how: str, words: str) -> None:
    areas = _areas(["A", "B", "C", "D", "E"])
    areas["B"].graph["crash"] = _DieOnArrival(how)
    proposal = propose(areas, FAST, processes=2)
    assert proposal.results["B"].status == "error"
    assert proposal.results["B"].assignment == {}
    assert words in proposal.results["B"].explanations[0]
    assert "B" in proposal.results["B"].explanations[0]
    for name in ("A", "C", "D", "E"):
        assert proposal.results[name].status == "optimal"
        check_plan(areas[name], proposal.results[name])
    assert set(proposal.plan.assignment) == {
        p for name in ("A", "C", "D", "E") for p in areas[name].nodes
    }


def test_stop_set_before_the_start_gives_the_quick_plan() -> None:
    graph = grid(4, 4, [10_000] * 16)
    stop = threading.Event()
    stop.set()
    result = optimise_area(graph, replace_settings(time_limit=600.0), stop=stop)
    check_plan(graph, result)
    assert result.status == "feasible"
    assert any("the optimiser was stopped" in line for line in result.explanations)
    assert not any("time limit" in line for line in result.explanations)


@pytest.mark.parametrize("processes", [1, 2])
def test_propose_stopped_still_covers_every_practice(processes: int) -> None:
    areas = _areas(["A", "B", "C"])
    stop = threading.Event()
    stop.set()
    proposal = propose(areas, replace_settings(time_limit=600.0), processes=processes, stop=stop)
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}
    for name, result in proposal.results.items():
        check_plan(areas[name], result)
        assert any("stopped" in line for line in result.explanations), name


def test_a_worker_dying_while_stopping_still_leaves_a_plan_for_its_area() -> None:
    """A Ctrl-C can end a worker still starting up; its area then gets the quick plan."""
    areas = _areas(["A", "B", "C"])
    areas["B"].graph["crash"] = _DieOnArrival("exit")
    stop = threading.Event()
    stop.set()
    proposal = propose(areas, replace_settings(time_limit=600.0), processes=2, stop=stop)
    assert set(proposal.plan.assignment) == {p for g in areas.values() for p in g.nodes}
    for name, result in proposal.results.items():
        check_plan(areas[name], result)
        assert any("stopped" in line for line in result.explanations), name


def test_propose_reports_locks_across_areas_as_infeasible() -> None:
    a = grid(2, 2, [10_000] * 4, area="A")
    b = nx.relabel_nodes(grid(2, 2, [10_000] * 4, area="B"), lambda p: f"B{p}")
    proposal = propose({"A": a, "B": b}, FAST, locked={"P00": "L", "BP00": "L"}, processes=1)
    assert proposal.results["A"].status == "infeasible"
    assert "L" in proposal.results["A"].explanations[0]


def test_locks_that_force_a_small_network_are_explained() -> None:
    graph = grid(1, 3, [15_000, 15_000, 15_000])
    result = optimise_area(graph, FAST, locked={"P00": "A", "P02": "B"})
    check_plan(graph, result)
    assert result.assignment["P00"] == "A" and result.assignment["P02"] == "B"
    assert len(result.soft_networks) == 1
    assert any("locks" in line and "15,000" in line for line in result.explanations)


def test_repair_with_no_moves_keeps_out_of_band_current_networks() -> None:
    graph = grid(1, 4, [10_000] * 4)
    current = {"P00": "X", "P01": "X", "P02": "Y", "P03": "Y"}  # two 20,000 networks
    result = optimise_area(graph, replace_settings(max_moves=0), current=current)
    assert result.assignment == current
    assert result.soft_networks == ["X", "Y"]
    assert all("current plan" in line for line in result.explanations)
