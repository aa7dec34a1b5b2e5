"""Measures of a plan: populations, compactness, patch alignment and network footprints.

Graph-based measures read the adjacency graph's node attributes (``list_size``, ``x``, ``y``
in EPSG:27700 metres, ``ccg``, ``stp``, ``patch``; see ``docs/ARCHITECTURE.md``). As in the
validator, only practices that are nodes of the graph count: plan codes the graph does not
know, and practices in no network, are left out.

Each measure follows the graph's geography (``graph.graph["geography"]``, ``"voronoi"`` when
absent; DESIGN.md). Under the Voronoi model a practice stands for its surgery's site and
patch. Under registration geography patches count patients' homes (node attribute
``home_patches``, graph attribute ``patch_residents``), and a region's validation graph
carries the ``homes`` from which :func:`territories`, :func:`containment` and the territory
footprints come.
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
from footprints.dissolve import Bounds, territory_footprints
from footprints.geography import TERRITORY_TOLERANCE, geography_of, working_patches
from footprints.optimiser import costs
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.problem import home_arrays
from footprints.plan import Band, Plan
from footprints.registration import Homes, Territories

__all__ = [
    "Containment",
    "PatchAlignment",
    "PracticeHomes",
    "compactness",
    "containment",
    "footprints",
    "network_table",
    "patch_alignment",
    "patch_network_table",
    "polsby_popper",
    "practice_homes",
    "territories",
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


def _home_patches(graph: nx.Graph, practices: Iterable[str]) -> dict[str, int]:
    """Patch → the patients of ``practices`` living in it (registration geography)."""
    totals: dict[str, int] = {}
    for practice in practices:
        for patch, n in (graph.nodes[practice].get("home_patches") or {}).items():
            totals[str(patch)] = totals.get(str(patch), 0) + int(n)
    return totals


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

    Under the Voronoi model a practice lies in its surgery's patch; under registration
    geography patients' homes count, and a patch works into a network when the network's
    patients living in it are at least 5% of the patch's registered residents
    (:data:`footprints.geography.PATCH_SHARE`).

    Parameters
    ----------
    network_patches
        Network → patch → its patients in that patch (largest first): under the Voronoi
        model the population of its practices in each patch; under registration geography
        its patients living in each patch that works into it.
    straddling_population
        Network → its patients outside its main patch (Voronoi: the list sizes of its
        practices outside its largest patch, 0 if it does not straddle; registrations: its
        patients living in any patch but the one where most of them live, which may be
        above 0 for a network no second patch works into).
    patch_networks
        Patch → the networks it works into (sorted): the MDTs its team must join.
    straddling_networks
        The networks more than one patch works into.
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

    Under the Voronoi model each practice counts its list size in its ``patch`` (practices
    with none are ignored) and every patch with a member works into the network. Under
    registration geography patients' homes count (``home_patches`` summed over members;
    homes in no patch are ignored): a patch works into a network when the network's
    patients living there are at least 5% of ``graph.graph["patch_residents"][patch]``, and
    the straddling population is the patients living outside the main patch.
    """
    network_patches: dict[str, dict[str, int]] = {}
    straddling: dict[str, int] = {}
    patch_networks: dict[str, set[str]] = {}
    on_homes = geography_of(graph.graph) == "registrations"
    residents = graph.graph.get("patch_residents") or {}
    for network, practices in _members(plan, graph).items():
        if on_homes:
            homes = _home_patches(graph, practices)
            working = working_patches(homes, residents)
            network_patches[network] = working
            straddling[network] = sum(homes.values()) - max(homes.values(), default=0)
            for patch in working:
                patch_networks.setdefault(patch, set()).add(network)
            continue
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

    Under the Voronoi model a practice lies in its surgery's ``patch``. Under registration
    geography the cells count patients' homes (``home_patches``): the ``"patients"`` of a
    network living in each patch, or its ``"practices"`` most of whose patients live there;
    and a patch works into a network when the network's patients living there are at least
    5% of ``graph.graph["patch_residents"][patch]``.

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        The adjacency graph the plan lives on (node attributes ``patch``, ``list_size``;
        under registration geography ``home_patches``).
    measure
        What each cell counts: the ``"patients"`` (list sizes; under registration geography
        patients' homes) or the ``"practices"`` of a network that lie in a patch (under
        registration geography: whose patients mostly live there).

    Returns
    -------
    pandas.DataFrame
        One row per patch (index ``patch``, sorted): first ``networks worked into`` (how
        many networks have a non-zero count in the patch; under registration geography how
        many it works into by the 5% rule), then one ``int64`` column per network (columns
        named ``network``, sorted by id), 0 where a network has none of the patch's
        practices (patients). Practices (homes) with no patch are left out; no rows when
        none has one.

    Raises
    ------
    ValueError
        For a ``measure`` other than the two above.
    """
    if measure not in ("patients", "practices"):
        raise ValueError(f"measure must be 'patients' or 'practices', not {measure!r}")
    if geography_of(graph.graph) == "registrations":
        return _home_patch_network_table(plan, graph, measure)
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


def _home_patch_network_table(
    plan: Plan, graph: nx.Graph, measure: Literal["patients", "practices"]
) -> pd.DataFrame:
    """:func:`patch_network_table` under registration geography (patients' homes)."""
    counts: dict[tuple[str, str], int] = {}
    worked: dict[str, int] = {}
    residents = graph.graph.get("patch_residents") or {}
    for network, practices in _members(plan, graph).items():
        homes = _home_patches(graph, practices)
        for patch in working_patches(homes, residents):
            worked[patch] = worked.get(patch, 0) + 1
        if measure == "patients":
            for patch, n in homes.items():
                if n:
                    counts[patch, network] = n
            continue
        for practice in practices:
            own = graph.nodes[practice].get("home_patches") or {}
            if own:
                patch = _largest({str(k): int(v) for k, v in own.items()})
                counts[patch, network] = counts.get((patch, network), 0) + 1
    table = pd.DataFrame(
        0,
        index=pd.Index(sorted({patch for patch, _ in counts}), name="patch"),
        columns=pd.Index(sorted({network for _, network in counts}), name="network"),
        dtype="int64",
    )
    if counts:  # one pivot: a national table has tens of thousands of cells
        cells = pd.Series(
            list(counts.values()),
            index=pd.MultiIndex.from_tuples(list(counts), names=["patch", "network"]),
            dtype="int64",
        )
        wide = cells.unstack("network", fill_value=0)
        table = wide.reindex(index=table.index, columns=table.columns, fill_value=0)
        table = table.astype("int64")
    networks_worked = [worked.get(str(patch), 0) for patch in table.index]
    table.insert(0, "networks worked into", pd.Series(networks_worked, index=table.index))
    return table.astype({"networks worked into": "int64"})


def territories(plan: Plan, graph: nx.Graph) -> Territories | None:
    """Return the territories of the plan's networks, as the territory rule sees them.

    Under registration geography, on a graph carrying ``homes`` (a region's validation
    graph): :meth:`footprints.registration.Homes.territories` of the plan's practices that
    are nodes of the graph, ties broken by network population (Σ ``list_size``). Under the
    Voronoi model, or on a graph without ``homes`` (an area graph): ``None``.
    """
    homes = graph.graph.get("homes")
    if geography_of(graph.graph) != "registrations" or not isinstance(homes, Homes):
        return None
    members = _members(plan, graph)
    assignment = {practice: network for network, codes in members.items() for practice in codes}
    sizes = {
        network: sum(_list_size(graph, p) for p in codes) for network, codes in members.items()
    }
    return homes.territories(assignment, sizes=sizes)


@dataclass(frozen=True)
class Containment:
    """How far each network keeps its patients: the share living in its own territory.

    Parameters
    ----------
    networks
        Network → containment (0 for a network with no registered patients), sorted.
    region
        Containment of the whole plan: patients living in their network's territory over
        all the networks' patients.
    patients
        Network → its registered patients living in England.
    in_territory
        Network → those of them living in its territory.
    territory_parts
        Network → connected parts of its territory (0 when it has none).
    failing
        The networks whose largest territory part holds less than the tolerance (95%) of
        their patients living in the territory: the territory rule's networks.
    """

    networks: Mapping[str, float]
    region: float
    patients: Mapping[str, int]
    in_territory: Mapping[str, int]
    territory_parts: Mapping[str, int]
    failing: tuple[str, ...]


def _needed_territories(
    plan: Plan, graph: nx.Graph, precomputed: Territories | None, what: str
) -> Territories:
    """Return the plan's territories, or say that ``what`` needs patients' homes."""
    found = precomputed if precomputed is not None else territories(plan, graph)
    if found is None:
        raise ValueError(
            f"{what} needs patients' homes, but the graph is on "
            f"{geography_of(graph.graph)} geography without them: load the region with a "
            "registrations file and LSOA boundaries, and pass its validation graph"
        )
    return found


def containment(
    plan: Plan, graph: nx.Graph, *, precomputed: Territories | None = None
) -> Containment:
    """Containment per network and for the region (registration geography only).

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        A region's validation graph under registration geography (carrying ``homes``).
    precomputed
        The plan's :func:`territories`, when already computed.

    Raises
    ------
    ValueError
        Under the Voronoi model (or on a graph without ``homes``): containment needs
        patients' homes.
    """
    found = _needed_territories(plan, graph, precomputed, "containment")
    networks = list(_members(plan, graph))
    return Containment(
        networks={n: found.containment(n) for n in networks},
        region=found.region_containment(),
        patients={n: int(found.patients.get(n, 0)) for n in networks},
        in_territory={n: int(found.in_territory.get(n, 0)) for n in networks},
        territory_parts={n: len(found.parts.get(n, ())) for n in networks},
        failing=tuple(n for n in networks if not found.contiguous(n, TERRITORY_TOLERANCE)),
    )


@dataclass(frozen=True)
class PracticeHomes:
    """Where one practice's patients live, against the plan's territories.

    Parameters
    ----------
    practice
        The practice code.
    network
        Its network in the plan (``None`` when it is in none).
    lsoas
        LSOA code → its patients living there, largest first.
    territory
        LSOA code → the network whose territory the LSOA is (``None``: nobody's).
    patients
        Its registered patients living in England's LSOAs.
    in_own_territory
        Those living in its own network's territory.
    in_other_territories
        Those living in another network's territory.
    other_networks
        Each other network → the practice's patients living in its territory, most first.
    fallback
        Whether the practice has no registrations and its homes are the Voronoi fallback.
    """

    practice: str
    network: str | None
    lsoas: Mapping[str, int]
    territory: Mapping[str, str | None]
    patients: int
    in_own_territory: int
    in_other_territories: int
    other_networks: Mapping[str, int]
    fallback: bool


def practice_homes(
    plan: Plan, graph: nx.Graph, practice: str, *, precomputed: Territories | None = None
) -> PracticeHomes:
    """Say where a practice's patients live, and how many in another network's territory.

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        A region's validation graph under registration geography (carrying ``homes``).
    practice
        The practice's code.
    precomputed
        The plan's :func:`territories`, when already computed.

    Raises
    ------
    ValueError
        Under the Voronoi model (or on a graph without ``homes``), or for a practice the
        homes do not know.
    """
    found = _needed_territories(plan, graph, precomputed, f"where the patients of {practice} live")
    homes: Homes = graph.graph["homes"]
    if practice not in homes.index:
        raise ValueError(
            f"practice {practice} is not among the {len(homes.practices):,} "
            "practices whose homes are known"
        )
    lsoas = homes.catchment(practice)
    owners = found.lsoa_network[homes.lsoas.positions(lsoas)]
    territory = {
        code: (None if o is None else str(o)) for code, o in zip(lsoas, owners, strict=True)
    }
    network = _code(plan.assignment.get(practice))
    others: dict[str, int] = {}
    own = 0
    for code, n in lsoas.items():
        owner = territory[code]
        if owner is not None and owner == network:
            own += n
        elif owner is not None:
            others[owner] = others.get(owner, 0) + n
    return PracticeHomes(
        practice=practice,
        network=network,
        lsoas=lsoas,
        territory=territory,
        patients=sum(lsoas.values()),
        in_own_territory=own,
        in_other_territories=sum(others.values()),
        other_networks=dict(sorted(others.items(), key=lambda item: (-item[1], item[0]))),
        fallback=practice in homes.fallback,
    )


def polsby_popper(geometry: BaseGeometry) -> float:
    """Polsby–Popper compactness ``4πA / P²``: 1 for a circle, π/4 for a square.

    The same under both geographies (it reads only the geometry). Returns NaN for an empty
    geometry or one with no perimeter.
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
    graph: nx.Graph | None = None,
    simplify_m: float = 0.0,
    within: Bounds | None = None,
    precomputed: Territories | None = None,
) -> gpd.GeoDataFrame:
    """Each network's footprint: its members' catchments (or its territory), dissolved.

    Under the Voronoi model (no ``graph``, or a graph on ``"voronoi"`` geography) the
    footprint is the union of the members' catchments. Under registration geography (a
    ``graph`` on ``"registrations"`` geography carrying ``homes``: a region's validation
    graph) it is the network's territory, the LSOAs where it holds the most patients
    (:func:`territories`), dissolved from ``Homes.lsoas.geometry`` part by part with a cache
    (:func:`footprints.dissolve.territory_footprints`: after a move only the changed parts
    are dissolved again); the other columns still come from ``catchments``.

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
        cells known to form an exact coverage without duplicates). Territories are always
        dissolved with ``union_all`` (published LSOA polygons do not share every vertex).
    graph
        The graph the plan lives on, which says the geography.
    simplify_m, within
        For maps, territory footprints only (Voronoi footprints are a few cells of a few
        vertices each and stay exact): simplify each territory part by this tolerance in
        metres, and leave out the parts wholly outside the ``(minx, miny, maxx, maxy)``
        window (BNG metres) — a one-CCG region's networks hold LSOAs wherever a few of their
        patients live, all over England.
    precomputed
        The plan's :func:`territories`, when already computed.

    Returns
    -------
    geopandas.GeoDataFrame
        ``network_id``, ``network_name``, ``practice_count``, ``population`` (when
        ``catchments`` has ``list_size``) and ``geometry``, EPSG:27700, one row per network
        with at least one catchment (under registration geography: with a territory, a
        MultiPolygon whose first polygons are the part holding most of its patients),
        sorted by ``network_id``.
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
    shapes = (
        _territory_shapes(plan, graph, members, simplify_m, within, precomputed)
        if graph is not None
        else None
    )
    rows = []
    for network in sorted(members):
        practices = members[network]
        if shapes is not None:
            if network not in shapes:
                continue
            merged = shapes[network]
        elif method == "coverage":  # co-located practices share a cell: count it once
            cells = [geometry_of[p] for p in practices]
            merged = shapely.coverage_union_all(list({g.wkb: g for g in cells}.values()))
        else:
            merged = shapely.union_all([geometry_of[p] for p in practices])
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


def _territory_shapes(
    plan: Plan,
    graph: nx.Graph,
    members: Mapping[str, list[str]],
    simplify_m: float,
    within: Bounds | None,
    precomputed: Territories | None,
) -> dict[str, BaseGeometry] | None:
    """Network → its territory's LSOA polygons dissolved (``None`` off registrations)."""
    found = precomputed if precomputed is not None else territories(plan, graph)
    if found is None:
        return None
    homes: Homes = graph.graph["homes"]
    return territory_footprints(
        found, homes.lsoas, sorted(members), simplify_m=simplify_m, within=within
    )


def network_table(
    plan: Plan,
    graph: nx.Graph,
    *,
    band: Band = _DEFAULT_BAND,
    footprints: gpd.GeoDataFrame | None = None,
    precomputed: Territories | None = None,
) -> pd.DataFrame:
    """One row per network: its size, band position, areas, patches and compactness.

    Under the Voronoi model a practice counts in its surgery's patch. Under registration
    geography ``patches`` lists the patches that work into the network (its patients
    living there are at least 5% of the patch's registered residents) and
    ``straddling_population`` counts its patients living outside its main patch; on a graph
    carrying ``homes`` (a region's validation graph) the table gains ``containment`` (the
    share of its patients living in its territory) and ``territory_parts`` (connected parts
    of its territory, 0 when it has none).

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
    precomputed
        The plan's :func:`territories`, when already computed.

    Returns
    -------
    pandas.DataFrame
        ``network_id``, ``network_name``, ``population``, ``practice_count``, ``gap``
        (negative below the band, positive above, 0 in it), ``deviation`` (population minus
        the band's midpoint), ``in_band``, ``ccgs``, ``stps``, ``patches`` (codes, largest
        population first, joined by ", "), ``straddling_population``, ``compactness_km``,
        under registration geography with homes ``containment`` and ``territory_parts``,
        and, with ``footprints``, ``polsby_popper``. Sorted by ``network_id``.
    """
    midpoint = (band.min_population + band.max_population) / 2
    members = _members(plan, graph)
    compactness_km = _compactness_km(graph, members)
    on_homes = geography_of(graph.graph) == "registrations"
    residents = graph.graph.get("patch_residents") or {}
    rows = []
    for network, practices in members.items():
        population = sum(_list_size(graph, p) for p in practices)
        areas = {key: _area_populations(graph, practices, key) for key in ("ccg", "stp", "patch")}
        patches = areas["patch"]
        if on_homes:  # patients' homes: the patches working into it, those living elsewhere
            homes = _home_patches(graph, practices)
            patches = working_patches(homes, residents)
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
                    sum(homes.values()) - max(homes.values(), default=0)
                    if on_homes
                    else sum(patches.values()) - patches[_largest(patches)]
                    if patches
                    else 0
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
    found = None
    if on_homes:
        found = precomputed if precomputed is not None else territories(plan, graph)
    if found is not None:
        contained = containment(plan, graph, precomputed=found)
        ids = table["network_id"]
        table["containment"] = ids.map(contained.networks).astype("float64")
        table["territory_parts"] = ids.map(contained.territory_parts).astype("int64")
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
