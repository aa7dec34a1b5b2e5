"""The live map: a base map that stays in the browser, and the plan's layers an edit re-sends.

The map shows the area chosen in the sidebar and its immediate surroundings
(:func:`footprints.livemap.map_scope`). Its base — tiles, outlines, patches, the drawing
tool — is the same on every run for one area, so streamlit-folium keeps the map (and the
user's view) in the browser and replaces only the footprints, labels and practices
(``feature_group_to_add``): an edit redraws them in place, with no blank map. The view moves
only when something is chosen to look at (``center`` and ``zoom``).

A click on a practice selects it (and the practices at its site), a drawn shape the
practices inside it; in paint mode both give the practices to the active network at once.
A click on a footprint makes that network the one the Network panel acts on (lock, rename,
waiver, paint).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from app import edits
from app.data import practice_info, practice_points, region, scope_ccgs
from app.facts import Facts
from app.focus import Focus
from app.state import AppState, state
from footprints.crs import BNG, WGS84
from footprints.livemap import MapScope, base_map, map_scope, plan_layers, stable_colours, view_of
from footprints.maps import focus_bounds, practices_at, practices_in_drawing

__all__ = ["colours", "on_map_change", "panel", "scope"]

MAP_HEIGHT = 600
"""The map's height in pixels."""
_MAP_WIDTH = 900
"""About how wide the map is drawn (pixels), to fit a view to what is chosen."""
_RETURNED = ["last_object_clicked", "last_object_clicked_tooltip", "last_active_drawing"]
_RETURNED += ["all_drawings"]


def scope() -> MapScope:
    """Give the map's area: the CCGs chosen and their surroundings (memoised per choice)."""
    the_region = region()
    chosen = tuple(sorted(scope_ccgs()))
    key = (id(the_region), chosen)
    memo = state.live_scope
    if memo is not None and memo[0] == key:
        return memo[1]
    whole = set(chosen) == set(the_region.lower_areas())
    found = map_scope(
        the_region.practices,
        None if whole else chosen,
        ccgs=the_region.ccgs,
        stps=the_region.stps,
        patches=the_region.patches,
    )
    state.live_scope = (key, found)
    return found


def colours(facts: Facts) -> dict[str, str]:
    """Give each network its colour: the one it had while it exists (kept in the session)."""
    found = stable_colours(facts["plan"], facts["footprints"], state.live_colours)
    state.live_colours = found
    return found


def _code_in(text: str | None, known: Mapping[str, Any] | set[str]) -> str | None:
    """Find the first code in brackets in a tooltip's text that is one of ``known``."""
    for code in re.findall(r"\(([^()]+)\)", text or ""):
        if code in known:
            return str(code)
    return None


def _network_at(lat: float, lng: float) -> str | None:
    """Find the network whose footprint holds the point (degrees), in the last facts."""
    facts = state.derived
    if facts is None:
        return None
    point = gpd.GeoSeries([shapely.Point(lng, lat)], crs=WGS84).to_crs(BNG).iloc[0]
    shapes = facts["footprints"]
    hits = shapes[shapes.geometry.contains(point)]
    return str(hits["network_id"].iloc[0]) if len(hits) else None


def _choose(practices: list[str]) -> None:
    """Select practices from the map, or paint them in paint mode."""
    if state.paint:
        edits.paint(practices)
        return
    state.selected = practices
    state.map_focus = None  # the view stays where the user is looking


def on_map_change() -> None:
    """Take a click (a practice, or a footprint) or a drawn shape from the map.

    streamlit-folium reports a click on any layer as ``last_active_drawing`` too, so a shape
    counts as drawn only when it is among ``all_drawings``.
    """
    value = state.map_value or {}
    previous = state.map_seen
    drawing = value.get("last_active_drawing")
    drawn = value.get("all_drawings") or []
    clicked = value.get("last_object_clicked")
    tooltip = value.get("last_object_clicked_tooltip")
    state.map_seen = {"drawing": drawing, "clicked": clicked}
    if clicked and clicked != previous.get("clicked"):
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
        code = _code_in(tooltip, practice_info())
        at_site = practices_at(practice_points(), lat, lng)
        if code is not None and code not in at_site:
            at_site = sorted({code, *practices_at(practice_points(), *_site_of(code))})
        if at_site:  # a marker, not a click on a footprint
            _choose(at_site)
            return
        network = _network_at(lat, lng)
        if network is not None:
            state.map_network = network
    elif drawing and drawing != previous.get("drawing") and drawing in drawn:
        inside = [c for c in practices_in_drawing(region().practices, drawing) if c in _drawn()]
        if inside:
            _choose(inside)
        if not state.paint:
            state.notice = (
                f"Selected {len(inside)} practice{'s' if len(inside) != 1 else ''} in the shape."
                if inside
                else "No practice lies inside the drawn shape."
            )


def _site_of(code: str) -> tuple[float, float]:
    points = practice_points()
    where = list(points.codes).index(code)
    return float(points.lat[where]), float(points.lng[where])


def _drawn() -> set[str]:
    """List the practices on the map (a shape selects only those)."""
    memo = state.live_scope
    return memo[1].codes if memo is not None else set(practice_info())


def panel(facts: Facts, focus: Focus) -> None:
    """Draw the map of the area: its base once, the plan's layers on every run."""
    area = scope()
    layers = plan_layers(
        area,
        facts["plan"],
        facts["footprints"],
        colours(facts),
        locked=state.working.locks,
        highlight_practices=focus.practices,
        highlight_networks=focus.networks,
        highlight_patches=focus.patches,
    )
    centre, zoom = None, None
    if focus.codes:
        bounds = focus_bounds(region().practices, focus.codes, padding_m=2_000.0)
        if bounds is not None:
            centre, zoom = view_of(bounds, width_px=_MAP_WIDTH, height_px=MAP_HEIGHT)
    st_folium(
        base_map(area),
        key=AppState.map_value.key,
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=layers,
        layer_control=folium.LayerControl(collapsed=True),
        center=centre,
        zoom=zoom,
        returned_objects=_RETURNED,
        on_change=on_map_change,
    )
    st.caption(
        "Click a practice to select it, or draw a polygon (toolbar, top left) to select many; "
        "click a network to act on it. In paint mode, clicks and shapes move practices at once."
    )
