"""The ``propose`` command: plan networks area by area, report them and write the plan.

A progress bar on stderr, Ctrl-C to stop with the best plan so far (twice to abort), a
summary table per area, the changes and trade-off curves of least change, and the plan
written only when every area has one (exit statuses in :mod:`footprints.cli_checks`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from footprints.background import ProposalJob
from footprints.cli_checks import (
    EXIT_BAD_INPUT,
    EXIT_FALLBACK,
    band_of,
    check_out,
    check_out_is_no_input,
    check_plan_out,
    check_upper_known,
    count,
    planning,
    planning_areas_named,
)
from footprints.cli_region import (
    UsageError,
    load_region_of,
    read_start_plan,
    warn_unknown_practices,
)
from footprints.errors import OutputError
from footprints.geography import Geography
from footprints.optimiser import OptimiseSettings, Proposal
from footprints.plan import Band, Plan
from footprints.planning_areas import planning_area_of, planning_graphs
from footprints.region import Region
from footprints.rules import Report, validate

__all__ = ["run_propose"]


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


def _write_plan_file(region: Region, plan: Plan, path: Path, report: Report | None) -> None:
    """Write the plan; ``report`` gives a GeoJSON / GeoPackage its violations (else found).

    When ``path`` cannot be written after the solve (a disk filled while it ran), the plan
    is kept as a CSV in the temporary folder, and the error says where: the solve's work
    (minutes for a region) was lost.
    """
    from footprints.export import export_plan

    try:
        export_plan(region, plan, path, report=report)
    except OutputError as error:
        kept = _kept_elsewhere(plan, path)
        if kept is None:
            raise
        raise OutputError(
            f"{error}. The plan is kept in {kept}: copy it where you want it, or turn it into "
            f"{path.suffix or 'the format you want'} with footprints export --plan {kept} "
            "--out FILE and the region options given here",
            number=error.errno,
            path=error.filename,
        ) from None


def _kept_elsewhere(plan: Plan, path: Path) -> Path | None:
    """Write ``plan`` as CSV in the temporary folder (if not ``path``'s); its path, or None."""
    import tempfile

    from footprints.io import write_plan

    folder = Path(tempfile.gettempdir())
    if folder.resolve() == path.parent.resolve():
        return None
    name = ""
    try:
        handle, name = tempfile.mkstemp(prefix=f"{path.stem}-", suffix=".csv", dir=folder)
        os.close(handle)
        write_plan(plan, Path(name))
    except OSError:
        if name:
            Path(name).unlink(missing_ok=True)
        return None
    return Path(name)


#: The optimiser's parameter names in its explanations → the options that set them here.
_OPTIONS = {"raise max_moves": "raise --max-moves (or leave it out: no budget)"}


def _option_words(text: str) -> str:
    """Return an explanation with the library's parameter names as the command's options."""
    for words, option in _OPTIONS.items():
        text = text.replace(words, option)
    return text


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
        lines.extend(f"    {_option_words(text)}" for text in result.explanations)
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
        check_out(args.curve_json, extensions=(".json",), option="--curve-json")


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


def run_propose(args: argparse.Namespace) -> int:
    """Run ``footprints propose``: return its exit status (0, 2 or 4; see ``footprints.cli``)."""
    band = band_of(args)
    _check_priorities(args)
    check_plan_out(args.out)
    check_out_is_no_input(args)
    check_upper_known(args)
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
    groups, larger = planning(args, region)
    if args.area:
        groups = {area: groups[area] for area in planning_areas_named(args.area, groups, region)}
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
            f"Proposing networks for {count(len(graphs), 'planning area')}, up to "
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
    infeasible = [a for a, r in proposal.results.items() if r.status == "infeasible"]
    # An area with no plan has none of its practices in the plan: when no area has one,
    # the plan is empty, and writing it would replace the --out file (often the plan being
    # repaired) with a header alone.
    written = len(infeasible) < len(proposal.results)
    plan = proposal.plan
    if written and infeasible:
        plan = _keep_unplanned(plan, {a: list(graphs[a].nodes) for a in infeasible}, region)
    report = validate(plan, graph, band=band, planning_areas=planning_areas)
    if written:
        # by planning areas, the report judges crossings inside them as the plan was made
        _write_plan_file(region, plan, args.out, report if larger else None)
    print(_summary_table(region, proposal, band, groups))
    _print_changes(args, proposal, region.geography)
    if job.stopped:
        print(
            "Stopped (Ctrl-C): each area has the best plan found before the stop, or its quick "
            "first plan; run again with more time for better ones."
        )
    if planning_areas is not None and written:
        _report_crossings(args, plan, graph, planning_areas)
    if written:
        print(
            f"Wrote {args.out}: {count(report.summary['networks'], 'network')}, "
            f"{report.summary['in_band']} in band, {count(len(report.hard), 'hard violation')} "
            f"({region.geography_text()})."
        )
    else:
        print(
            f"No plan written: no planning area has a plan (see above); {args.out} was left "
            "as it was."
        )
    if infeasible and args.max_moves is not None and not job.stopped:
        _print_moves_needed(args, settings, {a: graphs[a] for a in infeasible}, current)
    stand_in = {a: r for a, r in proposal.results.items() if r.status in _STAND_IN}
    status = EXIT_BAD_INPUT if infeasible else EXIT_FALLBACK if stand_in else 0
    if stand_in:
        print(
            f"{count(len(stand_in), 'area')} kept the plan at hand instead of an optimised one "
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


_MOVES_TIME_S = 30.0
"""Most seconds per area spent finding how many moves an area with no plan in budget needs."""


def _print_moves_needed(
    args: argparse.Namespace,
    settings: OptimiseSettings,
    graphs: dict[str, nx.Graph],
    current: dict[str, str] | None,
) -> None:
    """Say how many moves each area with no plan within ``--max-moves`` needs.

    The areas are repaired again with no budget and the fewest moves first (least change),
    for at most :data:`_MOVES_TIME_S` seconds each: the fewest moves found, and the least
    proved (no plan within the budget proves more than the budget is needed).
    """
    budget = int(args.max_moves)
    least = dataclasses.replace(
        settings,
        max_moves=None,
        least_change=True,
        trade_off=False,
        time_limit=min(settings.time_limit, _MOVES_TIME_S),
    )
    print(
        f"Finding how many practices must move in {count(len(graphs), 'area')} with no plan "
        f"within --max-moves {budget} (up to {least.time_limit:g} s each) …",
        file=sys.stderr,
        flush=True,
    )
    job = ProposalJob(graphs, least, current=current, processes=args.processes)
    with _stop_on_interrupt(job):
        while not job.wait(0.1):
            pass
    if job.error is not None or job.proposal is None:
        return  # the message above stands: raise --max-moves
    for area, result in job.proposal.results.items():
        moves = next((p for p in result.priorities if p.name == "moves"), None)
        if result.status == "infeasible" or moves is None or moves.value is None:
            print(
                f"{area}: no plan even with no budget on the moves (see above): raising "
                "--max-moves will not help"
            )
            continue
        fewest = max(budget + 1, moves.bound or 0)
        if moves.value <= fewest:
            needed = f"needs {count(moves.value, 'practice')} moved (proved the fewest)"
        else:
            needed = (
                f"needs between {fewest:,} and {count(moves.value, 'practice')} moved (a plan "
                f"moving {moves.value:,} was found; fewer is not ruled out)"
            )
        print(
            f"{area}: a plan {needed}: give --max-moves {moves.value} or more, or "
            "--least-change instead of --max-moves to repair with the fewest moves"
        )


def _keep_unplanned(plan: Plan, unplanned: dict[str, list[str]], region: Region) -> Plan:
    """Return ``plan`` with the practices of areas that have no plan kept in it, and say so.

    A practice stays in its network of the current plan (``--plan``) when it has one; the
    others of an area go into one network ``NO-PLAN-<area>``, named so that the file, the
    validator and the app show they still need networks. Leaving them out of the written
    plan lost them: the next ``validate`` called them "in no network" with no hint why.
    """
    current = region.current.assignment if region.current is not None else {}
    assignment = dict(plan.assignment)
    names = dict(plan.names)
    kept: list[str] = []
    flagged: list[str] = []
    flagged_networks: list[str] = []
    for area, practices in unplanned.items():
        for practice in practices:
            if practice in current:
                assignment[practice] = current[practice]
                if region.current is not None and current[practice] in region.current.names:
                    names.setdefault(current[practice], region.current.names[current[practice]])
                kept.append(practice)
            else:
                network = f"NO-PLAN-{area}"
                assignment[practice] = network
                if network not in flagged_networks:
                    flagged_networks.append(network)
                names[network] = f"no plan found for {area}: give these practices networks"
                flagged.append(practice)
    areas = ", ".join(unplanned)
    parts = []
    if kept:
        parts.append(f"{count(len(kept), 'practice')} in their current network")
    if flagged:
        parts.append(
            f"{count(len(flagged), 'practice')} with no current network in "
            + ", ".join(flagged_networks)
        )
    print(
        f"{count(len(unplanned), 'area')} with no plan ({areas}): the plan keeps "
        f"{' and '.join(parts)}; they still need networks (see above for why)."
    )
    return Plan(assignment, names, plan.waivers)


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
    print(f"{count(len(crossings), 'network')} cross a CCG border inside their planning area:")
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
