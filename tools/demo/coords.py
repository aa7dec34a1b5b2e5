"""Coordinates as the shipped files hold them: BNG in the generator, lon/lat on disk.

Every geometry is written in EPSG:4326 rounded to :data:`~tools.demo.model.DECIMALS`
decimals; :func:`round_trip` gives the BNG geometry the loaders will read back, so the
generator can build its graphs on exactly what the library will see.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from footprints.crs import BNG, WGS84
from tools.demo.model import DECIMALS

__all__ = ["round_trip", "to_bng", "to_wgs84"]

_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)
_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)


def to_bng(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    """Project an ``(n, 2)`` array of lon/lat into BNG metres (unrounded)."""
    x, y = _TO_BNG.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def to_wgs84(geometry: Any) -> Any:
    """Project BNG geometries to lon/lat, rounded as the files hold them."""

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = _TO_WGS84.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    return shapely.transform(geometry, project)


def round_trip(geometry: BaseGeometry) -> BaseGeometry:
    """Return the geometry as the loaders will see it: written in lon/lat, read back in BNG."""
    return shapely.transform(to_wgs84(geometry), to_bng)
