"""Per-area table of a saved all-England run: time, status, objective, bound and gap.

Issue #16 asks for each area's time, status, gap and bound. ``bench_england.py --save F``
pickles every area's :class:`~footprints.optimiser.AreaResult` of the fresh proposal and of
the repair run; this prints them side by side as a Markdown table, one row per area, the
widest gaps first. Run: ``.venv/bin/python benchmarks/area_table.py england.pkl``.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mdtable import md_table, number

from footprints.optimiser import AreaResult

HEADING = "#### Every area of the saved run"


def gap_of(result: AreaResult | None) -> float | None:
    """Return the certified gap of ``result`` (0 when proved), or ``None`` without a bound."""
    if result is None or result.objective is None or result.bound is None:
        return None
    if result.status == "optimal":
        return 0.0
    if result.objective == 0:
        return None
    return max(0.0, (result.objective - result.bound) / abs(result.objective))


def _cells(result: AreaResult | None) -> list[object]:
    if result is None:
        return ["–"] * 5
    gap = gap_of(result)
    return [
        f"{result.seconds:.1f}",
        result.status + (f" ({result.fallback})" if result.fallback else ""),
        number(result.objective) if result.objective is not None else "–",
        number(result.bound) if result.bound is not None else "no bound",
        "proved" if result.status == "optimal" else ("–" if gap is None else f"{100 * gap:.2f}%"),
    ]


def area_rows(
    fresh: Mapping[str, AreaResult], repair: Mapping[str, AreaResult]
) -> list[list[object]]:
    """Return one row per area: practices, then fresh and repair (s, status, cost, bound, gap).

    Rows are sorted by the fresh gap, widest first (areas without a bound before all), then
    by code.
    """

    def key(area: str) -> tuple[float, str]:
        gap = gap_of(fresh.get(area))
        return (-(gap if gap is not None else float("inf")), area)

    rows: list[list[object]] = []
    for area in sorted(set(fresh) | set(repair), key=key):
        either = fresh.get(area) or repair[area]
        rows.append(
            [area, len(either.assignment), *_cells(fresh.get(area)), *_cells(repair.get(area))]
        )
    return rows


def render(saved: Mapping[str, object], source: str) -> str:
    """Return the Markdown section for a ``bench_england.py --save`` pickle."""
    fresh = saved.get("fresh", {})
    repair = saved.get("repair", {})
    assert isinstance(fresh, dict) and isinstance(repair, dict)
    header = [
        "area",
        "practices",
        "fresh s",
        "fresh status",
        "fresh cost",
        "fresh bound",
        "fresh gap",
        "repair s",
        "repair status",
        "repair cost",
        "repair bound",
        "repair gap",
    ]
    lines = [
        HEADING,
        "",
        f"From `{source}` (`benchmarks/area_table.py`); costs and bounds in patient-km, "
        "widest fresh gap first.",
        "",
        *md_table(header, area_rows(fresh, repair)),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-area table of a saved run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("saved", type=Path, help="a pickle from bench_england.py --save")
    args = parser.parse_args(argv)
    try:
        with args.saved.open("rb") as handle:
            saved = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError) as error:
        print(
            f"{args.saved}: cannot read a saved run ({error}); make one with "
            "bench_england.py --save FILE",
            file=sys.stderr,
        )
        return 2
    if not isinstance(saved, dict) or "fresh" not in saved:
        print(
            f"{args.saved}: not a bench_england.py --save pickle (no 'fresh' results)",
            file=sys.stderr,
        )
        return 2
    print(render(saved, args.saved.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
