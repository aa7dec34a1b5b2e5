"""The adjacency the library will compute from the written files, built by the library itself.

The generator plans its current plan on :func:`footprints.graph.area_graph` and
:func:`footprints.graph.union_graph` run on the round-tripped coordinates, so the loaders
and the validator see the same adjacency the generator used.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from footprints.crs import BNG
from footprints.graph import area_graph, catchments, union_graph
from tools.demo.coords import round_trip, to_bng, to_wgs84
from tools.demo.model import CCGS, RURAL, STP, STRONG_BORDER_M, Region, RetryError

__all__ = ["Graphs", "practices_frame", "region_graphs", "strong"]


@dataclass
class Graphs:
    """The region's adjacency graphs (nodes are practice codes).

    Attributes
    ----------
    stp
        The STP-level graph: what the validator uses for a whole region.
    ccg
        One CCG-level graph per CCG, in :data:`~tools.demo.model.CCGS` order.
    """

    stp: nx.Graph
    ccg: list[nx.Graph]


def practices_frame(region: Region) -> gpd.GeoDataFrame:
    """Return the practices as the loaders will read them: round-tripped sites in BNG."""
    lonlat = to_wgs84(shapely.points([(p.x, p.y) for p in region.practices]))
    return gpd.GeoDataFrame(
        {
            "code": [p.code for p in region.practices],
            "name": [p.name for p in region.practices],
            "list_size": [p.list_size for p in region.practices],
            "ccg": [CCGS[p.ccg][0] for p in region.practices],
            "stp": [STP["STP20CD"]] * len(region.practices),
        },
        geometry=shapely.transform(lonlat, to_bng),
        crs=BNG,
    )


def region_graphs(region: Region) -> Graphs:
    """Adjacency on the round-tripped coordinates, at STP and CCG level.

    Raises
    ------
    RetryError
        When the island is not joined by exactly one flagged link in both graphs, or its
        catchments reach the mainland.
    """
    frame = practices_frame(region)
    ccg_graphs, cells = [], []
    for c, geometry in enumerate(region.ccgs):
        members = frame[frame["ccg"] == CCGS[c][0]].reset_index(drop=True)
        area = round_trip(geometry)
        member_cells = catchments(members, area)
        member_cells["area"] = CCGS[c][0]
        ccg_graphs.append(
            area_graph(members, area, area_code=CCGS[c][0], level="ccg", cells=member_cells)
        )
        cells.append(member_cells)
    # The region graph the validator uses (Region.validation_graph): CCG catchments, linked
    # where they meet across a CCG border.
    stp_graph = union_graph(ccg_graphs, catchments=pd.concat(cells, ignore_index=True))
    # The island must be an island in both graphs: joined by one flagged link, its
    # catchments not reaching the mainland.
    island = {p.code for p in region.practices if p.kind == "island"}
    for graph in (stp_graph, ccg_graphs[RURAL]):
        links = [(a, b) for a, b, kind in graph.edges(data="kind") if kind == "island"]
        if len(links) != 1 or len(island & set(links[0])) != 1:
            raise RetryError
        for a, b, kind in graph.edges(data="kind"):
            if kind == "border" and len(island & {a, b}) == 1:
                raise RetryError
    return Graphs(stp=stp_graph, ccg=ccg_graphs)


def strong(graph: nx.Graph, a: str, b: str) -> bool:
    """Tell whether practices ``a`` and ``b`` are joined by a link a network may rely on.

    Any non-border link (co-located, island), or a shared catchment border of at least
    :data:`~tools.demo.model.STRONG_BORDER_M` metres.
    """
    data = graph.get_edge_data(a, b)
    if data is None:
        return False
    return bool(data["kind"] != "border" or data["border_m"] >= STRONG_BORDER_M)
