"""A tab whose plan is stale: another tab of the same session saved a newer version.

Each page run compares the saved version with the one this tab last read or wrote
(:func:`check`); when another tab has saved since, :func:`panel` says so and offers to
reload the saved plan (this tab's unsaved edits dropped) or to merge this tab's edits into
it (:func:`footprints.session.merge_edits`). Nothing is saved from a stale tab until then.
"""

from __future__ import annotations

import streamlit as st

from app.autosave import autosave, remember_saved, session_id, store
from app.markdown import plain
from app.state import restore_settings, state, type_settings
from footprints.session import SavedSession, merge_edits

__all__ = ["check", "merge", "panel", "reload"]


def check() -> None:
    """Note a newer save on disk than the one this tab holds (a cheap read of the version)."""
    on_disk = store().version(session_id())
    if on_disk > state.saved_version:
        state.stale_version = on_disk


def _saved() -> SavedSession | None:
    saved = store().load(session_id())
    if saved is None:
        state.error = "The saved plan could not be read; this tab's plan is kept."
        del state.stale_version
    return saved


def reload() -> None:
    """Take the saved plan, history and settings; this tab's unsaved edits are dropped."""
    saved = _saved()
    if saved is None:
        return
    state.working = saved.working
    restore_settings(saved.settings)
    type_settings()
    remember_saved(saved)
    state.notice = f"Reloaded the saved plan (version {saved.version})."


def merge() -> None:
    """Put this tab's edits since its last save onto the saved plan, as one undoable step."""
    saved = _saved()
    if saved is None:
        return
    base = state.saved_plan if state.saved_plan is not None else saved.working.plan
    merged, conflicts = merge_edits(
        base, state.working.plan, saved.working.plan, locks=saved.working.locks
    )
    working = saved.working
    working.replace(merged, label="merge this tab's edits into the saved plan")
    state.working = working
    remember_saved(saved)
    autosave()
    state.notice = f"Merged this tab's edits into the saved plan (version {saved.version})." + (
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
