"""``propose --start PLAN``: the optimiser starts from a plan file, checked first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

import footprints.cli_propose as cli_propose
from footprints.cli import main
from footprints.demo import demo_files
from footprints.io import read_plan
from footprints.region import load_region

AREA = "E38900001"


def _demo() -> tuple[pd.DataFrame, nx.Graph]:
    """The demo's current plan as a table, and the first area's graph."""
    with demo_files() as shipped:
        plan = pd.read_csv(shipped.current_plan, dtype=str)
        region = load_region(shipped.practices, shipped.ccg, stp_boundaries=shipped.stp)
    return plan, region.ccg_graphs[AREA]


def _propose(tmp_path: Path, start: Path, *extra: str) -> int:
    out = tmp_path / "plan.csv"
    command = ["propose", "--demo", "--area", AREA, "--start", str(start), "--out", str(out)]
    return main([*command, "--time-limit", "2", "--processes", "1", *extra])


def test_the_start_plan_is_handed_to_the_optimiser_and_the_plan_covers_the_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, graph = _demo()
    start = tmp_path / "start.csv"
    plan.to_csv(start, index=False)
    seen: dict[str, Any] = {}
    real = cli_propose.ProposalJob

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_propose, "ProposalJob", recording)
    assert _propose(tmp_path, start) == 0
    given = dict(zip(plan["practice_code"], plan["network_id"], strict=True))
    assert seen["start"] == given
    assert set(graph.nodes) <= set(seen["start"])
    assert set(read_plan(tmp_path / "plan.csv").assignment) == set(graph.nodes)


def test_a_start_plan_naming_an_unknown_practice_is_refused_with_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, _ = _demo()
    plan.loc[2, "practice_code"] = "Q99999"  # row 4 of the file (the header is row 1)
    start = tmp_path / "start.csv"
    plan.to_csv(start, index=False)
    assert _propose(tmp_path, start) == 2
    err = capsys.readouterr().err
    assert f"--start {start}, row 4 (Q99999): practice Q99999" in err
    assert "is not in the practices file" in err
    assert not (tmp_path / "plan.csv").exists()


def test_a_start_plan_missing_practices_of_the_area_is_refused_naming_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, graph = _demo()
    dropped = sorted(set(plan["practice_code"]) & set(graph.nodes))[:2]
    start = tmp_path / "start.csv"
    plan[~plan["practice_code"].isin(dropped)].to_csv(start, index=False)
    assert _propose(tmp_path, start) == 2
    err = capsys.readouterr().err
    assert f"no network for 2 of the {len(graph):,} practices of planning area {AREA}" in err
    assert ", ".join(dropped) in err
    assert "--area" in err
    # the published ePCN file leaves out practices in no PCN (Kent and Medway: 4): the
    # repair places them, which the message now offers
    assert "or repair the plan instead (--repair --plan FILE places the practices" in err


def test_a_start_network_in_two_parts_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plan, graph = _demo()
    inside = plan[plan["practice_code"].isin(set(graph.nodes))]
    # Two practices with no edge between them, in one network of their own.
    codes = list(inside["practice_code"])
    a, b = next((a, b) for a in codes for b in codes if a < b and not graph.has_edge(a, b))
    plan.loc[plan["practice_code"].isin([a, b]), "network_id"] = "APART"
    start = tmp_path / "start.csv"
    plan.to_csv(start, index=False)
    assert _propose(tmp_path, start) in (0, 4)
    assert f"network APART is in 2 separate parts within planning area {AREA}" in caplog.text


def test_a_national_start_plan_is_cut_to_the_practices_loaded_like_plan(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The national ePCN file as --start, as the analyst's guide offers it.

    --plan, validate, diff and plans import cut a plan covering other areas to the
    practices loaded (a warning); --start refused it with one error per practice of
    England (6,556 for Kent and Medway)."""
    plan, graph = _demo()
    others = pd.DataFrame(
        {
            "practice_code": [f"Q{n:05d}" for n in range(3)],
            "network_id": ["ELSEWHERE"] * 3,
            "network_name": ["Another area's network"] * 3,
        }
    )
    start = tmp_path / "national.csv"
    pd.concat([plan, others], ignore_index=True).to_csv(start, index=False)
    assert _propose(tmp_path, start) == 0
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "the plan names 3 practices not in the practices file" in warned
    assert set(read_plan(tmp_path / "plan.csv").assignment) == set(graph.nodes)
