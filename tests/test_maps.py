"""Maps: finding the practices under a click on a marker."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from footprints.crs import BNG, WGS84
from footprints.maps import PracticePoints, practices_at


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
