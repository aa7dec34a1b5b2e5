"""Candidate networks: every connected set of practices whose population lies in a window.

The optimiser partitions a planning area by choosing among *candidate networks*. Because a
network holds only a handful of practices, every connected set of practices in the
population band can be listed; contiguity and the band are then true by construction and
the partitioning model stays small and tight.

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

Where listing every set would pass a cap or take too long, :func:`list_candidates` lists
only sets among the nearest practices of their root, as many nearest as fit.

Nothing here knows about geometry beyond practice coordinates in kilometres.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from footprints.optimiser.deadline import Deadline, StopSignal

__all__ = [
    "CHUNK",
    "HOLD_SHARE",
    "ROW_SHARE",
    "CandidateSets",
    "EnumerationTimeoutError",
    "HomeArrays",
    "LsoaArrays",
    "PoolCapError",
    "PracticeArrays",
    "bit_indices",
    "bit_mask",
    "bit_reach",
    "components",
    "connected_sets",
    "estimate_sets",
    "list_candidates",
    "nearest_practices",
    "nearest_reach",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


CHUNK = 100_000
"""Sets handled per numpy pass wherever every member of every set is expanded (costs, sums, the
optimiser's columns): bounds those temporary arrays (about 100 bytes per member) to a few
tens of megabytes however large the pool. Read at each use, so tests can shrink it.
"""

#: Share of the time left that listing every candidate of a piece may take before only
#: local candidates are listed (leaving time for the LP and CP-SAT).
FULL_LISTING_SHARE = 0.4


class PoolCapError(Exception):
    """Internal: enumeration produced more sets than the cap allows."""


class EnumerationTimeoutError(Exception):
    """Internal: enumeration ran past its deadline."""


HOLD_SHARE = 0.4
"""Share of an LSOA's registered patients at which a network is taken to hold the LSOA: its
*likely territory* (no other network can hold more than the remaining 60%, and in towns
where patients spread over many practices a territory's LSOAs are seldom held by a strict
majority)."""

ROW_SHARE = 0.02
"""Smallest share of an LSOA's registered patients a practice's count there must be to count
towards a network's likely territory (see :class:`LsoaArrays`)."""


@dataclass(frozen=True)
class LsoaArrays:
    """Each practice's patients LSOA by LSOA (registration geography), for containment.

    ``registered`` is, per column (an LSOA of the area's practices' catchments), the
    patients living in that LSOA registered at any practice of the region (not only the
    area's). :attr:`overlap` is built from every count. The rows, practice ``i``'s being
    ``offsets[i]:offsets[i + 1]`` (``lsoa``: a column, increasing; ``count``: its patients
    living there), keep only the counts of at least :data:`ROW_SHARE` of the LSOA's
    registered patients, in LSOAs where such counts of the area's practices add up to more
    than :data:`HOLD_SHARE` of them: a network whose rows in an LSOA add up to more than
    that is taken to hold the LSOA (its *likely territory*).

    Parameters
    ----------
    offsets, lsoa, count
        The rows, by practice.
    registered
        Per column: the LSOA's registered patients.
    codes
        Per column: the LSOA's number in the graph (node attribute ``home_lsoas``).
    overlap
        Practices × practices: ``Σ_l n(i, l) · n(j, l) / registered(l)``, so that a set's
        ``Σ_l S(l)² / registered(l)`` (``S(l)``: its patients in ``l``) is the sum of
        ``overlap`` over its pairs of members (see :func:`footprints.optimiser.costs.mixing`).
    adjacency
        Neighbouring columns in compressed form, ``(offsets, targets)``: column ``c``'s
        neighbours are ``targets[offsets[c]:offsets[c + 1]]`` (graph attribute
        ``lsoa_edges``; none when the graph has none).
    catchments
        Every row, not only those kept above: ``(offsets, lsoa, count)`` by practice, for
        the local search's exact territories
        (:class:`~footprints.optimiser.territories.PlanTerritories`).
    """

    offsets: IntArray
    lsoa: IntArray
    count: IntArray
    registered: IntArray
    codes: IntArray
    overlap: FloatArray
    adjacency: tuple[IntArray, IntArray]
    catchments: tuple[IntArray, IntArray, IntArray]


@dataclass(frozen=True)
class HomeArrays:
    """Where each practice's patients live (registration geography), as sums over homes.

    Every field adds up over a network's practices, so a network's home compactness and
    straddling cost O(members) (see :mod:`footprints.optimiser.costs`).

    Parameters
    ----------
    patients
        ``Σ n``: the practice's patients with a home (node attribute ``home_patients``).
    sum_x, sum_y
        ``Σ n·x`` and ``Σ n·y``, homes in km from ``origin`` (the mean home of the area's
        patients, so that squares stay small).
    sum_sq
        ``Σ n·(x² + y²)`` in km², i.e. ``n·(spread + x̄² + ȳ²)`` with ``spread`` the mean
        squared distance of the practice's homes from their mean ``(x̄, ȳ)``.
    patches
        Practices × patches: the practice's patients living in each patch (``home_patches``),
        for the patches that can be the largest of some set of the area's practices.
    patched
        Per practice: its patients living in any patch (columns of ``patches`` and the
        patches left out of it, which no set can have as its largest).
    patch_names
        The patch of each column of ``patches``.
    origin
        The centre of the coordinates, BNG kilometres.
    lsoas
        The practices' LSOA counts (node attributes ``home_lsoas`` and
        ``home_lsoa_patients``, graph attribute ``lsoa_registered``), or ``None`` when the
        graph has none (then no network is costed for containment).
    working
        Per column of ``patches``: the patients a network needs living in the patch for
        the patch to work into it (5% of its residents, DESIGN.md); ``None``, or the
        largest integer, where not known (then no patch is counted as working).
    """

    patients: FloatArray
    sum_x: FloatArray
    sum_y: FloatArray
    sum_sq: FloatArray
    patches: IntArray
    patched: IntArray
    patch_names: list[str]
    origin: tuple[float, float]
    lsoas: LsoaArrays | None = None
    working: IntArray | None = None


@dataclass(frozen=True)
class PracticeArrays:
    """One planning area's practices as arrays, indexed ``0 … n − 1`` in code order.

    This is what every stage of the optimiser reads about a practice, and what a candidate
    filter (see :class:`~footprints.optimiser.settings.OptimiseSettings`) is given.

    Parameters
    ----------
    codes
        Practice codes, sorted; practice ``i`` is ``codes[i]``.
    index
        Practice code → its index.
    population
        List size of each practice.
    x_km, y_km
        Coordinates in kilometres (EPSG:27700 metres / 1000).
    patch
        Patch number of each practice (``-1``: no patch); numbers follow first appearance.
    neighbours
        ``neighbours[i]`` is the bit mask of practice ``i``'s neighbours in the adjacency
        graph.
    homes
        Where the patients live, when the area graph is on registration geography
        (``graph.graph["geography"] == "registrations"``); ``None`` under the Voronoi model,
        where the cost terms read the sites (``x_km``, ``y_km``) and ``patch`` instead.
    patch_names
        The patch of each number of ``patch``.
    """

    codes: list[str]
    index: dict[str, int]
    population: IntArray
    x_km: FloatArray
    y_km: FloatArray
    patch: IntArray
    neighbours: list[int]
    homes: HomeArrays | None = None
    patch_names: tuple[str, ...] = ()

    def __len__(self) -> int:
        """Count the practices."""
        return len(self.codes)


@dataclass(frozen=True)
class CandidateSets:
    """Connected practice sets, members stored flat.

    ``members[offsets[i]:offsets[i + 1]]`` are the practice indices of set ``i``.
    """

    members: npt.NDArray[np.int32]
    offsets: IntArray

    def __len__(self) -> int:
        """Count the sets."""
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
        """Return sets ``start`` to ``stop - 1`` (members a view, offsets from 0)."""
        first, last = int(self.offsets[start]), int(self.offsets[stop])
        return CandidateSets(self.members[first:last], self.offsets[start : stop + 1] - first)

    def chunks(self) -> Iterator[tuple[int, CandidateSets]]:
        """Yield the sets in pieces of at most :data:`CHUNK`, each with its first index."""
        n = len(self)
        for start in range(0, n, CHUNK):
            yield start, self.slice(start, min(n, start + CHUNK))

    def select(self, keep: npt.NDArray[np.bool_]) -> CandidateSets:
        """Keep the sets where ``keep`` (one flag per set) is true, in their order."""
        kept_sizes = self.sizes[keep]
        offsets = np.zeros(len(kept_sizes) + 1, np.int64)
        np.cumsum(kept_sizes, out=offsets[1:])
        return CandidateSets(self.members[np.repeat(keep, self.sizes)], offsets)

    def members_of(self, index: int) -> list[int]:
        """Return the practice indices of set ``index``."""
        return [int(m) for m in self.members[self.offsets[index] : self.offsets[index + 1]]]

    @staticmethod
    def of(networks: Sequence[Sequence[int]]) -> CandidateSets:
        """Make sets of the given networks (lists of practice indices), in order."""
        return CandidateSets(
            np.asarray([i for n in networks for i in n], np.int32),
            np.cumsum([0] + [len(n) for n in networks]).astype(np.int64),
        )

    @staticmethod
    def concatenate(parts: Sequence[CandidateSets]) -> CandidateSets:
        """Join the sets of ``parts`` one after another into one :class:`CandidateSets`."""
        if not parts:
            return CandidateSets(np.zeros(0, np.int32), np.zeros(1, np.int64))
        members = np.concatenate([p.members for p in parts])
        offsets = [np.zeros(1, np.int64)]
        start = 0
        for part in parts:
            offsets.append(part.offsets[1:] + start)
            start += int(part.offsets[-1])
        return CandidateSets(members.astype(np.int32), np.concatenate(offsets))


# --------------------------------------------------------------------------- bit masks


def bit_mask(indices: Iterable[int]) -> int:
    """Return the bit mask with the bits of ``indices`` set."""
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def bit_indices(mask: int) -> list[int]:
    """Return the indices of the bits set in ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def components(nodes: Iterable[int], neighbours: Sequence[int]) -> list[list[int]]:
    """Return the connected components of the subgraph induced by ``nodes``, sorted.

    ``neighbours[i]`` is the bit mask of practice ``i``'s neighbours.
    """
    remaining = bit_mask(nodes)
    pieces = []
    while remaining:
        seen = bit_reach(remaining & -remaining, remaining, neighbours)
        remaining &= ~seen
        pieces.append(bit_indices(seen))
    return pieces


def bit_reach(start: int, allowed: int, neighbours: Sequence[int]) -> int:
    """Return the mask of practices reached from ``start`` through practices of ``allowed``.

    ``start`` (a mask) is always in the answer; ``neighbours[i]`` is the bit mask of
    practice ``i``'s neighbours.
    """
    seen = frontier = start
    while frontier:
        grown = 0
        for v in bit_indices(frontier):
            grown |= neighbours[v]
        frontier = grown & allowed & ~seen
        seen |= frontier
    return seen


# --------------------------------------------------------------------------- listing


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


def list_candidates(
    practices: PracticeArrays,
    nodes: Sequence[int],
    *,
    low: int,
    high: int,
    lock_of: Sequence[int],
    lock_masks: Sequence[int],
    cap: int,
    deadline: Deadline,
    local: bool = True,
    share: float = FULL_LISTING_SHARE,
) -> tuple[CandidateSets, bool]:
    """List the connected sets of ``nodes`` in ``[low, high]``: all, or the local ones.

    Every set is listed when that stays under ``cap`` and within ``share`` of the time
    left (not tried, without locks, when :func:`estimate_sets` puts the sets at more than
    :data:`HOPELESS_MARGIN` times ``cap``). Otherwise only local sets are listed: those
    among the nearest practices of their first member, as many nearest as time allows
    (:func:`_local_sets`).

    Parameters
    ----------
    practices
        The area's practices.
    nodes
        The practices of one piece.
    low, high
        The population window.
    lock_of, lock_masks
        Lock groups, as for :func:`connected_sets`.
    cap
        Most sets listed before falling back to local ones.
    deadline
        When listing must end.
    local
        Whether to fall back to local sets; without, no set is listed then.
    share
        Share of the time left that listing every set may take.

    Returns
    -------
    sets, complete
        The sets, and whether they are every connected set in the window (``False`` when
        only local ones were listed, so no bound can be proved).

    Raises
    ------
    EnumerationTimeoutError
        When the deadline passes (or the stop is set) before a listing completes.
    """
    population = practices.population
    neighbours = practices.neighbours
    kwargs: dict[str, Any] = {
        "low": low,
        "high": high,
        "lock_of": lock_of,
        "lock_masks": lock_masks,
        "cap": cap,
        "stop": deadline.stop,
    }
    hopeless = (
        local
        and not lock_masks
        and estimate_sets(nodes, neighbours, population.tolist(), low=low, high=high)
        > HOPELESS_MARGIN * cap
    )
    try:
        if not hopeless:
            sets = connected_sets(
                nodes,
                neighbours,
                population.tolist(),
                **{**kwargs, "deadline": deadline.share(share).at},
            )
            return sets, True
    except PoolCapError:
        pass
    except EnumerationTimeoutError:
        if deadline.passed():
            raise
    if not local:
        return CandidateSets.of([]), False
    return _local_sets(practices, nodes, kwargs, deadline), False


HOPELESS_MARGIN = 1.3
"""A piece whose connected sets are estimated at more than this many times the cap is not
listed in full (the listing would only hit the cap, or the time share, first). With the
default cap of 3,000,000 that is an estimate over 3.9 million, about where the cap of
2,000,000 and a margin of 2.0 put it before: the estimate runs low (St Helens: 1.25 million
estimated, 2.01 million listed; North Central London 1.6 against 2.48), and an attempt
that fails costs up to the listing's time share (Kent and Medway, estimated at 7.3 million,
fell from a 28.9% to an 82% gap when the cap of 6,000,000 let it try; BENCHMARKS.md)."""
ESTIMATE_PROBES = 8_000
"""Random descents of the listing's search tree behind :func:`estimate_sets`."""


def estimate_sets(
    nodes: Sequence[int],
    neighbours: Sequence[int],
    population: Sequence[int],
    *,
    low: int,
    high: int,
    probes: int = ESTIMATE_PROBES,
    seed: int = 0,
) -> float:
    """Estimate how many connected sets of ``nodes`` have a population in ``[low, high]``.

    Knuth's estimator of a search tree's size: each probe descends the tree that
    :func:`connected_sets` searches (locks left out), from a random root through random
    children, and counts each set it passes in the window as many times as the product of
    the branching factors above it; the mean over the probes is unbiased. Deterministic
    for a given ``seed``; a few hundredths of a second per thousand probes.
    """
    rng = random.Random(seed)
    pop = list(population)
    adj = list(neighbours)
    roots = [v for v in sorted(nodes) if pop[v] <= high]
    if not roots:
        return 0.0
    node_mask = bit_mask(nodes)
    found = 0.0
    for _ in range(probes):
        v = roots[rng.randrange(len(roots))]
        weight = float(len(roots))
        bit = 1 << v
        blocked = ~(node_mask & ~((1 << (v + 1)) - 1)) | bit
        total, extension = pop[v], adj[v] & ~blocked
        found += weight if total >= low else 0.0
        while True:
            children: list[tuple[int, int, int]] = []
            rest, seen = extension, blocked
            while rest:
                low_bit = rest & -rest
                rest ^= low_bit
                seen |= low_bit
                w = low_bit.bit_length() - 1
                if total + pop[w] <= high:
                    children.append((w, rest, seen))
            if not children:
                break
            w, rest, blocked = children[rng.randrange(len(children))]
            weight *= len(children)
            total += pop[w]
            extension = rest | (adj[w] & ~blocked)
            if total >= low:
                found += weight
    return found / probes


def nearest_practices(
    practices: PracticeArrays, nodes: Sequence[int] | int, root: int, k: int
) -> list[int]:
    """Return the ``k`` practices of ``nodes`` nearest ``root`` in the graph, root first.

    By number of steps through ``nodes`` (breadth first), then by distance between the
    surgeries: under registration geography a surgery can stand far from the practices its
    patients' homes touch, so the graph, not the map, says who is near. ``nodes`` may be
    given as a bit mask.
    """
    inside = nodes if isinstance(nodes, int) else bit_mask(nodes)
    xs, ys = practices.x_km, practices.y_km
    chosen = [root]
    seen = 1 << root
    frontier = [root]
    while frontier and len(chosen) < k:
        ring = 0
        for v in frontier:
            ring |= practices.neighbours[v]
        ring &= inside & ~seen
        seen |= ring
        frontier = sorted(
            bit_indices(ring),
            key=lambda w: (float(np.hypot(xs[w] - xs[root], ys[w] - ys[root])), w),
        )
        chosen.extend(frontier[: k - len(chosen)])
    return chosen


def nearest_reach(practices: PracticeArrays, nodes: Sequence[int], k: int) -> list[int]:
    """Per practice of ``nodes``, the bit mask of its ``k`` nearest practices of ``nodes``.

    Itself included (:func:`nearest_practices`); ``0`` for practices outside ``nodes``.
    """
    inside = bit_mask(nodes)
    reach = [0] * len(practices)
    for v in nodes:
        reach[int(v)] = bit_mask(nearest_practices(practices, inside, int(v), k))
    return reach


def _local_sets(
    practices: PracticeArrays,
    nodes: Sequence[int],
    kwargs: dict[str, Any],
    deadline: Deadline,
) -> CandidateSets:
    """List the connected sets among each root's nearest practices, as many as time allows.

    A set is listed when every member is among the :data:`LOCAL_NEAREST` nearest practices
    of its first (lowest-numbered) member; that number grows by :data:`LOCAL_STEP` while the
    listing stays under :data:`LOCAL_CAP` sets (and the cap asked for) and within
    :data:`LOCAL_SHARE` of the time left. Where density varies (a town beside a rural
    district) this keeps the work per practice even, as a radius does not; nearest in the
    adjacency graph (:func:`nearest_practices`).

    Raises
    ------
    EnumerationTimeoutError
        When even the first, smallest listing does not end before the deadline.
    """
    cap = kwargs["cap"]
    kwargs = {**kwargs, "cap": LOCAL_CAP if cap is None else min(cap, LOCAL_CAP)}
    population = practices.population.tolist()
    until = deadline.share(LOCAL_SHARE)
    best: CandidateSets | None = None
    k = LOCAL_NEAREST
    while True:
        reach = nearest_reach(practices, nodes, k)
        first = best is None  # the first listing has no cap: its roots reach few practices
        try:
            sets = connected_sets(
                nodes,
                practices.neighbours,
                population,
                reach=reach,
                **{
                    **kwargs,
                    "cap": None if first else kwargs["cap"],
                    "deadline": (deadline if first else until).at,
                },
            )
        except (PoolCapError, EnumerationTimeoutError):
            if best is None:
                raise EnumerationTimeoutError from None
            return best
        best = sets
        if k >= len(nodes) or until.passed():
            return best
        k += LOCAL_STEP


LOCAL_NEAREST = 12
"""Nearest practices (the root included) a local candidate may draw from, at first."""
LOCAL_STEP = 4
"""How many more nearest practices each further local listing may draw from."""
LOCAL_CAP = 200_000
"""Most local candidates listed for one piece."""
LOCAL_SHARE = 0.3
"""Share of the time left after the full listing gave up that local listings may take."""
