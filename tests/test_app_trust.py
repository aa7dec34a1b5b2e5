"""The Community trust view's before and after for the patch teams (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from test_app import _click, _finish_optimiser, _first_ccg, _open_tab, _plan, _start, state_dir

from footprints.patch_changes import PATCH_CHANGE_COLUMNS, patch_changes
from footprints.plan import Plan

pytestmark = pytest.mark.slow

__all__ = ["state_dir"]  # the fixture, used by name


def _before_after(at: AppTest) -> pd.DataFrame | None:
    """The trust view's table of the patches that changed, if it shows one."""
    return next((d.value for d in at.dataframe if "networks before" in d.value.columns), None)


def _expected(at: AppTest, before: Plan) -> pd.DataFrame:
    """The patches whose figures differ between ``before`` and the working plan."""
    graph = at.session_state["_derived"]["region"].validation_graph
    table = patch_changes(before, _plan(at), graph)
    after = table[[c for c in table.columns if c.endswith("after")]].to_numpy()
    old = table[[c for c in table.columns if c.endswith("before")]].to_numpy()
    return table[(after != old).any(axis=1)]


def test_trust_view_shows_each_patch_before_and_after_a_patches_first_run(
    state_dir: Path,
) -> None:
    at = _open_tab(_start(), "Community trust view")
    # The demo opens on a proposal: no optimiser run in the history yet.
    assert at.radio(key="trust_before").options == [
        "the current plan from the file",
        "the start of this session",
    ]
    ccg = _first_ccg(at)
    at.selectbox(key="area_ccg").set_value(ccg).run()
    # A practice of the CCG alone in a new network: below the band, so the run changes it.
    graph = at.session_state["_derived"]["region"].validation_graph
    practice = min(p for p in _plan(at).assignment if graph.nodes[p]["ccg"] == ccg)
    at.multiselect(key="selected").set_value([practice]).run()
    at.selectbox(key="target").set_value("__new__").run()
    at.text_input(key="new_name").input("Harbour PCN").run()
    _click(at, "move")
    at.radio(key="put_first").set_value("patches first").run()
    at.number_input(key="time_limit").set_value(10.0).run()
    before = _plan(at)
    _click(at, "reoptimise")
    _finish_optimiser(at)
    working = at.session_state["working"]
    assert working.label.startswith("re-optimised")
    assert working.history[working.pointer - 1].plan == before != _plan(at)

    choice = at.radio(key="trust_before")
    assert choice.value == "run"  # the plan before the optimiser's run comes first
    expected = _expected(at, before)
    shown = _before_after(at)
    if len(expected):
        assert shown is not None
        assert list(shown.columns) == list(PATCH_CHANGE_COLUMNS)
        assert shown.to_numpy().tolist() == expected.to_numpy().tolist()
        assert all(f"({p})" in label for p, label in zip(expected.index, shown.index, strict=True))
    else:
        assert shown is None
        assert any("No patch's figures changed" in c.value for c in at.caption)

    # Against the published plan: the figures of the plan from the file, before.
    at.radio(key="trust_before").set_value("current").run()
    assert not at.exception
    current = at.session_state["_derived"]["region"].current
    assert current is not None
    expected = _expected(at, current)
    assert len(expected)  # the demo's published plan differs from an optimised one
    shown = _before_after(at)
    assert shown is not None
    assert shown.to_numpy().tolist() == expected.to_numpy().tolist()
    region = at.session_state["_derived"]["region"]
    totals = patch_changes(current, _plan(at), region.validation_graph).sum()
    caption = next(c.value for c in at.caption if c.value.startswith("Before → after"))
    before_after = f"{totals['extra memberships before']:,} → {totals['extra memberships after']:,}"
    assert before_after in caption
    assert (
        f"{totals['extra memberships before']:,} → {totals['extra memberships after']:,}" in caption
    )
