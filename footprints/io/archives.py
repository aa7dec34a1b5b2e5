"""Zip archives of boundary files, checked and unzipped before GDAL opens them.

Member paths that escape the folder (a "zip slip") are refused, as is an archive larger,
unzipped, than :func:`footprints.io.input_size_limit` allows, or one holding no layer. The
sizes an archive's headers state are checked first, and then the bytes actually unzipped:
:func:`unzipped` unzips the members itself into a temporary folder, counting every byte and
stopping at the limit, and GDAL reads the files there. A member holding more than its
header says (a zip bomb that lies about its size, which GDAL's own ``/vsizip/`` reader would
unpack in full) is refused as soon as the lie shows. A ``.zip`` path or
``zip://archive.zip!layer.shp`` names a layer inside an archive. A gzipped layer
(``ccg.geojson.gz``) is unpacked the same way, within the same limit.
"""

from __future__ import annotations

import gzip
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from footprints.errors import InputError, Problem
from footprints.io.tables import PathLike, _bounded_chunks, _check_size, max_input_bytes


def _archive_path(path: PathLike) -> str:
    text = str(path)
    if text.startswith("zip://"):
        text = text[len("zip://") :].partition("!")[0]
    return text


def _member_path(path: PathLike) -> str | None:
    """Return the member ``zip://archive.zip!member`` names, else ``None``."""
    text = str(path)
    if text.startswith("zip://"):
        return text[len("zip://") :].partition("!")[2] or None
    return None


_LAYER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg", ".gml", ".kml", ".fgb", ".tab", ".mif")


def _escapes(member: str) -> bool:
    """Whether an archive member's path would land outside the folder it is unzipped in."""
    posix = member.replace("\\", "/")
    return posix.startswith("/") or bool(re.match(r"[A-Za-z]:", posix)) or ".." in posix.split("/")


def _is_gzipped(path: PathLike) -> bool:
    """Whether ``path`` is a gzipped file (``ccg.geojson.gz``), by its first bytes."""
    file = Path(str(path))
    if str(path).startswith("zip://") or not file.is_file():
        return False
    with file.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _gunzip(path: Path, folder: Path, source: str) -> str:
    """Unpack a gzipped layer into ``folder``, counting its bytes against the input limit."""
    name = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name
    target = folder / (name if Path(name).suffix else f"{name}.geojson")
    try:
        with gzip.open(path, "rb") as stream, target.open("wb") as out:
            for chunk in _bounded_chunks(
                stream, source, limit=max_input_bytes(), what="unpacks to"
            ):
                out.write(chunk)
    except (OSError, EOFError) as error:
        raise InputError(
            [Problem(source, f"cannot be unpacked ({error})", "download the file again")]
        ) from None
    return str(target)


def _is_archive(path: PathLike) -> bool:
    """Whether ``path`` names a zip archive (a ``.zip`` file, or ``zip://…``)."""
    archive = _archive_path(path)
    return archive.lower().endswith(".zip") and not Path(archive).is_dir()


def _check_archive(archive: str, source: str) -> list[zipfile.ZipInfo]:
    """Return a zip's members; refuse one that is corrupt, escapes, is too large or has no layer.

    The sizes checked here are the ones the headers state; :func:`_unzip` counts the bytes.
    """
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
    return members


def _unzip(archive: str, members: list[zipfile.ZipInfo], folder: Path, source: str) -> None:
    """Unzip ``members`` into ``folder``, counting the bytes that come out against the limit.

    Python's reader stops each member at the size its header states and then checks the
    member's CRC, so a member holding more than its header says fails there; the count
    stops at the limit whatever the headers say.
    """
    limit = max_input_bytes()
    stated = sum(m.file_size for m in members)
    unzipped = 0
    with zipfile.ZipFile(archive) as opened:
        for member in members:
            if member.is_dir():
                continue
            target = folder.joinpath(*PurePosixPath(member.filename.replace("\\", "/")).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with opened.open(member) as data, open(target, "wb") as out:
                    for chunk in _bounded_chunks(
                        data,
                        source,
                        limit=limit,
                        counted=unzipped,
                        what=f"the archive unzipped (its headers say {stated:,} bytes) runs to",
                    ):
                        out.write(chunk)
                        unzipped += len(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise InputError(
                    [
                        Problem(
                            source,
                            f"member {member.filename!r} is damaged or holds more than its "
                            f"header's {member.file_size:,} bytes ({error}): refused, as a zip "
                            "bomb that lies about its size would be",
                            "zip the boundary files again (or download the archive again)",
                        )
                    ]
                ) from None
            except (RuntimeError, NotImplementedError) as error:  # encrypted, or a method
                raise InputError(
                    [
                        Problem(
                            source,
                            f"member {member.filename!r} cannot be unzipped ({error})",
                            "zip the files again without a password, with the usual "
                            "'deflate' compression",
                        )
                    ]
                ) from None


def _layer_target(path: PathLike, folder: Path, members: list[zipfile.ZipInfo]) -> str:
    """Return the file (or folder of shapefiles) GDAL should open among the unzipped members."""
    named = _member_path(path)
    if named is not None:
        return str(folder.joinpath(*PurePosixPath(named).parts))
    layers = sorted(
        m.filename.replace("\\", "/")
        for m in members
        if not m.is_dir() and m.filename.lower().endswith(_LAYER_SUFFIXES)
    )
    shapefiles = [name for name in layers if name.lower().endswith(".shp")]
    parents = {str(PurePosixPath(name).parent) for name in shapefiles}
    if len(shapefiles) > 1 and len(shapefiles) == len(layers) and len(parents) == 1:
        return str(folder.joinpath(*PurePosixPath(parents.pop()).parts))  # a shapefile folder
    return str(folder.joinpath(*PurePosixPath(layers[0]).parts))


@contextmanager
def unzipped(path: PathLike, source: str) -> Iterator[str]:
    """Give the path GDAL should read for ``path``: itself, or a zip's layer unzipped.

    A zip archive (``.zip``, or ``zip://archive.zip!member``) is checked
    (:func:`_check_archive`) and unzipped into a temporary folder, removed afterwards,
    counting the bytes unzipped against :func:`footprints.io.input_size_limit`.

    Raises
    ------
    InputError
        For an archive that is damaged, escapes its folder, holds no layer, unzips beyond the
        limit, or holds more than its headers say.
    """
    if _is_gzipped(path):
        with tempfile.TemporaryDirectory(prefix="footprints-gunzipped-") as folder:
            yield _gunzip(Path(path), Path(folder), source)
        return
    if not _is_archive(path):
        yield str(path)
        return
    archive = _archive_path(path)
    members = _check_archive(archive, source)
    with tempfile.TemporaryDirectory(prefix="footprints-unzipped-") as folder:
        _unzip(archive, members, Path(folder), source)
        yield _layer_target(path, Path(folder), members)
