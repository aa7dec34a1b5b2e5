"""Changes of several networks at once, beyond single moves and pair re-drawings.

Three neighbouring networks re-drawn as two (:func:`triples` lists them) make one network
fewer where that costs less.

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

from collections.abc import Sequence
from dataclasses import dataclass

from footprints.optimiser.candidates import CandidateSets, bit_indices, components
from footprints.optimiser.problem import AreaProblem

__all__ = ["MOST_TWO_MOVES", "TwoMove", "triples", "two_moves"]

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
    another network ``c`` next to it (a chain). Every network changed stays in band and
    contiguous, and the changes keep the locks and pass the candidate filters. At most
    ``cap`` changes, in the order of ``i``, then ``b``, then ``j``.
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
