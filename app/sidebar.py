"""The sidebar: the data, the planning area, and the optimiser's settings and buttons."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from app import access, edits, optimiser, signin, uploads
from app.autosave import autosave
from app.data import area_names, region
from app.start import show_area_in_url
from app.state import ALL, PLANNING_LEVELS, PUT_FIRST, AppState, state

__all__ = ["panel"]


def _any_ccg() -> None:
    """Start a new STP choice on all its CCGs; save the choice and put it in the URL."""
    state.area_ccg = ALL
    _area_chosen()


def _area_chosen() -> None:
    """Frame the chosen area on the map, save the choice and put it in the URL."""
    state.map_focus = "area"
    del state.selected  # practices of another area are no longer on the map
    show_area_in_url()
    autosave()


def _area_section() -> None:
    """Draw the choice of STP / ICB and CCG / sub-ICB: only areas holding loaded practices."""
    the_region, names = region(), area_names()
    st.header("Area")
    held = set(the_region.practices["stp"].dropna().astype(str))
    upper_codes = sorted(str(c) for c in the_region.upper_boundaries["code"] if str(c) in held)
    if state.area_stp not in (ALL, *upper_codes):
        state.area_stp = ALL
    st.selectbox(
        "STP / ICB",
        [ALL, *upper_codes],
        key=AppState.area_stp.key,
        format_func=lambda c: "All" if c == ALL else f"{names.get(c, c)} ({c})",
        on_change=_any_ccg,
    )
    stp_choice = state.area_stp
    ccg_options = the_region.lower_areas(None if stp_choice == ALL else stp_choice)
    if state.area_ccg not in (ALL, *ccg_options):
        state.area_ccg = ALL
    st.selectbox(
        "CCG / sub-ICB",
        [ALL, *ccg_options],
        key=AppState.area_ccg.key,
        format_func=lambda c: "All in the STP" if c == ALL else f"{names.get(c, c)} ({c})",
        on_change=_area_chosen,
    )


def _weights() -> None:
    """Draw the optimiser's weights and time limit (in an expander)."""
    st.number_input(
        "Compactness weight",
        min_value=0.0,
        step=0.1,
        key=AppState.compactness_weight.key,
        on_change=autosave,
        help="Cost per patient-kilometre from the network's centre.",
    )
    st.number_input(
        "Patch straddle weight",
        min_value=0.0,
        step=0.1,
        key=AppState.straddle_weight.key,
        on_change=autosave,
        help="Cost per patient outside the network's main nursing patch.",
    )
    st.number_input(
        "Move weight (re-optimise)",
        min_value=0.0,
        step=1_000.0,
        key=AppState.move_weight.key,
        on_change=autosave,
        help="Cost per practice moved away from the working plan.",
    )
    st.number_input(
        "Cost per network",
        min_value=0.0,
        step=5_000.0,
        key=AppState.network_cost.key,
        on_change=autosave,
        help="Higher favours fewer, larger networks.",
    )
    st.number_input(
        "Time limit per CCG (seconds)",
        min_value=1.0,
        max_value=600.0,
        step=5.0,
        key=AppState.time_limit.key,
        on_change=autosave,
    )


def _choice(label: str, words: Mapping[str, str], key: str, help_text: str) -> None:
    """Draw a saved setting chosen among ``words`` (value → what it means, as shown)."""
    st.radio(
        label,
        list(words),
        key=key,
        format_func=words.__getitem__,
        on_change=autosave,
        help=help_text,
    )


_PATCH_PRIORITIES = ("patches first", "nest in patches")
"""The choices of *Put first* that need nursing patches: not offered on a region without."""


def _optimiser_section() -> None:
    """Draw the band, the weights, and the buttons that start the optimiser."""
    st.header("Optimiser")
    low_col, high_col = st.columns(2)
    low_col.number_input(
        "Band minimum", min_value=0, step=1_000, key=AppState.band_min.key, on_change=autosave
    )
    high_col.number_input(
        "Band maximum", min_value=0, step=1_000, key=AppState.band_max.key, on_change=autosave
    )
    put_first = dict(PUT_FIRST)
    if region().practices["patch"].isna().all():  # no patches: nothing to put first
        put_first = {k: v for k, v in PUT_FIRST.items() if k not in _PATCH_PRIORITIES}
        if state.put_first in _PATCH_PRIORITIES:
            state.put_first = "weights"
    _choice(
        "Put first",
        put_first,
        AppState.put_first.key,
        "Solved before the weights, in this order: the rules and the band, then this, then the "
        "weights. Least change applies when re-optimising, and shows what each extra change "
        "buys (the Optimiser results tab).",
    )
    _choice(
        "Planning level",
        PLANNING_LEVELS,
        AppState.planning_level.key,
        "Upper: each STP / ICB holding the area is planned as one area; an areas file: each of "
        "its groups. A network crossing a CCG border inside it is reported (waivable with each "
        "CCG's agreement); the area's own border is never crossed.",
    )
    if state.planning_level == "areas":
        uploads.areas_file()
    with st.expander("Weights and time limit"):
        _weights()
    running = optimiser.running()
    st.button(
        "Propose networks",
        type="primary",
        key="propose",
        on_click=optimiser.start,
        args=(False,),
        disabled=running,
        help="A fresh plan for the CCGs in the area; locked networks are kept.",
    )
    st.button(
        "Re-optimise unlocked networks",
        key="reoptimise",
        on_click=optimiser.start,
        args=(True,),
        disabled=running,
        help="Start from the working plan, moving as few practices as the weights allow.",
    )
    if region().current is not None:
        st.button("Start from the current plan", key="use_current", on_click=edits.reset_to_current)


def panel() -> None:
    """Draw the sidebar."""
    with st.sidebar:
        signin.status()
        if not access.can_edit():  # a view link: the area only, nothing that changes the plan
            st.caption("You are viewing a shared plan: it cannot be changed from this link.")
            _area_section()
            return
        access.share_panel()
        uploads.panel()
        _area_section()
        _optimiser_section()
