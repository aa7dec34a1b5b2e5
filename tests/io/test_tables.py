"""Reading tabular files: encodings, existence, cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprints.errors import InputError
from footprints.io import read_practices
from footprints.io.tables import _delimiter, _parse_number


def test_read_practices_latin1_fallback(test_data: Path) -> None:
    practices = read_practices(test_data / "practices_latin1.csv")
    assert practices["name"].iloc[0] == "Café Surgery"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_practices(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("text", "number"),
    [("12345", 12345.0), ("12,345", 12345.0), ("12 345", 12345.0), ("1,234,567.5", 1234567.5)],
)
def test_numbers_read_thousands_separators(text: str, number: float) -> None:
    assert _parse_number(text) == number


@pytest.mark.parametrize("text", ["54,5", "1,2345", "12,345 678", "inf", "NaN", "about 4000"])
def test_numbers_refuse_decimal_commas_and_non_finite_values(text: str) -> None:
    with pytest.raises(ValueError):
        _parse_number(text)


def test_an_empty_cell_is_no_number() -> None:
    assert _parse_number("  ") is None


@pytest.mark.parametrize(
    ("text", "separator"),
    [("a,b;c\n", ","), ("a;b;c\n", ";"), ("a\tb\n", "\t"), ("a|b\n", "|"), ("abc\n", ",")],
)
def test_the_first_line_sets_the_separator(text: str, separator: str) -> None:
    assert _delimiter(text, "test.csv") == separator
