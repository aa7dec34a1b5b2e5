"""The Populations tab: each network's registered patients against the band."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app.facts import Facts
from app.labels import network_label
from app.state import state

__all__ = ["panel"]

_COLUMNS = [
    "network_id",
    "network_name",
    "population",
    "practice_count",
    "gap",
    "ccgs",
    "patches",
    "straddling_population",
    "compactness_km",
]


def panel(facts: Facts) -> None:
    """Chart each network against the band (a bar coloured by its place), then the table."""
    memo = state.population_chart
    if memo is not None and memo[0] is facts:  # the same plan, band and region: as drawn
        chart, shown = memo[1], memo[2]
    else:
        chart, shown = _chart(facts)
        state.population_chart = (facts, chart, shown)
    st.altair_chart(chart, width="stretch")
    st.dataframe(shown, hide_index=True, width="stretch")


def _chart(facts: Facts) -> tuple[alt.LayerChart, pd.DataFrame]:
    """Build the chart and the table of the networks (a few hundredths of a second)."""
    networks_table = facts["table"].copy()
    networks_table["label"] = [network_label(n) for n in networks_table["network_id"]]
    networks_table["status"] = np.where(
        networks_table["in_band"], "in band", np.where(networks_table["gap"] < 0, "below", "above")
    )
    band = facts["band"]
    bars = (
        alt.Chart(networks_table)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort="-y", title=None),
            y=alt.Y("population:Q", title="Registered patients"),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["below", "in band", "above"], range=["#e6a23c", "#4c9f70", "#d64545"]
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            # typed: a region without patches has an all-empty patches column
            tooltip=["label:N", "population:Q", "practice_count:Q", "gap:Q", "patches:N"],
        )
    )
    lines = (
        alt.Chart(pd.DataFrame({"limit": [band.min_population, band.max_population]}))
        .mark_rule(strokeDash=[6, 4], color="#333")
        .encode(y="limit:Q")
    )
    homes = [c for c in ("containment", "territory_parts") if c in networks_table.columns]
    return bars + lines, networks_table[[*_COLUMNS, *homes]]
