"""Planning areas larger than a CCG: whole STPs / ICBs, or any grouping of lower areas.

By default every lower area (CCG / sub-ICB location) is planned on its own and no network
crosses its border. :func:`planning_groups` groups the lower areas into larger planning
areas instead: ``level="upper"`` plans each STP / ICB as one area, and an areas file
(:func:`read_area_groups`, ``--areas FILE``) gives any grouping, such as the 2026 ICB
clusters. :func:`planning_graphs` gives each planning area's graph (the region's
validation graph cut to its practices: the CCG graphs joined where catchments meet across
a CCG border, so the optimiser may cross a CCG border inside the area, never the area's own
border) and :func:`find_crossings` lists the networks of a plan that cross a CCG (or STP)
border, with the practices and patients on each side.

Planning at a larger level is the explicit allowance of DESIGN.md's boundary rule: a
network crossing CCG borders inside its planning area is reported (``waivable``), not hard,
when the validator is told the same grouping (``validate(planning_areas=...)``,
``footprints validate --level upper`` / ``--areas FILE``). A group of an areas file may
span several STPs (the 2026 clusters merge ICBs on purpose): the file is the user's say-so,
and the STP crossings inside such a group are reported the same way.

Areas file
    A CSV (or an Excel workbook: its first sheet) with a header row: the lower-area
    column (``lower_area``; also ``ccg``, ``ccg_code``, ``sub_icb``, ``sub_icb_location``,
    ``sicbl``, ``area``, ``code``, or an ONS header such as ``CCG20CD`` / ``SICBL23CD``)
    holds a CCG code or ODS code, and the group column (``group``; also ``planning_area``,
    ``cluster``, ``icb_cluster``) the planning
    area's code or name. Every lower area of the region appears in exactly one row.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import networkx as nx

from footprints.atomic import write_text
from footprints.errors import InputError, Problem, count, did_you_mean
from footprints.io.tables import _EXCEL, _decode, _delimiter, _read_excel_sheets
from footprints.plan import Plan
from footprints.region import Region
from footprints.registration import catchment_arrays

__all__ = [
    "AREA_COLUMNS",
    "GROUP_COLUMNS",
    "MAX_AREAS_BYTES",
    "Crossing",
    "Level",
    "find_crossings",
    "planning_area_of",
    "planning_graphs",
    "planning_groups",
    "read_area_groups",
    "write_crossings",
]

logger = logging.getLogger(__name__)

Level = Literal["lower", "upper"]
"""The planning level: each CCG on its own (``"lower"``), or each STP / ICB (``"upper"``)."""

AREA_COLUMNS = ("lower_area", "ccg", "ccg_code", "sub_icb", "sub_icb_location", "sicbl", "area")
"""Header names (normalised) of an areas file's lower-area column, first the preferred one;
``code`` and ONS headers (``CCG20CD``, ``SICBL23CD``) are accepted too."""

GROUP_COLUMNS = ("group", "planning_area", "cluster", "icb_cluster")
"""Header names (normalised) of an areas file's group column, first the preferred one."""

MAX_AREAS_BYTES = 1_000_000
"""The largest areas file read (England has about 100 lower areas: a few kilobytes)."""

_FIX_HEADER = (
    "give a CSV with the header lower_area,group (one row per CCG / sub-ICB location of the "
    "region, its planning area in the group column)"
)


def _normal(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _column(header: Sequence[str], names: Iterable[str], pattern: str | None = None) -> int | None:
    normal = [_normal(cell) for cell in header]
    for name in names:
        if name in normal:
            return normal.index(name)
    if pattern is not None:
        for position, cell in enumerate(normal):
            if re.fullmatch(pattern, cell):
                return position
    return None


def _rows(path: Path) -> list[list[str]]:
    source = str(path)
    if not path.is_file():
        raise InputError([Problem(source, "file not found", "check the path given to --areas")])
    data = path.read_bytes()
    if len(data) > MAX_AREAS_BYTES:
        raise InputError(
            [
                Problem(
                    source,
                    f"is {len(data):,} bytes; an areas file is at most {MAX_AREAS_BYTES:,} "
                    "(one short row per lower area)",
                    _FIX_HEADER,
                )
            ]
        )
    if path.suffix.lower() in _EXCEL:  # a workbook: its first sheet, the header its first row
        sheets = _read_excel_sheets(path)
        if not sheets:
            raise InputError([Problem(source, "the workbook has no sheet", _FIX_HEADER)])
        frame = next(iter(sheets.values()))
        cells = frame.astype(object).where(frame.notna(), "")
        return [[str(c) for c in frame.columns], *([str(c) for c in row] for row in cells.values)]
    text = _decode(data, source)  # an Excel workbook or a zip under a CSV's name is refused
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, source)))
    except csv.Error as error:
        raise InputError(
            [Problem(source, f"cannot be read as CSV ({error})", "save it again as CSV UTF-8")]
        ) from None


def _lookup(region: Region) -> dict[str, str]:
    """Upper-cased CCG code or ODS code → the region's CCG code."""
    lookup: dict[str, str] = {}
    ccgs = region.ccgs
    if "ods_code" in ccgs.columns:
        for code, ods in zip(ccgs["code"], ccgs["ods_code"], strict=True):
            if isinstance(ods, str) and ods.strip():
                lookup[ods.strip().upper()] = str(code)
    for code in ccgs["code"]:
        lookup[str(code).strip().upper()] = str(code)
    return lookup


def read_area_groups(path: str | Path, region: Region) -> dict[str, list[str]]:
    """Read an areas file: every lower area of ``region`` in exactly one planning area.

    Parameters
    ----------
    path
        The CSV or workbook (see the module's notes for its header names).
    region
        The region whose lower areas (``region.lower_areas()``) are grouped.

    Returns
    -------
    dict of str to list of str
        Planning area (the group, as written) → its lower areas (CCG codes, sorted), groups
        in the order the file first names them.

    Raises
    ------
    InputError
        Every problem at once, each naming the file, the row (the header is row 1) and the
        code: no lower-area or group column, an empty cell, a code that is no lower area of
        the region, a lower area on two rows, a lower area of the region on no row.
    """
    path = Path(path)
    source = str(path)
    rows = _rows(path)
    header = rows[0] if rows else []
    area_at = _column(header, (*AREA_COLUMNS, "code"), r"(ccg|sicbl|sub_icb)\d{2}cd")
    group_at = _column(header, GROUP_COLUMNS)
    missing = [
        what
        for what, at, names in (
            ("lower-area", area_at, AREA_COLUMNS),
            ("group", group_at, GROUP_COLUMNS),
        )
        if at is None
    ]
    if missing or area_at == group_at:
        found = ", ".join(cell.strip() for cell in header) or "none (the file is empty)"
        raise InputError(
            [
                Problem(
                    source,
                    f"no {' and no '.join(missing or ['separate group'])} column in the header "
                    f"(columns found: {found}); the lower-area column may be called "
                    f"{', '.join(AREA_COLUMNS)}, code or an ONS code column (CCG20CD, "
                    "SICBL23CD …), the group column "
                    f"{', '.join(GROUP_COLUMNS)}",
                    _FIX_HEADER,
                    row=1,
                )
            ]
        )
    assert area_at is not None and group_at is not None
    lookup = _lookup(region)
    known = region.lower_areas()
    problems: list[Problem] = []
    unknown: list[Problem] = []  # rows naming no lower area of the region
    outside: list[tuple[int, str, str]] = []  # their row, code and group
    seen: dict[str, int] = {}
    groups: dict[str, list[str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        given, group = cells[area_at].strip(), cells[group_at].strip()
        if not given or not group:
            problems.append(
                Problem(
                    source,
                    f"row has no {'lower area' if not given else 'group'} "
                    f"({given or group!r} given)",
                    "fill in both the lower area and its group, or delete the row",
                    row=number,
                    code=given or None,
                )
            )
            continue
        area = lookup.get(given.upper())
        if area is None:
            outside.append((number, given, group))
            unknown.append(
                Problem(
                    source,
                    f"lower area {given!r} (group {group!r}) is no CCG / sub-ICB location of "
                    f"the region{did_you_mean(given, lookup)}; its {len(known)} lower "
                    f"area{'' if len(known) == 1 else 's'}: {', '.join(known)}",
                    "correct the code, or delete the row if the area is outside the region",
                    row=number,
                    code=given,
                )
            )
            continue
        if area in seen:
            problems.append(
                Problem(
                    source,
                    f"lower area {area} is on row {seen[area]} and again here (group "
                    f"{group!r}); each lower area belongs to exactly one group",
                    "keep one row per lower area",
                    row=number,
                    code=area,
                )
            )
            continue
        seen[area] = number
        groups.setdefault(group, []).append(area)
    if outside and all(area in seen for area in known):
        # every lower area is grouped: the other rows are areas outside the region (a
        # national file of the 2026 clusters, used for one ICB), not typos of its codes;
        # each was an error ('correct the code, or delete the row'), ~100 for one ICB
        shown = ", ".join(f"{code} ({group}) on row {row}" for row, code, group in outside[:10])
        logger.warning(
            "%s",
            Problem(
                source,
                f"{count(len(outside), 'row')} "
                + (
                    "names a lower area that is"
                    if len(outside) == 1
                    else "name lower areas that are"
                )
                + f" not in the region ({shown}"
                + (f" and {len(outside) - 10:,} more" if len(outside) > 10 else "")
                + f"): left out; the region's {count(len(known), 'lower area')} "
                + ("is grouped" if len(known) == 1 else "are all grouped"),
                "nothing to do if the file groups more of England than the region; otherwise "
                "check those codes",
                severity="warning",
            ),
        )
    else:
        problems.extend(unknown)
    for area in known:
        if area not in seen and not any(p.code == area for p in problems):
            problems.append(
                Problem(
                    source,
                    f"lower area {area} of the region is on no row ({len(seen)} of "
                    f"{len(known)} lower areas grouped)",
                    f"add a row {area},GROUP naming the planning area it belongs to",
                    code=area,
                )
            )
    if problems:
        raise InputError(problems)
    logger.info("%s: %d lower areas in %d planning areas", source, len(seen), len(groups))
    return {group: sorted(areas) for group, areas in groups.items()}


def planning_groups(
    region: Region, level: Level = "lower", areas: str | Path | None = None
) -> dict[str, list[str]]:
    """Return each planning area's lower areas: CCGs alone, by STP, or as an areas file says.

    Parameters
    ----------
    region
        The loaded region.
    level
        ``"lower"`` (each CCG its own planning area) or ``"upper"`` (each STP / ICB); the
        region's STP of a CCG is its practices' ``stp`` (without an upper level known each
        CCG is its own STP).
    areas
        An areas file (:func:`read_area_groups`); it overrides ``level``.

    Returns
    -------
    dict of str to list of str
        Planning area code → its lower areas (sorted).
    """
    if areas is not None:
        return read_area_groups(areas, region)
    if level == "lower":
        return {area: [area] for area in region.ccg_graphs}
    if level != "upper":
        raise ValueError(f"level {level!r}: give 'lower' or 'upper'")
    practices = region.practices
    upper: dict[str, set[str]] = {}
    for ccg, stp in zip(practices["ccg"], practices["stp"], strict=True):
        upper.setdefault(str(stp) if isinstance(stp, str) and stp else str(ccg), set()).add(
            str(ccg)
        )
    return {code: sorted(upper[code]) for code in sorted(upper)}


def planning_area_of(groups: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Return lower area → planning area, for ``validate(planning_areas=...)``."""
    return {lower: group for group, areas in groups.items() for lower in areas}


def planning_graphs(region: Region, groups: Mapping[str, Sequence[str]]) -> dict[str, nx.Graph]:
    """Return the graph of each planning area, for :func:`footprints.optimiser.propose`.

    A planning area of one lower area has that CCG's graph. A larger one has the region's
    validation graph cut to its practices: the CCG graphs (catchments clipped to their CCG,
    as at the lower level) joined by ``area_border`` edges where catchments (or, on
    registration geography, patients' homes) meet across a CCG border inside the area.
    ``graph.graph`` names the ``area``, its lower ``areas`` and ``level="group"``.
    """
    lower = region.ccg_graphs
    union = region.validation_graph if any(len(a) > 1 for a in groups.values()) else None
    graphs: dict[str, nx.Graph] = {}
    for group, areas in groups.items():
        if len(areas) == 1:
            graph = lower[areas[0]].copy()
            graph.graph["area"] = group
            graphs[group] = graph
            continue
        assert union is not None
        codes = [code for area in areas for code in lower[area].nodes]
        graph = nx.Graph(union.subgraph(codes))
        first = lower[areas[0]].graph
        graph.graph = {
            **{k: v for k, v in first.items() if k not in ("lsoa_registered", "lsoa_edges")},
            "area": group,
            "areas": list(areas),
            "level": "group",
            "island_links": sum(int(lower[a].graph.get("island_links", 0)) for a in areas),
        }
        homes = region.homes
        if homes is not None:
            _, registered, edges = catchment_arrays(homes, sorted(codes))
            graph.graph["lsoa_registered"], graph.graph["lsoa_edges"] = registered, edges
        graphs[group] = graph
    return graphs


@dataclass(frozen=True)
class Crossing:
    """A network whose practices lie in more than one CCG (and perhaps STP).

    Attributes
    ----------
    network
        The network id.
    planning_area
        The planning area it was planned in (``None`` when its CCGs lie in several).
    level
        ``"stp"`` when it crosses an STP border too, else ``"ccg"``.
    sides
        Per CCG: (CCG code, STP code, practices, patients), most patients first.
    """

    network: str
    planning_area: str | None
    level: str
    sides: tuple[tuple[str, str, int, int], ...]

    def text(self) -> str:
        """Say the crossing in one line: the network, its planning area and each side."""
        where = f" in {self.planning_area}" if self.planning_area else ""
        sides = "; ".join(
            f"{ccg} ({stp}): {n:,} practice{'s' if n != 1 else ''}, {patients:,} patients"
            for ccg, stp, n, patients in self.sides
        )
        border = "CCG and STP borders" if self.level == "stp" else "a CCG border"
        return f"{self.network}{where} crosses {border}: {sides}"


def find_crossings(
    plan: Plan, graph: nx.Graph, planning_area: Mapping[str, str] | None = None
) -> list[Crossing]:
    """List the networks of ``plan`` whose practices lie in more than one CCG.

    Parameters
    ----------
    plan
        The plan.
    graph
        A graph with the plan's practices (node attributes ``ccg``, ``stp``, ``list_size``).
    planning_area
        Lower area → planning area, to name each network's planning area.

    Returns
    -------
    list of Crossing
        By network id; practices missing from ``graph`` are left out.
    """
    found: list[Crossing] = []
    for network, members in plan.networks().items():
        sides: dict[str, list[int]] = {}
        stp_of: dict[str, str] = {}
        for practice in members:
            if practice not in graph:
                continue
            node = graph.nodes[practice]
            ccg = str(node.get("ccg"))
            stp_of[ccg] = str(node.get("stp"))
            side = sides.setdefault(ccg, [0, 0])
            side[0] += 1
            side[1] += int(node.get("list_size", 0))
        if len(sides) < 2:
            continue
        ordered = sorted(sides.items(), key=lambda item: (-item[1][1], item[0]))
        planned = {planning_area.get(ccg) for ccg in sides} if planning_area else {None}
        found.append(
            Crossing(
                network=network,
                planning_area=planned.pop() if len(planned) == 1 else None,
                level="stp" if len(set(stp_of.values())) > 1 else "ccg",
                sides=tuple((ccg, stp_of[ccg], n, p) for ccg, (n, p) in ordered),
            )
        )
    return found


def write_crossings(path: str | Path, crossings: Sequence[Crossing], plan: Plan) -> None:
    """Write the crossings as CSV: one row per network and CCG it draws practices from.

    Columns ``network_id, network_name, planning_area, level, ccg, stp, practices,
    patients``; a plan with no crossing gives the header alone.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "network_id",
            "network_name",
            "planning_area",
            "level",
            "ccg",
            "stp",
            "practices",
            "patients",
        ]
    )
    for crossing in crossings:
        for ccg, stp, practices, patients in crossing.sides:
            writer.writerow(
                [
                    crossing.network,
                    plan.network_name(crossing.network),
                    crossing.planning_area or "",
                    crossing.level,
                    ccg,
                    stp,
                    practices,
                    patients,
                ]
            )
    write_text(Path(path), out.getvalue())
