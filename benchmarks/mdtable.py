"""Markdown pieces the reports share: numbers, shares, percentiles and tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["md_table", "number", "percent", "percentile", "write_section"]


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


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the section of ``path`` that starts with the same heading."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    heading = section.splitlines()[0]
    if heading in text:
        before, _, rest = text.partition(heading)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")
