"""The local search (re-drawing neighbouring networks) and the polish after the exact solve;
the local search never makes a plan worse, with every term on."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import build_columns, plan_columns
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import plan_costs
from footprints.optimiser.fallback import POLISHED, polish
from footprints.optimiser.improve import _move_practices, improve, improving
from footprints.optimiser.proof import Outcome
from footprints.plan import Band

from .grids import connected, grid, home_grid, problem_of, replace_settings, tiny_areas, with_homes

SETTINGS = OptimiseSettings(band=Band(30_000, 50_000), time_limit=20.0, seed=0)
SIZES = [10_000] * 8


def _rows_area():  # type: ignore[no-untyped-def]
    """Two rows of four practices 2 km apart, each 10,000 patients living at its surgery."""
    graph = home_grid(
        2,
        4,
        SIZES,
        [[(c * 2_000.0, -r * 2_000.0, 10_000, None)] for r in range(2) for c in range(4)],
    )
    problem = problem_of(graph, SETTINGS)
    index = problem.practices.index
    rows = [[index[f"P{r}{c}"] for c in range(4)] for r in range(2)]
    squares = [[index[f"P{r}{c}"] for r in range(2) for c in cols] for cols in ((0, 1), (2, 3))]
    return graph, problem, rows, squares


def _cost(problem, networks) -> int:  # type: ignore[no-untyped-def]
    return int(plan_costs(CandidateSets.of(networks), problem.practices, problem.settings)[1].sum())


def test_local_search_turns_two_rows_into_two_squares() -> None:
    graph, problem, rows, squares = _rows_area()
    assert improving(problem)
    improved = improve(problem, [rows])
    assert improved is not None
    found = sorted(sorted(n) for n in improved[0])
    assert found == sorted(sorted(n) for n in squares)
    assert _cost(problem, found) < _cost(problem, rows)
    codes = problem.practices.codes
    for network in found:
        assert connected(graph, {codes[i] for i in network})
        assert SETTINGS.band.contains(10_000 * len(network))


def test_local_search_leaves_the_voronoi_model_alone() -> None:
    graph = grid(2, 4, SIZES)
    problem = problem_of(graph, SETTINGS)
    plan = [[[0, 1, 2, 3], [4, 5, 6, 7]]]
    assert not improving(problem)
    assert improve(problem, plan) is plan


def _row_of_seven():  # type: ignore[no-untyped-def]
    """Seven practices of 10,000 in a row 2 km apart; P03's patients live 9 km along."""
    homes = [[(c * 2_000.0, 0.0, 10_000, None)] for c in range(7)]
    homes[3] = [(9_000.0, 0.0, 10_000, None)]
    problem = problem_of(home_grid(1, 7, [10_000] * 7, homes), SETTINGS)
    index = problem.practices.index
    return problem, [tuple(index[f"P0{c}"] for c in cols) for cols in ((0, 1, 2, 3), (4, 5, 6))]


def test_a_practice_moves_to_the_network_where_its_patients_live() -> None:
    problem, (left, right) = _row_of_seven()
    cost = {n: _cost(problem, [n]) for n in (left, right)}
    nets, moved = _move_practices(problem, [left, right], cost, cutoff=float("inf"))
    p03 = problem.practices.index["P03"]
    after = [tuple(n for n in left if n != p03), tuple(sorted((*right, p03)))]
    assert moved and nets == after
    # Hand-computed: homes at 0, 2, 4 km and at 8, 9, 10, 12 km, 10,000 patients each.
    # Left: 30,000 × sqrt(8/3) km; right: centre 9.75 km, 40,000 × sqrt(8.75/4) km.
    assert cost[after[0]] == round(100 * 30_000 * (8 / 3) ** 0.5 + 100 * 30_000)
    assert cost[after[1]] == round(100 * 40_000 * (8.75 / 4) ** 0.5 + 100 * 30_000)
    assert cost[after[0]] + cost[after[1]] < cost[left] + cost[right]


def test_no_practice_moves_out_of_the_band() -> None:
    problem, (left, right) = _row_of_seven()
    p03 = problem.practices.index["P03"]
    left, right = tuple(n for n in left if n != p03), tuple(sorted((*right, p03)))
    cost = {n: _cost(problem, [n]) for n in (left, right)}
    # Left holds 30,000, the minimum: none of its practices may leave, and right is best.
    assert _move_practices(problem, [left, right], cost, cutoff=float("inf")) == (
        [left, right],
        False,
    )


def test_a_practice_moves_into_a_network_already_over_the_band_to_bring_another_in() -> None:
    # Six practices in a row (20, 20, 15 | 6, 24, 22 thousand): no contiguous in-band plan
    # exists, so a network must be out of band; the plan has two (55,000 and 52,000). P03
    # joining the left one brings the right one into the band (46,000), one network out of
    # band fewer: 1,000,000 of out_of_band_cost saved against 400,000 of band penalty more.
    sizes = [20_000, 20_000, 15_000, 6_000, 24_000, 22_000]
    homes = [[(c * 2_000.0, 0.0, size, None)] for c, size in enumerate(sizes)]
    problem = problem_of(home_grid(1, 6, sizes, homes), SETTINGS)
    left, right = (0, 1, 2), (3, 4, 5)
    cost = {n: _cost(problem, [n]) for n in (left, right)}
    nets, moved = _move_practices(problem, [left, right], cost, cutoff=float("inf"))
    assert moved
    assert sorted(nets) == [(0, 1, 2, 3), (4, 5)]
    population = problem.practices.population
    outside = [n for n in nets if not SETTINGS.band.contains(int(population[list(n)].sum()))]
    assert outside == [(0, 1, 2, 3)]
    assert sum(cost[n] for n in nets) < _cost(problem, [left]) + _cost(problem, [right])


def _outcome(problem, networks, status):  # type: ignore[no-untyped-def]
    columns = build_columns(problem, [CandidateSets.of(networks)])
    chosen = plan_columns(columns, np.arange(len(columns.sets)), None)
    assert chosen is not None
    cost = int(columns.col_cost[chosen].sum())
    return Outcome(status, cost, 1.0, chosen, 7, ["why"]), columns


def test_polish_improves_a_plan_not_proved_optimal_and_keeps_the_bound() -> None:
    _, problem, rows, squares = _rows_area()
    outcome, columns = _outcome(problem, rows, "feasible")
    polished, better = polish(problem, columns, outcome)
    assert polished.status == "feasible"
    assert polished.objective == _cost(problem, squares) < outcome.objective
    assert polished.bound == 1.0 and polished.pool_size == 7
    assert polished.notes == ["why", POLISHED]
    chosen = sorted(better.sets.members_of(int(better.col_set[j])) for j in polished.chosen)
    assert chosen == sorted(sorted(n) for n in squares)


def test_polish_leaves_a_proved_plan_alone() -> None:
    _, problem, rows, _ = _rows_area()
    outcome, columns = _outcome(problem, rows, "optimal")
    assert polish(problem, columns, outcome) == (outcome, columns)


# ---- never worse, on random tiny areas with LSOA rows ---------------------------------------

LSOA_COUNT = 6


@st.composite
def tiny_lsoa_areas(draw: st.DrawFn) -> nx.Graph:
    """:func:`tiny_areas` whose practices' patients live in a row of LSOAs, with the rows.

    Every term is on: homes (compactness, straddling), LSOA counts (mixing) and LSOA
    adjacency (the territory excess). Others are registered in an LSOA too, at random.
    """
    graph = draw(tiny_areas(min_size=1_000))
    rows = {
        p: draw(
            st.dictionaries(
                st.integers(0, LSOA_COUNT - 1), st.integers(0, 9_000), min_size=1, max_size=3
            )
        )
        for p in graph.nodes
    }
    patch = st.sampled_from(["A", "B", None])
    with_homes(
        graph,
        {
            p: [(1_000.0 * k + 500, 500.0, n, draw(patch)) for k, n in w.items()]
            for p, w in rows.items()
        },
    )
    registered = {k: draw(st.integers(0, 5_000)) for k in range(LSOA_COUNT)}
    for p, where in rows.items():
        lsoas = sorted(where)
        graph.nodes[p]["home_lsoas"] = np.asarray(lsoas, np.int64)
        graph.nodes[p]["home_lsoa_patients"] = np.asarray([where[k] for k in lsoas], np.int64)
        for k in lsoas:
            registered[k] += where[k]
    graph.graph["lsoa_registered"] = registered
    pairs = draw(
        st.lists(st.tuples(st.integers(0, LSOA_COUNT - 1), st.integers(0, LSOA_COUNT - 1)))
    )
    graph.graph["lsoa_edges"] = np.asarray([(a, b) for a, b in pairs if a < b], np.int64)
    return graph


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    graph=tiny_lsoa_areas(),
    containment=st.sampled_from([0.0, 10.0, 40.0]),
    territory=st.sampled_from([0.0, 10.0, 40.0]),
)
def test_local_search_never_makes_a_plan_worse(
    graph: nx.Graph, containment: float, territory: float
) -> None:
    band = Band(5_000, 45_000)
    opts = OptimiseSettings(
        band=band,
        time_limit=20.0,
        seed=0,
        containment_weight=containment,
        territory_weight=territory,
        plan_territories=False,  # with exact territories: tests/optimiser/test_territories.py
    )
    problem = problem_of(graph, opts)
    assert improving(problem)
    plan = construct(problem)
    improved = improve(problem, plan)
    if plan is None:
        assert improved is None
        return
    assert improved is not None
    before = [_cost(problem, networks) for networks in plan if networks]
    after = [_cost(problem, networks) for networks in improved if networks]
    assert sum(after) <= sum(before)
    codes = problem.practices.codes
    for piece, old, new in zip(problem.pieces, plan, improved, strict=True):
        assert sorted(i for n in new for i in n) == sorted(i for n in old for i in n)
        if piece.soft:
            assert new == old
            continue
        for network in new:
            assert connected(graph, {codes[i] for i in network})
            assert band.contains(int(problem.practices.population[network].sum()))


# ---- three networks re-drawn as two ---------------------------------------------------------


def _row_of_six(**changes: object):  # type: ignore[no-untyped-def]
    """Six practices of 15,000 in a row 500 m apart, as three networks of two."""
    homes = [[(c * 500.0, 0.0, 15_000, None)] for c in range(6)]
    opts = replace_settings(band=Band(30_000, 50_000), time_limit=20.0, seed=0, **changes)
    problem = problem_of(home_grid(1, 6, [15_000] * 6, homes, spacing=500.0), opts)
    return problem, [[[0, 1], [2, 3], [4, 5]]]


def test_three_networks_become_two_where_that_costs_less() -> None:
    problem, plan = _row_of_six()
    # Hand-computed: three networks of 15,000 at 0 and 0.5 km cost 30,000 × 0.25 km + 30,000
    # each; two of three at 0, 0.5, 1 km cost 45,000 × sqrt(1/6) km + 30,000 each.
    three = 3 * (30_000 * 0.25 + 30_000)
    two = 2 * (45_000 * (1 / 6) ** 0.5 + 30_000)
    assert two < three
    improved = improve(problem, plan)
    assert improved is not None
    assert sorted(sorted(n) for n in improved[0]) == [[0, 1, 2], [3, 4, 5]]
    assert _cost(problem, improved[0]) == 2 * round(100 * two / 2)


def test_without_triples_three_networks_stay_three() -> None:
    problem, plan = _row_of_six(improve_triples=False)
    improved = improve(problem, plan)
    assert improved is not None and len(improved[0]) == 3
