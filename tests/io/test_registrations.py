"""The LSOA registrations loader: published shapes, compression, what is set aside, bad rows."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from footprints.crs import BNG
from footprints.errors import InputError
from footprints.io.registrations import (
    read_lsoa_boundaries,
    read_lsoa_centroids,
    read_lsoa_registrations,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

PUBLISHED = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81001,THE DENSHAM SURGERY,E01011959,ALL,7\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81001,THE DENSHAM SURGERY,E01012012,ALL,2\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81001,THE DENSHAM SURGERY,W01000001,ALL,3\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81001,THE DENSHAM SURGERY,NO2011,ALL,1\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81002,QUEENS PARK,E01011959,ALL,40\n"
    "GP_PRAC_PAT_LIST,04JAN2021,A81002,QUEENS PARK,E01011959,ALL,5\n"
)
FOUR_COLUMNS = (
    "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\n"
    "A81001,THE DENSHAM SURGERY,E01011959,7\n"
    "A81001,THE DENSHAM SURGERY,E01012012,2\n"
)


def check_published(path: Path) -> None:
    registered = read_lsoa_registrations(path)
    assert registered.counts.to_dict("records") == [
        {"practice": "A81001", "lsoa": "E01011959", "patients": 7},
        {"practice": "A81001", "lsoa": "E01012012", "patients": 2},
        {"practice": "A81002", "lsoa": "E01011959", "patients": 45},  # repeated rows added
    ]
    assert registered.totals.to_dict() == {"A81001": 13, "A81002": 45}
    assert (registered.welsh_rows, registered.welsh_patients) == (1, 3)
    assert (registered.unplaced_rows, registered.unplaced_patients) == (1, 1)
    assert registered.extract_date == "04JAN2021"
    assert "3 in 1 Welsh LSOA row and 1 in 1 row with no LSOA" in registered.describe()


def test_a_file_with_nothing_set_aside_says_so_without_zero_counts(tmp_path: Path) -> None:
    """The -v summary said "0 in 0 Welsh LSOA rows and 0 in 0 rows with no LSOA"."""
    path = tmp_path / "four.csv"
    path.write_text(FOUR_COLUMNS, encoding="utf-8")
    described = read_lsoa_registrations(path).describe()
    assert "1 practices" not in described and "0 in 0" not in described
    assert described.endswith(
        "1 practice, 9 patients; no Welsh LSOA rows and no rows without an LSOA: nothing set aside"
    )
    published = tmp_path / "welsh-only.csv"
    published.write_text("\n".join(PUBLISHED.splitlines()[:4]) + "\n", encoding="utf-8")
    assert (
        read_lsoa_registrations(published)
        .describe()
        .endswith(
            "3 in 1 Welsh LSOA row count towards practice totals but are not placed on the map"
        )
    )


def test_the_published_file_plain(tmp_path: Path) -> None:
    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv"
    path.write_text(PUBLISHED, encoding="utf-8")
    check_published(path)


def test_the_published_file_gzipped(tmp_path: Path) -> None:
    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv.gz"
    path.write_bytes(gzip.compress(PUBLISHED.encode()))
    check_published(path)


def test_the_published_file_zipped_beside_male_and_female(tmp_path: Path) -> None:
    path = tmp_path / "gp-reg-pat-prac-lsoa-male-female-Jan-21.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("gp-reg-pat-prac-lsoa-all.csv", PUBLISHED)
        archive.writestr("gp-reg-pat-prac-lsoa-male.csv", PUBLISHED.replace(",ALL,", ",MALE,"))
    check_published(path)


def test_the_four_column_copy(tmp_path: Path) -> None:
    path = tmp_path / "registrations.csv"
    path.write_text(FOUR_COLUMNS, encoding="utf-8")
    registered = read_lsoa_registrations(path)
    assert registered.counts["patients"].tolist() == [7, 2]
    assert registered.extract_date is None
    assert registered.welsh_rows == registered.unplaced_rows == 0


def test_male_and_female_rows_are_added_when_there_is_no_all_row(tmp_path: Path) -> None:
    path = tmp_path / "registrations.csv"
    text = PUBLISHED.replace(",ALL,", ",MALE,")
    text += "GP_PRAC_PAT_LIST,04JAN2021,A81002,QUEENS PARK,E01011959,FEMALE,10\n"
    path.write_text(text, encoding="utf-8")
    registered = read_lsoa_registrations(path)
    assert registered.totals["A81002"] == 55


@pytest.mark.parametrize("sex", ["MALE", "FEMALE"])
def test_a_file_of_one_sex_is_refused_naming_the_all_persons_file(tmp_path: Path, sex: str) -> None:
    """gp-reg-pat-prac-lsoa-male.csv, taken from the published zip instead of the -all file,
    placed half of each practice's patients (Kent and Medway: 150 warnings of counts half
    the list sizes, and the map drawn on them)."""
    path = tmp_path / f"gp-reg-pat-prac-lsoa-{sex.lower()}.csv"
    path.write_text(PUBLISHED.replace(",ALL,", f",{sex},"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_lsoa_registrations(path)
    text = str(caught.value)
    assert f"counts only the {sex.lower()} patients (every row's SEX is {sex})" in text
    assert "give the all-persons file, gp-reg-pat-prac-lsoa-all.csv" in text


def test_counts_that_are_not_whole_numbers_are_named_by_row(tmp_path: Path) -> None:
    path = tmp_path / "registrations.csv"
    path.write_text(FOUR_COLUMNS + "A81003,X,E01011959,12.5\nA81003,X,E01011960,-4\n")
    with pytest.raises(InputError) as caught:
        read_lsoa_registrations(path)
    text = str(caught.value)
    assert "row 4" in text and "'12.5'" in text and "row 5" in text and "'-4'" in text


def test_a_missing_column_names_what_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "registrations.csv"
    path.write_text("PRACTICE_CODE,NUMBER_OF_PATIENTS\nA81001,3\n", encoding="utf-8")
    with pytest.raises(Exception, match="lsoa"):
        read_lsoa_registrations(path)


def test_a_gzip_that_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    from footprints.io import input_size_limit

    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress(FOUR_COLUMNS.encode() + b"A81001,X,E01011959,1\n" * 50_000))
    with input_size_limit(100_000), pytest.raises(InputError, match="unpacks to more than"):
        read_lsoa_registrations(path)


def test_lsoa_polygons_and_centroids(tmp_path: Path) -> None:
    polygons = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000002", "E01000001"], "LSOA11NM": ["B 001B", "A 001A"]},
        geometry=[
            shapely.box(451_000, 250_000, 452_000, 251_000),
            shapely.box(450_000, 250_000, 451_000, 251_000),
        ],
        crs=BNG,
    ).to_crs("EPSG:4326")
    path = tmp_path / "lsoa.geojson"
    polygons.to_file(path)
    layer = read_lsoa_boundaries(path)
    assert sorted(layer["code"]) == ["E01000001", "E01000002"]
    assert layer.crs == BNG
    centroids = tmp_path / "centroids.csv"
    centroids.write_text("lsoa11cd,lsoa11nm,lon,lat,easting,northing\nE01000001,A,0,0,500,400\n")
    assert read_lsoa_centroids(centroids).to_dict("records") == [
        {"code": "E01000001", "x": 500.0, "y": 400.0}
    ]


@pytest.mark.realdata
def test_the_january_2021_file_against_an_independent_reading() -> None:
    """Every count and total agrees with a plain pandas reading, and totals match list sizes."""
    path = SHARED / "registrations" / "gp-reg-pat-prac-lsoa-all_2021-01.csv.gz"
    registered = read_lsoa_registrations(path)
    raw = pd.read_csv(path, dtype={"PRACTICE_CODE": str, "LSOA_CODE": str})
    assert len(raw) == 839_677
    english = raw[raw["LSOA_CODE"].str.startswith("E01")]
    assert registered.counts["patients"].sum() == english["NUMBER_OF_PATIENTS"].sum()
    assert registered.counts["lsoa"].nunique() == 32_844
    assert registered.welsh_rows == 276
    assert registered.unplaced_rows == 4_656
    assert registered.unplaced_patients == 34_879
    assert registered.patients == 60_606_345
    expected = raw.groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum()
    pd.testing.assert_series_equal(
        registered.totals, expected.astype("int64"), check_names=False, check_index_type=False
    )
    practices = pd.read_csv(SHARED / "practices" / "practices_2021.csv", dtype=str)
    sizes = practices.set_index("practice_code")["list_size_2021_01_gpreg"].astype("int64")
    assert (registered.totals.reindex(sizes.index) == sizes).all()


CENTROIDS = (
    "lsoa11cd,lsoa11nm,lon,lat,easting,northing\n"
    "E01000001,A,-0.09,51.52,532000,181000\n"
    "E01000002,B,-0.10,51.51,531000,180000\n"
)


@pytest.mark.parametrize("packing", ["gzip", "zip"])
def test_centroids_are_read_gzipped_or_zipped_like_every_csv(tmp_path: Path, packing: str) -> None:
    """The app's uploader offers .gz and .zip for the centroids, as for every CSV."""
    if packing == "gzip":
        path = tmp_path / "centroids.csv.gz"
        path.write_bytes(gzip.compress(CENTROIDS.encode()))
    else:
        path = tmp_path / "centroids.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("centroids.csv", CENTROIDS)
    table = read_lsoa_centroids(path)
    assert table["code"].tolist() == ["E01000001", "E01000002"]
    assert table["x"].tolist() == [532_000.0, 531_000.0]


def test_a_polygon_file_given_as_centroids_is_an_input_error(tmp_path: Path) -> None:
    """The LSOA GeoJSON in the centroids slot: a message, not a parser's traceback."""
    polygons = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001"]},
        geometry=[shapely.box(450_000, 250_000, 451_000, 251_000)],
        crs=BNG,
    )
    path = tmp_path / "lsoa.geojson"
    polygons.to_file(path)
    with pytest.raises(InputError) as caught:
        read_lsoa_centroids(path)
    assert len(caught.value.problems) == 1  # not one per line of the GeoJSON
    assert "lsoa.geojson: is a JSON file (a GeoJSON?), not a CSV" in str(caught.value)


def test_centroids_with_unreadable_coordinates_name_the_rows(tmp_path: Path) -> None:
    """A centroid that cannot be read is not dropped without a word (its LSOA would move)."""
    path = tmp_path / "centroids.csv"
    path.write_text(CENTROIDS + "E01000003,C,,,abc,180000\nE01000004,D,,,,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_lsoa_centroids(path)
    text = str(caught.value)
    assert "row 4 (E01000003)" in text and "'abc'" in text
    assert "row 5 (E01000004)" in text


def test_a_centroid_given_twice_is_named(tmp_path: Path) -> None:
    path = tmp_path / "centroids.csv"
    path.write_text(CENTROIDS + "E01000001,A,-0.09,51.52,532001,181001\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"row 4 \(E01000001\): LSOA E01000001 appears on rows 2, 4"
    ):
        read_lsoa_centroids(path)


def test_a_registrations_file_with_a_header_only_is_refused(tmp_path: Path) -> None:
    """A download cut short after its header: every practice would silently fall back."""
    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv"
    path.write_text(PUBLISHED.splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="has a header but no rows"):
        read_lsoa_registrations(path)


def test_a_copy_saved_from_a_spreadsheet_reads_its_counts_and_ends(tmp_path: Path) -> None:
    """Excel writes "1,234" with a thousands separator, 7.0 from a formula and ",,," lines
    at the end: each was an error ('not a whole number'), while the practices file's list
    sizes read them."""
    path = tmp_path / "registrations.csv"
    path.write_text(
        "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\n"
        'A81001,THE DENSHAM SURGERY,E01011959,"1,234"\n'
        "A81001,THE DENSHAM SURGERY,E01012012,7.0\n"
        "A81002,QUEENS PARK,E01011959,40\n"
        ",,,\n,,,\n",
        encoding="utf-8",
    )
    registered = read_lsoa_registrations(path)
    assert registered.counts["patients"].tolist() == [1234, 7, 40]
    assert registered.totals.to_dict() == {"A81001": 1241, "A81002": 40}
    # a blank row inside the table is passed over too; a count that is no count still errs
    path.write_text(
        "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\n"
        'A81001,X,E01011959,5\n,,,\nA81001,X,E01012012,7.5\nA81002,Y,E01011959,"1,2345"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_lsoa_registrations(path)
    assert [p.row for p in caught.value.problems] == [4, 5]


def test_centroids_given_as_the_lsoa_boundaries_point_to_their_option(tmp_path: Path) -> None:
    """The ONS centroids CSV given to --lsoa-boundaries was 'a table rather than a boundary
    file?' with no word of --lsoa-centroids, the option that takes it."""
    centroids = tmp_path / "lsoa_centroids.csv"
    centroids.write_text(
        "lsoa11cd,lsoa11nm,lon,lat,easting,northing\n"
        "E01000001,City of London 001A,-0.0972,51.5181,532150,181615\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_lsoa_boundaries(centroids)
    text = str(caught.value)
    assert "is a table of LSOA points" in text
    assert "give this file with --lsoa-centroids" in text


def test_practices_without_all_rows_are_counted_as_male_plus_female(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A file joining the all-persons rows with male and female ones, where some practices
    have no ALL rows: those practices were dropped (no homes at all), silently."""
    path = tmp_path / "registrations.csv"
    path.write_text(
        "PRACTICE_CODE,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
        "A81001,E01011959,ALL,7\n"
        "A81001,E01011959,MALE,3\n"
        "A81001,E01011959,FEMALE,4\n"
        "A81002,E01011959,MALE,20\n"
        "A81002,E01011959,FEMALE,25\n"
        "A81002,E01012012,FEMALE,1\n",
        encoding="utf-8",
    )
    registered = read_lsoa_registrations(path)
    assert registered.totals.to_dict() == {"A81001": 7, "A81002": 46}
    assert registered.counts.to_dict("records") == [
        {"practice": "A81001", "lsoa": "E01011959", "patients": 7},
        {"practice": "A81002", "lsoa": "E01011959", "patients": 45},
        {"practice": "A81002", "lsoa": "E01012012", "patients": 1},
    ]
    assert "1 practice has no SEX = ALL rows (A81002)" in caplog.text


def test_a_space_inside_an_lsoa_or_practice_code_is_removed_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """'E01 011959' was no English LSOA: its patients were counted as having no LSOA and
    placed nowhere; 'A81 002' was a stranger to the practices file."""
    path = tmp_path / "registrations.csv"
    path.write_text(
        "PRACTICE_CODE,LSOA_CODE,NUMBER_OF_PATIENTS\n"
        "A81001,E01011959,7\n"
        "A81001,E01 012012,2\n"
        "A81 002,E01011959,40\n",
        encoding="utf-8",
    )
    registered = read_lsoa_registrations(path)
    assert registered.counts.to_dict("records") == [
        {"practice": "A81001", "lsoa": "E01011959", "patients": 7},
        {"practice": "A81001", "lsoa": "E01012012", "patients": 2},
        {"practice": "A81002", "lsoa": "E01011959", "patients": 40},
    ]
    assert registered.unplaced_rows == 0
    assert "1 LSOA code has a space inside ('E01 012012' on row 3)" in caplog.text
    assert "1 practice code has a space inside ('A81 002' on row 4)" in caplog.text


def test_a_workbook_is_named_as_one_not_as_a_zip_without_a_csv(tmp_path: Path) -> None:
    """An .xlsx saved from the CSV was refused as 'the archive should hold one CSV of
    registrations by LSOA (found none)': the user had given no archive."""
    path = tmp_path / "registrations.xlsx"
    pd.read_csv(io.StringIO(FOUR_COLUMNS)).to_excel(path, index=False)
    with pytest.raises(InputError) as caught:
        read_lsoa_registrations(path)
    text = str(caught.value)
    assert "is an Excel workbook, not a CSV" in text and "archive" not in text
    assert "save the sheet as 'CSV UTF-8 (comma delimited)'" in text


@pytest.mark.parametrize("label", ["TOTAL", "Total", "Grand Total", "All"])
def test_a_row_of_sums_is_left_out_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, label: str
) -> None:
    """A file summed in a spreadsheet ends with 'TOTAL,,,N': it was read as a practice
    called TOTAL, whose N patients (every patient again) had no LSOA."""
    path = tmp_path / "registrations.csv"
    path.write_text(FOUR_COLUMNS + f"{label},,,9\n", encoding="utf-8")
    registered = read_lsoa_registrations(path)
    assert registered.totals.to_dict() == {"A81001": 9}
    assert (registered.unplaced_rows, registered.unplaced_patients) == (0, 0)
    assert f"1 row of sums, not of a practice ('{label}' on row 4), left out" in caplog.text


def test_rows_with_no_lsoa_are_named_by_the_codes_the_file_holds(tmp_path: Path) -> None:
    """A file of 2021 LSOAs was said to set aside rows 'with no LSOA (NO2011 or blank)'.

    Files from the 2021 Census LSOAs on write other codes for patients with no LSOA (and
    'CLOSED' since the move to PDS); the summary named a code the file does not hold.
    """
    path = tmp_path / "lsoa-2021.csv"
    path.write_text(
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01APR2025,A81001,THE DENSHAM SURGERY,E01035001,ALL,70\n"
        "GP_PRAC_PAT_LIST,01APR2025,A81001,THE DENSHAM SURGERY,NO2021,ALL,4\n"
        "GP_PRAC_PAT_LIST,01APR2025,A81002,QUEENS PARK,E01035001,ALL,40\n"
        "GP_PRAC_PAT_LIST,01APR2025,A81002,QUEENS PARK,CLOSED,ALL,3\n",
        encoding="utf-8",
    )
    registered = read_lsoa_registrations(path)
    described = registered.describe()
    assert "7 in 2 rows with no LSOA (CLOSED or NO2021)" in described
    assert "NO2011" not in described
    assert registered.unplaced_codes == ("CLOSED", "NO2021")
    blank = tmp_path / "blank.csv"
    blank.write_text(FOUR_COLUMNS + "A81001,THE DENSHAM SURGERY,,5\n", encoding="utf-8")
    assert "5 in 1 row with no LSOA (blank)" in read_lsoa_registrations(blank).describe()


@pytest.mark.parametrize("column", ["LSOA_2021_CODE", "LSOA21_CODE", "LSOA21CD", "lsoa_2011_code"])
def test_an_lsoa_column_named_with_its_census_year_is_read(tmp_path: Path, column: str) -> None:
    """ONS writes the census year into the LSOA column's name (``LSOA_2021_CODE``): such a
    file was refused with 'no column for lsoa'."""
    path = tmp_path / "registrations.csv"
    path.write_text(FOUR_COLUMNS.replace("LSOA_CODE", column), encoding="utf-8")
    assert read_lsoa_registrations(path).counts["lsoa"].tolist() == ["E01011959", "E01012012"]
    centroids = tmp_path / "centroids.csv"
    centroids.write_text(f"{column},easting,northing\nE01011959,500,400\n", encoding="utf-8")
    assert read_lsoa_centroids(centroids)["code"].tolist() == ["E01011959"]
