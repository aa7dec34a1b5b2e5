"""What the page shows about a working plan: its validation, footprints and measures.

Plain library calls, no Streamlit: :func:`compute` is what the page memoises per plan
(:func:`app.data.facts`). This is the app's one use of the validator.

Under registration geography the footprints are the networks' territories, drawn for the
map: each territory part simplified by :data:`MAP_SIMPLIFY_M` and the parts lying wholly
outside the region's planning areas left out (the networks of a one-CCG region hold LSOAs
wherever a few of their patients live, all over England), so the map of one CCG stays near
1 MB. Exports and the pack draw the exact territories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

import geopandas as gpd
import pandas as pd

from footprints.metrics import PatchAlignment, network_table, patch_alignment, territories
from footprints.metrics import footprints as network_footprints
from footprints.plan import Band, Plan
from footprints.planning_areas import planning_area_of
from footprints.region import Region
from footprints.registration import Territories
from footprints.rules import Report, Violation, validate

MAP_SIMPLIFY_M = 30.0
"""Tolerance (metres) territory parts are simplified by on the map (a pixel is about 30 m at
the zoom of a CCG)."""


class Facts(TypedDict):
    """The working plan's facts, computed once per plan, band and region."""

    plan: Plan
    band: Band
    region: Region
    groups: Mapping[str, Sequence[str]] | None
    report: Report
    footprints: gpd.GeoDataFrame
    alignment: PatchAlignment
    table: pd.DataFrame
    violation_ids: dict[str, Violation]
    territories: Territories | None


def violation_id(violation: Violation) -> str:
    """Name a violation in the page's "Show on the map" choice: rule, networks, practices."""
    networks, practices = ",".join(violation.networks), ",".join(violation.practices[:3])
    return f"{violation.rule}:{networks}:{practices}"


def map_footprints(
    plan: Plan, region: Region, found: Territories | None = None
) -> gpd.GeoDataFrame:
    """Draw a plan's network footprints for the map, each with its population.

    Under registration geography they are the plan's territories (``found``, computed when
    not given), simplified by :data:`MAP_SIMPLIFY_M` within the region's box.
    """
    graph = region.validation_graph
    if found is None:
        found = territories(plan, graph)
    minx, miny, maxx, maxy = (float(v) for v in region.ccgs.total_bounds)
    shapes = network_footprints(
        plan,
        region.catchments,
        graph=graph,
        precomputed=found,
        simplify_m=MAP_SIMPLIFY_M,
        within=(minx, miny, maxx, maxy),
    )
    if "population" not in shapes.columns:
        sizes = region.practices.set_index("code")["list_size"]
        populations = {n: int(sizes.reindex(p).fillna(0).sum()) for n, p in plan.networks().items()}
        shapes["population"] = shapes["network_id"].map(populations)
    return shapes


def compute(
    plan: Plan, band: Band, region: Region, groups: Mapping[str, Sequence[str]] | None = None
) -> Facts:
    """Validate ``plan`` on ``region`` and measure it.

    Parameters
    ----------
    plan
        The working plan.
    band
        The population band of the optimiser settings.
    region
        The region the plan belongs to.
    groups
        The planning areas larger than a CCG (area → its CCGs), or ``None`` for each CCG on
        its own: a network crossing a CCG border inside one of them is then a waivable
        finding, not hard.

    Returns
    -------
    Facts
        The inputs, the validation report, the network footprints (with populations; under
        registration geography the territories as the map draws them), the patch
        alignment, the network table, each violation by :func:`violation_id` (the first of
        any that share one), and the plan's territories (``None`` on the Voronoi model).
    """
    graph = region.validation_graph
    areas = planning_area_of(groups) if groups else None
    found = territories(plan, graph)  # once: the territory rule and the measures share them
    report = validate(plan, graph, band=band, planning_areas=areas, territories=found)
    shapes = map_footprints(plan, region, found)
    violation_ids: dict[str, Violation] = {}
    for violation in report.violations:
        violation_ids.setdefault(violation_id(violation), violation)
    return Facts(
        plan=plan,
        band=band,
        region=region,
        groups=groups,
        report=report,
        footprints=shapes,
        alignment=patch_alignment(plan, graph),
        table=network_table(plan, graph, band=band, precomputed=found),
        violation_ids=violation_ids,
        territories=found,
    )
