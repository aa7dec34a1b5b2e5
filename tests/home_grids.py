"""Hand-made graphs on registration geography: a row of 1 km LSOA squares and their homes.

``L<col><row>`` is the square ``[1000·col, 1000·(col+1)] × [1000·row, 1000·(row+1)]``
(BNG metres); squares that touch, even at a corner, are neighbours. A graph built here
carries what a region's validation graph carries under registration geography:
``geography``, ``homes`` and ``patch_residents``, and per node ``home_patches``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import networkx as nx
import pandas as pd
import shapely

from footprints.crs import BNG
from footprints.registration import Homes, Lsoas, home_attributes, patch_residents

SIZE_M = 1_000.0


def square(col: int, row: int = 0) -> shapely.Polygon:
    """The LSOA square ``L<col><row>``."""
    x, y = col * SIZE_M, row * SIZE_M
    return shapely.box(x, y, x + SIZE_M, y + SIZE_M)


def grid_lsoas(columns: int, rows: int = 1) -> Lsoas:
    """A ``columns`` × ``rows`` grid of square LSOAs, with their polygons."""
    codes = [f"L{c}{r}" for c in range(columns) for r in range(rows)]
    polygons = [square(c, r) for c in range(columns) for r in range(rows)]
    return Lsoas.from_polygons(gpd.GeoDataFrame({"code": codes}, geometry=polygons, crs=BNG))


def home_graph(
    homes_of: Mapping[str, Mapping[str, int]],
    *,
    columns: int,
    rows: int = 1,
    list_size: Mapping[str, int] | None = None,
    patch_of_lsoa: Mapping[str, str] | None = None,
    edges: Sequence[tuple[str, str]] = (),
    with_homes: bool = True,
) -> nx.Graph:
    """A graph on registration geography whose practices' patients live as ``homes_of`` says.

    Parameters
    ----------
    homes_of
        Practice → LSOA code → patients.
    columns, rows
        The LSOA grid.
    list_size
        Practice → list size (default: its patients).
    patch_of_lsoa
        LSOA → nursing patch (LSOAs not named are in no patch).
    edges
        Practice adjacency (default: every pair, so contiguity holds).
    with_homes
        Put ``homes`` on the graph (a region's validation graph has them; area graphs not).
    """
    lsoas = grid_lsoas(columns, rows)
    rows_ = [(p, lsoa, n) for p, counts in homes_of.items() for lsoa, n in counts.items()]
    homes = Homes.from_counts(
        lsoas,
        pd.DataFrame(rows_, columns=["practice", "lsoa", "patients"]),
        practices=list(homes_of),
    )
    labels = [(patch_of_lsoa or {}).get(str(code)) for code in lsoas.codes]
    attributes = home_attributes(homes, labels)
    graph = nx.Graph(geography="registrations", patch_residents=patch_residents(homes, labels))
    if with_homes:
        graph.graph["homes"] = homes
    for practice in homes_of:
        size = (list_size or {}).get(practice, sum(homes_of[practice].values()))
        data = attributes.loc[practice].to_dict()
        site = {"x": data["home_x"], "y": data["home_y"]}  # the surgery among its patients
        graph.add_node(
            practice, list_size=size, ccg="C1", stp="S1", patch=None, name=practice, **site, **data
        )
    codes = list(homes_of)
    pairs = edges or [(a, b) for i, a in enumerate(codes) for b in codes[i + 1 :]]
    graph.add_edges_from(pairs, kind="homes", border_m=0.0)
    return graph
