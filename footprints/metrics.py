"""Measures of a plan: populations, compactness, patch alignment and network footprints.

Graph-based measures read the adjacency graph's node attributes (``list_size``, ``x``, ``y``
in EPSG:27700 metres, ``ccg``, ``stp``, ``patch``; see ``docs/ARCHITECTURE.md``). As in the
validator, only practices that are nodes of the graph count: plan codes the graph does not
know, and practices in no network, are left out.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from footprints.crs import BNG
from footprints.optimiser import costs
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.problem import home_arrays
from footprints.plan import Band, Plan

__all__ = [
    "PatchAlignment",
    "compactness",
    "footprints",
    "network_table",
    "patch_alignment",
    "patch_network_table",
    "polsby_popper",
]

logger = logging.getLogger(__name__)

_DEFAULT_BAND = Band()  # frozen, so safe to share as a default

_TABLE_COLUMNS = [
    "network_id",
    "network_name",
    "population",
    "practice_count",
    "gap",
    "deviation",
    "in_band",
    "ccgs",
    "stps",
    "patches",
    "straddling_population",
    "compactness_km",
]


def _members(plan: Plan, graph: nx.Graph) -> dict[str, list[str]]:
    """Network → its practices that are nodes of ``graph`` (sorted), networks sorted."""
    members: dict[str, list[str]] = {}
    for practice, network in plan.assignment.items():
        network_id = _code(network)
        if network_id is not None and practice in graph:
            members.setdefault(network_id, []).append(practice)
    return {n: sorted(members[n]) for n in sorted(members)}


def _code(value: object) -> str | None:
    if value is None or value != value:  # None or NaN
        return None
    text = str(value).strip()
    return text or None


def _list_size(graph: nx.Graph, practice: str) -> int:
    return int(graph.nodes[practice].get("list_size", 0) or 0)


def _area_populations(graph: nx.Graph, practices: Iterable[str], key: str) -> dict[str, int]:
    populations: dict[str, int] = {}
    for practice in practices:
        area = _code(graph.nodes[practice].get(key))
        if area is not None:
            populations[area] = populations.get(area, 0) + _list_size(graph, practice)
    return populations


def _largest(populations: Mapping[str, int]) -> str:
    """Return the area with the most patients; ties go to the smallest code."""
    return min(populations, key=lambda area: (-populations[area], area))


def _compactness_km(graph: nx.Graph, members: Mapping[str, list[str]]) -> dict[str, float]:
    """Compute each network's compactness in km, by the optimiser's definition of the term.

    :func:`footprints.optimiser.costs.compactness` gives the population-weighted sum of
    distances to the weighted centre (Voronoi), or the population times the RMS distance of
    the patients' homes from their centre (registration geography); divided by the
    population, it is the distance. A network with no patients weights its practices equally.
    """
    practices = [p for network in members.values() for p in network]
    offsets = np.cumsum([0] + [len(network) for network in members.values()])
    sets = CandidateSets(np.arange(len(practices), dtype=np.int32), offsets.astype(np.int64))
    weights = np.array([_list_size(graph, p) for p in practices], np.int64)
    empty = costs.set_populations(sets, weights) == 0
    weights[np.repeat(empty, sets.sizes)] = 1  # no patients to weight by: count each the same
    xs = np.array([float(graph.nodes[p]["x"]) for p in practices], np.float64)
    ys = np.array([float(graph.nodes[p]["y"]) for p in practices], np.float64)
    homes = home_arrays(graph, practices)  # None under the Voronoi model
    unit = 1000.0 if homes is None else 1.0  # sites are in metres, home moments in km
    distance = costs.compactness(sets, population=weights, x=xs, y=ys, homes=homes)
    km = distance / costs.set_populations(sets, weights) / unit
    return dict(zip(members, km.tolist(), strict=True))


def compactness(plan: Plan, graph: nx.Graph) -> dict[str, float]:
    """Measure how far each network reaches, in km, on the graph's geography.

    Under the Voronoi model: the population-weighted mean distance from each practice to its
    network's centre, the population-weighted mean of the practices' ``x``, ``y`` (metres);
    a network whose practices have no patients is weighted equally. Under registration
    geography (``graph.graph["geography"] == "registrations"``): the root-mean-square
    distance of the network's patients' homes from their patient-weighted centre (from the
    nodes' ``home_*`` attributes).

    Returns
    -------
    dict
        Network id → kilometres, networks in sorted order; under the Voronoi model 0 for a
        single practice.
    """
    return _compactness_km(graph, _members(plan, graph))


@dataclass(frozen=True)
class PatchAlignment:
    """How a plan's networks line up with community nursing patches.

    Parameters
    ----------
    network_patches
        Network → patch → population of its practices in that patch (largest first).
    straddling_population
        Network → population of its practices outside its largest patch (0 if it does not
        straddle).
    patch_networks
        Patch → the networks it works into (sorted): the MDTs its team must join.
    straddling_networks
        The networks drawing from more than one patch.
    total_straddling_population
        Σ of ``straddling_population``.
    extra_memberships
        Σ over patches of (networks it works into − 1).
    """

    network_patches: Mapping[str, Mapping[str, int]]
    straddling_population: Mapping[str, int]
    patch_networks: Mapping[str, tuple[str, ...]]
    straddling_networks: tuple[str, ...]
    total_straddling_population: int
    extra_memberships: int


def patch_alignment(plan: Plan, graph: nx.Graph) -> PatchAlignment:
    """Patches per network, networks per patch, and the design's straddling totals.

    Practices with no ``patch`` are ignored.
    """
    network_patches: dict[str, dict[str, int]] = {}
    straddling: dict[str, int] = {}
    patch_networks: dict[str, set[str]] = {}
    for network, practices in _members(plan, graph).items():
        populations = _area_populations(graph, practices, "patch")
        ranked = sorted(populations.items(), key=lambda item: (-item[1], item[0]))
        network_patches[network] = dict(ranked)
        straddling[network] = sum(population for _, population in ranked[1:])
        for patch in populations:
            patch_networks.setdefault(patch, set()).add(network)
    straddlers = tuple(n for n, patches in network_patches.items() if len(patches) > 1)
    return PatchAlignment(
        network_patches=network_patches,
        straddling_population=straddling,
        patch_networks={p: tuple(sorted(patch_networks[p])) for p in sorted(patch_networks)},
        straddling_networks=straddlers,
        total_straddling_population=sum(straddling.values()),
        extra_memberships=sum(len(networks) - 1 for networks in patch_networks.values()),
    )


def patch_network_table(
    plan: Plan, graph: nx.Graph, *, measure: Literal["patients", "practices"] = "patients"
) -> pd.DataFrame:
    """Cross a plan's networks with nursing patches: who each patch's team works with.

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        The adjacency graph the plan lives on (node attributes ``patch``, ``list_size``).
    measure
        What each cell counts: the ``"patients"`` (list sizes) or the ``"practices"`` of a
        network that lie in a patch.

    Returns
    -------
    pandas.DataFrame
        One row per patch (index ``patch``, sorted): first ``networks worked into`` (how
        many networks have a non-zero count in the patch), then one ``int64`` column per
        network (columns named ``network``, sorted by id), 0 where a network has none of
        the patch's practices. Practices with no patch are left out; no rows when none has
        one.

    Raises
    ------
    ValueError
        For a ``measure`` other than the two above.
    """
    if measure not in ("patients", "practices"):
        raise ValueError(f"measure must be 'patients' or 'practices', not {measure!r}")
    counts: dict[tuple[str, str], int] = {}
    for network, practices in _members(plan, graph).items():
        for practice in practices:
            patch = _code(graph.nodes[practice].get("patch"))
            if patch is not None:
                value = _list_size(graph, practice) if measure == "patients" else 1
                counts[patch, network] = counts.get((patch, network), 0) + value
    table = pd.DataFrame(
        0,
        index=pd.Index(sorted({patch for patch, _ in counts}), name="patch"),
        columns=pd.Index(sorted({network for _, network in counts}), name="network"),
        dtype="int64",
    )
    for (patch, network), value in counts.items():
        table.loc[patch, network] = value
    table.insert(0, "networks worked into", (table > 0).sum(axis=1))
    return table


def polsby_popper(geometry: BaseGeometry) -> float:
    """Polsby–Popper compactness ``4πA / P²``: 1 for a circle, π/4 for a square.

    Returns NaN for an empty geometry or one with no perimeter.
    """
    if geometry is None or geometry.is_empty:
        return math.nan
    perimeter = float(geometry.length)
    if perimeter == 0.0:
        return math.nan
    return 4.0 * math.pi * float(geometry.area) / perimeter**2


def footprints(
    plan: Plan,
    catchments: gpd.GeoDataFrame,
    *,
    networks: Iterable[str] | None = None,
    method: Literal["union", "coverage"] = "union",
) -> gpd.GeoDataFrame:
    """Each network's footprint: the union of its members' catchments, dissolved.

    Parameters
    ----------
    plan
        Practice code → network id.
    catchments
        One row per practice: ``code`` and ``geometry`` (EPSG:27700; other CRSs are
        reprojected), optionally ``list_size``. Practices sharing a site may share a cell.
    networks
        Only these networks (e.g. the two a move changed); default every network.
    method
        ``"union"`` (robust, default) or ``"coverage"`` (faster ``coverage_union_all``, for
        cells known to form an exact coverage without duplicates).

    Returns
    -------
    geopandas.GeoDataFrame
        ``network_id``, ``network_name``, ``practice_count``, ``population`` (when
        ``catchments`` has ``list_size``) and ``geometry``, EPSG:27700, one row per network
        with at least one catchment, sorted by ``network_id``.
    """
    if catchments.crs is not None and catchments.crs != BNG:
        catchments = catchments.to_crs(BNG)
    geometry_of = dict(zip(catchments["code"].astype(str), catchments.geometry, strict=True))
    size_of = (
        dict(zip(catchments["code"].astype(str), catchments["list_size"], strict=True))
        if "list_size" in catchments.columns
        else None
    )
    wanted = None if networks is None else set(networks)
    members: dict[str, list[str]] = {}
    for practice, network in plan.assignment.items():
        network_id = _code(network)
        if network_id is None or (wanted is not None and network_id not in wanted):
            continue
        if practice in geometry_of:
            members.setdefault(network_id, []).append(practice)
    rows = []
    for network in sorted(members):
        practices = members[network]
        cells = [geometry_of[p] for p in practices]
        if method == "coverage":  # co-located practices share a cell: count it once
            merged = shapely.coverage_union_all(list({g.wkb: g for g in cells}.values()))
        else:
            merged = shapely.union_all(cells)
        row: dict[str, object] = {
            "network_id": network,
            "network_name": plan.network_name(network),
            "practice_count": len(practices),
        }
        if size_of is not None:
            row["population"] = int(sum(int(size_of[p]) for p in practices))
        row["geometry"] = merged
        rows.append(row)
    columns = ["network_id", "network_name", "practice_count"]
    columns += ["population"] if size_of is not None else []
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=[*columns, "geometry"]), geometry="geometry", crs=BNG
    )
    logger.info("built footprints of %d networks", len(frame))
    return frame


def network_table(
    plan: Plan,
    graph: nx.Graph,
    *,
    band: Band = _DEFAULT_BAND,
    footprints: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per network: its size, band position, areas, patches and compactness.

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        The adjacency graph the plan lives on.
    band
        The population band.
    footprints
        The output of :func:`footprints`; adds a ``polsby_popper`` column.

    Returns
    -------
    pandas.DataFrame
        ``network_id``, ``network_name``, ``population``, ``practice_count``, ``gap``
        (negative below the band, positive above, 0 in it), ``deviation`` (population minus
        the band's midpoint), ``in_band``, ``ccgs``, ``stps``, ``patches`` (codes, largest
        population first, joined by ", "), ``straddling_population``, ``compactness_km``
        and, with ``footprints``, ``polsby_popper``. Sorted by ``network_id``.
    """
    midpoint = (band.min_population + band.max_population) / 2
    members = _members(plan, graph)
    compactness_km = _compactness_km(graph, members)
    rows = []
    for network, practices in members.items():
        population = sum(_list_size(graph, p) for p in practices)
        areas = {key: _area_populations(graph, practices, key) for key in ("ccg", "stp", "patch")}
        patches = areas["patch"]
        rows.append(
            {
                "network_id": network,
                "network_name": plan.network_name(network),
                "population": population,
                "practice_count": len(practices),
                "gap": band.gap(population),
                "deviation": population - midpoint,
                "in_band": band.contains(population),
                "ccgs": _joined(areas["ccg"]),
                "stps": _joined(areas["stp"]),
                "patches": _joined(patches),
                "straddling_population": (
                    sum(patches.values()) - patches[_largest(patches)] if patches else 0
                ),
                "compactness_km": compactness_km[network],
            }
        )
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)
    table = table.astype(
        {
            "population": "int64",
            "practice_count": "int64",
            "gap": "int64",
            "deviation": "float64",
            "in_band": "bool",
            "straddling_population": "int64",
            "compactness_km": "float64",
        }
    )
    if footprints is not None:
        score = {
            str(n): polsby_popper(g)
            for n, g in zip(footprints["network_id"], footprints.geometry, strict=True)
        }
        table["polsby_popper"] = [score.get(n, math.nan) for n in table["network_id"]]
        table["polsby_popper"] = table["polsby_popper"].astype("float64")
    return table


def _joined(populations: Mapping[str, int]) -> str:
    ranked = sorted(populations.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(area for area, _ in ranked)
