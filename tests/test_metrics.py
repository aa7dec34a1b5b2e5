"""Metrics: compactness, Polsby–Popper, patch alignment, footprints and the network table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box
from test_region_homes import X0, Y0, lsoa, write_inputs

from footprints.crs import BNG
from footprints.demo import load_demo
from footprints.graph import build_graphs
from footprints.metrics import (
    PatchAlignment,
    compactness,
    footprints,
    network_table,
    patch_alignment,
    patch_network_table,
    polsby_popper,
)
from footprints.plan import Band, Plan
from footprints.region import load_region
from footprints.rules import check_contiguity


def _graph(practices: dict[str, tuple[float, float, int, str | None]]) -> nx.Graph:
    """Practices code → (x, y, list_size, patch), all in CCG C1 / STP S1."""
    graph = nx.Graph()
    for code, (x, y, size, patch) in practices.items():
        graph.add_node(code, x=x, y=y, list_size=size, ccg="C1", stp="S1", patch=patch, name="")
    return graph


def _grid_catchments(rows: int, cols: int, size: int = 10_000) -> gpd.GeoDataFrame:
    """Unit (1 km) squares ``P<row><col>`` tiling a rows x cols block."""
    codes, cells = [], []
    for r in range(rows):
        for c in range(cols):
            codes.append(f"P{r}{c}")
            cells.append(box(1000 * c, 1000 * r, 1000 * (c + 1), 1000 * (r + 1)))
    return gpd.GeoDataFrame(
        {"code": codes, "list_size": [size] * len(codes)}, geometry=cells, crs=BNG
    )


# ------------------------------------------------------------------------------ compactness


def test_compactness_weights_by_population() -> None:
    # 1,000 patients at (0, 0) and 3,000 at (3 km, 4 km): the centre is 3/4 of the way,
    # 3.75 km and 1.25 km away; (1,000 x 3.75 + 3,000 x 1.25) / 4,000 = 1.875 km.
    graph = _graph({"A": (0, 0, 1_000, None), "B": (3_000, 4_000, 3_000, None)})
    assert compactness(Plan({"A": "N", "B": "N"}), graph) == {"N": pytest.approx(1.875)}


def test_compactness_of_a_single_practice_is_zero_and_empty_networks_are_equal() -> None:
    graph = _graph({"A": (0, 0, 5_000, None), "B": (0, 0, 0, None), "C": (2_000, 0, 0, None)})
    result = compactness(Plan({"A": "N1", "B": "N2", "C": "N2", "Z": "N2"}), graph)
    assert result == {"N1": 0.0, "N2": pytest.approx(1.0)}


def test_compactness_of_a_square_of_equal_practices() -> None:
    corners = {
        f"P{i}": (x, y, 7_000, None)
        for i, (x, y) in enumerate([(0, 0), (0, 2e3), (2e3, 0), (2e3, 2e3)])
    }
    plan = Plan({code: "N" for code in corners})
    assert compactness(plan, _graph(corners))["N"] == pytest.approx(math.sqrt(2))


def test_compactness_on_registration_geography_is_the_rms_distance_of_homes(
    tmp_path: Path,
) -> None:
    """On test_region_homes' LSOA grid, against pandas on the files themselves."""
    paths = write_inputs(tmp_path)
    # Centroids off the squares' centres, so that the test sees which points are used.
    centroids = pd.DataFrame(
        [
            (lsoa(col, row), X0 + 1000 * col + 100 + 70 * col, Y0 + 1000 * row + 800 - 90 * col)
            for col in range(6)
            for row in range(2)
        ],
        columns=["code", "easting", "northing"],
    )
    centroids.to_csv(tmp_path / "centroids.csv", index=False)
    region = load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
        lsoa_centroids=tmp_path / "centroids.csv",
    )
    assert region.homes is not None
    plan = Plan({"A1": "N1", "A2": "N1", "B1": "N2", "B2": "N2"})
    rows = pd.read_csv(paths["registrations"])
    # B2 has no registrations: its homes are its Voronoi fallback (registration.py's).
    fallback = [("B2", code, n) for code, n in region.homes.catchment("B2").items()]
    rows = pd.concat(
        [rows, pd.DataFrame(fallback, columns=["PRACTICE_CODE", "LSOA_CODE", "NUMBER_OF_PATIENTS"])]
    )
    homes = rows.merge(centroids, left_on="LSOA_CODE", right_on="code")  # Welsh rows drop out
    homes["network"] = homes["PRACTICE_CODE"].map(plan.assignment)
    expected = {}
    for network, group in homes.groupby("network"):
        n = group["NUMBER_OF_PATIENTS"].to_numpy(float)
        x, y = group["easting"].to_numpy() / 1000, group["northing"].to_numpy() / 1000
        cx, cy = np.average(x, weights=n), np.average(y, weights=n)
        expected[network] = math.sqrt(np.average((x - cx) ** 2 + (y - cy) ** 2, weights=n))
    assert expected["N1"] > 0.5 and expected["N2"] > 0.5
    assert compactness(plan, region.validation_graph) == pytest.approx(expected, rel=1e-9)
    area = compactness(Plan({"A1": "N1", "A2": "N1"}), region.ccg_graphs["E38000001"])
    assert area == pytest.approx({"N1": expected["N1"]}, rel=1e-9)


# ------------------------------------------------------------------------------ Polsby–Popper


def test_polsby_popper_of_a_square_is_pi_over_four() -> None:
    assert polsby_popper(box(0, 0, 5_000, 5_000)) == pytest.approx(math.pi / 4)


def test_polsby_popper_of_a_circle_is_about_one() -> None:
    assert polsby_popper(Point(0, 0).buffer(1_000, quad_segs=256)) == pytest.approx(1, abs=1e-4)


def test_polsby_popper_of_a_long_strip_is_small_and_of_nothing_is_nan() -> None:
    assert polsby_popper(box(0, 0, 100, 1)) < 0.05
    assert math.isnan(polsby_popper(Polygon()))


# ------------------------------------------------------------------------------ patches


# N1: A 10k + A 5k + B 4k  -> straddles, 4,000 outside A
# N2: B 8k + C 3k + None  -> straddles, 3,000 outside B
# N3: C 9k                -> one patch
_PATCH_PRACTICES: dict[str, tuple[float, float, int, str | None]] = {
    "a1": (0, 0, 10_000, "A"),
    "a2": (0, 0, 5_000, "A"),
    "b1": (0, 0, 4_000, "B"),
    "b2": (0, 0, 8_000, "B"),
    "c1": (0, 0, 3_000, "C"),
    "x1": (0, 0, 6_000, None),
    "c2": (0, 0, 9_000, "C"),
}
_PATCH_PLAN = {"a1": "N1", "a2": "N1", "b1": "N1", "b2": "N2", "c1": "N2", "x1": "N2", "c2": "N3"}


def test_patch_alignment_on_a_hand_example() -> None:
    graph = _graph(_PATCH_PRACTICES)
    plan = Plan(_PATCH_PLAN)
    result = patch_alignment(plan, graph)
    assert isinstance(result, PatchAlignment)
    assert result.network_patches == {
        "N1": {"A": 15_000, "B": 4_000},
        "N2": {"B": 8_000, "C": 3_000},
        "N3": {"C": 9_000},
    }
    assert result.straddling_population == {"N1": 4_000, "N2": 3_000, "N3": 0}
    assert result.patch_networks == {"A": ("N1",), "B": ("N1", "N2"), "C": ("N2", "N3")}
    assert result.straddling_networks == ("N1", "N2")
    assert result.total_straddling_population == 7_000
    assert result.extra_memberships == 2  # B works into 2 networks, C into 2


def test_patch_network_table_counts_patients_or_practices() -> None:
    # The example above, with a practice of no patients in C (N3) and one the graph lacks.
    graph = _graph({**_PATCH_PRACTICES, "c3": (0, 0, 0, "C")})
    plan = Plan({**_PATCH_PLAN, "c3": "N3", "zz": "N3"})
    patients = patch_network_table(plan, graph)
    assert list(patients.columns) == ["networks worked into", "N1", "N2", "N3"]
    assert patients.columns.name == "network"
    assert patients.index.name == "patch"
    assert patients.to_dict("index") == {
        "A": {"networks worked into": 1, "N1": 15_000, "N2": 0, "N3": 0},
        "B": {"networks worked into": 2, "N1": 4_000, "N2": 8_000, "N3": 0},
        "C": {"networks worked into": 2, "N1": 0, "N2": 3_000, "N3": 9_000},
    }
    assert set(patients.dtypes) == {np.dtype("int64")}
    practices = patch_network_table(plan, graph, measure="practices")
    assert practices.loc["C"].to_dict() == {"networks worked into": 2, "N1": 0, "N2": 1, "N3": 2}
    assert practices.drop(columns="networks worked into").to_numpy().sum() == 7  # x1: no patch
    with pytest.raises(ValueError, match="measure"):
        patch_network_table(plan, graph, measure="beds")  # type: ignore[arg-type]


def test_patch_network_table_without_patches_has_no_rows() -> None:
    graph = _graph({"a": (0, 0, 1_000, None)})
    assert patch_network_table(Plan({"a": "N1"}), graph).empty


@pytest.mark.parametrize("measure", ["patients", "practices"])
def test_patch_network_table_matches_the_trust_tabs_pivot(
    measure: Literal["patients", "practices"],
) -> None:
    """The numbers the app's community trust view showed, built as it built them."""
    region = load_demo()
    assert region.current is not None
    plan, graph = region.current, region.validation_graph
    rows = [
        {
            "patch": str(graph.nodes[p]["patch"]),
            "network": n,
            "patients": int(graph.nodes[p].get("list_size", 0)),
            "practices": 1,
        }
        for p, n in plan.assignment.items()
        if p in graph and graph.nodes[p].get("patch")
    ]
    pivot = pd.DataFrame(rows).pivot_table(
        index="patch", columns="network", values=measure, aggfunc="sum", fill_value=0
    )
    pivot.insert(0, "networks worked into", (pivot > 0).sum(axis=1))
    pd.testing.assert_frame_equal(patch_network_table(plan, graph, measure=measure), pivot)


# ------------------------------------------------------------------------------ footprints


def test_footprint_of_a_contiguous_network_is_one_polygon() -> None:
    cells = _grid_catchments(3, 3)
    plan = Plan({f"P{r}{c}": f"N{r}" for r in range(3) for c in range(3)}, {"N0": "South"})
    result = footprints(plan, cells)
    assert list(result["network_id"]) == ["N0", "N1", "N2"]
    assert list(result["network_name"]) == ["South", "N1", "N2"]
    assert list(result["population"]) == [30_000] * 3
    assert list(result["practice_count"]) == [3] * 3
    assert result.crs == BNG
    for geometry in result.geometry:
        assert isinstance(geometry, Polygon)
        assert geometry.area == pytest.approx(3e6)
        assert polsby_popper(geometry) == pytest.approx(4 * math.pi * 3e6 / 8_000**2)


def test_footprint_of_a_split_network_has_one_piece_per_part() -> None:
    cells = _grid_catchments(3, 3)
    plan = Plan(
        {
            f"P{r}{c}": ("X" if (r, c) in {(0, 0), (2, 2)} else "Y")
            for r in range(3)
            for c in range(3)
        }
    )
    result = footprints(plan, cells).set_index("network_id")
    assert isinstance(result.geometry["X"], MultiPolygon)
    assert len(result.geometry["X"].geoms) == 2
    assert isinstance(result.geometry["Y"], Polygon)


def test_footprints_share_cells_of_colocated_practices_and_filter_networks() -> None:
    cells = _grid_catchments(1, 2)
    shared = gpd.GeoDataFrame(
        {"code": ["Q"], "list_size": [1_000]}, geometry=[cells.geometry.iloc[0]], crs=BNG
    )
    cells = gpd.GeoDataFrame(
        gpd.pd.concat([cells, shared], ignore_index=True), geometry="geometry", crs=BNG
    )
    plan = Plan({"P00": "N", "P01": "N", "Q": "N", "Z": "N"})
    for method in ("union", "coverage"):
        (row,) = footprints(plan, cells, method=method).itertuples()
        assert row.population == 21_000 and row.practice_count == 3
        assert isinstance(row.geometry, Polygon) and row.geometry.area == pytest.approx(2e6)
    assert len(footprints(plan, cells, networks=["other"])) == 0


def test_footprints_without_list_sizes_and_in_another_crs() -> None:
    cells = _grid_catchments(1, 2).drop(columns="list_size").to_crs("EPSG:4326")
    result = footprints(Plan({"P00": "N", "P01": "N"}), cells)
    assert "population" not in result.columns
    assert result.crs == BNG
    assert result.geometry.iloc[0].area == pytest.approx(2e6, rel=1e-3)


# ------------------------------------------------------------------------------ table


def test_network_table_columns_and_values() -> None:
    graph = _graph(
        {
            "a": (0, 0, 20_000, "A"),
            "b": (1_000, 0, 15_000, "B"),
            "c": (5_000, 0, 60_000, "B"),
        }
    )
    graph.nodes["b"]["ccg"] = "C2"
    plan = Plan({"a": "N1", "b": "N1", "c": "N2", "z": "N3"}, {"N1": "Riverside"})
    cells = gpd.GeoDataFrame(
        {"code": ["a", "b", "c"]},
        geometry=[box(0, 0, 1e3, 1e3), box(1e3, 0, 2e3, 1e3), box(4e3, 0, 6e3, 1e3)],
        crs=BNG,
    )
    table = network_table(
        plan, graph, band=Band(30_000, 50_000), footprints=footprints(plan, cells)
    )
    assert list(table["network_id"]) == ["N1", "N2"]
    n1, n2 = table.to_dict("records")
    assert n1["network_name"] == "Riverside"
    assert (n1["population"], n1["practice_count"], n1["gap"], n1["in_band"]) == (
        35_000,
        2,
        0,
        True,
    )
    assert n1["deviation"] == -5_000
    assert (n1["ccgs"], n1["stps"], n1["patches"]) == ("C1, C2", "S1", "A, B")
    assert n1["straddling_population"] == 15_000
    # centre at 15/35 km from a: (20 x 15/35 + 15 x 20/35) / 35 km
    assert n1["compactness_km"] == pytest.approx((20 * 15 / 35 + 15 * 20 / 35) / 35)
    assert n1["polsby_popper"] == pytest.approx(4 * math.pi * 2e6 / 6_000**2)
    assert (n2["gap"], n2["in_band"], n2["straddling_population"]) == (10_000, False, 0)
    assert table["population"].dtype == "int64"


def test_network_table_of_an_empty_plan_has_the_columns() -> None:
    table = network_table(Plan({}), nx.Graph())
    assert len(table) == 0
    assert {"network_id", "population", "compactness_km", "in_band"} <= set(table.columns)
    assert "polsby_popper" not in table.columns


@pytest.mark.realdata
def test_real_ccg_footprints_are_one_piece_exactly_when_contiguous(shared_data: Path) -> None:
    """On a real CCG and its 2020 PCNs, the footprint's pieces match the contiguity rule."""
    table = pd.read_csv(shared_data / "practices" / "practices_2020.csv", dtype=str)
    rows = table[table["ccg20_ons_code"] == "E38000244"].reset_index(drop=True)  # SE London
    practices = gpd.GeoDataFrame(
        {
            "code": rows["practice_code"],
            "name": rows["practice_name"],
            "list_size": rows["list_size_2020_01"].astype("int64"),
            "ccg": rows["ccg20_ons_code"],
            "stp": rows["stp20_ons_code"],
        },
        geometry=gpd.points_from_xy(rows["easting"].astype(float), rows["northing"].astype(float)),
        crs=BNG,
    )
    ccgs = gpd.read_file(
        shared_data
        / "boundaries"
        / "ccg_2020_derived"
        / "ccg_2020_04_derived_from_ccg2019_buc.geojson"
    ).to_crs(BNG)
    area = ccgs[ccgs["CCG20CD"] == "E38000244"].rename(columns={"CCG20CD": "code"})
    graphs, cells = build_graphs(practices, area[["code", "geometry"]], level="ccg")
    plan = Plan(dict(zip(rows["practice_code"], rows["pcn_code"], strict=True)))
    split = {
        v.networks[0]: v.values["part_count"] for v in check_contiguity(plan, graphs["E38000244"])
    }
    for row in footprints(plan, cells).itertuples():
        pieces = len(getattr(row.geometry, "geoms", [row.geometry]))
        assert pieces == split.get(row.network_id, 1), row.network_id
