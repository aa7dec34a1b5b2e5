"""The tabs under the map: one module per tab; :func:`panel` draws only the open one.

The tabs track which one is open (``st.tabs(..., on_change="rerun")``): a run draws the
open tab's content and none of the other five's, so an edit on the map computes and sends
one tab, not six (the hidden tabs' tables, chart and versions are neither built on the
server nor drawn by the browser). Opening another tab reruns the page. The closed tabs'
choices (their widgets' keys, :data:`KEPT`) are kept while their tab is closed: Streamlit
forgets the value of a widget not drawn in a run unless the key is written again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.facts import Facts
from app.labels import Labels
from app.state import AppState, Entry
from app.tabs import compare, export, history, population, results, trust

__all__ = ["KEPT", "TABS", "panel"]

TABS = ("Populations", "Community trust view", "Compare", "Optimiser results", "Export", "History")
"""The tabs' labels, in order (``state.tab`` is one of them)."""

KEPT: tuple[Entry[Any], ...] = (
    AppState.trust_measure,
    AppState.trust_patch,
    AppState.trust_network,
    AppState.trust_before,
    AppState.compare_with,
    AppState.compare_show,
    AppState.compare_maps,
    AppState.export_comments,
    AppState.version_pick,
    AppState.compare_from,
    AppState.version_name,
)
"""The tabs' widget keys, kept while their tab is closed."""


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the six tabs for the working plan, and the open one's content only."""
    for entry in KEPT:
        if entry.key in st.session_state:  # not drawn in this run: Streamlit would forget it
            st.session_state[entry.key] = st.session_state[entry.key]
    draw: tuple[Callable[[], None], ...] = (
        lambda: population.panel(facts),
        lambda: trust.panel(facts, labels),
        lambda: compare.panel(facts),
        results.panel,
        lambda: export.panel(facts),
        history.panel,
    )
    for tab, content in zip(
        st.tabs(list(TABS), key=AppState.tab.key, on_change="rerun"), draw, strict=True
    ):
        if tab.open is not False:  # None: the tabs did not track (never with on_change)
            with tab:
                content()
