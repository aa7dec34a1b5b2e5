"""The session id in the URL and the autosave after every edit.

The id (``?session=…``) names the file :class:`footprints.session.SessionStore` saves the
working plan, locks, history, uploads and settings in, so a refresh or a server restart
restores them. Each save carries a version: the tab remembers the version it last read or
wrote (``saved_version``) and the plan it held then (``saved_plan``), and a save over a
newer version, written by another tab of the same session, is refused and the tab told so
(``stale_version``; :mod:`app.stale` offers a reload or a merge).
"""

from __future__ import annotations

import time

import streamlit as st

from app.state import setting_values, state
from footprints.session import SavedSession, SessionStore, StaleSessionError, new_session_id

__all__ = ["autosave", "remember_saved", "session_id", "store"]


def store() -> SessionStore:
    """Open the sessions' folder (``$FOOTPRINTS_STATE_DIR`` as the server has it now)."""
    return SessionStore()


def session_id() -> str:
    """Read the session id in the URL; put a new one there when it has none (or a bad one)."""
    current = st.query_params.get("session")
    if current is None or not SessionStore.valid_id(current):
        current = new_session_id()
        st.query_params["session"] = current
    return current


def remember_saved(saved: SavedSession) -> None:
    """Note the save this tab now holds: its version, and its plan (a merge's base)."""
    state.saved_version = saved.version
    state.saved_plan = saved.working.plan
    del state.stale_version


def autosave() -> None:
    """Save the working plan, locks, history and settings (atomically) after every edit.

    Nothing is written while another tab's newer save is on disk: the tab is told it is
    stale instead, and keeps its edits until it reloads or merges.
    """
    saved = SavedSession(
        state.working,
        region=state.region_kind,
        uploads=dict(state.uploads),
        settings=setting_values(),
    )
    folder = store()
    try:
        folder.save(session_id(), saved, expected_version=state.saved_version)
    except StaleSessionError as stale:
        state.stale_version = stale.saved
        return
    except OSError as error:
        state.save_error = f"Could not save your plan to {folder.folder}: {error}"
        return
    remember_saved(saved)
    state.saved_at = time.strftime("%H:%M:%S")
