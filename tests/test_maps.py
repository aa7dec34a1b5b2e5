"""Maps: finding the practices under a click on a marker; where a practice's patients live."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import shapely.affinity
from home_grids import grid_lsoas, square
from shapely.geometry import Point, shape

from footprints.crs import BNG, WGS84
from footprints.maps import PracticePoints, homes_layer, practices_at, practices_near
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


def test_the_practices_under_a_marker_are_those_within_50_m_nearest_first() -> None:
    sites = {"A": (430_000, 290_000), "B": (430_030, 290_000), "C": (430_000, 290_010)}
    sites["D"] = (430_150, 290_000)  # 120 m from B: a marker of its own
    frame = gpd.GeoDataFrame(
        {"code": list(sites)}, geometry=[Point(*xy) for xy in sites.values()], crs=BNG
    )
    points = PracticePoints.of(frame)
    assert practices_near(points, "A") == ["A", "C", "B"]
    assert practices_near(points, "B") == ["B", "A", "C"]
    assert practices_near(points, "D") == ["D"]


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


def test_the_live_maps_layers_are_rendered_once_not_read_again_as_templates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """branca compiled each layer's rendered script, every feature's JSON with it, as a
    Jinja template again (unused): about half the time of an edit's map layers on Kent and
    Medway with registrations (111 → 76 ms, median of 6, load 6.5)."""
    import folium
    import jinja2

    from footprints.demo import load_demo
    from footprints.livemap import map_scope, plan_layers, stable_colours
    from footprints.metrics import footprints

    demo = load_demo()
    plan = demo.current
    assert plan is not None
    network = sorted(plan.networks())[0]
    plan = Plan(plan.assignment, {**plan.names, network: "North {{ 7*7 }} PCN"})
    scope = map_scope(demo.practices, None, ccgs=demo.ccgs, stps=demo.stps)
    shapes = footprints(plan, demo.catchments)
    shapes["population"] = 40_000
    layers = plan_layers(scope, plan, shapes, stable_colours(plan, shapes, {}))
    compiled: list[str] = []
    compile_template = jinja2.Environment.from_string

    def spy(self: jinja2.Environment, source: str, *args: object, **kwargs: object) -> object:
        compiled.append(str(source))
        return compile_template(self, source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "from_string", spy)
    fmap = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(fmap)
    page = fmap.get_root().render()
    assert not [text for text in compiled if "FeatureCollection" in text]
    for code in sorted(plan.assignment)[:5]:  # every practice still on the page
        assert f'"c": "{code}"' in page
    assert "7*7 \\u0026#125;\\u0026#125; PCN" in page  # the name as typed, as text
    assert "North 49 PCN" not in page


def test_colours_kept_for_every_network_compare_no_footprints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each run of the app (twice) intersected every footprint with every other to colour
    the networks, though all of them had their colour from the run before; a new network
    still takes a colour none of its neighbours has."""
    import footprints.livemap
    from footprints.demo import load_demo
    from footprints.livemap import stable_colours
    from footprints.metrics import footprints as network_footprints

    demo = load_demo()
    plan = demo.current
    assert plan is not None
    shapes = network_footprints(plan, demo.catchments)
    first = stable_colours(plan, shapes, {})
    trees: list[object] = []
    tree = shapely.STRtree

    def counted(geometries: object) -> object:
        trees.append(geometries)
        return tree(geometries)  # type: ignore[arg-type]

    monkeypatch.setattr(footprints.livemap.shapely, "STRtree", counted)
    assert stable_colours(plan, shapes, first) == first
    assert trees == []
    practice = sorted(plan.assignment)[0]
    moved = plan.moved([practice], "NEW-1")
    again = stable_colours(moved, network_footprints(moved, demo.catchments), first)
    assert len(trees) == 1
    neighbours = {plan.assignment[p] for p in demo.validation_graph.adj[practice]}
    assert again["NEW-1"] not in {first[n] for n in neighbours if n in first}
