"""Writing a plan for analysts: GeoJSON, GeoPackage and ePCN-style CSV, with the region.

Every format reads back as the same :class:`~footprints.plan.Plan` through
:func:`footprints.io.read_plan` (which dispatches on the file's extension and content, in
:mod:`footprints.io.plans`), so a plan can travel between tools and return unchanged.

GeoJSON (RFC 7946)
    :func:`write_geojson` writes two files: ``PATH`` — a FeatureCollection of network
    footprints (the union of member catchments clipped to their CCG; under registration
    geography the network's territory, its LSOAs dissolved) — and
    ``<stem>_practices.geojson`` beside it, the practices as points with their network.
    Coordinates are longitude/latitude (EPSG:4326, no ``crs`` member), rounded to 6 decimal
    places (about 0.1 m); polygon rings follow the right-hand rule
    (exteriors counter-clockwise, holes clockwise). Network properties: ``network_id``,
    ``network_name`` (``null`` when the plan gives no name), ``population``,
    ``practice_count``, ``practice_codes`` (array), ``ccg`` and ``stp`` (the area codes, ", "
    joined and largest population first when a network crosses), ``patches`` (array,
    largest population first), ``in_band``, ``band_gap`` (patients below (−) or above (+) the
    band), ``violations`` (array of ``{rule, severity, message}``) and ``geography``
    (``"voronoi"`` or ``"registrations"``: which catchments the footprints and rules used);
    under registration geography also ``containment`` (the share of the network's patients
    living in its territory) and ``territory_parts`` (connected parts of its territory).
    Practice properties:
    ``practice_code``, ``practice_name``, ``list_size``, ``network_id``, ``network_name``,
    ``ccg``, ``stp``, ``patch``.

GeoPackage (EPSG:27700)
    :func:`write_geopackage` writes layers ``networks`` (as the GeoJSON, lists joined by
    ", " and ``violations`` the rules broken, e.g. ``"band, patch"``), ``practices`` (points)
    and ``violations`` (one row per violation: ``rule``, ``severity``, ``networks``,
    ``practices``, ``message``, ``values`` as JSON text; the geometry is a MultiPoint of the
    practices the violation points at — those a fix would move).

ePCN-style membership CSV
    :func:`write_epcn` writes one row per member practice with the published ePCN "PCN Core
    Partner Details" headers (``Partner Organisation Code``, ``Partner Name``, ``Practice
    Parent CCG Code`` …, CCG codes as ODS codes where the boundaries carry them) plus
    ``List Size``. The relationship dates are left out: a proposed plan has none.

Plan codes the region does not know are kept (a practice feature with a null geometry, a
network row with no footprint) so that reading the export back gives the identical plan.
A network without a name in the plan is written with a null name in GeoJSON and GeoPackage
(read back as no name); the ePCN-style CSV needs a name, so it writes the id there.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from shapely.geometry import mapping

from footprints.atomic import output_error, replacing, write_text
from footprints.crs import BNG, WGS84
from footprints.errors import InputError, Problem
from footprints.io import EXPORT_FORMATS, plan_format
from footprints.io.cells import cell_text as _text
from footprints.io.cells import spreadsheet_csv
from footprints.metrics import containment, footprints, territories
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.rules import Report, validate

__all__ = [
    "EPCN_COLUMNS",
    "GEOJSON_PRECISION",
    "export_plan",
    "network_layer",
    "practice_layer",
    "practices_geojson_path",
    "violation_layer",
    "write_epcn",
    "write_geojson",
    "write_geopackage",
]

logger = logging.getLogger(__name__)

_DEFAULT_BAND = Band()  # frozen, so safe to share as a default

PathLike = str | os.PathLike[str]

GEOJSON_PRECISION = 6
"""Decimal places of GeoJSON coordinates (1e-6 degree ≈ 0.1 m)."""

EPCN_COLUMNS = [
    "Partner Organisation Code",
    "Partner Name",
    "Practice Parent CCG Code",
    "Practice Parent CCG Name",
    "PCN Code",
    "PCN Name",
    "PCN Parent CCG Code",
    "PCN Parent CCG Name",
    "Practice CCG and PCN CCG match?",
    "List Size",
]
"""Columns of the ePCN-style membership CSV: the published headers, plus ``List Size``."""

_NETWORK_COLUMNS = [
    "network_id",
    "network_name",
    "population",
    "practice_count",
    "practice_codes",
    "ccg",
    "stp",
    "patches",
    "in_band",
    "band_gap",
    "violations",
    "geography",
]
_HOMES_COLUMNS = ["containment", "territory_parts"]  # under registration geography only
_PRACTICE_COLUMNS = [
    "practice_code",
    "practice_name",
    "list_size",
    "network_id",
    "network_name",
    "ccg",
    "stp",
    "patch",
]
_VIOLATION_COLUMNS = ["rule", "severity", "networks", "practices", "message", "values"]


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _ranked(populations: Mapping[str, int]) -> list[str]:
    return [area for area, _ in sorted(populations.items(), key=lambda item: (-item[1], item[0]))]


def _name(plan: Plan, network: str) -> str | None:
    return plan.names.get(network)


def _column(region: Region, column: str) -> dict[str, Any]:
    """Practice code → its value in ``column`` of the region's practices.

    Read once per export: ``DataFrame.at`` a practice at a time took 3 s of an all-England
    GeoJSON export (26,628 look-ups) and 2 s of its ePCN CSV.
    """
    table = region.practices
    return dict(zip(table["code"].astype(str), table[column], strict=True))


def _wanted(plan: Plan, networks: Collection[str] | None) -> dict[str, list[str]]:
    """Network id → its practices, of ``networks`` only (every network of the plan: None)."""
    members = plan.networks()
    if networks is None:
        return members
    chosen = {str(n) for n in networks}
    return {n: codes for n, codes in members.items() if n in chosen}


def _report(region: Region, plan: Plan, report: Report | None, band: Band) -> Report:
    return report if report is not None else validate(plan, region.validation_graph, band=band)


def network_layer(
    region: Region,
    plan: Plan,
    *,
    report: Report | None = None,
    band: Band = _DEFAULT_BAND,
    networks: Collection[str] | None = None,
) -> gpd.GeoDataFrame:
    """One row per network of ``plan``: its footprint and what a reviewer needs to know.

    Parameters
    ----------
    region
        The loaded region. On the Voronoi model footprints are the union of the members'
        catchments, each the practice's Voronoi cell clipped to its CCG
        (:attr:`Region.catchments`), so footprints nest in the CCG outlines (a network
        crossing CCGs has a part in each). Under registration geography (a region loaded
        with registrations) they are the networks' territories, dissolved from the LSOA
        polygons (:func:`footprints.metrics.footprints` on the validation graph).
    plan
        Practice code → network id.
    report
        The plan's validation report; computed with ``band`` when omitted.
    band
        The population band.
    networks
        Only these networks' rows (those of the area a CCG lead works on); every network by
        default. Their territories are the whole plan's, as the map and the rules see them.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700, sorted by ``network_id``: ``network_id``, ``network_name`` (``None`` when
        the plan has no name), ``population``, ``practice_count``, ``practice_codes``
        (list), ``ccg``, ``stp`` (codes joined by ", ", largest population first),
        ``patches`` (list), ``in_band``, ``band_gap``, ``violations`` (list of dicts with
        ``rule``, ``severity``, ``message``), ``geography``; under registration geography
        ``containment`` and ``territory_parts`` (0 and 0 for a network none of whose
        practices' homes are known); and ``geometry`` (``None`` for a network with no
        practice in the region, or no territory).
    """
    report = _report(region, plan, report, band)
    size_of = _column(region, "list_size")
    area_of = {key: _column(region, key) for key in ("ccg", "stp", "patch")}
    graph = region.validation_graph
    found = territories(plan, graph)
    wanted = _wanted(plan, networks)
    shapes = footprints(plan, region.catchments, networks=wanted, graph=graph, precomputed=found)
    shape_of = dict(zip(shapes["network_id"], shapes.geometry, strict=True))
    contained = containment(plan, graph, precomputed=found) if found is not None else None
    rows = []
    for network, members in wanted.items():
        known = [p for p in members if p in size_of]
        sizes = {p: int(size_of[p]) for p in known}
        areas: dict[str, dict[str, int]] = {"ccg": {}, "stp": {}, "patch": {}}
        for practice in known:
            for key, populations in areas.items():
                area = _text(area_of[key][practice])
                if area is not None:
                    populations[area] = populations.get(area, 0) + sizes[practice]
        population = sum(sizes.values())
        homes = (
            {
                "containment": float(contained.networks.get(network, 0.0)),
                "territory_parts": int(contained.territory_parts.get(network, 0)),
            }
            if contained is not None
            else {}
        )
        rows.append(
            {
                "network_id": network,
                "network_name": _name(plan, network),
                "population": population,
                "practice_count": len(members),
                "practice_codes": list(members),
                "ccg": ", ".join(_ranked(areas["ccg"])) or None,
                "stp": ", ".join(_ranked(areas["stp"])) or None,
                "patches": _ranked(areas["patch"]),
                "in_band": band.contains(population),
                "band_gap": band.gap(population),
                "violations": [
                    {"rule": v.rule, "severity": v.severity, "message": v.message}
                    for v in report.for_network(network)
                ],
                "geography": region.geography,
                **homes,
                "geometry": shape_of.get(network),
            }
        )
    columns = [*_NETWORK_COLUMNS, *(_HOMES_COLUMNS if contained is not None else [])]
    frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
    frame = frame.astype({"population": "int64", "practice_count": "int64", "band_gap": "int64"})
    if contained is not None:
        frame = frame.astype({"containment": "float64", "territory_parts": "int64"})
    frame["in_band"] = frame["in_band"].astype("bool")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=BNG)


def practice_layer(
    region: Region, plan: Plan, *, networks: Collection[str] | None = None
) -> gpd.GeoDataFrame:
    """Return the region's practices as points with their network, plus plan codes it lacks.

    With ``networks``, only the practices of these networks.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700: ``practice_code``, ``practice_name``, ``list_size``, ``network_id``,
        ``network_name``, ``ccg``, ``stp``, ``patch``, ``geometry``. Region practices come
        first in the region's order; practices of the plan the region does not know follow
        (sorted) with null geometry, name and list size.
    """
    practices = region.practices
    kept = None if networks is None else {p for c in _wanted(plan, networks).values() for p in c}
    rows: list[dict[str, Any]] = []
    for record in practices.to_dict("records"):
        code = str(record["code"])
        if kept is not None and code not in kept:
            continue
        network = plan.assignment.get(code)
        rows.append(
            {
                "practice_code": code,
                "practice_name": _text(record["name"]),
                "list_size": int(record["list_size"]),
                "network_id": network,
                "network_name": _name(plan, network) if network is not None else None,
                "ccg": _text(record["ccg"]),
                "stp": _text(record["stp"]),
                "patch": _text(record["patch"]),
                "geometry": record["geometry"],
            }
        )
    known = set(practices["code"].astype(str))
    for code in sorted(set(plan.assignment if kept is None else kept) - known):
        network = plan.assignment[code]
        rows.append(
            {
                "practice_code": code,
                "practice_name": None,
                "list_size": None,
                "network_id": network,
                "network_name": _name(plan, network),
                "ccg": None,
                "stp": None,
                "patch": None,
                "geometry": None,
            }
        )
    frame = pd.DataFrame(rows, columns=[*_PRACTICE_COLUMNS, "geometry"])
    frame["list_size"] = frame["list_size"].astype("Int64")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=BNG)


def violation_layer(
    region: Region,
    plan: Plan,
    *,
    report: Report | None = None,
    band: Band = _DEFAULT_BAND,
    networks: Collection[str] | None = None,
) -> gpd.GeoDataFrame:
    """One row per violation, located at the practices it points at (a MultiPoint).

    With ``networks``, only the violations naming one of them.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:27700: ``rule``, ``severity``, ``networks`` and ``practices`` (codes joined by
        ", "), ``message``, ``values`` (JSON text) and ``geometry`` (the practices concerned
        that the region knows; ``None`` when there are none).
    """
    report = _report(region, plan, report, band)
    point_of = dict(
        zip(region.practices["code"].astype(str), region.practices.geometry, strict=True)
    )
    chosen = None if networks is None else {str(n) for n in networks}
    rows = []
    for violation in report.violations:
        if chosen is not None and chosen.isdisjoint(violation.networks):
            continue
        points = [point_of[p] for p in violation.practices if p in point_of]
        rows.append(
            {
                "rule": violation.rule,
                "severity": violation.severity,
                "networks": ", ".join(violation.networks),
                "practices": ", ".join(violation.practices),
                "message": violation.message,
                "values": json.dumps(violation.values, sort_keys=True),
                "geometry": shapely.multipoints(points) if points else None,
            }
        )
    frame = pd.DataFrame(rows, columns=[*_VIOLATION_COLUMNS, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=BNG)


# --------------------------------------------------------------------------------------------
# GeoJSON
# --------------------------------------------------------------------------------------------


def practices_geojson_path(path: PathLike) -> Path:
    """Return the practices file that :func:`write_geojson` writes beside ``path``.

    It is named ``<stem>_practices.geojson``.
    """
    path = Path(path)
    return path.with_name(f"{path.stem}_practices.geojson")


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, list | tuple):
        return [_rounded(item, digits) for item in value]
    return value


def _valid(geometry: Any) -> Any:
    """Make ``geometry`` valid, keeping only its own kind of parts (polygons stay polygons).

    A footprint valid in British National Grid can self-intersect after reprojection (two
    CCG parts that touch along a curved border), and so can a snapped one; ``make_valid``
    mends it, and may add stray lines or points, which are dropped.
    """
    if geometry.is_valid:
        return geometry
    mended = shapely.make_valid(geometry)
    dimension = shapely.get_dimensions(geometry)
    parts = [p for p in shapely.get_parts(mended) if shapely.get_dimensions(p) == dimension]
    if not parts:
        return shapely.geometrycollection([])
    if dimension == 2:
        return shapely.union_all(parts)
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _geojson_geometry(geometry: Any, digits: int) -> dict[str, Any] | None:
    """RFC 7946 geometry: made valid, snapped to the output precision, right-hand wound."""
    if geometry is None or geometry.is_empty:
        return None
    snapped = _valid(shapely.set_precision(_valid(geometry), 10.0**-digits))
    if snapped.is_empty:  # a sliver that vanishes at this precision
        return None
    oriented = shapely.orient_polygons(snapped, exterior_cw=False)
    shape = dict(mapping(oriented))
    shape["coordinates"] = _rounded(shape["coordinates"], digits)
    return shape


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _feature_collection(frame: gpd.GeoDataFrame, digits: int) -> dict[str, Any]:
    shapes = frame.to_crs(WGS84)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    features = []
    for record, geometry in zip(shapes[columns].to_dict("records"), shapes.geometry, strict=True):
        features.append(
            {
                "type": "Feature",
                "properties": {k: _json_value(v) for k, v in record.items()},
                "geometry": _geojson_geometry(geometry, digits),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _write_json(document: Mapping[str, Any], path: Path) -> None:
    # json.dumps, not json.dump: only the one-shot encoder is the C one (territory footprints
    # of a London CCG: 2.7 MB, 7 s with json.dump)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    with path.open("x", encoding="utf-8") as stream:
        stream.write(text + "\n")


def write_geojson(
    region: Region,
    plan: Plan,
    path: PathLike,
    *,
    report: Report | None = None,
    band: Band = _DEFAULT_BAND,
    precision: int = GEOJSON_PRECISION,
    networks: Collection[str] | None = None,
) -> tuple[Path, Path]:
    """Write the network footprints to ``path`` and the practices beside it (RFC 7946).

    Parameters
    ----------
    region, plan
        The region and the plan to export.
    path
        The networks file, e.g. ``plan.geojson``; the practices go to
        ``plan_practices.geojson`` in the same folder.
    report
        The plan's validation report (the ``violations`` property); computed when omitted.
    band
        The population band for ``in_band``, ``band_gap`` and the validation.
    precision
        Decimal places of the coordinates.
    networks
        Only these networks and their practices (see :func:`network_layer`); the file
        reads back as the plan of their practices. Every network by default.

    Returns
    -------
    tuple of Path
        The networks file and the practices file.
    """
    path = Path(path)
    report = _report(region, plan, report, band)
    layer = network_layer(region, plan, report=report, band=band, networks=networks)
    practices = practice_layer(region, plan, networks=networks)
    practices_path = practices_geojson_path(path)
    network_features = _feature_collection(layer, precision)
    practice_features = _feature_collection(practices, precision)
    with replacing(path, practices_path) as (networks_file, practices_file):
        _write_json(network_features, networks_file)
        _write_json(practice_features, practices_file)
    logger.info(
        "%s: wrote %d network footprints; %s: %d practices",
        path,
        len(layer),
        practices_path,
        len(practices),
    )
    return path, practices_path


# --------------------------------------------------------------------------------------------
# GeoPackage
# --------------------------------------------------------------------------------------------


def _joined(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


_GDAL_WRITE_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
)


def write_geopackage(
    region: Region,
    plan: Plan,
    path: PathLike,
    *,
    report: Report | None = None,
    band: Band = _DEFAULT_BAND,
    networks: Collection[str] | None = None,
) -> Path:
    """Write layers ``networks``, ``practices`` and ``violations`` (EPSG:27700) to a GeoPackage.

    An existing file at ``path`` is replaced once the new one is complete (the layers are
    written to a temporary file renamed into place). See the module notes for the columns.
    With ``networks``, only these networks, their practices and the violations naming them.

    Raises
    ------
    OutputError
        When the file cannot be written (a read-only folder, a full disk).
    """
    path = Path(path)
    report = _report(region, plan, report, band)
    rows = network_layer(region, plan, report=report, band=band, networks=networks)
    rows["practice_codes"] = rows["practice_codes"].map(_joined)
    rows["patches"] = rows["patches"].map(_joined)
    rows["violations"] = rows["violations"].map(
        lambda found: _joined(dict.fromkeys(v["rule"] for v in found))
    )
    practices = practice_layer(region, plan, networks=networks)
    violations = violation_layer(region, plan, report=report, band=band, networks=networks)
    with replacing(path) as (temporary,):
        for layer, frame, geometry_type in (
            ("networks", rows, "MultiPolygon"),
            ("practices", practices, "Point"),
            ("violations", violations, "MultiPoint"),
        ):
            try:
                pyogrio.write_dataframe(
                    frame,
                    temporary,
                    layer=layer,
                    driver="GPKG",
                    geometry_type=geometry_type,
                    promote_to_multi=geometry_type.startswith("Multi"),
                )
            except _GDAL_WRITE_ERRORS as error:  # GDAL's own words for a failed write
                raise output_error(path, error) from None
    logger.info(
        "%s: wrote %d networks, %d practices, %d violations",
        path,
        len(rows),
        len(practices),
        len(violations),
    )
    return path


# --------------------------------------------------------------------------------------------
# ePCN-style membership CSV
# --------------------------------------------------------------------------------------------


def write_epcn(
    region: Region, plan: Plan, path: PathLike, *, networks: Collection[str] | None = None
) -> Path:
    """Write the plan as an ePCN-style "PCN Core Partner Details" CSV with list sizes.

    With ``networks``, only the rows of these networks' practices.

    One row per member practice, sorted by PCN code then practice; cells a spreadsheet
    would run as formulas are marked as text (:func:`~footprints.io.cells.spreadsheet_text`).
    CCG codes are the ODS codes of the region's boundaries where they carry one (``16C``),
    else the boundary code; a network's parent CCG is the CCG holding most of its patients.
    Practices the region does not know have empty CCG and list size cells.
    """
    path = Path(path)
    ccg_column, size_column = _column(region, "ccg"), _column(region, "list_size")
    name_column = _column(region, "name")
    ccgs = region.ccgs
    ods_of = {
        str(code): (_text(ods) or str(code))
        for code, ods in zip(ccgs["code"], ccgs["ods_code"], strict=True)
    }
    name_of = dict(zip(ccgs["code"].astype(str), ccgs["name"].astype(str), strict=True))
    rows = []
    for network, members in _wanted(plan, networks).items():
        ccg_of = {p: _text(ccg_column[p]) if p in ccg_column else None for p in members}
        size_of = {p: int(size_column[p]) if p in size_column else None for p in members}
        populations: dict[str, int] = {}
        for practice, ccg in ccg_of.items():
            if ccg is not None:
                populations[ccg] = populations.get(ccg, 0) + (size_of[practice] or 0)
        parent = _ranked(populations)[0] if populations else None
        for practice in members:
            ccg = ccg_of[practice]
            name = _text(name_column[practice]) if practice in name_column else None
            rows.append(
                {
                    "Partner Organisation Code": practice,
                    "Partner Name": name or practice,
                    "Practice Parent CCG Code": ods_of.get(ccg, ccg) if ccg else "",
                    "Practice Parent CCG Name": name_of.get(ccg, "") if ccg else "",
                    "PCN Code": network,
                    "PCN Name": plan.network_name(network),
                    "PCN Parent CCG Code": ods_of.get(parent, parent) if parent else "",
                    "PCN Parent CCG Name": name_of.get(parent, "") if parent else "",
                    "Practice CCG and PCN CCG match?": (
                        str(ccg == parent) if ccg and parent else ""
                    ),
                    "List Size": "" if size_of[practice] is None else str(size_of[practice]),
                }
            )
    write_text(path, spreadsheet_csv(pd.DataFrame(rows, columns=EPCN_COLUMNS)))
    logger.info("%s: wrote %d members of %d PCNs", path, len(rows), len(_wanted(plan, networks)))
    return path


# --------------------------------------------------------------------------------------------
# One entry point
# --------------------------------------------------------------------------------------------


def export_plan(
    region: Region | None,
    plan: Plan,
    path: PathLike,
    *,
    fmt: str | None = None,
    report: Report | None = None,
    band: Band = _DEFAULT_BAND,
    networks: Collection[str] | None = None,
) -> list[Path]:
    """Write ``plan`` in the format ``path``'s extension names (or ``fmt``).

    ``.csv`` → the plan CSV (``fmt="epcn"``: the ePCN-style CSV), ``.geojson``/``.json`` →
    :func:`write_geojson`, ``.gpkg`` → :func:`write_geopackage`. Every format but the plan
    CSV needs the ``region``. With ``networks``, the ePCN CSV, GeoJSON and GeoPackage hold
    only these networks (the plan CSV the whole plan).

    Returns
    -------
    list of Path
        The files written.
    """
    path = Path(path)
    kind = fmt or plan_format(path, write=True).name
    chosen = EXPORT_FORMATS.get(kind)
    if chosen is not None and chosen.write is not None:
        chosen.write(plan, path)
        return [path]
    if region is None:
        raise InputError(
            [
                Problem(
                    str(path),
                    f"the {kind} export needs the region (practices and boundaries)",
                    "give --practices and --boundaries (or --demo)",
                )
            ]
        )
    if kind == "epcn":
        return [write_epcn(region, plan, path, networks=networks)]
    if kind == "geojson":
        return list(write_geojson(region, plan, path, report=report, band=band, networks=networks))
    if kind == "gpkg":
        return [write_geopackage(region, plan, path, report=report, band=band, networks=networks)]
    raise ValueError(f"unknown export format {kind!r}: use {_format_names()}")


def _format_names() -> str:
    """``plan, epcn, geojson or gpkg``: the formats :func:`export_plan` writes."""
    names = list(EXPORT_FORMATS)
    return f"{', '.join(names[:-1])} or {names[-1]}"
