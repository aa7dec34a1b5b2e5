"""The notice after an optimiser run says which plan each area got, its bound and its gap.

Issue #16 (deliverable 3): a CCG lead is never left with the bare constructive plan without
being told, and a run that finds no better plan says how good the plan kept is.
"""

from __future__ import annotations

import networkx as nx

from app.optimiser import area_words, plan_kind, run_notice
from footprints.optimiser import AreaResult, OptimiseSettings, optimise_area
from footprints.optimiser.area import CURRENT_NOTE, REPAIRED_WORDS, SEARCHED_WORDS
from footprints.optimiser.fallback import POLISHED
from footprints.plan import Band

PLAN = {"a": "N1", "b": "N1", "c": "N2"}


def _result(**fields: object) -> AreaResult:
    values: dict[str, object] = {"area": "E1", "assignment": PLAN, "status": "feasible"}
    values.update(fields)
    return AreaResult(**values)  # type: ignore[arg-type]


def test_a_proved_plan_is_called_proved_optimal() -> None:
    result = _result(status="optimal", objective=1234.4, bound=1234.4, gap=0.0)
    assert plan_kind(result) == "proved optimal"
    assert (
        area_words("Kent (E1)", result) == "Kent (E1): proved optimal; it costs 1,234 patient-km."
    )


def test_an_optimised_plan_gives_its_certified_gap_and_bound() -> None:
    result = _result(objective=2000.0, bound=1500.0, gap=0.25, explanations=[POLISHED])
    assert plan_kind(result) == "optimised"
    words = area_words("Kent (E1)", result)
    assert "optimised, not proved optimal" in words
    assert "certified gap 25.0%" in words and "no plan costs less than 1,500 patient-km" in words


def test_the_bare_constructive_plan_is_named_and_a_polished_one_is_not() -> None:
    bare = _result(objective=2000.0, bound=500.0, gap=0.75, fallback="constructive")
    assert plan_kind(bare) == "constructive"
    assert "not optimised — this is the quick constructive plan" in area_words("K", bare)
    polished = _result(
        objective=1800.0, bound=500.0, gap=0.72, fallback="constructive", explanations=[POLISHED]
    )
    assert plan_kind(polished) == "searched"


def test_one_plan_has_one_name_whether_polished_after_or_improved_before() -> None:
    """Session 16: one plan was "optimised" in the re-optimise notice, "the quick constructive
    plan" in least change's. Local search before the exact stages or after: the same words."""
    after = _result(
        objective=1800.0, bound=500.0, gap=0.72, fallback="constructive", explanations=[POLISHED]
    )
    before_note = f"the plan is {SEARCHED_WORDS}, not optimised, with a bound"
    before = _result(
        objective=1800.0, bound=500.0, gap=0.72, fallback="constructive", explanations=[before_note]
    )
    words = [area_words("NWL", r) for r in (after, before)]
    assert words[0] == words[1]
    assert words[0].startswith(
        "NWL: not optimised — the quick constructive plan improved by local search only (the "
        "exact stages gave no plan in the time limit)"
    )
    assert "optimised, not proved" not in words[0]
    made_whole = f"the plan is {REPAIRED_WORDS}, not optimised, with a bound"
    own = _result(
        objective=1800.0, bound=500.0, gap=0.72, fallback="constructive", explanations=[made_whole]
    )
    assert "not optimised — your plan made whole improved by local search only" in area_words(
        "NWL", own
    )


def test_least_change_s_current_plan_made_whole_is_named_with_its_moves() -> None:
    whole = _result(objective=2000.0, bound=500.0, gap=0.75, fallback="current made whole", moves=0)
    assert plan_kind(whole) == "made whole"
    words = area_words("NWL", whole)
    assert "not optimised — your plan made whole (0 practices moved)" in words
    timed_out = _result(status="timed out", objective=2000.0, fallback="current made whole")
    assert plan_kind(timed_out) == "made whole"  # not "the solve failed": time ran out
    parts = _result(status="timed out", objective=2000.0, fallback="connected parts")
    assert "the last resort, one network per connected part" in area_words("K", parts)


def test_least_change_s_repaired_stand_in_is_not_called_optimised() -> None:
    repaired = _result(objective=2000.0, bound=500.0, gap=0.75, fallback="repaired", moves=12)
    assert plan_kind(repaired) == "repaired"
    words = area_words("NWL", repaired)
    assert "not optimised — your plan repaired (12 practices moved)" in words
    assert "optimised, not proved" not in words


def test_a_plan_kept_gives_both_costs_and_its_gap() -> None:
    note = CURRENT_NOTE + " (the search's best plan costs 321 patient-km more)"
    result = _result(objective=1000.0, bound=900.0, gap=0.1, seconds=20.0, explanations=[note])
    assert plan_kind(result) == "kept"
    words = area_words("Kent (E1)", result)
    assert "your plan is kept — the optimiser found nothing cheaper in 20 s" in words
    assert "the search's best plan costs 321 patient-km more" in words
    assert "it costs 1,000 patient-km" in words and "certified gap 10.0%" in words


def test_no_better_plan_says_the_gap_of_the_plan_kept() -> None:
    result = _result(objective=1000.0, bound=950.0, gap=0.05, seconds=3.0)
    notice = run_notice({"E1": result}, 3.04, unchanged=True, kept=["E1"], names={"E1": "Kent"})
    assert notice.startswith("Optimiser finished in 3.0 s. It found no better plan")
    assert "Kent (E1): your plan is kept" in notice and "certified gap 5.0%" in notice


def _line(count: int) -> nx.Graph:
    graph = nx.path_graph([f"P{i}" for i in range(count)])
    for i, node in enumerate(graph.nodes):
        graph.nodes[node].update(list_size=10_000, x=1000.0 * i, y=0.0)
    graph.graph["area"] = "LINE"
    return graph


def test_re_optimising_an_optimal_plan_says_it_was_already_optimal() -> None:
    """A real solve, then a repair of its plan: nothing moves, and the notice says why."""
    settings = OptimiseSettings(band=Band(20_000, 40_000), time_limit=10.0)
    first = optimise_area(_line(8), settings)
    assert first.status == "optimal"
    assert run_notice({"LINE": first}, first.seconds).endswith(
        "LINE: proved optimal; " + (f"it costs {first.objective:,.0f} patient-km.")
    )
    again = optimise_area(_line(8), settings, current=first.assignment)
    assert _groups(again) == _groups(first)
    notice = run_notice({"LINE": again}, again.seconds, unchanged=True, kept=["LINE"])
    assert "It found no better plan" in notice
    assert "LINE: proved optimal (your plan was already optimal)" in notice


def _groups(result: AreaResult) -> list[list[str]]:
    groups: dict[str, list[str]] = {}
    for code, network in result.assignment.items():
        groups.setdefault(network, []).append(code)
    return sorted(sorted(g) for g in groups.values())


def test_the_quick_plan_the_exact_stages_returned_unimproved_is_not_called_optimised() -> None:
    """North West London 2021 on registration geography at 20 s: the linear relaxation ran
    out of time and the quick plan, improved by local search only, was returned with no
    stand-in (``fallback`` None); Kent and Medway: CP-SAT found none better than it. Both
    notices said "optimised, not proved optimal"."""
    for note in (
        f"the plan is {SEARCHED_WORDS}, with a weak bound only: …",
        f"the plan is {SEARCHED_WORDS}: CP-SAT found none better in time",
    ):
        result = _result(objective=1800.0, bound=900.0, gap=0.5, explanations=[note])
        assert plan_kind(result) == "searched"
        words = area_words("NWL", result)
        assert "not optimised — the quick constructive plan improved by local search only" in words
        assert "optimised, not proved optimal" not in words
    bare = _result(
        objective=2000.0,
        bound=900.0,
        gap=0.55,
        explanations=["the plan is the quick constructive one: CP-SAT found none better in time"],
    )
    assert plan_kind(bare) == "constructive"
    # a plan of the exact stages' own, polished after, stays "optimised"
    own = _result(objective=1500.0, bound=900.0, gap=0.4, explanations=[POLISHED])
    assert plan_kind(own) == "optimised"


def test_a_repairs_cost_names_the_moves_priced_in() -> None:
    """One plan, two costs: a repair's holds its moves at the move weight, and says so."""
    result = _result(objective=1_680_000.0, bound=1_000_000.0, gap=0.4, moves=68)
    words = area_words("Kent (E1)", result, move_weight=10_000.0)
    assert "it costs 1,680,000 patient-km, its 68 practices moved priced in at 10,000 each" in words
    fresh = area_words("Kent (E1)", result, move_weight=0.0)
    assert "priced in" not in fresh and "it costs 1,680,000 patient-km, certified gap" in fresh
    unmoved = area_words(
        "Kent (E1)", _result(objective=5.0, bound=5.0, gap=0.0, moves=0), move_weight=1.0
    )
    assert "priced in" not in unmoved


def test_a_real_repair_costs_the_plan_plus_its_moves_at_the_weight() -> None:
    """A repair of a plan one move from the optimum: its cost is the optimum's and one move."""
    settings = OptimiseSettings(band=Band(20_000, 40_000), time_limit=10.0, move_weight=500.0)
    best = optimise_area(_line(8), settings)
    assert best.status == "optimal" and best.objective is not None
    networks = sorted(_groups(best), key=lambda g: min(int(c[1:]) for c in g))
    first, second = networks[0], networks[1]
    edge = max(first, key=lambda c: int(c[1:]))  # the first network's practice beside the second
    current = dict(best.assignment)
    current[edge] = best.assignment[second[0]]  # moved: the first network now too small
    again = optimise_area(_line(8), settings, current=current)
    assert again.moves == 1 and again.objective is not None
    assert again.objective == best.objective + 500.0
    notice = run_notice({"LINE": again}, again.seconds, move_weight=500.0)
    assert (
        f"it costs {again.objective:,.0f} patient-km, its 1 practice moved priced in at 500"
        in notice
    )
