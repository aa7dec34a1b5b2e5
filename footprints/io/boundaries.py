"""Boundary and patch layers: any file pyogrio reads, in British National Grid.

Files that GDAL or GEOS cannot read, or whose CRS puts them outside England, are errors; a
file with no CRS is read as EPSG:27700 or EPSG:4326 by the look of its coordinates, with a
warning. The code column is detected by the planning level (``CCG20CD``, ``SICBL23CD`` …).
Invalid polygons are repaired with a warning; empty geometries and duplicate codes are
errors.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import pyproj.exceptions
import shapely
import shapely.errors

from footprints.crs import BNG, ENGLAND_BNG_BOUNDS, ENGLAND_LATLON_BOUNDS, WGS84
from footprints.errors import InputError, MissingColumnError, Problem, ProblemLog, did_you_mean
from footprints.io.archives import _archive_path, unzipped
from footprints.io.cells import _optional_code, _optional_name
from footprints.io.tables import PathLike, _check_exists, _require_path

__all__ = [
    "BOUNDARY_COLUMNS",
    "names_upper_areas",
    "read_boundaries",
    "read_patches",
]

logger = logging.getLogger(__name__)


BOUNDARY_COLUMNS = ["code", "ods_code", "name", "parent", "geometry"]
_LEVEL_PREFIXES = {
    "ccg": ("ccg", "sicbl", "subicb", "loc"),
    "stp": ("stp", "icb", "ics"),
    "region": ("nhser",),
    "patch": ("patch", "lad", "msoa", "lsoa", "wd", "ward"),
    "lsoa": ("lsoa",),
}
_PARENT_PREFIXES = {"ccg": ("stp", "icb", "ics"), "stp": ("nhser",)}


_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)


# --------------------------------------------------------------------------------------------
# Reading a layer with pyogrio, and its CRS
# --------------------------------------------------------------------------------------------


def _readable_fields(target: str, layer: str, log: ProblemLog) -> list[str]:
    """Return the layer's fields pyogrio can read; report the others and leave them out."""
    readable: list[str] = []
    for field_name in (str(f) for f in pyogrio.read_info(target, layer=layer)["fields"]):
        try:
            pyogrio.read_dataframe(target, layer=layer, columns=[field_name], read_geometry=False)
        except (ValueError, TypeError):
            log.warn(
                f"the column {field_name!r} cannot be read (nested or mixed values); it is ignored",
                "store the column as text, or remove it",
            )
            continue
        readable.append(field_name)
    return readable


def _undecodable_geometries(target: str, layer: str) -> dict[int, str]:
    """Position → reason, for the features whose geometry GEOS cannot build (a one-point ring)."""
    wkb = pyogrio.raw.read(target, layer=layer, columns=[])[2]
    reasons: dict[int, str] = {}
    for position, blob in enumerate(wkb):
        if blob is None:
            continue
        try:
            shapely.from_wkb(blob)
        except shapely.errors.GEOSException as error:
            reasons[position] = str(error).split(": ", 1)[-1].strip()
    return reasons


_NOT_RECOGNIZED = "not recognized as being in a supported file format"


def _what_the_file_is(target: str) -> str | None:
    """Say what a file GDAL recognises no format in is, from its first bytes, if it can tell.

    GDAL's own words were '... not recognized as being in a supported file format.; It might
    help to specify the correct driver explicitly by prefixing the file path with
    '<DRIVER>:', e.g. 'CSV:path'.', of an empty upload or a practices CSV in the boundaries'
    place: advice no user of footprints can follow.
    """
    try:
        if Path(target).stat().st_size == 0:
            return "the file is empty (0 bytes)"
        with open(target, "rb") as stream:
            start = stream.read(4096)
    except OSError:
        return None
    text = start.decode("utf-8-sig", errors="replace")
    line = next(iter(text.splitlines()), "").strip()
    if not line.startswith(("{", "[", "<")) and ("," in line or ";" in line or "\t" in line):
        return f"it is a table, not polygons (its first line is {line[:100]!r})"
    if "<html" in text[:1024].lower() or "<!doctype html" in text[:1024].lower():
        return "it is a web page (HTML), an error or sign-in page saved in place of the file"
    if line.startswith(("{", "[")):
        return "its text is not whole GeoJSON: it stops early or has no features"
    return "its bytes are in no map format GDAL knows"


def _unreadable(source: str, error: Exception, target: str | None = None) -> InputError:
    if Path(source).is_dir():  # GDAL's words: 'not recognized ... prefixing the file path with
        # <DRIVER>:', of a folder holding no shapefile (one unzipped elsewhere, a wrong folder)
        found = sorted(p.name for p in Path(source).iterdir())[:8]
        return InputError(
            [
                Problem(
                    source,
                    "is a folder holding no shapefile (.shp with its .shx, .dbf and .prj)"
                    + (f"; it holds {', '.join(found)}" if found else "; it is empty"),
                    "give the boundary file itself (GeoJSON, GeoPackage or zipped shapefile), "
                    "or the folder of an unzipped shapefile",
                )
            ]
        )
    gdal = re.sub(r"\s+", " ", str(error)).strip()[:300]
    message = f" ({gdal})"
    if _NOT_RECOGNIZED in message and target is not None:
        said = _what_the_file_is(target)
        message = f": {said}" if said is not None else message
    return InputError(
        [
            Problem(
                source,
                f"cannot be read as a boundary file{message}",
                "give a GeoJSON, a GeoPackage or a zipped shapefile (with its .shx, .dbf and .prj)",
            )
        ]
    )


def _read_layer(
    path: PathLike,
    source: str,
    log: ProblemLog,
    *,
    level: str | None = None,
    code_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read the file's layer, turning every GDAL failure into an :class:`InputError`.

    Of several layers (a GeoPackage of CCGs and STPs), the first with ``code_column`` or a
    code column of ``level`` (``CCG20CD`` for ``"ccg"``) is read, else the first.
    """
    archive = _archive_path(path)
    if not Path(archive).is_dir():  # a folder of shapefiles is a GDAL dataset too
        _check_exists(archive, source)
    with unzipped(path, source) as target:
        return _read_target(target, source, log, level=level, code_column=code_column)


def _layer_of_level(
    target: str, names: list[str], level: str | None, code_column: str | None
) -> str | None:
    """Return the first of the layers ``names`` with the level's code column, if any."""
    prefixes = _LEVEL_PREFIXES.get(level or "", ())
    for name in names:
        fields = [str(f).lower() for f in pyogrio.read_info(target, layer=name)["fields"]]
        if code_column is not None:
            if code_column.lower() in fields:
                return name
        elif any(
            re.fullmatch(r"[a-z]+\d{0,2}cd", f) and re.sub(r"\d*cd$", "", f) in prefixes
            for f in fields
        ):
            return name
    return None


def _read_target(
    target: str, source: str, log: ProblemLog, *, level: str | None, code_column: str | None
) -> gpd.GeoDataFrame:
    """Read the layer of ``target``, a file or folder GDAL opens, as :func:`_read_layer`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layers = pyogrio.list_layers(target)
            if len(layers) == 0:
                raise InputError(
                    [Problem(source, "has no layers", "give a file with the boundary polygons")]
                )
            layer = str(layers[0][0])
            names = [str(n) for n in layers[:, 0]]
            chosen = _layer_of_level(target, names, level, code_column) if len(names) > 1 else None
            if chosen is not None:
                layer = chosen
                logger.info("%s: layer %r of %s read", source, layer, ", ".join(names))
            elif len(layers) > 1:
                log.warn(
                    f"the file has {len(layers)} layers "
                    f"({', '.join(str(n) for n in layers[:, 0][:5])}); the first, {layer!r}, "
                    "is read",
                    "give a file with one layer (or zip://archive.zip!layer.shp)",
                )
            try:
                frame = gpd.read_file(target, engine="pyogrio", layer=layer, on_invalid="ignore")
            except (ValueError, TypeError):  # pyogrio fails on some list-valued fields
                columns = _readable_fields(target, layer, log)
                frame = gpd.read_file(
                    target, engine="pyogrio", layer=layer, columns=columns, on_invalid="ignore"
                )
            if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.isna().any():
                frame.attrs["unreadable"] = _undecodable_geometries(target, layer)
        except (*_GDAL_ERRORS, ValueError, TypeError) as error:
            raise _unreadable(source, error, target) from None
    for warning in caught:
        log.warn(f"while reading: {warning.message}", "check the file in a GIS")
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise InputError(
            [
                Problem(
                    source,
                    "has no geometries (is it a table rather than a boundary file?)",
                    "give the boundary polygons as GeoJSON, GeoPackage or a zipped shapefile",
                )
            ]
        )
    if frame.empty:
        raise InputError(
            [Problem(source, "has no features", "give a file with the boundary polygons")]
        )
    return frame


def _guess_crs(frame: gpd.GeoDataFrame, log: ProblemLog) -> gpd.GeoDataFrame:
    """Give a CRS to a file that has none (or wrongly claims lon/lat); then reproject."""
    bounds = frame.total_bounds
    finite = bool(np.isfinite(bounds).all())
    minx, miny, maxx, maxy = (float(b) for b in bounds) if finite else (0.0, 0.0, 0.0, 0.0)
    looks_lonlat = finite and minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    looks_bng = finite and not looks_lonlat and minx >= -1e4 and maxx <= 8e5 and miny >= -1e4
    looks_bng = looks_bng and maxy <= 1.3e6
    if frame.crs is None:
        if looks_bng:
            log.warn(
                "the file has no CRS; its coordinates look like British National Grid metres, "
                "so EPSG:27700 is assumed",
                "save the file with its CRS (e.g. a .prj beside the shapefile)",
            )
            frame = frame.set_crs(BNG)
        elif looks_lonlat:
            log.warn(
                "the file has no CRS; its coordinates look like longitude/latitude, so "
                "EPSG:4326 is assumed",
                "save the file with its CRS (e.g. a .prj beside the shapefile)",
            )
            frame = frame.set_crs(WGS84)
        elif not finite:
            frame = frame.set_crs(BNG)  # no coordinates to judge: the features are reported
        else:
            log.error(
                "the file has no CRS and its coordinates look like neither British National "
                f"Grid metres nor longitude/latitude (bounds {bounds.round(1).tolist()})",
                "save the file with its CRS",
            )
            return frame
    elif frame.crs.is_geographic and looks_bng:
        # GeoJSON states no CRS but longitude/latitude; a GeoPackage or .prj says it wrongly
        geojson = log.source.lower().removesuffix(".zip").endswith((".geojson", ".json"))
        log.warn(
            f"the file says {frame.crs.to_string()}"
            + (" (GeoJSON's default)" if geojson else "")
            + " but its coordinates look like British National Grid metres, so EPSG:27700 is "
            "assumed",
            "save the file with its CRS, or reproject it to longitude/latitude"
            if geojson
            else "set the file's CRS to EPSG:27700 (British National Grid) in a GIS",
        )
        frame = frame.set_crs(BNG, allow_override=True)
    elif frame.crs.is_projected and looks_lonlat and _lonlat_in_england(minx, miny, maxx, maxy):
        log.warn(
            f"the file says {frame.crs.to_string()} but its coordinates look like "
            "longitude/latitude in England (a few units, not metres), so EPSG:4326 is assumed",
            "save the file with its real CRS",
        )
        frame = frame.set_crs(WGS84, allow_override=True)
    said = frame.crs.to_string() if frame.crs is not None else BNG
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # inf from out-of-range points
            projected = frame.to_crs(BNG)
    except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError, ValueError) as error:
        log.error(
            f"its CRS {said} cannot be converted to British National Grid ({error})",
            "save the file in EPSG:27700 or EPSG:4326",
        )
        return frame
    bounds = projected.total_bounds
    if finite and not np.isfinite(bounds).all():
        log.error(
            f"in its CRS ({said}) the coordinates (bounds "
            f"{[round(float(b), 1) for b in frame.total_bounds]}) are out of range: the CRS is "
            "probably wrong",
            "save the file with the CRS its coordinates are really in",
        )
    elif np.isfinite(bounds).all() and not _overlaps_england(bounds):
        log.error(
            f"in its CRS ({said}) the areas lie outside England (British National Grid bounds "
            f"{[round(float(b)) for b in bounds]}): the CRS is probably wrong",
            "save the file with the CRS its coordinates are really in",
        )
    return projected


def _overlaps_england(bounds: Iterable[float]) -> bool:
    """Whether a British National Grid box ``(minx, miny, maxx, maxy)`` meets England's."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    east_min, north_min, east_max, north_max = ENGLAND_BNG_BOUNDS
    return not (maxx < east_min or minx > east_max or maxy < north_min or miny > north_max)


def _lonlat_in_england(minx: float, miny: float, maxx: float, maxy: float) -> bool:
    min_lat, min_lon, max_lat, max_lon = ENGLAND_LATLON_BOUNDS
    return (
        min_lon - 1 <= minx and maxx <= max_lon + 1 and min_lat - 1 <= miny and maxy <= max_lat + 1
    )


# --------------------------------------------------------------------------------------------
# Boundary and patch tables
# --------------------------------------------------------------------------------------------


def _detect_code_column(
    columns: list[str], level: str, source: str, code_column: str | None
) -> str:
    by_lower = {c.lower(): c for c in columns}
    if code_column is not None:
        found = by_lower.get(code_column.lower())
        if found is None:
            raise MissingColumnError(
                f"{source}: the code column {code_column!r} is not in the file"
                f"{did_you_mean(code_column, columns)}; columns found: {', '.join(columns)}"
            )
        return found
    cd_columns = [c for c in columns if re.fullmatch(r"[a-z]+\d{0,2}cd", c.lower())]
    prefixes = _LEVEL_PREFIXES.get(level, ())
    own = [c for c in cd_columns if re.sub(r"\d*cd$", "", c.lower()) in prefixes]
    named = [by_lower[n] for n in (level, "code") if n in by_lower]
    if not named:
        _refuse_another_level(cd_columns, level, source, own=bool(own))
    for candidates in (own, named, cd_columns if len(cd_columns) == 1 else []):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            break
    raise MissingColumnError(
        f"{source}: cannot tell which column holds the {level} codes; columns found: "
        f"{', '.join(columns)}. Accepted: a column named like CCG20CD, STP20CD, SICBL23CD, "
        f"ICB23CD, LAD20CD (case-insensitive) or {level!r}/'code' — or name it with "
        + (
            f"{_LEVEL_OPTIONS[level]} COLUMN (code_column= in Python)"
            if level in _LEVEL_OPTIONS
            else "code_column="
        )
    )


_LEVEL_OPTIONS = {
    "ccg": "--boundary-code",
    "stp": "--stp-boundary-code",
    "patch": "--patch-code",
    "lsoa": "--lsoa-code",
}
"""The command line's option naming each level's code column (``code_column=`` in Python)."""


_LEVEL_WORDS = {
    "ccg": "CCG / sub-ICB boundaries",
    "stp": "STP / ICB boundaries",
    "region": "NHS England regions",
    "patch": "nursing patches",
    "lsoa": "LSOA boundaries",
}
"""Each planning level as the app's file slots name it."""


_UNIT_WORDS = {
    "msoa": "MSOAs, middle layer super output areas of about 8,000 residents",
    "lad": "local authority districts",
    "wd": "electoral wards",
    "ward": "electoral wards",
}
"""Areas that may stand in for nursing patches, as a message names them."""


def _refuse_another_level(cd_columns: list[str], level: str, source: str, *, own: bool) -> None:
    """Say so when a layer is of another planning level: a file in the wrong slot.

    An STP file given as the CCG boundaries (its only code column ``STP20CD``) would
    otherwise be read as CCGs, and a CCG file given as the STPs (it names each CCG's STP)
    as STPs; the message names what the file looks like and where it goes. ``own`` says
    whether a code column of ``level`` itself was found: then only a file of a lower level
    (a CCG file for the STP slot) is refused.
    """
    levels = {
        other: column
        for column in cd_columns
        for other in ("ccg", "stp", "lsoa", "patch", "region")
        if re.sub(r"\d*cd$", "", column.lower()) in _LEVEL_PREFIXES[other]
    }
    if not levels or level not in _LEVEL_WORDS:
        return
    # The lowest level the file describes is what it is (a CCG file also names its STP).
    order = ("lsoa", "patch", "ccg", "stp", "region")
    other = next(o for o in order if o in levels)
    if other == level or (level == "patch" and other == "lsoa"):
        return
    lower = level in order and order.index(other) < order.index(level)
    if own and not (lower and level in ("stp", "region")):
        return
    if level == "lsoa" and other == "patch":  # MSOAs, wards or districts: areas, not patches
        unit = re.sub(r"\d*cd$", "", levels[other].lower())
        raise MissingColumnError(
            f"{source}: this holds {_UNIT_WORDS.get(unit, unit.upper())} (its codes are in "
            f"column {levels[other]}), not LSOAs: the registrations file counts patients by "
            "LSOA (2011 codes E01…); give the ONS LSOA (2011) boundaries here (such a file "
            "may stand in for nursing patches with --patches instead)"
        )
    where = (  # no file slot takes the regions: a network never meets their border alone
        "footprints does not read them (an STP / ICB lies inside one region)"
        if other == "region"
        else f"load it as the {_LEVEL_WORDS[other]} instead"
    )
    raise MissingColumnError(
        f"{source}: this looks like {_LEVEL_WORDS[other]} (its codes are in column "
        f"{levels[other]}), not {_LEVEL_WORDS[level]}: {where}, and give the "
        f"{_LEVEL_WORDS[level]} here"
    )


def _parent_column(columns: list[str], level: str) -> str | None:
    """Return the column naming each area's upper area (``STP20CD`` in a CCG layer), if any."""
    for candidate in columns:
        prefix = re.fullmatch(r"([a-z]+)\d{0,2}cd", candidate.lower())
        if prefix and prefix.group(1) in _PARENT_PREFIXES.get(level, ()):
            return candidate
    return next((c for c in columns if c.lower() == "parent"), None)


def names_upper_areas(path: PathLike) -> bool | None:
    """Whether a CCG boundary file names each CCG's STP / ICB (a column such as ``STP20CD``).

    Read from the file's fields alone, without its polygons; None when that cannot be told
    so (an archive, several layers, a file GDAL cannot open): :func:`read_boundaries` then
    says what it finds.
    """
    if str(path).lower().startswith("zip:") or Path(path).suffix.lower() == ".zip":
        return None
    try:
        if len(pyogrio.list_layers(path)) != 1:
            return None
        fields = [str(f) for f in pyogrio.read_info(path)["fields"]]
    except (*_GDAL_ERRORS, OSError, ValueError):
        return None
    return _parent_column(fields, "ccg") is not None


def read_boundaries(
    path: PathLike, *, code_column: str | None = None, level: str = "ccg"
) -> gpd.GeoDataFrame:
    """Read a boundary layer (GeoJSON, GeoPackage, zipped shapefile) for one planning level.

    Parameters
    ----------
    path
        Anything pyogrio reads; a ``.zip`` path or ``zip://archive.zip!layer.shp`` is read
        inside the archive.
    code_column
        The column holding the area codes; detected when omitted (``CCG20CD``, ``ccg20cd``,
        ``STP20CD``, ``SICBL23CD``, ``ICB23CD``, ``LAD20CD`` … matched to ``level``).
    level
        ``"ccg"`` (lower planning area), ``"stp"`` (upper), ``"region"`` or ``"patch"``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code, ods_code`` (the matching ``…CDH`` column), ``name`` (``…NM``), ``parent``
        (the upper area's code, e.g. ``STP20CD`` in a CCG layer), ``geometry`` (valid
        polygons) in EPSG:27700. A file with no CRS is read as EPSG:27700 or EPSG:4326 by
        the look of its coordinates, with a warning; invalid geometries are repaired with a
        warning; empty geometries and duplicate codes are errors.
    """
    _require_path(path, "path", "read_boundaries")
    source = str(path)
    log = ProblemLog(source, logger)
    frame = _read_layer(path, source, log, level=level, code_column=code_column)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code_col = _detect_code_column(columns, level, source, code_column)
    stem = re.sub(r"cd$", "", code_col, flags=re.IGNORECASE)
    by_lower = {c.lower(): c for c in columns}
    ods_col = by_lower.get(f"{stem}cdh".lower()) or by_lower.get("ods_code")
    name_col = by_lower.get(f"{stem}nm".lower()) or by_lower.get("name")
    parent_col = _parent_column(columns, level)
    logger.info(
        "%s: code←%s, ods_code←%s, name←%s, parent←%s",
        source,
        code_col,
        ods_col,
        name_col,
        parent_col,
    )
    frame = _guess_crs(frame, log)
    log.raise_if_errors()

    codes = [_optional_code(v) for v in frame[code_col]]
    unreadable: dict[int, str] = frame.attrs.get("unreadable", {})
    geometries: list[Any] = []
    for number, (code, geometry) in enumerate(zip(codes, frame.geometry, strict=True), 1):
        label = f"feature {number}" + (f" ({code})" if code else "")
        if code is None:
            log.error(f"{label} has no code in {code_col}", "give every area its code")
        if number - 1 in unreadable:
            log.error(
                f"{label} has a geometry that cannot be built ({unreadable[number - 1]})",
                "fix the polygon in a GIS (a ring needs at least 4 points, first = last)",
                code=code,
            )
            geometries.append(None)
            continue
        polygon = _valid_polygon(geometry, label, log, code=code)
        if polygon is not None and not _overlaps_england(polygon.bounds):
            log.warn(
                f"{label} lies outside England (British National Grid bounds "
                f"{[round(b) for b in polygon.bounds]}); no English practice will be in it",
                "drop areas outside England, or check the feature's coordinates",
                code=code,
            )
        geometries.append(polygon)
    _duplicate_features(codes, log)
    log.raise_if_errors()

    def optional(column: str | None) -> pd.Series:
        if column is None:
            return pd.Series([None] * len(frame), dtype=object)
        return pd.Series([_optional_code(v) for v in frame[column]], dtype=object)

    names = (
        [(_optional_name(v) or c) for v, c in zip(frame[name_col], codes, strict=True)]
        if name_col
        else list(codes)
    )
    boundaries = gpd.GeoDataFrame(
        {
            "code": pd.Series(codes, dtype="str"),
            "ods_code": optional(ods_col),
            "name": pd.Series(names, dtype="str"),
            "parent": optional(parent_col),
        },
        geometry=gpd.GeoSeries(geometries, crs=BNG),
    )
    boundaries.attrs["source"] = source
    logger.info(
        "%s: %d %s areas (%d repaired geometries)",
        source,
        len(boundaries),
        level,
        len(log.warnings),
    )
    return boundaries[BOUNDARY_COLUMNS]


def _valid_polygon(geometry: Any, label: str, log: ProblemLog, *, code: str | None) -> Any:
    if geometry is None or geometry.is_empty:
        log.error(f"{label} has an empty geometry", "give the area its polygon", code=code)
        return None
    if not np.isfinite(shapely.get_coordinates(geometry)).all():
        log.error(
            f"{label} has coordinates that are not finite numbers (NaN or infinite, or beyond "
            "what its CRS can hold)",
            "fix the polygon's coordinates or the file's CRS",
            code=code,
        )
        return None
    if geometry.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(geometry) if not p.is_empty]
        polygons = [p for p in parts if p.geom_type in {"Polygon", "MultiPolygon"}]
        if not polygons:
            kinds = ", ".join(sorted({p.geom_type for p in parts})) or "nothing"
            log.error(
                f"{label} is a GeometryCollection with no polygon in it ({kinds})",
                "give the area as a Polygon or MultiPolygon",
                code=code,
            )
            return None
        log.warn(
            f"{label} is a GeometryCollection; its {len(polygons)} polygon part(s) are used"
            + (
                f" and {len(parts) - len(polygons)} other part(s) dropped"
                if len(parts) > len(polygons)
                else ""
            ),
            "save the area as a Polygon or MultiPolygon",
            code=code,
        )
        geometry = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
    if geometry.geom_type not in {"Polygon", "MultiPolygon"}:
        log.error(
            f"{label} is a {geometry.geom_type}, not a polygon",
            "give the area as a Polygon or MultiPolygon",
            code=code,
        )
        return None
    if geometry.is_valid:
        return geometry
    reason = shapely.is_valid_reason(geometry)
    repaired = shapely.make_valid(geometry)
    polygons = [
        part
        for part in shapely.get_parts(repaired)
        if part.geom_type in {"Polygon", "MultiPolygon"} and not part.is_empty
    ]
    if not polygons:
        log.error(
            f"{label} has an invalid geometry ({reason}) that cannot be repaired into a polygon",
            "fix the polygon in a GIS",
            code=code,
        )
        return None
    fixed = shapely.union_all(polygons)
    log.warn(
        f"{label} had an invalid geometry ({reason}); repaired with make_valid "
        f"(area {geometry.area:,.0f} → {fixed.area:,.0f} m²)",
        "fix the polygon in a GIS to silence this warning",
        code=code,
    )
    return fixed


def _duplicate_features(codes: list[str | None], log: ProblemLog) -> None:
    where: dict[str, list[int]] = {}
    for number, code in enumerate(codes, 1):
        if code:
            where.setdefault(code, []).append(number)
    for code, numbers in where.items():
        if len(numbers) > 1:
            log.error(
                f"code {code} is on features {', '.join(map(str, numbers))}",
                "give one feature per area (dissolve the parts into one MultiPolygon)",
                code=code,
            )


def read_patches(path: PathLike, *, code_column: str | None = None) -> gpd.GeoDataFrame:
    """Read nursing patches (any boundary file); returns ``patch, name, geometry`` (EPSG:27700).

    The code column is detected as in :func:`read_boundaries` (``patch``, ``code``,
    ``LAD20CD``, ``MSOA11CD`` …) or named with ``code_column``.
    """
    boundaries = read_boundaries(path, code_column=code_column, level="patch")
    patches = gpd.GeoDataFrame(
        {"patch": boundaries["code"], "name": boundaries["name"]},
        geometry=boundaries.geometry,
        crs=BNG,
    )
    patches.attrs["source"] = str(path)
    return patches
