"""Territory footprints: a network's territory dissolved from its LSOA polygons, fast.

Under registration geography a network's footprint is the union of the polygons of its
territory's LSOAs (DESIGN.md). Dissolving thousands of published polygons at once takes
seconds (NHS North West London, 351 practices in 45 networks holding 9,156 LSOAs: about
3 s), too slow to redraw after every move in the app. So each connected part of a territory
(:class:`footprints.registration.TerritoryPart`) is dissolved on its own — a part of one
LSOA is its polygon as published, and most detached parts are one LSOA — and every part
dissolved is kept, keyed by its LSOAs, for the LSOA layer's lifetime: a move hands few
LSOAs from one network to another, so only the parts it changed are dissolved again.
Parts of one territory do not touch (they are the connected components of LSOA
adjacency), so a footprint is its parts' polygons gathered in one MultiPolygon, the part
holding most of the network's patients first.

Published generalised polygons do not share every vertex, so a union of neighbouring LSOAs
is riddled with small gaps (the 45 largest parts of North West London's territories had
5,629 holes, three quarters of their vertices). A hole that holds no LSOA (no LSOA's point
on surface lies in it) is such a gap and is filled; a hole around another network's LSOA
stays.

For maps a footprint may be simplified (a tolerance in metres; each part simplified once
and kept too) and the parts lying wholly outside a window left out: the networks of a
one-CCG region hold LSOAs all over England, wherever a few of their patients live and no
other network of the plan has patients.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from footprints.registration import Lsoas, Territories, TerritoryPart

__all__ = ["CACHED_PARTS", "Bounds", "territory_footprints"]

logger = logging.getLogger(__name__)

Bounds = tuple[float, float, float, float]
"""``(minx, miny, maxx, maxy)`` in British National Grid metres."""

CACHED_PARTS = 50_000
"""Dissolved territory parts kept per LSOA layer (the least recently used go first)."""


class _Parts:
    """The dissolved parts of one LSOA layer's territories, by their LSOAs and tolerance."""

    def __init__(self, lsoas: Lsoas) -> None:
        if lsoas.geometry is None:
            raise ValueError("territory footprints need the LSOA polygons, but the LSOAs have none")
        self.lsoas = lsoas
        self.polygons: npt.NDArray[np.object_] = np.asarray(lsoas.geometry.values)
        self.bounds = shapely.bounds(self.polygons)
        self._points: shapely.STRtree | None = None  # each LSOA's point on surface
        self.shapes: OrderedDict[tuple[tuple[str, ...], float], BaseGeometry] = OrderedDict()
        self.lock = threading.Lock()  # the app's sessions share a region (threads)
        self.dissolved = 0

    def positions(self, part: TerritoryPart) -> npt.NDArray[np.int64]:
        return self.lsoas.positions(part.lsoas)

    def reaches(self, positions: npt.NDArray[np.int64], window: Bounds) -> bool:
        """Whether the part's bounding box meets the window."""
        box = self.bounds[positions]
        return bool(
            box[:, 0].min() <= window[2]
            and box[:, 2].max() >= window[0]
            and box[:, 1].min() <= window[3]
            and box[:, 3].max() >= window[1]
        )

    def shape(
        self, part: TerritoryPart, positions: npt.NDArray[np.int64], tolerance: float
    ) -> BaseGeometry:
        """Dissolve a part (simplified by ``tolerance`` metres), or take it from the cache."""
        key = (part.lsoas, tolerance)
        with self.lock:
            found = self.shapes.get(key)
            if found is not None:
                self.shapes.move_to_end(key)
                return found
        if tolerance > 0:
            exact = self.shape(part, positions, 0.0)
            made = shapely.simplify(exact, tolerance, preserve_topology=True)
        else:
            cells = self.polygons[positions]
            made = cells[0] if len(cells) == 1 else self.fill_gaps(shapely.union_all(cells))
            self.dissolved += 1
        with self.lock:
            self.shapes[key] = made
            while len(self.shapes) > CACHED_PARTS:
                self.shapes.popitem(last=False)
        return made

    def fill_gaps(self, shape: BaseGeometry) -> BaseGeometry:
        """Fill the holes of a dissolved part that hold no LSOA: gaps between the polygons."""
        polygons = _polygons(shape)
        holes = [shapely.Polygon(ring) for p in polygons for ring in p.interiors]
        if not holes:
            return shape
        if self._points is None:
            self._points = shapely.STRtree(shapely.point_on_surface(self.polygons))
        holding = set(self._points.query(holes, predicate="contains")[0].tolist())
        rebuilt, k = [], 0
        for polygon in polygons:
            kept = [ring for j, ring in enumerate(polygon.interiors, start=k) if j in holding]
            k += len(polygon.interiors)
            rebuilt.append(shapely.Polygon(polygon.exterior, kept))
        return rebuilt[0] if len(rebuilt) == 1 else shapely.multipolygons(rebuilt)


_LAYERS: weakref.WeakKeyDictionary[Lsoas, _Parts] = weakref.WeakKeyDictionary()
_LAYERS_LOCK = threading.Lock()


def _parts_of(lsoas: Lsoas) -> _Parts:
    with _LAYERS_LOCK:
        parts = _LAYERS.get(lsoas)
        if parts is None:
            parts = _LAYERS[lsoas] = _Parts(lsoas)
        return parts


def _polygons(shape: BaseGeometry) -> list[BaseGeometry]:
    """List the polygons of a dissolved part (a MultiPolygon when LSOAs nearly touch)."""
    return [p for p in shapely.get_parts(shape) if p.geom_type == "Polygon" and not p.is_empty]


def territory_footprints(
    territories: Territories,
    lsoas: Lsoas,
    networks: Iterable[str],
    *,
    simplify_m: float = 0.0,
    within: Bounds | None = None,
) -> dict[str, BaseGeometry]:
    """Dissolve each network's territory into its footprint, part by part, with a cache.

    Parameters
    ----------
    territories
        The plan's territories (:meth:`footprints.registration.Homes.territories`).
    lsoas
        The LSOA layer they index, with its polygons (EPSG:27700).
    networks
        The networks wanted.
    simplify_m
        Simplify each part by this tolerance in metres, keeping its topology (for maps;
        ``0`` keeps the published polygons exactly).
    within
        Leave out the parts whose bounding box lies wholly outside this window (for maps).

    Returns
    -------
    dict
        Network → a MultiPolygon of its parts' polygons, the part holding most of its
        patients first; networks with no territory (or none in the window) are absent.

    Raises
    ------
    ValueError
        When the LSOAs carry no polygons.
    """
    cache = _parts_of(lsoas)
    before = cache.dissolved
    shapes: dict[str, BaseGeometry] = {}
    kept = 0
    for network in networks:
        polygons: list[BaseGeometry] = []
        for part in territories.parts.get(network, ()):
            positions = cache.positions(part)
            if within is not None and not cache.reaches(positions, within):
                continue
            polygons += _polygons(cache.shape(part, positions, float(simplify_m)))
            kept += 1
        if polygons:
            footprint = shapely.multipolygons(polygons)
            if simplify_m > 0 and not footprint.is_valid:  # simplified parts may now overlap
                footprint = shapely.make_valid(footprint)
            shapes[network] = footprint
    logger.info(
        "territory footprints of %d networks from %d parts (%d dissolved anew)",
        len(shapes),
        kept,
        cache.dissolved - before,
    )
    return shapes
