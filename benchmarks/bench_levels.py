"""Benchmark planning by STP (``--level upper``) or by an areas file, against by CCG.

Called by ``bench_england.py --level upper`` (or ``--areas FILE``): proposes every CCG of
England 2020 on its own, then every planning area as one area (networks may cross CCG
borders inside it, never its own border) with the same per-area time, starting from its
CCGs' plans joined (``propose(start=...)``, so that no planning area's plan costs more than
its CCGs' plans), and compares them area by area: time, status, gap and bound of the
larger area; the by-CCG plan's cost, bound and gap summed over its CCGs; the networks
crossing a CCG border. Both plans are validated on the region's validation graph, the
larger one with its planning areas (its crossings are reported, not hard). With
``--markdown`` the section "## Planning by STP (issue #16)" is
replaced (or appended).
"""

from __future__ import annotations

import collections
import logging
import os
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from footprints.optimiser import AreaResult, OptimiseSettings, Proposal, propose
from footprints.planning_areas import (
    Level,
    find_crossings,
    planning_graphs,
    planning_groups,
)
from footprints.region import Region
from footprints.rules import validate

SECTION = "## Planning by STP (issue #16)"

logger = logging.getLogger("bench_levels")


@dataclass
class AreaRow:
    """One planning area's figures at both levels."""

    area: str
    ccgs: int
    practices: int
    upper: AreaResult
    lower: list[AreaResult]
    crossings: int

    @property
    def lower_objective(self) -> float | None:
        values = [r.objective for r in self.lower]
        return None if any(v is None for v in values) else sum(v or 0.0 for v in values)

    @property
    def lower_bound(self) -> float | None:
        values = [r.bound for r in self.lower]
        return None if any(v is None for v in values) else sum(v or 0.0 for v in values)


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or objective <= 0:
        return None
    return max(objective - bound, 0.0) / objective


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _cost(value: float | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.2f}"


def _rows(
    region: Region, groups: Mapping[str, Sequence[str]], upper: Proposal, lower: Proposal
) -> list[AreaRow]:
    counts = region.practices.groupby("ccg").size()
    planning_area = {ccg: group for group, ccgs in groups.items() for ccg in ccgs}
    crossings = collections.Counter(
        c.planning_area for c in find_crossings(upper.plan, region.validation_graph, planning_area)
    )
    return [
        AreaRow(
            area=group,
            ccgs=len(ccgs),
            practices=int(sum(int(counts.get(c, 0)) for c in ccgs)),
            upper=upper.results[group],
            lower=[lower.results[c] for c in ccgs],
            crossings=crossings.get(group, 0),
        )
        for group, ccgs in groups.items()
    ]


def render(
    *,
    command: str,
    settings: OptimiseSettings,
    processes: int,
    load_seconds: float,
    what: str,
    rows: list[AreaRow],
    walls: tuple[float, float],
    hard: tuple[int, int],
    reported: int,
    loads: list[str],
) -> str:
    """The benchmark's section of BENCHMARKS.md."""
    upper_wall, lower_wall = walls
    n = len(rows)
    statuses = collections.Counter(r.upper.status for r in rows)
    within = sum(1 for r in rows if r.upper.gap is not None and r.upper.gap <= 0.02)
    no_bound = [r.area for r in rows if r.upper.gap is None]
    lower_optimal = sum(1 for r in rows for x in r.lower if x.status == "optimal")
    lower_areas = sum(len(r.lower) for r in rows)
    better = sum(
        1
        for r in rows
        if r.upper.objective is not None
        and r.lower_objective is not None
        and r.upper.objective < r.lower_objective - 1e-6
    )
    worse = sum(
        1
        for r in rows
        if r.upper.objective is not None
        and r.lower_objective is not None
        and r.upper.objective > r.lower_objective + 1e-6
    )
    gaps = sorted((r.upper.gap for r in rows if r.upper.gap is not None), reverse=True)
    lines = [
        SECTION,
        "",
        f"Command: `{command}`",
        "",
        f"All England 2020 planned {what}: {n} planning areas of "
        f"{min(r.practices for r in rows)}–{max(r.practices for r in rows)} practices, each one "
        "area where networks may cross CCG borders but never the area's own, each started "
        f"from its CCGs' plans joined: first the {lower_areas} CCGs were planned one by one "
        "(today's method), then each planning area with the same time per area and that plan "
        "as its start (`propose(start=by_ccg.plan.assignment)`; its wall below excludes the "
        "CCGs'). "
        f"Per-area time limit {settings.time_limit:g} s, {processes} processes, seed "
        f"{settings.seed}, default weights; {os.cpu_count()} CPUs seen, Python "
        f"{platform.python_version()}; loading England and building the graphs took "
        f"{load_seconds:.0f} s (not in the times below). Costs in millions of patient-km "
        "(lower is better); the by-CCG bound is the sum of its CCGs' bounds, a bound on the "
        "CCG-restricted problem only. Load average (1, 5, 15 min) " + "; ".join(loads) + ".",
        "",
        "| run | wall | proved optimal | within 2% | no bound | worst gap | hard violations |",
        "|---|---|---|---|---|---|---|",
        f"| by planning area ({n}) | {upper_wall:.0f} s | "
        f"{statuses.get('optimal', 0)} / {n} ({statuses.get('optimal', 0) / n:.0%}) | "
        f"{within} / {n} | {len(no_bound)} | {_pct(gaps[0] if gaps else None)} | {hard[0]} "
        f"({reported} reported crossings) |",
        f"| by CCG ({lower_areas}) | {lower_wall:.0f} s | {lower_optimal} / {lower_areas} "
        f"({lower_optimal / max(lower_areas, 1):.0%}) | — | "
        f"{sum(1 for r in rows for x in r.lower if x.gap is None)} | "
        f"{_pct(max((x.gap for r in rows for x in r.lower if x.gap is not None), default=None))}"
        f" | {hard[1]} |",
        "",
        f"- Statuses by planning area: {', '.join(f'{s} {k}' for s, k in sorted(statuses.items()))}"
        f"; the planning-area plan costs less than the by-CCG plan in {better} of {n} areas, "
        f"more in {worse} (0 expected: each starts from those plans and never ends above).",
        "- Target of issue #16 (by STP, every area within 2% in ≤ 10 minutes wall): "
        f"{within} / {n} areas within 2%, wall {upper_wall:.0f} s.",
        "",
        "| area | CCGs | practices | status | s | cost | bound | gap | crossing networks | "
        "by-CCG cost | by-CCG bound | by-CCG gap | CCGs optimal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda row: -row.practices):
        u = r.upper
        lines.append(
            f"| {r.area} | {r.ccgs} | {r.practices} | {u.status} | {u.seconds:.1f} | "
            f"{_cost(u.objective)} | {_cost(u.bound)} | {_pct(u.gap)} | {r.crossings} | "
            f"{_cost(r.lower_objective)} | {_cost(r.lower_bound)} | "
            f"{_pct(_gap(r.lower_objective, r.lower_bound))} | "
            f"{sum(1 for x in r.lower if x.status == 'optimal')} / {len(r.lower)} |"
        )
    return "\n".join(lines) + "\n"


def run_levels(
    region: Region,
    *,
    level: Level,
    areas: Path | None,
    settings: OptimiseSettings,
    processes: int,
    load_seconds: float,
    command: str,
) -> tuple[str, int]:
    """Plan England by larger areas and by CCG; return the section and the hard count."""
    groups = planning_groups(region, level, areas)
    graphs = planning_graphs(region, groups)
    print(f"{len(graphs)} planning areas built", flush=True)

    def progress(fraction: float, message: str) -> None:
        logger.info("%3.0f%% %s", 100 * fraction, message)

    loads = [f"at the start {_load()}"]
    started = time.perf_counter()
    lower = propose(region.ccg_graphs, settings, processes=processes, progress=progress)
    lower_wall = time.perf_counter() - started
    print(f"by CCG: {lower_wall:.0f} s", flush=True)
    loads.append(f"after the CCGs {_load()}")
    started = time.perf_counter()
    upper = propose(
        graphs, settings, processes=processes, progress=progress, start=lower.plan.assignment
    )
    upper_wall = time.perf_counter() - started
    print(f"by planning area: {upper_wall:.0f} s", flush=True)
    loads.append(f"after the planning areas {_load()}")

    planning_area = {ccg: group for group, ccgs in groups.items() for ccg in ccgs}
    graph = region.validation_graph
    upper_report = validate(upper.plan, graph, planning_areas=planning_area)
    lower_report = validate(lower.plan, graph)
    reported = sum(
        1 for v in upper_report.violations if v.rule == "boundary" and v.severity == "waivable"
    )
    what = f"by the groups of {areas.name}" if areas is not None else "by STP"
    section = render(
        command=command,
        settings=settings,
        processes=processes,
        load_seconds=load_seconds,
        what=what,
        rows=_rows(region, groups, upper, lower),
        walls=(upper_wall, lower_wall),
        hard=(len(upper_report.hard), len(lower_report.hard)),
        reported=reported,
        loads=loads,
    )
    return section, len(upper_report.hard)
