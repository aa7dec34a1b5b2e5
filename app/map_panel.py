"""The map: networks, practices and outlines; a click or a drawn shape selects practices."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app.data import practice_points, region
from app.facts import Facts
from app.focus import Focus
from app.state import AppState, state
from footprints.maps import focus_bounds, plan_map, practices_at, practices_in_drawing

__all__ = ["on_map_change", "panel"]


def on_map_change() -> None:
    """Select the practice clicked (and any at its site), or the practices in a drawn shape.

    streamlit-folium reports a click on any layer as ``last_active_drawing`` too, so a shape
    counts as drawn only when it is among ``all_drawings``.
    """
    value = state.map_value or {}
    previous = state.map_seen
    drawing = value.get("last_active_drawing")
    drawn = value.get("all_drawings") or []
    clicked = value.get("last_object_clicked")
    if clicked and clicked != previous.get("clicked"):
        at_site = practices_at(practice_points(), float(clicked["lat"]), float(clicked["lng"]))
        if at_site:  # a marker, not a click on a footprint
            state.selected = at_site
            state.map_focus = "selection"
    elif drawing and drawing != previous.get("drawing") and drawing in drawn:
        inside = practices_in_drawing(region().practices, drawing)
        if inside:
            state.selected = inside
            state.map_focus = "selection"
        state.notice = (
            f"Selected {len(inside)} practice{'s' if len(inside) != 1 else ''} in the shape."
            if inside
            else "No practice lies inside the drawn shape."
        )
    state.map_seen = {"drawing": drawing, "clicked": clicked}


def panel(facts: Facts, focus: Focus) -> None:
    """Draw the working plan's map, highlighting and framing ``focus``."""
    the_region = region()
    fmap = plan_map(
        the_region.practices,
        facts["plan"],
        ccgs=the_region.ccgs,
        stps=the_region.stps,
        patches=the_region.patches,
        footprints=facts["footprints"],
        locked=state.working.locks,
        highlight_practices=focus.practices,
        highlight_networks=focus.networks,
        highlight_patches=focus.patches,
        focus=focus_bounds(the_region.practices, focus.codes, padding_m=2_000.0)
        if focus.codes
        else None,
        draw=True,
    )
    st_folium(
        fmap,
        key=AppState.map_value.key,
        height=600,
        use_container_width=True,
        returned_objects=["last_object_clicked", "last_active_drawing", "all_drawings"],
        on_change=on_map_change,
    )
    st.caption(
        "Click a practice to select it, or draw a polygon (toolbar, top left) to select many."
    )
