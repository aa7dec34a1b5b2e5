"""Speed of listing candidate networks in the largest CCGs, up to a cap.

Lists connected sets of practices with 30,000–50,000 patients in two 200-practice CCGs of
England 2020 (:func:`footprints.optimiser.candidates.connected_sets`) until a cap of 1,000,000
sets is passed, and prints the time, best of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_listing.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import time

from snapshot import DEFAULT_DATA, load_england

from footprints.optimiser.candidates import PoolCapError, connected_sets
from footprints.optimiser.problem import practice_arrays  # the optimiser's view of an area
from footprints.plan import Band

AREAS = ("E38000237", "E38000240")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--cap", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    region = load_england(args.data, plan=False)
    band = Band()
    for code in AREAS:
        _, area = practice_arrays(region.ccg_graphs[code])
        nodes = range(len(area.codes))
        population = area.population.tolist()
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            try:
                connected_sets(
                    nodes,
                    area.neighbours,
                    population,
                    low=band.min_population,
                    high=band.max_population,
                    cap=args.cap,
                )
                outcome = "all listed"
            except PoolCapError:
                outcome = f"cap of {args.cap:,} passed"
            times.append(time.perf_counter() - started)
        print(
            f"{code} ({len(nodes)} practices): {outcome} in {min(times):.2f} s "
            f"(best of {args.repeat})"
        )


if __name__ == "__main__":
    main()
