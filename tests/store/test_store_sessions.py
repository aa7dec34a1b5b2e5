"""The app's saved session as a plan in the store: versions, history alongside, conflicts."""

from __future__ import annotations

import pytest

from footprints.plan import Plan, PlanState
from footprints.session import SavedSession, WorkingPlan
from footprints.store import ConflictError, PermissionDeniedError, PlanExistsError, Store
from footprints.store.sessions import (
    create_session,
    load_session,
    new_key,
    open_app_plan,
    plan_name,
    save_session,
    working_state,
)


def _working() -> WorkingPlan:
    plan = Plan({"A1": "N1", "A2": "N1", "B1": "N2"}, {"N1": "North"}, {"N2": "island"})
    return WorkingPlan(plan, label="proposal")


def test_a_session_round_trips_with_its_history_settings_and_waivers(store: Store) -> None:
    key = new_key()
    working = _working()
    saved = SavedSession(working, region="upload", uploads={"practices": "p/p.csv"})
    saved.settings = {"band_min": 28_000}
    handle = create_session(store, key, saved)
    assert saved.version == 1 and handle.name == plan_name(key)
    working.move(["A2"], "N2")
    working.lock(["N1"])
    info = save_session(
        handle, SavedSession(working, settings={"band_min": 29_000}), key=key, base=1
    )
    assert (info.number, info.parent, info.label) == (2, 1, "lock N1")

    opened = open_app_plan(store, key)
    assert opened is not None
    restored = load_session(opened)
    assert restored.version == 2
    assert restored.working.history == working.history and restored.working.pointer == 2
    assert restored.working.plan.waivers == {"N2": "island"}
    assert restored.working.locks == {"N1"}
    assert restored.settings == {"band_min": 29_000}
    assert opened.version(2).state == working_state(working)
    assert open_app_plan(store, new_key()) is None
    assert open_app_plan(store, "../etc") is None
    with pytest.raises(PlanExistsError):
        create_session(store, key, SavedSession(_working()))


def test_undo_and_a_settings_change_are_versions_labelled_as_such(store: Store) -> None:
    key = new_key()
    working = _working()
    handle = create_session(store, key, SavedSession(working))
    working.move(["A1"], "N2")
    save_session(handle, SavedSession(working), key=key, base=1)
    working.undo()
    undo = save_session(handle, SavedSession(working), key=key, base=2)
    assert undo.label == "undo to: proposal"
    before = handle.version(3).state
    settings = save_session(
        handle, SavedSession(working, settings={"time_limit": 5.0}), key=key, base=3, before=before
    )
    assert settings.label == "change settings"
    assert load_session(handle).working.can_redo  # the redo step is kept


def test_a_save_from_an_older_version_is_refused_and_nothing_of_it_is_kept(store: Store) -> None:
    key = new_key()
    handle = create_session(store, key, SavedSession(_working()))
    first, second = load_session(handle), load_session(handle)  # two tabs on version 1
    first.working.move(["A1"], "N2")
    save_session(handle, first, key=key, base=1)
    second.working.move(["B1"], "N1")
    second.settings = {"band_min": 1}
    with pytest.raises(ConflictError) as conflict:
        save_session(handle, second, key=key, base=1)
    assert (conflict.value.base.number, conflict.value.theirs.number) == (1, 2)
    assert conflict.value.mine == working_state(second.working)
    kept = load_session(handle)  # neither the version nor the history of the refused save
    assert kept.version == 2 and kept.working.plan == first.working.plan
    assert kept.working.history == first.working.history and kept.settings == {}


def test_a_view_link_cannot_save_whatever_the_caller_holds(store: Store) -> None:
    key = new_key()
    owner = create_session(store, key, SavedSession(_working()))
    token, _ = owner.create_link("view")
    visitor = store.open_link(token)
    forged = load_session(visitor)
    forged.working.move(["A1"], "N2")
    with pytest.raises(PermissionDeniedError):
        save_session(visitor, forged, key=key, base=1)
    assert owner.head_number() == 1


def test_a_version_saved_outside_the_app_ends_the_history(store: Store) -> None:
    key = new_key()
    working = _working()
    create_session(store, key, SavedSession(working))
    handle = store.open(plan_name(key))  # as the command line does
    imported = PlanState(Plan({"A1": "N9", "A2": "N9", "B1": "N9"}), frozenset({"N9"}))
    handle.save(imported, base=1, label="import plan.csv")
    restored = load_session(handle)
    assert restored.version == 2
    assert [s.label for s in restored.working.history] == [
        "proposal",
        "version 2: import plan.csv",
    ]
    assert working_state(restored.working) == imported
    assert restored.working.can_undo  # back to the app's last plan
