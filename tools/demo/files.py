"""Writing the demo region's files: the generic formats, byte for byte the same per seed.

Geometries are written in EPSG:4326 with six decimals (about 0.1 m) as RFC 7946 GeoJSON, one
feature per line; CSVs are UTF-8 with Unix line ends.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from footprints.demo import DEMO_SEED, DemoFiles
from tools.demo.coords import to_wgs84
from tools.demo.current_plan import draw_plan
from tools.demo.geography import draw_region
from tools.demo.graphs import region_graphs
from tools.demo.manifest import build_manifest, practice_patches
from tools.demo.model import CCGS, DECIMALS, STP, Region, RetryError
from tools.demo.names import patch_code

__all__ = ["generate", "write_demo"]

logger = logging.getLogger(__name__)


def write_demo(out_dir: Path, *, seed: int = DEMO_SEED) -> DemoFiles:
    """Write the demo region's input files into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing; existing demo files are overwritten).
    seed
        Seed of the random draws. The same seed writes byte-identical files.

    Returns
    -------
    DemoFiles
        The paths written: ``practices.csv`` (generic practices CSV with ``lat,lon``,
        ``ccg``, ``stp``, ``patch``), ``ccg.geojson`` and ``stp.geojson`` (ONS-style
        properties), ``patches.geojson``, ``current_plan.csv`` (plan CSV),
        ``current_plan_flaws.json`` (the flaws planted in the current plan) and
        ``README.md``.
    """
    region, plan, manifest = generate(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles.in_folder(out_dir)
    _write_text(files.practices, _practices_csv(region))
    ccg_rows = [
        ({"CCG20CD": cd, "CCG20CDH": cdh, "CCG20NM": nm, "STP20CD": STP["STP20CD"]}, geom)
        for (cd, cdh, nm), geom in zip(CCGS, region.ccgs, strict=True)
    ]
    _write_text(files.ccg, _feature_collection("ccg", ccg_rows))
    _write_text(files.stp, _feature_collection("stp", [(dict(STP), region.stp)]))
    patch_rows = [
        ({"patch": patch_code(i), "name": name}, geom)
        for i, (name, geom) in enumerate(zip(region.patch_names, region.patches, strict=True))
    ]
    _write_text(files.patches, _feature_collection("patches", patch_rows))
    _write_text(files.current_plan, _plan_csv(plan))
    _write_text(files.current_plan_flaws, json.dumps(manifest, indent=2) + "\n")
    _write_text(files.readme, _readme(seed))
    populations = [sum(p.list_size for p in region.practices if p.ccg == c) for c in range(3)]
    logger.info(
        "Wrote the demo region (seed %d) to %s: %d practices in 3 CCGs (%s patients), "
        "%d patches, current plan of %d networks with %d planted flaws",
        seed,
        out_dir,
        len(region.practices),
        " / ".join(f"{p:,}" for p in populations),
        len(region.patches),
        len(set(plan.values())),
        len(manifest["flaws"]),
    )
    return files


def generate(seed: int) -> tuple[Region, dict[str, tuple[str, str]], dict[str, Any]]:
    """Draw the region and its current plan; retry (deterministically) until both fit.

    Attempt ``n`` draws from ``numpy.random.default_rng([seed, n])``, so a seed always gives
    the same region.

    Returns
    -------
    region : Region
        The region drawn.
    plan : dict
        Practice code → (network id, network name).
    manifest : dict
        The planted flaws, as written to ``current_plan_flaws.json``.
    """
    for attempt in range(60):
        rng = np.random.default_rng([seed, attempt])
        try:
            region = draw_region(rng)
            graphs = region_graphs(region)
            plan, planted = draw_plan(region, graphs, rng)
            manifest = build_manifest(region, graphs, plan, seed)
            if {f["networks"][0]: f["kind"] for f in manifest["flaws"]} != planted:
                raise RetryError
        except RetryError:
            continue
        return region, plan, manifest
    raise RuntimeError(f"could not generate a demo region for seed {seed}")  # pragma: no cover


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _practices_csv(region: Region) -> str:
    patch_of = practice_patches(region)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", "lat", "lon", "list_size", "ccg", "stp", "patch"])
    lonlat = shapely.get_coordinates(
        to_wgs84(shapely.points([(p.x, p.y) for p in region.practices]))
    )
    for p, (lon, lat) in zip(region.practices, lonlat, strict=True):
        writer.writerow(
            [
                p.code,
                p.name,
                f"{lat:.{DECIMALS}f}",
                f"{lon:.{DECIMALS}f}",
                p.list_size,
                CCGS[p.ccg][0],
                STP["STP20CD"],
                patch_of[p.code],
            ]
        )
    return buffer.getvalue()


def _plan_csv(plan: dict[str, tuple[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["practice_code", "network_id", "network_name"])
    for code in sorted(plan):
        writer.writerow([code, *plan[code]])
    return buffer.getvalue()


def _feature_collection(name: str, rows: list[tuple[dict[str, str], BaseGeometry]]) -> str:
    """RFC 7946 GeoJSON: lon/lat, counter-clockwise exteriors, one feature per line."""
    features = []
    for properties, geometry in rows:
        lonlat = shapely.orient_polygons(to_wgs84(geometry), exterior_cw=False)
        feature = {"type": "Feature", "properties": properties, "geometry": mapping(lonlat)}
        features.append(json.dumps(feature, separators=(",", ":"), ensure_ascii=False))
    return (
        '{"type":"FeatureCollection","name":'
        + json.dumps(name)
        + ',"features":[\n'
        + ",\n".join(features)
        + "\n]}\n"
    )


def _readme(seed: int) -> str:
    return f"""# Demo region (fictional)

Generated by `make demo` (`python tools/make_demo.py --out boundaries/demo`, seed {seed});
do not edit by hand — regenerate instead. Everything here is invented: the places,
practices, codes (`Z00001`…, CCGs `E38900001`…/`98X`…, STP `E54900001`/`QZZ`) and list sizes
are not real, although the region is placed in British National Grid near E 450,000 N 250,000.

The package installs this folder as `footprints.demo_data` (package data; `__init__.py` makes
it a package): `footprints.demo.load_demo()` reads it, `footprints demo --out DIR` copies it.

| file | content |
|---|---|
| `practices.csv` | generic practices CSV: `code,name,lat,lon,list_size,ccg,stp,patch` |
| `ccg.geojson` | three CCGs: city, market towns, rural with an island (`CCG20CD, CCG20CDH, …`) |
| `stp.geojson` | the STP, the union of the CCGs: `STP20CD, STP20CDH, STP20NM` |
| `patches.geojson` | community nursing patches: `patch, name` |
| `current_plan.csv` | a current plan (`practice_code,network_id,network_name`) with planted flaws |
| `current_plan_flaws.json` | the planted flaws, and the networks straddling nursing patches |
"""
