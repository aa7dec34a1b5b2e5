"""Plans and versions in the store: every save a version, named, read, restored, compared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from store_plans import grid_plan

from footprints.diff import diff_plans
from footprints.plan import Plan, PlanState
from footprints.store import (
    ConflictError,
    InvalidValueError,
    PlanExistsError,
    PlanNotFoundError,
    Store,
    VersionNotFoundError,
)


def test_a_new_plan_is_version_1_and_reads_back_whole(store: Store) -> None:
    plan = grid_plan()
    state = PlanState(plan, frozenset({"N1"}), {"N2": "island practice, <agreed>"})
    handle = store.create("Kent draft", state, author="alice", label="import plan.csv")
    head = handle.version()
    assert head.number == 1 and head.state == state
    assert head.info.author == "alice" and head.info.label == "import plan.csv"
    assert (head.info.practices, head.info.networks) == (12, 3)
    assert abs(head.info.created_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert store.open("Kent draft").version().state == state
    assert store.open(handle.id).name == "Kent draft"


def test_every_save_is_a_version_and_any_can_be_read(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    plans = [grid_plan()]
    for step in range(1, 5):
        plans.append(plans[-1].moved([f"P{step:03d}"], "N0"))
        info = handle.save(plans[-1], base=step, label=f"move P{step:03d}", author="bob")
        assert (info.number, info.parent) == (step + 1, step)
    listed = handle.versions()
    assert [v.number for v in listed] == [1, 2, 3, 4, 5]
    assert [v.label for v in listed[1:]] == ["move P001", "move P002", "move P003", "move P004"]
    for number, plan in enumerate(plans, start=1):
        assert handle.version(number).plan == plan
        assert handle.version(str(number)).plan == plan
    assert handle.version("head").plan == plans[-1]
    assert handle.head_number() == 5


def test_a_version_is_named_and_read_by_its_name(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    handle.save(grid_plan().moved(["P001"], "N2"), base=1)
    info = handle.name_version(1, "for the board, 3 March")
    assert info.name == "for the board, 3 March"
    assert handle.version("for the board, 3 March").number == 1
    with pytest.raises(InvalidValueError, match="version 1 is already named 'for the board"):
        handle.name_version(2, "for the board, 3 March")
    with pytest.raises(InvalidValueError, match="cannot be named '7'"):
        handle.name_version(2, "7")
    assert handle.name_version(1, None).name is None
    with pytest.raises(VersionNotFoundError, match="no version 'for the board, 3 March'"):
        handle.version("for the board, 3 March")


def test_restoring_saves_the_old_version_again_as_the_newest(store: Store) -> None:
    first = PlanState(grid_plan(), frozenset({"N0"}), {"N1": "reason"})
    handle = store.create("plan", first)
    handle.save(grid_plan().moved(["P001", "P002"], "N0"), base=1)
    handle.name_version(1, "agreed")
    info = handle.restore("agreed", author="carol")
    assert (info.number, info.parent, info.author) == (3, 2, "carol")
    assert info.label == 'restore version 1 "agreed"'
    assert handle.version().state == first
    assert len(handle.versions()) == 3  # nothing was lost: version 2 is still there


def test_a_restore_racing_another_save_restores_on_top_of_it(
    store: Store, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `footprints plans restore` run by two people at once: the later one was refused with a
    # ConflictError ('merge the changes (ConflictError.merge)') though it named no base
    from footprints.store import PlanHandle

    handle = store.create("plan", grid_plan())
    handle.save(grid_plan().moved(["P001"], "N0"), base=1)
    write = PlanHandle._write_version
    raced: list[int] = []

    def another_save_first(self, state, base, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not raced:  # between the restore's read of the head and its write
            raced.append(0)
            with Store(store_url) as other:
                theirs = grid_plan().moved(["P002"], "N0")
                raced[0] = other.open("plan").save(theirs, base=base, label="theirs").number
        return write(self, state, base, *args, **kwargs)

    monkeypatch.setattr(PlanHandle, "_write_version", another_save_first)
    info = handle.restore(1)
    assert raced == [3]
    assert (info.number, info.parent) == (4, 3)
    assert handle.version().plan == grid_plan()
    assert [v.label for v in handle.versions()][2:] == ["theirs", "restore version 1"]
    with pytest.raises(ConflictError):  # a restore against a base asked for still conflicts
        raced.clear()
        handle.restore(1, base=4)


def test_any_two_versions_compare_with_the_plan_diff(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    moved = grid_plan().moved(["P001"], "N2")
    handle.save(moved, base=1)
    difference = handle.diff(1, 2)
    assert difference == diff_plans(grid_plan(), moved)
    assert [m.practice for m in difference.moved] == ["P001"]
    assert handle.diff(2, "head").identical


def test_a_save_from_an_old_base_is_a_conflict_carrying_both_sides(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    other = store.open("plan")  # a second editor, from version 1 too
    theirs = grid_plan().moved(["P001"], "N0")
    handle.save(theirs, base=1, label="move P001", author="alice")
    mine = grid_plan().moved(["P002"], "N1")
    with pytest.raises(ConflictError) as caught:
        other.save(mine, base=1, author="bob")
    conflict = caught.value
    assert "version 2 was saved by alice (move P001) after version 1" in str(conflict)
    assert conflict.base.number == 1 and conflict.base.plan == grid_plan()
    assert conflict.theirs.number == 2 and conflict.theirs.plan == theirs
    assert conflict.mine.plan == mine
    assert handle.head_number() == 2  # nothing was saved
    merge = conflict.merge()
    assert merge.clean
    assert merge.plan.assignment["P001"] == "N0" and merge.plan.assignment["P002"] == "N1"
    info = other.save(merge.state, base=conflict.theirs.number, label="merge", author="bob")
    assert info.number == 3 and other.version().plan == merge.plan


def test_a_save_against_a_version_that_does_not_exist_says_which_there_are(store: Store) -> None:
    handle = store.create("plan", grid_plan())
    with pytest.raises(VersionNotFoundError, match=r"no version 9 to save against \(versions 1–1"):
        handle.save(grid_plan(), base=9)


def test_plan_names_are_unique_and_unknown_names_list_the_plans(store: Store) -> None:
    store.create("Kent draft", grid_plan())
    with pytest.raises(PlanExistsError, match="already has a plan 'Kent draft'"):
        store.create("Kent draft", grid_plan())
    with pytest.raises(PlanNotFoundError, match=r"no plan 'Kent' \(plans: 'Kent draft'\)"):
        store.open("Kent")
    with pytest.raises(InvalidValueError, match="plan's name is empty"):
        store.create("  ", grid_plan())


def test_the_list_of_plans_gives_each_head(store: Store) -> None:
    assert store.plans() == []
    store.create("b", grid_plan(6, 2), owner="olive")
    handle = store.create("a", grid_plan())
    handle.save(grid_plan(20, 4), base=1)
    listed = store.plans()
    assert [(p.name, p.head, p.practices, p.networks, p.owner) for p in listed] == [
        ("a", 2, 20, 4, None),
        ("b", 1, 6, 2, "olive"),
    ]


def test_an_empty_plan_and_unusual_codes_round_trip(store: Store) -> None:
    handle = store.create("empty", Plan({}))
    assert handle.version().plan == Plan({})
    odd = Plan({"Y0ü1": "N – 1", "P'2": 'N"2'}, {"N – 1": "Ærø <b>&</b>"})
    handle.save(odd, base=1)
    assert handle.version().plan == odd


def test_what_the_app_keeps_beside_the_plan_is_kept(store: Store) -> None:
    handle = store.create("plan", grid_plan(), meta={"region": "demo"})
    assert handle.meta() == {"region": "demo"}
    handle.set_meta({"region": "upload", "settings": {"min": 30000}})
    assert store.open("plan").meta() == {"region": "upload", "settings": {"min": 30000}}


def test_the_history_records_who_did_what(store: Store) -> None:
    handle = store.create("plan", grid_plan(), author="alice")
    handle.save(grid_plan().moved(["P001"], "N0"), base=1, label="move P001", author="bob")
    handle.name_version(2, "draft")
    assert [(e.user, e.action, e.detail) for e in handle.history()] == [
        ("alice", "create", "version 1: created"),
        ("bob", "save", "version 2: move P001"),
        (None, "name", 'version 2: "draft"'),
    ]


def test_a_second_store_object_sees_the_same_plans(store_url: str) -> None:
    with Store(store_url) as first:
        first.create("plan", grid_plan())
    with Store(store_url) as second:
        assert second.open("plan").version().plan == grid_plan()
