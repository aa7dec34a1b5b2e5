"""A lower bound on least change's moves, known at once from the current networks' shapes.

Least change's exact bound comes from the master LP, which needs every candidate listed or
priced; in large, degenerate areas neither finishes in time and this floor is the only bound
reported. It counts, for each current network ``m``, what any plan does to it:
``l_m`` of its practices leave (they are moved) and ``j_m`` practices of other networks or
of none join it (its matched new network ``N_m`` holds them). Every moved practice leaves
exactly one network and joins at most one, so for any plan

    moves = Σ l_m   and   moves ≥ Σ j_m − F,

``F`` the practices of no current network (each joins at most one network, at no move).
Each network's pair ``(l_m, j_m)`` is bounded from below by a few *options* read off its
practices in the practice graph (``N_m`` is connected and lies in one piece; in a hard
piece its patients are within the band):

- **no joiner**: ``N_m`` is a connected part of one of ``m``'s own components (its
  practices connected among themselves) whose patients reach the minimum: at most the
  most of that component's practices that fit under the maximum (smallest first) stay; or
  ``m`` is dissolved and all its practices leave. A network breaking a rule does not stay
  exactly as it is, so it loses at least one practice.
- **joiners, one component**: ``N_m`` holds practices of one component only (at most
  the most that fit under the maximum), and at least one joiner.
- **joiners across components**: ``N_m`` joins two or more of ``m``'s components, which
  takes at least as many joiners as the fewest practices outside ``m`` on any path
  between two of them; at most the most of ``m``'s practices that fit under the maximum
  stay.

The floor is the least, over one option per network, of ``max(Σ l, Σ j − F)`` (a small
dynamic programme over ``Σ j``). It is at least the count of leavers over the maximum and
of networks that must change that the previous floor used, and it sees what that one did
not: a network in several parts keeps one of them or pays joiners to bridge them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from footprints.optimiser.candidates import bit_indices, components
from footprints.optimiser.compliance import current_networks
from footprints.optimiser.problem import AreaProblem

__all__ = ["fewest_moves_floor", "floor_of_options", "network_options"]

Option = tuple[int, int]
"""``(leavers, joiners)``: a lower bound on both for one way a plan treats a network."""


def fewest_moves_floor(problem: AreaProblem) -> int:
    """Return a lower bound on the practices any plan moves (see the module's docstring).

    ``0`` without a current plan or where patients, not practices, are counted.
    """
    index = problem.current.index
    if index is None or problem.settings.fewest_patients:
        return 0
    free = sum(1 for piece in problem.pieces for i in piece.nodes if index[i] < 0)
    options = [
        network_options(problem, network.members, broken=not network.compliant)
        for network in current_networks(problem).values()
        if network.number >= 0
    ]
    # Where free practices lie in other pieces than a network, the count by piece below
    # can be the larger: keep the better of the two.
    return max(floor_of_options(options, free), _change_floor(problem))


def floor_of_options(options: Sequence[Sequence[Option]], free: int) -> int:
    """Return ``min over one option per network of max(Σ leavers, Σ joiners − free)``."""
    best: dict[int, int] = {0: 0}  # Σ joiners → least Σ leavers
    for choices in options:
        step: dict[int, int] = {}
        for joined, left in best.items():
            for leave, join in choices:
                key = joined + join
                value = left + leave
                if value < step.get(key, value + 1):
                    step[key] = value
        # keep only the pairs no other beats on both counts
        best = {}
        least = None
        for joined in sorted(step):
            if least is None or step[joined] < least:
                best[joined] = least = step[joined]
    return min(max(left, joined - free) for joined, left in best.items())


def network_options(problem: AreaProblem, members: Sequence[int], *, broken: bool) -> list[Option]:
    """Return the options ``(leavers, joiners)`` of one current network (module docstring)."""
    practices = problem.practices
    population = practices.population
    band = problem.band
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    by_piece: dict[int, list[int]] = {}
    for i in members:
        if i in piece_of:
            by_piece.setdefault(piece_of[i], []).append(i)
    planned = sum(len(nodes) for nodes in by_piece.values())
    if not planned:
        return [(0, 0)]
    whole = planned == len(members) and len(by_piece) == 1
    alone = planned  # no joiner: dissolved, unless a component can stay by itself
    one = 0  # joiners, one component: the most that stay
    across = 0  # joiners bridging components: the most that stay
    bridge = 0  # the fewest joiners that bridge two components (0: none to bridge)
    for p, nodes in by_piece.items():
        soft = problem.pieces[p].soft

        def fit(group: Sequence[int], soft: bool = soft) -> int:
            if soft:
                return len(group)
            sizes = np.sort(population[list(group)])
            return int(np.count_nonzero(np.cumsum(sizes) <= band.max_population))

        parts = components(nodes, practices.neighbours)
        for part in parts:
            kept = fit(part)
            one = max(one, kept)
            if soft or int(population[part].sum()) >= band.min_population:
                alone = min(alone, planned - kept)
        if len(parts) > 1:
            across = max(across, fit(nodes))
            needed = _fewest_bridging(parts, practices.neighbours, problem.pieces[p].nodes)
            if needed and (not bridge or needed < bridge):
                bridge = needed
    if broken and whole and alone == 0:
        alone = 1  # a network breaking a rule does not stay exactly as it is
    options = [(alone, 0), (planned - one, 1)]
    if bridge and across > one:
        options.append((planned - across, bridge))
    return options


def _fewest_bridging(
    parts: list[list[int]], neighbours: Sequence[int], inside: Sequence[int]
) -> int:
    """Return the fewest practices outside ``parts`` on a path in ``inside`` joining two parts.

    0-1 breadth-first search from each part: a practice of a part costs 0, any other 1.
    ``0`` when no path joins two parts.
    """
    part_of = {i: k for k, part in enumerate(parts) for i in part}
    allowed = set(inside)
    best = 0
    for k, part in enumerate(parts):
        dist = {i: 0 for i in part}
        queue = deque(part)
        while queue:
            i = queue.popleft()
            d = dist[i]
            if best and d >= best:
                break
            for j in bit_indices(neighbours[i]):
                if j not in allowed or j in dist:
                    continue
                owner = part_of.get(j)
                if owner is not None and owner != k:
                    if d and (not best or d < best):
                        best = d
                    continue
                cost = 0 if owner == k else 1
                dist[j] = d + cost
                if cost:
                    queue.append(j)
                else:
                    queue.appendleft(j)
    return best


def _change_floor(problem: AreaProblem) -> int:
    """Return the floor of session 8: leavers over the maximum, networks that must change.

    A current network's practices stay only in the one network matched to it, which lies in
    one piece and, where the band holds, has at most the maximum of patients: so at most
    ``K`` of them stay, ``K`` the most of its practices in one piece whose patients fit
    under the maximum (the smallest first; contiguity ignored), and ``leave = members − K``
    of its own practices move (*leavers*; a soft piece keeps them all). A network that
    breaks a rule with no leaver *must change* unless a practice of no current network can
    join it at no cost (none is in its piece, and all its practices are left to plan): a
    practice of another network joins it, a move. A leaver can also join one such network,
    and one move serves at most two, so at least ``L + ⌈max(0, change − L) / 2⌉`` practices
    move, ``L`` the leavers of every network.
    """
    index = problem.current.index
    assert index is not None
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    free = {piece_of[i] for i in piece_of if index[i] < 0}
    population = problem.practices.population
    most = problem.band.max_population
    leavers = change = 0
    for network in current_networks(problem).values():
        if network.number < 0 or network.compliant:
            continue
        by_piece: dict[int, list[int]] = {}
        for i in network.members:
            if i in piece_of:
                by_piece.setdefault(piece_of[i], []).append(int(population[i]))
        planned = sum(len(sizes) for sizes in by_piece.values())
        stay = 0
        for p, sizes in by_piece.items():
            if problem.pieces[p].soft:
                fit = len(sizes)
            else:
                fit = int(np.count_nonzero(np.cumsum(sorted(sizes)) <= most))
            stay = max(stay, fit)
        leave = planned - stay
        leavers += leave
        whole = planned == len(network.members) and len(by_piece) == 1
        if not leave and whole and next(iter(by_piece)) not in free:
            change += 1
    return leavers + -(-max(0, change - leavers) // 2)
