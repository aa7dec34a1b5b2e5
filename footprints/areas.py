"""Placing practices in their planning areas (CCG, STP) and nursing patches.

A practice takes the CCG polygon that contains its site unless its row names a CCG: then the
row wins (a practice belongs to the CCG it is registered with, wherever its surgery sits) and
a disagreement with the polygon is reported as a warning. Boundary files are generalised, so
a practice on the coast or an island can lie outside every polygon: a row that names its CCG
is placed there (with a warning); a practice with no CCG on its row goes to the nearest
polygon within ``tolerance_m`` (with a warning), and beyond that distance its location is an
error.

Far-away practices
    A site more than ``far_m`` (:data:`FAR_SITE_M`, 50 km) outside the CCG its row names is
    not a local surgery: a digital-first practice such as Babylon GP at Hand Birmingham
    (Y06487, 133 km from NHS North West London CCG, which it belongs to in 2021) can have
    its site anywhere. It stays in its named CCG with a warning naming the practice, the CCG
    and the distance, and :mod:`footprints.graph` joins it to that area's graph like an
    island (a link to the nearest practice) rather than giving it a cell of the area.
    ``strict_sites=True`` (``--strict-sites``) makes such a site an error instead, for files
    where it can only be a wrong location.

Practices outside England
    A practices file carries no polygons, so :func:`footprints.io.read_practices` only checks
    a generous box around England (which catches Edinburgh, swapped or metre coordinates).
    Sites inside the box but outside England — Cardiff, Glasgow, the Isle of Man, the North
    Sea — are caught here, against the boundaries: they are further than ``tolerance_m`` from
    every CCG polygon, which is an error. A row that names its CCG is trusted further, up to
    ``far_m`` (the Isles of Scilly lie 46 km outside the ultra-generalised 2020 boundaries),
    so a Cardiff site (19 km out) whose row names an English CCG is warned about as a site
    outside its polygon; a Glasgow one (118 km) is warned about as a far-away practice, and
    is an error with ``strict_sites``.

STPs are groups of CCGs, so a practice's STP is its CCG's STP: from the CCG layer's
``parent`` column, or else from the STP layer polygon that overlaps the CCG most. This keeps
every CCG inside one STP even where the practice's point lies across a border.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from footprints.crs import BNG, ENGLAND_LATLON_BOUNDS
from footprints.errors import InputError, Problem, ProblemLog, count

__all__ = ["FAR_SITE_M", "place_practices"]

logger = logging.getLogger(__name__)

FAR_SITE_M = 50_000.0
"""How far outside its own CCG polygon (metres) a practice's site is still a local surgery.

Generalised boundaries and islands account for a few kilometres, the Isles of Scilly for
46 km. A site further out belongs to a far-away (digital-first) practice: kept in the CCG its
row names with a warning (an error with ``strict_sites``), and joined to the area's graph
like an island (:func:`footprints.graph.area_graph`).
"""


def _check_not_degrees(frame: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a table with no CRS whose coordinates are England's longitudes and latitudes.

    A table built in Python (``gpd.points_from_xy(lon, lat)`` without ``crs=``) is read as
    British National Grid metres: every practice then lay '561 km outside its own CCG', kept
    with a warning each, and the graphs were built on points a few metres apart.
    """
    if frame.crs is not None or frame.empty:
        return
    geometry = frame.geometry
    present = geometry[~(geometry.isna() | geometry.is_empty)]
    if present.empty:
        return
    min_x, min_y, max_x, max_y = present.total_bounds
    min_lat, min_lon, max_lat, max_lon = ENGLAND_LATLON_BOUNDS
    if min_lon <= min_x and max_x <= max_lon and min_lat <= min_y and max_y <= max_lat:
        raise InputError(
            [
                Problem(
                    what,
                    "has no CRS and its coordinates are longitudes and latitudes "
                    f"(x {min_x:.2f} to {max_x:.2f}, y {min_y:.2f} to {max_y:.2f}), which "
                    "would be read as British National Grid metres",
                    "set its CRS: frame.set_crs('EPSG:4326') (footprints reprojects it to "
                    "EPSG:27700)",
                )
            ]
        )


def _to_bng(frame: gpd.GeoDataFrame, what: str = "a table") -> gpd.GeoDataFrame:
    if frame.crs is None:
        _check_not_degrees(frame, what)
        return frame.set_crs(BNG)
    return frame if frame.crs == BNG else frame.to_crs(BNG)


def _source(frame: pd.DataFrame, default: str) -> str:
    return str(frame.attrs.get("source", default))


def _label(layer: _Layer, code: str) -> str:
    name = layer.names.get(code)
    ods = layer.ods.get(code)
    extra = ", ".join(part for part in (ods, name) if part)
    return f"{code} ({extra})" if extra else code


class _Layer:
    """One boundary layer with code lookups (code or ods_code → code) and geometry by code."""

    def __init__(self, frame: gpd.GeoDataFrame, *, code_column: str, what: str) -> None:
        frame = _to_bng(frame, f"the {what} layer").reset_index(drop=True)
        self.what = what
        self.frame = gpd.GeoDataFrame(
            {"area": frame[code_column].astype(str)}, geometry=frame.geometry, crs=BNG
        )
        self.geometry: dict[str, Any] = dict(zip(self.frame["area"], frame.geometry, strict=True))
        self.names: dict[str, str] = {}
        self.ods: dict[str, str] = {}
        if "name" in frame.columns:
            self.names = {
                c: str(n) for c, n in zip(self.frame["area"], frame["name"], strict=True) if n
            }
        self.lookup: dict[str, str] = {}
        if "ods_code" in frame.columns:
            for code, ods in zip(self.frame["area"], frame["ods_code"], strict=True):
                if isinstance(ods, str) and ods:
                    self.ods[code] = ods
                    self.lookup[ods.strip().upper()] = code
        for code in self.frame["area"]:
            self.lookup[code.strip().upper()] = code

    def resolve(self, given: object) -> str | None:
        if not isinstance(given, str) or not given.strip():
            return None
        return self.lookup.get(given.strip().upper())

    def resolve_lost_zeros(self, given: str) -> str | None:
        """Return the one code ``given`` matches once leading zeros are restored, or ``None``.

        Spreadsheets drop leading zeros: ``1A`` is restored to ``01A``.
        """
        bare = given.strip().upper().lstrip("0")
        if not bare:
            return None
        matches = {code for key, code in self.lookup.items() if key.lstrip("0") == bare}
        return matches.pop() if len(matches) == 1 else None


def _is_ons(code: str | None) -> bool:
    return code is not None and re.fullmatch(r"[EWSN]\d{8}", code) is not None


def _given(values: pd.Series) -> list[str | None]:
    return [v.strip().upper() if isinstance(v, str) and v.strip() else None for v in values]


def _place_level(
    points: gpd.GeoSeries,
    codes: Sequence[str],
    given: Sequence[str | None],
    layer: _Layer,
    log: ProblemLog,
    *,
    tolerance_m: float,
    far_m: float,
    required: bool,
    counts: dict[str, int],
    names: Sequence[str | None] | None = None,
    strict_sites: bool = False,
) -> list[str | None]:
    """Return each point's area: the row's own if given, else the containing or nearest one."""
    located = gpd.GeoDataFrame({"position": range(len(points))}, geometry=points.values, crs=BNG)
    inside = gpd.sjoin(located, layer.frame, how="inner", predicate="intersects")
    containing: dict[int, list[str]] = {}
    for position, area in zip(inside["position"], inside["area"], strict=True):
        containing.setdefault(int(position), []).append(str(area))
    outside = located[~located["position"].isin(containing)]
    nearest: dict[int, tuple[str, float]] = {}
    if len(outside):
        near = gpd.sjoin_nearest(outside, layer.frame, how="inner", distance_col="distance_m")
        for position, area, distance in zip(
            near["position"], near["area"], near["distance_m"], strict=True
        ):
            nearest.setdefault(int(position), (str(area), float(distance)))

    what = layer.what
    placed: list[str | None] = []
    unknown: dict[str, list[str]] = {}  # a code no boundary has → the practices naming it
    for position, (code, wanted) in enumerate(zip(codes, given, strict=True)):
        inside_areas = containing.get(position, [])
        if wanted is not None:
            own = layer.resolve(wanted)
            if own is None and (restored := layer.resolve_lost_zeros(wanted)) is not None:
                own = restored
                log.warn(
                    f"practice {code}'s {what} {wanted!r} matches no {what} as written; read as "
                    f"{_label(layer, own)} (leading zeros restored — spreadsheets drop them)",
                    f"write the {what} code in full, with its leading zeros",
                    code=code,
                )
            if own is None:
                unknown.setdefault(wanted, []).append(code)
                placed.append(None)
                continue
            distance = float(layer.geometry[own].distance(points.iloc[position]))
            if required and distance > far_m:
                site = f" and inside {_label(layer, inside_areas[0])}" if inside_areas else ""
                named = f"{code} ({names[position]})" if names and names[position] else code
                if strict_sites:
                    log.error(
                        f"practice {named} lies {distance / 1000:,.0f} km outside its own {what} "
                        f"{_label(layer, own)} (the limit is {far_m / 1000:,.0f} km){site}",
                        "check the practice's coordinates (lat/lon swapped? a site in Wales, "
                        f"Scotland or the sea?) and its {what} code; without --strict-sites "
                        f"(strict_sites=False) it is kept in its {what} with a warning",
                        code=code,
                    )
                    placed.append(None)
                    continue
                counts["far"] += 1
                placed.append(own)
                log.warn(
                    f"practice {named} lies {distance / 1000:,.0f} km outside its own {what} "
                    f"{_label(layer, own)}{site}, beyond the {far_m / 1000:,.0f} km of a local "
                    f"site; kept in {own} as its row says, joined to the {what}'s nearest "
                    "practice like an island",
                    "nothing to do for a digital-first practice, whose site can be anywhere; "
                    "otherwise check its coordinates and its "
                    f"{what} code (--strict-sites refuses such a practice)",
                    code=code,
                )
                continue
            placed.append(own)
            if own in inside_areas:
                counts["inside"] += 1
                continue
            if inside_areas:
                counts["disagree"] += 1
                log.warn(
                    f"practice {code} lies in {what} {_label(layer, inside_areas[0])} but its "
                    f"row says {_label(layer, own)}, {distance:,.0f} m from that {what}'s "
                    f"polygon; kept in {own} as the row says",
                    f"check the practice's {what} and location",
                    code=code,
                )
            else:
                counts["outside_by_row"] += 1
                log.warn(
                    f"practice {code} lies outside every {what} polygon, {distance:,.0f} m "
                    f"from its own {what} {_label(layer, own)}; placed in {own} as its row says",
                    "nothing to do if the row is right (generalised boundaries drop islands "
                    "and coast)",
                    code=code,
                )
            continue
        if inside_areas:
            counts["inside"] += 1
            placed.append(inside_areas[0])
            if len(inside_areas) > 1:
                log.warn(
                    f"practice {code} lies in {len(inside_areas)} overlapping {what} polygons "
                    f"({', '.join(inside_areas)}); placed in {inside_areas[0]}",
                    f"give its {what} on the row, or fix the overlapping boundaries",
                    code=code,
                )
            continue
        if position not in nearest:  # no polygon at all to measure from
            placed.append(None)
            (log.error if required else log.warn)(
                f"practice {code} cannot be placed: the {what} layer has no polygons",
                f"give {what} boundaries with polygons",
                code=code,
            )
            continue
        area, distance = nearest[position]
        if distance <= tolerance_m:
            counts["nearest"] += 1
            placed.append(area)
            log.warn(
                f"practice {code} lies outside every {what} polygon; placed in the nearest, "
                f"{_label(layer, area)}, {distance:,.0f} m away",
                f"give its {what} on the row if that is wrong",
                code=code,
            )
        elif required:
            placed.append(None)
            log.error(
                f"practice {code} lies outside every {what} polygon; the nearest, "
                f"{_label(layer, area)}, is {distance:,.0f} m away (tolerance "
                f"{tolerance_m:,.0f} m)",
                f"give its {what} on the row, check its coordinates, or raise the tolerance "
                "(--tolerance-m on the command line, tolerance_m= in Python)",
                code=code,
            )
        else:
            counts["unplaced"] += 1
            placed.append(None)
            log.warn(
                f"practice {code} lies in no {what}; the nearest, {_label(layer, area)}, is "
                f"{distance:,.0f} m away (tolerance {tolerance_m:,.0f} m)",
                f"extend the {what}es to cover it, or give its {what} on the row",
                code=code,
            )
    _say_unknown_codes(unknown, layer, log, placed=sum(area is not None for area in placed))
    return placed


_SUMMARISED = 3
"""Area codes missing from the boundaries from which one problem says them all: practices
of 2020 against the boundaries of 2021 gave 38 problems, one per merged CCG."""


def _say_unknown_codes(
    unknown: Mapping[str, list[str]], layer: _Layer, log: ProblemLog, *, placed: int
) -> None:
    """One error per area code that no boundary has, naming the practices whose rows give it.

    Practices of one year against boundaries of another name the same missing code on every
    row: one problem says it, with the codes the boundary file has. A boundary file of a few
    areas against a practices file of many (England's, to plan one CCG) is one problem in
    all, saying how to plan those areas alone.
    """
    what = layer.what
    areas = sorted(layer.geometry)
    has = ", ".join(areas[:5]) + (f" … {areas[-1]}" if len(areas) > 5 else "")
    left_out = sum(len(practices) for practices in unknown.values())
    if len(unknown) > 1 and 0 < placed < left_out:
        codes = sorted(unknown, key=lambda code: (-len(unknown[code]), code))
        named = ", ".join(codes[:8]) + (f" and {len(codes) - 8:,} more" if len(codes) > 8 else "")
        log.error(
            f"the boundary file has {count(len(areas), what)} ({has}), holding {placed:,} of "
            f"the practices; the other {left_out:,} are in {len(unknown):,} {what}s it lacks "
            f"({named})",
            f"to plan {'that' if len(areas) == 1 else 'those'} {what}"
            f"{'' if len(areas) == 1 else 's'} alone, give a practices file of "
            f"{'its' if len(areas) == 1 else 'their'} practices only; otherwise give {what} "
            "boundaries covering every area of the practices file, of the same year",
        )
        return
    if len(unknown) >= _SUMMARISED:  # another year's codes: one problem, not one per code
        codes = sorted(unknown, key=lambda code: (-len(unknown[code]), code))
        first = codes[0]
        shown = [
            f"{first} ({count(len(unknown[first]), 'practice')}: "
            f"{', '.join(unknown[first][:3])}{' …' if len(unknown[first]) > 3 else ''})",
            *(f"{code} ({len(unknown[code]):,})" for code in codes[1:5]),
        ]
        more = f" and {len(codes) - 5:,} more" if len(codes) > 5 else ""
        log.error(
            f"{len(unknown):,} {what} codes on the rows of {count(left_out, 'practice')} match "
            f"no {what} boundary: {', '.join(shown)}{more}. The boundary file has "
            f"{count(len(areas), what)} ({has}), holding "
            + (f"the other {count(placed, 'practice')}" if placed else "none of the practices")
            + f": the practices and the boundaries look like different years ({what}s merge "
            "in April)",
            f"use {what} boundaries of the same year as the practices file (or practices of "
            "the boundaries' year), or correct the codes",
        )
        return
    for wanted, practices in unknown.items():
        if len(practices) == 1:
            log.error(
                f"practice {practices[0]}'s {what} {wanted!r} matches no {what} boundary "
                "(neither a code nor an ODS code in the boundary file)",
                f"correct the {what} code on the row, or use boundaries of the same year",
                code=practices[0],
            )
            continue
        named = ", ".join(practices[:12]) + (
            f" and {len(practices) - 12:,} more" if len(practices) > 12 else ""
        )
        log.error(
            f"{what} {wanted!r} on the rows of {count(len(practices), 'practice')} ({named}) "
            f"matches no {what} boundary (neither a code nor an ODS code: the boundary file "
            f"has {count(len(areas), what)}: {has})",
            f"use {what} boundaries of the same year as the practices, or correct the code",
        )


def _ccg_to_stp(
    ccgs: gpd.GeoDataFrame, stp_layer: _Layer | None, log: ProblemLog, used: set[str]
) -> dict[str, str]:
    """CCG code → STP code: the CCG layer's ``parent``, else the STP overlapping it most.

    Only the CCGs ``used`` (holding a practice) are mapped: a national CCG layer's other
    CCGs, whose STPs a newer STP/ICB layer may lack, are none of the run's business (Kent
    and Medway's practices with the 2020 CCGs and the 2023 ICBs were refused for 28 CCGs
    elsewhere whose 2020 STPs are gone).
    """
    ccgs = ccgs[ccgs["code"].astype(str).isin(used)]
    parents: dict[str, str] = {}
    if "parent" in ccgs.columns:
        parents = {
            str(code): parent.strip().upper()
            for code, parent in zip(ccgs["code"], ccgs["parent"], strict=True)
            if isinstance(parent, str) and parent.strip()
        }
    if stp_layer is None:
        return parents
    mapping: dict[str, str] = {}
    for ccg, parent in parents.items():
        stp = stp_layer.resolve(parent)
        if stp is None:
            log.error(
                f"CCG {ccg}'s parent STP {parent!r} matches no STP boundary",
                "use CCG and STP boundaries of the same year",
                code=ccg,
            )
        else:
            mapping[ccg] = stp
    unmapped = ccgs[~ccgs["code"].isin(mapping)]
    if len(unmapped):
        pieces = gpd.overlay(
            gpd.GeoDataFrame({"ccg": unmapped["code"]}, geometry=unmapped.geometry, crs=BNG),
            stp_layer.frame,
            how="intersection",
            keep_geom_type=True,
        )
        pieces["overlap"] = pieces.geometry.area
        best = pieces.sort_values("overlap", ascending=False).drop_duplicates("ccg")
        mapping.update(dict(zip(best["ccg"], best["area"], strict=True)))
        for ccg in set(unmapped["code"]) - set(best["ccg"]):
            log.error(
                f"CCG {ccg} overlaps no STP polygon",
                "use CCG and STP boundaries that cover the same area",
                code=ccg,
            )
    return mapping


def place_practices(
    practices: gpd.GeoDataFrame,
    ccgs: gpd.GeoDataFrame,
    stps: gpd.GeoDataFrame | None = None,
    patches: gpd.GeoDataFrame | None = None,
    *,
    tolerance_m: float = 5000.0,
    far_m: float = FAR_SITE_M,
    strict_sites: bool = False,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Fill each practice's ``ccg``, ``stp`` and ``patch`` from the boundary layers.

    Parameters
    ----------
    practices
        The canonical practices table (:func:`footprints.io.read_practices`); a ``ccg`` (or
        ``stp``, ``patch``) already on a row may be a boundary ``code`` or ``ods_code``.
    ccgs, stps
        Boundary layers (:func:`footprints.io.read_boundaries`) of the lower and upper
        planning level. Without ``stps`` the STP is the CCG layer's ``parent`` (if any).
    patches
        Nursing patches (:func:`footprints.io.read_patches`); a practice in none within
        ``tolerance_m`` gets no patch (a warning).
    tolerance_m
        How far outside every CCG polygon a practice with no CCG on its row may be placed in
        the nearest one.
    far_m
        How far outside its own CCG polygon a practice whose row names the CCG is a local
        site: generalised boundaries and islands account for a few kilometres, not for a
        site in another city, Wales, Scotland or the sea. Beyond it the practice is a
        far-away one: kept in its CCG with a warning naming it, the CCG and the distance.
    strict_sites
        Refuse far-away practices instead (an error): for files where a site beyond
        ``far_m`` can only be a wrong location.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Problem)
        A copy of ``practices`` with ``ccg`` and ``stp`` holding boundary codes (``patch``
        the patch code), and the warnings (disagreements, nearest-polygon placements).

    Raises
    ------
    InputError
        A row's CCG that matches no boundary; a practice with no CCG on its row and no
        polygon within ``tolerance_m``; with ``strict_sites``, a practice further than
        ``far_m`` from the CCG its row names; an STP that cannot be matched. Warnings are
        included.
    """
    source = _source(practices, "practices")
    log = ProblemLog(source, logger)
    boundary_log = ProblemLog(_source(ccgs, "CCG boundaries"), logger)
    placed = _to_bng(practices, "practices").copy()
    codes = [str(c) for c in placed["code"]]
    points = placed.geometry.reset_index(drop=True)
    empty = {c for c, p in zip(codes, points, strict=True) if p is None or p.is_empty}
    if empty:
        raise InputError(
            [
                Problem(source, "the practice has no location", "give its coordinates", code=c)
                for c in sorted(empty)
            ]
        )

    def column(name: str) -> list[str | None]:
        return _given(placed[name]) if name in placed.columns else [None] * len(placed)

    def column_text(name: str) -> list[str | None]:
        if name not in placed.columns:
            return [None] * len(placed)
        return [v.strip() if isinstance(v, str) and v.strip() else None for v in placed[name]]

    ccg_layer = _Layer(ccgs, code_column="code", what="CCG")
    counts = dict.fromkeys(
        ("inside", "disagree", "outside_by_row", "far", "nearest", "unplaced"), 0
    )
    ccg = _place_level(
        points,
        codes,
        column("ccg"),
        ccg_layer,
        log,
        tolerance_m=tolerance_m,
        far_m=far_m,
        required=True,
        counts=counts,
        names=column_text("name"),
        strict_sites=strict_sites,
    )

    stp_layer = _Layer(stps, code_column="code", what="STP") if stps is not None else None
    used = {str(c) for c in ccg if c}
    ccg_stp = _ccg_to_stp(_to_bng(ccgs, "ccgs"), stp_layer, boundary_log, used)
    stp: list[str | None] = []
    stp_disagree = 0
    # STP code on the rows → its practices, where no STP boundary has it: one problem per
    # code (a file of ODS codes against ONS boundaries named every practice, 123 problems)
    unknown_stp: dict[str, list[str]] = {}
    for code, own_ccg, row_stp in zip(codes, ccg, column("stp"), strict=True):
        derived = ccg_stp.get(own_ccg) if own_ccg else None
        given = row_stp
        if given is not None and stp_layer is not None:
            resolved = stp_layer.resolve(given)
            if resolved is None:
                unknown_stp.setdefault(given, []).append(code)
            given = resolved
        # without an STP layer an ODS code (QHM) cannot be compared with an ONS one (E54…)
        comparable = stp_layer is not None or _is_ons(given) == _is_ons(derived)
        if derived is not None and given is not None and given != derived and comparable:
            stp_disagree += 1
            log.warn(
                f"practice {code}'s row says STP {given} but its CCG {own_ccg} is in STP "
                f"{derived}; placed in {derived} (an STP is a group of CCGs)",
                "correct the STP on the row, or the CCG",
                code=code,
            )
        stp.append(derived if derived is not None else given)
    if stp_layer is not None and unknown_stp:
        # placed=0: every practice has its STP from its CCG; the rows' codes are wrong, not
        # practices of areas the boundary file leaves out
        _say_unknown_codes(unknown_stp, stp_layer, log, placed=0)

    patch: list[str | None] = column("patch")
    if patches is not None:
        patch_frame = patches.rename(columns={"patch": "code"}) if "patch" in patches else patches
        patch_layer = _Layer(patch_frame, code_column="code", what="patch")
        patch_counts = dict.fromkeys(counts, 0)
        patch = _place_level(
            points,
            codes,
            patch,
            patch_layer,
            log,
            tolerance_m=tolerance_m,
            far_m=far_m,
            required=False,
            counts=patch_counts,
        )

    problems = boundary_log.problems + log.problems
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    placed["ccg"] = pd.Series(ccg, index=placed.index, dtype=object)
    placed["stp"] = pd.Series(stp, index=placed.index, dtype=object)
    placed["patch"] = pd.Series(patch, index=placed.index, dtype=object)
    logger.info(
        "%s: placed %d practices in %d CCGs and %d STPs: %d inside their CCG polygon, "
        "%d kept in their row's CCG across a border, %d outside every polygon placed by their "
        "row, %d far-away practices kept in their row's CCG, %d placed in the nearest "
        "polygon; %d STP disagreements",
        source,
        len(placed),
        len(set(ccg)),
        len({s for s in stp if s}),
        counts["inside"],
        counts["disagree"],
        counts["outside_by_row"],
        counts["far"],
        counts["nearest"],
        stp_disagree,
    )
    return placed, [p for p in problems if p.severity == "warning"]
