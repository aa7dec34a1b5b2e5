"""What a cell's text means: numbers and their separators."""

from __future__ import annotations

import re

import pytest

from footprints.io.cells import AmbiguousNumberError, _parse_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12345", 12345.0),
        ("12,345", 12345.0),
        ("12 345", 12345.0),
        ("1,234,567", 1234567.0),
        ("30,000", 30000.0),
        ("54.500", 54.5),  # a decimal, where whole numbers are not expected (a latitude)
        ("444123.5", 444123.5),
    ],
)
def test_numbers_read_thousands_separators(text: str, number: float) -> None:
    assert _parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "whole", "reading"),
    [
        ("30,000.5", False, "a thousands separator beside a decimal point"),
        ("1,234,567.5", False, "a thousands separator beside a decimal point"),
        ("30 000.5", True, "a thousands separator beside a decimal point"),
        ("30.000", True, "30 or 30,000?"),
        ("1.234.567", True, "1.234.567"),  # not a number at all: float() says so
        ("4.111", True, "4.111 or 4,111?"),
    ],
)
def test_numbers_with_separators_read_two_ways_are_refused(
    text: str, whole: bool, reading: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(reading)) as caught:
        _parse_number(text, whole=whole)
    assert isinstance(caught.value, AmbiguousNumberError) == (reading != text)


def test_a_dot_in_a_whole_number_is_read_where_it_cannot_be_a_thousands_separator() -> None:
    assert _parse_number("4111.0", whole=True) == 4111.0  # four digits before the dot
    assert _parse_number("30.00", whole=True) == 30.0  # two after it
    assert _parse_number("30.000") == 30.0  # not a whole-number column


@pytest.mark.parametrize("text", ["54,5", "1,2345", "12,345 678", "inf", "NaN", "about 4000"])
def test_numbers_refuse_decimal_commas_and_non_finite_values(text: str) -> None:
    with pytest.raises(ValueError):
        _parse_number(text)


def test_an_empty_cell_is_no_number() -> None:
    assert _parse_number("  ") is None
