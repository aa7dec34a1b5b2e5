"""The submission pack: a PDF (and its HTML twin) a CCG lead can send with a PCN proposal.

Layout
    One PDF with a section per planning area (CCG / sub-ICB location), in code order; with
    ``per_area=True`` one PDF per planning area instead (``<stem>_<area code>.pdf``). Each
    section opens with a map page — the area's outline, the network footprints coloured (the
    union of member catchments; under registration geography the networks' territories),
    practices as points in their network's colour, each network labelled with its id; parts of
    networks presented in a neighbouring area grey — followed by one block per network: its
    member practices with list sizes and patches, the combined list size (formatted
    ``41,858``), its band status, any waiver reason, its patch alignment and any other rule it
    breaks. Practices in no network are listed at the end of their area. A network crossing
    areas appears in the area holding most of its patients.

Geography
    Every section says which geography the pack used (:meth:`Region.geography_text`: the
    Voronoi model, or where patients live with the registrations file's name and the
    practices on the Voronoi fallback). Under registration geography each network's block
    gives its containment (the share of its patients living in its territory) and its
    territory's parts, and patches count the patients living in them (the six holding most
    of them named, the rest summed: a network's patients live in many patches).

HTML twin
    Beside each PDF, the same content as one HTML file (``pack.pdf`` → ``pack.html``) with
    the maps embedded as PNG images, so it opens in any browser with no other file.

This module says what the pack holds (its sections, their lines and band wording, and
the maps); :mod:`footprints.report_writers` lays each area out (:class:`SectionPages`) as
the PDF and the HTML twin. Maps are drawn on matplotlib's Agg canvas directly (no pyplot,
no display), every label as plain text, never as matplotlib's mathematics, so a ``$`` in a
name is just a dollar sign.

Files
    The pack's files (every PDF and HTML twin) are written under temporary names and renamed
    into place together once all are complete, so a failed or killed run leaves the previous
    pack whole (:func:`footprints.atomic.replacing`). With ``per_area``, an area code is
    made safe for a file name (``A/B`` → ``A_B``).
"""

from __future__ import annotations

import base64
import io
import logging
import math
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from footprints.atomic import replacing
from footprints.errors import InfeasibleError
from footprints.export import network_layer
from footprints.io import warn_unknown_waivers
from footprints.maps import network_colours
from footprints.metrics import patch_alignment
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.report_writers import (
    PackBlock,
    SectionPages,
    drawn_text,
    write_html,
    write_pdf,
)
from footprints.rules import Report, validate
from footprints.tradeoff import AreaChanges

__all__ = [
    "MAX_PACK_PRACTICES",
    "PACK_TITLE_AREAS",
    "PackNetwork",
    "PackPractice",
    "PackSection",
    "build_pack",
    "pack_title",
    "write_pack",
]

logger = logging.getLogger(__name__)

_DEFAULT_BAND = Band()  # frozen, so safe to share as a default

PathLike = str | os.PathLike[str]


MAX_PACK_PRACTICES = 10_000
"""Most practices a submission pack presents (the plan's, or the practices file's).

All of England has about 6,700 practices, so a pack of any real region fits; a plan of
100,000 rows (ran for over 17 minutes) is refused at once, naming this limit.
"""
_NAME_WIDTH = 46  # practice name characters in a table row
_PATCHES_NAMED = 6  # on patients' homes, a network's patches named; the rest summed


@dataclass(frozen=True)
class PackPractice:
    """A member practice as the pack lists it."""

    code: str
    name: str
    list_size: int
    patch: str | None


@dataclass(frozen=True)
class PackNetwork:
    """A network's block in the pack.

    ``band_status`` is a sentence (``"in the band (30,000 to 50,000)"``, ``"above the band by
    14,233 (maximum 50,000)"``); ``waiver`` is the recorded reason (``None`` without one);
    ``patches`` pairs each patch with the network's patients in it, largest first;
    ``issues`` holds the messages of the other rules it breaks (contiguity, boundary,
    territory). Under registration geography ``containment`` is the share of its patients
    living in its territory and ``territory_parts`` the territory's connected parts (both
    ``None`` on the Voronoi model). ``comments`` are the open comments on it and on its
    practices, as written (``"practice A81001 — Ann: …"``), printed as plain text.
    """

    network_id: str
    name: str
    practices: tuple[PackPractice, ...]
    population: int
    in_band: bool
    band_status: str
    waiver: str | None
    patches: tuple[tuple[str, int], ...]
    straddling_population: int
    issues: tuple[str, ...]
    containment: float | None = None
    territory_parts: int | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackSection:
    """One planning area's part of the pack; ``geography`` says which one it was judged on."""

    area: str
    area_name: str
    networks: tuple[PackNetwork, ...]
    unassigned: tuple[PackPractice, ...]
    geography: str = ""
    comments: tuple[str, ...] = ()
    """The open comments on the practices in no network, as written."""

    @property
    def population(self) -> int:
        """Registered patients of the section's networks."""
        return sum(n.population for n in self.networks)


def _count(n: int) -> str:
    return f"{n:,}"


def _band_status(population: int, band: Band) -> str:
    gap = band.gap(population)
    if gap < 0:
        return f"below the band by {_count(-gap)} (minimum {_count(band.min_population)})"
    if gap > 0:
        return f"above the band by {_count(gap)} (maximum {_count(band.max_population)})"
    return f"in the band ({_count(band.min_population)} to {_count(band.max_population)})"


def _check_pack_size(region: Region, plan: Plan, limit: int) -> None:
    """Refuse, before any work, a pack of more than ``limit`` practices."""
    size = max(len(plan), len(region.practices))
    if size > limit:
        raise InfeasibleError(
            f"a submission pack presents at most {limit:,} practices (all of England has about "
            f"6,700), and this plan has {len(plan):,} for {len(region.practices):,} in the "
            "practices file: write the pack of one region, with its own practices and plan "
            "(max_practices= in Python raises the limit)"
        )


def build_pack(
    region: Region,
    plan: Plan,
    *,
    waivers: Mapping[str, str] | None = None,
    band: Band = _DEFAULT_BAND,
    report: Report | None = None,
    comments: Mapping[str, Sequence[str]] | None = None,
    unassigned_comments: Mapping[str, Sequence[str]] | None = None,
    waivers_source: str | None = None,
    layer: gpd.GeoDataFrame | None = None,
) -> list[PackSection]:
    """Gather the pack's content, one section per planning area that has practices.

    Parameters
    ----------
    region, plan
        The region and the plan to present.
    waivers
        Network id → the reason it may stand outside the band (or break another waivable
        rule).
    band
        The population band.
    report
        The plan's validation report; computed when omitted.
    comments
        Network id → the open comments to print in its block (on it and its practices).
    unassigned_comments
        Practice code → the open comments on a practice in no network, printed under
        *Practices in no network* in its area's section.
    waivers_source
        The file the waiver reasons came from, named in the warning about waivers for
        networks not in the plan.
    layer
        The plan's :func:`~footprints.export.network_layer`, where the caller has it
        already (on registration geography it takes much of a national pack's time).
    """
    waivers = {str(k).strip(): v for k, v in (waivers or {}).items()}
    comments = comments or {}
    report = report if report is not None else validate(plan, region.validation_graph, band=band)
    alignment = patch_alignment(plan, region.validation_graph)
    practices = region.practices
    record_of = {str(r["code"]): r for r in practices.to_dict("records")}
    warn_unknown_waivers(waivers, plan, source=waivers_source)

    def pack_practice(code: str) -> PackPractice:
        record = record_of.get(code)
        if record is None:
            return PackPractice(code, "(not in the practices file)", 0, None)
        patch = record["patch"] if isinstance(record["patch"], str) else None
        return PackPractice(code, str(record["name"]), int(record["list_size"]), patch)

    if layer is None:
        layer = network_layer(region, plan, report=report, band=band)
    on_homes = "containment" in layer.columns  # registration geography
    by_area: dict[str, list[PackNetwork]] = {}
    members_of = plan.networks()  # once: per network it took 16 s of an all-England pack
    for row in layer.itertuples():
        network = str(row.network_id)
        members = tuple(pack_practice(p) for p in members_of[network])
        population = sum(p.list_size for p in members)
        area = str(row.ccg).split(", ")[0] if isinstance(row.ccg, str) else ""
        issues = tuple(
            v.message for v in report.for_network(network) if v.rule not in {"band", "patch"}
        )
        by_area.setdefault(area, []).append(
            PackNetwork(
                network_id=network,
                name=plan.network_name(network),
                practices=members,
                population=population,
                in_band=band.contains(population),
                band_status=_band_status(population, band),
                waiver=waivers.get(network),
                patches=tuple(alignment.network_patches.get(network, {}).items()),
                straddling_population=int(alignment.straddling_population.get(network, 0)),
                issues=issues,
                containment=float(row.containment) if on_homes else None,
                territory_parts=int(row.territory_parts) if on_homes else None,
                comments=tuple(comments.get(network, ())),
            )
        )
    unassigned: dict[str, list[PackPractice]] = {}
    for code in sorted(set(record_of) - set(plan.assignment)):
        ccg = record_of[code]["ccg"]
        unassigned.setdefault(ccg if isinstance(ccg, str) else "", []).append(pack_practice(code))
    names = dict(zip(region.ccgs["code"].astype(str), region.ccgs["name"].astype(str), strict=True))
    sections = [
        PackSection(
            area=area,
            area_name=names.get(area, area or "No planning area"),
            networks=tuple(by_area.get(area, [])),
            unassigned=tuple(unassigned.get(area, [])),
            geography=region.geography_text(),
            comments=tuple(
                text
                for p in unassigned.get(area, [])
                for text in (unassigned_comments or {}).get(p.code, ())
            ),
        )
        for area in sorted(set(by_area) | set(unassigned))
    ]
    logger.info("submission pack: %d areas, %d networks", len(sections), len(layer))
    return sections


# --------------------------------------------------------------------------------------------
# Lines: the content both the PDF and the HTML render
# --------------------------------------------------------------------------------------------

_Line = tuple[str, str]  # (kind, text)


def _practice_row(practice: PackPractice) -> str:
    name = practice.name
    if len(name) > _NAME_WIDTH:
        name = name[: _NAME_WIDTH - 1] + "…"
    return (
        f"{practice.code:<8} {name:<{_NAME_WIDTH}} {_count(practice.list_size):>9}  "
        f"{practice.patch or ''}"
    )


_TABLE_HEAD = f"{'Code':<8} {'Practice':<{_NAME_WIDTH}} {'List size':>9}  Patch"


def _network_lines(network: PackNetwork) -> list[_Line]:
    lines: list[_Line] = [("h2", f"{network.network_id} — {network.name}")]
    lines.append(
        ("text", f"Combined list size: {_count(network.population)} — {network.band_status}")
    )
    if network.waiver:
        lines.append(("text", f"Waiver reason: {network.waiver}"))
    elif not network.in_band:
        lines.append(("text", "Waiver reason: none recorded"))
    on_homes = network.containment is not None
    if on_homes:
        parts = network.territory_parts or 0
        lines.append(
            (
                "text",
                f"Containment: {network.containment:.0%} of its patients live in its territory "
                f"({parts} part{'s' if parts != 1 else ''})",
            )
        )
    if network.patches:
        named = network.patches[:_PATCHES_NAMED] if on_homes else network.patches
        patches = ", ".join(f"{p} ({_count(n)})" for p, n in named)
        rest = network.patches[len(named) :]
        if rest:  # a few patients living in each of many patches, all over England
            patches += (
                f" and {len(rest)} more patch{'es' if len(rest) != 1 else ''} "
                f"({_count(sum(n for _, n in rest))})"
            )
        straddle = (
            f"; straddling population {_count(network.straddling_population)}"
            if len(network.patches) > 1
            else " (aligned with one patch)"
        )
        counted = " (its patients living in them)" if on_homes else ""
        lines.append(("text", f"Nursing patches{counted}: {patches}{straddle}"))
    lines += [("text", f"Issue: {issue}") for issue in network.issues]
    lines += [("text", f"Open comment on {comment}") for comment in network.comments]
    lines.append(("head", _TABLE_HEAD))
    lines += [("row", _practice_row(p)) for p in network.practices]
    lines.append(("gap", ""))
    return lines


def _band_impossible(section: PackSection, band: Band) -> str:
    """Say so when no plan of the area can keep every network in the band, else ``""``.

    Counted on the area's patients alone: no whole number of networks of the band's sizes
    adds up to them, whatever the practices. Without this the pack listed the networks
    outside the band as if a better plan could bring them in.
    """
    total = section.population + sum(p.list_size for p in section.unassigned)
    low, high = band.min_population, band.max_population
    if not total or high <= 0:
        return ""
    fewest = math.ceil(total / high)
    most = total // low if low > 0 else fewest
    if fewest <= most:
        return ""
    if fewest == 1 or most == 0:
        why = f"its {_count(total)} patients are fewer than one network's minimum {_count(low)}"
    else:
        below = fewest - 1
        why = (
            f"its {_count(total)} patients are more than {below} network"
            f"{'' if below == 1 else 's'} of at most {_count(high)} hold "
            f"({_count(below * high)}) and fewer than {fewest} of at least {_count(low)} need "
            f"({_count(fewest * low)})"
        )
    return (
        f"No plan of this area can have every network in the band: {why}. Record a waiver "
        "reason for the networks outside it."
    )


def _section_summary(section: PackSection, band: Band) -> list[_Line]:
    in_band = sum(n.in_band for n in section.networks)
    waived = sum(1 for n in section.networks if not n.in_band and n.waiver)
    text = (
        f"{len(section.networks)} network{'' if len(section.networks) == 1 else 's'}, "
        f"{_count(section.population)} registered patients; "
        f"{in_band} in the band {_count(band.min_population)} to {_count(band.max_population)}, "
        f"{len(section.networks) - in_band} outside it ({waived} with a waiver reason)."
    )
    lines: list[_Line] = [("text", text)]
    impossible = _band_impossible(section, band)
    if impossible:
        lines.append(("text", impossible))
    if section.geography:
        lines.append(("text", section.geography[0].upper() + section.geography[1:] + "."))
    if section.unassigned:
        unassigned = len(section.unassigned)
        lines.append(
            (
                "text",
                f"{unassigned} practice{' is' if unassigned == 1 else 's are'} in no network.",
            )
        )
    return lines


def _unassigned_lines(section: PackSection) -> list[_Line]:
    if not section.unassigned:
        return []
    lines: list[_Line] = [("h2", "Practices in no network")]
    lines += [("text", f"Open comment on {comment}") for comment in section.comments]
    return [*lines, ("head", _TABLE_HEAD), *(("row", _practice_row(p)) for p in section.unassigned)]


# --------------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Drawing:
    """What every map of the pack draws from: footprints and one colour per network."""

    region: Region
    plan: Plan
    shapes: gpd.GeoDataFrame
    colours: Mapping[str, str]


def _draw_map(
    figure: Figure,
    rect: tuple[float, float, float, float],
    drawing: _Drawing,
    section: PackSection,
) -> None:
    region, plan, shapes, colours = drawing.region, drawing.plan, drawing.shapes, drawing.colours
    ax = figure.add_axes(rect)
    ax.set_axis_off()
    ax.set_aspect("equal")
    ids = [n.network_id for n in section.networks]
    area = region.ccgs[region.ccgs["code"].astype(str) == section.area]
    codes = {p.code for n in section.networks for p in n.practices}
    codes |= {p.code for p in section.unassigned}
    inside = region.practices["ccg"].astype(object) == section.area
    points = region.practices[region.practices["code"].astype(str).isin(codes) | inside]
    own = shapes[shapes["network_id"].isin(ids) & shapes.geometry.notna()]
    if region.geography == "registrations" and len(own):
        # Territories reach wherever a few of their patients live: draw the area's part.
        bounds = np.array([f.total_bounds for f in (area, points) if len(f)]).reshape(-1, 4)
        if len(bounds):
            own = own.clip([*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)])
        own = own[~own.geometry.is_empty]
    # Parts of networks presented in another area's section (they cross into this one).
    others = shapes[~shapes["network_id"].isin(ids) & shapes.geometry.notna()]
    others = others.clip(area) if len(area) else others.iloc[:0]
    others = others[others.area > 1.0]  # not those that only touch the outline
    if len(others):
        others.plot(ax=ax, color="#dddddd", edgecolor="white", linewidth=0.6)
    if len(own):
        own.plot(
            ax=ax,
            color=[colours.get(str(n), "#888888") for n in own["network_id"]],
            alpha=0.45,
            edgecolor="white",
            linewidth=0.6,
        )
    if len(area):
        area.boundary.plot(ax=ax, color="#222222", linewidth=1.4)
    if len(points):
        point_colours = [
            colours.get(str(plan.assignment.get(str(c))), "#444444") for c in points["code"]
        ]
        sizes = [6 + 14 * math.sqrt(max(int(s), 0) / 10_000) for s in points["list_size"]]
        points.plot(ax=ax, color=point_colours, markersize=sizes, edgecolor="black", linewidth=0.4)
    labelled = pd.concat([own, others]) if len(others) else own
    for row in labelled.itertuples():
        anchor = row.geometry.representative_point()
        ax.annotate(
            drawn_text(str(row.network_id)),
            (anchor.x, anchor.y),
            ha="center",
            va="center",
            fontsize=6.5,
            fontweight="bold",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            parse_math=False,
        )
    frames = [f.total_bounds for f in (area, own, points) if len(f)]
    if frames:
        minx = min(b[0] for b in frames)
        miny = min(b[1] for b in frames)
        maxx = max(b[2] for b in frames)
        maxy = max(b[3] for b in frames)
        pad = 0.03 * max(maxx - minx, maxy - miny, 1.0)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)


def _map_png(drawing: _Drawing, section: PackSection) -> str:
    figure = Figure(figsize=(7.5, 7.5), dpi=120)
    FigureCanvasAgg(figure)
    _draw_map(figure, (0.0, 0.0, 1.0, 1.0), drawing, section)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------------------------------------
# Pages: what the writers (footprints.report_writers) lay out, per planning area
# --------------------------------------------------------------------------------------------


def _section_pages(
    section: PackSection, drawing: _Drawing, band: Band, changes: Mapping[str, AreaChanges]
) -> SectionPages:
    """Hand ``section`` over to the writers: its heading, lines, map and blocks."""

    def draw(figure: Figure, rect: tuple[float, float, float, float]) -> None:
        _draw_map(figure, rect, drawing, section)

    blocks = [PackBlock(_network_lines(n), _table_rows(n.practices)) for n in section.networks]
    if section.unassigned:
        blocks.append(PackBlock(_unassigned_lines(section), _table_rows(section.unassigned)))
    return SectionPages(
        area=section.area,
        area_name=section.area_name,
        heading=f"{section.area_name} ({section.area})" if section.area else section.area_name,
        summary=_section_summary(section, band),
        draw_map=draw,
        map_png=lambda: _map_png(drawing, section),
        change=changes.get(section.area),
        blocks=blocks,
    )


def _table_rows(practices: tuple[PackPractice, ...]) -> list[tuple[str, str, str, str]]:
    """Give the practices as the HTML table does: code, name, list size, patch."""
    return [(p.code, p.name, _count(p.list_size), p.patch or "") for p in practices]


_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _area_paths(path: Path, sections: list[PackSection]) -> list[Path]:
    """One PDF per section, ``<stem>_<area>.pdf``, the area code made safe for a file name.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_`` (a ``/`` in a
    code must not name a folder); two codes that become alike get ``_2``, ``_3`` ….
    """
    paths: list[Path] = []
    used: set[str] = set()
    for section in sections:
        safe = _UNSAFE_IN_FILE_NAME.sub("_", section.area).strip(".") or "no_area"
        name, count = safe, 1
        while name.lower() in used:
            count += 1
            name = f"{safe}_{count}"
        used.add(name.lower())
        paths.append(path.with_name(f"{path.stem}_{name}{path.suffix}"))
    return paths


PACK_TITLE_AREAS = 3
"""Planning areas a pack's title names at most; a pack of more is titled by the region."""


def pack_title(region: Region, sections: Sequence[PackSection]) -> str:
    """Return a pack's default title: its planning areas by name, else the region's name.

    A CCG lead's pack of one CCG is titled by the CCG ("NHS Kent and Medway CCG"), not by
    the practices file the region was read from.
    """
    names = [s.area_name for s in sections if s.area]
    named = ", ".join(names) if 0 < len(names) <= PACK_TITLE_AREAS else region.name
    return f"PCN submission pack — {named}"


def write_pack(
    region: Region,
    plan: Plan,
    path: PathLike,
    *,
    waivers: Mapping[str, str] | None = None,
    band: Band = _DEFAULT_BAND,
    report: Report | None = None,
    html_twin: bool = True,
    per_area: bool = False,
    title: str | None = None,
    changes: Mapping[str, AreaChanges] | None = None,
    max_practices: int = MAX_PACK_PRACTICES,
    comments: Mapping[str, Sequence[str]] | None = None,
    unassigned_comments: Mapping[str, Sequence[str]] | None = None,
    waivers_source: str | None = None,
    areas: Collection[str] | None = None,
) -> list[Path]:
    """Write the submission pack as PDF (and HTML twin).

    Parameters
    ----------
    region, plan
        The region and the plan to present.
    path
        The PDF, e.g. ``pack.pdf``; the HTML twin is ``pack.html`` beside it. With
        ``per_area`` the files are ``pack_<area code>.pdf`` / ``.html`` instead.
    waivers
        Network id → waiver reason (see :func:`footprints.io.read_waivers`).
    band
        The population band.
    report
        The plan's validation report; computed when omitted.
    html_twin
        Also write the HTML twin.
    per_area
        One PDF per planning area rather than one PDF with a section per area.
    title
        The pack's title; by default names its planning areas (see :func:`pack_title`).
    changes
        Area code → its least-change answer (:func:`footprints.tradeoff.read_changes`): a
        page per area with the trade-off curve (what each extra change buys) and the
        practices moved and why, after the area's map.
    max_practices
        Refuse a plan or region of more practices (:data:`MAX_PACK_PRACTICES`).
    comments, unassigned_comments
        Network id → open comments to print in its block, and practice code → those on a
        practice in no network (:func:`build_pack`); none by default.
    waivers_source
        The waivers file, named in the warning about waivers for networks not in the plan.
    areas
        Only the sections of these planning areas (CCG / sub-ICB codes: the area a CCG lead
        works on, out of a national region); every area by default.

    Returns
    -------
    list of Path
        The files written (PDF before HTML, areas in code order).

    Raises
    ------
    InfeasibleError
        When the plan or the region has more than ``max_practices`` practices, or ``areas``
        names no area of the region: nothing is drawn or written.
    """
    path = Path(path)
    _check_pack_size(region, plan, max_practices)
    report = report if report is not None else validate(plan, region.validation_graph, band=band)
    shapes = network_layer(region, plan, report=report, band=band)  # once: sections and maps
    sections = build_pack(
        region,
        plan,
        waivers=waivers,
        band=band,
        report=report,
        comments=comments,
        unassigned_comments=unassigned_comments,
        waivers_source=waivers_source,
        layer=shapes,
    )
    if areas is not None:
        wanted = {str(a) for a in areas}
        sections = [s for s in sections if s.area in wanted]
        if not sections:
            raise InfeasibleError(
                f"no planning area of the region is among {', '.join(sorted(wanted)) or 'none'}"
                ": give CCG / sub-ICB codes of the practices file, or every area"
            )
    # Neighbouring networks get different colours (the app's palette and rule).
    colours = network_colours(plan, footprints=shapes[shapes.geometry.notna()])
    drawing = _Drawing(region, plan, shapes, colours)
    groups = [(path, sections)]
    if per_area:
        groups = [(pdf, [s]) for pdf, s in zip(_area_paths(path, sections), sections, strict=True)]
    titles = {pdf: title or pack_title(region, group) for pdf, group in groups}
    written: list[Path] = []
    for pdf, _ in groups:
        written.append(pdf)
        if html_twin:
            written.append(pdf.with_suffix(".html"))
    # Every file is written under a temporary name; all are renamed into place at the end.
    with replacing(*written) as temporaries:
        temporary_of = dict(zip(written, temporaries, strict=True))
        for pdf, group in groups:
            pages = [_section_pages(s, drawing, band, changes or {}) for s in group]
            write_pdf(temporary_of[pdf], pages, titles[pdf])
            if html_twin:
                write_html(temporary_of[pdf.with_suffix(".html")], pages, titles[pdf])
    logger.info("submission pack: wrote %s", ", ".join(str(p) for p in written))
    return written
