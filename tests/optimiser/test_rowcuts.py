"""Subset-row cuts (rowcuts): valid for every plan, and a bound the plain LP does not reach."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from footprints.optimiser import rowcuts
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import Columns, Partition, build_columns, piece_candidates
from footprints.optimiser.costs import SCALE
from footprints.optimiser.pieces import Piece
from footprints.optimiser.proof import partition

from .grids import SMALL_GRIDS, brute_force_optimum, problem_of


def _odd_cycle() -> tuple[Columns, Partition]:
    """Three practices, the three pairs at 100 each, each practice alone at 1,000.

    Every plan is a pair and a single (1,100) or three singles (3,000); the LP takes each
    pair at ½ for 150, and the cut of the triple (at most one pair) lifts it to 1,100.
    """
    networks = [[0, 1], [1, 2], [0, 2], [0], [1], [2]]
    cost = np.array([100, 100, 100, 1000, 1000, 1000], np.int64)
    n = len(networks)
    columns = Columns(
        sets=CandidateSets.of(networks),
        set_population=np.full(n, 1, np.int64),
        set_cost=cost,
        set_piece=np.zeros(n, np.int64),
        col_set=np.arange(n, dtype=np.int64),
        col_match=np.full(n, -1, np.int64),
        col_moves=np.zeros(n, np.int64),
        col_cost=cost.copy(),
    )
    model = Partition([0, 1, 2], [Piece([0, 1, 2], 3)], 0, None, 3)
    return columns, model


def test_the_triple_cut_lifts_the_odd_cycle_lp_to_the_plan() -> None:
    columns, model = _odd_cycle()
    pool = np.arange(len(columns), dtype=np.int64)
    plain = rowcuts.separate(columns, model, pool, at=math.inf, rounds=1)
    assert plain.triples == [(0, 1, 2)]
    assert plain.bound == pytest.approx(150.0)  # the round's LP came before its cut
    cut = rowcuts.separate(columns, model, pool, at=math.inf)
    assert cut.triples == [(0, 1, 2)]
    assert cut.bound == pytest.approx(1100.0)
    known = rowcuts.separate(columns, model, pool, known=cut.triples, at=math.inf)
    assert known.triples == [] and known.bound == pytest.approx(1100.0)
    # going on from the first round's LP (its cut in it): the same bound, nothing new
    again = rowcuts.separate(columns, model, pool, at=math.inf, again=plain)
    assert again.lp is plain.lp
    assert again.triples == [] and again.bound == pytest.approx(1100.0)


def test_no_lp_in_time_gives_no_bound() -> None:
    columns, model = _odd_cycle()
    pool = np.arange(len(columns), dtype=np.int64)
    found = rowcuts.separate(columns, model, pool, at=0.0)
    assert found.triples == [] and found.bound == -math.inf


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_cuts_hold_for_every_plan_and_bound_below_the_optimum(name: str) -> None:
    graph, settings = SMALL_GRIDS[name]
    problem = problem_of(graph, settings)
    columns = build_columns(problem, [piece_candidates(problem, p) for p in problem.pieces])
    model = Partition.of_area(problem)
    pool = np.arange(len(columns), dtype=np.int64)
    found = rowcuts.separate(columns, model, pool, rank=None, at=math.inf)
    best = brute_force_optimum(graph, settings)
    assert best is not None
    assert found.bound / SCALE <= best + 1e-6 * max(1.0, abs(best))
    outcome = partition(problem, columns)
    assert outcome.status == "optimal"
    table = rowcuts._membership(columns, outcome.chosen, model.n_practices)
    for triple in found.triples:
        assert len(rowcuts.covers_two(table, triple)) <= 1
    # and every triple's cut holds for any plan: two networks holding two of three
    # practices each share one of them
    for a, b in itertools.combinations(range(len(outcome.chosen)), 2):
        assert not (table[a] & table[b]).any()


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_violated_triples_are_every_broken_cut(name: str) -> None:
    """Triples sought among each practice's partners: every broken cut, none other.

    Checked against every triple of practices at random LP values over the grid's columns
    (the search by partners is what makes a round fast on E38000243's window).
    """
    graph, settings = SMALL_GRIDS[name]
    problem = problem_of(graph, settings)
    columns = build_columns(problem, [piece_candidates(problem, p) for p in problem.pieces])
    n = len(problem.practices)
    pool = np.arange(len(columns), dtype=np.int64)
    table = rowcuts._membership(columns, pool, n)
    by_practice = rowcuts._by_practice(columns, pool, n)
    assert np.array_equal(by_practice, table.T)
    rng = np.random.default_rng(7)
    for _ in range(20):
        values = np.where(rng.random(len(pool)) < 0.3, rng.random(len(pool)), 0.0)
        values /= max(1.0, float((table * values[:, None]).sum(axis=0).max()))  # cover ≤ 1
        expected = {}
        for triple in itertools.combinations(range(n), 3):
            side = float(values[rowcuts.covers_two(table, triple)].sum())
            if side > 1.0 + rowcuts._VIOLATION:
                expected[triple] = side
            assert np.array_equal(
                rowcuts._covering_two(by_practice, triple), rowcuts.covers_two(table, triple)
            )
        found = rowcuts._violated(by_practice, values)
        assert {triple for _, triple in found} == set(expected)
        for side, triple in found:
            assert side == pytest.approx(expected[triple])
        assert [side for side, _ in found] == sorted((side for side, _ in found), reverse=True)
