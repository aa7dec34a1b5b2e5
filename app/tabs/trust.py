"""The Community trust view: how nursing patches' teams line up with the networks."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from app.facts import Facts
from app.focus import set_focus
from app.labels import Labels, network_label
from app.state import AppState
from footprints.metrics import patch_network_table

__all__ = ["panel"]


def _table(facts: Facts, patch_names: dict[str, str]) -> None:
    """Draw the patch × network table, counting patients or practices."""
    choice = st.radio(
        "Count", ["patients", "practices"], horizontal=True, key=AppState.trust_measure.key
    )
    measure: Literal["patients", "practices"] = "practices" if choice == "practices" else "patients"
    table = patch_network_table(facts["plan"], facts["region"].validation_graph, measure=measure)
    if len(table):
        label = {str(n): network_label(str(n)) for n in table.columns[1:]}
        table = table[[table.columns[0], *sorted(label, key=label.__getitem__)]]
        table = table.rename(columns=label)
        table.index = [f"{patch_names.get(p, p)} ({p})" for p in table.index]
        st.dataframe(table, width="stretch")


def panel(facts: Facts, labels: Labels) -> None:
    """Draw the table, the alignment in numbers, and choices that light a patch or network."""
    patches = facts["region"].patches
    if patches is None:
        st.info(
            "This region has no nursing patches. "
            "Load a patches file to see how teams align with networks."
        )
        return
    patch_names = {str(r.patch): str(r.name) for r in patches.itertuples()}
    _table(facts, patch_names)
    alignment = facts["alignment"]
    st.caption(
        f"{len(alignment.straddling_networks)} networks straddle patches "
        f"({alignment.total_straddling_population:,} patients outside their main patch); "
        f"teams join {alignment.extra_memberships} more MDTs than one each."
    )
    pick_patch, pick_network = st.columns(2)
    pick_patch.selectbox(
        "Highlight the networks a patch's team works into",
        sorted(alignment.patch_networks),
        key=AppState.trust_patch.key,
        index=None,
        format_func=lambda p: (
            f"{patch_names.get(p, p)} ({p}) — {len(alignment.patch_networks[p])} networks"
        ),
        on_change=set_focus("patch"),
        placeholder="Choose a patch",
    )
    pick_network.selectbox(
        "Highlight the patches a network draws from",
        sorted(alignment.network_patches, key=network_label),
        key=AppState.trust_network.key,
        index=None,
        format_func=lambda n: (
            f"{labels.networks.get(n, n)} — {len(alignment.network_patches[n])} patches"
        ),
        on_change=set_focus("network"),
        placeholder="Choose a network",
    )
