"""The Networks panel beside the map: the area's networks against the band, and one network.

What a CCG lead does to one network is here too: lock it, rename it, record why it may
break a waivable rule.

The table is also the map's legend: each row carries the network's colour on the map, its
patients, and how far it lies from the band (shaded by that distance). Choosing a row, or
clicking a footprint on the map, makes that network the one the buttons below act on.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from app import edits
from app.facts import Facts
from app.focus import area_networks
from app.labels import Labels, network_label
from app.markdown import plain
from app.state import AppState, state
from app.words import RULE_WORDS
from footprints.plan import Band

__all__ = ["WAIVABLE", "panel"]

WAIVABLE = ("band", "patch", "territory")
"""Rules whose breach a CCG lead may waive with a recorded reason."""
_TABLE_KEY = "network_table"


def _shade(gap: int, band: Band) -> str:
    """Shade a row by its distance from the band: green in it, orange below, red above."""
    if gap == 0:
        return "background-color: #e3f1e6"
    width = max(band.max_population - band.min_population, 1)
    strength = min(1.0, abs(gap) / width)
    if gap < 0:
        return f"background-color: rgba(230, 162, 60, {0.25 + 0.6 * strength:.2f})"
    return f"background-color: rgba(214, 69, 69, {0.25 + 0.6 * strength:.2f})"


def _table(facts: Facts, networks: list[str], colours: dict[str, str]) -> Styler:
    """Tabulate the area's networks: colour, name, patients, distance from band, lock, waiver."""
    plan, band = facts["plan"], facts["band"]
    rows = facts["table"].set_index("network_id")
    locks, waivers = state.working.locks, plan.waivers
    frame = pd.DataFrame(
        {
            " ": ["" for _ in networks],
            "network": [network_label(n) for n in networks],
            "patients": [int(rows.at[n, "population"]) if n in rows.index else 0 for n in networks],
            "vs band": [int(rows.at[n, "gap"]) if n in rows.index else 0 for n in networks],
            "🔒": ["🔒" if n in locks else "" for n in networks],
            "waiver": ["✓" if n in waivers else "" for n in networks],
        }
    )
    swatches = [f"background-color: {colours.get(n, '#888888')}" for n in networks]
    shades = [_shade(int(gap), band) for gap in frame["vs band"]]
    return (
        frame.style.apply(lambda _: swatches, subset=[" "])
        .apply(lambda _: shades, subset=["vs band", "patients"])
        .format({"patients": "{:,}", "vs band": lambda g: "in band" if g == 0 else f"{g:+,}"})
    )


def _picked(networks: list[str]) -> None:
    """Make the row chosen in the table the network the buttons act on."""
    picked = st.session_state.get(_TABLE_KEY)
    rows = list(picked.selection.rows) if picked is not None else []
    if rows and rows[0] < len(networks):
        state.lock_network = networks[rows[0]]
        _chosen()


def _chosen() -> None:
    """Fill the rename and waiver boxes for the network chosen, and light it on the map."""
    network = state.lock_network
    if network is None:
        return
    plan = state.working.plan
    state.rename_network = network
    state.rename_to = plan.network_name(network) if network in plan.names else ""
    state.waiver_reason = plan.waivers.get(network, "")
    state.map_network = network
    state.map_focus = "chosen"


def _waiver(facts: Facts, network: str) -> None:
    """Draw the waiver reason of a network breaking a waivable rule (band, patches …)."""
    broken = [
        v
        for v in facts["report"].violations
        if v.rule in WAIVABLE and network in v.networks and v.severity == "waivable"
    ]
    recorded = facts["plan"].waivers.get(network)
    if not broken and not recorded:
        st.caption("No waivable rule is broken by this network: no waiver needed.")
        return
    rules = ", ".join(dict.fromkeys(RULE_WORDS[v.rule].lower() for v in broken))
    st.text_area(
        f"Waiver reason ({rules})" if rules else "Waiver reason",
        key=AppState.waiver_reason.key,
        height=80,
        placeholder="Why the network may stand as it is, e.g. one practice of 61,089 patients",
    )
    st.button(
        "Record the waiver reason",
        key="record_waiver",
        on_click=edits.waive,
        help="Saved with the plan, the exports and the submission pack.",
    )
    if recorded:
        st.caption(f"Recorded: {plain(recorded)}")


def panel(facts: Facts, labels: Labels, colours: dict[str, str], *, editable: bool = True) -> None:
    """Draw the area's networks against the band; the chosen one's lock, name and waiver.

    Without ``editable`` (a view link) the chosen network's name and waiver reason are
    shown as text, with no widget that changes them.
    """
    plan = facts["plan"]
    networks = sorted(area_networks(plan), key=network_label)
    st.subheader(f"Networks ({len(networks)})")
    if state.map_network in networks and state.map_network != state.lock_network:
        state.lock_network = state.map_network  # a footprint clicked on the map
        _chosen()
    st.dataframe(
        _table(facts, networks, colours),
        key=_TABLE_KEY,
        on_select=lambda: _picked(networks),
        selection_mode="single-row",
        hide_index=True,
        height=260,
        width="stretch",
        column_config={" ": st.column_config.TextColumn(" ", width=18)},
    )
    if not networks:
        return
    if state.lock_network not in networks:
        state.lock_network = networks[0]
    locked = state.working.locks

    def label(network: str) -> str:
        return labels.networks.get(network, network) + (" 🔒" if network in locked else "")

    pick_col, lock_col = st.columns([3, 1], vertical_alignment="bottom")
    pick_col.selectbox(
        "Network", networks, key=AppState.lock_network.key, format_func=label, on_change=_chosen
    )
    network = state.lock_network
    assert network is not None
    if not editable:
        recorded = plan.waivers.get(network)
        lock_col.caption("🔒 locked" if network in locked else "")
        if recorded:
            st.caption(f"Waiver reason: {plain(recorded)}")
        return
    lock_col.button(
        "🔓 Unlock" if network in locked else "🔒 Lock",
        key="lock_toggle",
        on_click=edits.lock_toggle,
        help="A locked network keeps its practices: moves into or out of it are refused and "
        "re-optimising leaves it as it is.",
        width="stretch",
    )
    if state.rename_network != network:
        state.rename_network = network
        state.rename_to = plan.network_name(network) if network in plan.names else ""
        state.waiver_reason = plan.waivers.get(network, "")
    name_col, rename_col = st.columns([3, 1], vertical_alignment="bottom")
    name_col.text_input(
        "Name", key=AppState.rename_to.key, placeholder=f"e.g. the PCN's name (now {network})"
    )
    rename_col.button("Rename", key="rename", on_click=edits.rename, width="stretch")
    _waiver(facts, network)
