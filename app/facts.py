"""What the page shows about a working plan: its validation, footprints and measures.

Plain library calls, no Streamlit: :func:`compute` is what the page memoises per plan
(:func:`app.data.facts`). This is the app's one use of the validator.
"""

from __future__ import annotations

from typing import TypedDict

import geopandas as gpd
import pandas as pd

from footprints.metrics import PatchAlignment, network_table, patch_alignment
from footprints.metrics import footprints as network_footprints
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.rules import Report, Violation, validate


class Facts(TypedDict):
    """The working plan's facts, computed once per plan, band and region."""

    plan: Plan
    band: Band
    region: Region
    report: Report
    footprints: gpd.GeoDataFrame
    alignment: PatchAlignment
    table: pd.DataFrame
    violation_ids: dict[str, Violation]


def violation_id(violation: Violation) -> str:
    """Name a violation in the page's "Show on the map" choice: rule, networks, practices."""
    networks, practices = ",".join(violation.networks), ",".join(violation.practices[:3])
    return f"{violation.rule}:{networks}:{practices}"


def compute(plan: Plan, band: Band, region: Region) -> Facts:
    """Validate ``plan`` on ``region`` and measure it.

    Parameters
    ----------
    plan
        The working plan.
    band
        The population band of the optimiser settings.
    region
        The region the plan belongs to.

    Returns
    -------
    Facts
        The inputs, the validation report, the network footprints (with populations), the
        patch alignment, the network table, and each violation by :func:`violation_id`
        (the first of any that share one).
    """
    graph = region.validation_graph
    report = validate(plan, graph, band=band)
    shapes = network_footprints(plan, region.catchments)
    if "population" not in shapes.columns:
        sizes = region.practices.set_index("code")["list_size"]
        populations = {n: int(sizes.reindex(p).fillna(0).sum()) for n, p in plan.networks().items()}
        shapes["population"] = shapes["network_id"].map(populations)
    violation_ids: dict[str, Violation] = {}
    for violation in report.violations:
        violation_ids.setdefault(violation_id(violation), violation)
    return Facts(
        plan=plan,
        band=band,
        region=region,
        report=report,
        footprints=shapes,
        alignment=patch_alignment(plan, graph),
        table=network_table(plan, graph, band=band),
        violation_ids=violation_ids,
    )
