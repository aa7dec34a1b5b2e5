"""Each patch's figures before and after a change of plan (the trust view's before/after)."""

from __future__ import annotations

from test_metrics import _PATCH_PLAN, _PATCH_PRACTICES, _graph

from footprints.metrics import patch_alignment
from footprints.patch_changes import PATCH_CHANGE_COLUMNS, patch_changes, patch_figures
from footprints.plan import Plan


def test_patch_figures_add_up_to_the_plans_straddling_totals() -> None:
    # N1 (A 15k, B 4k), N2 (B 8k, C 3k), N3 (C 9k): B holds N1's 4k, C holds N2's 3k.
    alignment = patch_alignment(Plan(_PATCH_PLAN), _graph(_PATCH_PRACTICES))
    figures = patch_figures(alignment)
    assert figures.to_dict("index") == {
        "A": {"networks": 1, "extra memberships": 0, "patients of networks based elsewhere": 0},
        "B": {"networks": 2, "extra memberships": 1, "patients of networks based elsewhere": 4_000},
        "C": {"networks": 2, "extra memberships": 1, "patients of networks based elsewhere": 3_000},
    }
    assert figures["extra memberships"].sum() == alignment.extra_memberships
    assert (
        figures["patients of networks based elsewhere"].sum()
        == alignment.total_straddling_population
    )


def test_patch_changes_put_each_figure_before_and_after() -> None:
    graph = _graph({**_PATCH_PRACTICES, "d1": (0, 0, 2_000, "D")})
    before = Plan({**_PATCH_PLAN, "d1": "N3"})
    # b1 joins N2 (N1 nests in A) and c1 joins N3 (N2 nests in B); d1 leaves for N1.
    after = Plan({**_PATCH_PLAN, "b1": "N2", "c1": "N3", "d1": "N1"})
    table = patch_changes(before, after, graph)
    assert tuple(table.columns) == PATCH_CHANGE_COLUMNS
    assert table.index.name == "patch"
    rows = {p: tuple(int(v) for v in row) for p, row in table.iterrows()}
    # networks, extra memberships, patients elsewhere: each before then after
    assert rows == {
        "A": (1, 1, 0, 0, 0, 0),
        "B": (2, 1, 1, 0, 4_000, 0),
        "C": (2, 1, 1, 0, 3_000, 0),
        "D": (1, 1, 0, 0, 2_000, 2_000),
    }


def test_a_patch_no_network_works_into_after_counts_zero() -> None:
    graph = _graph(_PATCH_PRACTICES)
    before = Plan(_PATCH_PLAN)
    after = Plan({p: n for p, n in _PATCH_PLAN.items() if p not in ("a1", "a2")})
    table = patch_changes(before, after, graph)
    assert table.loc["A"].tolist() == [1, 0, 0, 0, 0, 0]
