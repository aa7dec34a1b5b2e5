"""Local search on a complete plan: re-split pairs of neighbouring networks while cost falls.

On registration geography the constructive plan (:mod:`footprints.optimiser.construct`) is
improved before the exact solve. Each round first moves single practices to a neighbouring
network while that lowers the cost (every such move costed at once, the best moves touching
different networks made together, until none improves); then it takes up to
:data:`PAIRS_PER_ROUND` pairs of neighbouring networks of a hard piece not yet tried and
finds the cheapest way to re-draw their practices as two in-band contiguous networks (every
split is listed with :func:`~footprints.optimiser.candidates.connected_sets` and costed with
the same terms as every candidate, :func:`~footprints.optimiser.costs.set_costs`), or as one
network where their union is in band; each network alone may split in two. The best
improving changes touching different networks are made, round after round, until none
improves or the time share runs out. Every change keeps contiguity, the band, the locks and
the candidate filters. On NHS North West London (352 practices, 2021) the practice moves
took the constructive plan's cost from 30.9 to 29.5 million in 2.3 s, where the pairs alone
reached 30.2 million (and 29.1 million only after 30 s).

The improved plan is CP-SAT's first incumbent and the plan returned when the exact solve
runs out of time first: where every candidate is listed the exact solve proves the same
optimum as before, and where only local candidates fit in the time limit (large areas) the
plan is at least as good as the best re-split of any two of its networks.

Not used before the exact solve under the Voronoi model (whose results stay as they were),
nor on soft pieces. In repair mode (not least change, no move budget) each network is
costed with its moves from the current network it overlaps most (:func:`move_terms`), a
relaxation of the matching the exact solve prices per column: the repair's start plan
(:func:`repair_start`, the current plan made whole) is improved so, and the caller keeps
the result only where its true cost is lower.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import (
    CandidateSets,
    IntArray,
    PoolCapError,
    bit_indices,
    bit_mask,
    components,
    connected_sets,
)
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.costs import (
    move_costs,
    plan_costs,
    set_costs,
    set_populations,
    territory_costs,
)
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "IMPROVE_SHARE",
    "PAIRS_PER_ROUND",
    "SPLIT_CAP",
    "improvable",
    "improve",
    "improving",
    "move_terms",
    "repair_start",
]

logger = logging.getLogger(__name__)

IMPROVE_SHARE = 0.15
"""Share of the time limit the local search may take."""

SPLIT_CAP = 20_000
"""Most splits listed for one pair of networks (a larger pair is left as it is)."""


PAIRS_PER_ROUND = 24
"""Most groups re-split per round before the improving changes found are made (a round that
listed every pair first left most of a large area's pairs unseen in the time share)."""


Network = tuple[int, ...]
"""A network as its practices, sorted."""
Group = tuple[Network, ...]
"""Networks re-drawn together."""


@dataclass(frozen=True)
class _Change:
    """A better drawing of some networks: which networks go, and what replaces them."""

    gain: int
    old: Group
    new: Group
    costs: tuple[int, ...]


def improving(problem: AreaProblem) -> bool:
    """Whether :func:`improve` works on this problem: registration geography, not repair.

    Nor under a priority (``patches_first``, ``nest_in_patches``): the local search lowers
    the usual objective only, and could undo what the priority solve put first.
    """
    return (
        problem.practices.homes is not None
        and problem.current.index is None
        and improvable(problem)
    )


def improvable(problem: AreaProblem) -> bool:
    """Whether :func:`improve` can work on this problem at all: no priority.

    Under the Voronoi model too: where only local candidates could be listed, the plan
    CP-SAT starts from is improved first (:func:`improve` with ``anyway``). In repair mode
    only without least change and without a move budget (which the local search does not
    count): moves are then costed per network (:func:`move_terms`).
    """
    settings = problem.settings
    if settings.patches_first or settings.nest_in_patches:
        return False
    if problem.current.index is None:
        return True
    return not settings.least_change and settings.max_moves is None


def move_terms(problem: AreaProblem, sets: CandidateSets) -> IntArray:
    """Per set, the price of its moves from the current network holding most of its practices.

    Zero without a current plan. A practice with no current network (or in a fixed one)
    never counts as moved, as in the exact solve's columns; the exact solve matches each
    current network to one network at most, so this is a lower bound of its move cost.
    """
    index = problem.current.index
    if index is None or len(sets) == 0:
        return np.zeros(len(sets), np.int64)
    owner = sets.owner()
    current = index[sets.members]
    known = current >= 0
    with_current = np.bincount(owner[known], minlength=len(sets))
    kept = np.zeros(len(sets), np.int64)
    if known.any():
        width = int(current.max()) + 1
        pairs, counts = np.unique(owner[known] * width + current[known], return_counts=True)
        np.maximum.at(kept, pairs // width, counts)
    return move_costs((with_current - kept).astype(np.int64), problem.settings)


def _costs(problem: AreaProblem, sets: CandidateSets, *, full: bool = True) -> IntArray:
    """Per set, its cost as the local search counts it: with moves in repair mode.

    ``full`` adds the territory term (:func:`~footprints.optimiser.costs.plan_costs`).
    """
    practices, settings = problem.practices, problem.settings
    _, cost = (
        plan_costs(sets, practices, settings) if full else set_costs(sets, practices, settings)
    )
    total: IntArray = cost + move_terms(problem, sets)
    return total


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


def improve(
    problem: AreaProblem,
    plan: PieceNetworks | None,
    *,
    until: float | None = None,
    anyway: bool = False,
) -> PieceNetworks | None:
    """Return ``plan`` with neighbouring networks re-split while that lowers its cost.

    Works until ``until`` (a ``time.monotonic()`` value; default: :data:`IMPROVE_SHARE`
    of the time limit from now), the deadline or a stop. ``plan`` unchanged unless
    :func:`improving` (with ``anyway``: unless :func:`improvable`, whatever the
    geography), or without a plan.
    """
    if plan is None or not (improvable(problem) if anyway else improving(problem)):
        return plan
    started = time.monotonic()
    if until is None:
        until = started + IMPROVE_SHARE * problem.settings.time_limit
    cutoff = min(problem.deadline.at, until)
    improved = [
        networks if piece.soft else _improve_piece(problem, networks, cutoff)
        for piece, networks in zip(problem.pieces, plan, strict=True)
    ]
    logger.debug("area %s: local search in %.2f s", problem.name, time.monotonic() - started)
    return improved


def _improve_piece(
    problem: AreaProblem, networks: list[list[int]], cutoff: float
) -> list[list[int]]:
    """Improve one hard piece's networks (see :func:`improve`)."""
    nets: list[Network] = [tuple(sorted(n)) for n in networks]
    costs = _costs(problem, CandidateSets.of(nets))
    cost = dict(zip(nets, costs.tolist(), strict=True))
    tried: dict[Group, _Change | None] = {}
    while time.monotonic() < cutoff and not problem.deadline.stopped():
        nets, moved = _move_practices(problem, nets, cost, cutoff)
        groups = [(n,) for n in nets] + _neighbouring_pairs(problem, nets)
        listed = 0
        for group in groups:
            if group not in tried:
                if time.monotonic() > cutoff or listed >= PAIRS_PER_ROUND:
                    break
                tried[group] = _best_change(problem, group, cost)
                listed += 1
        changes = sorted(
            (c for g in groups if (c := tried.get(g)) is not None and c.gain > 0),
            key=lambda c: (-c.gain, c.old),
        )
        gone: set[Network] = set()
        for change in changes:
            if gone.intersection(change.old):
                continue
            gone.update(change.old)
            nets = [n for n in nets if n not in change.old] + list(change.new)
            cost.update(zip(change.new, change.costs, strict=True))
        if not gone and not moved and listed == 0:
            break
    return [list(n) for n in nets]


def _neighbouring_pairs(problem: AreaProblem, nets: list[Network]) -> list[Group]:
    """Every pair of networks joined by an edge, each pair once."""
    neighbours = problem.practices.neighbours
    masks = [bit_mask(n) for n in nets]
    pairs: list[Group] = []
    for a, members in enumerate(nets):
        reach = 0
        for i in members:
            reach |= neighbours[i]
        for b in range(a + 1, len(nets)):
            if reach & masks[b]:
                pairs.append((members, nets[b]))
    return pairs


def _best_change(problem: AreaProblem, group: Group, cost: dict[Network, int]) -> _Change | None:
    """Find the cheapest re-drawing of ``group``'s practices as one or two networks.

    Every connected in-band set holding the group's first practice is a first network; the
    rest of the group, when in band, the second (or none: the pair merged). All are costed
    at once without the territory term; then, cheapest first, each is checked (the rest
    contiguous, the locks and filters kept) and costed in full, until the next cannot beat
    the best found.
    """
    practices = problem.practices
    population = practices.population
    band = problem.band
    nodes = np.asarray(sorted(i for n in group for i in n), np.int64)
    total = int(population[nodes].sum())
    root = int(nodes[0])
    reach = [0] * len(practices)
    reach[root] = bit_mask(nodes.tolist())
    try:
        listed = connected_sets(
            nodes.tolist(),
            practices.neighbours,
            population.tolist(),
            low=band.min_population,
            high=band.max_population,
            lock_of=problem.locks.lock_of,
            lock_masks=problem.locks.masks,
            reach=reach,
            cap=SPLIT_CAP,
        )
    except PoolCapError:
        return None
    parts = listed.select(listed.members[listed.offsets[:-1]] == root)
    rest_size = total - set_populations(parts, population)
    merged = rest_size == 0
    in_band = (rest_size >= band.min_population) & (rest_size <= band.max_population)
    keep = in_band | (merged & (len(group) > 1))
    parts = parts.select(keep)
    merged = merged[keep]
    if not len(parts):
        return None
    # The rest of the group beside each first network, as sets (empty where merged).
    inside = np.zeros((len(parts), len(nodes)), dtype=bool)
    inside[parts.owner(), np.searchsorted(nodes, parts.members)] = True
    rest_rows, rest_members = np.nonzero(~inside)
    rests = CandidateSets(
        nodes[rest_members].astype(np.int32),
        np.concatenate([[0], np.cumsum(np.bincount(rest_rows, minlength=len(parts)))]),
    )
    part_cost = _costs(problem, parts, full=False)
    rest_cost = _costs(problem, rests.select(~merged), full=False)
    totals = part_cost.copy()
    totals[~merged] += rest_cost
    before = sum(cost[n] for n in group)
    best_cost = before
    best: _Change | None = None
    for k in np.argsort(totals, kind="stable").tolist():
        if totals[k] >= best_cost:
            break
        option: Group = (tuple(sorted(parts.members_of(k))),)
        if not merged[k]:
            rest = tuple(rests.members_of(k))
            if len(components(rest, practices.neighbours)) != 1:
                continue
            option = (*option, rest)
        if not problem.locks.kept(option):
            continue
        drawn = CandidateSets.of(option)
        if not problem.allowed(drawn).all():
            continue
        base = [int(part_cost[k])] + ([] if merged[k] else [int(totals[k] - part_cost[k])])
        extra = territory_costs(drawn, practices, problem.settings).tolist()
        full = [a + b for a, b in zip(base, extra, strict=True)]
        if sum(full) < best_cost:
            best_cost = sum(full)
            best = _Change(before - best_cost, group, option, tuple(full))
    return best


def _move_practices(
    problem: AreaProblem, nets: list[Network], cost: dict[Network, int], cutoff: float
) -> tuple[list[Network], bool]:
    """Move single practices to a neighbouring network while that lowers the plan's cost.

    Every practice on the edge of its network is tried in each network it touches, when both
    networks stay in band, the one it leaves stays contiguous and the locks and filters are
    kept; every such move is costed at once (:func:`~footprints.optimiser.costs.plan_costs`,
    the territory term included), and the best improving moves touching different networks
    are made, round after round, until none improves or ``cutoff`` passes.

    Returns
    -------
    nets, moved
        The networks after the moves, and whether any practice moved.
    """
    practices = problem.practices
    population = practices.population
    band = problem.band
    moved = False
    while time.monotonic() < cutoff and not problem.deadline.stopped():
        owner = {i: k for k, n in enumerate(nets) for i in n}
        size = [int(population[list(n)].sum()) for n in nets]
        options: list[tuple[int, int, Network, Network]] = []
        for a, members in enumerate(nets):
            if len(members) < 2:
                continue
            for i in members:
                left = size[a] - int(population[i])
                if left < band.min_population:
                    continue
                room = band.max_population - int(population[i])
                near = {owner[j] for j in bit_indices(practices.neighbours[i]) if j in owner}
                targets = sorted(b for b in near if b != a and size[b] <= room)
                rest = tuple(j for j in members if j != i)
                if not targets or len(components(rest, practices.neighbours)) != 1:
                    continue
                options.extend((a, b, rest, tuple(sorted((*nets[b], i)))) for b in targets)
        options = [o for o in options if problem.locks.kept(o[2:])]
        if not options:
            break
        drawn = CandidateSets.of([n for o in options for n in o[2:]])
        keep = np.asarray(problem.allowed(drawn).reshape(-1, 2).all(axis=1), dtype=bool)
        pair_cost = _costs(problem, drawn).reshape(-1, 2)
        gains = [
            cost[nets[a]] + cost[nets[b]] - int(pair_cost[k].sum()) if keep[k] else 0
            for k, (a, b, _, _) in enumerate(options)
        ]
        touched: set[int] = set()
        replaced: dict[int, Network] = {}
        for k in sorted(range(len(options)), key=lambda k: (-gains[k], k)):
            if gains[k] <= 0:
                break
            a, b, rest, grown = options[k]
            if a in touched or b in touched:
                continue
            touched.update((a, b))
            replaced[a], replaced[b] = rest, grown
            cost[rest], cost[grown] = int(pair_cost[k, 0]), int(pair_cost[k, 1])
        if not replaced:
            break
        nets = [replaced.get(k, n) for k, n in enumerate(nets)]
        moved = True
    return nets, moved
