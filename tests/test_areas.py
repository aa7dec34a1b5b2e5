"""Placing practices in CCG / STP polygons and nursing patches."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from footprints.areas import place_practices
from footprints.crs import BNG, WGS84
from footprints.errors import InputError, Problem
from footprints.io import read_boundaries, read_patches, read_practices


@pytest.fixture
def ccgs(test_data: Path) -> gpd.GeoDataFrame:
    return read_boundaries(test_data / "areas_ccgs.geojson")


@pytest.fixture
def stps(test_data: Path) -> gpd.GeoDataFrame:
    return read_boundaries(test_data / "areas_stps.geojson", level="stp")


@pytest.fixture
def practices(test_data: Path) -> gpd.GeoDataFrame:
    return read_practices(test_data / "areas_practices.csv")


def _by_code(placed: gpd.GeoDataFrame, column: str) -> dict[str, str | None]:
    return dict(zip(placed["code"], placed[column], strict=True))


def _warning_for(problems: list[Problem], code: str) -> str:
    [problem] = [p for p in problems if p.code == code]
    assert problem.severity == "warning"
    return problem.message


def test_place_practices(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame, stps: gpd.GeoDataFrame, test_data: Path
) -> None:
    patches = read_patches(test_data / "areas_patches.geojson")
    placed, problems = place_practices(practices, ccgs, stps, patches)
    assert placed.crs == BNG
    assert _by_code(placed, "ccg") == {
        "P1": "E38000001",  # inside
        "P2": "E38000002",  # row's ODS code 02b → the boundary code
        "P3": "E38000002",  # the row wins over the polygon
        "P4": "E38000001",  # nearest polygon, 1 km away
        "P5": "E38000001",  # the row's CCG, 10 km away
        "P6": "E38000003",
    }
    west, east = "E54000001", "E54000002"
    assert _by_code(placed, "stp") == {"P1": west, "P2": west, "P3": west, "P4": west} | {
        "P5": west,
        "P6": east,
    }
    assert _by_code(placed, "patch") == {
        "P1": "SOUTH",
        "P2": "SOUTH",
        "P3": "NORTH",
        "P4": "NORTH",  # 1 km outside, within the tolerance
        "P5": None,  # 10 km outside every patch
        "P6": "SOUTH",
    }
    assert placed["ccg"].dtype == object
    assert sorted(p.code or "" for p in problems) == ["P3", "P4", "P4", "P5", "P5"]
    assert _warning_for([p for p in problems if "CCG" in p.message], "P3") == (
        "practice P3 lies in CCG E38000001 (01A, NHS Alpha CCG) but its row says E38000002 "
        "(02B, NHS Bravo CCG), 5,000 m from that CCG's polygon; kept in E38000002 as the row says"
    )
    assert "placed in the nearest, E38000001 (01A, NHS Alpha CCG), 1,000 m away" in (
        _warning_for([p for p in problems if "CCG" in p.message], "P4")
    )
    assert "outside every CCG polygon, 10,000 m from its own CCG E38000001" in (
        _warning_for([p for p in problems if "CCG" in p.message], "P5")
    )
    assert "lies in no patch; the nearest, NORTH (North team), is 10,000 m away" in (
        _warning_for([p for p in problems if "patch" in p.message], "P5")
    )
    assert all(p.source.endswith("areas_practices.csv") for p in problems)


def test_place_practices_does_not_modify_its_input(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    before = practices.copy()
    place_practices(practices, ccgs)
    pd.testing.assert_frame_equal(practices, before)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "areas_practices_too_far.csv",
            "practice P9 lies outside every CCG polygon; the nearest, E38000001 (01A, NHS Alpha "
            "CCG), is 20,000 m away (tolerance 5,000 m)",
        ),
        (
            "areas_practices_unknown_ccg.csv",
            "practice P1's CCG '99Z' matches no CCG boundary",
        ),
    ],
)
def test_place_practices_errors(
    test_data: Path, ccgs: gpd.GeoDataFrame, fixture: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        place_practices(read_practices(test_data / fixture), ccgs)
    [error] = [p for p in caught.value.problems if p.severity == "error"]
    assert expected in error.message
    assert fixture in str(caught.value)


def test_tolerance_is_configurable(test_data: Path, ccgs: gpd.GeoDataFrame) -> None:
    far = read_practices(test_data / "areas_practices_too_far.csv")
    placed, problems = place_practices(far, ccgs, tolerance_m=25_000)
    assert _by_code(placed, "ccg")["P9"] == "E38000001"
    assert "20,000 m away" in _warning_for(problems, "P9")


FAR_PRACTICE = (
    "code,name,list_size,easting,northing,ccg\n"
    "P1,Inside Alpha,8000,402000,402000,\n"
    "PF,Digital First,3800,402000,522000,01A\n"  # 112 km north of Alpha, in no polygon
)


def test_a_far_away_practice_stays_in_its_ccg_with_a_warning(
    ccgs: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "practices_far.csv"
    path.write_text(FAR_PRACTICE)
    placed, problems = place_practices(read_practices(path), ccgs)
    assert _by_code(placed, "ccg") == {"P1": "E38000001", "PF": "E38000001"}
    assert _warning_for(problems, "PF") == (
        "practice PF (Digital First) lies 112 km outside its own CCG E38000001 (01A, NHS Alpha "
        "CCG), beyond the 50 km of a local site; kept in E38000001 as its row says, joined to "
        "the CCG's nearest practice like an island"
    )
    [problem] = problems
    assert "--strict-sites" in problem.fix


def test_strict_sites_refuses_a_far_away_practice(ccgs: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = tmp_path / "practices_far.csv"
    path.write_text(FAR_PRACTICE)
    with pytest.raises(InputError) as caught:
        place_practices(read_practices(path), ccgs, strict_sites=True)
    [error] = [p for p in caught.value.problems if p.severity == "error"]
    assert error.code == "PF"
    assert error.message == (
        "practice PF (Digital First) lies 112 km outside its own CCG E38000001 (01A, NHS Alpha "
        "CCG) (the limit is 50 km)"
    )


def test_stp_from_parent_without_stp_layer(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    placed, _ = place_practices(practices, ccgs)
    assert _by_code(placed, "stp")["P6"] == "E54000002"
    assert set(placed["stp"]) == {"E54000001", "E54000002"}


def test_stp_from_overlap_when_ccgs_carry_no_parent(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame, stps: gpd.GeoDataFrame
) -> None:
    orphans = ccgs.assign(parent=pd.Series([None] * len(ccgs), dtype=object))
    placed, _ = place_practices(practices, orphans, stps)
    expected, _ = place_practices(practices, ccgs, stps)
    assert _by_code(placed, "stp") == _by_code(expected, "stp")


def test_stp_on_row_disagreeing_with_its_ccg(
    test_data: Path, ccgs: gpd.GeoDataFrame, stps: gpd.GeoDataFrame
) -> None:
    practices = read_practices(test_data / "areas_practices_stp_disagrees.csv")
    placed, problems = place_practices(practices, ccgs, stps)
    assert _by_code(placed, "stp") == {"P1": "E54000001"}
    assert "row says STP E54000002 but its CCG E38000001 is in STP E54000001" in (
        _warning_for(problems, "P1")
    )


def test_parent_matching_no_stp_is_an_error(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame, stps: gpd.GeoDataFrame
) -> None:
    wrong = ccgs.assign(parent=pd.Series(["E54999999", "E54000001", "E54000002"], dtype=object))
    with pytest.raises(InputError, match="CCG E38000001's parent STP 'E54999999' matches no STP"):
        place_practices(practices, wrong, stps)


def test_layers_in_other_crs_are_reprojected(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    placed, _ = place_practices(practices.to_crs(WGS84), ccgs.to_crs(WGS84))
    assert placed.crs == BNG
    assert _by_code(placed, "ccg")["P6"] == "E38000003"


# --------------------------------------------------------------------------------------------
# The real 2020 snapshot
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, gpd.GeoDataFrame]:
    boundaries = shared_data / "boundaries"
    [ccg_file] = sorted((boundaries / "ccg_2020_derived").glob("*.geojson"))
    [stp_file] = sorted((boundaries / "stp_2020_derived").glob("*.geojson"))
    practices_file = shared_data / "practices" / "practices_2020.csv"
    raw = pd.read_csv(practices_file, dtype={"practice_code": str})
    points = gpd.GeoDataFrame(
        raw[["practice_code", "ccg20_ons_code", "stp20_ons_code"]],
        geometry=gpd.points_from_xy(raw["easting"], raw["northing"]),
        crs=BNG,
    )
    return {
        "practices": read_practices(practices_file),
        "ccgs": read_boundaries(ccg_file),
        "stps": read_boundaries(stp_file, level="stp"),
        "raw_points": points,
        "raw_ccgs": gpd.read_file(ccg_file).to_crs(BNG),
    }


@pytest.mark.realdata
def test_real_practices_all_placed_by_their_rows(real: dict[str, gpd.GeoDataFrame]) -> None:
    placed, problems = place_practices(real["practices"], real["ccgs"], real["stps"])
    raw = real["raw_points"]
    assert len(placed) == 6720
    assert placed["ccg"].notna().all() and placed["stp"].notna().all()
    assert placed["ccg"].tolist() == raw["ccg20_ons_code"].tolist()  # the row wins
    assert placed["stp"].tolist() == raw["stp20_ons_code"].tolist()
    # independent count: points in no polygon, and points in a polygon not their own
    joined = gpd.sjoin(raw, real["raw_ccgs"][["CCG20CD", "geometry"]], how="left")
    outside = set(joined.loc[joined["CCG20CD"].isna(), "practice_code"])
    elsewhere = joined["CCG20CD"].notna() & (joined["CCG20CD"] != joined["ccg20_ons_code"])
    neighbour = set(joined.loc[elsewhere, "practice_code"])
    assert outside and neighbour
    outside_warned = {p.code for p in problems if "outside every CCG polygon" in p.message}
    disagree_warned = {p.code for p in problems if "but its row says" in p.message}
    assert outside_warned == outside
    assert disagree_warned == neighbour
    assert len(problems) == len(outside) + len(neighbour)
    scilly = _warning_for(problems, "L82017")
    assert "outside every CCG polygon" in scilly and "NHS Kernow CCG" in scilly


@pytest.mark.realdata
def test_real_practices_without_ccg_use_the_nearest_polygon(
    real: dict[str, gpd.GeoDataFrame],
) -> None:
    practices = real["practices"].assign(
        ccg=pd.Series([None] * 6720, dtype=object), stp=pd.Series([None] * 6720, dtype=object)
    )
    raw = real["raw_points"]
    joined = gpd.sjoin(raw, real["raw_ccgs"][["CCG20CD", "geometry"]], how="left")
    outside = raw[raw["practice_code"].isin(joined.loc[joined["CCG20CD"].isna(), "practice_code"])]
    nearest = gpd.sjoin_nearest(
        outside, real["raw_ccgs"][["CCG20CD", "geometry"]], distance_col="distance"
    ).drop_duplicates("practice_code")
    too_far = set(nearest.loc[nearest["distance"] > 5000, "practice_code"])
    assert "L82017" in too_far  # Isles of Scilly, ~46 km from the mainland polygon

    with pytest.raises(InputError) as caught:
        place_practices(practices, real["ccgs"], real["stps"])
    assert {p.code for p in caught.value.problems if p.severity == "error"} == too_far

    placed, problems = place_practices(
        practices, real["ccgs"], real["stps"], tolerance_m=float(nearest["distance"].max()) + 1
    )
    assert placed["ccg"].notna().all() and placed["stp"].notna().all()
    fallback = {p.code for p in problems if "placed in the nearest" in p.message}
    assert fallback == set(outside["practice_code"])
    placed_ccg = _by_code(placed, "ccg")
    for code, ccg in zip(nearest["practice_code"], nearest["CCG20CD"], strict=True):
        assert placed_ccg[code] == ccg


@pytest.mark.realdata
@pytest.mark.slow
def test_the_national_2021_files_load_with_the_far_away_digital_first_practice(
    shared_data: Path, tmp_path: Path
) -> None:
    """Babylon GP at Hand Birmingham (Y06487), 133 km from NHS North West London CCG.

    It belonged to that CCG in 2021; its site is in Birmingham. The files load, with the
    practice in its CCG, one warning about it, and an island link in its area's graph.
    """
    from footprints.graph import area_graph
    from footprints.region import load_region

    table = pd.read_csv(shared_data / "practices" / "practices_2021.csv", dtype=str)
    practices = tmp_path / "practices_2021_qof.csv"  # the loader will not choose a list size
    table.drop(columns=["list_size_2021_01_gpreg"]).to_csv(practices, index=False)
    boundaries = shared_data / "boundaries"
    region = load_region(
        practices,
        boundaries / "ccg_2021" / "ccg_2021_04_buc.geojson",
        stp_boundaries=boundaries
        / "stp_2021_derived"
        / "stp_2021_04_derived_from_ccg2021_buc.geojson",
    )
    assert len(region.practices) == len(table)
    ccg = _by_code(region.practices, "ccg")
    assert ccg["Y06487"] == "E38000256"
    [warning] = [p for p in region.problems if p.code == "Y06487"]
    assert warning.severity == "warning"
    assert warning.message.startswith(
        "practice Y06487 (Babylon Gp At Hand Birmingham) lies 133 km outside its own CCG "
        "E38000256 (W2U3Z, NHS North West London CCG) and inside E38000"
    )
    assert "kept in E38000256 as its row says" in warning.message
    far = [p for p in region.problems if "beyond the 50 km of a local site" in p.message]
    assert [p.code for p in far] == ["Y06487"]  # the only far-away practice of England
    members = region.practices[region.practices["ccg"] == "E38000256"].reset_index(drop=True)
    polygon = region.ccgs.set_index("code").geometry["E38000256"]
    graph = area_graph(members, polygon, area_code="E38000256")
    [(_, nearest, link)] = graph.edges("Y06487", data=True)
    assert link["kind"] == "island"
    assert link["distance_m"] > 100_000
    assert graph.nodes[nearest]["ccg"] == "E38000256"


def test_an_stp_code_no_boundary_has_is_one_problem_naming_its_practices(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame, stps: gpd.GeoDataFrame
) -> None:
    # rows giving the ICB's ODS code against ONS boundaries (a practices file keeping
    # ICB_CODE) were one problem per practice: 141 lines of the same fix for the demo's
    # practices, the CCG's code on the same rows one problem in all
    wrong = practices.assign(stp=["QHM"] * (len(practices) - 1) + ["E5400001"])
    with pytest.raises(InputError) as caught:
        place_practices(wrong, ccgs, stps)
    messages = [p.message for p in caught.value.problems if p.severity == "error"]
    named = ", ".join(wrong["code"].iloc[:-1])
    assert messages == [
        f"STP 'QHM' on the rows of {len(wrong) - 1} practices ({named}) matches no STP "
        "boundary (neither a code nor an ODS code: the boundary file has 2 STPs: E54000001, "
        "E54000002)",
        f"practice {wrong['code'].iloc[-1]}'s STP 'E5400001' matches no STP boundary (neither "
        "a code nor an ODS code in the boundary file)",
    ]


def test_many_ccg_codes_no_boundary_has_are_one_problem_saying_the_years_differ(
    practices: gpd.GeoDataFrame, ccgs: gpd.GeoDataFrame
) -> None:
    """Practices of 2020 against the CCG boundaries of 2021: 38 merged CCGs gave 38 long
    problems (one per code, each listing 12 practices and the boundary file's codes). One
    problem counts them, names the largest codes and the first practices, and the fix."""
    codes = ["E38000902", "E38000901", "E38000903"]
    wrong = practices.copy()
    wrong.loc[: len(codes) - 1, "ccg"] = codes
    with pytest.raises(InputError) as caught:
        place_practices(wrong, ccgs)
    [problem] = [p for p in caught.value.problems if p.severity == "error"]
    first = wrong["code"].tolist()
    assert problem.message == (
        f"3 CCG codes on the rows of 3 practices match no CCG boundary: E38000901 (1 practice: "
        f"{first[1]}), E38000902 (1), E38000903 (1). The boundary file has 3 CCGs (E38000001, "
        "E38000002, E38000003), holding the other 3 practices: the practices and the "
        "boundaries look like different years (CCGs merge in April)"
    )
    assert "use CCG boundaries of the same year as the practices file" in problem.fix
