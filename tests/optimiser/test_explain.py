"""Explanations: networks outside the band and why, named with their practices and numbers."""

from __future__ import annotations

import networkx as nx
import numpy as np

from footprints.optimiser import optimise_area
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import build_columns
from footprints.optimiser.explain import area_result, soft_reason
from footprints.optimiser.pieces import Piece
from footprints.optimiser.proof import Outcome
from footprints.plan import Band

from .grids import FAST, check_plan, grid, networks_of, problem_of

# --------------------------------------------------------------------------- the stage alone


def test_a_soft_networks_sentence_names_its_practices_and_numbers() -> None:
    """The result of a hand-made outcome: one network of the whole 22,000-patient area."""
    problem = problem_of(grid(1, 2, [10_000, 12_000]))
    columns = build_columns(problem, [CandidateSets.of([[0, 1]])])
    cost = int(columns.col_cost[0])
    outcome = Outcome("optimal", cost, float(cost), np.array([0], np.int64), 1, [])
    result = area_result(problem, columns, outcome)
    assert result.assignment == {"P00": "T-N01", "P01": "T-N01"}
    assert result.soft_networks == ["T-N01"]
    assert result.explanations == [
        "Network T-N01 (P00, P01) has 22,000 patients, 8,000 below the minimum 30,000: "
        "practices P00, P01 (22,000 patients) are the whole area, so no network of them can "
        "reach the minimum 30,000."
    ]
    assert result.objective == cost / 100 and result.gap == 0.0


def test_an_outcome_without_a_plan_keeps_its_notes() -> None:
    problem = problem_of(grid(1, 2, [20_000, 20_000]))
    columns = build_columns(problem, [], repair=False)
    outcome = Outcome.without_plan("timed out", 0, ["no plan was found"])
    result = area_result(problem, columns, outcome)
    assert result.status == "timed out" and result.assignment == {}
    assert result.explanations == ["no plan was found"]


def test_soft_reason_names_the_practices_that_make_the_band_soft() -> None:
    piece = Piece([0, 1, 2], 96_000, soft=True, reason="practice P01 is in no group")
    piece.practice_reasons = {1: "practice P01 is in no group"}
    assert soft_reason(piece, [0, 1], FAST) == "practice P01 is in no group"
    other = soft_reason(piece, [2], FAST)
    assert other.startswith("the band is soft in this part of the area (practice P01")
    assert "the band penalty is 100 per patient" in other


# --------------------------------------------------------------------------- end to end


def test_practice_over_the_maximum_is_its_own_soft_network() -> None:
    sizes = [10_000] * 8 + [64_000]
    graph = grid(3, 3, sizes)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    big = result.assignment["P22"]
    assert networks_of(result.assignment)[big] == {"P22"}
    assert result.soft_networks == [big]
    text = " ".join(result.explanations)
    assert "P22" in text and "64,000" in text and "50,000" in text


def test_soft_band_reasons_name_only_the_networks_they_explain() -> None:
    # P01 can be in no in-band network; P03-P05 (60,000) cannot be split in band either, so
    # a network without P01 is out of band too, and must not be blamed on P01.
    graph = grid(1, 6, [45_000, 6_000, 45_000, 20_000, 20_000, 20_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    members = networks_of(result.assignment)
    assert len(result.soft_networks) == 2
    for network in result.soft_networks:
        [line] = [e for e in result.explanations if e.startswith(f"Network {network} ")]
        if "P01" in members[network]:
            assert line.endswith(
                "P01 (6,000 patients) is in no contiguous group of 30,000–50,000 patients."
            )
        else:
            assert ": the band is soft in this part of the area (practice P01" in line


def test_area_under_the_minimum_is_one_soft_network() -> None:
    graph = grid(2, 2, [5_000, 6_000, 7_000, 4_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.networks == 1
    assert len(result.soft_networks) == 1
    text = " ".join(result.explanations)
    assert "22,000" in text and "30,000" in text and "P00" in text


def test_island_under_the_minimum_is_explained() -> None:
    graph = grid(3, 3, [10_000] * 9)
    graph.add_node("ISL", list_size=12_000, x=20_000.0, y=0.0, patch=None)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.assignment["ISL"] in result.soft_networks
    assert any("ISL" in line and "12,000" in line for line in result.explanations)
    # The mainland is still planned in band.
    assert len(result.soft_networks) == 1


def test_population_no_number_of_networks_fits_is_explained() -> None:
    graph = grid(1, 2, [28_000, 28_000])  # 56,000: over one network, under two
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.soft_networks
    assert any("56,000" in line for line in result.explanations)


def test_practice_in_no_in_band_group_is_explained() -> None:
    # A star: every leaf reaches the band only with the hub, which can join just one.
    graph = nx.Graph(area="S")
    graph.add_node("HUB", list_size=10_000, x=0.0, y=0.0)
    for k, (x, y) in enumerate([(1, 0), (0, 1), (-1, 0)]):
        graph.add_node(f"L{k}", list_size=25_000, x=x * 3000.0, y=y * 3000.0)
        graph.add_edge("HUB", f"L{k}")
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.soft_networks
    assert any("cannot be partitioned" in line for line in result.explanations)
    # Deviation is kept to what the area forces: two lone leaves, 5,000 short each.
    deviation = sum(
        abs(Band().gap(sum(graph.nodes[p]["list_size"] for p in members)))
        for members in networks_of(result.assignment).values()
    )
    assert deviation == 10_000


def test_practice_in_no_in_band_group_is_named() -> None:
    # P01 (6,000) sits between two 45,000 practices: any group with it is out of band.
    graph = grid(1, 3, [45_000, 6_000, 45_000])
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert any("P01" in line and "no contiguous group" in line for line in result.explanations)


def test_locks_that_force_a_small_network_are_explained() -> None:
    graph = grid(1, 3, [15_000, 15_000, 15_000])
    result = optimise_area(graph, FAST, locked={"P00": "A", "P02": "B"})
    check_plan(graph, result)
    assert result.assignment["P00"] == "A" and result.assignment["P02"] == "B"
    assert len(result.soft_networks) == 1
    assert any("locks" in line and "15,000" in line for line in result.explanations)


def test_nesting_is_said_impossible_only_when_proved() -> None:
    """Two patches of 40,000 patients, each a network of its own: a nesting plan exists.

    A plan found in time that still straddles, with no bound proved (Kent and Medway with
    its districts as patches, 5 s), must not be told "No plan nests every network in a
    patch": that is what a bound above zero proves, or a patch that cannot be split."""
    from footprints.optimiser.explain import priority_notes
    from footprints.optimiser.settings import AreaResult, PriorityResult

    graph = grid(1, 4, [20_000] * 4, patches=["A", "A", "B", "B"])
    problem = problem_of(graph)
    straddling = {"P00": "N1", "P01": "N2", "P02": "N2", "P03": "N3"}
    result = AreaResult("T", straddling, "feasible")
    unproved = priority_notes(problem, [PriorityResult("straddling networks", 1, None)], result)
    assert len(unproved) == 1 and "the fewest found (no bound could be proved)" in unproved[0]
    assert "N2 (A 20,000, B 20,000 patients)" in unproved[0]
    assert "No plan nests" not in unproved[0]
    proved = priority_notes(problem, [PriorityResult("straddling networks", 1, 1)], result)
    assert "No plan nests every network in a patch with the locks and filters" in proved[0]


def test_a_prioritys_note_counts_one_in_the_singular_and_others_in_the_plural() -> None:
    """'1 practice moved', '3 practices moved', '0 networks straddling patches': no '(s)'."""
    from footprints.optimiser.explain import priority_notes
    from footprints.optimiser.settings import PriorityResult

    problem = problem_of(grid(1, 2, [10_000, 12_000]))
    notes = priority_notes(
        problem,
        [
            PriorityResult("moves", 1, 1),
            PriorityResult("patients moved", 3, 2),
            PriorityResult("straddling patients", 1, None),
        ],
        None,  # type: ignore[arg-type]  # not read for these priorities
    )
    assert notes == [
        "Least change: 1 practice moved, the proved minimum.",
        "Least change: 3 patients moved, the fewest found; the proved bound is 2 (gap 33%).",
        "Patches first: 1 patient outside their network's main patch, the fewest found (no bound"
        " could be proved).",
    ]
