"""Coordinate reference systems: compute in British National Grid, show in WGS84."""

from __future__ import annotations

__all__ = ["BNG", "ENGLAND_BNG_BOUNDS", "ENGLAND_LATLON_BOUNDS", "WGS84"]

BNG = "EPSG:27700"
"""British National Grid: every distance and area in footprints is computed here (metres)."""

WGS84 = "EPSG:4326"
"""Longitude/latitude: what maps and GeoJSON (RFC 7946) use."""

# Generous boxes around England (Isles of Scilly to Berwick, Land's End to Lowestoft).
ENGLAND_BNG_BOUNDS = (80_000.0, 0.0, 660_000.0, 670_000.0)  # min E, min N, max E, max N
"""A box around England in British National Grid metres: coordinates outside it are errors."""
ENGLAND_LATLON_BOUNDS = (49.8, -6.6, 55.9, 1.9)  # min lat, min lon, max lat, max lon
"""The same box in degrees (WGS84): catches swapped or mistyped latitudes and longitudes."""
