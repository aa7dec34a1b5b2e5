"""Plans: every plan read and write, and the one extension → format table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprints.errors import InputError
from footprints.io import (
    EXPORT_FORMATS,
    PLAN_FORMATS,
    plan_format,
    read_geo_plan,
    read_plan,
    write_plan,
)
from footprints.plan import Plan


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


def test_a_row_repeated_exactly_is_read_once_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A row copied twice (same practice, same network) was refused like a conflict; a row
    putting the practice in another network still is."""
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA81001,N1\nA81002,N1\nA81001,N1\n", encoding="utf-8")
    assert dict(read_plan(plan).assignment) == {"A81001": "N1", "A81002": "N1"}
    assert "row 4 (A81001): practice A81001 is in N1 on rows 2 and 4; the repeated row" in (
        caplog.text
    )
    plan.write_text("practice_code,network_id\nA81001,N1\nA81001,N1\nA81001,N2\n", encoding="utf-8")
    with pytest.raises(InputError, match="practice A81001 appears on rows 2, 4"):
        read_plan(plan)


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


@pytest.mark.parametrize("name", ["plan.gpkg", "plan.GeoJSON", "plan.xlsx"])
def test_write_plan_refuses_a_name_of_another_format(tmp_path: Path, name: str) -> None:
    """CSV text under a GeoPackage's (or workbook's) name is a file no reader takes back."""
    path = tmp_path / name
    with pytest.raises(InputError) as raised:
        write_plan(Plan({"A1": "N1"}), path)
    message = str(raised.value)
    assert name in message and "export_plan" in message and ".csv" in message
    assert not path.exists()
    write_plan(Plan({"A1": "N1"}), tmp_path / "plan.txt")  # no format named: the plan CSV
    assert read_plan(tmp_path / "plan.txt").assignment == {"A1": "N1"}


def test_waiver_reasons_travel_in_the_plan_csv(tmp_path: Path) -> None:
    plan = Plan({"A1": "N1", "B2": "N2"}, {"N1": "Isle PCN"}, {"N1": "An island, alone"})
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "practice_code,network_id,network_name,waiver_reason"
    assert lines[1] == 'A1,N1,Isle PCN,"An island, alone"'
    back = read_plan(path)
    assert back.waivers == {"N1": "An island, alone"}
    assert back.network_name("N1") == "Isle PCN"


def test_geo_plan_with_a_practice_in_two_networks_is_an_error(tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"network_id": n, "practice_codes": ["A1", "A2"]},
            }
            for n in ("N1", "N2")
        ],
    }
    path = tmp_path / "twice.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match="A1 is in both N1 and N2"):
        read_plan(path)


NEAR_DUPLICATES = Plan(
    {"P1": "PCN 1", "P2": "PCN 1", "P3": "pcn1", "P4": "PCN1", "P5": "u12345"},
    {"PCN 1": "North", "pcn1": "South", "PCN1": "East", "u12345": "Lower-case code"},
)


@pytest.mark.parametrize("extension", [".csv", ".geojson", ".gpkg"])
def test_network_ids_are_compared_exactly_and_near_duplicates_reported(
    extension: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ids differing in case or spaces were merged silently, the names of all but one lost."""
    from footprints.demo import load_demo
    from footprints.export import export_plan

    region = load_demo()
    codes = region.practice_codes()[:5]
    plan = Plan(
        {codes[int(p[1]) - 1]: n for p, n in NEAR_DUPLICATES.assignment.items()},
        dict(NEAR_DUPLICATES.names),
    )
    path = tmp_path / f"plan{extension}"
    if extension == ".csv":
        write_plan(plan, path)
    else:
        export_plan(region, plan, path)
    caplog.clear()
    read = read_plan(path)
    assert read.assignment == plan.assignment
    assert {n: read.network_name(n) for n in read.networks()} == plan.names
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [w for w in warnings if "differ only in case or spaces" in w] == [
        f"{path}: network ids 'PCN 1' (2 practices) and 'PCN1' (1 practice) and 'pcn1' "
        "(1 practice) differ only in case or spaces; they are kept as 3 networks — if they "
        "are one network, write its id the same way on every row"
    ]


@pytest.mark.parametrize("placeholder", ["U", "u", " U "])
def test_the_unallocated_placeholder_is_no_network(placeholder: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(f"practice_code,network_id\nA1,N1\nA2,{placeholder}\n", encoding="utf-8")
    assert read_plan(path).assignment == {"A1": "N1"}


# --------------------------------------------------------------------------------------------
# The one extension → format table
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.csv", "plan"),
        ("PLAN.CSV", "plan"),
        ("ePCN.xlsx", "epcn_workbook"),
        ("ePCN.xlsm", "epcn_workbook"),
        ("ePCN.xls", "epcn_workbook"),
        ("plan.geojson", "geojson"),
        ("plan.json", "geojson"),
        ("plan.gpkg", "gpkg"),
    ],
)
def test_each_extension_names_one_format(name: str, expected: str) -> None:
    assert plan_format(name).name == expected
    assert PLAN_FORMATS[Path(name).suffix.lower()] is plan_format(name)


def test_each_format_has_its_reader_and_writer(test_data: Path, tmp_path: Path) -> None:
    assert PLAN_FORMATS[".geojson"].read is read_geo_plan
    assert PLAN_FORMATS[".gpkg"].read is read_geo_plan
    plan_csv = test_data / "io_plan_valid.csv"
    assert PLAN_FORMATS[".csv"].read(plan_csv) == read_plan(plan_csv)
    epcn_csv = test_data / "io_epcn_core_partner.csv"
    assert PLAN_FORMATS[".csv"].read(epcn_csv).assignment == {
        "A81001": "U89141",
        "A81002": "U07032",
    }
    assert list(EXPORT_FORMATS) == ["plan", "epcn", "geojson", "gpkg"]
    assert EXPORT_FORMATS["plan"] is PLAN_FORMATS[".csv"]
    assert EXPORT_FORMATS["plan"].write is write_plan
    assert not EXPORT_FORMATS["plan"].needs_region
    for name in ("epcn", "geojson", "gpkg"):  # written by footprints.export, with the region
        assert EXPORT_FORMATS[name].write is None and EXPORT_FORMATS[name].needs_region
    assert not PLAN_FORMATS[".xlsx"].writable and not PLAN_FORMATS[".xlsx"].needs_region
    plan = Plan({"A1": "N1", "B2": "N2"}, {"N1": "North"})
    target = tmp_path / "plan.csv"
    write_plan(plan, target)
    assert plan_format(target, write=True).read(target) == Plan(
        plan.assignment, {"N1": "North", "N2": "N2"}
    )


@pytest.mark.parametrize("name", ["plan.txt", "plan"])
def test_reading_an_unknown_extension_reads_a_plan_csv(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("practice_code,network_id\nA1,N1\n", encoding="utf-8")
    assert plan_format(path) is PLAN_FORMATS[".csv"]
    assert read_plan(path) == Plan({"A1": "N1"})


@pytest.mark.parametrize("name", ["plan.txt", "plan", "ePCN.xlsx"])
def test_writing_an_unknown_extension_names_the_accepted_ones(name: str) -> None:
    suffix = repr(Path(name).suffix)
    with pytest.raises(InputError) as caught:
        plan_format(name, write=True)
    assert str(caught.value) == (
        f"1 problem in the input:\n- {name}: cannot tell the export format from the extension "
        f"{suffix} — end the name with .csv, .geojson or .gpkg"
    )


def test_waiver_reasons_typed_in_excel_are_read(tmp_path: Path) -> None:
    """A CCG lead types the reasons in Excel: the workbook was read as text (its header the
    zip's bytes: 'no column network_id, reason'), a semicolon CSV had 'no column' either."""
    import pandas as pd

    from footprints.io import read_waivers

    book = tmp_path / "waivers.xlsx"
    pd.DataFrame({"network_id": ["N1", "N2"], "reason": ["rural, island", "agreed"]}).to_excel(
        book, index=False
    )
    assert read_waivers(book) == {"N1": "rural, island", "N2": "agreed"}
    semicolons = tmp_path / "waivers.csv"
    semicolons.write_bytes("network_id;reason\nN1;rural; an island\nN2;agréé\n".encode("cp1252"))
    assert read_waivers(semicolons) == {"N1": "rural; an island", "N2": "agréé"}
    misnamed = tmp_path / "waivers_copy.csv"
    misnamed.write_bytes(book.read_bytes())
    with pytest.raises(InputError, match="is an Excel workbook or a zip archive, not a CSV"):
        read_waivers(misnamed)


def test_waiver_headers_as_a_spreadsheet_writes_them_are_read(tmp_path: Path) -> None:
    """A workbook headed 'Network ID', 'Waiver reason' (as a person types them, and as the
    plan CSV names its column) was refused: 'no column network_id, reason'."""
    import pandas as pd

    from footprints.io import read_waivers

    book = tmp_path / "waivers.xlsx"
    frame = pd.DataFrame({"Network ID": ["U22192"], "Waiver reason": ["rural – marsh"]})
    frame.to_excel(book, index=False)
    assert read_waivers(book) == {"U22192": "rural – marsh"}
    other = tmp_path / "waivers.csv"
    other.write_text("network,why\nU22192,rural\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column network_id, reason; columns found: network"):
        read_waivers(other)


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_waivers_file_says_it_is_empty(tmp_path: Path, content: bytes) -> None:
    """An empty waivers file said 'no column network_id, reason; columns found: ' and
    nothing after it."""
    from footprints.io import read_waivers

    path = tmp_path / "waivers.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_waivers(path)
    message = str(caught.value)
    assert "waivers.csv: the file is empty (no header, no waivers)" in message
    assert "give a CSV with the header network_id,reason" in message
    assert "columns found" not in message


def test_the_epcn_pcn_details_sheet_saved_as_csv_is_named_with_the_sheet_to_save(
    tmp_path: Path,
) -> None:
    """Excel saves an ePCN workbook's first sheet, 'PCN Details', as CSV: given as the plan,
    it said 'no column for code … rename the column', which no renaming can fix."""
    from footprints.errors import MissingColumnError
    from footprints.io import read_epcn

    details = tmp_path / "ePCN.csv"
    details.write_text(
        "PCN Code,PCN Name,Current Clinical Commissioning Group Code,Clinical Commissioning "
        "Group Name,Open Date (YYYYMMDD),Close Date,Address Line 1,Postcode\n"
        "U35980,CENTRAL LIVERPOOL PCN,99A,NHS LIVERPOOL CCG,20191001,,150 MOUNT PLEASANT,"
        "L69 3GD\n",
        encoding="utf-8",
    )
    for reader in (read_plan, read_epcn):
        with pytest.raises(MissingColumnError) as caught:
            reader(details)
        message = str(caught.value)
        assert "this is the ePCN file's 'PCN Details' sheet (one row per PCN" in message
        assert "save the sheet 'PCN Core Partner Details' as CSV instead" in message


def test_a_plan_kept_in_a_workbook_is_read_from_its_sheet(tmp_path: Path) -> None:
    """A CCG lead edits the plan in Excel and saves .xlsx: every workbook was read as the ePCN
    file and refused ("no sheet 'core partner'; sheets found: My plan"), as was the ePCN
    membership copied onto a sheet of another name."""
    import pandas as pd

    from footprints.errors import MissingColumnError

    book = tmp_path / "plan.xlsx"
    with pd.ExcelWriter(book) as workbook:
        pd.DataFrame({"note": ["agreed 3 March"]}).to_excel(
            workbook, sheet_name="Notes", index=False
        )
        pd.DataFrame(
            {"practice_code": ["A1", "A2", "B1"], "network_id": ["N1", "N1", "N2"]}
        ).to_excel(workbook, sheet_name="My plan", index=False)
    assert dict(read_plan(book).assignment) == {"A1": "N1", "A2": "N1", "B1": "N2"}
    copy = tmp_path / "membership.xlsx"
    pd.DataFrame(
        {"Partner Organisation Code": ["A1", "B1"], "PCN Code": ["U1", "U2"], "PCN Name": "X"}
    ).to_excel(copy, sheet_name="Sheet1", index=False)
    assert dict(read_plan(copy).assignment) == {"A1": "U1", "B1": "U2"}
    empty = tmp_path / "other.xlsx"
    pd.DataFrame({"x": [1]}).to_excel(empty, sheet_name="Sheet1", index=False)
    with pytest.raises(MissingColumnError, match="no sheet of the workbook holds a plan"):
        read_plan(empty)


def test_a_plan_with_a_header_and_no_rows_is_refused(tmp_path: Path) -> None:
    """A plan file emptied but for its header was read as a plan placing no one: validate
    then reported all 206 practices of Kent and Medway 'in no network' (exit 1)."""
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"plan\.csv: has a header but no plan rows"):
        read_plan(plan)


def test_a_geojson_plan_with_no_features_is_refused(tmp_path: Path) -> None:
    """An empty FeatureCollection given as a plan was read as a plan placing no one: diff
    called every network of the other plan dissolved."""
    plan = tmp_path / "plan.geojson"
    plan.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match="holds no practice with a network"):
        read_plan(plan)


@pytest.mark.parametrize(
    ("name", "content", "said", "fix"),
    [
        ("plan.gpkg", b"", "cannot be read as a GeoPackage: the file is empty (0 bytes)", ""),
        ("plan.geojson", b"", "the file is empty (0 bytes)", "give a GeoJSON file"),
        (
            "plan.gpkg",
            b"practice_code,network_id\nP1,N1\n",
            "cannot be read as a GeoPackage: it is a table",
            "a plan CSV keeps its .csv name: rename the file",
        ),
    ],
)
def test_a_geo_plan_that_is_empty_or_a_csv_says_so(
    tmp_path: Path, name: str, content: bytes, said: str, fix: str
) -> None:
    """GDAL's "DataSourceError: 'plan.gpkg' not recognized as being in a supported file
    format" (an empty upload, a plan CSV under a .gpkg name) and an empty GeoJSON's
    'Expecting value: line 1 column 1 (char 0)'."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert f"{name}: {said}" in message and fix in message
    assert "not recognized" not in message and "Expecting value" not in message


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    """The demo's current plan exported as GeoJSON (both files) and GeoPackage."""
    from footprints.demo import load_demo
    from footprints.export import export_plan

    region = load_demo()
    folder = tmp_path_factory.mktemp("exported")
    assert region.current is not None
    export_plan(region, region.current, folder / "plan.geojson")
    export_plan(region, region.current, folder / "plan.gpkg")
    return region.current, folder


@pytest.mark.parametrize(
    ("packed", "members"),
    [
        ("plan.zip", ["plan.geojson", "plan_practices.geojson"]),  # the export's pair
        ("plan.zip", ["plan_practices.geojson"]),
        ("plan.zip", ["plan.gpkg"]),
        ("plan.zip", ["export/plan.gpkg", "export/README.txt"]),
        ("plan.geojson.gz", ["plan.geojson"]),
    ],
)
def test_a_zipped_or_gzipped_geo_plan_is_read_as_the_plan_inside(
    exported: tuple[Plan, Path], packed: str, members: list[str], tmp_path: Path
) -> None:
    """The app's plan slot takes .zip and .gz; a zipped export was 'the archive holds no CSV'."""
    import gzip
    import zipfile

    plan, folder = exported
    path = tmp_path / packed
    if packed.endswith(".gz"):
        path.write_bytes(gzip.compress((folder / members[0]).read_bytes()))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            for member in members:
                name = Path(member).name
                if name.endswith(".txt"):
                    archive.writestr(member, "notes")
                else:
                    archive.write(folder / name, member)
    assert read_plan(path).assignment == plan.assignment


def test_a_zip_of_unrelated_geo_files_names_them_and_a_damaged_member_names_the_zip(
    tmp_path: Path,
) -> None:
    import zipfile

    several = tmp_path / "layers.zip"
    with zipfile.ZipFile(several, "w") as archive:
        archive.writestr("ccg.geojson", "{}")
        archive.writestr("stp.geojson", "{}")
    with pytest.raises(InputError) as caught:
        read_plan(several)
    assert "layers.zip: the zip holds 2 GeoJSON / GeoPackage files (ccg.geojson, stp.geojson)" in (
        str(caught.value)
    )
    damaged = tmp_path / "plan.zip"
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("plan.geojson", '{"type": "FeatureCollection", "features": [1]}')
    with pytest.raises(InputError) as caught:
        read_plan(damaged)
    assert "plan.zip (plan.geojson): feature 1 is int" in str(caught.value)
    assert "footprints-unzipped" not in str(caught.value)  # never the temporary folder


@pytest.mark.parametrize(
    ("header", "row"),
    [
        ("practice_code,network_id,network_name", "P1,N1,North"),
        ("Partner Organisation Code,Partner Name,PCN Code,PCN Name", "P1,Dr P,N1,North"),
    ],
)
def test_a_plan_csv_under_title_rows_names_the_row_of_its_header(
    tmp_path: Path, header: str, row: str
) -> None:
    """A plan saved from a spreadsheet with a title above it said 'no column for code,
    network. Columns found: Networks 2024, (blank column 2), …', where the practices reader
    names the header's row."""
    path = tmp_path / "plan.csv"
    blank = "," * header.count(",")
    path.write_text(f"Networks 2024{blank}\n{blank}\n{header}\n{row}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert "plan.csv, row 3: the header (the column names: " in message
    assert "delete rows 1–2 so that the header is the first row" in message
    assert "blank column" not in message
