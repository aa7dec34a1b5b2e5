"""Random spanning-tree splits of the demo's site graph into networks in population bands.

The spanning trees, their rooting and subtree populations are the optimiser's own
primitives (:mod:`footprints.optimiser.construct`); the demo draws its trees from a
uniformly random edge order (one ``rng.permutation`` per tree) and cuts each at a random
edge that fits the band, as GerryChain's ``recursive_tree_part`` does.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

from footprints.optimiser.construct import (
    root_tree,
    spanning_forest,
    subtree,
    subtree_populations,
)

__all__ = ["tree_partition"]

Bounds = tuple[int, int]


def tree_partition(
    graph: nx.Graph,
    nodes: set[int],
    bands: list[Bounds],
    rng: np.random.Generator,
    *,
    population: Sequence[int],
    restarts: int = 40,
    tries: int = 25,
) -> list[set[int]] | None:
    """Split connected ``nodes`` into connected parts, part i with population in band i.

    Cuts a random spanning tree at an edge that leaves the first band's population on one
    side and a population the other bands can hold on the other (as GerryChain does), then
    splits the rest the same way; starts again when a split finds no cut.

    Parameters
    ----------
    graph
        The adjacency of the sites (integer nodes).
    nodes
        The connected nodes to split.
    bands
        ``(low, high)`` population of each part, in the order the parts are cut off.
    rng
        The generator's random stream.
    population
        Population of each node, indexed by node.
    restarts, tries
        Attempts at the whole split, and spanning trees drawn per cut.

    Returns
    -------
    list of set of int or None
        The parts, in the order of ``bands``; ``None`` when every restart failed.
    """
    for _ in range(restarts):
        remaining, parts = set(nodes), []
        for i, band in enumerate(bands[:-1]):
            part = _cut_off(graph, population, remaining, band, bands[i + 1 :], rng, tries=tries)
            if part is None:
                break
            parts.append(part)
            remaining -= part
        else:
            lo, hi = bands[-1]
            if lo <= sum(population[s] for s in remaining) <= hi:
                return [*parts, remaining]
    return None


def _cut_off(
    graph: nx.Graph,
    pop: Sequence[int],
    nodes: set[int],
    band: Bounds,
    rest: list[Bounds],
    rng: np.random.Generator,
    *,
    tries: int,
) -> set[int] | None:
    """Cut off a connected part of ``nodes`` in ``band`` whose (connected) rest fits ``rest``."""
    population = sum(pop[s] for s in nodes)
    lo, hi = band
    rest_lo, rest_hi = sum(b[0] for b in rest), sum(b[1] for b in rest)
    order = sorted(nodes)
    edges = [(a, b) for a, b in sorted(graph.subgraph(order).edges)]
    for _ in range(tries):
        tree = spanning_forest(order, edges, rng.permutation(len(edges)))
        visit, parent = root_tree(tree, order[0])
        below = subtree_populations(visit, parent, pop)
        cuts = []
        for s in visit[1:]:
            if lo <= below[s] <= hi and rest_lo <= population - below[s] <= rest_hi:
                cuts.append((s, True))
            if lo <= population - below[s] <= hi and rest_lo <= below[s] <= rest_hi:
                cuts.append((s, False))
        if not cuts:
            continue
        s, take_subtree = cuts[int(rng.integers(len(cuts)))]
        part = set(subtree(visit, parent, s))
        return part if take_subtree else set(nodes) - part
    return None
