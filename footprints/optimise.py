"""The optimiser core: partition a planning area's practices into networks.

Works on the adjacency graph only (node attributes ``list_size``, ``x``, ``y`` in metres and
``patch``; edges), never on geometry, so it can be tested on hand-made grids.

Formulation
-----------
*Candidates.* Every connected set of practices whose population lies in the band is listed
(:mod:`footprints.candidates`); contiguity and the band then hold by construction. Each
candidate network ``N`` has a cost, in **patient-kilometres**:

``cost(N) = compactness_weight × Σ_{i∈N} list_size_i × d_i``
``        + straddle_weight × straddling(N) + network_cost + band_penalty × deviation(N)``

where ``d_i`` is the distance (km) from practice ``i`` to ``N``'s population-weighted
centre. Summed over a plan, the first term is the area's population times the
population-weighted mean distance of DESIGN.md, so totals of plans with different numbers
of networks compare fairly. ``straddling(N)`` is the population of ``N``'s practices outside
its largest patch (DESIGN.md); ``deviation(N)`` is how many patients ``N`` lies outside the
band (non-zero only where the band had to be made soft).

*Repair mode* (a ``current`` plan is given). Each proposed network is matched to at most one
current network and each current network to at most one proposed network; a practice is
**moved** when it is not in the current network its new network is matched to (a practice
with no current network is never moved). The model chooses the matching that is cheapest,
so it is the maximum-overlap matching, and every column of the partitioning model is a
(candidate, matched current network or none) pair costing ``move_weight`` per moved
practice. ``max_moves`` bounds the number of moved practices; only under such a budget
can a current network outside the band be kept as it is (and a practice over the maximum
stay with its current network) — without one the band stays hard wherever the area can meet
it. A network matched to a current network keeps that network's id (:func:`propose` gives a
current network split across areas its id in the area holding most of it only).

*Solve.* Set partitioning over the candidates (each practice in exactly one chosen network,
the number of networks of each piece in ``ceil(P/max)…floor(P/min)``):

1. the LP relaxation is solved with GLOP by column generation: a restricted master over a
   few thousand columns, every candidate priced with numpy from the duals, until no column
   has negative reduced cost. This gives a lower bound ``LB`` and every reduced cost;
2. CP-SAT solves the integer problem over the columns with reduced cost ``≤ Δ``;
3. a plan of cost ``z`` with ``z − LB ≤ Δ`` is proved optimal (any better plan would use
   only columns with reduced cost ``≤ z − LB``, all of which were in the model); otherwise
   ``Δ := z − LB`` and step 2 is repeated. If the filtered model is infeasible, ``Δ`` grows
   and ``LB + Δ`` becomes a proved bound.

*Soft band.* What cannot meet the band is certified before solving and explained:
a practice over the maximum is a network of its own; a piece of the area (a connected
component of the practices left to plan) whose practices cannot be partitioned into
contiguous in-band networks — too few patients, a population no number of in-band networks
can add up to, a practice in no in-band connected group, or the LP proving it — gets
candidates outside the band too, penalised per patient of deviation. Only when even that
soft model has no plan (contradictory locks, an impossible move budget) is
:class:`~footprints.errors.InfeasibleError` raised.

*Pool cap.* If a piece has more candidates than ``candidate_cap``, or listing them all would
take more than 40% of the time left, candidates are listed only within a radius of their
first practice (shrinking until under the cap and in time); the plan is then reported as
``"feasible"`` with no bound, since better networks may have been left out.

*Constructive plan.* Before anything else a quick plan is built: each piece is split into
in-band networks by recursive bisection of random spanning trees (soft pieces are cut
bottom-up into networks of at least the minimum), best of a few seeded tries. Its networks
join the candidates and it is CP-SAT's first incumbent; if the time limit stops listing
candidates, the LP or CP-SAT before any better plan is found, it is the plan returned
(``"feasible"``, no bound unless the LP gave one), so an area always gets a complete,
contiguous plan. In repair mode the current plan is the fallback where it is cheaper.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Literal

import networkx as nx
import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from footprints import WORKER_PROCESS_NAME, candidates
from footprints.candidates import (
    CandidateSets,
    EnumerationTimeoutError,
    PoolCapError,
    StopSignal,
    connected_sets,
    network_costs,
)
from footprints.errors import InfeasibleError
from footprints.plan import Band, Plan

__all__ = [
    "AreaResult",
    "OptimiseSettings",
    "Proposal",
    "Status",
    "StopSignal",
    "optimise_area",
    "propose",
]

logger = logging.getLogger(__name__)

Status = Literal["optimal", "feasible", "infeasible", "timed out", "error"]
"""What an area's solve ended with (see :class:`AreaResult`)."""
Progress = Callable[[float, str], None]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Integer cost units per patient-kilometre (CP-SAT needs integer costs).
_SCALE = 100
#: Pieces with at most this many practices get soft candidates above the maximum too.
_SOFT_ABOVE_MAX_PRACTICES = 30
_NAMES_SHOWN = 12
#: Most columns handed to one CP-SAT solve (the cheapest by reduced cost).
_CP_SAT_COLUMNS = 30_000
#: Seconds between looks at the stop signal while a solver runs.
_STOP_POLL = 0.05
#: Share of the time left that listing every candidate of a piece may take before only
#: local candidates are listed (leaving time for the LP and CP-SAT).
_FULL_LISTING_SHARE = 0.4


@dataclass(frozen=True)
class OptimiseSettings:
    """What the optimiser minimises and how long it may take.

    All weights are in **patient-kilometres** (one patient one kilometre further from their
    network's centre costs 1).

    Parameters
    ----------
    band
        Population band of a network; hard wherever the area can meet it.
    compactness_weight
        Weight of the population-weighted sum of distances (km) from each practice to its
        network's population-weighted centre.
    straddle_weight
        Cost per *patient* of a practice outside its network's largest nursing patch (so a
        straddling practice of 8,000 patients costs as much as moving 8,000 patients
        ``straddle_weight`` km further out). Per patient rather than per extra patch so that
        cost follows the number of patients whose nursing team must work with two networks.
    move_weight
        Repair mode: cost per practice moved away from its current network (see the module
        docstring for "moved"). The default, 10,000, makes a move worth about as much as
        bringing a typical 8,000-patient practice 1.25 km closer to its network's centre.
    network_cost
        Cost of each network. Compactness alone prefers many small networks; each network
        carries a clinical director and management costs, and practices in England chose
        larger networks (median 44,000). With networks of ``p`` patients at ``ρ`` patients
        per km², the compactness term is about ``P · (2/3) · sqrt(p / (π ρ))``; its saving
        from one more network balances a per-network cost ``c`` at
        ``p ≈ (2c / a)^(2/3)`` with ``a = (2/3) / sqrt(π ρ)``. The default 30,000 puts that
        balance at about 44,000 patients for a town of ~3,000 patients per km², the
        population-weighted density of England's practice catchments, so the band's upper
        half is favoured without overriding compactness.
    band_penalty
        Where the band is soft: cost per patient of deviation outside the band. Large, so
        that deviation is kept to what the area forces.
    max_moves
        Repair mode: most practices that may move (``None``: no limit).
    time_limit
        Seconds for one area (listing candidates, LP and CP-SAT together).
    seed
        CP-SAT random seed.
    workers
        CP-SAT worker threads per area. With 1 (the default) a solve is deterministic for a
        given seed whenever it finishes within the time limit. With more, CP-SAT runs one
        full LP-based solver beside its helpers (the default portfolio stalls on few cores),
        which is faster but may return a different plan of the same cost when several tie.
    candidate_cap
        Most candidate networks listed per piece of an area before falling back to
        candidates within a radius (reported without a bound).
    """

    band: Band = field(default_factory=Band)
    compactness_weight: float = 1.0
    straddle_weight: float = 1.0
    move_weight: float = 10_000.0
    network_cost: float = 30_000.0
    band_penalty: float = 100.0
    max_moves: int | None = None
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 1
    candidate_cap: int = 2_000_000

    def __post_init__(self) -> None:
        for name in (
            "compactness_weight",
            "straddle_weight",
            "move_weight",
            "network_cost",
            "band_penalty",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be at least 0, not {getattr(self, name)}")
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError(f"max_moves must be at least 0 or None, not {self.max_moves}")
        if self.time_limit <= 0:
            raise ValueError(f"time_limit must be positive, not {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.candidate_cap < 1:
            raise ValueError(f"candidate_cap must be at least 1, not {self.candidate_cap}")


@dataclass(frozen=True)
class AreaResult:
    """The optimiser's answer for one planning area.

    Attributes
    ----------
    area
        The planning area's code.
    assignment
        Practice code → network id.
    status
        ``"optimal"`` (proved), ``"feasible"`` (a plan, not proved optimal: possibly the
        constructive plan when time ran out; see ``explanations``), ``"timed out"`` (no plan
        within the time limit: only when no constructive plan keeps the locks),
        ``"infeasible"`` or ``"error"`` (from :func:`propose` only; :func:`optimise_area`
        raises instead).
    objective
        Total cost of the plan (patient-km, see :class:`OptimiseSettings`), or ``None``.
    bound
        Proved lower bound on the cost of any plan, or ``None`` when none is known.
    gap
        ``(objective − bound) / objective``, or ``None``.
    seconds
        Wall time of the solve.
    networks
        Number of networks in the plan.
    explanations
        Sentences saying where and why the band is soft, and anything else the user should
        know (time limits, candidate cap), naming practices and numbers.
    soft_networks
        Ids of networks outside the band.
    pool_size
        Candidate networks listed.
    moves
        Practices moved from the current plan (repair mode), else ``None``.
    """

    area: str
    assignment: Mapping[str, str]
    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    networks: int = 0
    explanations: list[str] = field(default_factory=list)
    soft_networks: list[str] = field(default_factory=list)
    pool_size: int = 0
    moves: int | None = None


@dataclass(frozen=True)
class Proposal:
    """A plan for several planning areas and the per-area results behind it."""

    plan: Plan
    results: Mapping[str, AreaResult]


# --------------------------------------------------------------------------- deadline


@dataclass(frozen=True)
class _Deadline:
    """When an area's solve must end: at ``at`` (``time.monotonic()``) or once ``stop`` is set."""

    at: float
    stop: StopSignal | None = None

    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def left(self) -> float:
        return 0.0 if self.stopped() else max(0.0, self.at - time.monotonic())

    def passed(self) -> bool:
        return self.left() <= 0.0

    def share(self, fraction: float) -> _Deadline:
        """The deadline ``fraction`` of the time left from now (same stop signal)."""
        return _Deadline(time.monotonic() + fraction * self.left(), self.stop)

    def why(self, time_limit: float) -> str:
        """Why the solve ended early, as the start of a sentence."""
        if self.stopped():
            return "the optimiser was stopped"
        return f"the time limit of {time_limit:g} s ran out"


class _Interrupter:
    """Calls ``interrupt`` (from a watcher thread) if ``stop`` is set while the block runs.

    GLOP and CP-SAT run in C++ and only look at their own time limits; this is how a stop
    asked for by the user reaches them.
    """

    def __init__(self, stop: StopSignal | None, interrupt: Callable[[], object]) -> None:
        self.stop = stop
        self.interrupt = interrupt
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def _watch(self) -> None:
        assert self.stop is not None
        while not self.done.wait(_STOP_POLL):
            if self.stop.is_set():
                self.interrupt()
                return

    def __enter__(self) -> _Interrupter:
        if self.stop is not None:
            self.thread = threading.Thread(target=self._watch, daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()


# --------------------------------------------------------------------------- area data


@dataclass
class _Area:
    name: str
    codes: list[str]
    index: dict[str, int]
    population: IntArray
    x_km: FloatArray
    y_km: FloatArray
    patch: IntArray
    neighbours: list[int]


def _area_data(graph: nx.Graph) -> _Area:
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
        if size is None or not float(size) >= 0 or float(size) != int(float(size)):
            problems.append(f"{code}: list_size {size!r} is not a whole number ≥ 0")
        else:
            population[i] = int(float(size))
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
    return _Area(name, codes, index, population, x_km, y_km, patch, neighbours)


def _mask(indices: Iterable[int]) -> int:
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _components(nodes: Iterable[int], neighbours: list[int]) -> list[list[int]]:
    """Connected components of the subgraph induced by ``nodes``, sorted."""
    remaining = _mask(nodes)
    pieces = []
    while remaining:
        start = remaining & -remaining
        seen = start
        frontier = start
        while frontier:
            grown = 0
            for v in _bits(frontier):
                grown |= neighbours[v]
            frontier = grown & remaining & ~seen
            seen |= frontier
        remaining &= ~seen
        pieces.append(_bits(seen))
    return pieces


def _names(codes: Iterable[str]) -> str:
    codes = list(codes)
    if len(codes) <= _NAMES_SHOWN:
        return ", ".join(codes)
    return ", ".join(codes[:_NAMES_SHOWN]) + f" and {len(codes) - _NAMES_SHOWN} more"


# --------------------------------------------------------------------------- columns


@dataclass
class _Piece:
    """A connected component of the practices left to plan."""

    nodes: list[int]
    population: int
    soft: bool = False
    reason: str = ""
    #: Where the band is soft because of particular practices: the reason for each one.
    practice_reasons: dict[int, str] = field(default_factory=dict)
    k_range: tuple[int, int] | None = None
    bounded: bool = True  # False when the candidate cap forced a radius limit


@dataclass
class _Columns:
    """Candidate networks and the (candidate, matched current network) columns over them."""

    sets: CandidateSets
    set_population: IntArray
    set_cost: IntArray  # integer cost units, without moves
    set_piece: IntArray
    col_set: IntArray
    col_match: IntArray  # current-network index, -1 for none
    col_moves: IntArray
    col_cost: IntArray

    def __len__(self) -> int:
        return len(self.col_set)


def _set_costs(
    area: _Area, sets: CandidateSets, settings: OptimiseSettings
) -> tuple[IntArray, IntArray]:
    population, compactness, straddling = network_costs(
        sets,
        population=area.population,
        x_km=area.x_km,
        y_km=area.y_km,
        patch=area.patch,
    )
    band = settings.band
    deviation = np.maximum(band.min_population - population, 0) + np.maximum(
        population - band.max_population, 0
    )
    cost = (
        settings.compactness_weight * compactness
        + settings.straddle_weight * straddling
        + settings.network_cost
        + settings.band_penalty * deviation
    )
    return population, np.rint(cost * _SCALE).astype(np.int64)


def _build_columns(
    area: _Area,
    pieces: list[_Piece],
    piece_sets: list[CandidateSets],
    settings: OptimiseSettings,
    current_index: IntArray | None,
) -> _Columns:
    sets = CandidateSets.concatenate(piece_sets)
    set_piece = np.repeat(
        np.arange(len(pieces), dtype=np.int64), [len(s) for s in piece_sets]
    ).astype(np.int64)
    population, cost = _set_costs(area, sets, settings)
    n = len(sets)
    if current_index is None or n == 0:
        col_set = np.arange(n, dtype=np.int64)
        zeros = np.zeros(n, np.int64)
        return _Columns(sets, population, cost, set_piece, col_set, zeros - 1, zeros, cost)
    # (set, current network) pairs with their overlap, in chunks of sets so that no array
    # the size of all members is built.
    n_current = np.zeros(n, np.int64)
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
    move_cost = np.rint(settings.move_weight * _SCALE).astype(np.int64)
    col_cost = cost[col_set] + move_cost * col_moves
    return _Columns(sets, population, cost, set_piece, col_set, col_match, col_moves, col_cost)


# --------------------------------------------------------------------------- LP


@dataclass
class _LPResult:
    feasible: bool
    bound: float  # proved lower bound (cost units), valid over every column
    reduced_costs: FloatArray
    values: FloatArray  # LP value per column (0 outside the restricted master)
    complete: bool  # False when the deadline stopped column generation


class _MasterLP:
    """Set-partitioning LP solved with GLOP by column generation over ``columns``."""

    def __init__(
        self,
        columns: _Columns,
        *,
        rows: list[int],
        pieces: list[_Piece],
        n_match: int,
        max_moves: int | None,
        n_nodes: int,
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.n_nodes = n_nodes
        self.pieces = pieces
        self.n_match = n_match
        self.max_moves = max_moves
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise RuntimeError("OR-Tools GLOP is not available")
        self.solver = solver
        inf = solver.infinity()
        self.node_rows: dict[int, Any] = {}
        self.artificials: list[Any] = []
        for node in rows:
            row = solver.Constraint(1.0, 1.0)
            art = solver.NumVar(0.0, inf, "")
            row.SetCoefficient(art, 1.0)
            self.artificials.append(art)
            self.node_rows[node] = row
        self.piece_rows: dict[int, Any] = {}
        for p, piece in enumerate(pieces):
            if piece.k_range is None:
                continue
            row = solver.Constraint(float(piece.k_range[0]), float(piece.k_range[1]))
            for sign in (1.0, -1.0):
                art = solver.NumVar(0.0, inf, "")
                row.SetCoefficient(art, sign)
                self.artificials.append(art)
            self.piece_rows[p] = row
        self.match_rows = [solver.Constraint(-inf, 1.0) for _ in range(n_match)]
        self.moves_row = None
        if max_moves is not None:
            self.moves_row = solver.Constraint(-inf, float(max_moves))
            art = solver.NumVar(0.0, inf, "")
            self.moves_row.SetCoefficient(art, -1.0)
            self.artificials.append(art)
        self.in_master = np.zeros(len(columns), dtype=bool)
        self.variables: dict[int, Any] = {}
        self.objective = solver.Objective()
        self.objective.SetMinimization()
        self.phase = 1
        for art in self.artificials:
            self.objective.SetCoefficient(art, 1.0)
        piece_of_col = columns.set_piece[columns.col_set]
        has_row = np.array([p in self.piece_rows for p in range(len(pieces))] + [False])
        self.piece_index_of_col = np.where(has_row[piece_of_col], piece_of_col, -1)
        self._upper_networks = sum(
            piece.k_range[1] if piece.k_range is not None else len(piece.nodes) for piece in pieces
        )

    def add(self, cols: Iterable[int]) -> None:
        columns = self.columns
        sets = columns.sets
        inf = self.solver.infinity()
        for j in cols:
            j = int(j)
            if self.in_master[j]:
                continue
            self.in_master[j] = True
            var = self.solver.NumVar(0.0, inf, "")
            s = int(columns.col_set[j])
            for node in sets.members[sets.offsets[s] : sets.offsets[s + 1]]:
                self.node_rows[int(node)].SetCoefficient(var, 1.0)
            piece = int(columns.set_piece[s])
            if piece in self.piece_rows:
                self.piece_rows[piece].SetCoefficient(var, 1.0)
            match = int(columns.col_match[j])
            if match >= 0:
                self.match_rows[match].SetCoefficient(var, 1.0)
            if self.moves_row is not None and columns.col_moves[j]:
                self.moves_row.SetCoefficient(var, float(columns.col_moves[j]))
            if self.phase == 2:
                self.objective.SetCoefficient(var, float(columns.col_cost[j]))
            self.variables[j] = var

    def _start_phase_two(self) -> None:
        self.phase = 2
        for art in self.artificials:
            self.objective.SetCoefficient(art, 0.0)
            art.SetUb(0.0)
        for j, var in self.variables.items():
            self.objective.SetCoefficient(var, float(self.columns.col_cost[j]))

    def _price(self) -> tuple[FloatArray, float]:
        """Reduced cost of every column and the dual bound of the current duals."""
        columns = self.columns
        node_dual = np.zeros(self.n_nodes, np.float64)
        for node, row in self.node_rows.items():
            node_dual[node] = row.dual_value()
        piece_dual = np.zeros(len(self.pieces) + 1, np.float64)
        dual_bound = float(node_dual.sum())
        for p, row in self.piece_rows.items():
            d = row.dual_value()
            piece_dual[p] = d
            dual_bound += min(d * row.lb(), d * row.ub())
        match_dual = np.zeros(self.n_match + 1, np.float64)
        for m, row in enumerate(self.match_rows):
            d = row.dual_value()
            match_dual[m] = d
            dual_bound += min(0.0, d)
        moves_dual = 0.0
        if self.moves_row is not None and self.max_moves is not None:
            moves_dual = self.moves_row.dual_value()
            dual_bound += min(0.0, moves_dual * self.max_moves)
        set_dual = columns.sets.sums(node_dual)
        costs = columns.col_cost.astype(np.float64) if self.phase == 2 else 0.0
        rc = (
            costs
            - set_dual[columns.col_set]
            - piece_dual[self.piece_index_of_col]
            - match_dual[columns.col_match]
            - moves_dual * columns.col_moves
        )
        return np.asarray(rc, np.float64), dual_bound

    def solve(self, deadline: _Deadline) -> _LPResult:
        columns = self.columns
        n_cols = len(columns)
        batch = max(200, 4 * len(self.rows))
        empty = np.zeros(0, np.float64)
        if n_cols == 0:
            return _LPResult(not self.rows, 0.0, empty, empty, True)
        scale = max(1.0, float(np.abs(columns.col_cost).max()))
        complete = True
        while True:
            # GLOP is not otherwise interruptible: one solve of a large master can run long.
            self.solver.SetTimeLimit(max(1, int(1000 * deadline.left())))
            with _Interrupter(deadline.stop, self.solver.InterruptSolve):
                status = self.solver.Solve()
            if status != pywraplp.Solver.OPTIMAL:
                if deadline.passed():  # stopped by the time limit or the user: no bound
                    return _LPResult(False, -math.inf, empty, empty, False)
                raise RuntimeError(  # pragma: no cover - the master is bounded
                    f"GLOP returned status {status} on the master LP"
                )
            rc, dual_bound = self._price()
            tolerance = 1e-9 * (scale if self.phase == 2 else 1.0) + 1e-9
            negative = np.flatnonzero((rc < -tolerance) & ~self.in_master)
            if len(negative) and not deadline.passed():
                if len(negative) > batch:
                    negative = negative[np.argpartition(rc[negative], batch)[:batch]]
                self.add(negative)
                continue
            if len(negative):
                complete = False
            if self.phase == 1:
                infeasibility = self.objective.Value()
                if infeasibility > 1e-6 and complete:
                    return _LPResult(False, math.inf, rc, empty, True)
                if infeasibility > 1e-6:
                    return _LPResult(False, -math.inf, rc, empty, False)
                self._start_phase_two()
                continue
            break
        # Lagrangian bound: any plan has at most `upper_networks` columns, so columns with
        # (numerically) negative reduced cost cannot lower it by more than this.
        bound = dual_bound + self._upper_networks * min(0.0, float(rc.min()))
        values = np.zeros(n_cols, np.float64)
        for j, var in self.variables.items():
            values[j] = var.solution_value()
        return _LPResult(True, bound, rc, values, complete)


# --------------------------------------------------------------------------- CP-SAT


@dataclass
class _IntegerResult:
    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    objective: int | None
    bound: float
    chosen: IntArray


def _solve_integer(
    columns: _Columns,
    pool: IntArray,
    *,
    rows: list[int],
    pieces: list[_Piece],
    n_match: int,
    settings: OptimiseSettings,
    hint: IntArray | None,
    time_limit: float,
    stop: StopSignal | None = None,
    require: IntArray | None = None,
    below: int | None = None,
) -> _IntegerResult:
    """CP-SAT over the columns ``pool``.

    ``require`` (columns) and ``below`` restrict the search to plans using one of
    ``require`` and costing less than ``below``: used to prove an incumbent optimal after
    the pool grew, without searching the old pool again.
    """
    model = cp_model.CpModel()
    sets = columns.sets
    xs = [model.new_bool_var(f"c{int(j)}") for j in pool]
    pool_sets = columns.col_set[pool]
    sizes = sets.sizes[pool_sets]
    starts = sets.offsets[pool_sets]
    total = int(sizes.sum())
    local = np.repeat(np.arange(len(pool), dtype=np.int64), sizes)
    entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(total)
    nodes = sets.members[entry]
    order = np.argsort(nodes, kind="stable")
    nodes_sorted, local_sorted = nodes[order], local[order]
    row_array = np.asarray(rows, np.int64)
    lefts = np.searchsorted(nodes_sorted, row_array, side="left")
    rights = np.searchsorted(nodes_sorted, row_array, side="right")
    for r in range(len(rows)):
        covering = local_sorted[lefts[r] : rights[r]]
        if len(covering) == 0:
            return _IntegerResult("infeasible", None, math.inf, np.zeros(0, np.int64))
        model.add_exactly_one([xs[int(i)] for i in covering])
    pool_piece = columns.set_piece[pool_sets]
    for p, piece in enumerate(pieces):
        if piece.k_range is not None:
            chosen = [xs[int(i)] for i in np.flatnonzero(pool_piece == p)]
            if len(chosen) < piece.k_range[0]:
                return _IntegerResult("infeasible", None, math.inf, np.zeros(0, np.int64))
            model.add_linear_constraint(
                cp_model.LinearExpr.sum(chosen), piece.k_range[0], piece.k_range[1]
            )
    pool_match = columns.col_match[pool]
    if n_match:
        order_m = np.argsort(pool_match, kind="stable")
        sorted_m = pool_match[order_m]
        cuts = np.searchsorted(sorted_m, np.arange(n_match + 1))
        for m in range(n_match):
            group = order_m[cuts[m] : cuts[m + 1]]
            if len(group) > 1:
                model.add_at_most_one([xs[int(i)] for i in group])
    if settings.max_moves is not None:
        moves = columns.col_moves[pool]
        moving = np.flatnonzero(moves > 0)
        if len(moving):
            model.add(
                cp_model.LinearExpr.weighted_sum(
                    [xs[int(i)] for i in moving], [int(moves[i]) for i in moving]
                )
                <= settings.max_moves
            )
    objective = cp_model.LinearExpr.weighted_sum(xs, [int(c) for c in columns.col_cost[pool]])
    if require is not None:
        required = np.flatnonzero(np.isin(pool, require))
        if len(required) == 0:
            return _IntegerResult("infeasible", None, math.inf, np.zeros(0, np.int64))
        model.add_bool_or([xs[int(i)] for i in required])
    if below is not None:
        model.add(objective <= below - 1)
    model.minimize(objective)
    if hint is not None:
        hinted = set(int(j) for j in hint)
        for i, j in enumerate(pool):
            model.add_hint(xs[i], int(j) in hinted)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, time_limit)
    params.random_seed = settings.seed
    params.num_workers = settings.workers
    if settings.workers == 1:
        params.linearization_level = 2
    else:
        # On few cores the default portfolio stalls on these models (OPTIMISER-NOTES.md);
        # one full solver with the strongest LP proves them.
        params.num_full_subsolvers = 1
        params.subsolvers.append("max_lp")
    with _Interrupter(stop, solver.stop_search):
        status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        word = "optimal"
    elif status == cp_model.FEASIBLE:
        word = "feasible"
    elif status == cp_model.INFEASIBLE:
        return _IntegerResult("infeasible", None, math.inf, np.zeros(0, np.int64))
    elif status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug if it happens
        raise RuntimeError(f"CP-SAT rejected the model: {model.validate()}")
    else:
        return _IntegerResult("unknown", None, solver.best_objective_bound, np.zeros(0, np.int64))
    values = np.array([solver.boolean_value(x) for x in xs], dtype=bool)
    return _IntegerResult(
        word,
        round(solver.objective_value),
        float(solver.best_objective_bound),
        pool[values],
    )


# --------------------------------------------------------------------------- the area solve


@dataclass
class _Fixed:
    """A network decided before solving (frozen, or a practice/lock group over the max)."""

    members: list[int]
    network_id: str | None
    soft_reason: str = ""
    frozen: bool = False


@dataclass
class _Outcome:
    status: Status
    objective: int | None
    bound: float | None
    chosen: IntArray
    pool_size: int
    notes: list[str]


class _Report:
    def __init__(self, progress: Progress | None, area: str) -> None:
        self.progress = progress
        self.area = area

    def __call__(self, fraction: float, message: str) -> None:
        if self.progress is not None:
            self.progress(min(1.0, max(0.0, fraction)), f"{self.area}: {message}")


def optimise_area(
    graph: nx.Graph,
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    progress: Progress | None = None,
    stop: StopSignal | None = None,
) -> AreaResult:
    """Partition one planning area's practices into networks.

    Parameters
    ----------
    graph
        The area's adjacency graph: nodes are practice codes with ``list_size``, ``x``, ``y``
        (metres) and optionally ``patch``; ``graph.graph["area"]`` names the area.
    settings
        Weights, band, time limit, seed and workers (defaults: :class:`OptimiseSettings`).
    current
        Practice → network of the current plan: turns on repair mode (move costs, the move
        budget, matched networks keeping their ids). Practices outside the graph are ignored.
    locked
        Practice → network id it must be in: practices locked to one id end up together in
        one network with that id; different ids in different networks.
    frozen
        Network ids of ``current`` kept exactly as they are (ids absent from the area are
        ignored).
    progress
        Called with ``(fraction, message)`` as the solve goes on.
    stop
        When set (from another thread), the solve ends as at the time limit: the best plan
        found so far (at worst the quick constructive one) with status ``"feasible"`` and an
        explanation saying it was stopped.

    Returns
    -------
    AreaResult
        The plan, its status, objective, bound, gap and explanations.

    Raises
    ------
    InfeasibleError
        When no plan exists even with a soft band: contradictory locks, locks clashing with
        frozen networks, or a move budget no plan can meet.
    """
    settings = settings or OptimiseSettings()
    started = time.monotonic()
    deadline = _Deadline(started + settings.time_limit, stop)
    area = _area_data(graph)
    report = _Report(progress, area.name)
    report(0.0, "preparing")
    band = settings.band
    frozen_ids = set(frozen)
    current_map = {
        code: str(net) for code, net in (current or {}).items() if str(code) in area.index
    }
    locked_map = {code: str(net) for code, net in (locked or {}).items() if str(code) in area.index}
    if frozen_ids and current is None:
        raise InfeasibleError(
            f"area {area.name}: frozen networks {_names(sorted(frozen_ids))} need a current plan"
        )

    # Only a move budget can force out-of-band current networks to stay: without one, the
    # band stays hard wherever the area can meet it.
    budget = current is not None and settings.max_moves is not None
    fixed, free, lock_groups = _prepare(
        area, band, current_map if budget else {}, locked_map, frozen_ids, current_map
    )
    pieces = _pieces(area, band, free, fixed)

    # Current networks (not frozen) are numbered for the matching rows.
    current_ids = sorted({current_map[area.codes[i]] for i in free if area.codes[i] in current_map})
    current_index: IntArray | None = None
    if current is not None:
        current_index = np.full(len(area.codes), -1, np.int64)
        number = {net: k for k, net in enumerate(current_ids)}
        for i in free:
            net = current_map.get(area.codes[i])
            if net is not None:
                current_index[i] = number[net]

    outcome, columns, pieces = _solve_pieces(
        area,
        pieces,
        settings,
        lock_groups,
        current_index,
        current_ids,
        current_map,
        deadline,
        report,
    )
    result = _result(
        area,
        settings,
        fixed,
        pieces,
        columns,
        outcome,
        lock_groups,
        current_ids,
        current_map,
        started,
    )
    logger.info(
        "area %s: %s, %d networks, objective %s, gap %s, %d candidates, %.1f s",
        area.name,
        result.status,
        result.networks,
        "—" if result.objective is None else f"{result.objective:,.1f}",
        "—" if result.gap is None else f"{result.gap:.2%}",
        result.pool_size,
        result.seconds,
    )
    report(1.0, result.status)
    return result


def _prepare(
    area: _Area,
    band: Band,
    current_map: dict[str, str],
    locked_map: dict[str, str],
    frozen_ids: set[str],
    frozen_map: dict[str, str],
) -> tuple[list[_Fixed], list[int], dict[str, list[int]]]:
    """Frozen networks, practices/lock groups over the maximum, and the practices left.

    ``frozen_map`` is the current plan (for frozen networks); ``current_map`` is the current
    plan only under a move budget (practices over the maximum may then stay in their
    current network), else empty.
    """
    codes = area.codes
    fixed: list[_Fixed] = []
    taken: set[int] = set()
    problems: list[str] = []
    frozen_members: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        net = frozen_map.get(code)
        if net is not None and net in frozen_ids:
            frozen_members.setdefault(net, []).append(i)
    lock_groups: dict[str, list[int]] = {}
    for code in sorted(locked_map):
        lock_groups.setdefault(locked_map[code], []).append(area.index[code])
    for net in sorted(frozen_members):
        members = frozen_members[net]
        population = int(area.population[members].sum())
        reason = ""
        if not band.contains(population):
            reason = (
                f"it is frozen as in the current plan with {population:,} patients, "
                "outside the band"
            )
        fixed.append(_Fixed(members, net, reason, frozen=True))
        taken.update(members)
    for lock, members in sorted(lock_groups.items()):
        in_frozen = [i for i in members if i in taken]
        if not in_frozen:
            if lock in frozen_members:
                problems.append(
                    f"practices {_names(codes[i] for i in members)} are locked to {lock}, "
                    f"which is a frozen network they are not in"
                )
            continue
        clash = [i for i in in_frozen if frozen_map.get(codes[i]) != lock]
        outside = [i for i in members if i not in taken]
        if clash:
            problems.append(
                f"practices {_names(codes[i] for i in clash)} are locked to {lock} but are in "
                f"frozen network(s) {_names(sorted({frozen_map[codes[i]] for i in clash}))}"
            )
        elif outside:
            problems.append(
                f"practices {_names(codes[i] for i in outside)} are locked to {lock}, a frozen "
                "network they are not in"
            )
    if problems:
        raise InfeasibleError(
            f"area {area.name}: the locks contradict the frozen networks: "
            + "; ".join(problems)
            + ". Unlock those practices or unfreeze the networks."
        )
    # Lock groups inside frozen networks are satisfied; drop them from what is left.
    lock_groups = {
        lock: members for lock, members in lock_groups.items() if members[0] not in taken
    }
    locked_nodes = {i: lock for lock, members in lock_groups.items() for i in members}
    for lock, members in sorted(lock_groups.items()):
        population = int(area.population[members].sum())
        if population <= band.max_population:
            continue
        names = _names(codes[i] for i in members)
        if len(_components(members, area.neighbours)) != 1:
            raise InfeasibleError(
                f"area {area.name}: practices {names} are locked together in {lock} with "
                f"{population:,} patients, over the maximum {band.max_population:,}, and are "
                "not adjacent to one another; unlock some of them"
            )
        if len(members) == 1:
            reason = (
                f"practice {names} alone has {population:,} patients, "
                f"{population - band.max_population:,} over the maximum "
                f"{band.max_population:,}, so it forms a network of its own"
            )
        else:
            reason = (
                f"practices {names} are locked together with {population:,} patients, "
                f"{population - band.max_population:,} over the maximum "
                f"{band.max_population:,}"
            )
        fixed.append(_Fixed(list(members), lock, reason))
        taken.update(members)
    for i, code in enumerate(codes):
        if i in taken or int(area.population[i]) <= band.max_population:
            continue
        size = int(area.population[i])
        reason = (
            f"practice {code} alone has {size:,} patients, "
            f"{size - band.max_population:,} over the maximum {band.max_population:,}, "
            "so it forms a network of its own"
        )
        if i in locked_nodes:  # a locked group's own network takes its other members too
            continue
        net = current_map.get(code)
        if net is not None and any(
            current_map.get(codes[j]) == net for j in range(len(codes)) if j != i and j not in taken
        ):
            # Repair mode: it may stay in its current network (a move budget may demand it);
            # its piece gets it alone as a candidate too (see _solve_pieces_in_time).
            continue
        fixed.append(_Fixed([i], None, reason))
        taken.add(i)
    lock_groups = {
        lock: members for lock, members in lock_groups.items() if members[0] not in taken
    }
    free = [i for i in range(len(codes)) if i not in taken]
    # Locked practices must be joinable without crossing practices locked elsewhere.
    for lock, members in sorted(lock_groups.items()):
        usable = [i for i in free if locked_nodes.get(i, lock) == lock]
        for piece in _components(usable, area.neighbours):
            inside = set(piece)
            if members[0] in inside:
                if not all(i in inside for i in members):
                    raise InfeasibleError(
                        f"area {area.name}: practices {_names(codes[i] for i in members)} are "
                        f"locked together in {lock}, but no contiguous network can hold them "
                        "all without passing through practices locked to other networks, "
                        "frozen networks or practices over the maximum; change the locks"
                    )
                break
    return fixed, free, lock_groups


def _pieces(
    area: _Area,
    band: Band,
    free: list[int],
    fixed: list[_Fixed],
) -> list[_Piece]:
    """Split the practices left into connected pieces and certify the obvious soft ones."""
    codes = area.codes
    fixed_of = {i: f for f in fixed for i in f.members}
    free_set = set(free)
    pieces = []
    for nodes in _components(free, area.neighbours):
        population = int(area.population[nodes].sum())
        piece = _Piece(nodes, population)
        names = _names(codes[i] for i in nodes)
        over = [i for i in nodes if int(area.population[i]) > band.max_population]
        if over:  # repair mode kept them with their current network's practices
            piece.soft = True
            piece.practice_reasons = {
                i: f"practice {codes[i]} alone has {int(area.population[i]):,} patients, "
                f"{int(area.population[i]) - band.max_population:,} over the maximum "
                f"{band.max_population:,}"
                for i in over
            }
            piece.reason = "; ".join(piece.practice_reasons.values())
        elif population < band.min_population:
            blockers = sorted(
                {
                    (f.network_id or f"practice {codes[f.members[0]]}")
                    for i in nodes
                    for j in _bits(area.neighbours[i])
                    if j not in free_set and (f := fixed_of.get(j)) is not None
                }
            )
            if blockers:
                why = f"are joined to the rest of the area only through {_names(blockers)}"
            elif len(nodes) == len(codes):
                why = "are the whole area"
            else:
                why = "are not adjacent to any other practice in the area"
            piece.soft = True
            piece.reason = (
                f"practices {names} ({population:,} patients) {why}, so no network of them "
                f"can reach the minimum {band.min_population:,}"
            )
        else:
            low = math.ceil(population / band.max_population)
            high = population // band.min_population
            if low > high:
                piece.soft = True
                piece.reason = (
                    f"practices {names} ({len(nodes)} practices, {population:,} patients) "
                    f"cannot be split into networks of {band.min_population:,}–"
                    f"{band.max_population:,}: {low - 1} network(s) hold at most "
                    f"{(low - 1) * band.max_population:,} and {low} need at least "
                    f"{low * band.min_population:,}"
                )
            else:
                piece.k_range = (low, high)
        pieces.append(piece)
    return pieces


def _enumerate_piece(
    area: _Area,
    piece: _Piece,
    band: Band,
    lock_of: list[int],
    lock_masks: list[int],
    settings: OptimiseSettings,
    deadline: _Deadline,
) -> CandidateSets:
    if piece.soft:
        low = 0
        high = band.max_population
        if len(piece.nodes) <= _SOFT_ABOVE_MAX_PRACTICES:
            high = band.max_population + (band.max_population - band.min_population)
    else:
        low, high = band.min_population, band.max_population
    kwargs: dict[str, Any] = {
        "low": low,
        "high": high,
        "lock_of": lock_of,
        "lock_masks": lock_masks,
        "cap": settings.candidate_cap,
        "stop": deadline.stop,
    }
    try:
        return connected_sets(
            piece.nodes,
            area.neighbours,
            area.population.tolist(),
            **{**kwargs, "deadline": deadline.share(_FULL_LISTING_SHARE).at},
        )
    except PoolCapError:
        pass
    except EnumerationTimeoutError:
        if deadline.passed():
            raise
    # Too many candidates (or too slow to list them all): list only local ones.
    piece.bounded = False
    nodes = np.asarray(piece.nodes)
    xs, ys = area.x_km[nodes], area.y_km[nodes]
    distance = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    edge_lengths = [
        distance[a, b]
        for a in range(len(nodes))
        for b in range(a + 1, len(nodes))
        if area.neighbours[int(nodes[a])] >> int(nodes[b]) & 1
    ]
    radius = 4.0 * float(np.median(edge_lengths)) if edge_lengths else 1.0
    shortest = min(edge_lengths, default=0.0)
    while True:
        reach = [0] * len(area.codes)
        for a, v in enumerate(nodes):
            reach[int(v)] = _mask(int(u) for u in nodes[distance[a] <= radius])
        last = radius < shortest
        if last:  # as local as it gets: take what there is, whatever the cap
            kwargs["cap"] = None
        try:
            return connected_sets(
                piece.nodes,
                area.neighbours,
                area.population.tolist(),
                reach=reach,
                **{**kwargs, "deadline": (deadline if last else deadline.share(0.5)).at},
            )
        except PoolCapError:
            radius *= 0.8
        except EnumerationTimeoutError:
            if last or deadline.passed():
                raise
            radius *= 0.6


# --------------------------------------------------------------------------- constructive plan

#: Complete plans tried per piece by the constructive heuristic (the cheapest is kept).
_CONSTRUCT_TRIES = 6
#: Share of the time limit after which no further constructive try starts.
_CONSTRUCT_SHARE = 0.25
#: Network size the constructive plan aims at first (the optimiser's usual choice).
_CONSTRUCT_TARGET = 42_000
#: Random spanning trees tried per bisection before a construction attempt gives up.
_SPLIT_TRIES = 6


def _piece_edges(area: _Area, nodes: list[int]) -> tuple[IntArray, IntArray, FloatArray]:
    """Edges inside ``nodes`` (``a < b``) and their lengths in km."""
    inside = _mask(nodes)
    left, right = [], []
    for a in nodes:
        for b in _bits(area.neighbours[a] & inside):
            if b > a:
                left.append(a)
                right.append(b)
    u = np.asarray(left, np.int64)
    v = np.asarray(right, np.int64)
    length = np.hypot(area.x_km[u] - area.x_km[v], area.y_km[u] - area.y_km[v])
    return u, v, length


def _random_tree(
    edges: tuple[IntArray, IntArray, FloatArray],
    keep: set[int],
    lock_of: list[int],
    rng: np.random.Generator,
) -> dict[int, list[int]]:
    """A random spanning forest of ``keep`` biased towards short edges (Kruskal)."""
    u, v, length = edges
    weight = length * rng.uniform(0.5, 1.5, size=len(length))
    lock = np.asarray(lock_of, np.int64)
    same_lock = (lock[u] >= 0) & (lock[u] == lock[v])
    if same_lock.any():
        weight = np.where(same_lock, -1.0, weight)  # keep lock groups together where adjacent
    parent = {i: i for i in keep}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree: dict[int, list[int]] = {i: [] for i in keep}
    for e in np.argsort(weight, kind="stable"):
        a, b = int(u[e]), int(v[e])
        if a not in keep or b not in keep:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    return tree


def _rooted(tree: dict[int, list[int]], root: int) -> tuple[list[int], dict[int, int]]:
    """Breadth-first order and parents of the tree component holding ``root``."""
    order, parent = [root], {root: -1}
    for node in order:
        for other in tree[node]:
            if other not in parent:
                parent[other] = node
                order.append(other)
    return order, parent


def _subtree(order: list[int], parent: dict[int, int], top: int) -> list[int]:
    inside = {top}
    for node in order:
        if parent[node] in inside:
            inside.add(node)
    return sorted(inside)


def _split(
    area: _Area,
    nodes: list[int],
    k: int,
    band: Band,
    edges: tuple[IntArray, IntArray, FloatArray],
    lock_of: list[int],
    rng: np.random.Generator,
    budget: list[int],
) -> list[list[int]] | None:
    """Split connected ``nodes`` into ``k`` contiguous in-band networks, or ``None``.

    Recursive bisection on random spanning trees (as GerryChain's ``recursive_tree_part``):
    cutting one tree edge leaves two connected parts; the cut taken is the one whose parts,
    split into ``k₁`` and ``k − k₁`` networks, leave the most room inside the band.
    ``budget[0]`` is the number of spanning trees still allowed (shared by the recursion).
    """
    low, high = band.min_population, band.max_population
    total = int(area.population[nodes].sum())
    if k == 1:
        return [sorted(nodes)] if low <= total <= high else None
    keep = set(nodes)
    for _ in range(_SPLIT_TRIES):
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        tree = _random_tree(edges, keep, lock_of, rng)
        root = nodes[int(rng.integers(len(nodes)))]
        order, parent = _rooted(tree, root)
        if len(order) != len(nodes):
            return None
        pop = {i: int(area.population[i]) for i in order}
        for node in reversed(order[1:]):
            pop[parent[node]] += pop[node]
        best, best_k, best_score = -1, 0, -math.inf
        for node in order[1:]:
            size, rest = pop[node], total - pop[node]
            first = max(1, math.ceil(size / high))
            last = min(k - 1, size // low)
            for k1 in range(first, last + 1):
                k2 = k - k1
                if not k2 * low <= rest <= k2 * high:
                    continue
                room = min(size / k1 - low, high - size / k1, rest / k2 - low, high - rest / k2)
                score = room / (high - low + 1) - abs(k1 - k / 2) / k + 0.1 * rng.random()
                if score > best_score:
                    best, best_k, best_score = node, k1, score
        if best < 0:
            continue
        part = _subtree(order, parent, best)
        inside = set(part)
        rest_nodes = [i for i in nodes if i not in inside]
        first_networks = _split(area, part, best_k, band, edges, lock_of, rng, budget)
        if first_networks is None:
            continue
        second_networks = _split(area, rest_nodes, k - best_k, band, edges, lock_of, rng, budget)
        if second_networks is None:
            continue
        return first_networks + second_networks
    return None


def _greedy_cut(
    area: _Area,
    nodes: list[int],
    band: Band,
    edges: tuple[IntArray, IntArray, FloatArray],
    lock_of: list[int],
    rng: np.random.Generator,
) -> list[list[int]]:
    """Networks of at least the minimum cut bottom-up off a spanning tree (any piece)."""
    tree = _random_tree(edges, set(nodes), lock_of, rng)
    root = nodes[0]
    order, parent = _rooted(tree, root)
    group = {i: [i] for i in order}
    size = {i: int(area.population[i]) for i in order}
    networks: list[list[int]] = []
    network_of: dict[int, int] = {}  # a cut subtree's top → its network
    for node in reversed(order):
        if node != root and size[node] >= band.min_population:
            network_of[node] = len(networks)
            networks.append(group[node])
            continue
        if node != root:
            up = parent[node]
            group[up].extend(group[node])
            size[up] += size[node]
    leftover = group[root]
    if not networks:
        return [sorted(leftover)]
    in_leftover = set(leftover)
    touching = [network_of[i] for i in order if i in network_of and parent[i] in in_leftover]
    if size[root] >= band.min_population or not touching:
        networks.append(leftover)
    else:
        smallest = min(touching, key=lambda n: int(area.population[networks[n]].sum()))
        networks[smallest] = networks[smallest] + leftover
    return [sorted(n) for n in networks]


def _plan_cost(area: _Area, networks: list[list[int]], settings: OptimiseSettings) -> float:
    _, costs = _set_costs(area, _sets_of(networks), settings)
    return float(costs.sum())


def _locks_kept(networks: list[list[int]], lock_of: list[int], lock_masks: list[int]) -> bool:
    for members in networks:
        groups = {lock_of[i] for i in members if lock_of[i] >= 0}
        if len(groups) > 1:
            return False
        if groups:
            mask = lock_masks[groups.pop()]
            if _mask(members) & mask != mask:
                return False
    return True


def _construct(
    area: _Area,
    pieces: list[_Piece],
    settings: OptimiseSettings,
    lock_of: list[int],
    lock_masks: list[int],
    deadline: _Deadline,
) -> list[list[list[int]]] | None:
    """A quick complete plan, best of several random tries: networks per piece.

    Hard pieces are split into in-band networks by recursive bisection of random spanning
    trees (trying network counts around ``population / 42,000``); soft pieces, and hard
    ones where that keeps failing, are cut bottom-up into networks of at least the minimum.
    Every network is contiguous. Used as CP-SAT's first incumbent and as the plan returned
    when the time
    limit stops the exact solve first. ``None`` when no try keeps the locks.
    """
    band = settings.band
    rng = np.random.default_rng(settings.seed)
    started = time.monotonic()
    cutoff = min(deadline.at, started + _CONSTRUCT_SHARE * settings.time_limit)
    plan: list[list[list[int]]] = []
    for piece in pieces:
        edges = _piece_edges(area, piece.nodes)
        counts: list[int] = []
        if piece.k_range is not None:
            low, high = piece.k_range
            first = min(high, max(low, round(piece.population / _CONSTRUCT_TARGET)))
            counts = sorted(range(low, high + 1), key=lambda k: (abs(k - first), k))[:3]
        best: list[list[int]] | None = None
        best_cost = math.inf
        # A fixed number of tries keeps the plan deterministic; `cutoff` is a safety net for
        # time limits too short for them.
        for attempt in range(_CONSTRUCT_TRIES if counts else 3):
            if attempt and (time.monotonic() > cutoff or deadline.stopped()):
                break
            if counts:
                budget = [10 * counts[0] + 50]
                k = counts[attempt % len(counts)]
                networks = _split(area, piece.nodes, k, band, edges, lock_of, rng, budget)
            else:
                networks = _greedy_cut(area, piece.nodes, band, edges, lock_of, rng)
            if networks is not None and _locks_kept(networks, lock_of, lock_masks):
                cost = _plan_cost(area, networks, settings)
                if cost < best_cost:
                    best, best_cost = networks, cost
        for _ in range(10 if best is None else 0):  # out-of-band networks, as a last resort
            networks = _greedy_cut(area, piece.nodes, band, edges, lock_of, rng)
            if _locks_kept(networks, lock_of, lock_masks):
                best = networks
                break
        if best is None:
            return None
        plan.append(best)
    logger.debug("area %s: constructive plan in %.2f s", area.name, time.monotonic() - started)
    return plan


def _solve_pieces(
    area: _Area,
    pieces: list[_Piece],
    settings: OptimiseSettings,
    lock_groups: dict[str, list[int]],
    current_index: IntArray | None,
    current_ids: list[str],
    current_map: dict[str, str],
    deadline: _Deadline,
    report: _Report,
) -> tuple[_Outcome, _Columns, list[_Piece]]:
    lock_names = sorted(lock_groups)
    lock_of = [-1] * len(area.codes)
    lock_masks = []
    for g, lock in enumerate(lock_names):
        for i in lock_groups[lock]:
            lock_of[i] = g
        lock_masks.append(_mask(lock_groups[lock]))
    report(0.01, "building a first plan")
    construction = _construct(area, pieces, settings, lock_of, lock_masks, deadline)
    try:
        outcome, columns, pieces = _solve_pieces_in_time(
            area,
            pieces,
            settings,
            lock_groups,
            lock_of,
            lock_masks,
            construction,
            current_index,
            current_ids,
            current_map,
            deadline,
            report,
        )
        if outcome.objective is not None or outcome.status != "timed out":
            return outcome, columns, pieces
        notes = outcome.notes
    except EnumerationTimeoutError:
        notes = [f"{deadline.why(settings.time_limit)} while listing candidate networks"]
    return _fallback(area, pieces, settings, construction, current_index, current_map, notes)


def _sets_of(networks: list[list[int]]) -> CandidateSets:
    return CandidateSets(
        np.asarray([i for n in networks for i in n], np.int32),
        np.cumsum([0] + [len(n) for n in networks]).astype(np.int64),
    )


def _plan_columns(columns: _Columns, set_ids: IntArray, max_moves: int | None) -> IntArray | None:
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


def _current_plan(
    area: _Area, pieces: list[_Piece], current_map: dict[str, str]
) -> list[list[list[int]]] | None:
    """The current plan's networks per piece, when they partition every piece contiguously."""
    if not current_map:
        return None
    plan = []
    for piece in pieces:
        members: dict[str, list[int]] = {}
        for i in piece.nodes:
            net = current_map.get(area.codes[i])
            if net is None:
                return None
            members.setdefault(net, []).append(i)
        networks = [sorted(members[net]) for net in sorted(members)]
        if any(len(_components(n, area.neighbours)) != 1 for n in networks):
            return None
        plan.append(networks)
    return plan


def _fallback(
    area: _Area,
    pieces: list[_Piece],
    settings: OptimiseSettings,
    construction: list[list[list[int]]] | None,
    current_index: IntArray | None,
    current_map: dict[str, str],
    notes: list[str],
) -> tuple[_Outcome, _Columns, list[_Piece]]:
    """The best complete plan at hand when time ran out before the exact solve found one."""
    best: tuple[int, IntArray, _Columns] | None = None
    for plan in (construction, _current_plan(area, pieces, current_map)):
        if plan is None:
            continue
        columns = _build_columns(area, pieces, [_sets_of(n) for n in plan], settings, current_index)
        chosen = _plan_columns(columns, np.arange(len(columns.sets)), settings.max_moves)
        if chosen is None:
            continue
        cost = int(columns.col_cost[chosen].sum())
        if best is None or cost < best[0]:
            best = (cost, chosen, columns)
    if best is None:
        notes = [*notes, "no plan was found within the time limit; allow more time"]
        outcome = _Outcome("timed out", None, None, np.zeros(0, np.int64), 0, notes)
        return outcome, _build_columns(area, [], [], settings, None), pieces
    cost, chosen, columns = best
    notes = [
        *notes,
        "the plan is the quick constructive one (or the current plan, if cheaper), not "
        "optimised and with no bound; allow more time for a better plan",
    ]
    return _Outcome("feasible", cost, None, chosen, len(columns.sets), notes), columns, pieces


def _solve_pieces_in_time(
    area: _Area,
    pieces: list[_Piece],
    settings: OptimiseSettings,
    lock_groups: dict[str, list[int]],
    lock_of: list[int],
    lock_masks: list[int],
    construction: list[list[list[int]]] | None,
    current_index: IntArray | None,
    current_ids: list[str],
    current_map: dict[str, str],
    deadline: _Deadline,
    report: _Report,
) -> tuple[_Outcome, _Columns, list[_Piece]]:
    band = settings.band
    codes = area.codes
    n_match = len(current_ids)
    rows = sorted(i for piece in pieces for i in piece.nodes)

    piece_sets: list[CandidateSets] = []
    report(0.02, "listing candidate networks")
    for k, piece in enumerate(pieces):
        sets = _enumerate_piece(area, piece, band, lock_of, lock_masks, settings, deadline)
        alone = [
            [i]
            for i in piece.nodes
            if int(area.population[i]) > band.max_population and lock_of[i] < 0
        ]
        if alone:  # practices over the maximum (repair mode): alone, as outside it
            sets = CandidateSets.concatenate([sets, _sets_of(alone)])
        if not piece.soft:
            covered = np.zeros(len(codes), dtype=bool)
            covered[sets.members] = True
            missing = [i for i in piece.nodes if not covered[i]]
            if missing:
                piece.soft = True
                piece.k_range = None
                locks_note = " that respects the locks" if lock_groups else ""
                piece.practice_reasons = {
                    i: f"practice {codes[i]} ({int(area.population[i]):,} patients) is in no "
                    f"contiguous group of {band.min_population:,}–{band.max_population:,} "
                    f"patients{locks_note}"
                    for i in missing
                }
                piece.reason = "; ".join(
                    piece.practice_reasons[i] for i in missing[:_NAMES_SHOWN]
                ) + (
                    f" (and {len(missing) - _NAMES_SHOWN} more)"
                    if len(missing) > _NAMES_SHOWN
                    else ""
                )
                sets = _enumerate_piece(area, piece, band, lock_of, lock_masks, settings, deadline)
        piece_sets.append(sets)
        report(
            0.02 + 0.25 * (k + 1) / max(1, len(pieces)), f"{sum(map(len, piece_sets)):,} candidates"
        )

    # Pieces the LP proves cannot be split in band become soft.
    # (With one piece and no move budget the main LP says the same, so skip the check.)
    single = len(pieces) == 1 and (settings.max_moves is None or current_index is None)
    for p, piece in enumerate(pieces):
        if single or piece.soft or deadline.passed():
            continue
        columns = _build_columns(area, [piece], [piece_sets[p]], settings, None)
        lp = _MasterLP(
            columns,
            rows=sorted(piece.nodes),
            pieces=[piece],
            n_match=0,
            max_moves=None,
            n_nodes=len(codes),
        )
        lp.add(_initial_columns(columns, sorted(piece.nodes)))
        check = lp.solve(deadline)
        if not check.feasible and check.complete:
            piece.soft = True
            piece.k_range = None
            piece.reason = (
                f"practices {_names(codes[i] for i in piece.nodes)} ({len(piece.nodes)} "
                f"practices, {piece.population:,} patients) cannot be partitioned into "
                f"contiguous networks of {band.min_population:,}–{band.max_population:,} "
                "patients (the linear relaxation has no solution)"
                + (" with the locks as given" if lock_groups else "")
            )
            piece_sets[p] = _enumerate_piece(
                area, piece, band, lock_of, lock_masks, settings, deadline
            )

    for attempt in range(3):
        extended = _with_current_networks(
            area,
            pieces,
            piece_sets,
            current_map if settings.max_moves is not None else {},
            lock_of,
            lock_masks,
            band,
        )
        start_sets: IntArray | None = None
        if construction is not None:
            # The constructive plan's networks join the candidates so it can be the first
            # incumbent even where only local candidates were listed.
            offset = 0
            found: list[int] = []
            for p, networks in enumerate(construction):
                extended[p] = CandidateSets.concatenate([extended[p], _sets_of(networks)])
                found.extend(
                    range(offset + len(extended[p]) - len(networks), offset + len(extended[p]))
                )
                offset += len(extended[p])
            start_sets = np.asarray(found, np.int64)
        columns = _build_columns(area, pieces, extended, settings, current_index)
        start = None
        if (
            start_sets is not None
            and construction is not None
            and all(
                piece.k_range is None
                or all(band.contains(int(area.population[n].sum())) for n in networks)
                for piece, networks in zip(pieces, construction, strict=True)
            )
        ):
            start = _plan_columns(columns, start_sets, settings.max_moves)
        outcome = _partition(
            area,
            columns,
            pieces,
            rows,
            n_match,
            settings,
            current_map,
            current_ids,
            deadline,
            report,
            start=start,
        )
        if outcome.status != "infeasible":
            return outcome, columns, pieces
        hard = [p for p, piece in enumerate(pieces) if not piece.soft]
        if attempt == 2 or not hard:
            break
        budget = (
            f" within the move budget of {settings.max_moves}"
            if settings.max_moves is not None and current_index is not None
            else ""
        )
        locks_note = " with the locks as given" if lock_groups else ""
        for p in hard:
            piece = pieces[p]
            piece.soft = True
            piece.k_range = None
            piece.reason = (
                f"practices {_names(codes[i] for i in piece.nodes)} ({len(piece.nodes)} "
                f"practices, {piece.population:,} patients) cannot be partitioned into "
                f"contiguous networks of {band.min_population:,}–{band.max_population:,} "
                f"patients{budget}{locks_note}"
            )
            piece_sets[p] = _enumerate_piece(
                area, piece, band, lock_of, lock_masks, settings, deadline
            )
    budget_note = (
        f" within the move budget of {settings.max_moves} practice(s); raise max_moves"
        if settings.max_moves is not None
        else ""
    )
    raise InfeasibleError(
        f"area {area.name}: no plan exists even with the band made soft{budget_note}: "
        "every practice must be in one contiguous network that respects the locks "
        "(practices locked together must be joinable, different locks kept apart)"
    )


def _with_current_networks(
    area: _Area,
    pieces: list[_Piece],
    piece_sets: list[CandidateSets],
    current_map: dict[str, str],
    lock_of: list[int],
    lock_masks: list[int],
    band: Band,
) -> list[CandidateSets]:
    """Add the current plan's out-of-band networks as candidates (repair mode).

    Keeping such a network as it is is always an option, at its band penalty: with a tight
    move budget it may be the only one. Networks that are not contiguous, not wholly inside
    one piece or that break the locks are left out. A piece that gains one loses its
    network-count row, which holds only when every network is in band.
    """
    if not current_map:
        return piece_sets
    members: dict[str, list[int]] = {}
    for code, net in current_map.items():
        members.setdefault(net, []).append(area.index[code])
    piece_of = {i: p for p, piece in enumerate(pieces) for i in piece.nodes}
    extra: dict[int, list[list[int]]] = {}
    for net in sorted(members):
        nodes = sorted(members[net])
        found = {piece_of.get(i) for i in nodes}
        if len(found) != 1 or None in found:
            continue
        population = int(area.population[nodes].sum())
        if band.contains(population) or len(_components(nodes, area.neighbours)) != 1:
            continue
        locks = {lock_of[i] for i in nodes if lock_of[i] >= 0}
        if len(locks) > 1:
            continue
        if locks and _mask(nodes) & lock_masks[next(iter(locks))] != lock_masks[next(iter(locks))]:
            continue
        extra.setdefault(found.pop() or 0, []).append(nodes)
    if not extra:
        return piece_sets
    out = []
    for p, sets in enumerate(piece_sets):
        added = extra.get(p, [])
        if added:
            pieces[p].k_range = None
            flat = np.asarray([i for nodes in added for i in nodes], np.int32)
            ends = np.cumsum([0] + [len(nodes) for nodes in added]).astype(np.int64)
            sets = CandidateSets.concatenate([sets, CandidateSets(flat, ends)])
        out.append(sets)
    return out


def _initial_columns(columns: _Columns, rows: list[int]) -> IntArray:
    """For each practice the cheapest column holding it: a cheap start for the master.

    Ties go to the lowest column. Done in chunks of columns so that no array the size of
    all the pool's members is built.
    """
    if len(columns) == 0 or not rows:
        return np.zeros(0, np.int64)
    sets = columns.sets
    n_nodes = max(int(sets.members.max()), max(rows)) + 1
    best_cost = np.full(n_nodes, np.iinfo(np.int64).max, np.int64)
    best_col = np.full(n_nodes, -1, np.int64)
    step = candidates.CHUNK
    for start in range(0, len(columns), step):
        cols = np.arange(start, min(len(columns), start + step), dtype=np.int64)
        set_ids = columns.col_set[cols]
        sizes = sets.sizes[set_ids]
        starts = sets.offsets[:-1][set_ids]
        col = np.repeat(cols, sizes)
        entry = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        node = sets.members[entry]
        cost = columns.col_cost[col]
        order = np.lexsort((col, cost, node))
        node, cost, col = node[order], cost[order], col[order]
        first = np.ones(len(node), dtype=bool)
        first[1:] = node[1:] != node[:-1]
        node, cost, col = node[first], cost[first], col[first]
        better = cost < best_cost[node]  # equal cost: the earlier chunk's lower column stays
        best_cost[node[better]] = cost[better]
        best_col[node[better]] = col[better]
    return np.unique(best_col[best_col >= 0])


def _hint_columns(
    columns: _Columns, current_map: dict[str, str], current_ids: list[str], area: _Area
) -> IntArray | None:
    """Columns reproducing the current plan's networks, when all are candidates."""
    if not current_ids or len(columns) == 0:
        return None
    rng = np.random.default_rng(12345)
    keys = rng.integers(1, 2**62, size=len(area.codes), dtype=np.int64)
    sets = columns.sets
    set_key = sets.reduce(keys, np.bitwise_xor)
    members: dict[str, list[int]] = {}
    for code, net in current_map.items():
        members.setdefault(net, []).append(area.index[code])
    chosen = []
    col_key = set_key[columns.col_set]
    for m, net in enumerate(current_ids):
        nodes = sorted(members[net])
        key = np.bitwise_xor.reduce(keys[nodes])
        hits = np.flatnonzero((col_key == key) & (columns.col_match == m))
        found = [j for j in hits if sorted(sets.members_of(int(columns.col_set[j]))) == nodes]
        if not found:
            return None
        chosen.append(found[0])
    return np.asarray(chosen, np.int64)


def _ceil(value: float) -> float:
    """Round a bound up to the next whole cost unit (costs are integers)."""
    return float(math.ceil(value)) if math.isfinite(value) else value


def _partition(
    area: _Area,
    columns: _Columns,
    pieces: list[_Piece],
    rows: list[int],
    n_match: int,
    settings: OptimiseSettings,
    current_map: dict[str, str],
    current_ids: list[str],
    deadline: _Deadline,
    report: _Report,
    *,
    start: IntArray | None = None,
) -> _Outcome:
    """LP bound, reduced-cost filtering and CP-SAT, repeated until proved or out of time.

    ``start`` (columns forming a plan the model allows) is the first incumbent.
    """
    notes: list[str] = []
    pool_size = len(columns.sets)
    if not rows:
        return _Outcome("optimal", 0, 0.0, np.zeros(0, np.int64), pool_size, notes)
    hint = _hint_columns(columns, current_map, current_ids, area)
    incumbent: _IntegerResult | None = None
    for plan in (start, hint):
        if plan is not None:
            cost = int(columns.col_cost[plan].sum())
            if incumbent is None or incumbent.objective is None or cost < incumbent.objective:
                incumbent = _IntegerResult("feasible", cost, -math.inf, plan)
    report(0.3, "solving the LP relaxation")
    lp = _MasterLP(
        columns,
        rows=rows,
        pieces=pieces,
        n_match=n_match,
        max_moves=settings.max_moves,
        n_nodes=len(area.codes),
    )
    lp.add(_initial_columns(columns, rows))
    if incumbent is not None:
        lp.add(incumbent.chosen)
    relaxation = lp.solve(deadline)
    if not relaxation.feasible:
        if relaxation.complete:
            return _Outcome("infeasible", None, None, np.zeros(0, np.int64), pool_size, notes)
        notes.append(
            f"{deadline.why(settings.time_limit)} while solving the linear relaxation"
            + ("" if deadline.stopped() else "; allow more time")
        )
        if incumbent is not None and incumbent.objective is not None:
            notes.append("the plan is the quick constructive one, with no bound")
            return _Outcome(
                "feasible", incumbent.objective, None, incumbent.chosen, pool_size, notes
            )
        return _Outcome("timed out", None, None, np.zeros(0, np.int64), pool_size, notes)
    listed_all = all(piece.bounded for piece in pieces)
    bounded = listed_all and relaxation.complete
    rc = relaxation.reduced_costs
    lower = relaxation.bound
    tolerance = 1e-7 * max(1.0, float(np.abs(columns.col_cost).max()))
    lower_int = math.ceil(lower - tolerance)
    delta = max(10.0 * _SCALE, 0.002 * abs(lower))
    # Invariant: every plan made only of columns with reduced cost <= searched costs at
    # least `floor` (the incumbent's cost, or infinity when there is none); every other
    # plan costs more than lower + searched.
    searched: float | None = None
    floor = math.inf
    proved_bound = float(lower_int)
    status: Status = "timed out"
    report(0.4, f"LP bound {lower / _SCALE:,.1f}")
    while True:
        remaining = deadline.left()
        if remaining <= 0.05:
            break
        if len(rc) > _CP_SAT_COLUMNS and np.count_nonzero(rc <= delta + tolerance) > (
            _CP_SAT_COLUMNS
        ):
            # Building a CP-SAT model of millions of columns takes longer than the time
            # limit: lower delta to keep the cheapest columns (the proof logic holds for
            # any delta).
            delta = max(
                float(np.partition(rc, _CP_SAT_COLUMNS)[_CP_SAT_COLUMNS]) - 2 * tolerance,
                searched if searched is not None else -math.inf,
            )
        everything = bool(np.all(rc <= delta + tolerance))
        pool = np.flatnonzero(rc <= delta + tolerance).astype(np.int64)
        require = None
        if searched is not None:
            require = np.flatnonzero((rc > searched + tolerance) & (rc <= delta + tolerance))
        solve_started = time.monotonic()
        result = _solve_integer(
            columns,
            pool,
            rows=rows,
            pieces=pieces,
            n_match=n_match,
            settings=settings,
            hint=incumbent.chosen if incumbent is not None else hint,
            time_limit=remaining,
            stop=deadline.stop,
            require=require,
            below=incumbent.objective if incumbent is not None else None,
        )
        logger.debug(
            "area %s: LB %.0f, delta %.0f, pool %d of %d (%s new): %s %s (bound %.0f) in %.1f s",
            area.name,
            lower,
            delta,
            len(pool),
            len(columns),
            "all" if require is None else len(require),
            result.status,
            result.objective,
            result.bound,
            time.monotonic() - solve_started,
        )
        if result.objective is not None and (
            incumbent is None
            or incumbent.objective is None
            or result.objective < incumbent.objective
        ):
            incumbent = result
        outside = math.inf if everything else lower + delta
        if result.status in ("optimal", "infeasible"):
            searched = delta
            if incumbent is not None and incumbent.objective is not None:
                floor = float(incumbent.objective)
            proved_bound = max(proved_bound, _ceil(min(floor, outside) - tolerance))
            if floor <= outside + tolerance:
                status = "optimal" if incumbent is not None else "infeasible"
                proved_bound = floor
                break
            # With nothing better in the pool, widen it step by step up to the incumbent's gap.
            delta = floor - lower if result.status == "optimal" else min(4 * delta, floor - lower)
            if incumbent is not None:
                report(
                    0.5,
                    f"plan {floor / _SCALE:,.1f}, bound {proved_bound / _SCALE:,.1f}",
                )
            continue
        # Out of time: plans in the searched part cost at least `floor`, new ones at least
        # what CP-SAT proved, and the rest more than lower + delta.
        proved_bound = max(proved_bound, _ceil(min(floor, result.bound, outside) - tolerance))
        break
    if status == "infeasible":
        return _Outcome("infeasible", None, None, np.zeros(0, np.int64), pool_size, notes)
    if incumbent is None or incumbent.objective is None:
        notes.append(
            f"no plan was found before {deadline.why(settings.time_limit)}"
            + ("" if deadline.stopped() else "; allow more time")
        )
        return _Outcome("timed out", None, None, np.zeros(0, np.int64), pool_size, notes)
    if status != "optimal":
        status = "feasible"
        notes.append(f"{deadline.why(settings.time_limit)} before the plan was proved optimal")
    bound: float | None = min(proved_bound, float(incumbent.objective))
    if not bounded:
        status = "feasible"
        bound = None
        if not listed_all:
            notes.append(
                f"listing every candidate network would pass {settings.candidate_cap:,} or "
                "take too long, so only networks within a radius of each practice were "
                "considered and no bound is reported"
            )
        else:
            notes.append(
                f"{deadline.why(settings.time_limit)} before the linear relaxation was solved "
                "to the end, so no bound is reported"
            )
    return _Outcome(status, incumbent.objective, bound, incumbent.chosen, pool_size, notes)


# --------------------------------------------------------------------------- results


def _result(
    area: _Area,
    settings: OptimiseSettings,
    fixed: list[_Fixed],
    pieces: list[_Piece],
    columns: _Columns,
    outcome: _Outcome,
    lock_groups: dict[str, list[int]],
    current_ids: list[str],
    current_map: dict[str, str],
    started: float,
) -> AreaResult:
    band = settings.band
    codes = area.codes
    seconds = time.monotonic() - started
    explanations = list(outcome.notes)
    if outcome.objective is None:
        return AreaResult(
            area.name,
            {},
            outcome.status,
            seconds=seconds,
            explanations=explanations,
            pool_size=outcome.pool_size,
        )
    lock_of = {i: lock for lock, members in lock_groups.items() for i in members}
    piece_of = {i: p for p, piece in enumerate(pieces) for i in piece.nodes}
    # Networks: (members, fixed id or None, matched current id or None, soft reason).
    networks: list[tuple[list[int], str | None, str | None, str]] = []
    for f in fixed:
        networks.append((f.members, f.network_id, None, f.soft_reason))
    moves = 0
    for j in outcome.chosen:
        s = int(columns.col_set[j])
        members = columns.sets.members_of(s)
        match = int(columns.col_match[j])
        moves += int(columns.col_moves[j])
        locks = {lock_of[i] for i in members if i in lock_of}
        network_id = locks.pop() if locks else None
        matched = current_ids[match] if match >= 0 else None
        piece = pieces[piece_of[members[0]]]
        reason = _soft_reason(piece, members, settings) if piece.soft else ""
        if matched is not None and not columns.col_moves[j] and settings.max_moves is not None:
            reason = (
                f"it keeps the practices of network {matched} of the current plan, because "
                "changing it would take more moves than allowed or cost more than the band "
                "penalty"
            ) + (f" ({reason})" if reason else "")
        networks.append((members, network_id, matched, reason))
    # Fixed-network costs are constants added to objective and bound.
    fixed_sets = CandidateSets(
        np.asarray([i for f in fixed for i in f.members], np.int32),
        np.cumsum([0] + [len(f.members) for f in fixed]).astype(np.int64),
    )
    _, fixed_costs = _set_costs(area, fixed_sets, settings)
    constant = int(fixed_costs.sum())
    objective_units = outcome.objective + constant

    # A network decided before solving (a practice over the maximum, say) whose practices
    # are exactly one current network keeps that network's id, unless the solve matched
    # the id to another network first.
    current_members: dict[str, set[str]] = {}
    for code, current_id in current_map.items():
        current_members.setdefault(current_id, set()).add(code)
    fixed_matches: list[str | None] = []
    for f in fixed:
        found = {current_map.get(codes[i]) for i in f.members}
        only = found.pop() if len(found) == 1 else None
        same = only is not None and current_members[only] == {codes[i] for i in f.members}
        fixed_matches.append(only if same else None)
    used = {given for _, given, _, _ in networks if given is not None}
    ids: list[str | None] = [given for _, given, _, _ in networks]
    order = list(range(len(fixed), len(networks))) + list(range(len(fixed)))
    for k in order:
        given, matched = networks[k][1], networks[k][2]
        if k < len(fixed):
            matched = fixed_matches[k]
        if given is None and matched is not None and matched not in used:
            ids[k] = matched
            used.add(matched)

    def centre(members: list[int]) -> tuple[float, str]:
        weights = area.population[members].astype(np.float64)
        if weights.sum() == 0:
            weights = np.ones(len(members))
        cx = float(np.average(area.x_km[members], weights=weights))
        cy = float(np.average(area.y_km[members], weights=weights))
        return cx - cy, min(codes[i] for i in members)

    unnamed = sorted(
        (k for k, net in enumerate(ids) if net is None), key=lambda k: centre(networks[k][0])
    )
    width = max(2, len(str(len(networks))))
    number = 0
    for k in unnamed:
        while True:
            number += 1
            candidate = f"{area.name}-N{number:0{width}d}"
            if candidate not in used:
                break
        ids[k] = candidate
        used.add(candidate)

    assignment: dict[str, str] = {}
    soft_networks: list[str] = []
    soft_lines: list[tuple[str, str]] = []
    for k, (members, _, _, reason) in enumerate(networks):
        net = ids[k]
        assert net is not None
        for i in members:
            assignment[codes[i]] = net
        population = int(area.population[members].sum())
        gap = band.gap(population)
        if gap:
            soft_networks.append(net)
            side = "below the minimum" if gap < 0 else "above the maximum"
            limit = band.min_population if gap < 0 else band.max_population
            because = reason or "the band could not be met here"
            soft_lines.append(
                (
                    net,
                    f"Network {net} ({_names(sorted(codes[i] for i in members))}) has "
                    f"{population:,} patients, {abs(gap):,} {side} {limit:,}: {because}.",
                )
            )
    explanations = [line for _, line in sorted(soft_lines)] + explanations
    assignment = dict(sorted(assignment.items()))
    bound = None if outcome.bound is None else (outcome.bound + constant) / _SCALE
    objective = objective_units / _SCALE
    gap_value = None
    if bound is not None:
        gap_value = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    return AreaResult(
        area=area.name,
        assignment=assignment,
        status=outcome.status,
        objective=objective,
        bound=bound,
        gap=gap_value,
        seconds=seconds,
        networks=len(networks),
        explanations=explanations,
        soft_networks=sorted(soft_networks),
        pool_size=outcome.pool_size,
        moves=moves if current_map or current_ids else None,
    )


def _soft_reason(piece: _Piece, members: list[int], settings: OptimiseSettings) -> str:
    """Why a network of a soft piece may lie outside the band, in its own terms."""
    if not piece.practice_reasons:
        return piece.reason  # the piece as a whole cannot be split in band
    own = [piece.practice_reasons[i] for i in members if i in piece.practice_reasons]
    if own:
        return "; ".join(own)
    return (
        f"the band is soft in this part of the area ({piece.reason}), and no plan found with "
        f"this network in the band cost less (the band penalty is {settings.band_penalty:g} "
        "per patient outside it)"
    )


# --------------------------------------------------------------------------- many areas


_Job = tuple[
    str, nx.Graph, "OptimiseSettings", dict[str, str] | None, dict[str, str] | None, tuple[str, ...]
]


def _solve_area_job(job: _Job, stop: StopSignal | None, progress: Progress | None) -> AreaResult:
    """Run :func:`optimise_area`, turning every failure into a result."""
    area, graph, settings, current, locked, frozen = job
    started = time.monotonic()
    try:
        return optimise_area(
            graph,
            settings,
            current=current,
            locked=locked,
            frozen=frozen,
            progress=progress,
            stop=stop,
        )
    except InfeasibleError as error:
        return AreaResult(
            area, {}, "infeasible", seconds=time.monotonic() - started, explanations=[str(error)]
        )
    except Exception as error:  # one area's failure must not stop the others
        logger.exception("area %s failed", area)
        return AreaResult(
            area,
            {},
            "error",
            seconds=time.monotonic() - started,
            explanations=[f"{type(error).__name__}: {error}"],
        )


def _worker_loop(connection: Connection, stop: StopSignal) -> None:
    """A worker process: solve the areas the parent sends until it sends ``None``.

    It ignores SIGINT, from its first import of ``footprints`` on (see ``__init__.py``; set
    again here in case something imported it earlier): the parent turns a Ctrl-C into
    ``stop``, and the worker finishes its area with the best plan so far.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the parent has gone
            return
        if job is None:
            return
        connection.send(_solve_area_job(job, stop, None))


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    job: _Job | None = None


def _solve_in_processes(
    jobs: list[_Job],
    processes: int,
    stop: StopSignal | None,
    finished: Callable[[str, AreaResult], None],
) -> None:
    """Solve ``jobs`` in ``processes`` worker processes, each fed one area at a time.

    The parent always knows which area each worker holds, so a worker that dies (killed
    for memory, a crash in native code) is reported as an ``"error"`` for that area only;
    a new worker takes its place and the other areas still finish. ``stop`` is passed on to
    every worker.
    """
    context = multiprocessing.get_context("spawn")
    shared_stop = context.Event()
    pending = list(reversed(jobs))
    workers: list[_Worker] = []

    def start_worker() -> _Worker:
        parent_end, child_end = context.Pipe()
        # Daemonic, so that an aborted run (a second Ctrl-C) does not wait for them at exit.
        process = context.Process(
            target=_worker_loop,
            args=(child_end, shared_stop),
            name=WORKER_PROCESS_NAME,
            daemon=True,
        )
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def feed(worker: _Worker) -> None:
        worker.job = pending.pop() if pending else None
        worker.connection.send(worker.job)

    try:
        for _ in range(min(processes, len(jobs))):
            worker = start_worker()
            workers.append(worker)
            feed(worker)
        while any(worker.job is not None for worker in workers):
            if stop is not None and stop.is_set():
                shared_stop.set()
            busy = [worker for worker in workers if worker.job is not None]
            handles: list[Any] = [w.connection for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(handles, timeout=_STOP_POLL))
            for worker in busy:
                job = worker.job
                assert job is not None
                area = job[0]
                if worker.connection in ready or worker.connection.poll():
                    try:
                        result = worker.connection.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        finished(area, result)
                        feed(worker)
                        continue
                if worker.process.sentinel in ready or not worker.process.is_alive():
                    worker.process.join()
                    workers.remove(worker)
                    if stop is not None and stop.is_set():  # the Ctrl-C may have just come
                        shared_stop.set()
                    if shared_stop.is_set():
                        # Stopping: a worker still starting up may have been ended by the
                        # same Ctrl-C; the area's quick plan takes a moment here instead.
                        finished(area, _solve_area_job(job, shared_stop, None))
                        continue
                    code = worker.process.exitcode
                    how = (
                        f"was killed by signal {-code}"
                        + (" (out of memory?)" if code == -signal.SIGKILL else "")
                        if code is not None and code < 0
                        else f"stopped with exit code {code}"
                    )
                    finished(
                        area,
                        AreaResult(
                            area,
                            {},
                            "error",
                            explanations=[
                                f"the worker process solving {area} {how}, so this area "
                                "has no plan; the other areas were solved without it. Run "
                                "this area again alone (processes=1) to see why"
                            ],
                        ),
                    )
                    if pending:
                        replacement = start_worker()
                        workers.append(replacement)
                        feed(replacement)
        while pending:  # only when stopping, after the workers ended: quick plans here
            job = pending.pop()
            finished(job[0], _solve_area_job(job, shared_stop, None))
    finally:
        for worker in workers:
            if worker.process.is_alive() and worker.job is not None:
                worker.process.terminate()  # interrupted (an exception in the parent)
            worker.process.join(timeout=5)
            if worker.process.is_alive():  # pragma: no cover - terminate failed
                worker.process.kill()
                worker.process.join()
            worker.connection.close()


def _separate_shared_ids(results: dict[str, AreaResult]) -> None:
    """Give networks of different areas different ids.

    In repair mode a current network that crossed an area border is matched in each area
    and keeps its id in both; the area holding most of its practices keeps the id, the
    others get ``"<id>-<area>"``.
    """
    holders: dict[str, dict[str, int]] = {}
    for name, result in results.items():
        for network in result.assignment.values():
            counts = holders.setdefault(network, {})
            counts[name] = counts.get(name, 0) + 1
    renames: dict[str, dict[str, str]] = {}
    for network, counts in holders.items():
        if len(counts) < 2:
            continue
        keeper = min(counts, key=lambda name: (-counts[name], name))
        for name in counts:
            if name != keeper:
                renames.setdefault(name, {})[network] = f"{network}-{name}"
    for name, mapping in renames.items():
        result = results[name]
        results[name] = replace(
            result,
            assignment={p: mapping.get(n, n) for p, n in result.assignment.items()},
            soft_networks=sorted(mapping.get(n, n) for n in result.soft_networks),
        )


def propose(
    graphs: Mapping[str, nx.Graph],
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    processes: int | None = None,
    progress: Progress | None = None,
    stop: StopSignal | None = None,
) -> Proposal:
    """Optimise every planning area, in parallel processes, and combine the plans.

    Parameters
    ----------
    graphs
        Area code → that area's adjacency graph (see :func:`optimise_area`).
    settings
        Shared by every area.
    current, locked, frozen
        As for :func:`optimise_area`, over all areas; each area sees its own practices.
        Practices locked to one id in different areas make those areas ``"infeasible"``.
    processes
        Worker processes; ``1`` solves inline. Default: as many as the cores allow at
        ``settings.workers`` threads each, at most one per area.
    progress
        Called with ``(fraction, message)``; per area when solved in processes.
    stop
        When set (from another thread, a signal handler or the app's Stop button), the area
        being solved stops with the best plan it has and each area not yet started gets its
        quick constructive plan, so the proposal still covers every practice; the results'
        explanations say the optimiser was stopped.

    Returns
    -------
    Proposal
        The combined plan and each area's :class:`AreaResult`. An area that fails (its worker
        process dies, or the solve raises) has status ``"error"`` (or ``"infeasible"``) with
        the message in its explanations; the other areas still finish.
    """
    settings = settings or OptimiseSettings()
    frozen_ids = tuple(sorted(set(frozen)))
    areas = sorted(graphs)
    area_of: dict[str, str] = {}
    for name in areas:
        for node in graphs[name].nodes:
            area_of[str(node)] = name
    lock_areas: dict[str, set[str]] = {}
    for code, lock in (locked or {}).items():
        if str(code) in area_of:
            lock_areas.setdefault(str(lock), set()).add(area_of[str(code)])
    split_locks = {lock: found for lock, found in lock_areas.items() if len(found) > 1}
    results: dict[str, AreaResult] = {}
    jobs = []
    for name in areas:
        graph = graphs[name]
        if "area" not in graph.graph:
            graph = graph.copy()
            graph.graph["area"] = name
        nodes = {str(node) for node in graph.nodes}
        area_current = (
            {c: str(n) for c, n in current.items() if str(c) in nodes}
            if current is not None
            else None
        )
        area_locked = {c: str(n) for c, n in (locked or {}).items() if str(c) in nodes}
        clashes = sorted(lock for lock in split_locks if lock in area_locked.values())
        if clashes:
            results[name] = AreaResult(
                name,
                {},
                "infeasible",
                explanations=[
                    f"area {name}: practices locked to {lock} lie in planning areas "
                    f"{', '.join(sorted(split_locks[lock]))}; a network cannot cross them"
                    for lock in clashes
                ],
            )
            continue
        jobs.append((name, graph, settings, area_current, area_locked or None, frozen_ids))
    if processes is None:
        processes = max(1, (os.cpu_count() or 1) // settings.workers)
    processes = max(1, min(processes, len(jobs)))
    done = 0

    def finished(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done / max(1, len(jobs)), f"{name}: {results[name].status}")

    def record(name: str, result: AreaResult) -> None:
        results[name] = result
        finished(name)

    if processes == 1:
        for job in jobs:

            def area_progress(fraction: float, message: str, _done: int = done) -> None:
                if progress is not None:
                    progress((_done + fraction) / max(1, len(jobs)), message)

            record(job[0], _solve_area_job(job, stop, area_progress))
    else:
        _solve_in_processes(jobs, processes, stop, record)
    _separate_shared_ids(results)
    assignment: dict[str, str] = {}
    for name in areas:
        assignment.update(results[name].assignment)
    ordered = {name: results[name] for name in areas}
    logger.info(
        "proposed %d networks over %d areas (%s)",
        sum(r.networks for r in ordered.values()),
        len(ordered),
        ", ".join(f"{n}: {r.status}" for n, r in ordered.items()),
    )
    return Proposal(Plan(assignment), ordered)
