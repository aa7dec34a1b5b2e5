"""The app's working state: moves, undo/redo, locks, atomic autosave and restore."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from footprints.plan import Plan
from footprints.session import (
    HISTORY_LIMIT,
    STATE_DIR_ENV,
    LockedNetworkError,
    SavedSession,
    SessionStore,
    StaleSessionError,
    WorkingPlan,
    apply_proposal,
    changed_practices,
    merge_edits,
    new_network_id,
    new_session_id,
    state_dir,
)


@pytest.fixture
def plan() -> Plan:
    return Plan(
        {"A1": "N1", "A2": "N1", "B1": "N2", "B2": "N2", "C1": "N3"},
        {"N1": "North PCN", "N2": "South PCN", "N3": "East PCN"},
    )


@pytest.fixture
def working(plan: Plan) -> WorkingPlan:
    return WorkingPlan(plan, label="proposal")


# ------------------------------------------------------------------ moves and history
def test_move_changes_the_plan_and_records_a_step(working: WorkingPlan) -> None:
    moved = working.move(["A2"], "N2")

    assert moved == ["A2"]
    assert working.plan.assignment["A2"] == "N2"
    assert working.pointer == 1
    assert working.label == "move A2 to N2"
    assert working.can_undo and not working.can_redo


def test_move_of_practices_already_there_records_nothing(working: WorkingPlan) -> None:
    assert working.move(["A1", "A2"], "N1") == []
    assert working.pointer == 0


def test_move_into_a_new_network_names_it(working: WorkingPlan) -> None:
    network = new_network_id(working.plan)
    working.move(["C1"], network, name="Harbour PCN")

    assert network == "NEW01"
    assert working.plan.assignment["C1"] == "NEW01"
    assert working.plan.network_name("NEW01") == "Harbour PCN"
    assert "N3" not in working.plan.names  # the emptied network's name goes with it


def test_new_network_id_skips_ids_in_use() -> None:
    assert new_network_id(Plan({"A": "NEW01", "B": "NEW02"})) == "NEW03"


def test_undo_and_redo_walk_the_history(working: WorkingPlan, plan: Plan) -> None:
    working.move(["A2"], "N2")
    after_first = working.plan
    working.move(["B1"], "N3")

    assert working.undo()
    assert working.plan == after_first
    assert working.redo_label == "move B1 to N3"
    assert working.undo()
    assert working.plan == plan
    assert not working.undo()  # nothing left to undo
    assert working.redo() and working.redo()
    assert working.plan.assignment["B1"] == "N3"
    assert not working.redo()


def test_an_edit_after_undo_drops_the_redo_tail(working: WorkingPlan) -> None:
    working.move(["A2"], "N2")
    working.undo()
    working.move(["B1"], "N1")

    assert not working.can_redo
    assert [s.label for s in working.history] == ["proposal", "move B1 to N1"]


def test_replace_records_a_new_plan_and_keeps_surviving_locks(
    working: WorkingPlan, plan: Plan
) -> None:
    working.lock(["N1", "N3"])
    proposal = Plan({"A1": "N1", "A2": "N1", "B1": "X", "B2": "X", "C1": "X"})
    working.replace(proposal, label="re-optimised")

    assert working.plan == proposal
    assert working.locks == {"N1"}  # N3 no longer exists
    working.replace(proposal, label="again")  # the same plan is not a new step
    assert working.label == "re-optimised"


def test_history_is_capped(plan: Plan) -> None:
    working = WorkingPlan(plan)
    for step in range(HISTORY_LIMIT + 10):
        working.move(["C1"], f"N{step % 2 + 1}")
    assert len(working.history) == HISTORY_LIMIT
    assert working.pointer == HISTORY_LIMIT - 1


# ------------------------------------------------------------------ locks
def test_locked_networks_refuse_moves_in_and_out(working: WorkingPlan) -> None:
    working.lock(["N1"])

    with pytest.raises(LockedNetworkError, match="North PCN is locked"):
        working.move(["A1"], "N2")
    with pytest.raises(LockedNetworkError, match="North PCN is locked"):
        working.move(["B1"], "N1")
    assert working.plan.assignment["A1"] == "N1"
    assert working.locked_practices() == {"A1": "N1", "A2": "N1"}


def test_lock_and_unlock_are_undoable(working: WorkingPlan) -> None:
    working.lock(["N2"])
    working.unlock(["N2"])
    assert working.locks == frozenset()
    working.undo()
    assert working.locks == {"N2"}
    working.undo()
    assert working.locks == frozenset()


def test_locking_an_unknown_or_locked_network_records_nothing(working: WorkingPlan) -> None:
    working.lock(["nope"])
    working.lock(["N1"])
    working.lock(["N1"])
    working.unlock(["N2"])
    assert [s.label for s in working.history] == ["proposal", "lock N1"]


# ------------------------------------------------------------------ serialising
def test_changed_practices_lists_moves_and_removals() -> None:
    before = Plan({"A": "1", "B": "1", "C": "2"})
    after = Plan({"A": "1", "B": "2", "D": "3"})
    assert changed_practices(before, after) == {"B": "2", "D": "3", "C": None}


def test_round_trip_keeps_history_pointer_locks_and_names(working: WorkingPlan) -> None:
    working.move(["A2"], "N2")
    working.lock(["N3"])
    working.move(["B1"], "NEW01", name="Harbour PCN")
    working.undo()

    restored = WorkingPlan.from_dict(json.loads(json.dumps(working.to_dict())))

    assert restored.history == working.history
    assert restored.pointer == working.pointer
    assert restored.plan == working.plan
    assert restored.locks == {"N3"}
    assert restored.redo()
    assert restored.plan.network_name("NEW01") == "Harbour PCN"


def test_saved_steps_hold_only_the_changes(working: WorkingPlan) -> None:
    working.move(["A2"], "N2")
    steps = working.to_dict()["history"]
    assert steps[1]["set"] == {"A2": "N2"}
    assert "assignment" not in steps[1]


# ------------------------------------------------------------------ the store
def test_save_then_load_restores_the_session(tmp_path: Path, working: WorkingPlan) -> None:
    store = SessionStore(tmp_path / "sessions")
    session_id = new_session_id()
    working.move(["A2"], "N2")
    store.save(session_id, SavedSession(working, settings={"band_min": 28_000}))

    restored = store.load(session_id)

    assert restored is not None
    assert restored.working.plan == working.plan
    assert restored.working.pointer == 1
    assert restored.settings == {"band_min": 28_000}
    assert restored.region == "demo"


def test_sessions_do_not_share_state(tmp_path: Path, plan: Plan) -> None:
    store = SessionStore(tmp_path)
    first, second = new_session_id(), new_session_id()
    one = WorkingPlan(plan)
    one.move(["A1"], "N3")
    store.save(first, SavedSession(one))
    store.save(second, SavedSession(WorkingPlan(plan)))

    loaded_first, loaded_second = store.load(first), store.load(second)
    assert first != second
    assert loaded_first is not None and loaded_second is not None
    assert loaded_first.working.plan.assignment["A1"] == "N3"
    assert loaded_second.working.plan.assignment["A1"] == "N1"


def test_a_failing_write_leaves_the_previous_save_intact(
    tmp_path: Path, working: WorkingPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path)
    session_id = new_session_id()
    store.save(session_id, SavedSession(working))
    before = store.path(session_id).read_bytes()
    working.move(["A2"], "N2")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        store.save(session_id, SavedSession(working))

    assert store.path(session_id).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [f"{session_id}.json"]  # no temp file left
    restored = store.load(session_id)
    assert restored is not None and restored.working.plan.assignment["A2"] == "N1"


def test_a_failing_rename_leaves_the_previous_save_intact(
    tmp_path: Path, working: WorkingPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SessionStore(tmp_path)
    session_id = new_session_id()
    store.save(session_id, SavedSession(working))
    before = store.path(session_id).read_bytes()
    working.move(["A2"], "N2")

    def broken_replace(source: str, target: str) -> None:
        raise OSError("interrupted")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="interrupted"):
        store.save(session_id, SavedSession(working))
    assert store.path(session_id).read_bytes() == before
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize(
    "content", ["", "{not json", '{"format": 99}', '{"format": 1, "history": []}']
)
def test_an_unreadable_save_starts_afresh_and_is_kept_aside(tmp_path: Path, content: str) -> None:
    store = SessionStore(tmp_path)
    session_id = new_session_id()
    store.path(session_id).write_text(content, encoding="utf-8")
    assert store.load(session_id) is None
    assert not store.path(session_id).exists()  # the next autosave cannot overwrite it
    (kept,) = tmp_path.glob(f"{session_id}.json.unreadable-*")
    assert kept.read_text(encoding="utf-8") == content


@pytest.mark.parametrize("bad", ["", "short", "../../etc/passwd", "a" * 65, "with space x"])
def test_session_ids_that_could_escape_the_folder_are_refused(tmp_path: Path, bad: str) -> None:
    store = SessionStore(tmp_path)
    assert not store.valid_id(bad)
    assert store.load(bad) is None
    with pytest.raises(ValueError, match="not a session id"):
        store.path(bad)


def test_new_session_ids_are_valid_and_distinct() -> None:
    ids = {new_session_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(SessionStore.valid_id(i) for i in ids)


def test_state_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
    assert state_dir() == tmp_path
    assert SessionStore().folder == tmp_path
    monkeypatch.delenv(STATE_DIR_ENV)
    assert state_dir() == Path(".footprints") / "sessions"


# ------------------------------------------------------------------ applying a proposal
def test_a_proposal_replaces_its_areas_and_keeps_edits_outside_them(plan: Plan) -> None:
    # Areas: X holds A1, A2, B1; Y holds B2, C1. The optimiser ran on X only, while the
    # user moved C1 (outside X) to N2: that edit stays.
    edited = plan.moved(["C1"], "N2")
    proposal = Plan({"A1": "X01", "A2": "X01", "B1": "X02"})
    result = apply_proposal(edited, proposal, {"X": ["A1", "A2", "B1"]})
    assert dict(result.assignment) == {
        "A1": "X01",
        "A2": "X01",
        "B1": "X02",
        "B2": "N2",
        "C1": "N2",
    }
    # Names of networks no longer used are dropped; the others are kept.
    assert dict(result.names) == {"N2": "South PCN"}


def test_an_area_with_no_plan_keeps_its_current_networks(plan: Plan) -> None:
    proposal = Plan({"A1": "X01", "A2": "X01"})  # area Y (B1, B2, C1) failed
    result = apply_proposal(plan, proposal, {"X": ["A1", "A2"], "Y": ["B1", "B2", "C1"]})
    assert dict(result.assignment) == {
        "A1": "X01",
        "A2": "X01",
        "B1": "N2",
        "B2": "N2",
        "C1": "N3",
    }
    assert dict(result.names) == {"N2": "South PCN", "N3": "East PCN"}


def test_a_proposal_names_its_networks_over_the_plan(plan: Plan) -> None:
    proposal = Plan({"A1": "N1", "A2": "N9"}, {"N1": "Harbour PCN", "N9": "Hill PCN"})
    result = apply_proposal(plan, proposal, {"X": ["A1", "A2"]})
    assert result.assignment["A2"] == "N9"
    assert result.network_name("N1") == "Harbour PCN"
    assert result.network_name("N9") == "Hill PCN"
    assert result.network_name("N2") == "South PCN"


def test_the_same_proposal_again_changes_nothing(plan: Plan) -> None:
    areas = {"X": ["A1", "A2", "B1", "B2"], "Y": ["C1"]}
    assert apply_proposal(plan, plan, areas) == plan


# ------------------------------------------------------------------ locks under the optimiser
def test_a_proposal_that_changes_a_locked_network_is_refused(plan: Plan) -> None:
    # The optimiser's plan for area "A" splits N1 (A1 stays, A2 goes to a new network).
    proposal = Plan({"A1": "N1", "A2": "A-N01"})
    with pytest.raises(LockedNetworkError, match=r"North PCN \(N1\): practices A2"):
        apply_proposal(plan, proposal, {"A": ["A1", "A2"]}, locks={"N1"})
    # Unlocked, the same proposal is applied.
    assert apply_proposal(plan, proposal, {"A": ["A1", "A2"]}).assignment["A2"] == "A-N01"


def test_a_locked_network_keeps_its_name_and_waiver_through_a_proposal(plan: Plan) -> None:
    waived = plan.with_waiver("N1", "an island practice")
    proposal = Plan({"A1": "N1", "A2": "N1"}, {"N1": "A-N01"})
    merged = apply_proposal(waived, proposal, {"A": ["A1", "A2"]}, locks={"N1"})
    assert merged.network_name("N1") == "North PCN"
    assert merged.waivers == {"N1": "an island practice"}


# ------------------------------------------------------------------ renames and waivers
def test_rename_keeps_the_case_and_is_undoable(working: WorkingPlan) -> None:
    working.lock(["N1"])
    assert working.rename("N1", "  St Mary's & McAdam PCN ")
    assert working.plan.network_name("N1") == "St Mary's & McAdam PCN"
    assert working.label == "rename N1 to “St Mary's & McAdam PCN”"
    assert not working.rename("N1", "St Mary's & McAdam PCN")  # unchanged: no step
    working.undo()
    assert working.plan.network_name("N1") == "North PCN"
    with pytest.raises(ValueError, match="no network 'N9'"):
        working.rename("N9", "Nowhere")


def test_waiver_reasons_are_kept_through_moves_and_saves(
    tmp_path: Path, working: WorkingPlan
) -> None:
    assert working.waive("N3", "One practice of 61,089 patients")
    working.move(["A1"], "N2")
    assert working.plan.waivers == {"N3": "One practice of 61,089 patients"}
    working.move(["C1"], "N2")  # N3 is empty now: its reason goes with it
    assert working.plan.waivers == {}
    working.undo()
    store = SessionStore(tmp_path)
    store.save("abcdefgh12", SavedSession(working))
    restored = store.load("abcdefgh12")
    assert restored is not None
    assert restored.working.plan.waivers == {"N3": "One practice of 61,089 patients"}
    assert [s.plan for s in restored.working.history] == [s.plan for s in working.history]
    assert working.waive("N3", "")  # cleared
    assert working.plan.waivers == {}


# ------------------------------------------------------------------ versions and stale tabs
def test_each_save_carries_a_version_and_a_stale_one_is_refused(
    tmp_path: Path, working: WorkingPlan, plan: Plan
) -> None:
    store = SessionStore(tmp_path)
    first = SavedSession(working)
    store.save("abcdefgh12", first)
    assert first.version == 1 and store.version("abcdefgh12") == 1
    # Two tabs read version 1; the first saves (version 2), the second is then stale.
    tab_one, tab_two = store.load("abcdefgh12"), store.load("abcdefgh12")
    assert tab_one is not None and tab_two is not None
    tab_one.working.move(["A1"], "N2")
    store.save("abcdefgh12", tab_one, expected_version=1)
    assert store.version("abcdefgh12") == 2
    tab_two.working.move(["B1"], "N3")
    with pytest.raises(StaleSessionError, match="version 2") as stale:
        store.save("abcdefgh12", tab_two, expected_version=1)
    assert (stale.value.saved, stale.value.expected) == (2, 1)
    saved = store.load("abcdefgh12")
    assert saved is not None and saved.working.plan.assignment["A1"] == "N2"
    assert saved.working.plan.assignment["B1"] == "N2"  # the stale save wrote nothing


def test_merge_puts_my_edits_on_the_saved_plan(plan: Plan) -> None:
    theirs = plan.moved(["A1"], "N2")  # the other tab moved A1
    mine = plan.moved(["B1"], "N3").moved(["A1"], "N3").renamed("N3", "East Kent PCN")
    merged, conflicts = merge_edits(plan, mine, theirs)
    assert merged.assignment["B1"] == "N3"  # my move, kept
    assert merged.assignment["A1"] == "N2"  # both moved A1: the saved plan's stays
    assert merged.network_name("N3") == "East Kent PCN"
    assert conflicts == ["practice A1: was 'N1', mine 'N3', theirs 'N2': the saved plan's kept"]
    # A network locked in the saved plan is left as it is.
    merged, conflicts = merge_edits(plan, plan.moved(["C1"], "N1"), plan, locks={"N3"})
    assert merged.assignment["C1"] == "N3"
    assert conflicts == ["C1: its network is locked in the saved plan, left as is"]
