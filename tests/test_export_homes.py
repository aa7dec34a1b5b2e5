"""Exports and the pack on registration geography: the hand-made LSOA grid region.

tests/test_region_homes.py's grid, where 50 of A1's 1,000 patients live in B1's LSOA (3, 1)
(:func:`write_crossing_inputs`). Plan: N1 = A1, A2; N2 = B1, B2. N1 wins the LSOAs (0, 0),
(1, 0), (1, 1) and (2, 0); N2 wins (3, 1) (B1's 900 against A1's 50) and the LSOAs of B2's
Voronoi fallback. Containment: N1 1,950 / 2,000; N2 1,500 / 1,500 (B1's 100 Welsh patients
live off the map).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape
from test_region_homes import X0, Y0, lsoa, write_crossing_inputs

from footprints.cli import main
from footprints.crs import BNG, WGS84
from footprints.export import export_plan, write_geojson, write_geopackage
from footprints.io import read_plan
from footprints.metrics import containment
from footprints.plan import Band
from footprints.region import Region, load_region
from footprints.report import write_pack

BAND = Band(0, 5_000)
CONTAINMENT = {"N1": 1_950 / 2_000, "N2": 1.0}


def _square(col: int, row: int) -> shapely.Polygon:
    x, y = X0 + 1000 * col, Y0 + 1000 * row
    return shapely.box(x, y, x + 1000, y + 1000)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return write_crossing_inputs(folder)


@pytest.fixture
def region(files: dict[str, Path]) -> Region:
    return load_region(
        files["practices"],
        files["ccg"],
        plan=files["plan"],
        registrations=files["registrations"],
        lsoa_boundaries=files["lsoa"],
    )


def _won(region: Region) -> dict[str, shapely.Geometry]:
    """Each network's LSOA squares, as the plan's pluralities give them (by hand above)."""
    assert region.homes is not None
    fallback = [region.lsoas.index[code] for code in region.homes.catchment("B2")]
    squares = {i: shapely.box(*region.lsoas.geometry.iloc[i].bounds) for i in fallback}
    return {
        "N1": shapely.union_all([_square(0, 0), _square(1, 0), _square(1, 1), _square(2, 0)]),
        "N2": shapely.union_all([_square(3, 1), *squares.values()]),
    }


def test_geojson_footprints_are_the_territories_and_say_the_geography(
    region: Region, tmp_path: Path
) -> None:
    assert region.current is not None
    networks, _ = write_geojson(region, region.current, tmp_path / "plan.geojson", band=BAND)
    features = json.loads(networks.read_text(encoding="utf-8"))["features"]
    expected = _won(region)
    parts = containment(region.current, region.validation_graph).territory_parts
    assert [f["properties"]["network_id"] for f in features] == ["N1", "N2"]
    for feature in features:
        properties = feature["properties"]
        network = properties["network_id"]
        drawn = gpd.GeoSeries([shape(feature["geometry"])], crs=WGS84).to_crs(BNG).iloc[0]
        assert shapely.hausdorff_distance(drawn, expected[network]) < 0.5  # 6 decimals
        assert drawn.area == pytest.approx(expected[network].area, rel=1e-4)
        assert properties["geography"] == "registrations"
        assert properties["containment"] == pytest.approx(CONTAINMENT[network])
        assert properties["territory_parts"] == parts[network] >= 1


def test_geopackage_networks_are_the_territories_with_containment(
    region: Region, tmp_path: Path
) -> None:
    assert region.current is not None
    path = write_geopackage(region, region.current, tmp_path / "plan.gpkg", band=BAND)
    layer = gpd.read_file(path, layer="networks", engine="pyogrio").set_index("network_id")
    for network, squares in _won(region).items():
        # the inputs went through EPSG:4326 and back: equal to a few millimetres
        assert shapely.hausdorff_distance(layer.geometry[network], squares) < 0.01
        assert layer.loc[network, "containment"] == pytest.approx(CONTAINMENT[network])
    assert set(layer["geography"]) == {"registrations"}
    assert str(layer["territory_parts"].dtype) == "int64"


def test_the_pack_says_the_geography_and_each_networks_containment(
    region: Region, tmp_path: Path
) -> None:
    assert region.current is not None
    written = write_pack(region, region.current, tmp_path / "pack.pdf", band=BAND)
    document = written[1].read_text(encoding="utf-8")
    said = "Geography: where patients live (registrations.csv; 1 practice on the Voronoi fallback)."
    assert document.count(said) == len(region.ccgs)  # in every area's section
    parts = containment(region.current, region.validation_graph).territory_parts
    for network, share in CONTAINMENT.items():
        pieces = f"{parts[network]} part{'s' if parts[network] != 1 else ''}"
        line = f"Containment: {share:.0%} of its patients live in its territory ({pieces})"
        assert line in document, network


def test_the_command_line_exports_territories(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.geojson"
    arguments = ["export", "--practices", str(files["practices"]), "--boundaries"]
    arguments += [str(files["ccg"]), "--plan", str(files["plan"]), "--out", str(out)]
    arguments += ["--registrations", str(files["registrations"])]
    arguments += ["--lsoa-boundaries", str(files["lsoa"])]
    assert main(arguments) == 0
    properties = [f["properties"] for f in json.loads(out.read_text())["features"]]
    assert {p["geography"] for p in properties} == {"registrations"}
    assert [p["containment"] for p in properties] == pytest.approx(list(CONTAINMENT.values()))


def test_the_pack_names_the_six_patches_holding_most_of_a_networks_patients(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """One patch per LSOA; 5 of A2's patients also live in (0, 1) and 5 in (2, 1), so seven
    patches work into N1: (0, 0) 600, (1, 1) 700, (1, 0) 350, (2, 0) 300, (3, 1) 50 (5.3% of
    its 950 residents), (0, 1) 5 and (2, 1) 5."""
    with files["registrations"].open("a", encoding="utf-8") as registrations:
        registrations.write(f"A2,Beta,{lsoa(0, 1)},5\nA2,Beta,{lsoa(2, 1)},5\n")
    codes = [lsoa(col, row) for col in range(6) for row in range(2)]
    patches = gpd.GeoDataFrame(
        {"patch": [f"P{code[-4:-2]}" for code in codes], "name": codes},
        geometry=[_square(col, row) for col in range(6) for row in range(2)],
        crs=BNG,
    )
    patches.to_crs(WGS84).to_file(tmp_path / "patches.geojson")
    region = load_region(
        files["practices"],
        files["ccg"],
        plan=files["plan"],
        patches=tmp_path / "patches.geojson",
        registrations=files["registrations"],
        lsoa_boundaries=files["lsoa"],
    )
    assert region.current is not None
    written = write_pack(region, region.current, tmp_path / "pack.pdf", band=BAND)
    document = written[1].read_text(encoding="utf-8")
    named = "P11 (700), P00 (600), P10 (350), P20 (300), P31 (50), P01 (5)"
    said = f"Nursing patches (its patients living in them): {named} and 1 more patch (5);"
    assert said in document


def test_an_export_of_some_networks_keeps_their_territories_in_the_whole_plan(
    region: Region, tmp_path: Path
) -> None:
    """The app exports the networks of the area a CCG lead works on: each keeps the territory
    it has in the whole plan (N1 alone would hold every LSOA where its patients live, one of
    N2's squares too: 1.4 km off), and the files read back as the plan of their practices."""
    plan = region.current
    assert plan is not None
    members = plan.networks()["N1"]
    networks, practices = write_geojson(
        region, plan, tmp_path / "plan.geojson", band=BAND, networks=["N1"]
    )
    [feature] = json.loads(networks.read_text(encoding="utf-8"))["features"]
    drawn = gpd.GeoSeries([shape(feature["geometry"])], crs=WGS84).to_crs(BNG).iloc[0]
    assert feature["properties"]["network_id"] == "N1"
    assert shapely.hausdorff_distance(drawn, _won(region)["N1"]) < 0.5
    points = json.loads(practices.read_text(encoding="utf-8"))["features"]
    assert sorted(p["properties"]["practice_code"] for p in points) == members
    assert read_plan(networks) == plan.restricted(members)
    package = write_geopackage(region, plan, tmp_path / "plan.gpkg", band=BAND, networks=["N1"])
    assert list(gpd.read_file(package, layer="networks")["network_id"]) == ["N1"]
    violations = gpd.read_file(package, layer="violations")
    assert all("N1" in row.split(", ") for row in violations["networks"])
    assert read_plan(package) == plan.restricted(members)
    epcn = export_plan(region, plan, tmp_path / "epcn.csv", fmt="epcn", networks=["N1"])
    assert read_plan(epcn[0]) == plan.restricted(members)
