"""The straddle weight swept: fresh proposals' patch figures against the real configuration.

Issue #15 item 4: the default straddle weight is chosen by measurement so that a fresh
proposal straddles less than the real configuration on every patch measure (straddling
networks, straddling population, Σ extra patch memberships) while keeping ≥ 99% of
networks in band. For each weight in ``--weights`` this proposes afresh (2020 snapshot, LAD
stand-in patches, ``--time-limit`` per CCG, ``--processes``) and measures the plan as
``bench_least_change.py --patches`` does, with Σ extra memberships taken apart::

    Σ extra memberships = Σ over patches (networks it works into − 1)
                        = networks − patches reached + Σ over networks (patches − 1)

so a plan with more networks than the real one starts that many memberships behind.

``--patch-weights`` sweeps the patch weight too (each pair of weights is one run): the
cost per patch a network works into, which prices Σ extra memberships directly.
``--network-costs`` sweeps the cost per network too (the settings' ``network_cost``,
30,000 by default): a higher one asks for fewer, larger networks within the band, and each
network fewer is one membership fewer. ``--stps`` restricts the run to the CCGs of some
STPs (ONS codes ``E54…``), to explore before confirming on all England.

Run: ``.venv/bin/python benchmarks/bench_straddle.py --data ../shared/data --weights 1,3,10
[--stps E54000013,E54000037] [--markdown BENCHMARKS.md]`` (all England: under
``flock /tmp/fp/heavy.lock``).
"""

from __future__ import annotations

import argparse
import itertools
import math
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd
from bench_england import PlanFigures, plan_figures, real_plan
from bench_homes import write_section
from mdtable import md_table, percent
from snapshot import PRACTICES, add_england_options, load_england

from footprints.graph import union_graph
from footprints.metrics import patch_alignment
from footprints.optimiser import OptimiseSettings, propose
from footprints.plan import Band, Plan

SECTION = "## Straddle weight: all England (2020)"


@dataclass
class Measured:
    """One plan's patch figures with Σ extra memberships taken apart."""

    label: str
    figures: PlanFigures
    patches_reached: int
    extra_patches: int  # Σ over networks (patches it touches − 1)
    wall: float | None


def measure(
    label: str, plan: Plan, graph: nx.Graph, upper: nx.Graph, wall: float | None
) -> Measured:
    """Validate and measure ``plan`` on ``graph`` (see :func:`bench_england.plan_figures`)."""
    figures = plan_figures(plan, graph, upper, Band())
    alignment = patch_alignment(plan, graph)
    extra = sum(len(patches) - 1 for patches in alignment.network_patches.values() if patches)
    return Measured(label, figures, len(alignment.patch_networks), extra, wall)


def sweep_rows(runs: Sequence[Measured]) -> list[str]:
    """The sweep as a table: one row per plan."""
    rows = []
    for m in runs:
        f = m.figures
        rows.append(
            (
                m.label,
                f"{f.straddling_networks:,}",
                f"{f.straddling_population:,}",
                f"{f.extra_memberships:,}",
                f"{f.networks:,} − {m.patches_reached} + {m.extra_patches:,}",
                f"{f.in_band:,} / {f.networks:,} ({percent(f.in_band, f.networks)})",
                f"{f.mean_km:.2f}",
                f"{f.hard}",
                "" if m.wall is None else f"{m.wall:.0f} s",
            )
        )
    return md_table(
        [
            "plan",
            "straddling networks",
            "straddling population",
            "Σ extra memberships",
            "= networks − patches reached + Σ (patches − 1)",
            "in band",
            "mean km",
            "hard",
            "wall",
        ],
        rows,
    )


def run_label(weight: float, patch_weight: float, network_cost: float | None) -> str:
    """A run's row label: its straddle weight, and the patch weight and network cost if set."""
    label = f"straddle weight {weight:g}"
    if patch_weight:
        label += f", patch weight {patch_weight:,.0f}"
    if network_cost is not None:
        label += f", network cost {network_cost:,.0f}"
    return label


def _floats(text: str, option: str) -> list[float]:
    """The finite numbers ≥ 0 of ``text`` (comma-separated), or exit naming ``option``."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        values = []
    if not values or not all(0 <= v < math.inf for v in values):
        hint = "give finite numbers of at least 0 separated by commas, e.g. 1,3,10"
        raise SystemExit(f"{option} {text!r}: {hint}")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    """Sweep the straddle weight and print (or write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_england_options(parser)
    parser.add_argument("--weights", default="1,3,10", help="straddle weights, e.g. 1,3,10")
    parser.add_argument(
        "--patch-weights", default="0", help="patch weights (per patch a network works into)"
    )
    parser.add_argument(
        "--network-costs",
        "--network-cost",
        help="costs per network, e.g. 30000,60000 (default: the settings' network_cost)",
    )
    parser.add_argument("--stps", default="", help="only the CCGs of these STPs (E54… codes)")
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    weights = _floats(args.weights, "--weights")
    patch_weights = _floats(args.patch_weights, "--patch-weights")
    network_costs: list[float | None] = (
        [None] if args.network_costs is None else [*_floats(args.network_costs, "--network-costs")]
    )
    command = "python benchmarks/bench_straddle.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    region = load_england(args.data)
    graphs = dict(region.ccg_graphs)
    if args.stps:
        stps = {s.strip() for s in args.stps.split(",") if s.strip()}
        table = pd.read_csv(
            args.data / PRACTICES, dtype=str, usecols=["ccg20_ons_code", "stp20_ons_code"]
        )
        known = set(table["stp20_ons_code"])
        if unknown := sorted(stps - known):
            raise SystemExit(f"--stps: {unknown} are not STPs of {args.data / PRACTICES}")
        ccgs = set(table.loc[table["stp20_ons_code"].isin(stps), "ccg20_ons_code"])
        graphs = {c: g for c, g in graphs.items() if c in ccgs}
    graph = union_graph(graphs.values())
    upper = region.validation_graph
    real = Plan({p: n for p, n in real_plan(region).assignment.items() if p in graph})
    runs = [measure("real 2019/20", real, graph, upper, None)]
    for network_cost, weight, patch_weight in itertools.product(
        network_costs, weights, patch_weights
    ):
        settings = OptimiseSettings(
            time_limit=args.time_limit,
            seed=args.seed,
            straddle_weight=weight,
            patch_weight=patch_weight,
            **({} if network_cost is None else {"network_cost": network_cost}),
        )
        started = time.perf_counter()
        proposal = propose(graphs, settings, processes=args.processes)
        wall = time.perf_counter() - started
        label = run_label(weight, patch_weight, network_cost)
        runs.append(measure(label, proposal.plan, graph, upper, wall))
        print(f"{label}: {wall:.0f} s", sweep_rows(runs[-1:])[-1], flush=True)
    where = f"the CCGs of {args.stps}" if args.stps else "all England"
    lines = [
        SECTION,
        "",
        f"Command: `{command}`",
        "",
        f"{where}: {len(graphs)} CCGs, {graph.number_of_nodes():,} practices; fresh proposals,"
        f" {args.time_limit:g} s per CCG, {args.processes} processes, seed {args.seed}.",
        "",
        *sweep_rows(runs),
    ]
    section = "\n".join(lines)
    print(section)
    if args.markdown:
        write_section(args.markdown, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
