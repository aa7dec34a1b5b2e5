"""Zip archives: member paths that escape the folder, and the shapefile fixture."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from footprints.io.archives import _archive_path, _escapes, _vsi_path


def test_zip_fixture_is_a_shapefile(test_data: Path) -> None:
    with zipfile.ZipFile(test_data / "boundaries_subicb_no_prj.zip") as archive:
        assert "subicb.prj" not in archive.namelist()


@pytest.mark.parametrize(
    ("member", "escapes"),
    [
        ("subicb.shp", False),
        ("folder/subicb.shp", False),
        ("../subicb.shp", True),
        ("folder/../../subicb.shp", True),
        ("/etc/subicb.shp", True),
        ("C:/subicb.shp", True),
        ("..\\subicb.shp", True),
    ],
)
def test_member_paths_that_escape_the_folder(member: str, escapes: bool) -> None:
    assert _escapes(member) is escapes


def test_zip_paths_name_the_archive_and_its_layer() -> None:
    assert _vsi_path("zip://a/b.zip!layer.shp") == "/vsizip/a/b.zip/layer.shp"
    assert _vsi_path("a/b.ZIP") == "/vsizip/a/b.ZIP"
    assert _vsi_path("a/b.geojson") == "a/b.geojson"
    assert _archive_path("zip://a/b.zip!layer.shp") == "a/b.zip"
