"""Plans in GeoJSON and GeoPackage: the exports of :mod:`footprints.export` read back.

:func:`read_geo_plan` reads either GeoJSON file of an export (the practices points or the
networks) or a GeoPackage's ``practices`` layer; :func:`packed_geo_plan` finds such a plan
inside a gzip or zip. :mod:`footprints.io.plans` lists these formats in its extension →
format table and reads every other plan file.
"""

from __future__ import annotations

import json
import logging
import math
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyogrio

from footprints.errors import InputError, Problem, ProblemLog
from footprints.io.archives import unzipped
from footprints.io.boundaries import _GDAL_ERRORS as _BOUNDARY_GDAL_ERRORS
from footprints.io.boundaries import _NOT_RECOGNIZED, _what_the_file_is
from footprints.io.cells import _code, _near_duplicate_networks, _optional_network, cell_text
from footprints.io.tables import PathLike, _check_exists
from footprints.plan import Plan

__all__ = [
    "GEOJSON_EXTENSIONS",
    "GEOPACKAGE_EXTENSIONS",
    "is_geo_plan",
    "packed_geo_plan",
    "read_geo_plan",
    "read_packed_geo_plan",
]

logger = logging.getLogger(__name__)

GEOJSON_EXTENSIONS = (".geojson", ".json")
"""The extensions of a GeoJSON plan (the first is the one written)."""
GEOPACKAGE_EXTENSIONS = (".gpkg",)
"""The extensions of a GeoPackage plan."""


def _is_geo_name(name: str) -> bool:
    return Path(name).suffix.lower() in (*GEOJSON_EXTENSIONS, *GEOPACKAGE_EXTENSIONS)


def packed_geo_plan(path: PathLike) -> str | None:
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


def read_packed_geo_plan(path: PathLike, member: str) -> Plan:
    """Read the GeoJSON / GeoPackage plan ``member`` of a gzip or zip, unpacked within limits."""
    source = str(path)
    _check_exists(path, source)
    target = source if source.lower().endswith(".gz") else f"zip://{source}!{member}"
    with unzipped(target, source) as inner:
        return _read_geo_plan(inner, f"{source} ({member})")


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
    sizes = {network: len(members) for network, members in plan.networks().items()}
    _near_duplicate_networks(sizes, ProblemLog(source, logger))
    logger.info("%s: plan of %d practices in %d networks", source, len(plan), len(plan.networks()))
    return plan


_EXPORT_AGAIN = "export the plan again with footprints export"
_GIVE_GEOJSON = "give a GeoJSON file"
#: What GDAL raises, through pyogrio, for a file it cannot read (boundaries' list, and OSError).
_GDAL_ERRORS = (*_BOUNDARY_GDAL_ERRORS, OSError)


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
    if Path(path).suffix.lower() in GEOPACKAGE_EXTENSIONS:
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
    return _is_geo_name(str(path))
