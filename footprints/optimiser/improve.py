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

With ``plan_territories`` (registration geography with LSOA adjacency) the search keeps the
plan's exact territories (:class:`~footprints.optimiser.territories.PlanTerritories`):
networks are costed without the candidate-level territory term
(:func:`~footprints.optimiser.costs.territory_costs`, which judges a network's *likely*
territory alone), a change's gain adds ``plan_containment_weight`` per patient it brings
into their own network's territory and ``territory_weight`` per patient of territory excess
it removes, and no change is made that leaves more of the networks it touches failing the
territory tolerance. The last :data:`REPAIR_SHARE` of the time goes to :func:`_repair`,
which moves practices to repair the territories still failing.

Before anything else, each network outside the band is re-drawn with one or two
neighbours as in-band networks where it can be
(:func:`~footprints.optimiser.band_restore.restore_band`; the band comes
before everything but the hard rules), until the deadline rather than the time share: the
plan at hand when the exact solve is cut may be a bottom-up cut that knows no maximum.

Not used before the exact solve under the Voronoi model (whose results stay as they were),
nor on soft pieces, beyond bringing their networks into the band where neighbours allow.
In repair mode (not least change, no move budget) each network is
costed with its moves from the current network it overlaps most
(:func:`~footprints.optimiser.search_costs.move_terms`), a relaxation of the matching the
exact solve prices per column: the repair's start plan (:func:`repair_start`, the current
plan made whole) is improved so, and the caller keeps the result only where its true cost
is lower.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.band_restore import restore_band, restore_piece_band
from footprints.optimiser.candidates import (
    CandidateSets,
    PoolCapError,
    bit_indices,
    bit_mask,
    components,
    connected_sets,
)
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.costs import set_populations, straddling, territory_costs
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.reshape import (
    Group,
    Network,
    TwoMove,
    regroupings,
    repair_start,
    triples,
    two_moves,
)
from footprints.optimiser.search_costs import (
    REPAIR_GROUP_PRICED,
    ExactTerritories,
    network_costs,
    plan_territories,
)
from footprints.optimiser.territories import Change, PlanTerritories

__all__ = [
    "IMPROVE_SHARE",
    "PAIRS_PER_ROUND",
    "REPAIR_SHARE",
    "SPLIT_CAP",
    "Rounds",
    "improvable",
    "improve",
    "improving",
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


REPAIR_SHARE = 0.25
"""Share of the local search's time kept for the territory repair pass at its end."""


@dataclass(frozen=True)
class _Change:
    """A better drawing of some networks: which networks go, and what replaces them."""

    gain: int
    old: Group
    new: Group
    costs: tuple[int, ...]


class Rounds:
    """Whether another round of a local search fits before ``cutoff`` (``time.monotonic()``).

    A round is not started when the longest one so far would carry it past the cutoff: on
    NHS North West London 2021 one round of single-practice moves over the whole plan takes
    a few tenths of a second, and the search, checking only whether the cutoff had passed,
    ended up to 0.9 s after the deadline (BENCHMARKS.md, session 18). The first round
    always runs.
    """

    def __init__(self, cutoff: float) -> None:
        self.cutoff = cutoff
        self.longest = 0.0
        self.began: float | None = None

    def another(self) -> bool:
        """Whether to start another round (call once at the start of each)."""
        now = time.monotonic()
        if self.began is not None:
            self.longest = max(self.longest, now - self.began)
        self.began = now
        return now + self.longest < self.cutoff


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
    count): moves are then costed per network
    (:func:`~footprints.optimiser.search_costs.move_terms`).
    """
    settings = problem.settings
    if settings.patches_first or settings.nest_in_patches:
        return False
    if problem.current.index is None:
        return True
    return not settings.least_change and settings.max_moves is None


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
    territories = plan_territories(problem, plan)
    improved = [
        restore_piece_band(problem, networks, territories)
        if piece.soft
        else _improve_piece(problem, networks, cutoff, territories)
        for piece, networks in zip(problem.pieces, plan, strict=True)
    ]
    logger.debug("area %s: local search in %.2f s", problem.name, time.monotonic() - started)
    return improved


def _improve_piece(
    problem: AreaProblem,
    networks: list[list[int]],
    cutoff: float,
    territories: PlanTerritories | None = None,
) -> list[list[int]]:
    """Improve one hard piece's networks (see :func:`improve`)."""
    nets: list[Network] = [tuple(sorted(n)) for n in networks]
    exact = ExactTerritories.of(problem, territories, nets)
    costs = network_costs(problem, CandidateSets.of(nets), full=not exact)
    cost = dict(zip(nets, costs.tolist(), strict=True))
    nets = restore_band(problem, nets, cost, exact)
    tried: dict[Group, _Change | None] = {}
    repair_at = cutoff - REPAIR_SHARE * max(0.0, cutoff - time.monotonic()) if exact else cutoff
    rounds = Rounds(repair_at)
    while rounds.another() and not problem.deadline.stopped():
        nets, moved = _move_practices(problem, nets, cost, repair_at, exact)
        pairs = _neighbouring_pairs(problem, nets)
        groups = [(n,) for n in nets] + pairs
        if problem.settings.improve_triples:
            groups += triples(problem, nets, pairs)
        listed = 0
        for group in groups:
            if group not in tried:
                if time.monotonic() > repair_at or listed >= PAIRS_PER_ROUND:
                    break
                tried[group] = _best_change(problem, group, cost, exact is not None)
                listed += 1
        changes = sorted(
            (c for g in groups if (c := tried.get(g)) is not None and c.gain > 0),
            key=lambda c: (-c.gain, c.old),
        )
        gone: set[Network] = set()
        for change in changes:
            if gone.intersection(change.old):
                continue
            if exact is not None and not exact.redraw(change.gain, change.old, change.new):
                continue
            gone.update(change.old)
            nets = [n for n in nets if n not in change.old] + list(change.new)
            cost.update(zip(change.new, change.costs, strict=True))
        if not gone and not moved and listed == 0:
            break
    if exact is not None:
        nets = _repair(problem, nets, cost, cutoff, exact)
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


def _best_change(
    problem: AreaProblem, group: Group, cost: dict[Network, int], exact: bool = False
) -> _Change | None:
    """Find the cheapest re-drawing of ``group``'s practices as one or two networks.

    The options of :func:`_redrawings`, cheapest first (without the territory term), each
    costed in full (with it unless ``exact``), until the next cannot beat the best found.
    """
    before = sum(cost[n] for n in group)
    best_cost = before
    best: _Change | None = None
    for total, option, base in _redrawings(problem, group):
        if total >= best_cost:
            break
        extra = (
            [0] * len(option)
            if exact
            else territory_costs(CandidateSets.of(option), problem.practices, problem.settings)
        )
        full = [int(a + b) for a, b in zip(base, extra, strict=True)]
        if sum(full) < best_cost:
            best_cost = sum(full)
            best = _Change(before - best_cost, group, option, tuple(full))
    return best


def _redrawings(problem: AreaProblem, group: Group) -> Iterator[tuple[int, Group, list[int]]]:
    """Yield the re-drawings of ``group``'s practices as one or two networks, cheapest first.

    Every connected in-band set holding the group's first practice is a first network; the
    rest of the group, when in band, the second (or none: the pair merged). All are costed
    at once without the territory term; then, cheapest first, each that passes the checks
    (the rest contiguous, the locks and filters kept) is yielded as its cost, its networks
    and each network's cost. None where the splits are too many to list.
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
        return
    parts = listed.select(listed.members[listed.offsets[:-1]] == root)
    rest_size = total - set_populations(parts, population)
    merged = rest_size == 0
    in_band = (rest_size >= band.min_population) & (rest_size <= band.max_population)
    keep = in_band | (merged & (len(group) > 1))
    parts = parts.select(keep)
    merged = merged[keep]
    if not len(parts):
        return
    # The rest of the group beside each first network, as sets (empty where merged).
    inside = np.zeros((len(parts), len(nodes)), dtype=bool)
    inside[parts.owner(), np.searchsorted(nodes, parts.members)] = True
    rest_rows, rest_members = np.nonzero(~inside)
    rests = CandidateSets(
        nodes[rest_members].astype(np.int32),
        np.concatenate([[0], np.cumsum(np.bincount(rest_rows, minlength=len(parts)))]),
    )
    part_cost = network_costs(problem, parts, full=False)
    rest_cost = network_costs(problem, rests.select(~merged), full=False)
    totals = part_cost.copy()
    totals[~merged] += rest_cost
    for k in np.argsort(totals, kind="stable").tolist():
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
        yield int(totals[k]), option, base


def _move_practices(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories | None = None,
) -> tuple[list[Network], bool]:
    """Move single practices to a neighbouring network while that lowers the plan's cost.

    Every practice on the edge of its network is tried in each network it touches, when no
    network leaves the band (a network already over the maximum may grow, where that brings
    another into the band), the one it leaves stays contiguous and the locks and filters are
    kept; every such move is costed at once (:func:`~footprints.optimiser.costs.plan_costs`,
    the territory term included), and the best improving moves touching different networks
    are made, round after round, until none improves or ``cutoff`` passes.

    With ``exact`` territories the networks are costed without the territory term, and a
    move's gain adds the plan terms: the patients it brings into their own network's
    territory, and the territory excess it removes
    (:class:`~footprints.optimiser.search_costs.ExactTerritories`); a move that leaves
    more networks failing the territory tolerance than before is not made.

    Returns
    -------
    nets, moved
        The networks after the moves, and whether any practice moved.
    """
    moved = False
    rounds = Rounds(cutoff)
    while rounds.another() and not problem.deadline.stopped():
        options, gains, pair_cost = _priced_moves(problem, nets, cost, exact is not None)
        if not options:
            break
        order: list[float] = [float(g) for g in gains]
        if exact is not None:
            territories = exact.territories
            order = [
                g + exact.held_weight * territories.gain({o[4]: exact.slot[nets[o[1]]]})
                for g, o in zip(gains, options, strict=True)
            ]
        touched: set[int] = set()
        replaced: dict[int, Network] = {}
        for k in sorted(range(len(options)), key=lambda k: (-order[k], k)):
            if order[k] <= 0:
                break
            a, b, rest, grown, i = options[k]
            if a in touched or b in touched:
                continue
            if exact is not None:
                priced = exact.territories.change({i: exact.slot[nets[b]]})
                if priced.failing_after > priced.failing_before:
                    continue
                if gains[k] + exact.worth(priced) <= 0:
                    continue
                exact.territories.apply(priced)
                exact.slot[rest], exact.slot[grown] = exact.slot[nets[a]], exact.slot[nets[b]]
            touched.update((a, b))
            replaced[a], replaced[b] = rest, grown
            cost[rest], cost[grown] = int(pair_cost[k, 0]), int(pair_cost[k, 1])
        if not replaced:
            break
        nets = [replaced.get(k, n) for k, n in enumerate(nets)]
        moved = True
    return nets, moved


_Move = tuple[int, int, Network, Network, int]
"""A practice move: from network ``a``, to ``b``, ``a`` without it, ``b`` with it, the practice."""


def _priced_moves(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    exact: bool,
    only: set[int] | None = None,
) -> tuple[list[_Move], list[int], np.ndarray]:
    """Every allowed single-practice move (of ``only``'s practices, if given) and its gain.

    A move takes no network out of the band (into a network already over the maximum it
    may go: the band penalty and ``out_of_band_cost`` price it), keeps the one left
    contiguous, the locks and the filters;
    its gain is the networks' cost before minus after (without the territory term when
    ``exact``; 0 for a move a filter forbids).
    """
    practices = problem.practices
    population = practices.population
    band = problem.band
    owner = {i: k for k, n in enumerate(nets) for i in n}
    size = [int(population[list(n)].sum()) for n in nets]
    options: list[_Move] = []
    for a, members in enumerate(nets):
        if len(members) < 2:
            continue
        for i in members:
            if only is not None and i not in only:
                continue
            left = size[a] - int(population[i])
            if left < band.min_population:
                continue
            room = band.max_population - int(population[i])
            near = {owner[j] for j in bit_indices(practices.neighbours[i]) if j in owner}
            # a network already over the maximum may grow: no network leaves the band
            targets = sorted(
                b for b in near if b != a and (size[b] <= room or size[b] > band.max_population)
            )
            rest = tuple(j for j in members if j != i)
            if not targets or len(components(rest, practices.neighbours)) != 1:
                continue
            options.extend((a, b, rest, tuple(sorted((*nets[b], i))), i) for b in targets)
    options = [o for o in options if problem.locks.kept(o[2:4])]
    if not options:
        return [], [], np.zeros((0, 2), np.int64)
    drawn = CandidateSets.of([n for o in options for n in o[2:4]])
    keep = np.asarray(problem.allowed(drawn).reshape(-1, 2).all(axis=1), dtype=bool)
    pair_cost = network_costs(problem, drawn, full=not exact).reshape(-1, 2)
    gains = [
        cost[nets[a]] + cost[nets[b]] - int(pair_cost[k].sum()) if keep[k] else -(1 << 62)
        for k, (a, b, _, _, _) in enumerate(options)
    ]
    return options, gains, pair_cost


REPAIR_SPLITS = 48
"""Most re-drawings of a failing network and a neighbour priced on the exact territories."""

REPAIR_GROUP_SIZES = (2, 3)
"""Networks re-partitioned together by :func:`_repair_groups`, smallest groups first."""

REACH_NETWORKS = 3
"""Most networks touching a failing territory's detached parts that :func:`_repair_reach`
re-partitions with it (groups of two to four networks)."""

REACH_PRACTICES = 40
"""Most practices in a group :func:`_repair_reach` re-partitions."""

REPAIR_WEIGHT = 100.0
"""Patient-km per patient of territory excess removed that the repair pass may pay."""

REACH_WEIGHT = REPAIR_WEIGHT
"""What :func:`_repair_reach` may pay per patient of excess removed (patient-km)."""


def _repair(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
) -> list[Network]:
    """Repair territories failing the tolerance, one practice move at a time.

    For the networks of ``nets`` whose territory fails, the practices with patients in the
    detached LSOAs (of any network) are tried in each neighbouring network; the move that
    leaves fewer networks failing and gains most (the territory excess weighed at
    :data:`REPAIR_WEIGHT`) is made, until none repairs one or ``cutoff`` passes. When no
    single move repairs one, a failing network is re-drawn with a neighbour
    (:func:`_repair_pairs`), then re-partitioned exactly with one or two neighbours
    (:func:`_repair_groups`), then two practices move at once (:func:`_repair_two`), then
    the networks touching its detached parts are re-partitioned with it
    (:func:`_repair_reach`).
    """
    territories = exact.territories
    tried: set[Group] = set()
    rounds = Rounds(cutoff)
    while rounds.another() and not problem.deadline.stopped():
        slots = {exact.slot[n] for n in nets}
        failing = [k for k in territories.failing() if k in slots]
        if not failing:
            break
        detached = np.unique(np.concatenate([territories.detached(k) for k in failing]))
        suspects = {
            i
            for n in nets
            for i in n
            if exact.slot[n] in failing
            or np.isin(territories.rows(i)[0], detached, assume_unique=True).any()
        }
        # and the practices next to a failing network, which may join it and bridge its parts
        reach = 0
        for n in nets:
            if exact.slot[n] in failing:
                for i in n:
                    reach |= problem.practices.neighbours[i]
        suspects.update(bit_indices(reach))
        options, gains, pair_cost = _priced_moves(problem, nets, cost, True, suspects)
        best: tuple[float, int, Change] | None = None
        for k, (_, b, _, _, i) in enumerate(options):
            if gains[k] <= -(1 << 61) or time.monotonic() > cutoff:
                continue
            priced = territories.change({i: exact.slot[nets[b]]})
            if priced.failing_after >= priced.failing_before:
                continue
            worth = gains[k] + exact.worth(priced, REPAIR_WEIGHT)
            if worth > 0 and (best is None or worth > best[0]):
                best = (worth, k, priced)
        if best is None and time.monotonic() > cutoff:  # the moves were not all priced
            break
        if best is None:
            redrawn = _repair_pairs(problem, nets, cost, cutoff, exact, failing)
            if redrawn is None:
                redrawn = _repair_groups(problem, nets, cost, cutoff, exact, failing, tried)
            if redrawn is None:
                redrawn = _repair_two(problem, nets, cost, cutoff, exact, suspects)
            if redrawn is None:
                redrawn = _repair_reach(problem, nets, cost, cutoff, exact, failing, tried)
            if redrawn is None:
                break
            nets = redrawn
            continue
        _, k, priced = best
        a, b, rest, grown, _ = options[k]
        territories.apply(priced)
        exact.slot[rest], exact.slot[grown] = exact.slot[nets[a]], exact.slot[nets[b]]
        cost[rest], cost[grown] = int(pair_cost[k, 0]), int(pair_cost[k, 1])
        nets = [rest if n == a else grown if n == b else m for n, m in enumerate(nets)]
    return nets


def _repair_pairs(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
    failing: list[int],
) -> list[Network] | None:
    """Re-draw a failing network with a neighbour so that fewer territories fail.

    The :data:`REPAIR_SPLITS` cheapest re-drawings (:func:`_redrawings`) of each failing
    network with each neighbouring network are priced on the exact territories; the one
    that leaves fewer networks failing and gains most (excess weighed at
    :data:`REPAIR_WEIGHT`) is made. ``None`` when none repairs one.
    """
    territories = exact.territories
    best: tuple[float, Group, Group, tuple[int, ...], Change, list[int]] | None = None
    for a, b in _neighbouring_pairs(problem, nets):
        if exact.slot[a] not in failing and exact.slot[b] not in failing:
            continue
        if time.monotonic() > cutoff:  # listing a pair's re-drawings takes a while
            break
        group: Group = (a, b)
        before = cost[a] + cost[b]
        for n, (total, option, base) in enumerate(_redrawings(problem, group)):
            if n >= REPAIR_SPLITS or time.monotonic() > cutoff:
                break
            moves, taken = exact.moves(group, option)
            priced = territories.change(moves)
            if priced.failing_after >= priced.failing_before:
                continue
            worth = before - total + exact.worth(priced, REPAIR_WEIGHT)
            if worth > 0 and (best is None or worth > best[0]):
                best = (worth, group, option, tuple(base), priced, taken)
    if best is None:
        return None
    _, group, option, costs, priced, taken = best
    territories.apply(priced)
    exact.slot.update(zip(option, taken, strict=True))
    cost.update(zip(option, costs, strict=True))
    return [n for n in nets if n not in group] + list(option)


def _repair_two(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
    suspects: set[int],
) -> list[Network] | None:
    """Move two practices at once (:func:`~footprints.optimiser.reshape.two_moves`) to repair.

    The change that leaves fewer of the networks it touches failing and gains most (excess
    weighed at :data:`REPAIR_WEIGHT`) is made. ``None`` when none repairs one.
    """
    territories = exact.territories
    best: tuple[float, TwoMove, Change, list[int]] | None = None
    priced_ok: list[tuple[TwoMove, Change]] = []
    if time.monotonic() > cutoff:
        return None
    for option in two_moves(problem, nets, suspects):
        if time.monotonic() > cutoff:
            break
        priced = territories.change({i: exact.slot[nets[k]] for i, k in option.moves.items()})
        if priced.failing_after < priced.failing_before:
            priced_ok.append((option, priced))
    if not priced_ok:
        return None
    drawn = CandidateSets.of([n for option, _ in priced_ok for n in option.new])
    new_cost = network_costs(problem, drawn, full=False).tolist()
    at = 0
    for option, priced in priced_ok:
        after = new_cost[at : at + len(option.new)]
        at += len(option.new)
        gain = sum(cost[nets[k]] for k in option.old) - sum(after)
        worth = gain + exact.worth(priced, REPAIR_WEIGHT)
        if worth > 0 and (best is None or worth > best[0]):
            best = (worth, option, priced, after)
    if best is None:
        return None
    _, option, priced, costs = best
    logger.debug("area %s: territory repair moved %s", problem.name, option.moves)
    territories.apply(priced)
    old = [nets[k] for k in option.old]
    for before, after, c in zip(old, option.new, costs, strict=True):
        exact.slot[after] = exact.slot.pop(before)
        cost[after] = int(c)
    replaced = dict(zip(option.old, option.new, strict=True))
    return [replaced.get(k, n) for k, n in enumerate(nets)]


def _repair_groups(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
    failing: list[int],
    tried: set[Group],
) -> list[Network] | None:
    """Re-partition a failing network with neighbours exactly so that fewer territories fail.

    For each failing network, groups of it with one, then two neighbouring networks
    (:data:`REPAIR_GROUP_SIZES`, at most :data:`~footprints.optimiser.reshape.MOST_GROUP_PRACTICES`
    practices) are re-drawn in every way as as many in-band contiguous networks, or one
    fewer (:func:`~footprints.optimiser.reshape.regroupings`); the
    :data:`REPAIR_GROUP_PRICED` cheapest of each group are priced on the exact territories.
    The first group size with a change leaving fewer of the plan's networks failing gives
    the change: most territories repaired, then most gain (excess weighed at
    :data:`REPAIR_WEIGHT`). Groups in ``tried`` are skipped, and every group priced is added
    to it. ``None`` when no group repairs one.
    """
    for k in [m for m, n in enumerate(nets) if exact.slot[n] in failing]:
        for size in REPAIR_GROUP_SIZES:
            found = regroupings(problem, nets, k, size, skip=tried, deadline=cutoff)
            best = _best_regrouping(problem, nets, cost, cutoff, exact, found, tried)
            if best is not None:
                return _regroup(problem, nets, cost, exact, best)
    return None


def _repair_reach(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
    failing: list[int],
    tried: set[Group],
) -> list[Network] | None:
    """Re-partition a failing network with the networks touching its detached parts.

    Three quarters of the territories the repair left failing needed three or more practices
    moved or another network count (BENCHMARKS.md, session 19), and the networks that can
    take a detached part, or give the practices joining it to the rest, need not be the
    failing network's neighbours in the practice graph: they are the networks with patients
    in the part or holding the LSOAs around it (:meth:`PlanTerritories.touching`). For each
    failing network, groups of it with one, two, then up to :data:`REACH_NETWORKS` of those
    (most promising first; at most :data:`REACH_PRACTICES` practices) are re-drawn in every
    way as as many in-band contiguous networks, one fewer or one more
    (:func:`~footprints.optimiser.reshape.regroupings`), and the
    :data:`~footprints.optimiser.search_costs.REPAIR_GROUP_PRICED` cheapest of each group
    priced on the exact territories. A change is taken only when fewer of the plan's
    networks fail, the group's patients living outside their network's main patch
    (straddling) do not rise, and it gains (excess weighed at :data:`REACH_WEIGHT`): the
    repair once bought contiguity with straddling above the real networks' (BENCHMARKS.md,
    session 20). The first group size with such a change gives it. Groups in ``tried`` are
    skipped, and every group priced is added to it. ``None`` when no group repairs one.
    Re-drawing the first three touching networks of each of 90 failing territories in every
    way repaired 26 at any cost, 14 at :data:`REPAIR_WEIGHT` with straddling kept; in the
    repair, 2 more of the 90 than without this stage (BENCHMARKS.md, session 21).
    """
    where = {exact.slot[n]: m for m, n in enumerate(nets)}
    for k in [m for m, n in enumerate(nets) if exact.slot[n] in failing]:
        near = [where[s] for s in exact.territories.touching(exact.slot[nets[k]]) if s in where]
        near = near[:REACH_NETWORKS]
        for size in range(2, len(near) + 2):
            found = regroupings(
                problem,
                nets,
                k,
                size,
                skip=tried,
                most_practices=REACH_PRACTICES,
                deadline=cutoff,
                changes=(0, -1, 1),
                near=near,
            )
            best = _best_regrouping(
                problem, nets, cost, cutoff, exact, found, tried, REACH_WEIGHT, straddle=True
            )
            if best is not None:
                return _regroup(problem, nets, cost, exact, best)
    return None


_Regrouping = tuple[tuple[int, float], Group, Group, list[int], Change, list[int]]
"""A priced re-drawing: (repaired, worth), the old networks, the new, their costs, the change
and the new networks' slots."""


def _best_regrouping(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    cutoff: float,
    exact: ExactTerritories,
    found: Iterator[tuple[tuple[int, ...], list[Group]]],
    tried: set[Group],
    weight: float = REPAIR_WEIGHT,
    *,
    straddle: bool = False,
) -> _Regrouping | None:
    """Price each group's partitions (``found``, from :func:`regroupings`) and give the best.

    The :data:`REPAIR_GROUP_PRICED` cheapest partitions of each group not in ``tried`` (each
    group priced is added to it), with ``straddle`` only those whose networks hold no more
    patients outside their main patches than the group's, are priced on the exact
    territories; the best leaves fewer of the plan's networks failing, then gains most
    (excess weighed at ``weight``). ``None`` when none repairs one.
    """
    territories = exact.territories
    practices = problem.practices
    best: _Regrouping | None = None
    for group, options in found:
        old = tuple(nets[m] for m in group)
        if old in tried or time.monotonic() > cutoff:
            continue
        tried.add(old)
        drawn = sorted({n for option in options for n in option} - set(old))
        if not drawn:
            continue
        costs = network_costs(problem, CandidateSets.of(drawn), full=False).tolist()
        cost_of = {**cost, **dict(zip(drawn, costs, strict=True))}
        before = sum(cost[n] for n in old)
        outside: dict[Network, int] = {}
        if straddle:
            every = [*old, *drawn]
            apart = straddling(
                CandidateSets.of(every),
                population=practices.population,
                patch=practices.patch,
                homes=practices.homes,
            )
            outside = dict(zip(every, apart.tolist(), strict=True))
        limit = sum(outside.get(n, 0) for n in old)
        ranked = sorted(
            (sum(cost_of[n] for n in o), o)
            for o in options
            if set(o) != set(old) and sum(outside.get(n, 0) for n in o) <= limit
        )
        for total, option in ranked[:REPAIR_GROUP_PRICED]:
            if time.monotonic() > cutoff:
                break
            moves, taken = exact.moves(old, option)
            priced = territories.change(moves)
            fall = priced.failing_before - priced.failing_after
            worth = before - total + exact.worth(priced, weight)
            if fall > 0 and worth > 0 and (best is None or (fall, worth) > best[0]):
                after = [cost_of[n] for n in option]
                best = ((fall, worth), old, option, after, priced, taken)
    return best


def _regroup(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    exact: ExactTerritories,
    best: _Regrouping,
) -> list[Network]:
    """Make the re-drawing ``best`` (from :func:`_best_regrouping`) and give the new plan."""
    _, old, option, costs_after, priced, taken = best
    logger.debug("area %s: territory repair re-drew %d networks", problem.name, len(old))
    exact.territories.apply(priced)
    for network in old:
        del exact.slot[network]
    exact.slot.update(zip(option, taken, strict=True))
    cost.update(zip(option, costs_after, strict=True))
    return [n for n in nets if n not in old] + list(option)
