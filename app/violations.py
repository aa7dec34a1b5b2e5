"""The Violations panel: every broken rule, and a choice that zooms the map to one."""

from __future__ import annotations

import streamlit as st

from app.facts import Facts
from app.focus import set_focus
from app.labels import Labels
from app.markdown import plain
from app.state import AppState
from app.words import RULE_WORDS, violation_numbers

__all__ = ["panel"]


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the working plan's violations: a choice to show one on the map, and a table."""
    violations = facts["report"].violations
    st.subheader(f"Violations ({len(violations)})")
    choices = {
        key: f"{RULE_WORDS[v.rule]} · "
        + ", ".join(labels.networks.get(n, n) for n in v.networks)
        + f" · {violation_numbers(v.rule, v.values)}"
        for key, v in facts["violation_ids"].items()
    }
    if not violations:
        st.success(
            "No violations: every network is in band, contiguous, inside one CCG and one patch."
        )
        return
    st.selectbox(
        "Show on the map",
        list(choices),
        key=AppState.violation_choice.key,
        index=None,
        placeholder="Choose a violation to zoom to it",
        format_func=lambda i: choices.get(i, i),
        on_change=set_focus("violation"),
    )
    # Every violation in full, wrapped to the panel's width: what is wrong and what to do
    # stay in view (a table would hide the sentence off its right edge).
    with st.container(height=260, border=True):
        for v in violations:
            networks = ", ".join(labels.networks.get(n, n) for n in v.networks)
            st.markdown(
                f"**{plain(RULE_WORDS[v.rule])}** ({v.severity})"
                + (f" · {plain(networks)}" if networks else "")
                + f" · {plain(violation_numbers(v.rule, v.values))}  \n{plain(v.message)}"
            )
