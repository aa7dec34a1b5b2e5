"""Markdown pieces the reports share: numbers, shares, percentiles and tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["md_table", "number", "percent", "percentile"]


def number(value: float) -> str:
    """Return ``value`` rounded, with thousands separators: ``"12,345"``."""
    return f"{value:,.0f}"


def percent(part: float, whole: float) -> str:
    """Return ``part`` as a share of ``whole``: ``"12.3%"`` (``"–"`` when ``whole`` is 0)."""
    return f"{100 * part / whole:.1f}%" if whole else "–"


def percentile(values: Iterable[float], q: float) -> float:
    """Return the ``q``-th percentile of ``values`` (linear interpolation)."""
    return float(np.percentile(np.asarray(list(values), dtype=float), q))


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Return the lines of a Markdown table (``|`` in a cell escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(cell).replace("|", "\\|") for cell in row]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
