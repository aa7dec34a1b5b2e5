"""The app's live map in two parts: a base map that stays, and layers that follow the plan.

The base map (:func:`base_map`) holds what an edit never changes: the tiles, the outlines of
the planning areas, the nursing patches, the drawing tool and the script that declutters
the network labels as the map zooms. It is drawn once per area, so the browser keeps it
(and the user's view) across edits. The layers (:func:`plan_layers`) — footprints, labels
and practices — are small, built for the area in hand, and are all an edit re-sends.

The map covers one area and its immediate surroundings (:func:`map_scope`): the chosen
CCGs' practices, the practices within ``margin_m`` of them, the networks those practices
belong to, and outlines and patches cut to that box, so the page for one CCG stays small
whatever the size of the files loaded.

Colours are stable (:func:`stable_colours`): a network keeps its colour while it exists, and
a new one takes a colour none of its neighbours has. Names and tooltips are escaped
as on every map (``footprints.maps``: HTML, and braces for folium's templates).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from footprints.crs import BNG, WGS84
from footprints.maps import (
    PALETTE,
    TILES,
    TILES_ATTRIBUTION,
    add_draw_tool,
    escape_text,
    short_label,
)
from footprints.plan import Plan

__all__ = [
    "COMMENT_COLOUR",
    "MapScope",
    "base_map",
    "comment_layer",
    "map_scope",
    "plan_layers",
    "side_by_side",
    "stable_colours",
    "view_of",
]

_UNASSIGNED = "#444444"
_HIGHLIGHT = "#000000"
_SIMPLIFY_M = 15.0
"""Footprints and outlines are simplified this much (metres) before they are sent."""
_DIGITS = 5
"""Decimal places of degrees sent to the browser (about a metre)."""
_MARGIN_M = 3_000.0


@dataclass(frozen=True)
class MapScope:
    """What the map of one area shows, in EPSG:27700.

    Parameters
    ----------
    area
        The CCG codes chosen (all the region's when the whole region is shown).
    practices
        The practices drawn: those of the area and those within the margin around it.
    box
        ``(minx, miny, maxx, maxy)`` in metres: the area's practices' extent with the margin.
    outlines
        Outline layers cut to the box: name ("CCG boundaries", "STP boundaries") → geometry.
    patches
        The nursing patches meeting the box (``patch``, ``name``, geometry), or ``None``.
    """

    area: tuple[str, ...]
    practices: gpd.GeoDataFrame
    box: tuple[float, float, float, float]
    outlines: dict[str, gpd.GeoSeries] = field(default_factory=dict)
    patches: gpd.GeoDataFrame | None = None

    @property
    def bounds(self) -> list[list[float]]:
        """``[[south, west], [north, east]]`` of the box, in degrees."""
        return _degrees_box(self.box)

    @property
    def codes(self) -> set[str]:
        """The codes of the practices drawn."""
        return set(self.practices["code"].astype(str))


def _degrees_box(box: Sequence[float]) -> list[list[float]]:
    west, south, east, north = (
        gpd.GeoSeries([shapely.box(*box)], crs=BNG).to_crs(WGS84).total_bounds
    )
    return [
        [round(float(south), _DIGITS), round(float(west), _DIGITS)],
        [
            round(float(north), _DIGITS),
            round(float(east), _DIGITS),
        ],
    ]


def map_scope(
    practices: gpd.GeoDataFrame,
    area: Collection[str] | None,
    *,
    ccgs: gpd.GeoDataFrame | None = None,
    stps: gpd.GeoDataFrame | None = None,
    patches: gpd.GeoDataFrame | None = None,
    margin_m: float = _MARGIN_M,
) -> MapScope:
    """Cut the region to one area and its immediate surroundings.

    Parameters
    ----------
    practices
        The region's practices (``code``, ``ccg``, Point geometry, EPSG:27700).
    area
        The CCG codes chosen; ``None`` (or empty) for the whole region.
    ccgs, stps, patches
        The region's layers (EPSG:27700).
    margin_m
        How far around the area's practices the map reaches: practices of neighbouring areas
        within it are drawn (so a move across the border shows), and outlines and patches
        are cut to it.

    Returns
    -------
    MapScope
        The practices, outlines and patches the map of this area draws.
    """
    inside = practices
    if area:
        inside = practices[practices["ccg"].isin(set(area))]
    if inside.empty:
        inside = practices
    minx, miny, maxx, maxy = inside.total_bounds
    box = (minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
    frame = shapely.box(*box)
    near = practices[practices.geometry.within(frame)]
    drawn = pd.concat([inside, near]).drop_duplicates("code").reset_index(drop=True)
    outlines: dict[str, gpd.GeoSeries] = {}
    for name, layer in (("STP boundaries", stps), ("CCG boundaries", ccgs)):
        if layer is None or not len(layer):
            continue
        shapes = layer.to_crs(BNG).geometry
        shapes = shapes[shapes.intersects(frame)]
        boundaries = shapes.boundary.intersection(frame).simplify(_SIMPLIFY_M)
        outlines[name] = boundaries[~boundaries.is_empty]
    cut_patches = None
    if patches is not None and len(patches):
        layer = patches.to_crs(BNG)
        layer = layer[layer.intersects(frame)].copy()
        layer["geometry"] = layer.geometry.intersection(frame).simplify(_SIMPLIFY_M)
        cut_patches = layer[~layer.geometry.is_empty].reset_index(drop=True)
    chosen = tuple(sorted(area)) if area else tuple(sorted(practices["ccg"].dropna().unique()))
    return MapScope(
        area=chosen,
        practices=gpd.GeoDataFrame(drawn, geometry="geometry", crs=practices.crs),
        box=tuple(float(v) for v in box),  # type: ignore[arg-type]
        outlines=outlines,
        patches=cut_patches,
    )


def view_of(
    bounds: Sequence[Sequence[float]], *, width_px: int = 900, height_px: int = 600
) -> tuple[list[float], float]:
    """Give the centre ``[lat, lng]`` and zoom that fit ``[[south, west], [north, east]]``.

    The zoom is Web Mercator's, in quarter levels (as the map snaps), at most 16.
    """
    (south, west), (north, east) = bounds
    centre = [round((south + north) / 2, _DIGITS), round((west + east) / 2, _DIGITS)]

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(east - west, 1e-6) / 360.0
    span_y = max(mercator_y(north) - mercator_y(south), 1e-9) / (2 * math.pi)
    zoom = min(math.log2(width_px / 256 / span_x), math.log2(height_px / 256 / span_y))
    return centre, float(min(16.0, math.floor(zoom * 4) / 4))


def stable_colours(
    plan: Plan, footprints: gpd.GeoDataFrame | None, previous: Mapping[str, str]
) -> dict[str, str]:
    """Give each network a colour, keeping the colour it had while it still exists.

    Parameters
    ----------
    plan
        The plan.
    footprints
        The networks' footprints (``network_id``, geometry), to keep neighbours apart.
    previous
        Network → colour as last drawn.

    Returns
    -------
    dict
        Every network of ``plan`` → a colour: its previous one when it had one; else the
        first colour of the palette (from its own slot in id order) that no neighbour has.
    """
    networks = sorted(plan.networks())
    colours = {n: previous[n] for n in networks if n in previous}
    if len(colours) == len(networks):  # the usual run: no new network, no shapes to compare
        return colours
    neighbours: dict[str, set[str]] = {n: set() for n in networks}
    if footprints is not None and len(footprints):
        shapes = dict(zip(footprints["network_id"].astype(str), footprints.geometry, strict=True))
        ids = [n for n in networks if n in shapes]
        if ids:
            tree = shapely.STRtree([shapes[n] for n in ids])
            left, right = tree.query([shapes[n] for n in ids], predicate="intersects")
            for i, j in zip(left, right, strict=True):
                if i != j:
                    neighbours[ids[i]].add(ids[j])
    for position, network in enumerate(networks):
        if network in colours:
            continue
        used = {colours[m] for m in neighbours[network] if m in colours}
        colour = PALETTE[position % len(PALETTE)]
        for step in range(len(PALETTE)):
            candidate = PALETTE[(position + step) % len(PALETTE)]
            if candidate not in used:
                colour = candidate
                break
        colours[network] = colour
    return colours


# --------------------------------------------------------------------------------------------
# The browser side: one compact GeoJSON element, and the label declutter
# --------------------------------------------------------------------------------------------


class _Text(Element):
    """Script text put in the page as it is.

    branca's ``MacroElement.render`` wraps each rendered script in ``Element(text)``, which
    compiles the text as a Jinja template: a second pass over every feature's JSON (about
    half the time of sending Kent and Medway's layers, 2026-11-29), whose result nothing
    reads when streamlit-folium sends the layers (it renders their templates itself).
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class _Script(MacroElement):
    """A map element rendered as branca renders it, but once (no second pass: :class:`_Text`)."""

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):  # as MacroElement.render, in its order
            if part in macros:
                text = _Text(macros[part](self, kwargs))
                getattr(figure, part).add_child(text, name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""  # as MacroElement's: the parts went into the figure


class _Features(_Script):
    """A GeoJSON layer whose features carry their own style (``s``) and tooltip (``t``).

    Points are drawn as circle markers. Each feature's style and HTML tooltip are in its
    properties, so the script is the data and a few lines, whatever the number of features.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data | tojson }}, {
            style: function (f) { return f.properties.s; },
            pointToLayer: function (f, ll) { return L.circleMarker(ll, f.properties.s); },
            onEachFeature: function (f, layer) {
                if (f.properties.t) { layer.bindTooltip(f.properties.t, {sticky: true}); }
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: list[dict[str, Any]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Features"
        self.data = {"type": "FeatureCollection", "features": features}


class _Labels(_Script):
    """Network labels as DivIcon markers, each ranked (larger networks keep their label)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% for lat, lng, text, rank in this.labels %}
        L.marker([{{ lat }}, {{ lng }}], {interactive: false, keyboard: false,
            icon: L.divIcon({className: "footprints-label", iconSize: [0, 0],
                html: '<span data-rank="{{ rank }}">' + {{ text | tojson }} + '</span>'})
        }).addTo({{ this._parent.get_name() }});
        {% endfor %}
        if (window.footprintsDeclutter) { setTimeout(window.footprintsDeclutter, 0); }
        {% endmacro %}
        """
    )

    def __init__(self, labels: list[tuple[float, float, str, int]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Labels"
        self.labels = labels


class _Register(_Script):
    """Name its layer in ``window.footprintsLayers``, for a layer control built later."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.footprintsLayers = window.footprintsLayers || {};
        window.footprintsLayers[{{ this.title | tojson }}] = {{ this._parent.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, title: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Register"
        self.title = title


class _Declutter(_Script):
    """Hide each label that would overlap a higher-ranked one, after every zoom or pan."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          .footprints-label span { position: absolute; transform: translate(-50%, -50%);
            font: 600 11px sans-serif; color: #222; white-space: nowrap;
            pointer-events: none; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        window.footprintsDeclutter = function () {
            var spans = Array.prototype.slice.call(
                document.querySelectorAll(".footprints-label span"));
            spans.sort(function (a, b) { return b.dataset.rank - a.dataset.rank; });
            var placed = [];
            spans.forEach(function (span) {
                span.style.visibility = "visible";
                var r = span.getBoundingClientRect();
                var clash = placed.some(function (p) {
                    return r.left < p.right + 4 && p.left < r.right + 4 &&
                           r.top < p.bottom + 2 && p.top < r.bottom + 2;
                });
                if (clash) { span.style.visibility = "hidden"; } else { placed.push(r); }
            });
        };
        {{ this._parent.get_name() }}.on("zoomend moveend", window.footprintsDeclutter);
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Declutter"


def _rounded(geometry: Any) -> dict[str, Any]:
    """Return the geometry as GeoJSON, coordinates rounded to :data:`_DIGITS` places."""
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, _DIGITS))
    return dict(shapely.geometry.mapping(rounded))


def _to_degrees(shapes: gpd.GeoSeries) -> gpd.GeoSeries:
    return shapes.set_crs(BNG, allow_override=True).to_crs(WGS84)


def base_map(scope: MapScope, *, draw: bool = True, tiles: str | None = TILES) -> folium.Map:
    """Draw what no edit changes: tiles, outlines, patches, the drawing tool, the declutter.

    The result depends on ``scope`` only, so it is the same map on every run for one area
    (streamlit-folium then keeps it in the browser and replaces only the plan's layers).
    Its outline and patch layers are named in the browser's ``window.footprintsLayers``
    (title → layer), so a layer control built with the plan's layers can offer them too.
    """
    fmap = folium.Map(
        tiles=tiles,
        attr=TILES_ATTRIBUTION if tiles == TILES else None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    fmap.fit_bounds(scope.bounds)
    for name, shapes, colour, weight in (
        ("STP boundaries", scope.outlines.get("STP boundaries"), "#000000", 3.5),
        ("CCG boundaries", scope.outlines.get("CCG boundaries"), "#222222", 2.0),
    ):
        if shapes is None or not len(shapes):
            continue
        style = {"color": colour, "weight": weight, "fill": False, "interactive": False}
        group = folium.FeatureGroup(name=name, control=False)
        group.add_child(_Register(name))
        features = [
            {"type": "Feature", "geometry": _rounded(g), "properties": {"s": style}}
            for g in _to_degrees(shapes)
        ]
        group.add_child(_Features(features))
        group.add_to(fmap)
    if scope.patches is not None and len(scope.patches):
        style = {
            "color": "#6a3d9a",
            "weight": 1.5,
            "dashArray": "3 4",
            "fillOpacity": 0,
            "interactive": False,
        }
        features = [
            {
                "type": "Feature",
                "geometry": _rounded(geometry),
                "properties": {"s": style, "t": f"patch {escape_text(p)} ({escape_text(n)})"},
            }
            for p, n, geometry in zip(
                scope.patches["patch"],
                scope.patches["name"],
                _to_degrees(scope.patches.geometry),
                strict=True,
            )
        ]
        group = folium.FeatureGroup(name="Nursing patches", show=False, control=False)
        group.add_child(_Register("Nursing patches"))
        group.add_child(_Features(features))
        group.add_to(fmap)
    if draw:
        add_draw_tool(fmap)
    fmap.add_child(_Declutter())
    return fmap


def plan_layers(
    scope: MapScope,
    plan: Plan,
    footprints: gpd.GeoDataFrame,
    colours: Mapping[str, str],
    *,
    locked: Collection[str] = (),
    highlight_practices: Collection[str] = (),
    highlight_networks: Collection[str] = (),
    highlight_patches: Collection[str] = (),
) -> list[folium.FeatureGroup]:
    """Draw the plan's layers for the area: footprints, labels and practices (in that order).

    Parameters
    ----------
    scope
        The area (:func:`map_scope`): only its practices, and the networks they are in, are
        drawn.
    plan
        The working plan.
    footprints
        Network footprints (``network_id``, geometry, ``population``; EPSG:27700).
    colours
        Network → colour (:func:`stable_colours`).
    locked
        Networks drawn with a dashed outline and a lock in their label.
    highlight_practices
        Practices ringed in black (the selection).
    highlight_networks
        Networks drawn bold while the others fade.
    highlight_patches
        Patches drawn bold (their layer is added).

    Returns
    -------
    list of folium.FeatureGroup
        "Network footprints", "Network labels", "Practices" and, with highlighted patches,
        "Highlighted patches" — each a layer the layer control can hide.
    """
    codes = scope.codes
    shown = {plan.assignment[c] for c in codes if c in plan.assignment}
    locked, strong = set(locked), set(highlight_networks)
    fading = bool(strong)
    selected = set(highlight_practices)
    shapes = footprints[footprints["network_id"].astype(str).isin(shown)]
    simplified = shapes.geometry.simplify(_SIMPLIFY_M)
    in_degrees = _to_degrees(simplified)
    anchors = _to_degrees(simplified.representative_point())
    features, labels = [], []
    for network_id, population, geometry, anchor in zip(
        shapes["network_id"].astype(str),
        shapes["population"] if "population" in shapes else [None] * len(shapes),
        in_degrees,
        anchors,
        strict=True,
    ):
        colour = colours.get(network_id, "#888888")
        name = plan.network_name(network_id)
        tip = f"<b>{escape_text(name)}</b> ({escape_text(network_id)})"
        if population is not None and not pd.isna(population):
            tip += f"<br>{int(population):,} patients"
        if network_id in locked:
            tip += "<br>locked"
        style = {
            "fillColor": colour,
            "color": _HIGHLIGHT if network_id in strong else colour,
            "weight": 4 if network_id in strong else 1.5,
            "fillOpacity": 0.12 if fading and network_id not in strong else 0.35,
            "dashArray": "6 4" if network_id in locked else None,
        }
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(geometry),
                "properties": {"s": style, "t": tip, "n": escape_text(network_id)},
            }
        )
        text = escape_text(short_label(network_id, name)) + (" 🔒" if network_id in locked else "")
        rank = (10**9 if network_id in strong else 0) + int(population or 0)
        labels.append((round(anchor.y, _DIGITS), round(anchor.x, _DIGITS), text, rank))
    footprint_group = folium.FeatureGroup(name="Network footprints")
    footprint_group.add_child(_Features(features))
    label_group = folium.FeatureGroup(name="Network labels")
    label_group.add_child(_Labels(labels))
    practice_group = folium.FeatureGroup(name="Practices")
    practice_group.add_child(_Features(_practice_features(scope, plan, colours, selected)))
    groups = [footprint_group, label_group, practice_group]
    if highlight_patches and scope.patches is not None:
        lit = scope.patches[scope.patches["patch"].astype(str).isin(set(highlight_patches))]
        style = {"color": "#6a3d9a", "weight": 4, "fillColor": "#6a3d9a", "fillOpacity": 0.12}
        patch_group = folium.FeatureGroup(name="Highlighted patches")
        patch_group.add_child(
            _Features(
                [
                    {
                        "type": "Feature",
                        "geometry": _rounded(g),
                        "properties": {"s": style, "t": f"patch {escape_text(p)}"},
                    }
                    for p, g in zip(lit["patch"], _to_degrees(lit.geometry), strict=True)
                ]
            )
        )
        groups.insert(1, patch_group)
    return groups


COMMENT_COLOUR = "#e6a100"
"""The fill colour of the markers of open comments."""


def comment_layer(
    scope: MapScope,
    plan: Plan,
    footprints: gpd.GeoDataFrame,
    comments: Sequence[tuple[str, str, str]],
) -> folium.FeatureGroup | None:
    """Mark the open comments of the area's practices and networks (``None``: there are none).

    Parameters
    ----------
    scope
        The area: only comments on its practices and the networks drawn are marked.
    plan
        The working plan.
    footprints
        Network footprints (``network_id``, geometry; EPSG:27700): a network's comments are
        marked inside its footprint.
    comments
        ``(kind, target, text)``: ``"network"`` or ``"practice"``, its id or code, and the
        comment in one line as written — escaped here (HTML and folium's braces).

    Returns
    -------
    folium.FeatureGroup or None
        "Open comments": one amber marker per commented practice or network, its tooltip
        listing the comments.
    """
    codes = scope.codes
    shown = {plan.assignment[c] for c in codes if c in plan.assignment}
    texts: dict[tuple[str, str], list[str]] = {}
    for kind, target, text in comments:
        if (kind == "practice" and target in codes) or (kind == "network" and target in shown):
            texts.setdefault((kind, target), []).append(text)
    if not texts:
        return None
    points: dict[tuple[str, str], Any] = {}
    practices = scope.practices.to_crs(WGS84).set_index(scope.practices["code"].astype(str))
    for kind, target in texts:
        if kind == "practice":
            points[(kind, target)] = practices.geometry[target]
    networks = footprints[footprints["network_id"].astype(str).isin({t for k, t in texts})]
    anchors = _to_degrees(networks.geometry.representative_point())
    for network, anchor in zip(networks["network_id"].astype(str), anchors, strict=True):
        if ("network", network) in texts:
            points[("network", network)] = anchor
    style = {"radius": 7, "color": "#000000", "fillColor": COMMENT_COLOUR, "fillOpacity": 1.0}
    features = []
    for (kind, target), lines in sorted(texts.items()):
        point = points.get((kind, target))
        if point is None or point.is_empty:
            continue
        count = f"{len(lines)} open comment{'s' if len(lines) != 1 else ''}"
        tip = f"<b>💬 {count}</b><br>" + "<br>".join(escape_text(line) for line in lines)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, _DIGITS), round(point.y, _DIGITS)],
                },
                "properties": {"s": {**style, "weight": 2}, "t": tip},
            }
        )
    group = folium.FeatureGroup(name="Open comments")
    group.add_child(_Features(features))
    return group


def _practice_features(
    scope: MapScope, plan: Plan, colours: Mapping[str, str], selected: set[str]
) -> list[dict[str, Any]]:
    """One circle marker per practice drawn, sized by list size, ringed when selected."""
    points = scope.practices.to_crs(WGS84)
    features = []
    for code, name, list_size, patch, point in zip(
        points["code"].astype(str),
        points["name"],
        points["list_size"],
        points["patch"] if "patch" in points else [None] * len(points),
        points.geometry,
        strict=True,
    ):
        network = plan.assignment.get(code)
        colour = colours.get(str(network), _UNASSIGNED)
        strong = code in selected
        radius = 3 + 2 * math.sqrt(max(int(list_size), 0) / 5_000)
        network_text = (
            f"{escape_text(plan.network_name(network))} ({escape_text(network)})"
            if network is not None
            else "—"
        )
        tip = (
            f"<b>{escape_text(name)}</b> ({escape_text(code)})"
            f"<br>list size {int(list_size):,}<br>network {network_text}"
            f"<br>patch {escape_text(patch or '—')}"
        )
        style = {
            "radius": round(radius + (2 if strong else 0), 1),
            "color": _HIGHLIGHT if strong else colour,
            "fillColor": colour,
            "fillOpacity": 0.9,
            "weight": 3 if strong else 1,
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, _DIGITS), round(point.y, _DIGITS)],
                },
                "properties": {"s": style, "t": tip, "c": escape_text(code)},
            }
        )
    return features


def side_by_side(
    scope: MapScope,
    before: tuple[Plan, gpd.GeoDataFrame],
    after: tuple[Plan, gpd.GeoDataFrame],
    colours: Mapping[str, str],
    *,
    moved: Collection[str] = (),
    tiles: str | None = TILES,
) -> folium.plugins.DualMap:
    """Draw two plans of one area side by side, panned and zoomed together.

    Parameters
    ----------
    scope
        The area (:func:`map_scope`).
    before, after
        Each plan with its footprints (``network_id``, geometry, ``population``), drawn on
        the left and on the right.
    colours
        Network → colour; a network of ``before`` missing from it takes a colour of its own.
    moved
        Practices ringed in black on both sides (those the plans put in different networks).
    """
    dual = folium.plugins.DualMap(
        tiles=tiles, attr=TILES_ATTRIBUTION if tiles == TILES else None, control_scale=True
    )
    dual.fit_bounds(scope.bounds)
    for side, (plan, shapes) in ((dual.m1, before), (dual.m2, after)):
        painted = stable_colours(plan, shapes, colours)
        for layer in plan_layers(scope, plan, shapes, painted, highlight_practices=moved):
            layer.add_to(side)
        side.add_child(_Declutter())
    return dual
