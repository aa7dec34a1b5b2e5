"""The generic practices CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from footprints.crs import BNG
from footprints.errors import InputError, MissingColumnError, collected_warnings
from footprints.io import read_practices

PRACTICE_COLUMNS = ["code", "name", "list_size", "ccg", "stp", "patch", "network", "geometry"]


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


@pytest.mark.parametrize(
    ("fixture", "row", "expected"),
    [
        ("practices_duplicate_codes.csv", 4, "practice code A81001 appears on rows 2, 4"),
        ("practices_list_size_non_numeric.csv", 2, "list size 'about 4000' is not a number"),
        ("practices_list_size_negative.csv", 2, "list size -12 is negative"),
        ("practices_list_size_empty.csv", 2, "list size is empty"),
        ("practices_list_size_fraction.csv", 2, "list size 4111.5 is not a whole number"),
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
    # no row is placed, so the row without a location is an error too (else a warning)
    assert sorted(p.row or 0 for p in caught.value.problems) == [2, 3, 4, 4]
    assert str(caught.value).startswith("4 problems in the input:")


def test_missing_location_columns(test_data: Path) -> None:
    with pytest.raises(MissingColumnError, match="no location columns"):
        read_practices(test_data / "practices_no_location.csv")


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


@pytest.mark.parametrize(
    ("file", "kind"),
    [("io_epcn_core_partner.csv", "an ePCN file"), ("io_plan_valid.csv", "a plan")],
)
def test_a_plan_in_the_practices_slot_is_recognised(test_data: Path, file: str, kind: str) -> None:
    with pytest.raises(MissingColumnError, match=f"this looks like {kind}.*load it as the current"):
        read_practices(test_data / file)


def test_a_row_with_only_a_postcode_among_located_rows_asks_for_the_lookup(
    tmp_path: Path,
) -> None:
    """practices_2020.csv's shape with one row's coordinates blanked: the row has a postcode.

    The message said "the practice has no coordinates and no postcode", which the row
    plainly contradicts; it should say that its postcode needs a postcode lookup."""
    path = tmp_path / "practices.csv"
    path.write_text(
        "practice_code,practice_name,list_size,postcode,easting,northing\n"
        "A81001,Densham,4111,TS18 2AW,444136,518701\n"
        "A81002,Queens Park,19189,TS18 1HU,,\n"
        "A81003,No Site,5000,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_practices(path)
    by_row = {p.row: str(p) for p in caught.value.errors}
    assert sorted(by_row) == [3]
    assert "no postcode" not in by_row[3]
    assert "postcode 'TS18 1HU' needs a postcode lookup" in by_row[3]
    assert "--postcodes" in by_row[3]
    # the row with no location at all is left out
    (warning,) = [p for p in caught.value.problems if p.severity == "warning"]
    assert "has no coordinates and no postcode and cannot be placed: row 4 (A81003)" in str(warning)


def test_a_practices_workbook_is_read_from_its_first_sheet(tmp_path: Path) -> None:
    """The app's practices uploader offers .xlsx: a practices table saved from Excel.

    It was refused ("is an Excel workbook … not a CSV") by the loader the uploader feeds."""
    table = pd.DataFrame(
        {
            "practice_code": ["A81001", "A81002"],
            "practice_name": ["Densham", "Queens Park"],
            "list_size": [4111, 19189],
            "easting": [444136.0, 444600.5],
            "northing": [518701.0, 519000.0],
        }
    )
    path = tmp_path / "practices.xlsx"
    with pd.ExcelWriter(path) as workbook:
        table.to_excel(workbook, sheet_name="Practices", index=False)
        pd.DataFrame({"note": ["read me"]}).to_excel(workbook, sheet_name="Notes", index=False)
    practices = read_practices(path)
    assert practices["code"].tolist() == ["A81001", "A81002"]
    assert practices["list_size"].tolist() == [4111, 19189]
    assert practices.geometry.iloc[1].x == 444600.5


_TABLE = pd.DataFrame(
    {
        "practice_code": ["A81001", "A81002"],
        "practice_name": ["Densham", "Queens Park"],
        "list_size": [4111, 19189],
        "easting": [444136.0, 444600.5],
        "northing": [518701.0, 519000.0],
    }
)


def test_a_workbook_opening_with_a_notes_sheet_is_read_from_its_practices_sheet(
    tmp_path: Path,
) -> None:
    """NHS Digital's and analysts' workbooks often open with notes or contents.

    The first sheet was read ("no column for code, name, list_size. Columns found: Notes")."""
    path = tmp_path / "practices.xlsx"
    with pd.ExcelWriter(path) as workbook:
        pd.DataFrame({"Notes": ["Kent and Medway, QOF 2019-20"]}).to_excel(
            workbook, sheet_name="Notes", index=False
        )
        _TABLE.to_excel(workbook, sheet_name="Practices", index=False)
    practices = read_practices(path)
    assert practices["code"].tolist() == ["A81001", "A81002"]
    assert practices["list_size"].tolist() == [4111, 19189]
    # none of the sheets holds practices: the message names the sheets
    with pd.ExcelWriter(path) as workbook:
        pd.DataFrame({"Notes": ["x"]}).to_excel(workbook, sheet_name="Notes", index=False)
        pd.DataFrame({"Contents": ["x"]}).to_excel(workbook, sheet_name="Contents", index=False)
    with pytest.raises(MissingColumnError) as caught:
        read_practices(path)
    assert "sheet 'Notes' (of 'Notes', 'Contents': none has the practices' columns)" in str(
        caught.value
    )


def test_a_title_above_the_header_is_one_problem_naming_the_header_row(tmp_path: Path) -> None:
    """A CSV or sheet saved from a publication with its title: the header is on row 3.

    The CSV gave one 'the row has 5 cells but the first row has 1' per practice, with the
    fix 'quote cells that contain the separator'; the workbook 'no column for code'."""
    csv = tmp_path / "practices.csv"
    csv.write_text("Practices in Kent and Medway\nSource: QOF\n" + _TABLE.to_csv(index=False))
    with pytest.raises(InputError) as caught:
        read_practices(csv)
    [problem] = caught.value.problems
    assert problem.row == 3
    assert "header looks to be row 3 (practice_code, practice_name" in str(problem)
    assert "delete rows 1–2 so that the header is the first row" in str(problem)

    book = tmp_path / "practices.xlsx"
    with pd.ExcelWriter(book) as workbook:
        pd.DataFrame([["Practices in Kent and Medway"]]).to_excel(
            workbook, sheet_name="Data", index=False, header=False
        )
        _TABLE.to_excel(workbook, sheet_name="Data", index=False, startrow=2)
    with pytest.raises(InputError) as caught:
        read_practices(book)
    [problem] = caught.value.problems
    assert problem.row == 3
    assert "is on row 3, not on the first row" in str(problem)
    assert "delete rows 1–2" in str(problem)


@pytest.mark.parametrize(
    ("header", "row", "looks_like"),
    [
        (
            "org_code,name,postcode,status_code,commissioner,prescribing_setting",
            "A81001,THE DENSHAM SURGERY,TS18 1HU,A,00K,4",
            "NHS Digital's epraccur",
        ),
        (
            "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,"
            "NUMBER_OF_PATIENTS",
            "GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE65 7UW,ALL,ALL,5903",
            "NHS Digital's practice totals file",
        ),
        (
            "CCG_ODS_CODE,CCG_ONS_CODE,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE,PRACTICE_NAME",
            "00L,E38000130,U12345,BLYTH PCN,A84002,LINTONVILLE",
            "the QOF 'mapping NHS geographies' file",
        ),
    ],
)
def test_a_published_file_in_the_practices_slot_says_how_to_join_them(
    tmp_path: Path, header: str, row: str, looks_like: str
) -> None:
    """Each said 'no column for list_size (or name) … rename a column', which cannot help:
    the practices file is built from them (assemble_practices)."""
    path = tmp_path / "published.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(MissingColumnError) as caught:
        read_practices(path)
    message = str(caught.value)
    assert f"this looks like {looks_like}" in message
    assert "footprints.io.assemble_practices" in message and "your-own-area.md" in message


def test_epraccur_with_list_sizes_and_sites_added_is_a_practices_file(tmp_path: Path) -> None:
    path = tmp_path / "epraccur_plus.csv"
    path.write_text(
        "org_code,name,postcode,status_code,prescribing_setting,list_size,easting,northing\n"
        "A81001,THE DENSHAM SURGERY,TS18 1HU,A,4,4111,444136,518701\n",
        encoding="utf-8",
    )
    assert read_practices(path)["list_size"].tolist() == [4111]


def test_a_short_header_over_wider_rows_is_not_taken_for_a_title(tmp_path: Path) -> None:
    """Rows with a cell past the header are reported row by row, as before: the header is
    row 1 (two names of three), not a title."""
    path = tmp_path / "practices.csv"
    path.write_text(
        "code,name,list_size,easting\nA81001,Densham,4111,444136,518701\n"
        "A81002,Queens,19189,444600,519000\nA81003,Third,100,444700,519100\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_practices(path)
    assert [p.row for p in caught.value.problems] == [2, 3, 4]
    assert "the row has 5 cells but the first row has 4" in str(caught.value)


def test_a_space_inside_a_practice_code_is_removed_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """'G82 006' (typed or pasted with a space) was a stranger to the plan's G82006: the
    practice was 'in no network' and the plan's row 'not in the practices file'."""
    from footprints.io.plans import read_plan

    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,list_size,easting,northing\nG82 006,A,5000,530000,180000\n"
        "G82007,B,6000,531000,180000\n",
        encoding="utf-8",
    )
    assert read_practices(practices)["code"].tolist() == ["G82006", "G82007"]
    assert "row 2" in caplog.text and "practice code 'G82 006' has a space inside it" in caplog.text
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nG82006,U1\nG82 007,U1\n", encoding="utf-8")
    assert dict(read_plan(plan).assignment) == {"G82006": "U1", "G82007": "U1"}
    assert "read as G82007" in caplog.text


def test_a_large_registrations_file_given_as_the_practices_is_named_not_sized(
    tmp_path: Path,
) -> None:
    """The LSOA registrations file (36 MB unpacked) given as the practices was refused for
    its size, with advice to raise the limit, and only then for its kind."""
    import gzip

    from footprints.io.tables import table_size_limit

    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv.gz"
    rows = "".join(f"A{i:05d},SURGERY,E01{i:06d},{i % 90}\n" for i in range(2000))
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\n" + rows)
    with table_size_limit(10_000), pytest.raises(MissingColumnError) as caught:
        read_practices(path)
    assert "this looks like NHS Digital's LSOA registrations file" in str(caught.value)
    assert "limit" not in str(caught.value)


def test_nhs_digitals_mapping_columns_give_the_ons_sub_icb_and_icb_codes(tmp_path: Path) -> None:
    """NHS Digital's files since July 2022 (gp-reg-pat-prac-map.csv, the list sizes) carry
    ONS_SUB_ICB_LOCATION_CODE and ONS_ICB_CODE beside the ODS codes; the ODS ones were
    taken ('98X' matching no SICBL23CD boundary: every practice refused)."""
    path = tmp_path / "practices.csv"
    path.write_text(
        "PRACTICE_CODE,PRACTICE_NAME,PCN_CODE,ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,"
        "ONS_ICB_CODE,ICB_CODE,NUMBER_OF_PATIENTS,lat,lon\n"
        "A81001,THE DENSHAM SURGERY,U89141,E38000247,16C,E54000050,QHM,4111,54.56,-1.31\n",
        encoding="utf-8",
    )
    practices = read_practices(path)
    assert practices[["ccg", "stp", "network"]].iloc[0].tolist() == [
        "E38000247",
        "E54000050",
        "U89141",
    ]


@pytest.mark.parametrize("data", [b'code,\r,code\n,,"', b"code,\r,code\n"])
def test_a_lone_carriage_return_in_the_header_gets_the_loaders_own_error(
    tmp_path: Path, data: bytes
) -> None:
    """A lone CR inside the first line stopped the header check with the csv module's
    'new-line character seen in unquoted field' (found by tests/test_fuzz.py)."""
    path = tmp_path / "practices.csv"
    path.write_bytes(data)
    with pytest.raises((InputError, MissingColumnError)):
        read_practices(path)


def test_a_postcode_missing_from_the_lookup_is_placed_in_its_sector_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """epraccur's 'LA14 2IB' (a mistyped LA14 2LB) is in no lookup: three such practices
    stopped a run of all England's practices. A postcode whose sector the lookup has is
    placed at the sector's centre, with a warning naming the row; one whose sector it lacks
    stays an error."""
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text(
        "postcode,easting,northing\nLA14 2LB,320000,470000\nLA14 2LD,320400,470200\n"
        "TS18 1HU,444136,518701\n",
        encoding="utf-8",
    )
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,list_size,postcode\nA82010,Abbey Road,9000,LA14 2IB\n"
        "A81001,The Densham Surgery,4111,TS18 1HU\n",
        encoding="utf-8",
    )
    with caplog.at_level("WARNING"):
        read = read_practices(practices, postcodes=lookup)
    site = read.set_index("code").geometry["A82010"]
    assert (site.x, site.y) == (320200, 470100)
    assert (
        "row 2 (A82010): postcode 'LA14 2IB' is not in the postcode lookup; the practice is "
        "placed at the centre of its postcode sector LA14 2 (2 postcodes in the lookup)"
    ) in caplog.text
    practices.write_text(
        "code,name,list_size,postcode\nA82010,Abbey Road,9000,LA15 2IB\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"row 2 \(A82010\): postcode 'LA15 2IB' is not in"):
        read_practices(practices, postcodes=lookup)


def test_a_row_without_a_code_leaves_the_rows_of_later_duplicates_right(tmp_path: Path) -> None:
    """An empty row (Excel's ',,,,') shifted the rows named for a duplicate below it by one:
    'A3 appears on rows 4, 5' for rows 5 and 6. The empty row is passed over, counted."""
    path = tmp_path / "practices.csv"
    path.write_text(
        "code,name,list_size,lat,lon\nA1,One,5000,52.2,-1.7\n,,,,\n,No code,4000,52.2,-1.7\n"
        "A3,Three,7000,52.3,-1.5\nA3,Three again,7000,52.3,-1.5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_practices(path)
    said = [str(problem) for problem in caught.value.errors]
    assert [
        str(problem) for problem in [p for p in caught.value.problems if p.severity == "warning"]
    ] == [
        f"{path}: 1 empty row passed over (row 3): it holds no practice — nothing to do; "
        "delete the empty rows to keep the file tidy"
    ]
    assert said == [
        f"{path}, row 4: the practice code is empty — give every row an ODS code",
        f"{path}, row 6 (A3): practice code A3 appears on rows 5, 6 — keep one row per "
        "practice code (merge the rows if practices merged)",
    ]


def test_empty_rows_inside_the_table_are_passed_over_with_a_count(tmp_path: Path) -> None:
    """An empty row in the middle of a practices file (a row deleted in Excel leaves ',,,,')
    stopped the whole run; it is passed over, the rows after it keep their numbers."""
    path = tmp_path / "practices.csv"
    path.write_text(
        "code,name,list_size,lat,lon\nA1,One,5000,52.2,-1.7\n,,,,\n\n"
        "A2,Two,-4,52.3,-1.5\nA3,Three,6000,52.3,-1.6\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:  # the bad list size keeps its own row
        read_practices(path)
    assert [p.row for p in caught.value.errors] == [5]
    path.write_text(path.read_text(encoding="utf-8").replace("-4", "4000"), encoding="utf-8")
    with collected_warnings() as warned:
        practices = read_practices(path)
    assert practices["code"].tolist() == ["A1", "A2", "A3"]
    assert [str(w) for w in warned] == [
        f"{path}: 2 empty rows passed over (rows 3, 4): they hold no practice — nothing to "
        "do; delete the empty rows to keep the file tidy"
    ]


def test_a_practice_with_no_location_is_left_out_with_a_warning(test_data: Path) -> None:
    """One practice with no coordinates and no postcode stopped an all-England run: it is
    left out, named by row and code with its patients; a file where none has a location is
    still refused, row by row."""
    with collected_warnings() as warned:
        practices = read_practices(test_data / "practices_missing_coordinates.csv")
    assert practices["code"].tolist() == ["A81001"]
    assert [str(w) for w in warned] == [
        f"{test_data / 'practices_missing_coordinates.csv'}: 1 practice has no coordinates and "
        "cannot be placed: row 3 (A81002); it is left out of the plan (19,189 patients in no "
        "network) — give it lat,lon or easting,northing to place it in a network"
    ]
    assert practices.attrs["unlocated"] == ("A81002",)


def test_a_file_where_no_practice_has_a_location_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "practices.csv"
    path.write_text(
        "code,name,list_size,postcode,lat,lon\nA1,One,5000,,,\nA2,Two,6000,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_practices(path)
    assert [(p.row, p.code) for p in caught.value.errors] == [(2, "A1"), (3, "A2")]
    assert "the practice has no coordinates and no postcode" in str(caught.value)
