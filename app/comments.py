"""Comments on a network or a practice, in the side panel; open ones marked on the map.

Comments live in the store with the plan (:meth:`PlanHandle.add_comment`): whoever may
comment (the owner, an edit or comment link) adds them and marks them resolved; a view link
reads them. Every comment is shown as text — escaped for Markdown here, for HTML on the map
(:func:`footprints.livemap.comment_layer`) — and listed in a table with its state.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.autosave import act_on_plan
from app.facts import Facts
from app.focus import area_networks
from app.labels import Labels
from app.markdown import plain
from app.state import AppState, state
from footprints.store import Comment, Permission, PlanHandle, StoreError
from footprints.store.sessions import comment_text

__all__ = ["all_comments", "map_comments", "open_comments", "panel"]


def all_comments() -> list[Comment]:
    """Return the plan's comments, open and resolved, oldest first (none before a save)."""
    handle = state.plan_handle
    if handle is None:
        return []
    try:
        return handle.comments(status="all")
    except StoreError as error:
        state.save_error = f"The comments could not be read: {error}"
        return []


def open_comments() -> list[Comment]:
    """Return the plan's open comments, oldest first."""
    return [c for c in all_comments() if c.is_open]


def map_comments() -> list[tuple[str, str, str]]:
    """Return the open comments as the map marks them: kind, target and the text."""
    return [(c.target_kind, c.target, comment_text(c)) for c in open_comments()]


def _can_comment() -> bool:
    handle = state.plan_handle
    return handle is not None and handle.can(Permission.COMMENT)


def _add() -> None:
    kind, target, body = state.comment_kind, state.comment_target, state.comment_body
    if target is None:
        return

    def add(handle: PlanHandle) -> str:  # a view link, an empty comment: the store refuses
        made = handle.add_comment("practice" if kind == "practice" else "network", target, body)
        state.comment_body = ""
        return f"Added comment {made.id} on {made.target_kind} {made.target}."

    act_on_plan(add, "The comment was not added")


def _resolve(comment_id: int) -> None:
    def resolve(handle: PlanHandle) -> str:
        handle.resolve_comment(comment_id)
        return f"Resolved comment {comment_id}."

    act_on_plan(resolve, "The comment was not resolved")


def _form(facts: Facts, labels: Labels) -> None:
    """Draw the new comment's target and text, and the button that adds it."""
    kind = st.radio(
        "Comment on", ["network", "practice"], key=AppState.comment_kind.key, horizontal=True
    )
    if kind == "practice":
        area = set(facts["plan"].assignment)
        options = sorted(p for p in labels.practices if p in area)
        wanted = next(iter(state.selected), None)
    else:
        options = sorted(area_networks(facts["plan"]))
        wanted = state.lock_network
    if state.comment_target not in options or (wanted in options and wanted != state.seen_target):
        state.comment_target = wanted if wanted in options else (options[0] if options else None)
        state.seen_target = wanted
    names = labels.practices if kind == "practice" else labels.networks
    st.selectbox(
        "On",
        options,
        key=AppState.comment_target.key,
        format_func=lambda t: names.get(t, t),
    )
    st.text_area("Comment", key=AppState.comment_body.key, height=80)
    st.button("Add comment", key="add_comment", on_click=_add)


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the comments: the open ones (resolve), a new one, and all in a table."""
    if state.plan_handle is None:
        return
    comments = all_comments()
    still_open = [c for c in comments if c.is_open]
    with st.expander(f"Comments ({len(still_open)} open)", expanded=bool(still_open)):
        for comment in still_open:
            text_col, resolve_col = st.columns([4, 1], vertical_alignment="center")
            text_col.markdown(plain(comment_text(comment)))
            if _can_comment():
                resolve_col.button(
                    "Resolve",
                    key=f"resolve_comment_{comment.id}",
                    on_click=_resolve,
                    args=(comment.id,),
                )
        if _can_comment():
            _form(facts, labels)
        if comments:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "on": f"{c.target_kind} {c.target}",
                            "comment": c.body,
                            "by": c.author or "",
                            "state": "open" if c.is_open else "resolved",
                        }
                        for c in comments
                    ]
                ),
                hide_index=True,
                width="stretch",
                key="comments_table",
            )
