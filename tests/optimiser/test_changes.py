"""Why each practice moved (``changes.moved_practices``): the "room" reasons of a chain of moves.

``test_priorities.py`` checks the moves that fix a rule and the forced ones; here a
compliant network passes a practice on so that a broken network can be fixed, and each move
of the chain says which network it makes room in or whose place it takes. The plans are
given by hand (one row of practices, ``P0<c>``), so the reasons are checked alone.
"""

from __future__ import annotations

import networkx as nx

from footprints.optimiser import Move
from footprints.optimiser.changes import moved_practices

from .grids import grid, problem_of, replace_settings

LEAST = replace_settings(least_change=True)


def _moves(graph: nx.Graph, current: dict[str, str], new: dict[str, str]) -> dict[str, Move]:
    """Each practice moved from ``current`` to ``new``, with why."""
    problem = problem_of(graph, LEAST, current=current)
    return {move.practice: move for move in moved_practices(problem, new)}


def test_a_practice_leaving_a_full_network_makes_room_for_the_one_moving_in() -> None:
    """O (50,000) must take W's lone P07 (below the minimum): O's P03 leaves for V."""
    sizes = [10_000] * 3 + [12_500] * 4 + [10_000]
    graph = grid(1, 8, sizes)
    current = {"P00": "V", "P01": "V", "P02": "V", "P03": "O", "P04": "O"}
    current |= {"P05": "O", "P06": "O", "P07": "W"}
    new = current | {"P03": "V", "P07": "O"}
    moves = _moves(graph, current, new)
    assert sorted(moves) == ["P03", "P07"]
    fixes, room = moves["P07"], moves["P03"]
    assert (fixes.reason, fixes.rule, fixes.network) == ("fixes", "band", "W")
    assert (room.reason, room.rule, room.network) == ("room", None, "O")
    assert room.text == (
        "P03 (12,500 patients) moves from O to V: it makes room in O for P07 (from W)"
    )


def test_a_practice_joining_a_network_takes_the_place_of_the_one_that_left() -> None:
    """S (20,000) takes A's P02; A (30,000 before) takes B's P05 in its place."""
    graph = grid(1, 9, [10_000] * 9)
    current = {"P00": "S", "P01": "S", "P02": "A", "P03": "A", "P04": "A"}
    current |= {f"P0{c}": "B" for c in range(5, 9)}
    new = current | {"P02": "S", "P05": "A"}
    moves = _moves(graph, current, new)
    assert sorted(moves) == ["P02", "P05"]
    fixes, room = moves["P02"], moves["P05"]
    assert (fixes.reason, fixes.rule, fixes.network) == ("fixes", "band", "S")
    assert "it fixes S, which has 20,000 patients, 10,000 below the minimum 30,000" in fixes.text
    assert (room.reason, room.rule, room.network) == ("room", None, "A")
    assert room.text == (
        "P05 (10,000 patients) moves from B to A: it takes the place in A of P02 (now in S)"
    )


def test_a_plan_with_no_current_plan_has_no_moves() -> None:
    graph = grid(1, 3, [10_000] * 3)
    problem = problem_of(graph, LEAST)
    assert moved_practices(problem, {"P00": "N", "P01": "N", "P02": "N"}) == ()
