"""Loaders for the generic practices CSV, the NHS Digital / ONS formats, boundaries and plans.

Every loader returns tables in the canonical shape of ``docs/ARCHITECTURE.md``: codes are
stripped, upper-case strings; geometry is in British National Grid (EPSG:27700); optional
code columns (``ccg``, ``stp``, ``patch``, ``network``, ``ods_code``, ``parent``) hold a
``str`` or ``None`` (object dtype, never ``NaN``). Every problem found in a file is collected
and raised together in one :class:`~footprints.errors.InputError`; a required column that is
absent raises :class:`~footprints.errors.MissingColumnError` listing the columns found and the
names accepted.

Which CCG column wins
    Boundary files key areas by their ONS code (``CCG20CD`` = ``E38…``), so where a practices
    file has several CCG columns the ONS one wins (``ccg20_ons_code`` over ``ccg20_code``),
    then an ODS one (``16C``); :func:`footprints.areas.place_practices` accepts either and
    stores the boundary ``code``. The same holds for STPs (``E54…`` over ``QHM``). Override
    with ``columns={"ccg": "ccg20_code"}``.

The PCN code ``U`` ("Unallocated") is NHS Digital's placeholder for a practice in no network:
it is read as no network (``None``).

What the readers forgive, and what they refuse
    CSVs are read as UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), or
    else Windows-1252/Latin-1, accents intact; a first line with no comma but semicolons or
    tabs sets the separator. Codes are stripped of spaces and invisible characters and
    upper-cased; ``12,345`` is a number but a decimal comma (``54,5``) is an error; trailing
    empty cells and rows (Excel's ``,,,,``) are dropped. Refused, with the row: cells beyond
    the header, an unclosed quote, a repeated or ambiguous header, a code Excel turned into a
    number (``8.1E+04``), a list size that is negative, fractional or over
    :data:`MAX_LIST_SIZE` (0 is a warning). Zips are checked before GDAL opens them: member
    paths that escape the folder are refused, as is anything larger, on disk or unzipped,
    than :func:`input_size_limit` allows (:data:`MAX_INPUT_BYTES` by default). Boundary files
    that GDAL or GEOS cannot read, or whose CRS puts them outside England, are errors.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
from pyproj import Transformer

from footprints.crs import BNG, ENGLAND_BNG_BOUNDS, ENGLAND_LATLON_BOUNDS, WGS84
from footprints.errors import InputError, MissingColumnError, Problem, ProblemLog
from footprints.plan import Plan

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_LIST_SIZE",
    "assemble_practices",
    "input_size_limit",
    "max_input_bytes",
    "normalise_postcode",
    "read_boundaries",
    "read_epcn",
    "read_epraccur",
    "read_gp_reg_pat",
    "read_patches",
    "read_plan",
    "read_postcode_lookup",
    "read_practices",
    "read_qof_mapping",
    "write_plan",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

PRACTICE_COLUMNS = ["code", "name", "list_size", "ccg", "stp", "patch", "network", "geometry"]
BOUNDARY_COLUMNS = ["code", "ods_code", "name", "parent", "geometry"]
UNALLOCATED_NETWORK = "U"
"""NHS Digital's placeholder PCN code for a practice in no network."""

_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")  # Excel's "CSV" on Windows is cp1252

MAX_INPUT_BYTES = 512 * 1024**2
"""Default size limit of one input file (or of an archive's unzipped members): 512 MB."""
_MAX_BYTES: ContextVar[int] = ContextVar("footprints_max_input_bytes", default=MAX_INPUT_BYTES)

MAX_LIST_SIZE = 1_000_000
"""Largest credible list size: England's largest practices have about 100,000 patients."""
_EXCEL = {".xlsx", ".xlsm", ".xls"}


# --------------------------------------------------------------------------------------------
# Column aliases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """A canonical column and the names accepted for it, in tiers of preference.

    Each tier is a tuple of regular expressions matched in full against a normalised column
    name (lower case, runs of other characters turned into ``_``). The first tier with a
    match wins; two different columns matching in that tier are ambiguous.
    """

    name: str
    tiers: tuple[tuple[str, ...], ...]

    def accepted(self) -> str:
        """The accepted names, readable: ``ccg\\d{2}cd`` → ``ccgNNcd``."""
        names = ", ".join(dict.fromkeys(pattern for tier in self.tiers for pattern in tier))
        names = re.sub(r"\\d\{0,2\}|\\d\{2\}", "NN", names)
        names = re.sub(r"\(([^()]*)\)\?", r"[\1]", names)
        return names.replace("\\w+", "*")


_CODE = _Field(
    "code",
    (
        ("code",),
        (
            "practice_code",
            "org_code",
            "organisation_code",
            "practice_ods_code",
            "ods_code",
            "partner_organisation_code",
        ),
    ),
)
_NAME = _Field(
    "name",
    (("name",), ("practice_name", "org_name", "organisation_name", "partner_name")),
)
_LIST_SIZE = _Field(
    "list_size",
    (
        ("list_size",),
        (
            "number_of_patients",
            "list_size_total",
            "total_list_size",
            "registered_patients",
            "patients",
        ),
        (r"list_size_\w+",),
    ),
)
_LAT = _Field("lat", (("lat", "latitude"),))
_LON = _Field("lon", (("lon", "long", "lng", "longitude"),))
_EASTING = _Field("easting", (("easting", "eastings"), ("oseast1m", "x_bng")))
_NORTHING = _Field("northing", (("northing", "northings"), ("osnrth1m", "y_bng")))
_POSTCODE = _Field("postcode", (("postcode", "post_code"), ("pcds", "pcd", "pcd2")))
_CCG = _Field(
    "ccg",
    (
        ("ccg",),
        (
            r"ccg\d{0,2}_ons_code",
            r"ons_ccg\d{0,2}_code",
            r"ccg\d{2}cd",
            r"sub_icb(_location)?_ons_code",
            r"sicbl\d{2}cd",
        ),
        (
            r"ccg\d{0,2}_(ods_)?code",
            r"ccg\d{2}cdh",
            "commissioner",
            r"sub_icb(_location)?(_ods)?_code",
            r"sicbl\d{2}cdh",
        ),
    ),
)
_STP = _Field(
    "stp",
    (
        ("stp", "icb"),
        (
            r"stp\d{0,2}_ons_code",
            r"ons_stp\d{0,2}_code",
            r"stp\d{2}cd",
            r"icb\d{0,2}_ons_code",
            r"icb\d{2}cd",
        ),
        (r"stp\d{0,2}_(ods_)?code", r"stp\d{2}cdh", r"icb\d{0,2}_(ods_)?code", r"icb\d{2}cdh"),
    ),
)
_PATCH = _Field("patch", (("patch",), ("patch_code", "patch_id", "nursing_patch")))
_NETWORK = _Field(
    "network",
    (
        ("network",),
        ("network_id", "network_code", "pcn", "pcn_code", "pcn_ods_code", "pcn_id"),
    ),
)
_NETWORK_NAME = _Field("network_name", (("network_name",), ("pcn_name",)))


def _normalise_name(name: object) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def _resolve_columns(
    frame: pd.DataFrame,
    fields: Iterable[_Field],
    *,
    source: str,
    required: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """Map each canonical field to a column of ``frame`` (or ``None``); log the mapping."""
    fields = list(fields)
    # several columns may share a normalised name ("List Size" and "list_size", or a header
    # that repeats a name, read as "list_size (repeat 2)"): using one is ambiguous
    groups: dict[str, list[str]] = {}
    for original in frame.columns:
        base = re.sub(r" \(repeat \d+\)$", "", str(original))
        groups.setdefault(_normalise_name(base), []).append(str(original))
    by_normal = {normal: originals[0] for normal, originals in groups.items()}
    overrides = dict(overrides or {})
    known = {f.name for f in fields}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"columns= names unknown field(s) {unknown}; the fields are {sorted(known)}"
        )
    found = ", ".join(str(c) for c in frame.columns)
    resolved: dict[str, str | None] = {}
    missing: list[str] = []
    problems: list[Problem] = []
    ambiguous: set[str] = set()
    for field_ in fields:
        if field_.name in overrides:
            wanted = overrides[field_.name]
            column: str | None = (
                wanted if wanted in frame.columns else by_normal.get(_normalise_name(wanted))
            )
            if column is None:
                raise MissingColumnError(
                    f"{source}: the column {wanted!r} given for {field_.name} is not in the "
                    f"file; columns found: {found}"
                )
            resolved[field_.name] = column
            continue
        resolved[field_.name] = None
        for tier in field_.tiers:
            matches = sorted(
                {
                    original
                    for normal, original in by_normal.items()
                    if any(re.fullmatch(pattern, normal) for pattern in tier)
                }
            )
            if len(matches) == 1 and len(groups[_normalise_name(matches[0])]) > 1:
                copies = groups[_normalise_name(matches[0])]
                ambiguous.add(field_.name)
                problems.append(
                    Problem(
                        source,
                        f"the header has {len(copies)} columns that could be {field_.name}: "
                        f"{', '.join(repr(c) for c in copies)}",
                        "delete or rename all but one of them",
                    )
                )
                break
            if len(matches) == 1:
                resolved[field_.name] = matches[0]
                break
            if len(matches) > 1:
                ambiguous.add(field_.name)
                problems.append(
                    Problem(
                        source,
                        f"several columns could be {field_.name}: {', '.join(matches)}",
                        f"pass columns={{{field_.name!r}: {matches[0]!r}}} (or the one you "
                        "mean), or rename the others",
                    )
                )
                break
        if resolved[field_.name] is None and field_.name in set(required) - ambiguous:
            missing.append(field_.name)
    if missing:
        accepted = "; ".join(f"{f.name}: {f.accepted()}" for f in fields if f.name in set(missing))
        raise MissingColumnError(
            f"{source}: no column for {', '.join(missing)}. Columns found: {found}. "
            f"Accepted names (case-insensitive) — {accepted}. Rename a column or pass "
            "columns={field: column}."
        )
    if problems:
        raise InputError(problems)
    used = ", ".join(f"{name}←{column}" for name, column in resolved.items() if column is not None)
    logger.info("%s: columns used: %s", source, used)
    return resolved


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def max_input_bytes() -> int:
    """The largest input file (or unzipped archive) the loaders read, in bytes."""
    return _MAX_BYTES.get()


@contextmanager
def input_size_limit(max_bytes: int) -> Iterator[None]:
    """Within the ``with`` block, refuse input files larger than ``max_bytes``.

    The default is :data:`MAX_INPUT_BYTES`; the app lowers it for uploads. The limit is per
    thread (a :class:`contextvars.ContextVar`), so concurrent sessions do not share it.
    """
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, not {max_bytes}")
    token = _MAX_BYTES.set(int(max_bytes))
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


def _size_text(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB" if size >= 1024**2 else f"{size:,} bytes"


def _check_size(size: int, source: str, *, what: str = "the file") -> None:
    limit = _MAX_BYTES.get()
    if size > limit:
        raise InputError(
            [
                Problem(
                    source,
                    f"{what} is {_size_text(size)}, over the {_size_text(limit)} limit for one "
                    "input",
                    "trim it to the rows and columns needed (e.g. only your region), or raise "
                    "the limit with footprints.io.input_size_limit(max_bytes=...)",
                )
            ]
        )


def _check_exists(path: PathLike, source: str) -> None:
    """The path is a readable file within the size limit, else an :class:`InputError`."""
    file = Path(path)
    if file.is_dir():
        raise InputError(
            [Problem(source, "is a folder, not a file", "give the path of the file inside it")]
        )
    if not file.is_file():
        raise InputError(
            [Problem(source, "file not found", "check the path and the working directory")]
        )
    _check_size(file.stat().st_size, source)


def _decode(data: bytes, source: str) -> str:
    """Text of a CSV: UTF-16 by its BOM, else UTF-8 (BOM or not), else Windows-1252/Latin-1."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            [
                Problem(
                    source,
                    "is an Excel workbook or a zip archive, not a CSV",
                    "save the sheet as 'CSV UTF-8 (comma delimited)', or give the workbook's "
                    "own .xlsx name where an Excel file is accepted",
                )
            ]
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            logger.info("%s: read as UTF-16 (Excel 'Unicode text')", source)
            return text
    text = data.decode("latin-1")  # decodes any bytes; the last resort
    for encoding in _ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != _ENCODINGS[0]:
            logger.info("%s: not UTF-8; read as %s", source, encoding)
        break
    if "\x00" in text:
        raise InputError(
            [
                Problem(
                    source,
                    "contains NUL bytes: it is not a text CSV (a binary file, or UTF-16 "
                    "without its byte-order mark)",
                    "save it as 'CSV UTF-8 (comma delimited)'",
                )
            ]
        )
    return text


def _delimiter(text: str, source: str) -> str:
    """``,`` unless the first line has none but has ``;``, tab or ``|`` (European Excel)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first:
        return ","
    counts = {sep: first.count(sep) for sep in (";", "\t", "|")}
    sep = max(counts, key=lambda s: counts[s])
    if counts[sep] == 0:
        return ","
    logger.info("%s: no commas in the first line; read as %r-separated", source, sep)
    return sep


def _parse_rows(text: str, sep: str, source: str) -> pd.DataFrame:
    """All cells as strings, one row per record (blank records kept, so row numbers hold)."""
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise InputError(
            [Problem(source, "the file is empty", "give a CSV with a header row")]
        ) from None
    except pd.errors.ParserError as error:
        opened = re.search(r"EOF inside string starting at row (\d+)", str(error))
        if opened:
            raise InputError(
                [
                    Problem(
                        source,
                        'a quote (") opens a cell that is never closed',
                        'close the quote, or remove it (a quote inside a cell is written "")',
                        row=int(opened.group(1)) + 1,
                    )
                ]
            ) from None
    # ragged rows: read with the csv module and report every row longer than the first
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))
    except csv.Error as error:
        raise InputError(
            [Problem(source, f"cannot be read as CSV ({error})", "save it again as CSV UTF-8")]
        ) from None
    width = len(rows[0]) if rows else 0
    log = ProblemLog(source, logger)
    for number, cells in enumerate(rows, 1):
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            log.error(
                f"the row has {len(cells)} cells but the first row has {width} "
                f"(extra: {', '.join(repr(c[:40]) for c in extra[:3])})",
                f'quote cells that contain the separator {sep!r} (as in "12,345"), or '
                "remove the extra cells",
                row=number,
            )
        del cells[width:]
        cells.extend([""] * (width - len(cells)))
    log.raise_if_errors()
    return pd.DataFrame(rows, dtype=object)


def _with_header(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Make the first row the header: blank names become ``(blank column N)``, a repeated
    name ``NAME (repeat K)`` (so that a repeated column a loader needs is reported)."""
    if frame.empty:
        raise InputError([Problem(source, "the file is empty", "give a CSV with a header row")])
    header = [re.sub(r"\s+", " ", str(v)).strip() for v in frame.iloc[0].tolist()]
    if not any(header):
        raise InputError(
            [
                Problem(
                    source,
                    "the first row (the header) is blank",
                    "delete the blank rows above the header",
                    row=1,
                )
            ]
        )
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, name in enumerate(header, 1):
        if not name:
            name = f"(blank column {position})"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} (repeat {seen[name]})")
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = pd.Index(names, dtype=object)
    return body


def _drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the all-empty rows at the end (Excel's ``,,,,`` lines); inner ones keep numbers."""
    filled = (frame != "").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    return frame.iloc[:last]


def _read_csv(path: PathLike, *, header: bool = True) -> pd.DataFrame:
    """Read a CSV as stripped strings ('' for empty cells).

    UTF-8 (with or without BOM) first, then Windows-1252 / Latin-1; semicolon- or
    tab-separated files are detected. With ``header`` the first row names the columns (see
    :func:`_with_header`); without, columns are numbered from 0.
    """
    source = str(path)
    _check_exists(path, source)
    text = _decode(Path(path).read_bytes(), source)
    frame = _strip_cells(_parse_rows(text, _delimiter(text, source), source))
    if header:
        frame = _with_header(frame, source)
    return _drop_trailing_blank_rows(frame)


def _strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    if all(isinstance(c, str) for c in frame.columns):
        frame.columns = [re.sub(r"\s+", " ", c).strip() for c in frame.columns]
    return frame


def _read_excel_sheets(path: PathLike) -> dict[str, pd.DataFrame]:
    source = str(path)
    _check_exists(path, source)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except Exception as error:  # openpyxl raises zipfile, KeyError, XML and its own errors
        raise InputError(
            [
                Problem(
                    source,
                    f"cannot be read as an Excel workbook ({type(error).__name__}: {error})",
                    "open it in Excel and save it again as .xlsx, or save the sheet as CSV",
                )
            ]
        ) from None
    return {str(name): frame for name, frame in sheets.items()}


def _excel_sheet(sheets: Mapping[str, pd.DataFrame], wanted: str, source: str) -> pd.DataFrame:
    """The sheet whose normalised name is ``wanted``, as stripped strings."""
    for sheet, frame in sheets.items():
        if wanted in _normalise_name(sheet):
            return _strip_cells(frame)
    raise MissingColumnError(
        f"{source}: no sheet {wanted.replace('_', ' ')!r}; sheets found: {', '.join(sheets)}"
    )


def _objects(values: Iterable[object]) -> pd.Series:
    """An object column of ``str`` or ``None`` (pandas 3 would otherwise store ``NaN``)."""
    return pd.Series(
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values],
        dtype=object,
    )


def _required(resolved: Mapping[str, str | None], name: str) -> str:
    column = resolved[name]
    assert column is not None, name  # _resolve_columns raised for a missing required column
    return column


def _code(value: object) -> str:
    """A code as stored: invisible characters (zero-width spaces, stray BOMs) dropped,
    surrounding spaces stripped, upper case."""
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cf")
    return text.strip().upper()


_EXCEL_NUMBER = re.compile(r"\d+\.0+|\d+(\.\d+)?E[+-]?\d+")


def _check_code(code: str, log: ProblemLog, *, row: int, what: str = "practice code") -> bool:
    """False (and an error) for a code Excel turned into a number (``8.1E+04``, ``81001.0``)."""
    if _EXCEL_NUMBER.fullmatch(code):
        log.error(
            f"{what} {code!r} looks like a number reformatted by Excel, not a code",
            "format the column as Text and restore the codes (e.g. from the original file)",
            row=row,
            code=code,
        )
        return False
    return True


def _optional_code(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = _code(value)
    return text or None


def _optional_name(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _optional_network(value: object) -> str | None:
    code = _optional_code(value)
    return None if code == UNALLOCATED_NETWORK else code


_GROUPED = re.compile(r"[+-]?\d{1,3}(?:([,\u00a0\u202f ])\d{3})(?:\1\d{3})*(?:\.\d*)?")


def _parse_number(text: str) -> float | None:
    """A number from a cell: None when empty; ValueError when not a finite number.

    Thousands separators are read when they group digits in threes (``12,345``, ``12 345``);
    any other comma (a decimal comma, ``54,5``) is an error rather than a silent misreading.
    """
    text = text.strip()
    if not text:
        return None
    if _GROUPED.fullmatch(text):
        text = re.sub(r"[,\u00a0\u202f ]", "", text)
    value = float(text)  # ValueError for text, decimal commas, "1,2345"
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _not_a_number(what: str, text: str) -> str:
    hint = " (a comma is read only as a thousands separator, as in 12,345)" if "," in text else ""
    return f"{what} {text!r} is not a number{hint}"


def _parse_list_size(text: str, log: ProblemLog, *, row: int, code: str | None) -> int | None:
    fix = "give the registered list size as a whole number of patients (0 or more)"
    try:
        value = _parse_number(text)
    except ValueError:
        log.error(_not_a_number("list size", text), fix, row=row, code=code)
        return None
    if value is None:
        log.error("list size is empty", fix, row=row, code=code)
        return None
    if value < 0:
        log.error(f"list size {text} is negative", fix, row=row, code=code)
        return None
    if value != int(value):
        log.error(f"list size {text} is not a whole number", fix, row=row, code=code)
        return None
    if value > MAX_LIST_SIZE:
        log.error(
            f"list size {text} is not credible for one practice (the largest in England "
            f"have about 100,000 patients; the limit is {MAX_LIST_SIZE:,})",
            "check the column (a total row, or a column of another figure?) and give the "
            "practice's registered patients",
            row=row,
            code=code,
        )
        return None
    if value == 0:
        log.warn(
            "list size is 0: the practice has no registered patients",
            "nothing to do if it is newly opened or closing; otherwise check the figure",
            row=row,
            code=code,
        )
    return int(value)


def normalise_postcode(postcode: object) -> str:
    """``"ts18 1hu "`` → ``"TS181HU"``: spaces removed, upper case."""
    return re.sub(r"\s+", "", str(postcode)).upper()


def _duplicates(codes: list[str], log: ProblemLog, *, what: str, first_row: int = 2) -> None:
    rows: dict[str, list[int]] = {}
    for offset, code in enumerate(codes):
        if code:
            rows.setdefault(code, []).append(offset + first_row)
    for code, where in rows.items():
        if len(where) > 1:
            log.error(
                f"{what} {code} appears on rows {', '.join(map(str, where))}",
                f"keep one row per {what} (merge the rows if practices merged)",
                row=where[1],
                code=code,
            )


# --------------------------------------------------------------------------------------------
# Practices
# --------------------------------------------------------------------------------------------


def _in_box(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _check_bng(easting: float, northing: float, log: ProblemLog, *, row: int, code: str) -> bool:
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


def _check_latlon(lat: float, lon: float, log: ProblemLog, *, row: int, code: str) -> bool:
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
    record: Mapping[str, str], first: str, second: str, log: ProblemLog, *, row: int, code: str
) -> tuple[float, float] | None:
    """Two coordinates from a row: None when both are empty or unreadable (logged)."""
    a_text, b_text = record.get(first, ""), record.get(second, "")
    if not a_text and not b_text:
        return None
    try:
        a, b = _parse_number(a_text), _parse_number(b_text)
    except ValueError:
        hint = " (a comma is read only as a thousands separator)" if "," in a_text + b_text else ""
        log.error(
            f"{first}/{second} {a_text!r}, {b_text!r} are not numbers{hint}",
            f"give {first} and {second} as numbers",
            row=row,
            code=code,
        )
        return None
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


def _postcode_table(postcodes: PathLike | pd.DataFrame) -> dict[str, tuple[float, float]]:
    ready = isinstance(postcodes, pd.DataFrame) and {"postcode", "easting", "northing"} <= set(
        postcodes.columns
    )
    if ready and isinstance(postcodes, pd.DataFrame):
        ready = bool(postcodes[["easting", "northing"]].notna().all().all())
    if ready and isinstance(postcodes, pd.DataFrame):
        table = postcodes  # already a lookup (read_postcode_lookup's output)
    elif isinstance(postcodes, pd.DataFrame):
        plain = pd.DataFrame(postcodes.drop(columns="geometry", errors="ignore"))
        table = _postcode_frame(_strip_cells(plain), source="postcodes")
    else:
        table = read_postcode_lookup(postcodes)
    return {
        normalise_postcode(p): (float(e), float(n))
        for p, e, n in zip(table["postcode"], table["easting"], table["northing"], strict=True)
    }


def _practices_from_frame(
    frame: pd.DataFrame,
    columns: Mapping[str, str | None],
    *,
    source: str,
    postcodes: PathLike | pd.DataFrame | None,
    first_row: int = 2,
) -> gpd.GeoDataFrame:
    """Build the canonical practices table from string cells; raise every problem at once."""
    log = ProblemLog(source, logger)
    has_bng = columns.get("easting") is not None and columns.get("northing") is not None
    has_latlon = columns.get("lat") is not None and columns.get("lon") is not None
    has_postcode = columns.get("postcode") is not None
    if not (has_bng or has_latlon or has_postcode):
        raise MissingColumnError(
            f"{source}: no location columns. Columns found: {', '.join(map(str, frame.columns))}."
            " Give lat,lon (EPSG:4326) or easting,northing (EPSG:27700) or postcode with a "
            "postcode lookup (postcodes=)."
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
                    "pass postcodes= (a Code-Point Open or ONSPD CSV), or add lat,lon columns",
                )
            ]
        )
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
    for offset, record in enumerate(records):
        row = offset + first_row
        code = _code(record.get("code", ""))
        if not code:
            log.error("the practice code is empty", "give every row an ODS code", row=row)
            continue
        _check_code(code, log, row=row)
        size = _parse_list_size(str(record.get("list_size", "")), log, row=row, code=code)
        point = _locate(record, log, row=row, code=code, lookup=lookup)
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
        network = _optional_code(record.get("network"))
        if network == UNALLOCATED_NETWORK:
            unallocated += 1
            network = None
        optional["network"].append(network)
    _duplicates(codes, log, what="practice code", first_row=first_row)
    if not records:
        log.error("has a header but no practice rows", "give one row per practice")
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


def _locate(
    record: Mapping[str, str],
    log: ProblemLog,
    *,
    row: int,
    code: str,
    lookup: dict[str, tuple[float, float]] | None,
) -> tuple[float, float, bool] | None:
    """(x, y, is_lonlat) for a row, from easting/northing, else lat/lon, else postcode."""
    bng = _pair(record, "easting", "northing", log, row=row, code=code)
    if bng is not None:
        return (*bng, False) if _check_bng(*bng, log, row=row, code=code) else None
    latlon = _pair(record, "lat", "lon", log, row=row, code=code)
    if latlon is not None:
        lat, lon = latlon
        return (lon, lat, True) if _check_latlon(lat, lon, log, row=row, code=code) else None
    if any(record.get(k) for k in ("easting", "northing", "lat", "lon")):
        return None  # a half-filled pair, already reported
    postcode = str(record.get("postcode", ""))
    if postcode and lookup is not None:
        found = lookup.get(normalise_postcode(postcode))
        if found is None:
            log.error(
                f"postcode {postcode!r} is not in the postcode lookup",
                "correct the postcode, or give lat,lon or easting,northing for this practice",
                row=row,
                code=code,
            )
            return None
        return (*found, False) if _check_bng(*found, log, row=row, code=code) else None
    log.error(
        "the practice has no coordinates" + (" and no postcode" if "postcode" in record else ""),
        "give lat,lon or easting,northing, or a postcode with a postcode lookup",
        row=row,
        code=code,
    )
    return None


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
        CSV with ``code,name,list_size`` and a location (``lat,lon``; ``easting,northing``;
        or ``postcode``), optionally ``ccg,stp,patch,network``. Unambiguous aliases are
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
    source = str(path)
    frame = _read_csv(path)
    fields = [_CODE, _NAME, _LIST_SIZE, _LAT, _LON, _EASTING, _NORTHING, _POSTCODE]
    fields += [_CCG, _STP, _PATCH, _NETWORK]
    resolved = _resolve_columns(
        frame, fields, source=source, required=("code", "name", "list_size"), overrides=columns
    )
    return _practices_from_frame(frame, resolved, source=source, postcodes=postcodes)


# --------------------------------------------------------------------------------------------
# Published NHS Digital / ONS formats
# --------------------------------------------------------------------------------------------

# epraccur.csv has no header row; its documented column order (27 columns, "Null" padding):
_EPRACCUR_POSITIONS = {
    "code": 0,
    "name": 1,
    "postcode": 9,
    "open_date": 10,
    "close_date": 11,
    "status": 12,
    "ccg": 14,  # Commissioner
    "prescribing_setting": 25,
}
# The same columns with the six "Null" columns dropped (21 columns).
_EPRACCUR_POSITIONS_COMPACT = {**_EPRACCUR_POSITIONS, "prescribing_setting": 20}
_EPRACCUR_FIELDS = [
    _Field("code", (("org_code", "organisation_code", "code", "practice_code"),)),
    _Field("name", (("name", "org_name", "organisation_name"),)),
    _Field("postcode", (("postcode",),)),
    _Field("open_date", (("open_date",),)),
    _Field("close_date", (("close_date",),)),
    _Field("status", (("status_code", "status"),)),
    _Field("ccg", (("commissioner",),)),
    _Field("prescribing_setting", (("prescribing_setting",),)),
]


def read_epraccur(path: PathLike, *, gp_only: bool = True) -> pd.DataFrame:
    """Read NHS Digital's ``epraccur.csv`` (GP practices).

    The published file has no header row and a documented column order; a copy with a header
    row added is read by column names instead.

    Parameters
    ----------
    path
        The epraccur CSV.
    gp_only
        Keep only prescribing setting 4 (GP practice), when the column is present.

    Returns
    -------
    pandas.DataFrame
        ``code, name, postcode, ccg`` (the commissioner's ODS code), ``status`` (A active,
        C closed, D dormant, P proposed), ``open_date, close_date, prescribing_setting``.
    """
    source = str(path)
    frame = _read_csv(path, header=False)
    first = [_normalise_name(v) for v in frame.iloc[0]] if len(frame) else []
    if "postcode" in first or (first and first[0] in {"org_code", "organisation_code", "code"}):
        frame = _with_header(frame, source)
        resolved = _resolve_columns(
            frame, _EPRACCUR_FIELDS, source=source, required=("code", "name", "postcode")
        )
        table = pd.DataFrame(
            {name: frame[column] if column is not None else "" for name, column in resolved.items()}
        )
        first_row = 2
    else:
        width = frame.shape[1]
        if width >= 26:
            positions = _EPRACCUR_POSITIONS
        elif width == 21:
            positions = _EPRACCUR_POSITIONS_COMPACT
        else:
            raise MissingColumnError(
                f"{source}: {width} columns and no header row; epraccur has 27 columns in the "
                "documented order (organisation code, name, …, postcode 10th, commissioner "
                "15th, prescribing setting 26th). Give the published file or add a header row."
            )
        table = pd.DataFrame({name: frame[pos] for name, pos in positions.items()})
        first_row = 1
    table = table.reset_index(drop=True)
    log = ProblemLog(source, logger)
    table["code"] = table["code"].map(_code)
    for offset in np.flatnonzero(table["code"] == ""):
        log.error("the practice code is empty", "remove the row", row=int(offset) + first_row)
    _duplicates(table["code"].tolist(), log, what="practice code", first_row=first_row)
    log.raise_if_errors()
    table["ccg"] = _objects(table["ccg"].map(_optional_code))
    table["status"] = table["status"].map(_code)
    if gp_only and (table["prescribing_setting"] != "").any():
        table = table[table["prescribing_setting"] == "4"].reset_index(drop=True)
    logger.info(
        "%s: %d practices (%d active)", source, len(table), int((table["status"] == "A").sum())
    )
    return table


def read_gp_reg_pat(path: PathLike) -> pd.DataFrame:
    """Read "Patients Registered at a GP Practice" (``gp-reg-pat-prac-all.csv``).

    Returns
    -------
    pandas.DataFrame
        ``code, list_size, ccg, postcode``; ``ccg`` is the ONS code (``ONS_CCG_CODE``) where
        the file has it, else the ODS ``CCG_CODE``. Only all-sex, all-age totals are kept.
    """
    source = str(path)
    frame = _read_csv(path)
    fields = [
        _Field("code", (("code", "practice_code", "org_code"),)),
        _Field("list_size", (("number_of_patients", "list_size"),)),
        _Field("ccg", (("ons_ccg_code", "ccg_ons_code"), ("ccg_code", "ccg"))),
        _Field("postcode", (("postcode",),)),
        _Field("sex", (("sex",),)),
        _Field("age", (("age",),)),
    ]
    resolved = _resolve_columns(frame, fields, source=source, required=("code", "list_size"))
    keep = pd.Series(True, index=frame.index)
    for filter_field in ("sex", "age"):
        filter_column = resolved[filter_field]
        if filter_column is not None:
            keep &= frame[filter_column].str.upper().isin(["ALL", ""])
    frame = frame[keep]
    log = ProblemLog(source, logger)
    code_column, size_column = _required(resolved, "code"), _required(resolved, "list_size")
    codes: list[str] = []
    sizes: list[int | None] = []
    for offset, (code_text, size_text) in enumerate(
        zip(frame[code_column], frame[size_column], strict=True)
    ):
        row = int(frame.index[offset]) + 2
        code = _code(code_text)
        sizes.append(_parse_list_size(str(size_text), log, row=row, code=code))
        codes.append(code)
    _duplicates(codes, log, what="practice code")
    log.raise_if_errors()

    def optional_column(name: str) -> list[str | None]:
        col = resolved[name]
        return [None] * len(frame) if col is None else [_optional_code(v) for v in frame[col]]

    table = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype="str"),
            "list_size": pd.Series(sizes, dtype="int64"),
            "ccg": optional_column("ccg"),
            "postcode": optional_column("postcode"),
        }
    )
    table["ccg"] = _objects(table["ccg"])
    table["postcode"] = _objects(table["postcode"])
    logger.info(
        "%s: %d practices, %s patients", source, len(table), f"{int(table['list_size'].sum()):,}"
    )
    return table


def read_qof_mapping(path: PathLike) -> pd.DataFrame:
    """Read QOF ``MAPPING_NHS_GEOGRAPHIES`` (practice → PCN, CCG, STP).

    Returns
    -------
    pandas.DataFrame
        ``code, name, ccg`` (ONS ``CCG_ONS_CODE``), ``stp`` (ONS ``STP_ONS_CODE``),
        ``network`` (``PCN_ODS_CODE``; ``U`` read as ``None``), ``network_name``.
    """
    source = str(path)
    frame = _read_csv(path)
    fields = [
        _Field("code", (("practice_code",),)),
        _Field("name", (("practice_name",),)),
        _Field("ccg", (("ccg_ons_code",), ("ccg_ods_code", "ccg_code"))),
        _Field("stp", (("stp_ons_code",), ("stp_ods_code", "stp_code"))),
        _Field("network", (("pcn_ods_code", "pcn_code"),)),
        _Field("network_name", (("pcn_name",),)),
    ]
    resolved = _resolve_columns(
        frame, fields, source=source, required=("code", "ccg", "stp", "network")
    )
    log = ProblemLog(source, logger)
    codes = [_code(v) for v in frame[resolved["code"]]]
    for offset, code in enumerate(codes):
        if not code:
            log.error("the practice code is empty", "remove the row", row=offset + 2)
    _duplicates(codes, log, what="practice code")
    log.raise_if_errors()
    name_col, network_name_col = resolved["name"], resolved["network_name"]
    table = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype="str"),
            "name": frame[name_col].reset_index(drop=True) if name_col else pd.Series(codes),
            "ccg": [_optional_code(v) for v in frame[resolved["ccg"]]],
            "stp": [_optional_code(v) for v in frame[resolved["stp"]]],
            "network": [_optional_network(v) for v in frame[resolved["network"]]],
            "network_name": (
                list(frame[network_name_col]) if network_name_col else [None] * len(frame)
            ),
        }
    )
    table["network_name"] = [
        None if pd.isna(network) else name
        for network, name in zip(table["network"], table["network_name"], strict=True)
    ]
    for key in ("ccg", "stp", "network", "network_name"):
        table[key] = _objects(table[key])
    logger.info(
        "%s: %d practices in %d networks, %d CCGs, %d STPs",
        source,
        len(table),
        table["network"].nunique(),
        table["ccg"].nunique(),
        table["stp"].nunique(),
    )
    return table


def read_epcn(path: PathLike) -> pd.DataFrame:
    """Read ePCN membership: ``ePCN.xlsx`` (sheet "PCN Core Partner Details") or its CSV copy.

    Members with a relationship end date have left their network and are excluded.

    Returns
    -------
    pandas.DataFrame
        ``code, name, network, network_name, ccg`` (the practice's parent CCG, ODS code).
    """
    source = str(path)
    is_excel = Path(path).suffix.lower() in _EXCEL
    sheets = _read_excel_sheets(path) if is_excel else {}
    frame = _excel_sheet(sheets, "core_partner", source) if is_excel else _read_csv(path)
    fields = [
        _Field("code", (("partner_organisation_code", "practice_code", "code"),)),
        _Field("name", (("partner_name", "practice_name", "name"),)),
        _Field("network", (("pcn_code",),)),
        _Field("network_name", (("pcn_name",),)),
        _Field("ccg", (("practice_parent_ccg_code",),)),
        _Field("end_date", ((r"practice_to_pcn_relationship_end_date", "end_date"),)),
    ]
    resolved = _resolve_columns(frame, fields, source=source, required=("code", "network"))
    names = _epcn_network_names(sheets)
    log = ProblemLog(source, logger)
    rows: list[dict[str, Any]] = []
    ended = 0
    for offset, record in enumerate(frame.to_dict("records")):
        row = offset + 2
        if resolved["end_date"] is not None and record[resolved["end_date"]]:
            ended += 1
            continue
        code = _code(record[resolved["code"]])
        network = _optional_code(record[resolved["network"]])
        if not code:
            log.error("the practice code is empty", "remove the row", row=row)
            continue
        if network is None:
            log.error("the PCN code is empty", "give the practice's PCN code", row=row, code=code)
            continue
        network_name = record[resolved["network_name"]] if resolved["network_name"] else ""
        if not network_name or network_name.startswith("="):
            network_name = names.get(network, network)
        rows.append(
            {
                "row": row,
                "code": code,
                "name": record[resolved["name"]] if resolved["name"] else code,
                "network": network,
                "network_name": network_name,
                "ccg": _optional_code(record[resolved["ccg"]]) if resolved["ccg"] else None,
            }
        )
    seen: dict[str, list[int]] = {}
    for entry in rows:
        seen.setdefault(entry["code"], []).append(entry["row"])
    for code, where in seen.items():
        if len(where) > 1:
            log.error(
                f"practice {code} is a current member of more than one PCN "
                f"(rows {', '.join(map(str, where))})",
                "give the rows it has left an end date, or remove them",
                row=where[1],
                code=code,
            )
    log.raise_if_errors()
    table = pd.DataFrame(rows, columns=["row", "code", "name", "network", "network_name", "ccg"])
    table = table.drop(columns="row")
    table["code"] = table["code"].astype("str")
    table["ccg"] = _objects(table["ccg"])
    logger.info(
        "%s: %d current members of %d PCNs (%d ended memberships excluded)",
        source,
        len(table),
        table["network"].nunique(),
        ended,
    )
    return table


def _epcn_network_names(sheets: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """PCN code → name from the "PCN Details" sheet (for files whose names are formulas)."""
    for sheet, frame in sheets.items():
        if _normalise_name(sheet) in {"pcn_details", "pcndetails"}:
            frame = _strip_cells(frame)
            columns = {_normalise_name(c): c for c in frame.columns}
            if "pcn_code" in columns and "pcn_name" in columns:
                return dict(
                    zip(
                        frame[columns["pcn_code"]].map(_code),
                        frame[columns["pcn_name"]],
                        strict=True,
                    )
                )
    return {}


_POSTCODE_FIELDS = [
    _Field(
        "postcode",
        (("postcode", "post_code"), ("pcds",), ("pcd",), ("pcd2",), ("postcode_nospace",)),
    ),
    _EASTING,
    _NORTHING,
    _LAT,
    _Field("lon", (("lon", "long", "lng", "longitude"),)),
]


def _postcode_frame(frame: pd.DataFrame, *, source: str) -> gpd.GeoDataFrame:
    resolved = _resolve_columns(frame, _POSTCODE_FIELDS, source=source, required=("postcode",))
    has_bng = resolved["easting"] is not None and resolved["northing"] is not None
    has_latlon = resolved["lat"] is not None and resolved["lon"] is not None
    if not (has_bng or has_latlon):
        raise MissingColumnError(
            f"{source}: no coordinate columns. Columns found: "
            f"{', '.join(map(str, frame.columns))}. Give easting,northing (or oseast1m,osnrth1m)"
            " or lat,long."
        )

    def numbers(name: str) -> pd.Series:
        column = resolved[name]
        if column is None:
            return pd.Series(np.nan, index=frame.index)
        return pd.to_numeric(frame[column].str.replace(",", ""), errors="coerce")

    east, north = numbers("easting"), numbers("northing")
    lat, lon = numbers("lat"), numbers("lon")
    # ONSPD marks postcodes with no grid reference as 99.999999 / 0.000000
    lat = lat.where(lat.abs() <= 90)
    use_latlon = (east.isna() | north.isna()) & lat.notna() & lon.notna()
    if use_latlon.any():
        to_bng = Transformer.from_crs(WGS84, BNG, always_xy=True)
        e, n = to_bng.transform(lon[use_latlon].to_numpy(), lat[use_latlon].to_numpy())
        east = east.copy()
        north = north.copy()
        east[use_latlon] = e
        north[use_latlon] = n
    table = pd.DataFrame(
        {
            "postcode": frame[resolved["postcode"]].map(normalise_postcode),
            "easting": east.astype(float),
            "northing": north.astype(float),
        }
    )
    located = table["easting"].notna() & table["northing"].notna() & (table["postcode"] != "")
    table = table[located].drop_duplicates("postcode").reset_index(drop=True)
    lookup = gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["easting"], table["northing"]), crs=BNG
    )
    lookup.attrs["source"] = source
    logger.info(
        "%s: %d postcodes with coordinates (%d rows without skipped)",
        source,
        len(lookup),
        int((~located).sum()),
    )
    return lookup


def read_postcode_lookup(path: PathLike) -> gpd.GeoDataFrame:
    """Read a postcode lookup: Code-Point Open (with or without header) or ONSPD style.

    Postcodes are normalised (spaces removed, upper case); rows without coordinates are
    skipped; lat/long are projected to British National Grid when easting/northing are absent.

    Returns
    -------
    geopandas.GeoDataFrame
        ``postcode, easting, northing, geometry`` in EPSG:27700, one row per postcode.
    """
    source = str(path)
    frame = _read_csv(path, header=False)
    if frame.empty:
        raise InputError([Problem(source, "the file is empty", "give a postcode lookup")])
    first = frame.iloc[0].tolist()
    # Code-Point Open CSVs have no header: postcode, quality, eastings, northings, ...
    headerless = len(first) >= 4 and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in first[2:4])
    if headerless:
        frame = frame.rename(columns={0: "postcode", 2: "easting", 3: "northing"})
        frame = frame[["postcode", "easting", "northing"]]
    else:
        frame = _with_header(frame, source)
    lookup = _postcode_frame(frame, source=source)
    if lookup.empty:
        raise InputError(
            [
                Problem(
                    source,
                    f"none of its {len(frame)} rows has a postcode with coordinates",
                    "give a lookup with postcode and easting,northing (or lat,long) filled in",
                )
            ]
        )
    return lookup


def assemble_practices(
    *,
    epraccur: PathLike | pd.DataFrame | None = None,
    list_sizes: PathLike | pd.DataFrame | None = None,
    mapping: PathLike | pd.DataFrame | None = None,
    postcodes: PathLike | pd.DataFrame | None = None,
    epcn: PathLike | pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Join the published files into the canonical practices table.

    Parameters
    ----------
    epraccur
        Practice names and postcodes (:func:`read_epraccur`). Without ``mapping`` its active
        GP practices (status A) are the practice list and its commissioner is the ``ccg``.
    list_sizes
        ``gp-reg-pat-prac-all.csv`` (:func:`read_gp_reg_pat`) or any CSV with a practice code
        and a list size column (e.g. QOF ``practice_code,list_size_total``).
    mapping
        QOF ``MAPPING_NHS_GEOGRAPHIES`` (:func:`read_qof_mapping`): when given, its practices
        are the practice list, with their CCG, STP and network.
    postcodes
        Postcode lookup (:func:`read_postcode_lookup`) locating each practice's postcode.
    epcn
        ePCN membership (:func:`read_epcn`): the network when ``mapping`` gives none.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical practices table (see :func:`read_practices`).
    """
    if list_sizes is None or postcodes is None or (epraccur is None and mapping is None):
        raise ValueError("assemble_practices needs list_sizes, postcodes, and epraccur or mapping")
    practices_source = "assembled practices"
    base: pd.DataFrame
    places = _as_table(epraccur, read_epraccur) if epraccur is not None else None
    if mapping is not None:
        base = _as_table(mapping, read_qof_mapping)
        practices_source = f"practices of {_describe(mapping)}"
    else:
        assert places is not None
        base = places[places["status"] == "A"][["code", "name", "ccg"]]
        practices_source = f"active practices of {_describe(epraccur)}"
    base = base.reset_index(drop=True)
    sizes = _as_table(list_sizes, _read_list_sizes).drop_duplicates("code")
    frame = base.merge(sizes[["code", "list_size"]], on="code", how="left")
    postcode = pd.Series("", index=frame.index, dtype=object)
    for table in (places, sizes):
        if table is not None and "postcode" in table.columns:
            found = frame["code"].map(table.drop_duplicates("code").set_index("code")["postcode"])
            postcode = postcode.where(postcode != "", found.fillna(""))
    frame["postcode"] = postcode
    if "network" not in frame.columns and epcn is not None:
        members = _as_table(epcn, read_epcn).set_index("code")
        frame["network"] = frame["code"].map(members["network"])
    strings = pd.DataFrame({c: frame[c].map(_cell) for c in frame.columns})
    columns = {c: c for c in ("code", "name", "list_size", "postcode", "ccg", "stp", "network")}
    resolved: dict[str, str | None] = {k: (v if v in strings else None) for k, v in columns.items()}
    return _practices_from_frame(strings, resolved, source=practices_source, postcodes=postcodes)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _describe(item: object) -> str:
    return "the given table" if isinstance(item, pd.DataFrame) else str(item)


def _as_table(item: PathLike | pd.DataFrame, reader: Any) -> pd.DataFrame:
    return item if isinstance(item, pd.DataFrame) else reader(item)


def _read_list_sizes(path: PathLike) -> pd.DataFrame:
    frame = _read_csv(path)
    if "number_of_patients" in {_normalise_name(c) for c in frame.columns}:
        return read_gp_reg_pat(path)
    source = str(path)
    resolved = _resolve_columns(
        frame, [_CODE, _LIST_SIZE], source=source, required=("code", "list_size")
    )
    log = ProblemLog(source, logger)
    codes = [_code(v) for v in frame[resolved["code"]]]
    sizes = [
        _parse_list_size(str(v), log, row=i + 2, code=c)
        for i, (c, v) in enumerate(zip(codes, frame[resolved["list_size"]], strict=True))
    ]
    _duplicates(codes, log, what="practice code")
    log.raise_if_errors()
    logger.info("%s: %d list sizes", source, len(codes))
    return pd.DataFrame({"code": codes, "list_size": pd.Series(sizes, dtype="int64")})


# --------------------------------------------------------------------------------------------
# Boundaries and patches
# --------------------------------------------------------------------------------------------

_LEVEL_PREFIXES = {
    "ccg": ("ccg", "sicbl", "subicb", "loc"),
    "stp": ("stp", "icb", "ics"),
    "region": ("nhser",),
    "patch": ("patch", "lad", "msoa", "lsoa", "wd", "ward"),
}
_PARENT_PREFIXES = {"ccg": ("stp", "icb", "ics"), "stp": ("nhser",)}


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
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)


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


def _readable_fields(target: str, layer: str, log: ProblemLog) -> list[str]:
    """The layer's fields pyogrio can read; the others are reported and left out."""
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


def _unreadable(source: str, error: Exception) -> InputError:
    message = re.sub(r"\s+", " ", str(error)).strip()[:300]
    return InputError(
        [
            Problem(
                source,
                f"cannot be read as a boundary file ({message})",
                "give a GeoJSON, a GeoPackage or a zipped shapefile (with its .shx, .dbf and .prj)",
            )
        ]
    )


def _read_layer(path: PathLike, source: str, log: ProblemLog) -> gpd.GeoDataFrame:
    """The file's (first) layer, every GDAL failure turned into an :class:`InputError`."""
    archive = _archive_path(path)
    if not Path(archive).is_dir():  # a folder of shapefiles is a GDAL dataset too
        _check_exists(archive, source)
    if archive.lower().endswith(".zip") and not Path(archive).is_dir():
        _check_archive(archive, source)
    target = _vsi_path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            layers = pyogrio.list_layers(target)
            if len(layers) == 0:
                raise InputError(
                    [Problem(source, "has no layers", "give a file with the boundary polygons")]
                )
            layer = str(layers[0][0])
            if len(layers) > 1:
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
            raise _unreadable(source, error) from None
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
        log.warn(
            f"the file says {frame.crs.to_string()} (GeoJSON's default) but its coordinates "
            "look like British National Grid metres, so EPSG:27700 is assumed",
            "save the file with its CRS, or reproject it to longitude/latitude",
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


def _detect_code_column(
    columns: list[str], level: str, source: str, code_column: str | None
) -> str:
    by_lower = {c.lower(): c for c in columns}
    if code_column is not None:
        found = by_lower.get(code_column.lower())
        if found is None:
            raise MissingColumnError(
                f"{source}: the code column {code_column!r} is not in the file; columns "
                f"found: {', '.join(columns)}"
            )
        return found
    cd_columns = [c for c in columns if re.fullmatch(r"[a-z]+\d{0,2}cd", c.lower())]
    prefixes = _LEVEL_PREFIXES.get(level, ())
    for candidates in (
        [c for c in cd_columns if re.sub(r"\d*cd$", "", c.lower()) in prefixes],
        [by_lower[n] for n in (level, "code") if n in by_lower],
        cd_columns if len(cd_columns) == 1 else [],
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            break
    raise MissingColumnError(
        f"{source}: cannot tell which column holds the {level} codes; columns found: "
        f"{', '.join(columns)}. Accepted: a column named like CCG20CD, STP20CD, SICBL23CD, "
        f"ICB23CD, LAD20CD (case-insensitive) or {level!r}/'code' — or name it with "
        "code_column="
    )


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
    source = str(path)
    log = ProblemLog(source, logger)
    frame = _read_layer(path, source, log)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    code_col = _detect_code_column(columns, level, source, code_column)
    stem = re.sub(r"cd$", "", code_col, flags=re.IGNORECASE)
    by_lower = {c.lower(): c for c in columns}
    ods_col = by_lower.get(f"{stem}cdh".lower()) or by_lower.get("ods_code")
    name_col = by_lower.get(f"{stem}nm".lower()) or by_lower.get("name")
    parent_col = by_lower.get("parent")
    for candidate in columns:
        prefix = re.fullmatch(r"([a-z]+)\d{0,2}cd", candidate.lower())
        if prefix and prefix.group(1) in _PARENT_PREFIXES.get(level, ()):
            parent_col = candidate
            break
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


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def read_plan(path: PathLike) -> Plan:
    """Read a plan: the plan CSV, an ePCN core partner file, or a practices CSV with networks.

    Parameters
    ----------
    path
        ``practice_code,network_id,network_name`` CSV; ``ePCN.xlsx`` or its
        "PCN Core Partner Details" CSV copy (ended memberships excluded, as in the ePCN-style
        export); a practices CSV whose network column (``network``, ``pcn_code`` …) gives
        the plan; or a GeoJSON / GeoPackage export (``.geojson``, ``.json``, ``.gpkg``; see
        :mod:`footprints.export`).

    Returns
    -------
    Plan
        Practice → network. Rows with no network, or the placeholder ``U``, are left out
        (the validator reports them as unassigned). Duplicate practice rows are an error.
    """
    source = str(path)
    if Path(path).suffix.lower() in {".geojson", ".json", ".gpkg"}:
        from footprints.export import read_geo_plan  # export imports io: import here

        return read_geo_plan(path)
    if Path(path).suffix.lower() in _EXCEL:
        return _plan_from_epcn(read_epcn(path), source)
    frame = _read_csv(path)
    normal = {_normalise_name(c) for c in frame.columns}
    if "partner_organisation_code" in normal:
        return _plan_from_epcn(read_epcn(path), source)
    fields = [
        _Field("code", (("practice_code", "code"), _CODE.tiers[1])),
        _Field("network", (("network_id",), *_NETWORK.tiers)),
        _NETWORK_NAME,
    ]
    resolved = _resolve_columns(frame, fields, source=source, required=("code", "network"))
    log = ProblemLog(source, logger)
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    codes: list[str] = []
    left_out = 0
    for offset, record in enumerate(frame.to_dict("records")):
        code = _code(record[resolved["code"]])
        codes.append(code)
        if not code:
            log.error("the practice code is empty", "remove the row", row=offset + 2)
            continue
        _check_code(code, log, row=offset + 2)
        network = _optional_network(record[resolved["network"]])
        if network is None:
            left_out += 1
            continue
        assignment[code] = network
        if resolved["network_name"] and record[resolved["network_name"]]:
            names.setdefault(network, record[resolved["network_name"]])
    _duplicates(codes, log, what="practice")
    log.raise_if_errors()
    plan = Plan(assignment, names)
    logger.info(
        "%s: plan of %d practices in %d networks (%d rows without a network left out)",
        source,
        len(plan),
        len(plan.networks()),
        left_out,
    )
    return plan


def _plan_from_epcn(members: pd.DataFrame, source: str) -> Plan:
    names = dict(zip(members["network"], members["network_name"], strict=True))
    plan = Plan(dict(zip(members["code"], members["network"], strict=True)), names)
    logger.info("%s: plan of %d practices in %d networks", source, len(plan), len(plan.networks()))
    return plan


def write_plan(plan: Plan, path: PathLike) -> None:
    """Write ``plan`` as the plan CSV ``practice_code,network_id,network_name``.

    One row per practice, sorted by network then practice.
    """
    rows = [
        {
            "practice_code": practice,
            "network_id": network,
            "network_name": plan.network_name(network),
        }
        for network, practices in plan.networks().items()
        for practice in practices
    ]
    table = pd.DataFrame(rows, columns=["practice_code", "network_id", "network_name"])
    table.to_csv(path, index=False, encoding="utf-8")
    logger.info("%s: wrote %d practices in %d networks", path, len(table), len(plan.networks()))
