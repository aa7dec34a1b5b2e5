"""The containment terms on hand-made LSOA rows: mixing and the territory excess, each checked
against a hand-computed answer, and each changing the chosen plan where it should."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from home_grids import grid_lsoas

from footprints.optimiser import OptimiseSettings, optimise_area
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.columns import build_columns, raise_costs
from footprints.optimiser.costs import (
    SCALE,
    mixing,
    plan_costs,
    set_costs,
    territory_costs,
    territory_excess,
)
from footprints.optimiser.pricing import extend_columns
from footprints.optimiser.problem import lsoa_arrays, practice_arrays
from footprints.plan import Band
from footprints.registration import Homes

from .grids import problem_of, with_homes

Counts = Mapping[str, Mapping[int, int]]


def lsoa_graph(
    counts: Counts,
    *,
    registered: Mapping[int, int] | None = None,
    lsoa_edges: Sequence[tuple[int, int]] | None = None,
    columns: int = 10,
    patches: Mapping[int, str] | None = None,
) -> nx.Graph:
    """Practices whose patients live in LSOAs ``0 … columns − 1``, a row of 1 km squares.

    LSOA ``l`` is centred at ``(1000·l + 500, 500)``; practices are all adjacent; each
    practice's list size is its patients. ``registered`` defaults to the practices' own
    totals (no one else registered there), ``lsoa_edges`` to the row's neighbours;
    ``patches`` gives LSOAs their nursing patch (none by default).
    """
    patch_of = patches or {}
    graph = nx.Graph(area="L")
    for practice, where in counts.items():
        graph.add_node(practice, list_size=sum(where.values()), x=0.0, y=0.0, patch=None)
    graph.add_edges_from(itertools.combinations(counts, 2))
    with_homes(
        graph,
        {
            p: [(1000.0 * k + 500, 500.0, n, patch_of.get(k)) for k, n in w.items()]
            for p, w in counts.items()
        },
    )
    totals: dict[int, int] = {}
    for where in counts.values():
        for lsoa, n in where.items():
            totals[lsoa] = totals.get(lsoa, 0) + n
    for practice, where in counts.items():
        lsoas = sorted(where)
        graph.nodes[practice]["home_lsoas"] = np.asarray(lsoas, np.int64)
        graph.nodes[practice]["home_lsoa_patients"] = np.asarray(
            [where[k] for k in lsoas], np.int64
        )
    graph.graph["lsoa_registered"] = dict(registered if registered is not None else totals)
    edges = lsoa_edges if lsoa_edges is not None else [(k, k + 1) for k in range(columns - 1)]
    graph.graph["lsoa_edges"] = np.asarray(edges, np.int64).reshape(-1, 2)
    return graph


# ---- mixing -------------------------------------------------------------------------------

#: A and B share LSOA 1; others are registered in each of LSOAs 0–2 too.
SHARED = {"A": {0: 600, 1: 400}, "B": {1: 600, 2: 400}}
SHARED_REGISTERED = {0: 1_000, 1: 1_200, 2: 800}


def test_mixing_by_hand() -> None:
    practices = practice_arrays(lsoa_graph(SHARED, registered=SHARED_REGISTERED))[1]
    assert practices.homes is not None
    found = mixing(CandidateSets.of([[0], [1], [0, 1]]), practices.homes)
    a = 600 * (1 - 600 / 1000) + 400 * (1 - 400 / 1200)
    b = 600 * (1 - 600 / 1200) + 400 * (1 - 400 / 800)
    # Together they hold 1,000 of LSOA 1's 1,200 patients.
    both = 600 * (1 - 600 / 1000) + 1000 * (1 - 1000 / 1200) + 400 * (1 - 400 / 800)
    assert found.tolist() == pytest.approx([a, b, both])


def test_overlap_is_the_pairwise_sum_by_hand() -> None:
    graph = lsoa_graph(SHARED, registered=SHARED_REGISTERED)
    lsoas = lsoa_arrays(graph, ["A", "B"])
    assert lsoas is not None
    expected = [
        [600**2 / 1000 + 400**2 / 1200, 400 * 600 / 1200],
        [400 * 600 / 1200, 600**2 / 1200 + 400**2 / 800],
    ]
    assert lsoas.overlap.ravel().tolist() == pytest.approx(np.ravel(expected).tolist())


def test_set_costs_add_the_weighted_mixing() -> None:
    practices = practice_arrays(lsoa_graph(SHARED, registered=SHARED_REGISTERED))[1]
    assert practices.homes is not None
    sets = CandidateSets.of([[0], [1], [0, 1]])
    plain = set_costs(sets, practices, OptimiseSettings(containment_weight=0.0))[1]
    weighted = set_costs(sets, practices, OptimiseSettings(containment_weight=7.0))[1]
    expected = 7.0 * mixing(sets, practices.homes) * SCALE
    assert (weighted - plain).tolist() == pytest.approx(expected.tolist(), abs=1)


def test_without_lsoa_counts_there_is_no_containment_term() -> None:
    graph = lsoa_graph(SHARED, registered=SHARED_REGISTERED)
    del graph.graph["lsoa_registered"]
    practices = practice_arrays(graph)[1]
    assert practices.homes is not None and practices.homes.lsoas is None
    sets = CandidateSets.of([[0, 1]])
    assert mixing(sets, practices.homes).tolist() == [0.0]
    assert territory_costs(sets, practices, OptimiseSettings()).tolist() == [0]


# ---- the territory excess -----------------------------------------------------------------

#: N holds LSOAs 0 and 1 (50% and 45%) and, detached, LSOA 4 (50%); in LSOA 2 it has 40%
#: exactly, which is not more than the 40% that holds an LSOA.
DETACHED = {"N": {0: 500, 1: 450, 2: 400, 4: 300}, "M": {3: 900}}
DETACHED_REGISTERED = {0: 1_000, 1: 1_000, 2: 1_000, 3: 1_000, 4: 600}


def test_territory_excess_by_hand() -> None:
    graph = lsoa_graph(DETACHED, registered=DETACHED_REGISTERED)
    lsoas = lsoa_arrays(graph, ["M", "N"])
    assert lsoas is not None
    found = territory_excess(CandidateSets.of([[1], [0], [0, 1]]), lsoas, 0.95)
    # N: held 500 + 450 + 300 = 1,250, largest part 950: ⌊0.95 × 1,250⌋ − 950 = 237.
    # M alone holds LSOA 3 only. Together they hold 0, 1, 3 and 4 but not 2 (40%): parts
    # 0–1 (950) and 3–4 (1,200), so ⌊0.95 × 2,150⌋ − 1,200 = 842.
    assert found.tolist() == [237, 0, 842]


def test_a_territory_joined_by_an_lsoa_edge_is_one_piece() -> None:
    graph = lsoa_graph(DETACHED, registered=DETACHED_REGISTERED, lsoa_edges=[(0, 1), (1, 4)])
    lsoas = lsoa_arrays(graph, ["M", "N"])
    assert lsoas is not None
    assert territory_excess(CandidateSets.of([[1]]), lsoas, 0.95).tolist() == [0]


def test_territory_costs_weigh_the_excess() -> None:
    practices = practice_arrays(lsoa_graph(DETACHED, registered=DETACHED_REGISTERED))[1]
    sets = CandidateSets.of([[1], [0]])
    settings = OptimiseSettings(territory_weight=2.5)
    assert territory_costs(sets, practices, settings).tolist() == [2.5 * 237 * SCALE, 0]
    assert territory_costs(sets, practices, OptimiseSettings(territory_weight=0.0)).tolist() == [
        0,
        0,
    ]
    full = plan_costs(sets, practices, settings)[1] - set_costs(sets, practices, settings)[1]
    assert full.tolist() == [2.5 * 237 * SCALE, 0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"home_lsoa_patients": np.asarray([1, 2, 3], np.int64)}, "equally long"),
        ({"home_lsoas": np.asarray([0, 1, 2, 99], np.int64)}, "lsoa_registered"),
    ],
)
def test_bad_lsoa_counts_are_named(change: dict[str, object], message: str) -> None:
    graph = lsoa_graph(DETACHED, registered=DETACHED_REGISTERED)
    graph.nodes["N"].update(change)
    with pytest.raises(ValueError, match=f"N: .*{message}"):
        lsoa_arrays(graph, ["M", "N"])


def test_registered_below_the_area_counts_is_refused() -> None:
    graph = lsoa_graph(DETACHED, registered={**DETACHED_REGISTERED, 3: 800})
    with pytest.raises(ValueError, match="fewer registered patients"):
        lsoa_arrays(graph, ["M", "N"])


# ---- the terms change the plan ------------------------------------------------------------

#: Four practices of 20,000, all adjacent; in a band of 30,000–50,000 they pair up. A and B
#: live in LSOAs 0 and 1 (together: compact); C and D mostly 4 km further, with 2,000
#: patients each among A's and B's. Compactness prefers AB + CD; keeping LSOAs 0 and 1 whole
#: (containment) prefers AC + BD, whose territories are each in two pieces.
PAIRS = {
    "A": {0: 20_000},
    "B": {1: 20_000},
    "C": {0: 2_000, 5: 18_000},
    "D": {1: 2_000, 6: 18_000},
}
BAND = Band(30_000, 50_000)


def _pairing(assignment: Mapping[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for practice, network in assignment.items():
        groups.setdefault(network, set()).add(practice)
    return {frozenset(g) for g in groups.values()}


def _containment(assignment: Mapping[str, str]) -> float:
    rows = [(p, f"L{k}0", n) for p, where in PAIRS.items() for k, n in where.items()]
    homes = Homes.from_counts(
        grid_lsoas(10), pd.DataFrame(rows, columns=["practice", "lsoa", "patients"])
    )
    return homes.territories(dict(assignment)).region_containment()


def _settings(**weights: float) -> OptimiseSettings:
    return OptimiseSettings(band=BAND, time_limit=20.0, seed=0, **weights)  # type: ignore[arg-type]


def _brute_force(graph: nx.Graph, settings: OptimiseSettings) -> float:
    """The cheapest of the three pairings, each network costed in full."""
    practices = practice_arrays(graph)[1]
    index = practices.index
    best = math.inf
    for partner in ("B", "C", "D"):
        rest = sorted(set("BCD") - {partner})
        networks = [[index["A"], index[partner]], [index[r] for r in rest]]
        cost = plan_costs(CandidateSets.of(networks), practices, settings)[1]
        best = min(best, int(cost.sum()) / SCALE)
    return best


def test_the_containment_term_keeps_lsoas_whole() -> None:
    graph = lsoa_graph(PAIRS)
    compact = optimise_area(graph, _settings(containment_weight=0.0, territory_weight=0.0))
    contained = optimise_area(graph, _settings(containment_weight=30.0, territory_weight=0.0))
    assert _pairing(compact.assignment) == {frozenset("AB"), frozenset("CD")}
    assert _pairing(contained.assignment) == {frozenset("AC"), frozenset("BD")}
    assert _containment(contained.assignment) > _containment(compact.assignment)


def test_the_territory_term_keeps_territories_in_one_piece() -> None:
    graph = lsoa_graph(PAIRS)
    settings = _settings(containment_weight=30.0, territory_weight=5.0)
    result = optimise_area(graph, settings)
    # AC holds LSOAs 0 and 5, four LSOAs apart: 16,000 patients short of 95% of 40,000.
    assert _pairing(result.assignment) == {frozenset("AB"), frozenset("CD")}
    # Costed lazily, the territory term is still in the proved optimum.
    assert result.status == "optimal"
    assert result.objective == pytest.approx(_brute_force(graph, settings), abs=0.01)


def test_the_terms_do_not_apply_under_the_voronoi_model() -> None:
    graph = lsoa_graph(PAIRS)
    graph.graph["geography"] = "voronoi"
    practices = practice_arrays(graph)[1]
    assert practices.homes is None
    sets = CandidateSets.of([[0, 2], [1, 3]])
    settings = _settings(containment_weight=30.0, territory_weight=5.0)
    assert territory_costs(sets, practices, settings).tolist() == [0, 0]
    plain = set_costs(sets, practices, _settings(containment_weight=0.0))[1]
    assert set_costs(sets, practices, settings)[1].tolist() == plain.tolist()


# ---- a plan whose territory is in two pieces costs more ------------------------------------

#: Four practices of 10,000, each living in one LSOA of a row of four: paired with the next
#: practice a network's territory is in one piece; paired across the row, in two.
ROW = {"A": {0: 10_000}, "B": {1: 10_000}, "C": {2: 10_000}, "D": {3: 10_000}}


def _territory_plan(pairs: Sequence[str]) -> tuple[int, int, bool]:
    """Cost a pairing with only the territory term weighed, and with it off; and whether
    every territory of the pairing is contiguous under the rule's tolerance (Homes)."""
    graph = lsoa_graph(ROW, columns=4)
    practices = practice_arrays(graph)[1]
    networks = CandidateSets.of([[practices.index[p] for p in pair] for pair in pairs])
    weighed = OptimiseSettings(
        compactness_weight=0.0, home_straddle_weight=0.0, containment_weight=0.0
    )
    on = int(plan_costs(networks, practices, weighed)[1].sum())
    off = plan_costs(networks, practices, dataclasses.replace(weighed, territory_weight=0.0))
    rows = [(p, f"L{k}0", n) for p, where in ROW.items() for k, n in where.items()]
    homes = Homes.from_counts(
        grid_lsoas(4), pd.DataFrame(rows, columns=["practice", "lsoa", "patients"])
    )
    assignment = {p: pair for pair in pairs for p in pair}
    territories = homes.territories(assignment)
    return on, int(off[1].sum()), all(territories.contiguous(pair) for pair in pairs)


def test_a_plan_whose_territory_is_in_two_pieces_costs_more() -> None:
    one_on, one_off, one_contiguous = _territory_plan(["AB", "CD"])
    two_on, two_off, two_contiguous = _territory_plan(["AC", "BD"])
    # The territory rule, computed independently on the LSOA polygons, agrees.
    assert one_contiguous and not two_contiguous
    # Without the term the two plans cost the same (no compactness, mixing or straddling).
    assert one_off == two_off
    assert one_on == one_off
    # AC and BD each hold two LSOAs 10,000 apart: ⌊0.95 × 20,000⌋ − 10,000 = 9,000 short.
    assert two_on - two_off == 2 * 10.0 * 9_000 * SCALE
    assert two_on > one_on


def test_priced_columns_keep_the_territory_term_to_come() -> None:
    """Columns appended by pricing (or by the compact model's answer) are still costed for
    their territory when they can be in a plan: the term is added lazily, so the appended
    sets must be marked not yet checked, and the older sets' marks kept."""
    graph = lsoa_graph(ROW, columns=4)
    settings = OptimiseSettings(
        band=Band(10_000, 30_000), compactness_weight=0.0, home_straddle_weight=0.0
    )
    problem = problem_of(graph, settings, current={"A": "N1", "B": "N1", "C": "N2", "D": "N2"})
    index = problem.practices.index
    columns = build_columns(problem, [CandidateSets.of([[index["A"], index["B"]]])], repair=False)
    assert columns.checked is not None
    raise_costs(problem, columns, np.arange(len(columns)))
    extended = extend_columns(problem, columns, [([index["A"], index["C"]], -1)])
    assert extended.checked is not None
    assert extended.checked.tolist() == [True, False]
    before = int(extended.col_cost[1])
    raised = raise_costs(problem, extended, np.asarray([1]))
    assert raised is not None
    # AC holds LSOAs 0 and 2, one LSOA apart: ⌊0.95 × 20,000⌋ − 10,000 = 9,000 short.
    assert int(extended.col_cost[1]) - before == settings.territory_weight * 9_000 * SCALE
