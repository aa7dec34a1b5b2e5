"""The command line's shared checks: exit statuses, and options checked before any work.

Every option is checked while the command line is parsed or before a region is loaded, so
nothing starts on a bad one: the band of ``--min`` and ``--max``, an output's format and
folder (never one of the inputs), the planning areas ``--level``, ``--areas`` and
``--area`` name. Used by :mod:`footprints.cli` and :mod:`footprints.cli_propose`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path

from footprints.atomic import check_writable
from footprints.cli_region import UsageError
from footprints.errors import InputError, count, did_you_mean
from footprints.io import (
    accepted_extensions,
    names_upper_areas,
    plan_format,
    practices_name_field,
)
from footprints.plan import Band
from footprints.planning_areas import planning_groups
from footprints.region import Region

__all__ = [
    "EXIT_ABORTED",
    "EXIT_BAD_INPUT",
    "EXIT_FALLBACK",
    "EXIT_INTERNAL",
    "OUT_HELP",
    "band_of",
    "check_out",
    "check_out_is_no_input",
    "check_plan_out",
    "check_upper_known",
    "count",
    "planning",
    "planning_areas_named",
]

EXIT_BAD_INPUT = 2
"""Exit status for bad input, an unwritable output or a request that cannot be met."""
EXIT_INTERNAL = 3
"""Exit status for an internal error (a bug)."""
EXIT_FALLBACK = 4
"""Exit status of ``propose`` when the plan is complete but some area's plan stands in.

Not 0: a script must be able to tell that an area was not optimised because something
failed (a run on a loaded machine, say) and run it again; not 2 or 3: the input was fine and
the plan was written, whole and contiguous.
"""
EXIT_ABORTED = 130
"""Exit status after a second Ctrl-C (128 + SIGINT, as shells report it)."""


def band_of(args: argparse.Namespace) -> Band:
    """Return the band of ``--min`` and ``--max``; a minimum above the maximum is an error."""
    if args.min_population > args.max_population:
        raise UsageError(
            f"--min {args.min_population} is above --max {args.max_population}: give a "
            "minimum at most the maximum (the default band is --min 30000 --max 50000)"
        )
    return Band(args.min_population, args.max_population)


def check_out(
    path: Path, *, extensions: Sequence[str] | None = None, option: str = "--out"
) -> None:
    """Check an output file's extension and that its folder can be written, before any work."""
    if extensions is not None and path.suffix.lower() not in extensions:
        raise UsageError(f"{option} {path}: the name must end with {' or '.join(extensions)}")
    check_writable(path)


OUT_HELP = "plan" + accepted_extensions(write=True)
"""The help of an ``--out`` that takes a plan: "plan.csv, .geojson or .gpkg"."""


def check_upper_known(args: argparse.Namespace) -> None:
    """Refuse ``--level upper`` with no STP / ICB known, from the files' columns alone.

    Checked before the region is loaded: with registrations, the load took 15 s (all England)
    before :func:`planning` refused. Refused here only when sure (no ``--stp-boundaries``, no
    column naming the STP in the boundary file's fields or the practices file's header);
    :func:`planning` checks the loaded region as before.
    """
    if args.areas is not None or args.level != "upper" or args.stp_boundaries is not None:
        return
    if args.demo or args.practices is None or args.boundaries is None:
        return
    if "stp" in dict(args.practice_columns or ()):
        return
    try:
        if names_upper_areas(args.boundaries) is not False:
            return
        if practices_name_field(args.practices, "stp"):
            return
    except InputError:
        return  # the load says what is wrong with the file
    raise UsageError(_no_upper_area("CCGs"))


def _no_upper_area(ccgs: str) -> str:
    """Say that ``--level upper`` has no STP / ICB to plan by, and how to give one."""
    return (
        f"--level upper: no STP / ICB is known for the region's {ccgs} (the boundary file has "
        "no STP column, such as STP20CD or ICB23CD, the practices file no stp column, and no "
        "--stp-boundaries was given), so every CCG would be planned alone — give "
        "--stp-boundaries with the STP / ICB boundaries, or plan CCG by CCG without "
        "--level upper"
    )


def planning(args: argparse.Namespace, region: Region) -> tuple[dict[str, list[str]], bool]:
    """Return the planning areas the options name, and whether they are larger than CCGs."""
    if args.areas is not None and args.level != "lower":
        raise UsageError(
            f"--level {args.level} and --areas {args.areas}: give one (the areas file's groups "
            "are the planning areas)"
        )
    larger = args.areas is not None or args.level != "lower"
    if args.areas is None and args.level == "upper":
        stps = region.practices["stp"]
        if not any(isinstance(stp, str) and stp for stp in stps):
            # each CCG was planned alone as its own 'STP', the summary saying '0 networks
            # cross a CCG border inside their planning area' as if planned by STP
            raise UsageError(_no_upper_area(count(len(region.ccg_graphs), "CCG")))
    return planning_groups(region, args.level, args.areas), larger


def check_plan_out(path: Path) -> None:
    """Check ``--out`` names a plan format footprints writes, in a folder it can write."""
    try:
        plan_format(path, write=True)
    except InputError:
        raise UsageError(
            f"--out {path}: cannot tell the format; end the name with "
            f"{accepted_extensions(write=True)}"
        ) from None
    check_writable(path)


_INPUT_OPTIONS = (
    "practices",
    "boundaries",
    "stp_boundaries",
    "patches",
    "postcodes",
    "registrations",
    "lsoa_boundaries",
    "lsoa_centroids",
    "areas",
)
"""The region's input files, which ``--out`` must not name (``--plan`` it may: a plan
repaired in place)."""


def check_out_is_no_input(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` or ``--curve-json`` naming an input file, which it would replace."""
    outputs = [("--out", args.out), ("--curve-json", getattr(args, "curve_json", None))]
    for name, written in outputs:
        if written is None:
            continue
        out = Path(written).resolve()
        for option in _INPUT_OPTIONS:
            given = getattr(args, option, None)
            if given is not None and Path(given).resolve() == out:
                flag = "--" + option.replace("_", "-")
                raise UsageError(
                    f"{name} {written} is the {flag} file: writing there would replace it; "
                    f"give {name} another name"
                )


def _areas_holding(unknown: list[str], groups: Mapping[str, list[str]], region: Region) -> str:
    """Say which planning area holds each CCG named (``--level upper --area`` a CCG's code)."""
    ccg_of = {str(code).upper(): str(code) for code in region.ccgs["code"]}
    if "ods_code" in region.ccgs.columns:
        for code, ods in zip(region.ccgs["code"], region.ccgs["ods_code"], strict=True):
            if isinstance(ods, str) and ods.strip():
                ccg_of.setdefault(ods.strip().upper(), str(code))
    group_of = {ccg: group for group, ccgs in groups.items() for ccg in ccgs}
    said = [
        f"CCG {area} is in planning area {group_of[ccg_of[area.strip().upper()]]}"
        for area in unknown
        if ccg_of.get(area.strip().upper()) in group_of
    ]
    return f" ({'; '.join(said)}: its networks are planned with that area's)" if said else ""


def planning_areas_named(
    given: list[str], groups: Mapping[str, list[str]], region: Region
) -> list[str]:
    """Return the planning areas ``--area`` names, each by its code or ODS code in any case."""
    by_name: dict[str, str] = {str(area).upper(): str(area) for area in groups}
    for layer in (region.ccgs, region.stps):
        if layer is not None and "ods_code" in layer.columns:
            for code, ods in zip(layer["code"], layer["ods_code"], strict=True):
                if isinstance(ods, str) and ods.strip() and str(code) in groups:
                    by_name.setdefault(ods.strip().upper(), str(code))
    unknown = [area for area in given if area.strip().upper() not in by_name]
    if unknown:
        ods = {code: name for name, code in by_name.items() if name != code.upper()}
        areas = ", ".join(f"{a} ({ods[a]})" if a in ods else str(a) for a in groups)
        holding = _areas_holding(unknown, groups, region)
        named = ", ".join(
            area + ("" if holding else did_you_mean(area, [*groups, *ods.values()]))
            for area in unknown
        )
        raise UsageError(
            f"no planning area {named}; the planning areas are {areas}{holding} — "
            "give --area one of these codes (or ODS codes)"
        )
    return list(dict.fromkeys(by_name[area.strip().upper()] for area in given))
