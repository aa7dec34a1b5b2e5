"""Benchmark the optimiser on all 135 CCGs of England 2020, beside the real 2019/20 plan.

Loads the 2020 snapshot as ``benchmarks/reality.py`` does (practices with ``pcn_code`` as the
real plan, derived CCG and STP 2020 boundaries, the 314 local authority districts of 2020 as
stand-in nursing patches), then runs :func:`footprints.optimiser.propose` twice over the CCG
graphs: a fresh proposal, and repair mode from the real configuration. Every plan is checked
with :func:`footprints.rules.validate` on the region's validation graph and measured with
:mod:`footprints.metrics`.

Run: ``.venv/bin/python benchmarks/bench_england.py --data ../shared/data --time-limit 15
--processes 2 [--markdown BENCHMARKS.md] [--save england.pkl]``. With ``--markdown`` the
section "## Optimiser: all England" of that file is replaced (or appended).

``--level upper`` (or ``--areas FILE``) plans by STP (or by the file's groups) instead and
compares with by-CCG on the same areas (``bench_levels.py``; its section "## Planning by STP
(issue #16)").
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import pickle
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from area_table import gap_of
from bench_levels import SECTION as LEVELS_SECTION
from bench_levels import run_levels
from snapshot import add_england_options, load_england

from footprints.graph import union_graph
from footprints.metrics import compactness, patch_alignment
from footprints.optimiser import AreaResult, OptimiseSettings, Proposal, propose
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.rules import validate

SECTION = "## Optimiser: all England"

logger = logging.getLogger("bench_england")


def real_plan(region: Region) -> Plan:
    """The real 2019/20 configuration, without the ``U`` (Unallocated) placeholder."""
    assert region.current is not None
    return Plan({p: n for p, n in region.current.assignment.items() if n not in ("U", "")})


@dataclass
class PlanFigures:
    """What the benchmark states about one whole-England plan."""

    networks: int
    in_band: int
    below: int
    above: int
    out_single_over_max: int
    out_other: int
    out_other_examples: list[str]
    hard: int
    hard_by_rule: dict[str, int]
    straddling_networks: int
    straddling_population: int
    extra_memberships: int
    mean_km: float  # population-weighted mean distance to the network's centre
    unassigned: int


def plan_figures(plan: Plan, graph: nx.Graph, upper: nx.Graph, band: Band) -> PlanFigures:
    """Validate on ``graph`` (the CCG graphs the optimiser plans on) with ``upper``'s edges
    (the region's validation graph: the same, joined across borders) counting for
    contiguity too, and measure the plan."""
    report = validate(plan, graph, band=band, upper_graph=upper)
    members = plan.networks()
    size = {p: int(graph.nodes[p]["list_size"]) for p in graph}
    single, other = 0, 0
    examples: list[str] = []
    population_of: dict[str, int] = {}
    for network, practices in members.items():
        inside = [p for p in practices if p in graph]
        if not inside:
            continue
        population = sum(size[p] for p in inside)
        population_of[network] = population
        if band.contains(population):
            continue
        if len(inside) == 1 and population > band.max_population:
            single += 1
        else:
            other += 1
            if len(examples) < 5:
                word = "practice" if len(inside) == 1 else "practices"
                examples.append(f"{network} ({len(inside)} {word}, {population:,})")
    alignment = patch_alignment(plan, graph)
    km = compactness(plan, graph)
    total = sum(population_of.values())
    mean_km = sum(km[n] * population_of[n] for n in population_of) / max(total, 1)
    hard_rules = collections.Counter(v.rule for v in report.hard)
    return PlanFigures(
        networks=len(population_of),
        in_band=int(report.summary["in_band"]),
        below=int(report.summary["below"]),
        above=int(report.summary["above"]),
        out_single_over_max=single,
        out_other=other,
        out_other_examples=examples,
        hard=int(report.summary["hard"]),
        hard_by_rule=dict(sorted(hard_rules.items())),
        straddling_networks=len(alignment.straddling_networks),
        straddling_population=int(alignment.total_straddling_population),
        extra_memberships=int(alignment.extra_memberships),
        mean_km=mean_km,
        unassigned=sum(1 for p in graph if p not in plan.assignment),
    )


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def run_summary(results: Mapping[str, AreaResult]) -> dict[str, Any]:
    seconds = [r.seconds for r in results.values()]
    statuses = collections.Counter(r.status for r in results.values())
    gaps = [r.gap for r in results.values() if r.gap is not None]
    unbounded = [a for a, r in results.items() if r.gap is None and r.assignment]
    worst = max(results.values(), key=lambda r: -1.0 if r.gap is None else r.gap)
    return {
        "areas": len(results),
        "seconds": (
            min(seconds),
            statistics.median(seconds),
            _percentile(seconds, 90),
            max(seconds),
        ),
        "statuses": dict(sorted(statuses.items())),
        "optimal": statuses.get("optimal", 0),
        "worst_gap": (worst.area, worst.gap),
        "gaps_over_1pct": sum(1 for g in gaps if g > 0.01),
        "no_bound": unbounded,
        "empty": sorted(a for a, r in results.items() if not r.assignment),
        "moves": sum(r.moves or 0 for r in results.values()),
    }


def fresh_only_line(results: Mapping[str, AreaResult], wall: float) -> str:
    """One line for ``--fresh-only``: proved, within 1%, worst gap, areas without a bound.

    Gaps are the certified ones of ``area_table.py`` (from each area's objective and bound).
    """
    gaps = {area: gap_of(result) for area, result in results.items()}
    known = {area: gap for area, gap in gaps.items() if gap is not None}
    proved = sum(1 for result in results.values() if result.status == "optimal")
    worst = max(known, key=lambda area: (known[area], area), default=None)
    worst_text = "none" if worst is None else f"{100 * known[worst]:.1f}% ({worst})"
    return (
        f"fresh: {proved} / {len(results)} proved, "
        f"{sum(1 for gap in known.values() if gap <= 0.01)} within 1%, worst gap {worst_text}, "
        f"{len(results) - len(known)} without a bound, {wall:.0f} s wall"
    )


def _fmt_seconds(s: tuple[float, float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in s)


def _figures_rows(ours: PlanFigures, real: PlanFigures, repair: PlanFigures) -> list[str]:
    def out(f: PlanFigures) -> str:
        text = f"{f.below + f.above} ({f.out_single_over_max} single practices over 50,000"
        return text + (f"; {f.out_other} other)" if f.out_other else ")")

    def hard(f: PlanFigures) -> str:
        rules = ", ".join(f"{rule} {n}" for rule, n in f.hard_by_rule.items())
        return f"{f.hard}" + (f" ({rules})" if rules else "")

    rows = [
        ("networks", ours.networks, real.networks, repair.networks),
        (
            "in band (30,000–50,000)",
            f"{ours.in_band} ({ours.in_band / ours.networks:.1%})",
            f"{real.in_band} ({real.in_band / real.networks:.1%})",
            f"{repair.in_band} ({repair.in_band / repair.networks:.1%})",
        ),
        (
            "below / above the band",
            f"{ours.below} / {ours.above}",
            f"{real.below} / {real.above}",
            f"{repair.below} / {repair.above}",
        ),
        ("out of band (why)", out(ours), out(real), out(repair)),
        ("hard violations (validator)", hard(ours), hard(real), hard(repair)),
        ("practices in no network", ours.unassigned, real.unassigned, repair.unassigned),
        (
            "straddling networks (more than one LAD)",
            ours.straddling_networks,
            real.straddling_networks,
            repair.straddling_networks,
        ),
        (
            "straddling population",
            f"{ours.straddling_population:,}",
            f"{real.straddling_population:,}",
            f"{repair.straddling_population:,}",
        ),
        (
            "Σ extra patch memberships",
            ours.extra_memberships,
            real.extra_memberships,
            repair.extra_memberships,
        ),
        (
            "population-weighted mean distance to network centre",
            f"{ours.mean_km:.3f} km",
            f"{real.mean_km:.3f} km",
            f"{repair.mean_km:.3f} km",
        ),
    ]
    lines = [
        "| measure | optimiser (fresh) | real 2019/20 | repair of the real plan |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return lines


def _run_rows(label: str, summary: dict[str, Any], wall: float) -> str:
    area, gap = summary["worst_gap"]
    statuses = ", ".join(f"{s} {n}" for s, n in summary["statuses"].items())
    worst = "—" if gap is None else f"{gap:.2%} ({area})"
    return (
        f"| {label} | {wall:.0f} s | {_fmt_seconds(summary['seconds'])} | {statuses} | "
        f"{summary['optimal']} / {summary['areas']} "
        f"({summary['optimal'] / summary['areas']:.0%}) | "
        f"{worst} | {len(summary['no_bound'])} |"
    )


def render(
    *,
    command: str,
    settings: OptimiseSettings,
    processes: int,
    load_seconds: float,
    fresh: Proposal,
    fresh_wall: float,
    repair: Proposal,
    repair_wall: float,
    figures: tuple[PlanFigures, PlanFigures, PlanFigures],
) -> str:
    ours, real, repaired = figures
    fresh_summary = run_summary(fresh.results)
    repair_summary = run_summary(repair.results)
    lines = [
        SECTION,
        "",
        f"Command: `{command}`",
        "",
        f"All 135 CCGs of April 2020 (6,720 practices; list sizes of 1 January 2020), the 314 "
        "local authority districts of 2020 as **stand-in** nursing patches, the real plan "
        f"`pcn_code` (QOF 2019-20). Per-area time limit {settings.time_limit:g} s, "
        f"{settings.workers} CP-SAT worker per area, {processes} processes, seed "
        f"{settings.seed}; default weights (network cost {settings.network_cost:,.0f}, move "
        f"weight {settings.move_weight:,.0f} patient-km). Measured on a 2-core machine "
        f"({os.cpu_count()} CPUs seen), Python {platform.python_version()}; "
        f"loading England and building the graphs took {load_seconds:.0f} s (not in the times "
        "below).",
        "",
        "| run | wall (135 CCGs) | per-area s: min / median / p90 / max | statuses | "
        "proved optimal | worst gap | areas with no bound |",
        "|---|---|---|---|---|---|---|",
        _run_rows("fresh proposal", fresh_summary, fresh_wall),
        _run_rows("repair from the real plan", repair_summary, repair_wall),
        "",
        "Whole-England plans, validated with `validate(plan, union of the 135 CCG graphs, "
        "upper_graph=region.validation_graph)`: the graphs the optimiser plans on, joined "
        "across CCG and STP borders by `area_border` edges where catchments meet (the graph "
        "REALITY.md uses too), so a network crossing a border is judged by its footprint and "
        "reported once, as a crossing:",
        "",
        *_figures_rows(ours, real, repaired),
        "",
        f"- Repair mode (current = `pcn_code`, no move budget): {repair_summary['moves']:,} "
        f"practices moved of 6,720.",
    ]
    if fresh_summary["no_bound"]:
        lines.append(
            f"- Areas reported with no bound ({len(fresh_summary['no_bound'])}, fresh): "
            + ", ".join(fresh_summary["no_bound"])
            + " — listing every candidate would have taken too long, so only local candidates "
            "were used (or the constructive plan was returned)."
        )
    if ours.out_other:
        lines.append(
            f"- Fresh networks out of band for other reasons: {ours.out_other} "
            f"(e.g. {', '.join(ours.out_other_examples)})."
        )
        lines += [
            f"  - {line}"
            for result in fresh.results.values()
            for line in result.explanations
            if line.startswith("Network ")
            and not any(f"{net} (" in line for net in _single_over_max(result))
        ][:5]
    if repaired.out_other:
        lines.append(
            f"- Repaired networks out of band for other reasons: {repaired.out_other} "
            f"(e.g. {', '.join(repaired.out_other_examples)})."
        )
    lines.append(
        "- Real 2019/20 hard violations are networks not contiguous under our adjacency, "
        "networks crossing CCG borders and the unallocated practices (see REALITY.md)."
    )
    return "\n".join(lines) + "\n"


def _single_over_max(result: AreaResult) -> list[str]:
    """Networks of ``result`` explained as one practice over the maximum."""
    return [
        line.split(" ", 2)[1]
        for line in result.explanations
        if line.startswith("Network ") and "alone has" in line and "so it forms" in line
    ]


def write_section(path: Path, section: str, heading: str = SECTION) -> None:
    """Replace this benchmark's section of ``path`` (or append it), leaving the rest."""
    text = path.read_text() if path.is_file() else "# Benchmarks\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        # Up to the next heading (a "### Peers" subsection is another script's).
        ends = [text.find(mark, start + len(heading)) for mark in ("\n## ", "\n### ")]
        end = min((e for e in ends if e >= 0), default=-1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_england_options(parser)
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    parser.add_argument("--save", type=Path, help="pickle the plans and results here")
    parser.add_argument(
        "--level",
        choices=("lower", "upper"),
        default="lower",
        help="upper: plan each STP as one area and compare with by-CCG (bench_levels.py)",
    )
    parser.add_argument(
        "--areas", type=Path, help="plan by this areas file's groups, compared with by-CCG"
    )
    parser.add_argument(
        "--fresh-only",
        action="store_true",
        help="only the fresh proposal: print its summary line (and --save it), no repair run",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("footprints.areas").setLevel(logging.ERROR)
    band = Band()
    command = "python benchmarks/bench_england.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )

    started = time.perf_counter()
    region = load_england(args.data)
    graphs = region.ccg_graphs
    validation_graph = region.validation_graph
    load_seconds = time.perf_counter() - started
    real = real_plan(region)
    print(f"loaded {len(graphs)} CCGs in {load_seconds:.1f} s", flush=True)

    settings = OptimiseSettings(time_limit=args.time_limit, seed=args.seed)
    if args.level == "upper" or args.areas is not None:
        section, hard = run_levels(
            region,
            level=args.level,
            areas=args.areas,
            settings=settings,
            processes=args.processes,
            load_seconds=load_seconds,
            command=command,
        )
        print(section)
        if args.markdown:
            write_section(args.markdown, section, LEVELS_SECTION)
        return 0 if hard == 0 else 1

    def progress(fraction: float, message: str) -> None:
        logger.info("%3.0f%% %s", 100 * fraction, message)

    started = time.perf_counter()
    fresh = propose(graphs, settings, processes=args.processes, progress=progress)
    fresh_wall = time.perf_counter() - started
    print(f"fresh proposal: {fresh_wall:.0f} s", flush=True)
    if args.fresh_only:
        print(fresh_only_line(fresh.results, fresh_wall))
        if args.save:
            with args.save.open("wb") as handle:
                pickle.dump(
                    {"settings": settings, "fresh": dict(fresh.results), "fresh_wall": fresh_wall},
                    handle,
                )
        return 0

    started = time.perf_counter()
    repair = propose(
        graphs,
        settings,
        current=dict(real.assignment),
        processes=args.processes,
        progress=progress,
    )
    repair_wall = time.perf_counter() - started
    print(f"repair: {repair_wall:.0f} s", flush=True)

    ccg_graph = union_graph(graphs.values())
    figures = (
        plan_figures(fresh.plan, ccg_graph, validation_graph, band),
        plan_figures(real, ccg_graph, validation_graph, band),
        plan_figures(repair.plan, ccg_graph, validation_graph, band),
    )
    section = render(
        command=command,
        settings=settings,
        processes=args.processes,
        load_seconds=load_seconds,
        fresh=fresh,
        fresh_wall=fresh_wall,
        repair=repair,
        repair_wall=repair_wall,
        figures=figures,
    )
    print(section)
    if args.save:
        with args.save.open("wb") as handle:
            pickle.dump(
                {
                    "settings": settings,
                    "fresh": {a: r for a, r in fresh.results.items()},
                    "repair": {a: r for a, r in repair.results.items()},
                    "fresh_wall": fresh_wall,
                    "repair_wall": repair_wall,
                },
                handle,
            )
    if args.markdown:
        write_section(args.markdown, section)
    return 0 if figures[0].hard == 0 and figures[2].hard == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
