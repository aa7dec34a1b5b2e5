"""The generic practices CSV: one row per practice, located by lat/lon, BNG or postcode.

Per row, easting/northing is used when given, else lat/lon, else the postcode (with a
postcode lookup). A postcode the lookup lacks (mistyped, or newer than the lookup) is placed
at the centre of its postcode sector when the lookup has that sector, with a warning naming
the row; otherwise it is an error. Coordinates outside England, lat/lon that look swapped,
and degrees given as metres (or metres as degrees) are errors naming the row. The PCN code ``U``
("Unallocated") is NHS Digital's placeholder for a practice in no network: it is read as no
network (``None``).
"""

from __future__ import annotations

import csv
import gzip
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from footprints.crs import BNG, ENGLAND_BNG_BOUNDS, ENGLAND_LATLON_BOUNDS, WGS84
from footprints.errors import InputError, MissingColumnError, Problem, ProblemLog
from footprints.io.cells import (
    UNALLOCATED_NETWORK,
    AmbiguousNumberError,
    _ambiguous,
    _check_code,
    _duplicates,
    _is_blank,
    _optional_code,
    _optional_network,
    _parse_list_size,
    _parse_number,
    _practice_code,
    _skipped_blank_rows,
)
from footprints.io.columns import (
    _PRACTICE_FIELDS,
    _normalise_name,
    _resolve_columns,
    _tier_matches,
    column_choices,
)
from footprints.io.postcodes import _postcode_table, _sector, _sector_centres, normalise_postcode
from footprints.io.tables import (
    _EXCEL,
    PathLike,
    _drop_trailing_blank_rows,
    _read_csv,
    _read_excel_sheets,
    _refuse_header_below,
    _require_path,
    _strip_cells,
)

__all__ = [
    "POSTCODE_LOOKUP",
    "PRACTICE_COLUMNS",
    "PRACTICE_COLUMN_OPTION",
    "PRACTICE_FIELDS",
    "practice_column_choices",
    "practices_name_field",
    "read_practices",
]

logger = logging.getLogger(__name__)

_SITE_COLUMNS = {"lat", "lon", "latitude", "longitude", "easting", "northing", "postcode"}
"""Column names (normalised) that locate a practice: a table with none of them is no
practices file."""


PRACTICE_COLUMN_OPTION = "--practice-column"
"""The command line's option naming a practices file's column (``--practice-column FIELD=COLUMN``).

The loader's messages name it beside Python's ``columns=``.
"""
POSTCODE_LOOKUP = (
    "(Code-Point Open or the ONSPD: --postcodes on the command line, postcodes= in Python)"
)
"""How the messages say to give a postcode lookup; the app words it as it takes none."""
PRACTICE_FIELDS = tuple(f.name for f in _PRACTICE_FIELDS)
"""The fields a practices file's columns are read as (``code``, ``name``, ``list_size`` …)."""

PRACTICE_COLUMNS = ["code", "name", "list_size", "ccg", "stp", "patch", "network", "geometry"]


def _in_box(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _check_bng(
    easting: float, northing: float, log: ProblemLog, *, row: int | None, code: str
) -> bool:
    if _in_box(easting, northing, ENGLAND_BNG_BOUNDS):
        return True
    if abs(easting) <= 180 and abs(northing) <= 90:
        log.error(
            f"easting/northing {easting:g}, {northing:g} look like longitude/latitude degrees, "
            "not metres",
            "put degrees in lon/lat columns, or give British National Grid metres",
            row=row,
            code=code,
        )
    else:
        log.error(
            f"easting/northing {easting:,.0f}, {northing:,.0f} is outside England",
            "footprints plans English practices only: correct the coordinates or drop the row",
            row=row,
            code=code,
        )
    return False


def _check_latlon(lat: float, lon: float, log: ProblemLog, *, row: int | None, code: str) -> bool:
    min_lat, min_lon, max_lat, max_lon = ENGLAND_LATLON_BOUNDS
    if min_lat <= lat <= max_lat and min_lon <= lon <= max_lon:
        return True
    if min_lat <= lon <= max_lat and min_lon <= lat <= max_lon:
        log.error(
            f"lat {lat:g}, lon {lon:g} look swapped: swapping them puts the practice in England",
            "swap the lat and lon values",
            row=row,
            code=code,
        )
    elif abs(lat) > 90 or abs(lon) > 180:
        log.error(
            f"lat/lon {lat:g}, {lon:g} are not degrees (they look like metres)",
            "put British National Grid metres in easting/northing columns",
            row=row,
            code=code,
        )
    else:
        log.error(
            f"lat {lat:g}, lon {lon:g} is outside England",
            "footprints plans English practices only: correct the coordinates or drop the row",
            row=row,
            code=code,
        )
    return False


def _pair(
    record: Mapping[str, str],
    first: str,
    second: str,
    log: ProblemLog,
    *,
    row: int | None,
    code: str,
    headers: Mapping[str, str | None] | None = None,
) -> tuple[float, float] | None:
    """Two coordinates from a row: None when both are empty or unreadable (logged).

    ``headers`` maps ``first`` and ``second`` to the file's column names, for messages.
    """
    a_text, b_text = record.get(first, ""), record.get(second, "")
    if not a_text and not b_text:
        return None
    values: list[float | None] = []
    for field, text in ((first, a_text), (second, b_text)):
        try:
            values.append(_parse_number(text))
        except AmbiguousNumberError as error:
            column = (headers or {}).get(field) or field
            log.error(
                _ambiguous(field, text, column, error),
                f"write {field} without thousands separators (e.g. 412345.5)",
                row=row,
                code=code,
            )
            return None
        except ValueError:
            hint = (
                " (a comma is read only as a thousands separator)" if "," in a_text + b_text else ""
            )
            log.error(
                f"{first}/{second} {a_text!r}, {b_text!r} are not numbers{hint}",
                f"give {first} and {second} as numbers",
                row=row,
                code=code,
            )
            return None
    a, b = values
    if a is None or b is None:
        empty = first if a is None else second
        log.error(
            f"{empty} is empty while {second if a is None else first} is given",
            f"give both {first} and {second}",
            row=row,
            code=code,
        )
        return None
    return a, b


def _practices_from_frame(
    frame: pd.DataFrame,
    columns: Mapping[str, str | None],
    *,
    source: str,
    postcodes: PathLike | pd.DataFrame | None,
    first_row: int | None = 2,
) -> gpd.GeoDataFrame:
    """Build the canonical practices table from string cells; raise every problem at once.

    ``first_row`` is the file row of the frame's first row; ``None`` for a table joined from
    several files (:func:`~footprints.io.assemble_practices`), whose problems name the
    practice code and no row (its rows are no file's).
    """
    log = ProblemLog(source, logger)
    has_bng = columns.get("easting") is not None and columns.get("northing") is not None
    has_latlon = columns.get("lat") is not None and columns.get("lon") is not None
    has_postcode = columns.get("postcode") is not None
    if not (has_bng or has_latlon or has_postcode):
        raise MissingColumnError(
            f"{source}: no location columns. Columns found: {', '.join(map(str, frame.columns))}."
            " Give lat,lon (EPSG:4326) or easting,northing (EPSG:27700) or postcode with a "
            f"postcode lookup {POSTCODE_LOOKUP}."
        )
    lookup: dict[str, tuple[float, float]] | None = None
    if postcodes is not None:
        lookup = _postcode_table(postcodes)
    elif has_postcode and not (has_bng or has_latlon):
        raise InputError(
            [
                Problem(
                    source,
                    "the practices are located by postcode but no postcode lookup was given",
                    f"give a postcode lookup {POSTCODE_LOOKUP}, or add lat,lon or "
                    "easting,northing columns",
                )
            ]
        )
    sectors: dict[str, tuple[float, float, int]] = {}

    def sector_centres() -> Mapping[str, tuple[float, float, int]]:
        """Return the lookup's sector centres, computed at the first postcode it lacks."""
        if not sectors and lookup:
            sectors.update(_sector_centres(lookup))
        return sectors

    rename = {column: name for name, column in columns.items() if column is not None}
    records: list[dict[str, str]] = [
        {str(k): str(v) for k, v in record.items()}
        for record in frame[list(rename)].rename(columns=rename).to_dict("records")
    ]

    codes: list[str] = []
    names: list[str] = []
    sizes: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    latlon_rows: list[int] = []  # positions in xs/ys holding lon/lat to transform
    optional: dict[str, list[str | None]] = {k: [] for k in ("ccg", "stp", "patch", "network")}
    unallocated = 0
    row_codes: list[str] = []  # one per row, "" for none: the duplicates' row numbers
    blank_rows: list[int] = []  # passed over, with one warning
    unlocated: list[tuple[int | None, str, int | None]] = []  # no coordinates, no postcode
    for offset, record in enumerate(records):
        row = None if first_row is None else offset + first_row
        code = _practice_code(record.get("code", ""), log, row=row)
        row_codes.append(code)
        if not code:
            if _is_blank(record):
                blank_rows.append(offset + (first_row or 0))
            else:
                log.error("the practice code is empty", "give every row an ODS code", row=row)
            continue
        _check_code(code, log, row=row)
        size = _parse_list_size(
            str(record.get("list_size", "")),
            log,
            row=row,
            code=code,
            column=columns.get("list_size"),
        )
        if not any(record.get(k) for k in _LOCATION_FIELDS):
            unlocated.append((row, code, size))  # left out, with one warning, if others are placed
            continue
        point = _locate(
            record,
            log,
            row=row,
            code=code,
            lookup=lookup,
            headers=columns,
            sectors=sector_centres,
        )
        if size is None or point is None:
            codes.append(code)  # still counted for duplicate checks
            continue
        codes.append(code)
        names.append(str(record.get("name", "")) or code)
        sizes.append(size)
        xs.append(point[0])
        ys.append(point[1])
        if point[2]:
            latlon_rows.append(len(xs) - 1)
        for key in ("ccg", "stp", "patch"):
            optional[key].append(_optional_code(record.get(key)))
        network = _optional_network(record.get("network"))
        if network is None and _optional_code(record.get("network")) == UNALLOCATED_NETWORK:
            unallocated += 1
        optional["network"].append(network)
    # by row: a row without a code shifted the rows named for the duplicates below it
    _duplicates(row_codes, log, what="practice code", first_row=first_row)
    if first_row is not None:
        _skipped_blank_rows(blank_rows, log, what="practice")
    if len(blank_rows) == len(records):
        log.error("has a header but no practice rows", "give one row per practice")
    _leave_out_unlocated(unlocated, log, placed=len(sizes), postcode=has_postcode)
    log.raise_if_errors()

    if latlon_rows:
        to_bng = Transformer.from_crs(WGS84, BNG, always_xy=True)
        lon = np.array([xs[i] for i in latlon_rows])
        lat = np.array([ys[i] for i in latlon_rows])
        east, north = to_bng.transform(lon, lat)
        for i, e, n in zip(latlon_rows, east, north, strict=True):
            xs[i], ys[i] = float(e), float(n)
    data: dict[str, Any] = {"code": pd.Series(codes, dtype="str")}  # no row was dropped
    data["name"] = pd.Series(names, dtype="str")
    data["list_size"] = pd.Series(sizes, dtype="int64")
    for key, values in optional.items():
        data[key] = pd.Series(values, dtype=object)
    practices = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(xs, ys), crs=BNG)
    practices = practices[PRACTICE_COLUMNS]
    practices.attrs["source"] = source
    practices.attrs["unlocated"] = tuple(code for _, code, _ in unlocated)
    logger.info(
        "%s: %d practices, %s patients (%d by lat/lon, %d by easting/northing or postcode)%s",
        source,
        len(practices),
        f"{int(practices['list_size'].sum()):,}",
        len(latlon_rows),
        len(practices) - len(latlon_rows),
        f"; {unallocated} 'U' (unallocated) networks read as none" if unallocated else "",
    )
    return practices


_LOCATION_FIELDS = ("easting", "northing", "lat", "lon", "postcode")
_TOTAL_CODES = {"TOTAL", "TOTALS", "GRANDTOTAL", "SUM", "ALL"}
"""Codes (spaces removed) of a spreadsheet's total row: with no site, no practice."""


def _leave_out_unlocated(
    unlocated: list[tuple[int | None, str, int | None]],
    log: ProblemLog,
    *,
    placed: int,
    postcode: bool,
) -> None:
    """Leave out the practices with no location at all, with one warning naming them.

    A practice with no coordinates and no postcode cannot be placed on the map; one such row
    stopped an all-England run. It is left out (in no network) when other practices are
    placed; when none is, the file's locations are missing and each row is an error.
    """
    totals = [entry for entry in unlocated if entry[1] in _TOTAL_CODES]
    for row, code, size in totals:  # a spreadsheet's total row: no practice, nothing lost
        log.warn(
            f"the row {code}"
            + (f" ({size:,} patients)" if size is not None else "")
            + " looks like a spreadsheet total, not a practice: passed over",
            "nothing to do; delete the total row to keep the file tidy",
            row=row,
            code=code,
        )
    unlocated = [entry for entry in unlocated if entry[1] not in _TOTAL_CODES]
    if not unlocated:
        return
    what = "no coordinates" + (" and no postcode" if postcode else "")
    fix = "give lat,lon or easting,northing" + (
        ", or a postcode with a postcode lookup" if postcode else ""
    )
    many = len(unlocated) != 1
    if not placed:
        for row, code, _ in unlocated:
            log.error(f"the practice has {what}", fix, row=row, code=code)
        return
    count = len(unlocated)
    patients = sum(size or 0 for _, _, size in unlocated)
    shown = ", ".join(
        f"row {row} ({code})" if row is not None else code for row, code, _ in unlocated[:5]
    ) + (f" and {count - 5:,} more" if count > 5 else "")
    log.warn(
        f"{count:,} practice{'s have' if count != 1 else ' has'} {what} and cannot be placed: "
        f"{shown}; {'they are' if count != 1 else 'it is'} left out of the plan ({patients:,} "
        "patients in no network)",
        f"{fix.replace('give', 'give each' if many else 'give it', 1)} to place "
        f"{'them' if many else 'it'} in a network",
    )


def _locate(
    record: Mapping[str, str],
    log: ProblemLog,
    *,
    row: int | None,
    code: str,
    lookup: dict[str, tuple[float, float]] | None,
    headers: Mapping[str, str | None] | None = None,
    sectors: Callable[[], Mapping[str, tuple[float, float, int]]] | None = None,
) -> tuple[float, float, bool] | None:
    """(x, y, is_lonlat) for a row, from easting/northing, else lat/lon, else postcode.

    A postcode the lookup lacks (mistyped in epraccur, ``LA14 2IB``; or newer than the
    lookup) is placed at the centre of its postcode sector, when the lookup has the sector
    (``sectors``), with a warning: one such practice stopped a whole run.
    """
    bng = _pair(record, "easting", "northing", log, row=row, code=code, headers=headers)
    if bng is not None:
        return (*bng, False) if _check_bng(*bng, log, row=row, code=code) else None
    latlon = _pair(record, "lat", "lon", log, row=row, code=code, headers=headers)
    if latlon is not None:
        lat, lon = latlon
        return (lon, lat, True) if _check_latlon(lat, lon, log, row=row, code=code) else None
    if any(record.get(k) for k in ("easting", "northing", "lat", "lon")):
        return None  # a half-filled pair, already reported
    postcode = str(record.get("postcode", ""))
    if postcode and lookup is not None:
        normal = normalise_postcode(postcode)
        found = lookup.get(normal)
        sector = _sector(normal)
        centre = sectors().get(sector) if found is None and sector and sectors else None
        if centre is not None and sector is not None:
            x, y, count = centre
            log.warn(
                f"postcode {postcode!r} is not in the postcode lookup; the practice is placed at "
                f"the centre of its postcode sector {sector[:-1]} {sector[-1]} ({count:,} "
                f"postcode{'s' if count != 1 else ''} in the lookup)",
                "correct the postcode, or give lat,lon or easting,northing for this practice",
                row=row,
                code=code,
            )
            found = (x, y)
        if found is None:
            log.error(
                f"postcode {postcode!r} is not in the postcode lookup",
                "correct the postcode, or give lat,lon or easting,northing for this practice",
                row=row,
                code=code,
            )
            return None
        return (*found, False) if _check_bng(*found, log, row=row, code=code) else None
    if postcode:  # other rows have coordinates, so no lookup was asked for
        log.error(
            f"the practice has no coordinates, and its postcode {postcode!r} needs a postcode "
            "lookup to be placed",
            f"give its lat,lon or easting,northing, or a postcode lookup {POSTCODE_LOOKUP}",
            row=row,
            code=code,
        )
        return None
    log.error(
        "the practice has no coordinates" + (" and no postcode" if "postcode" in record else ""),
        "give lat,lon or easting,northing, or a postcode with a postcode lookup",
        row=row,
        code=code,
    )
    return None


_REQUIRED = ("code", "name", "list_size")
"""The fields every practices file has."""


def _has_practice_columns(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name a code, a name and a list size, as the reader finds them."""
    by_normal = {_normalise_name(c): str(c) for c in columns}
    fields = {f.name: f for f in _PRACTICE_FIELDS}
    return all(
        any(_tier_matches(tier, by_normal) for tier in fields[name].tiers) for name in _REQUIRED
    )


def _read_practice_table(path: PathLike) -> tuple[pd.DataFrame, str]:
    """Read the practices file's cells as stripped strings, and the source its messages name.

    A CSV, or a workbook's first sheet with the practices' columns: a download often opens
    with a sheet of notes or contents, which is passed over (the source names the sheet read
    when the workbook has several).
    """
    source = str(path)
    if Path(path).suffix.lower() not in _EXCEL:
        try:
            return _read_csv(path), source
        except InputError:
            _refuse_by_header(path, source)  # a large file of another kind: say which
            raise
    sheets = {
        name: _drop_trailing_blank_rows(_strip_cells(frame))
        for name, frame in _read_excel_sheets(path).items()
    }
    if not sheets:
        raise InputError(
            [Problem(source, "the workbook has no sheet", "save the practices in its first sheet")]
        )
    if len(sheets) == 1:
        return next(iter(sheets.values())), source
    for name, frame in sheets.items():
        if _has_practice_columns(frame.columns):
            if name != next(iter(sheets)):
                logger.info("%s: read sheet %r, the first with the practices' columns", path, name)
            return frame, f"{source}, sheet {name!r}"
    first = next(iter(sheets))
    named = ", ".join(repr(name) for name in sheets)
    return sheets[first], f"{source}, sheet {first!r} (of {named}: none has the practices' columns)"


def practice_column_choices(path: PathLike) -> dict[str, list[str]]:
    """Return the fields that several columns of a practices file could be, with the columns.

    ``practices_2021.csv`` as published has two list sizes (``list_size_2021_01_gpreg``
    and ``list_size_2021_01_qof``): ``{"list_size": [both]}``. Pass the one meant to
    :func:`read_practices` as ``columns={"list_size": ...}``.
    """
    return column_choices(_read_practice_table(path)[0].columns, _PRACTICE_FIELDS)


def practices_name_field(path: PathLike, field_name: str) -> bool:
    """Whether the practices file has a column the reader takes as ``field_name`` (``"stp"``).

    Read from the file's columns alone, as :func:`read_practices` resolves them: the checks
    that an option can be met (``--level upper`` needs each practice's STP) run before the
    slow reads of a whole region. Raises :class:`InputError` as the read would.
    """
    by_normal = {_normalise_name(c): str(c) for c in _read_practice_table(path)[0].columns}
    (field_,) = [f for f in _PRACTICE_FIELDS if f.name == field_name]
    return any(_tier_matches(tier, by_normal) for tier in field_.tiers)


def read_practices(
    path: PathLike,
    *,
    postcodes: PathLike | pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read the generic practices CSV into the canonical practices table.

    Parameters
    ----------
    path
        CSV (or an Excel workbook: its first sheet with these columns) with
        ``code,name,list_size`` and a location (``lat,lon``; ``easting,northing``; or
        ``postcode``), optionally ``ccg,stp,patch,network``. Unambiguous aliases are
        accepted (``practice_code``, ``ORG_CODE``, ``NUMBER_OF_PATIENTS``,
        ``list_size_2020_01``, ``pcn_code``, ``ccg20_ons_code`` …) and the mapping is logged.
        Per row, easting/northing is used when given, else lat/lon, else the postcode.
    postcodes
        A postcode lookup (path or DataFrame, see :func:`read_postcode_lookup`) for rows
        located only by postcode.
    columns
        Explicit mapping from canonical field to column, e.g. ``{"ccg": "ccg20_code"}``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code, name, list_size, ccg, stp, patch, network, geometry`` in EPSG:27700.

    Raises
    ------
    MissingColumnError
        When code, name, list_size or every location column is absent.
    InputError
        Listing every bad row (duplicate codes, bad list sizes, missing or non-English
        coordinates, swapped lat/lon, unknown postcodes).
    """
    _require_path(path, "path", "read_practices")
    frame, source = _read_practice_table(path)
    if columns is None:
        _refuse_a_plan_file(frame, source)
        _refuse_a_published_file(frame, source)
        _refuse_header_below(frame, source, _has_practice_columns)
    resolved = _resolve_columns(
        frame,
        _PRACTICE_FIELDS,
        source=source,
        required=("code", "name", "list_size"),
        overrides=columns,
        option=PRACTICE_COLUMN_OPTION,
    )
    return _practices_from_frame(frame, resolved, source=source, postcodes=postcodes)


_JOIN = (
    "join the published files (epraccur, the list sizes, a postcode lookup such as Code-Point "
    "Open, and the ePCN file) into one practices file with footprints.io.assemble_practices, "
    "as the guide 'Your own area' (docs/your-own-area.md, section 2) shows"
)
_PUBLISHED = (
    (
        {"org_code", "status_code", "prescribing_setting"},
        "NHS Digital's epraccur (GP practices: names, postcodes, status)",
        f"it has no list sizes and no coordinates: {_JOIN}",
    ),
    (
        {"code", "sex", "age", "number_of_patients"},
        "NHS Digital's practice totals file (gp-reg-pat-prac-all.csv: list sizes)",
        f"it has no practice names and no coordinates: {_JOIN}",
    ),
    (
        {"practice_code", "pcn_ods_code", "ccg_ods_code"},
        "the QOF 'mapping NHS geographies' file (practice → PCN, CCG, STP)",
        f"it has no list sizes and no coordinates: {_JOIN}",
    ),
    (
        {"practice_code", "lsoa_code", "number_of_patients"},
        "NHS Digital's LSOA registrations file (where each practice's patients live)",
        "give it as the registrations (--registrations) with the LSOA boundaries, and here "
        "the practices with their list sizes and sites",
    ),
)
"""Published files one may give as the practices file: their columns, name, and the fix."""


def _refuse_by_header(path: PathLike, source: str) -> None:
    """Refuse a CSV of another kind by its first line alone, as a whole file would be.

    The LSOA registrations file (36 MB) given as the practices was refused for its size,
    with advice to raise the limit, only to be refused for its kind once read.
    """
    try:
        with (gzip.open if Path(path).suffix.lower() == ".gz" else open)(path, "rb") as stream:
            line = stream.readline(1 << 16)
        text = line.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
        return
    text = next(iter(text.splitlines()), "")  # a lone \r ends a line too
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        cells = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:  # the whole read says what is wrong with the file
        return
    frame = pd.DataFrame(columns=[c.strip() for c in cells])
    _refuse_a_plan_file(frame, source)
    _refuse_a_published_file(frame, source)


def _refuse_a_published_file(frame: pd.DataFrame, source: str) -> None:
    """Say so when the practices file is one of the published files it is built from.

    epraccur, the list sizes and the QOF mapping each hold a part of a practices file; the
    message names the file and the way to join them (``assemble_practices``). A headerless
    epraccur (as published) has a practice code for its first column's name.
    """
    normal = {_normalise_name(c) for c in frame.columns}
    if _has_practice_columns(frame.columns) and normal & _SITE_COLUMNS:
        return  # a published file with list sizes and sites added is a practices file
    first = str(frame.columns[0]) if len(frame.columns) else ""
    found = next(((what, fix) for names, what, fix in _PUBLISHED if names <= normal), None)
    if found is None and len(frame.columns) >= 20 and re.fullmatch(r"[A-Z]\d{5}", first):
        found = _PUBLISHED[0][1] + ", without its header", _PUBLISHED[0][2]
    if found is not None:
        what, fix = found
        raise MissingColumnError(f"{source}: this looks like {what}, not a practices file; {fix}")


def _refuse_a_plan_file(frame: pd.DataFrame, source: str) -> None:
    """Say so when the practices file is a plan (an ePCN or plan CSV): a file in the wrong slot.

    Such a file names practices and networks but gives no list sizes or sites, so the
    practices cannot be read from it; the message says where it goes instead.
    """
    normal = {_normalise_name(c) for c in frame.columns}
    epcn = "partner_organisation_code" in normal
    plan = {"practice_code", "network_id"} <= normal and not normal & _SITE_COLUMNS
    if epcn or plan:
        kind = "an ePCN file (PCN membership)" if epcn else "a plan (practice → network)"
        raise MissingColumnError(
            f"{source}: this looks like {kind}, not a practices file: load it as the current "
            "plan instead, and give here the practices with their list sizes and sites "
            "(code, name, list size, and latitude/longitude, easting/northing or postcode)"
        )
