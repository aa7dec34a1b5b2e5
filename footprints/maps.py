"""Folium maps of a region and a plan (computed in EPSG:27700, shown in EPSG:4326)."""

from __future__ import annotations

import math

import folium
import geopandas as gpd

from footprints.crs import WGS84
from footprints.plan import Plan

__all__ = ["network_colours", "plan_map"]

# A qualitative palette (Tableau 20): neighbouring networks get distinct colours by cycling.
_PALETTE = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#c7c7c7",
    "#dbdb8d",
    "#9edae5",
]


def network_colours(plan: Plan) -> dict[str, str]:
    """A colour per network id, stable for a given plan."""
    return {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(sorted(plan.networks()))}


def plan_map(
    practices: gpd.GeoDataFrame,
    plan: Plan | None,
    *,
    ccgs: gpd.GeoDataFrame | None = None,
    patches: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A map of practices coloured by network, with footprints, CCG outlines and patches.

    Parameters
    ----------
    practices
        Canonical practices table (EPSG:27700).
    plan
        The plan to colour by; ``None`` shows practices only.
    ccgs, patches
        Optional layers drawn as outlines.
    footprints
        Network footprints (``network_id``, geometry), e.g. from ``metrics.footprints``.
    """
    points = practices.to_crs(WGS84)
    minx, miny, maxx, maxy = points.total_bounds
    fmap = folium.Map(tiles="cartodbpositron", control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    colours = network_colours(plan) if plan is not None else {}

    if footprints is not None and len(footprints):
        shapes = footprints.to_crs(WGS84)
        layer = folium.FeatureGroup(name="Network footprints")
        for row in shapes.itertuples():
            colour = colours.get(str(row.network_id), "#888888")
            folium.GeoJson(
                row.geometry.__geo_interface__,
                style_function=lambda _, c=colour: {
                    "fillColor": c,
                    "color": c,
                    "weight": 1,
                    "fillOpacity": 0.35,
                },
                tooltip=str(row.network_id),
            ).add_to(layer)
        layer.add_to(fmap)

    for name, layer_gdf, colour in (
        ("CCG boundaries", ccgs, "#222222"),
        ("Nursing patches", patches, "#6a3d9a"),
    ):
        if layer_gdf is None:
            continue
        folium.GeoJson(
            layer_gdf.to_crs(WGS84)[["geometry"]].to_json(),
            name=name,
            style_function=lambda _, c=colour: {"color": c, "weight": 2, "fillOpacity": 0},
            show=name != "Nursing patches",
        ).add_to(fmap)

    markers = folium.FeatureGroup(name="Practices")
    for row in points.itertuples():
        network = plan.assignment.get(row.code) if plan is not None else None
        colour = colours.get(str(network), "#444444")
        radius = 3 + 2 * math.sqrt(max(int(row.list_size), 0) / 5_000)
        folium.CircleMarker(
            location=(row.geometry.y, row.geometry.x),
            radius=radius,
            color=colour,
            fill=True,
            fill_opacity=0.9,
            weight=1,
            tooltip=(
                f"{row.name} ({row.code})<br>list size {int(row.list_size):,}"
                f"<br>network {network or '—'}<br>patch {getattr(row, 'patch', None) or '—'}"
            ),
        ).add_to(markers)
    markers.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
