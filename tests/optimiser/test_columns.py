"""Columns: each piece's allowed candidates, current networks kept, and moves per column."""

from __future__ import annotations

import numpy as np

from footprints.optimiser.candidates import CandidateSets, nearest_practices
from footprints.optimiser.columns import (
    around,
    build_columns,
    keep_allowed,
    piece_candidates,
    plan_columns,
    with_current_networks,
)

from .grids import AtMostPractices, connected_subsets, grid, listed, problem_of, replace_settings


def test_a_hard_piece_gets_every_in_band_connected_set() -> None:
    graph = grid(3, 3, [10_000] * 9)
    problem = problem_of(graph)
    sets = piece_candidates(problem, problem.pieces[0])
    assert listed(sets, problem.practices) == connected_subsets(graph, 30_000, 50_000)


def test_filters_remove_candidates_and_a_practice_left_in_none_softens_its_piece() -> None:
    graph = grid(2, 3, [10_000] * 6)
    three = problem_of(graph, replace_settings(candidate_filters=(AtMostPractices(3),)))
    sets = piece_candidates(three, three.pieces[0])
    assert listed(sets, three.practices) == {
        s for s in connected_subsets(graph, 30_000, 50_000) if len(s) <= 3
    }
    assert not three.pieces[0].soft
    one = problem_of(graph, replace_settings(candidate_filters=(AtMostPractices(1),)))
    sets = piece_candidates(one, one.pieces[0])
    piece = one.pieces[0]
    assert piece.soft and set(piece.practice_reasons) == set(range(6))
    assert "that passes the candidate filters" in piece.reason
    assert listed(sets, one.practices) == {(code,) for code in one.practices.codes}


def test_keep_allowed_is_the_identity_without_filters() -> None:
    problem = problem_of(grid(1, 3, [10_000] * 3))
    sets = CandidateSets.of([[0, 1, 2], [1]])
    assert keep_allowed(problem, sets) is sets


def test_columns_pair_candidates_with_the_current_networks_they_overlap() -> None:
    graph = grid(1, 4, [15_000] * 4)
    problem = problem_of(graph, current={"P00": "X", "P01": "X", "P02": "Y", "P03": "Y"})
    sets = CandidateSets.of([[0, 1], [1, 2]])
    columns = build_columns(problem, [sets])
    rows = list(
        zip(
            columns.col_set.tolist(),
            columns.col_match.tolist(),
            columns.col_moves.tolist(),
            strict=True,
        )
    )
    # {P00, P01}: matched to X it moves none, unmatched both. {P01, P02}: one with X or Y.
    assert rows == [(0, -1, 2), (0, 0, 0), (1, -1, 2), (1, 0, 1), (1, 1, 1)]
    move = round(problem.settings.move_weight * 100)
    assert (columns.col_cost - columns.set_cost[columns.col_set]).tolist() == [
        2 * move,
        0,
        2 * move,
        move,
        move,
    ]
    assert plan_columns(columns, np.array([0]), None).tolist() == [1]
    assert build_columns(problem, [sets], repair=False).col_match.tolist() == [-1, -1]


def test_out_of_band_current_networks_join_the_candidates_under_a_budget() -> None:
    graph = grid(1, 4, [10_000] * 4)
    current = {"P00": "X", "P01": "X", "P02": "Y", "P03": "Y"}
    budget = problem_of(graph, replace_settings(max_moves=0), current=current)
    piece_sets = [piece_candidates(budget, budget.pieces[0])]
    extended = with_current_networks(budget, piece_sets)
    assert listed(extended[0], budget.practices) - listed(piece_sets[0], budget.practices) == {
        ("P00", "P01"),
        ("P02", "P03"),
    }
    assert budget.pieces[0].k_range is None
    free = problem_of(graph, current=current)
    assert with_current_networks(free, piece_sets) is piece_sets
    refused = problem_of(
        graph,
        replace_settings(max_moves=0, candidate_filters=(AtMostPractices(1),)),
        current=current,
    )
    assert with_current_networks(refused, piece_sets) is piece_sets


def test_nearest_practices_go_by_steps_in_the_graph_before_the_map() -> None:
    graph = grid(1, 6, [10_000] * 6)  # a row P00 … P05
    graph.nodes["P05"]["x"] = 0.0  # far along the row, but on the map beside P00
    graph.nodes["P05"]["y"] = 100.0
    problem = problem_of(graph)
    index = problem.practices.index
    near = nearest_practices(problem.practices, range(6), index["P00"], 3)
    assert near == [index["P00"], index["P01"], index["P02"]]
    every = nearest_practices(problem.practices, range(6), index["P02"], 6)
    assert every[0] == index["P02"] and sorted(every) == list(range(6))
    assert set(every[1:3]) == {index["P01"], index["P03"]}  # one step first


def test_around_lists_the_in_band_groups_holding_a_missed_practice() -> None:
    graph = grid(4, 4, [9_000, 12_000, 8_000, 11_000] * 4)
    problem = problem_of(graph)
    piece = problem.pieces[0]
    target = problem.practices.index["P21"]
    found = around(problem, piece, [target])
    groups = listed(found, problem.practices)
    expected = {s for s in connected_subsets(graph, 30_000, 50_000) if "P21" in s}
    assert groups and groups <= expected
    # the 12 nearest in the graph hold every group of up to two steps from it
    assert {s for s in expected if len(s) <= 3} <= groups
