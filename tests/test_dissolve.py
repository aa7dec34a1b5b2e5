"""Territory footprints dissolved part by part, kept between moves, gaps filled, for maps.

Rows of 1 km LSOA squares ``L<col>0`` (tests/home_grids.py); a practice per network unless
said otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from home_grids import grid_lsoas, home_graph, square

from footprints import dissolve
from footprints.crs import BNG
from footprints.dissolve import territory_footprints
from footprints.metrics import footprints, territories
from footprints.plan import Plan
from footprints.registration import Homes, Lsoas


def _cells(graph: Any) -> gpd.GeoDataFrame:
    """Voronoi-style cells of the graph's practices (only their codes are read)."""
    codes = sorted(graph.nodes)
    return gpd.GeoDataFrame({"code": codes}, geometry=[square(0)] * len(codes), crs=BNG)


@pytest.fixture
def unions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the LSOAs of every union the dissolving makes."""
    made: list[int] = []
    real: Callable[..., Any] = shapely.union_all

    def counting(geometries: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(len(geometries))
        return real(geometries, *args, **kwargs)

    monkeypatch.setattr(dissolve.shapely, "union_all", counting)
    return made


THREE = {"A": {"L00": 100, "L10": 100}, "B": {"L20": 100, "L30": 100}, "C": {"L40": 90, "L50": 90}}


def test_footprints_equal_the_union_of_the_lsoas_each_network_wins() -> None:
    graph = home_graph(
        {"A": {"L00": 50, "L10": 40, "L30": 5}, "B": {"L20": 60, "L30": 30, "L40": 7}}, columns=5
    )
    plan = Plan({"A": "N1", "B": "N2"})
    shapes = footprints(plan, _cells(graph), graph=graph).set_index("network_id").geometry
    # N1 wins L00, L10; N2 wins L20, L30, L40 (30 > 5 in L30)
    assert shapes["N1"].equals(shapely.union_all([square(0), square(1)]))
    assert shapes["N2"].equals(shapely.union_all([square(2), square(3), square(4)]))
    assert all(shape.is_valid for shape in shapes)


def test_the_part_holding_most_patients_comes_first() -> None:
    # N1: L00 (30 patients) and, detached, L20 + L30 (60): the larger part first
    graph = home_graph({"A": {"L00": 30, "L20": 20, "L30": 40}, "B": {"L10": 99}}, columns=4)
    shape = footprints(Plan({"A": "N1", "B": "N2"}), _cells(graph), graph=graph).geometry[0]
    first, second = shapely.get_parts(shape)
    assert first.equals(shapely.union_all([square(2), square(3)]))
    assert second.equals(square(0))


def test_parts_are_dissolved_once_and_a_move_dissolves_only_what_it_changed(
    unions: list[int],
) -> None:
    graph = home_graph(THREE, columns=6)
    cells = _cells(graph)
    plan = Plan({"A": "N1", "B": "N2", "C": "N3"})
    first = footprints(plan, cells, graph=graph)
    assert sorted(unions) == [2, 2, 2]  # three parts of two LSOAs each
    unions.clear()
    again = footprints(plan, cells, graph=graph)
    assert unions == []
    assert list(again.geometry) == list(first.geometry)
    moved = footprints(plan.moved(["C"], "N2"), cells, graph=graph).set_index("network_id")
    assert unions == [4]  # N2's new part of four LSOAs; N1's part is kept
    assert moved.geometry["N2"].equals(shapely.union_all([square(c) for c in (2, 3, 4, 5)]))
    assert moved.geometry["N1"].equals(first.set_index("network_id").geometry["N1"])


def test_a_window_leaves_out_the_parts_wholly_outside_it() -> None:
    graph = home_graph({"A": {"L00": 80, "L50": 3}, "B": {"L20": 50}}, columns=6)
    plan = Plan({"A": "N1", "B": "N2"})
    found = territories(plan, graph)
    assert found is not None
    lsoas: Lsoas = graph.graph["homes"].lsoas
    whole = territory_footprints(found, lsoas, ["N1", "N2"])
    assert whole["N1"].equals(shapely.union_all([square(0), square(5)]))
    near = territory_footprints(found, lsoas, ["N1", "N2"], within=(0.0, 0.0, 2_500.0, 500.0))
    assert near["N1"].equals(square(0))  # L50 lies beyond x = 2,500 m
    assert near["N2"].equals(square(2))  # it reaches into the window: drawn whole
    assert "N1" not in territory_footprints(found, lsoas, ["N1"], within=(10e3, 0, 11e3, 1e3))


def _jagged_lsoas() -> Lsoas:
    """Two LSOAs: a square with a saw-tooth top edge (teeth 5 m high), and a plain square."""
    xs = np.linspace(0.0, 1000.0, 201)
    top = [(float(x), 1000.0 + (5.0 if k % 2 else 0.0)) for k, x in enumerate(xs)]
    jagged = shapely.Polygon([(0.0, 0.0), (1000.0, 0.0), *reversed(top)])
    frame = gpd.GeoDataFrame({"code": ["L00", "L10"]}, geometry=[jagged, square(1)], crs=BNG)
    return Lsoas.from_polygons(frame)


def _territories_of(lsoas: Lsoas, counts: Mapping[str, Mapping[str, int]], plan: Plan) -> Any:
    rows = [(p, lsoa, n) for p, homes in counts.items() for lsoa, n in homes.items()]
    homes = Homes.from_counts(lsoas, pd.DataFrame(rows, columns=["practice", "lsoa", "patients"]))
    return homes.territories(dict(plan.assignment))


def test_simplifying_drops_vertices_within_the_tolerance() -> None:
    lsoas = _jagged_lsoas()
    found = _territories_of(lsoas, {"A": {"L00": 10, "L10": 10}}, Plan({"A": "N1"}))
    exact = territory_footprints(found, lsoas, ["N1"])["N1"]
    simple = territory_footprints(found, lsoas, ["N1"], simplify_m=10.0)["N1"]
    assert len(shapely.get_coordinates(simple)) < len(shapely.get_coordinates(exact)) / 10
    assert shapely.hausdorff_distance(simple, exact) <= 10.0
    again = territory_footprints(found, lsoas, ["N1"])["N1"]  # the exact part is still kept
    assert again.equals(exact)


def _nicked(col: int, row: int) -> shapely.Polygon:
    """The square ``(col, row)`` of a 2 × 2 grid, with its corner at (1000, 1000) cut off."""
    box = shapely.box(col * 1000.0, row * 1000.0, (col + 1) * 1000.0, (row + 1) * 1000.0)
    return box.difference(shapely.box(990.0, 990.0, 1010.0, 1010.0))


def test_a_gap_between_published_polygons_is_filled_an_enclave_is_not() -> None:
    nicked = [_nicked(c, r) for c in (0, 1) for r in (0, 1)]
    frame = gpd.GeoDataFrame({"code": ["A", "B", "C", "D"]}, geometry=nicked, crs=BNG)
    lsoas = Lsoas.from_polygons(frame)
    found = _territories_of(lsoas, {"P": dict.fromkeys("ABCD", 5)}, Plan({"P": "N1"}))
    shape = territory_footprints(found, lsoas, ["N1"])["N1"]
    assert shapely.union_all(nicked).interiors  # the union alone has a 20 m gap...
    assert shape.equals(shapely.box(0, 0, 2000, 2000))  # ...which holds no LSOA: filled

    grid = grid_lsoas(3, 3)  # L11 in the middle belongs to another network
    counts = {"P": {f"L{c}{r}": 5 for c in range(3) for r in range(3) if (c, r) != (1, 1)}}
    counts["Q"] = {"L11": 9}
    found = _territories_of(grid, counts, Plan({"P": "N1", "Q": "N2"}))
    ring = territory_footprints(found, grid, ["N1"])["N1"]
    assert ring.equals(shapely.box(0, 0, 3000, 3000).difference(square(1, 1)))


def test_territory_footprints_need_lsoa_polygons() -> None:
    bare = grid_lsoas(2)
    without = Lsoas(bare.codes, bare.x, bare.y, bare.edges)
    found = _territories_of(without, {"A": {"L00": 1}}, Plan({"A": "N1"}))
    with pytest.raises(ValueError, match="need the LSOA polygons"):
        territory_footprints(found, without, ["N1"])
