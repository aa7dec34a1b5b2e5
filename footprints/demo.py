"""The built-in demo region: a fictional STP of three CCGs, written in the generic formats.

The region sits in British National Grid around E 450,000 N 250,000, but its geography,
towns, practices and list sizes are invented: nothing here is real data. It has

* a dense city CCG (many practices close together, a small area, one health centre shared
  by two practices),
* a market-town CCG (practices clustered in five towns, villages between),
* a rural CCG with two small towns, scattered villages and an island (a separate polygon
  part) with three small practices,

community nursing patches that ignore the CCG borders, and a "current plan" with realistic
flaws planted (networks out of the band, one non-contiguous network, one network crossing a
CCG border), listed in a manifest so tests can check the validator finds exactly those.

Everything is computed in EPSG:27700 on integer metres, then written in EPSG:4326 with six
decimals (about 0.1 m). The current plan is built on the adjacency graphs that
:func:`footprints.graph.area_graph` computes from the *written* coordinates, so the loaders
and the validator see the same adjacency the generator used.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from footprints.crs import BNG, WGS84
from footprints.graph import area_graph, catchments, union_graph
from footprints.plan import Band

__all__ = ["DEMO_SEED", "DemoFiles", "write_demo"]

logger = logging.getLogger(__name__)

DEMO_SEED = 2020
"""The seed of the shipped demo region (``boundaries/demo``)."""

_CENTRE = (450_000.0, 250_000.0)  # BNG metres: the middle of the fictional STP
_DECIMALS = 6  # lon/lat decimals written (~0.1 m)
_MARGIN_M = 150.0  # practices stay this far from every CCG and patch border
_STRONG_BORDER_M = 100.0  # shared border a generated network relies on for contiguity
_BAND = Band()
_CLEAN = (32_000, 48_000)  # populations of the networks meant to be in band

_STP = {
    "STP20CD": "E54900001",
    "STP20CDH": "QZZ",
    "STP20NM": "Wexbridge and Ashdown Vale Health and Care Partnership",
}
# ONS-style code, ODS-style code, name; no real CCG uses these codes.
_CCGS = (
    ("E38900001", "98X", "NHS Wexbridge CCG"),
    ("E38900002", "98Y", "NHS Ashdown Vale CCG"),
    ("E38900003", "98Z", "NHS Fenwold and Holm CCG"),
)
_CITY, _MARKET, _RURAL = 0, 1, 2

_CITY_NAME = "Wexbridge"
_MARKET_TOWNS = ("Aldermoor", "Brackenford", "Hollinbury", "Thornleigh", "Quenby Market")
_RURAL_TOWNS = ("Fenwold", "Saltcote")
_HARBOUR = "Holmsend"
_ISLAND = "Isle of Holm"
_VILLAGES = (
    "Little Haddon", "Upper Wyke", "Kelsey St Mary", "Ormsby Cross", "Fennick", "Lower Brantwood",
    "Coldharbour End", "Wilmersham", "Ashby Parva", "Stoke Denley", "Harrowden Green",
    "Yarlingford", "Marsh Baldon End", "Cottisford Heath", "Swanby", "Great Tellow",
    "Pelham Rise", "Nether Oakby", "Whitmore Fen", "Dunstall Magna", "Ebbingworth",
    "Hatherstone", "Crowle Bridge", "Sedgecombe",
)  # fmt: skip
_DISTRICTS = (
    "Northgate", "Kingsholm", "Eastfield", "Riverside", "Southmead", "Bramley", "Westcliffe",
    "Hatherley", "Millbrook", "St Anne's", "Parkfields", "Canal Quarter", "Oldbury Hill",
    "Ferncroft", "Abbeymead", "Longlevens", "Tuffley Vale", "Barton Heath", "Greyfriars",
    "Sandhurst", "Hucclecote Park", "Elmore",
)  # fmt: skip
_STREETS = (
    "Market Street", "Church Lane", "High Street", "Station Road", "Mill Lane", "Victoria Road",
    "Queens Road", "Park Road", "London Road", "Albert Road", "Bridge Street", "King Street",
    "North Road", "Castle Street", "Abbey Road", "Chapel Street", "West Street", "Grove Road",
    "Manor Road", "Sheep Street", "Priory Road", "Wellington Road", "Vicarage Lane",
    "Oxford Road", "Cromwell Road", "Southgate",
)  # fmt: skip
_FEATURES = (
    "Riverside", "Parkside", "Hillview", "Beechwood", "Oakfield", "Willow Tree", "Meadowbank",
    "The Old Mill", "Brookside", "Orchard", "Lakeside", "Greenway", "Cedar House", "Elmwood",
    "Hawthorn", "Ivy Grove", "Larkfield", "Fernhill", "Springfield", "Woodlands", "Valley",
    "Castle Mead", "St Anne's", "St John's", "St Mark's", "Priory", "Abbey", "Crown",
    "Rosemead", "Kingsway", "Heathfield", "Bellevue", "Rowan Tree", "Highfield", "Westgate",
)  # fmt: skip
_SURNAMES = (
    "Patel", "Okafor", "Shah", "Hughes", "Khan", "Williams", "Chen", "O'Brien", "Nowak",
    "Begum", "Evans", "Ahmed", "Murphy", "Davies", "Singh", "Thompson", "Mensah", "Ali",
    "Roberts", "Clarke", "Kaur", "Osei", "Fraser", "Lewis", "Hussain", "Kowalski",
)  # fmt: skip
_SUFFIXES = (
    "Surgery", "Medical Centre", "Medical Practice", "Health Centre", "Family Practice",
    "Group Practice",
)  # fmt: skip


@dataclass
class DemoFiles:
    """Paths of the files :func:`write_demo` wrote."""

    practices: Path
    ccg: Path
    stp: Path
    patches: Path
    current_plan: Path
    current_plan_flaws: Path
    readme: Path


class _RetryError(Exception):
    """A random draw did not give the region we want: draw again (deterministically)."""


@dataclass
class _Practice:
    code: str
    name: str
    x: float
    y: float
    list_size: int
    ccg: int
    town: str  # the city, town or village it serves: names networks and patches
    kind: str  # city, town, village, harbour, island


@dataclass
class _Region:
    ccgs: list[BaseGeometry]  # BNG, integer vertices, in _CCGS order
    stp: BaseGeometry
    island: BaseGeometry
    patches: list[BaseGeometry]
    patch_names: list[str]
    practices: list[_Practice] = field(default_factory=list)


# --------------------------------------------------------------------------- public


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
    region, plan, manifest = _generate(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        practices=out_dir / "practices.csv",
        ccg=out_dir / "ccg.geojson",
        stp=out_dir / "stp.geojson",
        patches=out_dir / "patches.geojson",
        current_plan=out_dir / "current_plan.csv",
        current_plan_flaws=out_dir / "current_plan_flaws.json",
        readme=out_dir / "README.md",
    )
    _write_text(files.practices, _practices_csv(region))
    ccg_rows = [
        ({"CCG20CD": cd, "CCG20CDH": cdh, "CCG20NM": nm, "STP20CD": _STP["STP20CD"]}, geom)
        for (cd, cdh, nm), geom in zip(_CCGS, region.ccgs, strict=True)
    ]
    _write_text(files.ccg, _feature_collection("ccg", ccg_rows))
    _write_text(files.stp, _feature_collection("stp", [(dict(_STP), region.stp)]))
    patch_rows = [
        ({"patch": _patch_code(i), "name": name}, geom)
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


# --------------------------------------------------------------------------- generation


def _generate(seed: int) -> tuple[_Region, dict[str, tuple[str, str]], dict[str, Any]]:
    """Draw the region and its current plan; retry (deterministically) until both fit."""
    for attempt in range(60):
        rng = np.random.default_rng([seed, attempt])
        try:
            region = _draw_region(rng)
            graphs = _graphs(region)
            plan, planted = _draw_plan(region, graphs, rng)
            manifest = _manifest(region, graphs, plan, seed)
            if {f["networks"][0]: f["kind"] for f in manifest["flaws"]} != planted:
                raise _RetryError
        except _RetryError:
            continue
        return region, plan, manifest
    raise RuntimeError(f"could not generate a demo region for seed {seed}")  # pragma: no cover


def _draw_region(rng: np.random.Generator) -> _Region:
    cx, cy = _CENTRE
    mainland = _blob(rng, (cx, cy), 27_000, aspect=1.3, roughness=0.14, vertices=300)
    # The city sits on the western edge: its blob pokes out of the mainland and is clipped.
    y_city = cy + rng.uniform(-4_000, 6_000)
    x_west = _extreme_x(mainland, y_city, east=False)
    city_blob = _blob(rng, (x_west + 5_000, y_city), 8_500, aspect=1.1, roughness=0.1)
    rest = shapely.difference(mainland, city_blob, grid_size=1)
    city = shapely.intersection(mainland, city_blob, grid_size=1)
    east = _east_of_divider(rng, mainland, cx + rng.uniform(4_000, 9_000))
    rural_main = shapely.intersection(rest, east, grid_size=1)
    market = shapely.difference(rest, east, grid_size=1)
    if not all(isinstance(g, shapely.Polygon) for g in (city, market, rural_main)):
        raise _RetryError
    # The island lies off the east coast, a few kilometres across the water.
    y_island = cy + rng.uniform(-9_000, -3_000)
    x_east = _extreme_x(mainland, y_island, east=True)
    island = _blob(rng, (x_east + rng.uniform(4_000, 5_000) + 2_600, y_island), 2_400, aspect=1.5)
    rural = shapely.union(rural_main, island, grid_size=1)
    ccgs = [city, market, rural]
    stp = shapely.union_all(ccgs, grid_size=1)
    if not isinstance(stp, shapely.MultiPolygon) or len(stp.geoms) != 2:
        raise _RetryError
    ccgs, patches, patch_seeds = _draw_patches(rng, ccgs, stp)
    stp = shapely.union_all(ccgs, grid_size=1)
    rural_main, island = sorted(ccgs[_RURAL].geoms, key=lambda part: -part.area)
    region = _Region(ccgs=ccgs, stp=stp, island=island, patches=patches, patch_names=[])
    _draw_practices(rng, region, rural_main)
    region.patch_names = _patch_names(region, patch_seeds)
    return region


def _blob(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radius: float,
    *,
    aspect: float = 1.0,
    roughness: float = 0.1,
    vertices: int = 120,
) -> BaseGeometry:
    """An irregular, natural-looking star-shaped polygon with integer vertices."""
    theta = np.linspace(0.0, 2 * math.pi, vertices, endpoint=False)
    r = np.ones(vertices)
    for k in range(2, 25):  # long bays and headlands, then smaller bends
        r += roughness * rng.uniform(0.2, 1.0) / k**0.9 * np.sin(k * theta + rng.uniform(0, 6.3))
    r += rng.normal(0.0, roughness * 0.04, vertices)  # coastline wiggle
    r = np.clip(r, 0.4, None)
    rotation = rng.uniform(-0.4, 0.4)
    x = r * np.cos(theta) * radius * aspect
    y = r * np.sin(theta) * radius
    xr = x * math.cos(rotation) - y * math.sin(rotation) + centre[0]
    yr = x * math.sin(rotation) + y * math.cos(rotation) + centre[1]
    polygon = shapely.Polygon(np.round(np.column_stack([xr, yr])))
    if not polygon.is_valid:
        raise _RetryError
    return polygon


def _extreme_x(polygon: BaseGeometry, y: float, *, east: bool) -> float:
    minx, _, maxx, _ = polygon.bounds
    chord = shapely.intersection(polygon, shapely.LineString([(minx - 1, y), (maxx + 1, y)]))
    xs = shapely.get_coordinates(chord)[:, 0]
    if not len(xs):
        raise _RetryError
    return float(xs.max() if east else xs.min())


def _east_of_divider(rng: np.random.Generator, mainland: BaseGeometry, x0: float) -> BaseGeometry:
    """The half-plane east of a wandering north-south line (the market/rural border)."""
    _, miny, maxx, maxy = mainland.bounds
    ys = np.linspace(maxy + 5_000, miny - 5_000, 90)
    xs = np.full_like(ys, x0)
    for wavelength in (40_000, 17_000, 7_000):
        xs += (
            rng.uniform(0.5, 1.0)
            * wavelength
            / 14
            * np.sin(2 * math.pi * ys / wavelength + rng.uniform(0, 6.3))
        )
    xs += rng.normal(0, 150, len(xs))
    ring = [*zip(np.round(xs), np.round(ys), strict=True)]
    ring += [
        (round(maxx + 50_000), round(miny - 5_000)),
        (round(maxx + 50_000), round(maxy + 5_000)),
    ]
    return shapely.Polygon(ring)


def _draw_patches(
    rng: np.random.Generator, ccgs: list[BaseGeometry], stp: BaseGeometry
) -> tuple[list[BaseGeometry], list[BaseGeometry], np.ndarray]:
    """Nursing patches: Voronoi cells of team bases, blind to the CCG borders.

    CCGs and patches are both rebuilt from the faces of their overlay, so the points where a
    patch border meets a CCG border or the coast are vertices of both layers, and the
    patches cover the STP exactly.
    """
    seeds: list[tuple[float, float]] = []
    for ccg, count, spacing in ((_CITY, 3, 4_000), (_MARKET, 4, 12_000), (_RURAL, 3, 12_000)):
        main = _main_part(ccgs[ccg]).buffer(-2_000)
        seeds += _scatter(rng, main, count, existing=seeds, min_sep=spacing)
    points = np.array(seeds)
    minx, miny, maxx, maxy = stp.bounds
    frame = shapely.box(minx - 20_000, miny - 20_000, maxx + 20_000, maxy + 20_000)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame, ordered=True)
    )
    cells = shapely.set_precision(cells, 1.0)
    faces = [[shapely.intersection(ccg, cell, grid_size=1) for cell in cells] for ccg in ccgs]
    rebuilt = [shapely.union_all(row, grid_size=1) for row in faces]
    patches = [shapely.union_all(column, grid_size=1) for column in zip(*faces, strict=True)]
    kinds = [type(g).__name__ for g in rebuilt]
    if kinds != ["Polygon", "Polygon", "MultiPolygon"] or len(rebuilt[_RURAL].geoms) != 2:
        raise _RetryError
    if not (shapely.coverage_is_valid(rebuilt) and shapely.coverage_is_valid(patches)):
        raise _RetryError
    if any(p.is_empty or p.area < 20e6 for p in patches):
        raise _RetryError
    straddles = sum(
        sum(not face.is_empty and face.area > 5e6 for face in c) > 1
        for c in zip(*faces, strict=True)
    )
    if straddles < 2:
        raise _RetryError
    return rebuilt, patches, points


def _main_part(geometry: BaseGeometry) -> BaseGeometry:
    parts = shapely.get_parts(geometry)
    return max(parts, key=lambda p: p.area)


def _scatter(
    rng: np.random.Generator,
    polygon: BaseGeometry,
    count: int,
    *,
    existing: Sequence[tuple[float, float]],
    min_sep: float,
    centre: tuple[float, float] | None = None,
    sigma: float = 0.0,
    avoid: BaseGeometry | None = None,
) -> list[tuple[float, float]]:
    """``count`` integer points in ``polygon``, ``min_sep`` apart from each other and
    ``existing``; Gaussian around ``centre`` when given, else uniform; ``_MARGIN_M`` clear
    of the lines ``avoid``."""
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    placed: list[tuple[float, float]] = []
    others = np.array(list(existing), dtype=float).reshape(-1, 2)
    for _ in range(count * 400):
        if len(placed) == count:
            return placed
        if centre is None:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        else:
            x, y = rng.normal(centre[0], sigma), rng.normal(centre[1], sigma)
        x, y = round(x), round(y)
        point = shapely.Point(x, y)
        if not polygon.contains(point):
            continue
        if avoid is not None and avoid.distance(point) < _MARGIN_M:
            continue
        if len(others) and np.hypot(others[:, 0] - x, others[:, 1] - y).min() < min_sep:
            continue
        placed.append((x, y))
        others = np.vstack([others, [x, y]])
    raise _RetryError


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, low: int, high: int, n: int
) -> list[int]:
    sizes = np.exp(rng.normal(math.log(median), sigma, n))
    return [int(s) for s in np.clip(np.round(sizes), low, high)]


def _draw_practices(rng: np.random.Generator, region: _Region, rural_main: BaseGeometry) -> None:
    """Sites and list sizes: a dense city, clustered towns, sparse villages, an island."""
    borders = shapely.union_all(
        [shapely.boundary(g) for g in [*region.ccgs, *region.patches]], grid_size=1
    )
    shapely.prepare(borders)
    city, market = region.ccgs[_CITY], region.ccgs[_MARKET]
    sites: list[tuple[float, float]] = []
    drawn: list[tuple[tuple[float, float], int, int, str, str]] = []  # site, size, ccg, town, kind

    def add(
        points: Iterable[tuple[float, float]], sizes: Iterable[int], ccg: int, town: str, kind: str
    ) -> None:
        for point, size in zip(points, sizes, strict=True):
            sites.append(point)
            drawn.append((point, size, ccg, town, kind))

    # The city: dense around its centre, with a super-practice.
    city_centre = shapely.get_coordinates(city.buffer(-3_000).centroid)[0]
    n_city = int(rng.integers(74, 82))
    city_sites = _scatter(
        rng,
        city,
        n_city,
        existing=sites,
        min_sep=300,
        centre=tuple(city_centre),
        sigma=3_300,
        avoid=borders,
    )
    city_sizes = _lognormal(rng, 8_800, 0.5, 2_200, 28_000, n_city)
    city_sizes[int(rng.integers(n_city))] = int(rng.integers(58_000, 70_000))
    add(city_sites, city_sizes, _CITY, _CITY_NAME, "city")

    # Market towns: five clusters, the largest with a super-practice; villages between.
    town_centres = _scatter(
        rng,
        market.buffer(-3_500),
        len(_MARKET_TOWNS),
        existing=[tuple(city_centre)],
        min_sep=9_500,
    )
    for rank, (town, centre) in enumerate(zip(_MARKET_TOWNS, town_centres, strict=True)):
        n = (9, 7, 6, 5, 4)[rank]
        points = _scatter(
            rng, market, n, existing=sites, min_sep=250, centre=centre, sigma=900, avoid=borders
        )
        sizes = _lognormal(rng, 8_200, 0.5, 2_500, 24_000, n)
        if rank == 0:
            sizes[0] = int(rng.integers(52_000, 60_000))
        add(points, sizes, _MARKET, town, "town")
    villages = list(_VILLAGES)
    rng.shuffle(villages)
    points = _scatter(rng, market, 8, existing=sites, min_sep=3_500, avoid=borders)
    add(points, _lognormal(rng, 3_800, 0.35, 1_500, 8_000, 8), _MARKET, "", "village")

    # Rural: a harbour town facing the island, two small towns, villages, the island.
    island_xy = shapely.get_coordinates(region.island.centroid)[0]
    coast = shapely.get_coordinates(
        nearest_points(rural_main.boundary, shapely.Point(island_xy))[0]
    )[0]
    inland = coast + (coast - island_xy) / np.hypot(*(coast - island_xy)) * 1_600
    harbour = _scatter(
        rng,
        rural_main,
        2,
        existing=sites,
        min_sep=600,
        centre=tuple(inland),
        sigma=500,
        avoid=borders,
    )
    add(harbour, _lognormal(rng, 5_500, 0.3, 3_000, 9_000, 2), _RURAL, _HARBOUR, "harbour")
    rural_towns = _scatter(
        rng,
        rural_main.buffer(-4_000),
        2,
        existing=[*town_centres, tuple(inland)],
        min_sep=10_000,
    )
    for town, centre, n in zip(_RURAL_TOWNS, rural_towns, (5, 4), strict=True):
        points = _scatter(
            rng,
            rural_main,
            n,
            existing=sites,
            min_sep=300,
            centre=centre,
            sigma=900,
            avoid=borders,
        )
        add(points, _lognormal(rng, 6_500, 0.45, 2_000, 16_000, n), _RURAL, town, "town")
    points = _scatter(rng, rural_main, 10, existing=sites, min_sep=4_000, avoid=borders)
    add(points, _lognormal(rng, 3_600, 0.4, 1_500, 8_000, 10), _RURAL, "", "village")
    points = _scatter(
        rng, region.island.buffer(-400), 3, existing=sites, min_sep=1_000, avoid=borders
    )
    add(points, [int(s) for s in rng.integers(1_500, 3_200, 3)], _RURAL, _ISLAND, "island")

    # Two city practices share a health centre (the only shared site).
    shared = int(np.argsort([math.dist(s, city_centre) for s in city_sites])[5])
    add(
        [city_sites[shared]],
        _lognormal(rng, 6_000, 0.3, 3_000, 12_000, 1),
        _CITY,
        _CITY_NAME,
        "city",
    )

    # Villages take their own names; everyone else serves their town.
    village_names = iter(villages)
    codes = iter(f"Z{n:05d}" for n in range(1, 1000))
    order = sorted(range(len(drawn)), key=lambda i: (drawn[i][2], -drawn[i][0][1], drawn[i][0][0]))
    names = _PracticeNames(rng)
    for i in order:
        (x, y), size, ccg, town, kind = drawn[i]
        if kind == "village":
            town = next(village_names)
        shares_site = i == len(drawn) - 1 or (i < len(city_sites) and i == shared)
        region.practices.append(
            _Practice(
                code=next(codes),
                name=names.draw(town=town, kind=kind, health_centre=shares_site),
                x=float(x),
                y=float(y),
                list_size=size,
                ccg=ccg,
                town=town,
                kind=kind,
            )
        )


class _PracticeNames:
    """Plausible, varied and unique practice names."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.health_centre = ""

    def _pick(self, options: Sequence[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def draw(self, *, town: str, kind: str, health_centre: bool) -> str:
        if health_centre:
            # Two practices in one building: "X Health Centre" and a partnership inside it.
            if not self.health_centre:
                self.health_centre = f"{self._pick(_FEATURES)} Health Centre"
                return self._unique(lambda: self.health_centre)
            return self._unique(lambda: f"{self._doctor()} at {self.health_centre}")
        if kind in ("village", "island", "harbour"):
            place = town if kind != "island" else "Holm Island"
            return self._unique(
                lambda: self._pick(
                    [
                        f"{place} {self._pick(_SUFFIXES[:3])}",
                        f"{place} {self._pick(_SUFFIXES[:3])}",
                        f"The {place} Practice",
                        f"{self._pick(_FEATURES)} Surgery, {place}",
                    ]
                )
            )

        def city_or_town() -> str:
            roll = self.rng.random()
            if roll < 0.3:
                return f"{self._pick(_STREETS)} {self._pick(_SUFFIXES)}"
            if roll < 0.6:
                return f"{self._pick(_FEATURES)} {self._pick(_SUFFIXES)}"
            if roll < 0.75:
                return self._doctor()
            if roll < 0.85:
                return f"The {self._pick(_SURNAMES)} Practice"
            if kind == "city":
                return f"{self._pick(_DISTRICTS)} {self._pick(_SUFFIXES)}"
            return f"{town} {self._pick(_SUFFIXES)}"

        return self._unique(city_or_town)

    def _doctor(self) -> str:
        initial = "ABCDEGHJKLMNPRST"[int(self.rng.integers(16))]
        return f"Dr {initial} {self._pick(_SURNAMES)} & Partners"

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise _RetryError


def _patch_code(index: int) -> str:
    return f"NP{index + 1:02d}"


def _patch_names(region: _Region, seeds: np.ndarray) -> list[str]:
    """Each patch takes the name of the town nearest its team base."""
    towns: dict[str, list[tuple[float, float]]] = {}
    for p in region.practices:
        if p.kind in ("city", "town", "harbour"):
            towns.setdefault(p.town, []).append((p.x, p.y))
    centres = {t: np.mean(np.array(xy), axis=0) for t, xy in towns.items()}
    city_centre = centres[_CITY_NAME]
    names: list[str] = []
    for x, y in seeds:
        town = min(centres, key=lambda t: (math.dist(centres[t], (x, y)), t))
        if town == _CITY_NAME:
            names.append(f"{_CITY_NAME} {_compass(x - city_centre[0], y - city_centre[1])}")
        elif f"{town} and District" in names:
            names.append(f"{town} Rural")
        else:
            names.append(f"{town} and District")
    if len(set(names)) != len(names):
        raise _RetryError
    return names


def _compass(dx: float, dy: float) -> str:
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return (
        "East",
        "North East",
        "North",
        "North West",
        "West",
        "South West",
        "South",
        "South East",
    )[int(((angle + 22.5) % 360) // 45)]


# --------------------------------------------------------------------------- graphs


@dataclass
class _Graphs:
    stp: nx.Graph  # the STP-level graph (what the validator uses for a whole region)
    ccg: list[nx.Graph]  # one CCG-level graph per CCG


def _round_trip(geometry: BaseGeometry) -> BaseGeometry:
    """The geometry as the loaders will see it: written in lon/lat, read back into BNG."""
    return shapely.transform(_to_wgs84(geometry), _TO_BNG)


def _practices_frame(region: _Region) -> gpd.GeoDataFrame:
    lonlat = _to_wgs84(shapely.points([(p.x, p.y) for p in region.practices]))
    return gpd.GeoDataFrame(
        {
            "code": [p.code for p in region.practices],
            "name": [p.name for p in region.practices],
            "list_size": [p.list_size for p in region.practices],
            "ccg": [_CCGS[p.ccg][0] for p in region.practices],
            "stp": [_STP["STP20CD"]] * len(region.practices),
        },
        geometry=shapely.transform(lonlat, _TO_BNG),
        crs=BNG,
    )


def _graphs(region: _Region) -> _Graphs:
    """Adjacency on the round-tripped coordinates, at STP and CCG level."""
    frame = _practices_frame(region)
    ccg_graphs, cells = [], []
    for c, geometry in enumerate(region.ccgs):
        members = frame[frame["ccg"] == _CCGS[c][0]].reset_index(drop=True)
        area = _round_trip(geometry)
        member_cells = catchments(members, area)
        member_cells["area"] = _CCGS[c][0]
        ccg_graphs.append(
            area_graph(members, area, area_code=_CCGS[c][0], level="ccg", cells=member_cells)
        )
        cells.append(member_cells)
    # The region graph the validator uses (Region.validation_graph): CCG catchments, linked
    # where they meet across a CCG border.
    stp_graph = union_graph(ccg_graphs, catchments=pd.concat(cells, ignore_index=True))
    # The island must be an island in both graphs: joined by one flagged link, its
    # catchments not reaching the mainland.
    island = {p.code for p in region.practices if p.kind == "island"}
    for graph in (stp_graph, ccg_graphs[_RURAL]):
        links = [(a, b) for a, b, kind in graph.edges(data="kind") if kind == "island"]
        if len(links) != 1 or len(island & set(links[0])) != 1:
            raise _RetryError
        for a, b, kind in graph.edges(data="kind"):
            if kind == "border" and len(island & {a, b}) == 1:
                raise _RetryError
    return _Graphs(stp=stp_graph, ccg=ccg_graphs)


def _strong(graph: nx.Graph, a: str, b: str) -> bool:
    data = graph.get_edge_data(a, b)
    if data is None:
        return False
    return data["kind"] != "border" or data["border_m"] >= _STRONG_BORDER_M


# --------------------------------------------------------------------------- current plan


class _Sites:
    """The partition graph: one node per site (co-located practices move together), joined
    where the practices share a long border in both the STP- and the CCG-level graph."""

    def __init__(self, region: _Region, graphs: _Graphs) -> None:
        by_xy: dict[tuple[float, float], int] = {}
        self.members: list[list[_Practice]] = []
        for p in region.practices:
            site = by_xy.setdefault((p.x, p.y), len(self.members))
            if site == len(self.members):
                self.members.append([])
            self.members[site].append(p)
        self.site_of = {p.code: s for s, ps in enumerate(self.members) for p in ps}
        self.pop = [sum(p.list_size for p in ps) for ps in self.members]
        self.ccg = [ps[0].ccg for ps in self.members]
        self.xy = np.array([(ps[0].x, ps[0].y) for ps in self.members])
        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(len(self.members)))
        self.any_edge = nx.Graph()  # any adjacency at all, in either graph
        self.any_edge.add_nodes_from(range(len(self.members)))
        for a, b in sorted(graphs.stp.edges):
            sa, sb = self.site_of[a], self.site_of[b]
            if sa == sb:
                continue
            self.any_edge.add_edge(sa, sb)
            if not _strong(graphs.stp, a, b):
                continue
            if self.ccg[sa] == self.ccg[sb] and not _strong(graphs.ccg[self.ccg[sa]], a, b):
                continue
            self.graph.add_edge(sa, sb)
        for graph in graphs.ccg:
            for a, b in graph.edges:
                if self.site_of[a] != self.site_of[b]:
                    self.any_edge.add_edge(self.site_of[a], self.site_of[b])

    def total(self, sites: Iterable[int]) -> int:
        return sum(self.pop[s] for s in sites)

    def connected(self, sites: set[int]) -> bool:
        return bool(sites) and nx.is_connected(self.graph.subgraph(sites))

    def grow(self, start: set[int], allowed: set[int], target: int) -> set[int]:
        """Add the strongly adjacent allowed site nearest the centre until ``target``."""
        part = set(start)
        while self.total(part) < target:
            frontier = sorted({n for s in part for n in self.graph[s]} & (allowed - part))
            if not frontier:
                raise _RetryError
            weights = np.array([self.pop[s] for s in part], dtype=float)
            centre = weights @ self.xy[sorted(part)] / weights.sum()
            part.add(min(frontier, key=lambda s: (math.dist(self.xy[s], centre), s)))
        return part


def _draw_plan(
    region: _Region, graphs: _Graphs, rng: np.random.Generator
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The current plan: mostly tidy networks, with the manifest's flaws planted."""
    sites = _Sites(region, graphs)
    free = [{s for s in range(len(sites.members)) if sites.ccg[s] == c} for c in range(3)]
    networks: list[tuple[set[int], str]] = []  # sites, intended flaw kinds ("" when clean)

    def take(part: set[int], flaws: str) -> None:
        for c in range(3):
            free[c] -= part
            if free[c] and not sites.connected(free[c]):
                raise _RetryError
        networks.append((part, flaws))

    # Super-practices: one joined by a small neighbour, one on its own (both above the band).
    supers = [s for s in range(len(sites.pop)) if sites.pop[s] > _BAND.max_population]
    for s in supers:
        if sites.ccg[s] == _CITY:
            neighbours = sorted(set(sites.graph[s]) & free[_CITY], key=lambda n: (sites.pop[n], n))
            for n in neighbours:
                rest = free[_CITY] - {s, n}
                if sites.connected(rest):
                    take({s, n}, "band_above")
                    break
            else:
                raise _RetryError
        else:
            take({s}, "band_above")

    # A network across the city / market-town border, contiguous across it.
    crossing = [
        (a, b)
        for a, b in sorted(sites.graph.edges)
        if {sites.ccg[a], sites.ccg[b]} == {_CITY, _MARKET} and {a, b} <= free[0] | free[1]
    ]
    rng.shuffle(crossing)
    for a, b in crossing[:20]:
        try:
            part = sites.grow(
                {a, b}, free[_CITY] | free[_MARKET], int(rng.integers(36_000, 43_000))
            )
            if _CLEAN[0] <= sites.total(part) <= _CLEAN[1]:
                take(part, "boundary")
                break
        except _RetryError:
            continue
    else:
        raise _RetryError

    # A market-town network with one practice cut off from the rest (non-contiguous).
    _plant_detached(sites, free, take, rng)

    # The island with the harbour town and its neighbours: a small rural network.
    island = {sites.site_of[p.code] for p in region.practices if p.kind == "island"}
    part = sites.grow(island, free[_RURAL], int(rng.integers(20_000, 26_000)))
    if sites.total(part) >= _BAND.min_population:
        raise _RetryError
    take(part, "band_below")

    # The rest: random spanning-tree splits into networks in the band, plus one city network
    # above and one below it.
    for c in range(3):
        special = [((52_000, 58_000), "band_above"), ((23_000, 28_500), "band_below")]
        special = special if c == _CITY else []
        total = sites.total(free[c]) - sum(sum(b) // 2 for b, _ in special)
        k = max(1, round(total / 41_000))
        bands = [b for b, _ in special] + [_CLEAN] * k
        parts = _tree_partition(sites, free[c], bands, rng)
        if parts is None:
            raise _RetryError
        for i, part in enumerate(parts):
            networks.append((part, special[i][1] if i < len(special) else ""))
    return _name_networks(region, sites, networks)


def _plant_detached(
    sites: _Sites,
    free: list[set[int]],
    take: Callable[[set[int], str], None],
    rng: np.random.Generator,
) -> None:
    starts = sorted(free[_MARKET])
    rng.shuffle(starts)
    for start in starts[:25]:
        try:
            group = sites.grow({start}, free[_MARKET], int(rng.integers(24_000, 32_000)))
        except _RetryError:
            continue
        near = {n for s in group for n in sites.any_edge[s]}
        options = [
            s
            for s in sorted(free[_MARKET] - group - near)
            if _CLEAN[0] <= sites.total(group) + sites.pop[s] <= _CLEAN[1]
            and min(math.dist(sites.xy[s], sites.xy[g]) for g in group) > 2_000
            and sites.connected(free[_MARKET] - group - {s})
        ]
        if options:
            take(group | {options[int(rng.integers(len(options)))]}, "contiguity")
            return
    raise _RetryError


def _tree_partition(
    sites: _Sites,
    nodes: set[int],
    bands: list[tuple[int, int]],
    rng: np.random.Generator,
    *,
    restarts: int = 40,
    tries: int = 25,
) -> list[set[int]] | None:
    """Split connected ``nodes`` into connected parts, part i with population in band i.

    Cuts a random spanning tree at an edge that leaves the first band's population on one
    side and a population the other bands can hold on the other (as GerryChain does), then
    splits the rest the same way; starts again when a split finds no cut.
    """
    for _ in range(restarts):
        remaining, parts = set(nodes), []
        for i, band in enumerate(bands[:-1]):
            part = _cut_off(sites, remaining, band, bands[i + 1 :], rng, tries=tries)
            if part is None:
                break
            parts.append(part)
            remaining -= part
        else:
            lo, hi = bands[-1]
            if lo <= sites.total(remaining) <= hi:
                return [*parts, remaining]
    return None


def _cut_off(
    sites: _Sites,
    nodes: set[int],
    band: tuple[int, int],
    rest: list[tuple[int, int]],
    rng: np.random.Generator,
    *,
    tries: int,
) -> set[int] | None:
    """A connected part of ``nodes`` in ``band`` whose (connected) rest fits ``rest``."""
    population = sites.total(nodes)
    lo, hi = band
    rest_lo, rest_hi = sum(b[0] for b in rest), sum(b[1] for b in rest)
    order = sorted(nodes)
    edges = [(a, b) for a, b in sorted(sites.graph.subgraph(order).edges)]
    for _ in range(tries):
        tree = _random_spanning_tree(order, edges, rng)
        root = order[0]
        parent, visit = {root: root}, [root]
        for s in visit:  # breadth first: parents before children
            for n in tree[s]:
                if n not in parent:
                    parent[n] = s
                    visit.append(n)
        below = {s: sites.pop[s] for s in order}
        for s in reversed(visit[1:]):
            below[parent[s]] += below[s]
        cuts = []
        for s in visit[1:]:
            if lo <= below[s] <= hi and rest_lo <= population - below[s] <= rest_hi:
                cuts.append((s, True))
            if lo <= population - below[s] <= hi and rest_lo <= below[s] <= rest_hi:
                cuts.append((s, False))
        if not cuts:
            continue
        s, take_subtree = cuts[int(rng.integers(len(cuts)))]
        children: dict[int, list[int]] = {n: [] for n in order}
        for n in visit[1:]:
            children[parent[n]].append(n)
        subtree, stack = {s}, [s]
        while stack:
            for child in children[stack.pop()]:
                subtree.add(child)
                stack.append(child)
        return subtree if take_subtree else set(nodes) - subtree
    return None


def _random_spanning_tree(
    nodes: list[int], edges: list[tuple[int, int]], rng: np.random.Generator
) -> dict[int, list[int]]:
    """Kruskal's algorithm on random edge weights (adjacency lists)."""
    root = {n: n for n in nodes}

    def find(n: int) -> int:
        while root[n] != n:
            root[n] = root[root[n]]
            n = root[n]
        return n

    tree: dict[int, list[int]] = {n: [] for n in nodes}
    for e in rng.permutation(len(edges)):
        a, b = edges[int(e)]
        ra, rb = find(a), find(b)
        if ra != rb:
            root[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    return tree


def _name_networks(
    region: _Region, sites: _Sites, networks: list[tuple[set[int], str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Practice code → (network id, network name), and network id → planted flaw kind;
    ids in CCG, north-to-south order."""
    described = []
    for part, flaw in networks:
        practices = [p for s in sorted(part) for p in sites.members[s]]
        weights = np.array([p.list_size for p in practices], dtype=float)
        centre = weights @ np.array([(p.x, p.y) for p in practices]) / weights.sum()
        ccg = min(p.ccg for p in practices)
        described.append((ccg, -round(centre[1]), round(centre[0]), practices, centre, flaw))
    described.sort(key=lambda d: d[:3])
    city = [p for p in region.practices if p.kind == "city"]
    city_centre = np.mean([(p.x, p.y) for p in city], axis=0)
    districts = iter(_DISTRICTS)
    names: list[str] = []
    for ccg, _, _, practices, centre, _ in described:
        places: dict[str, int] = {}
        for p in practices:
            places[p.town or "?"] = places.get(p.town or "?", 0) + p.list_size
        ranked = sorted(places, key=lambda t: (-places[t], t))
        if ccg == _CITY and ranked[0] == _CITY_NAME:
            if math.dist(centre, city_centre) < 1_500 and f"{_CITY_NAME} Central PCN" not in names:
                name = f"{_CITY_NAME} Central PCN"
            else:
                name = f"{next(districts)} PCN"
        elif _ISLAND in places:
            name = f"{_HARBOUR} and Holm Island PCN"
        else:
            towns = [t for t in ranked if places[t] >= 0.25 * sum(places.values())][:2]
            name = " and ".join(towns) + " PCN"
        suffix = 2
        base = name
        while name in names:
            name = f"{base.removesuffix(' PCN')} {('North', 'South', 'Central')[suffix - 2]} PCN"
            suffix += 1
        names.append(name)
    plan: dict[str, tuple[str, str]] = {}
    planted: dict[str, str] = {}
    for number, ((*_, practices, _, flaw), name) in enumerate(
        zip(described, names, strict=True), 1
    ):
        network = f"UZ{number:04d}"
        for p in practices:
            plan[p.code] = (network, name)
        if flaw:
            planted[network] = flaw
    return plan, planted


# --------------------------------------------------------------------------- manifest


def _manifest(
    region: _Region, graphs: _Graphs, plan: dict[str, tuple[str, str]], seed: int
) -> dict[str, Any]:
    """The flaws of the plan, recomputed from scratch; must match what was planted."""
    practice = {p.code: p for p in region.practices}
    members: dict[str, list[str]] = {}
    for code, (network, _) in sorted(plan.items()):
        members.setdefault(network, []).append(code)
    flaws: list[dict[str, Any]] = []
    straddles: list[dict[str, Any]] = []
    patch_of = _patch_of(region)
    for network in sorted(members):
        codes = members[network]
        population = sum(practice[c].list_size for c in codes)
        gap = _BAND.gap(population)
        if gap:
            flaws.append(
                {
                    "kind": "band_below" if gap < 0 else "band_above",
                    "networks": [network],
                    "practices": codes,
                    "population": population,
                    "gap": gap,
                }
            )
        parts = sorted(
            (sorted(c) for c in nx.connected_components(graphs.stp.subgraph(codes))),
            key=lambda part: (-len(part), part),
        )
        if len(parts) > 1:
            flaws.append(
                {"kind": "contiguity", "networks": [network], "practices": codes, "parts": parts}
            )
        ccgs: dict[str, list[str]] = {}
        for c in codes:
            ccgs.setdefault(_CCGS[practice[c].ccg][0], []).append(c)
        if len(ccgs) > 1:
            flaws.append(
                {
                    "kind": "boundary",
                    "networks": [network],
                    "practices": codes,
                    "ccgs": dict(sorted(ccgs.items())),
                }
            )
        patches: dict[str, list[str]] = {}
        for c in codes:
            patches.setdefault(patch_of[c], []).append(c)
        if len(patches) > 1:
            by_patch = {k: sum(practice[c].list_size for c in v) for k, v in patches.items()}
            largest = min(by_patch, key=lambda k: (-by_patch[k], k))
            straddles.append(
                {
                    "networks": [network],
                    "practices": codes,
                    "patches": dict(sorted(patches.items())),
                    "straddling_population": population - by_patch[largest],
                }
            )
    flaws.sort(key=lambda f: (f["kind"], f["networks"]))
    return {
        "description": (
            "Flaws planted in the demo region's current_plan.csv, recomputed from the files: "
            "band by summed list sizes, boundary by the practices' ccg column, contiguity on "
            "the region graph (the CCG graphs joined where catchments meet across a CCG border, "
            "as footprints.region.Region.validation_graph). Under 'patch', the "
            "networks whose practices lie in more than one nursing patch."
        ),
        "seed": seed,
        "band": {"min_population": _BAND.min_population, "max_population": _BAND.max_population},
        "networks": len(members),
        "flaws": flaws,
        "patch": straddles,
    }


def _patch_of(region: _Region) -> dict[str, str]:
    """Each practice's patch: the patch polygon containing its (round-tripped) site."""
    frame = _practices_frame(region)
    patches = [_round_trip(p) for p in region.patches]
    result: dict[str, str] = {}
    for code, point in zip(frame["code"], frame.geometry, strict=True):
        inside = [i for i, patch in enumerate(patches) if patch.contains(point)]
        if len(inside) != 1:
            raise _RetryError
        result[str(code)] = _patch_code(inside[0])
    return result


# --------------------------------------------------------------------------- writing


_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)
_TO_BNG_T = Transformer.from_crs(WGS84, BNG, always_xy=True)


def _TO_BNG(coords: np.ndarray) -> np.ndarray:  # noqa: N802 - used like the constant above
    x, y = _TO_BNG_T.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _to_wgs84(geometry: Any) -> Any:
    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), _DECIMALS)

    return shapely.transform(geometry, project)


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _practices_csv(region: _Region) -> str:
    patch_of = _patch_of(region)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name", "lat", "lon", "list_size", "ccg", "stp", "patch"])
    lonlat = shapely.get_coordinates(
        _to_wgs84(shapely.points([(p.x, p.y) for p in region.practices]))
    )
    for p, (lon, lat) in zip(region.practices, lonlat, strict=True):
        writer.writerow(
            [
                p.code,
                p.name,
                f"{lat:.{_DECIMALS}f}",
                f"{lon:.{_DECIMALS}f}",
                p.list_size,
                _CCGS[p.ccg][0],
                _STP["STP20CD"],
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
        lonlat = shapely.orient_polygons(_to_wgs84(geometry), exterior_cw=False)
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

Generated by `footprints demo --out boundaries/demo` (`footprints.demo.write_demo`, seed
{seed}); do not edit by hand — regenerate instead. Everything here is invented: the places,
practices, codes (`Z00001`…, CCGs `E38900001`…/`98X`…, STP `E54900001`/`QZZ`) and list sizes
are not real, although the region is placed in British National Grid near E 450,000 N 250,000.

| file | content |
|---|---|
| `practices.csv` | generic practices CSV: `code,name,lat,lon,list_size,ccg,stp,patch` |
| `ccg.geojson` | three CCGs: city, market towns, rural with an island (`CCG20CD, CCG20CDH, …`) |
| `stp.geojson` | the STP, the union of the CCGs: `STP20CD, STP20CDH, STP20NM` |
| `patches.geojson` | community nursing patches: `patch, name` |
| `current_plan.csv` | a current plan (`practice_code,network_id,network_name`) with planted flaws |
| `current_plan_flaws.json` | the planted flaws, and the networks straddling nursing patches |
"""
