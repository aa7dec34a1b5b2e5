"""The plan in the store a tab has open, and the autosave after every edit.

A tab's plan is a plan in the store (:mod:`footprints.store.sessions`; the database
``$FOOTPRINTS_STORE``, by default a SQLite file): the URL names it by its key
(``?plan=…``), so a refresh or a server restart opens it again. Every autosave is a version
made against the version the tab last read or wrote (``saved_version``), with the edit
history, region, uploads and settings saved alongside in the same transaction. When
another tab or editor saved a newer version first, the store refuses with a
:class:`~footprints.store.ConflictError` and nothing is written: the tab is told it is stale
(``stale_version``; :mod:`app.stale` offers a reload or a merge).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from app.signin import user
from app.state import setting_values, state
from footprints.session import SavedSession, SessionStore
from footprints.store import (
    ConflictError,
    Permission,
    PermissionDeniedError,
    PlanExistsError,
    PlanHandle,
    Store,
    StoreError,
    default_location,
)
from footprints.store.sessions import (
    create_session,
    load_session,
    new_key,
    open_app_plan,
    save_session,
    working_state,
)

__all__ = [
    "act_on_plan",
    "autosave",
    "current",
    "plan_key",
    "remember_saved",
    "store",
    "upload_folder",
]


@st.cache_resource(max_entries=4, show_spinner=False)
def _open_store(location: str) -> Store:
    """Open the store once per server and location (its engine keeps the connections)."""
    return Store(location)


def store() -> Store:
    """Return the plan store (``$FOOTPRINTS_STORE`` as the server has it now)."""
    return _open_store(default_location())


def plan_key() -> str:
    """Return this tab's plan key; a new one, put in the URL, for a tab that has none."""
    key = state.plan_key
    if key is None:
        key = new_key()
        state.plan_key = key
        if "link" not in st.query_params:  # a link's visitor never sees the plan's key
            st.query_params["plan"] = key
    return key


def upload_folder() -> Path:
    """Return the folder the plan's uploaded input files are kept in."""
    return SessionStore().upload_dir(plan_key())


def current() -> SavedSession:
    """Return what this tab would save now: its plan, history, region, uploads, settings.

    A plan whose region's files could not be loaded keeps its region and files: the demo
    the tab shows meanwhile is not saved as the plan's region.
    """
    return SavedSession(
        state.working,
        region=state.unloaded_region or state.region_kind,
        uploads=dict(state.uploads),
        settings=setting_values(),
        region_options=dict(state.region_options),
    )


def act_on_plan(action: Callable[[PlanHandle], str | None], failed: str) -> None:
    """Do ``action`` on this tab's plan in the store (a button's callback).

    What it returns is the page's notice; a refusal of the store (a link's rights, a
    revoked link, a bad value) is the page's error, after ``failed`` ("No link was made").
    """
    handle = state.plan_handle
    if handle is None:
        return
    try:
        said = action(handle)
    except StoreError as error:
        state.error = f"{failed}: {error}"
        return
    if said:
        state.notice = said


def remember_saved(saved: SavedSession) -> None:
    """Note the version this tab now holds, and its state (a settings-only save's base)."""
    state.saved_version = saved.version
    state.saved_state = working_state(saved.working)
    del state.stale_version


def _put_back() -> None:
    """Show the plan as stored again after a refused save (this tab may not change it)."""
    handle = state.plan_handle
    if handle is None:
        return
    try:
        stored = load_session(handle)
    except StoreError:
        return
    state.working = stored.working
    remember_saved(stored)


def autosave() -> None:
    """Save the working plan as a new version, its history and settings alongside.

    Nothing is written while another tab's or editor's newer version is in the store: the
    tab is told it is stale instead, and keeps its edits until it reloads or merges. A
    handle that may not edit (a view link) is refused by the store, whatever the page did.
    """
    saved = current()
    handle = state.plan_handle
    if (
        handle is not None
        and not handle.can(Permission.EDIT)
        and working_state(saved.working) == state.saved_state
    ):
        return  # a visitor's area and settings stay in this tab; an edit goes to the store
    try:
        if handle is None:
            try:
                state.plan_handle = create_session(store(), plan_key(), saved, owner=user())
            except PlanExistsError:  # another tab of this plan made it first
                state.plan_handle = open_app_plan(store(), plan_key(), user=user())
                state.stale_version = 1
                return
        else:
            save_session(
                handle, saved, key=plan_key(), base=state.saved_version, before=state.saved_state
            )
    except ConflictError as conflict:
        state.stale_version = conflict.theirs.number
        return
    except PermissionDeniedError as refused:
        state.error = f"Nothing was saved: {refused}"
        _put_back()
        return
    except StoreError as error:
        state.save_error = f"Could not save your plan to the store at {store().where}: {error}"
        return
    remember_saved(saved)
    state.saved_at = time.strftime("%H:%M:%S")
