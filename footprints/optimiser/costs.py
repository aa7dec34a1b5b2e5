"""The cost of a network: one function per term, combined in one place.

A candidate network ``N`` costs, in **patient-kilometres**::

    cost(N) = compactness_weight × compactness(N)
            + straddle_weight × straddling(N)   (home_straddle_weight on registrations)
            + patch_weight × patches(N)         (Voronoi only: the patches it works into)
            + home_patch_weight × (working(N) − 1)  (registrations only, 0 if none works)
            + network_cost
            + band_penalty × deviation(N)
            + out_of_band_cost             (where N is outside the band)

and, in repair mode, each column (a network matched to a current network) adds
``move_weight`` per practice moved. :func:`set_costs` is the one place the terms are
combined; :func:`move_costs` prices moves. The solvers need integer costs, so costs are
rounded to :data:`SCALE` units per patient-kilometre.

The geography of the area graph decides what compactness and straddling measure
(DESIGN.md):

- **Voronoi** (``PracticeArrays.homes`` is ``None``): ``compactness(N)`` is
  ``Σ list_size_i × d_i`` with ``d_i`` the distance (km) from surgery ``i`` to ``N``'s
  list-size-weighted centre; ``straddling(N)`` the list sizes of ``N``'s practices outside
  its largest patch (by surgery site).
- **Registrations** (homes given): ``compactness(N)`` is ``N``'s population (Σ list_size)
  × the root-mean-square distance (km) of its patients' homes from their patient-weighted
  centre — patient-km again, from moments that add up over practices, so O(members);
  ``straddling(N)`` is ``N``'s patients living outside its main patch (Σ over patches − the
  largest). With the practices' LSOA counts (:class:`~footprints.optimiser.candidates.
  LsoaArrays`) the cost adds ``containment_weight × mixing(N)`` (:func:`mixing`: patients
  weighted by the share of their LSOA registered elsewhere; in :func:`set_costs`) and
  ``territory_weight × territory_excess(N)`` (:func:`territory_excess`: how far its likely
  territory is from one piece), the latter only for the sets that can be in a plan
  (:func:`territory_costs`, :func:`plan_costs`). ``working(N)`` counts the patches that work
  into ``N`` by the 5% rule (:func:`working_patches`): each beyond the first is one more
  patch membership and makes ``N`` a straddling network, whatever few patients it takes.

Each term is defined here once; :mod:`footprints.metrics` reports compactness through
:func:`compactness` too.
"""

from __future__ import annotations

import numpy as np

from footprints.geography import TERRITORY_TOLERANCE
from footprints.optimiser.candidates import (
    HOLD_SHARE,
    CandidateSets,
    FloatArray,
    HomeArrays,
    IntArray,
    LsoaArrays,
    PracticeArrays,
)
from footprints.optimiser.settings import OptimiseSettings
from footprints.plan import Band

__all__ = [
    "SCALE",
    "band_deviation",
    "compactness",
    "move_costs",
    "patches_touched",
    "plan_costs",
    "set_costs",
    "set_populations",
    "straddling",
    "territory_costs",
    "territory_excess",
    "territory_term",
    "working_patches",
]


SCALE = 100
"""Integer cost units per patient-kilometre (CP-SAT needs integer costs)."""

_PATCH_CELLS = 1 << 21
"""Most member × patch cells expanded at once when summing home patches (16 MiB)."""

_LSOA_CELLS = 1 << 18
"""Most set × LSOA cells of the buffer that counts sets' patients per LSOA (32 MiB)."""


def set_populations(sets: CandidateSets, population: IntArray) -> IntArray:
    """Sum each set's members' list sizes: its population."""
    if len(sets) == 0:
        return np.zeros(0, np.int64)
    return np.add.reduceat(population[sets.members].astype(np.int64), sets.offsets[:-1])


def compactness(
    sets: CandidateSets,
    *,
    population: IntArray,
    x: FloatArray,
    y: FloatArray,
    homes: HomeArrays | None = None,
) -> FloatArray:
    """Compactness of each set: population × a distance to its centre (patient-km).

    Parameters
    ----------
    sets
        The networks.
    population
        Weight of each practice (its list size).
    x, y
        Coordinates of each practice, in any one unit (the optimiser uses kilometres, so the
        result is in patient-km). Not read when ``homes`` is given.
    homes
        Where each practice's patients live (registration geography), or ``None`` (Voronoi).

    Returns
    -------
    numpy.ndarray
        Per set, under the Voronoi model: ``Σ population_i × distance(i, centre)``, the
        centre being the population-weighted mean of the members (their plain mean when the
        set has no patients, whose compactness is then 0, as every weight is 0). Under
        registration geography: ``(Σ population_i) × r``, with ``r`` the root-mean-square
        distance (km) of the members' patients' homes from their patient-weighted centre
        (0 for a set with no patients' homes). Divided by the set's population, either is
        the distance :mod:`footprints.metrics` reports.
    """
    if len(sets) == 0:
        return np.zeros(0, np.float64)
    if homes is not None:
        return set_populations(sets, population) * _rms_home_distance(sets, homes)
    members = sets.members
    starts = sets.offsets[:-1]
    owner = sets.owner()
    pop_e = population[members].astype(np.int64)
    x_e = x[members]
    y_e = y[members]
    pop_s = np.add.reduceat(pop_e, starts)
    weight_s = pop_s.astype(np.float64)
    sum_x = np.add.reduceat(pop_e * x_e, starts)
    sum_y = np.add.reduceat(pop_e * y_e, starts)
    empty_sets = pop_s == 0
    if empty_sets.any():
        # A set with no patients has no weighted centre: use the plain mean.
        sizes = sets.sizes.astype(np.float64)
        sum_x = np.where(empty_sets, np.add.reduceat(x_e, starts), sum_x)
        sum_y = np.where(empty_sets, np.add.reduceat(y_e, starts), sum_y)
        weight_s = np.where(empty_sets, sizes, weight_s)
    centre_x = sum_x / weight_s
    centre_y = sum_y / weight_s
    distance = np.hypot(x_e - centre_x[owner], y_e - centre_y[owner])
    result: FloatArray = np.add.reduceat(pop_e * distance, starts)
    return result


def _rms_home_distance(sets: CandidateSets, homes: HomeArrays) -> FloatArray:
    """Per set: RMS distance (km) of its patients' homes from their centre (0: no homes)."""
    patients = sets.sums(homes.patients)
    mean_x = sets.sums(homes.sum_x)
    mean_y = sets.sums(homes.sum_y)
    mean_sq = sets.sums(homes.sum_sq)
    some = patients > 0
    share = np.divide(1.0, patients, out=np.zeros_like(patients), where=some)
    mean_x *= share
    mean_y *= share
    mean_sq *= share
    variance = mean_sq - mean_x * mean_x - mean_y * mean_y
    # Homes all in one place leave only rounding (even below 0): call it none.
    variance[variance <= 1e-12 * mean_sq] = 0.0
    rms: FloatArray = np.sqrt(variance)
    return rms


def straddling(
    sets: CandidateSets,
    *,
    population: IntArray,
    patch: IntArray,
    homes: HomeArrays | None = None,
) -> IntArray:
    """Count each set's patients outside its largest patch.

    Parameters
    ----------
    sets
        The networks.
    population
        List size of each practice.
    patch
        Patch number of each practice (``-1``: no patch; such practices never straddle).
        Not read when ``homes`` is given.
    homes
        Where each practice's patients live (registration geography), or ``None`` (Voronoi).

    Returns
    -------
    numpy.ndarray
        Per set, under the Voronoi model: the list sizes of its members whose site lies in
        a patch other than the set's largest (by list size). Under registration geography:
        its patients living in a patch other than its main patch (the one where most of its
        patients live): ``Σ over patches − the largest``; homes in no patch never count.
    """
    n = len(sets)
    straddling = np.zeros(n, np.int64)
    if n == 0:
        return straddling
    if homes is not None:
        return _home_straddling(sets, homes)
    groups = _patch_groups(sets, population, patch)
    if groups is not None:
        owners, largest, patched, _ = groups
        straddling[owners] = patched - largest
    return straddling


def patches_touched(sets: CandidateSets, *, patch: IntArray) -> IntArray:
    """Count the patches each set's practices lie in (Voronoi: by surgery site).

    Parameters
    ----------
    sets
        The networks.
    patch
        Patch number of each practice (``-1``: no patch, never counted).

    Returns
    -------
    numpy.ndarray
        Per set, the number of distinct patches of its members (0 when none has a patch).
    """
    touched = np.zeros(len(sets), np.int64)
    groups = _patch_groups(sets, np.ones(len(patch), np.int64), patch)
    if groups is not None:
        owners, _, _, count = groups
        touched[owners] = count
    return touched


def _patch_groups(
    sets: CandidateSets, population: IntArray, patch: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray] | None:
    """Group each set's patched members by patch (``None`` when no member has a patch).

    Per set with a patched member: the set, its largest patch's population, its patched
    population and its number of patches.
    """
    if len(sets) == 0:
        return None
    members = sets.members
    patch_e = patch[members]
    has_patch = patch_e >= 0
    if not has_patch.any():
        return None
    owner_p = sets.owner()[has_patch]
    patch_p = patch_e[has_patch]
    pop_p = population[members].astype(np.int64)[has_patch]
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
    count = np.diff(np.append(owner_starts, len(group_owner)))
    return group_owner[owner_starts], largest, patched, count


def _home_straddling(sets: CandidateSets, homes: HomeArrays) -> IntArray:
    """Per set: its patients living outside its main patch (see :func:`straddling`)."""
    patched = sets.reduce(homes.patched, np.add)
    largest, _ = _home_patch_figures(sets, homes, working=False)
    straddling: IntArray = patched - largest
    return straddling


def working_patches(sets: CandidateSets, homes: HomeArrays) -> IntArray:
    """Per set: the patches that work into it on patients' homes (registration geography).

    A patch works into a set when the set's patients living there are at least
    ``homes.working`` of that patch (5% of its residents, DESIGN.md), as
    :func:`footprints.metrics.patch_alignment` counts it: summed over a plan's networks,
    this less the patches that work into any network is Σ extra patch memberships. 0 for
    every set where the floors are not known.
    """
    _, working = _home_patch_figures(sets, homes, working=True)
    return working


def _home_patch_figures(
    sets: CandidateSets, homes: HomeArrays, *, working: bool
) -> tuple[IntArray, IntArray]:
    """Per set: its patients in its largest patch, and (``working``) its working patches."""
    width = homes.patches.shape[1]
    largest = np.zeros(len(sets), np.int64)
    count = np.zeros(len(sets), np.int64)
    if width == 0 or len(sets) == 0:
        return largest, count
    floors = homes.working if working else None
    # Sum the patch columns over a few sets at a time: rows of members × patches stay small.
    step = max(1, _PATCH_CELLS // (width * max(1, int(sets.sizes.max()))))
    for start in range(0, len(sets), step):
        part = sets.slice(start, min(len(sets), start + step))
        per_patch = np.add.reduceat(homes.patches[part.members], part.offsets[:-1], axis=0)
        largest[start : start + len(part)] = per_patch.max(axis=1)
        if floors is not None:
            count[start : start + len(part)] = (per_patch >= floors).sum(axis=1)
    return largest, count


def mixing(sets: CandidateSets, homes: HomeArrays) -> FloatArray:
    """Each set's patients, each weighted by the share of their LSOA registered elsewhere.

    ``Σ_l S(l) · (1 − S(l) / registered(l))`` with ``S(l)`` the set's patients living in
    LSOA ``l``: a patient whose LSOA neighbours are all in the set counts 0, one among
    neighbours registered in other networks nearly 1. It equals the set's patients minus
    ``Σ_l S(l)² / registered(l)``, and that sum is the sum of
    :attr:`~footprints.optimiser.candidates.LsoaArrays.overlap` over the set's ordered
    pairs of members (each member with itself too): O(members²) per set.

    A network whose LSOAs are mostly its own keeps its patients in its territory (the LSOAs
    where it has the most patients), so a plan of little mixing has high containment.

    Returns
    -------
    numpy.ndarray
        Per set, its mixing in patients (0 for every set when ``homes`` has no LSOA counts).
    """
    n = len(sets)
    if homes.lsoas is None or n == 0:
        return np.zeros(n, np.float64)
    overlap = homes.lsoas.overlap
    own = np.zeros(n, np.float64)
    sizes = sets.sizes
    starts = sets.offsets[:-1]
    for size in np.unique(sizes).tolist():
        which = np.flatnonzero(sizes == size)
        members = sets.members[starts[which][:, None] + np.arange(size)]
        own[which] = overlap[members[:, :, None], members[:, None, :]].sum(axis=(1, 2))
    mixed: FloatArray = sets.sums(homes.patients) - own
    return mixed


def territory_excess(sets: CandidateSets, lsoas: LsoaArrays, tolerance: float) -> IntArray:
    """Count each set's patients that detach its likely territory beyond ``tolerance``.

    A set's *likely territory* is the LSOAs where its rows add up to more than
    :data:`~footprints.optimiser.candidates.HOLD_SHARE` (40%) of the registered patients:
    there another network can have more than it only by holding over two thirds of the
    other patients, so the LSOA is seldom in another's territory whatever networks the other
    practices form (a strict majority, sure whatever they form, is rare in towns where
    patients spread over many practices). Split into connected parts by LSOA
    adjacency, its largest part should hold at least ``tolerance`` of the set's patients in
    it, as the territory rule asks of a network's territory (DESIGN.md); a set whose likely
    territory is in pieces seldom has a territory in one piece. The excess is
    ``max(0, ⌊tolerance × held⌋ − largest part)``: 0 within the tolerance.

    Costs several microseconds per set, so it is meant for the sets that can be in a plan
    (the optimiser checks sets as they enter its integer model), not whole pools.
    """
    n = len(sets)
    excess = np.zeros(n, np.int64)
    width = len(lsoas.registered)
    if n == 0 or width == 0:
        return excess
    step = max(1, _LSOA_CELLS // width)
    patients_at = np.zeros(min(n, step) * width, np.int64)
    node_at = np.full(min(n, step) * width, -1, np.int64)
    for start in range(0, n, step):
        part = sets.slice(start, min(n, start + step))
        owner, column, cell, patients = _held(part, lsoas, patients_at)
        if not len(cell):
            continue
        node_at[cell] = np.arange(len(cell))
        label = _parts(owner, column, node_at, lsoas.adjacency, width)
        node_at[cell] = -1
        part_patients = np.bincount(label, weights=patients, minlength=len(cell))
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        largest = np.maximum.reduceat(part_patients[label], starts)
        held = np.add.reduceat(patients, starts).astype(np.float64)
        short = np.maximum(0.0, np.floor(tolerance * held) - largest)
        excess[start + owner[starts]] = short.astype(np.int64)
    return excess


def _held(
    part: CandidateSets, lsoas: LsoaArrays, buffer: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Find the LSOAs each set of ``part`` holds (over ``HOLD_SHARE``), once each, by set.

    ``buffer`` (zeros, at least sets × columns long) is used to add up and left as zeros.

    Returns
    -------
    owner, column, cell, patients
        Per LSOA held: the set (within ``part``), the column, ``owner × columns + column``
        and the set's patients there.
    """
    width = len(lsoas.registered)
    members = part.members
    per_member = np.diff(lsoas.offsets)[members]
    total = int(per_member.sum())
    ends = np.cumsum(per_member)
    row = np.arange(total, dtype=np.int64) + np.repeat(
        lsoas.offsets[members] - (ends - per_member), per_member
    )
    owner = np.repeat(np.repeat(np.arange(len(part), dtype=np.int64), part.sizes), per_member)
    column = lsoas.lsoa[row]
    cell = owner * width + column
    np.add.at(buffer, cell, lsoas.count[row])
    patients = buffer[cell]
    held = patients > HOLD_SHARE * lsoas.registered[column]
    buffer[cell] = 0
    owner, column, cell, patients = owner[held], column[held], cell[held], patients[held]
    # Keep one row per held cell: the first of the set's members that lives there.
    buffer[cell[::-1]] = np.arange(len(cell))[::-1]
    first = buffer[cell] == np.arange(len(cell))
    buffer[cell] = 0
    return owner[first], column[first], cell[first], patients[first]


def _parts(
    owner: IntArray,
    column: IntArray,
    node_at: IntArray,
    adjacency: tuple[IntArray, IntArray],
    width: int,
) -> IntArray:
    """Label each held LSOA with the smallest node of its connected part (hook and jump)."""
    offsets, targets = adjacency
    degree = offsets[column + 1] - offsets[column]
    source = np.repeat(np.arange(len(column)), degree)
    within = np.arange(int(degree.sum())) - np.repeat(np.cumsum(degree) - degree, degree)
    target = node_at[owner[source] * width + targets[np.repeat(offsets[column], degree) + within]]
    linked = target > source  # each edge once
    source, target = source[linked], target[linked]
    label = np.arange(len(column))
    while True:
        low, high = label[source], label[target]
        differ = low != high
        if not differ.any():
            return label
        low, high = low[differ], high[differ]
        np.minimum.at(label, np.maximum(low, high), np.minimum(low, high))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def band_deviation(populations: IntArray, band: Band) -> IntArray:
    """How many patients each population lies outside ``band`` (0 inside it)."""
    below = np.maximum(band.min_population - populations, 0)
    above = np.maximum(populations - band.max_population, 0)
    deviation: IntArray = below + above
    return deviation


def set_costs(
    sets: CandidateSets, practices: PracticeArrays, settings: OptimiseSettings
) -> tuple[IntArray, IntArray]:
    """Cost every set, without moves, and give its population: the terms combined.

    Done in chunks of sets (see :meth:`CandidateSets.chunks`), so no array the size of all
    members of a large pool is built.

    Returns
    -------
    population, cost
        Per set: its population, and its cost in integer units (:data:`SCALE` per
        patient-km).
    """
    populations: list[IntArray] = []
    costs: list[IntArray] = []
    straddle_weight = (
        settings.straddle_weight if practices.homes is None else settings.home_straddle_weight
    )
    for _, chunk in sets.chunks():
        population = set_populations(chunk, practices.population)
        compact = compactness(
            chunk,
            population=practices.population,
            x=practices.x_km,
            y=practices.y_km,
            homes=practices.homes,
        )
        straddle = straddling(
            chunk, population=practices.population, patch=practices.patch, homes=practices.homes
        )
        deviation = band_deviation(population, settings.band)
        cost = (
            settings.compactness_weight * compact
            + straddle_weight * straddle
            + settings.network_cost
            + settings.band_penalty * deviation
            + settings.out_of_band_cost * (deviation > 0)
        )
        if practices.homes is not None and settings.containment_weight:
            cost = cost + settings.containment_weight * mixing(chunk, practices.homes)
        if practices.homes is not None and settings.home_patch_weight:
            extra = np.maximum(0, working_patches(chunk, practices.homes) - 1)
            cost = cost + settings.home_patch_weight * extra
        if practices.homes is None and settings.patch_weight:
            cost = cost + settings.patch_weight * patches_touched(chunk, patch=practices.patch)
        populations.append(population)
        costs.append(np.rint(cost * SCALE).astype(np.int64))
    if not costs:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(populations), np.concatenate(costs)


def move_costs(moves: IntArray, settings: OptimiseSettings) -> IntArray:
    """Price moving ``moves`` practices (per column), in integer units."""
    per_move = np.rint(settings.move_weight * SCALE).astype(np.int64)
    cost: IntArray = per_move * moves
    return cost


def territory_term(practices: PracticeArrays, settings: OptimiseSettings) -> bool:
    """Whether networks are costed for their territory (see :func:`territory_costs`)."""
    homes = practices.homes
    lsoas = homes.lsoas if homes is not None else None
    return lsoas is not None and bool(settings.territory_weight) and len(lsoas.adjacency[1]) > 0


def territory_costs(
    sets: CandidateSets, practices: PracticeArrays, settings: OptimiseSettings
) -> IntArray:
    """Per set, its territory term in integer units: ``territory_weight`` × its excess.

    The excess is :func:`territory_excess` at the territory rule's tolerance. Zero for every
    set under the Voronoi model, without LSOA counts or adjacency, or with a zero weight.
    Not part of :func:`set_costs` (it costs several microseconds per set): the optimiser
    adds it to the sets that can be in a plan (:func:`plan_costs`, and lazily to the
    columns of its integer model); costs without it are lower bounds, so the LP bound
    stays a bound.
    """
    if not territory_term(practices, settings) or len(sets) == 0:
        return np.zeros(len(sets), np.int64)
    assert practices.homes is not None and practices.homes.lsoas is not None
    excess = territory_excess(sets, practices.homes.lsoas, TERRITORY_TOLERANCE)
    cost: IntArray = np.rint(settings.territory_weight * excess * SCALE).astype(np.int64)
    return cost


def plan_costs(
    sets: CandidateSets, practices: PracticeArrays, settings: OptimiseSettings
) -> tuple[IntArray, IntArray]:
    """Cost a few sets in full: :func:`set_costs` plus :func:`territory_costs`."""
    population, cost = set_costs(sets, practices, settings)
    return population, cost + territory_costs(sets, practices, settings)
