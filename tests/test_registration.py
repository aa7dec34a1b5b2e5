"""Registration geography on tiny hand-made LSOA grids, against hand-computed answers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from footprints.crs import BNG
from footprints.registration import Homes, Lsoas, catchment_arrays, lsoa_patches, rms_distance_km


def grid_lsoas(columns: int, rows: int, *, size_m: float = 1_000.0, gap_m: float = 0.0) -> Lsoas:
    """A ``columns`` × ``rows`` grid of square LSOAs ``L<col><row>`` (1 km squares)."""
    codes, polygons = [], []
    for c in range(columns):
        for r in range(rows):
            codes.append(f"L{c}{r}")
            x0, y0 = c * size_m + gap_m / 2, r * size_m + gap_m / 2
            polygons.append(shapely.box(x0, y0, x0 + size_m - gap_m, y0 + size_m - gap_m))
    frame = gpd.GeoDataFrame({"code": codes}, geometry=polygons, crs=BNG)
    return Lsoas.from_polygons(frame)


def counts(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["practice", "lsoa", "patients"])


def test_grid_adjacency_is_rook_and_queen_by_touching() -> None:
    lsoas = grid_lsoas(3, 3)
    pairs = {
        tuple(sorted((str(lsoas.codes[a]), str(lsoas.codes[b]))))
        for a, b in zip(*lsoas.edges, strict=True)
    }
    assert ("L00", "L01") in pairs and ("L00", "L10") in pairs
    assert ("L00", "L11") in pairs  # squares meeting at a corner touch: polygons intersect
    assert ("L00", "L02") not in pairs
    assert len(pairs) == 12 + 8  # 12 shared edges, 8 corner contacts


def test_a_gap_wider_than_the_tolerance_separates_lsoas() -> None:
    apart = grid_lsoas(2, 1, gap_m=5.0)  # 5 m between the squares
    near = grid_lsoas(2, 1, gap_m=1.5)
    assert len(apart.edges[0]) == 0
    assert len(near.edges[0]) == 1


def test_centroids_come_from_the_table_where_given() -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["B", "A"]},
        geometry=[shapely.box(1000, 0, 2000, 1000), shapely.box(0, 0, 1000, 1000)],
        crs=BNG,
    )
    lsoas = Lsoas.from_polygons(
        frame, centroids=pd.DataFrame({"code": ["A"], "x": [10.0], "y": [20.0]})
    )
    assert list(lsoas.codes) == ["A", "B"]  # sorted by code
    assert (lsoas.x[0], lsoas.y[0]) == (10.0, 20.0)
    assert shapely.Point(lsoas.x[1], lsoas.y[1]).within(shapely.box(1000, 0, 2000, 1000))


def test_core_is_the_fewest_lsoas_holding_half() -> None:
    lsoas = grid_lsoas(3, 3)
    homes = Homes.from_counts(
        lsoas,
        counts(
            [
                ("P1", "L00", 40),
                ("P1", "L01", 30),
                ("P1", "L02", 20),
                ("P1", "L10", 10),
                ("P2", "L22", 50),
                ("P2", "L21", 50),
            ]
        ),
    )
    # P1: 100 patients; 40 < 50, 40 + 30 = 70 ≥ 50: core L00, L01.
    assert homes.core("P1") == ["L00", "L01"]
    # P2: a tie of counts is broken by LSOA code; 50 alone is half.
    assert homes.core("P2") == ["L21"]
    assert homes.catchment("P1") == {"L00": 40, "L01": 30, "L02": 20, "L10": 10}
    assert list(homes.patients) == [100, 100]


def test_rows_outside_the_lsoa_layer_are_left_out_and_repeats_added() -> None:
    lsoas = grid_lsoas(2, 2)
    homes = Homes.from_counts(
        lsoas, counts([("P1", "L00", 5), ("P1", "L00", 7), ("P1", "W01000001", 9)])
    )
    assert homes.catchment("P1") == {"L00": 12}


def test_practices_are_adjacent_through_shared_or_touching_cores() -> None:
    lsoas = grid_lsoas(4, 1)  # L00 L10 L20 L30 in a row
    homes = Homes.from_counts(
        lsoas,
        counts(
            [
                ("A", "L00", 60),
                ("A", "L30", 40),  # far patients are outside A's core
                ("B", "L10", 60),
                ("B", "L00", 40),
                ("C", "L30", 100),
                ("D", "L10", 51),
                ("D", "L30", 49),
            ]
        ),
    )
    pairs = homes.adjacent_pairs(["A", "B", "C", "D"])
    # A core {L00}; B core {L10}; C core {L30}; D core {L10}.
    # A–B touch (L00|L10); B–D share L10; A–D touch; C touches none of L00, L10.
    assert pairs == [("A", "B"), ("A", "D"), ("B", "D")]


def test_territory_is_the_plurality_network_with_ties_to_the_larger_then_lower_id() -> None:
    lsoas = grid_lsoas(3, 1)  # L00 L10 L20
    homes = Homes.from_counts(
        lsoas,
        counts(
            [
                ("A", "L00", 10),
                ("A", "L10", 5),
                ("B", "L10", 5),
                ("B", "L20", 30),
                ("C", "L20", 1),
            ]
        ),
    )
    plan = {"A": "N1", "B": "N2", "C": "N3"}
    terr = homes.territories(plan)
    # L10 is tied 5–5 between N1 (15 patients) and N2 (35): the larger network, N2, wins.
    assert list(terr.lsoa_network) == ["N1", "N2", "N2"]
    assert terr.patients == {"N1": 15, "N2": 35, "N3": 1}
    assert terr.in_territory == {"N1": 10, "N2": 35, "N3": 0}
    assert terr.containment("N1") == pytest.approx(10 / 15)
    assert terr.containment("N3") == 0.0
    assert terr.region_containment() == pytest.approx(45 / 51)
    # Equal sizes: the lower id wins.
    even = homes.territories(plan, sizes={"N1": 100, "N2": 100, "N3": 1})
    assert even.lsoa_network[1] == "N1"


def test_territory_parts_and_the_tolerance() -> None:
    lsoas = grid_lsoas(5, 1)  # L00 L10 L20 L30 L40
    rows = [
        ("A", "L00", 50),
        ("A", "L10", 45),
        ("B", "L20", 100),
        ("A", "L30", 5),  # A wins L30, detached from L00–L10 by B's L20
        ("C", "L40", 100),
    ]
    homes = Homes.from_counts(lsoas, counts(rows))
    terr = homes.territories({"A": "N1", "B": "N2", "C": "N3"})
    parts = terr.parts["N1"]
    assert [p.lsoas for p in parts] == [("L00", "L10"), ("L30",)]
    assert [p.patients for p in parts] == [95, 5]
    assert terr.contiguous("N1")  # 95 of 100: exactly the 95% tolerance
    homes2 = Homes.from_counts(lsoas, counts([*rows[:3], ("A", "L30", 6), rows[4]]))
    terr2 = homes2.territories({"A": "N1", "B": "N2", "C": "N3"})
    assert not terr2.contiguous("N1")  # 95 of 101 < 95%
    assert terr2.contiguous("N2") and terr2.contiguous("N3")


def test_compactness_is_the_rms_distance_of_homes_from_their_centre() -> None:
    lsoas = grid_lsoas(3, 1)  # centroids at x = 0.5, 1.5, 2.5 km
    homes = Homes.from_counts(lsoas, counts([("A", "L00", 10), ("B", "L20", 10), ("C", "L10", 7)]))
    result = homes.compactness({"A": "N1", "B": "N1", "C": "N2"})
    # N1: homes 1 km either side of the centre → RMS 1 km; N2 one place → 0.
    assert result["N1"] == pytest.approx(1.0)
    assert result["N2"] == pytest.approx(0.0)
    moments = homes.moments()
    total = [
        float(moments.patients[:2].sum()),
        float(moments.sum_x[:2].sum()),
        float(moments.sum_y[:2].sum()),
        float(moments.sum_sq[:2].sum()),
    ]
    assert rms_distance_km(*total) == pytest.approx(1.0)


def test_patch_counts_follow_homes_not_surgeries() -> None:
    lsoas = grid_lsoas(2, 1)
    patches = gpd.GeoDataFrame(
        {"patch": ["W", "E"]},
        geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)],
        crs=BNG,
    )
    labels = lsoa_patches(lsoas, patches)
    assert labels == ["W", "E"]
    homes = Homes.from_counts(lsoas, counts([("A", "L00", 70), ("A", "L10", 30)]))
    assert homes.patch_counts(labels) == {"A": {"W": 70, "E": 30}}
    assert math.isclose(sum(homes.patch_counts(labels)["A"].values()), 100)


def test_empty_inputs() -> None:
    lsoas = grid_lsoas(2, 1)
    homes = Homes.from_counts(lsoas, counts([]), practices=["A"])
    assert homes.core("A") == [] and homes.adjacent_pairs(["A"]) == []
    terr = homes.territories({"A": "N1"})
    assert terr.patients == {"N1": 0}
    assert list(np.asarray(terr.lsoa_network)) == [None, None]


def test_catchment_arrays_count_every_practice_registered_in_an_lsoa() -> None:
    lsoas = grid_lsoas(4, 1)  # L00 L10 L20 L30 in a row
    rows = [("A", "L10", 30), ("A", "L00", 70), ("B", "L10", 50), ("C", "L30", 10)]
    homes = Homes.from_counts(lsoas, counts(rows))
    found, registered, edges = catchment_arrays(homes, ["A", "C", "Z"])
    position = lsoas.index
    assert set(found) == {"A", "C"}  # Z has no patients
    assert found["A"][0].tolist() == [position["L00"], position["L10"]]
    assert found["A"][1].tolist() == [70, 30]
    # B is not among the practices asked for, but its patients in L10 are registered there.
    assert registered == {position["L00"]: 70, position["L10"]: 80, position["L30"]: 10}
    assert edges.tolist() == [[position["L00"], position["L10"]]]
