"""A tab whose plan is stale: another tab or editor saved a newer version in the store.

Each page run compares the plan's newest version with the one this tab last read or wrote
(:func:`check`), and an autosave over a newer version is refused by the store
(:class:`~footprints.store.ConflictError`, noted by :func:`app.autosave.autosave`). Then
:func:`panel` says so and offers to reload the newest version (this tab's unsaved edits
dropped) or to merge this tab's edits into it: the merge takes the base, this tab's plan and
the newest version from the store's ConflictError
(:func:`footprints.session.merge_edits`). Nothing is saved from a stale tab until then.
"""

from __future__ import annotations

import streamlit as st

from app.access import can_edit
from app.autosave import autosave, current, plan_key, remember_saved
from app.markdown import plain
from app.state import restore_settings, state, type_settings
from footprints.plan import Plan, PlanState
from footprints.session import SavedSession, merge_edits
from footprints.store import ConflictError, StoreError
from footprints.store.sessions import load_session, save_session

__all__ = ["check", "merge", "panel", "reload"]


def check() -> None:
    """Note a newer version in the store than the one this tab holds (a cheap read)."""
    handle = state.plan_handle
    if handle is None:
        return
    try:
        newest = handle.head_number()
    except StoreError as error:
        state.save_error = f"The plan store could not be read: {error}"
        return
    if newest > state.saved_version:
        state.stale_version = newest


def _newest() -> SavedSession | None:
    handle = state.plan_handle
    try:
        return None if handle is None else load_session(handle)
    except StoreError as error:
        state.error = f"The newest version could not be read ({error}); this tab's plan is kept."
        del state.stale_version
        return None


def reload() -> None:
    """Take the newest version, its history and settings; this tab's unsaved edits are dropped."""
    saved = _newest()
    if saved is None:
        return
    state.working = saved.working
    restore_settings(saved.settings)
    type_settings()
    remember_saved(saved)
    state.notice = f"Reloaded the saved plan (version {saved.version})."


def _plan(version_state: PlanState) -> Plan:
    plan = version_state.plan
    return Plan(plan.assignment, plan.names, version_state.waivers)


def merge() -> None:
    """Put this tab's edits since its last save onto the newest version, as one undoable step."""
    handle = state.plan_handle
    if handle is None:
        return
    mine = current()
    try:  # the store answers with both sides, or saves when nothing newer is there any more
        save_session(handle, mine, key=plan_key(), base=state.saved_version)
    except ConflictError as conflict:
        theirs = _newest()
        if theirs is None:
            return
        # The newest version read now (it may be newer still than the conflict's).
        merged, conflicts = merge_edits(
            _plan(conflict.base.state),
            state.working.plan,
            theirs.working.plan,
            locks=theirs.working.locks,
        )
    except StoreError as error:
        state.error = f"Nothing was merged: {error}"
        return
    else:
        remember_saved(mine)
        state.notice = f"Saved this tab's edits (version {mine.version}): nothing newer was there."
        return
    working = theirs.working
    working.replace(merged, label="merge this tab's edits into the saved plan")
    state.working = working
    remember_saved(theirs)
    autosave()
    state.notice = f"Merged this tab's edits into the saved plan (version {theirs.version})." + (
        f" {len(conflicts)} edit{'s' if len(conflicts) != 1 else ''} left out: "
        + "; ".join(conflicts[:5])
        + ("…" if len(conflicts) > 5 else "")
        if conflicts
        else ""
    )


def panel() -> None:
    """Tell a stale tab so, with the choice of a reload or a merge."""
    check()
    newer = state.stale_version
    if newer is None:
        return
    if not can_edit():  # a view link: nothing of this tab's to keep
        st.info(f"A newer version of this plan was saved (version {newer}).", icon="🔄")
        st.button("Show the newest version", key="stale_reload", on_click=reload)
        return
    with st.container(border=True):
        st.warning(
            plain(
                f"This plan was saved from another tab or window (version {newer}; this tab "
                f"has version {state.saved_version}). Your edits here are not saved until you "
                "reload the saved plan or merge your edits into it."
            ),
            icon="⚠️",
        )
        reload_col, merge_col = st.columns(2)
        reload_col.button(
            "Reload the saved plan",
            key="stale_reload",
            on_click=reload,
            help="Show the plan as saved; the edits made in this tab since are dropped.",
            width="stretch",
        )
        merge_col.button(
            "Merge my edits into it",
            key="stale_merge",
            on_click=merge,
            help="Keep the saved plan and make this tab's edits on it again (one undo step).",
            width="stretch",
        )
