"""bench_homes' proofs that a network out of band is forced, on tiny hand-made graphs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import ModuleType

import networkx as nx
import pytest
from benchmark_scripts import benchmark_script

from footprints.plan import Band

BAND = Band(30_000, 50_000)


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    yield from benchmark_script("bench_homes")


def _row(sizes: Sequence[int]) -> nx.Graph:
    """Practices P0, P1, … in a row, each joined to the next."""
    graph = nx.path_graph([f"P{k}" for k in range(len(sizes))])
    for k, size in enumerate(sizes):
        graph.nodes[f"P{k}"]["list_size"] = size
    return graph


def test_the_parts_hanging_off_a_practice_join_its_network(bench: ModuleType) -> None:
    # V (20,000) holds A (15,000) and B (25,000) alone: no in-band network fits in either,
    # so V's network holds both, 60,000 in all; C–D (40,000) is a network of its own.
    graph = nx.Graph([("V", "A"), ("V", "B"), ("V", "C"), ("C", "D")])
    for name, size in {"V": 20_000, "A": 15_000, "B": 25_000, "C": 20_000, "D": 20_000}.items():
        graph.nodes[name]["list_size"] = size
    assert bench.hangs_over(graph, "V", BAND) == 60_000
    # C holds D (20,000) alone; beyond C, V–A–B (60,000) can be two in-band networks
    assert bench.hangs_over(graph, "C", BAND) == 40_000
    assert bench.hangs_over(graph, "A", BAND) == 15_000


def test_a_row_with_no_partition_into_in_band_networks(bench: ModuleType) -> None:
    # 20 20 15 | 6 24 22: no cut of the row gives in-band segments only
    row = _row([20_000, 20_000, 15_000, 6_000, 24_000, 22_000])
    assert bench.no_partition(row, set(row.nodes), BAND)
    # 20 20 | 15 15 | 24 22: 40,000, 30,000, 46,000
    row = _row([20_000, 20_000, 15_000, 15_000, 24_000, 22_000])
    assert not bench.no_partition(row, set(row.nodes), BAND)
