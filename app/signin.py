"""Optional sign-in with OpenID Connect (Streamlit's ``st.login``); off by default.

Sign-in is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's own
settings: ``redirect_uri``, ``cookie_secret``, ``client_id``, ``client_secret``,
``server_metadata_url``; see docs/ccg-lead.md). Then a tab must be signed in to start or
open a plan by its key: a new plan is owned by the user, and a plan is opened as that user
(:meth:`Store.open_as`: its owner and its editors only), so every version records who made
it. A link (``?link=…``) opens its plan with the link's rights, signed in or not. Off (the
local single-user run) nobody signs in and plans have no owner.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from app.markdown import plain

__all__ = ["enabled", "gate", "status", "user"]


def enabled() -> bool:
    """Whether sign-in is configured (an ``[auth]`` section in the app's secrets)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def user() -> str | None:
    """Return the signed-in user's e-mail (else their subject id); ``None`` when off or out."""
    if not enabled():
        return None
    info = st.user
    if not getattr(info, "is_logged_in", False):
        return None
    who = getattr(info, "email", None) or getattr(info, "sub", None)
    return str(who) if who else None


def gate() -> None:
    """Stop a tab that must sign in first (sign-in on, no link, not signed in)."""
    if not enabled() or "link" in st.query_params or user() is not None:
        return
    st.title("footprints — PCN planner")
    st.info("Sign in to start a plan or to open yours.", icon="🔑")
    st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
    st.stop()


def status() -> None:
    """Say who is signed in, with a button to sign out (nothing when sign-in is off)."""
    who = user()
    if who is None:
        return
    st.caption(f"Signed in as {plain(who)}")
    st.button("Sign out", key="sign_out", on_click=st.logout)
