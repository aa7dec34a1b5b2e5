"""What a cell's text means: codes, names, network ids, numbers, list sizes, duplicates.

The helpers turn the stripped strings :mod:`footprints.io.tables` reads into codes (stripped
of spaces and invisible characters, upper-cased; a code Excel turned into a number,
``8.1E+04``, is an error), numbers (``12,345`` is a number but a decimal comma, ``54,5``, is
an error, and so are separators that read two ways: ``30,000.5``, and ``30.000`` where a
whole number is due) and list sizes (negative, fractional or over :data:`MAX_LIST_SIZE` is
an error; 0 a warning). Problems go to a :class:`~footprints.errors.ProblemLog` with the row
and code, so that a file's problems are reported together.

Spreadsheet formulas: every CSV footprints writes passes its text cells through
:func:`spreadsheet_text`, which puts an apostrophe before a cell beginning ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (OWASP's advice against CSV formula injection), so
a name such as ``=HYPERLINK(...)`` opens in Excel as text, not a formula. Reading a CSV
drops that apostrophe again (:data:`_MARKED`), so the plan CSV reads back exactly as written.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from footprints.errors import InputError, Problem, ProblemLog

__all__ = [
    "FORMULA_TRIGGERS",
    "MAX_LIST_SIZE",
    "UNALLOCATED_NETWORK",
    "AmbiguousNumberError",
    "cell_text",
    "spreadsheet_csv",
    "spreadsheet_text",
]

UNALLOCATED_NETWORK = "U"
"""NHS Digital's placeholder PCN code for a practice in no network."""

MAX_LIST_SIZE = 1_000_000
"""Largest credible list size: England's largest practices have about 100,000 patients."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a CSV cell as a formula (OWASP)."""
_TEXT_MARK = "'"


def spreadsheet_text(text: str) -> str:
    """Return ``text`` as a CSV cell no spreadsheet runs as a formula.

    A cell beginning with one of :data:`FORMULA_TRIGGERS` gets an apostrophe in front
    (``=1+1`` → ``'=1+1``), as OWASP advises against CSV injection; so does one that already
    begins with an apostrophe followed by a trigger or another apostrophe, so that reading
    the CSV back (which drops one such apostrophe) gives the text exactly.
    """
    if text.startswith(FORMULA_TRIGGERS) or (
        text.startswith(_TEXT_MARK) and text[1:2] in (*FORMULA_TRIGGERS, _TEXT_MARK)
    ):
        return _TEXT_MARK + text
    return text


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def spreadsheet_csv(frame: pd.DataFrame) -> str:
    """Return ``frame`` (text cells) as CSV text a spreadsheet opens without running formulas.

    Each cell goes through :func:`spreadsheet_text`; a cell holding a comma, a quote, a line
    feed or a carriage return is quoted (pandas leaves a lone carriage return bare, which
    every reader takes for the end of the row). Lines end with a line feed; no index column.
    """
    lines = [",".join(_csv_cell(str(c)) for c in frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append(",".join(_csv_cell(spreadsheet_text(str(cell))) for cell in row))
    return "\n".join(lines) + "\n"


_MARKED = re.compile("'[" + re.escape("".join((*FORMULA_TRIGGERS, _TEXT_MARK))) + "]")
"""A cell :func:`spreadsheet_text` marked: reading drops the apostrophe."""


def _objects(values: Iterable[object]) -> pd.Series:
    """Make an object column of ``str`` or ``None`` (pandas 3 would otherwise store ``NaN``)."""
    return pd.Series(
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values],
        dtype=object,
    )


def _code(value: object) -> str:
    """Return a code as stored.

    Invisible characters (zero-width spaces, stray BOMs) are dropped, surrounding spaces
    stripped, and the code upper-cased.
    """
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cf")
    return text.strip().upper()


def _practice_code(value: object, log: ProblemLog, *, row: int | None) -> str:
    """Return a practice code as stored, with any space inside it removed and reported.

    ODS practice codes (``G82006``) never hold a space; one typed or pasted inside
    (``G82 006``) made the practice a stranger to every other file. It is removed, with a
    warning naming the row, so that the user can correct the file.
    """
    code = _code(value)
    joined = "".join(code.split())
    if joined != code:
        log.warn(
            f"practice code {code!r} has a space inside it; read as {joined}",
            "remove the space from the code in the file (ODS codes have none)",
            row=row,
            code=joined,
        )
    return joined


_EXCEL_NUMBER = re.compile(r"\d+\.0+|\d+(\.\d+)?E[+-]?\d+")


def _check_code(
    code: str, log: ProblemLog, *, row: int | None, what: str = "practice code"
) -> bool:
    """Report a code Excel turned into a number (``8.1E+04``, ``81001.0``): False and an error."""
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


def cell_text(value: object) -> str | None:
    """Return a cell's text, stripped; ``None`` for a missing (``None``, NaN, NA) or blank one."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _optional_name(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _optional_network(value: object) -> str | None:
    """Return a network id exactly as written, or ``None`` (an empty cell, the placeholder ``U``).

    Only surrounding spaces and invisible characters (zero-width spaces pasted from the web)
    are dropped: ids differing in case or inner spaces are different networks (see
    :func:`_near_duplicate_networks`).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) != "Cf").strip()
    if not text or text.upper() == UNALLOCATED_NETWORK:
        return None
    return text


def _network_key(network: str) -> str:
    """Compare ids as a reader might: without case or spaces."""
    return "".join(network.split()).casefold()


def _near_duplicate_networks(counts: Mapping[str, int], log: ProblemLog) -> None:
    """Warn about network ids that differ only in case or spaces (``PCN 1``, ``pcn1``).

    ``counts`` maps each id to its number of practices. They stay separate networks (ids
    are compared exactly): the warning names each group, so that a typing slip is seen.
    """
    groups: dict[str, list[str]] = {}
    for network in counts:
        groups.setdefault(_network_key(network), []).append(network)
    for ids in groups.values():
        if len(ids) < 2:
            continue
        listed = " and ".join(
            f"{network!r} ({counts[network]:,} practice{'s' if counts[network] != 1 else ''})"
            for network in sorted(ids)
        )
        log.warn(
            f"network ids {listed} differ only in case or spaces; they are kept as "
            f"{len(ids)} networks",
            "if they are one network, write its id the same way on every row",
        )


_SEPARATOR = "[,\u00a0\u202f ]"
_GROUPED = re.compile(rf"[+-]?\d{{1,3}}(?:({_SEPARATOR})\d{{3}})(?:\1\d{{3}})*")
_GROUPED_WITH_POINT = re.compile(rf"[+-]?\d{{1,3}}(?:({_SEPARATOR})\d{{3}})(?:\1\d{{3}})*\.\d*")
_DOTTED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")


class AmbiguousNumberError(ValueError):
    """A cell whose separators can be read as two different numbers; says which two."""


def _parse_number(text: str, *, whole: bool = False) -> float | None:
    """Read a number from a cell: None when empty; ValueError when not a finite number.

    Thousands separators are read when they group digits in threes (``12,345``, ``12 345``);
    any other comma (a decimal comma, ``54,5``) is an error rather than a silent misreading.
    Separators that can be read two ways raise :class:`AmbiguousNumberError` instead of a
    guess: a thousands separator beside a decimal point (``30,000.5``), and, in a column of
    whole numbers (``whole``), a dot before groups of three digits (``30.000``: 30 in
    English, 30,000 in much of Europe). ``30,000`` and ``30000`` are read as 30,000.
    """
    text = text.strip()
    if not text:
        return None
    if _GROUPED_WITH_POINT.fullmatch(text):
        raise AmbiguousNumberError(
            "a thousands separator beside a decimal point: the separators of another "
            "country's spreadsheet, or a typing slip?"
        )
    if whole and _DOTTED_THOUSANDS.fullmatch(text):
        english, european = float(text), float(text.replace(".", ""))
        raise AmbiguousNumberError(
            f"{english:g} or {european:,.0f}? (a dot before three digits is a decimal point in "
            "English and a thousands separator in much of Europe)"
        )
    if _GROUPED.fullmatch(text):
        text = re.sub(_SEPARATOR, "", text)
    value = float(text)  # ValueError for text, decimal commas, "1,2345"
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _not_a_number(what: str, text: str) -> str:
    hint = " (a comma is read only as a thousands separator, as in 12,345)" if "," in text else ""
    return f"{what} {text!r} is not a number{hint}"


def _ambiguous(what: str, text: str, column: str | None, error: AmbiguousNumberError) -> str:
    """Say which cell is ambiguous and how: ``list size '30.000' in column 'list_size' …``."""
    where = f" in column {column!r}" if column else ""
    return f"{what} {text!r}{where} is ambiguous: {error}"


def _parse_list_size(
    text: str, log: ProblemLog, *, row: int | None, code: str | None, column: str | None = None
) -> int | None:
    """Read a list size (``column`` names the file's column in messages); log any problem."""
    fix = "give the registered list size as a whole number of patients (0 or more)"
    try:
        value = _parse_number(text, whole=True)
    except AmbiguousNumberError as error:
        log.error(
            _ambiguous("list size", text, column, error),
            "write the number without separators (30000) or with commas for thousands (30,000)",
            row=row,
            code=code,
        )
        return None
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


def _duplicates(codes: list[str], log: ProblemLog, *, what: str, first_row: int | None = 2) -> None:
    """Report each code on several rows.

    ``first_row=None``: a table joined from files, whose rows are no file's, so the count is
    given instead of the rows.
    """
    rows: dict[str, list[int]] = {}
    for offset, code in enumerate(codes):
        if code:
            rows.setdefault(code, []).append(offset + (first_row or 0))
    for code, where in rows.items():
        if len(where) > 1:
            log.error(
                f"{what} {code} appears on rows {', '.join(map(str, where))}"
                if first_row is not None
                else f"{what} {code} appears {len(where)} times",
                f"keep one row per {what} (merge the rows if practices merged)",
                row=where[1] if first_row is not None else None,
                code=code,
            )


def _is_blank(record: Mapping[Any, object]) -> bool:
    """Whether a row's cells are all empty (a spreadsheet's ``,,,,`` line)."""
    return not any(str(value).strip() for value in record.values())


def _skipped_blank_rows(rows: list[int], log: ProblemLog, *, what: str) -> None:
    """Warn once that the empty rows inside a table were passed over, with the count.

    ``rows`` are the file rows of the empty rows; the first few are named. An empty row in
    the middle of a table (a line left when rows were deleted or sorted in a spreadsheet) is
    no ``what`` and nothing is lost: it stopped a whole run.
    """
    if not rows:
        return
    many = len(rows) != 1
    shown = ", ".join(map(str, rows[:5])) + (
        f" and {len(rows) - 5:,} more" if len(rows) > 5 else ""
    )
    log.warn(
        f"{len(rows):,} empty row{'s' if many else ''} passed over (row{'s' if many else ''} "
        f"{shown}): {'they hold' if many else 'it holds'} no {what}",
        "nothing to do; delete the empty rows to keep the file tidy",
    )


_ONE_SEX = {"MALE", "FEMALE", "M", "F"}


def _refuse_one_sex(
    present: set[str], *, column: str, source: str, fix: str, consequence: str = ""
) -> None:
    """Refuse a file of one sex, such as NHS Digital's ``…-male.csv`` beside the totals.

    ``present`` holds the values of the file's sex ``column`` (stripped, upper-case). When
    they are one sex only (``MALE`` or ``FEMALE``, ``M`` or ``F``), an ``InputError`` names
    ``source``, the sex and the column, what reading it would do (``consequence``, if given)
    and ``fix``: read as all patients, such a file gave each practice half of them.
    """
    if len(present) != 1 or not present <= _ONE_SEX:
        return
    (only,) = present
    said = (
        f"counts only the {'male' if only.startswith('M') else 'female'} patients "
        f"(every row's {column} is {only})"
    )
    raise InputError([Problem(source, f"{said}: {consequence}" if consequence else said, fix)])
