"""Peak memory of proposing and validating all of England in one run.

Loads the 2020 snapshot (6,720 practices, 135 CCGs, 42 STPs, local authority districts as
stand-in nursing patches), proposes networks for every CCG in parallel worker processes,
validates the combined plan, and samples the resident memory of the whole process tree
(this process and its solver workers, read from /proc every 0.2 s), so the peak reported is
the true simultaneous total, not one process's.

    .venv/bin/python benchmarks/bench_memory.py --data ../shared/data --time-limit 15 --processes 2

``--area CODE`` (repeatable) proposes only those CCGs (and validates their plan), to see one
large CCG's own peak, e.g. ``--area E38000240 --processes 1``.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from snapshot import add_england_options, load_england

from footprints.optimiser import OptimiseSettings, propose
from footprints.rules import validate

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm", encoding="ascii") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        pid, parent = int(entry), int(fields[1])
        children.setdefault(parent, []).append(pid)
        rss[pid] = pages * _PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self.stopped.wait(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_england_options(parser, seed=False)
    parser.add_argument("--area", action="append", help="only this CCG (repeatable)")
    args = parser.parse_args()
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    region = load_england(args.data, plan=False)
    graphs = region.ccg_graphs
    if args.area:
        graphs = {code: graphs[code] for code in args.area}
    loaded = time.perf_counter()
    peak_loaded = sampler.peak
    proposal = propose(
        graphs,
        OptimiseSettings(time_limit=args.time_limit),
        processes=args.processes,
    )
    solved = time.perf_counter()
    solved_practices = [p for graph in graphs.values() for p in graph.nodes]
    report = validate(proposal.plan, region.validation_graph.subgraph(solved_practices))
    done = time.perf_counter()
    sampler.stopped.set()
    sampler.join()
    statuses: dict[str, int] = {}
    for result in proposal.results.values():
        statuses[result.status] = statuses.get(result.status, 0) + 1
    gib = 1024**3
    print(
        f"England 2020: {len(region.practices)} practices, {len(graphs)} CCGs; "
        f"{args.processes} worker processes, {args.time_limit:g} s per CCG"
    )
    print(f"statuses: {statuses}")
    largest = max(proposal.results.values(), key=lambda r: r.pool_size)
    print(f"largest candidate pool: {largest.pool_size:,} ({largest.area})")
    print(
        f"plan: {report.summary['networks']} networks, {report.summary['in_band']} in band, "
        f"{len(report.hard)} hard violations"
    )
    print(
        f"time: load + graphs {loaded - started:.1f} s, propose {solved - loaded:.1f} s, "
        f"validate {done - solved:.1f} s, total {done - started:.1f} s"
    )
    print(
        f"peak resident memory of the process tree: after loading {peak_loaded / gib:.2f} GiB, "
        f"whole run {sampler.peak / gib:.2f} GiB (target <= 4 GiB)"
    )


if __name__ == "__main__":
    main()
