"""Bounds where listing cannot finish: objective, bound, gap and seconds per area.

Runs ``optimise_area`` (one process) on the CCG graphs of England 2020 (Voronoi,
``load_england``) and, for ``--areas-2021``, of England 2021 on registration geography
(``load_england_2021``), at each ``--time-limit``, and prints one line per run with the
load average beside it (issue #16: exact pricing of connected sets, BENCHMARKS.md). Fresh
by default; ``--repair`` runs repair mode from the real plan (``pcn_code``) instead, as
``bench_england.py``'s second run does.

    .venv/bin/python benchmarks/bench_bounds.py --data ../shared/data --time-limit 15 20
"""

from __future__ import annotations

import argparse
import logging
import os
import time

from bench_england import real_plan
from snapshot import DEFAULT_DATA, load_england, load_england_2021

from footprints.optimiser import OptimiseSettings, optimise_area

AREAS_2020 = ["E38000237", "E38000247", "E38000016", "E38000240"]
AREAS_2021 = ["E38000256"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--time-limit", type=float, nargs="+", default=[15.0, 20.0])
    parser.add_argument("--areas", nargs="*", default=AREAS_2020)
    parser.add_argument("--areas-2021", nargs="*", default=AREAS_2021)
    parser.add_argument("--debug", action="store_true", help="log the pricing rounds")
    parser.add_argument(
        "--repair", action="store_true", help="repair mode from the real plan (pcn_code)"
    )
    args = parser.parse_args()
    if args.debug:
        logging.basicConfig(level=logging.WARNING)
        logging.getLogger("footprints.optimiser.colgen").setLevel(logging.DEBUG)
        logging.getLogger("footprints.optimiser.shaping").setLevel(logging.DEBUG)
    graphs = []
    if args.areas:
        region = load_england(args.data, plan=args.repair)
        current = dict(real_plan(region).assignment) if args.repair else None
        graphs += [(f"{code} (2020)", region.ccg_graphs[code], current) for code in args.areas]
    if args.areas_2021:
        region = load_england_2021(args.data)
        current = dict(real_plan(region).assignment) if args.repair else None
        graphs += [(f"{code} (2021)", region.ccg_graphs[code], current) for code in args.areas_2021]
    print("| area | limit s | status | objective (patient-km) | bound | gap | seconds | load |")
    print("|---|---|---|---|---|---|---|---|")
    for name, graph, current in graphs:
        for limit in args.time_limit:
            started = time.monotonic()
            result = optimise_area(graph, OptimiseSettings(time_limit=limit), current=current)
            seconds = time.monotonic() - started
            objective = "—" if result.objective is None else f"{result.objective:,.0f}"
            bound = "—" if result.bound is None else f"{result.bound:,.0f}"
            gap = "—" if result.gap is None else f"{result.gap:.1%}"
            load = os.getloadavg()[0]
            cells = [name, f"{limit:g}", result.status, objective, bound, gap]
            cells += [f"{seconds:.1f}", f"{load:.1f}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
