"""The History tab: every step of the session, the current one marked; then the versions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.state import state
from app.tabs import versions

__all__ = ["panel"]


def panel() -> None:
    """List every snapshot: the edit, the networks, the locks; undo and redo walk the list."""
    working = state.working
    st.caption("Every edit is saved as it happens; undo and redo step through this list.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "step": i + 1,
                    "edit": s.label,
                    "networks": len(set(s.plan.assignment.values())),
                    "locked": len(s.locks),
                    "now": "◀" if i == working.pointer else "",
                }
                for i, s in enumerate(working.history)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    versions.panel()
