"""Zip archives of boundary files, checked before GDAL opens them.

Member paths that escape the folder (a "zip slip") are refused, as is an archive larger,
unzipped, than :func:`footprints.io.input_size_limit` allows, or one holding no layer.
A ``.zip`` path or ``zip://archive.zip!layer.shp`` names a layer inside an archive.
"""

from __future__ import annotations

import re
import zipfile

from footprints.errors import InputError, Problem
from footprints.io.tables import PathLike, _check_size


def _vsi_path(path: PathLike) -> str:
    text = str(path)
    if text.startswith("zip://"):
        inner = text[len("zip://") :]
        archive, _, member = inner.partition("!")
        return f"/vsizip/{archive}" + (f"/{member}" if member else "")
    if text.lower().endswith(".zip"):
        return f"/vsizip/{text}"
    return text


def _archive_path(path: PathLike) -> str:
    text = str(path)
    if text.startswith("zip://"):
        text = text[len("zip://") :].partition("!")[0]
    return text


_LAYER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".gml", ".kml", ".fgb", ".tab", ".mif")


def _escapes(member: str) -> bool:
    """Whether an archive member's path would land outside the folder it is unzipped in."""
    posix = member.replace("\\", "/")
    return posix.startswith("/") or bool(re.match(r"[A-Za-z]:", posix)) or ".." in posix.split("/")


def _check_archive(archive: str, source: str) -> None:
    """Refuse a zip that is corrupt, escapes its folder, unzips too large or holds no layer."""
    try:
        with zipfile.ZipFile(archive) as opened:
            members = opened.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise InputError(
            [
                Problem(
                    source,
                    f"is not a readable zip archive ({error})",
                    "zip the shapefile's files (.shp, .shx, .dbf, .prj) again",
                )
            ]
        ) from None
    escaping = [m.filename for m in members if _escapes(m.filename)]
    if escaping:
        raise InputError(
            [
                Problem(
                    source,
                    "refused: the archive has member paths that point outside its folder "
                    f"({', '.join(repr(n) for n in escaping[:5])}), as a 'zip slip' attack does",
                    "zip the files themselves, without '..' or absolute paths",
                )
            ]
        )
    _check_size(sum(m.file_size for m in members), source, what="the archive unzipped")
    if not any(m.filename.lower().endswith(_LAYER_SUFFIXES) for m in members):
        names = ", ".join(m.filename for m in members[:10]) or "nothing"
        raise InputError(
            [
                Problem(
                    source,
                    f"the archive holds no boundary layer (found: {names})",
                    "zip a shapefile (.shp with its .shx, .dbf, .prj), a GeoJSON or a GeoPackage",
                )
            ]
        )
