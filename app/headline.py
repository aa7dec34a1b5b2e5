"""The top of the page: the title, messages and optimiser progress, and the plan in numbers."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app import optimiser
from app.autosave import plan_key
from app.facts import Facts
from app.markdown import plain
from app.state import AppState, state

__all__ = ["metrics", "status", "title"]


def title() -> DeltaGenerator:
    """Draw the title; the container under it holds the messages (see :func:`status`)."""
    st.title("footprints — Primary Care Network planner")
    return st.container()


def status(area: DeltaGenerator) -> None:
    """Apply a finished optimiser run, then show its progress and this run's messages."""
    if state.band_min > state.band_max:
        area.warning("The band minimum is above the maximum; the two are swapped.")
    optimiser.finish()
    with area:
        optimiser.status()
    for entry, show in (
        (AppState.notice, area.success),
        (AppState.error, area.error),
        (AppState.save_error, area.error),
    ):
        message = entry.pop()
        if message:
            show(plain(message))  # messages quote names and files: text, not Markdown


def metrics(facts: Facts) -> None:
    """Show the working plan in numbers, the geography it is judged on, and where it stands.

    Under registration geography two more numbers: the networks whose territory is split
    beyond the tolerance (the territory rule), and the containment of the plan (the share
    of patients living in their network's territory).
    """
    summary = facts["report"].summary
    found = facts["territories"]
    cols = st.columns(6 if found is None else 8)
    cols[0].metric("Networks", summary["networks"])
    cols[1].metric(
        "In band",
        f"{summary['in_band']} / {summary['networks']}",
        help=f"{summary['below']} below, {summary['above']} above",
    )
    cols[2].metric("Not contiguous", summary["contiguity"])
    cols[3].metric("Boundary crossings", summary["boundary"])
    cols[4].metric("Straddling patches", len(facts["alignment"].straddling_networks))
    cols[5].metric("Hard violations", summary["hard"])
    if found is not None:
        cols[6].metric(
            "Territory split",
            summary.get("territory", 0),
            help="Networks whose largest territory part holds less than 95% of their "
            "patients living in the territory.",
        )
        cols[7].metric(
            "Containment",
            f"{found.region_containment():.0%}",
            help="The share of patients living in their own network's territory.",
        )
    geography = facts["region"].geography_text()
    st.caption(plain(geography[:1].upper() + geography[1:]))
    working = state.working
    st.caption(
        f"Working plan: {plain(working.label)} · "
        f"step {working.pointer + 1} of {len(working.history)}"
        + (f" · saved {state.saved_at}" if state.saved_at else "")
        + (
            f" · version {state.saved_version}, opened by a {state.link_permission} link"
            if state.link_permission is not None
            else f" · version {state.saved_version} of plan {plain(plan_key())}"
        )
    )
