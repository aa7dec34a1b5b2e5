"""The band first (issue #13): networks out of band re-drawn with neighbours into the band."""

from __future__ import annotations

import time

import numpy as np

from footprints.optimiser.columns import piece_candidates
from footprints.optimiser.fallback import polish
from footprints.optimiser.improve import improve
from footprints.optimiser.search_costs import plan_territories

from .grids import home_grid, problem_of, replace_settings
from .test_improve import SETTINGS, _cost, _outcome


def _row_in_lsoas(sizes: list[int]):  # type: ignore[no-untyped-def]
    """Practices in a row 2 km apart, each one's patients in its own LSOA of a row of LSOAs."""
    homes = [[(c * 2_000.0, 0.0, size, None)] for c, size in enumerate(sizes)]
    graph = home_grid(1, len(sizes), sizes, homes)
    for c, p in enumerate(graph.nodes):
        graph.nodes[p]["home_lsoas"] = np.asarray([c], np.int64)
        graph.nodes[p]["home_lsoa_patients"] = np.asarray([sizes[c]], np.int64)
    graph.graph["lsoa_registered"] = {c: size for c, size in enumerate(sizes)}
    graph.graph["lsoa_edges"] = np.asarray([(c, c + 1) for c in range(len(sizes) - 1)], np.int64)
    return graph


def _outside(problem, networks) -> list[int]:  # type: ignore[no-untyped-def]
    population = problem.practices.population
    sizes = [int(population[list(n)].sum()) for n in networks]
    return sorted(s for s in sizes if not problem.band.contains(s))


def test_the_band_is_restored_first_even_with_no_time_for_the_local_search() -> None:
    # Six practices of 20,000 in a row, cut bottom-up as two networks of 60,000 (as
    # construct.greedy_cut does when the exact splits fail): both are out of band, yet
    # three networks of 40,000 exist. With no time for the local search, the band pass
    # still re-draws the pair as three in-band networks (a network more) before the deadline.
    problem = problem_of(_row_in_lsoas([20_000] * 6), SETTINGS)
    assert plan_territories(problem, [[[0, 1, 2], [3, 4, 5]]]) is not None
    improved = improve(problem, [[[0, 1, 2], [3, 4, 5]]], until=time.monotonic())
    assert improved is not None
    assert _outside(problem, improved[0]) == []
    assert sorted(map(sorted, improved[0])) == [[0, 1], [2, 3], [4, 5]]


def test_polish_brings_a_soft_pieces_networks_into_the_band_where_it_can() -> None:
    # P00 (20,000) is in no contiguous in-band group (with P01: 51,000), so the piece is
    # soft and P00's network is out of band in every plan. The plan at hand when the exact
    # solve is cut (a bottom-up cut) also has 60,000 and 20,000 beside it, which nothing
    # forces: the polish re-draws them as two networks of 40,000; P00's network stays.
    sizes = [20_000, 31_000, 20_000, 20_000, 20_000, 20_000]
    problem = problem_of(_row_in_lsoas(sizes), SETTINGS)
    (piece,) = problem.pieces
    piece_candidates(problem, piece)
    assert piece.soft
    outcome, columns = _outcome(problem, [[0, 1], [2, 3, 4], [5]], "feasible")
    polished, better = polish(problem, columns, outcome)
    chosen = [better.sets.members_of(int(better.col_set[j])) for j in polished.chosen]
    assert _outside(problem, chosen) == [51_000]
    assert sorted(map(sorted, chosen)) == [[0, 1], [2, 3], [4, 5]]
    assert polished.objective is not None and outcome.objective is not None
    assert polished.objective < outcome.objective


def test_polish_keeps_the_band_first_even_where_leaving_it_costs_less() -> None:
    # As above, but P05 stands 100 km beyond P04 and a network out of band costs little
    # (no out_of_band_cost, 10 patient-km per patient outside): {P02, P03, P04} and {P05}
    # out of band cost less than {P02, P03} and {P04, P05} in band, yet the band comes
    # before everything but the hard rules (DESIGN.md): the polish returns the plan in band.
    sizes = [20_000, 31_000, 20_000, 20_000, 20_000, 20_000]
    graph = _row_in_lsoas(sizes)
    for code, x in zip(graph.nodes, [0, 2, 4, 6, 8, 108], strict=True):
        graph.nodes[code].update(x=x * 1_000.0, home_x=x * 1_000.0)
    cheap = replace_settings(out_of_band_cost=0.0, band_penalty=10.0, time_limit=20.0)
    problem = problem_of(graph, cheap)
    (piece,) = problem.pieces
    piece_candidates(problem, piece)
    at_hand = [[0, 1], [2, 3, 4], [5]]
    assert _cost(problem, at_hand) < _cost(problem, [[0, 1], [2, 3], [4, 5]])
    outcome, columns = _outcome(problem, at_hand, "feasible")
    polished, better = polish(problem, columns, outcome)
    chosen = [better.sets.members_of(int(better.col_set[j])) for j in polished.chosen]
    assert sorted(map(sorted, chosen)) == [[0, 1], [2, 3], [4, 5]]
    assert polished.status == "feasible"
