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


def test_whole_number_eastings_missing_a_northing_fall_back_to_lat_long(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py: an int64 easting column refused the projected easting."""
    path = tmp_path / "lookup.csv"
    path.write_text("pcds,lat,long,easting\r\nTS18 1HU,50.000000,0.000000,90000\r\n")
    lookup = read_postcode_lookup(path)
    assert lookup["easting"].iloc[0] == pytest.approx(543_429.3, abs=0.1)
