"""What change buys: least-change results and trade-off curves as JSON, tables and charts.

Least-change repair (``OptimiseSettings(least_change=True)``) gives, per planning area, the
fewest moves (:attr:`AreaResult.priorities`), the practices moved and why
(:attr:`AreaResult.moved`) and, with ``trade_off``, the best plan within each number of moves
(:attr:`AreaResult.curve`). This module carries them between the CLI (``footprints propose
--repair --least-change --curve --curve-json FILE``), the submission pack (``footprints
report --curve FILE``) and the app: :class:`AreaChanges`, its JSON (:func:`write_changes`,
:func:`read_changes`), the curve as table rows (:func:`curve_rows`) and as a chart
(:func:`draw_curve`).

JSON (UTF-8): ``{"geography": "voronoi", "areas": [{"area": "E38000237", "priorities":
[{"name": "moves", "value": 23, "bound": 23}], "moved": [{"practice", "patients",
"from_network", "to_network", "reason", "rule", "network", "text"}], "curve":
[{"budget_from", "budget_to", "moves", "patients", "networks", "in_band", "hard_networks",
"out_of_band", "proved", "moved"}]}]}``,
the fields of :class:`~footprints.optimiser.PriorityResult`,
:class:`~footprints.optimiser.Move` and :class:`~footprints.optimiser.CurvePoint`;
``geography`` (``"voronoi"`` or ``"registrations"``, as in the validation JSON's summary) is
the model the moves were planned on, written when known and not needed to read the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from footprints.atomic import write_text
from footprints.errors import InputError, Problem
from footprints.geography import Geography
from footprints.optimiser import AreaResult, CurvePoint, Move, PriorityResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CURVE_HEADER",
    "AreaChanges",
    "PackLine",
    "changes_of",
    "curve_png",
    "curve_rows",
    "curve_table",
    "draw_curve",
    "pack_intro",
    "pack_moves",
    "pack_table",
    "read_changes",
    "write_changes",
]

CURVE_HEADER = ("most moves", "moved", "hard networks", "out of band", "in band", "proved")
"""The columns of :func:`curve_rows`."""

_MAX_BYTES = 64 * 1024**2


@dataclass(frozen=True)
class AreaChanges:
    """One planning area's least-change answer: priorities, moves and trade-off curve."""

    area: str
    priorities: tuple[PriorityResult, ...]
    moved: tuple[Move, ...]
    curve: tuple[CurvePoint, ...]

    @property
    def fewest(self) -> PriorityResult | None:
        """The least-change priority (moves or patients moved), if it was solved."""
        return next((p for p in self.priorities if p.name in ("moves", "patients moved")), None)

    def to_dict(self) -> dict[str, Any]:
        """Return the area as JSON-ready data."""
        return {
            "area": self.area,
            "priorities": [dataclasses.asdict(p) for p in self.priorities],
            "moved": [dataclasses.asdict(m) for m in self.moved],
            "curve": [dataclasses.asdict(c) | {"moved": list(c.moved)} for c in self.curve],
        }


def changes_of(results: Mapping[str, AreaResult]) -> dict[str, AreaChanges]:
    """Each area's least-change answer, for the areas that have one (in area order)."""
    return {
        area: AreaChanges(area, r.priorities, r.moved, r.curve)
        for area, r in sorted(results.items())
        if r.priorities or r.moved or r.curve
    }


def write_changes(
    path: str | os.PathLike[str],
    changes: Mapping[str, AreaChanges],
    *,
    geography: Geography | None = None,
) -> None:
    """Write ``changes`` as JSON (atomically), saying the ``geography`` planned on if given."""
    said: dict[str, Any] = {} if geography is None else {"geography": geography}
    data = said | {"areas": [change.to_dict() for change in changes.values()]}
    write_text(Path(path), json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def read_changes(path: str | os.PathLike[str]) -> dict[str, AreaChanges]:
    """Read the JSON :func:`write_changes` writes.

    Raises
    ------
    InputError
        When the file is missing, too large, not JSON or not of that shape (naming the
        area and the field).
    """
    source = str(path)
    fix = "give the file `footprints propose --curve-json FILE` wrote"
    try:
        size = Path(path).stat().st_size
        if size > _MAX_BYTES:
            raise _bad(source, f"is {size:,} bytes, more than {_MAX_BYTES:,}", fix)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _bad(source, f"cannot be read as JSON ({error})", fix) from None
    if not isinstance(data, dict) or not isinstance(data.get("areas"), list):
        raise _bad(source, 'is not an object with a list "areas"', fix)
    found = {}
    for k, area in enumerate(data["areas"]):
        if not isinstance(area, dict) or not isinstance(area.get("area"), str):
            raise _bad(source, f'areas[{k}] is not an object with an "area" code', fix)
        code = area["area"]
        found[code] = AreaChanges(
            code,
            tuple(
                _build(PriorityResult, item, source, code)
                for item in _list(area, "priorities", source, code)
            ),
            tuple(_build(Move, item, source, code) for item in _list(area, "moved", source, code)),
            tuple(_curve_point(item, source, code) for item in _list(area, "curve", source, code)),
        )
    return found


def _bad(source: str, message: str, fix: str, code: str | None = None) -> InputError:
    return InputError([Problem(source, message, fix, code=code)])


def _list(data: dict[str, Any], key: str, source: str, code: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _bad(source, f'"{key}" is not a list', "give a list (or leave it out)", code)
    return value


def _build(kind: Any, item: Any, source: str, code: str) -> Any:
    names = [f.name for f in dataclasses.fields(kind)]
    if not isinstance(item, dict) or sorted(item) != sorted(names):
        got = ", ".join(sorted(item)) if isinstance(item, dict) else type(item).__name__
        raise _bad(source, f"an entry has {got}", f"give the fields {', '.join(names)}", code)
    return kind(**item)


def _curve_point(item: Any, source: str, code: str) -> CurvePoint:
    point: CurvePoint = _build(CurvePoint, item, source, code)
    moved: Any = point.moved
    if not isinstance(moved, list) or not all(isinstance(c, str) for c in moved):
        raise _bad(source, 'a curve point\'s "moved" is not a list of codes', "give codes", code)
    numbers = [getattr(point, f.name) for f in dataclasses.fields(CurvePoint)][:8]
    if not all(isinstance(v, int) for v in numbers) or not isinstance(point.proved, bool):
        raise _bad(
            source,
            f"a curve point has budgets or counts that are not whole numbers: {numbers}",
            "give whole numbers",
            code,
        )
    return dataclasses.replace(point, moved=tuple(moved))


def curve_rows(change: AreaChanges) -> list[tuple[str, ...]]:
    """Return the curve as rows of :data:`CURVE_HEADER`, fewest moves first."""
    rows: list[tuple[str, ...]] = []
    for point in change.curve:
        budget = (
            f"{point.budget_from:,}"
            if point.budget_from == point.budget_to
            else f"{point.budget_from:,}–{point.budget_to:,}"
        )
        rows.append(
            (
                budget,
                f"{point.moves:,}",
                f"{point.hard_networks:,}",
                f"{point.out_of_band:,}",
                f"{point.in_band:,} of {point.networks:,}",
                "yes" if point.proved else "no",
            )
        )
    return rows


def curve_table(change: AreaChanges, *, unit: str = "practices") -> list[str]:
    """Return the curve as lines of text: a heading, then an aligned table (or none)."""
    if not change.curve:
        return []
    fewest = change.fewest
    said = ""
    if fewest is not None and fewest.value is not None:
        said = f"; fewest {unit} moved {fewest.value:,}" + (
            " (proved)" if fewest.proved else " (not proved)"
        )
    lines = [f"What change buys in {change.area}: the best plan within each budget{said}"]
    return lines + ["  " + text for _, text in pack_table(change, unit=unit)]


def draw_curve(
    figure: Figure,
    rect: tuple[float, float, float, float],
    change: AreaChanges,
    *,
    unit: str = "practices",
) -> None:
    """Draw the curve on ``figure`` in ``rect``: networks against moves, as steps."""
    axes = figure.add_axes(rect)
    moves = [p.budget_from for p in change.curve]
    ends = [p.budget_to for p in change.curve]
    xs = [*moves, ends[-1]] if moves else []
    for label, values, colour in (
        ("hard networks", [p.hard_networks for p in change.curve], "#c0392b"),
        ("out of band", [p.out_of_band for p in change.curve], "#e67e22"),
        ("in band", [p.in_band for p in change.curve], "#27ae60"),
    ):
        if values:
            axes.step(xs, [*values, values[-1]], where="post", label=label, color=colour)
    axes.set_xlabel(f"most {unit} moved")
    axes.set_ylabel("networks")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best", fontsize=7)


# --------------------------------------------------------------------------- the pack's page

PackLine = tuple[str, str]
"""A line of the submission pack: ``(kind, text)``, kinds as :mod:`footprints.report_writers` lays
them out."""


def pack_intro(change: AreaChanges, *, unit: str = "practices") -> list[PackLine]:
    """Say what the page shows: the fewest moves and how the curve reads."""
    lines: list[PackLine] = []
    fewest = change.fewest
    if fewest is not None and fewest.value is not None:
        proof = (
            "proved to be the fewest"
            if fewest.proved
            else "the fewest found"
            + ("" if fewest.bound is None else f"; at least {fewest.bound:,} must move")
        )
        lines.append(
            (
                "text",
                f"Making every network comply (each hard rule, and the band wherever the area "
                f"allows it) moves {fewest.value:,} {unit} ({proof}).",
            )
        )
    if change.curve:
        lines.append(
            (
                "text",
                f"Each row is the best plan when at most that many {unit} may move: its "
                "networks breaking a hard rule (not contiguous, or a practice left on its own), "
                "its networks outside the band where the area allows the band, and its networks "
                "in the band. Practices over the maximum are networks of their own throughout.",
            )
        )
    return lines


def pack_table(change: AreaChanges, *, unit: str = "practices") -> list[PackLine]:
    """Return the curve as a monospaced table (a head line, then rows)."""
    if not change.curve:
        return []
    header = CURVE_HEADER if unit == "practices" else ("most patients", *CURVE_HEADER[1:])
    rows = [header, *curve_rows(change)]
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))

    return [("head", line(header)), *(("row", line(row)) for row in rows[1:])]


def pack_moves(change: AreaChanges) -> list[PackLine]:
    """Return the practices moved and why, one sentence each."""
    if not change.moved:
        return []
    lines: list[PackLine] = [("h2", f"Practices moved ({len(change.moved):,}) and why")]
    return lines + [("text", move.text + ".") for move in change.moved]


def curve_png(change: AreaChanges, *, unit: str = "practices") -> str:
    """Return the curve's chart as a base64 PNG (for the HTML twin)."""
    import base64
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 3.6), dpi=110)
    FigureCanvasAgg(figure)
    draw_curve(figure, (0.1, 0.15, 0.85, 0.8), change, unit=unit)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
