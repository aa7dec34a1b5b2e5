"""Least change near the current plan: every network a plan moving at most ``k`` can have.

A plan moving at most ``k`` practices changes little. Take one of its networks ``N``
matched to current network ``m``: the practices of ``N`` with a current network other than
``m`` (*joiners*) are moved, and so are the practices of ``m`` outside ``N`` (*leavers*:
each is in another network, matched to another current network or to none). Joiners and
leavers are different practices, so

    (joiners of N: its practices with a current network other than m) + (leavers of m) ≤ k,

and a network matched to none holds at most ``k`` practices with a current network
(practices of no current network join anywhere at no move). For small ``k`` every such
connected group of a piece in its window can be listed (:func:`within_moves`), whether or
not the piece's candidates could be: the columns a plan moving at most ``k`` can use are
among them (:func:`near_columns`). So CP-SAT's fewest moves over those columns, where it is
at most ``k``, is the fewest moves over every plan; and where none of them moves at most
``k``, every plan moves at least ``k + 1``
(:func:`~footprints.optimiser.priorities.solve_priorities` asks that with ``k`` one less
than the plan at hand).

The listing grows each current network's practices of the piece by joiners (each next to
the network or an earlier joiner), then takes leavers away (fewest first, never below the
window); groups of few practices with a current network grow from each practice. Past
:data:`NEAR_MOVES_CAP` groups it gives up (``None``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray, bit_indices, bit_mask
from footprints.optimiser.columns import Columns, build_columns, keep_allowed, piece_window
from footprints.optimiser.pieces import Piece
from footprints.optimiser.pricing import matched_sums
from footprints.optimiser.problem import AreaProblem

__all__ = ["NEAR_MOVES_CAP", "near_columns", "near_distance", "within_moves"]

NEAR_MOVES_CAP = 120_000
"""Most groups :func:`within_moves` looks at in one area before it gives up."""


class _CapReachedError(Exception):
    """More groups than the cap."""


def within_moves(
    problem: AreaProblem, k: int, *, cap: int = NEAR_MOVES_CAP, until: float = math.inf
) -> list[CandidateSets] | None:
    """List, per piece, every allowed group a plan moving at most ``k`` practices can hold.

    See the module's docstring. ``None`` without a current plan, or when more than ``cap``
    groups would be looked at or the clock (``time.monotonic``) passes ``until``.
    """
    if problem.current.index is None or k < 0:
        return None
    seen: set[int] = set()
    left = [cap]
    out: list[CandidateSets] = []
    try:
        for piece in problem.pieces:
            masks = set(_piece_groups(problem, piece, k, seen, left, until))
            sets = CandidateSets.of([bit_indices(mask) for mask in sorted(masks)])
            out.append(keep_allowed(problem, sets))
    except _CapReachedError:
        return None
    return out


@dataclass
class _Piece:
    """One piece's practices as bit masks, and the groups looked at so far (all pieces)."""

    problem: AreaProblem
    piece: Piece
    seen: set[int]
    left: list[int]
    until: float

    def __post_init__(self) -> None:
        index = self.problem.current.index
        assert index is not None
        self.low, self.high = piece_window(self.problem, self.piece)
        self.inside = bit_mask(self.piece.nodes)
        self.counted = bit_mask(i for i in self.piece.nodes if index[i] >= 0)
        self.population = [int(p) for p in self.problem.practices.population]
        self.neighbours = self.problem.practices.neighbours

    def look(self, n: int = 1) -> None:
        """Count ``n`` more groups looked at; past the cap, give up."""
        self.left[0] -= n
        if self.left[0] < 0 or time.monotonic() > self.until:
            raise _CapReachedError

    def weight(self, mask: int) -> int:
        return sum(self.population[i] for i in bit_indices(mask))

    def moved(self, mask: int) -> int:
        return (mask & self.counted).bit_count()

    def around(self, mask: int) -> int:
        found = 0
        for i in bit_indices(mask):
            found |= self.neighbours[i]
        return found & self.inside & ~mask

    def connected(self, mask: int) -> bool:
        reached = frontier = mask & -mask
        while frontier:
            frontier = self.around(frontier) & mask & ~reached
            reached |= frontier
        return reached == mask

    def fits(self, mask: int) -> bool:
        """Whether ``mask`` is new, in the window, connected and keeps the locks."""
        if mask in self.seen:
            return False
        self.seen.add(mask)
        self.look()
        return (
            self.low <= self.weight(mask) <= self.high
            and self.connected(mask)
            and self.problem.locks.kept([bit_indices(mask)])
        )


def _piece_groups(
    problem: AreaProblem, piece: Piece, k: int, seen: set[int], left: list[int], until: float
) -> Iterator[int]:
    """Yield the groups of ``piece`` a plan moving at most ``k`` can hold (see above)."""
    index = problem.current.index
    assert index is not None
    at = _Piece(problem, piece, seen, left, until)
    # Practices over the maximum are candidates alone (repair mode), as in piece_candidates.
    for i in piece.nodes:
        if at.population[i] > problem.band.max_population and problem.locks.lock_of[i] < 0:
            yield 1 << i
    members: dict[int, int] = {}
    for i in piece.nodes:
        if index[i] >= 0:
            members[int(index[i])] = members.get(int(index[i]), 0) | (1 << i)
    for network in members.values():
        yield from _near_network(at, network, k)
    # Groups matched to no network: at most k practices with a current network.
    grown = {1 << i for i in piece.nodes}
    while grown:
        bigger: set[int] = set()
        for mask in grown:
            if at.weight(mask) > at.high:
                continue
            if at.fits(mask):
                yield mask
            for a in bit_indices(at.around(mask)):
                new = mask | (1 << a)
                if at.moved(new) <= k and new not in bigger:
                    bigger.add(new)
        at.look(len(bigger))
        grown = bigger


def _near_network(at: _Piece, network: int, k: int) -> Iterator[int]:
    """Yield the groups within ``k`` joiners plus leavers of ``network`` that fit."""
    own = bit_indices(network)
    largest = sorted((at.population[i] for i in own), reverse=True)
    joined = {0}
    frontier = [0]
    while frontier:  # joiners, each next to the network or an earlier joiner
        grown = []
        for added in frontier:
            for a in bit_indices(at.around(network | added)):
                new = added | (1 << a)
                if new in joined or at.moved(new) > k:
                    continue
                room = k - at.moved(new)
                if at.weight(network | new) - sum(largest[:room]) > at.high:
                    continue  # even the largest leavers cannot bring it under the maximum
                joined.add(new)
                grown.append(new)
        at.look(len(grown))
        frontier = grown
    for added in joined:
        yield from _leave(at, network | added, own, 0, k - at.moved(added))


def _leave(at: _Piece, mask: int, own: list[int], start: int, room: int) -> Iterator[int]:
    """Yield ``mask`` and it less up to ``room`` of ``own[start:]``, those that fit.

    Never below the window's minimum: taking practices away only lowers the population.
    """
    if mask and at.fits(mask):
        yield mask
    if room <= 0:
        return
    total = at.weight(mask)
    for j in range(start, len(own)):
        smaller = mask & ~(1 << own[j])
        if smaller and total - at.population[own[j]] >= at.low:
            yield from _leave(at, smaller, own, j + 1, room - 1)


def near_distance(problem: AreaProblem, columns: Columns) -> IntArray:
    """Per column ``(N, m)``: joiners plus leavers of ``m`` in ``N``'s piece (see above).

    Joiners: members of ``N`` with a current network other than ``m``; leavers: practices
    of ``m`` in the piece of ``N`` outside ``N``. For a column matched to none: its members
    with a current network.
    """
    index = problem.current.index
    assert index is not None
    counted = (index >= 0).astype(np.int64)
    held = np.rint(columns.sets.sums(counted.astype(np.float64))).astype(np.int64)
    overlap = matched_sums(columns, index, counted)
    joiners = held[columns.col_set] - overlap
    sizes = np.zeros((len(problem.pieces), len(problem.current.ids) + 1), np.int64)
    for p, piece in enumerate(problem.pieces):
        for i in piece.nodes:
            if index[i] >= 0:
                sizes[p, index[i]] += 1
    match = columns.col_match
    own = sizes[columns.set_piece[columns.col_set], np.where(match >= 0, match, -1)]
    leavers = np.where(match >= 0, own - overlap, 0)
    distance: IntArray = joiners + leavers
    return distance


def near_columns(
    problem: AreaProblem, k: int, *, cap: int = NEAR_MOVES_CAP, until: float = math.inf
) -> Columns | None:
    """Every column a plan moving at most ``k`` practices can use (see :func:`within_moves`).

    ``None`` past ``cap`` groups or the clock ``until``.
    """
    piece_sets = within_moves(problem, k, cap=cap, until=until)
    if piece_sets is None:
        return None
    columns = build_columns(problem, piece_sets)
    keep = np.flatnonzero(near_distance(problem, columns) <= k)
    return Columns(
        columns.sets,
        columns.set_population,
        columns.set_cost,
        columns.set_piece,
        columns.col_set[keep],
        columns.col_match[keep],
        columns.col_moves[keep],
        columns.col_cost[keep],
        columns.checked,
    )
