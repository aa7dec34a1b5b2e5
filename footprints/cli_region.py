"""The console script's region options, shared by every command that reads a region.

``validate``, ``propose``, ``export``, ``report``, ``plans import`` and ``plans export``
take the same options (:func:`add_region_arguments`): ``--demo`` or the region's files, how
to read them (``--boundary-code``, ``--practice-column`` …) and, but for ``plans import``,
the band. :func:`load_region_of` loads the region they name.
"""

from __future__ import annotations

import argparse
import csv
import logging
from collections.abc import Mapping
from pathlib import Path

import networkx as nx

from footprints import cli_options as options
from footprints.demo import demo_files
from footprints.errors import FootprintsError, ProblemLog
from footprints.plan import Band
from footprints.region import Region, load_region, restrict_plan

__all__ = [
    "UsageError",
    "add_practice_column",
    "add_region_arguments",
    "load_region_of",
    "read_start_plan",
    "warn_unknown_practices",
]


class UsageError(FootprintsError, ValueError):
    """The command line is incomplete (exit code 2, like argparse's own errors)."""


def add_practice_column(parser: argparse.ArgumentParser) -> None:
    """Add ``--practice-column FIELD=COLUMN`` (repeatable) to ``parser``.

    It names the practices file's column for a field where several could be it
    (practices_2021.csv has two list sizes).
    """
    parser.add_argument(
        "--practice-column",
        dest="practice_columns",
        action="append",
        type=options.column_choice,
        metavar="FIELD=COLUMN",
        help="the practices file's column for a field, where several could be it "
        "(e.g. list_size=list_size_2021_01_gpreg; repeatable)",
    )


def add_region_arguments(parser: argparse.ArgumentParser, *, band: bool = True) -> None:
    """Add the region's options (``--demo``, its files, how to read them) and the band's."""
    parser.add_argument("--demo", action="store_true", help="use the built-in demo region's files")
    parser.add_argument("--practices", type=Path, help="practices CSV")
    parser.add_argument("--boundaries", type=Path, help="CCG / sub-ICB boundaries file")
    parser.add_argument("--stp-boundaries", type=Path, help="STP / ICB boundaries file")
    parser.add_argument("--patches", type=Path, help="nursing patch polygons")
    parser.add_argument("--postcodes", type=Path, help="postcode lookup (Code-Point Open, ONSPD)")
    parser.add_argument("--boundary-code", help="code column of the boundaries file")
    parser.add_argument("--stp-boundary-code", help="code column of the STP / ICB boundaries file")
    parser.add_argument("--patch-code", help="code column of the nursing patches file")
    add_practice_column(parser)
    parser.add_argument(
        "--registrations",
        type=Path,
        help="NHS Digital's LSOA registrations file (gp-reg-pat-prac-lsoa-all.csv, .gz or "
        ".zip): plan and judge networks by where patients live (needs --lsoa-boundaries)",
    )
    parser.add_argument(
        "--lsoa-boundaries", type=Path, help="LSOA polygons (ONS BGC or any file with LSOA codes)"
    )
    parser.add_argument(
        "--lsoa-centroids", type=Path, help="LSOA population-weighted centroids (CSV, optional)"
    )
    parser.add_argument("--lsoa-code", help="LSOA code column of the LSOA boundaries file")
    options.add_limit_arguments(parser)
    parser.add_argument(
        "--tolerance-m",
        type=options.metres,
        help="how far outside every CCG polygon a practice whose row names no CCG may lie and "
        "still be placed in the nearest (default 5000)",
    )
    parser.add_argument(
        "--strict-sites",
        action="store_true",
        help="refuse a practice whose site is over 50 km outside the CCG its row names "
        "(default: a warning; the practice stays in its CCG, joined like an island)",
    )
    if not band:
        return
    parser.add_argument(
        "--min",
        dest="min_population",
        type=options.population,
        default=Band().min_population,
        help="smallest network, in patients (default 30000)",
    )
    parser.add_argument(
        "--max",
        dest="max_population",
        type=options.population,
        default=Band().max_population,
        help="largest network, in patients (default 50000)",
    )


def load_region_of(
    args: argparse.Namespace, *, plan: Path | None, demo_plan: bool = False
) -> Region:
    """Load the region the arguments name (``--demo`` fills in the demo's files).

    With ``demo_plan``, ``--demo`` also stands for the demo's current plan when ``plan`` is
    None.
    """
    if not args.demo:
        return _load_files(args, plan=plan)
    with demo_files() as shipped:
        args.practices = args.practices or shipped.practices
        args.boundaries = args.boundaries or shipped.ccg
        args.stp_boundaries = args.stp_boundaries or shipped.stp
        args.patches = args.patches or shipped.patches
        if demo_plan and plan is None:
            plan = shipped.current_plan
        return _load_files(args, plan=plan)


def _load_files(args: argparse.Namespace, *, plan: Path | None) -> Region:
    """Load the region from the files the arguments name."""
    missing = [
        flag
        for flag, value in (("--practices", args.practices), ("--boundaries", args.boundaries))
        if value is None
    ]
    if missing:
        raise UsageError(f"{' and '.join(missing)} required (or --demo for the demo region)")
    return load_region(
        args.practices,
        args.boundaries,
        stp_boundaries=args.stp_boundaries,
        patches=args.patches,
        plan=plan,
        postcodes=args.postcodes,
        boundary_code=args.boundary_code,
        stp_boundary_code=args.stp_boundary_code,
        patch_code=args.patch_code,
        registrations=args.registrations,
        lsoa_boundaries=args.lsoa_boundaries,
        lsoa_centroids=args.lsoa_centroids,
        lsoa_code=args.lsoa_code,
        strict_sites=args.strict_sites,
        **({"tolerance_m": args.tolerance_m} if args.tolerance_m is not None else {}),
        practice_columns=dict(args.practice_columns or ()) or None,
    )


def warn_unknown_practices(current: dict[str, str], region: Region, path: Path) -> None:
    """Warn that the current plan names practices the practices file lacks: repair drops them.

    ``validate`` reports them under the coverage rule; ``propose --repair`` cannot place them,
    so it says which are left out of the repaired plan and what to do.
    """
    unknown = sorted(set(current) - set(region.practices["code"].astype(str)))
    if not unknown:
        return
    shown = ", ".join(f"{code} (in {current[code]})" for code in unknown[:10])
    more = f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else ""
    logging.getLogger("footprints").warning(
        "%s: the current plan names %s not in the practices file: %s%s; %s left out of the "
        "repaired plan — correct each code, or add the practice to the practices file",
        path,
        f"{len(unknown):,} practice{'' if len(unknown) == 1 else 's'}",
        shown,
        more,
        "it is" if len(unknown) == 1 else "they are",
    )


def read_start_plan(path: Path, region: Region, graphs: Mapping[str, nx.Graph]) -> dict[str, str]:
    """Read ``propose --start PLAN``: the plan the optimiser starts each area from.

    Any plan file :func:`~footprints.io.read_plan` reads; a plan covering other areas too
    (the national ePCN file) is first cut to the practices loaded, with a warning, as the
    current plan is (:func:`~footprints.region.restrict_plan`). Its practices must then all
    be in the practices file, and it must place every practice of the planning areas solved (each
    error names the file, the row where a CSV has one, the practice and what to do). A
    network in several parts within an area is only warned about: that area starts from
    the quick constructive plan instead (the optimiser needs contiguous networks).

    Raises
    ------
    InputError
        For practices the practices file lacks, or practices of the areas it misses.
    """
    from footprints.io import read_plan

    known = set(region.practices["code"].astype(str))
    # a plan covering other areas too (the national ePCN file) is cut as --plan's is
    plan, _ = restrict_plan(read_plan(path), known, source=f"--start {path}")  # warns
    start = dict(plan.assignment)
    log = ProblemLog(f"--start {path}")
    rows = _rows_of(path)
    for code in sorted(set(start) - known):
        log.error(
            f"practice {code} (in network {start[code]}) is not in the practices file",
            "correct the code, remove the row, or add the practice to the practices file",
            row=rows.get(code),
            code=code,
        )
    for area, graph in sorted(graphs.items()):
        missing = sorted(str(p) for p in graph.nodes if str(p) not in start)
        if missing:
            shown = ", ".join(missing[:10]) + (
                f" and {len(missing) - 10:,} more" if len(missing) > 10 else ""
            )
            log.error(
                f"the plan places no network for {len(missing):,} of the {len(graph):,} "
                f"practices of planning area {area}: {shown}",
                "give every practice of the area a network_id, solve only the areas it "
                "covers with --area, or repair the plan instead (--repair --plan FILE places "
                "the practices it leaves out; the published ePCN file leaves out practices "
                "in no PCN)",
            )
            continue
        members: dict[str, list[str]] = {}
        for node in graph.nodes:
            members.setdefault(start[str(node)], []).append(node)
        for network, nodes in sorted(members.items()):
            parts = nx.number_connected_components(graph.subgraph(nodes))
            if parts > 1:
                log.warn(
                    f"network {network} is in {parts} separate parts within planning area "
                    f"{area} ({len(nodes)} practices); the optimiser starts that area from its "
                    "quick constructive plan instead",
                    "join the parts, or give each part its own network_id",
                )
    log.raise_if_errors()
    return start


def _rows_of(path: Path) -> dict[str, int]:
    """Each value's first row in a CSV file (the header is row 1); empty for other files."""
    if path.suffix.lower() != ".csv":
        return {}
    rows: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, record in enumerate(csv.reader(handle), start=1):
                for cell in record:
                    rows.setdefault(cell.strip(), number)
    except (OSError, UnicodeDecodeError, csv.Error):  # read_plan has read it: rows are a nicety
        return {}
    return rows
