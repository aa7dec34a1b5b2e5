"""footprints — the Streamlit app's entry point (``streamlit run app.py``).

The page is drawn by the panels of the ``app`` package, in order; the session state is
declared in ``app/state.py`` and set up first. All planning logic is in ``footprints``: the
working plan, its history, locks and autosave in ``footprints.session``, measures in
``footprints.metrics``, the map in ``footprints.livemap``. Every edit is an ``on_click``
callback (so the whole page renders with the new plan) followed by an autosave; the session
id in the URL (``?session=…``) restores the same plan after a refresh or a server restart.
"""

from __future__ import annotations

import streamlit as st

from app import (
    access,
    comments,
    data,
    edit_panel,
    focus,
    headline,
    live_map,
    networks,
    sidebar,
    signin,
    stale,
    start,
    tabs,
    violations,
)
from app.labels import Labels

st.set_page_config(page_title="footprints — PCN planner", layout="wide")
signin.gate()  # sign-in on and not signed in: the page asks for it and stops here
start.open_session()
access.check_link()  # a link that opens nothing (now) stops the page here, saying why
live_map.on_map_change()  # a map change no callback took (AppTest sets the value); else no-op

status_area = headline.title()
sidebar.panel()
headline.status(status_area)  # a finished optimiser run is applied here
facts = data.facts()
labels = Labels.of(facts["plan"])
headline.metrics(facts)

stale.panel()  # another tab saved since: reload or merge, before anything is overwritten

focus.forget_stale_choices(facts)
map_col, side_col = st.columns([3, 2])
with map_col:
    live_map.panel(facts, focus.map_focus(facts))
with side_col:
    networks.panel(facts, labels, live_map.colours(facts), editable=access.can_edit())
    if access.can_edit():
        edit_panel.panel(facts, labels)
    comments.panel(facts, labels)
violations.panel(facts, labels)
tabs.panel(facts, labels)
