"""What a CCG lead sees when the app optimises a large real area at its default time limit.

Loads each area from the files a CCG lead uploads (as the app reads them,
``app.data.load_region_files``), then runs the optimiser as the app's buttons do
(``app.optimiser``: a :class:`~footprints.background.ProposalJob` on the area's CCG graph,
one process, the sidebar's default settings, ``app/state.py``: 20 s):

- **fresh** ("Propose networks"): no current plan, moves free;
- **repair** ("Re-optimise unlocked networks"): the region's current plan as the plan at
  hand.

Areas: Kent and Medway 2020 (E38000237, 206 practices: the 2020 practices file cut to the
CCG, the national CCG, STP and LAD layers, the ePCN file of December 2019 as the current
plan) and NHS North West London 2021 (E38000256, 352 practices: the 2021 practices file cut
to the CCG with its January 2021 list size, its ``pcn_code`` as the current plan), with and
without the LSOA registrations (registration geography / Voronoi). Per run: the status,
whether the plan is the quick constructive one, objective, bound, gap, seconds, whether
the working plan is left unchanged, and the notice the app shows (where this checkout's
``app.optimiser`` words it: :func:`app.optimiser.run_notice`), with the load average.

Run: ``flock /tmp/fp/heavy.lock .venv/bin/python benchmarks/bench_app_reoptimise.py --data
../shared/data [--repeat 2] [--areas kent kent-registrations nwl nwl-voronoi] [--modes fresh
repair]`` (``kent-registrations``: Kent and Medway with the January 2021 registrations).
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from snapshot import (
    CCGS_2021,
    DEFAULT_DATA,
    LADS,
    LIST_SIZE_2021,
    PRACTICES_2021,
    REPO,
    STPS_2021,
    registration_files,
)

sys.path.insert(0, str(REPO))  # the repository's app/ and tools/

from app.data import load_region_files
from app.state import AppState
from footprints.background import ProposalJob
from footprints.optimiser import AreaResult, OptimiseSettings
from footprints.optimiser.fallback import POLISHED, REPAIRED
from footprints.plan import Band
from footprints.region import Region
from tools.browser import KENT, kent_files

NORTH_WEST_LONDON = "E38000256"


def app_settings() -> OptimiseSettings:
    """The settings the sidebar starts with (``AppState``'s defaults), as the app reads them."""
    low, high = int(AppState.band_min.default), int(AppState.band_max.default)
    return OptimiseSettings(
        band=Band(min(low, high), max(low, high)),
        compactness_weight=float(AppState.compactness_weight.default),
        straddle_weight=float(AppState.straddle_weight.default),
        move_weight=float(AppState.move_weight.default),
        network_cost=float(AppState.network_cost.default),
        time_limit=float(AppState.time_limit.default),
    )


def kent_region(data: Path, folder: Path, *, registrations: bool = False) -> Region:
    """Kent and Medway 2020 from the files of ``tools.browser.kent_files`` (the app's uploads).

    With ``registrations``: the January 2021 LSOA registrations too (registration geography).
    """
    practices, ccgs, stps, patches, plan = kent_files(data, folder)
    files: dict[str, Path] = {
        "practices": practices,
        "boundaries": ccgs,
        "stp_boundaries": stps,
        "patches": patches,
        "plan": plan,
    }
    if registrations:
        files.update(registration_files(data))
    return load_region_files(files)


def north_west_london_region(data: Path, folder: Path, *, registrations: bool) -> Region:
    """NHS North West London 2021: its 352 practices, their ``pcn_code`` as the current plan."""
    raw = pd.read_csv(data / PRACTICES_2021, dtype=str, keep_default_na=False)
    practices = folder / "north_west_london_practices_2021.csv"
    raw[raw["ccg21_ons_code"] == NORTH_WEST_LONDON].to_csv(practices, index=False)
    files: dict[str, Path] = {
        "practices": practices,
        "boundaries": data / CCGS_2021,
        "stp_boundaries": data / STPS_2021,
        "patches": data / LADS,
        "plan": practices,
    }
    if registrations:
        files.update(registration_files(data))
    options = {"practice_columns": {"list_size": LIST_SIZE_2021}}
    return load_region_files(files, options=options)


AREAS: dict[str, tuple[str, str, Callable[[Path, Path], Region]]] = {
    "kent": ("Kent and Medway 2020", KENT, kent_region),
    "kent-registrations": (
        "Kent and Medway 2020, registrations",
        KENT,
        lambda data, folder: kent_region(data, folder, registrations=True),
    ),
    "nwl": (
        "North West London 2021, registrations",
        NORTH_WEST_LONDON,
        lambda data, folder: north_west_london_region(data, folder, registrations=True),
    ),
    "nwl-voronoi": (
        "North West London 2021, no registrations",
        NORTH_WEST_LONDON,
        lambda data, folder: north_west_london_region(data, folder, registrations=False),
    ),
}


def run(
    region: Region,
    ccg: str,
    repair: bool,
    *,
    time_limit: float | None = None,
    lock: bool = False,
    least_change: bool = False,
) -> dict[str, Any]:
    """Optimise ``ccg`` as the app's button does; the result, the time and the notice.

    ``lock`` locks the network of the area's first practice (by code) first, as the Kent
    browser test does (``tests/test_browser.py``); ``least_change`` puts least change first
    with its trade-off curve, as the sidebar's *Put first* does on a re-optimisation.
    """
    settings = app_settings()
    if time_limit is not None:
        settings = dataclasses.replace(settings, time_limit=time_limit)
    assert region.current is not None
    plan = region.current
    first = min(p for p in region.ccg_graphs[ccg] if p in plan.assignment)
    locks = [plan.assignment[first]] if lock else []
    if not repair:
        settings = dataclasses.replace(settings, move_weight=0.0)
    elif least_change:
        settings = dataclasses.replace(settings, least_change=True, trade_off=True)
    current = dict(plan.assignment) if (repair or locks) else None
    job = ProposalJob(
        {ccg: region.ccg_graphs[ccg]}, settings, current=current, frozen=locks, processes=1
    )
    while not job.done:
        time.sleep(0.1)
    assert job.proposal is not None, job.error
    result: AreaResult = job.proposal.results[ccg]
    solved = set(region.ccg_graphs[ccg])
    unchanged = all(plan.assignment.get(p) == result.assignment.get(p) for p in solved)
    notice = ""
    try:
        from app.optimiser import run_notice  # this branch's words for the finished run
    except ImportError:  # an older checkout: the words of main before 2026-11-28
        notice = "It found no better plan: the working plan is unchanged." if unchanged else ""
    else:
        # a repair's cost names its moves priced in (since 2026-11-29; older checkouts: none)
        priced = "move_weight" in inspect.signature(run_notice).parameters
        notice = run_notice(
            job.proposal.results,
            job.seconds or 0.0,
            unchanged=unchanged,
            kept=[ccg] if unchanged else [],
            **({"move_weight": settings.move_weight} if priced else {}),
        )
    return {
        "result": result,
        "seconds": job.seconds or 0.0,
        "unchanged": unchanged,
        "notice": notice,
        "load": os.getloadavg()[0],
    }


def row(name: str, mode: str, figures: dict[str, Any]) -> list[str]:
    """One table row."""
    result: AreaResult = figures["result"]
    constructive = result.fallback == "constructive" and not any(
        note in (POLISHED, REPAIRED) for note in result.explanations
    )
    return [
        name,
        mode,
        result.status + (f" ({result.fallback} plan)" if result.fallback else ""),
        "yes" if constructive else "no",
        "—" if result.objective is None else f"{result.objective:,.0f}",
        "—" if result.bound is None else f"{result.bound:,.0f}",
        "—" if result.gap is None else f"{result.gap:.1%}",
        f"{figures['seconds']:.1f}",
        "yes" if figures["unchanged"] else "no",
        f"{figures['load']:.1f}",
    ]


HEADER = [
    "area",
    "mode",
    "status",
    "constructive plan",
    "objective (patient-km)",
    "bound",
    "gap",
    "seconds",
    "plan unchanged",
    "load average",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run each area and mode ``--repeat`` times; print a Markdown table and the notices."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--areas", nargs="+", choices=sorted(AREAS), default=list(AREAS))
    parser.add_argument(
        "--modes", nargs="+", choices=["fresh", "repair"], default=["fresh", "repair"]
    )
    parser.add_argument("--time-limit", type=float, help="instead of the app's default")
    parser.add_argument(
        "--least-change",
        action="store_true",
        help="repair: least change first, with its trade-off curve (the sidebar's Put first)",
    )
    parser.add_argument(
        "--lock", action="store_true", help="lock the first practice's network first"
    )
    args = parser.parse_args(argv)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    limit = args.time_limit or app_settings().time_limit
    locked = ", the first practice's network locked" if args.lock else ""
    print(f"commit {commit}, time limit {limit:g} s{locked}, load {os.getloadavg()}")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    notices: list[str] = []
    for key in args.areas:
        name, ccg, load = AREAS[key]
        with tempfile.TemporaryDirectory() as folder:
            region = load(args.data, Path(folder))
        for mode in args.modes:
            for _ in range(args.repeat):
                figures = run(
                    region,
                    ccg,
                    mode == "repair",
                    time_limit=args.time_limit,
                    lock=args.lock,
                    least_change=args.least_change,
                )
                print("| " + " | ".join(row(name, mode, figures)) + " |", flush=True)
                notices.append(f"- {name}, {mode}: {figures['notice']}")
                result = figures["result"]
                notices.extend(  # which plan it is: CP-SAT's, or the plan it started from
                    f"  - {line}"
                    for line in result.explanations
                    if line.startswith("the plan is") or "CP-SAT found none better" in line
                )
                for priority in result.priorities:
                    notices.append(
                        f"  - priority {priority.name}: {priority.value} (bound {priority.bound})"
                    )
                if result.curve:
                    proved = sum(point.proved for point in result.curve)
                    notices.append(
                        f"  - trade-off curve: {len(result.curve)} points, {proved} proved: "
                        + "; ".join(
                            f"≤ {p.budget_to} moves: {p.moves} moved, {p.hard_networks} hard, "
                            f"{p.out_of_band} out of band"
                            for p in result.curve
                        )
                    )
    print()
    print("\n".join(notices))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
