"""The Community trust view: how nursing patches' teams line up with the networks.

Under registration geography the table counts patients' homes: a network's patients living
in each patch (or its practices most of whose patients live there), and a patch works into
a network when at least 5% of the patch's registered residents are the network's patients.
Patches whose codes are all local authority district codes (``E06``–``E09``, ``W06``, as in
the LAD file that stands in for nursing patches on real data) are said to be stand-ins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import pandas as pd
import streamlit as st

from app.facts import Facts
from app.focus import set_focus
from app.labels import Labels, network_label
from app.state import OPTIMISER_LABELS, AppState, state
from footprints.metrics import patch_network_table
from footprints.patch_changes import patch_changes
from footprints.plan import Plan
from footprints.session import Snapshot

__all__ = ["before_after", "before_optimiser", "panel", "stand_in_note"]

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
    memo = state.trust_table
    if memo is not None and memo[0] is facts and memo[1] == measure:  # as counted before
        table = memo[2]
    else:
        graph = facts["region"].validation_graph
        table = patch_network_table(facts["plan"], graph, measure=measure)
        state.trust_table = (facts, measure, table)
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
    before_after(facts, patch_names)


_BEFORE = {
    "run": "the plan before the optimiser's last run",
    "current": "the current plan from the file",
    "start": "the start of this session",
}


def before_optimiser(history: Sequence[Snapshot], pointer: int) -> Snapshot | None:
    """Return the state before the last optimiser run up to ``pointer`` (``None``: no run)."""
    labels = tuple(OPTIMISER_LABELS.values())
    for index in range(min(pointer, len(history) - 1), 0, -1):
        if history[index].label.startswith(labels):
            return history[index - 1]
    return None


def _baselines(facts: Facts) -> dict[str, Plan]:
    """Give the plans the before/after may start from, by their key in :data:`_BEFORE`."""
    working = state.working
    plans: dict[str, Plan] = {}
    run = before_optimiser(working.history, working.pointer)
    if run is not None:
        plans["run"] = run.plan
    if facts["region"].current is not None:
        plans["current"] = facts["region"].current
    plans["start"] = working.history[0].plan
    return plans


def _changes(before: Plan, after: Plan, facts: Facts) -> pd.DataFrame:
    """Give the patches' before/after table, kept while neither plan changes."""
    kept = state.patch_changes
    if kept is not None and kept[0] is before and kept[1] is after:
        return kept[2]
    table = patch_changes(before, after, facts["region"].validation_graph)
    state.patch_changes = (before, after, table)
    return table


def before_after(facts: Facts, patch_names: Mapping[str, str]) -> None:
    """Show each patch's networks, extra memberships and patients before and after."""
    st.markdown("**Before and after, for the patch teams**")
    plans = _baselines(facts)
    if state.trust_before not in plans:
        del state.trust_before
    key = st.radio(
        "Compare the working plan with",
        list(plans),
        format_func=_BEFORE.__getitem__,
        horizontal=True,
        key=AppState.trust_before.key,
    )
    table = _changes(plans[key or next(iter(plans))], facts["plan"], facts)
    totals = table.sum()
    st.caption(
        f"Before → after: teams join {totals['extra memberships before']:,} → "
        f"{totals['extra memberships after']:,} more MDTs than one each; "
        f"{totals['patients of networks based elsewhere before']:,} → "
        f"{totals['patients of networks based elsewhere after']:,} patients are in a patch "
        "other than their network's main one."
    )
    changed = table[
        (
            table[[c for c in table.columns if c.endswith("before")]].to_numpy()
            != table[[c for c in table.columns if c.endswith("after")]].to_numpy()
        ).any(axis=1)
    ]
    if not len(changed):
        st.caption(f"No patch's figures changed ({len(table)} patches).")
        return
    shown = changed.copy()
    shown.index = [f"{patch_names.get(p, p)} ({p})" for p in shown.index]
    st.caption(f"{len(changed)} of {len(table)} patches changed:")
    st.dataframe(shown, width="stretch")
