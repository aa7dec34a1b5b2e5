"""Networks nested in nursing patches: which patch a practice nests in, and where no plan can.

A network *nests* when its practices lie in one patch (practices in no patch aside); under
registration geography a practice lies in the patch where most of its patients live.
``nest_in_patches`` (:mod:`footprints.optimiser.priorities`) minimises the networks that do
not; where some must straddle, :func:`nesting_obstacles` names the parts of patches that
cannot be split into in-band networks on their own.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.sat.python import cp_model

from footprints.optimiser.candidates import (
    CandidateSets,
    IntArray,
    PoolCapError,
    PracticeArrays,
    components,
    connected_sets,
)
from footprints.optimiser.pieces import names
from footprints.optimiser.problem import AreaProblem

__all__ = ["nest_patch_names", "nest_patches", "nesting_obstacles", "straddling_flags"]


def nest_patches(practices: PracticeArrays) -> IntArray:
    """Per practice: the patch it nests in (``-1``: none).

    Its site's patch; under registration geography the patch where most of its patients
    live (the first such patch on a tie).
    """
    homes = practices.homes
    if homes is None:
        patch: IntArray = practices.patch
        return patch
    if homes.patches.shape[1] == 0:
        return np.full(len(practices), -1, np.int64)
    main: IntArray = np.argmax(homes.patches, axis=1).astype(np.int64)
    main[homes.patches.max(axis=1) <= 0] = -1
    return main


def nest_patch_names(practices: PracticeArrays) -> tuple[str, ...]:
    """Return the patch of each number :func:`nest_patches` gives."""
    if practices.homes is None:
        return practices.patch_names
    return tuple(practices.homes.patch_names)


def nesting_obstacles(problem: AreaProblem, *, time_limit: float = 2.0) -> list[str]:
    """Why no plan nests every network in a patch: the parts of patches that cannot nest.

    A nesting network is a connected group of practices of one patch, so it lies inside one
    *part* of a patch (the practices of the patch in one piece of the area, connected among
    themselves). A nesting plan exists exactly when every part can be split into contiguous
    in-band networks (practices in no patch aside). Each part that cannot is named with its
    practices, patients and why: too few patients, a population no number of in-band
    networks adds up to, or no split into contiguous in-band networks (checked by listing
    its in-band groups and solving the exact cover with CP-SAT within ``time_limit``
    seconds; a part not settled in that time is left out).
    """
    practices = problem.practices
    codes = practices.codes
    patch = nest_patches(practices)
    patch_names = nest_patch_names(practices)
    reasons = []
    for piece in problem.pieces:
        by_patch: dict[int, list[int]] = {}
        for i in piece.nodes:
            if patch[i] >= 0:
                by_patch.setdefault(int(patch[i]), []).append(i)
        for key in sorted(by_patch, key=lambda k: patch_names[k]):
            for part in components(by_patch[key], practices.neighbours):
                population = int(practices.population[part].sum())
                why = _part_obstacle(problem, part, population, time_limit)
                if why:
                    reasons.append(
                        f"patch {patch_names[key]}: practices {names(codes[i] for i in part)} "
                        f"({len(part)} practice{'' if len(part) == 1 else 's'}, "
                        f"{population:,} patients) {why}"
                    )
    return reasons


def _part_obstacle(
    problem: AreaProblem, part: list[int], population: int, time_limit: float
) -> str | None:
    """Why one part of a patch cannot be split into in-band networks, or ``None``."""
    band = problem.band
    low, high = band.min_population, band.max_population
    if population < low:
        return f"are fewer than the minimum {low:,} patients"
    fewest, most = math.ceil(population / high), population // low
    if fewest > most:
        return (
            f"cannot be split into networks of {low:,}–{high:,}: {fewest - 1} network"
            f"{' holds' if fewest == 2 else 's hold'} at most {(fewest - 1) * high:,} and "
            f"{fewest} need at least {fewest * low:,}"
        )
    try:
        sets = connected_sets(
            part,
            problem.practices.neighbours,
            problem.practices.population.tolist(),
            low=low,
            high=high,
            cap=200_000,
        )
    except PoolCapError:
        return None
    sets = sets.select(problem.allowed(sets)) if len(sets) else sets
    model = cp_model.CpModel()
    xs = [model.new_bool_var(f"s{k}") for k in range(len(sets))]
    holding: dict[int, list[int]] = {i: [] for i in part}
    for k in range(len(sets)):
        for i in sets.members_of(k):
            holding[i].append(k)
    for i in part:
        model.add_exactly_one([xs[k] for k in holding[i]])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    if solver.solve(model) == cp_model.INFEASIBLE:
        return f"cannot be split into contiguous networks of {low:,}–{high:,} patients"
    return None


def straddling_flags(sets: CandidateSets, patch: IntArray) -> IntArray:
    """Per set: 1 when its members lie in more than one patch (``-1``: no patch), else 0."""
    if len(sets) == 0:
        return np.zeros(0, np.int64)
    big = np.iinfo(np.int64).max
    highest = sets.reduce(patch.astype(np.int64), np.maximum)
    lowest = sets.reduce(np.where(patch >= 0, patch, big).astype(np.int64), np.minimum)
    flags: IntArray = ((highest >= 0) & (lowest != big) & (highest != lowest)).astype(np.int64)
    return flags
