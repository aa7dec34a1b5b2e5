"""Reading an area into an AreaProblem: arrays, fixed networks, pieces, locks, current plan."""

from __future__ import annotations

import networkx as nx
import pytest

from footprints.errors import InfeasibleError
from footprints.optimiser import optimise_area
from footprints.optimiser.problem import practice_arrays

from .grids import FAST, AtMostPractices, grid, home_grid, problem_of, replace_settings


def test_practice_arrays_read_the_graph() -> None:
    graph = grid(2, 2, [1_000, 2_000, 3_000, 4_000], patches=["B", "A", "B", None], area="Z")
    name, practices = practice_arrays(graph)
    assert name == "Z"
    assert practices.codes == ["P00", "P01", "P10", "P11"]
    assert practices.index == {"P00": 0, "P01": 1, "P10": 2, "P11": 3}
    assert practices.population.tolist() == [1_000, 2_000, 3_000, 4_000]
    assert practices.x_km.tolist() == [0.0, 2.0, 0.0, 2.0]
    assert practices.y_km.tolist() == [0.0, 0.0, -2.0, -2.0]
    assert practices.patch.tolist() == [0, 1, 0, -1]  # numbered as first met; -1: none
    assert practices.neighbours == [0b0110, 0b1001, 0b1001, 0b0110]
    assert len(practices) == 4


def test_bad_practice_attributes_are_all_named() -> None:
    graph = nx.Graph(area="B")
    graph.add_node("X1", list_size=-5, x=0.0, y=0.0)
    graph.add_node("X2", list_size=10, x="east", y=0.0)
    with pytest.raises(ValueError, match=r"X1: list_size -5 .*X2: x/y"):
        practice_arrays(graph)


def test_pieces_fixed_networks_locks_and_the_current_plan() -> None:
    graph = grid(2, 4, [10_000, 10_000, 10_000, 10_000, 10_000, 60_000, 10_000, 10_000])
    current = {"P00": "X", "P01": "X", "P02": "Y", "P03": "Y", "P10": "X", "P11": "Z"}
    problem = problem_of(graph, current=current, locked={"P00": "L", "P01": "L"})
    # P11 (60,000) is a network of its own; the rest is one piece of 70,000.
    assert [f.members for f in problem.fixed] == [[5]]
    assert "60,000" in problem.fixed[0].soft_reason
    [piece] = problem.pieces
    assert piece.nodes == [0, 1, 2, 3, 4, 6, 7]
    assert piece.population == 70_000
    assert piece.k_range == (2, 2)
    assert problem.locks.groups == {"L": [0, 1]}
    assert problem.locks.lock_of == [0, 0, -1, -1, -1, -1, -1, -1]
    assert problem.locks.masks == [0b11]
    assert problem.locks.kept([[0, 1, 2]]) and not problem.locks.kept([[0, 2]])
    assert problem.current.ids == ["X", "Y"]  # Z's only practice is fixed
    assert problem.current.index is not None
    assert problem.current.index.tolist() == [0, 0, 1, 1, 0, -1, -1, -1]
    assert problem_of(graph).current.index is None


def test_frozen_networks_need_a_current_plan() -> None:
    with pytest.raises(InfeasibleError, match="need a current plan"):
        problem_of(grid(2, 2, [10_000] * 4), frozen=["X"])


def test_contradictory_locks_raise_infeasible_error() -> None:
    graph = grid(1, 3, [15_000, 15_000, 15_000])
    locked = {"P00": "N1", "P02": "N1", "P01": "N2"}
    with pytest.raises(InfeasibleError, match=r"P00.*P02"):
        optimise_area(graph, FAST, locked=locked)


def test_lock_clashing_with_frozen_network_raises() -> None:
    graph = grid(2, 4, [10_000] * 8)
    current = {f"P{r}{c}": ("X" if c < 2 else "Y") for r in range(2) for c in range(4)}
    with pytest.raises(InfeasibleError, match="P00"):
        optimise_area(graph, FAST, current=current, frozen=["X"], locked={"P00": "Y"})


def test_a_fixed_network_the_filters_refuse_is_infeasible() -> None:
    graph = grid(2, 2, [10_000, 10_000, 10_000, 60_000])
    refuse_all = replace_settings(candidate_filters=(AtMostPractices(0),))
    with pytest.raises(InfeasibleError, match=r"P11.*candidate filters refuse"):
        problem_of(graph, refuse_all)
    assert (
        len(problem_of(graph, replace_settings(candidate_filters=(AtMostPractices(1),))).fixed) == 1
    )


def test_home_arrays_are_centred_moments_that_add_up() -> None:
    # P00's 100 patients live at (1, 0) km and (1, 2) km, half each; P01's 300 at (5, 1) km.
    graph = home_grid(
        1,
        2,
        [1_000, 2_000],
        [[(1_000.0, 0.0, 50, "A"), (1_000.0, 2_000.0, 50, "B")], [(5_000.0, 1_000.0, 300, "B")]],
    )
    homes = practice_arrays(graph)[1].homes
    assert homes is not None
    assert homes.origin == pytest.approx((4.0, 1.0))  # the mean home: (100·1 + 300·5) / 400
    assert homes.patients.tolist() == [100, 300]
    assert homes.sum_x.tolist() == pytest.approx([100 * -3.0, 300 * 1.0])
    assert homes.sum_y.tolist() == pytest.approx([0.0, 0.0])
    # P00: spread 1 km² about (1, 1), which is (−3, 0) from the origin; P01: (1, 0), none.
    assert homes.sum_sq.tolist() == pytest.approx([100 * (1 + 9), 300 * 1])
    assert homes.patch_names == ["A", "B"]
    assert homes.patches.tolist() == [[50, 50], [0, 300]]
    assert homes.patched.tolist() == [100, 300]


def test_bad_home_attributes_are_all_named() -> None:
    graph = home_grid(1, 3, [1_000] * 3, [[(0.0, 0.0, 10, None)]] * 3)
    del graph.nodes["P00"]["home_patients"]
    graph.nodes["P01"]["home_x"] = float("nan")
    graph.nodes["P02"]["home_patches"] = {"A": -4}
    with pytest.raises(
        ValueError, match=r"P00: home_patients None.*P01: home_x.*P02: home_patches"
    ):
        practice_arrays(graph)
    # Without registration geography the same nodes are read as before.
    graph.graph["geography"] = "voronoi"
    assert practice_arrays(graph)[1].homes is None
