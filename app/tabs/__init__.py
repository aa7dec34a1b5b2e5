"""The tabs under the map: one module per tab, drawn in order by :func:`panel`."""

from __future__ import annotations

import streamlit as st

from app.facts import Facts
from app.labels import Labels
from app.tabs import compare, export, history, population, results, trust

__all__ = ["panel"]


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the six tabs for the working plan."""
    tab_pop, tab_trust, tab_compare, tab_results, tab_export, tab_history = st.tabs(
        ["Populations", "Community trust view", "Compare", "Optimiser results", "Export", "History"]
    )
    with tab_pop:
        population.panel(facts)
    with tab_trust:
        trust.panel(facts, labels)
    with tab_compare:
        compare.panel(facts)
    with tab_results:
        results.panel()
    with tab_export:
        export.panel(facts)
    with tab_history:
        history.panel()
