"""Random spanning-tree splits of the demo's site graph into networks in population bands.

These are the demo generator's own copies of the spanning-tree split the optimiser's
construction heuristic also performs (``footprints/optimiser/construct.py`` is to expose
the primitives: a Kruskal spanning forest over edges in a caller-given order, BFS rooting,
subtree population sums, subtree extraction). They stay here, isolated, until the lead swaps
them for those primitives; the swap must keep the shipped files byte-identical, so it must
keep exactly:

* the edges, ``sorted(graph.subgraph(sorted(nodes)).edges)`` (tuples as networkx yields
  them), taken in the order ``rng.permutation(len(edges))`` (one draw per tree);
* Kruskal with union–find (path halving, ``root[ra] = rb``), appending each kept edge
  ``(a, b)`` to ``tree[a]`` and ``tree[b]`` in that order;
* the root ``min(nodes)``, breadth first over the adjacency lists in that order;
* cut candidates in BFS order, for each node the subtree cut before the complement cut,
  one chosen with ``rng.integers(len(cuts))``; and no draw when there are no cuts.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np

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
        tree = _random_spanning_tree(order, edges, rng)
        root = order[0]
        parent, visit = {root: root}, [root]
        for s in visit:  # breadth first: parents before children
            for n in tree[s]:
                if n not in parent:
                    parent[n] = s
                    visit.append(n)
        below = {s: pop[s] for s in order}
        for s in reversed(visit[1:]):
            below[parent[s]] += below[s]
        cuts = []
        for s in visit[1:]:
            if lo <= below[s] <= hi and rest_lo <= population - below[s] <= rest_hi:
                cuts.append((s, True))
            if lo <= population - below[s] <= hi and rest_lo <= below[s] <= rest_hi:
                cuts.append((s, False))
        if not cuts:
            continue
        s, take_subtree = cuts[int(rng.integers(len(cuts)))]
        children: dict[int, list[int]] = {n: [] for n in order}
        for n in visit[1:]:
            children[parent[n]].append(n)
        subtree, stack = {s}, [s]
        while stack:
            for child in children[stack.pop()]:
                subtree.add(child)
                stack.append(child)
        return subtree if take_subtree else set(nodes) - subtree
    return None


def _random_spanning_tree(
    nodes: list[int], edges: list[tuple[int, int]], rng: np.random.Generator
) -> dict[int, list[int]]:
    """Kruskal's algorithm on random edge weights (adjacency lists)."""
    root = {n: n for n in nodes}

    def find(n: int) -> int:
        while root[n] != n:
            root[n] = root[root[n]]
            n = root[n]
        return n

    tree: dict[int, list[int]] = {n: [] for n in nodes}
    for e in rng.permutation(len(edges)):
        a, b = edges[int(e)]
        ra, rb = find(a), find(b)
        if ra != rb:
            root[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    return tree
