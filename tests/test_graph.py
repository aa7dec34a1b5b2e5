"""Catchments and adjacency graphs: hand-made areas, invariants, and the real 2020 snapshot."""

from __future__ import annotations

import itertools
import logging
import pickle
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from footprints.areas import FAR_SITE_M
from footprints.crs import BNG, WGS84
from footprints.errors import InputError, MissingColumnError
from footprints.graph import (
    BORDER_MIN_M,
    FAR_SITE_CELL_M,
    SITE_GRID_M,
    SNAP_INSET_M,
    area_graph,
    build_graphs,
    catchments,
    union_graph,
)
from footprints.io import read_boundaries, read_practices


def practices_at(
    points: list[tuple[float, float]],
    *,
    codes: list[str] | None = None,
    ccg: str | None = "A1",
    **columns: list[object],
) -> gpd.GeoDataFrame:
    """A canonical practices table with one practice per point (codes P00, P01, ...)."""
    codes = codes or [f"P{i:02d}" for i in range(len(points))]
    data: dict[str, object] = {
        "code": codes,
        "name": [f"Practice {c}" for c in codes],
        "list_size": [1000 * (i + 1) for i in range(len(points))],
        "ccg": [ccg] * len(points),
        "stp": ["S1"] * len(points),
    }
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=[Point(p) for p in points], crs=BNG)


def edge_kinds(graph: nx.Graph) -> dict[frozenset[str], str]:
    return {frozenset((a, b)): d["kind"] for a, b, d in graph.edges(data=True)}


SQUARE = box(0, 0, 300, 300)
GRID = [(50.0 + 100 * i, 50.0 + 100 * j) for j in range(3) for i in range(3)]


# --------------------------------------------------------------------------- hand-made areas


def test_grid_gives_rook_adjacency_and_node_attributes() -> None:
    practices = practices_at(GRID)
    graph = area_graph(practices, SQUARE, area_code="A1")

    expected = set()
    for idx, (x, y) in enumerate(GRID):
        for jdx, (u, v) in enumerate(GRID):
            if idx < jdx and abs(x - u) + abs(y - v) == 100:
                expected.add(frozenset((f"P{idx:02d}", f"P{jdx:02d}")))
    assert set(edge_kinds(graph)) == expected  # 12 rook edges, no corner-only (bishop) edges
    assert graph.number_of_edges() == 12
    for _, _, data in graph.edges(data=True):
        assert data == {"kind": "border", "border_m": pytest.approx(100.0)}
    assert graph.graph == {"area": "A1", "level": "ccg", "island_links": 0}
    assert graph.nodes["P04"] == {
        "list_size": 5000,
        "x": 150.0,
        "y": 150.0,
        "ccg": "A1",
        "stp": "S1",
        "patch": None,
        "name": "Practice P04",
    }
    assert isinstance(graph.nodes["P04"]["list_size"], int)


def test_grid_catchments_are_the_squares() -> None:
    cells = catchments(practices_at(GRID), SQUARE)
    assert list(cells.columns) == ["code", "snapped_m", "geometry"]
    assert cells.crs == BNG
    assert list(cells["code"]) == [f"P{i:02d}" for i in range(9)]
    assert (cells["snapped_m"] == 0).all()
    for (x, y), cell in zip(GRID, cells.geometry, strict=True):
        assert cell.equals(box(x - 50, y - 50, x + 50, y + 50))


def test_colocated_practices_share_the_cell_and_its_neighbours() -> None:
    # P00 and P01 share a site; P02 and P03 are either side of it.
    points = [(150.0, 150.0), (150.0, 150.0), (50.0, 150.0), (250.0, 150.0)]
    practices = practices_at(points)
    cells = catchments(practices, SQUARE)
    assert cells.geometry.iat[0].equals(cells.geometry.iat[1])
    graph = area_graph(practices, SQUARE, area_code="A1", cells=cells)

    kinds = edge_kinds(graph)
    assert kinds[frozenset(("P00", "P01"))] == "colocated"
    assert graph.edges["P00", "P01"]["border_m"] == 0.0
    for shared in ("P00", "P01"):
        for neighbour in ("P02", "P03"):
            assert kinds[frozenset((shared, neighbour))] == "border"
            assert graph.edges[shared, neighbour]["border_m"] == pytest.approx(300.0)
    assert frozenset(("P02", "P03")) not in kinds
    assert graph.number_of_edges() == 5


def test_three_practices_at_one_site_form_a_clique() -> None:
    practices = practices_at([(10.0, 10.0)] * 3 + [(200.0, 200.0)])
    graph = area_graph(practices, SQUARE, area_code="A1")
    colocated = [e for e, kind in edge_kinds(graph).items() if kind == "colocated"]
    assert len(colocated) == 3
    assert sorted(d for _, d in graph.degree()) == [3, 3, 3, 3]


def test_island_holding_two_practices_gets_exactly_one_link() -> None:
    mainland = box(0, 0, 100, 100)
    island = box(200, 0, 240, 40)
    area = MultiPolygon([mainland, island])
    practices = practices_at([(20.0, 20.0), (80.0, 20.0), (50.0, 80.0), (210.0, 20.0), (230.0, 20)])
    graph = area_graph(practices, area, area_code="A1")

    assert nx.is_connected(graph)
    assert graph.graph["island_links"] == 1
    islands = [(a, b, d) for a, b, d in graph.edges(data=True) if d["kind"] == "island"]
    assert len(islands) == 1
    a, b, data = islands[0]
    assert {a, b} == {"P01", "P03"}  # (80, 20) to (210, 20): the nearest pair across the water
    assert data["distance_m"] == pytest.approx(130.0)
    assert data["border_m"] == 0.0
    assert graph.edges["P03", "P04"]["kind"] == "border"


def test_islands_are_joined_by_a_minimum_spanning_tree_of_shortest_links() -> None:
    # Three parts in a row: the far island joins the near one, not the mainland.
    area = MultiPolygon([box(0, 0, 100, 100), box(300, 0, 400, 100), box(500, 0, 600, 100)])
    practices = practices_at([(50.0, 50.0), (350.0, 50.0), (550.0, 50.0)])
    graph = area_graph(practices, area, area_code="A1")
    assert graph.graph["island_links"] == 2
    assert set(edge_kinds(graph)) == {frozenset(("P00", "P01")), frozenset(("P01", "P02"))}
    assert nx.is_connected(graph)


def test_site_outside_the_area_is_snapped_inside_and_gets_a_cell() -> None:
    area = box(0, 0, 100, 100)
    practices = practices_at([(50.0, 50.0), (150.0, 50.0)])
    cells = catchments(practices, area)
    assert cells["snapped_m"].iat[0] == 0.0
    assert cells["snapped_m"].iat[1] == pytest.approx(50.0 + SNAP_INSET_M)
    assert cells.geometry.iat[1].area > 0
    assert cells.geometry.iat[1].intersects(Point(100 - SNAP_INSET_M, 50))
    graph = area_graph(practices, area, area_code="A1", cells=cells)
    assert graph.nodes["P01"]["x"] == 150.0  # the node keeps the real site
    assert edge_kinds(graph) == {frozenset(("P00", "P01")): "border"}


def test_site_beyond_a_sharp_corner_is_snapped_inside() -> None:
    # A thin spike: carrying on along the approach would leave the area again.
    area = Polygon([(0, 0), (100, 0), (100, 10), (300, 5.5)])
    practices = practices_at([(10.0, 2.0), (400.0, 30.0)])
    cells = catchments(practices, area)
    assert cells["snapped_m"].iat[1] > 100
    assert all(cell.area > 0 for cell in cells.geometry)
    graph = area_graph(practices, area, area_code="A1", cells=cells)
    assert nx.is_connected(graph)


def test_far_away_site_like_the_isles_of_scilly_is_snapped() -> None:
    area = box(150_000, 20_000, 200_000, 60_000)
    practices = practices_at([(160_000.0, 40_000.0), (190_000.0, 40_000.0), (105_000.0, 14_000.0)])
    cells = catchments(practices, area)
    assert cells["snapped_m"].iat[2] == pytest.approx(np.hypot(45_000, 6_000), abs=2)
    assert cells["snapped_m"].iat[2] < FAR_SITE_M  # the Isles of Scilly: 46 km out
    assert (cells.geometry.area > 0).all()
    assert cells.geometry.area.sum() == pytest.approx(area.area)


def test_a_far_away_practice_joins_its_area_like_an_island() -> None:
    """A digital-first practice 120 km out: no cell of the area, one link to the nearest."""
    area = box(0, 0, 10_000, 10_000)
    sites = [(2_000.0, 2_000.0), (8_000.0, 8_000.0), (8_000.0, 2_000.0), (9_000.0, 130_000.0)]
    practices = practices_at(sites)
    cells = catchments(practices, area)
    far = cells.geometry.iat[3]
    assert far.centroid.distance(Point(sites[3])) < 1
    assert far.area == pytest.approx(np.pi * FAR_SITE_CELL_M**2, rel=0.01)
    assert cells["snapped_m"].iat[3] == 0  # left where it is
    assert cells.geometry.iloc[:3].area.sum() == pytest.approx(area.area)  # the area's cells
    graph = area_graph(practices, area, area_code="A1", cells=cells)
    assert graph.graph["island_links"] == 1
    [(_, nearest, link)] = graph.edges("P03", data=True)
    assert nearest == "P01"  # the nearest site, (8 km, 8 km)
    assert link["kind"] == "island"
    assert link["distance_m"] == pytest.approx(np.hypot(1_000, 122_000), abs=1)
    assert graph.nodes["P03"]["x"] == 9_000.0  # the node keeps the real site
    assert edge_kinds(area_graph(practices, area, area_code="A1")) == edge_kinds(graph)


def test_two_sites_snapped_to_the_same_point_share_a_cell() -> None:
    area = box(0, 0, 100, 100)
    practices = practices_at([(50.0, 50.0), (150.0, 50.0), (170.0, 50.0)])
    cells = catchments(practices, area)
    assert cells.geometry.iat[1].equals(cells.geometry.iat[2])
    graph = area_graph(practices, area, area_code="A1", cells=cells)
    assert graph.edges["P01", "P02"]["kind"] == "colocated"


U_SHAPE = box(0, 0, 30, 30).difference(box(10, 10, 20, 30))


def test_u_shape_voronoi_neighbours_across_the_gap_are_not_adjacent() -> None:
    # The A-B Voronoi edge is x = 15 above y = 17.5: all of it in the gap.
    practices = practices_at([(5.0, 25.0), (25.0, 25.0), (15.0, 5.0)], codes=["A", "B", "C"])
    graph = area_graph(practices, U_SHAPE, area_code="A1")
    assert set(edge_kinds(graph)) == {frozenset("AC"), frozenset("BC")}
    assert graph.graph["island_links"] == 0


def test_u_shape_cell_in_two_pieces_is_adjacent_through_either_piece() -> None:
    # A (top of the left arm, by the gap) is nearest to the top of both arms, so its cell is
    # in two pieces; its right-hand piece borders C, in the right arm.
    practices = practices_at([(9.0, 28.0), (1.0, 1.0), (29.0, 1.0)], codes=["A", "B", "C"])
    cells = catchments(practices, U_SHAPE)
    cell_a = cells.geometry.iat[0]
    assert cell_a.geom_type == "MultiPolygon"
    assert len(cell_a.geoms) == 2
    assert cells.geometry.area.sum() == pytest.approx(U_SHAPE.area)
    graph = area_graph(practices, U_SHAPE, area_code="A1", cells=cells)
    assert set(edge_kinds(graph)) == {frozenset("AB"), frozenset("AC"), frozenset("BC")}
    right_piece = max(cell_a.geoms, key=lambda p: p.centroid.x)
    shared = right_piece.boundary.intersection(cells.geometry.iat[2].boundary).length
    assert shared > 0
    assert graph.edges["A", "C"]["border_m"] == pytest.approx(shared, abs=0.01)


def test_single_practice_has_the_whole_area() -> None:
    practices = practices_at([(10.0, 10.0)])
    cells = catchments(practices, SQUARE)
    assert cells.geometry.iat[0].equals(SQUARE)
    graph = area_graph(practices, SQUARE, area_code="A1", level="stp")
    assert list(graph.nodes) == ["P00"]
    assert graph.graph == {"area": "A1", "level": "stp", "island_links": 0}


def test_no_practices_gives_an_empty_graph() -> None:
    graph = area_graph(practices_at([]), SQUARE, area_code="A1")
    assert graph.number_of_nodes() == 0
    assert graph.graph["island_links"] == 0


def test_collinear_sites() -> None:
    practices = practices_at([(50.0, 150.0), (150.0, 150.0), (250.0, 150.0)])
    graph = area_graph(practices, SQUARE, area_code="A1")
    assert set(edge_kinds(graph)) == {frozenset(("P00", "P01")), frozenset(("P01", "P02"))}


def test_optional_columns_missing_values_become_none() -> None:
    practices = practices_at(
        [(50.0, 50.0), (250.0, 250.0)],
        patch=pd.array(["N1", None], dtype="string"),
        ccg=None,
    )
    practices = practices.drop(columns=["stp", "name"])
    graph = area_graph(practices, SQUARE, area_code="A1")
    assert graph.nodes["P00"]["patch"] == "N1"
    assert graph.nodes["P01"]["patch"] is None
    assert graph.nodes["P00"]["ccg"] is None
    assert graph.nodes["P00"]["stp"] is None
    assert graph.nodes["P00"]["name"] == "P00"


def test_practices_in_lat_lon_are_reprojected() -> None:
    # Somewhere in the Midlands, where the round trip is exact to the millimetre.
    east, north = 400_000.0, 300_000.0
    practices = practices_at([(x + east, y + north) for x, y in GRID]).to_crs(WGS84)
    area = shapely.affinity.translate(SQUARE, east, north)
    graph = area_graph(practices, area, area_code="A1")
    assert graph.number_of_edges() == 12
    assert graph.nodes["P04"]["x"] == pytest.approx(east + 150.0, abs=0.01)


def test_lat_lon_without_a_crs_is_refused_not_read_as_metres() -> None:
    # a notebook's gpd.points_from_xy(lon, lat) without crs=: read as metres, every practice
    # lay '561 km outside its own CCG' (Kent and Medway) and the graph was built on points a
    # few metres apart, without an error
    from footprints.areas import place_practices

    east, north = 400_000.0, 300_000.0
    practices = practices_at([(x + east, y + north) for x, y in GRID])
    area = shapely.affinity.translate(SQUARE, east, north)
    degrees = practices.to_crs(WGS84).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match=r"practices: has no CRS .* longitudes and latitudes"):
        area_graph(degrees, area, area_code="A1")
    ccgs = gpd.GeoDataFrame({"code": ["A1"]}, geometry=[area], crs=BNG)
    with pytest.raises(InputError, match=r"frame.set_crs\('EPSG:4326'\)"):
        place_practices(degrees.drop(columns=["ccg"]), ccgs)
    boundary = ccgs.to_crs(WGS84).set_crs(None, allow_override=True)
    with pytest.raises(InputError, match=r"boundaries: has no CRS"):
        build_graphs(practices, boundary)
    # metres with no CRS are British National Grid, as before
    graph = area_graph(practices.set_crs(None, allow_override=True), area, area_code="A1")
    assert graph.number_of_edges() == 12


def test_given_cells_give_the_same_graph() -> None:
    practices = practices_at([(20.0, 30.0), (120.0, 40.0), (200.0, 250.0), (60.0, 280.0)])
    cells = catchments(practices, SQUARE).iloc[::-1]  # order does not matter
    with_cells = area_graph(practices, SQUARE, area_code="A1", cells=cells)
    without = area_graph(practices, SQUARE, area_code="A1")
    assert nx.utils.edges_equal(with_cells.edges(data=True), without.edges(data=True))


def test_graph_pickles() -> None:
    graph = area_graph(practices_at(GRID), SQUARE, area_code="A1")
    again = pickle.loads(pickle.dumps(graph))
    assert nx.utils.graphs_equal(graph, again)
    assert len(pickle.dumps(graph)) < 5000


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: p.drop(columns=["list_size"]), MissingColumnError),
        (lambda p: p.drop(columns=["code"]), MissingColumnError),
        (lambda p: p.assign(code=["P00"] * len(p)), InputError),
        (lambda p: p.set_geometry([None, *p.geometry[1:]]), InputError),
    ],
    ids=["no-list-size", "no-code", "duplicate-codes", "no-location"],
)
def test_bad_practices_are_reported(change, error) -> None:
    with pytest.raises(error):
        area_graph(change(practices_at(GRID)), SQUARE, area_code="A1")


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (np.nan, "P01 (empty)"),
        (-5000, "P01 (-5000)"),
        (1234.5, "P01 (1234.5)"),
        ("many", "P01 ('many')"),
    ],
    ids=["missing", "negative", "not-whole", "text"],
)
def test_a_bad_list_size_in_a_table_built_in_python_is_refused(size, shown) -> None:
    # a notebook's table (not read from a file): NaN was counted as 0 patients, -5000 was
    # taken and failed later in the optimiser, 1234.5 became 1234, all without a word
    practices = practices_at(GRID)
    practices["list_size"] = practices["list_size"].astype(object)
    practices.loc[1, "list_size"] = size
    with pytest.raises(InputError, match="missing, negative or not whole") as error:
        area_graph(practices, SQUARE, area_code="A1")
    assert shown in str(error.value)
    assert "area A1" in str(error.value) and "whole number of patients" in str(error.value)


def test_empty_area_is_reported() -> None:
    with pytest.raises(InputError, match="no polygon"):
        catchments(practices_at(GRID), Polygon())


def test_missing_catchment_is_reported() -> None:
    practices = practices_at(GRID)
    cells = catchments(practices, SQUARE).iloc[1:]
    with pytest.raises(InputError, match="no catchment for 1 practice of"):
        area_graph(practices, SQUARE, area_code="A1", cells=cells)


# --------------------------------------------------------------------------- many areas


def two_areas() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    left, right = box(0, 0, 300, 300), box(300, 0, 600, 300)
    boundaries = gpd.GeoDataFrame(
        {"code": ["L", "R", "EMPTY"], "name": ["Left", "Right", "Nobody"]},
        geometry=[left, right, box(0, 400, 10, 410)],
        crs=BNG,
    )
    points = [*GRID, (350.0, 150.0), (550.0, 150.0), (700.0, 150.0), (50.0, 50.0)]
    practices = practices_at(
        points,
        codes=[f"L{i}" for i in range(9)] + ["R0", "R1", "R2", "X0"],
        ccg=None,
    )
    practices["ccg"] = pd.array(["L"] * 9 + ["R", "R", "R", None], dtype="string")
    return practices, boundaries


def test_build_graphs_per_area(caplog: pytest.LogCaptureFixture) -> None:
    practices, boundaries = two_areas()
    calls: list[tuple[int, int, str]] = []
    with caplog.at_level(logging.INFO, logger="footprints.graph"):
        graphs, cells = build_graphs(
            practices,
            boundaries,
            progress=lambda done, total, code: calls.append((done, total, code)),
        )
    assert list(graphs) == ["L", "R", "EMPTY"]
    assert calls == [(1, 3, "L"), (2, 3, "R"), (3, 3, "EMPTY")]
    assert graphs["L"].number_of_edges() == 12
    assert set(graphs["R"]) == {"R0", "R1", "R2"}
    assert graphs["R"].graph == {"area": "R", "level": "ccg", "island_links": 0}
    assert graphs["EMPTY"].number_of_nodes() == 0
    assert list(cells.columns) == ["code", "area", "snapped_m", "geometry"]
    assert cells.crs == BNG
    assert len(cells) == 12  # X0 has no area
    assert cells.loc[cells["code"] == "R2", "snapped_m"].iat[0] == pytest.approx(101.0)
    messages = [r.getMessage() for r in caplog.records]
    assert any("1 practices have no ccg" in m and "X0" in m for m in messages)
    summary = [m for m in messages if m.startswith("built 3 ccg graphs")]
    assert len(summary) == 1
    assert "12 practices" in summary[0] and "1 snapped sites" in summary[0]


def test_build_graphs_missing_level_column() -> None:
    practices, boundaries = two_areas()
    with pytest.raises(MissingColumnError, match="stp"):
        build_graphs(practices.drop(columns=["stp"]), boundaries, level="stp")


def test_union_graph_of_disjoint_areas() -> None:
    practices, boundaries = two_areas()
    graphs, _ = build_graphs(practices, boundaries)
    union = union_graph(graphs)
    assert union.number_of_nodes() == 12
    assert union.number_of_edges() == 12 + graphs["R"].number_of_edges()
    assert union.graph["areas"] == ["L", "R", "EMPTY"]
    assert union.graph["level"] == "ccg"
    assert union.graph["island_links"] == 0
    assert union.nodes["R0"] == graphs["R"].nodes["R0"]
    with pytest.raises(ValueError, match="more than one area graph"):
        union_graph([graphs["L"], graphs["L"]])


# --------------------------------------------------------------------------- invariants

AREAS = {
    "square": box(0, 0, 1000, 1000),
    "l-shape": Polygon([(0, 0), (1000, 0), (1000, 300), (300, 300), (300, 1000), (0, 1000)]),
    "with-island": MultiPolygon([box(0, 0, 600, 1000), box(800, 200, 1000, 600)]),
    "u-shape": box(0, 0, 1000, 1000).difference(box(300, 250, 700, 1000)),
}


def brute_force_border(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Length of a's boundary lying on b's boundary, measured with a hair-thin buffer."""
    return float(a.boundary.intersection(b.boundary.buffer(1e-6)).length)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    area_name=st.sampled_from(sorted(AREAS)),
    points=st.lists(
        st.tuples(st.integers(-100, 1100), st.integers(-100, 1100)), min_size=1, max_size=25
    ),
)
def test_catchments_and_graph_invariants(area_name: str, points: list[tuple[int, int]]) -> None:
    area = AREAS[area_name]
    practices = practices_at([(float(x), float(y)) for x, y in points])
    cells = catchments(practices, area)
    graph = area_graph(practices, area, area_code="A1", cells=cells)

    # Every practice has a non-empty cell inside the area; snapped distances are honest.
    assert len(cells) == len(points)
    assert (cells.geometry.area > 0).all()
    outside_m = shapely.distance(area, practices.geometry.values)
    snapped_m = cells["snapped_m"].to_numpy()
    assert (snapped_m[outside_m == 0] == 0).all()
    far = outside_m > SITE_GRID_M
    assert (snapped_m[far] >= outside_m[far] + 0.9 * SNAP_INSET_M).all()

    # One cell per site: they cover the area and do not overlap.
    site_cells = cells.drop_duplicates("geometry").geometry
    distinct_sites = len(set(points))
    assert len(site_cells) <= distinct_sites
    assert shapely.union_all(site_cells.values).symmetric_difference(area).area < 1e-6 * area.area
    assert site_cells.area.sum() == pytest.approx(area.area, rel=1e-9)

    # The graph: every practice, connected, honest edge attributes.
    assert set(graph) == set(practices["code"])
    assert nx.is_connected(graph)
    for _, _, data in graph.edges(data=True):
        if data["kind"] == "border":
            assert data["border_m"] >= BORDER_MIN_M
        else:
            assert data["border_m"] == 0.0

    # Adjacency agrees with a pairwise check of shared boundary length.
    codes = list(practices["code"])
    geoms = list(cells.geometry)
    for i, j in itertools.combinations(range(len(codes)), 2):
        kind = (
            graph.edges[codes[i], codes[j]]["kind"] if graph.has_edge(codes[i], codes[j]) else None
        )
        if geoms[i].equals(geoms[j]):
            assert kind == "colocated"
            continue
        shared = brute_force_border(geoms[i], geoms[j])
        if BORDER_MIN_M / 2 < shared < BORDER_MIN_M * 2:
            continue  # too close to the threshold to call
        if shared >= BORDER_MIN_M:
            assert kind == "border", (codes[i], codes[j], shared)
            assert graph.edges[codes[i], codes[j]]["border_m"] == pytest.approx(shared, abs=0.01)
        else:
            assert kind in (None, "island"), (codes[i], codes[j], shared)
    islands = sum(1 for _, _, d in graph.edges(data=True) if d["kind"] == "island")
    assert islands == graph.graph["island_links"]
    without_islands = nx.Graph(
        [(a, b) for a, b, d in graph.edges(data=True) if d["kind"] != "island"]
    )
    without_islands.add_nodes_from(graph)
    assert islands == nx.number_connected_components(without_islands) - 1


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_inputs(shared_data: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Canonical practices, CCG and STP boundaries of the 2020 snapshot."""
    practices = read_practices(shared_data / "practices" / "practices_2020.csv")
    (ccg_file,) = (shared_data / "boundaries" / "ccg_2020_derived").glob("*.geojson")
    (stp_file,) = (shared_data / "boundaries" / "stp_2020_derived").glob("*.geojson")
    return practices, read_boundaries(ccg_file, level="ccg"), read_boundaries(stp_file, level="stp")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("level", "n_areas", "islands_expected"),
    [
        # The one CCG in two pieces with no land link: South East Staffordshire and the
        # Seisdon Peninsula, 11 km apart across Walsall and Wolverhampton. Other multi-part
        # areas (Canvey, Sheppey, Mersea, the Isle of Wight in its STP) are joined because a
        # mainland practice's cell reaches across the water and borders the island's cells.
        ("ccg", 135, {"E38000153": 1}),
        ("stp", 42, {}),
    ],
)
def test_real_graphs_are_connected_and_complete(
    real_inputs: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame],
    level: str,
    n_areas: int,
    islands_expected: dict[str, int],
) -> None:
    practices, ccgs, stps = real_inputs
    boundaries = ccgs if level == "ccg" else stps
    graphs, cells = build_graphs(practices, boundaries, level=level)

    assert len(graphs) == n_areas
    expected_members = {
        area: set(codes.tolist()) for area, codes in practices.groupby(level)["code"]
    }
    disconnected = [code for code, g in graphs.items() if not nx.is_connected(g)]
    assert not disconnected, f"{level} graphs not connected: {disconnected}"
    incomplete = [code for code, g in graphs.items() if set(g) != expected_members[code]]
    assert not incomplete, f"{level} graphs missing practices: {incomplete}"
    assert len(cells) == len(practices) == 6720
    assert (cells.geometry.area > 0).all()

    # The cells of each area tile it: one cell per site, areas summing to the area's.
    site_area = (
        cells.drop_duplicates("geometry")
        .groupby("area")
        .apply(lambda g: g.geometry.area.sum(), include_groups=False)
    )
    polygon_area = boundaries.set_index("code").geometry.area
    assert np.allclose(site_area[polygon_area.index], polygon_area, rtol=1e-6)

    islands = {c: g.graph["island_links"] for c, g in graphs.items() if g.graph["island_links"]}
    links = [
        (c, a, b, round(d["distance_m"]))
        for c, g in graphs.items()
        for a, b, d in g.edges(data=True)
        if d["kind"] == "island"
    ]
    assert islands == islands_expected, f"{level} island links: {links}"
    snapped = cells[cells["snapped_m"] > 0]
    assert snapped["snapped_m"].max() < 50_000, snapped.nlargest(3, "snapped_m")


def test_union_graph_links_catchments_across_area_borders() -> None:
    """Two square areas side by side: practices facing each other across the border link."""
    west, east = box(0, 0, 1_000, 1_000), box(1_000, 0, 2_000, 1_000)
    practices = gpd.GeoDataFrame(
        {
            "code": ["W1", "W2", "E1", "E2"],
            "list_size": [1, 1, 1, 1],
            "stp": ["W", "W", "E", "E"],
        },
        geometry=[Point(250, 500), Point(750, 500), Point(1_250, 500), Point(1_750, 500)],
        crs=BNG,
    )
    boundaries = gpd.GeoDataFrame(
        {"code": ["W", "E"], "name": ["West", "East"]}, geometry=[west, east], crs=BNG
    )
    graphs, cells = build_graphs(practices, boundaries, level="stp")
    plain = union_graph(graphs)
    assert not plain.has_edge("W2", "E1")
    linked = union_graph(graphs, catchments=cells)
    assert linked.edges["W2", "E1"]["kind"] == "area_border"
    assert linked.edges["W2", "E1"]["border_m"] == pytest.approx(1_000.0)
    assert not linked.has_edge("W1", "E1")  # not neighbours across the border
    assert linked.graph["area_border_links"] == 1
    assert nx.is_connected(linked)
