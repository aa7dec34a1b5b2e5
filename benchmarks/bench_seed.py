"""Benchmark a larger planning area that solves its CCGs first (``optimise_group``, no start).

``python benchmarks/bench_seed.py --data ../shared/data E54000007 E54000050 …`` plans each
named STP of England 2020 in one process the way ``propose --level upper`` does without a
start plan: each CCG alone in 40% of the time limit (split by practices), then the STP from
their plans joined in the rest. Prints per STP: CCGs, practices, status, cost and bound in
millions of patient-km, gap, the joined CCG plans' cost, seconds and the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import time

from snapshot import add_england_options, load_england

from footprints.optimiser import OptimiseSettings
from footprints.optimiser.seed import optimise_group
from footprints.planning_areas import planning_graphs, planning_groups


def main() -> None:
    """Plan the STPs named on the command line and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    add_england_options(parser)
    parser.add_argument("stps", nargs="+", help="STP codes (E54…)")
    args = parser.parse_args()
    region = load_england(args.data)
    groups = planning_groups(region, "upper")
    unknown = [code for code in args.stps if code not in groups]
    if unknown:
        parser.error(f"no STP {', '.join(unknown)} in England 2020; its STPs: {', '.join(groups)}")
    settings = OptimiseSettings(time_limit=args.time_limit, seed=args.seed, workers=1)
    print("| STP | CCGs | practices | status | cost | bound | gap | CCGs joined | s | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for code in args.stps:
        graph = planning_graphs(region, {code: groups[code]})[code]
        started = time.monotonic()
        result = optimise_group(graph, settings)
        seconds = time.monotonic() - started
        said = next((line for line in result.explanations if "plans joined" in line), "")
        found = re.search(r"; ([\d,]+) patient-km together", said)
        joined = "—" if found is None else f"{int(found[1].replace(',', '')) / 1e6:.2f}"
        print(
            f"| {code} | {len(groups[code])} | {len(graph)} | {result.status} | "
            f"{(result.objective or 0) / 1e6:.2f} | {(result.bound or 0) / 1e6:.2f} | "
            f"{'—' if result.gap is None else f'{result.gap:.1%}'} | "
            f"{joined} | "
            f"{seconds:.1f} | {', '.join(f'{x:.1f}' for x in os.getloadavg())} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
