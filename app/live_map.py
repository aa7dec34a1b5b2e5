"""The live map: a base map that stays in the browser, and the plan's layers an edit re-sends.

The map shows the area chosen in the sidebar and its immediate surroundings
(:func:`footprints.livemap.map_scope`). Its base — tiles, outlines, patches, the drawing
tool — is the same on every run for one area, so streamlit-folium keeps the map (and the
user's view) in the browser and replaces only the footprints, labels and practices (its
``feature_group`` argument, as ``st_folium(..., feature_group_to_add=...)`` sends it): an
edit redraws them in place, with no blank map. The view moves only when something is
chosen to look at (``center`` and ``zoom``). The base is rendered once per area and kept
(:func:`_draw` calls the component as ``st_folium`` does, without rendering it again).

A click on a practice selects it (and the practices at its site), a drawn shape the
practices inside it; in paint mode both give the practices to the active network at once.
A click on a footprint makes that network the one the Network panel acts on (lock, rename,
waiver, paint).

Under registration geography the footprints are the networks' territories, and a click on a
practice also shades the LSOAs where its patients live (:func:`footprints.maps.homes_layer`)
and says how many of them live in another network's territory
(:func:`footprints.metrics.practice_homes`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import shapely
import streamlit as st
import streamlit_folium

from app import edits
from app.comments import map_comments
from app.data import practice_info, practice_points, region, scope_ccgs
from app.facts import Facts
from app.focus import Focus
from app.labels import network_label
from app.markdown import plain
from app.state import AppState, state
from footprints.crs import BNG, WGS84
from footprints.livemap import (
    MapScope,
    base_map,
    comment_layer,
    map_scope,
    plan_layers,
    stable_colours,
    view_of,
)
from footprints.maps import (
    HOMES_LIMIT,
    focus_bounds,
    homes_layer,
    practices_at,
    practices_in_drawing,
    practices_near,
)
from footprints.metrics import PracticeHomes, practice_homes

__all__ = ["colours", "homes_text", "on_map_change", "panel", "scope"]

MAP_HEIGHT = 600
"""The map's height in pixels."""
_MAP_WIDTH = 600
"""About how wide the map is drawn (pixels), to fit a view to what is chosen."""
_RETURNED = ["last_object_clicked", "last_object_clicked_tooltip", "last_object_clicked_count"]
_RETURNED += ["last_active_drawing", "all_drawings"]
"""What the map reports: the count tells a second click on the same marker from the first."""


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


def _choose(practices: list[str], *, clicked: str | None = None) -> None:
    """Select practices from the map, or paint them in paint mode.

    Under registration geography the practice ``clicked`` is the one whose patients' homes
    the map shades.
    """
    if state.paint:
        edits.paint(practices)
        return
    state.selected = practices
    state.map_focus = None  # the view stays where the user is looking
    if clicked is not None and region().geography == "registrations":
        state.homes_practice = clicked


def _marker_clicked(code: str, previous: str | None) -> str:
    """Give the practice a click on ``code``'s marker chooses, and say so if others hide there.

    Markers within about 50 m of each other are drawn over each other, so the browser
    reports the one on top whichever is meant: a click again on the same marker
    (``previous`` among them) chooses the next practice under it, in turn.
    """
    near = practices_near(practice_points(), code)
    chosen = code
    if previous in near:
        chosen = near[(near.index(previous) + 1) % len(near)]
    if len(near) > 1:
        after = near[(near.index(chosen) + 1) % len(near)]
        info = practice_info()
        state.notice = (
            f"{len(near)} practices lie within 50 m of each other here, their markers drawn "
            f"over each other: this click chose {info[chosen]['name']} ({chosen}); click the "
            f"marker again for {info[after]['name']} ({after})."
        )
    return chosen


def on_map_change() -> None:
    """Take a click (a practice, or a footprint) or a drawn shape from the map.

    streamlit-folium reports a click on any layer as ``last_active_drawing`` too, so a shape
    counts as drawn only when it is among ``all_drawings``. The page also calls this before
    drawing, for a change no callback took (a test setting the map's value); a change
    already taken is not taken twice.
    """
    value = state.map_value or {}
    previous = state.map_seen
    drawing = value.get("last_active_drawing")
    drawn = value.get("all_drawings") or []
    clicked = value.get("last_object_clicked")
    click = [clicked, value.get("last_object_clicked_count")]
    tooltip = value.get("last_object_clicked_tooltip")
    state.map_seen = {**previous, "drawing": drawing, "clicked": click}
    if clicked and click != previous.get("clicked"):
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
        code = _code_in(tooltip, practice_info())
        at_site = practices_at(practice_points(), lat, lng)
        if at_site:  # a marker, not a click on a footprint
            # a click again on the same marker goes round the practices under it only while
            # the page still shows what the last click chose (else it starts afresh)
            last = previous.get("chosen") if previous.get("shown") == _shown() else None
            chosen = _marker_clicked(code or at_site[0], last)
            if chosen not in at_site:
                at_site = practices_at(practice_points(), *_site_of(chosen))
            _choose(at_site, clicked=chosen)
            state.map_seen = {**state.map_seen, "chosen": chosen, "shown": _shown()}
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


def _shown() -> tuple[tuple[str, ...], str | None]:
    """Give what a click on a marker leaves chosen: the selection, whose homes are shaded."""
    return tuple(state.selected), state.homes_practice


def _site_of(code: str) -> tuple[float, float]:
    points = practice_points()
    where = list(points.codes).index(code)
    return float(points.lat[where]), float(points.lng[where])


def _drawn() -> set[str]:
    """List the practices on the map (a shape selects only those)."""
    memo = state.live_scope
    return memo[1].codes if memo is not None else set(practice_info())


@dataclass(frozen=True)
class _Base:
    """The base map as streamlit-folium sends it, rendered once per area."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: list[str]
    js_links: list[str]
    bounds: dict[str, dict[str, float]]


def _render_base(area: MapScope) -> _Base:
    """Render the area's base map to the strings the component takes (as ``st_folium``)."""
    fmap = base_map(area)
    fmap.get_root().render()
    html, header = streamlit_folium._get_html(fmap), streamlit_folium._get_header(fmap)
    script = streamlit_folium._get_map_string(fmap)
    css: list[str] = []
    js: list[str] = []

    def walk(element: Any) -> Iterator[Any]:
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    (south, west), (north, east) = area.bounds
    return _Base(
        script=script,
        header=header,
        html=html,
        map_id=streamlit_folium.get_full_id(fmap),
        css_links=list(dict.fromkeys(css)),
        js_links=list(dict.fromkeys(js)),
        bounds={
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
    )


def _base(area: MapScope) -> _Base:
    """Give the area's rendered base map (memoised with the area)."""
    memo = state.live_base
    if memo is not None and memo[0] is area and isinstance(memo[1], _Base):
        return memo[1]
    rendered = _render_base(area)
    state.live_base = (area, rendered)
    return rendered


def _layers_script(layers: list[folium.FeatureGroup]) -> tuple[str, str]:
    """Write the plan's layers as the script that adds them, and the layer control's script.

    The control offers the plan's layers and the base map's outlines and patches (named in
    ``window.footprintsLayers`` by :func:`footprints.livemap.base_map`).
    """
    anchor = folium.Map(tiles=None)  # its id is replaced by the page's map
    script = "".join(
        streamlit_folium._get_feature_group_string(layer, anchor, index)
        for index, layer in enumerate(layers)
    )
    overlays = ", ".join(
        f"{json.dumps(layer.layer_name)}: feature_group_feature_group_{index}"
        for index, layer in enumerate(layers)
    )
    control = (
        f"window.layer_control = L.control.layers({{}}, Object.assign({{{overlays}}}, "
        "window.footprintsLayers || {}), {collapsed: true}).addTo(map_div);"
    )
    return script, control


def _draw(area: MapScope, layers: tuple[str, str], view: dict[str, Any]) -> None:
    """Send the map: the base as rendered once for the area, and the plan's layers.

    What ``st_folium`` does, without rendering the unchanged base map again on every run
    (the same arguments, so the component in the browser is the same and keeps its map).
    ``layers`` is the layers' script and the layer control's (:func:`_layers_script`).
    """
    base = _base(area)
    script, control = layers
    key = AppState.map_value.key
    hashed = streamlit_folium.generate_js_hash(base.script, key, False)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(hashed, {})
        on_map_change()

    defaults: dict[str, Any] = dict.fromkeys(_RETURNED)
    streamlit_folium._component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id=base.map_id,
        key=hashed,
        height=MAP_HEIGHT,
        width=None,
        returned_objects=_RETURNED,
        default=defaults,
        zoom=view.get("zoom"),
        center=view.get("center"),
        feature_group=script,
        return_on_hover=False,
        layer_control=control,
        pixelated=False,
        css_links=base.css_links,
        js_links=base.js_links,
        on_change=changed,
        wrap_longitude=False,
    )


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
    """Find where the patients of the practice chosen on the map live (registration geography)."""
    practice = state.homes_practice
    if practice is None or facts["territories"] is None:
        return None
    graph = facts["region"].validation_graph
    try:
        return practice_homes(facts["plan"], graph, practice, precomputed=facts["territories"])
    except ValueError:  # a practice of another region
        del state.homes_practice
        return None


def _homes_layer(facts: Facts, where: PracticeHomes | None) -> folium.FeatureGroup | None:
    """Draw the LSOAs where the chosen practice's patients live, as a layer of the map."""
    lsoas = facts["region"].lsoas
    if where is None or lsoas is None:
        return None
    name = "Where the practice's patients live"
    group = folium.FeatureGroup(name=name)
    group.add_child(homes_layer(lsoas, where.lsoas, territory=where.territory, plan=facts["plan"]))
    return group


def _captions(facts: Facts, where: PracticeHomes | None) -> None:
    """Say how to use the map; under registration geography, where the patients live."""
    if facts["territories"] is None:
        st.caption(
            "Click a practice to select it, or draw a polygon (toolbar, top left) to select "
            "many; click a network to act on it. In paint mode, clicks and shapes move "
            "practices at once."
        )
        return
    st.caption(
        "Footprints are territories: the LSOAs where each network holds the most registered "
        "patients. Click a practice to select it and see where its patients live, or draw a "
        "polygon (toolbar, top left) to select many; click a network to act on it."
    )
    if where is not None:
        info = practice_info().get(where.practice)
        text_col, hide_col = st.columns([5, 1], vertical_alignment="center")
        name = info["name"] if info else where.practice
        text_col.caption(plain(homes_text(where, name, network_label)))
        hide_col.button("Hide", key="hide_homes", on_click=_hide_homes)


def _layers(
    area: MapScope, facts: Facts, focus: Focus, where: PracticeHomes | None
) -> tuple[str, str]:
    """Draw the plan's layers as the map's scripts (:func:`_layers_script`), memoised.

    A run that changes nothing drawn (a network chosen in a menu, a name typed, a tab's
    setting) sends the scripts of the run before, without drawing them again: a few tenths
    of a second on a CCG of 200 practices with registrations.
    """
    painted = colours(facts)
    comments = map_comments()
    drawn = (
        tuple(painted.items()),
        tuple(sorted(state.working.locks)),
        *(tuple(sorted(chosen)) for chosen in (focus.practices, focus.networks, focus.patches)),
        tuple(comments),
        where.practice if where is not None else None,
    )
    memo = state.live_layers
    if memo is not None and memo[0] is area and memo[1] is facts and memo[2] == drawn:
        return memo[3]  # type: ignore[no-any-return]
    layers = plan_layers(
        area,
        facts["plan"],
        facts["footprints"],
        painted,
        locked=state.working.locks,
        highlight_practices=focus.practices,
        highlight_networks=focus.networks,
        highlight_patches=focus.patches,
    )
    marked = comment_layer(area, facts["plan"], facts["footprints"], comments)
    if marked is not None:
        layers.append(marked)
    homes = _homes_layer(facts, where)
    if homes is not None:
        layers.insert(1, homes)
    scripts = _layers_script(layers)
    state.live_layers = (area, facts, drawn, scripts)
    return scripts


def panel(facts: Facts, focus: Focus) -> None:
    """Draw the map of the area: its base once, the plan's layers when they change."""
    area = scope()
    where = _homes(facts)
    layers = _layers(area, facts, focus, where)
    view: dict[str, Any] = {}
    if focus.codes:
        bounds = focus_bounds(region().practices, focus.codes, padding_m=2_000.0)
        if bounds is not None:
            centre, zoom = view_of(bounds, width_px=_MAP_WIDTH, height_px=MAP_HEIGHT)
            view = {"center": centre, "zoom": zoom}
    _draw(area, layers, view)
    _captions(facts, where)
