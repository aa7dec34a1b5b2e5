"""The Optimiser results tab: each planning area's status, cost, bound and explanations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data import area_names
from app.markdown import plain
from app.optimiser import plan_kind
from app.state import state
from footprints.optimiser import AreaResult
from footprints.tradeoff import CURVE_HEADER, AreaChanges, curve_rows

__all__ = ["panel"]


def panel() -> None:
    """Tabulate each planning area of the last run, then the optimiser's explanations."""
    results = state.results
    if not results:
        st.info("No optimiser run in this session yet: press “Propose networks”.")
        return
    names = area_names()
    if state.optimiser_seconds:
        st.caption(f"Last run took {state.optimiser_seconds:.1f} s.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "area": f"{names.get(a, a)} ({a})",
                    "status": r.status,
                    "plan": plan_kind(r),
                    "networks": r.networks,
                    "gap": None if r.gap is None else f"{r.gap:.2%}",
                    "objective": None if r.objective is None else round(r.objective),
                    "bound": None if r.bound is None else round(r.bound),
                    "seconds": round(r.seconds, 1),
                    "moves": r.moves,
                }
                for a, r in results.items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    for area, result in results.items():
        for explanation in result.explanations:
            st.markdown(f"**{plain(names.get(area, area))}** — {plain(explanation)}")
    for area, result in results.items():
        if result.curve or result.moved:
            _changes(f"{names.get(area, area)} ({area})", area, result)


def _changes(heading: str, area: str, result: AreaResult) -> None:
    """Draw what change buys in one area (the curve, as a chart and a table) and its moves."""
    st.subheader(f"What change buys — {plain(heading)}")
    if result.curve:
        st.caption(
            "The best plan when at most so many practices may move: networks still breaking "
            "a hard rule, outside the band, and in the band."
        )
        points = pd.DataFrame(
            [
                {
                    "most practices moved": point.budget_from,
                    "hard networks": point.hard_networks,
                    "out of band": point.out_of_band,
                    "in band": point.in_band,
                }
                for point in result.curve
            ]
        )
        st.line_chart(
            points, x="most practices moved", y=["hard networks", "out of band", "in band"]
        )
        change = AreaChanges(area, result.priorities, result.moved, result.curve)
        st.dataframe(
            pd.DataFrame(curve_rows(change), columns=list(CURVE_HEADER)),
            hide_index=True,
            width="stretch",
        )
    for move in result.moved:
        st.markdown(f"- {plain(move.text)}")
