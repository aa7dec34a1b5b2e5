"""The plan store with a plan the size of England (issue #18's benchmark).

England's real 2021 plan (``practices_2021.csv``: every practice's ``pcn_code``, about 6,700
practices in 1,250 networks) is made a plan in a new store, then saved again ``--saves``
times, each save moving ``--moves`` practices to another network, as the app's autosave
would after each edit. For each backend — a SQLite file, and the PostgreSQL server named by
``--postgres`` or ``$FOOTPRINTS_TEST_POSTGRES_URL`` (``make test``'s, or any) — it reports
the median and 95th percentile of a save, of reading the newest version, of listing the
versions, of a diff of two versions and of a three-way merge, and the bytes each version
adds to a SQLite file.

Run: ``bash tools/with_postgres.sh .venv/bin/python benchmarks/bench_store.py --data
../shared/data [--saves 60] [--markdown BENCHMARKS.md]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from mdtable import md_table, percentile
from snapshot import DEFAULT_DATA

from footprints.io import read_plan
from footprints.merge import merge_plans
from footprints.plan import Plan
from footprints.store import Store


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


@contextmanager
def _postgres_database(server: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards."""
    url = sa.make_url(server)
    name = f"footprints_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def measure(url: str, plan: Plan, *, saves: int, moves: int, seed: int) -> dict[str, list[float]]:
    """Time the store's calls on ``url`` (seconds per call, by call)."""
    rng = random.Random(seed)
    practices = sorted(plan.assignment)
    networks = sorted(set(plan.assignment.values()))
    times: dict[str, list[float]] = {k: [] for k in ("save", "read", "versions", "diff", "merge")}
    with Store(url) as store:
        handle = store.create("England 2021", plan)
        current = plan
        for number in range(1, saves + 1):
            current = current.moved(rng.sample(practices, moves), rng.choice(networks))
            edited = current
            times["save"].append(
                _timed(lambda e=edited, n=number: handle.save(e, base=n, label="move"))
            )
        for _ in range(20):
            times["read"].append(_timed(handle.version))
            times["versions"].append(_timed(handle.versions))
            a, b = rng.sample(range(1, saves + 2), 2)
            times["diff"].append(_timed(lambda a=a, b=b: handle.diff(a, b)))
        base, mine, theirs = (handle.version(n).plan for n in (1, saves // 2, saves + 1))
        for _ in range(5):
            times["merge"].append(_timed(lambda: merge_plans(base, mine, theirs)))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--moves", type=int, default=5, help="practices moved per save")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", default=os.environ.get("FOOTPRINTS_TEST_POSTGRES_URL"))
    parser.add_argument("--markdown", type=Path, help="append the table to this file")
    args = parser.parse_args(argv)

    plan = read_plan(args.data / "practices" / "practices_2021.csv")
    print(f"plan: {len(plan):,} practices in {len(plan.networks()):,} networks", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Path(folder) / "plans.sqlite"
        backends = [("SQLite file", f"sqlite:///{sqlite}")]
        results = {}
        results["SQLite file"] = measure(
            backends[0][1], plan, saves=args.saves, moves=args.moves, seed=args.seed
        )
        size = sum(p.stat().st_size for p in Path(folder).glob("plans.sqlite*"))
        per_version = size / (args.saves + 1)
        if args.postgres:
            with _postgres_database(args.postgres) as url:
                results["PostgreSQL 15"] = measure(
                    url, plan, saves=args.saves, moves=args.moves, seed=args.seed
                )
    for backend, times in results.items():
        for call, values in times.items():
            rows.append(
                (
                    backend,
                    call,
                    len(values),
                    f"{1000 * statistics.median(values):.1f}",
                    f"{1000 * percentile(values, 95):.1f}",
                )
            )
    header = ("store", "call", "calls", "median ms", "95th pct ms")
    lines = [
        f"England 2021 plan: {len(plan):,} practices in {len(plan.networks()):,} networks; "
        f"{args.saves} saves of {args.moves} moves each; a version adds "
        f"{per_version / 1024:.0f} KiB to the SQLite file (WAL included).",
        "",
        *md_table(header, rows),
    ]
    print("\n".join(lines))
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as stream:
            stream.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
