"""The Edit panel: choose practices and move them, undo and redo, and paint mode.

The menus list only the area chosen in the sidebar: its practices, and the networks they
are in. Typed codes select exactly the practices typed. In paint mode a click on a practice
(or a drawn shape) gives it to the active network at once, each an undoable step.
"""

from __future__ import annotations

import streamlit as st

from app import edits
from app.data import practice_info
from app.facts import Facts
from app.focus import area_networks, area_practices, set_focus
from app.labels import Labels, network_label
from app.markdown import plain
from app.state import NEW, AppState, state

__all__ = ["panel"]


def _selection(labels: Labels) -> None:
    """Draw the typed-codes box and the practices chosen (the area's practices offered)."""
    st.text_input(
        "Practice codes",
        key=AppState.typed_codes.key,
        on_change=edits.select_typed,
        placeholder="Type codes, e.g. G82001 G82002, and press Enter",
        help="Selects exactly the practices whose codes you type.",
    )
    if state.typed_codes != state.typed_taken:
        # Codes typed while the page was running can reach it without their callback (the
        # run they changed was cut short): they select all the same, said here (the page's
        # messages are drawn already).
        edits.select_typed()
        del state.notice
        said = AppState.error.pop()
        if said:
            st.error(plain(said))
    known = practice_info()
    state.selected = [c for c in state.selected if c in known]
    codes = sorted({*area_practices(), *state.selected})
    st.multiselect(
        "Practices",
        codes,
        key=AppState.selected.key,
        format_func=lambda c: labels.practices.get(c, c),
        on_change=set_focus("selection"),
        placeholder="Click a marker, draw a shape, or choose",
    )


def _move_row(facts: Facts, labels: Labels) -> None:
    """Draw the network to move to, and the Move, Undo and Redo buttons."""
    networks = area_networks(facts["plan"])
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


def _paint_row(facts: Facts, labels: Labels) -> None:
    """Draw the paint-mode switch and the network it paints with."""
    networks = sorted(area_networks(facts["plan"]), key=network_label)
    toggle_col, network_col = st.columns([2, 3], vertical_alignment="bottom")
    toggle_col.toggle(
        "Paint mode",
        key=AppState.paint.key,
        help="Click practices (or draw a shape) to give them to the chosen network at once.",
    )
    if state.paint_network not in networks:
        state.paint_network = state.map_network if state.map_network in networks else None
    network_col.selectbox(
        "Paint with",
        networks,
        key=AppState.paint_network.key,
        index=None,
        format_func=lambda n: labels.networks.get(n, n),
        placeholder="Choose the network to paint with",
        disabled=not state.paint,
    )


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the Edit panel for the working plan."""
    st.subheader("Edit")
    _selection(labels)
    _move_row(facts, labels)
    _paint_row(facts, labels)
