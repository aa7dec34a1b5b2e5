"""Changes of several networks at once, beyond single moves and pair re-drawings.

Three neighbouring networks re-drawn as two (:func:`triples` lists them) make one network
fewer where that costs less.

Where neither one nor two practices moving repairs a failing territory, a few neighbouring
networks re-drawn together may: :func:`partitions` lists **every** way to draw a small group
of practices as a given number of connected in-band networks (an exact cover by the
group's connected in-band sets), for the repair to price on the plan's exact territories.

Where no single practice move repairs a failing territory (every network next to it at the
band's edge, or the detached part reachable only through a third network), two practices
moving at once can: a **swap** (``i`` from ``a`` to ``b`` and ``j`` from ``b`` to ``a``) keeps
both sizes near where they were, and a **chain** (``i`` from ``a`` to ``b`` and ``j`` from ``b``
to ``c``) passes the size on to a third network. :func:`two_moves` lists every such change
of the given practices that keeps every network it touches in band, contiguous, within
the locks and through the candidate filters; the local search
(:func:`footprints.optimiser.improve._repair`) prices them on the plan's exact territories.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass

from footprints.optimiser.candidates import (
    CandidateSets,
    EnumerationTimeoutError,
    PoolCapError,
    bit_indices,
    bit_mask,
    components,
    connected_sets,
)
from footprints.optimiser.construct import PieceNetworks, covers
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "MOST_COVER_STEPS",
    "MOST_GROUP_PRACTICES",
    "MOST_PARTITIONS",
    "MOST_PARTITION_SETS",
    "MOST_TWO_MOVES",
    "TwoMove",
    "partitions",
    "regroupings",
    "repair_start",
    "triples",
    "two_moves",
]

MOST_GROUP_PRACTICES = 24
"""Most practices in a group of networks :func:`regroupings` re-partitions."""

MOST_COVER_STEPS = 200_000
"""Most networks tried in one :func:`partitions` search before it stops."""

MOST_PARTITIONS = 20_000
"""Most partitions listed by one :func:`partitions` call (the first found)."""

MOST_PARTITION_SETS = 5_000
"""Most connected in-band sets of a group listed for :func:`partitions` (none beyond)."""

MOST_TWO_MOVES = 4_000
"""Most two-practice changes listed in one call (the first found, in practice order)."""

Network = tuple[int, ...]
"""A network as its practices, sorted."""
Group = tuple[Network, ...]
"""Networks re-drawn together."""


@dataclass(frozen=True)
class TwoMove:
    """Two practices moved at once: ``moves`` (practice → network index) and the result.

    Parameters
    ----------
    moves
        Practice → index in ``nets`` of the network it joins.
    old
        Indices in ``nets`` of the networks changed.
    new
        Those networks after the change, in the same order.
    """

    moves: dict[int, int]
    old: tuple[int, ...]
    new: tuple[Network, ...]


def two_moves(
    problem: AreaProblem,
    nets: Sequence[Network],
    movers: set[int],
    *,
    cap: int = MOST_TWO_MOVES,
) -> list[TwoMove]:
    """List the swaps and chains of two practices, the first of ``movers``, that keep the rules.

    The first practice ``i`` (one of ``movers``) leaves its network ``a`` for a neighbouring
    network ``b``; the second, ``j``, leaves ``b`` (``i`` excepted) for ``a`` (a swap) or for
    another network ``c`` next to it (a chain), or leaves a third network ``c`` for ``a``,
    next to ``a``'s other practices (a chain that refills ``a``: the move of ``i`` that
    repairs a territory often leaves ``a`` under the band, and ``b`` has nothing to give
    back). Every network changed stays in band and contiguous, and the changes keep the
    locks and pass the candidate filters. At most ``cap`` changes, in the order of ``i``,
    then ``b``, then ``j`` (those leaving ``b`` first).
    """
    practices = problem.practices
    population = practices.population
    neighbours = practices.neighbours
    low, high = problem.band.min_population, problem.band.max_population
    owner = {i: k for k, n in enumerate(nets) for i in n}
    size = [int(population[list(n)].sum()) for n in nets]

    def near(i: int) -> set[int]:
        return {owner[j] for j in bit_indices(neighbours[i]) if j in owner} - {owner[i]}

    def whole(members: Sequence[int], total: int) -> bool:
        return bool(members) and low <= total <= high and len(components(members, neighbours)) == 1

    found: list[TwoMove] = []
    for i in sorted(movers & set(owner)):
        a = owner[i]
        pi = int(population[i])
        for b in sorted(near(i)):
            for j in nets[b]:
                pj = int(population[j])
                b_after = tuple(sorted([x for x in nets[b] if x != j] + [i]))
                if not whole(b_after, size[b] + pi - pj):
                    continue
                for c in [a, *sorted(near(j) - {a, b})]:
                    if c == a:
                        a_after = tuple(sorted([x for x in nets[a] if x != i] + [j]))
                        if not whole(a_after, size[a] - pi + pj):
                            continue
                        change = TwoMove({i: b, j: a}, (a, b), (a_after, b_after))
                    else:
                        a_after = tuple(x for x in nets[a] if x != i)
                        c_after = tuple(sorted((*nets[c], j)))
                        if not whole(a_after, size[a] - pi) or not whole(c_after, size[c] + pj):
                            continue
                        change = TwoMove({i: b, j: c}, (a, b, c), (a_after, b_after, c_after))
                    if not problem.locks.kept(change.new):
                        continue
                    found.append(change)
                    if len(found) >= cap:
                        return _allowed(problem, found)
            b_after = tuple(sorted((*nets[b], i)))
            rest = [x for x in nets[a] if x != i]
            if not rest or not whole(b_after, size[b] + pi):
                continue
            reach = 0
            for x in rest:
                reach |= neighbours[x]
            for j in bit_indices(reach):
                if j not in owner or owner[j] in (a, b):
                    continue
                c = owner[j]
                pj = int(population[j])
                a_after = tuple(sorted([*rest, j]))
                c_after = tuple(x for x in nets[c] if x != j)
                if not whole(a_after, size[a] - pi + pj) or not whole(c_after, size[c] - pj):
                    continue
                change = TwoMove({i: b, j: a}, (a, b, c), (a_after, b_after, c_after))
                if not problem.locks.kept(change.new):
                    continue
                found.append(change)
                if len(found) >= cap:
                    return _allowed(problem, found)
    return _allowed(problem, found)


def _allowed(problem: AreaProblem, changes: list[TwoMove]) -> list[TwoMove]:
    """Keep the changes whose every new network passes the candidate filters."""
    if not changes or not problem.settings.candidate_filters:
        return changes
    drawn = CandidateSets.of([n for c in changes for n in c.new])
    ok = problem.allowed(drawn).tolist()
    kept: list[TwoMove] = []
    at = 0
    for change in changes:
        if all(ok[at : at + len(change.new)]):
            kept.append(change)
        at += len(change.new)
    return kept


def triples(problem: AreaProblem, nets: list[Network], pairs: list[Group]) -> list[Group]:
    """Every three networks joined by edges that two in-band networks could hold, each once.

    Re-drawn as two (the local search keeps only in-band splits of the three), they make
    one network fewer where that costs less: fewer, larger networks where the band allows.
    """
    population = problem.practices.population
    size = {n: int(population[list(n)].sum()) for n in nets}
    near: dict[Network, set[Network]] = {n: set() for n in nets}
    for a, b in pairs:
        near[a].add(b)
        near[b].add(a)
    room = 2 * problem.band.max_population
    order = {n: k for k, n in enumerate(nets)}
    triples: set[Group] = set()
    for a, b in pairs:
        for c in near[a] | near[b]:
            if c not in (a, b) and size[a] + size[b] + size[c] <= room:
                triples.add(tuple(sorted((a, b, c), key=order.__getitem__)))
    return sorted(triples, key=lambda g: [order[n] for n in g])


def partitions(
    problem: AreaProblem,
    nodes: Sequence[int],
    count: int,
    *,
    cap: int = MOST_PARTITIONS,
    steps: int = MOST_COVER_STEPS,
    deadline: float | None = None,
) -> list[Group]:
    """List every way to draw ``nodes`` as ``count`` connected in-band networks.

    Each network is connected, in band, keeps the locks and passes the candidate filters;
    together they hold every practice of ``nodes`` once. Networks are sorted tuples, in the
    order of their lowest practice. Empty when the group's connected in-band sets number
    more than :data:`MOST_PARTITION_SETS`; at most ``cap`` partitions (the first found,
    depth first from the lowest practice), and only those found within ``steps`` networks
    tried and before ``deadline`` (a ``time.monotonic()`` value).
    """
    practices = problem.practices
    population = practices.population
    low, high = problem.band.min_population, problem.band.max_population
    nodes = sorted(nodes)
    try:
        listed = connected_sets(
            nodes,
            practices.neighbours,
            population.tolist(),
            low=low,
            high=high,
            lock_of=problem.locks.lock_of,
            lock_masks=problem.locks.masks,
            cap=MOST_PARTITION_SETS,
            deadline=deadline,
        )
    except (PoolCapError, EnumerationTimeoutError):
        return []
    if problem.settings.candidate_filters and len(listed):
        listed = listed.select(problem.allowed(listed))
    sets = []
    for k in range(len(listed)):
        members = tuple(sorted(listed.members_of(k)))
        sets.append((bit_mask(members), int(population[list(members)].sum()), members))
    found, _ = covers(
        sets,
        nodes,
        count,
        total=int(population[nodes].sum()),
        low=low,
        high=high,
        cap=cap,
        steps=steps,
        deadline=deadline,
    )
    return [option for option in found if problem.locks.kept(option)]


def regroupings(
    problem: AreaProblem,
    nets: Sequence[Network],
    k: int,
    size: int,
    *,
    skip: Set[Group] = frozenset(),
    most_practices: int = MOST_GROUP_PRACTICES,
    deadline: float | None = None,
    changes: tuple[int, ...] = (0, -1),
    cap: int = MOST_PARTITIONS,
    near: Sequence[int] | None = None,
) -> Iterator[tuple[tuple[int, ...], list[Group]]]:
    """Yield each group of network ``k`` with ``size − 1`` of its neighbours, and its partitions.

    A group is given as indices in ``nets``, in order, with at most ``most_practices``
    practices, and not when its networks (in that order) are in ``skip``; its partitions
    (:func:`partitions`, at most ``cap`` per count, until ``deadline``) are into as many
    networks, and into one fewer where the group's population allows (``changes``: the
    changes of the count tried, e.g. ``(1,)`` for one network more). Groups in the order of
    their indices; none once ``deadline`` has passed. With ``near`` (indices in ``nets``,
    in the order to try them) the group's other networks are drawn from ``near`` instead of
    ``k``'s neighbours, in combinations of that order.
    """
    practices = problem.practices
    population = practices.population
    low, high = problem.band.min_population, problem.band.max_population
    if near is None:
        reach = 0
        for i in nets[k]:
            reach |= practices.neighbours[i]
        near = [m for m, n in enumerate(nets) if m != k and reach & bit_mask(n)]
    for others in itertools.combinations(near, size - 1):
        if deadline is not None and time.monotonic() > deadline:
            return
        group = tuple(sorted((k, *others)))
        nodes = [i for m in group for i in nets[m]]
        if len(nodes) > most_practices or tuple(nets[m] for m in group) in skip:
            continue
        total = int(population[nodes].sum())
        counts = [c for c in (size + d for d in changes) if c and low * c <= total <= high * c]
        found = [
            o for c in counts for o in partitions(problem, nodes, c, cap=cap, deadline=deadline)
        ]
        yield group, found


def repair_start(problem: AreaProblem) -> PieceNetworks | None:
    """Return the current plan made whole, per piece: the repair's own start plan.

    Each piece's practices keep their current network; a practice with none joins the
    smallest current network next to it (round after round, so that a group of such
    practices is reached from its edge); practices that reach none make networks of their
    own, one per connected group; a current network in several connected parts becomes one
    network per part. ``None`` without a current plan, or when the result breaks a lock or a
    candidate filter.
    """
    index = problem.current.index
    if index is None:
        return None
    practices = problem.practices
    population = practices.population
    plan: PieceNetworks = []
    for piece in problem.pieces:
        nodes = set(piece.nodes)
        label = {i: int(index[i]) for i in piece.nodes if index[i] >= 0}
        size: dict[int, int] = {}
        for i, net in label.items():
            size[net] = size.get(net, 0) + int(population[i])
        waiting = sorted(nodes - set(label))
        while waiting:
            joined = {}
            for i in waiting:
                near = {label[j] for j in bit_indices(practices.neighbours[i]) if j in label}
                if near:
                    joined[i] = min(near, key=lambda net: (size[net], net))
            if not joined:
                break
            for i, net in joined.items():
                label[i] = net
                size[net] += int(population[i])
            waiting = [i for i in waiting if i not in joined]
        groups: dict[int, list[int]] = {}
        for i in sorted(label):
            groups.setdefault(label[i], []).append(i)
        networks = [part for members in groups.values() for part in _parts(members, problem)]
        networks += _parts(waiting, problem)
        if not problem.locks.kept(networks):
            return None
        plan.append(sorted(sorted(n) for n in networks))
    every = CandidateSets.of([n for networks in plan for n in networks])
    if problem.settings.candidate_filters and not problem.allowed(every).all():
        return None
    return plan


def _parts(members: list[int], problem: AreaProblem) -> list[list[int]]:
    """Return the connected parts of ``members`` in the adjacency graph."""
    if not members:
        return []
    return [sorted(part) for part in components(members, problem.practices.neighbours)]
