"""Three-way merge of plans: each side's changes kept, conflicts listed, new networks kept apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footprints.merge import MergeConflict, merge_plans, merge_states
from footprints.plan import Plan, PlanState

BASE = Plan({"A": "N1", "B": "N1", "C": "N2", "D": "N2"}, {"N1": "North", "N2": "South"})


def test_changes_to_different_practices_are_both_kept() -> None:
    mine = BASE.moved(["A"], "N2")
    theirs = BASE.moved(["D"], "N1")
    result = merge_plans(BASE, mine, theirs)
    assert result.clean
    assert dict(result.plan.assignment) == {"A": "N2", "B": "N1", "C": "N2", "D": "N1"}
    assert dict(result.plan.names) == {"N1": "North", "N2": "South"}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = BASE.moved(["A"], "N2")
    result = merge_plans(BASE, both, both)
    assert result.clean and result.plan == both


def test_a_practice_moved_differently_on_both_sides_is_a_conflict_keeping_mine() -> None:
    mine = BASE.moved(["A"], "N2")
    theirs = Plan({**BASE.assignment, "A": "N3"}, BASE.names)
    result = merge_plans(BASE, mine, theirs)
    assert result.conflicts == (MergeConflict("practice", "A", "N1", "N2", "N3"),)
    assert result.plan.assignment["A"] == "N2"
    assert str(result.conflicts[0]) == "practice A: was 'N1', mine 'N2', theirs 'N3'"
    resolved = result.resolve([("practice", "A")])
    assert resolved.plan.assignment["A"] == "N3"


def test_a_practice_removed_on_one_side_and_moved_on_the_other_conflicts() -> None:
    mine = Plan({p: n for p, n in BASE.assignment.items() if p != "C"}, BASE.names)
    theirs = BASE.moved(["C"], "N1")
    result = merge_plans(BASE, mine, theirs)
    assert result.conflicts == (MergeConflict("practice", "C", "N2", None, "N1"),)
    assert "C" not in result.plan.assignment
    assert result.resolve([("practice", "C")]).plan.assignment["C"] == "N1"


def test_names_merge_like_practices() -> None:
    mine = Plan(BASE.assignment, {"N1": "North", "N2": "Southern"})
    theirs = Plan(BASE.assignment, {"N1": "Northern", "N2": "South"})
    assert merge_plans(BASE, mine, theirs).plan.names == {"N1": "Northern", "N2": "Southern"}
    clash = Plan(BASE.assignment, {"N1": "Upper", "N2": "South"})
    result = merge_plans(BASE, mine, clash)
    assert result.plan.names["N2"] == "Southern"
    other = Plan(BASE.assignment, {"N1": "Northern", "N2": "Lower"})
    result = merge_plans(BASE, mine, other)
    assert [(c.kind, c.key) for c in result.conflicts] == [("name", "N2")]
    assert result.resolve([("name", "N2")]).plan.names["N2"] == "Lower"


def test_networks_created_on_both_sides_under_one_id_are_kept_apart() -> None:
    mine = BASE.moved(["A"], "NEW01")
    theirs = BASE.moved(["D"], "NEW01")
    result = merge_plans(BASE, mine, theirs)
    assert result.clean
    assert result.renamed == {"NEW01": "NEW02"}
    assert result.plan.assignment["A"] == "NEW01"
    assert result.plan.assignment["D"] == "NEW02"


def test_a_new_network_both_sides_put_a_practice_in_is_one_network() -> None:
    both = BASE.moved(["A", "B"], "NEW01")
    result = merge_plans(BASE, both, both)
    assert result.renamed == {}
    assert result.plan == both
    grown = merge_plans(BASE, BASE.moved(["A", "B"], "NEW01"), BASE.moved(["B", "C"], "NEW01"))
    assert grown.renamed == {} and grown.clean
    assert grown.plan.networks()["NEW01"] == ["A", "B", "C"]


def test_locks_and_waivers_merge_and_follow_the_networks() -> None:
    base = PlanState(BASE, frozenset({"N1"}), {"N2": "rural"})
    mine = PlanState(BASE, frozenset({"N1", "N2"}), {"N2": "rural"})
    theirs = PlanState(BASE, frozenset(), {"N2": "rural, agreed 3 March"})
    result = merge_states(base, mine, theirs)
    assert result.clean
    assert result.state.locks == {"N2"}
    assert dict(result.state.waivers) == {"N2": "rural, agreed 3 March"}
    # a network merged away takes its lock and waiver with it
    emptied = PlanState(BASE.moved(["C", "D"], "N1"), frozenset({"N1", "N2"}), {"N2": "rural"})
    merged = merge_states(base, emptied, base)
    assert merged.state.locks == {"N1"} and dict(merged.state.waivers) == {}


def test_waivers_written_differently_conflict() -> None:
    base = PlanState(BASE)
    mine = PlanState(BASE, waivers={"N1": "island"})
    theirs = PlanState(BASE, waivers={"N1": "agreed with the board"})
    result = merge_states(base, mine, theirs)
    assert [(c.kind, c.key, c.mine, c.theirs) for c in result.conflicts] == [
        ("waiver", "N1", "island", "agreed with the board")
    ]
    assert result.resolve([("waiver", "N1")]).waivers == {"N1": "agreed with the board"}


def test_resolving_a_conflict_the_merge_does_not_have_names_the_ones_it_has() -> None:
    mine = BASE.moved(["A"], "N2")
    theirs = Plan({**BASE.assignment, "A": "N3"}, BASE.names)
    result = merge_plans(BASE, mine, theirs)
    with pytest.raises(KeyError, match=r"no conflict practice B.*practice A"):
        result.resolve([("practice", "B")])


_NETWORKS = st.sampled_from(["N1", "N2", "N3", "NEW01"])
_PLANS = st.dictionaries(st.sampled_from(list("ABCDEFGH")), _NETWORKS, min_size=1).map(Plan)


@given(_PLANS, _PLANS)
def test_merging_with_an_unchanged_side_gives_the_other(base: Plan, changed: Plan) -> None:
    assert merge_plans(base, changed, base).plan.assignment == changed.assignment
    assert merge_plans(base, base, changed).plan.assignment == changed.assignment
    assert merge_plans(base, changed, changed).plan.assignment == changed.assignment


@given(_PLANS, _PLANS, _PLANS)
def test_every_practice_either_side_changed_ends_as_one_of_the_sides(
    base: Plan, mine: Plan, theirs: Plan
) -> None:
    result = merge_plans(base, mine, theirs)
    back = {new: old for old, new in result.renamed.items()}
    conflicted = {c.key for c in result.conflicts if c.kind == "practice"}
    for practice in set(mine.assignment) | set(theirs.assignment) | set(base.assignment):
        merged = result.plan.assignment.get(practice)
        merged = back.get(merged, merged) if merged is not None else None
        ours, other = mine.assignment.get(practice), theirs.assignment.get(practice)
        assert merged in {ours, other}
        if practice in conflicted:
            assert merged == ours and ours != other
