"""The Edit panel: choose practices and move them, undo and redo, lock networks."""

from __future__ import annotations

import streamlit as st

from app import edits
from app.data import practice_info
from app.facts import Facts
from app.focus import set_focus
from app.labels import Labels, network_label
from app.markdown import plain
from app.state import NEW, AppState, state

__all__ = ["panel"]


def _move_row(facts: Facts, labels: Labels) -> None:
    """Draw the practices, the network to move them to, and the Move, Undo and Redo buttons."""
    codes = sorted(practice_info())
    state.selected = [c for c in state.selected if c in practice_info()]
    st.multiselect(
        "Practices",
        codes,
        key=AppState.selected.key,
        format_func=lambda c: labels.practices.get(c, c),
        on_change=set_focus("selection"),
        placeholder="Click a marker, draw a shape, or choose",
    )
    networks = list(facts["plan"].networks())
    targets = [*sorted(networks, key=network_label), NEW]
    if state.target not in targets:
        state.target = targets[0] if networks else NEW
    st.selectbox(
        "Move to",
        targets,
        key=AppState.target.key,
        format_func=lambda n: labels.networks.get(n, n),
    )
    if state.target == NEW:
        st.text_input(
            "Name of the new network",
            key=AppState.new_name.key,
            placeholder="e.g. Riverside North PCN",
        )
    working = state.working
    move_col, undo_col, redo_col = st.columns(3)
    move_col.button("Move", key="move", type="primary", on_click=edits.move, width="stretch")
    undo_col.button(
        "↶ Undo",
        key="undo",
        on_click=edits.undo,
        disabled=not working.can_undo,
        help=f"Undo {plain(working.undo_label)}" if working.can_undo else "Nothing to undo",
        width="stretch",
    )
    redo_col.button(
        "↷ Redo",
        key="redo",
        on_click=edits.redo,
        disabled=not working.can_redo,
        help=f"Redo {plain(working.redo_label)}" if working.can_redo else "Nothing to redo",
        width="stretch",
    )


def _lock_row(facts: Facts, labels: Labels) -> None:
    """Draw a network choice, the Lock and Unlock buttons, and the networks locked now."""
    locked = state.working.locks
    lock_options = sorted(facts["plan"].networks(), key=network_label)
    if state.lock_network not in lock_options and lock_options:
        state.lock_network = lock_options[0]

    def lock_label(network: str) -> str:
        return labels.networks.get(network, network) + (" 🔒" if network in locked else "")

    lock_pick, lock_btn, unlock_btn = st.columns([2, 1, 1], vertical_alignment="bottom")
    lock_pick.selectbox(
        "Network", lock_options, key=AppState.lock_network.key, format_func=lock_label
    )
    lock_btn.button(
        "Lock",
        key="lock",
        on_click=edits.lock,
        args=(True,),
        disabled=state.lock_network in locked,
        width="stretch",
    )
    unlock_btn.button(
        "Unlock",
        key="unlock",
        on_click=edits.lock,
        args=(False,),
        disabled=state.lock_network not in locked,
        width="stretch",
    )
    if locked:
        st.caption(
            "Locked: "
            + ", ".join(plain(network_label(n)) for n in sorted(locked))
            + " — kept as they are by re-optimising."
        )


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the Edit panel for the working plan."""
    st.subheader("Edit")
    _move_row(facts, labels)
    _lock_row(facts, labels)
