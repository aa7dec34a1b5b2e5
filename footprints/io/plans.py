"""Plans: every plan file footprints reads or writes, and the one extension → format table.

A plan is read from the plan CSV (``practice_code,network_id,network_name``), an ePCN core
partner file (``ePCN.xlsx`` or its "PCN Core Partner Details" CSV copy), a practices CSV
with a network column, or a GeoJSON / GeoPackage export of :mod:`footprints.export`.

:data:`PLAN_FORMATS` maps each file extension to its :class:`PlanFormat`, and
:data:`EXPORT_FORMATS` names the formats a plan is written in; :func:`read_plan`,
:func:`footprints.export.export_plan` and the command line all choose a format there. The
plan CSV is written here (:func:`write_plan`); the formats that carry the region's geometry
or CCG names are written by :mod:`footprints.export`, which needs the region.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pandas as pd

from footprints.atomic import write_text
from footprints.errors import (
    InputError,
    MissingColumnError,
    Problem,
    ProblemLog,
)
from footprints.io.cells import (
    _check_code,
    _duplicates,
    _is_blank,
    _near_duplicate_networks,
    _optional_network,
    _practice_code,
    _skipped_blank_rows,
    cell_text,
    spreadsheet_csv,
)
from footprints.io.columns import _PLAN_FIELDS, _normalise_name, _resolve_columns, _tier_matches
from footprints.io.geoplans import (
    GEOJSON_EXTENSIONS,
    GEOPACKAGE_EXTENSIONS,
    packed_geo_plan,
    read_geo_plan,
    read_packed_geo_plan,
)
from footprints.io.nhs import _refuse_pcn_details, read_epcn
from footprints.io.tables import (
    _EXCEL,
    PathLike,
    _drop_trailing_blank_rows,
    _read_csv,
    _read_excel_sheets,
    _refuse_header_below,
    _strip_cells,
)
from footprints.plan import Plan

__all__ = [
    "EXPORT_FORMATS",
    "PLAN_FORMATS",
    "PlanFormat",
    "accepted_extensions",
    "plan_format",
    "read_plan",
    "write_plan",
]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# The plan CSV and ePCN files
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
        :mod:`footprints.export`). Each may come gzipped (``plan.geojson.gz``) or in a zip:
        a zip holding a CSV is read as that CSV, and one holding no CSV but a GeoJSON or
        GeoPackage plan as that plan (of an export's two GeoJSON files, the practices one).

    Returns
    -------
    Plan
        Practice → network. Rows with no network, or the placeholder ``U``, are left out
        (the validator reports them as unassigned). Duplicate practice rows are an error.
        Network ids are kept exactly as written (only surrounding spaces and invisible
        characters are dropped): ids that differ only in case or spaces (``PCN 1``,
        ``pcn1``) are separate networks, each with its own name, and a warning names them.

    Raises
    ------
    InputError
        For every problem found in the file (a name with an extension that names no plan
        format, see :data:`PLAN_FORMATS`, is read as a plan CSV).
    """
    member = packed_geo_plan(path)
    if member is not None:
        return read_packed_geo_plan(path, member)
    return plan_format(path).read(path)


def _read_plan_csv(path: PathLike) -> Plan:
    """Read a plan CSV, an ePCN core partner CSV or a practices CSV with a network column."""
    source = str(path)
    frame = _read_csv(path)
    normal = {_normalise_name(c) for c in frame.columns}
    if "partner_organisation_code" in normal:
        return _read_epcn_plan(path)
    _refuse_pcn_details(frame, source)
    _refuse_header_below(frame, source, _has_plan_columns)
    return _plan_from_frame(frame, source)


def _has_plan_columns(columns: Iterable[object]) -> bool:
    """Whether ``columns`` name a practice code and a network, as a plan's reader finds them."""
    by_normal = {_normalise_name(c): str(c) for c in columns}
    return all(
        any(_tier_matches(tier, by_normal) for tier in field_.tiers)
        for field_ in _PLAN_FIELDS
        if field_.name in ("code", "network")
    )


def _read_plan_workbook(path: PathLike) -> Plan:
    """Read the ePCN workbook, or a plan kept in a workbook: its first sheet with a plan's columns.

    A plan edited in Excel and saved as ``.xlsx`` (``practice_code, network_id`` on a sheet
    of any name) was refused for want of a "PCN Core Partner Details" sheet.
    """
    source = str(path)
    sheets = _read_excel_sheets(path)
    for name, frame in sheets.items():
        normal = {_normalise_name(c) for c in frame.columns}
        if "core_partner" in _normalise_name(name) or "partner_organisation_code" in normal:
            return _read_epcn_plan(path)
    for name, frame in sheets.items():
        if _has_plan_columns(frame.columns):
            where = source if len(sheets) == 1 else f"{source}, sheet {name!r}"
            return _plan_from_frame(_drop_trailing_blank_rows(_strip_cells(frame)), where)
    found = "; ".join(
        f"{name!r}: {', '.join(str(c) for c in frame.columns[:6])}"
        for name, frame in sheets.items()
    )
    raise MissingColumnError(
        f"{source}: no sheet of the workbook holds a plan (a practice code and a network "
        f"column, such as practice_code,network_id) or the ePCN membership (sheet 'PCN Core "
        f"Partner Details'); sheets found — {found or 'none'}. Put the plan on a sheet with "
        "those column names, or save it as CSV"
    )


def _plan_from_frame(frame: pd.DataFrame, source: str) -> Plan:
    """Read a plan from a table's cells (stripped strings): practice code → network."""
    resolved = _resolve_columns(frame, _PLAN_FIELDS, source=source, required=("code", "network"))
    if frame.empty:  # a file emptied by mistake would be judged as a plan placing no one
        raise InputError(
            [
                Problem(
                    source,
                    "has a header but no plan rows",
                    "give one row per practice (practice_code,network_id), such as a plan "
                    "propose wrote or the ePCN file",
                )
            ]
        )
    waiver_column = next((c for c in frame.columns if _normalise_name(c) == "waiver_reason"), None)
    log = ProblemLog(source, logger)
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    waivers: dict[str, str] = {}
    codes: list[str] = []
    first_row: dict[str, int] = {}
    left_out = 0
    blank_rows: list[int] = []
    for offset, record in enumerate(frame.to_dict("records")):
        code = _practice_code(record[resolved["code"]], log, row=offset + 2)
        codes.append(code)
        if not code:
            if _is_blank(record):
                blank_rows.append(offset + 2)
            else:
                log.error("the practice code is empty", "remove the row", row=offset + 2)
            continue
        _check_code(code, log, row=offset + 2)
        network = _optional_network(record[resolved["network"]])
        if code in first_row and network is not None and assignment.get(code) == network:
            codes[-1] = ""  # a repeat of an earlier row (copied twice): merged, not refused
            log.warn(
                f"practice {code} is in {network} on rows {first_row[code]} and {offset + 2}; "
                "the repeated row is read once",
                "delete the repeated row",
                row=offset + 2,
                code=code,
            )
            continue
        first_row.setdefault(code, offset + 2)
        if network is None:
            left_out += 1
            continue
        assignment[code] = network
        if resolved["network_name"] and record[resolved["network_name"]]:
            names.setdefault(network, record[resolved["network_name"]])
        reason = cell_text(record[waiver_column]) if waiver_column is not None else None
        if reason:
            waivers.setdefault(network, reason)
    _duplicates(codes, log, what="practice")
    _skipped_blank_rows(blank_rows, log, what="practice")
    log.raise_if_errors()
    plan = Plan(assignment, names, waivers)
    _near_duplicate_networks({n: len(m) for n, m in plan.networks().items()}, log)
    logger.info(
        "%s: plan of %d practices in %d networks (%d rows without a network left out)",
        source,
        len(plan),
        len(plan.networks()),
        left_out,
    )
    return plan


def _read_epcn_plan(path: PathLike) -> Plan:
    """Read the current members of each PCN from an ePCN file (workbook or CSV copy)."""
    members = read_epcn(path)
    names = dict(zip(members["network"], members["network_name"], strict=True))
    plan = Plan(dict(zip(members["code"], members["network"], strict=True)), names)
    logger.info("%s: plan of %d practices in %d networks", path, len(plan), len(plan.networks()))
    return plan


def write_plan(plan: Plan, path: PathLike | TextIO) -> None:
    """Write ``plan`` as the plan CSV ``practice_code,network_id,network_name``.

    One row per practice, sorted by network then practice; a plan with waiver reasons has a
    fourth column, ``waiver_reason``, repeated on every row of the waived network (and read
    back by :func:`read_plan`). A file is written atomically
    (:func:`footprints.atomic.replacing`); ``path`` may also be an open text stream. Cells
    a spreadsheet would run as formulas are marked as text (see
    :func:`~footprints.io.cells.spreadsheet_text`).

    Raises
    ------
    InputError
        When ``path``'s extension names another format (``plan.gpkg``, ``plan.geojson``,
        ``plan.xlsx``): the file would hold CSV text under a name no reader takes as CSV.
        :func:`footprints.export.export_plan` writes each format by its extension.
    """
    if isinstance(path, str | os.PathLike):
        suffix = Path(path).suffix.lower()
        named = PLAN_FORMATS.get(suffix)
        if named is not None and named is not _PLAN_CSV:
            raise InputError(
                [
                    Problem(
                        str(path),
                        f"write_plan writes the plan CSV, but the extension {suffix!r} names "
                        "another format",
                        "end the name with .csv, or write the other format with "
                        "footprints.export.export_plan (the command line: footprints export)",
                    )
                ]
            )
    columns = ["practice_code", "network_id", "network_name"]
    if plan.waivers:
        columns.append("waiver_reason")
    rows = [
        {
            "practice_code": practice,
            "network_id": network,
            "network_name": plan.network_name(network),
            "waiver_reason": plan.waivers.get(network, ""),
        }
        for network, practices in plan.networks().items()
        for practice in practices
    ]
    table = pd.DataFrame(rows, columns=columns)
    text = spreadsheet_csv(table)
    if isinstance(path, str | os.PathLike):
        write_text(path, text)
    else:
        path.write(text)
    logger.info("%s: wrote %d practices in %d networks", path, len(table), len(plan.networks()))


# --------------------------------------------------------------------------------------------
# The one extension → format table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFormat:
    """A plan file format: its name, the extensions that name it, how it is read and written.

    Parameters
    ----------
    name
        The name ``footprints export --format`` takes: ``plan``, ``epcn``, ``geojson`` or
        ``gpkg`` (``epcn_workbook`` is read only).
    extensions
        The file extensions of the format, lower case with the dot; messages suggest the
        first.
    read
        Reads a file of this format as a :class:`~footprints.plan.Plan`.
    write
        Writes a plan in this format without the region (the plan CSV); ``None`` when the
        format needs the region (:func:`footprints.export.export_plan` writes it) or is read
        only.
    writable
        Whether footprints writes the format at all.
    """

    name: str
    extensions: tuple[str, ...]
    read: Callable[[PathLike], Plan]
    write: Callable[[Plan, PathLike], None] | None = None
    writable: bool = True

    @property
    def needs_region(self) -> bool:
        """Whether writing a plan in this format needs the region (practices, boundaries)."""
        return self.writable and self.write is None


_PLAN_CSV = PlanFormat("plan", (".csv",), _read_plan_csv, write=write_plan)
_EPCN_CSV = PlanFormat("epcn", (".csv",), _read_plan_csv)
_EPCN_WORKBOOK = PlanFormat("epcn_workbook", _EXCEL, _read_plan_workbook, writable=False)
_GEOJSON = PlanFormat("geojson", GEOJSON_EXTENSIONS, read_geo_plan)
_GEOPACKAGE = PlanFormat("gpkg", GEOPACKAGE_EXTENSIONS, read_geo_plan)

PLAN_FORMATS: Mapping[str, PlanFormat] = {
    extension: format_
    for format_ in (_PLAN_CSV, _EPCN_WORKBOOK, _GEOJSON, _GEOPACKAGE)
    for extension in format_.extensions
}
"""File extension → the plan format it names (``.csv`` is the plan CSV, or an ePCN copy)."""

EXPORT_FORMATS: Mapping[str, PlanFormat] = {
    format_.name: format_ for format_ in (_PLAN_CSV, _EPCN_CSV, _GEOJSON, _GEOPACKAGE)
}
"""Format name → the formats a plan is written in (``footprints export --format``)."""


def accepted_extensions(*, write: bool = False) -> str:
    """Name the extensions :func:`plan_format` accepts, in words: ``.csv, .geojson or .gpkg``.

    For reading every extension is listed; for writing, the first extension of each format.
    """
    if write:
        formats = dict.fromkeys(f for f in PLAN_FORMATS.values() if f.writable)
        names = [f.extensions[0] for f in formats]
    else:
        names = list(PLAN_FORMATS)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def plan_format(path: PathLike, *, write: bool = False) -> PlanFormat:
    """Choose the plan format ``path``'s extension names, for reading or (``write=True``) writing.

    A file read whose extension names no format (``plan.txt``) is read as a plan CSV, whose
    reader sniffs the separator.

    Raises
    ------
    InputError
        For writing, when the extension names no format footprints writes, naming the
        extensions accepted.
    """
    suffix = Path(path).suffix.lower()
    found = PLAN_FORMATS.get(suffix)
    if found is not None and (found.writable or not write):
        return found
    if found is None and not write:
        return PLAN_FORMATS[".csv"]  # any other name is read as a (sniffed) CSV, as always
    raise InputError(
        [
            Problem(
                str(path),
                f"cannot tell the {'export' if write else 'plan'} format from the extension "
                f"{suffix!r}",
                f"end the name with {accepted_extensions(write=write)}",
            )
        ]
    )
