"""Loaders: the generic practices CSV, published NHS formats, boundaries, plans."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from footprints.crs import BNG
from footprints.errors import InputError, MissingColumnError
from footprints.io import (
    assemble_practices,
    normalise_postcode,
    read_boundaries,
    read_epcn,
    read_epraccur,
    read_gp_reg_pat,
    read_patches,
    read_plan,
    read_postcode_lookup,
    read_practices,
    read_qof_mapping,
    write_plan,
)
from footprints.plan import Plan

PRACTICE_COLUMNS = ["code", "name", "list_size", "ccg", "stp", "patch", "network", "geometry"]

# --------------------------------------------------------------------------------------------
# The generic practices CSV
# --------------------------------------------------------------------------------------------


def test_read_practices_latlon_is_canonical(test_data: Path) -> None:
    practices = read_practices(test_data / "io_practices_latlon.csv")
    assert list(practices.columns) == PRACTICE_COLUMNS
    assert practices.crs == BNG
    assert isinstance(practices.index, pd.RangeIndex)
    assert practices["code"].tolist() == ["A81001", "A81002"]  # stripped, upper-cased
    assert practices["list_size"].dtype == "int64"
    assert practices["ccg"].tolist() == ["16C", None]
    assert practices["patch"].tolist() == [None, "P1"]
    assert practices["network"].tolist() == ["U89141", None]  # 'U' is the unallocated placeholder
    x, y = practices.geometry.iloc[0].x, practices.geometry.iloc[0].y
    assert abs(x - 444136) < 5 and abs(y - 518701) < 5  # matches Code-Point's grid reference


def test_read_practices_easting_northing(test_data: Path) -> None:
    practices = read_practices(test_data / "io_practices_bng.csv")
    assert practices["list_size"].tolist() == [4111, 19189]
    assert practices.geometry.iloc[1].coords[0] == (444458.0, 519543.0)
    assert practices["ccg"].isna().all()


def test_read_practices_aliases_prefer_ons_codes(
    test_data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="footprints.io"):
        practices = read_practices(test_data / "practices_aliases.csv")
    row = practices.iloc[0]
    assert (row["code"], row["list_size"], row["network"]) == ("A81001", 4111, "U89141")
    assert (row["ccg"], row["stp"]) == ("E38000247", "E54000050")
    assert "ccg←ccg20_ons_code" in caplog.text
    assert "list_size←NUMBER_OF_PATIENTS" in caplog.text


def test_read_practices_columns_override(test_data: Path) -> None:
    practices = read_practices(
        test_data / "practices_aliases.csv", columns={"ccg": "ccg20_code", "stp": "STP20_CODE"}
    )
    assert (practices["ccg"].iloc[0], practices["stp"].iloc[0]) == ("16C", "QHM")


def test_read_practices_override_of_absent_column(test_data: Path) -> None:
    with pytest.raises(MissingColumnError, match="'ccg21_code' given for ccg"):
        read_practices(test_data / "practices_aliases.csv", columns={"ccg": "ccg21_code"})


@pytest.mark.parametrize("postcodes", ["io_postcodes.csv", "io_postcodes_codepoint_noheader.csv"])
def test_read_practices_by_postcode(test_data: Path, postcodes: str) -> None:
    practices = read_practices(
        test_data / "practices_postcode.csv", postcodes=test_data / postcodes
    )
    first = practices.geometry.iloc[0]
    assert abs(first.x - 444136) < 5 and abs(first.y - 518701) < 5
    second = practices.geometry.iloc[1]
    assert abs(second.x - 444458) < 30 and abs(second.y - 519543) < 30


def test_read_practices_postcode_lookup_as_dataframe(test_data: Path) -> None:
    lookup = pd.read_csv(test_data / "io_postcodes.csv")
    practices = read_practices(test_data / "practices_postcode.csv", postcodes=lookup)
    assert len(practices) == 2


def test_read_practices_latin1_fallback(test_data: Path) -> None:
    practices = read_practices(test_data / "practices_latin1.csv")
    assert practices["name"].iloc[0] == "Café Surgery"


@pytest.mark.parametrize(
    ("fixture", "row", "expected"),
    [
        ("practices_duplicate_codes.csv", 4, "practice code A81001 appears on rows 2, 4"),
        ("practices_list_size_non_numeric.csv", 2, "list size 'about 4000' is not a number"),
        ("practices_list_size_negative.csv", 2, "list size -12 is negative"),
        ("practices_list_size_empty.csv", 2, "list size is empty"),
        ("practices_list_size_fraction.csv", 2, "list size 4111.5 is not a whole number"),
        ("practices_missing_coordinates.csv", 3, "the practice has no coordinates"),
        ("practices_half_coordinates.csv", 2, "lon is empty while lat is given"),
        ("practices_outside_england.csv", 3, "lat 55.95, lon -3.19 is outside England"),
        (
            "practices_swapped_latlon.csv",
            2,
            "look swapped: swapping them puts the practice in England",
        ),
        ("practices_bng_outside_england.csv", 2, "325,000, 673,000 is outside England"),
        ("practices_bng_in_degrees.csv", 2, "look like longitude/latitude degrees"),
        ("practices_empty_code.csv", 2, "the practice code is empty"),
    ],
)
def test_read_practices_bad_rows(test_data: Path, fixture: str, row: int, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        read_practices(test_data / fixture)
    message = str(caught.value)
    assert fixture in message
    assert f"row {row}" in message
    assert expected in message
    assert [p.row for p in caught.value.problems] == [row]


def test_read_practices_unknown_postcode(test_data: Path) -> None:
    with pytest.raises(InputError, match=r"row 2 \(A81001\): postcode 'TS18 9ZZ' is not in"):
        read_practices(
            test_data / "practices_unknown_postcode.csv", postcodes=test_data / "io_postcodes.csv"
        )


def test_read_practices_postcode_without_lookup(test_data: Path) -> None:
    with pytest.raises(InputError, match="no postcode lookup was given"):
        read_practices(test_data / "practices_postcode.csv")


def test_read_practices_collects_every_problem(test_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "practices_many_problems.csv"
    path.write_text(
        "code,name,list_size,lat,lon\nA1,One,-1,54.5,-1.3\nA2,Two,100,,\nA1,Three,100,-1.3,54.5\n"
    )
    with pytest.raises(InputError) as caught:
        read_practices(path)
    assert [p.row for p in caught.value.problems] == [2, 3, 4, 4]
    assert str(caught.value).startswith("4 problems in the input:")


def test_missing_column_lists_found_and_accepted(test_data: Path) -> None:
    with pytest.raises(MissingColumnError) as caught:
        read_practices(test_data / "practices_missing_list_size_column.csv")
    message = str(caught.value)
    assert "no column for list_size" in message
    assert "Columns found: code, name, patients_2020, lat, lon" in message
    assert "number_of_patients" in message
    assert isinstance(caught.value, KeyError)


def test_missing_location_columns(test_data: Path) -> None:
    with pytest.raises(MissingColumnError, match="no location columns"):
        read_practices(test_data / "practices_no_location.csv")


def test_ambiguous_alias_asks_for_columns(test_data: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_practices(test_data / "practices_ambiguous_list_size.csv")
    message = str(caught.value)
    assert "several columns could be list_size" in message
    assert "list_size_2021_01_gpreg, list_size_2021_01_qof" in message
    assert "columns=" in message
    practices = read_practices(
        test_data / "practices_ambiguous_list_size.csv",
        columns={"list_size": "list_size_2021_01_qof"},
    )
    assert practices["list_size"].tolist() == [4098]


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_practices(tmp_path / "nowhere.csv")


# --------------------------------------------------------------------------------------------
# Published formats
# --------------------------------------------------------------------------------------------


def test_normalise_postcode() -> None:
    assert normalise_postcode(" ts18  1hu ") == "TS181HU"


@pytest.mark.parametrize(
    "fixture",
    ["io_postcodes.csv", "io_postcodes_codepoint_noheader.csv", "io_postcodes_onspd.csv"],
)
def test_read_postcode_lookup(test_data: Path, fixture: str) -> None:
    lookup = read_postcode_lookup(test_data / fixture)
    assert lookup.crs == BNG
    assert list(lookup.columns) == ["postcode", "easting", "northing", "geometry"]
    assert lookup["postcode"].iloc[0] == "TS181HU"
    assert lookup["easting"].iloc[0] == 444136
    assert "ZZ999ZZ" not in set(lookup["postcode"])  # ONSPD's "no grid reference" row


def test_read_epraccur_without_header(test_data: Path) -> None:
    practices = read_epraccur(test_data / "io_epraccur_noheader.csv")
    assert practices["code"].tolist() == ["A81001", "A81002"]  # prescribing setting 8 dropped
    assert practices["postcode"].tolist() == ["TS18 1HU", "TS18 2AW"]
    assert practices["status"].tolist() == ["A", "C"]
    assert practices["ccg"].tolist() == ["00K", "00K"]
    assert practices["close_date"].tolist() == ["", "20190331"]
    assert len(read_epraccur(test_data / "io_epraccur_noheader.csv", gp_only=False)) == 3


def test_read_epraccur_with_added_header(test_data: Path) -> None:
    practices = read_epraccur(test_data / "io_epraccur_header.csv")
    assert practices[["code", "postcode", "ccg", "status"]].iloc[0].tolist() == [
        "A81001",
        "TS18 1HU",
        "00K",
        "A",
    ]


def test_read_epraccur_duplicates_use_file_rows(test_data: Path) -> None:
    # no header: the first data row is row 1
    with pytest.raises(InputError, match="A81001 appears on rows 1, 2"):
        read_epraccur(test_data / "io_epraccur_duplicate_codes.csv")


def test_read_gp_reg_pat(test_data: Path) -> None:
    table = read_gp_reg_pat(test_data / "io_gp_reg_pat.csv")
    assert list(table.columns) == ["code", "list_size", "ccg", "postcode"]
    assert table["list_size"].tolist() == [4100, 19200]  # the MALE row is not a total
    assert table["ccg"].tolist() == ["E38000247", "E38000247"]


def test_read_gp_reg_pat_bad_sizes(test_data: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_gp_reg_pat(test_data / "io_gp_reg_pat_bad_sizes.csv")
    assert [(p.row, p.code) for p in caught.value.problems] == [(2, "A81001"), (3, "A81002")]
    assert "list size -5 is negative" in str(caught.value)
    assert "list size 'n/a' is not a number" in str(caught.value)


def test_read_qof_mapping(test_data: Path) -> None:
    table = read_qof_mapping(test_data / "io_qof_mapping.csv")
    assert table.iloc[0][["code", "ccg", "stp", "network", "network_name"]].tolist() == [
        "A81001",
        "E38000247",
        "E54000050",
        "U89141",
        "Stockton PCN",
    ]
    assert table["network"].iloc[1] is None
    assert table["network_name"].iloc[1] is None


def test_read_epcn_csv_drops_ended_memberships(test_data: Path) -> None:
    members = read_epcn(test_data / "io_epcn_core_partner.csv")
    assert dict(zip(members["code"], members["network"], strict=True)) == {
        "A81001": "U89141",
        "A81002": "U07032",
    }
    assert members["network_name"].tolist() == ["STOCKTON PCN", "NORTH STOCKTON PCN"]


def _write_epcn_xlsx(path: Path, csv_path: Path, *, formula_names: bool) -> None:
    rows = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    workbook = openpyxl.Workbook()
    details = workbook.active
    assert details is not None
    details.title = "PCN Details"
    details.append(["PCN Code", "PCN Name"])
    details.append(["U89141", "STOCKTON PCN"])
    details.append(["U07032", "NORTH STOCKTON PCN"])
    members = workbook.create_sheet("PCN Core Partner Details")
    members.append([c.replace(" ", "\n", 1) for c in rows.columns])  # as in the 2022 file
    for number, values in enumerate(rows.itertuples(index=False), start=2):
        cells: list[object] = [v or None for v in values]
        if formula_names:
            cells[5] = f"=VLOOKUP(E{number},'PCN Details'!A:B,2,FALSE)"
        members.append(cells)
    workbook.save(path)


@pytest.mark.parametrize("formula_names", [False, True])
def test_read_epcn_xlsx(test_data: Path, tmp_path: Path, formula_names: bool) -> None:
    path = tmp_path / "ePCN.xlsx"
    _write_epcn_xlsx(path, test_data / "io_epcn_core_partner.csv", formula_names=formula_names)
    members = read_epcn(path)
    assert members["code"].tolist() == ["A81001", "A81002"]
    assert members["network_name"].tolist() == ["STOCKTON PCN", "NORTH STOCKTON PCN"]
    plan = read_plan(path)
    assert plan.assignment == {"A81001": "U89141", "A81002": "U07032"}


def test_read_epcn_two_current_networks(test_data: Path) -> None:
    with pytest.raises(InputError, match=r"A81001 is a current member of more than one PCN"):
        read_epcn(test_data / "io_epcn_two_current_networks.csv")


def test_assemble_practices(test_data: Path) -> None:
    practices = assemble_practices(
        mapping=test_data / "io_qof_mapping.csv",
        epraccur=test_data / "io_epraccur_noheader.csv",
        list_sizes=test_data / "io_qof_list_sizes.csv",
        postcodes=test_data / "io_postcodes.csv",
    )
    assert list(practices.columns) == PRACTICE_COLUMNS
    assert practices["list_size"].tolist() == [4111, 19189]
    assert practices["ccg"].tolist() == ["E38000247", "E38000247"]
    assert practices["network"].tolist() == ["U89141", None]


def test_assemble_practices_from_epraccur_and_gp_reg_pat(test_data: Path) -> None:
    practices = assemble_practices(
        epraccur=test_data / "io_epraccur_noheader.csv",
        list_sizes=test_data / "io_gp_reg_pat.csv",
        postcodes=test_data / "io_postcodes.csv",
        epcn=test_data / "io_epcn_core_partner.csv",
    )
    assert practices["code"].tolist() == ["A81001"]  # A81002 is closed
    assert practices[["list_size", "ccg", "network"]].iloc[0].tolist() == [4100, "00K", "U89141"]


# --------------------------------------------------------------------------------------------
# Boundaries and patches
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def test_read_plan_csv(test_data: Path) -> None:
    plan = read_plan(test_data / "io_plan_valid.csv")
    assert plan.assignment == {"A81001": "N1", "A81002": "N1", "A81004": "N2"}
    assert plan.network_name("N1") == "Stockton North"
    assert plan.network_name("N2") == "N2"


def test_read_plan_duplicate_rows(test_data: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_plan(test_data / "io_plan_duplicate_rows.csv")
    assert "io_plan_duplicate_rows.csv, row 4 (A81001): practice A81001 appears on rows 2, 4" in (
        str(caught.value)
    )


def test_read_plan_from_practices_and_epcn_csv(test_data: Path) -> None:
    plan = read_plan(test_data / "io_practices_latlon.csv")
    assert plan.assignment == {"A81001": "U89141"}  # A81002 is 'U', unallocated
    plan = read_plan(test_data / "io_epcn_core_partner.csv")
    assert plan.assignment == {"A81001": "U89141", "A81002": "U07032"}
    assert plan.network_name("U07032") == "NORTH STOCKTON PCN"


def test_write_plan_round_trip(tmp_path: Path) -> None:
    plan = Plan({"B2": "N2", "A1": "N1", "C3": "N1"}, {"N1": "North, East"})
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "practice_code,network_id,network_name"
    assert lines[1:] == ['A1,N1,"North, East"', 'C3,N1,"North, East"', "B2,N2,N2"]
    assert read_plan(path) == Plan(plan.assignment, {"N1": "North, East", "N2": "N2"})


# --------------------------------------------------------------------------------------------
# The real 2020 snapshot
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_practices_2020(shared_data: Path) -> None:
    path = shared_data / "practices" / "practices_2020.csv"
    practices = read_practices(path)
    raw = pd.read_csv(path, dtype=str)
    assert len(practices) == len(raw) == 6720
    assert practices["code"].is_unique
    assert practices.geometry.notna().all() and not practices.geometry.is_empty.any()
    assert (practices["list_size"] > 0).all()
    assert practices["list_size"].sum() == pd.to_numeric(raw["list_size_2020_01"]).sum()
    assert practices["ccg"].str.startswith("E38").all()
    assert practices["stp"].str.startswith("E54").all()
    assert practices["network"].isna().sum() == (raw["pcn_code"] == "U").sum()


@pytest.mark.realdata
def test_real_published_formats(shared_data: Path) -> None:
    practices_dir = shared_data / "practices"
    epraccur = read_epraccur(practices_dir / "epraccur_2019-11_gp_practices_england.csv")
    assert len(epraccur) == 8204 and (epraccur["status"] == "A").sum() == 6830
    registered = read_gp_reg_pat(shared_data / "list_sizes" / "gp-reg-pat-prac-all_2021-01.csv")
    assert len(registered) == 6658 and registered["list_size"].sum() == 60_606_345
    membership = shared_data / "pcn_membership"
    mapping = read_qof_mapping(membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv")
    assert len(mapping) == 6720 and mapping["ccg"].nunique() == 135
    assert mapping["network"].nunique() == 1250
    from_xlsx = read_epcn(membership / "ePCN_2019-12.xlsx")
    from_csv = read_epcn(membership / "epcn_2019-12_core_partner_details.csv")
    assert len(from_xlsx) == 6757
    pd.testing.assert_frame_equal(from_xlsx, from_csv)
    later = pd.read_csv(membership / "epcn_2022-04_core_partner_details.csv", dtype=str)
    current = later["Practice to PCN Relationship End Date"].isna().sum()
    assert len(read_epcn(membership / "epcn_2022-04_core_partner_details.csv")) == current
    lookup = read_postcode_lookup(
        shared_data / "postcodes" / "practice_postcodes_codepoint_open.csv"
    )
    assert len(lookup) == 7668 and lookup["postcode"].is_unique


@pytest.mark.realdata
def test_real_assembled_practices_report_unknown_postcodes(shared_data: Path) -> None:
    membership = shared_data / "pcn_membership"
    postcodes = shared_data / "postcodes" / "practice_postcodes_codepoint_open.csv"
    epraccur = shared_data / "practices" / "epraccur_2019-11_gp_practices_england.csv"
    # independent check: practices whose epraccur postcode is not in the lookup
    known = set(pd.read_csv(postcodes, dtype=str)["postcode_nospace"])
    codes = set(
        pd.read_csv(membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv")["PRACTICE_CODE"]
    )
    places = pd.read_csv(epraccur, dtype=str)
    places = places[places["org_code"].isin(codes)]
    unknown = set(places.loc[~places["postcode"].str.replace(" ", "").isin(known), "org_code"])
    assert unknown
    with pytest.raises(InputError) as caught:
        assemble_practices(
            mapping=membership / "qof_MAPPING_NHS_GEOGRAPHIES_2019-20.csv",
            epraccur=epraccur,
            list_sizes=shared_data / "list_sizes" / "qof_list_size_2020-01.csv",
            postcodes=postcodes,
        )
    assert {p.code for p in caught.value.problems} == unknown
    assert all("is not in the postcode lookup" in p.message for p in caught.value.problems)


def test_zip_fixture_is_a_shapefile(test_data: Path) -> None:
    with zipfile.ZipFile(test_data / "boundaries_subicb_no_prj.zip") as archive:
        assert "subicb.prj" not in archive.namelist()
