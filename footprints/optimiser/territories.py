"""Exact territories of a plan in the local search, kept up to date move by move.

A network's *territory* is the LSOAs where it holds the most registered patients among the
plan's networks (DESIGN.md, "Registration geography"; ties: the larger network, then the
lower slot). :class:`PlanTerritories` keeps, for one area's plan, every network's patients
per LSOA (a slots × LSOA-columns table), each LSOA's holder, and each network's territory
excess: ``max(0, tolerance × its patients in its territory − those in the territory's
largest connected part)``, positive exactly when the territory fails the territory rule.

A change moves practices between slots (networks); only the LSOAs of the practices moved
change hands, and only the networks that hold or held them, or lose or gain the practices,
change territory. :meth:`PlanTerritories.change` prices a change without making it (the
patients living in their own network's territory gained, the excess before and after,
failing territories before and after) and :meth:`PlanTerritories.apply` makes it.

Patients of the LSOA registered at practices outside the area (``registered`` minus the
area's practices' counts) stand as one competitor, slot ``-1``, that holds the LSOA when
it has more than every network of the area: pessimistic (they may be several networks),
so a territory judged whole here is seldom in pieces in the region's plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from footprints.geography import TERRITORY_TOLERANCE
from footprints.optimiser.candidates import BoolArray, IntArray, LsoaArrays

__all__ = ["Change", "PlanTerritories"]

_HELD_SHIFT = 40
"""Bits below a holder's patients in the key that picks a holder (patients ≤ 2²³)."""
_SIZE_SHIFT = 16
"""Bits below a network's population in that key (slots < 2¹⁶, populations < 2²⁴)."""


@dataclass(frozen=True)
class Change:
    """A change priced by :meth:`PlanTerritories.change`, made by :meth:`~PlanTerritories.apply`.

    Parameters
    ----------
    moves
        Practice → the slot it moves to.
    contained
        Patients living in their own network's territory after the change minus before.
    excess_before, excess_after
        Σ territory excess over the networks whose territory or patients change.
    failing_before, failing_after
        How many of those networks fail the tolerance, before and after.
    repaired
        Σ excess before of those networks the change makes whole, minus Σ excess after of
        those it breaks: the excess that counts towards the failing territories, whatever
        the networks still failing gain or lose.
    """

    moves: Mapping[int, int]
    contained: int
    excess_before: float
    excess_after: float
    failing_before: int
    failing_after: int
    repaired: float
    _columns: IntArray
    _slots: IntArray
    _held: IntArray
    _sizes: IntArray
    _owner: IntArray
    _excess: Mapping[int, float]


class PlanTerritories:
    """Exact territories of an area's plan, kept up to date as practices move.

    Parameters
    ----------
    lsoas
        The area's practices' LSOA counts (every row: :attr:`LsoaArrays.catchments`).
    population
        List size of each practice (the tie-break: the larger network).
    networks
        The plan: slot ``k`` is ``networks[k]``'s practices. Practices in no network hold
        nothing.
    tolerance
        Share of a territory's patients its largest part must hold.
    """

    def __init__(
        self,
        lsoas: LsoaArrays,
        population: IntArray,
        networks: Sequence[Sequence[int]],
        tolerance: float = TERRITORY_TOLERANCE,
    ) -> None:
        self.tolerance = tolerance
        self.population = np.asarray(population, np.int64)
        self.offsets, self.lsoa, self.count = lsoas.catchments
        width = len(lsoas.registered)
        offsets, targets = lsoas.adjacency
        self._neighbours: list[list[int]] = [
            targets[offsets[c] : offsets[c + 1]].tolist() for c in range(width)
        ]
        area = np.bincount(self.lsoa, weights=self.count, minlength=width)
        self.outside = np.maximum(lsoas.registered - np.rint(area).astype(np.int64), 0)
        self.slot = np.full(len(self.population), -1, np.int64)
        self.held = np.zeros((len(networks), width), np.int64)
        self.sizes = np.zeros(len(networks), np.int64)
        for k, members in enumerate(networks):
            for i in members:
                self.slot[i] = k
                self._add(self.held[k], i, 1)
            self.sizes[k] = int(self.population[list(members)].sum())
        self.owner = self._holders(np.arange(width), self.held, self.sizes)
        self.tied = _tied(self.held)
        self.excess = [self._excess(k, self.owner, self.held[k]) for k in range(len(networks))]

    # ---- reading -------------------------------------------------------------------------
    def rows(self, i: int) -> tuple[IntArray, IntArray]:
        """Give practice ``i``'s LSOA columns and its patients in each."""
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.lsoa[start:end], self.count[start:end]

    def contained(self, k: int) -> int:
        """Patients of slot ``k`` living in its territory."""
        return int(self.held[k, self.owner == k].sum())

    def failing(self) -> list[int]:
        """Slots whose territory fails the tolerance."""
        return [k for k, e in enumerate(self.excess) if e > 0]

    def detached(self, k: int) -> IntArray:
        """Columns of slot ``k``'s territory outside its largest connected part."""
        territory = np.flatnonzero(self.owner == k)
        if not len(territory):
            return territory
        labels = self._labels(territory)
        weight = np.bincount(labels, weights=self.held[k, territory])
        detached: IntArray = territory[labels != int(np.argmax(weight))]
        return detached

    def touching(self, k: int) -> list[int]:
        """Give the slots touching slot ``k``'s detached parts, most promising first.

        A slot touches a detached part when it has patients in one of its LSOAs or holds an
        LSOA next to one: taking the part, or giving ``k`` the practices that would join it
        to the rest, needs such a slot. Ranked by its patients in the detached LSOAs, then
        by how many LSOAs next to them it holds; ``k`` and the competitor outside the area
        (slot ``-1``) are left out.
        """
        detached = self.detached(k)
        if not len(detached):
            return []
        inside = set(detached.tolist())
        around = {c for d in detached.tolist() for c in self._neighbours[d]} - inside
        held = self.held[:, detached].sum(axis=1)
        beside = np.bincount(
            [int(h) for h in self.owner[sorted(around)].tolist() if h >= 0],
            minlength=len(self.sizes),
        )
        slots = [s for s in np.flatnonzero((held > 0) | (beside > 0)).tolist() if s != k]
        return sorted(slots, key=lambda s: (-int(held[s]), -int(beside[s]), s))

    def grow(self) -> int:
        """Add an empty slot (a network to be formed by a change) and give its number."""
        self.held = np.vstack([self.held, np.zeros((1, self.held.shape[1]), np.int64)])
        self.sizes = np.append(self.sizes, 0)
        self.excess.append(0.0)
        return len(self.sizes) - 1

    # ---- changing ------------------------------------------------------------------------
    def change(self, moves: Mapping[int, int]) -> Change:
        """Price moving each practice of ``moves`` to its slot, without making the move."""
        moved = [i for i, k in moves.items() if int(self.slot[i]) != k]
        slots = sorted({int(self.slot[i]) for i in moved} | {moves[i] for i in moved})
        slot_arr = np.asarray(slots, np.int64)
        sizes = self.sizes.copy()
        new_rows = self.held[slot_arr].copy()
        position = {k: n for n, k in enumerate(slots)}
        for i in moved:
            lsoa, count = self.rows(i)
            old, new = position[int(self.slot[i])], position[moves[i]]
            new_rows[old, lsoa] -= count
            new_rows[new, lsoa] += count
            sizes[int(self.slot[i])] -= int(self.population[i])
            sizes[moves[i]] += int(self.population[i])
        # Holders change where the moved practices' patients live, and, since the sizes
        # decide ties, where a changed slot has patients and the most held is tied. Only
        # those columns are looked at: on NHS North West London a network's patients live
        # in thousands of LSOAs, and pricing every one of them took most of the repair's
        # time (BENCHMARKS.md, session 19).
        moved_rows = [self.rows(i)[0] for i in moved]
        tied = self.tied & (self.held[slot_arr] != 0).any(axis=0)
        columns = np.union1d(
            np.concatenate(moved_rows) if moved_rows else np.zeros(0, np.int64),
            np.flatnonzero(tied),
        ).astype(np.int64)
        before = self.owner[columns]
        local = self.held[:, columns].copy()
        local[slot_arr] = new_rows[:, columns]
        after = self._holders(columns, local, sizes)
        contained = _held_by(local, after) - _held_by(self.held[:, columns], before)
        owner = self.owner.copy()
        owner[columns] = after
        changed = before != after
        holders = {
            int(k) for k in np.concatenate([before[changed], after[changed]]).tolist() if k >= 0
        }
        touched = set(slots) | holders
        excess: dict[int, float] = {}
        for k in sorted(touched):
            row = new_rows[position[k]] if k in position else self.held[k]
            excess[k] = self._excess(k, owner, row)
        return Change(
            moves=dict(moves),
            contained=int(contained),
            excess_before=sum(self.excess[k] for k in excess),
            excess_after=sum(excess.values()),
            failing_before=sum(self.excess[k] > 0 for k in excess),
            failing_after=sum(e > 0 for e in excess.values()),
            repaired=sum(self.excess[k] for k, e in excess.items() if e <= 0)
            - sum(e for k, e in excess.items() if self.excess[k] <= 0),
            _columns=columns,
            _slots=slot_arr,
            _held=new_rows,
            _sizes=sizes,
            _owner=after,
            _excess=excess,
        )

    def gain(self, moves: Mapping[int, int]) -> int:
        """Patients newly living in their own network's territory after ``moves`` (cheap)."""
        moved = [i for i, k in moves.items() if int(self.slot[i]) != k]
        if not moved:
            return 0
        columns = np.unique(np.concatenate([self.rows(i)[0] for i in moved]))
        local = self.held[:, columns].copy()
        sizes = self.sizes.copy()
        for i in moved:
            lsoa, count = self.rows(i)
            at = np.searchsorted(columns, lsoa)
            local[int(self.slot[i]), at] -= count
            local[moves[i], at] += count
            sizes[int(self.slot[i])] -= int(self.population[i])
            sizes[moves[i]] += int(self.population[i])
        after = self._holders(columns, local, sizes)
        return _held_by(local, after) - _held_by(self.held[:, columns], self.owner[columns])

    def apply(self, change: Change) -> None:
        """Make ``change`` (priced on the current state by :meth:`change`)."""
        for i, k in change.moves.items():
            self.slot[i] = k
        if len(change._slots):
            self.held[change._slots] = change._held
        # Slots grown since the change was priced keep their (empty) sizes.
        self.sizes = np.concatenate([change._sizes, self.sizes[len(change._sizes) :]])
        self.owner[change._columns] = change._owner
        self.tied[change._columns] = _tied(self.held[:, change._columns])
        for k, e in change._excess.items():
            self.excess[k] = e

    # ---- internals -----------------------------------------------------------------------
    def _add(self, row: IntArray, i: int, sign: int) -> None:
        lsoa, count = self.rows(i)
        row[lsoa] += sign * count

    def _holders(self, columns: IntArray, held: IntArray, sizes: IntArray) -> IntArray:
        """Per column: the slot holding it (most patients, larger, lower), ``-1`` outside/none."""
        if held.shape[0] == 0:
            return np.full(len(columns), -1, np.int64)
        slots = np.arange(held.shape[0], dtype=np.int64)
        key = (
            (held << _HELD_SHIFT)
            + (np.minimum(sizes, (1 << 24) - 1)[:, None] << _SIZE_SHIFT)
            + ((1 << _SIZE_SHIFT) - 1 - slots)[:, None]
        )
        best: IntArray = np.argmax(key, axis=0).astype(np.int64)
        most = held[best, np.arange(held.shape[1])]
        best[(most <= 0) | (self.outside[columns] > most)] = -1
        return best

    def _labels(self, territory: IntArray) -> IntArray:
        """Label each column of ``territory`` with its connected part's number."""
        position = {c: n for n, c in enumerate(territory.tolist())}
        labels = [-1] * len(position)
        neighbours = self._neighbours
        part = 0
        for start, column in enumerate(territory.tolist()):
            if labels[start] >= 0:
                continue
            labels[start] = part
            stack = [column]
            while stack:
                for other in neighbours[stack.pop()]:
                    n = position.get(other, -1)
                    if n >= 0 and labels[n] < 0:
                        labels[n] = part
                        stack.append(other)
            part += 1
        return np.asarray(labels, np.int64)

    def _excess(self, k: int, owner: IntArray, row: IntArray) -> float:
        territory = np.flatnonzero(owner == k)
        if len(territory) < 2:
            return 0.0
        weight = row[territory]
        labels = self._labels(territory)
        parts = np.bincount(labels, weights=weight)
        return max(0.0, self.tolerance * float(weight.sum()) - float(parts.max()))


def _tied(held: IntArray) -> BoolArray:
    """Per column: whether two or more slots hold its most patients (more than none)."""
    if held.shape[0] < 2:
        return np.zeros(held.shape[1], dtype=bool)
    top = np.partition(held, held.shape[0] - 2, axis=0)[-2:]
    tied: BoolArray = (top[0] == top[1]) & (top[1] > 0)
    return tied


def _held_by(held: IntArray, owner: IntArray) -> int:
    """Σ over columns of the holder's patients there (0 where no slot holds it)."""
    mine = owner >= 0
    return int(held[owner[mine], np.flatnonzero(mine)].sum()) if mine.any() else 0
