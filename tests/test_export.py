"""Exports (GeoJSON, GeoPackage, ePCN-style CSV) and reading each back as the same plan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import shape

from footprints.cli import main
from footprints.crs import BNG
from footprints.demo import load_demo
from footprints.errors import InputError
from footprints.export import (
    EPCN_COLUMNS,
    export_plan,
    network_layer,
    practices_geojson_path,
    write_epcn,
    write_geojson,
    write_geopackage,
)
from footprints.io import read_plan, write_plan
from footprints.plan import Band, Plan
from footprints.region import Region, load_region
from footprints.rules import validate


@pytest.fixture(scope="module")
def demo() -> Region:
    return load_demo()


@pytest.fixture(scope="module")
def geojson_files(demo: Region, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    assert demo.current is not None
    path = tmp_path_factory.mktemp("geojson") / "plan.geojson"
    return write_geojson(demo, demo.current, path)


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        document: dict[str, Any] = json.load(stream)
    return document


def _coordinates(value: Any) -> Iterator[float]:
    if isinstance(value, float | int):
        yield float(value)
    else:
        for item in value:
            yield from _coordinates(item)


def test_geojson_is_rfc7946(geojson_files: tuple[Path, Path]) -> None:
    networks, practices = geojson_files
    assert practices == practices_geojson_path(networks)
    assert practices.name == "plan_practices.geojson"
    for path in (networks, practices):
        document = _load(path)
        assert document["type"] == "FeatureCollection"
        assert "crs" not in document
        for feature in document["features"]:
            if feature["geometry"] is None:
                continue
            values = list(_coordinates(feature["geometry"]["coordinates"]))
            lons, lats = values[0::2], values[1::2]
            assert all(-180 <= x <= 180 for x in lons)
            assert all(-90 <= y <= 90 for y in lats)
            assert all(round(v, 6) == v for v in values)  # at most 6 decimal places


def test_geojson_polygons_follow_the_right_hand_rule(geojson_files: tuple[Path, Path]) -> None:
    rings = 0
    for feature in _load(geojson_files[0])["features"]:
        geometry = shape(feature["geometry"])
        for polygon in shapely.get_parts(geometry):
            assert polygon.exterior.is_ccw
            assert all(not interior.is_ccw for interior in polygon.interiors)
            rings += 1
    assert rings > 0


def test_geojson_network_properties_describe_the_plan(
    demo: Region, geojson_files: tuple[Path, Path]
) -> None:
    assert demo.current is not None
    plan = demo.current
    band = Band()
    report = validate(plan, demo.validation_graph, band=band)
    size = dict(zip(demo.practices["code"], demo.practices["list_size"], strict=True))
    features = _load(geojson_files[0])["features"]
    assert [f["properties"]["network_id"] for f in features] == list(plan.networks())
    for feature in features:
        properties = feature["properties"]
        network = properties["network_id"]
        members = plan.networks()[network]
        population = sum(int(size[p]) for p in members)
        assert properties["practice_codes"] == members
        assert properties["practice_count"] == len(members)
        assert properties["population"] == population
        assert properties["in_band"] == band.contains(population)
        assert properties["network_name"] == plan.names[network]
        rules = {v["rule"] for v in properties["violations"]}
        assert rules == {v.rule for v in report.for_network(network)}
        assert ("band" in rules) == (not band.contains(population))
    ccg_of = dict(zip(demo.practices["code"], demo.practices["ccg"], strict=True))
    crossing = {v.networks[0] for v in report.by_rule("boundary")}
    assert crossing  # the demo plan has a network crossing CCGs
    for feature in features:
        properties = feature["properties"]
        ccgs = {ccg_of[p] for p in properties["practice_codes"]}
        assert set(properties["ccg"].split(", ")) == ccgs
        assert (len(ccgs) > 1) == (properties["network_id"] in crossing)


def test_footprints_nest_in_their_ccg(demo: Region) -> None:
    assert demo.current is not None
    layer = network_layer(demo, demo.current)
    outline = dict(zip(demo.ccgs["code"], demo.ccgs.geometry, strict=True))
    for row in layer.itertuples():
        if ", " not in row.ccg:
            assert row.geometry.difference(outline[row.ccg].buffer(1.0)).area < 1.0
    covered = shapely.union_all(list(layer.geometry))
    assert covered.symmetric_difference(shapely.union_all(list(demo.ccgs.geometry))).area < 1e3


def test_practices_geojson_has_every_practice_with_its_network(
    demo: Region, geojson_files: tuple[Path, Path]
) -> None:
    assert demo.current is not None
    features = _load(geojson_files[1])["features"]
    assert sorted(f["properties"]["practice_code"] for f in features) == sorted(
        demo.practices["code"]
    )
    for feature in features:
        properties = feature["properties"]
        assert feature["geometry"]["type"] == "Point"
        assert properties["network_id"] == demo.current.assignment.get(properties["practice_code"])


def test_geopackage_layers(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    path = write_geopackage(demo, demo.current, tmp_path / "plan.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"networks", "practices", "violations"}
    report = validate(demo.current, demo.validation_graph)
    networks = gpd.read_file(path, layer="networks", engine="pyogrio")
    violations = gpd.read_file(path, layer="violations", engine="pyogrio")
    practices = gpd.read_file(path, layer="practices", engine="pyogrio")
    assert networks.crs == BNG and practices.crs == BNG and violations.crs == BNG
    assert list(networks["network_id"]) == list(demo.current.networks())
    assert len(practices) == len(demo.practices)
    assert len(violations) == len(report.violations)
    assert list(violations["rule"]) == [v.rule for v in report.violations]
    for row, violation in zip(violations.itertuples(), report.violations, strict=True):
        assert json.loads(row.values) == violation.values
        assert len(shapely.get_parts(row.geometry)) == len(set(violation.practices))


def test_epcn_csv_columns_and_list_sizes(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    path = write_epcn(demo, demo.current, tmp_path / "epcn.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(table.columns) == EPCN_COLUMNS
    size = dict(zip(demo.practices["code"], demo.practices["list_size"], strict=True))
    assert len(table) == len(demo.current)
    for row in table.to_dict("records"):
        assert int(row["List Size"]) == size[row["Partner Organisation Code"]]
        assert row["PCN Code"] == demo.current.assignment[row["Partner Organisation Code"]]
    ods = set(demo.ccgs["ods_code"])
    assert set(table["Practice Parent CCG Code"]) <= ods


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("plan.csv", None),
        ("members.csv", "epcn"),
        ("plan.geojson", None),
        ("plan_practices.geojson", None),
        ("plan.gpkg", None),
    ],
)
def test_every_export_reads_back_as_the_same_plan(
    demo: Region, tmp_path: Path, name: str, fmt: str | None
) -> None:
    assert demo.current is not None
    target = tmp_path / name
    written = export_plan(
        demo, demo.current, target.with_name(name.replace("_practices", "")), fmt=fmt
    )
    assert target in written
    assert read_plan(target) == demo.current


def test_geo_exports_keep_unknown_codes_and_unnamed_networks(demo: Region, tmp_path: Path) -> None:
    """A plan naming a practice the region lacks, with an unnamed network, survives the trip."""
    assert demo.current is not None
    codes = list(demo.practices["code"])
    plan = Plan(
        {**{c: "N1" for c in codes[:40]}, **{c: "N2" for c in codes[40:]}, "Y99999": "N3"},
        {"N1": "First PCN", "N3": "Phantom PCN"},
    )
    write_geojson(demo, plan, tmp_path / "odd.geojson")
    write_geopackage(demo, plan, tmp_path / "odd.gpkg")
    for path in ("odd.geojson", "odd_practices.geojson", "odd.gpkg"):
        assert read_plan(tmp_path / path) == plan
    features = {
        f["properties"]["network_id"]: f for f in _load(tmp_path / "odd.geojson")["features"]
    }
    assert features["N3"]["geometry"] is None
    assert features["N2"]["properties"]["network_name"] is None


def test_export_needs_the_region_for_geo_formats(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    with pytest.raises(InputError, match="needs the region"):
        export_plan(None, demo.current, tmp_path / "plan.geojson")
    with pytest.raises(InputError, match="extension"):
        export_plan(demo, demo.current, tmp_path / "plan.txt")


def test_cli_export_round_trips(demo: Region, tmp_path: Path) -> None:
    assert demo.current is not None
    source = tmp_path / "plan.csv"
    write_plan(demo.current, source)
    assert main(["export", "--demo", "--plan", str(source), "--out", str(tmp_path / "p.gpkg")]) == 0
    assert (
        main(["export", "--plan", str(tmp_path / "p.gpkg"), "--out", str(tmp_path / "b.csv")]) == 0
    )
    assert read_plan(tmp_path / "b.csv") == demo.current


# --------------------------------------------------------------------------------------------
# A real CCG
# --------------------------------------------------------------------------------------------

REAL_CCG = "E38000244"  # NHS South East London CCG (2020)


@pytest.fixture(scope="module")
def real_region(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Region:
    folder = tmp_path_factory.mktemp("real")
    table = pd.read_csv(
        shared_data / "practices" / "practices_2020.csv", dtype=str, keep_default_na=False
    )
    rows = table[table["ccg20_ons_code"] == REAL_CCG]
    columns = ["practice_code", "practice_name", "list_size_2020_01", "easting", "northing"]
    rows[[*columns, "ccg20_ons_code", "pcn_code", "pcn_name"]].to_csv(
        folder / "practices.csv", index=False
    )
    ccgs = gpd.read_file(
        shared_data
        / "boundaries"
        / "ccg_2020_derived"
        / "ccg_2020_04_derived_from_ccg2019_buc.geojson",
        engine="pyogrio",
    )
    ccgs[ccgs["CCG20CD"] == REAL_CCG].to_file(folder / "ccg.geojson", engine="pyogrio")
    return load_region(
        folder / "practices.csv", folder / "ccg.geojson", plan=folder / "practices.csv"
    )


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("plan.csv", None),
        ("members.csv", "epcn"),
        ("plan.geojson", None),
        ("plan_practices.geojson", None),
        ("plan.gpkg", None),
    ],
)
def test_real_ccg_round_trips(
    real_region: Region, tmp_path: Path, name: str, fmt: str | None
) -> None:
    plan = real_region.current
    assert plan is not None and len(plan) > 100  # the published 2019/20 PCNs of the CCG
    target = tmp_path / name
    export_plan(real_region, plan, target.with_name(name.replace("_practices", "")), fmt=fmt)
    assert read_plan(target) == plan


@pytest.mark.realdata
def test_real_epcn_headers_are_the_published_ones(shared_data: Path) -> None:
    published = pd.read_csv(
        shared_data / "pcn_membership" / "epcn_2019-12_core_partner_details.csv", nrows=0
    )
    assert set(EPCN_COLUMNS) - {"List Size"} <= set(published.columns)
