"""The Optimiser results tab: each planning area's status, cost, bound and explanations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.data import area_names
from app.markdown import plain
from app.state import state

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
