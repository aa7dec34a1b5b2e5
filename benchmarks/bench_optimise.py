"""Benchmark the optimiser core on random planar areas.

Each instance: ``n`` practice sites uniform in a square sized for ~3,000 patients per km²,
adjacency from their Voronoi cells (shared border of positive length), list sizes lognormal
with median 8,000 (clipped to 1,500–45,000), patches from a coarse grid. Also times the
re-optimisation of a 60-practice area with about half its networks frozen.

Run: ``.venv/bin/python benchmarks/bench_optimise.py [--sizes 35 60 100] [--time-limit 60]``
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import MultiPoint, box

from footprints.optimiser import AreaResult, OptimiseSettings, optimise_area

DENSITY = 3_000.0  # patients per km²


def random_area(n: int, *, seed: int, name: str | None = None) -> nx.Graph:
    """A random planar area of ``n`` practices, as the graph builder would produce it."""
    rng = np.random.default_rng(seed)
    sizes = np.clip(rng.lognormal(math.log(8_000), 0.6, n), 1_500, 45_000).round().astype(int)
    side = math.sqrt(sizes.sum() / DENSITY) * 1_000.0  # metres
    points = rng.uniform(0, side, size=(n, 2))
    frame = box(0, 0, side, side)
    cells = shapely.voronoi_polygons(MultiPoint([tuple(p) for p in points]), extend_to=frame)
    polygons = [cell.intersection(frame) for cell in shapely.get_parts(cells)]
    # voronoi_polygons does not keep the input order: match each cell to its site.
    owner = {}
    tree = shapely.STRtree(polygons)
    for i, p in enumerate(points):
        for j in tree.query(shapely.Point(p), predicate="intersects"):
            owner[int(j)] = i
    cell_of = {i: polygons[j] for j, i in owner.items()}
    graph = nx.Graph(area=name or f"R{n}", level="ccg")
    patch_side = side / 3
    for i in range(n):
        x, y = points[i]
        graph.add_node(
            f"P{i:03d}",
            list_size=int(sizes[i]),
            x=float(x),
            y=float(y),
            patch=f"T{int(x // patch_side)}{int(y // patch_side)}",
        )
    tree = shapely.STRtree([cell_of[i] for i in range(n)])
    for i in range(n):
        for j in tree.query(cell_of[i], predicate="intersects"):
            j = int(j)
            if j > i and cell_of[i].intersection(cell_of[j]).length > 1e-6:
                graph.add_edge(f"P{i:03d}", f"P{j:03d}", kind="border")
    return graph


def _line(label: str, n: int, result: AreaResult, seconds: float) -> str:
    sizes = {}
    for network in result.assignment.values():
        sizes[network] = sizes.get(network, 0) + 1
    gap = "—" if result.gap is None else f"{result.gap:.3%}"
    return (
        f"{label:<28} {n:>4} {seconds:>8.1f} {result.status:>10} {gap:>9} "
        f"{result.networks:>8} {result.pool_size:>10,}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[35, 60, 100, 150, 206])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    settings = OptimiseSettings(time_limit=args.time_limit, workers=args.workers, seed=0)
    header = (
        f"{'instance':<28} {'n':>4} {'seconds':>8} {'status':>10} {'gap':>9} "
        f"{'networks':>8} {'candidates':>10}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        graph = random_area(n, seed=args.seed + n)
        started = time.perf_counter()
        result = optimise_area(graph, settings)
        print(_line(f"random planar {n}", n, result, time.perf_counter() - started), flush=True)

    # Re-optimise the unlocked rest of a 60-practice area with about half its networks frozen.
    graph = random_area(60, seed=args.seed + 60)
    base = optimise_area(graph, settings)
    networks = sorted(set(base.assignment.values()))
    frozen = networks[::2]
    started = time.perf_counter()
    result = optimise_area(graph, settings, current=base.assignment, frozen=frozen)
    seconds = time.perf_counter() - started
    print(_line(f"60, {len(frozen)} of {len(networks)} frozen", 60, result, seconds))
    kept = all(
        result.assignment[p] == base.assignment[p]
        for p in base.assignment
        if base.assignment[p] in frozen
    )
    print(f"frozen networks kept exactly: {kept}; target ≤ 3 s: {seconds <= 3.0}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
