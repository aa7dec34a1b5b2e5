"""Practice catchments and the adjacency graph of each planning area.

A practice's *catchment* is the Voronoi cell of its site clipped to its planning area (a CCG
or an STP polygon). Two practices are *adjacent* when their catchments share a border of
positive length; practices sharing a site share the cell and are joined directly; parts of an
area with no land link (islands) are joined to the nearest practice across the water, and so
is a far-away practice, whose site lies more than
:data:`~footprints.areas.FAR_SITE_M` outside its area (a digital-first practice). The
result is one connected :class:`networkx.Graph` per area, with the node and edge attributes
fixed in ``docs/ARCHITECTURE.md``; the optimiser and the validator work on these graphs alone.

Everything is computed in British National Grid (EPSG:27700, metres).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from footprints.areas import FAR_SITE_M, _check_not_degrees
from footprints.crs import BNG
from footprints.errors import InputError, MissingColumnError, Problem

__all__ = [
    "BORDER_MIN_M",
    "FAR_SITE_CELL_M",
    "SITE_GRID_M",
    "SNAP_INSET_M",
    "area_graph",
    "build_graphs",
    "catchments",
    "link_islands",
    "union_graph",
]

logger = logging.getLogger(__name__)

BORDER_MIN_M = 0.01
"""Shortest shared catchment border (metres) that makes two practices adjacent.

Borders are measured on boundaries snapped to a 1 mm grid, so cells that meet only at a
corner measure 0 (or a millimetre at most); 1 cm separates "touch at a point" from "share a
border" without dropping any border a map could show.
"""

SNAP_INSET_M = 1.0
"""How far inside the area (metres) a site that lies outside it is placed.

Generalised boundaries leave some practices outside their own area (a few hundred metres
typically; the Isles of Scilly 46 km from the generalised Cornwall polygon). Such a site is
placed at the nearest point this far inside, so it gets a cell of its own on that edge.
"""

FAR_SITE_CELL_M = 500.0
"""Radius (metres) of the catchment of a far-away practice: a disc about its site.

A site more than :data:`~footprints.areas.FAR_SITE_M` outside its planning area (a
digital-first practice kept in the area its row names) is not snapped inside: it takes no
part of the area's Voronoi diagram, its catchment is this disc where it really is, and it is
joined to the area's graph like an island (a link to the nearest practice).
"""

SITE_GRID_M = 0.01
"""Sites are rounded to this grid (metres): practices closer than about 1 cm share a site."""

_GRID_M = 0.001  # precision of border measurement: the cells' shared edges agree to far better
_SEARCH_M = 0.01  # candidate neighbours: cells within this distance of each other

Progress = Callable[[int, int, str], None]


# --------------------------------------------------------------------------- catchments


def catchments(practices: gpd.GeoDataFrame, area: BaseGeometry) -> gpd.GeoDataFrame:
    """Catchment of each practice: its site's Voronoi cell clipped to the planning area.

    Parameters
    ----------
    practices
        Canonical practices table (``code`` and Point ``geometry``) of one planning area,
        in EPSG:27700 (reprojected when it carries another CRS).
    area
        The planning area's polygon (Polygon or MultiPolygon) in EPSG:27700.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per practice, in the input order: ``code``, ``geometry`` (Polygon or
        MultiPolygon, never empty) and ``snapped_m``, how far the site was moved to bring it
        inside the area (0 for sites inside or on the boundary). Sites are rounded to
        :data:`SITE_GRID_M`; practices sharing a site share the cell. A site outside the
        area is moved to the nearest point at least :data:`SNAP_INSET_M` inside it before
        the diagram is computed (sites that land on the same point then share a cell),
        unless it lies more than :data:`~footprints.areas.FAR_SITE_M` outside: such a
        far-away practice's catchment is a disc of :data:`FAR_SITE_CELL_M` about its site
        (``snapped_m`` 0).

    Raises
    ------
    InputError
        If the area is empty, or a practice has no point location.
    """
    practices = _in_bng(practices, "practices")
    _require(practices, ["code"], "catchments")
    polygon = _polygonal_area(area)
    _check_points(practices, "catchments")
    sites, site_of_row, snapped_m, far = _place_sites(practices.geometry.values, polygon)
    cells = _site_cells(sites, polygon, far)
    return gpd.GeoDataFrame(
        {
            "code": practices["code"].astype(str).to_numpy(),
            "snapped_m": snapped_m,
        },
        geometry=cells[site_of_row],
        crs=BNG,
    )


def _place_sites(
    points: np.ndarray, polygon: BaseGeometry
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Round sites to :data:`SITE_GRID_M`, move those outside ``polygon`` inside, group them.

    Returns the unique placed sites (Points), the index of each row's site in that array,
    each row's snapping distance in metres, and which sites are far away (more than
    :data:`~footprints.areas.FAR_SITE_M` outside ``polygon``: left where they are).
    """
    original = shapely.get_coordinates(points)
    # Sites closer than a centimetre are one site: the Voronoi diagram of near-duplicates is
    # numerically fragile and their cells would be slivers nobody could draw.
    coords = np.round(original / SITE_GRID_M) * SITE_GRID_M
    snapped_m = np.zeros(len(coords))
    far_row = np.zeros(len(coords), dtype=bool)
    shapely.prepare(polygon)
    outside = np.flatnonzero(~shapely.intersects(polygon, shapely.points(coords)))
    if len(outside):
        distance = shapely.distance(polygon, shapely.points(original[outside]))
        far_row[outside] = distance > FAR_SITE_M
        near = outside[~far_row[outside]]
        if len(near):
            coords[near] = _snap_inside(original[near], polygon)
            snapped_m[near] = np.hypot(*(coords[near] - original[near]).T)
            logger.debug("snapped %d sites into the area (max %.0f m)", len(near), snapped_m.max())
    unique, site_of_row = np.unique(coords, axis=0, return_inverse=True)
    site_of_row = site_of_row.reshape(-1)
    far = np.zeros(len(unique), dtype=bool)
    far[site_of_row[far_row]] = True
    return shapely.points(unique), site_of_row, snapped_m, far


def _snap_inside(coords: np.ndarray, polygon: BaseGeometry) -> np.ndarray:
    """For sites outside ``polygon``: the nearest points :data:`SNAP_INSET_M` inside it."""
    placed = np.full_like(coords, np.nan)
    for inset in (SNAP_INSET_M, SNAP_INSET_M / 10, SNAP_INSET_M / 100):
        todo = np.flatnonzero(np.isnan(placed[:, 0]))
        if not len(todo):
            break
        inner = polygon.buffer(-inset)
        if inner.is_empty:
            continue
        lines = shapely.shortest_line(inner, shapely.points(coords[todo]))
        nearest = shapely.get_coordinates(lines)[::2]  # each line runs from inner to the site
        rounded = np.round(nearest / SITE_GRID_M) * SITE_GRID_M
        for candidate in (rounded, nearest):
            ok = shapely.contains_properly(polygon, shapely.points(candidate))
            ok &= np.isnan(placed[todo, 0])
            placed[todo[ok]] = candidate[ok]
    for i in np.flatnonzero(np.isnan(placed[:, 0])):  # a sliver of an area: anywhere inside
        on_surface = polygon.point_on_surface()
        logger.debug("site %s placed at the area's point on surface", coords[i])
        placed[i] = (on_surface.x, on_surface.y)
    return placed


def _site_cells(sites: np.ndarray, polygon: BaseGeometry, far: np.ndarray) -> np.ndarray:
    """Each site's cell: Voronoi clipped to ``polygon``, a disc about a far-away site."""
    cells = np.empty(len(sites), dtype=object)
    cells[far] = list(shapely.buffer(sites[far], FAR_SITE_CELL_M))
    near = np.flatnonzero(~far)
    if len(near):
        cells[near] = list(_voronoi_cells(sites[near], polygon))
    return cells


def _voronoi_cells(sites: np.ndarray, polygon: BaseGeometry) -> np.ndarray:
    """Voronoi cell of each site, clipped to ``polygon``; matched to sites by containment."""
    if len(sites) == 1:
        return np.array([polygon], dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(np.append(sites, polygon))
    margin = max(maxx - minx, maxy - miny, 1.0)
    frame = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    diagram = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=frame)
    raw = np.asarray(shapely.get_parts(diagram))
    # Each site lies strictly inside its own cell; take the cell that contains it.
    tree = shapely.STRtree(raw)
    site_idx, cell_idx = tree.query(sites, predicate="within")
    cell_of_site = np.full(len(sites), -1)
    cell_of_site[site_idx] = cell_idx
    counts = np.bincount(site_idx, minlength=len(sites))
    odd = np.flatnonzero(counts != 1)
    if len(odd):  # on a cell edge through numerical noise: take the nearest cell
        cell_of_site[odd] = tree.query_nearest(sites[odd], all_matches=False)[1]
    clipped = shapely.intersection(raw[cell_of_site], polygon)
    return np.array([_polygonal(cell) for cell in clipped], dtype=object)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Drop the lines and points an intersection can leave beside its polygons."""
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, shapely.Polygon)]
    if not parts:
        return shapely.Polygon()
    if len(parts) == 1:
        return parts[0]
    return shapely.MultiPolygon(parts)


def _polygonal_area(area: BaseGeometry) -> BaseGeometry:
    if area is None or not isinstance(area, BaseGeometry):
        raise InputError(
            [Problem("boundaries", f"the planning area is not a geometry ({type(area).__name__})")]
        )
    polygon = area if area.is_valid else shapely.make_valid(area)
    polygon = _polygonal(polygon)
    if polygon.is_empty or polygon.area <= 0:
        raise InputError(
            [
                Problem(
                    "boundaries",
                    "the planning area has no polygon (empty or zero area)",
                    "check the boundary file's geometry for this area",
                )
            ]
        )
    return polygon


# --------------------------------------------------------------------------- graph


def area_graph(
    practices: gpd.GeoDataFrame,
    area: BaseGeometry,
    *,
    area_code: str,
    level: str = "ccg",
    cells: gpd.GeoDataFrame | None = None,
) -> nx.Graph:
    """Adjacency graph of the practices of one planning area.

    Parameters
    ----------
    practices
        Canonical practices table of the area (``code``, ``list_size``, Point ``geometry``;
        ``name``, ``ccg``, ``stp``, ``patch`` are used when present).
    area
        The planning area's polygon in EPSG:27700.
    area_code
        The area's code, stored as ``graph.graph["area"]``.
    level
        ``"ccg"`` or ``"stp"`` (the lower or upper planning level), stored as
        ``graph.graph["level"]``.
    cells
        The practices' catchments from :func:`catchments`, when already computed.

    Returns
    -------
    networkx.Graph
        Nodes are practice codes with ``list_size`` (int), ``x``, ``y`` (the site,
        EPSG:27700 metres), ``ccg``, ``stp``, ``patch`` (str or None) and ``name``.
        Edges: ``kind="border"`` with ``border_m`` (shared catchment border, > 0) between
        practices whose catchments share a border; ``kind="colocated"`` (``border_m=0``)
        between practices at the same site; ``kind="island"`` (``border_m=0``,
        ``distance_m``) joining otherwise separate parts, one link per join between the
        nearest pair of (placed) sites, chosen as a minimum spanning tree over the parts. A
        far-away practice (its site more than :data:`~footprints.areas.FAR_SITE_M` outside
        the area) has no border with the area's cells: it is such a part, joined from where
        its site really is.
        ``graph.graph`` holds ``area``, ``level`` and ``island_links``. The graph is
        connected whenever it has a node.
    """
    practices = _in_bng(practices, "practices")
    _require(practices, ["code", "list_size"], "area_graph")
    codes = practices["code"].astype(str).tolist()
    if len(set(codes)) != len(codes):
        dupes = sorted(pd.Series(codes)[pd.Series(codes).duplicated()].unique())
        raise InputError(
            [
                Problem(
                    "practices",
                    f"practice codes repeat in area {area_code}: {', '.join(dupes[:10])}",
                    "give each practice one row",
                )
            ]
        )
    graph = nx.Graph(area=area_code, level=level, island_links=0)
    if not codes:
        return graph
    _check_points(practices, "area_graph")
    _check_list_sizes(practices, codes, area_code)
    polygon = _polygonal_area(area)
    sites, site_of_row, _, far = _place_sites(practices.geometry.values, polygon)
    if far.any():
        logger.info(
            "area %s: %d far-away practices (%s) joined like islands",
            area_code,
            int(far[site_of_row].sum()),
            ", ".join(code for code, site in zip(codes, site_of_row, strict=True) if far[site]),
        )
    if cells is None:
        row_cells = _site_cells(sites, polygon, far)[site_of_row]
    else:
        row_cells = _cells_for(cells, codes, area_code)
    _add_nodes(graph, practices, codes)
    _add_border_edges(graph, codes, row_cells, site_of_row)
    placed = shapely.get_coordinates(sites)[site_of_row]
    graph.graph["island_links"] = link_islands(graph, codes, placed)
    return graph


def _cells_for(cells: gpd.GeoDataFrame, codes: list[str], area_code: str) -> np.ndarray:
    """Return the catchment geometries of ``codes``, in that order."""
    unique = cells.drop_duplicates("code")
    position = pd.Index(unique["code"].astype(str)).get_indexer(codes)
    missing = [code for code, pos in zip(codes, position, strict=True) if pos < 0]
    if missing:
        raise InputError(
            [
                Problem(
                    "catchments",
                    f"no catchment for {len(missing)} "
                    f"practice{'' if len(missing) == 1 else 's'} of area {area_code}: "
                    + ", ".join(missing[:10]),
                    "compute the catchments from the same practices table",
                )
            ]
        )
    return np.asarray(unique.geometry.values[position], dtype=object)


def _add_nodes(graph: nx.Graph, practices: gpd.GeoDataFrame, codes: list[str]) -> None:
    n = len(codes)
    xs = shapely.get_x(practices.geometry.values).tolist()
    ys = shapely.get_y(practices.geometry.values).tolist()
    sizes = pd.to_numeric(practices["list_size"], errors="coerce").fillna(0).astype("int64")
    names = _column_text(practices, "name", n)
    ccgs = _column_text(practices, "ccg", n)
    stps = _column_text(practices, "stp", n)
    patches = _column_text(practices, "patch", n)
    for i, code in enumerate(codes):
        graph.add_node(
            code,
            list_size=int(sizes.iat[i]),
            x=float(xs[i]),
            y=float(ys[i]),
            ccg=ccgs[i],
            stp=stps[i],
            patch=patches[i],
            name=names[i] if names[i] is not None else code,
        )


def _column_text(frame: pd.DataFrame, column: str, n: int) -> list[str | None]:
    if column not in frame.columns:
        return [None] * n
    return [None if _missing(v) else str(v) for v in frame[column].tolist()]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _add_border_edges(
    graph: nx.Graph, codes: list[str], geometries: np.ndarray, site_of_row: np.ndarray
) -> None:
    """Colocated cliques, then border edges between the cells of distinct sites."""
    n_sites = int(site_of_row.max()) + 1
    members: list[list[int]] = [[] for _ in range(n_sites)]
    for row, site in enumerate(site_of_row):
        members[site].append(row)
    for rows in members:
        for a_pos, a in enumerate(rows):
            for b in rows[a_pos + 1 :]:
                graph.add_edge(codes[a], codes[b], kind="colocated", border_m=0.0)
    if n_sites < 2:
        return
    site_cells = np.array([geometries[rows[0]] for rows in members], dtype=object)
    for a_site, b_site, length in _shared_borders(site_cells):
        for a in members[a_site]:
            for b in members[b_site]:
                graph.add_edge(codes[a], codes[b], kind="border", border_m=length)


def _shared_borders(cells: np.ndarray) -> list[tuple[int, int, float]]:
    """Pairs of cells sharing a border of at least :data:`BORDER_MIN_M`, with its length."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="dwithin", distance=_SEARCH_M)
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    boundaries = shapely.boundary(cells)
    lengths = _border_lengths(boundaries[left], boundaries[right])
    adjacent = lengths >= BORDER_MIN_M
    return [
        (int(a), int(b), round(float(length), 3))
        for a, b, length in zip(left[adjacent], right[adjacent], lengths[adjacent], strict=True)
    ]


def _border_lengths(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length of the common part of boundaries ``a[i]`` and ``b[i]`` (metres)."""
    try:
        return np.asarray(shapely.length(shapely.intersection(a, b, grid_size=_GRID_M)))
    except shapely.errors.GEOSException:  # pragma: no cover - overlay failure is rare
        # Pairwise, with a thin buffer instead of snap-rounding.
        return np.array(
            [
                shapely.length(shapely.intersection(x, shapely.buffer(y, _GRID_M)))
                if not shapely.is_empty(x) and not shapely.is_empty(y)
                else 0.0
                for x, y in zip(a, b, strict=True)
            ]
        )


def link_islands(graph: nx.Graph, codes: list[str], placed: np.ndarray) -> int:
    """Join the graph's components by their nearest sites (a spanning tree); count links."""
    components = [sorted(c) for c in nx.connected_components(graph)]
    if len(components) < 2:
        return 0
    position = {code: i for i, code in enumerate(codes)}
    points = [shapely.points(placed[[position[c] for c in comp]]) for comp in components]
    trees = [shapely.STRtree(p) for p in points]
    candidates: list[tuple[float, str, str, int, int]] = []
    for i in range(len(components)):
        for j in range(i + 1, len(components)):
            # Nearest site of component j to each site of component i; keep the closest pair.
            pairs, distances = trees[j].query_nearest(
                points[i], return_distance=True, all_matches=False
            )
            k = int(np.argmin(distances))
            a = components[i][int(pairs[0][k])]
            b = components[j][int(pairs[1][k])]
            candidates.append((float(distances[k]), min(a, b), max(a, b), i, j))
    candidates.sort()
    union = list(range(len(components)))

    def root(i: int) -> int:
        while union[i] != i:
            union[i] = union[union[i]]
            i = union[i]
        return i

    links = 0
    for distance, a, b, i, j in candidates:
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        union[ri] = rj
        graph.add_edge(a, b, kind="island", border_m=0.0, distance_m=round(distance, 1))
        links += 1
        if links == len(components) - 1:
            break
    return links


# --------------------------------------------------------------------------- many areas


def build_graphs(
    practices: gpd.GeoDataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    level: str = "ccg",
    progress: Progress | None = None,
) -> tuple[dict[str, nx.Graph], gpd.GeoDataFrame]:
    """Catchments and adjacency graph of every planning area at one level.

    Parameters
    ----------
    practices
        Canonical practices table; ``practices[level]`` names each practice's area.
    boundaries
        Canonical boundaries of that level (``code``, ``geometry``).
    level
        The column of ``practices`` that holds the area code: ``"ccg"`` or ``"stp"``.
    progress
        Called after each area as ``progress(done, total, area_code)``.

    Returns
    -------
    graphs : dict of str to networkx.Graph
        One graph per boundary row, keyed by area code (see :func:`area_graph`); an area
        without practices has an empty graph.
    catchments : geopandas.GeoDataFrame
        The catchments of all placed practices: ``code``, ``area``, ``snapped_m``,
        ``geometry`` (EPSG:27700).
    """
    started = time.perf_counter()
    practices = _in_bng(practices, "practices")
    _require(practices, ["code", "list_size", level], "build_graphs")
    boundaries = _in_bng(boundaries, "boundaries")
    _require(boundaries, ["code"], "build_graphs (boundaries)")
    _check_points(practices, "build_graphs")
    area_codes = boundaries["code"].astype(str).to_numpy()
    practice_area = practices[level].astype(object).where(practices[level].notna(), None)
    unplaced = practices.loc[~practice_area.isin(set(area_codes)), "code"].astype(str)
    if len(unplaced):
        logger.warning(
            "%d practices have no %s among the boundaries and are left out of the graphs: %s",
            len(unplaced),
            level,
            ", ".join(unplaced.head(10)),
        )
    rows_of_area = {
        code: rows for code, rows in pd.Series(np.arange(len(practices))).groupby(practice_area)
    }
    graphs: dict[str, nx.Graph] = {}
    parts: list[gpd.GeoDataFrame] = []
    unique_codes = list(dict.fromkeys(area_codes))
    for done, code in enumerate(unique_codes, start=1):
        shapes = boundaries.geometry.values[area_codes == code]
        area = shapes[0] if len(shapes) == 1 else shapely.union_all(shapes)
        rows = rows_of_area.get(code)
        members = practices.iloc[rows.to_numpy() if rows is not None else []]
        members = members.reset_index(drop=True)
        if len(members):
            cells = catchments(members, area)
            graphs[code] = area_graph(members, area, area_code=code, level=level, cells=cells)
            cells.insert(1, "area", code)
            parts.append(cells)
        else:
            graphs[code] = nx.Graph(area=code, level=level, island_links=0)
        if progress is not None:
            progress(done, len(unique_codes), code)
    if parts:
        cells_all = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=BNG)
    else:
        cells_all = gpd.GeoDataFrame(
            {"code": [], "area": [], "snapped_m": []}, geometry=[], crs=BNG
        )
    cells_all = cells_all[["code", "area", "snapped_m", "geometry"]]
    empty = sum(1 for g in graphs.values() if g.number_of_nodes() == 0)
    logger.info(
        "built %d %s graphs: %d practices, %d edges, %d island links, "
        "%d snapped sites, %d areas without practices (%.1f s)",
        len(graphs),
        level,
        sum(g.number_of_nodes() for g in graphs.values()),
        sum(g.number_of_edges() for g in graphs.values()),
        sum(g.graph["island_links"] for g in graphs.values()),
        int((cells_all["snapped_m"] > 0).sum()),
        empty,
        time.perf_counter() - started,
    )
    return graphs, cells_all


def union_graph(
    graphs: Mapping[str, nx.Graph] | Iterable[nx.Graph],
    *,
    catchments: gpd.GeoDataFrame | None = None,
) -> nx.Graph:
    """Join disjoint area graphs into one, for checking a whole region at once.

    Parameters
    ----------
    graphs
        Area graphs (a mapping as returned by :func:`build_graphs`, or any iterable).
    catchments
        The areas' catchments (``code``, ``area``, geometry, as :func:`build_graphs` returns).
        When given, practices of different areas whose catchments share a border are joined
        with ``kind="area_border"`` edges, so a network that crosses an area border is
        contiguous exactly when its footprint is one piece (it is still a boundary crossing).

    Returns
    -------
    networkx.Graph
        All nodes and edges with their attributes; ``graph.graph`` has ``area`` (None),
        ``areas`` (the area codes), ``level`` (shared level, or None when they differ) and
        ``island_links`` (the sum).

    Raises
    ------
    ValueError
        If a practice appears in more than one graph.
    """
    items = list(graphs.values()) if isinstance(graphs, Mapping) else list(graphs)
    levels = {g.graph.get("level") for g in items}
    union = nx.Graph(
        area=None,
        areas=[g.graph.get("area") for g in items],
        level=levels.pop() if len(levels) == 1 else None,
        island_links=sum(int(g.graph.get("island_links", 0)) for g in items),
    )
    for g in items:
        shared = union.nodes & g.nodes
        if shared:
            raise ValueError(
                f"practices {', '.join(sorted(map(str, shared))[:10])} are in more than one "
                f"area graph (area {g.graph.get('area')}); union_graph needs disjoint areas"
            )
        union.add_nodes_from(g.nodes(data=True))
        union.add_edges_from(g.edges(data=True))
    if catchments is not None:
        cells = catchments[catchments["code"].isin(union.nodes)]
        linked = _cross_area_borders(cells)
        union.add_edges_from(linked)
        union.graph["area_border_links"] = len(linked)
    return union


def _cross_area_borders(
    cells: gpd.GeoDataFrame,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Edges between practices of different areas whose catchments share a border."""
    cells = _in_bng(cells, "catchments")
    geometries = np.asarray(cells.geometry.values, dtype=object)
    codes = [str(code) for code in cells["code"]]
    areas = cells["area"].astype(str).to_numpy()
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="dwithin", distance=_SEARCH_M)
    keep = (left < right) & (areas[left] != areas[right])
    if not keep.any():
        return []
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geometries)
    lengths = _border_lengths(boundaries[left], boundaries[right])
    return [
        (codes[a], codes[b], {"kind": "area_border", "border_m": round(float(length), 3)})
        for a, b, length in zip(left, right, lengths, strict=True)
        if length >= BORDER_MIN_M
    ]


# --------------------------------------------------------------------------- helpers


def _in_bng(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    _check_not_degrees(frame, what)
    if frame.crs is not None and not frame.crs.equals(BNG):
        return frame.to_crs(BNG)
    return frame


def _require(frame: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnError(
            f"{where}: the table has no column {', '.join(missing)} "
            f"(columns: {', '.join(map(str, frame.columns))})"
        )


def _check_list_sizes(practices: pd.DataFrame, codes: list[str], area_code: str) -> None:
    """Refuse a list size that is missing, negative or not whole, naming the practices.

    A table built in Python (not read by :func:`footprints.io.read_practices`, which checks
    the same) could hold NaN, which was counted as 0 patients without a word.
    """
    sizes = pd.to_numeric(practices["list_size"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(sizes) | (sizes < 0) | (sizes != np.floor(sizes))
    if bad.any():
        shown = [
            f"{code} ({_size_text(practices['list_size'].iat[i])})"
            for i, code in enumerate(codes)
            if bad[i]
        ]
        raise InputError(
            [
                Problem(
                    "practices",
                    f"area {area_code}: {len(shown)} "
                    f"practice{'' if len(shown) == 1 else 's'} with a list size that is "
                    f"missing, negative or not whole: {', '.join(shown[:10])}"
                    + (f" and {len(shown) - 10} more" if len(shown) > 10 else ""),
                    "give each practice's registered list size as a whole number of "
                    "patients (0 or more)",
                )
            ]
        )


def _size_text(value: object) -> str:
    """Show a list size as the user wrote it: ``empty``, ``-5000``, ``1234.5``, ``'many'``."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "empty"
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{float(value):g}"
    return repr(str(value))


def _check_points(practices: gpd.GeoDataFrame, where: str) -> None:
    geoms = practices.geometry.values
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= shapely.get_type_id(geoms) != shapely.GeometryType.POINT
    if bad.any():
        codes = practices.loc[bad, "code"].astype(str).tolist()
        raise InputError(
            [
                Problem(
                    "practices",
                    f"{where}: {len(codes)} "
                    f"practice{' has' if len(codes) == 1 else 's have'} no point location",
                    "give every practice a site (lat/lon, easting/northing or postcode)",
                    code=code,
                )
                for code in codes
            ]
        )
