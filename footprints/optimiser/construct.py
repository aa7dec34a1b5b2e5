"""A quick complete plan: random spanning trees cut into contiguous networks.

Before the exact solve, each piece of an area is split into networks by recursive
bisection of random spanning trees (:func:`split`, as GerryChain's ``recursive_tree_part``);
parts to be split into a few networks are split exactly (:func:`exact_split`: every
connected in-band set listed, then covered), and a cut whose small part has no such split is
passed over for the next best; pieces that cannot be split in band are cut bottom-up into
networks of at least the minimum (:func:`greedy_cut`). The cheapest of a few seeded tries
(:func:`construct`) becomes CP-SAT's first incumbent, and the plan returned when time runs
out first.

The spanning-tree steps are small public functions — :func:`spanning_forest`,
:func:`root_tree`, :func:`subtree_populations`, :func:`subtree` — so that other tools (the
demo region's generator) can cut trees the same way.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from footprints.optimiser.candidates import (
    CandidateSets,
    EnumerationTimeoutError,
    FloatArray,
    IntArray,
    PoolCapError,
    PracticeArrays,
    bit_indices,
    bit_mask,
    connected_sets,
)
from footprints.optimiser.costs import plan_costs
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "PieceEdges",
    "PieceNetworks",
    "construct",
    "covers",
    "exact_split",
    "greedy_cut",
    "piece_edges",
    "random_tree",
    "root_tree",
    "spanning_forest",
    "split",
    "subtree",
    "subtree_populations",
]

logger = logging.getLogger(__name__)

Tree = dict[int, list[int]]
PieceNetworks = list[list[list[int]]]
"""A plan as networks (lists of practice indices) for each piece in turn."""

#: Complete plans tried per piece by the constructive heuristic (the cheapest is kept).
CONSTRUCT_TRIES = 6
#: Share of the time limit after which no further constructive try starts.
CONSTRUCT_SHARE = 0.25
#: Network size the constructive plan aims at first (the optimiser's usual choice).
CONSTRUCT_TARGET = 42_000
#: The same on registration geography, where larger networks keep more of their patients in
#: their territory (and the local search that follows cannot change the number of networks).
HOME_CONSTRUCT_TARGET = 46_000
#: Random spanning trees tried per bisection before a construction attempt gives up.
SPLIT_TRIES = 6
#: Most networks a part is split into exactly (:func:`exact_split`) instead of by trees.
EXACT_NETWORKS = 3
#: Most practices per network of a part split exactly: listing a part of many small practices
#: takes long, and their many ways to draw a network seldom leave it tight.
EXACT_PRACTICES = 6
#: Most connected in-band sets of a part listed for an exact split: a part with more is left
#: to the spanning trees (with so many ways to draw a network it is seldom tight).
MOST_EXACT_SETS = 2_000
#: Most networks one exact split's search tries before it gives up (then: not known).
MOST_EXACT_STEPS = 20_000
#: Best-scored cuts of one spanning tree checked (their small parts split exactly) in turn.
CUTS_CHECKED = 8

Network = tuple[int, ...]
"""A network as its practices, sorted."""
Listed = tuple[int, int, Network]
"""A connected in-band set: its bit mask, its population and its practices."""


# --------------------------------------------------------------------------- spanning trees


def spanning_forest(
    nodes: Iterable[int], edges: Sequence[tuple[int, int]], order: Iterable[int]
) -> Tree:
    """Kruskal's spanning forest of ``nodes``, taking ``edges`` in the order ``order``.

    Parameters
    ----------
    nodes
        The nodes to span.
    edges
        Candidate edges ``(a, b)``; an edge with an end outside ``nodes`` is skipped.
    order
        Indices into ``edges``, in the order they are tried (e.g. an ``argsort`` of edge
        weights, or a random permutation for a uniformly random order).

    Returns
    -------
    dict
        Node → its tree neighbours, in the order their edges were taken.
    """
    parent = {i: i for i in nodes}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree: Tree = {i: [] for i in parent}
    for e in order:
        a, b = edges[int(e)]
        if a not in parent or b not in parent:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    return tree


def root_tree(tree: Mapping[int, Sequence[int]], root: int) -> tuple[list[int], dict[int, int]]:
    """Breadth-first order and parents of the tree component holding ``root``.

    Returns
    -------
    order, parent
        The nodes reached, parents before children (``order[0]`` is ``root``), and each
        one's parent (``-1`` for ``root``).
    """
    order, parent = [root], {root: -1}
    for node in order:
        for other in tree[node]:
            if other not in parent:
                parent[other] = node
                order.append(other)
    return order, parent


def subtree_populations(
    order: Sequence[int],
    parent: Mapping[int, int],
    population: Mapping[int, int] | Sequence[int] | npt.NDArray[Any],
) -> dict[int, int]:
    """For each node of a rooted tree, the population of its subtree (itself included).

    ``order`` and ``parent`` are as :func:`root_tree` gives them; ``population[i]`` is the
    population of node ``i``.
    """
    below = {i: int(population[i]) for i in order}
    for node in reversed(order[1:]):
        below[parent[node]] += below[node]
    return below


def subtree(order: Sequence[int], parent: Mapping[int, int], top: int) -> list[int]:
    """Return the nodes of the subtree under ``top`` (itself included), sorted."""
    inside = {top}
    for node in order:
        if parent[node] in inside:
            inside.add(node)
    return sorted(inside)


# --------------------------------------------------------------------------- cutting trees


@dataclass(frozen=True)
class PieceEdges:
    """The edges inside a piece (``u < v``), their lengths in km, and as pairs."""

    u: IntArray
    v: IntArray
    length: FloatArray
    pairs: list[tuple[int, int]]


def piece_edges(practices: PracticeArrays, nodes: list[int]) -> PieceEdges:
    """Edges inside ``nodes`` (``a < b``) and their lengths in km."""
    inside = bit_mask(nodes)
    left, right = [], []
    for a in nodes:
        for b in bit_indices(practices.neighbours[a] & inside):
            if b > a:
                left.append(a)
                right.append(b)
    u = np.asarray(left, np.int64)
    v = np.asarray(right, np.int64)
    length = np.hypot(practices.x_km[u] - practices.x_km[v], practices.y_km[u] - practices.y_km[v])
    return PieceEdges(u, v, length, list(zip(left, right, strict=True)))


def random_tree(
    edges: PieceEdges, keep: set[int], lock_of: Sequence[int], rng: np.random.Generator
) -> Tree:
    """Draw a random spanning forest of ``keep`` biased towards short edges (Kruskal).

    Each edge's length is scaled by a uniform factor in ``[0.5, 1.5)``; edges inside a lock
    group come first, keeping groups together where they are adjacent. Edges of length 0
    (practices sharing a site) are taken in a random order among themselves: in their edge
    order every tree of co-sited practices would be the same star, which no cut splits into
    networks (20 practices at one site could never become two networks of 10).
    """
    weight = edges.length * rng.uniform(0.5, 1.5, size=len(edges.length))
    lock = np.asarray(lock_of, np.int64)
    same_lock = (lock[edges.u] >= 0) & (lock[edges.u] == lock[edges.v])
    if same_lock.any():
        weight = np.where(same_lock, -1.0, weight)  # keep lock groups together where adjacent
    order = np.argsort(weight, kind="stable")
    shared_site = weight[order] == 0  # not lock edges (-1), which stay first
    if shared_site.sum() > 1:  # shuffle the ties of co-sited practices only
        order[shared_site] = rng.permutation(order[shared_site])
    return spanning_forest(keep, edges.pairs, order)


def covers(
    listed: Sequence[Listed],
    nodes: Sequence[int],
    count: int,
    *,
    total: int,
    low: int,
    high: int,
    cap: int,
    steps: int,
    deadline: float | None = None,
) -> tuple[list[tuple[Network, ...]], bool]:
    """Cover ``nodes`` exactly by ``count`` of the ``listed`` sets: the covers, and if complete.

    ``listed`` holds ``(mask, population, practices)`` of sets inside ``nodes`` (practices
    sorted), each in ``[low, high]``; ``total`` is the population of ``nodes``. Each practice
    of ``nodes`` is in exactly one set of a cover. Depth first from the lowest practice not
    yet covered, trying the sets that hold it in their order in ``listed``; at most ``cap``
    covers (the first found), and only those found within ``steps`` sets tried and before
    ``deadline`` (a ``time.monotonic()`` value). The flag is ``True`` when the search ended by
    itself (no cover left unfound, or ``cap`` reached), ``False`` when steps or time ran out.
    """
    by_low: dict[int, list[Listed]] = {}
    for entry in listed:
        by_low.setdefault(entry[2][0], []).append(entry)
    found: list[tuple[Network, ...]] = []
    chosen: list[Network] = []
    budget = [steps]
    stopped = [False]

    def cover(left: int, size: int) -> bool:
        """Cover the practices of ``left`` (``size`` patients); False once to stop."""
        budget[0] -= 1
        if budget[0] < 0 or (
            deadline is not None and budget[0] % 1024 == 0 and time.monotonic() > deadline
        ):
            stopped[0] = True
            return False
        networks = count - len(chosen)
        if not left:
            if networks == 0:
                found.append(tuple(chosen))
            return len(found) < cap
        if not low * networks <= size <= high * networks:
            return True
        first = (left & -left).bit_length() - 1
        for mask, weight, members in by_low.get(first, ()):
            if mask & ~left:
                continue
            chosen.append(members)
            going = cover(left & ~mask, size - weight)
            chosen.pop()
            if not going:
                return False
        return True

    cover(bit_mask(nodes), total)
    return found, not stopped[0]


def exact_split(
    problem: AreaProblem, nodes: Sequence[int], k: int, rng: np.random.Generator
) -> list[list[int]] | bool:
    """Split ``nodes`` into ``k`` connected in-band networks exactly, where that is small.

    Every connected in-band set of ``nodes`` is listed (within the locks, through the
    candidate filters), in a random order, and covered (:func:`covers`). Returns the first
    split found; ``False`` when there is none; ``True`` (not known) when the part has more
    than :data:`MOST_EXACT_SETS` such sets or the search runs past :data:`MOST_EXACT_STEPS`.
    """
    population = problem.practices.population
    low, high = problem.band.min_population, problem.band.max_population
    total = int(population[list(nodes)].sum())
    if not k * low <= total <= k * high:
        return False
    try:
        listed = connected_sets(
            sorted(nodes),
            problem.practices.neighbours,
            population.tolist(),
            low=low,
            high=high,
            lock_of=problem.locks.lock_of,
            lock_masks=problem.locks.masks,
            cap=MOST_EXACT_SETS,
            deadline=problem.deadline.at,
        )
    except (PoolCapError, EnumerationTimeoutError):
        return True
    if problem.settings.candidate_filters and len(listed):
        listed = listed.select(problem.allowed(listed))
    sets: list[Listed] = []
    for index in rng.permutation(len(listed)).tolist():
        members = tuple(sorted(listed.members_of(index)))
        sets.append((bit_mask(members), int(population[list(members)].sum()), members))
    found, complete = covers(
        sets, nodes, k, total=total, low=low, high=high, cap=1, steps=MOST_EXACT_STEPS
    )
    if found:
        return [list(n) for n in found[0]]
    return not complete


def split(
    problem: AreaProblem,
    nodes: list[int],
    k: int,
    edges: PieceEdges,
    rng: np.random.Generator,
    budget: list[int],
    *,
    exact: dict[tuple[Network, int], list[list[int]] | bool] | None = None,
    until: float | None = None,
) -> list[list[int]] | None:
    """Split connected ``nodes`` into ``k`` contiguous in-band networks, or ``None``.

    Recursive bisection on random spanning trees (as GerryChain's ``recursive_tree_part``):
    cutting one tree edge leaves two connected parts; the cut taken is the one whose parts,
    split into ``k₁`` and ``k − k₁`` networks, leave the most room inside the band, among
    those whose parts of at most :data:`EXACT_NETWORKS` networks (and
    :data:`EXACT_PRACTICES` practices a network) can be split (checked exactly,
    :func:`exact_split`, for the :data:`CUTS_CHECKED` best cuts of a tree). Such parts are
    split exactly; only where that is not known (too many sets) by trees.
    ``budget[0]`` is the number of spanning trees still allowed (shared by the recursion);
    ``exact`` keeps the exact splits already tried (shared likewise). ``until`` (a
    ``time.monotonic()`` value): no spanning tree is drawn once it passes, and the split
    gives up (``None``).
    """
    population = problem.practices.population
    low, high = problem.band.min_population, problem.band.max_population
    total = int(population[nodes].sum())
    if k == 1:
        return [sorted(nodes)] if low <= total <= high else None
    known = {} if exact is None else exact

    def exactly(part: list[int], count: int) -> list[list[int]] | bool:
        """Split ``part`` into ``count`` exactly where small (:func:`exact_split`), once."""
        if count == 1 or count > EXACT_NETWORKS or len(part) > EXACT_PRACTICES * count:
            return True
        key = (tuple(sorted(part)), count)
        if key not in known:
            known[key] = exact_split(problem, part, count, rng)
        return known[key]

    whole = exactly(nodes, k)
    if isinstance(whole, list):
        return whole
    if whole is False:
        return None
    keep = set(nodes)
    for _ in range(SPLIT_TRIES):
        if budget[0] <= 0 or (until is not None and time.monotonic() > until):
            return None
        budget[0] -= 1
        tree = random_tree(edges, keep, problem.locks.lock_of, rng)
        root = nodes[int(rng.integers(len(nodes)))]
        order, parent = root_tree(tree, root)
        if len(order) != len(nodes):
            return None
        pop = subtree_populations(order, parent, population)
        cuts: list[tuple[float, int, int]] = []
        for node in order[1:]:
            size, rest = pop[node], total - pop[node]
            first = max(1, math.ceil(size / high))
            last = min(k - 1, size // low) if low else k - 1  # no minimum: any split
            for k1 in range(first, last + 1):
                k2 = k - k1
                if not k2 * low <= rest <= k2 * high:
                    continue
                room = min(size / k1 - low, high - size / k1, rest / k2 - low, high - rest / k2)
                score = room / (high - low + 1) - abs(k1 - k / 2) / k + 0.1 * rng.random()
                cuts.append((score, node, k1))
        cuts.sort(reverse=True)
        for _, best, best_k in cuts[:CUTS_CHECKED]:
            part = subtree(order, parent, best)
            inside = set(part)
            rest_nodes = [i for i in nodes if i not in inside]
            if exactly(part, best_k) is False or exactly(rest_nodes, k - best_k) is False:
                continue
            first_networks = split(
                problem, part, best_k, edges, rng, budget, exact=known, until=until
            )
            if first_networks is None:
                break
            second_networks = split(
                problem, rest_nodes, k - best_k, edges, rng, budget, exact=known, until=until
            )
            if second_networks is None:
                break
            return first_networks + second_networks
    return None


def greedy_cut(
    problem: AreaProblem, nodes: list[int], edges: PieceEdges, rng: np.random.Generator
) -> list[list[int]]:
    """Networks of at least the minimum cut bottom-up off a spanning tree (any piece)."""
    population = problem.practices.population
    minimum = problem.band.min_population
    tree = random_tree(edges, set(nodes), problem.locks.lock_of, rng)
    root = nodes[0]
    order, parent = root_tree(tree, root)
    group = {i: [i] for i in order}
    size = {i: int(population[i]) for i in order}
    networks: list[list[int]] = []
    network_of: dict[int, int] = {}  # a cut subtree's top → its network
    for node in reversed(order):
        if node != root and size[node] >= minimum:
            network_of[node] = len(networks)
            networks.append(group[node])
            continue
        if node != root:
            up = parent[node]
            group[up].extend(group[node])
            size[up] += size[node]
    leftover = group[root]
    if not networks:
        return [sorted(leftover)]
    in_leftover = set(leftover)
    touching = [network_of[i] for i in order if i in network_of and parent[i] in in_leftover]
    if size[root] >= minimum or not touching:
        networks.append(leftover)
    else:
        smallest = min(touching, key=lambda n: int(population[networks[n]].sum()))
        networks[smallest] = networks[smallest] + leftover
    return [sorted(n) for n in networks]


# --------------------------------------------------------------------------- the plan


def _usable(problem: AreaProblem, networks: list[list[int]]) -> bool:
    """Whether ``networks`` keep the locks and pass the candidate filters."""
    if not problem.locks.kept(networks):
        return False
    if problem.settings.candidate_filters:
        return bool(problem.allowed(CandidateSets.of(networks)).all())
    return True


def _plan_cost(problem: AreaProblem, networks: list[list[int]]) -> float:
    _, costs = plan_costs(CandidateSets.of(networks), problem.practices, problem.settings)
    return float(costs.sum())


def construct(problem: AreaProblem) -> PieceNetworks | None:
    """Build a quick complete plan, best of several random tries: networks per piece.

    Hard pieces are split into in-band networks by recursive bisection of random spanning
    trees (trying network counts around ``population / 42,000``, ``/ 46,000`` on
    registration geography); soft pieces, and hard
    ones where that keeps failing, are cut bottom-up into networks of at least the minimum.
    Every network is contiguous. Used as CP-SAT's first incumbent and as the plan returned
    when the time limit stops the exact solve first. ``None`` when no try keeps the locks
    and passes the candidate filters.
    """
    settings = problem.settings
    deadline = problem.deadline
    rng = np.random.default_rng(settings.seed)
    started = time.monotonic()
    cutoff = min(deadline.at, started + CONSTRUCT_SHARE * settings.time_limit)
    plan: PieceNetworks = []
    for piece in problem.pieces:
        edges = piece_edges(problem.practices, piece.nodes)
        counts: list[int] = []
        waiting: list[int] = []  # further counts, nearest the target first
        if piece.k_range is not None:
            low, high = piece.k_range
            target = CONSTRUCT_TARGET if problem.practices.homes is None else HOME_CONSTRUCT_TARGET
            first = min(high, max(low, round(piece.population / target)))
            waiting = sorted(range(low, high + 1), key=lambda k: (abs(k - first), k))
            counts, waiting = waiting[:3], waiting[3:]
        best: list[list[int]] | None = None
        best_cost = math.inf
        # A fixed number of tries keeps the plan deterministic; `cutoff` is a safety net for
        # time limits too short for them. A try after the piece's first gives up at the
        # cutoff (on NHS North West London 2021 a try took 1.4 s, and the last one started
        # before the cutoff ran 2 s past it): the piece keeps its best plan so far.
        for attempt in range(CONSTRUCT_TRIES if counts else 3):
            if attempt and (time.monotonic() > cutoff or deadline.stopped()):
                break
            networks: list[list[int]] | None
            if counts:
                budget = [10 * counts[0] + 50]
                k = counts[attempt % len(counts)]
                until = cutoff if best is not None else None
                networks = split(problem, piece.nodes, k, edges, rng, budget, until=until)
                if networks is None and waiting:  # a count that fails gives way to the next
                    counts[counts.index(k)] = waiting.pop(0)
            else:
                networks = greedy_cut(problem, piece.nodes, edges, rng)
            if networks is not None and _usable(problem, networks):
                cost = _plan_cost(problem, networks)
                if cost < best_cost:
                    best, best_cost = networks, cost
        for _ in range(10 if best is None else 0):  # out-of-band networks, as a last resort
            networks = greedy_cut(problem, piece.nodes, edges, rng)
            if _usable(problem, networks):
                best = networks
                break
        if best is None:
            return None
        plan.append(best)
    logger.debug("area %s: constructive plan in %.2f s", problem.name, time.monotonic() - started)
    return plan
