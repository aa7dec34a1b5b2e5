"""A browser tab's first run: the plan in the store it opens, or a new one.

A tab whose URL names a plan of the store (``?plan=KEY``) gets that plan back (its newest
version, history, locks, settings, the chosen area and uploaded files); any other starts a
new plan on the demo region's proposal. A plan imported with its region's files
(``footprints plans import … --practices …``) opens on those files; a plan whose files
cannot be found or read again is still shown, on the demo region, with the files named.
A link from an older footprints (``?session=…``, a file of the old sessions folder) is said
to be gone, and a new plan started. A plan's files are loaded once per server for their
content (:func:`app.data.region_of_files`; an upload fills that cache itself), so opening
the saved plan, a reload or a second tab does not read them again. An area in the URL
(``?area=E38000237``, a CCG or an STP code) is chosen on opening, so a link opens the same
view.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.autosave import plan_key, remember_saved, store, upload_folder
from app.data import UPLOAD_LIMIT_BYTES, region, region_of_files
from app.markdown import plain
from app.signin import user
from app.state import ALL, AppState, restore_settings, state, type_settings
from app.uploads import UPLOAD_ROLES, start_on_demo
from footprints.errors import FootprintsError
from footprints.session import SavedSession
from footprints.store import PermissionDeniedError, PlanHandle, StoreError
from footprints.store.sessions import FILES_REGION, load_session, open_app_plan, session_key

__all__ = ["area_from_url", "open_session", "show_area_in_url"]


def _reload_region(saved: SavedSession) -> str | None:
    """Load the region of the plan's files into the tab; say why not (``None``: loaded).

    An uploaded region's files are in the plan's upload folder; a plan imported with its
    region's files names them by their paths on the server. The demo needs nothing.
    """
    on_server = saved.region == FILES_REGION
    if saved.region not in ("upload", FILES_REGION) or not saved.uploads:
        return None
    folder = None if on_server else upload_folder()
    paths = {
        r: Path(name) if folder is None else folder / name for r, name in saved.uploads.items()
    }
    named = {r: str(paths[r]) if on_server else name for r, name in saved.uploads.items()}
    missing = [f"{role} {named[role]}" for role, path in paths.items() if not path.is_file()]
    fix = (
        "put them back and reload this page, or import the plan again with its region's files "
        "(footprints plans import NAME PLAN.csv --practices … --boundaries …)"
        if on_server
        else "load your files again in the sidebar's Data section"
    )
    whose = "The plan's region files" if on_server else "Your uploaded files"
    if missing:
        said = f"{whose} could not be found: {'; '.join(missing)}"
    else:
        try:
            state.region = region_of_files(
                paths,
                limit=None if on_server else UPLOAD_LIMIT_BYTES,
                options=saved.region_options,
            )
        except (FootprintsError, OSError) as error:
            said = f"{whose} could not be loaded ({_user_names(str(error), folder)})"
        else:
            state.region_kind = saved.region
            state.uploads = dict(saved.uploads)
            state.region_options = dict(saved.region_options)
            return None
    state.unloaded_region = saved.region  # saved with the plan's files, not as the demo
    state.uploads = dict(saved.uploads)
    state.region_options = dict(saved.region_options)
    return (
        f"{said}. The plan is shown on the demo region meanwhile (every version of it is kept "
        f"in the store): {fix}."
    )


def _user_names(text: str, folder: Path | None) -> str:
    """Name uploaded files as the user named them, not by their paths in the session folder.

    The message of an upload that no longer loads named '/srv/…/sessions/KEY/practices/
    practices.csv': the server's folders, and the plan's key, on the page.
    """
    if folder is None:
        return text
    for role in UPLOAD_ROLES:
        text = text.replace(f"{folder / role}/", "")
    return text.replace(f"{folder}/", "")


def _restore(handle: PlanHandle, *, notice: str = "Restored your saved plan.") -> bool:
    """Open the plan's newest version in this tab; False when it cannot be read.

    A plan whose region's files cannot be loaded is still opened (on the demo region), and
    the page says which files are missing.
    """
    try:
        saved = load_session(handle)
    except StoreError as error:
        state.error = f"The plan could not be read from the store: {error}"
        return False
    state.plan_handle = handle
    remember_saved(saved)
    restore_settings(saved.settings)
    problem = _reload_region(saved)
    if problem is not None:
        state.error = problem
    state.working = saved.working
    state.notice = notice
    return True


def _open_link(token: str) -> bool:
    """Open the plan a link gives, with exactly the link's rights; False when it opens none.

    A link that opens nothing (unknown, revoked) is noted for :func:`app.access.check_link`,
    which stops the page: no new plan is made for it.
    """
    try:
        handle = store().open_link(token, user=user())
        key = session_key(handle.meta())
    except StoreError as error:
        state.link_error = f"This link no longer opens a plan: {error}"
        return False
    state.link_permission = handle.permission.word
    state.plan_key = key  # None for a plan made outside the app (its uploads' folder)
    words = {"view": "to view", "comment": "to view and comment on", "edit": "to edit"}
    return _restore(handle, notice=f"Opened a shared plan {words.get(handle.permission.word, '')}.")


def _open_from_url() -> bool:
    """Open the plan the URL names; False (and a word why) when there is none to open."""
    token = st.query_params.get("link")
    if token is not None:
        return _open_link(token)
    old = st.query_params.get("session")
    if old is not None:
        del st.query_params["session"]
        if "plan" not in st.query_params:
            state.error = (
                f"The address names session {plain(old)}, saved by an older footprints: "
                "plans are now kept in the plan store, and that session is gone. A new plan "
                "was started."
            )
            return False
    key = st.query_params.get("plan")
    if key is None:
        return False
    try:
        handle = open_app_plan(store(), key, user=user())
    except PermissionDeniedError as error:  # signed in, but neither its owner nor an editor
        state.link_error = f"You cannot open this plan: {error}"
        return False
    except StoreError as error:
        state.error = f"The plan store could not be opened: {error}"
        return False
    if handle is None:
        del st.query_params["plan"]
        state.error = (
            f"There is no plan {plain(key)} in the plan store (it was deleted, or the "
            "address is mistyped). A new plan was started."
        )
        return False
    state.plan_key = key
    return _restore(handle)


def area_from_url() -> None:
    """Choose the area the URL names (a CCG or STP code of the region); others are ignored."""
    wanted = st.query_params.get("area")
    if not wanted:
        return
    the_region = region()
    ccgs = set(the_region.lower_areas())
    if wanted in ccgs:
        stp = the_region.practices.loc[the_region.practices["ccg"] == wanted, "stp"].dropna()
        state.area_stp = str(stp.iloc[0]) if len(stp) else ALL
        state.area_ccg = wanted
    elif wanted in set(the_region.practices["stp"].dropna().astype(str)):
        state.area_stp = wanted
        state.area_ccg = ALL


def show_area_in_url() -> None:
    """Put the chosen area in the URL (the CCG, else the STP; none for the whole region)."""
    ccg, stp = state.area_ccg, state.area_stp
    chosen = ccg if ccg not in (None, ALL) else (stp if stp not in (None, ALL) else None)
    if chosen is None:
        st.query_params.pop("area", None)
    elif st.query_params.get("area") != chosen:
        st.query_params["area"] = chosen


def open_session() -> None:
    """Set the session state up before anything is drawn: plan, region, settings, area."""
    if not AppState.working.is_set():
        if not _open_from_url():
            if state.link_error is not None:
                return  # the page says why and stops (app.access.check_link)
            start_on_demo()
        area_from_url()
    if state.link_permission is None:
        plan_key()  # in the URL from the first run on
    type_settings()  # widget values, restored or default
