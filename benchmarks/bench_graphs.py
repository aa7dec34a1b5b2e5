"""Time catchments and adjacency graphs for all of England (2020 snapshot).

Loads the 6,720 practices and the 135 CCG (and 42 STP) boundaries with ``footprints.io``,
then builds every CCG graph and, timed separately, every STP graph, and prints a small table:
seconds, areas, practices, edges by kind, island links, snapped sites, and the areas whose
graphs needed island links.

Run: ``.venv/bin/python benchmarks/bench_graphs.py --data ../shared/data``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import geopandas as gpd
import networkx as nx
from snapshot import CCGS, DEFAULT_DATA, PRACTICES, STPS

from footprints.graph import build_graphs
from footprints.io import read_boundaries, read_practices

P = ParamSpec("P")
R = TypeVar("R")


def _timed(
    label: str,
    timings: list[tuple[str, float]],
    func: Callable[P, R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    started = time.perf_counter()
    result = func(*args, **kwargs)
    timings.append((label, time.perf_counter() - started))
    return result


def _summary(
    level: str,
    graphs: dict[str, nx.Graph],
    cells: gpd.GeoDataFrame,
    names: dict[str, str],
) -> list[str]:
    kinds = Counter(d["kind"] for g in graphs.values() for _, _, d in g.edges(data=True))
    lines = [
        f"{level.upper()}: {len(graphs)} areas, "
        f"{sum(g.number_of_nodes() for g in graphs.values())} practices, "
        f"{sum(kinds.values())} edges (border {kinds['border']}, colocated {kinds['colocated']}, "
        f"island {kinds['island']}), all connected: "
        f"{all(nx.is_connected(g) for g in graphs.values() if len(g))}",
        f"  snapped sites: {int((cells['snapped_m'] > 0).sum())}, "
        f"over 1 km: {int((cells['snapped_m'] > 1000).sum())}, "
        f"largest {cells['snapped_m'].max() / 1000:.1f} km "
        f"({cells.loc[cells['snapped_m'].idxmax(), 'code']})",
    ]
    for code, graph in graphs.items():
        for a, b, data in graph.edges(data=True):
            if data["kind"] == "island":
                lines.append(
                    f"  island link in {code} {names.get(code, '')}: {a} – {b}, "
                    f"{data['distance_m'] / 1000:.1f} km"
                )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    args = parser.parse_args()
    data: Path = args.data

    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    practices = _timed("load practices", timings, read_practices, data / PRACTICES)
    ccgs = _timed("load CCG boundaries", timings, read_boundaries, data / CCGS, level="ccg")
    ccg_graphs, ccg_cells = _timed(
        "build 135 CCG graphs", timings, build_graphs, practices, ccgs, level="ccg"
    )
    load_and_ccg = time.perf_counter() - started
    stps = _timed("load STP boundaries", timings, read_boundaries, data / STPS, level="stp")
    stp_graphs, stp_cells = _timed(
        "build 42 STP graphs", timings, build_graphs, practices, stps, level="stp"
    )

    width = max(len(label) for label, _ in timings)
    print(f"{'step':<{width}}  seconds")
    for label, seconds in timings:
        print(f"{label:<{width}}  {seconds:7.2f}")
    print(f"{'load + CCG graphs':<{width}}  {load_and_ccg:7.2f}  (target 60)")
    print()
    names = dict(zip(ccgs["code"], ccgs["name"], strict=True))
    names |= dict(zip(stps["code"], stps["name"], strict=True))
    for line in _summary("ccg", ccg_graphs, ccg_cells, names):
        print(line)
    for line in _summary("stp", stp_graphs, stp_cells, names):
        print(line)


if __name__ == "__main__":
    main()
