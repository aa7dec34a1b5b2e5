"""The demo region's geography: coastline, CCGs, nursing patches and practice sites.

Everything is drawn in British National Grid on integer metres around
:data:`~tools.demo.model.CENTRE`: a dense city CCG on the western edge, a market-town CCG,
and a rural CCG with two small towns, scattered villages and an island (a separate polygon
part) with three small practices; nursing patches ignore the CCG borders. A draw that does
not give this shape raises :class:`~tools.demo.model.RetryError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from tools.demo.model import (
    CENTRE,
    CITY,
    MARGIN_M,
    MARKET,
    RURAL,
    Practice,
    Region,
    RetryError,
)
from tools.demo.names import (
    CITY_NAME,
    HARBOUR,
    ISLAND,
    MARKET_TOWNS,
    RURAL_TOWNS,
    VILLAGES,
    PracticeNames,
    patch_names,
)

__all__ = ["draw_region"]


def draw_region(rng: np.random.Generator) -> Region:
    """Draw the CCGs, the STP, the nursing patches and the practices.

    Raises
    ------
    RetryError
        When the draw does not give the region's shape (two polygon parts, valid coverages,
        practices clear of the borders, unique names).
    """
    cx, cy = CENTRE
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
        raise RetryError
    # The island lies off the east coast, a few kilometres across the water.
    y_island = cy + rng.uniform(-9_000, -3_000)
    x_east = _extreme_x(mainland, y_island, east=True)
    island = _blob(rng, (x_east + rng.uniform(4_000, 5_000) + 2_600, y_island), 2_400, aspect=1.5)
    rural = shapely.union(rural_main, island, grid_size=1)
    ccgs = [city, market, rural]
    stp = shapely.union_all(ccgs, grid_size=1)
    if not isinstance(stp, shapely.MultiPolygon) or len(stp.geoms) != 2:
        raise RetryError
    ccgs, patches, patch_seeds = _draw_patches(rng, ccgs, stp)
    stp = shapely.union_all(ccgs, grid_size=1)
    rural_main, island = sorted(ccgs[RURAL].geoms, key=lambda part: -part.area)
    region = Region(ccgs=ccgs, stp=stp, island=island, patches=patches, patch_names=[])
    _draw_practices(rng, region, rural_main)
    region.patch_names = patch_names(region, patch_seeds)
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
    """Draw an irregular, natural-looking star-shaped polygon with integer vertices."""
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
        raise RetryError
    return polygon


def _extreme_x(polygon: BaseGeometry, y: float, *, east: bool) -> float:
    minx, _, maxx, _ = polygon.bounds
    chord = shapely.intersection(polygon, shapely.LineString([(minx - 1, y), (maxx + 1, y)]))
    xs = shapely.get_coordinates(chord)[:, 0]
    if not len(xs):
        raise RetryError
    return float(xs.max() if east else xs.min())


def _east_of_divider(rng: np.random.Generator, mainland: BaseGeometry, x0: float) -> BaseGeometry:
    """Draw the half-plane east of a wandering north-south line (the market/rural border)."""
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
) -> tuple[list[BaseGeometry], list[BaseGeometry], NDArray[np.float64]]:
    """Nursing patches: Voronoi cells of team bases, blind to the CCG borders.

    CCGs and patches are both rebuilt from the faces of their overlay, so the points where a
    patch border meets a CCG border or the coast are vertices of both layers, and the
    patches cover the STP exactly.
    """
    seeds: list[tuple[float, float]] = []
    for ccg, count, spacing in ((CITY, 3, 4_000), (MARKET, 4, 12_000), (RURAL, 3, 12_000)):
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
    if kinds != ["Polygon", "Polygon", "MultiPolygon"] or len(rebuilt[RURAL].geoms) != 2:
        raise RetryError
    if not (shapely.coverage_is_valid(rebuilt) and shapely.coverage_is_valid(patches)):
        raise RetryError
    if any(p.is_empty or p.area < 20e6 for p in patches):
        raise RetryError
    straddles = sum(
        sum(not face.is_empty and face.area > 5e6 for face in c) > 1
        for c in zip(*faces, strict=True)
    )
    if straddles < 2:
        raise RetryError
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
    """Draw ``count`` integer points in ``polygon``, ``min_sep`` apart.

    Apart from each other and from ``existing``; Gaussian around ``centre`` when given, else
    uniform; ``MARGIN_M`` clear of the lines ``avoid``.
    """
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
        if avoid is not None and avoid.distance(point) < MARGIN_M:
            continue
        if len(others) and np.hypot(others[:, 0] - x, others[:, 1] - y).min() < min_sep:
            continue
        placed.append((x, y))
        others = np.vstack([others, [x, y]])
    raise RetryError


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, low: int, high: int, n: int
) -> list[int]:
    sizes = np.exp(rng.normal(math.log(median), sigma, n))
    return [int(s) for s in np.clip(np.round(sizes), low, high)]


def _draw_practices(rng: np.random.Generator, region: Region, rural_main: BaseGeometry) -> None:
    """Sites and list sizes: a dense city, clustered towns, sparse villages, an island."""
    borders = shapely.union_all(
        [shapely.boundary(g) for g in [*region.ccgs, *region.patches]], grid_size=1
    )
    shapely.prepare(borders)
    city, market = region.ccgs[CITY], region.ccgs[MARKET]
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
    add(city_sites, city_sizes, CITY, CITY_NAME, "city")

    # Market towns: five clusters, the largest with a super-practice; villages between.
    town_centres = _scatter(
        rng,
        market.buffer(-3_500),
        len(MARKET_TOWNS),
        existing=[tuple(city_centre)],
        min_sep=9_500,
    )
    for rank, (town, centre) in enumerate(zip(MARKET_TOWNS, town_centres, strict=True)):
        n = (9, 7, 6, 5, 4)[rank]
        points = _scatter(
            rng, market, n, existing=sites, min_sep=250, centre=centre, sigma=900, avoid=borders
        )
        sizes = _lognormal(rng, 8_200, 0.5, 2_500, 24_000, n)
        if rank == 0:
            sizes[0] = int(rng.integers(52_000, 60_000))
        add(points, sizes, MARKET, town, "town")
    villages = list(VILLAGES)
    rng.shuffle(villages)
    points = _scatter(rng, market, 8, existing=sites, min_sep=3_500, avoid=borders)
    add(points, _lognormal(rng, 3_800, 0.35, 1_500, 8_000, 8), MARKET, "", "village")

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
    add(harbour, _lognormal(rng, 5_500, 0.3, 3_000, 9_000, 2), RURAL, HARBOUR, "harbour")
    rural_towns = _scatter(
        rng,
        rural_main.buffer(-4_000),
        2,
        existing=[*town_centres, tuple(inland)],
        min_sep=10_000,
    )
    for town, centre, n in zip(RURAL_TOWNS, rural_towns, (5, 4), strict=True):
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
        add(points, _lognormal(rng, 6_500, 0.45, 2_000, 16_000, n), RURAL, town, "town")
    points = _scatter(rng, rural_main, 10, existing=sites, min_sep=4_000, avoid=borders)
    add(points, _lognormal(rng, 3_600, 0.4, 1_500, 8_000, 10), RURAL, "", "village")
    points = _scatter(
        rng, region.island.buffer(-400), 3, existing=sites, min_sep=1_000, avoid=borders
    )
    add(points, [int(s) for s in rng.integers(1_500, 3_200, 3)], RURAL, ISLAND, "island")

    # Two city practices share a health centre (the only shared site).
    shared = int(np.argsort([math.dist(s, city_centre) for s in city_sites])[5])
    add(
        [city_sites[shared]],
        _lognormal(rng, 6_000, 0.3, 3_000, 12_000, 1),
        CITY,
        CITY_NAME,
        "city",
    )

    # Villages take their own names; everyone else serves their town.
    village_names = iter(villages)
    codes = iter(f"Z{n:05d}" for n in range(1, 1000))
    order = sorted(range(len(drawn)), key=lambda i: (drawn[i][2], -drawn[i][0][1], drawn[i][0][0]))
    names = PracticeNames(rng)
    for i in order:
        (x, y), size, ccg, town, kind = drawn[i]
        if kind == "village":
            town = next(village_names)
        shares_site = i == len(drawn) - 1 or (i < len(city_sites) and i == shared)
        region.practices.append(
            Practice(
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
