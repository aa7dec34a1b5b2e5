"""The cost of a network: one function per term, combined in one place.

A candidate network ``N`` costs, in **patient-kilometres**::

    cost(N) = compactness_weight × compactness(N)
            + straddle_weight × straddling(N)
            + network_cost
            + band_penalty × deviation(N)

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
  largest).

Each term is defined here once; :mod:`footprints.metrics` reports compactness through
:func:`compactness` too.
"""

from __future__ import annotations

import numpy as np

from footprints.optimiser.candidates import (
    CandidateSets,
    FloatArray,
    HomeArrays,
    IntArray,
    PracticeArrays,
)
from footprints.optimiser.settings import OptimiseSettings
from footprints.plan import Band

__all__ = [
    "SCALE",
    "band_deviation",
    "compactness",
    "move_costs",
    "set_costs",
    "set_populations",
    "straddling",
]


SCALE = 100
"""Integer cost units per patient-kilometre (CP-SAT needs integer costs)."""

_PATCH_CELLS = 1 << 21
"""Most member × patch cells expanded at once when summing home patches (16 MiB)."""


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
    members = sets.members
    patch_e = patch[members]
    has_patch = patch_e >= 0
    if has_patch.any():
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
        straddling[group_owner[owner_starts]] = patched - largest
    return straddling


def _home_straddling(sets: CandidateSets, homes: HomeArrays) -> IntArray:
    """Per set: its patients living outside its main patch (see :func:`straddling`)."""
    patched = sets.reduce(homes.patched, np.add)
    width = homes.patches.shape[1]
    if width == 0:
        return patched
    largest = np.zeros(len(sets), np.int64)
    # Sum the patch columns over a few sets at a time: rows of members × patches stay small.
    step = max(1, _PATCH_CELLS // (width * max(1, int(sets.sizes.max()))))
    for start in range(0, len(sets), step):
        part = sets.slice(start, min(len(sets), start + step))
        per_patch = np.add.reduceat(homes.patches[part.members], part.offsets[:-1], axis=0)
        largest[start : start + len(part)] = per_patch.max(axis=1)
    straddling: IntArray = patched - largest
    return straddling


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
            + settings.straddle_weight * straddle
            + settings.network_cost
            + settings.band_penalty * deviation
        )
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
