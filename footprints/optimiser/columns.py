"""The columns of the partitioning model: candidate networks × the current network matched.

Each piece of an area gets its candidate networks (:func:`piece_candidates`: every connected
set in its population window that passes the candidate filters, see
:mod:`footprints.optimiser.candidates`). In repair mode each candidate is paired with every
current network it overlaps, and once with none: a *column* is such a pair, costing the
candidate's cost (:mod:`footprints.optimiser.costs`) plus its moves. :class:`Partition`
names the rows the columns cover.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

import numpy as np

from footprints.optimiser.candidates import (
    FULL_LISTING_SHARE,
    BoolArray,
    CandidateSets,
    IntArray,
    PoolCapError,
    bit_indices,
    bit_mask,
    components,
    connected_sets,
    list_candidates,
    nearest_practices,
)
from footprints.optimiser.costs import move_costs, set_costs, territory_costs, territory_term
from footprints.optimiser.pieces import NAMES_SHOWN, Piece
from footprints.optimiser.problem import AreaProblem

__all__ = [
    "NEAR_CURRENT_CAP",
    "NEAR_FILL_DEPTH",
    "NEAR_FILL_STATES",
    "NEAR_SPLIT_PRACTICES",
    "PRICED_CAP",
    "PRICED_LISTING_SHARE",
    "SOFT_ABOVE_MAX_PRACTICES",
    "Columns",
    "Limit",
    "Partition",
    "build_columns",
    "keep_allowed",
    "list_piece",
    "near_current",
    "piece_candidates",
    "piece_window",
    "plan_columns",
    "raise_costs",
    "with_current_networks",
]


SOFT_ABOVE_MAX_PRACTICES = 30
"""Pieces with at most this many practices get soft candidates above the maximum too.
"""


@dataclass
class Columns:
    """Candidate networks and the (candidate, matched current network) columns over them.

    Parameters
    ----------
    sets
        The candidate networks of every piece, one after another.
    set_population, set_cost
        Per set: population, and cost in integer units without moves.
    set_piece
        Per set: the number of its piece.
    col_set, col_match, col_moves, col_cost
        Per column: its set, the current network matched (``-1`` for none), the practices
        it moves and its cost in integer units.
    checked
        Per set: whether its cost includes the territory term
        (:func:`~footprints.optimiser.costs.territory_costs`), which :func:`raise_costs`
        adds to the sets that can be in a plan; ``None`` where the term is off.
    """

    sets: CandidateSets
    set_population: IntArray
    set_cost: IntArray
    set_piece: IntArray
    col_set: IntArray
    col_match: IntArray
    col_moves: IntArray
    col_cost: IntArray
    checked: BoolArray | None = None

    def __len__(self) -> int:
        """Count the columns."""
        return len(self.col_set)

    def scored(self, values: IntArray) -> Columns:
        """Return the same columns costing ``values`` (a priority's measure) instead.

        The copy's costs are never raised (``checked`` is ``None``: :func:`raise_costs`
        leaves it be), so that a solve over it keeps ``values`` in the measure's own units
        and leaves the territory terms of these columns to be added to these columns.
        """
        return replace(self, col_cost=values.copy(), checked=None)


@dataclass(frozen=True)
class Limit:
    """A side row ``Σ values[j] · x_j ≤ most`` over the columns ``j`` of one :class:`Columns`.

    The lexicographic solves (:mod:`footprints.optimiser.priorities`) keep an earlier
    priority at its optimum with such a row while they minimise the next one.

    Parameters
    ----------
    values
        Per column of the pool: what it counts (whole numbers ≥ 0).
    most
        The largest total allowed.
    name
        What it counts, for logs.
    """

    values: IntArray
    most: int
    name: str = "limit"

    def kept(self, chosen: IntArray) -> bool:
        """Whether the plan made of the columns ``chosen`` keeps the row."""
        return int(self.values[chosen].sum()) <= self.most


@dataclass(frozen=True)
class Partition:
    """The rows of a set-partitioning model over some columns.

    Parameters
    ----------
    rows
        Practices to cover exactly once.
    pieces
        The pieces (a piece with ``k_range`` gets a network-count row).
    n_match
        Current networks, each matched at most once.
    max_moves
        The move budget (``None``: none).
    n_practices
        Practices in the area (the size of per-practice arrays).
    limits
        Side rows over the columns (see :class:`Limit`).
    """

    rows: list[int]
    pieces: list[Piece]
    n_match: int
    max_moves: int | None
    n_practices: int
    limits: tuple[Limit, ...] = ()

    def allows(self, columns: Columns, chosen: IntArray) -> bool:
        """Whether the columns ``chosen`` are a plan of these rows.

        Every row's practice covered exactly once, each current network matched at most
        once, the move budget and the limits kept (the network counts are not checked).
        """
        sets = columns.sets
        covered = sorted(i for j in chosen for i in sets.members_of(int(columns.col_set[j])))
        if covered != self.rows:
            return False
        matched = [int(m) for m in columns.col_match[chosen] if m >= 0]
        if len(matched) != len(set(matched)):
            return False
        if self.max_moves is not None and int(columns.col_moves[chosen].sum()) > self.max_moves:
            return False
        return all(limit.kept(chosen) for limit in self.limits)

    @staticmethod
    def of_area(problem: AreaProblem) -> Partition:
        """Make the whole area's rows: every practice of each piece, matching, budget."""
        return Partition(
            rows=sorted(i for piece in problem.pieces for i in piece.nodes),
            pieces=problem.pieces,
            n_match=len(problem.current.ids),
            max_moves=problem.settings.max_moves,
            n_practices=len(problem.practices),
        )

    @staticmethod
    def of_piece(problem: AreaProblem, piece: Piece) -> Partition:
        """One piece's rows alone: its practices and network count (no matching, budget)."""
        return Partition(sorted(piece.nodes), [piece], 0, None, len(problem.practices))


def keep_allowed(problem: AreaProblem, sets: CandidateSets) -> CandidateSets:
    """Keep the sets that pass every candidate filter (all of them when there are none)."""
    if not problem.settings.candidate_filters:
        return sets
    return sets.select(problem.allowed(sets))


def piece_window(problem: AreaProblem, piece: Piece) -> tuple[int, int]:
    """Return the population window of ``piece``'s candidates: the band, or wider if soft."""
    band = problem.band
    if not piece.soft:
        return band.min_population, band.max_population
    high = band.max_population
    if len(piece.nodes) <= SOFT_ABOVE_MAX_PRACTICES:
        high += band.max_population - band.min_population
    return 0, high


def list_piece(problem: AreaProblem, piece: Piece) -> CandidateSets:
    """List the allowed candidate networks of ``piece``: in band, or wider if soft.

    A soft piece lists every connected set up to the maximum (up to the maximum plus the
    band's width for pieces of at most :data:`SOFT_ABOVE_MAX_PRACTICES` practices).
    ``piece.bounded`` turns ``False`` when only local candidates could be listed.
    """
    low, high = piece_window(problem, piece)
    # Least change proves its minimum by pricing where not every candidate can be listed
    # (footprints.optimiser.pricing): groups near the current networks are enough to start.
    priced = problem.settings.least_change and problem.current.index is not None
    sets, complete = list_candidates(
        problem.practices,
        piece.nodes,
        low=low,
        high=high,
        lock_of=problem.locks.lock_of,
        lock_masks=problem.locks.masks,
        cap=min(problem.settings.candidate_cap, PRICED_CAP)
        if priced
        else problem.settings.candidate_cap,
        deadline=problem.deadline,
        local=not priced,
        share=PRICED_LISTING_SHARE if priced else FULL_LISTING_SHARE,
    )
    if not complete:
        piece.bounded = False
        if priced:
            sets = CandidateSets.concatenate([sets, near_current(problem, piece, low, high)])
    return keep_allowed(problem, sets)


PRICED_CAP = 1_000_000
"""Least change: most candidates listed per piece before groups near the current networks
and pricing take over."""
PRICED_LISTING_SHARE = 0.25
"""Least change: share of the time left that listing every candidate of a piece may take."""
NEAR_SPLIT_PRACTICES = 16
"""Current networks of at most this many practices also give every connected in-band group
of their own practices to :func:`near_current` (the parts a split can leave)."""
NEAR_CURRENT_CAP = 200_000
"""Most groups :func:`near_current` lists for one piece."""


def near_current(
    problem: AreaProblem,
    piece: Piece,
    low: int,
    high: int,
    *,
    only: Collection[int] | None = None,
    until: float | None = None,
) -> CandidateSets:
    """List connected groups in ``[low, high]`` close to the current networks of ``piece``.

    Each current network's practices in the piece, less at most one of them and with at
    most two neighbours added, or less two; every connected group of its own practices
    (the parts of a split); and two adjacent current networks joined. The locks are kept.
    A start for pricing, not every candidate. ``only``: the numbers of the current
    networks to vary (default: all). ``until`` (a ``time.monotonic()`` value): no further
    network is varied once it passes, and the groups found so far, with every network as it
    is and the adjacent pairs joined, are returned (on NHS
    North West London 2021 the listing took 8.3 s of the app's 20 s, BENCHMARKS.md,
    session 17).
    """
    practices = problem.practices
    index = problem.current.index
    assert index is not None
    inside = bit_mask(piece.nodes)
    population = practices.population
    members: dict[int, list[int]] = {}
    for i in piece.nodes:
        if index[i] >= 0 and (only is None or int(index[i]) in only):
            members.setdefault(int(index[i]), []).append(i)
    found: set[int] = set()

    def neighbours(mask: int) -> int:
        around = 0
        for i in bit_indices(mask):
            around |= practices.neighbours[i]
        return around & inside & ~mask

    def consider(mask: int) -> None:
        if mask in found or len(found) >= NEAR_CURRENT_CAP:
            return
        nodes = bit_indices(mask)
        if (
            low <= int(population[nodes].sum()) <= high
            and len(components(nodes, practices.neighbours)) == 1
            and problem.locks.kept([nodes])
        ):
            found.add(mask)

    networks = [bit_mask(nodes) for nodes in members.values()]
    for nodes in members.values():  # a network split in parts: its connected groups in band
        if len(nodes) <= NEAR_SPLIT_PRACTICES:
            parts = connected_sets(
                nodes, practices.neighbours, population.tolist(), low=low, high=high
            )
            for k in range(len(parts)):
                consider(bit_mask(parts.members_of(k)))

    def late() -> bool:
        return until is not None and time.monotonic() > until

    for mask in networks:  # each network as it is, even when late: least change keeps it
        consider(mask)
    for mask in networks:
        if late():
            break
        cores = [mask] + [mask & ~(1 << i) for i in bit_indices(mask)]
        for core in cores:
            if not core:
                continue
            consider(core)
            for a in bit_indices(neighbours(core)):
                grown = core | (1 << a)
                consider(grown)
                for b in bit_indices(neighbours(grown)):
                    if b > a or not (neighbours(core) >> b) & 1:
                        consider(grown | (1 << b))
        for i, j in itertools.combinations(bit_indices(mask), 2):
            consider(mask & ~(1 << i) & ~(1 << j))
        for core in cores:  # a network too small filled up from around it
            _fill_up(core, low, neighbours, population, consider)
    for first, second in itertools.combinations(networks, 2):
        if neighbours(first) & second:  # cheap: the pairs are joined even when late
            consider(first | second)
    return CandidateSets.of([bit_indices(mask) for mask in sorted(found)])


NEAR_FILL_DEPTH = 6
"""Most practices :func:`near_current` adds to fill a network below the band's minimum."""
NEAR_FILL_STATES = 3_000
"""Most groups :func:`near_current` grows from one network while filling it up."""


def _fill_up(
    core: int,
    low: int,
    neighbours: Callable[[int], int],
    population: IntArray,
    consider: Callable[[int], None],
) -> None:
    """Offer ``consider`` the groups grown from ``core`` one neighbour at a time until in band.

    Only groups below ``low`` grow further (at most :data:`NEAR_FILL_DEPTH` additions and
    :data:`NEAR_FILL_STATES` groups), so a network short of the minimum can take in the
    several small practices around it that it needs — more than the two of the rest of
    :func:`near_current`.
    """
    seen = {core}
    frontier = [core]
    for _ in range(NEAR_FILL_DEPTH):
        grown = []
        for mask in frontier:
            if int(population[bit_indices(mask)].sum()) >= low:
                continue
            for a in bit_indices(neighbours(mask)):
                bigger = mask | (1 << a)
                if bigger in seen:
                    continue
                seen.add(bigger)
                consider(bigger)
                grown.append(bigger)
                if len(seen) >= NEAR_FILL_STATES:
                    return
        frontier = grown


def piece_candidates(problem: AreaProblem, piece: Piece) -> CandidateSets:
    """List the candidates of ``piece``, making it soft where a practice is in none in band.

    Practices over the maximum that repair mode left in the piece are candidates alone too.
    A practice of a hard piece in no allowed in-band candidate makes the piece soft (with
    that practice as the reason) and its candidates are listed again in the wider window.
    """
    practices = problem.practices
    band = problem.band
    lock_of = problem.locks.lock_of
    sets = list_piece(problem, piece)
    alone = [
        [i]
        for i in piece.nodes
        if int(practices.population[i]) > band.max_population and lock_of[i] < 0
    ]
    if alone:  # practices over the maximum (repair mode): alone, as outside it
        sets = CandidateSets.concatenate([sets, keep_allowed(problem, CandidateSets.of(alone))])
    if piece.soft:
        return sets
    covered = np.zeros(len(practices), dtype=bool)
    covered[sets.members] = True
    missing = [i for i in piece.nodes if not covered[i]]
    if not missing or (not piece.bounded and problem.settings.least_change):
        return sets  # groups near the current networks need not cover every practice
    if not piece.bounded:  # local candidates: look further around the practices they missed
        sets = CandidateSets.concatenate([sets, around(problem, piece, missing)])
        covered[sets.members] = True
        missing = [i for i in piece.nodes if not covered[i]]
        if not missing:
            return sets
    locks_note = " that respects the locks" if problem.locks.groups else ""
    if problem.settings.candidate_filters:
        locks_note += " and passes" if locks_note else " that passes"
        locks_note += " the candidate filters"
    reasons = {
        i: f"practice {practices.codes[i]} ({int(practices.population[i]):,} patients) is in no "
        f"contiguous group of {band.min_population:,}–{band.max_population:,} "
        f"patients{locks_note}"
        for i in missing
    }
    reason = "; ".join(reasons[i] for i in missing[:NAMES_SHOWN]) + (
        f" (and {len(missing) - NAMES_SHOWN} more)" if len(missing) > NAMES_SHOWN else ""
    )
    piece.make_soft(reason, reasons)
    return list_piece(problem, piece)


AROUND_NEAREST = (12, 24, 36)
"""Nearest practices searched, in turn, for the groups holding a practice that no local
candidate holds (:func:`around`)."""
AROUND_CAP = 200_000
"""Most groups listed among one practice's nearest by :func:`around`."""


def around(problem: AreaProblem, piece: Piece, missing: Sequence[int]) -> CandidateSets:
    """List in-band groups of ``piece`` holding each practice of ``missing``, from nearby.

    For each practice, every connected group in the piece's window among its nearest
    practices of the piece in the adjacency graph (:data:`AROUND_NEAREST`, more until one
    is found) that holds it and keeps the locks. Where the local candidates missed a
    practice, this finds its networks before the piece is declared soft for want of any.
    """
    practices = problem.practices
    low, high = piece_window(problem, piece)
    inside = bit_mask(piece.nodes)
    found: list[CandidateSets] = []
    for i in missing:
        for k in AROUND_NEAREST:
            try:
                sets = connected_sets(
                    sorted(nearest_practices(practices, inside, i, k)),
                    practices.neighbours,
                    practices.population.tolist(),
                    low=low,
                    high=high,
                    lock_of=problem.locks.lock_of,
                    lock_masks=problem.locks.masks,
                    cap=AROUND_CAP,
                )
            except PoolCapError:
                break
            holding = sets.reduce((np.arange(len(practices)) == i).astype(np.int64), np.add)
            if holding.any():
                found.append(keep_allowed(problem, sets.select(holding > 0)))
                break
            if k >= len(piece.nodes):
                break
    return CandidateSets.concatenate(found) if found else CandidateSets.of([])


def with_current_networks(
    problem: AreaProblem, piece_sets: list[CandidateSets]
) -> list[CandidateSets]:
    """Add the current plan's out-of-band networks as candidates (under a move budget).

    Keeping such a network as it is is always an option, at its band penalty: with a tight
    move budget it may be the only one. Networks that are not contiguous, not wholly inside
    one piece, that break the locks or fail a candidate filter are left out. A piece that
    gains one loses its network-count row, which holds only when every network is in band.
    """
    if problem.settings.max_moves is None or not problem.current.assignment:
        return piece_sets
    practices = problem.practices
    members: dict[str, list[int]] = {}
    for code, net in problem.current.assignment.items():
        members.setdefault(net, []).append(practices.index[code])
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    extra: dict[int, list[list[int]]] = {}
    for net in sorted(members):
        nodes = sorted(members[net])
        found = {piece_of.get(i) for i in nodes}
        if len(found) != 1 or None in found:
            continue
        population = int(practices.population[nodes].sum())
        if problem.band.contains(population) or len(components(nodes, practices.neighbours)) != 1:
            continue
        if not problem.locks.kept([nodes]):
            continue
        if not problem.allowed(CandidateSets.of([nodes]))[0]:
            continue
        extra.setdefault(found.pop() or 0, []).append(nodes)
    if not extra:
        return piece_sets
    out = []
    for p, sets in enumerate(piece_sets):
        added = extra.get(p, [])
        if added:
            problem.pieces[p].k_range = None
            sets = CandidateSets.concatenate([sets, CandidateSets.of(added)])
        out.append(sets)
    return out


def build_columns(
    problem: AreaProblem, piece_sets: Sequence[CandidateSets], *, repair: bool = True
) -> Columns:
    """Build the columns over each piece's candidates (``piece_sets[p]`` for piece ``p``).

    With ``repair`` and a current plan, each candidate gets a column per current network it
    overlaps (moving the practices outside it) and one unmatched column (moving all its
    practices with a current network), columns over the move budget left out; otherwise
    one unmatched column per candidate, moving none.
    """
    settings = problem.settings
    current_index = problem.current.index if repair else None
    sets = CandidateSets.concatenate(piece_sets)
    set_piece = np.repeat(
        np.arange(len(piece_sets), dtype=np.int64), [len(s) for s in piece_sets]
    ).astype(np.int64)
    population, cost = set_costs(sets, problem.practices, settings)
    n = len(sets)
    checked = np.zeros(n, dtype=bool) if territory_term(problem.practices, settings) else None
    if current_index is None or n == 0:
        col_set = np.arange(n, dtype=np.int64)
        zeros = np.zeros(n, np.int64)
        return Columns(
            sets, population, cost, set_piece, col_set, zeros - 1, zeros, cost.copy(), checked
        )
    pair_set, pair_match, overlap, n_current = _overlaps(sets, current_index)
    pair_moves = n_current[pair_set] - overlap
    col_set = np.concatenate([pair_set, np.arange(n, dtype=np.int64)])
    col_match = np.concatenate([pair_match, np.full(n, -1, np.int64)])
    col_moves = np.concatenate([pair_moves, n_current])
    # An unmatched column is only needed where a matched one could be taken by another
    # network; a set with no current practices has only its unmatched column, moving none.
    keep = np.ones(len(col_set), dtype=bool)
    if settings.max_moves is not None:
        keep &= col_moves <= settings.max_moves
    order = np.lexsort((col_match, col_set))
    order = order[keep[order]]
    col_set, col_match, col_moves = col_set[order], col_match[order], col_moves[order]
    col_cost = cost[col_set] + move_costs(col_moves, settings)
    return Columns(
        sets, population, cost, set_piece, col_set, col_match, col_moves, col_cost, checked
    )


def raise_costs(problem: AreaProblem, columns: Columns, cols: IntArray) -> IntArray | None:
    """Add the territory term to the costs of the sets of ``cols`` not yet checked.

    Every column of such a set costs that much more (in ``columns``, changed in place).

    Returns
    -------
    numpy.ndarray or None
        Per column (all of them), how much its cost rose; ``None`` when no set of ``cols``
        was left to check.
    """
    if columns.checked is None:
        return None
    sets = np.unique(columns.col_set[cols])
    sets = sets[~columns.checked[sets]]
    if not len(sets):
        return None
    extra = territory_costs(
        columns.sets.select(np.isin(np.arange(len(columns.sets)), sets)),
        problem.practices,
        problem.settings,
    )
    columns.checked[sets] = True
    per_set = np.zeros(len(columns.sets), np.int64)
    per_set[sets] = extra
    columns.set_cost += per_set
    raised: IntArray = per_set[columns.col_set]
    columns.col_cost += raised
    return raised


def _overlaps(
    sets: CandidateSets, current_index: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """(set, current network) pairs with their overlap, and each set's current practices.

    In chunks of sets, so that no array the size of all members is built.
    """
    n_current = np.zeros(len(sets), np.int64)
    pair_parts: list[tuple[IntArray, IntArray, IntArray]] = []
    for start, chunk in sets.chunks():
        owner = chunk.owner() + start
        cur = current_index[chunk.members]
        with_current = cur >= 0
        n_current[start : start + len(chunk)] = np.bincount(
            owner[with_current] - start, minlength=len(chunk)
        )
        owner_c, cur_c = owner[with_current], cur[with_current]
        if not len(owner_c):
            continue
        order = np.lexsort((cur_c, owner_c))
        owner_c, cur_c = owner_c[order], cur_c[order]
        new = np.ones(len(owner_c), dtype=bool)
        new[1:] = (owner_c[1:] != owner_c[:-1]) | (cur_c[1:] != cur_c[:-1])
        starts = np.flatnonzero(new)
        pair_parts.append(
            (owner_c[starts], cur_c[starts], np.diff(np.append(starts, len(owner_c))))
        )
    empty = np.zeros(0, np.int64)
    pair_set = np.concatenate([part[0] for part in pair_parts] or [empty])
    pair_match = np.concatenate([part[1] for part in pair_parts] or [empty])
    overlap = np.concatenate([part[2] for part in pair_parts] or [empty])
    return pair_set, pair_match, overlap, n_current


def plan_columns(columns: Columns, set_ids: IntArray, max_moves: int | None) -> IntArray | None:
    """One column per set of ``set_ids``, each current network matched at most once.

    Columns moving fewest practices are taken first (a greedy maximum-overlap matching).
    ``None`` when some set has no column left or the move budget is broken.
    """
    cols = np.flatnonzero(np.isin(columns.col_set, set_ids))
    order = cols[np.lexsort((columns.col_match[cols] < 0, columns.col_moves[cols]))]
    chosen: dict[int, int] = {}
    used: set[int] = set()
    for j in order:
        s, m = int(columns.col_set[j]), int(columns.col_match[j])
        if s in chosen or (m >= 0 and m in used):
            continue
        chosen[s] = int(j)
        if m >= 0:
            used.add(m)
    if len(chosen) != len(set(int(s) for s in set_ids)):
        return None
    picked = np.asarray(sorted(chosen.values()), np.int64)
    if max_moves is not None and int(columns.col_moves[picked].sum()) > max_moves:
        return None
    return picked
