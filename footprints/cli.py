"""The ``footprints`` console script: demo, validate, propose, export, diff, report.

Exit codes: 0 success (for ``validate``: no violations; for ``diff``: the plans are
identical), 1 the plan has violations (``diff``: the plans differ),
2 bad input (every problem is listed) or an infeasible request (explained).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from footprints.background import ProposalJob
from footprints.demo import DEMO_SEED, copy_demo, demo_files
from footprints.errors import FootprintsError, InputError
from footprints.io import EXPORT_FORMATS, accepted_extensions, plan_format
from footprints.optimiser import OptimiseSettings, Proposal
from footprints.plan import Band, Plan
from footprints.region import Region, load_region
from footprints.rules import validate


class UsageError(FootprintsError, ValueError):
    """The command line is incomplete (exit code 2, like argparse's own errors)."""


__all__ = ["main"]

_OUT_HELP = "plan" + accepted_extensions(write=True)  # "plan.csv, .geojson or .gpkg"


def _count(number: int, noun: str) -> str:
    """``1 network``, ``2 networks``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _add_region_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="use the built-in demo region's files")
    parser.add_argument("--practices", type=Path, help="practices CSV")
    parser.add_argument("--boundaries", type=Path, help="CCG / sub-ICB boundaries file")
    parser.add_argument("--stp-boundaries", type=Path, help="STP / ICB boundaries file")
    parser.add_argument("--patches", type=Path, help="nursing patch polygons")
    parser.add_argument("--postcodes", type=Path, help="postcode lookup (Code-Point Open, ONSPD)")
    parser.add_argument("--boundary-code", help="code column of the boundaries file")
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
    parser.add_argument("--min", dest="min_population", type=int, default=Band().min_population)
    parser.add_argument("--max", dest="max_population", type=int, default=Band().max_population)


def _load(args: argparse.Namespace, *, plan: Path | None, demo_plan: bool = False) -> Region:
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
        registrations=args.registrations,
        lsoa_boundaries=args.lsoa_boundaries,
        lsoa_centroids=args.lsoa_centroids,
        lsoa_code=args.lsoa_code,
    )


def _run_demo(args: argparse.Namespace) -> int:
    if args.seed != DEMO_SEED:
        raise UsageError(
            f"--seed {args.seed}: the installed demo region is the one of seed {DEMO_SEED}; "
            "other seeds are made from a source checkout with "
            f"`python tools/make_demo.py --seed {args.seed} --out DIR`"
        )
    files = copy_demo(args.out)
    print(f"Wrote the demo region to {args.out}:")
    for path in sorted(vars(files).values()):
        print(f"  {path}")
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    region = _load(args, plan=args.plan)
    assert region.current is not None  # a plan was given
    band = Band(args.min_population, args.max_population)
    report = validate(
        region.current,
        region.validation_graph,
        band=band,
        allow_crossing=args.allow_crossing,
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


def _write_plan_file(region: Region, plan: Plan, path: Path) -> None:
    from footprints.export import export_plan

    try:
        plan_format(path, write=True)
    except InputError:
        raise UsageError(
            f"cannot write {path}: use a {accepted_extensions(write=True)} file name"
        ) from None
    export_plan(region, plan, path)


def _summary_table(region: Region, proposal: Proposal, band: Band) -> str:
    names = dict(zip(region.ccgs["code"], region.ccgs["name"], strict=True))
    sizes = region.practices.groupby("ccg")["list_size"].agg(["count", "sum"])
    header = (
        f"{'area':<11} {'name':<34} {'practices':>9} {'patients':>10} {'networks':>8} "
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
            f"{area:<11} {names.get(area, '')[:34]:<34} {int(count):>9} {int(total):>10,} "
            f"{len(networks):>8} {in_band:>7} {result.status:<10} {gap:>6} "
            f"{result.seconds:>7.1f}"
        )
        lines.extend(f"    {text}" for text in result.explanations)
    return "\n".join(lines)


def _run_propose(args: argparse.Namespace) -> int:
    region = _load(args, plan=args.plan)
    if args.repair and region.current is None:
        raise UsageError("--repair needs --plan CURRENT (the plan to repair)")
    band = Band(args.min_population, args.max_population)
    settings = OptimiseSettings(
        band=band,
        time_limit=args.time_limit,
        seed=args.seed,
        workers=args.workers,
        max_moves=args.max_moves,
        **({"network_cost": args.network_cost} if args.network_cost is not None else {}),
    )
    current = dict(region.current.assignment) if args.repair and region.current else None
    graphs = region.ccg_graphs
    if args.area:
        unknown = sorted(set(args.area) - set(graphs))
        if unknown:
            raise UsageError(f"no planning area {', '.join(unknown)}; areas: {', '.join(graphs)}")
        graphs = {area: graphs[area] for area in args.area}
    # The solve runs in a thread so that the main thread stays free to take Ctrl-C at once
    # (a signal handler cannot run while the main thread is inside a solver's C++ code).
    job = ProposalJob(
        graphs, settings, current=current, processes=args.processes, progress=_ProgressBar()
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
    _write_plan_file(region, proposal.plan, args.out)
    print(_summary_table(region, proposal, band))
    if job.stopped:
        print(
            "Stopped (Ctrl-C): each area has the best plan found before the stop, or its quick "
            "first plan; run again with more time for better ones."
        )
    solved = [code for area in graphs for code in region.ccg_graphs[area].nodes]
    report = validate(proposal.plan, region.validation_graph.subgraph(solved), band=band)
    print(
        f"Wrote {args.out}: {_count(report.summary['networks'], 'network')}, "
        f"{report.summary['in_band']} in band, {_count(len(report.hard), 'hard violation')} "
        f"({region.geography_text()})."
    )
    failed = [a for a, r in proposal.results.items() if r.status in {"infeasible", "error"}]
    return 2 if failed else 0


def _run_export(args: argparse.Namespace) -> int:
    from footprints.export import export_plan
    from footprints.io import read_plan

    try:
        chosen = EXPORT_FORMATS[args.format] if args.format else plan_format(args.out, write=True)
        needs_region = chosen.needs_region or bool(args.demo or args.practices)
    except InputError:  # export_plan names the extensions accepted, once the region is loaded
        needs_region = True
    region = _load(args, plan=args.plan) if needs_region else None
    plan = region.current if region is not None else read_plan(args.plan)
    assert plan is not None  # --plan is required
    band = Band(args.min_population, args.max_population)
    written = export_plan(region, plan, args.out, fmt=args.format, band=band)
    where = f" ({region.geography_text()})" if region is not None else ""
    print(f"Wrote {len(plan)} practices in {len(plan.networks())} networks{where} to:")
    for path in written:
        print(f"  {path}")
    return 0


def _run_diff(args: argparse.Namespace) -> int:
    from footprints.diff import diff_plans
    from footprints.io import read_plan, read_practices

    populations = None
    if args.practices is not None:
        practices = read_practices(args.practices)
        populations = {
            str(c): int(n) for c, n in zip(practices["code"], practices["list_size"], strict=True)
        }
    difference = diff_plans(read_plan(args.plan_a), read_plan(args.plan_b), populations=populations)
    if args.json:
        json.dump(difference.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(difference.to_text())
    return 0 if difference.identical else 1


def _run_report(args: argparse.Namespace) -> int:
    from footprints.report import read_waivers, write_pack

    if args.plan is None and not args.demo:
        raise UsageError("--plan required (or --demo for the demo region's current plan)")
    region = _load(args, plan=args.plan, demo_plan=True)
    assert region.current is not None  # a plan was given
    waivers = read_waivers(args.waivers) if args.waivers is not None else None
    written = write_pack(
        region,
        region.current,
        args.out,
        waivers=waivers,
        band=Band(args.min_population, args.max_population),
        html_twin=not args.no_html,
        per_area=args.per_area,
    )
    print("Wrote the submission pack:")
    for path in written:
        print(f"  {path}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="footprints", description="Plan Primary Care Network footprints in England."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the built-in demo region's input files")
    demo.add_argument("--out", type=Path, default=Path("demo"), help="folder to write")
    demo.add_argument(
        "--seed",
        type=int,
        default=DEMO_SEED,
        help=f"the shipped seed, {DEMO_SEED} (others: tools/make_demo.py in a source checkout)",
    )
    demo.set_defaults(run=_run_demo)

    check = commands.add_parser("validate", help="check a plan against every rule")
    _add_region_arguments(check)
    check.add_argument("--plan", required=True, type=Path, help="plan CSV, ePCN file, …")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument(
        "--allow-crossing", action="store_true", help="CCG/STP crossings become waivable"
    )
    check.set_defaults(run=_run_validate)

    solve = commands.add_parser("propose", help="propose networks with the optimiser")
    _add_region_arguments(solve)
    solve.add_argument("--plan", type=Path, help="the current plan (e.g. the ePCN file)")
    solve.add_argument(
        "--repair", action="store_true", help="repair the current plan: few practices move"
    )
    solve.add_argument(
        "--max-moves", type=int, help="repair: most practices that may move, per CCG"
    )
    solve.add_argument("--area", action="append", help="only this CCG code (repeatable)")
    solve.add_argument("--time-limit", type=float, default=60.0, help="seconds per area")
    solve.add_argument("--workers", type=int, default=1, help="solver threads per area")
    solve.add_argument("--processes", type=int, help="areas solved in parallel")
    solve.add_argument("--seed", type=int, default=0, help="solver seed")
    solve.add_argument("--network-cost", type=float, help="cost per network (patient-km)")
    solve.add_argument("--out", required=True, type=Path, help=_OUT_HELP)
    solve.set_defaults(run=_run_propose)

    export = commands.add_parser(
        "export", help="write a plan as plan CSV, ePCN-style CSV, GeoJSON or GeoPackage"
    )
    _add_region_arguments(export)
    export.add_argument("--plan", required=True, type=Path, help="plan CSV, ePCN, GeoJSON, GPKG")
    export.add_argument(
        "--format",
        choices=list(EXPORT_FORMATS),
        help="output format (default: by --out's extension; .csv is the plan CSV)",
    )
    export.add_argument("--out", required=True, type=Path, help=_OUT_HELP)
    export.set_defaults(run=_run_export)

    compare = commands.add_parser(
        "diff", help="what changed between two plans (exit 0 identical, 1 different)"
    )
    compare.add_argument("plan_a", type=Path, help="the first plan (any format read_plan reads)")
    compare.add_argument("plan_b", type=Path, help="the second plan")
    compare.add_argument("--json", action="store_true", help="print the differences as JSON")
    compare.add_argument("--practices", type=Path, help="practices CSV, for populations")
    compare.set_defaults(run=_run_diff)

    pack = commands.add_parser("report", help="write the submission pack (PDF and HTML)")
    _add_region_arguments(pack)
    pack.add_argument("--plan", type=Path, help="the plan to present")
    pack.add_argument("--waivers", type=Path, help="CSV network_id,reason")
    pack.add_argument("--out", required=True, type=Path, help="pack.pdf (HTML twin beside it)")
    pack.add_argument("--per-area", action="store_true", help="one PDF per planning area")
    pack.add_argument("--no-html", action="store_true", help="skip the HTML twin")
    pack.set_defaults(run=_run_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 ok (also after a first Ctrl-C in ``propose``, which writes the best plan so far),
    1 violations, 2 bad input, 130 aborted by a second Ctrl-C.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return int(run(args))
    except InputError as error:
        print(f"footprints: {error}", file=sys.stderr)
        return 2
    except FootprintsError as error:
        print(f"footprints: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nfootprints: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        sys.stderr.close()
        return 0
    except OSError as error:
        print(
            f"footprints: cannot read or write {error.filename}: {error.strerror}", file=sys.stderr
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
