"""Folium maps of a region and a plan (computed in EPSG:27700, shown in EPSG:4326).

:func:`plan_map` draws network footprints in distinct colours with labels, practices sized by
list size with tooltips, CCG/STP outlines, nursing patches, a legend and a layer control;
it can highlight practices, networks or patches, zoom to a set of practices, and carry a
drawing tool for selecting practices with a polygon (see :func:`practices_in_drawing`).
:func:`practices_at` finds the practices under a click on a marker. Under registration
geography :func:`homes_layer` shades the LSOAs where one practice's patients live, for
:func:`plan_map` to draw under the practices (``overlay``).

Names are the user's text. Every name, code and label the map shows goes through
:func:`escape_text`, which escapes it for HTML and also writes ``{`` and ``}`` as character
references: folium (through branca) renders each element's output as a Jinja template a
second time, so a practice named ``{{ 7*7 }}`` would otherwise show ``49`` — and a name
written to run Python on the server would run. Outline layers carry no names at all.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from branca.element import MacroElement
from jinja2 import Template

from footprints.crs import BNG, WGS84
from footprints.plan import Plan
from footprints.registration import Lsoas

__all__ = [
    "HOMES_LIMIT",
    "HOMES_SIMPLIFY_M",
    "PALETTE",
    "TILES",
    "TILES_ATTRIBUTION",
    "PracticePoints",
    "add_draw_tool",
    "escape_text",
    "focus_bounds",
    "homes_layer",
    "network_colours",
    "plan_map",
    "practices_at",
    "practices_in_drawing",
    "practices_near",
    "short_label",
]

# A qualitative palette (Tableau 20): neighbouring networks get different colours.
PALETTE = [
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
"""Network colours, in order (Tableau 20): neighbouring networks get different ones."""
_UNASSIGNED = "#444444"
_HOMES = "#b10026"  # one dark red, its opacity growing with the patients in each LSOA
HOMES_LIMIT = 2_000
"""Most LSOAs :func:`homes_layer` draws: those holding the most patients (January 2021: one
London practice had patients in 7,438 English LSOAs; the median practice, in 101)."""
HOMES_SIMPLIFY_M = 50.0
"""Tolerance (metres) each LSOA of :func:`homes_layer` is simplified by (invisible at the
zoom of a CCG, about 30 m a pixel)."""
_HOMES_DECIMALS = 5  # degrees: about 1 m
_HIGHLIGHT = "#000000"
_FOCUS_PADDING_M = 1_500.0
#: How near (degrees of latitude, about 50 m) a click must be to a practice to select it.
_MARKER_RADIUS_DEG = 0.0005
# CARTO's light base map by URL (folium's "cartodbpositron" name now warns about API keys).
TILES = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
"""The base map's tiles: CARTO's light map by URL."""
TILES_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
    '&copy; <a href="https://carto.com/attributions">CARTO</a>'
)
"""The credit the tiles' licence asks for, shown on every map."""


def network_colours(plan: Plan, *, footprints: gpd.GeoDataFrame | None = None) -> dict[str, str]:
    """Pick a colour per network id.

    Without ``footprints`` the palette is cycled in id order. With footprints, networks
    are coloured greedily in id order so that no two networks whose footprints touch share
    a colour (while the palette lasts), so neighbours stay apart on the map.
    """
    networks = sorted(plan.networks())
    if footprints is None or not len(footprints):
        return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(networks)}
    shapes = dict(zip(footprints["network_id"].astype(str), footprints.geometry, strict=True))
    ids = [n for n in networks if n in shapes]
    tree = shapely.STRtree([shapes[n] for n in ids])
    neighbours: dict[str, set[str]] = {n: set() for n in ids}
    left, right = tree.query([shapes[n] for n in ids], predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i != j:
            neighbours[ids[i]].add(ids[j])
    colours: dict[str, str] = {}
    for position, network in enumerate(networks):
        used = {colours[m] for m in neighbours.get(network, ()) if m in colours}
        # Start the search at the network's own slot so colours stay put across small edits.
        for step in range(len(PALETTE)):
            colour = PALETTE[(position + step) % len(PALETTE)]
            if colour not in used:
                break
        colours[network] = colour
    return colours


def focus_bounds(
    practices: gpd.GeoDataFrame, codes: Iterable[str], *, padding_m: float = _FOCUS_PADDING_M
) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` (degrees) around the given practices, or ``None``."""
    wanted = set(codes)
    chosen = practices[practices["code"].isin(wanted)]
    if chosen.empty:
        return None
    points = chosen.to_crs(BNG) if chosen.crs is not None and chosen.crs != BNG else chosen
    minx, miny, maxx, maxy = points.total_bounds
    box = shapely.box(minx - padding_m, miny - padding_m, maxx + padding_m, maxy + padding_m)
    west, south, east, north = gpd.GeoSeries([box], crs=BNG).to_crs(WGS84).total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


def practices_in_drawing(practices: gpd.GeoDataFrame, drawing: Mapping[str, Any]) -> list[str]:
    """Codes of the practices inside a drawn shape (a GeoJSON Feature or geometry, EPSG:4326).

    Returns an empty list for anything that is not a polygon.
    """
    geometry = drawing.get("geometry", drawing) if isinstance(drawing, Mapping) else None
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return []
    shape = shapely.geometry.shape(geometry)
    if shape.is_empty:
        return []
    area = gpd.GeoSeries([shape], crs=WGS84).to_crs(practices.crs or BNG).iloc[0]
    inside = practices.geometry.within(area) | practices.geometry.touches(area)
    return sorted(str(code) for code in practices.loc[inside, "code"])


@dataclass(frozen=True)
class PracticePoints:
    """Practice sites in degrees (EPSG:4326), as a map reports clicks.

    Parameters
    ----------
    codes
        Practice codes.
    lat, lng
        Each practice's latitude and longitude, in the order of ``codes``.
    """

    codes: npt.NDArray[np.str_]
    lat: npt.NDArray[np.float64]
    lng: npt.NDArray[np.float64]

    @classmethod
    def of(cls, practices: gpd.GeoDataFrame) -> PracticePoints:
        """Build the points of a practices table (``code`` and Point geometry, any CRS)."""
        points = practices.to_crs(WGS84)
        return cls(
            codes=np.array([str(code) for code in points["code"]], dtype=np.str_),
            lat=np.asarray(points.geometry.y, dtype=np.float64),
            lng=np.asarray(points.geometry.x, dtype=np.float64),
        )


def practices_at(points: PracticePoints, lat: float, lng: float) -> list[str]:
    """Find the practices whose marker a click at (``lat``, ``lng``) landed on.

    Parameters
    ----------
    points
        The practices' sites.
    lat, lng
        Where the click was, in degrees.

    Returns
    -------
    list of str
        The practice nearest the click and every other practice at the same site, sorted;
        empty when none is within about 50 m (a click on a footprint, not a marker).
    """
    if not len(points.codes):
        return []
    distance = np.hypot(points.lat - lat, (points.lng - lng) * math.cos(math.radians(lat)))
    nearest = float(distance.min())
    if nearest >= _MARKER_RADIUS_DEG:
        return []
    return sorted(str(code) for code in points.codes[distance <= nearest + 1e-9])


def practices_near(points: PracticePoints, code: str) -> list[str]:
    """List the practices whose markers lie over ``code``'s: within about 50 m of its site.

    At the zoom of a CCG a marker covers tens of metres, so the marker drawn last hides the
    others there (Kent's G82117, 30 m from G82128, could not be clicked). The app steps
    through this list on repeated clicks of the same marker.

    Returns
    -------
    list of str
        ``code`` first, then the others by distance from its site, then by code.
    """
    where = list(points.codes).index(code)
    lat, lng = float(points.lat[where]), float(points.lng[where])
    distance = np.hypot(points.lat - lat, (points.lng - lng) * math.cos(math.radians(lat)))
    near = [
        (float(distance[i]), str(points.codes[i]))
        for i in np.flatnonzero(distance < _MARKER_RADIUS_DEG)
        if str(points.codes[i]) != code
    ]
    return [code, *(other for _, other in sorted(near))]


def escape_text(value: object) -> str:
    """Return ``value`` as HTML text that survives folium's second pass through Jinja.

    ``html.escape`` makes ``<``, ``>``, ``&`` and quotes text; braces become ``&#123;`` and
    ``&#125;`` (the same characters on screen) so no ``{{ … }}`` or ``{% … %}`` is left for
    the template engine to run.
    """
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


def short_label(network: str, name: str) -> str:
    """Label a network on the map: its name, or an unnamed id without its area prefix.

    The optimiser numbers networks per area (``E38900001-N03``); on the map the area is
    plain to see, so ``N03`` is enough and keeps neighbouring labels apart.
    """
    if name != network or "-" not in network:
        return name
    return network.rsplit("-", 1)[-1]


class _Legend(MacroElement):
    """A fixed box in the map's corner listing network colours and symbols."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <details id="footprints-legend" {{ "open" if this.open else "" }}
             style="position: absolute; z-index: 9999; bottom: 24px; right: 10px;
             max-height: 40%; max-width: 45%; overflow-y: auto;
             background: rgba(255,255,255,0.92); padding: 4px 8px; border: 1px solid #999;
             border-radius: 4px; font: 11px/1.3 sans-serif;
             box-shadow: 0 1px 4px rgba(0,0,0,0.3);">
          <summary style="cursor: pointer; font-weight: 600">Legend</summary>
          {{ this.body }}
        </details>
        {% endmacro %}
        """
    )

    def __init__(self, body: str, *, open_: bool = True) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Legend"
        self.body = body
        self.open = open_


def _legend_html(
    rows: list[tuple[str, str, int | None, bool]], *, title: str, extras: list[str]
) -> str:
    lines = [f"<div><b>{escape_text(title)}</b></div>"]
    for colour, label, population, locked in rows:
        size = f" — {population:,}" if population is not None else ""
        lock = " 🔒" if locked else ""
        lines.append(
            f'<div><span style="display:inline-block;width:11px;height:11px;'
            f"background:{colour};opacity:0.75;border:1px solid {colour};margin-right:4px;"
            f'vertical-align:middle"></span>{escape_text(label)}{size}{lock}</div>'
        )
    lines.extend(extras)
    return "\n".join(lines)


def plan_map(
    practices: gpd.GeoDataFrame,
    plan: Plan | None,
    *,
    ccgs: gpd.GeoDataFrame | None = None,
    stps: gpd.GeoDataFrame | None = None,
    patches: gpd.GeoDataFrame | None = None,
    footprints: gpd.GeoDataFrame | None = None,
    labels: bool = True,
    legend: bool = True,
    locked: Collection[str] = (),
    highlight_practices: Collection[str] = (),
    highlight_networks: Collection[str] = (),
    highlight_patches: Collection[str] = (),
    focus: list[list[float]] | None = None,
    draw: bool = False,
    show_patches: bool = False,
    tiles: str | None = TILES,
    overlay: folium.GeoJson | None = None,
) -> folium.Map:
    """Draw practices coloured by network, with footprints, outlines, patches and a legend.

    Parameters
    ----------
    practices
        Canonical practices table (EPSG:27700).
    plan
        The plan to colour by; ``None`` shows practices only.
    ccgs, stps, patches
        Optional layers drawn as outlines (patches hidden unless ``show_patches`` or a patch
        is highlighted).
    footprints
        Network footprints (``network_id``, geometry, optionally ``population``), e.g. from
        ``metrics.footprints``.
    labels
        Write each network's name on its footprint.
    legend
        Add the legend box.
    locked
        Network ids drawn with a dashed outline and a lock in their label.
    highlight_practices
        Practices ringed in black (e.g. the selected practice, or practices moved).
    highlight_networks
        Networks drawn bold while the others fade.
    highlight_patches
        Patches drawn bold (the patch layer is then shown).
    focus
        ``[[south, west], [north, east]]`` to zoom to (see :func:`focus_bounds`); default
        the whole region.
    draw
        Add a polygon/rectangle drawing tool (for selecting practices).
    tiles
        Tile URL template or folium tile set name (default CARTO's light map), or ``None``
        for no base map.
    overlay
        A layer drawn over the footprints and under the practices (e.g. :func:`homes_layer`).
    """
    points = practices.to_crs(WGS84)
    minx, miny, maxx, maxy = points.total_bounds
    fmap = folium.Map(
        tiles=tiles,
        attr=TILES_ATTRIBUTION if tiles == TILES else None,
        control_scale=True,
        zoom_snap=0.25,  # fit the region snugly rather than to the next whole zoom level
        zoom_delta=0.5,
    )
    fmap.fit_bounds(focus or [[miny, minx], [maxy, maxx]])
    colours = network_colours(plan, footprints=footprints) if plan is not None else {}
    highlight_networks = set(highlight_networks)
    highlight_practices = set(highlight_practices)
    highlight_patches = set(highlight_patches)
    locked = set(locked)
    fading = bool(highlight_networks)

    # Each layer is one GeoJson with per-feature styles: folium renders every element through
    # its own template, so one element per practice would make a 200-practice map slow.
    populations: dict[str, int] = {}
    if footprints is not None and len(footprints):
        shapes = footprints.to_crs(WGS84)
        label_layer = folium.FeatureGroup(name="Network labels")
        features = []
        for row in shapes.itertuples():
            network = str(row.network_id)
            colour = colours.get(network, "#888888")
            strong = network in highlight_networks
            population = getattr(row, "population", None)
            if population is not None:
                populations[network] = int(population)
            name = plan.network_name(network) if plan is not None else network
            tip = f"<b>{escape_text(name)}</b> ({escape_text(network)})"
            if population is not None:
                tip += f"<br>{int(population):,} patients"
            if network in locked:
                tip += "<br>locked"
            style = {
                "fillColor": colour,
                "color": _HIGHLIGHT if strong else colour,
                "weight": 4 if strong else 1.5,
                "fillOpacity": 0.12 if fading and not strong else 0.35,
                "dashArray": "6 4" if network in locked else None,
            }
            features.append(_feature(row.geometry, {"tip": tip, "style": style}))
            if labels:
                anchor = row.geometry.representative_point()
                text = escape_text(short_label(network, name))
                text += " 🔒" if network in locked else ""
                folium.Marker(
                    location=(anchor.y, anchor.x),
                    icon=folium.DivIcon(
                        icon_size=(120, 16),
                        icon_anchor=(60, 8),
                        class_name="footprints-label",
                        html=(
                            '<div style="font: 600 11px sans-serif; color: #222; '
                            "text-align: center; white-space: nowrap; pointer-events: none; "
                            'text-shadow: 0 0 3px #fff, 0 0 3px #fff;">'
                            f"{text}</div>"
                        ),
                    ),
                    interactive=False,
                ).add_to(label_layer)
        _styled_layer(features, name="Network footprints").add_to(fmap)
        if labels:
            label_layer.add_to(fmap)

    outline_layers = (
        ("STP boundaries", stps, "#000000", 3.5, True),
        ("CCG boundaries", ccgs, "#222222", 2, True),
    )
    for name, layer_gdf, colour, weight, show in outline_layers:
        if layer_gdf is None:
            continue
        folium.GeoJson(
            layer_gdf.to_crs(WGS84)[["geometry"]].to_json(),  # no names: nothing shows them
            name=name,
            style_function=lambda _, c=colour, w=weight: {
                "color": c,
                "weight": w,
                "fillOpacity": 0,
                "interactive": False,
            },
            show=show,
            control=True,
        ).add_to(fmap)

    if patches is not None:
        features = []
        for row in patches.to_crs(WGS84).itertuples():
            strong = str(row.patch) in highlight_patches
            style = {
                "color": "#6a3d9a",
                "weight": 4 if strong else 1.5,
                "dashArray": None if strong else "3 4",
                "fillColor": "#6a3d9a",
                "fillOpacity": 0.12 if strong else 0,
            }
            tip = f"patch {escape_text(row.patch)} ({escape_text(row.name)})"
            features.append(_feature(row.geometry, {"tip": tip, "style": style}))
        _styled_layer(
            features, name="Nursing patches", show=show_patches or bool(highlight_patches)
        ).add_to(fmap)

    if overlay is not None:
        overlay.add_to(fmap)

    features = []
    for row in points.itertuples():
        practice_network = plan.assignment.get(row.code) if plan is not None else None
        colour = colours.get(str(practice_network), _UNASSIGNED)
        radius = 3 + 2 * math.sqrt(max(int(row.list_size), 0) / 5_000)
        strong = row.code in highlight_practices
        network_text = "—"
        if practice_network is not None:
            label = plan.network_name(practice_network) if plan is not None else practice_network
            network_text = f"{escape_text(label)} ({escape_text(practice_network)})"
        tip = (
            f"<b>{escape_text(row.name)}</b> ({escape_text(row.code)})"
            f"<br>list size {int(row.list_size):,}"
            f"<br>network {network_text}"
            f"<br>patch {escape_text(getattr(row, 'patch', None) or '—')}"
        )
        style = {
            "radius": radius + (2 if strong else 0),
            "color": _HIGHLIGHT if strong else colour,
            "fillColor": colour,
            "fillOpacity": 0.9,
            "weight": 3 if strong else 1,
        }
        features.append(
            _feature(row.geometry, {"code": escape_text(row.code), "tip": tip, "style": style})
        )
    _styled_layer(
        features, name="Practices", marker=folium.CircleMarker(radius=5, fill=True)
    ).add_to(fmap)

    if draw:
        add_draw_tool(fmap)

    if legend and plan is not None:
        rows = [
            (colours[n], plan.network_name(n), populations.get(n), n in locked)
            for n in sorted(colours, key=lambda n: plan.network_name(n))
            if n in populations or footprints is None
        ]
        extras = [
            '<div style="margin-top:4px">● practice (size = list size)</div>',
            '<div><span style="border:2px solid #000;border-radius:50%;display:inline-block;'
            'width:9px;height:9px;margin-right:4px"></span>highlighted practice</div>',
        ]
        if locked:
            extras.append("<div>🔒 / dashed outline: locked network</div>")
        _Legend(_legend_html(rows, title="Networks (patients)", extras=extras)).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def homes_layer(
    lsoas: Lsoas,
    patients: Mapping[str, int],
    *,
    territory: Mapping[str, str | None] | None = None,
    plan: Plan | None = None,
    name: str = "Where the patients live",
    limit: int = HOMES_LIMIT,
    simplify_m: float = HOMES_SIMPLIFY_M,
) -> folium.GeoJson:
    """Shade the LSOAs where a practice's patients live, darker where more of them live.

    Only the practice's own LSOAs are drawn (at most ``limit``, those holding the most
    patients), each simplified by ``simplify_m`` metres and with coordinates rounded to
    about a metre, so the layer stays light.

    Parameters
    ----------
    lsoas
        The LSOA layer, with its polygons.
    patients
        LSOA code → the practice's patients living there (codes not in ``lsoas`` ignored).
    territory
        LSOA code → the network whose territory it is, named in each LSOA's tooltip.
    plan
        Names those networks.
    name
        The layer's name in the layer control.
    limit, simplify_m
        How many LSOAs at most, and the simplification tolerance in metres.

    Raises
    ------
    ValueError
        When the LSOAs carry no polygons.
    """
    if lsoas.geometry is None:
        raise ValueError("the practice's LSOAs cannot be drawn: the LSOAs have no polygons")
    ranked = sorted(
        ((str(code), int(n)) for code, n in patients.items() if str(code) in lsoas.index),
        key=lambda item: (-item[1], item[0]),
    )[:limit]
    positions = lsoas.positions(code for code, _ in ranked)
    shapes = shapely.simplify(
        np.asarray(lsoas.geometry.values)[positions], simplify_m, preserve_topology=True
    )
    shapes = np.asarray(gpd.GeoSeries(shapes, crs=BNG).to_crs(WGS84).values)
    shapes = shapely.transform(shapes, lambda xy: np.round(xy, _HOMES_DECIMALS))
    most = max((n for _, n in ranked), default=1)
    features = []
    for (code, n), shape in zip(ranked, shapes, strict=True):
        owner = (territory or {}).get(code)
        tip = f"<b>{escape_text(code)}</b>: {n:,} patient{'s' if n != 1 else ''}"
        if owner is not None:
            label = plan.network_name(owner) if plan is not None else owner
            tip += f"<br>territory of {escape_text(label)} ({escape_text(owner)})"
        style = {
            "fillColor": _HOMES,
            "color": _HOMES,
            "weight": 0.5,
            "fillOpacity": round(0.1 + 0.7 * math.sqrt(n / most), 3),
        }
        features.append(_feature(shape, {"tip": tip, "style": style}))
    return _styled_layer(features, name=name)


def _feature(geometry: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry.__geo_interface__, "properties": properties}


def _styled_layer(
    features: list[dict[str, Any]],
    *,
    name: str,
    show: bool = True,
    marker: folium.CircleMarker | None = None,
) -> folium.GeoJson:
    """One GeoJson layer whose features carry their own ``style`` and HTML ``tip``."""
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        show=show,
        marker=marker,
        style_function=lambda feature: feature["properties"]["style"],
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    )


def add_draw_tool(fmap: folium.Map) -> None:
    """Add the drawing tool that selects practices: a polygon or a rectangle, removable."""
    folium.plugins.Draw(
        export=False,
        position="topleft",
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": True,
            "rectangle": True,
        },
        edit_options={"edit": False, "remove": True},
    ).add_to(fmap)
