"""Reading tabular files: encodings, existence, separators, size limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprints.errors import InputError
from footprints.io import (
    INPUT_LIMIT_ENV,
    MAX_TABLE_BYTES,
    TABLE_LIMIT_ENV,
    input_size_limit,
    max_table_bytes,
    read_postcode_lookup,
    read_practices,
    table_size_limit,
)
from footprints.io.tables import _delimiter


def test_read_practices_latin1_fallback(test_data: Path) -> None:
    practices = read_practices(test_data / "practices_latin1.csv")
    assert practices["name"].iloc[0] == "Café Surgery"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_practices(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("text", "separator"),
    [("a,b;c\n", ","), ("a;b;c\n", ";"), ("a\tb\n", "\t"), ("a|b\n", "|"), ("abc\n", ",")],
)
def test_the_first_line_sets_the_separator(text: str, separator: str) -> None:
    assert _delimiter(text, "test.csv") == separator


# ---- the size of a table read whole -------------------------------------------------------

ENGLAND_ROW = "A81001,The Densham Surgery,4111,54.5616,-1.3190\n"


def _sparse_practices(path: Path, megabytes: int) -> Path:
    """A practices CSV that stat() says is ``megabytes`` long (sparse: no disk used)."""
    path.write_text("code,name,list_size,lat,lon\n" + ENGLAND_ROW)
    with open(path, "r+b") as handle:
        handle.truncate(megabytes * 1024**2)
    return path


def test_an_oversized_practices_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 150 MB practices file (all of England's is 2 MB) peaked at 5.6 GB: now never read."""
    path = _sparse_practices(tmp_path / "practices_150mb.csv", 150)

    def unread(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", unread)
    with pytest.raises(InputError) as caught:
        read_practices(path)
    message = str(caught.value)
    assert "is 150.0 MB, over the 32.0 MB limit for a table read whole into memory" in message
    assert "--max-table-mb N" in message and "FOOTPRINTS_MAX_TABLE_MB=N" in message
    assert MAX_TABLE_BYTES == 32 * 1024**2


def test_the_table_limit_is_raised_by_the_environment_or_in_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "practices.csv"
    path.write_text("code,name,list_size,lat,lon\n" + ENGLAND_ROW)
    size = path.stat().st_size
    with table_size_limit(size - 1), pytest.raises(InputError, match="limit for a table"):
        read_practices(path)
    monkeypatch.setenv(TABLE_LIMIT_ENV, str((size - 1) / 1024**2))
    assert max_table_bytes() == size - 1
    with pytest.raises(InputError, match="limit for a table"):
        read_practices(path)
    with table_size_limit(size):  # Python's own limit wins over the environment
        assert len(read_practices(path)) == 1
    monkeypatch.setenv(TABLE_LIMIT_ENV, "1")
    assert len(read_practices(path)) == 1


@pytest.mark.parametrize("value", ["lots", "0", "-5", "nan", "inf"])
@pytest.mark.parametrize("variable", [TABLE_LIMIT_ENV, INPUT_LIMIT_ENV])
def test_a_bad_limit_in_the_environment_is_named(
    variable: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "practices.csv"
    path.write_text("code,name,list_size,lat,lon\n" + ENGLAND_ROW)
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError) as caught:
        read_practices(path)
    assert f"environment variable {variable}: {value!r} is not a size in megabytes" in str(
        caught.value
    )


def test_a_postcode_lookup_is_not_a_table_read_whole(tmp_path: Path) -> None:
    """A lookup may cover all of England (Code-Point Open: about 100 MB): only the input limit."""
    path = tmp_path / "postcodes.csv"
    path.write_text("postcode,easting,northing\nTS18 1HU,444000,518000\n")
    with table_size_limit(10):
        assert len(read_postcode_lookup(path)) == 1
    with input_size_limit(10), pytest.raises(InputError, match="limit for one input"):
        read_postcode_lookup(path)


@pytest.mark.parametrize(
    ("members", "said"),
    [
        ({}, "the archive is empty: it should hold one CSV"),
        (
            {"README.txt": "hello", "plan.geojson": "{}"},
            "the archive holds no CSV (found: README.txt, plan.geojson): it should hold one CSV",
        ),
    ],
)
def test_a_zip_holding_no_csv_says_what_it_holds(
    tmp_path: Path, members: dict[str, str], said: str
) -> None:
    """An empty zip was 'contains NUL bytes: it is not a text CSV (a binary file, or UTF-16
    ...)'; a zip of other files 'is an Excel workbook or a zip archive, not a CSV — save the
    sheet as CSV'."""
    import zipfile

    from footprints.io import read_practices

    path = tmp_path / "practices.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    with pytest.raises(InputError) as caught:
        read_practices(path)
    message = str(caught.value)
    assert f"practices.zip: {said} — give the CSV itself, or a zip holding only it" in message
    assert "NUL" not in message and "Excel" not in message


@pytest.mark.parametrize("packing", ["gz", "zip"])
def test_a_packed_table_over_the_table_limit_names_the_table_limits_option(
    tmp_path: Path, packing: str
) -> None:
    """A gzipped registrations file given as the plan (36 MB unpacked) was refused as 'more
    than the 32.0 MB limit for one input', with --max-input-mb as the fix: that option
    raises the 512 MB input limit and left the file refused."""
    import gzip
    import zipfile

    from footprints.io import read_plan

    text = "practice_code,network_id\n" + "".join(f"P{i:05d},N1\n" for i in range(200))
    path = tmp_path / f"plan.csv.{packing}"
    if packing == "gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("plan.csv", text)
    assert path.stat().st_size < 2_000 < len(text)
    with table_size_limit(2_000), pytest.raises(InputError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert "unpacks to more than the 2,000 bytes limit for a table read whole" in message
    assert "--max-table-mb N" in message and "--max-input-mb" not in message
    with input_size_limit(2_000), pytest.raises(InputError) as caught:
        read_postcode_lookup(path)  # not a table: the input limit, named as before
    assert "limit for one input" in str(caught.value) and "--max-input-mb N" in str(caught.value)
