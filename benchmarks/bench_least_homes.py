"""Least change on registration geography at the scale of England (issue #15 on #13's geography).

On the 2021 snapshot with the January 2021 LSOA registrations, loaded as
``bench_homes.py`` loads it (6,571 practices, the 106 CCGs of April 2021, LAD stand-in
patches, patients' homes from the registrations), with the real 2021 networks (``pcn_code``
without the placeholder ``U``) as the current plan:

1. **Least-change repair** of every CCG (``propose --repair --least-change``;
   ``--time-limit`` per CCG, ``--processes``): practices moved, the areas whose minimum is
   proved, fallbacks, and the repaired plan validated (the rows of ``bench_least_change.py``).
2. **The registration-geography measures** of the repaired plan beside the real 2021
   configuration (``bench_homes.measures``): territories contiguous, median containment,
   straddling on patients' homes, Σ extra patch memberships.
3. With ``--patches``: fresh proposals with ``patches_first`` and with the default weights,
   measured the same way in the same table.

Run: ``.venv/bin/python benchmarks/bench_least_homes.py --data ../shared/data --time-limit
15 --processes 2 [--ccgs E38000256,E38000049] [--patches] [--save FILE.pkl] [--markdown
BENCHMARKS.md]``. The section is printed after every stage (and ``--save`` pickles what is
done so far), so a run cut short still leaves its finished stages.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import pickle
import shlex
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench_homes import measures, real_plan
from bench_least_change import Run, least_change_rows, unproved_lines
from bench_least_change import _solve as solve_all
from mdtable import md_table, percent, write_section
from snapshot import add_england_options, load_england_2021

from footprints.optimiser import OptimiseSettings
from footprints.plan import Band, Plan
from footprints.region import Region

SECTION = "## Least change on registration geography: all England (2021)"
UNPROVED = "Areas whose fewest moves were not proved:"
REAL = "real 2021 networks"
TODAY_ROW = "| today's repair"
"""``least_change_rows`` compares with the 2020 repair's 2,136 moves: not a 2021 figure."""
STRADDLING_ROW = "| straddling networks / population / Σ extra memberships"


@dataclass(frozen=True)
class Stage:
    """One all-England solve: its label, settings and current plan (``None``: fresh)."""

    label: str
    settings: OptimiseSettings
    current: Mapping[str, str] | None = None


def parse_ccgs(text: str, known: Sequence[str]) -> list[str]:
    """Return the CCG codes of ``--ccgs`` (comma-separated; empty: every CCG of ``known``).

    Raises ``SystemExit`` naming the unknown codes and where the known ones come from.
    """
    codes = [c.strip() for c in text.split(",") if c.strip()]
    unknown = sorted(set(codes) - set(known))
    if unknown:
        raise SystemExit(
            f"--ccgs: {len(unknown)} unknown CCG code(s) {', '.join(unknown)}; the 2021 "
            f"snapshot has {len(known)} CCGs (e.g. {', '.join(sorted(known)[:3])})"
        )
    return codes or list(known)


def plan_of(run: Run) -> Plan:
    """Return the plan of ``run``: every area's assignment (as ``propose`` combines them)."""
    return Plan({p: n for r in run.results.values() for p, n in r.assignment.items()})


def statuses(run: Run) -> str:
    """Return the areas' statuses and their counts: ``"feasible 3, optimal 2"``."""
    counts = Counter(r.status for r in run.results.values())
    return ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))


def fallbacks(run: Run) -> list[str]:
    """Return the areas whose plan is a stand-in, sorted: ``"E38000256 (constructive)"``.

    A stand-in is the plan at hand after a failed solve (status ``fallback``) or, with a
    status ``feasible``, the quick constructive plan where listing ran out of time.
    """
    return [
        f"{area} ({r.fallback or r.status})"
        for area, r in sorted(run.results.items())
        if r.fallback is not None or r.status == "fallback"
    ]


def disagreeing(run: Run) -> list[str]:
    """Return the areas whose fewest-moves priority value is not the moves counted, sorted.

    ``AreaResult.moves`` counts the practices moved; the first priority's value should be
    the same number. Where it is not, the area's proof (and its explanation's count) is in
    other units and is not to be trusted.
    """
    return [
        area
        for area, r in sorted(run.results.items())
        if r.priorities and r.priorities[0].value != r.moves
    ]


def repair_lines(run: Run, practices: int) -> list[str]:
    """Return the least-change table of ``bench_least_change``, on this geography.

    Its 2020 comparison row goes, and its straddling row is said to count practice sites:
    ``plan_figures`` measures on the CCGs' joined graph, which has no homes (the homes
    figures are :func:`homes_rows`').
    """
    rows = [
        line.replace(STRADDLING_ROW, STRADDLING_ROW + " (practice sites, not homes)")
        for line in least_change_rows(run, practices)
        if not line.startswith(TODAY_ROW)
    ]
    down = fallbacks(run)
    odd = disagreeing(run)
    proved = sum(
        1
        for a, r in run.results.items()
        if a not in odd and r.priorities[:1] and r.priorities[0].proved
    )
    return [
        *rows,
        f"| areas on a stand-in plan | {len(down)} {', '.join(down)} |".replace("  |", " |"),
        f"| areas whose moves priority value is not the moves counted | {len(odd)} "
        f"{', '.join(odd)} |".replace("  |", " |"),
        f"| areas with the minimum proved, without those | {proved} / {len(run.results)} |",
    ]


def homes_rows(columns: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Return a table of ``bench_homes.measures`` figures, one column per plan."""
    names = list(columns)
    values = list(columns.values())

    def share(key: str) -> list[str]:
        return [f"{m[key]:,} ({percent(m[key], m['networks'])})" for m in values]

    def hard(m: Mapping[str, Any]) -> str:
        return f"{m['hard']} {' '.join(m['hard_rules'])}".strip()

    rows: list[list[object]] = [
        ["networks", *[f"{m['networks']:,}" for m in values]],
        ["hard violations", *[hard(m) for m in values]],
        ["in band (30,000–50,000)", *share("in_band")],
        ["territory contiguous under the 95% tolerance", *share("territory_ok")],
        ["median containment", *[f"{m['containment_median']:.3f}" for m in values]],
        ["containment of the whole plan", *[f"{m['containment_region']:.3f}" for m in values]],
        [
            "straddling networks (homes, 5% rule)",
            *[f"{m['straddling_networks']:,}" for m in values],
        ],
        [
            "straddling population (homes)",
            *[f"{m['straddling_population']:,}" for m in values],
        ],
        ["Σ extra patch memberships", *[f"{m['extra_memberships']:,}" for m in values]],
    ]
    return md_table(["measure (registration geography)", *names], rows)


def _run(
    label: str,
    region: Region,
    ccgs: Sequence[str],
    settings: OptimiseSettings,
    current: Mapping[str, str] | None,
    processes: int,
) -> Run:
    """Solve ``ccgs`` with ``bench_least_change``'s solver (its figures on the CCGs' graphs)."""
    graphs = {code: region.ccg_graphs[code] for code in ccgs}
    part = SimpleNamespace(ccg_graphs=graphs, validation_graph=region.validation_graph)
    return solve_all(label, part, settings, current, processes)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the options, with ``command``: the command line as the section quotes it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_england_options(parser)
    parser.add_argument("--ccgs", default="", help="only these CCGs (comma-separated codes)")
    parser.add_argument(
        "--patches", action="store_true", help="also fresh proposals: patches first, default"
    )
    parser.add_argument("--save", type=Path, help="pickle the results here (after every stage)")
    parser.add_argument("--markdown", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    given = list(argv) if argv is not None else sys.argv[1:]
    args.command = "python benchmarks/bench_least_homes.py " + shlex.join(given)
    return args


def stages(args: argparse.Namespace, real: Mapping[str, str]) -> list[Stage]:
    """Return the solves to run: least-change repair of ``real``; with ``--patches``, fresh
    proposals with ``patches_first`` and with the default settings."""
    base = OptimiseSettings(time_limit=args.time_limit, seed=args.seed)
    chosen = [Stage("least-change repair", dataclasses.replace(base, least_change=True), real)]
    if args.patches:
        chosen.append(Stage("patches first (fresh)", dataclasses.replace(base, patches_first=True)))
        chosen.append(Stage(f"default (fresh, straddle weight {base.straddle_weight:g})", base))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements and print (or write) the section after every stage."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("footprints.areas").setLevel(logging.ERROR)
    region = load_england_2021(args.data)
    ccgs = parse_ccgs(args.ccgs, sorted(region.ccg_graphs))
    practices = sum(region.ccg_graphs[c].number_of_nodes() for c in ccgs)
    band = Band()
    saved: dict[str, Any] = {REAL: measures(region, real_plan(region), band, ccgs=ccgs)}
    columns: dict[str, dict[str, Any]] = {}
    head = [
        SECTION,
        "",
        f"Command: `{args.command}`",
        "",
        f"The 2021 snapshot on registration geography: {len(ccgs)} CCGs, {practices:,} "
        "practices, the January 2021 LSOA registrations, the real 2021 networks (`pcn_code`, "
        "without the placeholder U) as the current plan, the 314 local authority districts of "
        f"2020 as stand-in nursing patches; {args.time_limit:g} s per CCG, {args.processes} "
        f"processes, seed {args.seed}.",
        "",
    ]
    body: list[str] = []
    section = ""
    for stage in stages(args, dict(real_plan(region).assignment)):
        run = _run(stage.label, region, ccgs, stage.settings, stage.current, args.processes)
        columns[stage.label] = measures(region, plan_of(run), band, ccgs=ccgs)
        saved[stage.label] = {"results": dict(run.results), "measures": columns[stage.label]}
        if stage.current is not None:
            unproved = unproved_lines(run) or ["- none"]
            body = [*repair_lines(run, practices), "", UNPROVED, "", *unproved, ""]
        else:
            down = f"{len(fallbacks(run))} on a stand-in plan"
            body += [f"{stage.label}: {run.wall:.0f} s wall; {statuses(run)}; {down}.", ""]
        section = "\n".join([*head, *body, *homes_rows({**columns, REAL: saved[REAL]}), ""])
        print(section, flush=True)
        if args.save:
            args.save.write_bytes(pickle.dumps(saved))
    if args.markdown:
        write_section(args.markdown, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
