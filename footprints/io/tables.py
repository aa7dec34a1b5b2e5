"""Reading tabular files: size limits, decoding, rows and headers, Excel sheets.

CSVs are read as UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text"), or else
Windows-1252/Latin-1, accents intact; a first line with no comma but semicolons or tabs sets
the separator. Every cell is a stripped string (``""`` when empty); trailing empty cells and
rows (Excel's ``,,,,``) are dropped; the apostrophe :func:`~footprints.io.cells.spreadsheet_text`
puts before a formula-like cell is dropped again, so a CSV footprints wrote reads back exactly.
Refused, with the row: cells beyond the header, an unclosed quote, a blank header. Files larger
than :func:`input_size_limit` allows (:data:`MAX_INPUT_BYTES` by default) are refused before
they are read, and so are tables read whole into memory (practices, plans, ePCN, list sizes)
larger than :func:`table_size_limit` allows (:data:`MAX_TABLE_BYTES`): reading one takes about
twenty times its size in memory. Both limits are raised from the command line
(``--max-input-mb``, ``--max-table-mb``) or the environment (:data:`INPUT_LIMIT_ENV`,
:data:`TABLE_LIMIT_ENV`), and every refusal says so.

What a cell's text means (codes, numbers, list sizes, network ids) is
:mod:`footprints.io.cells`.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from footprints.errors import InputError, Problem, ProblemLog
from footprints.io.cells import _MARKED

__all__ = [
    "INPUT_LIMIT_ENV",
    "MAX_INPUT_BYTES",
    "MAX_TABLE_BYTES",
    "TABLE_LIMIT_ENV",
    "PathLike",
    "input_size_limit",
    "max_input_bytes",
    "max_table_bytes",
    "table_size_limit",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
"""A file path, as the loaders accept it."""


def _require_path(value: object, argument: str, where: str) -> None:
    """Refuse anything but a path (a DataFrame from a notebook), saying how to give it.

    Without this a DataFrame was read as a file named by its printout ('File name too long'
    or 'expected str, bytes or os.PathLike object').
    """
    if isinstance(value, str | os.PathLike):
        return
    kind = type(value).__name__
    if isinstance(value, pd.DataFrame):
        save = (
            "frame.to_file('areas.gpkg')"
            if hasattr(value, "geometry") and "geometry" in value.columns
            else "frame.to_csv('table.csv', index=False)"
        )
        how = f"save it first ({save}) and give that file's path"
    else:
        how = "give the path of a file (a str or pathlib.Path)"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    raise TypeError(f"{where}: {argument} is {article} {kind}, but it reads files: {how}")


_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")  # Excel's "CSV" on Windows is cp1252

MAX_INPUT_BYTES = 512 * 1024**2
"""Default size limit of one input file (or of an archive's unzipped members): 512 MB."""
_MAX_BYTES: ContextVar[int | None] = ContextVar("footprints_max_input_bytes", default=None)

MAX_TABLE_BYTES = 32 * 1024**2
"""Default size limit of a table read whole into memory: 32 MB.

Practices files, plans, ePCN files and list sizes are read whole, at about twenty times
their size in memory (a 32 MB practices file peaks near 600 MB); all of England's practices
take about 2 MB, so the limit leaves room for any real file and stops a 150 MB one before it
is read. Postcode lookups, registrations and boundaries have only :data:`MAX_INPUT_BYTES`.
"""
_MAX_TABLE: ContextVar[int | None] = ContextVar("footprints_max_table_bytes", default=None)

INPUT_LIMIT_ENV = "FOOTPRINTS_MAX_INPUT_MB"
"""Environment variable raising (or lowering) :data:`MAX_INPUT_BYTES`, in megabytes."""
TABLE_LIMIT_ENV = "FOOTPRINTS_MAX_TABLE_MB"
"""Environment variable raising (or lowering) :data:`MAX_TABLE_BYTES`, in megabytes."""

_EXCEL = (".xlsx", ".xlsm", ".xls")
"""The extensions of Excel workbooks."""


# --------------------------------------------------------------------------------------------
# Size limits and existence
# --------------------------------------------------------------------------------------------


def _limit_in_force(variable: ContextVar[int | None], name: str, default: int) -> int:
    """Return the limit (bytes) set in Python, else by environment variable ``name`` (MB)."""
    given = variable.get()
    if given is not None:
        return given
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not math.isfinite(megabytes) or megabytes <= 0:
        raise InputError(
            [
                Problem(
                    f"environment variable {name}",
                    f"{text!r} is not a size in megabytes",
                    f"set {name} to a number above 0 (e.g. {name}=1024), or unset it",
                )
            ]
        )
    return int(megabytes * 1024**2)


def max_input_bytes() -> int:
    """Return the largest input file (or unzipped archive) the loaders read, in bytes.

    :func:`input_size_limit` where in force, else :data:`INPUT_LIMIT_ENV`, else
    :data:`MAX_INPUT_BYTES`.
    """
    return _limit_in_force(_MAX_BYTES, INPUT_LIMIT_ENV, MAX_INPUT_BYTES)


def max_table_bytes() -> int:
    """Return the largest table read whole into memory (a practices file, a plan), in bytes.

    :func:`table_size_limit` where in force, else :data:`TABLE_LIMIT_ENV`, else
    :data:`MAX_TABLE_BYTES`.
    """
    return _limit_in_force(_MAX_TABLE, TABLE_LIMIT_ENV, MAX_TABLE_BYTES)


@contextmanager
def _limit(variable: ContextVar[int | None], max_bytes: int) -> Iterator[None]:
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, not {max_bytes}")
    token = variable.set(int(max_bytes))
    try:
        yield
    finally:
        variable.reset(token)


@contextmanager
def input_size_limit(max_bytes: int) -> Iterator[None]:
    """Within the ``with`` block, refuse input files larger than ``max_bytes``.

    The default is :data:`MAX_INPUT_BYTES` (or :data:`INPUT_LIMIT_ENV`); the app lowers it
    for uploads. The limit is per thread (a :class:`contextvars.ContextVar`), so concurrent
    sessions do not share it.
    """
    with _limit(_MAX_BYTES, max_bytes):
        yield


@contextmanager
def table_size_limit(max_bytes: int) -> Iterator[None]:
    """Within the ``with`` block, refuse tables read whole that are larger than ``max_bytes``.

    The default is :data:`MAX_TABLE_BYTES` (or :data:`TABLE_LIMIT_ENV`); per thread, as
    :func:`input_size_limit`, which still applies to tables too.
    """
    with _limit(_MAX_TABLE, max_bytes):
        yield


def _size_text(size: int) -> str:
    return f"{size / 1024**2:,.1f} MB" if size >= 1024**2 else f"{size:,} bytes"


_RAISE_INPUT_LIMIT = (
    f"or raise the limit: --max-input-mb N on the command line, {INPUT_LIMIT_ENV}=N in the "
    "environment (the app's too), footprints.io.input_size_limit in Python"
)
_RAISE_TABLE_LIMIT = (
    f"or raise the limit: --max-table-mb N on the command line, {TABLE_LIMIT_ENV}=N in the "
    "environment (the app's too), footprints.io.table_size_limit in Python"
)
_TABLE_LIMIT_WORDS = (
    "for a table read whole into memory (practices, plans, list sizes: all of England's "
    "practices take about 2 MB)"
)


def _check_size(size: int, source: str, *, what: str = "the file", table: bool = False) -> None:
    """Refuse ``size`` bytes over the input limit (and, for a ``table``, the table limit)."""
    limit = max_input_bytes()
    if size > limit:
        raise InputError(
            [
                Problem(
                    source,
                    f"{what} is {_size_text(size)}, over the {_size_text(limit)} limit for one "
                    "input",
                    "trim it to the rows and columns needed (e.g. only your region), "
                    + _RAISE_INPUT_LIMIT,
                )
            ]
        )
    table_limit = max_table_bytes()
    if table and size > table_limit:
        raise InputError(
            [
                Problem(
                    source,
                    f"{what} is {_size_text(size)}, over the {_size_text(table_limit)} limit "
                    f"{_TABLE_LIMIT_WORDS}; refused before reading it",
                    "give the rows of your region only, " + _RAISE_TABLE_LIMIT,
                )
            ]
        )


class _Readable(Protocol):
    """A binary stream: a file, a zip member, a gzip stream."""

    def read(self, size: int = -1, /) -> bytes:
        """Return up to ``size`` bytes (fewer at the end, none past it)."""
        ...


def _bounded_chunks(
    stream: _Readable,
    source: str,
    *,
    limit: int,
    counted: int = 0,
    what: str,
    table: bool = False,
) -> Iterator[bytes]:
    """Yield ``stream``'s bytes a megabyte at a time, up to ``limit`` bytes in all.

    ``counted`` bytes were read before (from other members of one archive). Once more than
    ``limit`` come out the read stops with an :class:`InputError`: "``what`` more than the
    limit", naming the table limit's option when ``table`` (the limit is
    :func:`max_table_bytes`), else the input limit's.
    """
    size = counted
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise InputError(
                [
                    Problem(
                        source,
                        f"{what} more than the {_size_text(limit)} limit "
                        f"{_TABLE_LIMIT_WORDS if table else 'for one input'} "
                        f"(refused after {_size_text(size)})",
                        "give the file unpacked and trimmed to the rows needed, "
                        + (_RAISE_TABLE_LIMIT if table else _RAISE_INPUT_LIMIT),
                    )
                ]
            )
        yield chunk


def _bounded(stream: _Readable, limit: int, source: str, *, table: bool) -> bytes:
    """Read ``stream`` to its end, refusing it once more than ``limit`` bytes come out."""
    try:
        return b"".join(
            _bounded_chunks(stream, source, limit=limit, what="unpacks to", table=table)
        )
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise InputError(
            [Problem(source, f"cannot be unpacked ({error})", "download the file again")]
        ) from None


def _unpacked(
    raw: bytes,
    source: str,
    *,
    table: bool,
    prefer: str = "",
    wanted: str = "one CSV",
    fix: str = "give the CSV itself, or a zip holding only it",
) -> bytes:
    """Return a file's bytes, unpacked when gzipped or a zip holding one CSV, within the limit.

    The limit is :func:`max_table_bytes` for a ``table`` read whole, else
    :func:`max_input_bytes`.

    Among several CSVs in a zip the one whose name holds ``prefer`` is taken; a zip holding
    several and none preferred is refused (``wanted`` and ``fix`` say what to give). Other
    bytes, a zip holding no CSV (an Excel workbook) or not readable among them, are returned
    as they are.
    """
    limit = max_table_bytes() if table else max_input_bytes()
    if raw.startswith(b"\x1f\x8b"):
        logger.info("%s: unpacked from gzip", source)
        return _bounded(gzip.GzipFile(fileobj=io.BytesIO(raw)), limit, source, table=table)
    if raw.startswith(b"PK\x05\x06"):  # an empty zip (its end record alone): 'contains NUL bytes'
        raise InputError([Problem(source, f"the archive is empty: it should hold {wanted}", fix)])
    if not raw.startswith(b"PK\x03\x04"):
        return raw
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
    except zipfile.BadZipFile:
        return raw  # a damaged workbook or archive: the caller says what it is not
    if not members:
        inside = [m.filename for m in archive.infolist()]
        if "[Content_Types].xml" in inside:  # a workbook: the caller says what it is not
            return raw
        shown = ", ".join(inside[:10]) + (
            f" and {len(inside) - 10:,} more" if len(inside) > 10 else ""
        )
        raise InputError(  # it was called 'an Excel workbook or a zip archive, not a CSV'
            [
                Problem(
                    source,
                    f"the archive holds no CSV (found: {shown}): it should hold {wanted}",
                    fix,
                )
            ]
        )
    if len(members) > 1 and prefer:
        members = [m for m in members if prefer in Path(m.filename).name.lower()] or members
    if len(members) != 1:
        names = ", ".join(m.filename for m in archive.infolist()[:10])
        raise InputError(
            [Problem(source, f"the archive should hold {wanted} (found: {names})", fix)]
        )
    logger.info("%s: unpacked %s from the zip", source, members[0].filename)
    with archive.open(members[0]) as member:
        return _bounded(member, limit, source, table=table)


def _check_exists(path: PathLike, source: str, *, table: bool = False) -> None:
    """Check that the path is a readable file within the size limit, else raise an InputError.

    A ``table`` (read whole into memory) must also be within the table limit.
    """
    file = Path(path)
    if file.is_dir():
        raise InputError(
            [Problem(source, "is a folder, not a file", "give the path of the file inside it")]
        )
    if not file.is_file():
        raise InputError(
            [Problem(source, "file not found", "check the path and the working directory")]
        )
    _check_size(file.stat().st_size, source, table=table)


# --------------------------------------------------------------------------------------------
# Decoding and parsing CSV; Excel workbooks
# --------------------------------------------------------------------------------------------


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
    _check_title_rows(rows, source)
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


_TITLE_ROWS = 10
"""The most rows above a table's header recognised as a title or notes."""


def _check_title_rows(rows: list[list[str]], source: str) -> None:
    """Refuse a CSV that opens with a title or notes above its header (one problem, not many).

    A CSV saved from a publication's spreadsheet may open with a title line: the first row
    then has one cell and every row of the table looks too long. When most rows are longer
    than the first, the header is the first row of the usual width.
    """

    def width(cells: list[str]) -> int:  # up to the last filled cell: trailing commas aside
        return max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)

    widths = [width(cells) for cells in rows if width(cells)]
    if len(widths) < 3:
        return
    usual = max(set(widths), key=widths.count)
    if widths.count(usual) <= len(widths) / 2 or width(rows[0]) >= usual:
        return
    header = next(i for i, cells in enumerate(rows) if width(cells) == usual)
    filled_above = (sum(bool(cell.strip()) for cell in cells) for cells in rows[:header])
    if header > _TITLE_ROWS or any(2 * count > usual for count in filled_above):
        return  # a short header over wider rows (cells past it) is reported row by row
    shown = ", ".join(cell for cell in rows[header][:4] if cell.strip())
    above = f"rows 1–{header}" if header > 1 else "row 1"
    raise InputError(
        [
            Problem(
                source,
                f"{above} (a title or notes?) {'hold' if header > 1 else 'holds'} fewer cells "
                f"than the table below: its header looks to be row {header + 1} ({shown} …)",
                f"delete {above} so that the header is the first row",
                row=header + 1,
            )
        ]
    )


def _with_header(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Make the first row the header.

    Blank names become ``(blank column N)``, a repeated name ``NAME (repeat K)`` (so that a
    repeated column a loader needs is reported).
    """
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


def _refuse_header_below(
    frame: pd.DataFrame, source: str, has_columns: Callable[[Iterable[object]], bool]
) -> None:
    """Refuse a table whose header is not its first row: title rows stand above it.

    Spreadsheets saved from a publication often open with a title or a note; the first row
    is then read as the header and no column is found. Say which row the header is on:
    the first of the rows below it whose cells ``has_columns`` takes for the file's header.
    """
    if has_columns(frame.columns):
        return
    for index in range(min(_TITLE_ROWS, len(frame))):
        cells = [str(cell) for cell in frame.iloc[index].tolist()]
        if has_columns(cells):
            row = index + 2  # row 1 was read as the header
            shown = ", ".join(cell for cell in cells[:4] if cell)
            raise InputError(
                [
                    Problem(
                        source,
                        f"the header (the column names: {shown} …) is on row {row}, not on "
                        f"the first row: the {row - 1} row{'s' if row > 2 else ''} above it "
                        "(a title or notes) cannot be read as column names",
                        f"delete row{'s' if row > 2 else ''} 1{f'–{row - 1}' if row > 2 else ''}"
                        " so that the header is the first row",
                        row=row,
                    )
                ]
            )


def _drop_trailing_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the all-empty rows at the end (Excel's ``,,,,`` lines); inner ones keep numbers."""
    filled = (frame != "").any(axis=1).to_numpy()
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    return frame.iloc[:last]


def _read_csv(path: PathLike, *, header: bool = True, table: bool = True) -> pd.DataFrame:
    """Read a CSV as stripped strings ('' for empty cells).

    UTF-8 (with or without BOM) first, then Windows-1252 / Latin-1; semicolon- or
    tab-separated files are detected. With ``header`` the first row names the columns (see
    :func:`_with_header`); without, columns are numbered from 0. A ``table`` (every CSV but
    a postcode lookup, which may cover the country) must be within the table limit.
    """
    source = str(path)
    _check_exists(path, source, table=table)
    text = _decode(_unpacked(Path(path).read_bytes(), source, table=table), source)
    if text.lstrip().startswith(("{", "[")):  # a GeoJSON in a CSV's slot: one line, not a row each
        raise InputError(
            [
                Problem(
                    source,
                    "is a JSON file (a GeoJSON?), not a CSV",
                    "give the CSV this option takes here (a map layer goes in a boundaries option)",
                )
            ]
        )
    frame = _strip_cells(_parse_rows(text, _delimiter(text, source), source))
    if header:
        frame = _with_header(frame, source)
    return _drop_trailing_blank_rows(frame)


def _strip_cells(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    for column in frame.columns:
        cells = frame[column].str.strip()
        marked = cells.str.match(_MARKED)  # an apostrophe spreadsheet_text put there
        frame[column] = cells.where(~marked, cells.str.slice(1))
    if all(isinstance(c, str) for c in frame.columns):
        frame.columns = [re.sub(r"\s+", " ", c).strip() for c in frame.columns]
    return frame


def _read_excel_sheets(path: PathLike) -> dict[str, pd.DataFrame]:
    source = str(path)
    _check_exists(path, source, table=True)
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
