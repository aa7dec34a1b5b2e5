"""The map: networks, practices and outlines; a click or a drawn shape selects practices.

Under registration geography the footprints are the networks' territories, and a click on a
practice also shades the LSOAs where its patients live (:func:`footprints.maps.homes_layer`)
and says how many of them live in another network's territory
(:func:`footprints.metrics.practice_homes`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit_folium import st_folium

from app.data import practice_info, practice_points, region
from app.facts import Facts
from app.focus import Focus
from app.labels import network_label
from app.markdown import plain
from app.state import AppState, state
from footprints.maps import (
    HOMES_LIMIT,
    focus_bounds,
    homes_layer,
    plan_map,
    practices_at,
    practices_in_drawing,
)
from footprints.metrics import PracticeHomes, practice_homes

__all__ = ["homes_text", "on_map_change", "panel"]


def on_map_change() -> None:
    """Select the practice clicked (and any at its site), or the practices in a drawn shape.

    streamlit-folium reports a click on any layer as ``last_active_drawing`` too, so a shape
    counts as drawn only when it is among ``all_drawings``. Under registration geography the
    practice clicked (the first at its site) is the one whose patients' homes the map shades.
    The page also calls this before drawing, for a change no callback took (a test setting
    the map's value); a change already taken is not taken twice.
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
            if region().geography == "registrations":
                state.homes_practice = at_site[0]
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


def _hide_homes() -> None:
    del state.homes_practice


def homes_text(where: PracticeHomes, name: str, network_label: Callable[[str], str] = str) -> str:
    """Say where a practice's patients live, as the caption under the map (plain text)."""
    count = len(where.lsoas)
    shaded = (
        f"the {HOMES_LIMIT:,} LSOAs where most of them live are shaded"
        if count > HOMES_LIMIT
        else "shaded darker where more of them live"
    )
    text = (
        f"Where the patients of {name} ({where.practice}) live: {where.patients:,} patients in "
        f"{count:,} LSOA{'s' if count != 1 else ''}, {shaded}"
        + (
            " (no registrations: its list size spread over its Voronoi cell)"
            if where.fallback
            else ""
        )
        + f". {where.in_other_territories:,} of them "
        + (f"({where.in_other_territories / where.patients:.0%}) " if where.patients else "")
        + "live in another network's territory"
    )
    if where.other_networks:
        shown = list(where.other_networks.items())[:5]
        text += ": " + ", ".join(f"{network_label(network)} {n:,}" for network, n in shown)
        if len(where.other_networks) > len(shown):
            text += f" and {len(where.other_networks) - len(shown)} more networks"
    if where.network is None:
        text += " (the practice is in no network)"
    return text + "."


def _homes(facts: Facts) -> PracticeHomes | None:
    """Where the patients of the practice chosen on the map live (registration geography)."""
    practice = state.homes_practice
    if practice is None or facts["territories"] is None:
        return None
    graph = facts["region"].validation_graph
    try:
        return practice_homes(facts["plan"], graph, practice, precomputed=facts["territories"])
    except ValueError:  # a practice of another region
        del state.homes_practice
        return None


def panel(facts: Facts, focus: Focus) -> None:
    """Draw the working plan's map, highlighting and framing ``focus``."""
    the_region = region()
    where = _homes(facts)
    overlay = (
        homes_layer(
            the_region.lsoas,
            where.lsoas,
            territory=where.territory,
            plan=facts["plan"],
            name="Where the practice's patients live",
        )
        if where is not None and the_region.lsoas is not None
        else None
    )
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
        overlay=overlay,
    )
    st_folium(
        fmap,
        key=AppState.map_value.key,
        height=600,
        use_container_width=True,
        returned_objects=["last_object_clicked", "last_active_drawing", "all_drawings"],
        on_change=on_map_change,
    )
    if facts["territories"] is None:
        st.caption(
            "Click a practice to select it, or draw a polygon (toolbar, top left) to select many."
        )
        return
    st.caption(
        "Footprints are territories: the LSOAs where each network holds the most registered "
        "patients. Click a practice to select it and see where its patients live, or draw a "
        "polygon (toolbar, top left) to select many."
    )
    if where is not None:
        info = practice_info().get(where.practice)
        text_col, hide_col = st.columns([5, 1], vertical_alignment="center")
        name = info["name"] if info else where.practice
        text_col.caption(plain(homes_text(where, name, network_label)))
        hide_col.button("Hide", key="hide_homes", on_click=_hide_homes)
