"""Column aliases: accepted names, preferences, overrides, ambiguity."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from footprints.errors import InputError, MissingColumnError
from footprints.io import read_practices


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


def test_missing_column_lists_found_and_accepted(test_data: Path) -> None:
    with pytest.raises(MissingColumnError) as caught:
        read_practices(test_data / "practices_missing_list_size_column.csv")
    message = str(caught.value)
    assert "no column for list_size" in message
    assert "Columns found: code, name, patients_2020, lat, lon" in message
    assert "number_of_patients" in message
    assert isinstance(caught.value, KeyError)


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
