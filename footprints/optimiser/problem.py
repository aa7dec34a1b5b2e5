"""One planning area's optimisation problem: everything the stages of a solve share.

:func:`build_problem` reads the area's adjacency graph into arrays (:func:`practice_arrays`,
with :func:`home_arrays` on registration geography), decides the networks fixed before
solving and splits the rest into pieces (:mod:`footprints.optimiser.pieces`), numbers the
locks and the current plan's networks, and starts the clock. Every later stage takes the
:class:`AreaProblem` it returns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from footprints.errors import InfeasibleError
from footprints.geography import PATCH_SHARE
from footprints.optimiser.candidates import (
    HOLD_SHARE,
    ROW_SHARE,
    BoolArray,
    CandidateSets,
    FloatArray,
    HomeArrays,
    IntArray,
    LsoaArrays,
    PracticeArrays,
    bit_mask,
)
from footprints.optimiser.deadline import Deadline, StopSignal
from footprints.optimiser.pieces import Fixed, Piece, names, prepare, split_pieces
from footprints.optimiser.settings import OptimiseSettings, Progress
from footprints.plan import Band
from footprints.rules import CandidateFilter

__all__ = [
    "AreaProblem",
    "CurrentPlan",
    "Locks",
    "Reporter",
    "allowed",
    "build_problem",
    "home_arrays",
    "lsoa_arrays",
    "practice_arrays",
]


class Reporter:
    """Passes progress on to ``progress`` (if any), clipped to 0–1 and prefixed by the area.

    Parameters
    ----------
    progress
        The caller's progress callback.
    area
        The area's name.
    """

    def __init__(self, progress: Progress | None, area: str) -> None:
        self.progress = progress
        self.area = area

    def __call__(self, fraction: float, message: str) -> None:
        """Report ``fraction`` done and what is being done."""
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)), f"{self.area}: {message}")


@dataclass(frozen=True)
class Locks:
    """Practices locked together, as the listing and the heuristics read them.

    Parameters
    ----------
    groups
        Lock id → its practices (only groups still to plan: not in a fixed network).
    lock_of
        Per practice: the number of its lock group (ids in sorted order), ``-1`` for none.
    masks
        Per lock group number: the bit mask of its practices.
    """

    groups: dict[str, list[int]]
    lock_of: list[int]
    masks: list[int]

    def kept(self, networks: Iterable[Sequence[int]]) -> bool:
        """Whether every network holds at most one lock group, and then all of it."""
        for members in networks:
            groups = {self.lock_of[i] for i in members if self.lock_of[i] >= 0}
            if len(groups) > 1:
                return False
            if groups:
                mask = self.masks[groups.pop()]
                if bit_mask(members) & mask != mask:
                    return False
        return True


@dataclass(frozen=True)
class CurrentPlan:
    """The current plan as the repair mode reads it.

    Parameters
    ----------
    assignment
        Practice code → current network, for the area's practices.
    index
        Per practice: the number of its current network in ``ids`` (``-1`` for none or a
        practice in a fixed network); ``None`` when no current plan was given.
    ids
        The current networks (not frozen) of the practices left to plan, sorted: the
        networks a proposed network may be matched to.
    """

    assignment: dict[str, str]
    index: IntArray | None
    ids: list[str]


@dataclass(frozen=True)
class AreaProblem:
    """One planning area's problem, shared by every stage of its solve.

    Parameters
    ----------
    name
        The area's code.
    practices
        Its practices as arrays.
    settings
        Weights, band, time limit and filters.
    fixed
        Networks decided before solving.
    pieces
        The connected pieces left to plan (the solve may make a piece soft).
    locks
        Lock groups still to plan.
    current
        The current plan (repair mode).
    deadline
        When the solve must end.
    report
        Progress reporter.
    started
        ``time.monotonic()`` at the start of the solve.
    lower_areas
        How many lower areas (CCGs) the planning area joins: ``len(graph.graph["areas"])``
        for a group of :func:`~footprints.planning_areas.planning_graphs`, else 1.
    """

    name: str
    practices: PracticeArrays
    settings: OptimiseSettings
    fixed: list[Fixed]
    pieces: list[Piece]
    locks: Locks
    current: CurrentPlan
    deadline: Deadline
    report: Reporter
    started: float
    lower_areas: int = 1

    @property
    def band(self) -> Band:
        """The population band."""
        return self.settings.band

    def allowed(self, sets: CandidateSets) -> BoolArray:
        """Per set: whether it passes every candidate filter of the settings."""
        return allowed(sets, self.practices, self.settings.candidate_filters)


def allowed(
    sets: CandidateSets, practices: PracticeArrays, filters: Sequence[CandidateFilter]
) -> BoolArray:
    """Per set: whether it passes every filter (each filter sees the sets in chunks)."""
    keep = np.ones(len(sets), dtype=bool)
    for accept in filters:
        for start, chunk in sets.chunks():
            flags = np.asarray(accept(chunk, practices), dtype=bool)
            if flags.shape != (len(chunk),):
                raise ValueError(
                    f"candidate filter {accept!r} returned {flags.shape[0] if flags.ndim else 0} "
                    f"flags for {len(chunk)} candidate networks; it must return one per network"
                )
            keep[start : start + len(chunk)] &= flags
    return keep


def practice_arrays(graph: nx.Graph) -> tuple[str, PracticeArrays]:
    """Read the area's name and its practices as arrays from its adjacency graph.

    Raises
    ------
    ValueError
        When practice codes clash as strings, or a practice lacks a whole ``list_size``
        ≥ 0 or numeric ``x``/``y`` (all such practices named at once).
    """
    codes = sorted(str(node) for node in graph.nodes)
    if len(codes) != graph.number_of_nodes():
        raise ValueError("practice codes must be unique as strings")
    lookup = {str(node): node for node in graph.nodes}
    index = {code: i for i, code in enumerate(codes)}
    population = np.zeros(len(codes), np.int64)
    x_km = np.zeros(len(codes), np.float64)
    y_km = np.zeros(len(codes), np.float64)
    patches: dict[str, int] = {}
    patch = np.full(len(codes), -1, np.int64)
    problems: list[str] = []
    for i, code in enumerate(codes):
        data = graph.nodes[lookup[code]]
        size = data.get("list_size")
        try:
            value = float(size)
        except (TypeError, ValueError):
            value = math.nan
        if not (value >= 0 and math.isfinite(value) and value == int(value)):
            problems.append(f"{code}: list_size {size!r} is not a whole number ≥ 0")
        else:
            population[i] = int(value)
        try:
            x_km[i] = float(data["x"]) / 1000.0
            y_km[i] = float(data["y"]) / 1000.0
        except (KeyError, TypeError, ValueError):
            problems.append(f"{code}: x/y coordinates missing or not numbers")
        value = data.get("patch")
        if value is not None and value == value:  # NaN ≠ NaN: no patch
            patch[i] = patches.setdefault(str(value), len(patches))
    if problems:
        raise ValueError("the area graph has bad practice attributes: " + "; ".join(problems))
    neighbours = [0] * len(codes)
    for u, v in graph.edges:
        a, b = index[str(u)], index[str(v)]
        if a != b:
            neighbours[a] |= 1 << b
            neighbours[b] |= 1 << a
    name = str(graph.graph.get("area", "area"))
    homes = home_arrays(graph, codes)
    return name, PracticeArrays(
        codes, index, population, x_km, y_km, patch, neighbours, homes, tuple(patches)
    )


def home_arrays(graph: nx.Graph, codes: Sequence[str]) -> HomeArrays | None:
    """Read where the patients of practices ``codes`` live, from a registration-geography graph.

    The moments are in km about the mean home of these practices' patients, so that they add
    up over any set of them (see :class:`~footprints.optimiser.candidates.HomeArrays`).

    Parameters
    ----------
    graph
        An area graph; its nodes carry ``home_patients``, ``home_x``, ``home_y`` (BNG
        metres), ``home_spread`` (m²) and ``home_patches`` when
        ``graph.graph["geography"] == "registrations"``.
    codes
        The practices (node names as strings), in the order of the arrays.

    Returns
    -------
    HomeArrays or None
        ``None`` when the graph is not on registration geography.

    Raises
    ------
    ValueError
        When a practice's home attributes are missing or not numbers (all named at once).
    """
    if graph.graph.get("geography") != "registrations":
        return None
    lookup = {str(node): node for node in graph.nodes}
    n = len(codes)
    patients = np.zeros(n, np.float64)
    mean = np.zeros((n, 2), np.float64)  # km
    spread = np.zeros(n, np.float64)  # km²
    counts: list[dict[str, int]] = []
    problems: list[str] = []
    for i, code in enumerate(codes):
        data = graph.nodes[lookup[code]]
        bad = _home_problem(data)
        if bad is not None:
            problems.append(f"{code}: {bad}")
            counts.append({})
            continue
        patients[i] = float(data["home_patients"])
        if patients[i] > 0:
            mean[i] = float(data["home_x"]) / 1000.0, float(data["home_y"]) / 1000.0
            spread[i] = float(data["home_spread"]) / 1e6
        counts.append({str(p): int(v) for p, v in (data.get("home_patches") or {}).items() if v})
    if problems:
        raise ValueError(
            f"area {graph.graph.get('area', 'area')} is on registration geography but has bad "
            "home attributes: " + "; ".join(problems)
        )
    total = float(patients.sum())
    origin = (mean.T @ patients / total) if total > 0 else np.zeros(2)
    offset = mean - origin
    names = sorted({p for c in counts for p in c})
    column = {p: k for k, p in enumerate(names)}
    matrix = np.zeros((n, len(names)), np.int64)
    for i, c in enumerate(counts):
        for p, v in c.items():
            matrix[i, column[p]] = v
    patched = matrix.sum(axis=1)
    # A set's largest patch holds at least the smallest "largest patch" of any practice with
    # patched patients; a patch whose total over all the practices is below that is never
    # the largest of any set, so it is counted in `patched` only (keeps the matrix narrow).
    some = patched > 0
    floor = int(matrix[some].max(axis=1).min()) if some.any() else 0
    # A patch works into a set holding at least its `working` patients (5% of its
    # residents, DESIGN.md); one the area's practices together reach is kept too, so that
    # a set's working patches can be counted (`costs.working_patches`).
    working = patch_floors(names, graph.graph.get("patch_residents") or {})
    keep = (matrix.sum(axis=0) >= max(floor, 1)) | (matrix.sum(axis=0) >= working)
    return HomeArrays(
        patients=patients,
        sum_x=patients * offset[:, 0],
        sum_y=patients * offset[:, 1],
        sum_sq=patients * (spread + (offset * offset).sum(axis=1)),
        patches=np.ascontiguousarray(matrix[:, keep]),
        patched=patched,
        patch_names=[p for p, k in zip(names, keep, strict=True) if k],
        origin=(float(origin[0]), float(origin[1])),
        lsoas=lsoa_arrays(graph, codes),
        working=working[keep],
    )


def patch_floors(patches: Sequence[str], residents: Mapping[str, int]) -> IntArray:
    """Give the patients a network needs in each patch for the patch to work into it.

    :data:`~footprints.geography.PATCH_SHARE` of the patch's registered residents (at least
    one patient; one for a patch whose residents are not known, as
    :func:`~footprints.geography.working_patches` counts it). With no residents at all (a
    graph without ``patch_residents``), no patch is counted: the floors are out of reach.
    """
    if not residents:
        return np.full(len(patches), np.iinfo(np.int64).max, np.int64)
    return np.asarray(
        [max(1, math.ceil(PATCH_SHARE * int(residents.get(p, 0)))) for p in patches],
        np.int64,
    ).reshape(len(patches))


def lsoa_arrays(graph: nx.Graph, codes: Sequence[str]) -> LsoaArrays | None:
    """Read the practices' LSOA counts of a registration-geography graph (for containment).

    Parameters
    ----------
    graph
        An area graph whose nodes carry ``home_lsoas`` (LSOA numbers) and
        ``home_lsoa_patients`` (the practice's patients in each), and whose
        ``graph.graph["lsoa_registered"]`` maps every LSOA number named to its registered
        patients (at any practice of the region); ``graph.graph["lsoa_edges"]`` (pairs of
        neighbouring LSOA numbers) is optional, and edges naming other LSOAs are ignored.
    codes
        The practices (node names as strings), in the order of the arrays.

    Returns
    -------
    LsoaArrays or None
        ``None`` when the graph has no ``lsoa_registered`` (no containment term).

    Raises
    ------
    ValueError
        When a practice's LSOA counts are malformed or name an LSOA the graph does not
        (all such practices named at once).
    """
    registered = graph.graph.get("lsoa_registered")
    if registered is None:
        return None
    if not isinstance(registered, Mapping):
        raise ValueError(
            f"area {graph.graph.get('area', 'area')}: lsoa_registered must map LSOA numbers to "
            f"registered patients, not {type(registered).__name__}"
        )
    numbers = np.asarray(sorted(int(k) for k in registered), np.int64)
    totals = np.asarray([int(registered[k]) for k in numbers.tolist()], np.int64)
    lookup = {str(node): node for node in graph.nodes}
    lsoa_parts: list[IntArray] = []
    count_parts: list[IntArray] = []
    problems: list[str] = []
    for code in codes:
        data = graph.nodes[lookup[code]]
        lsoas = np.asarray(data.get("home_lsoas", ()), np.int64).ravel()
        counts = np.asarray(data.get("home_lsoa_patients", ()), np.int64).ravel()
        column = np.searchsorted(numbers, lsoas)
        if (
            len(lsoas) != len(counts)
            or (counts < 0).any()
            or (column >= len(numbers)).any()
            or (numbers[np.minimum(column, len(numbers) - 1)] != lsoas).any()
        ):
            problems.append(
                f"{code}: home_lsoas and home_lsoa_patients must be equally long, counts ≥ 0 "
                "and every LSOA in lsoa_registered"
            )
            column, counts = np.zeros(0, np.int64), np.zeros(0, np.int64)
        order = np.argsort(column, kind="stable")
        lsoa_parts.append(column[order])
        count_parts.append(counts[order])
    if problems:
        raise ValueError(
            f"area {graph.graph.get('area', 'area')} has bad LSOA counts: " + "; ".join(problems)
        )
    offsets = np.zeros(len(codes) + 1, np.int64)
    np.cumsum([len(part) for part in lsoa_parts], out=offsets[1:])
    column = np.concatenate(lsoa_parts) if lsoa_parts else np.zeros(0, np.int64)
    count = np.concatenate(count_parts) if count_parts else np.zeros(0, np.int64)
    short = np.bincount(column, weights=count, minlength=len(numbers)) > totals
    if short.any():
        shown = ", ".join(str(n) for n in numbers[short][:5].tolist())
        raise ValueError(
            f"area {graph.graph.get('area', 'area')}: lsoa_registered gives LSOA(s) {shown} "
            "fewer registered patients than the area's practices have there"
        )
    overlap = _overlap(offsets, column, count, totals)
    # Likely territories read the rows that can matter: at least ROW_SHARE of the LSOA, in
    # LSOAs where such rows of the area's practices add up to more than HOLD_SHARE.
    keep = count >= ROW_SHARE * totals[column]
    area = np.bincount(column[keep], weights=count[keep], minlength=len(numbers))
    keep &= area[column] > HOLD_SHARE * totals[column]
    owner = np.repeat(np.arange(len(codes)), np.diff(offsets))
    catchments = (offsets.copy(), column, count)
    np.cumsum(np.bincount(owner[keep], minlength=len(codes)), out=offsets[1:])
    return LsoaArrays(
        offsets=offsets,
        lsoa=column[keep],
        count=count[keep],
        registered=totals,
        codes=numbers,
        overlap=overlap,
        adjacency=_adjacency(graph, numbers),
        catchments=catchments,
    )


def _adjacency(graph: nx.Graph, numbers: IntArray) -> tuple[IntArray, IntArray]:
    """Give the ``lsoa_edges`` between LSOAs of ``numbers``, in compressed form by column."""
    edges = np.asarray(graph.graph.get("lsoa_edges", ()), np.int64).reshape(-1, 2)
    a = np.searchsorted(numbers, edges[:, 0])
    b = np.searchsorted(numbers, edges[:, 1])
    known = (a < len(numbers)) & (b < len(numbers))
    known[known] &= (numbers[a[known]] == edges[known, 0]) & (numbers[b[known]] == edges[known, 1])
    a, b = a[known], b[known]
    source = np.concatenate([a, b])
    target = np.concatenate([b, a])
    order = np.lexsort((target, source))
    offsets = np.zeros(len(numbers) + 1, np.int64)
    np.cumsum(np.bincount(source, minlength=len(numbers)), out=offsets[1:])
    return offsets, target[order]


def _overlap(
    offsets: IntArray, lsoa: IntArray, count: IntArray, registered: IntArray
) -> FloatArray:
    """Practices × practices: ``Σ_l n(i, l) · n(j, l) / registered(l)`` (dense)."""
    n = len(offsets) - 1
    dense = np.zeros((n, len(registered)), np.float64)
    owner = np.repeat(np.arange(n), np.diff(offsets))
    dense[owner, lsoa] = count
    scale = np.divide(1.0, registered, out=np.zeros(len(registered)), where=registered > 0)
    overlap: FloatArray = (dense * scale) @ dense.T
    return overlap


def _home_problem(data: Mapping[str, object]) -> str | None:
    """Say what is wrong with one practice's home attributes, or ``None``."""
    try:
        patients = float(data["home_patients"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return f"home_patients {data.get('home_patients')!r} is not a number"
    if not patients >= 0:
        return f"home_patients {patients!r} is below 0"
    if patients > 0:
        try:
            values = [float(data[key]) for key in ("home_x", "home_y", "home_spread")]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            return "home_x/home_y/home_spread missing or not numbers"
        if not all(math.isfinite(v) for v in values) or values[2] < 0:
            return f"home_x/home_y/home_spread {values} not finite (or spread below 0)"
    patches = data.get("home_patches") or {}
    if not isinstance(patches, Mapping) or not all(
        isinstance(v, (int, float, np.integer, np.floating))
        and math.isfinite(v)
        and v >= 0
        and v == int(v)
        for v in patches.values()
    ):
        return f"home_patches {patches!r} is not a mapping of patch to patients ≥ 0"
    return None


def build_problem(
    graph: nx.Graph,
    settings: OptimiseSettings,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    progress: Progress | None = None,
    stop: StopSignal | None = None,
) -> AreaProblem:
    """Read one area's graph and inputs into an :class:`AreaProblem`; the clock starts here.

    Parameters are those of :func:`~footprints.optimiser.optimise_area`.

    Raises
    ------
    InfeasibleError
        When frozen networks come without a current plan, locks contradict frozen networks
        or cannot be joined, or a network fixed before solving fails a candidate filter.
    ValueError
        When the graph's practice attributes are bad.
    """
    started = time.monotonic()
    deadline = Deadline(started + settings.time_limit, stop)
    name, practices = practice_arrays(graph)
    report = Reporter(progress, name)
    report(0.0, "preparing")
    frozen_ids = set(frozen)
    current_map = {
        code: str(net) for code, net in (current or {}).items() if str(code) in practices.index
    }
    locked_map = {
        code: str(net) for code, net in (locked or {}).items() if str(code) in practices.index
    }
    if frozen_ids and current is None:
        raise InfeasibleError(
            f"area {name}: frozen networks {names(sorted(frozen_ids))} need a current plan"
        )
    # Only a move budget can force out-of-band current networks to stay: without one, the
    # band stays hard wherever the area can meet it.
    budget = current is not None and settings.max_moves is not None
    fixed, free, lock_groups = prepare(
        practices,
        area=name,
        band=settings.band,
        current_map=current_map if budget else {},
        locked_map=locked_map,
        frozen_ids=frozen_ids,
        frozen_map=current_map,
    )
    _check_fixed_allowed(name, practices, fixed, settings.candidate_filters)
    pieces = split_pieces(practices, settings.band, free, fixed)
    return AreaProblem(
        name=name,
        practices=practices,
        settings=settings,
        fixed=fixed,
        pieces=pieces,
        locks=_locks(lock_groups, len(practices)),
        current=_current_plan(practices, current_map, free, given=current is not None),
        deadline=deadline,
        report=report,
        started=started,
        lower_areas=max(1, len(graph.graph.get("areas", ()))),
    )


def _locks(lock_groups: dict[str, list[int]], n_practices: int) -> Locks:
    lock_of = [-1] * n_practices
    masks = []
    for g, lock in enumerate(sorted(lock_groups)):
        for i in lock_groups[lock]:
            lock_of[i] = g
        masks.append(bit_mask(lock_groups[lock]))
    return Locks(lock_groups, lock_of, masks)


def _current_plan(
    practices: PracticeArrays, current_map: dict[str, str], free: list[int], *, given: bool
) -> CurrentPlan:
    """Give the current networks (not frozen) numbers for the matching rows."""
    codes = practices.codes
    ids = sorted({current_map[codes[i]] for i in free if codes[i] in current_map})
    index: IntArray | None = None
    if given:
        index = np.full(len(codes), -1, np.int64)
        number = {net: k for k, net in enumerate(ids)}
        for i in free:
            net = current_map.get(codes[i])
            if net is not None:
                index[i] = number[net]
    return CurrentPlan(current_map, index, ids)


def _check_fixed_allowed(
    area: str, practices: PracticeArrays, fixed: list[Fixed], filters: Sequence[CandidateFilter]
) -> None:
    """Check that the networks fixed before solving (not frozen ones) pass the filters."""
    decided = [f for f in fixed if not f.frozen]
    if not filters or not decided:
        return
    keep = allowed(CandidateSets.of([f.members for f in decided]), practices, filters)
    refused = [f for f, ok in zip(decided, keep, strict=True) if not ok]
    if refused:
        groups = "; ".join(names(practices.codes[i] for i in f.members) for f in refused)
        raise InfeasibleError(
            f"area {area}: practices over the maximum must form networks of their own "
            f"({groups}), but the candidate filters refuse those networks; change the filters "
            "or the locks"
        )
