"""Candidate networks: every connected set of practices whose population lies in a window.

The optimiser (:mod:`footprints.optimise`) partitions a planning area by choosing among
*candidate networks*. Because a network holds only a handful of practices, every connected
set of practices in the population band can be listed; contiguity and the band are then
true by construction and the partitioning model stays small and tight.

Enumeration follows the "Simple" algorithm for connected induced subgraphs (Komusiewicz &
Sommer, 2019): each set is grown from its lowest-index practice (its *root*) and a practice
is either taken into the set or excluded for the rest of that branch, so every connected
set is produced exactly once. A branch stops as soon as its population passes the maximum
(list sizes are never negative, so no superset can come back into the window). Sets are
held as Python integers used as bit masks while they grow, and their members as one flat
``int32`` array with offsets, so that costs can be computed with numpy. Listed sets are moved
from Python lists into numpy blocks every 65,536 sets, so a pool of two million sets never
sits in Python lists (where it would take about 250 MB, not all of it returned to the
system when a listing is abandoned at the cap).

Nothing here knows about geometry beyond practice coordinates in kilometres.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["CandidateSets", "StopSignal", "connected_sets", "network_costs"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


#: Sets handled per numpy pass wherever every member of every set is expanded (costs, sums,
#: the optimiser's columns): bounds those temporary arrays (about 100 bytes per member) to a
#: few tens of megabytes however large the pool. Read at each use, so tests can shrink it.
CHUNK = 100_000


class StopSignal(Protocol):
    """Anything with ``is_set()``: a :class:`threading.Event` or a multiprocessing ``Event``.

    The optimiser polls it and, once it is set, stops as soon as it can with the best plan
    it has.
    """

    def is_set(self) -> bool:
        """Whether a stop has been asked for."""
        ...


class PoolCapError(Exception):
    """Internal: enumeration produced more sets than the cap allows."""


class EnumerationTimeoutError(Exception):
    """Internal: enumeration ran past its deadline."""


@dataclass(frozen=True)
class CandidateSets:
    """Connected practice sets, members stored flat.

    ``members[offsets[i]:offsets[i + 1]]`` are the practice indices of set ``i``.
    """

    members: npt.NDArray[np.int32]
    offsets: IntArray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> IntArray:
        """Number of practices in each set."""
        return np.diff(self.offsets)

    def owner(self) -> IntArray:
        """For each entry of ``members``, the index of the set it belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.sizes)

    def sums(self, values: FloatArray) -> FloatArray:
        """For each set, the sum of ``values`` (one per practice) over its members."""
        return self.reduce(values.astype(np.float64, copy=False), np.add)

    def reduce(self, values: npt.NDArray[Any], ufunc: np.ufunc) -> npt.NDArray[Any]:
        """For each set, ``ufunc`` reduced over ``values`` (one per practice) of its members.

        Done in chunks of sets, so no array the size of all members is built.
        """
        out = np.zeros(len(self), values.dtype)
        for start, chunk in self.chunks():
            out[start : start + len(chunk)] = ufunc.reduceat(
                values[chunk.members], chunk.offsets[:-1]
            )
        return out

    def slice(self, start: int, stop: int) -> CandidateSets:
        """Sets ``start`` to ``stop - 1`` (members a view, offsets from 0)."""
        first, last = int(self.offsets[start]), int(self.offsets[stop])
        return CandidateSets(self.members[first:last], self.offsets[start : stop + 1] - first)

    def chunks(self) -> Iterator[tuple[int, CandidateSets]]:
        """The sets in consecutive pieces of at most :data:`CHUNK`, each with its first index."""
        n = len(self)
        for start in range(0, n, CHUNK):
            yield start, self.slice(start, min(n, start + CHUNK))

    def members_of(self, index: int) -> list[int]:
        """The practice indices of set ``index``."""
        return [int(m) for m in self.members[self.offsets[index] : self.offsets[index + 1]]]

    @staticmethod
    def concatenate(parts: Sequence[CandidateSets]) -> CandidateSets:
        """The sets of ``parts`` one after another, as one :class:`CandidateSets`."""
        if not parts:
            return CandidateSets(np.zeros(0, np.int32), np.zeros(1, np.int64))
        members = np.concatenate([p.members for p in parts])
        offsets = [np.zeros(1, np.int64)]
        start = 0
        for part in parts:
            offsets.append(part.offsets[1:] + start)
            start += int(part.offsets[-1])
        return CandidateSets(members.astype(np.int32), np.concatenate(offsets))


def connected_sets(
    nodes: Sequence[int],
    neighbours: Sequence[int],
    population: Sequence[int],
    *,
    low: int,
    high: int,
    lock_of: Sequence[int] | None = None,
    lock_masks: Sequence[int] | None = None,
    reach: Sequence[int] | None = None,
    cap: int | None = None,
    deadline: float | None = None,
    stop: StopSignal | None = None,
) -> CandidateSets:
    """Every connected set of ``nodes`` with population in ``[low, high]``.

    Parameters
    ----------
    nodes
        Practice indices to draw from (one connected piece or several).
    neighbours
        ``neighbours[i]`` is the bit mask of practice ``i``'s neighbours (any index).
    population
        List size of each practice (non-negative).
    low, high
        The population window a set must fall in to be listed.
    lock_of, lock_masks
        ``lock_of[i]`` is the lock group of practice ``i`` (``-1`` for none) and
        ``lock_masks[g]`` the bit mask of group ``g``: a listed set holds practices of at
        most one group, and then all of them.
    reach
        Optional bit mask per practice: the practices a set rooted there may use (used to
        keep sets local when the full enumeration is too large).
    cap
        Raise :class:`PoolCapError` once more than this many sets are listed.
    deadline
        ``time.monotonic()`` value after which :class:`EnumerationTimeoutError` is raised.
    stop
        Anything with ``is_set()``; once set, :class:`EnumerationTimeoutError` is raised.

    Returns
    -------
    CandidateSets
        Sets in canonical order (by root, then depth-first), members in insertion order.
    """
    locks = list(lock_of) if lock_of is not None else [-1] * len(population)
    groups = list(lock_masks) if lock_masks is not None else []
    pop = list(population)
    adj = list(neighbours)
    # Sets go into small Python lists (fast to append to), moved every 65,536 sets into
    # compact numpy blocks: a Python list of two million sets' members would take ~250 MB.
    flat: list[int] = []
    ends: list[int] = []  # end offsets within `flat`
    flat_blocks: list[npt.NDArray[np.int32]] = []
    end_blocks: list[IntArray] = [np.zeros(1, np.int64)]
    listed = [0, 0]  # sets and members in the blocks
    limit = cap if cap is not None else -1

    def flush() -> None:
        flat_blocks.append(np.asarray(flat, dtype=np.int32))
        end_blocks.append(np.asarray(ends, dtype=np.int64) + listed[1])
        listed[0] += len(ends)
        listed[1] += len(flat)
        flat.clear()
        ends.clear()
        if 0 <= limit < listed[0]:
            raise PoolCapError

    node_mask = 0
    for v in nodes:
        node_mask |= 1 << v
    path: list[int] = []

    def grow(mask: int, total: int, lock: int, extension: int, blocked: int) -> None:
        while extension:
            low_bit = extension & -extension
            extension ^= low_bit
            blocked |= low_bit
            w = low_bit.bit_length() - 1
            new_total = total + pop[w]
            if new_total > high:
                continue
            lock_w = locks[w]
            if lock_w >= 0:
                if lock >= 0 and lock != lock_w:
                    continue
                new_lock = lock_w
            else:
                new_lock = lock
            new_mask = mask | low_bit
            path.append(w)
            if new_total >= low and (
                new_lock < 0 or new_mask & groups[new_lock] == groups[new_lock]
            ):
                flat.extend(path)
                ends.append(len(flat))
                if len(ends) == 0x10000:
                    flush()
                    if deadline is not None and time.monotonic() > deadline:
                        raise EnumerationTimeoutError
                    if stop is not None and stop.is_set():
                        raise EnumerationTimeoutError
            grow(
                new_mask,
                new_total,
                new_lock,
                extension | (adj[w] & ~blocked),
                blocked,
            )
            path.pop()

    for v in sorted(nodes):
        if pop[v] > high:
            continue
        allowed = node_mask & ~((1 << (v + 1)) - 1)
        if reach is not None:
            allowed &= reach[v]
        blocked = ~allowed
        bit = 1 << v
        path.append(v)
        lock = locks[v]
        if pop[v] >= low and (lock < 0 or bit & groups[lock] == groups[lock]):
            flat.extend(path)
            ends.append(len(flat))
        grow(bit, pop[v], lock, adj[v] & allowed, blocked | bit)
        path.pop()
        if 0 <= limit < listed[0] + len(ends):
            raise PoolCapError
    flush()
    return CandidateSets(np.concatenate(flat_blocks), np.concatenate(end_blocks))


def network_costs(
    sets: CandidateSets,
    *,
    population: IntArray,
    x_km: FloatArray,
    y_km: FloatArray,
    patch: IntArray,
) -> tuple[IntArray, FloatArray, IntArray]:
    """Population, compactness and straddling population of every set, vectorised.

    Parameters
    ----------
    sets
        The candidate sets.
    population, x_km, y_km, patch
        Per practice: list size, coordinates in kilometres, and patch index (``-1`` when
        the practice has no patch).

    Returns
    -------
    population, compactness, straddling
        Per set: total list size; the population-weighted sum of distances (patient-km)
        from each member to the set's population-weighted centre (the unweighted centre
        when the set has no patients); and the list size of members with a patch that lie
        outside the set's largest patch.
    """
    n = len(sets)
    if n > CHUNK:
        parts = [
            network_costs(chunk, population=population, x_km=x_km, y_km=y_km, patch=patch)
            for _, chunk in sets.chunks()
        ]
        return (
            np.concatenate([part[0] for part in parts]),
            np.concatenate([part[1] for part in parts]),
            np.concatenate([part[2] for part in parts]),
        )
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, np.zeros(0, np.float64), empty
    members = sets.members
    starts = sets.offsets[:-1]
    owner = sets.owner()
    pop_e = population[members].astype(np.int64)
    x_e = x_km[members]
    y_e = y_km[members]
    pop_s = np.add.reduceat(pop_e, starts)
    weight_s = pop_s.astype(np.float64)
    sum_x = np.add.reduceat(pop_e * x_e, starts)
    sum_y = np.add.reduceat(pop_e * y_e, starts)
    empty_sets = pop_s == 0
    if empty_sets.any():
        # A set with no patients has no weighted centre: use the plain mean (its
        # compactness is zero either way, as every weight is zero).
        sizes = sets.sizes.astype(np.float64)
        sum_x = np.where(empty_sets, np.add.reduceat(x_e, starts), sum_x)
        sum_y = np.where(empty_sets, np.add.reduceat(y_e, starts), sum_y)
        weight_s = np.where(empty_sets, sizes, weight_s)
    centre_x = sum_x / weight_s
    centre_y = sum_y / weight_s
    distance = np.hypot(x_e - centre_x[owner], y_e - centre_y[owner])
    compactness = np.add.reduceat(pop_e * distance, starts)

    straddling = np.zeros(n, np.int64)
    patch_e = patch[members]
    has_patch = patch_e >= 0
    if has_patch.any():
        owner_p = owner[has_patch]
        patch_p = patch_e[has_patch]
        pop_p = pop_e[has_patch]
        order = np.lexsort((patch_p, owner_p))
        owner_p, patch_p, pop_p = owner_p[order], patch_p[order], pop_p[order]
        new_group = np.ones(len(owner_p), dtype=bool)
        new_group[1:] = (owner_p[1:] != owner_p[:-1]) | (patch_p[1:] != patch_p[:-1])
        group_starts = np.flatnonzero(new_group)
        group_pop = np.add.reduceat(pop_p, group_starts)
        group_owner = owner_p[group_starts]
        new_owner = np.ones(len(group_owner), dtype=bool)
        new_owner[1:] = group_owner[1:] != group_owner[:-1]
        owner_starts = np.flatnonzero(new_owner)
        largest = np.maximum.reduceat(group_pop, owner_starts)
        patched = np.add.reduceat(group_pop, owner_starts)
        straddling[group_owner[owner_starts]] = patched - largest
    return pop_s, compactness, straddling
