"""Measures under registration geography on hand-made LSOA rows, against hand computations.

Five 1 km squares in a row, ``L00 … L40``. Practice A (network N1) has 500 patients in L00,
449 in L10, 100 in L20 and 51 in L30; practice B (network N2) 5,000 in L20 and 10 in L10.
Territories: N1 = {L00, L10} | {L30} (1,000 of its 1,100 patients), N2 = {L20} (5,000 of
5,010); L40 is nobody's.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
import shapely
from home_grids import home_graph, square
from test_region_homes import X0, Y0, write_inputs

from footprints.crs import BNG
from footprints.metrics import (
    containment,
    footprints,
    network_table,
    patch_alignment,
    patch_network_table,
    practice_homes,
    territories,
)
from footprints.plan import Band, Plan
from footprints.region import load_region

PLAN = Plan({"A": "N1", "B": "N2"}, {"N1": "North", "N2": "South"})


@pytest.fixture
def row() -> nx.Graph:
    return home_graph(
        {"A": {"L00": 500, "L10": 449, "L20": 100, "L30": 51}, "B": {"L20": 5_000, "L10": 10}},
        columns=5,
    )


def cells() -> gpd.GeoDataFrame:
    """Voronoi-style catchments of A and B (only read for the practice count)."""
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "list_size": [1_100, 5_010]},
        geometry=[shapely.box(0, 0, 2500, 1000), shapely.box(2500, 0, 5000, 1000)],
        crs=BNG,
    )


def test_containment_per_network_and_for_the_region(row: nx.Graph) -> None:
    result = containment(PLAN, row)
    assert result.networks == {"N1": pytest.approx(1_000 / 1_100), "N2": pytest.approx(5 / 5.01)}
    assert result.region == pytest.approx(6_000 / 6_110)
    assert result.patients == {"N1": 1_100, "N2": 5_010}
    assert result.in_territory == {"N1": 1_000, "N2": 5_000}
    assert result.territory_parts == {"N1": 2, "N2": 1}
    assert result.failing == ("N1",)  # 949 of 1,000 in its main part: below 95%


def test_containment_needs_homes() -> None:
    graph = home_graph({"A": {"L00": 5}}, columns=1, with_homes=False)
    assert territories(Plan({"A": "N1"}), graph) is None
    with pytest.raises(ValueError, match="containment needs patients' homes"):
        containment(Plan({"A": "N1"}), graph)


def test_footprints_are_the_territories_lsoa_squares_dissolved(row: nx.Graph) -> None:
    shapes = footprints(PLAN, cells(), graph=row).set_index("network_id")
    expected = {
        "N1": shapely.union_all([square(0), square(1), square(3)]),
        "N2": square(2),
    }
    assert list(shapes.index) == ["N1", "N2"]
    for network, geometry in expected.items():
        drawn = shapes.geometry[network]
        assert drawn.equals(geometry), network
        assert drawn.area == pytest.approx(geometry.area)
    assert shapes.loc["N1", "network_name"] == "North"
    assert list(shapes["practice_count"]) == [1, 1]
    assert list(shapes["population"]) == [1_100, 5_010]
    only = footprints(PLAN, cells(), graph=row, networks=["N2"])
    assert list(only["network_id"]) == ["N2"] and only.geometry.iloc[0].equals(square(2))


def test_on_the_voronoi_model_footprints_stay_the_catchments(row: nx.Graph) -> None:
    row.graph["geography"] = "voronoi"
    shapes = footprints(PLAN, cells(), graph=row).set_index("network_id")
    assert shapes.geometry["N1"].equals(shapely.box(0, 0, 2500, 1000))
    pd.testing.assert_frame_equal(
        footprints(PLAN, cells(), graph=row), footprints(PLAN, cells()), check_like=True
    )


def test_network_table_gains_containment_and_territory_parts(row: nx.Graph) -> None:
    table = network_table(PLAN, row, band=Band(1_000, 6_000)).set_index("network_id")
    assert table.loc["N1", "containment"] == pytest.approx(1_000 / 1_100)
    assert table["territory_parts"].to_dict() == {"N1": 2, "N2": 1}
    assert str(table["territory_parts"].dtype) == "int64"
    row.graph["geography"] = "voronoi"
    plain = network_table(PLAN, row)
    assert "containment" not in plain and "territory_parts" not in plain


def test_where_a_practices_patients_live_against_the_territories(row: nx.Graph) -> None:
    a = practice_homes(PLAN, row, "A")
    assert a.network == "N1" and not a.fallback
    assert a.lsoas == {"L00": 500, "L10": 449, "L20": 100, "L30": 51}
    assert a.territory == {"L00": "N1", "L10": "N1", "L20": "N2", "L30": "N1"}
    assert (a.patients, a.in_own_territory, a.in_other_territories) == (1_100, 1_000, 100)
    assert a.other_networks == {"N2": 100}
    b = practice_homes(PLAN, row, "B", precomputed=territories(PLAN, row))
    assert (b.in_own_territory, b.in_other_territories, b.other_networks) == (5_000, 10, {"N1": 10})
    # A practice in no network: every territory is another network's
    alone = practice_homes(Plan({"B": "N2"}), row, "A")
    assert alone.network is None and alone.in_own_territory == 0
    assert alone.in_other_territories == 100 + 449  # L20, and L10 (B's 10 patients there)
    assert alone.territory["L00"] is None  # nobody's: A is in no network


def test_where_patients_live_needs_homes_and_a_known_practice(row: nx.Graph) -> None:
    with pytest.raises(ValueError, match="practice Z is not among the 2 practices"):
        practice_homes(PLAN, row, "Z")
    row.graph["geography"] = "voronoi"
    with pytest.raises(ValueError, match="where the patients of A live needs patients' homes"):
        practice_homes(PLAN, row, "A")


# ---- patches on homes: X = L00, Y = L10, Z = L20, each home to 1,000 registered patients


@pytest.fixture
def patched() -> nx.Graph:
    return home_graph(
        {
            "A": {"L00": 900, "L10": 50, "L20": 10},
            "B": {"L10": 950},
            "C": {"L00": 100, "L20": 990},
        },
        columns=3,
        patch_of_lsoa={"L00": "X", "L10": "Y", "L20": "Z"},
    )


THREE = Plan({"A": "N1", "B": "N2", "C": "N3"})


def test_patch_alignment_counts_homes_with_the_five_percent_rule(patched: nx.Graph) -> None:
    result = patch_alignment(THREE, patched)
    # Y works into N1 (50 = 5% of 1,000); Z does not (10 = 1%) but those 10 live outside X
    assert result.network_patches == {
        "N1": {"X": 900, "Y": 50},
        "N2": {"Y": 950},
        "N3": {"Z": 990, "X": 100},
    }
    assert result.patch_networks == {"X": ("N1", "N3"), "Y": ("N1", "N2"), "Z": ("N3",)}
    assert result.straddling_networks == ("N1", "N3")
    assert result.straddling_population == {"N1": 60, "N2": 0, "N3": 100}
    assert result.total_straddling_population == 160
    assert result.extra_memberships == 2
    table = network_table(THREE, patched).set_index("network_id")
    assert table["patches"].to_dict() == {"N1": "X, Y", "N2": "Y", "N3": "Z, X"}
    assert table["straddling_population"].to_dict() == {"N1": 60, "N2": 0, "N3": 100}


def test_the_trust_view_counts_patients_homes_per_patch_and_network(patched: nx.Graph) -> None:
    patients = patch_network_table(THREE, patched)
    assert patients.to_dict("index") == {
        "X": {"networks worked into": 2, "N1": 900, "N2": 0, "N3": 100},
        "Y": {"networks worked into": 2, "N1": 50, "N2": 950, "N3": 0},
        "Z": {"networks worked into": 1, "N1": 10, "N2": 0, "N3": 990},
    }
    assert patients.index.name == "patch" and patients.columns.name == "network"
    assert all(str(dtype) == "int64" for dtype in patients.dtypes)
    practices = patch_network_table(THREE, patched, measure="practices")
    assert practices.to_dict("index") == {  # each practice where most of its patients live
        "X": {"networks worked into": 2, "N1": 1, "N2": 0, "N3": 0},
        "Y": {"networks worked into": 2, "N1": 0, "N2": 1, "N3": 0},
        "Z": {"networks worked into": 1, "N1": 0, "N2": 0, "N3": 1},
    }


# ---- a region from files (tests/test_region_homes.py's grid) ---------------------------------


def test_a_regions_footprints_are_its_territories(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    region = load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )
    plan = Plan({"A1": "N1", "A2": "N1", "B1": "N2", "B2": "N2"})
    graph = region.validation_graph
    shapes = footprints(plan, region.catchments, graph=graph).set_index("network_id")
    # N1 holds (0,0), (1,0), (1,1) and (2,0): the 2,000 patients of A1 and A2
    n1 = shapely.union_all(
        [
            shapely.box(X0 + 1000 * c, Y0 + 1000 * r, X0 + 1000 * (c + 1), Y0 + 1000 * (r + 1))
            for c, r in [(0, 0), (1, 0), (1, 1), (2, 0)]
        ]
    )
    # the files went through EPSG:4326 and back: equal to a few millimetres
    assert shapely.hausdorff_distance(shapes.geometry["N1"], n1) < 0.01
    assert shapes.geometry["N1"].area == pytest.approx(n1.area, rel=1e-6)
    result = containment(plan, graph)
    assert result.networks["N1"] == 1.0 and result.territory_parts["N1"] == 1
    found = territories(plan, graph)
    assert found is not None
    n2 = [i for i, network in enumerate(found.lsoa_network) if network == "N2"]
    n2_squares = shapely.union_all([region.lsoas.geometry.iloc[i] for i in n2])
    assert shapes.geometry["N2"].equals(n2_squares)
