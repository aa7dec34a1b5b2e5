"""The Compare tab: the working plan against the current plan or the session's start."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app.data import practice_info
from app.facts import Facts, map_footprints
from app.labels import practice_label
from app.live_map import colours, scope
from app.state import AppState, state
from footprints.diff import diff_plans
from footprints.livemap import side_by_side

__all__ = ["panel"]


def _show_moved() -> None:
    """Point the map at the moved practices while the box is ticked."""
    state.map_focus = "compare" if state.compare_show else None


def panel(facts: Facts) -> None:
    """Show what changed between a baseline and the working plan: counts, moves, words."""
    plan, current = facts["plan"], facts["region"].current
    baseline_options = {
        "current": "the current plan from the file",
        "start": "the start of this session",
    }
    if current is None:
        baseline_options.pop("current")
    baseline_key = st.radio(
        "Compare the working plan with",
        list(baseline_options),
        format_func=baseline_options.get,
        horizontal=True,
        key=AppState.compare_with.key,
    )
    baseline = current if baseline_key == "current" else state.working.history[0].plan
    if baseline is None:
        return
    populations = {c: info["list_size"] for c, info in practice_info().items()}
    difference = diff_plans(baseline, plan, populations=populations)
    moved = [m.practice for m in difference.moved]
    state.compare_moved = moved
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Practices moved", len(moved))
    c2.metric("Networks created", len(difference.created))
    c3.metric("Networks dissolved", len(difference.dissolved))
    c4.metric("Networks changed", len(difference.changes))
    st.checkbox(
        "Highlight moved practices on the map", key=AppState.compare_show.key, on_change=_show_moved
    )
    if moved:
        st.dataframe(
            pd.DataFrame(
                {
                    "practice": [
                        practice_label(m.practice).split(" — ")[0] for m in difference.moved
                    ],
                    "from": [baseline.network_name(m.from_network) for m in difference.moved],
                    "to": [plan.network_name(m.to_network) for m in difference.moved],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    if st.checkbox("Show both plans side by side", key=AppState.compare_maps.key):
        st.caption("Left: the plan compared with. Right: the working plan. Moved practices ringed.")
        dual = side_by_side(
            scope(),
            (baseline, map_footprints(baseline, facts["region"])),
            (plan, facts["footprints"]),
            colours(facts),
            moved=moved,
        )
        st_folium(
            dual, key="compare_map", height=420, use_container_width=True, returned_objects=[]
        )
    with st.expander("Every change, in words"):
        st.text(difference.to_text())
