"""A browser tab's first run: its session id, and the plan it opens on.

A tab whose URL names a saved session gets that session back (plan, history, locks,
settings and uploaded files); any other starts on the demo region's proposal.
"""

from __future__ import annotations

from app.autosave import session_id, store
from app.data import load_uploaded_region
from app.state import AppState, restore_settings, state, type_settings
from app.uploads import start_on_demo
from footprints.errors import FootprintsError

__all__ = ["open_session"]


def _restore() -> bool:
    """Restore the session the URL names; False when there is none to restore."""
    saved = store().load(session_id())
    if saved is None:
        return False
    restore_settings(saved.settings)
    if saved.region == "upload" and saved.uploads:
        try:
            state.region = load_uploaded_region(store().upload_dir(session_id()), saved.uploads)
        except (FootprintsError, OSError) as error:
            state.notice = f"Your uploaded files could not be reloaded ({error}); showing the demo."
            return False
        state.region_kind = "upload"
        state.uploads = dict(saved.uploads)
    state.working = saved.working
    state.notice = "Restored your saved plan."
    return True


def open_session() -> None:
    """Set the session state up before anything is drawn: plan, region and settings."""
    session_id()  # in the URL from the first run on
    if not AppState.working.is_set() and not _restore():
        start_on_demo()
    type_settings()  # widget values, restored or default
