"""Boundary and patch layers (and zipped shapefiles)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from footprints.crs import BNG
from footprints.errors import InputError, MissingColumnError
from footprints.io import read_boundaries, read_patches


def test_read_boundaries_ccg_layer(test_data: Path) -> None:
    ccgs = read_boundaries(test_data / "areas_ccgs.geojson")
    assert list(ccgs.columns) == ["code", "ods_code", "name", "parent", "geometry"]
    assert ccgs.crs == BNG
    assert ccgs.iloc[0][["code", "ods_code", "name", "parent"]].tolist() == [
        "E38000001",
        "01A",
        "NHS Alpha CCG",
        "E54000001",
    ]


def test_read_boundaries_stp_layer(test_data: Path) -> None:
    stps = read_boundaries(test_data / "areas_stps.geojson", level="stp")
    assert stps["code"].tolist() == ["E54000001", "E54000002"]
    assert stps["ods_code"].tolist() == ["QA1", "QA2"]
    assert stps["parent"].isna().all()


def test_read_boundaries_lowercase_columns_reprojected(test_data: Path) -> None:
    ccgs = read_boundaries(test_data / "boundaries_ccg_lowercase.geojson")
    assert ccgs["code"].tolist() == ["E38000001"]  # upper-cased
    assert ccgs["name"].tolist() == ["NHS Alpha CCG"]
    assert ccgs["ods_code"].iloc[0] is None
    minx, miny, _, _ = ccgs.total_bounds
    assert 420_000 < minx < 440_000 and 420_000 < miny < 450_000  # Leeds in metres


def test_read_boundaries_code_column_given(test_data: Path) -> None:
    ccgs = read_boundaries(test_data / "areas_ccgs.geojson", code_column="ccg20cdh")
    assert ccgs["code"].tolist() == ["01A", "02B", "03C"]
    with pytest.raises(InputError, match="code E54000001 is on features 1, 2"):
        read_boundaries(test_data / "areas_ccgs.geojson", code_column="STP20CD")


@pytest.mark.parametrize("form", ["plain", "zip_url"])
def test_read_boundaries_zipped_shapefile_without_crs(
    test_data: Path, caplog: pytest.LogCaptureFixture, form: str
) -> None:
    path = test_data / "boundaries_subicb_no_prj.zip"
    target = str(path) if form == "plain" else f"zip://{path}!subicb.shp"
    with caplog.at_level(logging.WARNING):
        ccgs = read_boundaries(target)
    assert "no CRS" in caplog.text and "EPSG:4326 is assumed" in caplog.text
    assert ccgs[["code", "ods_code", "parent"]].iloc[0].tolist() == [
        "E38000001",
        "01A",
        "E54000001",
    ]
    assert ccgs.crs == BNG
    assert ccgs.total_bounds[0] > 400_000


def test_read_boundaries_geojson_with_bng_coordinates(
    test_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        ccgs = read_boundaries(test_data / "boundaries_no_crs_bng.geojson")
    assert "look like British National Grid metres, so EPSG:27700 is assumed" in caplog.text
    assert tuple(ccgs.total_bounds) == (400000.0, 400000.0, 410000.0, 410000.0)


def test_a_geopackage_wrongly_saying_lon_lat_is_not_blamed_on_geojson(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A GeoPackage of metres labelled EPSG:4326 was told '(GeoJSON's default)' and to
    reproject it to longitude/latitude: its CRS label is what is wrong."""
    path = tmp_path / "ccg.gpkg"
    gpd.GeoDataFrame(
        {"CCG20CD": ["E38000001"]}, geometry=[box(400000, 400000, 410000, 410000)], crs=4326
    ).to_file(path)
    with caplog.at_level(logging.WARNING):
        ccgs = read_boundaries(path)
    assert "the file says EPSG:4326 but its coordinates look like British National" in caplog.text
    assert "GeoJSON" not in caplog.text
    assert "set the file's CRS to EPSG:27700" in caplog.text
    assert tuple(ccgs.total_bounds) == (400000.0, 400000.0, 410000.0, 410000.0)


def test_read_patches_geopackage_with_bng_and_no_crs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "patches.gpkg"
    frame = gpd.GeoDataFrame({"patch": ["N"]}, geometry=[box(400000, 400000, 401000, 401000)])
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(path, engine="pyogrio")  # GeoPackage with an undefined CRS
    with caplog.at_level(logging.WARNING):
        patches = read_patches(path)
    assert "EPSG:27700 is assumed" in caplog.text
    assert patches["patch"].tolist() == ["N"]


def test_read_boundaries_repairs_invalid_geometry(
    test_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        ccgs = read_boundaries(test_data / "boundaries_invalid_bowtie.geojson")
    assert ccgs.is_valid.all()
    assert "feature 1 (E38000001) had an invalid geometry (Self-intersection" in caplog.text
    assert ccgs.geometry.iloc[0].area == pytest.approx(50_000_000)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("boundaries_empty_geometry.geojson", "feature 2 (E38000002) has an empty geometry"),
        ("boundaries_duplicate_codes.geojson", "code E38000001 is on features 1, 2"),
    ],
)
def test_read_boundaries_bad_features(test_data: Path, fixture: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        read_boundaries(test_data / fixture)
    assert fixture in str(caught.value)
    assert expected in str(caught.value)


def test_read_boundaries_undetectable_code_column(test_data: Path) -> None:
    with pytest.raises(MissingColumnError) as caught:
        read_boundaries(test_data / "boundaries_no_code_column.geojson")
    message = str(caught.value)
    assert "columns found: area_name, population" in message
    assert "CCG20CD" in message and "code_column=" in message


def test_read_patches(test_data: Path) -> None:
    patches = read_patches(test_data / "areas_patches.geojson")
    assert list(patches.columns) == ["patch", "name", "geometry"]
    assert patches["patch"].tolist() == ["NORTH", "SOUTH"]
    assert patches.crs == BNG


@pytest.mark.parametrize(
    ("file", "level", "looks_like"),
    [
        ("areas_stps.geojson", "ccg", "STP / ICB boundaries"),
        ("areas_ccgs.geojson", "patch", "CCG / sub-ICB boundaries"),
        ("areas_ccgs.geojson", "stp", "CCG / sub-ICB boundaries"),
    ],
)
def test_a_layer_in_the_wrong_slot_is_recognised(
    test_data: Path, file: str, level: str, looks_like: str
) -> None:
    with pytest.raises(MissingColumnError, match=f"this looks like {looks_like}"):
        read_boundaries(test_data / file, level=level)


@pytest.mark.parametrize("level", ["ccg", "stp", "patch"])
def test_nhs_regions_in_any_slot_are_not_sent_to_a_regions_slot(tmp_path: Path, level: str) -> None:
    """ONS's NHS England regions file (NHSER22CD) given as patches said 'load it as the NHS
    England regions instead': no option or upload slot takes regions."""
    import geopandas as gpd
    import shapely

    regions = gpd.GeoDataFrame(
        {"NHSER22CD": ["E40000003"], "NHSER22NM": ["London"]},
        geometry=[shapely.box(530000, 180000, 531000, 181000)],
        crs=BNG,
    )
    path = tmp_path / "nhs_regions.geojson"
    regions.to_file(path)
    with pytest.raises(MissingColumnError) as caught:
        read_boundaries(path, level=level)
    message = str(caught.value)
    assert "this looks like NHS England regions (its codes are in column NHSER22CD)" in message
    assert "footprints does not read them" in message
    assert "load it as the NHS England regions" not in message


def test_a_geopackage_of_several_levels_gives_each_slot_its_own_layer(tmp_path: Path) -> None:
    """An analyst's GeoPackage holds the STPs and the CCGs: the first layer (the STPs) was
    read for the CCG slot too, and refused as 'STP / ICB boundaries, not CCG'."""
    import geopandas as gpd
    import shapely

    square = shapely.box(530000, 180000, 531000, 181000)
    path = tmp_path / "areas.gpkg"
    gpd.GeoDataFrame({"STP20CD": ["E54000001"]}, geometry=[square], crs=BNG).to_file(
        path, layer="stps"
    )
    gpd.GeoDataFrame({"CCG20CD": ["E38000001"], "area": ["A"]}, geometry=[square], crs=BNG).to_file(
        path, layer="ccgs"
    )
    assert read_boundaries(path, level="ccg")["code"].tolist() == ["E38000001"]
    assert read_boundaries(path, level="stp")["code"].tolist() == ["E54000001"]
    assert read_boundaries(path, code_column="area")["code"].tolist() == ["A"]


def test_msoas_given_as_the_lsoa_boundaries_are_named_msoas(tmp_path: Path) -> None:
    """The ONS MSOA layer given to --lsoa-boundaries was 'nursing patches': MSOAs may stand
    in for patches, but the file is an area layer of the wrong size, and the user wants
    the LSOA one."""
    path = tmp_path / "msoa.geojson"
    gpd.GeoDataFrame(
        {"MSOA11CD": ["E02000001"], "MSOA11NM": ["City of London 001"]},
        geometry=[box(530000, 180000, 531000, 181000)],
        crs=BNG,
    ).to_file(path)
    with pytest.raises(MissingColumnError) as caught:
        read_boundaries(path, level="lsoa")
    message = str(caught.value)
    assert "this holds MSOAs" in message and "column MSOA11CD), not LSOAs" in message
    assert "nursing patches instead" not in message


def test_a_folder_holding_no_shapefile_says_what_it_holds(tmp_path: Path) -> None:
    # GDAL's 'not recognized as being in a supported file format.; It might help to specify
    # the correct driver explicitly by prefixing the file path with '<DRIVER>:''
    folder = tmp_path / "SICBL_2023"
    folder.mkdir()
    (folder / "SICBL_2023.geojson.txt").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_boundaries(folder)
    message = str(caught.value)
    assert "is a folder holding no shapefile (.shp with its .shx, .dbf and .prj)" in message
    assert "it holds SICBL_2023.geojson.txt — give the boundary file itself" in message
    assert "DRIVER" not in message
    gpd.GeoDataFrame(
        {"SICBL23CD": ["E38000001"]}, geometry=[box(500000, 200000, 510000, 210000)], crs=BNG
    ).to_file(folder / "SICBL_2023.shp")
    assert read_boundaries(folder)["code"].tolist() == ["E38000001"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "the file is empty (0 bytes)"),
        (
            b"code,name,lat,lon,list_size\r\nZ1,Dr One,52.2,-1.7,9000\r\n",
            "it is a table, not polygons (its first line is 'code,name,lat,lon,list_size')",
        ),
        (b"<html><body>502 Bad Gateway</body></html>", "it is a web page (HTML)"),
    ],
)
def test_a_file_in_no_map_format_says_what_it_is(tmp_path: Path, content: bytes, said: str) -> None:
    # an empty upload or a practices CSV in the boundaries' slot gave GDAL's 'not recognized
    # as being in a supported file format.; It might help to specify the correct driver
    # explicitly by prefixing the file path with '<DRIVER>:', e.g. 'CSV:path'.'
    path = tmp_path / "ccg.geojson"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_boundaries(path)
    message = str(caught.value)
    assert f"ccg.geojson: cannot be read as a boundary file: {said}" in message
    assert "DRIVER" not in message and "not recognized" not in message
