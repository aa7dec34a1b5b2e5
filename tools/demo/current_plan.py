"""The demo's current plan: mostly tidy networks, with realistic flaws planted.

Planted: the super-practices' networks above the band (one alone, one with a small
neighbour), a network across the city / market-town border, a market-town network with one
practice cut off from the rest, a small island network and a small and a large city network;
the rest are random spanning-tree splits into networks in the band
(:mod:`tools.demo.trees`). Networks are built on sites (co-located practices move together)
joined only where the practices share a long border, so a network meant to be contiguous is
contiguous in the validator's graph too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import networkx as nx
import numpy as np

from tools.demo.graphs import Graphs, strong
from tools.demo.model import BAND, CITY, CLEAN, MARKET, RURAL, Practice, Region, RetryError
from tools.demo.names import CITY_NAME, DISTRICTS, HARBOUR, ISLAND
from tools.demo.trees import tree_partition

__all__ = ["Sites", "draw_plan"]


class Sites:
    """The partition graph: one node per site, where co-located practices move together.

    Sites are joined where their practices share a long border in both the STP- and the
    CCG-level graph (:attr:`graph`); :attr:`any_edge` holds every adjacency at all.
    """

    def __init__(self, region: Region, graphs: Graphs) -> None:
        """Group the practices into sites and join the sites from ``graphs``."""
        by_xy: dict[tuple[float, float], int] = {}
        self.members: list[list[Practice]] = []
        for p in region.practices:
            site = by_xy.setdefault((p.x, p.y), len(self.members))
            if site == len(self.members):
                self.members.append([])
            self.members[site].append(p)
        self.site_of = {p.code: s for s, ps in enumerate(self.members) for p in ps}
        self.pop = [sum(p.list_size for p in ps) for ps in self.members]
        self.ccg = [ps[0].ccg for ps in self.members]
        self.xy = np.array([(ps[0].x, ps[0].y) for ps in self.members])
        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(len(self.members)))
        self.any_edge = nx.Graph()  # any adjacency at all, in either graph
        self.any_edge.add_nodes_from(range(len(self.members)))
        for a, b in sorted(graphs.stp.edges):
            sa, sb = self.site_of[a], self.site_of[b]
            if sa == sb:
                continue
            self.any_edge.add_edge(sa, sb)
            if not strong(graphs.stp, a, b):
                continue
            if self.ccg[sa] == self.ccg[sb] and not strong(graphs.ccg[self.ccg[sa]], a, b):
                continue
            self.graph.add_edge(sa, sb)
        for graph in graphs.ccg:
            for a, b in graph.edges:
                if self.site_of[a] != self.site_of[b]:
                    self.any_edge.add_edge(self.site_of[a], self.site_of[b])

    def total(self, sites: Iterable[int]) -> int:
        """Return the population of ``sites``."""
        return sum(self.pop[s] for s in sites)

    def connected(self, sites: set[int]) -> bool:
        """Tell whether ``sites`` is non-empty and connected by strong links."""
        return bool(sites) and nx.is_connected(self.graph.subgraph(sites))

    def grow(self, start: set[int], allowed: set[int], target: int) -> set[int]:
        """Add the strongly adjacent allowed site nearest the centre until ``target``.

        Raises
        ------
        RetryError
            When no allowed site is left to add before ``target``.
        """
        part = set(start)
        while self.total(part) < target:
            frontier = sorted({n for s in part for n in self.graph[s]} & (allowed - part))
            if not frontier:
                raise RetryError
            weights = np.array([self.pop[s] for s in part], dtype=float)
            centre = weights @ self.xy[sorted(part)] / weights.sum()
            part.add(min(frontier, key=lambda s: (math.dist(self.xy[s], centre), s)))
        return part


def draw_plan(
    region: Region, graphs: Graphs, rng: np.random.Generator
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Draw the current plan: mostly tidy networks, with the manifest's flaws planted.

    Returns
    -------
    plan : dict
        Practice code → (network id, network name).
    planted : dict
        Network id → the kind of flaw planted in it.

    Raises
    ------
    RetryError
        When a flaw cannot be planted or the rest cannot be split into the band.
    """
    sites = Sites(region, graphs)
    free = [{s for s in range(len(sites.members)) if sites.ccg[s] == c} for c in range(3)]
    networks: list[tuple[set[int], str]] = []  # sites, intended flaw kinds ("" when clean)

    def take(part: set[int], flaws: str) -> None:
        for c in range(3):
            free[c] -= part
            if free[c] and not sites.connected(free[c]):
                raise RetryError
        networks.append((part, flaws))

    # Super-practices: one joined by a small neighbour, one on its own (both above the band).
    supers = [s for s in range(len(sites.pop)) if sites.pop[s] > BAND.max_population]
    for s in supers:
        if sites.ccg[s] == CITY:
            neighbours = sorted(set(sites.graph[s]) & free[CITY], key=lambda n: (sites.pop[n], n))
            for n in neighbours:
                rest = free[CITY] - {s, n}
                if sites.connected(rest):
                    take({s, n}, "band_above")
                    break
            else:
                raise RetryError
        else:
            take({s}, "band_above")

    # A network across the city / market-town border, contiguous across it.
    crossing = [
        (a, b)
        for a, b in sorted(sites.graph.edges)
        if {sites.ccg[a], sites.ccg[b]} == {CITY, MARKET} and {a, b} <= free[0] | free[1]
    ]
    rng.shuffle(crossing)
    for a, b in crossing[:20]:
        try:
            part = sites.grow({a, b}, free[CITY] | free[MARKET], int(rng.integers(36_000, 43_000)))
            if CLEAN[0] <= sites.total(part) <= CLEAN[1]:
                take(part, "boundary")
                break
        except RetryError:
            continue
    else:
        raise RetryError

    # A market-town network with one practice cut off from the rest (non-contiguous).
    _plant_detached(sites, free, take, rng)

    # The island with the harbour town and its neighbours: a small rural network.
    island = {sites.site_of[p.code] for p in region.practices if p.kind == "island"}
    part = sites.grow(island, free[RURAL], int(rng.integers(20_000, 26_000)))
    if sites.total(part) >= BAND.min_population:
        raise RetryError
    take(part, "band_below")

    # The rest: random spanning-tree splits into networks in the band, plus one city network
    # above and one below it.
    for c in range(3):
        special = [((52_000, 58_000), "band_above"), ((23_000, 28_500), "band_below")]
        special = special if c == CITY else []
        total = sites.total(free[c]) - sum(sum(b) // 2 for b, _ in special)
        k = max(1, round(total / 41_000))
        bands = [b for b, _ in special] + [CLEAN] * k
        parts = tree_partition(sites.graph, free[c], bands, rng, population=sites.pop)
        if parts is None:
            raise RetryError
        for i, part in enumerate(parts):
            networks.append((part, special[i][1] if i < len(special) else ""))
    return _name_networks(region, sites, networks)


def _plant_detached(
    sites: Sites,
    free: list[set[int]],
    take: Callable[[set[int], str], None],
    rng: np.random.Generator,
) -> None:
    starts = sorted(free[MARKET])
    rng.shuffle(starts)
    for start in starts[:25]:
        try:
            group = sites.grow({start}, free[MARKET], int(rng.integers(24_000, 32_000)))
        except RetryError:
            continue
        near = {n for s in group for n in sites.any_edge[s]}
        options = [
            s
            for s in sorted(free[MARKET] - group - near)
            if CLEAN[0] <= sites.total(group) + sites.pop[s] <= CLEAN[1]
            and min(math.dist(sites.xy[s], sites.xy[g]) for g in group) > 2_000
            and sites.connected(free[MARKET] - group - {s})
        ]
        if options:
            take(group | {options[int(rng.integers(len(options)))]}, "contiguity")
            return
    raise RetryError


def _name_networks(
    region: Region, sites: Sites, networks: list[tuple[set[int], str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Give each network an id and a name, and note its planted flaw kind.

    Network ids number the networks in CCG, then north-to-south order.
    """
    described = []
    for part, flaw in networks:
        practices = [p for s in sorted(part) for p in sites.members[s]]
        weights = np.array([p.list_size for p in practices], dtype=float)
        centre = weights @ np.array([(p.x, p.y) for p in practices]) / weights.sum()
        ccg = min(p.ccg for p in practices)
        described.append((ccg, -round(centre[1]), round(centre[0]), practices, centre, flaw))
    described.sort(key=lambda d: d[:3])
    city = [p for p in region.practices if p.kind == "city"]
    city_centre = np.mean([(p.x, p.y) for p in city], axis=0)
    districts = iter(DISTRICTS)
    names: list[str] = []
    for ccg, _, _, practices, centre, _ in described:
        places: dict[str, int] = {}
        for p in practices:
            places[p.town or "?"] = places.get(p.town or "?", 0) + p.list_size
        ranked = sorted(places, key=lambda t: (-places[t], t))
        if ccg == CITY and ranked[0] == CITY_NAME:
            if math.dist(centre, city_centre) < 1_500 and f"{CITY_NAME} Central PCN" not in names:
                name = f"{CITY_NAME} Central PCN"
            else:
                name = f"{next(districts)} PCN"
        elif ISLAND in places:
            name = f"{HARBOUR} and Holm Island PCN"
        else:
            towns = [t for t in ranked if places[t] >= 0.25 * sum(places.values())][:2]
            name = " and ".join(towns) + " PCN"
        suffix = 2
        base = name
        while name in names:
            name = f"{base.removesuffix(' PCN')} {('North', 'South', 'Central')[suffix - 2]} PCN"
            suffix += 1
        names.append(name)
    plan: dict[str, tuple[str, str]] = {}
    planted: dict[str, str] = {}
    for number, ((*_, practices, _, flaw), name) in enumerate(
        zip(described, names, strict=True), 1
    ):
        network = f"UZ{number:04d}"
        for p in practices:
            plan[p.code] = (network, name)
        if flaw:
            planted[network] = flaw
    return plan, planted
