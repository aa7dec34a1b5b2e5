"""The demo region generator (tools/demo): determinism, shape of the region, planted flaws."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from footprints.crs import BNG, ENGLAND_BNG_BOUNDS
from footprints.demo import DEMO_SEED, DemoFiles
from footprints.graph import area_graph
from footprints.plan import Band
from footprints.region import load_region
from footprints.rules import validate
from tools.demo import write_demo

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "boundaries" / "demo"
FILES = (
    "practices.csv",
    "ccg.geojson",
    "stp.geojson",
    "patches.geojson",
    "current_plan.csv",
    "current_plan_flaws.json",
    "README.md",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def practices(demo: DemoFiles) -> gpd.GeoDataFrame:
    table = pd.read_csv(demo.practices, dtype={"code": str, "ccg": str, "patch": str})
    points = gpd.points_from_xy(table["lon"], table["lat"], crs="EPSG:4326")
    return gpd.GeoDataFrame(table, geometry=points).to_crs(BNG)


@pytest.fixture(scope="module")
def ccgs(demo: DemoFiles) -> gpd.GeoDataFrame:
    return gpd.read_file(demo.ccg).to_crs(BNG)


@pytest.fixture(scope="module")
def stp(demo: DemoFiles) -> gpd.GeoDataFrame:
    return gpd.read_file(demo.stp).to_crs(BNG)


@pytest.fixture(scope="module")
def patches(demo: DemoFiles) -> gpd.GeoDataFrame:
    return gpd.read_file(demo.patches).to_crs(BNG)


@pytest.fixture(scope="module")
def plan(demo: DemoFiles) -> pd.DataFrame:
    return pd.read_csv(demo.current_plan, dtype=str)


@pytest.fixture(scope="module")
def manifest(demo: DemoFiles) -> dict[str, Any]:
    return json.loads(demo.current_plan_flaws.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stp_graph(practices: gpd.GeoDataFrame, stp: gpd.GeoDataFrame) -> nx.Graph:
    """The adjacency the generator used: STP-level catchments of the written sites."""
    area = shapely.union_all(stp.geometry.values)
    return area_graph(practices, area, area_code=stp["STP20CD"].iloc[0], level="stp")


def _members(plan: pd.DataFrame) -> dict[str, list[str]]:
    return {n: sorted(g["practice_code"]) for n, g in plan.groupby("network_id")}


# --------------------------------------------------------------------------- files


def test_same_seed_writes_identical_bytes(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo(tmp_path / "again", seed=DEMO_SEED)
    for name in FILES:
        assert (tmp_path / "again" / name).read_bytes() == (
            demo.practices.parent / name
        ).read_bytes(), name
    assert sorted(p.name for p in vars(again).values()) == sorted(FILES)


def test_shipped_files_equal_a_fresh_generation(demo: DemoFiles) -> None:
    for name in FILES:
        shipped = SHIPPED / name
        assert shipped.is_file(), f"{shipped} is missing: run `make demo`"
        assert shipped.read_bytes() == (demo.practices.parent / name).read_bytes(), (
            f"{shipped} differs from the generator: regenerate with `make demo` "
            "(python tools/make_demo.py --out boundaries/demo)"
        )


def test_make_demo_script_writes_the_shipped_seed(demo: DemoFiles, tmp_path: Path) -> None:
    """``python tools/make_demo.py`` runs as a script from any folder."""
    out = tmp_path / "out"
    command = [sys.executable, str(REPO / "tools" / "make_demo.py"), "--out", str(out)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"seed {DEMO_SEED}" in done.stdout
    for name in FILES:
        assert (out / name).read_bytes() == (demo.practices.parent / name).read_bytes(), name


def test_another_seed_gives_another_region(demo: DemoFiles, tmp_path: Path) -> None:
    other = write_demo(tmp_path, seed=7)
    assert other.practices.read_bytes() != demo.practices.read_bytes()
    flaws = json.loads(other.current_plan_flaws.read_text(encoding="utf-8"))["flaws"]
    kinds = [f["kind"] for f in flaws]
    assert kinds.count("contiguity") == 1 and kinds.count("boundary") == 1


def test_geojson_is_rfc7946(demo: DemoFiles) -> None:
    for path in (demo.ccg, demo.stp, demo.patches):
        collection = json.loads(path.read_text(encoding="utf-8"))
        assert collection["type"] == "FeatureCollection" and "crs" not in collection
        for feature in collection["features"]:
            geometry = shapely.geometry.shape(feature["geometry"])
            for polygon in shapely.get_parts(geometry):
                assert polygon.exterior.is_ccw, path.name  # RFC 7946: exteriors anticlockwise
                lon, lat = np.asarray(polygon.exterior.coords).T
                assert lon.min() > -6.6 and lon.max() < 1.9 and 49.8 < lat.min() < lat.max() < 55.9


def test_boundary_properties_look_like_ons_files(
    ccgs: gpd.GeoDataFrame, stp: gpd.GeoDataFrame, patches: gpd.GeoDataFrame
) -> None:
    assert list(ccgs.columns) == ["CCG20CD", "CCG20CDH", "CCG20NM", "STP20CD", "geometry"]
    assert ccgs["CCG20CD"].str.fullmatch(r"E389\d{5}").all()
    assert ccgs["CCG20CDH"].str.fullmatch(r"\d\d[A-Z]").all()
    assert ccgs["CCG20NM"].str.startswith("NHS ").all() and ccgs["CCG20NM"].is_unique
    assert (ccgs["STP20CD"] == stp["STP20CD"].iloc[0]).all()
    assert list(stp.columns) == ["STP20CD", "STP20CDH", "STP20NM", "geometry"]
    assert list(patches.columns) == ["patch", "name", "geometry"]
    assert patches["patch"].is_unique and patches["name"].is_unique


# --------------------------------------------------------------------------- region


def test_counts(practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame, stp: gpd.GeoDataFrame,
                patches: gpd.GeoDataFrame) -> None:  # fmt: skip
    assert 120 <= len(practices) <= 180
    assert len(ccgs) == 3 and len(stp) == 1
    assert 8 <= len(patches) <= 14
    by_ccg = practices.groupby("ccg").size()
    city, market, rural = (by_ccg[c] for c in ccgs["CCG20CD"])
    assert city > market > rural  # the city dense, the rural CCG sparse
    areas = ccgs.set_index("CCG20CD").area
    assert areas.iloc[0] < areas.iloc[1] and areas.iloc[0] < areas.iloc[2]


def test_practice_codes_and_names(practices: gpd.GeoDataFrame) -> None:
    assert practices["code"].str.fullmatch(r"Z\d{5}").all()  # ODS-like, never a real code
    assert practices["code"].is_unique and practices["name"].is_unique
    assert list(practices.columns) == [
        "code", "name", "lat", "lon", "list_size", "ccg", "stp", "patch", "geometry",
    ]  # fmt: skip
    assert practices["name"].str.split().str[-1].nunique() >= 5  # Surgery, Practice, Centre…


def test_list_sizes_look_like_englands(practices: gpd.GeoDataFrame) -> None:
    sizes = practices["list_size"]
    assert sizes.dtype.kind == "i" and (sizes > 0).all()
    assert 6_000 <= sizes.median() <= 10_000
    assert (sizes > 50_000).sum() >= 2
    assert ((sizes >= 1_500) & (sizes <= 3_000)).sum() >= 3


def test_one_colocated_pair_in_the_city(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    sites = practices.groupby(["lat", "lon"])["code"].apply(list)
    shared = [codes for codes in sites if len(codes) > 1]
    assert len(shared) == 1 and len(shared[0]) == 2
    city = ccgs["CCG20CD"].iloc[0]
    assert set(practices.loc[practices["code"].isin(shared[0]), "ccg"]) == {city}


def test_ccgs_are_a_valid_coverage_whose_union_is_the_stp(
    ccgs: gpd.GeoDataFrame, stp: gpd.GeoDataFrame
) -> None:
    assert ccgs.is_valid.all() and stp.is_valid.all()
    assert shapely.coverage_is_valid(ccgs.geometry.values)  # shared edges, no overlaps
    for a, b in itertools.combinations(ccgs.geometry, 2):
        assert a.intersection(b).area < 1.0
    union = shapely.union_all(ccgs.geometry.values)
    assert union.symmetric_difference(stp.geometry.iloc[0]).area < 1.0
    assert sum(isinstance(g, shapely.Polygon) for g in ccgs.geometry) == 2
    rural = ccgs.geometry.iloc[2]
    assert isinstance(rural, shapely.MultiPolygon) and len(rural.geoms) == 2  # the island


def test_outlines_are_irregular(ccgs: gpd.GeoDataFrame) -> None:
    for geometry in ccgs.geometry:
        assert shapely.get_num_coordinates(geometry) > 40
        assert geometry.area / geometry.envelope.area < 0.85  # not a rectangle


def test_region_is_in_england(stp: gpd.GeoDataFrame) -> None:
    minx, miny, maxx, maxy = stp.total_bounds
    emin, nmin, emax, nmax = ENGLAND_BNG_BOUNDS
    assert emin < minx < maxx < emax and nmin < miny < maxy < nmax


def test_every_practice_is_inside_its_ccg(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    polygon = dict(zip(ccgs["CCG20CD"], ccgs.geometry, strict=True))
    for code, ccg, point in zip(
        practices["code"], practices["ccg"], practices.geometry, strict=True
    ):
        assert polygon[ccg].contains(point), code
        assert polygon[ccg].boundary.distance(point) > 100, code  # never on a border


def test_island_has_small_practices(practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame) -> None:
    island = min(ccgs.geometry.iloc[2].geoms, key=lambda part: part.area)
    on_island = practices[practices.within(island)]
    assert 2 <= len(on_island) <= 3
    assert (on_island["ccg"] == ccgs["CCG20CD"].iloc[2]).all()
    assert on_island["list_size"].sum() < 15_000


def test_patches_cover_the_stp_and_ignore_ccg_borders(
    patches: gpd.GeoDataFrame,
    stp: gpd.GeoDataFrame,
    ccgs: gpd.GeoDataFrame,
    practices: gpd.GeoDataFrame,
) -> None:
    assert patches.is_valid.all()
    assert shapely.coverage_is_valid(patches.geometry.values)
    union = shapely.union_all(patches.geometry.values)
    assert union.symmetric_difference(stp.geometry.iloc[0]).area < 1.0
    spans = [
        sum(patch.intersection(ccg).area > 1e6 for ccg in ccgs.geometry)
        for patch in patches.geometry
    ]
    assert max(spans) >= 2
    assert patches.area.max() > 3 * patches.area.min()  # sizes vary
    polygon = dict(zip(patches["patch"], patches.geometry, strict=True))
    for code, patch, point in zip(
        practices["code"], practices["patch"], practices.geometry, strict=True
    ):
        assert polygon[patch].contains(point), code


# --------------------------------------------------------------------------- current plan


def test_current_plan_covers_every_practice_once(
    plan: pd.DataFrame, practices: gpd.GeoDataFrame
) -> None:
    assert list(plan.columns) == ["practice_code", "network_id", "network_name"]
    assert plan["practice_code"].is_unique
    assert set(plan["practice_code"]) == set(practices["code"])
    names = plan.groupby("network_id")["network_name"].nunique()
    assert (names == 1).all()
    assert plan.drop_duplicates("network_id")["network_name"].is_unique


def _recomputed_flaws(
    plan: pd.DataFrame, practices: gpd.GeoDataFrame, graph: nx.Graph
) -> set[tuple[str, str]]:
    """(kind, network) of every flaw, computed from the files without the generator."""
    band = Band()
    size = dict(zip(practices["code"], practices["list_size"], strict=True))
    ccg = dict(zip(practices["code"], practices["ccg"], strict=True))
    flaws = set()
    for network, codes in _members(plan).items():
        population = sum(size[c] for c in codes)
        if population < band.min_population:
            flaws.add(("band_below", network))
        if population > band.max_population:
            flaws.add(("band_above", network))
        if not nx.is_connected(graph.subgraph(codes)):
            flaws.add(("contiguity", network))
        if len({ccg[c] for c in codes}) > 1:
            flaws.add(("boundary", network))
    return flaws


def test_planted_flaws_are_exactly_the_plans_flaws(
    plan: pd.DataFrame,
    practices: gpd.GeoDataFrame,
    manifest: dict[str, Any],
    stp_graph: nx.Graph,
) -> None:
    listed = {(f["kind"], n) for f in manifest["flaws"] for n in f["networks"]}
    assert listed == _recomputed_flaws(plan, practices, stp_graph)
    members = _members(plan)
    for flaw in manifest["flaws"]:
        (network,) = flaw["networks"]
        assert flaw["practices"] == members[network]
    kinds = [f["kind"] for f in manifest["flaws"]]
    assert kinds.count("contiguity") == 1 and kinds.count("boundary") == 1
    assert kinds.count("band_below") >= 1 and kinds.count("band_above") >= 2
    assert len(manifest["flaws"]) < len(members) / 3  # the rest are tidy
    assert manifest["networks"] == len(members)


def test_one_band_above_flaw_holds_a_super_practice(
    practices: gpd.GeoDataFrame, manifest: dict[str, Any]
) -> None:
    supers = set(practices.loc[practices["list_size"] > 50_000, "code"])
    above = [f for f in manifest["flaws"] if f["kind"] == "band_above"]
    assert any(supers & set(f["practices"]) for f in above)
    assert any(not supers & set(f["practices"]) for f in above)  # and one without


def test_contiguity_flaw_names_its_parts(
    manifest: dict[str, Any], stp_graph: nx.Graph, practices: gpd.GeoDataFrame
) -> None:
    (flaw,) = [f for f in manifest["flaws"] if f["kind"] == "contiguity"]
    parts = {frozenset(p) for p in nx.connected_components(stp_graph.subgraph(flaw["practices"]))}
    assert parts == {frozenset(p) for p in flaw["parts"]}
    assert len({practices.set_index("code").loc[c, "ccg"] for c in flaw["practices"]}) == 1


def test_boundary_flaw_is_contiguous_across_the_border(
    manifest: dict[str, Any], stp_graph: nx.Graph
) -> None:
    (flaw,) = [f for f in manifest["flaws"] if f["kind"] == "boundary"]
    assert nx.is_connected(stp_graph.subgraph(flaw["practices"]))
    assert len(flaw["ccgs"]) == 2
    assert sorted(c for codes in flaw["ccgs"].values() for c in codes) == flaw["practices"]


def test_island_is_joined_by_one_flagged_link(
    stp_graph: nx.Graph, practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    island = min(ccgs.geometry.iloc[2].geoms, key=lambda part: part.area)
    on_island = set(practices.loc[practices.within(island), "code"])
    links = [(a, b) for a, b, kind in stp_graph.edges(data="kind") if kind == "island"]
    assert len(links) == 1 and len(on_island & set(links[0])) == 1
    assert stp_graph.graph["island_links"] == 1


def test_patch_straddlers_are_listed(
    plan: pd.DataFrame, practices: gpd.GeoDataFrame, manifest: dict[str, Any]
) -> None:
    patch = dict(zip(practices["code"], practices["patch"], strict=True))
    size = dict(zip(practices["code"], practices["list_size"], strict=True))
    expected = {}
    for network, codes in _members(plan).items():
        by_patch: dict[str, int] = {}
        for c in codes:
            by_patch[patch[c]] = by_patch.get(patch[c], 0) + size[c]
        if len(by_patch) > 1:
            expected[network] = sum(by_patch.values()) - max(by_patch.values())
    listed = {e["networks"][0]: e["straddling_population"] for e in manifest["patch"]}
    assert listed == expected and expected


def test_practices_csv_is_plain_utf8(demo: DemoFiles) -> None:
    with demo.practices.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert all(len(row) == 8 for row in rows)
    assert b"\r\n" not in demo.practices.read_bytes()


def test_validator_reports_exactly_the_planted_flaws(
    demo: DemoFiles, manifest: dict[str, Any]
) -> None:
    """End to end: the loaders and the validator find what the manifest lists."""
    region = load_region(
        demo.practices,
        demo.ccg,
        stp_boundaries=demo.stp,
        patches=demo.patches,
        plan=demo.current_plan,
    )
    assert region.current is not None
    report = validate(region.current, region.validation_graph)
    rule_of = {"band_below": "band", "band_above": "band"}
    expected = {(rule_of.get(f["kind"], f["kind"]), f["networks"][0]) for f in manifest["flaws"]}
    expected |= {("patch", e["networks"][0]) for e in manifest["patch"]}
    found = {(v.rule, n) for v in report.violations for n in v.networks}
    assert found == expected
