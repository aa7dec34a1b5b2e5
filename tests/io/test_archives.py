"""Zip archives: member paths that escape the folder, the bytes actually unzipped, the layer read.

The corpus (tests/data/bad) holds the archives that must be refused: a zip slip, a small zip
bomb whose headers say so, and one whose headers lie about its size.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyogrio
import pytest

from footprints.errors import InputError
from footprints.io import input_size_limit, read_boundaries
from footprints.io.archives import _archive_path, _check_archive, _escapes, _layer_target, _unzip

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


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


def test_zip_paths_name_the_archive() -> None:
    assert _archive_path("zip://a/b.zip!layer.shp") == "a/b.zip"
    assert _archive_path("a/b.ZIP") == "a/b.ZIP"


def _members(*names: str) -> list[zipfile.ZipInfo]:
    return [zipfile.ZipInfo(name) for name in names]


@pytest.mark.parametrize(
    ("path", "names", "target"),
    [
        ("ccg.zip", ["ccg.geojson", "README.txt"], "ccg.geojson"),
        ("ccg.zip", ["in/ccg.shp", "in/ccg.shx", "in/ccg.dbf", "in/ccg.prj"], "in/ccg.shp"),
        ("ccg.zip", ["x/a.shp", "x/a.dbf", "x/b.shp", "x/b.dbf"], "x"),  # a shapefile folder
        ("ccg.zip", ["b.geojson", "a.gpkg"], "a.gpkg"),  # the first, by name
        ("zip://ccg.zip!x/b.shp", ["x/a.shp", "x/b.shp"], "x/b.shp"),  # the one named
    ],
)
def test_the_layer_read_among_the_members(
    path: str, names: list[str], target: str, tmp_path: Path
) -> None:
    assert _layer_target(path, tmp_path, _members(*names)) == str(tmp_path / target)


def test_a_zip_whose_headers_understate_its_size_is_stopped_while_unzipping() -> None:
    """GDAL's own reader unpacks all of it; footprints stops where the header's size ends."""
    lying = BAD / "boundaries_zip_lying_sizes.zip"
    with zipfile.ZipFile(lying) as archive:
        [member] = archive.infolist()
    assert member.file_size == 1_000  # what the headers say
    assert pyogrio.read_info(f"/vsizip/{lying}/ccg.geojson")["features"] == 1  # 200 KB read
    with input_size_limit(50_000), pytest.raises(InputError) as caught:
        read_boundaries(lying)
    message = str(caught.value)
    assert "member 'ccg.geojson' is damaged or holds more than its header's 1,000 bytes" in message


def test_the_bytes_unzipped_are_counted_against_the_limit(tmp_path: Path) -> None:
    """Whatever the headers say, unzipping stops once the bytes read pass the limit."""
    bomb = BAD / "boundaries_zip_bomb_small.zip"
    members = _check_archive(str(bomb), bomb.name)  # the stated sizes, within the default
    assert sum(m.file_size for m in members) > 200_000
    with input_size_limit(50_000), pytest.raises(InputError) as caught:
        _unzip(str(bomb), members, tmp_path, bomb.name)
    assert "runs to more than the 50,000 bytes limit for one input" in str(caught.value)
    written = sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file())
    assert written <= 50_000


def test_a_zipped_layer_is_read_from_the_unzipped_copy(test_data: Path) -> None:
    layer = read_boundaries(test_data / "boundaries_subicb_no_prj.zip")
    assert len(layer) > 0
    named = read_boundaries(f"zip://{test_data / 'boundaries_subicb_no_prj.zip'}!subicb.shp")
    assert named["code"].tolist() == layer["code"].tolist()
