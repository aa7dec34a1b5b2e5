"""The optimiser end to end (:func:`optimise_area`) on hand-made graphs (no geometry)."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Mapping

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprints.optimiser import OptimiseSettings, area, candidates, optimise_area
from footprints.optimiser.construct import PieceNetworks
from footprints.plan import Band, Plan
from footprints.rules import validate

from .grids import (
    FAST,
    AtMostPractices,
    brute_force_optimum,
    check_plan,
    grid,
    home_grid,
    networks_of,
    replace_settings,
    tiny_areas,
    tiny_home_areas,
)

# --------------------------------------------------------------------------- plans


def test_grid_4x4_gives_valid_optimal_plan() -> None:
    sizes = [9_000, 11_000, 8_000, 12_000, 10_000, 7_000, 9_500, 8_500] * 2
    graph = grid(4, 4, sizes)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "optimal"
    assert result.gap == 0.0
    assert result.bound == pytest.approx(result.objective)
    assert result.soft_networks == []
    assert result.explanations == []
    assert 4 <= result.networks <= 5
    assert all(n.startswith("T-N") for n in result.assignment.values())


def test_a_fresh_proposal_starts_from_the_quick_plan_improved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every candidate listed, CP-SAT still starts from the quick plan by local search."""
    graph = grid(3, 3, [5_000, 12_000, 8_000, 15_000, 10_000, 7_000, 9_000, 11_000, 6_000])
    improved: list[bool] = []
    real = area.improve

    def spy(problem: object, plan: PieceNetworks | None, **kwargs: object) -> object:
        improved.append(bool(kwargs.get("anyway")) and plan is not None)
        return real(problem, plan, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(area, "improve", spy)
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(brute_force_optimum(graph, FAST), abs=0.1)
    assert any(improved)


def test_the_note_names_the_start_plan_as_improved_by_local_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CP-SAT left with its start plan: the words say it is the quick plan after local search."""
    graph = grid(3, 3, [5_000, 12_000, 8_000, 15_000, 10_000, 7_000, 9_000, 11_000, 6_000])
    real = area.solve_priorities

    def unimproved(*args: object, **kwargs: object) -> object:
        outcome, columns, priorities = real(*args, **kwargs)  # type: ignore[arg-type]
        note = "the plan is the quick constructive one: CP-SAT found none better in time"
        return dataclasses.replace(outcome, notes=[*outcome.notes, note]), columns, priorities

    monkeypatch.setattr(area, "solve_priorities", unimproved)
    result = optimise_area(graph, FAST)
    assert any(
        f"the plan is {area.SEARCHED_WORDS}: CP-SAT found none better" in note
        for note in result.explanations
    ), result.explanations
    assert not any("the quick constructive one" in note for note in result.explanations)


def test_grid_3x3_with_patches_prefers_aligned_networks() -> None:
    sizes = [12_000] * 9
    patches = ["A", "A", "B", "A", "A", "B", "A", "A", "B"]
    opts = OptimiseSettings(time_limit=20, straddle_weight=50.0, seed=1)
    graph = grid(3, 3, sizes, patches=patches)
    result = optimise_area(graph, opts)
    check_plan(graph, result)
    assert result.status == "optimal"
    # The B column (36,000 patients) makes a network of its own: no straddling.
    assert networks_of(result.assignment)[result.assignment["P02"]] == {"P02", "P12", "P22"}
    assert result.objective == pytest.approx(brute_force_optimum(graph, opts), abs=0.1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_areas(), network_cost=st.sampled_from([0.0, 30_000.0]))
def test_optimum_matches_exhaustive_enumeration(graph: nx.Graph, network_cost: float) -> None:
    opts = OptimiseSettings(time_limit=20, network_cost=network_cost, straddle_weight=2.0)
    result = optimise_area(graph, opts)
    check_plan(graph, result)
    best = brute_force_optimum(graph, opts)
    if best is None:
        assert result.soft_networks, "no in-band plan exists, so some network must be soft"
        assert result.explanations
        return
    assert result.status == "optimal"
    assert result.soft_networks == []
    # Costs are rounded to 0.01 patient-km per network inside the solver.
    assert result.objective == pytest.approx(best, abs=0.01 * graph.number_of_nodes() + 1e-6)
    assert result.bound == pytest.approx(result.objective)


# --------------------------------------------------------------------------- registrations


def _west_east_homes() -> nx.Graph:
    """Six practices of 10,000 in a 2 x 3 grid whose patients live in two towns.

    The rows of surgeries are 10 km apart, 2 km between neighbours in a row; but the
    patients of P00, P10 and P11 live around a town in the west, those of P01, P02 and P12
    around one 20 km east (two homes 500 m either side of each practice's own centre).
    """
    west, east = {"P00", "P10", "P11"}, {"P01", "P02", "P12"}
    homes = []
    for k, practice in enumerate(["P00", "P01", "P02", "P10", "P11", "P12"]):
        x = (0.0 if practice in west else 20_000.0) + 300.0 * k
        patch = "W" if practice in west else "E"
        homes.append([(x - 500.0, 0.0, 4_000, patch), (x + 500.0, 0.0, 4_000, patch)])
    assert west | east == {"P00", "P01", "P02", "P10", "P11", "P12"}
    graph = home_grid(2, 3, [10_000] * 6, homes)
    for practice in ("P10", "P11", "P12"):
        graph.nodes[practice]["y"] = -10_000.0
    return graph


def test_registration_geography_plans_on_where_patients_live() -> None:
    graph = _west_east_homes()
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    assert result.status == "optimal"
    # The sites alone make rows; the homes make the two towns' networks (L shapes).
    assert sorted(map(sorted, networks_of(result.assignment).values())) == [
        ["P00", "P10", "P11"],
        ["P01", "P02", "P12"],
    ]
    assert result.objective == pytest.approx(brute_force_optimum(graph, FAST), abs=0.1)
    graph.graph["geography"] = "voronoi"
    rows = optimise_area(graph, FAST)
    assert sorted(map(sorted, networks_of(rows.assignment).values())) == [
        ["P00", "P01", "P02"],
        ["P10", "P11", "P12"],
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=tiny_home_areas(), network_cost=st.sampled_from([0.0, 30_000.0]))
def test_optimum_on_homes_matches_exhaustive_enumeration(
    graph: nx.Graph, network_cost: float
) -> None:
    # A wide band, so that most tiny areas have an in-band plan to compare.
    opts = OptimiseSettings(
        band=Band(5_000, 45_000),
        time_limit=20,
        network_cost=network_cost,
        home_straddle_weight=2.0,
    )
    result = optimise_area(graph, opts)
    check_plan(graph, result, opts.band)
    best = brute_force_optimum(graph, opts)
    if best is None:
        assert result.soft_networks
        return
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, abs=0.01 * graph.number_of_nodes() + 1e-6)
    assert result.bound == pytest.approx(result.objective)


def test_same_seed_gives_same_plan() -> None:
    sizes = [8_000, 9_000, 10_000, 11_000, 12_000, 7_000] * 4
    graph = grid(4, 6, sizes)
    first = optimise_area(graph, FAST)
    second = optimise_area(graph, FAST)
    assert first.assignment == second.assignment
    assert first.objective == second.objective


def test_progress_is_reported() -> None:
    calls: list[tuple[float, str]] = []
    optimise_area(grid(3, 3, [10_000] * 9), FAST, progress=lambda f, m: calls.append((f, m)))
    assert calls[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in calls)
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)


@pytest.mark.parametrize("repair", [False, True])
def test_chunked_column_handling_gives_the_same_result(
    repair: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large pools are costed and priced in chunks; tiny chunks must not change anything."""
    sizes = [6_000, 9_000, 12_000, 7_000, 8_000, 11_000, 10_000, 5_000, 9_500, 13_000, 6_500, 8_500]
    patches = ["A", "A", "B", "B"] * 3
    graph = grid(3, 4, sizes, patches=patches)
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)} if repair else None
    opts = replace_settings(move_weight=500.0)
    whole = optimise_area(graph, opts, current=current)
    monkeypatch.setattr(candidates, "CHUNK", 5)
    chunked = optimise_area(graph, opts, current=current)
    assert whole.status == chunked.status == "optimal"
    assert chunked.assignment == whole.assignment
    assert chunked.objective == whole.objective
    assert chunked.pool_size == whole.pool_size > 7


def test_candidate_cap_still_gives_a_bound_below_the_optimum() -> None:
    graph = grid(4, 4, [10_000] * 16)
    result = optimise_area(graph, replace_settings(candidate_cap=5))
    check_plan(graph, result)
    # the bound holds over every network, listed or not (exact pricing,
    # footprints.optimiser.pricedproof; proved optimal here)
    full = optimise_area(graph, FAST)
    assert full.status == "optimal" and full.objective is not None
    assert result.bound is not None and result.gap is not None
    assert 0 < result.bound <= full.objective <= result.objective


def test_stop_set_before_the_start_gives_the_quick_plan() -> None:
    graph = grid(4, 4, [10_000] * 16)
    stop = threading.Event()
    stop.set()
    result = optimise_area(graph, replace_settings(time_limit=600.0), stop=stop)
    check_plan(graph, result)
    assert result.status == "feasible"
    assert any("the optimiser was stopped" in line for line in result.explanations)
    assert not any("time limit" in line for line in result.explanations)


# --------------------------------------------------------------------------- locks, frozen, repair


def test_locks_are_respected() -> None:
    graph = grid(4, 4, [10_000] * 16)
    locked = {"P00": "Alpha", "P02": "Alpha", "P33": "Beta", "P31": "Beta", "P11": "Gamma"}
    result = optimise_area(graph, FAST, locked=locked)
    check_plan(graph, result)
    members = networks_of(result.assignment)
    assert {"P00", "P02"} <= members["Alpha"]
    assert {"P33", "P31"} <= members["Beta"]
    assert "P11" in members["Gamma"]
    assert result.status == "optimal"


def test_frozen_networks_are_kept_exactly() -> None:
    graph = grid(4, 4, [10_000] * 16)
    base = optimise_area(graph, FAST)
    frozen = sorted(set(base.assignment.values()))[:2]
    # Re-optimise with a different weighting: the frozen networks must not change.
    opts = OptimiseSettings(time_limit=20, network_cost=0.0)
    result = optimise_area(graph, opts, current=base.assignment, frozen=frozen)
    check_plan(graph, result)
    for practice, network in base.assignment.items():
        if network in frozen:
            assert result.assignment[practice] == network
    assert sorted(p for p, n in result.assignment.items() if n in frozen) == sorted(
        p for p, n in base.assignment.items() if n in frozen
    )


def test_repair_with_no_moves_returns_current_plan() -> None:
    graph = grid(3, 4, [10_000] * 12)
    # A feasible but not compact current plan: three 4-practice rows.
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}
    result = optimise_area(graph, replace_settings(max_moves=0), current=current)
    assert result.assignment == current
    assert result.moves == 0
    assert result.status == "optimal"


def fewest_moves(assignment: Mapping[str, str], current: Mapping[str, str]) -> int:
    """Practices outside their matched current network, under the best 1-1 matching."""
    proposed = networks_of(assignment)
    before = networks_of(current)
    names = sorted(before)
    slots = names + [None] * len(proposed)
    best = len(assignment)
    for matching in itertools.permutations(slots, len(proposed)):
        kept = sum(
            len(members & before[match])
            for members, match in zip(proposed.values(), matching, strict=True)
            if match is not None
        )
        best = min(best, len(assignment) - kept)
    return best


def test_repair_counts_moves_and_respects_the_budget() -> None:
    graph = grid(3, 4, [10_000] * 12)
    current = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}
    free = optimise_area(graph, replace_settings(move_weight=1.0), current=current)
    budget = optimise_area(graph, replace_settings(move_weight=1.0, max_moves=2), current=current)
    for result in (free, budget):
        check_plan(graph, result)
        assert result.status == "optimal"
        assert result.moves == fewest_moves(result.assignment, current)
    assert free.moves is not None and free.moves > 2
    assert budget.moves is not None and budget.moves <= 2
    assert budget.objective is not None and free.objective is not None
    assert budget.objective >= free.objective - 1e-6


def test_repair_keeps_matched_network_ids() -> None:
    graph = grid(2, 4, [10_000] * 8)
    current = {"P00": "X", "P01": "X", "P10": "X", "P11": "X"}
    current |= {"P02": "Y", "P03": "Y", "P12": "Y", "P13": "Y"}
    result = optimise_area(graph, replace_settings(), current=current)
    assert result.assignment == current
    assert result.moves == 0


def test_a_practice_over_the_maximum_keeps_its_current_network_id() -> None:
    graph = grid(2, 3, [60_000, 20_000, 20_000, 10_000, 10_000, 10_000])
    current = {"P00": "S", "P01": "A", "P02": "A", "P10": "B", "P11": "B", "P12": "B"}
    result = optimise_area(graph, replace_settings(), current=current)
    assert result.assignment == current
    assert result.moves == 0
    assert result.soft_networks == ["S"]


def test_repair_with_no_moves_keeps_out_of_band_current_networks() -> None:
    graph = grid(1, 4, [10_000] * 4)
    current = {"P00": "X", "P01": "X", "P02": "Y", "P03": "Y"}  # two 20,000 networks
    result = optimise_area(graph, replace_settings(max_moves=0), current=current)
    assert result.assignment == current
    assert result.soft_networks == ["X", "Y"]
    assert all("current plan" in line for line in result.explanations)


# --------------------------------------------------------------------------- candidate filters


def test_a_filter_limits_every_network_and_a_valid_plan_remains() -> None:
    """'At most 3 practices per network': twelve 10,000 practices make four threes."""
    graph = grid(3, 4, [10_000] * 12)
    unfiltered = optimise_area(graph, FAST)
    assert max(map(len, networks_of(unfiltered.assignment).values())) > 3, "the filter must bite"
    result = optimise_area(graph, replace_settings(candidate_filters=(AtMostPractices(3),)))
    check_plan(graph, result)
    assert result.status == "optimal"
    assert result.soft_networks == []
    assert all(len(members) <= 3 for members in networks_of(result.assignment).values())
    assert result.networks == 4
    report = validate(Plan(result.assignment), graph)
    assert report.summary["hard"] == 0 and not report.violations
    assert result.objective is not None and unfiltered.objective is not None
    assert result.objective >= unfiltered.objective


def test_a_filter_also_binds_the_quick_plan_and_repair() -> None:
    graph = grid(3, 4, [10_000] * 12)
    filtered = replace_settings(candidate_filters=(AtMostPractices(3),), time_limit=600.0)
    stop = threading.Event()
    stop.set()
    quick = optimise_area(graph, filtered, stop=stop)  # the constructive plan only
    check_plan(graph, quick)
    assert all(len(members) <= 3 for members in networks_of(quick.assignment).values())
    rows = {f"P{r}{c}": f"Row{r}" for r in range(3) for c in range(4)}  # four practices each
    budget = replace_settings(candidate_filters=(AtMostPractices(3),), max_moves=4)
    repaired = optimise_area(graph, budget, current=rows)
    check_plan(graph, repaired)
    assert all(len(members) <= 3 for members in networks_of(repaired.assignment).values())


def test_a_practice_no_allowed_network_holds_makes_the_band_soft() -> None:
    """With 'one practice per network' no network reaches 30,000: every network is soft."""
    graph = grid(2, 2, [10_000] * 4)
    result = optimise_area(graph, replace_settings(candidate_filters=(AtMostPractices(1),)))
    check_plan(graph, result)
    assert result.networks == 4
    assert sorted(result.soft_networks) == sorted(set(result.assignment.values()))


def test_a_soft_piece_keeps_every_network_not_forced_in_the_band() -> None:
    """Only the network of a practice in no in-band group leaves the band (issue #13).

    P0 (20,000) is in no contiguous group of 30,000–50,000 (with P1: 51,000), so the piece
    is soft. P2–P3 alone (29,900) is 100 patients short, cheaper at the band penalty than
    taking P4 (200 patients, 100 km away beside P5): a plan in band beyond P0's network
    exists ({P2, P3, P4}, {P5}), and it is the one returned.
    """
    sizes = [20_000, 31_000, 15_000, 14_900, 200, 39_900]
    graph = grid(1, 6, sizes)
    for code, x in zip(graph.nodes, [0, 2, 4, 6, 106, 106], strict=True):
        graph.nodes[code]["x"] = x * 1_000.0
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    members = networks_of(result.assignment)
    population = {n: sum(sizes[int(p[2])] for p in ps) for n, ps in members.items()}
    outside = sorted(n for n, size in population.items() if not Band().contains(size))
    assert outside == [result.assignment["P00"]], population
    assert result.soft_networks == outside


def test_a_network_over_the_band_in_every_plan_says_why() -> None:
    """P01 (15,000) and P02 (25,000) reach the area only through P00 (20,000) (issue #13).

    No in-band network fits in either, so P00's network holds both in any plan that keeps
    them in band: 60,000, over the maximum whatever the time. The explanation says so, not
    "allow more time".
    """
    graph = grid(1, 5, [20_000, 15_000, 25_000, 20_000, 20_000])
    graph.remove_edges_from(list(graph.edges))
    graph.add_edges_from(
        [("P00", "P01"), ("P00", "P02"), ("P00", "P03"), ("P03", "P04")], kind="border"
    )
    result = optimise_area(graph, FAST)
    check_plan(graph, result)
    over = result.assignment["P00"]
    assert result.soft_networks == [over]
    (line,) = [e for e in result.explanations if e.startswith(f"Network {over} ")]
    assert "allow more time" not in line
    assert "P01, P02 reach the rest of the area only through P00" in line
    assert "60,000 patients, above the maximum" in line


def test_no_filters_change_nothing() -> None:
    graph = grid(4, 4, [9_000, 11_000, 8_000, 12_000, 10_000, 7_000, 9_500, 8_500] * 2)
    plain = optimise_area(graph, FAST)
    everything = optimise_area(graph, replace_settings(candidate_filters=(AtMostPractices(99),)))
    assert everything.assignment == plain.assignment
    assert everything.objective == plain.objective
    assert everything.pool_size == plain.pool_size
