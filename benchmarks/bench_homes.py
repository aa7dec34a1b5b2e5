"""Registration geography at the scale of England (issue #13's benchmarks).

Three measurements on the 2021 snapshot with the January 2021 LSOA registrations (whose
practice totals equal the snapshot's NHS Digital list sizes), the 106 CCGs of April 2021 and
the 314 local authority districts of 2020 as stand-in nursing patches:

1. **Building** all England's catchments, home graphs and the real configuration's
   territories: seconds per step and the process's peak memory.
2. **Validating one large CCG with territories** (NHS North West London, E38000256): the
   median of repeated :func:`footprints.rules.validate` calls and of live moves.
3. **An all-England proposal on registration geography** (``--time-limit`` per CCG,
   ``--processes``), against the real configuration: hard violations, networks in band,
   territories contiguous under the 95% tolerance, median containment, and straddling on
   patients' homes; and each network out of band that the band does not force
   (:func:`out_of_band`).

Run: ``.venv/bin/python benchmarks/bench_homes.py --data ../shared/data --time-limit 15
--processes 2 [--markdown BENCHMARKS.md] [--save-plan plan.csv]``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
from mdtable import write_section
from snapshot import DEFAULT_DATA, load_england_2021

from footprints.metrics import containment, patch_alignment
from footprints.optimiser import OptimiseSettings, propose
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.rules import LiveValidator, validate

LARGE_CCG = "E38000256"  # NHS North West London, 2021


def peak_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_plan(region: Region) -> Plan:
    """The real 2021 configuration: every practice's ``pcn_code`` but the placeholder U."""
    assert region.current is not None
    return Plan({p: n for p, n in region.current.assignment.items() if n != "U"})


def build(data: Path) -> tuple[Region, dict[str, Any]]:
    """Load England 2021 and build its registration geography, step by step."""
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    region = load_england_2021(data)
    figures["load_s"] = time.perf_counter() - started
    steps = [
        ("homes_s", lambda: region.homes),
        ("graphs_s", lambda: region.ccg_graphs),
        ("validation_graph_s", lambda: region.validation_graph),
        ("territories_s", lambda: containment(real_plan(region), region.validation_graph)),
    ]
    for name, step in steps:
        t = time.perf_counter()
        step()
        figures[name] = time.perf_counter() - t
    figures["build_s"] = sum(figures[name] for name, _ in steps)
    figures["peak_mib"] = peak_mib()
    homes = region.homes
    assert homes is not None
    figures["practices"] = len(homes.practices)
    figures["fallback"] = len(homes.fallback)
    graphs = region.ccg_graphs.values()
    figures["edges"] = sum(g.number_of_edges() for g in graphs)
    figures["mean_degree"] = 2 * figures["edges"] / max(1, figures["practices"])
    return region, figures


def validate_large_ccg(region: Region, *, repeats: int = 7) -> dict[str, Any]:
    """Median times of validating the large CCG with territories, and of live moves."""
    graph = region.ccg_graphs[LARGE_CCG]
    codes = set(graph.nodes)
    union = region.validation_graph
    subgraph: nx.Graph = union.subgraph(codes)
    plan = Plan({p: n for p, n in real_plan(region).assignment.items() if p in codes})
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        report = validate(plan, subgraph)
        times.append(time.perf_counter() - t)
    live = LiveValidator(plan, subgraph)
    moves = []
    members = sorted(plan.assignment)
    networks = sorted(set(plan.assignment.values()))
    for k in range(repeats * 3):
        practice = members[(37 * k) % len(members)]
        target = networks[(11 * k) % len(networks)]
        t = time.perf_counter()
        live.move([practice], target)
        moves.append(time.perf_counter() - t)
    return {
        "practices": len(codes),
        "networks": len(set(plan.assignment.values())),
        "validate_ms": 1000 * statistics.median(times),
        "move_ms": 1000 * statistics.median(moves),
        "move_max_ms": 1000 * max(moves),
        "territory_violations": report.summary.get("territory", 0),
    }


def measures(region: Region, plan: Plan, band: Band, *, ccgs: Sequence[str] = ()) -> dict[str, Any]:
    """The issue's measures of one plan on registration geography (England, or ``ccgs``)."""
    graph = region.validation_graph
    if ccgs:
        codes = {p for code in ccgs for p in region.ccg_graphs[code].nodes}
        graph = graph.subgraph(codes)
        plan = Plan({p: n for p, n in plan.assignment.items() if p in codes})
    report = validate(plan, graph, band=band)
    held = containment(plan, graph)
    alignment = patch_alignment(plan, graph)
    networks = report.summary["networks"]
    return {
        "networks": networks,
        "in_band": report.summary["in_band"],
        "hard": len(report.hard),
        "hard_rules": sorted({v.rule for v in report.hard}),
        "territory_ok": networks - len(held.failing),
        "containment_median": statistics.median(held.networks.values()),
        "containment_region": held.region,
        "straddling_networks": len(alignment.straddling_networks),
        "straddling_population": alignment.total_straddling_population,
        "extra_memberships": alignment.extra_memberships,
    }


def in_no_group(graph: nx.Graph, practice: str, band: Band, *, steps: int = 200_000) -> bool:
    """Whether ``practice`` is in no connected group of ``graph`` with a population in band.

    Every connected group holding it up to the maximum is searched (each once: a practice
    at the edge is taken or left out for good). ``False`` when one is in band, or when
    ``steps`` run out first (not known to be forced).
    """
    size = {p: int(graph.nodes[p]["list_size"]) for p in graph.nodes}
    left = [steps]

    def search(group: set[str], total: int, edge: list[str], out: set[str]) -> bool:
        left[0] -= 1
        if band.min_population <= total <= band.max_population or left[0] <= 0:
            return True
        if not edge:
            return False
        first, rest = edge[0], edge[1:]
        if total + size[first] <= band.max_population:
            grown = rest + [
                q
                for q in graph.neighbors(first)
                if q not in group and q not in out and q not in rest and q != first
            ]
            if search(group | {first}, total + size[first], grown, out):
                return True
        return search(group, total, rest, out | {first})

    start = [q for q in graph.neighbors(practice) if q != practice]
    return not search({practice}, size[practice], start, set())


def holdable(total: int, band: Band) -> bool:
    """Whether some number of in-band networks adds up to ``total`` patients."""
    count = -(-total // band.max_population)
    return total > 0 and count * band.min_population <= total


def hangs_over(graph: nx.Graph, practice: str, band: Band) -> int:
    """Patients that must share ``practice``'s network, itself included.

    Each connected part of ``graph`` without ``practice`` whose population no number of
    in-band networks adds up to (:func:`holdable`) can be held in band only by a network
    reaching out of it, and only through ``practice``: in a plan with every network in
    band, ``practice``'s network holds every such part. Over the maximum, that network is
    out of band in every plan.
    """
    size = {p: int(graph.nodes[p]["list_size"]) for p in graph.nodes}
    rest = graph.subgraph([p for p in graph.nodes if p != practice])
    hanging = [
        total
        for part in nx.connected_components(rest)
        if not holdable(total := sum(size[p] for p in part), band)
    ]
    return size[practice] + sum(hanging)


def no_partition(graph: nx.Graph, group: set[str], band: Band, *, seconds: float = 60.0) -> bool:
    """Whether the connected ``group`` has no partition into connected in-band networks.

    Every connected in-band set of the group is listed (at most 3,000,000) and CP-SAT
    looks for an exact cover by them. ``False`` when one exists, or when the listing or
    the search does not finish (not known to be forced).
    """
    from ortools.sat.python import cp_model

    from footprints.optimiser.candidates import (
        EnumerationTimeoutError,
        PoolCapError,
        bit_mask,
        connected_sets,
    )

    codes = sorted(group)
    index = {p: k for k, p in enumerate(codes)}
    neighbours = [bit_mask([index[q] for q in graph.neighbors(p) if q in index]) for p in codes]
    population = [int(graph.nodes[p]["list_size"]) for p in codes]
    try:
        sets = connected_sets(
            list(range(len(codes))),
            neighbours,
            population,
            low=band.min_population,
            high=band.max_population,
            cap=3_000_000,
            deadline=time.monotonic() + seconds,
        )
    except (PoolCapError, EnumerationTimeoutError):  # too many, or out of time: not known
        return False
    model = cp_model.CpModel()
    cover: list[list[Any]] = [[] for _ in codes]
    for k in range(len(sets)):
        chosen = model.NewBoolVar(f"s{k}")
        for i in sets.members_of(k):
            cover[int(i)].append(chosen)
    for options in cover:
        model.AddExactlyOne(options)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    return solver.Solve(model) == cp_model.INFEASIBLE


def out_of_band(region: Region, plan: Plan, band: Band) -> dict[str, Any]:
    """Each network of ``plan`` outside ``band``, and whether the band forced it there.

    Forced: a practice over the maximum (its network is over it), a practice in no connected
    in-band group of its CCG (:func:`in_no_group`: whatever network holds it is out of
    band), or the network's practices lie in a connected group of their CCG (practices over
    the maximum taken out) that no number of in-band networks can hold (under the minimum,
    or between ``k`` maxima and ``k + 1`` minima). Also forced, one network per connected
    group: a network over the maximum holding a practice whose hanging parts must share its
    network (:func:`hangs_over`), and otherwise the first network out of band of a group
    with no partition into connected in-band networks at all (:func:`no_partition`): the
    group needs one, and this one is it. Returns the counts and one line per network not
    forced (not known to be forced).
    """
    members: dict[str, list[str]] = {}
    for practice, network in plan.assignment.items():
        members.setdefault(network, []).append(practice)
    size_of: dict[str, int] = {}
    group_of: dict[str, tuple[str, int]] = {}
    root_of: dict[str, str] = {}  # practice → the first practice of its connected group
    for code, graph in region.ccg_graphs.items():
        size = {p: int(graph.nodes[p]["list_size"]) for p in graph.nodes}
        size_of.update(size)
        free = graph.subgraph([p for p in graph.nodes if size[p] <= band.max_population])
        for part in nx.connected_components(free):
            total = sum(size[p] for p in part)
            for p in part:
                group_of[p] = (code, total)
                root_of[p] = min(part)
    ccg_of = {p: code for code, graph in region.ccg_graphs.items() for p in graph.nodes}
    counts = {
        "over_practice": 0,
        "in_no_group": 0,
        "group": 0,
        "hangs_over": 0,
        "no_partition": 0,
        "not_forced": 0,
    }
    lines: list[str] = []
    forced_in: set[str] = set()  # connected groups holding a forced network
    left: list[tuple[str, list[str], int]] = []
    for network, practices in sorted(members.items()):
        total = sum(size_of[p] for p in practices)
        if band.min_population <= total <= band.max_population:
            continue
        if any(size_of[p] > band.max_population for p in practices):
            counts["over_practice"] += 1
            continue
        code, group = group_of[practices[0]]
        graph = region.ccg_graphs[ccg_of[practices[0]]]
        free = graph.subgraph([p for p in graph.nodes if size_of[p] <= band.max_population])
        if any(in_no_group(free, p, band) for p in practices):
            counts["in_no_group"] += 1
            forced_in.add(root_of[practices[0]])
            continue
        low = -(-group // band.max_population)
        if group < band.min_population or low > group // band.min_population:
            counts["group"] += 1
            continue
        if total > band.max_population and any(
            hangs_over(free, p, band) > band.max_population for p in practices
        ):
            counts["hangs_over"] += 1
            forced_in.add(root_of[practices[0]])
            continue
        left.append((network, practices, total))
    for network, practices, total in left:
        code, group = group_of[practices[0]]
        graph = region.ccg_graphs[code]
        free = graph.subgraph([p for p in graph.nodes if size_of[p] <= band.max_population])
        part = nx.node_connected_component(free, practices[0])
        if root_of[practices[0]] not in forced_in and no_partition(free, part, band):
            # the group needs one network out of band: this one is it
            counts["no_partition"] += 1
            forced_in.add(root_of[practices[0]])
            continue
        counts["not_forced"] += 1
        lines.append(
            f"{code} {network}: {total:,} patients, {len(practices)} practices, "
            f"its connected group {group:,}"
        )
    return {**counts, "lines": lines}


def propose_england(
    region: Region,
    *,
    time_limit: float,
    processes: int,
    ccgs: Sequence[str] = (),
    overrides: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Propose networks for every CCG (or ``ccgs``) on registration geography; the figures."""
    settings = OptimiseSettings(time_limit=time_limit, seed=0, **(overrides or {}))
    graphs = region.ccg_graphs
    if ccgs:
        graphs = {code: graphs[code] for code in ccgs}
    started = time.perf_counter()
    proposal = propose(graphs, settings, processes=processes)
    wall = time.perf_counter() - started
    results = proposal.results.values()
    statuses: dict[str, int] = {}
    for result in results:
        statuses[result.status] = statuses.get(result.status, 0) + 1
    return {
        "plan": proposal.plan,
        "wall_s": wall,
        "statuses": statuses,
        "no_bound": sum(1 for r in results if r.bound is None),
        "areas": len(proposal.results),
    }


def render(
    build_figures: dict[str, Any],
    large: dict[str, Any],
    run: dict[str, Any],
    ours: dict[str, Any],
    real: dict[str, Any],
    *,
    command: str,
) -> str:
    """The BENCHMARKS.md section."""
    b = build_figures

    def pct(part: int, whole: int) -> str:
        return f"{part:,} ({100 * part / max(1, whole):.1f}%)"

    statuses = ", ".join(f"{k} {v}" for k, v in sorted(run["statuses"].items()))
    lines = [
        "## Registration geography: all England (2021)",
        "",
        f"Command: `{command}`",
        "",
        "The 2021 snapshot (6,571 practices, 106 CCGs of April 2021, 42 STPs), the January 2021 "
        "LSOA registrations (32,844 English LSOAs; practice totals equal the snapshot's NHS "
        "Digital list sizes), LSOA population-weighted centroids, and the 314 local authority "
        "districts of 2020 as **stand-in** nursing patches. One process for the building and "
        "validation figures; the proposal as stated.",
        "",
        "| step | seconds | target |",
        "|---|---|---|",
        f"| reading the files (practices, boundaries, registrations, LSOA polygons) | "
        f"{b['load_s']:.1f} | — |",
        f"| homes of every practice ({b['practices']:,}; {b['fallback']} on the Voronoi "
        f"fallback) | {b['homes_s']:.1f} | |",
        f"| home adjacency graphs of the 106 CCGs ({b['edges']:,} edges, mean degree "
        f"{b['mean_degree']:.1f}) | {b['graphs_s']:.1f} | |",
        f"| the region's validation graph | {b['validation_graph_s']:.1f} | |",
        f"| territories and containment of the real configuration | {b['territories_s']:.1f} | |",
        f"| **building catchments and territories (the four rows above)** | "
        f"**{b['build_s']:.1f}** | ≤ 30 |",
        f"| peak memory of the process, reading included | {b['peak_mib']:,.0f} MiB | ≤ 2 GB |",
        "",
        f"Validating NHS North West London ({LARGE_CCG}, {large['practices']} practices, "
        f"{large['networks']} real networks) with territories: **{large['validate_ms']:.0f} ms** "
        f"median of 7 (target ≤ 300 ms); one live move {large['move_ms']:.0f} ms median, "
        f"{large['move_max_ms']:.0f} ms at most over 21 moves.",
        "",
        f"All-England proposal on registration geography: {run['wall_s']:.0f} s wall for "
        f"{run['areas']} CCGs ({statuses}; {run['no_bound']} areas with no bound).",
        "",
        "| measure | goal | optimiser | real 2021 networks |",
        "|---|---|---|---|",
        f"| networks | | {ours['networks']:,} | {real['networks']:,} |",
        f"| hard violations | 0 | {ours['hard']} {ours['hard_rules'] or ''} | "
        f"{real['hard']} {real['hard_rules']} |",
        f"| in band (30,000–50,000) | all but the forced | "
        f"{pct(ours['in_band'], ours['networks'])} | {pct(real['in_band'], real['networks'])} |",
        f"| territory contiguous under the 95% tolerance | ≥ 97% | "
        f"{pct(ours['territory_ok'], ours['networks'])} | "
        f"{pct(real['territory_ok'], real['networks'])} |",
        f"| median containment | ≥ real + 0.05 | {ours['containment_median']:.3f} | "
        f"{real['containment_median']:.3f} |",
        f"| containment of the whole plan | | {ours['containment_region']:.3f} | "
        f"{real['containment_region']:.3f} |",
        f"| straddling networks (homes, 5% rule) | below real | {ours['straddling_networks']:,} | "
        f"{real['straddling_networks']:,} |",
        f"| straddling population (homes) | below real | {ours['straddling_population']:,} | "
        f"{real['straddling_population']:,} |",
        f"| Σ extra patch memberships | below real | {ours['extra_memberships']:,} | "
        f"{real['extra_memberships']:,} |",
        "",
    ]
    return "\n".join(lines)


def compare_subset(args: argparse.Namespace, ccgs: list[str], overrides: dict[str, float]) -> int:
    """Propose for ``ccgs`` only and print the measures beside the real networks'."""
    region = load_england_2021(args.data)
    run = propose_england(
        region,
        time_limit=args.time_limit,
        processes=args.processes,
        ccgs=ccgs,
        overrides=overrides,
    )
    band = Band()
    ours = measures(region, run["plan"], band, ccgs=ccgs)
    real = measures(region, real_plan(region), band, ccgs=ccgs)
    print(out_of_band(region, run["plan"], band))
    print(f"{len(ccgs)} CCGs, {overrides or 'defaults'}: {run['wall_s']:.0f} s, {run['statuses']}")
    for key in ours:
        print(f"{key:22} {ours[key]!s:>14} {real[key]!s:>14}")
    # England's context: our networks for these CCGs, the real ones everywhere else.
    mine = run["plan"].assignment
    beside = {p: n for p, n in real_plan(region).assignment.items() if p not in mine}
    held = containment(Plan({**beside, **mine}), region.validation_graph)
    networks = set(mine.values())
    failing = [n for n in held.failing if n in networks]
    print(f"territories failing in England's context: {len(failing)} of {len(networks)}")
    if args.save_plan:
        args.save_plan.write_text("".join(f"{p},{n}\n" for p, n in sorted(mine.items())))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three measurements and print (or write) the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--time-limit", type=float, default=15.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--save-plan", type=Path, help="write the proposal as practice,network")
    parser.add_argument(
        "--ccgs", default="", help="only these CCGs (comma-separated codes): the proposal only"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an optimiser setting for the proposal, e.g. home_straddle_weight=30",
    )
    parser.add_argument(
        "--classify",
        type=Path,
        help="only say which networks of a saved plan (--save-plan's file) are out of band, "
        "and whether forced",
    )
    args = parser.parse_args(argv)
    if args.classify:
        region = load_england_2021(args.data)
        rows = (line.split(",") for line in args.classify.read_text().splitlines() if line)
        saved = Plan({practice: network for practice, network in rows})
        print("out of band:", out_of_band(region, saved, Band()))
        return 0
    overrides = {name: float(value) for name, value in (o.split("=", 1) for o in args.set)}
    if args.ccgs:
        return compare_subset(args, [c for c in args.ccgs.split(",") if c], overrides)
    region, built = build(args.data)
    print(f"built in {built['build_s']:.1f} s, peak {built['peak_mib']:,.0f} MiB", flush=True)
    large = validate_large_ccg(region)
    print(f"validate {LARGE_CCG}: {large['validate_ms']:.0f} ms", flush=True)
    gc.collect()
    run = propose_england(
        region, time_limit=args.time_limit, processes=args.processes, overrides=overrides
    )
    print(f"proposal: {run['wall_s']:.0f} s, {run['statuses']}", flush=True)
    band = Band()
    ours = measures(region, run["plan"], band)
    real = measures(region, real_plan(region), band)
    print("out of band:", out_of_band(region, run["plan"], band), flush=True)
    if args.save_plan:
        args.save_plan.write_text(
            "".join(f"{p},{n}\n" for p, n in sorted(run["plan"].assignment.items()))
        )
    command = (
        f"python benchmarks/bench_homes.py --data ../shared/data --time-limit "
        f"{args.time_limit:g} --processes {args.processes}"
        + (f" --markdown {args.markdown}" if args.markdown else "")
    )
    section = render(built, large, run, ours, real, command=command)
    print(section)
    if args.markdown:
        write_section(args.markdown, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
