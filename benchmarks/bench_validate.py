"""Time the validator on a 206-practice area: full checks, footprints, and live moves.

By default the area is the largest CCG of the 2020 snapshot in ../shared/data (206
practices), its graph built by ``footprints.graph.build_graphs`` and its plan the real
2020 PCN membership; nursing patches are a synthetic 3x3 grid over the CCG (there are no
open patch polygons). ``--synthetic`` (or a missing snapshot) uses 206 random sites in a
square instead, with Voronoi adjacency.

Run: ``.venv/bin/python benchmarks/bench_validate.py [--synthetic] [--moves 200]``.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
from collections.abc import Callable

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box
from snapshot import CCGS, DEFAULT_DATA, PRACTICES

from footprints.crs import BNG
from footprints.metrics import footprints, network_table
from footprints.plan import Band, Plan
from footprints.rules import LiveValidator, validate


def _grid_patches(x: np.ndarray, y: np.ndarray, n: int = 3) -> list[str]:
    """Label sites by an n x n grid over their bounding box (stand-in nursing patches)."""
    col = np.minimum(((x - x.min()) / (np.ptp(x) or 1) * n).astype(int), n - 1)
    row = np.minimum(((y - y.min()) / (np.ptp(y) or 1) * n).astype(int), n - 1)
    return [f"patch-{r}{c}" for r, c in zip(row, col, strict=True)]


def real_area() -> tuple[nx.Graph, gpd.GeoDataFrame, Plan, str]:
    """The 2020 CCG with the most practices, its catchments and its 2020 PCN plan."""
    from footprints.graph import build_graphs

    table = pd.read_csv(DEFAULT_DATA / PRACTICES, dtype={"practice_code": str, "pcn_code": str})
    counts = table.groupby("ccg20_ons_code").agg(
        n=("practice_code", "size"), patients=("list_size_2020_01", "sum")
    )
    ccg = counts.sort_values(["n", "patients"]).index[-1]
    rows = table[table["ccg20_ons_code"] == ccg].reset_index(drop=True)
    x, y = rows["easting"].to_numpy(float), rows["northing"].to_numpy(float)
    practices = gpd.GeoDataFrame(
        {
            "code": rows["practice_code"],
            "name": rows["practice_name"],
            "list_size": rows["list_size_2020_01"].astype("int64"),
            "ccg": rows["ccg20_ons_code"],
            "stp": rows["stp20_ons_code"],
            "patch": _grid_patches(x, y),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=BNG,
    )
    boundaries = gpd.read_file(DEFAULT_DATA / CCGS).to_crs(BNG)
    boundaries = boundaries[boundaries["CCG20CD"] == ccg].rename(columns={"CCG20CD": "code"})
    graphs, cells = build_graphs(practices, boundaries[["code", "geometry"]], level="ccg")
    graph = graphs[ccg]
    cells = cells.merge(practices[["code", "list_size"]], on="code")
    plan = Plan(
        {c: p for c, p in zip(rows["practice_code"], rows["pcn_code"], strict=True) if p != "U"},
        dict(zip(rows["pcn_code"], rows["pcn_name"], strict=True)),
    )
    label = f"CCG {ccg} ({rows['ccg20_name'].iloc[0]}), 2020 PCN plan"
    return graph, cells, plan, label


def synthetic_area(n: int = 206, seed: int = 1) -> tuple[nx.Graph, gpd.GeoDataFrame, Plan, str]:
    """``n`` random sites in a 30 km square, Voronoi adjacency, ~40k-patient networks."""
    rng = np.random.default_rng(seed)
    side = 30_000.0
    xy = rng.uniform(0, side, size=(n, 2))
    square = box(0, 0, side, side)
    cells_all = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=square)
    cells = [
        shapely.intersection(
            next(c for c in cells_all.geoms if c.contains(shapely.Point(p))), square
        )
        for p in xy
    ]
    codes = [f"S{i:03d}" for i in range(n)]
    sizes = np.clip(rng.lognormal(np.log(7_000), 0.5, n), 1_000, 30_000).astype(int)
    patches = _grid_patches(xy[:, 0], xy[:, 1])
    graph = nx.Graph(area="SYN", level="ccg", island_links=0)
    for i, code in enumerate(codes):
        graph.add_node(
            code,
            list_size=int(sizes[i]),
            x=xy[i, 0],
            y=xy[i, 1],
            ccg="SYN",
            stp="SYN-S",
            patch=patches[i],
            name=f"Practice {i}",
        )
    tree = shapely.STRtree(cells)
    for i, j in zip(*tree.query(cells, predicate="intersects"), strict=True):
        if i < j:
            border = shapely.intersection(cells[i], cells[j]).length
            if border > 0:
                graph.add_edge(codes[i], codes[j], kind="border", border_m=float(border))
    k = max(1, round(sizes.sum() / 40_000))
    seeds = xy[rng.choice(n, k, replace=False)]
    nearest = np.argmin(((xy[:, None, :] - seeds[None, :, :]) ** 2).sum(-1), axis=1)
    plan = Plan({code: f"N{nearest[i]:02d}" for i, code in enumerate(codes)})
    frame = gpd.GeoDataFrame({"code": codes, "list_size": sizes}, geometry=cells, crs=BNG)
    return graph, frame, plan, f"synthetic: {n} random sites, {k} nearest-seed networks"


def _median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true", help="use random sites")
    parser.add_argument("--moves", type=int, default=200, help="random moves to time")
    parser.add_argument("--repeat", type=int, default=20, help="repeats of the full checks")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    started = time.perf_counter()
    if args.synthetic or not (DEFAULT_DATA / PRACTICES).is_file():
        graph, cells, plan, label = synthetic_area()
    else:
        graph, cells, plan, label = real_area()
    setup = time.perf_counter() - started
    band = Band()
    report = validate(plan, graph, band=band)
    print(f"area: {label}")
    print(
        f"  {graph.number_of_nodes()} practices, {graph.number_of_edges()} edges, "
        f"{report.summary['networks']} networks (set-up {setup:.1f} s)"
    )
    print(f"  summary: {report.summary}")

    full = _median_ms(lambda: validate(plan, graph, band=band), args.repeat)

    def with_footprints() -> None:
        validate(plan, graph, band=band)
        network_table(plan, graph, band=band, footprints=footprints(plan, cells))

    full_fp = _median_ms(with_footprints, args.repeat)
    fp_only = _median_ms(lambda: footprints(plan, cells), args.repeat)
    fp_cov = _median_ms(lambda: footprints(plan, cells, method="coverage"), args.repeat)
    build = _median_ms(lambda: LiveValidator(plan, graph, band=band), args.repeat)

    rng = random.Random(0)
    live = LiveValidator(plan, graph, band=band)
    codes = sorted(graph.nodes)
    move_ms, move_fp_ms = [], []
    checked = 0
    for step in range(args.moves):
        practice = rng.choice(codes)
        current = live.plan.assignment.get(practice)
        targets = sorted(
            {live.plan.assignment.get(n) for n in graph.neighbors(practice)} - {current, None}
        )
        if not targets:
            continue
        target = rng.choice(targets)
        start = time.perf_counter()
        live.move([practice], target)
        move_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        footprints(live.plan, cells, networks=[n for n in (current, target) if n])
        move_fp_ms.append((time.perf_counter() - start) * 1000)
        if step % 20 == 0:  # spot-check the cache against a fresh validation (not timed)
            assert live.report == validate(live.plan, graph, band=band)
            checked += 1

    print("timings (median, ms):")
    print(f"  full validation                         {full:8.2f}   (target <= 300)")
    print(f"  full validation + footprints + table    {full_fp:8.2f}   (target <= 300)")
    print(f"    of which footprints (union_all)       {fp_only:8.2f}")
    print(f"    footprints with coverage_union_all    {fp_cov:8.2f}")
    print(f"  LiveValidator set-up                    {build:8.2f}")
    print(
        f"  incremental re-check after one move     {statistics.median(move_ms):8.3f}   "
        f"(target <= 50; max {max(move_ms):.2f}, {len(move_ms)} moves)"
    )
    print(f"    + footprints of the 2 changed networks {statistics.median(move_fp_ms):7.2f}")
    print(f"  ({checked} live reports spot-checked equal to a fresh validate)")


if __name__ == "__main__":
    main()
