"""Loading a region: the upper planning level with and without an STP layer; far practices."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from footprints.demo import demo_files, load_demo
from footprints.errors import InputError
from footprints.region import load_region


def test_demo_loads_with_its_current_plan_and_patches() -> None:
    region = load_demo()
    assert region.current is not None
    assert set(region.current.assignment) == set(region.practices["code"])
    assert region.patches is not None
    assert region.practices["patch"].notna().all()
    assert set(region.ccg_graphs) == set(region.ccgs["code"])
    assert nx.is_connected(region.validation_graph)


def test_upper_level_is_dissolved_from_the_ccg_parent_column() -> None:
    with demo_files() as shipped:
        region = load_region(shipped.practices, shipped.ccg)
    assert region.stps is None
    upper = region.upper_boundaries
    assert list(upper["code"]) == sorted(set(region.ccgs["parent"]))
    assert abs(upper.union_all().area - region.ccgs.union_all().area) < 1.0
    graph = region.validation_graph
    assert set(graph.nodes) == set(region.practices["code"])
    # The STP-level graph links practices across CCG borders; the CCG graphs do not.
    crossing = [(a, b) for a, b in graph.edges if graph.nodes[a]["ccg"] != graph.nodes[b]["ccg"]]
    assert crossing


def test_without_any_upper_level_the_ccgs_stand_in(tmp_path: Path) -> None:
    with demo_files() as shipped:
        layer = json.loads(shipped.ccg.read_text(encoding="utf-8"))
        for feature in layer["features"]:
            feature["properties"].pop("STP20CD", None)
        ccg = tmp_path / "ccg_without_parent.geojson"
        ccg.write_text(json.dumps(layer), encoding="utf-8")
        region = load_region(shipped.practices, ccg)
    assert region.upper_boundaries is region.ccgs
    graph = region.validation_graph
    assert set(graph.nodes) == set(region.practices["code"])
    # The CCG graphs are joined only where catchments meet across a CCG border.
    kinds = {
        graph.edges[a, b]["kind"]
        for a, b in graph.edges
        if graph.nodes[a]["ccg"] != graph.nodes[b]["ccg"]
    }
    assert kinds == {"area_border"}
    assert nx.is_connected(graph)


def test_lower_areas_of_an_upper_area() -> None:
    region = load_demo()
    every = region.lower_areas()
    assert every == sorted(region.ccgs["code"])
    practices = region.practices
    for upper in region.upper_boundaries["code"]:
        expected = sorted(set(practices.loc[practices["stp"] == upper, "ccg"]))
        assert region.lower_areas(upper) == expected
        assert set(region.lower_areas(upper)) <= set(every)
    assert sum(len(region.lower_areas(u)) for u in region.upper_boundaries["code"]) == len(every)
    assert region.lower_areas("no such STP") == []


def _one_ccg_of_the_demo(folder: Path) -> tuple[Path, str]:
    """The demo's practices of its first CCG only, as a practices file in ``folder``."""
    with demo_files() as shipped:
        table = pd.read_csv(shipped.practices, dtype=str, keep_default_na=False)
    ccg = sorted(table["ccg"])[0]
    path = folder / "one_ccg.csv"
    table[table["ccg"] == ccg].to_csv(path, index=False)
    return path, str(ccg)


def test_wider_files_are_cut_to_the_practices_loaded(tmp_path: Path) -> None:
    practices, ccg = _one_ccg_of_the_demo(tmp_path)
    with demo_files() as shipped:
        region = load_region(
            practices,
            shipped.ccg,
            stp_boundaries=shipped.stp,
            patches=shipped.patches,
            plan=shipped.current_plan,
        )
        whole = load_demo()
    codes = set(region.practices["code"])
    assert list(region.ccgs["code"]) == [ccg]
    assert region.lower_areas() == [ccg]
    assert region.stps is not None and len(region.stps) == 1
    assert region.patches is not None and whole.patches is not None
    assert set(region.practices["patch"]) <= set(region.patches["patch"])
    assert 0 < len(region.patches) < len(whole.patches)
    # The current plan covered the whole demo: cut to the practices loaded, one warning.
    assert region.current is not None and whole.current is not None
    assert set(region.current.assignment) == codes
    dropped = len(whole.current) - len(codes)
    (warning,) = [p for p in region.problems if "not in the practices file" in p.message]
    assert warning.severity == "warning"
    assert f"names {dropped:,} practices not in the practices file" in warning.message
    assert region.left_out["plan practices"] == dropped
    assert region.left_out["CCGs"] == len(whole.ccgs) - 1
    # The networks left keep their real names.
    for network in region.current.networks():
        assert region.current.network_name(network) == whole.current.network_name(network)


def test_a_plan_of_the_area_keeps_a_mistyped_code(tmp_path: Path) -> None:
    """Only a plan wider than the area is cut: a typo in the area's plan is still reported."""
    with demo_files() as shipped:
        text = shipped.current_plan.read_text(encoding="utf-8")
        network = text.splitlines()[1].split(",")[1]
        plan = tmp_path / "plan.csv"
        plan.write_text(text + f"Z99999,{network},\n", encoding="utf-8")
        region = load_region(shipped.practices, shipped.ccg, plan=plan)
    assert region.current is not None
    assert region.current.assignment["Z99999"] == network
    assert not [p for p in region.problems if "not in the practices file" in p.message]
    assert "plan practices" not in region.left_out


def test_a_far_away_practice_loads_joined_to_its_area_like_an_island(tmp_path: Path) -> None:
    """A digital-first practice 112 km from the CCG its row names: a warning, not a refusal."""
    data = Path(__file__).resolve().parent / "data"
    practices = tmp_path / "practices_far.csv"
    practices.write_text(
        (data / "areas_practices.csv").read_text(encoding="utf-8")
        + "PF,Digital First,3800,402000,522000,01A\n",
        encoding="utf-8",
    )
    region = load_region(practices, data / "areas_ccgs.geojson")
    [warning] = [p for p in region.problems if p.code == "PF"]
    assert "PF (Digital First) lies 112 km outside its own CCG E38000001" in warning.message
    graph = region.ccg_graphs["E38000001"]
    assert nx.is_connected(graph)
    [(_, nearest, link)] = graph.edges("PF", data=True)
    assert link["kind"] == "island"
    assert nearest == "P4"  # of Alpha's practices, the nearest to PF's site (116 km)
    assert region.validation_graph.edges("PF") and nx.is_connected(
        region.validation_graph.subgraph(graph.nodes)
    )
    catchment = region.catchments.set_index("code").geometry["PF"]
    assert catchment.distance(region.ccgs.set_index("code").geometry["E38000001"]) > 100_000
    with pytest.raises(InputError, match=r"PF \(Digital First\) lies 112 km outside"):
        load_region(practices, data / "areas_ccgs.geojson", strict_sites=True)


def test_a_wider_plan_cut_to_the_practices_says_what_was_left_out() -> None:
    """Kent and Medway's 206 practices with the national ePCN file said 'the plan is cut to
    the 202 practices loaded': 206 were loaded, 4 of them in no PCN of the file."""
    from footprints.plan import Plan
    from footprints.region import restrict_plan

    plan = Plan({"A": "N1", "B": "N1", "X": "N1", "Y": "N2", "Z": "N3"})
    cut, problem = restrict_plan(plan, ["A", "B", "C"], source="epcn.xlsx")
    assert dict(cut.assignment) == {"A": "N1", "B": "N1"}
    assert problem is not None
    assert problem.message == (
        "the plan names 3 practices not in the practices file (2 in 2 networks of other "
        "areas; 1 in networks of this area: X): their rows are left out, so the plan places "
        "2 of the 3 practices loaded (1 is in no network of the plan)"
    )


def test_a_dataframe_given_for_a_file_says_to_save_it_first() -> None:
    # a notebook's tables: read as files named by their printout ('File name too long',
    # 'expected str, bytes or os.PathLike object, not DataFrame')
    import geopandas as gpd

    from footprints.io import read_boundaries, read_practices

    with demo_files() as shipped:
        practices = pd.read_csv(shipped.practices)
        ccgs = gpd.read_file(shipped.ccg)
        with pytest.raises(TypeError, match=r"load_region: practices is a DataFrame") as error:
            load_region(practices, shipped.ccg)
        assert "to_csv('table.csv', index=False)" in str(error.value)
        with pytest.raises(TypeError, match=r"load_region: boundaries is a GeoDataFrame") as error:
            load_region(shipped.practices, ccgs)
        assert "to_file('areas.gpkg')" in str(error.value)
        with pytest.raises(TypeError, match=r"load_region: patches is a GeoDataFrame"):
            load_region(shipped.practices, shipped.ccg, patches=ccgs)
        with pytest.raises(TypeError, match=r"read_practices: path is a DataFrame"):
            read_practices(practices)
        with pytest.raises(TypeError, match=r"read_boundaries: path is a GeoDataFrame"):
            read_boundaries(ccgs)
        with pytest.raises(TypeError, match=r"load_region: boundaries is an int.*path of a file"):
            load_region(shipped.practices, 123)  # type: ignore[arg-type]


def test_a_ccg_holding_no_practice_need_not_match_the_stp_layer(tmp_path: Path) -> None:
    # a national CCG layer with a newer ICB layer: Kent and Medway's practices were refused
    # for 28 CCGs elsewhere whose 2020 STPs the 2023 ICBs lack
    with demo_files() as shipped:
        layer = json.loads(shipped.ccg.read_text(encoding="utf-8"))
        other = json.loads(json.dumps(layer["features"][0]))
        other["properties"].update(
            {
                "CCG20CD": "E38999999",
                "CCG20CDH": "99X",
                "CCG20NM": "Elsewhere",
                "STP20CD": "E54999999",
            }
        )
        layer["features"].append(other)
        ccg = tmp_path / "national_ccgs.geojson"
        ccg.write_text(json.dumps(layer), encoding="utf-8")
        region = load_region(shipped.practices, ccg, stp_boundaries=shipped.stp)
        assert set(region.practices["stp"]) == {"E54900001"}
        # a CCG that holds practices still must match
        layer["features"][0]["properties"]["STP20CD"] = "E54999999"
        ccg.write_text(json.dumps(layer), encoding="utf-8")
        with pytest.raises(InputError, match="CCG E38900001's parent STP 'E54999999' matches no"):
            load_region(shipped.practices, ccg, stp_boundaries=shipped.stp)


def test_a_practice_with_no_location_is_left_out_of_the_region_and_its_plan(
    tmp_path: Path,
) -> None:
    """One practice with no coordinates and no postcode stopped the run; it is left out with
    a warning, and the current plan naming it is not judged to name an unknown code."""
    from footprints.rules import validate

    with demo_files() as shipped:
        lines = shipped.practices.read_text(encoding="utf-8").splitlines()
        cells = lines[2].split(",")
        code = cells[0]
        cells[2:4] = ["", ""]  # lat, lon
        practices = tmp_path / "practices.csv"
        practices.write_text("\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n")
        region = load_region(practices, shipped.ccg, plan=shipped.current_plan)
    assert code not in set(region.practices["code"])
    assert region.current is not None and code not in region.current.assignment
    assert any(f"row 3 ({code}); it is left out of the plan" in p.message for p in region.problems)
    report = validate(region.current, region.validation_graph)
    assert not [v for v in report.violations if v.values.get("kind") == "unknown"]
