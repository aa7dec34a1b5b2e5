"""The session id in the URL and the autosave after every edit.

The id (``?session=…``) names the file :class:`footprints.session.SessionStore` saves the
working plan, locks, history, uploads and settings in, so a refresh or a server restart
restores them.
"""

from __future__ import annotations

import time

import streamlit as st

from app.state import setting_values, state
from footprints.session import SavedSession, SessionStore, new_session_id

__all__ = ["autosave", "session_id", "store"]


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


def autosave() -> None:
    """Save the working plan, locks and history pointer (atomically) after every edit."""
    saved = SavedSession(
        state.working,
        region=state.region_kind,
        uploads=dict(state.uploads),
        settings=setting_values(),
    )
    folder = store()
    try:
        folder.save(session_id(), saved)
        state.saved_at = time.strftime("%H:%M:%S")
    except OSError as error:
        state.save_error = f"Could not save your plan to {folder.folder}: {error}"
