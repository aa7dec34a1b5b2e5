"""Networks decided before solving, and pieces certified soft with the reason in words."""

from __future__ import annotations

from footprints.optimiser.pieces import names, prepare, split_pieces
from footprints.optimiser.problem import practice_arrays
from footprints.plan import Band

from .grids import grid


def test_names_are_cut_after_twelve() -> None:
    assert names(["A", "B"]) == "A, B"
    codes = [f"P{k:02d}" for k in range(15)]
    assert names(codes) == ", ".join(codes[:12]) + " and 3 more"


def test_a_population_no_number_of_networks_fits_is_soft() -> None:
    practices = practice_arrays(grid(1, 2, [28_000, 28_000]))[1]
    [piece] = split_pieces(practices, Band(), [0, 1], [])
    assert piece.soft and piece.k_range is None
    assert piece.reason == (
        "practices P00, P01 (2 practices, 56,000 patients) cannot be split into networks of "
        "30,000–50,000: 1 network holds at most 50,000 and 2 need at least 60,000"
    )
    practices = practice_arrays(grid(1, 3, [28_000, 28_000, 28_000]))[1]
    [piece] = split_pieces(practices, Band(30_000, 40_000), [0, 1, 2], [])
    assert piece.reason is not None
    assert piece.reason.endswith(
        "30,000–40,000: 2 networks hold at most 80,000 and 3 need at least 90,000"
    )  # it read '1 network(s) hold', '2 network(s) hold'


def test_a_piece_under_the_minimum_says_what_cuts_it_off() -> None:
    graph = grid(1, 3, [10_000, 60_000, 10_000])
    practices = practice_arrays(graph)[1]
    fixed, free, _ = prepare(
        practices,
        area="T",
        band=Band(),
        current_map={},
        locked_map={},
        frozen_ids=set(),
        frozen_map={},
    )
    assert [f.members for f in fixed] == [[1]] and free == [0, 2]
    left, right = split_pieces(practices, Band(), free, fixed)
    assert left.soft and right.soft
    assert left.reason == (
        "practice P00 (10,000 patients) is joined to the rest of the area only through "
        "practice P01, so no network of it can reach the minimum 30,000"
    )


def test_a_hard_piece_gets_its_network_count() -> None:
    practices = practice_arrays(grid(2, 4, [10_000] * 8))[1]
    [piece] = split_pieces(practices, Band(), list(range(8)), [])
    assert not piece.soft and piece.k_range == (2, 2)
    piece.make_soft("because", {3: "practice P03 is alone"})
    assert (
        piece.soft
        and piece.k_range is None
        and piece.practice_reasons == {3: "practice P03 is alone"}
    )
