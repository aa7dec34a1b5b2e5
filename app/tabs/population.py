"""The Populations tab: each network's registered patients against the band."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app.facts import Facts
from app.labels import network_label

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
    st.altair_chart(bars + lines, width="stretch")
    homes = [c for c in ("containment", "territory_parts") if c in networks_table.columns]
    st.dataframe(networks_table[[*_COLUMNS, *homes]], hide_index=True, width="stretch")
