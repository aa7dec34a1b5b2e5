"""The ``footprints`` console script: demo, validate, propose, export, diff, report, plans.

Exit statuses (the README's table):

- 0: success (``validate``: no violations; ``diff``, ``plans diff``: the plans are
  identical; ``propose``: every area has a plan, also after a first Ctrl-C);
- 1: ``validate``: the plan breaks a rule; ``diff``, ``plans diff``: the plans differ;
- 2: bad input or a request that cannot be met: an option out of range, a file that cannot
  be read or written (every problem listed, never a traceback), an infeasible area; a plan
  store that cannot be opened, a plan or version not in it, a save that conflicts;
- 3: an internal error (a bug): one line on stderr, the traceback with ``--verbose``;
- 4: ``propose`` wrote a plan covering every practice, but some area's solve failed (status
  ``fallback``: a solver's unusable answer, an exception, a worker process that died) and
  the plan at hand stands in; the summary names each area, the failure and that plan. An
  area whose time limit ran out (``feasible``, or ``timed out``) is not a failure: 0, the
  summary says to allow more time;
- 130: aborted by a second Ctrl-C in ``propose`` (nothing written).

Every option is checked before any work starts. When the reader of the standard output goes
away (``footprints diff a.csv b.csv | head``), the rest of the output is dropped and the
command still ends with its own status; a broken pipe anywhere else is an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from footprints import cli_options as options
from footprints.atomic import check_writable
from footprints.background import ProposalJob
from footprints.cli_plans import add_plans_parser
from footprints.cli_region import (
    UsageError,
    add_region_arguments,
    load_region_of,
    read_start_plan,
    warn_unknown_practices,
)
from footprints.demo import DEMO_SEED, copy_demo, other_files
from footprints.errors import FootprintsError, InputError, SolverError
from footprints.geography import Geography
from footprints.io import (
    EXPORT_FORMATS,
    accepted_extensions,
    plan_format,
)
from footprints.optimiser import OptimiseSettings, Proposal
from footprints.plan import Band, Plan
from footprints.planning_areas import planning_area_of, planning_graphs, planning_groups
from footprints.region import Region, restrict_plan
from footprints.rules import Report, validate
from footprints.terminal import StandardOutput, bad_input_message, stderr_logging

__all__ = ["EXIT_ABORTED", "EXIT_BAD_INPUT", "EXIT_FALLBACK", "EXIT_INTERNAL", "main"]

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


# --------------------------------------------------------------------------------------------
# Option values: checked while the command line is parsed, so nothing starts on a bad one
# --------------------------------------------------------------------------------------------


def _band(args: argparse.Namespace) -> Band:
    """Return the band of ``--min`` and ``--max``; a minimum above the maximum is an error."""
    if args.min_population > args.max_population:
        raise UsageError(
            f"--min {args.min_population} is above --max {args.max_population}: give a "
            "minimum at most the maximum (the default band is --min 30000 --max 50000)"
        )
    return Band(args.min_population, args.max_population)


def _check_out(
    path: Path, *, extensions: Sequence[str] | None = None, option: str = "--out"
) -> None:
    """Check an output file's extension and that its folder can be written, before any work."""
    if extensions is not None and path.suffix.lower() not in extensions:
        raise UsageError(f"{option} {path}: the name must end with {' or '.join(extensions)}")
    check_writable(path)


_OUT_HELP = "plan" + accepted_extensions(write=True)  # "plan.csv, .geojson or .gpkg"


def _count(number: int, noun: str) -> str:
    """``1 network``, ``2 networks``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _planning(args: argparse.Namespace, region: Region) -> tuple[dict[str, list[str]], bool]:
    """Return the planning areas the options name, and whether they are larger than CCGs."""
    if args.areas is not None and args.level != "lower":
        raise UsageError(
            f"--level {args.level} and --areas {args.areas}: give one (the areas file's groups "
            "are the planning areas)"
        )
    larger = args.areas is not None or args.level != "lower"
    return planning_groups(region, args.level, args.areas), larger


def _run_demo(args: argparse.Namespace) -> int:
    if args.seed != DEMO_SEED:
        raise UsageError(
            f"--seed {args.seed}: the installed demo region is the one of seed {DEMO_SEED}; "
            "other seeds are made from a source checkout with "
            f"`python tools/make_demo.py --seed {args.seed} --out DIR`"
        )
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: a file is there; give a folder to write the demo into")
    others = other_files(args.out)
    if others:  # a folder of the user's own files (practices.csv …): never overwritten
        raise UsageError(
            f"--out {args.out}: {', '.join(p.name for p in others)} "
            f"{'is' if len(others) == 1 else 'are'} already there and not the demo's; writing "
            f"the demo would replace {'it' if len(others) == 1 else 'them'} — give a new "
            "folder (e.g. --out demo)"
        )
    files = copy_demo(args.out)
    print(f"Wrote the demo region to {args.out}:")
    for path in sorted(vars(files).values()):
        print(f"  {path}")
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    band = _band(args)
    region = load_region_of(args, plan=args.plan)
    assert region.current is not None  # a plan was given
    groups, larger = _planning(args, region)
    report = validate(
        region.current,
        region.validation_graph,
        band=band,
        allow_crossing=args.allow_crossing,
        planning_areas=planning_area_of(groups) if larger else None,
    )
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for violation in report.violations:
            print(f"[{violation.rule}, {violation.severity}] {violation.message}")
        summary = report.summary
        print(
            f"{_count(summary['networks'], 'network')}: {summary['in_band']} in band, "
            f"{summary['below']} below, {summary['above']} above; "
            f"{_count(len(report.violations), 'violation')} ({region.geography_text()})"
        )
    return 0 if report.ok else 1


class _ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, fraction: float, message: str) -> None:
        percent = int(100 * min(max(fraction, 0.0), 1.0))
        if self.tty:
            filled = self.width * percent // 100
            bar = "#" * filled + "." * (self.width - filled)
            sys.stderr.write(f"\r[{bar}] {percent:3d}% {message[:50]:<50}")
            if percent == 100:
                sys.stderr.write("\n")
        elif percent // 10 != self.last // 10:  # every 10% in logs
            sys.stderr.write(f"{percent:3d}% {message}\n")
        self.last = percent
        sys.stderr.flush()


@contextlib.contextmanager
def _stop_on_interrupt(job: ProposalJob) -> Iterator[None]:
    """First Ctrl-C stops ``job`` (finish with the best plan so far); a second one aborts."""

    def handler(signum: int, frame: object) -> None:
        if job.stopped:
            raise KeyboardInterrupt
        job.stop()
        sys.stderr.write(
            "\nStopping: each area ends with the best plan found so far and the plan is "
            "written. Press Ctrl-C again to abort without writing.\n"
        )
        sys.stderr.flush()

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_plan_out(path: Path) -> None:
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


def _check_out_is_no_input(args: argparse.Namespace) -> None:
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


def _write_plan_file(region: Region, plan: Plan, path: Path, report: Report | None) -> None:
    """Write the plan; ``report`` gives a GeoJSON / GeoPackage its violations (else found)."""
    from footprints.export import export_plan

    export_plan(region, plan, path, report=report)


def _summary_table(
    region: Region, proposal: Proposal, band: Band, groups: dict[str, list[str]]
) -> str:
    names = dict(zip(region.ccgs["code"], region.ccgs["name"], strict=True))
    upper = region.upper_boundaries
    names.update(zip(upper["code"], upper["name"], strict=True))
    for group, areas in groups.items():  # an areas file's group: its CCGs
        if not isinstance(names.get(group), str):
            names[group] = ", ".join(areas)
    width = max([11, *(len(area) for area in proposal.results)])
    area_of = planning_area_of(groups)
    planned = region.practices["ccg"].map(lambda ccg: area_of.get(str(ccg), str(ccg)))
    sizes = region.practices.groupby(planned)["list_size"].agg(["count", "sum"])
    header = (
        f"{'area':<{width}} {'name':<34} {'practices':>9} {'patients':>10} {'networks':>8} "
        f"{'in band':>7} {'status':<10} {'gap':>6} {'seconds':>7}"
    )
    lines = [header, "-" * len(header)]
    populations: dict[str, int] = {}
    list_size = dict(zip(region.practices["code"], region.practices["list_size"], strict=True))
    for practice, network in proposal.plan.assignment.items():
        populations[network] = populations.get(network, 0) + int(list_size[practice])
    for area, result in proposal.results.items():
        networks = set(result.assignment.values())
        in_band = sum(band.contains(populations[n]) for n in networks)
        gap = "—" if result.gap is None else f"{100 * result.gap:.1f}%"
        count, total = sizes.loc[area] if area in sizes.index else (0, 0)
        lines.append(
            f"{area:<{width}} {str(names.get(area) or '')[:34]:<34} {int(count):>9} "
            f"{int(total):>10,} {len(networks):>8} {in_band:>7} {result.status:<10} {gap:>6} "
            f"{result.seconds:>7.1f}"
        )
        lines.extend(f"    {text}" for text in result.explanations)
    return "\n".join(lines)


def _check_priorities(args: argparse.Namespace) -> None:
    """Check the least-change and patch options go together (before any work)."""
    if args.repair and args.plan is None:
        raise UsageError("--repair needs --plan CURRENT (the plan to repair)")
    if args.least_change and not args.repair:
        raise UsageError("--least-change needs --repair --plan CURRENT (the plan to change)")
    if args.max_moves is not None and not args.repair:
        raise UsageError(
            f"--max-moves {args.max_moves} caps the practices a repair moves: give it with "
            "--repair --plan CURRENT (without --repair the plan is proposed afresh and every "
            "practice may move)"
        )
    if args.least_change and args.max_moves is not None:
        raise UsageError(
            f"--least-change finds the fewest moves itself; --max-moves {args.max_moves} sets a "
            "budget instead: give one or the other"
        )
    args.curve = args.curve or args.curve_json is not None
    for flag, given in (("--fewest-patients", args.fewest_patients), ("--curve", args.curve)):
        if given and not args.least_change:
            raise UsageError(f"{flag} needs --repair --least-change")
    if args.curve_json is not None:
        _check_out(args.curve_json, extensions=(".json",), option="--curve-json")


def _check_patches_given(args: argparse.Namespace, region: Region) -> None:
    """Refuse a patch priority on a region without patches (it was 'proved' at 0 straddling)."""
    flags = [
        f
        for f, given in (
            ("--patches-first", args.patches_first),
            ("--nest-in-patches", args.nest_in_patches),
        )
        if given
    ]
    if flags and region.practices["patch"].isna().all():
        raise UsageError(
            f"{' and '.join(flags)} put{'s' if len(flags) == 1 else ''} the nursing patches "
            "first, but the region has none: give the patches with --patches FILE (polygons "
            "from your community trust), or a patch column in the practices file"
        )


def _run_propose(args: argparse.Namespace) -> int:
    band = _band(args)
    _check_priorities(args)
    _check_plan_out(args.out)
    _check_out_is_no_input(args)
    region = load_region_of(args, plan=args.plan)
    _check_patches_given(args, region)
    settings = OptimiseSettings(
        band=band,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        max_moves=args.max_moves,
        least_change=args.least_change,
        fewest_patients=args.fewest_patients,
        trade_off=args.curve,
        patches_first=args.patches_first,
        nest_in_patches=args.nest_in_patches,
        **({"network_cost": args.network_cost} if args.network_cost is not None else {}),
    )
    current = dict(region.current.assignment) if args.repair and region.current else None
    if current is not None:
        warn_unknown_practices(current, region, args.plan)
    groups, larger = _planning(args, region)
    if args.area:
        groups = {area: groups[area] for area in _planning_areas_named(args.area, groups, region)}
    graphs = planning_graphs(region, groups) if larger else region.ccg_graphs
    graphs = {area: graphs[area] for area in groups}
    start = None if args.start is None else read_start_plan(args.start, region, graphs)
    # The solve runs in a thread so that the main thread stays free to take Ctrl-C at once
    # (a signal handler cannot run while the main thread is inside a solver's C++ code).
    job = ProposalJob(
        graphs,
        settings,
        current=current,
        processes=args.processes,
        progress=_ProgressBar(),
        start=start,
    )
    with _stop_on_interrupt(job):
        print(
            f"Proposing networks for {_count(len(graphs), 'planning area')}, up to "
            f"{settings.time_limit:g} s each; Ctrl-C stops with the best plan so far.",
            file=sys.stderr,
            flush=True,
        )
        while not job.wait(0.1):
            pass
    if job.error is not None:
        raise job.error
    assert job.proposal is not None
    proposal = job.proposal
    solved = [code for graph in graphs.values() for code in graph.nodes]
    graph = region.validation_graph.subgraph(solved)
    planning_areas = planning_area_of(groups) if larger else None
    report = validate(proposal.plan, graph, band=band, planning_areas=planning_areas)
    infeasible = [a for a, r in proposal.results.items() if r.status == "infeasible"]
    # An area with no plan has none of its practices in the plan: when no area has one,
    # the plan is empty, and writing it would replace the --out file (often the plan being
    # repaired) with a header alone.
    written = len(infeasible) < len(proposal.results)
    if written:
        # by planning areas, the report judges crossings inside them as the plan was made
        _write_plan_file(region, proposal.plan, args.out, report if larger else None)
    print(_summary_table(region, proposal, band, groups))
    _print_changes(args, proposal, region.geography)
    if job.stopped:
        print(
            "Stopped (Ctrl-C): each area has the best plan found before the stop, or its quick "
            "first plan; run again with more time for better ones."
        )
    if planning_areas is not None and written:
        _report_crossings(args, proposal.plan, graph, planning_areas)
    if written:
        print(
            f"Wrote {args.out}: {_count(report.summary['networks'], 'network')}, "
            f"{report.summary['in_band']} in band, {_count(len(report.hard), 'hard violation')} "
            f"({region.geography_text()})."
        )
    else:
        print(
            f"No plan written: no planning area has a plan (see above); {args.out} was left "
            "as it was."
        )
    stand_in = {a: r for a, r in proposal.results.items() if r.status in _STAND_IN}
    status = EXIT_BAD_INPUT if infeasible else EXIT_FALLBACK if stand_in else 0
    if stand_in:
        print(
            f"{_count(len(stand_in), 'area')} kept the plan at hand instead of an optimised one "
            "(see above): "
            + "; ".join(
                f"{area} ({result.status}: {_FALLBACK_WORDS.get(result.fallback or '', 'a plan')})"
                for area, result in stand_in.items()
            )
            + ". Run "
            + ("it" if len(stand_in) == 1 else "them")
            + " again with "
            + " ".join(f"--area {area}" for area in stand_in)
            + f" (exit status {status})."
        )
    return status


#: The status of areas whose plan stands in after a failure (exit status 4). Not "timed
#: out": the user's time limit ran out, which the summary explains (allow more time); a
#: failure is what a script must be able to tell, and run again.
_STAND_IN = {"fallback"}
_FALLBACK_WORDS = {
    "constructive": "the quick constructive plan",
    "current": "the current plan",
    "repaired": "the current plan repaired with the fewest moves found",
    "current made whole": "the current plan made whole (its networks cut into connected parts)",
    "connected parts": "one network per connected part",
}


def _report_crossings(
    args: argparse.Namespace, plan: Plan, graph: nx.Graph, planning_areas: dict[str, str]
) -> None:
    """Print the networks crossing a CCG border and write them beside the plan."""
    from footprints.planning_areas import find_crossings, write_crossings

    crossings = find_crossings(plan, graph, planning_areas)
    path = args.out.with_name(f"{args.out.stem}-crossings.csv")
    write_crossings(path, crossings, plan)
    print(f"{_count(len(crossings), 'network')} cross a CCG border inside their planning area:")
    print("\n".join(f"    {crossing.text()}" for crossing in crossings))
    flag = f"--areas {args.areas}" if args.areas is not None else f"--level {args.level}"
    print(
        f"Wrote the crossings to {path}. They are reported, not hard, when the plan is "
        f"validated with the same planning areas: footprints validate ... {flag}"
    )


def _print_changes(args: argparse.Namespace, proposal: Proposal, geography: Geography) -> None:
    """Print the practices moved and why, and the trade-off curves; write their JSON."""
    from footprints.tradeoff import changes_of, curve_table, write_changes

    changes = changes_of(proposal.results)
    if args.least_change:
        for change in changes.values():
            if change.moved:
                print(f"Practices moved in {change.area} ({len(change.moved):,}):")
                print("\n".join(f"    {move.text}" for move in change.moved))
    if args.curve:
        unit = "patients" if args.fewest_patients else "practices"
        for change in changes.values():
            print("\n".join(curve_table(change, unit=unit)))
    if args.curve_json is not None:
        write_changes(args.curve_json, changes, geography=geography)
        print(f"Wrote the fewest moves, the moves and the trade-off curves to {args.curve_json}.")


def _run_export(args: argparse.Namespace) -> int:
    return _export(args, None)


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


def _planning_areas_named(
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
        raise UsageError(
            f"no planning area {', '.join(unknown)}; the planning areas are {areas}{holding} — "
            "give --area one of these codes (or ODS codes)"
        )
    return list(dict.fromkeys(by_name[area.strip().upper()] for area in given))


def _export(args: argparse.Namespace, stored: Plan | None) -> int:
    """Write ``stored`` (a plan from the store), or the plan ``--plan`` names, to ``--out``."""
    from footprints.export import export_plan
    from footprints.io import read_plan

    band = _band(args)
    if args.format:
        chosen = EXPORT_FORMATS[args.format]
        suffix = args.out.suffix.lower()
        others = {e for f in EXPORT_FORMATS.values() for e in f.extensions} - set(chosen.extensions)
        if suffix in others:  # an ePCN CSV named .geojson, a GeoJSON named .csv
            raise UsageError(
                f"--format {args.format} and --out {args.out} disagree: that format is written "
                f"as {chosen.extensions[0]}, and {suffix} is another format's — end --out with "
                f"{chosen.extensions[0]}, or leave out --format"
            )
        check_writable(args.out)
    else:
        _check_plan_out(args.out)
        chosen = plan_format(args.out, write=True)
    _check_out_is_no_input(args)
    needs_region = chosen.needs_region or bool(args.demo or args.practices)
    from_file = args.plan if stored is None else None
    region = load_region_of(args, plan=from_file) if needs_region else None
    if stored is not None:
        plan: Plan | None = stored
    else:
        plan = region.current if region is not None else read_plan(args.plan)
    assert plan is not None  # --plan is required
    written = export_plan(region, plan, args.out, fmt=args.format, band=band)
    where = f" ({region.geography_text()})" if region is not None else ""
    print(f"Wrote {len(plan)} practices in {len(plan.networks())} networks{where} to:")
    for path in written:
        print(f"  {path}")
    if region is not None:
        _say_practices_in_no_network(region.practice_codes(), plan)
    return 0


def _say_practices_in_no_network(codes: list[str], plan: Plan) -> None:
    """Name the region's practices the plan leaves in no network (an ePCN CSV omits them)."""
    alone = [code for code in codes if code not in plan.assignment]
    if alone:
        shown = ", ".join(alone[:10]) + (
            f" and {len(alone) - 10:,} more" if len(alone) > 10 else ""
        )
        one = len(alone) == 1
        print(
            f"{len(alone):,} practice{'' if one else 's'} of the region {'is' if one else 'are'} "
            f"in no network of the plan ({shown}): an ePCN-style CSV leaves "
            f"{'it' if one else 'them'} out, the maps show {'it' if one else 'them'} without a "
            "network; validate names them under coverage"
        )


def _add_export_output(parser: argparse.ArgumentParser) -> None:
    """Add ``--format`` and ``--out``, the options naming what ``export`` writes."""
    parser.add_argument(
        "--format",
        choices=list(EXPORT_FORMATS),
        help="output format (default: by --out's extension; .csv is the plan CSV)",
    )
    parser.add_argument("--out", required=True, type=Path, help=_OUT_HELP)


def _read_waivers(path: Path) -> dict[str, str]:
    from footprints.io import read_waivers

    return read_waivers(path)


def _run_diff(args: argparse.Namespace) -> int:
    from footprints.diff import diff_plans
    from footprints.io import read_plan, read_practices

    plans = [read_plan(args.plan_a), read_plan(args.plan_b)]
    populations = None
    if args.practices is not None:
        practices = read_practices(
            args.practices, postcodes=args.postcodes, columns=dict(args.practice_columns or ())
        )
        populations = {
            str(c): int(n) for c, n in zip(practices["code"], practices["list_size"], strict=True)
        }
        # a national plan (the ePCN file) is cut to the practices' area, as validate cuts it
        plans = [
            restrict_plan(plan, populations, source=str(path))[0]
            for plan, path in zip(plans, (args.plan_a, args.plan_b), strict=True)
        ]
    difference = diff_plans(*plans, populations=populations)
    if args.json:
        json.dump(difference.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(difference.to_text())
    return 0 if difference.identical else 1


def _warn_curve_areas_not_in_pack(changes: Mapping[str, Any], region: Region, path: Path) -> None:
    """Warn about the curve file's areas the pack has no page for (else they vanish unsaid).

    The pack has a section per CCG; a curve of another region's areas, or of a plan made by
    STP or by an areas file (their codes or group names), has none.
    """
    sections = set(region.ccgs["code"].astype(str))
    missing = sorted(set(changes) - sections)
    if not missing:
        return
    shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8:,} more" if len(missing) > 8 else "")
    logging.getLogger(__name__).warning(
        "%s: %s of the file %s no CCG of this region (%s), so the pack has no page of what "
        "change buys for %s — give the --curve-json of a least-change run of these practices "
        "by CCG (propose --area CODE), or leave out --curve",
        path,
        _count(len(missing), "area"),
        "is" if len(missing) == 1 else "are",
        shown,
        "it" if len(missing) == 1 else "them",
    )


def _run_report(args: argparse.Namespace) -> int:
    from footprints.io import read_waivers
    from footprints.report import write_pack

    if args.plan is None and not args.demo:
        raise UsageError("--plan required (or --demo for the demo region's current plan)")
    band = _band(args)
    _check_out(args.out, extensions=(".pdf",))
    waivers = read_waivers(args.waivers) if args.waivers is not None else None
    changes = None
    if args.curve is not None:
        from footprints.tradeoff import read_changes

        changes = read_changes(args.curve)
    region = load_region_of(args, plan=args.plan, demo_plan=True)
    assert region.current is not None  # a plan was given
    if changes is not None:
        _warn_curve_areas_not_in_pack(changes, region, args.curve)
    # Reasons recorded in the plan (the app's plan CSV carries them); the file's win.
    waivers = {**region.current.waivers, **(waivers or {})}
    comments = unassigned = None
    if args.comments_of is not None:  # the open comments of a plan in the store
        from footprints.store import Store
        from footprints.store.sessions import comments_by_network, comments_by_unassigned_practice

        with Store(args.store) as store:
            opened = store.open(args.comments_of).comments(status="open")
        comments = comments_by_network(opened, region.current)
        unassigned = comments_by_unassigned_practice(opened, region.current)
        print(
            f"{len(opened):,} open comment{'s' if len(opened) != 1 else ''} of plan "
            f"{args.comments_of!r} in the pack"
        )
    written = write_pack(
        region,
        region.current,
        args.out,
        waivers=waivers or None,
        band=band,
        html_twin=not args.no_html,
        per_area=args.per_area,
        changes=changes,
        comments=comments,
        waivers_source=None if args.waivers is None else f"--waivers {args.waivers}",
        unassigned_comments=unassigned,
    )
    print("Wrote the submission pack:")
    for path in written:
        print(f"  {path}")
    return 0


_PRIORITY_FLAGS = (
    ("--least-change", "repair: every rule first, then the fewest practices moved, then the rest"),
    ("--fewest-patients", "least change: the fewest patients moved rather than practices"),
    ("--curve", "least change: also the best plan within each number of moves (per CCG)"),
    ("--patches-first", "the least straddling of nursing patches first, then the rest"),
    ("--nest-in-patches", "no network straddles a nursing patch where the area allows it"),
)
"""The options that put a priority first, and their help."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that takes each option only by its full name.

    argparse's default reads a prefix as the one option it begins: ``validate --area
    E38000237`` (``--area`` is ``propose``'s) was taken as ``--areas E38000237`` and refused
    as a missing areas file. Every sub-command's parser is of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="footprints", description="Plan Primary Care Network footprints in England."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the built-in demo region's input files")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="folder to write")
    demo.add_argument(
        "--seed",
        type=options.seed,
        default=DEMO_SEED,
        help=f"the shipped seed, {DEMO_SEED} (others: tools/make_demo.py in a source checkout)",
    )
    demo.set_defaults(run=_run_demo)

    check = commands.add_parser("validate", help="check a plan against every rule")
    add_region_arguments(check)
    check.add_argument("--plan", required=True, type=Path, help="plan CSV, ePCN file, …")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument(
        "--allow-crossing", action="store_true", help="CCG/STP crossings become waivable"
    )
    options.add_level_arguments(check)
    check.set_defaults(run=_run_validate)

    solve = commands.add_parser("propose", help="propose networks with the optimiser")
    add_region_arguments(solve)
    solve.add_argument("--plan", type=Path, help="the current plan (e.g. the ePCN file)")
    solve.add_argument(
        "--start", type=Path, help="a plan file to start the optimiser from (any --plan format)"
    )
    solve.add_argument(
        "--repair", action="store_true", help="repair the current plan: few practices move"
    )
    solve.add_argument(
        "--max-moves",
        type=options.moves,
        help="repair: most practices that may move, per planning area",
    )
    for flag, words in _PRIORITY_FLAGS:
        solve.add_argument(flag, action="store_true", help=words)
    solve.add_argument(
        "--curve-json", type=Path, help="least change: write the moves and the curves as JSON"
    )
    options.add_level_arguments(solve)
    solve.add_argument(
        "--area", action="append", help="only this planning area's code (repeatable)"
    )
    solve.add_argument("--time-limit", type=options.seconds, default=60.0, help="seconds per area")
    solve.add_argument("--workers", type=options.workers, default=1, help="solver threads per area")
    solve.add_argument("--processes", type=options.processes, help="areas solved in parallel")
    solve.add_argument("--seed", type=options.seed, default=0, help="solver seed")
    solve.add_argument("--network-cost", type=options.cost, help="cost per network (patient-km)")
    solve.add_argument("--out", required=True, type=Path, help=_OUT_HELP)
    solve.set_defaults(run=_run_propose)

    export = commands.add_parser(
        "export", help="write a plan as plan CSV, ePCN-style CSV, GeoJSON or GeoPackage"
    )
    add_region_arguments(export)
    export.add_argument("--plan", required=True, type=Path, help="plan CSV, ePCN, GeoJSON, GPKG")
    _add_export_output(export)
    export.set_defaults(run=_run_export)

    compare = commands.add_parser(
        "diff", help="what changed between two plans (exit 0 identical, 1 different)"
    )
    compare.add_argument("plan_a", type=Path, help="the first plan (any format read_plan reads)")
    compare.add_argument("plan_b", type=Path, help="the second plan")
    compare.add_argument("--json", action="store_true", help="print the differences as JSON")
    compare.add_argument(
        "--practices",
        type=Path,
        help="practices CSV: populations, and a wider plan (the ePCN file) cut to its practices",
    )
    compare.add_argument(  # practices_2021.csv has two list sizes: validate's option, here too
        "--practice-column",
        dest="practice_columns",
        action="append",
        type=options.column_choice,
        metavar="FIELD=COLUMN",
        help="the practices file's column for a field, where several could be it "
        "(e.g. list_size=list_size_2021_01_gpreg; repeatable)",
    )
    compare.add_argument(  # a practices file located by postcode is read with its lookup
        "--postcodes", type=Path, help="postcode lookup (Code-Point Open, ONSPD)"
    )
    options.add_limit_arguments(compare)
    compare.set_defaults(run=_run_diff)

    pack = commands.add_parser("report", help="write the submission pack (PDF and HTML)")
    add_region_arguments(pack)
    pack.add_argument("--plan", type=Path, help="the plan to present")
    pack.add_argument("--waivers", type=Path, help="CSV (or .xlsx) network_id,reason")
    pack.add_argument("--out", required=True, type=Path, help="pack.pdf (HTML twin beside it)")
    pack.add_argument(
        "--curve",
        type=Path,
        help="the JSON of `propose --curve-json`: a page per area on what change buys",
    )
    pack.add_argument("--per-area", action="store_true", help="one PDF per planning area")
    pack.add_argument("--no-html", action="store_true", help="skip the HTML twin")
    pack.add_argument(
        "--comments-of",
        metavar="PLAN",
        help="print the open comments of this plan in the store (footprints plans list)",
    )
    pack.add_argument(
        "--store",
        help="the plan store for --comments-of: a SQLite file or database URL "
        "(default $FOOTPRINTS_STORE, else plans.sqlite in your data folder)",
    )
    pack.set_defaults(run=_run_report)

    add_plans_parser(
        commands,
        region_arguments=add_region_arguments,
        export=_export,
        export_arguments=_add_export_output,
        read_waivers=_read_waivers,
    )
    return parser


def _internal_error(error: BaseException, *, verbose: bool) -> int:
    """Report a bug: one line, and the traceback with ``--verbose``."""
    if verbose:
        traceback.print_exception(error, file=sys.stderr)
    detail = "" if verbose else " (run again with --verbose for the traceback)"
    print(
        f"footprints: internal error: {type(error).__name__}: {error}{detail} — this is a "
        "bug in footprints; please report it with the command you ran",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    0 ok (also after a first Ctrl-C in ``propose``, which writes the best plan so far),
    1 violations (``diff``: the plans differ), 2 bad input, an option out of range, a file
    that cannot be read or written, or an infeasible request; 3 an internal error; 4
    ``propose`` wrote a complete plan in which some area's plan stands in after a failure;
    130 aborted by a second Ctrl-C. Options are checked before any work starts.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage and what is wrong
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    run: Callable[[argparse.Namespace], int] = args.run
    stdout = sys.stdout
    sys.stdout = StandardOutput(stdout)
    try:
        with stderr_logging(verbose=args.verbose), options.input_limits(args):
            return int(run(args))
    except SolverError as error:  # the optimiser contains these: one reaching here is a bug
        return _internal_error(error, verbose=args.verbose)
    except FootprintsError as error:  # InputError, OutputError, UsageError, InfeasibleError
        print(f"footprints: {bad_input_message(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nfootprints: interrupted; nothing was written.", file=sys.stderr)
        return EXIT_ABORTED
    except OSError as error:
        if error.filename is None:  # not about a file: a broken pipe to a worker, a socket
            return _internal_error(error, verbose=args.verbose)
        print(
            f"footprints: cannot read or write {error.filename}: {error.strerror}", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    except Exception as error:
        return _internal_error(error, verbose=args.verbose)
    finally:
        with contextlib.suppress(BrokenPipeError):
            sys.stdout.flush()
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
