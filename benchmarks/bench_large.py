"""The largest CCGs within the app's time limit: status, objective, bound, gap and seconds.

Re-optimises Kent and Medway (E38000237, 206 practices, England 2020 by CCG, Voronoi, as
the app's demo of a large area) and NHS North West London (E38000256, 352 practices,
England 2021 on registration geography) fresh, in one process, with the app's default time
limit (``app/state.py``: 20 s), ``--repeat`` times each, and prints one line per run with
the load average beside it.

    .venv/bin/python benchmarks/bench_large.py --data ../shared/data [--time-limit 20]
"""

from __future__ import annotations

import argparse
import os
import time

from snapshot import DEFAULT_DATA, load_england, load_england_2021

from footprints.optimiser import OptimiseSettings, optimise_area

KENT = "E38000237"
NORTH_WEST_LONDON = "E38000256"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    graphs = [
        (f"{KENT} (2020, Voronoi)", load_england(args.data, plan=False).ccg_graphs[KENT]),
        (
            f"{NORTH_WEST_LONDON} (2021, registrations)",
            load_england_2021(args.data).ccg_graphs[NORTH_WEST_LONDON],
        ),
    ]
    print("| area | status | objective (patient-km) | bound | gap | seconds | load average |")
    print("|---|---|---|---|---|---|---|")
    for name, graph in graphs:
        for _ in range(args.repeat):
            started = time.monotonic()
            result = optimise_area(graph, OptimiseSettings(time_limit=args.time_limit))
            seconds = time.monotonic() - started
            status = result.status + (f" ({result.fallback} plan)" if result.fallback else "")
            objective = "—" if result.objective is None else f"{result.objective:,.1f}"
            bound = "—" if result.bound is None else f"{result.bound:,.1f}"
            gap = "—" if result.gap is None else f"{result.gap:.1%}"
            load = os.getloadavg()[0]
            cells = [name, status, objective, bound, gap, f"{seconds:.1f}", f"{load:.1f}"]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
