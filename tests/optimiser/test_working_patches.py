"""The working-patch term on registration geography (``home_patch_weight``), on rows of
1 km LSOA squares (tests/home_grids.py).

A patch works into a network when the network's patients living in it are at least 5% of
the patch's residents (DESIGN.md); each working patch beyond the first is one more patch
membership and makes the network a straddling one, however few patients cross the line.
"""

from __future__ import annotations

import itertools

from home_grids import home_graph

from footprints.metrics import patch_alignment
from footprints.optimiser import OptimiseSettings, optimise_area
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.costs import SCALE, set_costs, working_patches
from footprints.optimiser.problem import practice_arrays
from footprints.plan import Band, Plan

#: LSOAs L00–L30 lie in patch A, L40–L50 in patch B.
PATCHES = {f"L{c}0": "A" if c < 4 else "B" for c in range(6)}


def _row() -> object:
    """P1–P4 mostly in A, P1 and P2 each with 300 patients in B; Q (B's own) 9,400 there.

    B's residents are 10,000, so a network works into B from 500 of them: P1 and P2
    together (600) do, either alone (300) does not. Every practice's list is 10,000 but
    Q's, 20,000; a band of 15,000–25,000 makes networks of two P's and Q alone.
    """
    homes = {
        "P1": {"L00": 900, "L40": 300},
        "P2": {"L10": 900, "L40": 300},
        "P3": {"L20": 1_200},
        "P4": {"L30": 1_200},
        "Q": {"L50": 9_400},
    }
    sizes = {"P1": 10_000, "P2": 10_000, "P3": 10_000, "P4": 10_000, "Q": 20_000}
    return home_graph(homes, columns=6, list_size=sizes, patch_of_lsoa=PATCHES)


def test_working_patches_counts_what_the_metric_counts_for_every_set() -> None:
    graph = _row()
    practices = practice_arrays(graph)[1]
    assert practices.homes is not None
    codes = list(practices.codes)
    groups = [
        list(group) for size in range(1, 6) for group in itertools.combinations(range(5), size)
    ]
    found = working_patches(CandidateSets.of(groups), practices.homes).tolist()
    for group, count in zip(groups, found, strict=True):
        plan = Plan({codes[i]: "N" for i in group})
        expected = len(patch_alignment(plan, graph).network_patches["N"])
        assert count == expected, [codes[i] for i in group]


def test_set_costs_charge_each_working_patch_beyond_the_first() -> None:
    graph = _row()
    practices = practice_arrays(graph)[1]
    index = practices.index
    sets = CandidateSets.of([[index["P1"], index["P2"]], [index["P1"], index["P3"]]])
    plain = OptimiseSettings(band=Band(15_000, 25_000))
    weighted = OptimiseSettings(band=Band(15_000, 25_000), home_patch_weight=7_000.0)
    _, before = set_costs(sets, practices, plain)
    _, after = set_costs(sets, practices, weighted)
    # P1+P2 work into A and B (600 ≥ 500): one membership beyond the first; P1+P3 only A.
    assert (after - before).tolist() == [7_000 * SCALE, 0]


def test_the_weight_keeps_a_network_under_a_neighbouring_patchs_five_percent() -> None:
    """P1 and P2 sit side by side, so compactness pairs them (600 in B: B works into
    their network, which straddles); with the weight the plan pairs each with a practice
    that has no patients in B, and no network straddles."""
    graph = _row()
    band = Band(15_000, 25_000)

    def straddlers(weight: float) -> tuple[str, ...]:
        settings = OptimiseSettings(band=band, time_limit=20, home_patch_weight=weight)
        result = optimise_area(graph, settings)
        return patch_alignment(Plan(dict(result.assignment)), graph).straddling_networks

    assert len(straddlers(0.0)) == 1
    assert straddlers(50_000.0) == ()
