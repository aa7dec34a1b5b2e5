"""Least change at the scale of England (issue #15's benchmarks).

On the 2020 snapshot (6,720 practices, 135 CCGs, LAD stand-in patches) with the real plan
(``pcn_code``, without the placeholder ``U``) as the current plan:

1. **Least-change repair** of every CCG (``--time-limit`` per CCG, ``--processes``):
   practices moved (against today's repair, which moved 2,136), the areas whose minimum is
   proved, and the repaired plan validated (networks in band, hard violations, patches).
2. **The trade-off curve of Kent and Medway** (E38000237, 206 practices) within the app's
   default time limit (20 s): seconds, points, how many proved.
3. With ``--patches``: fresh proposals with the default weights, with ``patches_first``
   and with ``nest_in_patches``, and their patch figures against the real configuration.

Run: ``.venv/bin/python benchmarks/bench_least_change.py --data ../shared/data --time-limit
15 --processes 2 [--patches] [--markdown BENCHMARKS.md]``. With ``--markdown FILE`` the
section is written into FILE (replacing its previous version); it is always printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import pickle
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_england import PlanFigures, plan_figures, real_plan
from bench_homes import write_section
from mdtable import md_table, percent
from snapshot import add_england_options, load_england

from footprints.graph import union_graph
from footprints.optimiser import (
    AreaResult,
    OptimiseSettings,
    PriorityResult,
    optimise_area,
    propose,
)
from footprints.plan import Band

SECTION = "## Least change: all England (2020)"
KENT = "E38000237"
APP_TIME_LIMIT = 20.0  # app/state.py FIRST_TIME_LIMIT, the app's default per CCG
TODAY_MOVED = 2_136  # today's repair (move weight 10,000), BENCHMARKS.md "Optimiser: all England"


@dataclass
class Run:
    """One all-England solve: its results and wall time."""

    label: str
    results: Mapping[str, AreaResult]
    wall: float
    figures: PlanFigures


def _solve(
    label: str, region: Any, settings: OptimiseSettings, current: Any, processes: int
) -> Run:
    started = time.perf_counter()
    proposal = propose(region.ccg_graphs, settings, current=current, processes=processes)
    wall = time.perf_counter() - started
    graph = union_graph(region.ccg_graphs.values())
    figures = plan_figures(proposal.plan, graph, region.validation_graph, Band())
    print(f"{label}: {wall:.0f} s", flush=True)
    return Run(label, proposal.results, wall, figures)


def least_change_rows(run: Run, practices: int) -> list[str]:
    """The least-change table: moves, proofs, plan figures."""
    results = run.results.values()
    moves = sum(r.moves or 0 for r in results)
    forced = sum(sum(1 for m in r.moved if m.reason == "forced") for r in results)
    firsts = [r.priorities[0] for r in results if r.priorities]
    proved = sum(1 for p in firsts if p.proved)
    bounded = [p for p in firsts if not p.proved and p.bound is not None]
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    f = run.figures
    rows = [
        (
            "practices moved (the priority)",
            f"{moves:,} of {practices:,} ({percent(moves, practices)})",
        ),
        ("practices over the maximum split off their network", f"{forced:,}"),
        ("today's repair (move weight 10,000)", f"{TODAY_MOVED:,}"),
        (
            "areas with the minimum proved",
            f"{proved} / {len(run.results)} ({percent(proved, len(run.results))})",
        ),
        (
            "areas not proved: with a bound / with none",
            f"{len(bounded)} / {len(run.results) - proved - len(bounded)}",
        ),
        (
            "statuses of the last solve (the usual objective)",
            ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
        ),
        ("wall time", f"{run.wall:.0f} s"),
        ("networks", f"{f.networks:,}"),
        ("in band (30,000–50,000)", f"{f.in_band:,} ({percent(f.in_band, f.networks)})"),
        (
            "out of band: single practices over 50,000 / other",
            f"{f.out_single_over_max} / {f.out_other}",
        ),
        ("hard violations (validator)", f"{f.hard} {f.hard_by_rule or ''}"),
        (
            "straddling networks / population / Σ extra memberships",
            f"{f.straddling_networks:,} / {f.straddling_population:,} / {f.extra_memberships:,}",
        ),
    ]
    return md_table(["least-change repair", "figure"], rows)


def unproved_lines(run: Run) -> list[str]:
    """The areas whose minimum was not proved, with value, bound and why."""
    lines = []
    for area, r in sorted(run.results.items()):
        if not r.priorities or r.priorities[0].proved:
            continue
        p = r.priorities[0]
        bound = "no bound" if p.bound is None else f"bound {p.bound:,}"
        lines.append(f"- {area} ({len(r.assignment)} practices): {p.value} moved, {bound}")
    return lines


def kent_curve(region: Any, real: Mapping[str, str], time_limit: float) -> dict[str, Any]:
    """Least change with the trade-off curve for Kent and Medway within ``time_limit``."""
    graph = region.ccg_graphs[KENT]
    current = {p: n for p, n in real.items() if p in graph}
    settings = OptimiseSettings(time_limit=time_limit, least_change=True, trade_off=True)
    started = time.perf_counter()
    result = optimise_area(graph, settings, current=current)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "result": result, "practices": graph.number_of_nodes()}


def _proved(priority: PriorityResult | None) -> str:
    return "proved" if priority is not None and priority.proved else "not proved"


def curve_lines(kent: dict[str, Any]) -> list[str]:
    """The Kent and Medway curve as a table."""
    result: AreaResult = kent["result"]
    first = result.priorities[0] if result.priorities else None
    proved = sum(1 for c in result.curve if c.proved)
    lines = [
        f"Kent and Medway ({KENT}, {kent['practices']} practices), least change with the curve, "
        f"time limit {APP_TIME_LIMIT:g} s (the app's default): **{kent['seconds']:.1f} s**, "
        f"{len(result.curve)} points ({proved} proved), fewest moves "
        f"{first.value if first else '—'} ({_proved(first)}).",
        "",
    ]
    rows = [
        (
            f"{c.budget_from}"
            if c.budget_from == c.budget_to
            else f"{c.budget_from}–{c.budget_to}",
            c.moves,
            c.hard_networks,
            c.out_of_band,
            f"{c.in_band} / {c.networks}",
            "yes" if c.proved else "no",
        )
        for c in result.curve
    ]
    lines += md_table(
        ["most moves", "moved", "hard networks", "out of band", "in band / networks", "proved"],
        rows,
    )
    return lines


def patch_rows(runs: Sequence[Run], real: PlanFigures) -> list[str]:
    """Patch figures of the fresh proposals against the real configuration."""
    header = ["measure", *[r.label for r in runs], "real 2019/20"]

    def row(name: str, get: Any) -> list[object]:
        return [name, *[f"{get(r.figures):,}" for r in runs], f"{get(real):,}"]

    return md_table(
        header,
        [
            row("straddling networks", lambda f: f.straddling_networks),
            row("straddling population", lambda f: f.straddling_population),
            row("Σ extra patch memberships", lambda f: f.extra_memberships),
            row("networks in band", lambda f: f.in_band),
            row("networks", lambda f: f.networks),
            ["wall time", *[f"{r.wall:.0f} s" for r in runs], ""],
        ],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements and print (or write) the section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_england_options(parser)
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    parser.add_argument("--patches", action="store_true", help="also the patch priorities")
    parser.add_argument(
        "--skip-repair",
        action="store_true",
        help="skip the least-change repair and the Kent curve (with --patches: only those)",
    )
    parser.add_argument("--lexicographic", default="sequential", choices=["sequential", "weights"])
    parser.add_argument("--save", type=Path, help="pickle the results here")
    parser.add_argument(
        "--straddle-weight",
        type=float,
        default=OptimiseSettings.straddle_weight,
        help="straddle weight of the fresh proposals (default: the optimiser's)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("footprints.areas").setLevel(logging.ERROR)
    command = "python benchmarks/bench_least_change.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    region = load_england(args.data)
    real = dict(real_plan(region).assignment)
    practices = sum(g.number_of_nodes() for g in region.ccg_graphs.values())
    graph = union_graph(region.ccg_graphs.values())
    real_figures = plan_figures(real_plan(region), graph, region.validation_graph, Band())
    base = OptimiseSettings(
        time_limit=args.time_limit, seed=args.seed, straddle_weight=args.straddle_weight
    )
    least = OptimiseSettings(
        time_limit=args.time_limit,
        seed=args.seed,
        least_change=True,
        lexicographic=args.lexicographic,
    )
    lines = [SECTION, "", f"Command: `{command}`", ""]
    saved: dict[str, Any] = {}
    if not args.skip_repair:
        repair = _solve("least change", region, least, real, args.processes)
        kent = kent_curve(region, real, APP_TIME_LIMIT)
        print(f"Kent curve: {kent['seconds']:.1f} s", flush=True)
        lines += [
            "The 2020 snapshot: 135 CCGs, 6,720 practices, the real plan (`pcn_code`, without "
            "the placeholder U) as the current plan, the 314 local authority districts of 2020 "
            f"as stand-in nursing patches; {args.time_limit:g} s per CCG, {args.processes} "
            f"processes, seed {args.seed}, priorities solved {args.lexicographic}ly. Least "
            "change: every hard rule and the band where the area allows it, then the fewest "
            "practices moved, then the fewest taken out of networks that already comply, then "
            "the usual objective.",
            "",
            *least_change_rows(repair, practices),
            "",
            "Areas whose fewest moves were not proved:",
            "",
            *(unproved_lines(repair) or ["- none"]),
            "",
            *curve_lines(kent),
            "",
        ]
        saved.update({"repair": dict(repair.results), "kent": kent["result"]})
    if args.patches:
        runs = [
            _solve(
                f"default (straddle weight {base.straddle_weight:g})",
                region,
                base,
                None,
                args.processes,
            ),
            _solve(
                "patches first",
                region,
                dataclasses.replace(base, patches_first=True),
                None,
                args.processes,
            ),
            _solve(
                "nest in patches",
                region,
                dataclasses.replace(base, nest_in_patches=True),
                None,
                args.processes,
            ),
        ]
        lines += ["Fresh proposals and patch alignment (LAD stand-in patches):", ""]
        lines += [*patch_rows(runs, real_figures), ""]
        saved.update({run.label: dict(run.results) for run in runs})
    section = "\n".join(lines)
    print(section)
    if args.save:
        with args.save.open("wb") as handle:
            pickle.dump(saved, handle)
    if args.markdown:
        write_section(args.markdown, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
