"""Comparing plans: moved practices, created, dissolved, merged and split networks."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from footprints.cli import main
from footprints.diff import Merge, Split, diff_plans
from footprints.io import write_plan
from footprints.plan import Plan


def _renamed(plan: Plan, prefix: str = "X") -> Plan:
    return Plan(
        {p: prefix + n for p, n in plan.assignment.items()},
        {prefix + n: name for n, name in plan.names.items()},
    )


def _grid_plan() -> Plan:
    """Four networks of 4, 5, 6 and 3 practices."""
    sizes = {"N1": 4, "N2": 5, "N3": 6, "N4": 3}
    assignment = {}
    for network, count in sizes.items():
        for i in range(count):
            assignment[f"{network}P{i}"] = network
    return Plan(assignment, {n: f"{n} PCN" for n in sizes})


def test_identical_plans() -> None:
    plan = _grid_plan()
    difference = diff_plans(plan, plan)
    assert difference.identical
    assert difference.moved == ()
    assert dict(difference.matches) == {n: n for n in plan.networks()}
    assert difference.to_text() == "The plans are identical."


def test_renumbered_networks_match_by_overlap() -> None:
    plan = _grid_plan()
    difference = diff_plans(plan, _renamed(plan))
    assert difference.moved == ()
    assert dict(difference.matches) == {n: "X" + n for n in plan.networks()}
    assert difference.created == () and difference.dissolved == ()
    assert not difference.identical  # the ids changed


def test_one_practice_moving_is_a_move_not_a_merge_or_split() -> None:
    a = _grid_plan()
    b = a.moved(["N1P0"], "N2")
    difference = diff_plans(a, b, populations={p: 1_000 for p in a.assignment})
    assert [(m.practice, m.from_network, m.to_network) for m in difference.moved] == [
        ("N1P0", "N1", "N2")
    ]
    assert difference.merged == () and difference.split == ()
    change = {c.a: c for c in difference.changes}
    assert change["N1"].population_change == -1_000
    assert change["N2"].population_change == 1_000
    assert change["N2"].gained == ("N1P0",)


def test_dissolving_into_neighbours() -> None:
    a = _grid_plan()
    members = a.networks()["N2"]  # five practices: 2 to N1, 2 to N3, 1 to N4
    b = a.moved(members[:2], "N1").moved(members[2:4], "N3").moved(members[4:], "N4")
    difference = diff_plans(a, b)
    assert difference.dissolved == ("N2",)
    assert {m.practice for m in difference.moved} == set(members)
    assert difference.merged == ()  # N2 went mostly into no single network
    # Two of N4's three practices going into N1 is N4 going mostly into N1: a merge.
    c = a.moved(a.networks()["N4"][:2], "N1").moved(a.networks()["N4"][2:], "N2")
    assert diff_plans(a, c).merged == (Merge("N1", ("N1", "N4")),)


def _real_plan(shared_data: Path, ccg: str) -> tuple[Plan, dict[str, int]]:
    table = pd.read_csv(
        shared_data / "practices" / "practices_2020.csv", dtype=str, keep_default_na=False
    )
    rows = table[(table["ccg20_ons_code"] == ccg) & (table["pcn_code"] != "U")]
    plan = Plan(
        dict(zip(rows["practice_code"], rows["pcn_code"], strict=True)),
        dict(zip(rows["pcn_code"], rows["pcn_name"], strict=True)),
    )
    sizes = dict(zip(rows["practice_code"], rows["list_size_2020_01"].astype(int), strict=True))
    return plan, sizes


def _modified(plan: Plan) -> tuple[Plan, str, str, str]:
    """Merge the smallest network into a larger one, split one, move three practices.

    Returns the new plan and the ids of the merge target, the merged-away network and the
    network split.
    """
    members = plan.networks()
    by_size = sorted(members, key=lambda n: (len(members[n]), n))
    small, large = by_size[0], by_size[-1]  # merge small into large (strictly larger)
    assert len(members[small]) < len(members[large])
    split = by_size[-2]  # split off fewer than half of its practices into a new network
    leaving = members[split][: (len(members[split]) - 1) // 2]
    assert leaving
    new = plan.moved(members[small], large).moved(leaving, "NEW01")
    new = Plan(new.assignment, {**new.names, "NEW01": "New PCN"})
    # Three single moves between networks of at least 3 practices not otherwise touched.
    others = [n for n in by_size[1:-2] if len(members[n]) >= 3]
    assert len(others) >= 4
    for source, target in itertools.pairwise(others[:4]):
        new = new.moved([members[source][0]], target)
    return new, large, small, split


@pytest.mark.realdata
def test_real_ccg_modified_lists_exactly_the_practices_that_changed(shared_data: Path) -> None:
    a, sizes = _real_plan(shared_data, "E38000244")  # NHS South East London CCG
    b, large, small, split = _modified(a)
    changed = {p for p in a.assignment if a.assignment[p] != b.assignment[p]}
    assert len(changed) > 5
    difference = diff_plans(a, b, populations=sizes)
    assert {m.practice for m in difference.moved} == changed
    assert all(b.assignment[m.practice] == m.to_network for m in difference.moved)
    assert Merge(large, tuple(sorted([large, small]))) in difference.merged
    assert Split(split, tuple(sorted([split, "NEW01"]))) in difference.split
    assert difference.dissolved == (small,)
    assert difference.created == ("NEW01",)
    populations = {c.b: c for c in difference.changes if c.b is not None}
    for network, practices in b.networks().items():
        if network in populations:
            assert populations[network].b_population == sum(sizes[p] for p in practices)
    # Under renumbered ids the same practices move: networks are matched by overlap.
    renamed = diff_plans(a, _renamed(b), populations=sizes)
    assert {m.practice for m in renamed.moved} == changed
    json.dumps(difference.to_dict())  # JSON-ready


def test_cli_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _grid_plan()
    b = a.moved(["N1P0", "N3P2"], "N4")
    write_plan(a, tmp_path / "a.csv")
    write_plan(b, tmp_path / "b.csv")
    assert main(["diff", str(tmp_path / "a.csv"), str(tmp_path / "a.csv")]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert [m["practice"] for m in result["moved"]] == ["N1P0", "N3P2"]
    assert main(["diff", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]) == 1
    assert "N1P0: N1 → N4" in capsys.readouterr().out


def test_cli_diff_of_plans_of_different_areas_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kent and Medway's plan against North West London's said '0 practices moved, 45
    networks created, 42 dissolved' and listed every practice as in no network: exit 1."""
    (tmp_path / "kent.csv").write_text("practice_code,network_id\nG82002,U1\n", encoding="utf-8")
    (tmp_path / "nwl.csv").write_text(
        "practice_code,network_id\nE84002,U2\nE84003,U2\n", encoding="utf-8"
    )
    assert main(["diff", str(tmp_path / "kent.csv"), str(tmp_path / "nwl.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"shares no practice with {tmp_path / 'kent.csv'}: it places 2 practices" in (
        captured.err
    )
    assert "compare two plans of the same area" in captured.err


@pytest.mark.realdata
def test_cli_diff_of_a_real_ccg_and_its_repaired_plan(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`footprints diff` lists exactly the practices the optimiser's repair moved."""
    from footprints.graph import build_graphs
    from footprints.io import read_boundaries, read_practices
    from footprints.optimiser import OptimiseSettings, optimise_area

    practices = read_practices(shared_data / "practices" / "practices_2020.csv")
    table = practices[practices["network"].notna()]
    # A CCG of 20-60 practices whose real networks include one outside the band.
    populations = table.groupby("network")["list_size"].sum()
    out_of_band = set(populations.index[(populations < 30_000) | (populations > 50_000)])
    counts = table.groupby("ccg")["code"].count()
    candidates = sorted(
        ccg
        for ccg, group in table.groupby("ccg")
        if 20 <= counts[ccg] <= 60 and set(group["network"]) & out_of_band
    )
    ccg = candidates[0]
    members = practices[practices["ccg"] == ccg].reset_index(drop=True)
    boundaries = read_boundaries(
        next((shared_data / "boundaries" / "ccg_2020_derived").glob("*.geojson"))
    )
    graphs, _ = build_graphs(members, boundaries[boundaries["code"] == ccg], level="ccg")
    current = {str(c): str(n) for c, n in zip(members["code"], members["network"], strict=True)}
    current = {c: n for c, n in current.items() if n != "None"}
    result = optimise_area(graphs[ccg], OptimiseSettings(time_limit=10), current=current)
    real, repaired = Plan(current), Plan({c: n for c, n in result.assignment.items()})
    write_plan(real, tmp_path / "real.csv")
    write_plan(repaired, tmp_path / "repaired.csv")

    code = main(["diff", str(tmp_path / "real.csv"), str(tmp_path / "repaired.csv"), "--json"])
    moved = {m["practice"] for m in json.loads(capsys.readouterr().out)["moved"]}
    assert code == (1 if moved else 0)
    # Repair keeps the ids of the networks it keeps, so "changed" is a plain comparison.
    changed = {p for p in current if current[p] != repaired.assignment.get(p)}
    assert moved == changed
    assert len(moved) == result.moves
    assert moved, f"repairing {ccg} moved no practice: the test would show nothing"
