"""Hand-made areas and brute-force answers shared by the optimiser's stage tests."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

from footprints.optimiser import AreaResult, OptimiseSettings
from footprints.optimiser.candidates import CandidateSets, PracticeArrays
from footprints.optimiser.columns import Columns, Partition, build_columns, piece_candidates
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import set_costs
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.master import Duals, MasterLP, initial_columns
from footprints.optimiser.problem import AreaProblem, build_problem
from footprints.plan import Band
from footprints.rules import REGISTRY, Rule
from footprints.rules.base import PlanState, RuleContext

FAST = OptimiseSettings(time_limit=20.0, workers=1, seed=3)
DEFAULT_BAND = Band()


class SolverSaying:
    """A CP-SAT solver that says it used ``wall_time`` seconds, whatever it used."""

    def __init__(self, solver: Any, wall_time: float) -> None:
        self._solver = solver
        self.wall_time = wall_time

    def __getattr__(self, name: str) -> Any:
        return getattr(self._solver, name)


Home = tuple[float, float, int, str | None]
"""Where some of a practice's patients live: x, y (metres), patients, patch (or none)."""


def grid(
    rows: int,
    cols: int,
    sizes: Sequence[int],
    *,
    spacing: float = 2_000.0,
    patches: Sequence[str | None] | None = None,
    area: str = "T",
) -> nx.Graph:
    """A rows x cols grid of practices ``P<r><c>``, ``spacing`` metres apart."""
    graph = nx.Graph(area=area)
    for r, c in itertools.product(range(rows), range(cols)):
        k = r * cols + c
        graph.add_node(
            f"P{r}{c}",
            list_size=sizes[k],
            x=c * spacing,
            y=-r * spacing,
            patch=patches[k] if patches else None,
        )
    for r, c in itertools.product(range(rows), range(cols)):
        if c + 1 < cols:
            graph.add_edge(f"P{r}{c}", f"P{r}{c + 1}", kind="border")
        if r + 1 < rows:
            graph.add_edge(f"P{r}{c}", f"P{r + 1}{c}", kind="border")
    return graph


def with_homes(graph: nx.Graph, homes: Mapping[str, Sequence[Home]]) -> nx.Graph:
    """Put ``graph`` on registration geography: practice ``p``'s patients live at ``homes[p]``.

    Each node gets the contract's home attributes, computed here from its homes, and keeps
    the homes themselves as ``home_list`` (read only by :func:`network_cost`).
    """
    graph.graph["geography"] = "registrations"
    residents: dict[str, int] = {}
    for practice, where in homes.items():
        patients = sum(n for _, _, n, _ in where)
        centre_x = sum(n * x for x, _, n, _ in where) / patients if patients else math.nan
        centre_y = sum(n * y for _, y, n, _ in where) / patients if patients else math.nan
        spread = (
            sum(n * ((x - centre_x) ** 2 + (y - centre_y) ** 2) for x, y, n, _ in where) / patients
            if patients
            else 0.0
        )
        by_patch: dict[str, int] = {}
        for _, _, n, patch in where:
            if patch is not None:
                by_patch[patch] = by_patch.get(patch, 0) + n
                residents[patch] = residents.get(patch, 0) + n
        graph.nodes[practice].update(
            home_patients=patients,
            home_x=centre_x,
            home_y=centre_y,
            home_spread=spread,
            home_patches=by_patch,
            home_fallback=False,
            home_list=list(where),
        )
    graph.graph["patch_residents"] = residents
    return graph


def home_grid(
    rows: int, cols: int, sizes: Sequence[int], homes: Sequence[Sequence[Home]], **options: Any
) -> nx.Graph:
    """:func:`grid` on registration geography; ``homes[k]`` are practice ``k``'s homes."""
    graph = grid(rows, cols, sizes, **options)
    return with_homes(graph, dict(zip(graph.nodes, homes, strict=True)))


def replace_settings(**changes: object) -> OptimiseSettings:
    """Test settings; ``candidate_filters=(...)`` adds one rule per filter to the registry."""
    filters = changes.pop("candidate_filters", ())
    values = {"time_limit": 20.0, "workers": 1, "seed": 3} | changes
    if filters:
        values["rules"] = REGISTRY + tuple(filter_rule(f) for f in filters)  # type: ignore[union-attr]
    return OptimiseSettings(**values)  # type: ignore[arg-type]


def _never(state: PlanState, network: str, context: RuleContext, /) -> None:
    """A check that finds nothing (the tests here exercise only the candidate filter)."""
    return None


def filter_rule(accept: AtMostPractices) -> Rule:
    """A rule whose only effect on the optimiser is ``accept``, as a new rule's would be."""
    return Rule(
        name=f"at_most_{accept.limit}",
        title=f"At most {accept.limit} practices",
        scope="network",
        check=_never,
        severity="hard",
        description=f"At most {accept.limit} practices per network.",
        optimiser="A candidate filter.",
        candidate_filter=accept,
    )


def problem_of(graph: nx.Graph, settings: OptimiseSettings = FAST, **inputs: object) -> AreaProblem:
    """The :class:`AreaProblem` the optimiser would solve for ``graph``."""
    return build_problem(graph, settings, **inputs)  # type: ignore[arg-type]


def networks_of(assignment: Mapping[str, str]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for practice, network in assignment.items():
        members.setdefault(network, set()).add(practice)
    return members


def connected(graph: nx.Graph, practices: set[str]) -> bool:
    """Breadth-first search inside ``practices`` (independent of networkx's helpers)."""
    start = next(iter(practices))
    seen = {start}
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for other in graph[node]:
            if other in practices and other not in seen:
                seen.add(other)
                frontier.append(other)
    return seen == practices


def check_plan(graph: nx.Graph, result: AreaResult, band: Band = DEFAULT_BAND) -> None:
    assert sorted(result.assignment) == sorted(graph.nodes), "every practice exactly once"
    members = networks_of(result.assignment)
    assert result.networks == len(members)
    for network, practices in members.items():
        assert connected(graph, practices), f"{network} is not contiguous"
        population = sum(graph.nodes[p]["list_size"] for p in practices)
        if network not in result.soft_networks:
            assert band.contains(population), f"{network} has {population}"


def network_cost(graph: nx.Graph, practices: Sequence[str], opts: OptimiseSettings) -> float:
    """The objective of one network, computed from the definitions in the docstring."""
    sizes = [graph.nodes[p]["list_size"] for p in practices]
    total = sum(sizes)
    if graph.graph.get("geography") == "registrations":
        compactness, straddling = _home_terms(graph, practices)
        return (
            opts.compactness_weight * total * compactness
            + opts.home_straddle_weight * straddling
            + opts.home_patch_weight * max(0, _working(graph, practices) - 1)
            + opts.network_cost
        )
    xs = [graph.nodes[p]["x"] / 1000 for p in practices]
    ys = [graph.nodes[p]["y"] / 1000 for p in practices]
    if total:
        cx = sum(s * x for s, x in zip(sizes, xs, strict=True)) / total
        cy = sum(s * y for s, y in zip(sizes, ys, strict=True)) / total
    else:
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    compactness = sum(s * math.hypot(x - cx, y - cy) for s, x, y in zip(sizes, xs, ys, strict=True))
    by_patch: dict[str, int] = {}
    for p, s in zip(practices, sizes, strict=True):
        patch = graph.nodes[p].get("patch")
        if patch is not None:
            by_patch[patch] = by_patch.get(patch, 0) + s
    straddling = sum(by_patch.values()) - max(by_patch.values(), default=0)
    return (
        opts.compactness_weight * compactness
        + opts.straddle_weight * straddling
        + opts.patch_weight * len(by_patch)
        + opts.network_cost
    )


def _home_terms(graph: nx.Graph, practices: Sequence[str]) -> tuple[float, int]:
    """RMS distance (km) of the practices' patients' homes from their centre, and how many
    of them live outside the patch where most of them live, straight from the homes."""
    homes = [home for p in practices for home in graph.nodes[p]["home_list"]]
    patients = sum(n for _, _, n, _ in homes)
    rms = 0.0
    if patients:
        cx = sum(n * x for x, _, n, _ in homes) / patients / 1000
        cy = sum(n * y for _, y, n, _ in homes) / patients / 1000
        square = sum(n * ((x / 1000 - cx) ** 2 + (y / 1000 - cy) ** 2) for x, y, n, _ in homes)
        rms = math.sqrt(square / patients)
    by_patch: dict[str, int] = {}
    for _, _, n, patch in homes:
        if patch is not None:
            by_patch[patch] = by_patch.get(patch, 0) + n
    return rms, sum(by_patch.values()) - max(by_patch.values(), default=0)


def _working(graph: nx.Graph, practices: Sequence[str]) -> int:
    """How many patches the practices' patients reach 5% of the residents of."""
    residents = graph.graph.get("patch_residents") or {}
    by_patch: dict[str, int] = {}
    for _, _, n, patch in (home for p in practices for home in graph.nodes[p]["home_list"]):
        if patch is not None:
            by_patch[patch] = by_patch.get(patch, 0) + n
    return sum(1 for patch, n in by_patch.items() if n > 0 and 20 * n >= residents[patch])


def set_partitions(items: list[str]) -> Iterator[list[list[str]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def brute_force_optimum(graph: nx.Graph, opts: OptimiseSettings) -> float | None:
    best = None
    band = opts.band
    for partition in set_partitions(sorted(graph.nodes)):
        total = 0.0
        for part in partition:
            population = sum(graph.nodes[p]["list_size"] for p in part)
            if not band.contains(population) or not connected(graph, set(part)):
                break
            total += network_cost(graph, part, opts)
        else:
            best = total if best is None else min(best, total)
    return best


def connected_subsets(graph: nx.Graph, low: int, high: int) -> set[tuple[str, ...]]:
    """Every connected set of practices with population in ``[low, high]``, by brute force."""
    nodes = sorted(graph.nodes)
    return {
        subset
        for k in range(1, len(nodes) + 1)
        for subset in itertools.combinations(nodes, k)
        if low <= sum(graph.nodes[p]["list_size"] for p in subset) <= high
        and connected(graph, set(subset))
    }


def least_reduced_cost(
    problem: AreaProblem, graph: nx.Graph, duals: Duals, low: int, high: int
) -> float:
    """The least reduced cost of every connected set in the window, by brute force."""
    practices = problem.practices
    subsets = connected_subsets(graph, low, high)
    sets = CandidateSets.of([sorted(practices.index[c] for c in s) for s in subsets])
    _, cost = set_costs(sets, practices, problem.settings)
    gains = sets.sums(duals.node)
    return float((cost - gains - duals.piece[0]).min())


def listed(sets: CandidateSets, practices: PracticeArrays) -> set[tuple[str, ...]]:
    """The sets as sorted tuples of practice codes."""
    return {tuple(sorted(practices.codes[i] for i in sets.members_of(k))) for k in range(len(sets))}


@st.composite
def tiny_areas(draw: st.DrawFn, *, min_size: int = 0) -> nx.Graph:
    n = draw(st.integers(min_value=2, max_value=8))
    graph = nx.Graph(area="H")
    for i in range(n):
        graph.add_node(
            f"Q{i}",
            list_size=draw(st.integers(min_value=min_size, max_value=25_000)),
            x=draw(st.floats(min_value=0, max_value=20_000)),
            y=draw(st.floats(min_value=0, max_value=20_000)),
            patch=draw(st.sampled_from(["A", "B", None])),
        )
    for i in range(1, n):  # a random spanning tree keeps the area connected
        graph.add_edge(f"Q{i}", f"Q{draw(st.integers(min_value=0, max_value=i - 1))}")
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6))
    for a, b in extra:
        if a != b:
            graph.add_edge(f"Q{a}", f"Q{b}")
    return graph


@st.composite
def tiny_home_areas(draw: st.DrawFn) -> nx.Graph:
    """:func:`tiny_areas` on registration geography: one to three homes per practice."""
    graph = draw(tiny_areas())
    home = st.tuples(
        st.floats(min_value=0, max_value=20_000),
        st.floats(min_value=0, max_value=20_000),
        st.integers(min_value=0, max_value=9_000),
        st.sampled_from(["A", "B", "C", None]),
    )
    homes = {p: draw(st.lists(home, min_size=1, max_size=3)) for p in graph.nodes}
    return with_homes(graph, homes)


class AtMostPractices:
    """A candidate filter: networks of at most ``limit`` practices (picklable)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, sets: CandidateSets, practices: PracticeArrays) -> npt.NDArray[np.bool_]:
        return sets.sizes <= self.limit

    def __repr__(self) -> str:
        return f"AtMostPractices({self.limit})"


#: Small grids, with settings, whose optimum brute force finds (proof and bound tests).
SMALL_GRIDS = {
    "row of four": (grid(1, 4, [15_000] * 4), FAST),
    "two rows": (grid(2, 3, [9_000, 14_000, 11_000, 16_000, 8_000, 12_000]), FAST),
    "patches": (
        grid(3, 3, [12_000] * 9, patches=["A", "A", "B", "A", "A", "B", "A", "A", "B"]),
        replace_settings(straddle_weight=50.0),
    ),
    "uneven 3x3": (
        grid(3, 3, [5_000, 12_000, 8_000, 15_000, 10_000, 7_000, 9_000, 11_000, 6_000]),
        replace_settings(network_cost=0.0),
    ),
}


def planar_area(n: int, seed: int, *, nearest: int = 8) -> nx.Graph:
    """A random planar area: sites in a square, each joined to its nearest neighbours.

    Practices of lognormal list sizes (median 8,000) at about 3,000 patients per km²; the
    pairs among each site's ``nearest`` nearest are added shortest first and kept only when
    they cross no edge already kept, so the graph is planar, as the catchments' adjacency
    is (and connected in practice). Two patches, the west and east halves.
    """
    rng = np.random.default_rng(seed)
    sizes = np.clip(rng.lognormal(np.log(8_000), 0.6, n), 1_500, 40_000).round().astype(int)
    side = float(np.sqrt(sizes.sum() / 3_000.0)) * 1_000.0
    points = rng.uniform(0, side, size=(n, 2))
    width = len(str(n - 1))
    names = [f"P{i:0{width}d}" for i in range(n)]
    graph = nx.Graph(area=f"R{seed}")
    for i in range(n):
        graph.add_node(
            names[i],
            list_size=int(sizes[i]),
            x=float(points[i, 0]),
            y=float(points[i, 1]),
            patch=f"T{int(points[i, 0] * 2 // side)}",
        )
    distance = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    near = np.argsort(distance, axis=1)[:, 1 : nearest + 1]
    pairs = sorted(
        {(min(a, int(b)), max(a, int(b))) for a in range(n) for b in near[a]},
        key=lambda e: (float(distance[e]), e),
    )
    kept = np.zeros((0, 2), np.int64)

    def turn(p: npt.NDArray[Any], q: npt.NDArray[Any], r: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (q[..., 1] - p[..., 1]) * (
            r[..., 0] - p[..., 0]
        )

    for a, b in pairs:
        if len(kept):
            c, d = kept[:, 0], kept[:, 1]
            apart = (c != a) & (c != b) & (d != a) & (d != b)
            pa, pb, pc, pd = points[a], points[b], points[c], points[d]
            crossing = (turn(pa, pb, pc) * turn(pa, pb, pd) < 0) & (
                turn(pc, pd, pa) * turn(pc, pd, pb) < 0
            )
            if (apart & crossing).any():
                continue
        kept = np.vstack([kept, [a, b]])
        graph.add_edge(names[a], names[b], kind="border")
    return graph


def few_candidates(problem: AreaProblem, keep_every: int = 3) -> Columns:
    """Columns of every ``keep_every``-th candidate and the quick plan, as if listing stopped.

    Every piece is marked not listed (``bounded = False``): its bound must hold over every
    network, listed or not.
    """
    sets = [piece_candidates(problem, piece) for piece in problem.pieces]
    kept = [s.select(np.arange(len(s)) % keep_every == 0) for s in sets]
    plan = construct(problem)
    assert plan is not None
    kept = [
        CandidateSets.concatenate([k, CandidateSets.of(p)]) for k, p in zip(kept, plan, strict=True)
    ]
    for piece in problem.pieces:
        piece.bounded = False
    return build_columns(problem, kept)


def solved_master(problem: AreaProblem, keep_every: int = 3) -> tuple[Columns, MasterLP]:
    """A master LP solved over :func:`few_candidates`, as if listing had stopped."""
    columns = few_candidates(problem, keep_every)
    rows = Partition.of_area(problem)
    lp = MasterLP(columns, rows)
    lp.add(initial_columns(columns, rows.rows))
    relaxation = lp.solve(Deadline(time.monotonic() + 20.0))
    assert relaxation.feasible and relaxation.complete
    return columns, lp


@dataclass(frozen=True)
class GridCase:
    """One of :data:`SMALL_GRIDS` that has a plan: its problem, optimum and a few columns."""

    graph: nx.Graph
    opts: OptimiseSettings
    problem: AreaProblem
    best: float
    columns: Columns


def grid_case(name: str, keep_every: int = 3) -> GridCase | None:
    """:data:`SMALL_GRIDS` ``name`` with its brute-force optimum and :func:`few_candidates`.

    ``None`` where the constructive plan or the brute force finds no plan (the test then
    has nothing to check).
    """
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return None
    best = brute_force_optimum(graph, opts)
    if best is None:
        return None
    return GridCase(graph, opts, problem, best, few_candidates(problem, keep_every))
