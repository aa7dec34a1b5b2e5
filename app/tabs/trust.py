"""The Community trust view: how nursing patches' teams line up with the networks.

Under registration geography the table counts patients' homes: a network's patients living
in each patch (or its practices most of whose patients live there), and a patch works into
a network when at least 5% of the patch's registered residents are the network's patients.
Patches whose codes are all local authority district codes (``E06``–``E09``, ``W06``, as in
the LAD file that stands in for nursing patches on real data) are said to be stand-ins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import streamlit as st

from app.facts import Facts
from app.focus import set_focus
from app.labels import Labels, network_label
from app.state import AppState
from footprints.metrics import patch_network_table

__all__ = ["panel", "stand_in_note"]

_LAD_CODE = re.compile(r"^(E0[6-9]|W06)\d{6}$")  # ONS local authority district codes


def stand_in_note(patches: Iterable[str]) -> str | None:
    """Say that the patches are local authority districts standing in, when all of them are."""
    codes = [str(p) for p in patches]
    if not codes or not all(_LAD_CODE.match(code) for code in codes):
        return None
    return (
        f"These {len(codes):,} patches are local authority districts (ONS codes such as "
        f"{min(codes)}): local authority polygons stand in for nursing patches, whose "
        "boundaries are not published. Read them as how networks line up with councils."
    )


def _table(facts: Facts, patch_names: dict[str, str]) -> None:
    """Draw the patch × network table, counting patients or practices."""
    choice = st.radio(
        "Count", ["patients", "practices"], horizontal=True, key=AppState.trust_measure.key
    )
    measure: Literal["patients", "practices"] = "practices" if choice == "practices" else "patients"
    table = patch_network_table(facts["plan"], facts["region"].validation_graph, measure=measure)
    if facts["region"].geography == "registrations":  # homes, not surgeries
        st.caption(
            "Each cell counts a network's patients living in the patch (where they live, not "
            "where their surgery is); a patch works into a network when they are at least 5% "
            "of the patch's registered residents."
            if measure == "patients"
            else "Each cell counts a network's practices most of whose patients live in the "
            "patch; a patch works into a network when the network's patients living there "
            "are at least 5% of its registered residents."
        )
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
    note = stand_in_note(patch_names)
    if note:
        st.caption(note)
    _table(facts, patch_names)
    alignment = facts["alignment"]
    outside = (
        "patients living outside their main patch"
        if facts["region"].geography == "registrations"
        else "patients outside their main patch"
    )
    st.caption(
        f"{len(alignment.straddling_networks)} networks straddle patches "
        f"({alignment.total_straddling_population:,} {outside}); "
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
