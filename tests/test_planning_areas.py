"""Planning by larger areas: whole STPs (``--level upper``) and areas files (``--areas``).

A hand-made region of three square-ish CCGs side by side: Alpha (16 practices) and Bravo (a
strip of 2 practices, 16,000 patients: too few for a network of its own) in the West STP,
Charlie (16 practices) in the East STP, touching Bravo. Planned by STP, Bravo's practices
must join Alpha's networks (a CCG crossing inside the STP), never Charlie's (the STP border).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pytest
from rules.rule_grids import by_rows, code_at, grid
from shapely.geometry import box
from test_region_homes import write_crossing_inputs

from footprints.cli import main
from footprints.errors import InputError
from footprints.optimiser import OptimiseSettings, propose
from footprints.plan import Band, Plan
from footprints.planning_areas import (
    find_crossings,
    planning_area_of,
    planning_graphs,
    planning_groups,
    read_area_groups,
)
from footprints.region import Region, load_region
from footprints.rules import Violation, validate

SETTINGS = OptimiseSettings(time_limit=20.0, seed=0, workers=1)

# x ranges (metres, BNG) of the three CCGs; y 400,000-408,000 for all
_CCGS = {
    "E38000001": ("01A", "NHS Alpha CCG", "E54000001", 400_000, 408_000),
    "E38000002": ("02B", "NHS Bravo CCG", "E54000001", 408_000, 410_000),
    "E38000003": ("03C", "NHS Charlie CCG", "E54000002", 410_000, 418_000),
}


def _practices() -> list[tuple[str, int, float, float, str]]:
    rows = []
    for ccg, (_, _, _, west, east) in _CCGS.items():
        columns = 1 if east - west <= 2_000 else 4
        lines = 2 if columns == 1 else 4
        for i in range(columns):
            for j in range(lines):
                n = len(rows)
                x = west + (i + 0.5) * (east - west) / columns + 37.0 * (n % 5)
                y = 400_000 + (j + 0.5) * 8_000 / lines + 53.0 * (n % 3)
                rows.append((f"P{n:02d}", 8_000 + 400 * (n % 4), x, y, ccg))
    return rows


def _write_region(folder: Path, ccgs: set[str] | None = None) -> dict[str, Path]:
    """Write the region's files (only the practices of ``ccgs`` when given)."""
    folder.mkdir(parents=True, exist_ok=True)
    practices = folder / "practices.csv"
    with practices.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "list_size", "easting", "northing", "ccg"])
        for code, size, x, y, ccg in _practices():
            if ccgs is None or ccg in ccgs:
                writer.writerow([code, f"Surgery {code}", size, f"{x:.0f}", f"{y:.0f}", ccg])
    ccg_frame = gpd.GeoDataFrame(
        {
            "CCG20CD": list(_CCGS),
            "CCG20CDH": [v[0] for v in _CCGS.values()],
            "CCG20NM": [v[1] for v in _CCGS.values()],
            "STP20CD": [v[2] for v in _CCGS.values()],
        },
        geometry=[box(v[3], 400_000, v[4], 408_000) for v in _CCGS.values()],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    stp_frame = gpd.GeoDataFrame(
        {"STP20CD": ["E54000001", "E54000002"], "STP20NM": ["West STP", "East STP"]},
        geometry=[box(400_000, 400_000, 410_000, 408_000), box(410_000, 400_000, 418_000, 408_000)],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    files = {
        "practices": practices,
        "ccg": folder / "ccgs.geojson",
        "stp": folder / "stps.geojson",
    }
    ccg_frame.to_file(files["ccg"], driver="GeoJSON")
    stp_frame.to_file(files["stp"], driver="GeoJSON")
    return files


def _load(files: dict[str, Path]) -> Region:
    return load_region(files["practices"], files["ccg"], stp_boundaries=files["stp"])


@pytest.fixture(scope="module")
def region_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _write_region(tmp_path_factory.mktemp("three_ccgs"))


@pytest.fixture(scope="module")
def region(region_files: dict[str, Path]) -> Region:
    return _load(region_files)


def _areas_file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_upper_level_groups_ccgs_by_stp(region: Region) -> None:
    groups = planning_groups(region, "upper")
    assert groups == {"E54000001": ["E38000001", "E38000002"], "E54000002": ["E38000003"]}
    assert planning_groups(region) == {c: [c] for c in sorted(_CCGS)}


def test_upper_level_plan_crosses_ccg_borders_inside_its_stp_never_the_stp_border(
    region: Region,
) -> None:
    groups = planning_groups(region, "upper")
    graphs = planning_graphs(region, groups)
    west = graphs["E54000001"]
    kinds = {d.get("kind") for a, b, d in west.edges(data=True) if a in west and b in west}
    assert "area_border" in kinds  # Alpha and Bravo are joined where catchments meet
    assert set(graphs["E54000002"]) == {
        str(c) for c in region.practices.loc[region.practices["ccg"] == "E38000003", "code"]
    }
    proposal = propose(graphs, SETTINGS)
    stp = dict(zip(region.practices["code"], region.practices["stp"], strict=True))
    for network, members in proposal.plan.networks().items():
        assert len({stp[p] for p in members}) == 1, network
    band = SETTINGS.band
    size = dict(zip(region.practices["code"], region.practices["list_size"], strict=True))
    populations = [sum(int(size[p]) for p in m) for m in proposal.plan.networks().values()]
    assert all(band.contains(p) for p in populations), populations
    # Bravo (16,000 patients) cannot be a network alone: its practices join Alpha's.
    crossings = find_crossings(proposal.plan, region.validation_graph, planning_area_of(groups))
    assert crossings and all(c.planning_area == "E54000001" for c in crossings)
    assert all(c.level == "ccg" for c in crossings)
    # Reported, not hard, when validated with the planning areas; hard without them.
    planned = validate(
        proposal.plan, region.validation_graph, planning_areas=planning_area_of(groups)
    )
    plain = validate(proposal.plan, region.validation_graph)
    boundary = [v for v in planned.violations if v.rule == "boundary"]
    assert len(boundary) == len(crossings)
    assert {v.severity for v in boundary} == {"waivable"}
    assert all(v.values["planning_area"] == "E54000001" for v in boundary)
    assert planned.hard == ()
    assert [v.networks for v in plain.hard] == [v.networks for v in boundary]


def test_crossings_count_practices_and_patients_on_each_side() -> None:
    ccg = {code_at(r, c): ("C1" if c < 2 else "C2") for r in range(3) for c in range(3)}
    stp = {code_at(r, c): ("S1" if r < 2 else "S2") for r in range(3) for c in range(3)}
    sizes = [1_000 * (i + 1) for i in range(9)]
    graph = grid(3, 3, sizes, ccg=ccg, stp=stp)
    plan = by_rows(3, 3)
    crossings = find_crossings(plan, graph, {"C1": "G", "C2": "G"})
    assert [c.network for c in crossings] == ["N0", "N1", "N2"]
    first = crossings[0]
    # row 0: P00 (1,000) and P01 (2,000) in C1, P02 (3,000) in C2: most patients first
    assert first.sides == (("C1", "S1", 2, 3_000), ("C2", "S1", 1, 3_000))
    assert first.planning_area == "G" and first.level == "ccg"
    assert "N0 in G crosses a CCG border" in first.text()
    mixed = find_crossings(Plan({code_at(1, 2): "M", code_at(2, 2): "M"}), graph, None)
    assert mixed == []  # one CCG, though two STPs: not a CCG crossing
    across = find_crossings(Plan({code_at(1, 1): "X", code_at(2, 2): "X"}), graph, {"C1": "G"})
    (crossing,) = across
    assert crossing.level == "stp" and crossing.planning_area is None
    assert crossing.sides == (("C2", "S2", 1, 9_000), ("C1", "S1", 1, 5_000))


def test_validate_reports_crossings_inside_a_planning_area_and_hard_across_them() -> None:
    ccg = {code_at(0, c): f"C{c}" for c in range(3)}
    stp = {code_at(0, c): ("S1" if c < 2 else "S2") for c in range(3)}
    graph = grid(1, 3, 10_000, ccg=ccg, stp=stp)
    inside = Plan({code_at(0, 0): "A", code_at(0, 1): "A", code_at(0, 2): "B"})
    across = Plan({code_at(0, 0): "A", code_at(0, 1): "B", code_at(0, 2): "B"})
    by_stp = {"C0": "S1", "C1": "S1", "C2": "S2"}

    def boundary(plan: Plan, areas: dict[str, str]) -> list[Violation]:
        report = validate(plan, graph, planning_areas=areas)
        return [v for v in report.violations if v.rule == "boundary"]

    (reported,) = boundary(inside, by_stp)
    assert reported.rule == "boundary" and reported.severity == "waivable"
    assert "planned as one area (S1)" in reported.message
    (hard,) = boundary(across, by_stp)
    assert hard.severity == "hard" and hard.values["planning_area"] is None
    # a user group of whole STPs: its STP crossing is reported too
    cluster = dict.fromkeys(by_stp, "K1")
    (merged,) = boundary(across, cluster)
    assert merged.severity == "waivable" and merged.values["level"] == "stp"


def test_two_group_file_plans_each_group_as_it_would_be_planned_alone(
    region_files: dict[str, Path], tmp_path: Path
) -> None:
    rows = [["lower_area", "group"], ["E38000001", "G1"], ["02B", "G1"], ["E38000003", "G2"]]
    region = _load(region_files)
    groups = planning_groups(region, areas=_areas_file(tmp_path / "areas.csv", rows))
    assert groups == {"G1": ["E38000001", "E38000002"], "G2": ["E38000003"]}
    together = propose(planning_graphs(region, groups), SETTINGS)
    for group, ccgs in groups.items():
        alone_region = _load(_write_region(tmp_path / group, set(ccgs)))
        mine = [rows[0], *(row for row in rows[1:] if row[1] == group)]
        alone_groups = planning_groups(
            alone_region, areas=_areas_file(tmp_path / f"{group}.csv", mine)
        )
        assert alone_groups == {group: ccgs}
        alone = propose(planning_graphs(alone_region, alone_groups), SETTINGS)
        assert alone.results[group].status == together.results[group].status == "optimal"
        assert alone.results[group].objective == pytest.approx(together.results[group].objective)
        assert dict(alone.results[group].assignment) == dict(together.results[group].assignment)


@pytest.mark.parametrize(
    ("rows", "row", "words"),
    [
        (
            [["lower_area", "group"], ["E38000001", "G1"], ["E38000003", "G2"]],
            None,
            "lower area E38000002 of the region is on no row (2 of 3",
        ),
        (
            [["ccg", "cluster"], ["E38000001", "G1"], ["02B", "G1"], ["E38000002", "G2"]],
            4,
            "lower area E38000002 is on row 3 and again here (group 'G2')",
        ),
        (
            [["CCG20CD", "planning_area"], ["E38000001", "G1"], ["E38000009", "G1"]],
            3,
            "lower area 'E38000009' (group 'G1') is no CCG / sub-ICB location of the region",
        ),
        (  # a zero dropped: the code meant is named
            [["lower_area", "group"], ["E38000001", "G1"], ["E3800002", "G1"]],
            3,
            "is no CCG / sub-ICB location of the region (did you mean 'E38000002'?)",
        ),
        (
            [["ccg_code", "icb"], ["E38000001", "G1"]],
            1,
            "no group column in the header (columns found: ccg_code, icb)",
        ),
        (
            [["lower_area", "group"], ["E38000001", ""]],
            2,
            "row has no group ('E38000001' given)",
        ),
    ],
)
def test_areas_file_errors_name_the_file_row_and_code(
    region: Region, tmp_path: Path, rows: list[list[str]], row: int | None, words: str
) -> None:
    path = _areas_file(tmp_path / "clusters.csv", rows)
    with pytest.raises(InputError) as caught:
        read_area_groups(path, region)
    problems = [p for p in caught.value.errors if words in p.message]
    assert problems, str(caught.value)
    assert problems[0].row == row and problems[0].source == str(path)
    assert "clusters.csv" in str(caught.value)


def test_cli_propose_by_stp_prints_and_writes_crossings_and_validate_agrees(
    region_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    region_args = [
        "--practices",
        str(region_files["practices"]),
        "--boundaries",
        str(region_files["ccg"]),
        "--stp-boundaries",
        str(region_files["stp"]),
    ]
    out = tmp_path / "plan.csv"
    code = main(
        ["propose", *region_args, "--level", "upper", "--time-limit", "20", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "E54000001" in printed and "West STP" in printed
    with (tmp_path / "plan-crossings.csv").open() as handle:
        written = list(csv.DictReader(handle))
    networks = {row["network_id"] for row in written}
    assert networks and {row["planning_area"] for row in written} == {"E54000001"}
    assert f"{len(networks)} networks cross a CCG border" in printed or (
        len(networks) == 1 and "1 network cross" in printed
    )
    assert main(["validate", *region_args, "--plan", str(out), "--level", "upper"]) == 1
    reported = capsys.readouterr().out
    assert reported.count("[boundary, waivable]") == len(networks)
    assert "[boundary, hard]" not in reported
    assert main(["validate", *region_args, "--plan", str(out)]) == 1
    assert capsys.readouterr().out.count("[boundary, hard]") == len(networks)
    bad = _areas_file(tmp_path / "bad.csv", [["lower_area", "group"], ["E38000001", "G"]])
    args = ["propose", *region_args, "--areas", str(bad), "--out", str(tmp_path / "x.csv")]
    assert main(args) == 2
    assert "bad.csv" in capsys.readouterr().err
    both = ["propose", *region_args, "--areas", str(bad), "--level", "upper", "--out", str(out)]
    assert main(both) == 2


def test_a_group_on_registration_geography_carries_the_catchments_of_all_its_practices(
    tmp_path: Path,
) -> None:
    paths = write_crossing_inputs(tmp_path)
    region = load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )
    rows = [["sub_icb", "group"], ["E38000001", "K"], ["E38000002", "K"]]
    groups = planning_groups(region, areas=_areas_file(tmp_path / "k.csv", rows))
    (graph,) = planning_graphs(region, groups).values()
    assert graph.graph["geography"] == "registrations" and graph.graph["area"] == "K"
    named = {int(n) for p in graph.nodes for n in graph.nodes[p]["home_lsoas"]}
    assert named and set(graph.graph["lsoa_registered"]) == named
    assert sorted(graph.nodes) == ["A1", "A2", "B1", "B2"]
    assert set(graph.graph["lsoa_registered"]) > set(
        region.ccg_graphs["E38000001"].graph["lsoa_registered"]
    )
    settings = OptimiseSettings(band=Band(1_000, 3_000), time_limit=20.0, seed=0, workers=1)
    result = propose({"K": graph}, settings).results["K"]
    assert result.status == "optimal" and set(result.assignment) == set(graph.nodes)


def test_cli_geojson_of_a_plan_by_stp_says_its_crossings_are_reported(
    region_files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "plan.geojson"
    args = ["--practices", str(region_files["practices"]), "--boundaries", str(region_files["ccg"])]
    args += ["--stp-boundaries", str(region_files["stp"]), "--level", "upper"]
    assert main(["propose", *args, "--time-limit", "20", "--out", str(out)]) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    crossing = [f["properties"] for f in features if "," in str(f["properties"]["ccg"])]
    assert crossing
    for properties in crossing:
        found = [v for v in properties["violations"] if v["rule"] == "boundary"]
        assert [v["severity"] for v in found] == ["waivable"], properties


def test_an_stp_plan_never_costs_more_than_its_ccgs_plans_joined(region: Region) -> None:
    groups = planning_groups(region, "upper")
    graphs = planning_graphs(region, groups)
    by_ccg = propose(region.ccg_graphs, SETTINGS)
    joined = {
        g: sum(by_ccg.results[c].objective or 0.0 for c in ccgs) for g, ccgs in groups.items()
    }
    # Given the by-CCG plan as the start, and without it (each CCG solved first in a share
    # of the STP's time): never above the CCGs' plans joined.
    for start in (by_ccg.plan.assignment, None):
        by_stp = propose(graphs, SETTINGS, start=start)
        for group in groups:
            result = by_stp.results[group]
            assert result.objective is not None
            assert result.objective <= joined[group] + 1e-6, (group, start is None)
    # Alpha and Bravo together: Bravo (16,000 patients) is out of band on its own, so the
    # STP's plan is strictly cheaper; the CCGs were solved first where no start was given.
    assert by_stp.results["E54000001"].objective is not None
    assert by_stp.results["E54000001"].objective < joined["E54000001"]
    assert any("CCGs' plans joined" in line for line in by_stp.results["E54000001"].explanations)
    assert not any("CCGs' plans" in line for line in by_stp.results["E54000002"].explanations)


def test_an_areas_file_header_error_names_the_ons_code_columns_it_takes(
    region: Region, tmp_path: Path
) -> None:
    """CCG20CD and SICBL23CD headers are read (as the analyst's guide says), so the message
    listing the names a lower-area column may have names them too."""
    path = _areas_file(tmp_path / "clusters.csv", [["ccg_name", "group"], ["Alpha", "G1"]])
    with pytest.raises(InputError) as caught:
        read_area_groups(path, region)
    assert "an ONS code column (CCG20CD, SICBL23CD …)" in str(caught.value)


def test_an_areas_file_kept_in_excel_is_read_and_a_workbook_named_csv_is_one_problem(
    region: Region, tmp_path: Path
) -> None:
    """The 2026 clusters arrive as a workbook: it was read as text, its header the zip's
    bytes ('no lower-area and no group column … columns found: PK…')."""
    import pandas as pd

    table = pd.DataFrame({"CCG20CD": ["E38000001", "02B", "E38000003"], "group": ["G1"] * 3})
    book = tmp_path / "clusters.xlsx"
    table.to_excel(book, index=False)
    assert read_area_groups(book, region) == {"G1": ["E38000001", "E38000002", "E38000003"]}
    misnamed = tmp_path / "clusters.csv"
    misnamed.write_bytes(book.read_bytes())
    with pytest.raises(InputError) as caught:
        read_area_groups(misnamed, region)
    assert "is an Excel workbook or a zip archive, not a CSV" in str(caught.value)
    semicolons = tmp_path / "semicolons.csv"  # European Excel's CSV
    semicolons.write_text("lower_area;group\nE38000001;G1\n02B;G1\nE38000003;G2\n", "cp1252")
    assert read_area_groups(semicolons, region) == {
        "G1": ["E38000001", "E38000002"],
        "G2": ["E38000003"],
    }


def test_area_naming_a_ccg_when_planning_by_stp_says_which_area_holds_it(
    region_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """propose --level upper --area CCG: it said only 'no planning area', listing STPs."""
    command = [
        *("propose", "--practices", str(region_files["practices"])),
        *("--boundaries", str(region_files["ccg"]), "--stp-boundaries", str(region_files["stp"])),
        *("--level", "upper", "--area", "E38000001", "--out", str(tmp_path / "plan.csv")),
    ]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "no planning area E38000001" in err
    assert "CCG E38000001 is in planning area E54" in err


def test_rows_outside_the_region_are_left_out_when_every_area_is_grouped(
    region: Region, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a national file of the 2026 clusters used for one region: every other row was an
    # error ('is no CCG / sub-ICB location of the region ... delete the row'), ~100 for one ICB
    rows = [["lower_area", "group"], ["E38000001", "G1"], ["02B", "G1"], ["E38000003", "G2"]]
    outside = [[f"E38{n:06d}", "Elsewhere"] for n in range(100, 112)]
    path = _areas_file(tmp_path / "clusters.csv", rows + outside)
    with caplog.at_level("WARNING"):
        groups = read_area_groups(path, region)
    assert groups == {"G1": ["E38000001", "E38000002"], "G2": ["E38000003"]}
    (warning,) = [r.getMessage() for r in caplog.records if "not in the region" in r.getMessage()]
    assert (
        "12 rows name lower areas that are not in the region (E38000100 (Elsewhere) on row 5"
        in (warning)
    )
    assert "and 2 more): left out; the region's 3 lower areas are all grouped" in warning
    caplog.clear()  # one row outside: in the singular ("1 row names lower areas that are")
    with caplog.at_level("WARNING"):
        read_area_groups(_areas_file(tmp_path / "one.csv", rows + outside[:1]), region)
    (warning,) = [r.getMessage() for r in caplog.records if "not in the region" in r.getMessage()]
    assert "1 row names a lower area that is not in the region (E38000100 (Elsewhere)" in warning
    # with an area of the region on no row, an unknown code may be its typo: still an error
    with pytest.raises(InputError) as caught:
        read_area_groups(_areas_file(tmp_path / "typo.csv", rows[:3] + outside[:1]), region)
    assert "lower area 'E38000100' (group 'Elsewhere') is no CCG" in str(caught.value)
