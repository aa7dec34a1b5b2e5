"""Maps: finding the practices under a click on a marker; where a practice's patients live."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import shapely.affinity
from home_grids import grid_lsoas, square
from shapely.geometry import Point, shape

from footprints.crs import BNG, WGS84
from footprints.maps import PracticePoints, homes_layer, practices_at
from footprints.plan import Plan
from footprints.registration import Lsoas


@pytest.fixture
def points() -> PracticePoints:
    # P1 and P2 share a site; P3 is 200 m east; P4 is 1 km north. In British National Grid.
    sites = {"P2": (430_000, 290_000), "P1": (430_000, 290_000), "P3": (430_200, 290_000)}
    sites["P4"] = (430_000, 291_000)
    practices = gpd.GeoDataFrame(
        {"code": list(sites)}, geometry=[Point(xy) for xy in sites.values()], crs=BNG
    )
    return PracticePoints.of(practices)


def _degrees(x: float, y: float) -> tuple[float, float]:
    point = gpd.GeoSeries([Point(x, y)], crs=BNG).to_crs(WGS84).iloc[0]
    return float(point.y), float(point.x)


def test_points_are_in_degrees_in_the_table_order(points: PracticePoints) -> None:
    assert list(points.codes) == ["P2", "P1", "P3", "P4"]
    lat, lng = _degrees(430_200, 290_000)
    assert points.lat[2] == pytest.approx(lat)
    assert points.lng[2] == pytest.approx(lng)


def test_a_click_on_a_shared_site_selects_everyone_there(points: PracticePoints) -> None:
    assert practices_at(points, *_degrees(430_010, 290_010)) == ["P1", "P2"]


def test_a_click_near_a_marker_selects_the_nearest_practice(points: PracticePoints) -> None:
    assert practices_at(points, *_degrees(430_180, 290_020)) == ["P3"]
    assert practices_at(points, *_degrees(430_000, 290_970)) == ["P4"]


def test_a_click_away_from_every_marker_selects_nothing(points: PracticePoints) -> None:
    assert practices_at(points, *_degrees(430_100, 290_500)) == []  # about 300 m from any
    assert practices_at(points, *_degrees(430_000, 290_070)) == []  # 70 m: not on the marker


def test_no_practices_no_selection() -> None:
    empty = gpd.GeoDataFrame({"code": []}, geometry=[], crs=BNG)
    assert practices_at(PracticePoints.of(empty), 52.0, -1.5) == []


def _inland(col: int) -> shapely.Polygon:
    """The square ``L<col>0``, moved inland (the projection is exact to a metre there)."""
    return shapely.affinity.translate(square(col), 450_000, 250_000)


def test_the_homes_layer_shades_a_practices_lsoas_darker_where_more_live() -> None:
    codes = [f"L{col}0" for col in range(4)]
    lsoas = Lsoas.from_polygons(
        gpd.GeoDataFrame({"code": codes}, geometry=[_inland(c) for c in range(4)], crs=BNG)
    )
    layer = homes_layer(
        lsoas,
        {"L20": 25, "L00": 100, "L30": 25, "E99999999": 7},  # a code not among the LSOAs
        territory={"L00": "N1", "L20": "N2"},
        plan=Plan({"A": "N1", "B": "N2"}, names={"N2": "South"}),
        limit=3,
    )
    features = layer.data["features"]
    tips = [f["properties"]["tip"] for f in features]
    assert tips == [  # most patients first, then by code; the unknown code left out
        "<b>L00</b>: 100 patients<br>territory of N1 (N1)",
        "<b>L20</b>: 25 patients<br>territory of South (N2)",
        "<b>L30</b>: 25 patients",
    ]
    opacity = [f["properties"]["style"]["fillOpacity"] for f in features]
    assert opacity[0] > opacity[1] == opacity[2] > 0
    drawn = gpd.GeoSeries([shape(f["geometry"]) for f in features], crs=WGS84).to_crs(BNG)
    for polygon, col in zip(drawn, (0, 2, 3), strict=True):
        assert shapely.hausdorff_distance(polygon, _inland(col)) < 2.0  # rounded to ~1 m
    fewer = homes_layer(lsoas, {"L00": 100, "L20": 25, "L30": 25}, limit=1)
    assert [f["properties"]["tip"] for f in fewer.data["features"]] == ["<b>L00</b>: 100 patients"]


def test_the_homes_layer_needs_lsoa_polygons() -> None:
    bare = grid_lsoas(2)
    with pytest.raises(ValueError, match="the LSOAs have no polygons"):
        homes_layer(Lsoas(bare.codes, bare.x, bare.y, bare.edges), {"L00": 1})
