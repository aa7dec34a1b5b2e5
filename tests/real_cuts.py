"""Real files cut to a few of their areas, for tests whose point needs some areas, not all.

A command given England's files reads all England and builds every CCG's graph, even with
``--area``: tens of seconds of a test's time that a few areas' own files do not cost.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from pathlib import Path

from footprints.region import load_region


def cut_to_areas(
    practices: Path, boundaries: Path, areas: Collection[str], folder: Path, *, code: str
) -> dict[str, Path]:
    """Write ``areas``' practices and boundaries into ``folder``; return them by role.

    The practices are those the whole files' region places in ``areas`` (as a command given
    the whole files places them), each row as the practices file has it; the boundaries are
    the features whose ``code`` property is one of ``areas``. Keys: ``practices``,
    ``boundaries``.
    """
    placed = load_region(practices, boundaries).practices
    codes = set(placed.loc[placed["ccg"].isin(set(areas)), "code"].astype(str))
    header, *rows = practices.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [row for row in rows if next(csv.reader([row]))[0] in codes]
    assert len(kept) == len(codes), "a practice's row is not one line of the file"
    layer = json.loads(boundaries.read_text(encoding="utf-8"))
    layer["features"] = [f for f in layer["features"] if f["properties"][code] in areas]
    assert len(layer["features"]) == len(set(areas)), "an area is not in the boundaries"
    folder.mkdir(parents=True, exist_ok=True)
    files = {"practices": folder / practices.name, "boundaries": folder / boundaries.name}
    files["practices"].write_text(header + "".join(kept), encoding="utf-8")
    files["boundaries"].write_text(json.dumps(layer), encoding="utf-8")
    return files
