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
import errno
import json
import logging
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from footprints import cli_options as options
from footprints.atomic import check_writable
from footprints.cli_checks import (
    EXIT_ABORTED,
    EXIT_BAD_INPUT,
    EXIT_FALLBACK,
    EXIT_INTERNAL,
    OUT_HELP,
    band_of,
    check_out,
    check_out_is_no_input,
    check_plan_out,
    check_upper_known,
    count,
    planning,
)
from footprints.cli_plans import add_plans_parser
from footprints.cli_region import (
    UsageError,
    add_practice_column,
    add_region_arguments,
    load_region_of,
)
from footprints.demo import DEMO_SEED, copy_demo, other_files
from footprints.errors import FootprintsError, InputError, Problem, SolverError
from footprints.io import (
    EXPORT_FORMATS,
    plan_format,
)
from footprints.plan import Plan
from footprints.planning_areas import planning_area_of
from footprints.region import Region, restrict_plan
from footprints.rules import validate
from footprints.terminal import StandardOutput, bad_input_message, stderr_logging

__all__ = ["EXIT_ABORTED", "EXIT_BAD_INPUT", "EXIT_FALLBACK", "EXIT_INTERNAL", "main"]


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


def _run_propose(args: argparse.Namespace) -> int:
    """``footprints propose`` (:mod:`footprints.cli_propose`), imported only when it is run.

    The optimiser and OR-Tools are imported for it alone: every other command (and
    ``--help``) paid for them at start-up, unused.
    """
    from footprints.cli_propose import run_propose

    return run_propose(args)


def _run_validate(args: argparse.Namespace) -> int:
    band = band_of(args)
    check_upper_known(args)
    region = load_region_of(args, plan=args.plan)
    assert region.current is not None  # a plan was given
    groups, larger = planning(args, region)
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
            f"{count(summary['networks'], 'network')}: {summary['in_band']} in band, "
            f"{summary['below']} below, {summary['above']} above; "
            f"{count(len(report.violations), 'violation')} ({region.geography_text()})"
        )
    return 0 if report.ok else 1


def _run_export(args: argparse.Namespace) -> int:
    return _export(args, None)


def _export(args: argparse.Namespace, stored: Plan | None) -> int:
    """Write ``stored`` (a plan from the store), or the plan ``--plan`` names, to ``--out``."""
    from footprints.export import export_plan
    from footprints.io import read_plan

    band = band_of(args)
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
        check_plan_out(args.out)
        chosen = plan_format(args.out, write=True)
    check_out_is_no_input(args)
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
    print(
        f"Wrote {count(len(plan), 'practice')} in {count(len(plan.networks()), 'network')}"
        f"{where} to:"
    )
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
        type=str.lower,  # 'GeoJSON' as the format is written
        choices=list(EXPORT_FORMATS),
        help="output format (default: by --out's extension; .csv is the plan CSV)",
    )
    parser.add_argument("--out", required=True, type=Path, help=OUT_HELP)


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
    first, second = plans
    if len(first) and len(second) and not set(first.assignment) & set(second.assignment):
        raise InputError(  # every network 'created' and 'dissolved', no practice 'moved'
            [
                Problem(
                    str(args.plan_b),
                    f"shares no practice with {args.plan_a}: it places "
                    f"{count(len(second), 'practice')} (such as "
                    f"{', '.join(sorted(second.assignment)[:3])}), {args.plan_a} "
                    f"{count(len(first), 'practice')} (such as "
                    f"{', '.join(sorted(first.assignment)[:3])}), so they are plans of different "
                    "areas (or years of different practice codes)",
                    "compare two plans of the same area",
                )
            ]
        )
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
        count(len(missing), "area"),
        "is" if len(missing) == 1 else "are",
        shown,
        "it" if len(missing) == 1 else "them",
    )


def _run_report(args: argparse.Namespace) -> int:
    from footprints.io import read_waivers
    from footprints.report import write_pack

    if args.plan is None and not args.demo:
        raise UsageError("--plan required (or --demo for the demo region's current plan)")
    band = band_of(args)
    check_out(args.out, extensions=(".pdf",))
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
        from footprints.cli_plans import existing_store
        from footprints.store import Store
        from footprints.store.sessions import comments_by_network, comments_by_unassigned_practice

        with Store(existing_store(args.store)) as store:
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
    solve.add_argument("--out", required=True, type=Path, help=OUT_HELP)
    solve.set_defaults(run=_run_propose)

    export = commands.add_parser(
        "export", help="write a plan as plan CSV, ePCN-style CSV, GeoJSON or GeoPackage"
    )
    add_region_arguments(export)
    export.add_argument(
        "--plan", required=True, type=Path, help="plan CSV, ePCN, GeoJSON, GPKG (or zipped)"
    )
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
    add_practice_column(compare)  # practices_2021.csv has two list sizes: as validate's
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
    _verbose_after_the_command(parser)
    return parser


def _verbose_after_the_command(parser: argparse.ArgumentParser) -> None:
    """Take ``-v`` / ``--verbose`` after the command too (``footprints report ... -v``).

    An internal error says 'run again with --verbose'; written at the end of the command,
    as a user would, it was refused ('unrecognized arguments: --verbose').
    """
    for action in parser._actions:  # argparse keeps the subcommands only here
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                command.add_argument(
                    "-v",
                    "--verbose",
                    action="store_true",
                    default=argparse.SUPPRESS,  # the option before the command stands
                    help="log every step (also before the command)",
                )
                _verbose_after_the_command(command)


_OS_FIXES = {
    errno.EACCES: "you may not write or read there: choose a folder you may write to, or ask "
    "for access",
    errno.EPERM: "you may not write or read there: choose a folder you may write to, or ask "
    "for access",
    errno.EROFS: "the disk is read-only: choose a folder on another disk",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
    errno.ENOSPC: "the disk is full: free some space or write to another disk",
    errno.ENOENT: "check the path",
}
"""What to do about an error of the system reading or writing a file, by its errno.

The few writes not checked beforehand (``demo --out``) said only the system's words
('Permission denied', 'Not a directory')."""


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
        fix = _OS_FIXES.get(error.errno or 0, "check the path")
        print(
            f"footprints: cannot read or write {error.filename}: {error.strerror} — {fix}",
            file=sys.stderr,
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
