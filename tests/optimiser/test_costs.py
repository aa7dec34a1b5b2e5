"""Cost terms, each checked by hand on three practices, and their one combination."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from footprints.metrics import compactness as metrics_compactness
from footprints.metrics import network_table
from footprints.optimiser import OptimiseSettings
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.costs import (
    SCALE,
    band_deviation,
    compactness,
    move_costs,
    set_costs,
    set_populations,
    straddling,
)
from footprints.optimiser.problem import practice_arrays
from footprints.plan import Band, Plan


def _three() -> nx.Graph:
    """A (10,000 at 0,0 km, patch X), B (20,000 at 3,0, Y), C (10,000 at 0,4, Y)."""
    graph = nx.Graph(area="T")
    graph.add_node("A", list_size=10_000, x=0.0, y=0.0, patch="X")
    graph.add_node("B", list_size=20_000, x=3_000.0, y=0.0, patch="Y")
    graph.add_node("C", list_size=10_000, x=0.0, y=4_000.0, patch="Y")
    graph.add_edges_from([("A", "B"), ("A", "C")])
    return graph


#: The weighted centre is (1.5, 1.0) km: A and B are √3.25 km from it, C √11.25 km.
THREE_COMPACTNESS = 30_000 * math.sqrt(3.25) + 10_000 * math.sqrt(11.25)


def test_compactness_of_three_practices_by_hand() -> None:
    practices = practice_arrays(_three())[1]
    sets = CandidateSets.of([[0, 1, 2], [0], [1, 2]])
    found = compactness(sets, population=practices.population, x=practices.x_km, y=practices.y_km)
    # B and C: centre (2, 4/3); B is √(1 + 16/9) km away, C √(4 + 64/9).
    pair = 20_000 * math.sqrt(1 + 16 / 9) + 10_000 * math.sqrt(4 + 64 / 9)
    assert found.tolist() == pytest.approx([THREE_COMPACTNESS, 0.0, pair])


def test_compactness_of_a_set_with_no_patients_is_zero() -> None:
    sets = CandidateSets.of([[0, 1]])
    found = compactness(
        sets,
        population=np.zeros(2, np.int64),
        x=np.array([0.0, 5.0]),
        y=np.array([0.0, 0.0]),
    )
    assert found.tolist() == [0.0]


def test_straddling_of_three_practices_by_hand() -> None:
    practices = practice_arrays(_three())[1]
    sets = CandidateSets.of([[0, 1, 2], [1, 2], [0, 1]])
    found = straddling(sets, population=practices.population, patch=practices.patch)
    # X holds 10,000 and Y 30,000: A's 10,000 straddle. B, C: one patch. A, B: B's larger.
    assert found.tolist() == [10_000, 0, 10_000]


def test_practices_without_a_patch_never_straddle() -> None:
    sets = CandidateSets.of([[0, 1, 2]])
    found = straddling(
        sets, population=np.array([5, 7, 9], np.int64), patch=np.array([-1, 0, 1], np.int64)
    )
    assert found.tolist() == [7]


def test_population_and_band_deviation() -> None:
    practices = practice_arrays(_three())[1]
    population = set_populations(CandidateSets.of([[0, 1, 2], [0]]), practices.population)
    assert population.tolist() == [40_000, 10_000]
    assert band_deviation(population, Band()).tolist() == [0, 20_000]
    assert band_deviation(population, Band(45_000, 60_000)).tolist() == [5_000, 35_000]
    assert band_deviation(np.array([70_000]), Band()).tolist() == [20_000]


def test_the_terms_combine_in_set_costs() -> None:
    practices = practice_arrays(_three())[1]
    settings = OptimiseSettings(
        compactness_weight=2.0, straddle_weight=3.0, network_cost=1_000.0, band_penalty=5.0
    )
    population, cost = set_costs(CandidateSets.of([[0, 1, 2], [0]]), practices, settings)
    assert population.tolist() == [40_000, 10_000]
    whole = 2.0 * THREE_COMPACTNESS + 3.0 * 10_000 + 1_000.0
    alone = 1_000.0 + 5.0 * 20_000
    assert cost.tolist() == [round(whole * SCALE), round(alone * SCALE)]
    assert set_costs(CandidateSets.of([]), practices, settings)[1].tolist() == []


def test_moves_cost_move_weight_each() -> None:
    settings = OptimiseSettings(move_weight=10_000.0)
    assert move_costs(np.array([0, 2], np.int64), settings).tolist() == [0, 2 * 10_000 * SCALE]


def test_metrics_reports_the_same_compactness() -> None:
    """metrics' compactness is the cost term divided by the population (km per patient)."""
    graph = _three()
    plan = Plan({"A": "N", "B": "N", "C": "N"})
    assert metrics_compactness(plan, graph) == {"N": pytest.approx(THREE_COMPACTNESS / 40_000)}
    table = network_table(plan, graph)
    assert table["compactness_km"].tolist() == [pytest.approx(THREE_COMPACTNESS / 40_000)]
