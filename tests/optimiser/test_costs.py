"""Cost terms, each checked by hand on three practices (on each geography), and their one
combination."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from footprints.metrics import compactness as metrics_compactness
from footprints.metrics import network_table
from footprints.optimiser import OptimiseSettings, costs
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.costs import (
    SCALE,
    band_deviation,
    compactness,
    move_costs,
    patches_touched,
    set_costs,
    set_populations,
    straddling,
)
from footprints.optimiser.problem import practice_arrays
from footprints.plan import Band, Plan

from .grids import network_cost, with_homes


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


def test_patches_touched_counts_each_sets_distinct_patches() -> None:
    patch = np.array([-1, 0, 1, 1, 2], np.int64)
    sets = CandidateSets.of([[0, 1, 2, 3], [2, 3], [0], [1, 4, 2]])
    assert patches_touched(sets, patch=patch).tolist() == [2, 1, 0, 3]
    assert patches_touched(CandidateSets.of([]), patch=patch).tolist() == []


def test_patch_weight_prices_each_patch_a_network_works_into() -> None:
    practices = practice_arrays(_three())[1]
    sets = CandidateSets.of([[0, 1, 2], [1, 2], [0]])
    plain = OptimiseSettings()
    weighted = OptimiseSettings(patch_weight=7_000.0)
    extra = set_costs(sets, practices, weighted)[1] - set_costs(sets, practices, plain)[1]
    # A in X, B and C in Y: the whole works into two patches, B + C and A alone into one.
    assert extra.tolist() == [2 * 7_000 * SCALE, 7_000 * SCALE, 7_000 * SCALE]


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
        compactness_weight=2.0,
        straddle_weight=3.0,
        network_cost=1_000.0,
        band_penalty=5.0,
        out_of_band_cost=7_000.0,
    )
    population, cost = set_costs(CandidateSets.of([[0, 1, 2], [0]]), practices, settings)
    assert population.tolist() == [40_000, 10_000]
    whole = 2.0 * THREE_COMPACTNESS + 3.0 * 10_000 + 1_000.0
    alone = 1_000.0 + 5.0 * 20_000 + 7_000.0  # out of band: the penalty and the charge
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


# ----------------------------------------------------------------- registration geography

X0, Y0 = 500_000.0, 200_000.0  # homes far from the origin: the moments must be centred


def _homes_three() -> nx.Graph:
    """A, B, C on registration geography (sites as in :func:`_three`).

    A's 500 patients live 1 km west of (X0, Y0 + 1 km), B's 500 1 km east of it; C's 600
    live 2 km north and south of (X0, Y0), half each. Patches: A's homes are in X, B's in Y,
    C's in X and Y.
    """
    return with_homes(
        _three(),
        {
            "A": [(X0 - 1_000, Y0 + 1_000, 500, "X")],
            "B": [(X0 + 1_000, Y0 + 1_000, 500, "Y")],
            "C": [(X0, Y0 + 2_000, 300, "X"), (X0, Y0 - 2_000, 300, "Y")],
        },
    )


def test_home_compactness_is_population_times_rms_distance_by_hand() -> None:
    practices = practice_arrays(_homes_three())[1]
    sets = CandidateSets.of([[0, 1], [0], [2], [0, 1, 2]])
    found = compactness(
        sets,
        population=practices.population,
        x=practices.x_km,
        y=practices.y_km,
        homes=practices.homes,
    )
    # A and B: homes 1 km either side of their centre, RMS 1 km; A alone: one place, 0 km;
    # C alone: 2 km; all three: centre (X0, Y0 + 0.625 km), so
    # Σ n·d² = 1,000 × (1 + 0.375²) + 600 × (4 + 0.625²) = 3,775 over 1,600 patients.
    assert found.tolist() == pytest.approx(
        [30_000 * 1.0, 0.0, 10_000 * 2.0, 40_000 * math.sqrt(3_775 / 1_600)], abs=1e-6
    )


def test_home_straddling_counts_patients_outside_the_main_patch_by_hand() -> None:
    practices = practice_arrays(_homes_three())[1]
    sets = CandidateSets.of([[0, 1], [0], [2], [0, 1, 2], [0, 2]])
    found = straddling(
        sets, population=practices.population, patch=practices.patch, homes=practices.homes
    )
    # A+B: X 500, Y 500 → 500; A: 0; C: X 300, Y 300 → 300; all: X 800, Y 800 → 800;
    # A+C: X 800, Y 300 → 300.
    assert found.tolist() == [500, 0, 300, 800, 300]


def test_patches_no_set_can_have_as_largest_are_left_out_of_the_matrix() -> None:
    graph = with_homes(
        _three(),
        {
            "A": [(X0, Y0, 300, "X"), (X0, Y0, 200, "Y"), (X0, Y0, 5, "W"), (X0, Y0, 9, None)],
            "B": [(X0, Y0, 100, "X"), (X0, Y0, 400, "Y"), (X0, Y0, 3, "W")],
            "C": [],
        },
    )
    # W has 1,000 residents: no set holds the 50 that would make it work into the set.
    graph.graph["patch_residents"]["W"] = 1_000
    homes = practice_arrays(graph)[1].homes
    assert homes is not None
    # Every practice with patched homes has at least 300 in one patch; W holds 8 in all.
    assert homes.patch_names == ["X", "Y"]
    assert homes.patched.tolist() == [505, 503, 0]
    sets = CandidateSets.of([[0, 1], [0], [1], [2], [0, 1, 2]])
    found = straddling(sets, population=np.zeros(3, np.int64), patch=np.zeros(3), homes=homes)
    assert found.tolist() == [1_008 - 600, 505 - 300, 503 - 400, 0, 1_008 - 600]


def test_a_patch_a_set_can_work_into_is_kept_though_never_its_largest() -> None:
    graph = with_homes(
        _three(),
        {
            "A": [(X0, Y0, 300, "X"), (X0, Y0, 200, "Y"), (X0, Y0, 5, "W")],
            "B": [(X0, Y0, 100, "X"), (X0, Y0, 400, "Y"), (X0, Y0, 3, "W")],
            "C": [],
        },
    )
    # W has 100 residents: 5 of them make it work into A's sets (the 5% rule).
    graph.graph["patch_residents"]["W"] = 100
    homes = practice_arrays(graph)[1].homes
    assert homes is not None and homes.working is not None
    assert homes.patch_names == ["W", "X", "Y"]
    assert homes.working.tolist() == [5, 20, 30]
    sets = CandidateSets.of([[0, 1], [0], [1], [2]])
    assert costs.working_patches(sets, homes).tolist() == [3, 3, 2, 0]
    found = straddling(sets, population=np.zeros(3, np.int64), patch=np.zeros(3), homes=homes)
    assert found.tolist() == [1_008 - 600, 505 - 300, 503 - 400, 0]


def test_home_straddling_in_small_pieces_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    practices = practice_arrays(_homes_three())[1]
    sets = CandidateSets.of([[0, 1], [0], [2], [0, 1, 2], [0, 2], [1, 2]])
    whole = straddling(
        sets, population=practices.population, patch=practices.patch, homes=practices.homes
    )
    monkeypatch.setattr(costs, "_PATCH_CELLS", 1)
    pieces = straddling(
        sets, population=practices.population, patch=practices.patch, homes=practices.homes
    )
    assert pieces.tolist() == whole.tolist() == [500, 0, 300, 800, 300, 300]


def test_home_terms_combine_in_set_costs_as_the_brute_force_says() -> None:
    graph = _homes_three()
    practices = practice_arrays(graph)[1]
    settings = OptimiseSettings(
        band=Band(0, 100_000),
        compactness_weight=2.0,
        home_straddle_weight=3.0,
        network_cost=1_000.0,
    )
    networks = [["A", "B"], ["A", "B", "C"], ["C"]]
    sets = CandidateSets.of([[practices.index[p] for p in n] for n in networks])
    _, cost = set_costs(sets, practices, settings)
    expected = [network_cost(graph, n, settings) for n in networks]
    assert cost.tolist() == [round(e * SCALE) for e in expected]


def test_home_attributes_are_not_read_off_registration_geography() -> None:
    """A graph whose geography is not "registrations" costs as it always did."""
    graph = _homes_three()
    graph.graph["geography"] = "voronoi"
    practices = practice_arrays(graph)[1]
    assert practices.homes is None
    settings = OptimiseSettings()
    _, cost = set_costs(CandidateSets.of([[0, 1, 2]]), practices, settings)
    # The Voronoi terms at the default weights: A's 10,000 patients outside patch Y.
    voronoi = (
        settings.compactness_weight * THREE_COMPACTNESS
        + settings.straddle_weight * 10_000
        + settings.network_cost
    )
    assert cost.tolist() == [round(voronoi * SCALE)]


def test_metrics_reports_the_rms_distance_of_homes() -> None:
    graph = _homes_three()
    plan = Plan({"A": "N1", "B": "N1", "C": "N2"})
    assert metrics_compactness(plan, graph) == {"N1": pytest.approx(1.0), "N2": pytest.approx(2.0)}
    table = network_table(plan, graph)
    assert table["compactness_km"].tolist() == [pytest.approx(1.0), pytest.approx(2.0)]
