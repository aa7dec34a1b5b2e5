"""Postcode lookups: Code-Point Open and ONSPD."""

from __future__ import annotations

from pathlib import Path

import pytest

from footprints.crs import BNG
from footprints.io import normalise_postcode, read_postcode_lookup


def test_normalise_postcode() -> None:
    assert normalise_postcode(" ts18  1hu ") == "TS181HU"


@pytest.mark.parametrize(
    "fixture", ["io_postcodes.csv", "io_postcodes_codepoint_noheader.csv", "io_postcodes_onspd.csv"]
)
def test_read_postcode_lookup(test_data: Path, fixture: str) -> None:
    lookup = read_postcode_lookup(test_data / fixture)
    assert lookup.crs == BNG
    assert list(lookup.columns) == ["postcode", "easting", "northing", "geometry"]
    assert lookup["postcode"].iloc[0] == "TS181HU"
    assert lookup["easting"].iloc[0] == 444136
    assert "ZZ999ZZ" not in set(lookup["postcode"])  # ONSPD's "no grid reference" row
