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

import csv
import io
import json
import logging
import math
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import pyogrio
import pyogrio.errors

from footprints.atomic import write_text
from footprints.errors import (
    InputError,
    MissingColumnError,
    Problem,
    ProblemLog,
    close_matches,
)
from footprints.io.archives import unzipped
from footprints.io.boundaries import _NOT_RECOGNIZED, _what_the_file_is
from footprints.io.cells import (
    _check_code,
    _code,
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
from footprints.io.nhs import _refuse_pcn_details, read_epcn
from footprints.io.tables import (
    _EXCEL,
    PathLike,
    _check_exists,
    _decode,
    _delimiter,
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
    "is_geo_plan",
    "plan_format",
    "read_geo_plan",
    "read_plan",
    "read_waivers",
    "warn_unknown_waivers",
    "write_plan",
]

logger = logging.getLogger(__name__)

MAX_WAIVERS_BYTES = 16 * 1024**2
"""Largest waivers file read (one short row per network)."""


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
    member = _packed_geo_plan(path)
    if member is not None:
        return _read_packed_geo_plan(path, member)
    return plan_format(path).read(path)


def _is_geo_name(name: str) -> bool:
    return PLAN_FORMATS.get(Path(name).suffix.lower()) in (_GEOJSON, _GEOPACKAGE)


def _packed_geo_plan(path: PathLike) -> str | None:
    """Name the GeoJSON / GeoPackage plan inside a gzip or zip ``path``, else ``None``.

    ``plan.geojson.gz`` holds ``plan.geojson``. A zip holding a CSV is left to the CSV
    reader, as always; one holding no CSV but GeoJSON or GeoPackage files names the one
    plan among them (of an export's pair, ``plan.geojson`` and ``plan_practices.geojson``,
    the practices file). Without this a zipped export, which the app's plan slot takes, was
    refused as 'the archive holds no CSV'.
    """
    text = str(path)
    name = Path(text).name
    if name.lower().endswith(".gz"):
        return name[: -len(".gz")] if _is_geo_name(name[: -len(".gz")]) else None
    if not name.lower().endswith(".zip") or not Path(text).is_file():
        return None
    try:
        with zipfile.ZipFile(text) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return None  # the CSV reader says what the file is
    if any(n.lower().endswith(".csv") for n in names):
        return None
    plans = [n for n in names if _is_geo_name(n) and not Path(n).name.startswith(".")]
    if len(plans) > 1:
        practices = [n for n in plans if Path(n).stem.lower().endswith("practices")]
        if len(practices) != 1:
            raise InputError(
                [
                    Problem(
                        text,
                        f"the zip holds {len(plans):,} GeoJSON / GeoPackage files "
                        f"({', '.join(plans[:10])}): cannot tell which is the plan",
                        "give the plan file itself, or a zip holding only it",
                    )
                ]
            )
        plans = practices
    return plans[0] if plans else None


def _read_packed_geo_plan(path: PathLike, member: str) -> Plan:
    """Read the GeoJSON / GeoPackage plan ``member`` of a gzip or zip, unpacked within limits."""
    source = str(path)
    _check_exists(path, source)
    target = source if source.lower().endswith(".gz") else f"zip://{source}!{member}"
    with unzipped(target, source) as inner:
        return _read_geo_plan(inner, f"{source} ({member})")


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
    _near_duplicate_networks(_sizes(plan), log)
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
# GeoJSON and GeoPackage exports
# --------------------------------------------------------------------------------------------


def _plan_from_rows(rows: Iterable[tuple[str | None, str | None, str | None]], source: str) -> Plan:
    """Build a plan from (practice, network, name) rows; duplicate practices are an error."""
    assignment: dict[str, str] = {}
    names: dict[str, str] = {}
    problems: list[Problem] = []
    for practice, network, name in rows:
        if practice is None or network is None:
            continue
        practice, exact = _code(practice), _optional_network(network)
        if exact is None:
            continue
        network = exact
        if practice in assignment and assignment[practice] != network:
            problems.append(
                Problem(
                    source,
                    f"practice {practice} is in both {assignment[practice]} and {network}",
                    "give each practice one network",
                    code=practice,
                )
            )
            continue
        assignment[practice] = network
        if name is not None:
            names.setdefault(network, name)
    if problems:
        raise InputError(problems)
    plan = Plan(assignment, names)
    _near_duplicate_networks(_sizes(plan), ProblemLog(source, logger))
    logger.info("%s: plan of %d practices in %d networks", source, len(plan), len(plan.networks()))
    return plan


def _sizes(plan: Plan) -> dict[str, int]:
    """Network id → its number of practices."""
    return {network: len(practices) for network, practices in plan.networks().items()}


_EXPORT_AGAIN = "export the plan again with footprints export"
_GIVE_GEOJSON = "give a GeoJSON file"
#: What GDAL raises, through pyogrio, for a file it cannot read.
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    OSError,
)


def _scalar(value: object, field: str) -> str | None:
    """Return a property's text; ValueError for a list or object where text belongs."""
    if isinstance(value, list | tuple | dict):
        kind = "an object" if isinstance(value, dict) else "a list"
        raise ValueError(f"property {field} is {kind}, not text")
    return cell_text(value)


def _codes(value: object) -> list[str]:
    """Read ``practice_codes``: a list of codes, JSON text of one, or codes joined by commas.

    Raises
    ------
    ValueError
        Saying what is wrong with the value (not a list of codes, malformed JSON).
    """
    if isinstance(value, list | tuple):
        if any(isinstance(v, list | tuple | dict) for v in value):
            raise ValueError("property practice_codes holds lists or objects, not codes")
        return [c for c in (cell_text(v) for v in value) if c]
    is_nan = isinstance(value, float) and math.isnan(value)  # a missing value
    if isinstance(value, dict | bool | int | float) and not is_nan:
        raise ValueError(
            f"property practice_codes is {type(value).__name__} {str(value)[:40]!r}, "
            "not a list of practice codes"
        )
    text = cell_text(value)
    if text is None:
        return []
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError(
                f"property practice_codes {text[:40]!r} is not a valid JSON list of codes"
            ) from None
        if not isinstance(parsed, list):
            raise ValueError("property practice_codes is not a list of codes")
        return _codes(parsed)
    return [c.strip() for c in text.split(",") if c.strip()]


def _plan_from_table(records: list[dict[str, Any]], source: str, *, what: str) -> Plan:
    """Build a plan from the features' properties (``what`` names one: "feature", "row")."""
    problems: list[Problem] = []
    rows: list[tuple[str | None, str | None, str | None]] = []
    practices_file = bool(records) and "practice_code" in records[0]
    if records and not practices_file and "practice_codes" not in records[0]:
        raise InputError(
            [
                Problem(
                    source,
                    "the features carry neither practice_code/network_id (a practices file) "
                    "nor practice_codes/network_id (a networks file); properties found: "
                    + ", ".join(sorted(records[0])),
                    _EXPORT_AGAIN,
                )
            ]
        )
    for number, record in enumerate(records, 1):
        try:
            network = _scalar(record.get("network_id"), "network_id")
            name = _scalar(record.get("network_name"), "network_name")
            if practices_file:
                rows.append((_scalar(record.get("practice_code"), "practice_code"), network, name))
            else:
                rows.extend((p, network, name) for p in _codes(record.get("practice_codes")))
        except ValueError as error:
            problems.append(Problem(source, f"{what} {number}: {error}", _EXPORT_AGAIN))
    if problems:
        raise InputError(problems)
    return _plan_from_rows(rows, source) if records else Plan({})


def _not_geo_fix(said: str | None, otherwise: str = _EXPORT_AGAIN) -> str:
    """Return the fix for a plan file that is no GeoJSON / GeoPackage, by what it is instead.

    An empty file or a plan CSV under a .gpkg name gave GDAL's 'not recognized as being in a
    supported file format' (an empty .geojson: 'Expecting value: line 1 column 1').
    """
    if said is not None and said.startswith("it is a table"):
        return "a plan CSV keeps its .csv name: rename the file, or export the plan again"
    return otherwise


def _read_geopackage_plan(path: PathLike, source: str) -> Plan:
    """Read the ``practices`` layer of a GeoPackage export."""
    fix = _EXPORT_AGAIN
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except _GDAL_ERRORS as error:  # a file that is not a GeoPackage
        said = _what_the_file_is(str(path)) if _NOT_RECOGNIZED in str(error) else None
        problem = (
            Problem(source, f"cannot be read as a GeoPackage: {said}", _not_geo_fix(said))
            if said is not None
            else Problem(source, f"cannot be read as a GeoPackage ({_first_line(error)})", fix)
        )
        raise InputError([problem]) from None
    if "practices" not in layers:
        partial = "networks" in layers
        raise InputError(
            [
                Problem(
                    source,
                    (
                        "has a networks layer but no practices layer: an export that was "
                        "interrupted, or a GeoPackage footprints did not write"
                        if partial
                        else "no layer 'practices'; layers found: " + (", ".join(layers) or "none")
                    ),
                    fix,
                )
            ]
        )
    try:
        table = pyogrio.read_dataframe(path, layer="practices", read_geometry=False)
    except _GDAL_ERRORS as error:  # a damaged database
        raise InputError(
            [Problem(source, f"its practices layer cannot be read ({_first_line(error)})", fix)]
        ) from None
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    return _plan_from_table(
        [{str(k): v for k, v in r.items()} for r in records], source, what="row"
    )


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    first = lines[0].split("; ")[0][:200] if lines else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _read_geojson_plan(path: PathLike, source: str) -> Plan:
    """Read the properties of either GeoJSON file of an export."""
    try:
        with Path(path).open(encoding="utf-8-sig") as stream:
            document = json.load(stream)
    except json.JSONDecodeError as error:
        said = _what_the_file_is(str(path)) if error.pos == 0 else None
        raise InputError(
            [
                Problem(
                    source, said or f"not valid JSON ({error})", _not_geo_fix(said, _GIVE_GEOJSON)
                )
            ]
        ) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem(source, "is not UTF-8 text, so not GeoJSON", "give a GeoJSON file")]
        ) from None
    except RecursionError:
        raise InputError(
            [
                Problem(
                    source,
                    "is nested too deeply to be a plan (arrays or objects within each other "
                    "thousands of levels deep)",
                    "give a GeoJSON file footprints export wrote",
                )
            ]
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise InputError(
            [Problem(source, "not a GeoJSON FeatureCollection", "give a GeoJSON file")]
        )
    problems: list[Problem] = []
    records: list[dict[str, Any]] = []
    for number, feature in enumerate(features, 1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(feature, dict):
            problems.append(
                Problem(
                    source,
                    f"feature {number} is {type(feature).__name__} {str(feature)[:40]!r}, "
                    "not a GeoJSON Feature object",
                    _EXPORT_AGAIN,
                )
            )
        elif properties is not None and not isinstance(properties, dict):
            problems.append(
                Problem(
                    source,
                    f"feature {number}: its properties are {type(properties).__name__}, "
                    "not an object",
                    _EXPORT_AGAIN,
                )
            )
        else:
            records.append(dict(properties or {}))
    if problems:
        raise InputError(problems)
    return _plan_from_table(records, source, what="feature")


def read_geo_plan(path: PathLike) -> Plan:
    """Read a plan from a GeoJSON or GeoPackage export (see :mod:`footprints.export`).

    GeoJSON: either file of :func:`footprints.export.write_geojson` — the practices points
    (``practice_code``, ``network_id``) or the networks (``network_id``, ``practice_codes``).
    GeoPackage: the ``practices`` layer; a GeoPackage without it (an interrupted export
    holds only ``networks``) is refused.

    Raises
    ------
    InputError
        For a file that is missing, too large, not GeoJSON or not a GeoPackage, nested too
        deeply, lacking the practices layer, or whose features or properties are malformed
        (every such feature is listed).
    """
    return _read_geo_plan(path, str(path))


def _read_geo_plan(path: PathLike, source: str) -> Plan:
    """Read a GeoJSON or GeoPackage plan at ``path``, naming ``source`` in every problem."""
    _check_exists(path, source)
    if PLAN_FORMATS.get(Path(path).suffix.lower()) is _GEOPACKAGE:
        plan = _read_geopackage_plan(path, source)
    else:
        plan = _read_geojson_plan(path, source)
    if not len(plan):  # an empty layer would be judged as a plan placing no one
        raise InputError(
            [
                Problem(
                    source,
                    "holds no practice with a network (no features, or none with a "
                    "practice_code and network_id)",
                    "give the practices layer of a plan's export (footprints export or "
                    "propose --out PLAN.geojson)",
                )
            ]
        )
    return plan


def is_geo_plan(path: PathLike) -> bool:
    """Tell whether ``path`` names a GeoJSON or GeoPackage plan (by its extension)."""
    return PLAN_FORMATS.get(Path(path).suffix.lower()) in (_GEOJSON, _GEOPACKAGE)


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
_GEOJSON = PlanFormat("geojson", (".geojson", ".json"), read_geo_plan)
_GEOPACKAGE = PlanFormat("gpkg", (".gpkg",), read_geo_plan)

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


def read_waivers(path: PathLike) -> dict[str, str]:
    """Read waiver reasons: ``network_id,reason`` in a CSV or a workbook's first sheet."""
    source = str(path)
    if not Path(path).is_file():
        raise InputError([Problem(source, "file not found", "check the path")])
    data = Path(path).read_bytes()
    if len(data) > MAX_WAIVERS_BYTES:
        raise InputError(
            [
                Problem(
                    source,
                    f"is {len(data):,} bytes; a waivers file is at most "
                    f"{MAX_WAIVERS_BYTES:,} (one short row per network)",
                    "give the CSV network_id,reason",
                )
            ]
        )
    if Path(path).suffix.lower() in _EXCEL:  # reasons typed in Excel: its first sheet
        sheets = _read_excel_sheets(path)
        frame = next(iter(sheets.values()), pd.DataFrame())
        cells = frame.astype(object).where(frame.notna(), "")
        table = [[str(c) for c in frame.columns], *([str(c) for c in row] for row in cells.values)]
        rows = [row for row in table if any(cell.strip() for cell in row)]
        return _waivers_from_rows(rows, source)
    text = _decode(data, source)  # a workbook under a .csv name is refused, UTF-16 read
    sep = _delimiter(text, source)  # European Excel saves with semicolons
    try:
        rows = [
            row
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            if any(cell.strip() for cell in row)
        ]
    except csv.Error as error:
        raise InputError(
            [Problem(source, f"cannot be read as CSV ({error})", "save it again as CSV UTF-8")]
        ) from None
    return _waivers_from_rows(rows, source, sep=sep)


_WAIVER_ALIASES = {"waiver_reason": "reason", "waiver": "reason"}
"""Other names of a waivers file's columns (after :func:`_normalise_name`)."""


def _waivers_from_rows(rows: list[list[str]], source: str, *, sep: str = ",") -> dict[str, str]:
    """Waiver reasons from a waivers file's non-blank rows, the header first."""
    found = [cell.strip() for cell in rows[0]] if rows else []
    # "Network ID" and "Waiver reason" as typed in a spreadsheet; a plan file's waiver_reason
    header = [_WAIVER_ALIASES.get(_normalise_name(c), _normalise_name(c)) for c in found]
    missing = [c for c in ("network_id", "reason") if c not in header]
    if not rows:  # 'no column network_id, reason; columns found: ' (nothing after it)
        raise InputError(
            [
                Problem(
                    source,
                    "the file is empty (no header, no waivers)",
                    "give a CSV with the header network_id,reason and a row per waived network",
                )
            ]
        )
    if missing:
        raise InputError(
            [
                Problem(
                    source,
                    f"no column {', '.join(missing)}; columns found: {', '.join(found)}",
                    "give a CSV with the header network_id,reason",
                )
            ]
        )
    network_at, reason_at = header.index("network_id"), header.index("reason")
    waivers: dict[str, str] = {}
    problems = []
    for offset, row in enumerate(rows[1:]):
        if len(row) > len(header):
            if reason_at != len(header) - 1:
                problems.append(
                    Problem(
                        source,
                        f"row has {len(row)} cells but the header has {len(header)}",
                        'put the reason in double quotes ("rural, island")',
                        row=offset + 2,
                    )
                )
                continue
            # An unquoted comma in the reason (the last column): keep the whole sentence.
            row = [*row[:reason_at], sep.join(row[reason_at:])]
        row = row + [""] * (len(header) - len(row))
        network = row[network_at].strip()  # as the plan writes it: ids are compared exactly
        reason = row[reason_at].strip()
        if not network:
            continue
        if not reason:  # read as no waiver: the pack said 'Waiver reason: none recorded'
            ProblemLog(source, logger).warn(
                f"network {network} has no reason: it is not waived",
                "write the reason beside it (why the network may be outside the band)",
                row=offset + 2,
                code=network,
            )
        if network in waivers:
            problems.append(
                Problem(source, f"network {network} has two rows", "keep one", row=offset + 2)
            )
        waivers[network] = reason
    if problems:
        raise InputError(problems)
    logger.info("%s: %d waiver reasons", source, len(waivers))
    return waivers


def warn_unknown_waivers(
    waivers: Mapping[str, str], plan: Plan, *, source: str | None = None
) -> None:
    """Warn about waivers naming no network, with the network meant where ids nearly match.

    Network ids are compared exactly: a waiver for ``uz0029`` is not given to ``UZ0029``,
    but the warning names it. ``source`` (the waivers file, as the user named it) starts
    the warning.
    """
    networks = plan.networks()
    unknown = sorted(set(waivers) - set(networks))
    if not unknown:
        return
    near: dict[str, list[str]] = {}
    for network in networks:
        near.setdefault("".join(network.split()).casefold(), []).append(network)
    for network, name in plan.names.items():  # a waiver written by the network's name
        if network in networks and name:
            near.setdefault("".join(str(name).split()).casefold(), []).append(network)
    named = []
    for waiver in unknown:
        # the same id but for case or spaces, else a close one ('U0151' for U01315)
        meant = near.get("".join(waiver.split()).casefold(), []) or close_matches(waiver, networks)
        named.append(
            f"{waiver!r}" + (f" (did you mean {', '.join(map(repr, meant))}?)" if meant else "")
        )
    logger.warning(
        "%swaivers name %s not in the plan: %s; network ids are compared exactly (give the "
        "network's id, such as its PCN code, not its name)",
        f"{source}: " if source else "",
        f"{len(unknown):,} network{'' if len(unknown) == 1 else 's'}",
        ", ".join(named),
    )
