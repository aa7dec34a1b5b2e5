"""A region: the loaded inputs of one planning exercise, and the graphs built from them.

``load_region`` reads the practices, the planning-area boundaries, the nursing patches and a
current plan, places every practice in its areas (reporting every problem at once), and
builds the catchments and adjacency graphs on first use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx

from footprints.areas import place_practices
from footprints.errors import Problem
from footprints.graph import build_graphs, union_graph
from footprints.io import read_boundaries, read_patches, read_plan, read_practices
from footprints.plan import Plan

__all__ = ["Region", "load_region"]

logger = logging.getLogger(__name__)


@dataclass
class Region:
    """Practices placed in their planning areas, with boundaries, patches and a current plan.

    Graphs are built on first use: ``ccg_graphs`` (the optimiser's planning areas) and
    ``validation_graph`` (those joined across area borders, for whole-region validation).
    """

    practices: gpd.GeoDataFrame
    ccgs: gpd.GeoDataFrame
    stps: gpd.GeoDataFrame | None = None
    patches: gpd.GeoDataFrame | None = None
    current: Plan | None = None
    problems: list[Problem] = field(default_factory=list)
    name: str = "region"

    @cached_property
    def _ccg_level(self) -> tuple[dict[str, nx.Graph], gpd.GeoDataFrame]:
        return build_graphs(self.practices, self.ccgs, level="ccg")

    @property
    def ccg_graphs(self) -> dict[str, nx.Graph]:
        """Adjacency graph of each lower planning area (CCG / sub-ICB location)."""
        return self._ccg_level[0]

    @property
    def catchments(self) -> gpd.GeoDataFrame:
        """Each practice's catchment clipped to its CCG (``code``, ``area``, geometry)."""
        return self._ccg_level[1]

    @cached_property
    def upper_boundaries(self) -> gpd.GeoDataFrame:
        """The STP layer, or the CCGs dissolved by their parent STP when none was given."""
        if self.stps is not None:
            return self.stps
        ccgs = self.ccgs
        if "parent" in ccgs and ccgs["parent"].notna().all():
            upper = ccgs.dissolve(by="parent", as_index=False)[["parent", "geometry"]]
            upper = upper.rename(columns={"parent": "code"})
            upper["name"] = upper["code"]
            upper["ods_code"] = None
            upper["parent"] = None
            return upper[["code", "ods_code", "name", "parent", "geometry"]]
        # No upper level known: each CCG is its own upper area.
        return ccgs

    @cached_property
    def validation_graph(self) -> nx.Graph:
        """The graph whole-region plans are validated on: the union of the CCG graphs.

        Catchments are clipped to their planning area (the CCG), as the optimiser plans on
        them; practices whose catchments meet across a CCG or STP border are linked too, so a
        network crossing one is judged contiguous exactly when its footprint is one piece
        (and is reported as a boundary crossing).
        """
        return union_graph(self.ccg_graphs, catchments=self.catchments)

    def lower_areas(self, upper: str | None = None) -> list[str]:
        """List the lower planning areas (CCG codes) of an upper area, sorted.

        Parameters
        ----------
        upper
            An upper planning area's code (STP / ICB); ``None`` for the whole region.

        Returns
        -------
        list of str
            Every CCG of the region when ``upper`` is ``None``; otherwise the CCGs its
            practices are placed in (none for a code no practice has).
        """
        if upper is None:
            return sorted(str(code) for code in self.ccgs["code"])
        practices = self.practices
        inside = practices.loc[practices["stp"] == upper, "ccg"].dropna().unique()
        return sorted(str(code) for code in inside)

    def practice_codes(self) -> list[str]:
        """Every practice code, in the order of :attr:`practices`."""
        return [str(code) for code in self.practices["code"]]


def load_region(
    practices: str | Path,
    boundaries: str | Path,
    *,
    stp_boundaries: str | Path | None = None,
    patches: str | Path | None = None,
    plan: str | Path | None = None,
    postcodes: str | Path | None = None,
    boundary_code: str | None = None,
    stp_boundary_code: str | None = None,
    patch_code: str | None = None,
    tolerance_m: float = 5_000.0,
) -> Region:
    """Read a region's files, place each practice, and report every problem together.

    Parameters
    ----------
    practices
        Practices CSV (generic format, or a published NHS Digital table the loader reads).
    boundaries
        Lower planning areas (CCG / sub-ICB) in any format pyogrio reads.
    stp_boundaries, patches, plan, postcodes
        Optional STP/ICB layer, nursing patches, current plan and postcode lookup.
    boundary_code, stp_boundary_code, patch_code
        Code columns, when detection is not wanted.
    tolerance_m
        How far outside every polygon a practice may be and still be placed in the nearest.

    Raises
    ------
    InputError
        Listing every problem found in the files.
    """
    practice_table = read_practices(practices, postcodes=postcodes)
    ccgs = read_boundaries(boundaries, code_column=boundary_code, level="ccg")
    stps = (
        read_boundaries(stp_boundaries, code_column=stp_boundary_code, level="stp")
        if stp_boundaries is not None
        else None
    )
    patch_layer = read_patches(patches, code_column=patch_code) if patches is not None else None
    placed, problems = place_practices(
        practice_table, ccgs, stps, patch_layer, tolerance_m=tolerance_m
    )
    current = read_plan(plan) if plan is not None else None
    region = Region(
        practices=placed,
        ccgs=ccgs,
        stps=stps,
        patches=patch_layer,
        current=current,
        problems=problems,
        name=Path(practices).stem,
    )
    logger.info(
        "Loaded %d practices in %d CCGs%s%s",
        len(placed),
        len(ccgs),
        f", {len(patch_layer)} patches" if patch_layer is not None else "",
        f", current plan of {len(set(current.assignment.values()))} networks" if current else "",
    )
    return region
