"""Who the tab is: the plan's owner, or a visitor by a link with exactly the link's rights.

The owner (the local user, where sign-in is off: whoever holds the plan's key, ``?plan=…``)
makes view, comment and edit links in the sidebar's *Share* section — each token shown once, to copy
— and revokes them. A link (``?link=TOKEN``) opens the plan with the link's permission only:
a view link's page has no editing widget, and whatever the page is made to do, the store
refuses a save through a handle that may not edit (:func:`app.autosave.autosave` then puts
the plan back as stored). The visitor never sees the plan's key. A revoked or unknown link
stops the page with the store's words (:func:`check_link`).
"""

from __future__ import annotations

import streamlit as st

from app.autosave import act_on_plan
from app.markdown import plain
from app.signin import enabled
from app.state import AppState, state
from footprints.store import LinkError, Permission, PlanHandle, StoreError

__all__ = ["by_link", "can_edit", "check_link", "link_url", "share_panel"]

_WORDS = {"view": "view (read only)", "comment": "comment", "edit": "edit"}


def can_edit() -> bool:
    """Whether this tab may change the plan (the owner's, or an edit link's)."""
    handle = state.plan_handle
    return handle is None or handle.can(Permission.EDIT)


def by_link() -> bool:
    """Whether this tab opened the plan by a link."""
    return state.link_permission is not None


def check_link() -> None:
    """Stop the page with the reason when this tab's link no longer opens the plan."""
    handle = state.plan_handle
    if state.link_error is None and by_link() and handle is not None:
        try:
            handle.head_number()
        except LinkError as error:
            state.link_error = f"This link no longer opens a plan: {error}"
        except StoreError:
            pass  # the store is down: said where the plan is read
    if state.link_error is not None:
        st.error(plain(state.link_error), icon="🔒")
        st.stop()


def link_url(token: str) -> str:
    """Return the address that opens the plan by a link token (this server's, when known)."""
    here = str(st.context.url or "").split("?", 1)[0]
    return f"{here}?link={token}"


def _make_link(permission: str) -> None:
    def make(handle: PlanHandle) -> None:
        token, link = handle.create_link(permission, label=f"{permission} link from the app")
        state.new_link = (link.permission.word, link_url(token))

    act_on_plan(make, "No link was made")


def _revoke(link_id: int) -> None:
    def revoke(handle: PlanHandle) -> str:
        handle.revoke_link(link_id)
        return f"Revoked link {link_id}: it opens nothing any more."

    act_on_plan(revoke, "The link was not revoked")


def _add_editor() -> None:
    who = state.editor_to_add.strip()

    def add(handle: PlanHandle) -> str:
        handle.add_editor(who)
        state.editor_to_add = ""
        return f"{who} may now edit this plan when signed in."

    if who:
        act_on_plan(add, "No editor was added")


def _remove_editor(who: str) -> None:
    def remove(handle: PlanHandle) -> str:
        handle.remove_editor(who)
        return f"{who} may no longer edit this plan."

    act_on_plan(remove, "The editor was not removed")


def _editors() -> None:
    """Draw the plan's owner and editors, and the field that adds one (sign-in on)."""
    handle = state.plan_handle
    if handle is None:
        return
    try:
        summary = handle.summary()
    except StoreError as error:
        st.caption(plain(f"The editors could not be read: {error}"))
        return
    st.caption(f"Owner: {plain(summary.owner or 'none')}")
    for who in summary.editors:
        text_col, remove_col = st.columns([3, 1], vertical_alignment="center")
        text_col.caption(f"Editor: {plain(who)}")
        remove_col.button(
            "Remove", key=f"remove_editor_{who}", on_click=_remove_editor, args=(who,)
        )
    add_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    add_col.text_input("Editor's e-mail", key=AppState.editor_to_add.key)
    button_col.button("Add", key="add_editor", on_click=_add_editor, width="stretch")


def share_panel() -> None:
    """Draw the owner's links: make a view or edit link (shown once), list and revoke them."""
    handle = state.plan_handle
    if handle is None or not handle.can(Permission.OWN) or by_link():
        return
    st.header("Share")
    if enabled():
        _editors()
    helps = {
        "view": "A link that shows the plan (map, tables, violations, pack) and changes nothing.",
        "comment": "A link that shows the plan and lets whoever holds it comment on it.",
        "edit": "A link that lets whoever holds it edit this plan.",
    }
    for column, permission in zip(st.columns(3), helps, strict=True):
        column.button(
            f"{permission.capitalize()} link",
            key=f"make_{permission}_link",
            on_click=_make_link,
            args=(permission,),
            help=helps[permission],
            width="stretch",
        )
    made = state.new_link
    if made is not None:
        permission, url = made
        st.caption(f"Your new {_WORDS.get(permission, permission)} link, shown only now — copy it:")
        st.code(url, language=None)
        del state.new_link
    try:
        links = [link for link in handle.links() if link.active]
    except StoreError as error:
        st.caption(plain(f"The links could not be read: {error}"))
        return
    for link in links:
        text_col, revoke_col = st.columns([3, 1], vertical_alignment="center")
        text_col.caption(
            f"{_WORDS.get(link.permission.word, link.permission.word)} link {link.id} "
            f"({link.hint}…), made {link.created_at:%d %b %H:%M} UTC"
        )
        revoke_col.button("Revoke", key=f"revoke_link_{link.id}", on_click=_revoke, args=(link.id,))
