"""The History tab's versions: every save of the plan in the store, named, compared, restored.

Each autosave is a version (:mod:`app.autosave`). Here a version can be given a name ("for
the board, 3 March"), any two compared with the existing diff
(:meth:`PlanHandle.diff` → :func:`footprints.diff.diff_plans`), and one restored: its plan
and locks become the working plan again as a new version, an undoable step of the history.
A view link lists and compares; naming and restoring need the right to edit (the store
checks it too).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.access import can_edit
from app.autosave import act_on_plan, autosave
from app.data import practice_info
from app.markdown import plain
from app.state import AppState, state
from footprints.session import Snapshot, WorkingPlan
from footprints.store import PlanHandle, StoreError, VersionInfo

__all__ = ["panel"]


def _name() -> None:
    number, name = state.version_pick, state.version_name.strip()

    def give(handle: PlanHandle) -> str:
        info = handle.name_version(number, name or None)
        return f"Named {info.title()}." if name else f"Version {number} has no name now."

    if number is not None:
        act_on_plan(give, "The version was not named")


def _restore() -> None:
    handle, number = state.plan_handle, state.version_pick
    if handle is None or number is None:
        return
    try:
        old = handle.version(number)
    except StoreError as error:
        state.error = f"The version was not restored: {error}"
        return
    working = state.working
    plan = old.plan
    restored = type(plan)(plan.assignment, plan.names, old.state.waivers)
    history = [*working.history[: working.pointer + 1]]
    history.append(Snapshot(restored, old.state.locks, f"restore {old.info.title()}"))
    state.working = WorkingPlan.from_history(history, len(history) - 1)
    autosave()
    if state.stale_version is None:
        state.notice = f"Restored {old.info.title()} as version {state.saved_version}."


def _when(info: VersionInfo) -> str:
    return f"{info.created_at:%d %b %Y %H:%M} UTC"


def panel() -> None:
    """List the plan's versions; name one, compare two, restore one."""
    handle = state.plan_handle
    if handle is None:
        return
    try:
        versions = handle.versions()
    except StoreError as error:
        st.caption(plain(f"The versions could not be read: {error}"))
        return
    st.subheader(f"Versions ({len(versions)})")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "version": v.number,
                    "name": v.name or "",
                    "edit": v.label,
                    "by": v.author or "",
                    "saved": _when(v),
                    "networks": v.networks,
                }
                for v in reversed(versions)
            ]
        ),
        hide_index=True,
        width="stretch",
        height=220,
        key="versions_table",
    )
    numbers = [v.number for v in reversed(versions)]
    titles = {v.number: f"{v.title()} — {v.label}" for v in versions}
    if state.version_pick not in numbers:
        state.version_pick = numbers[0]
    if state.compare_from not in numbers:
        state.compare_from = numbers[min(1, len(numbers) - 1)]
    pick_col, from_col = st.columns(2)

    def title(number: int) -> str:
        return titles.get(number, f"version {number}")

    pick_col.selectbox("Version", numbers, key=AppState.version_pick.key, format_func=title)
    from_col.selectbox("Compare it with", numbers, key=AppState.compare_from.key, format_func=title)
    populations = {c: info["list_size"] for c, info in practice_info().items()}
    try:
        difference = handle.diff(state.compare_from, state.version_pick, populations=populations)
    except StoreError as error:
        st.caption(plain(f"The versions could not be compared: {error}"))
    else:
        st.caption(
            f"From version {state.compare_from} to version {state.version_pick}: "
            f"{len(difference.moved)} practice{'' if len(difference.moved) == 1 else 's'} "
            f"moved, {len(difference.created)} network"
            f"{'' if len(difference.created) == 1 else 's'} created, "
            f"{len(difference.dissolved)} dissolved."
        )
        st.text(difference.to_text())
    if not can_edit():
        return
    name_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    name_col.text_input(
        "Name the version", key=AppState.version_name.key, placeholder="e.g. for the board, 3 March"
    )
    button_col.button("Name it", key="name_version", on_click=_name, width="stretch")
    st.button(
        "Restore this version",
        key="restore_version",
        on_click=_restore,
        help="Its plan and locks become the working plan again, saved as a new version "
        "(undo takes it back).",
    )
