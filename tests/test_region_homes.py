"""A region on registration geography, end to end from files on a hand-made LSOA grid.

Twelve 1 km LSOAs in two rows, ``E0100<col><row>``; CCG A covers columns 0–2, CCG B
columns 3–5. Practices A1, A2 (in A) and B1 (in B) have registrations; B2 has none and
gets the Voronoi fallback.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from footprints.crs import BNG
from footprints.errors import InputError
from footprints.region import load_region

X0, Y0 = 450_000, 250_000


def lsoa(col: int, row: int) -> str:
    return f"E0100{col}{row}00"


def write_inputs(folder: Path) -> dict[str, Path]:
    codes, boxes = [], []
    for col in range(6):
        for row in range(2):
            codes.append(lsoa(col, row))
            x, y = X0 + 1000 * col, Y0 + 1000 * row
            boxes.append(shapely.box(x, y, x + 1000, y + 1000))
    lsoas = gpd.GeoDataFrame({"LSOA11CD": codes}, geometry=boxes, crs=BNG)
    ccgs = gpd.GeoDataFrame(
        {"CCG20CD": ["E38000001", "E38000002"], "CCG20NM": ["A", "B"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 3000, Y0 + 2000),
            shapely.box(X0 + 3000, Y0, X0 + 6000, Y0 + 2000),
        ],
        crs=BNG,
    )
    paths = {
        "lsoa": folder / "lsoa.geojson",
        "ccg": folder / "ccg.geojson",
        "practices": folder / "practices.csv",
        "registrations": folder / "registrations.csv",
    }
    lsoas.to_crs("EPSG:4326").to_file(paths["lsoa"])
    ccgs.to_crs("EPSG:4326").to_file(paths["ccg"])
    paths["practices"].write_text(
        "code,name,list_size,easting,northing\n"
        f"A1,Alpha,1000,{X0 + 500},{Y0 + 500}\n"
        f"A2,Beta,1000,{X0 + 2500},{Y0 + 500}\n"
        f"B1,Gamma,1000,{X0 + 3500},{Y0 + 1500}\n"
        f"B2,Delta,600,{X0 + 5500},{Y0 + 500}\n",
        encoding="utf-8",
    )
    paths["registrations"].write_text(
        "PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,NUMBER_OF_PATIENTS\n"
        f"A1,Alpha,{lsoa(0, 0)},600\n"
        f"A1,Alpha,{lsoa(1, 0)},400\n"
        f"A2,Beta,{lsoa(1, 1)},700\n"  # A2's core touches A1's: adjacent
        f"A2,Beta,{lsoa(2, 0)},300\n"
        f"B1,Gamma,{lsoa(3, 1)},900\n"
        f"B1,Gamma,W01000001,100\n",  # Welsh patients count for B1 but live off the map
        encoding="utf-8",
    )
    return paths


def write_crossing_inputs(folder: Path) -> dict[str, Path]:
    """The grid of :func:`write_inputs` where 50 of A1's patients live in B1's LSOA (3, 1)
    instead of (1, 0), with a current plan (``plan``): North = A1, A2; South = B1, B2."""
    paths = write_inputs(folder)
    text = paths["registrations"].read_text(encoding="utf-8")
    text = text.replace(
        f"A1,Alpha,{lsoa(1, 0)},400\n", f"A1,Alpha,{lsoa(1, 0)},350\nA1,Alpha,{lsoa(3, 1)},50\n"
    )
    paths["registrations"].write_text(text, encoding="utf-8")
    paths["plan"] = folder / "plan.csv"
    paths["plan"].write_text(
        "practice_code,network_id,network_name\n"
        "A1,N1,North\nA2,N1,North\nB1,N2,South\nB2,N2,South\n",
        encoding="utf-8",
    )
    return paths


@pytest.fixture
def region(tmp_path: Path):  # type: ignore[no-untyped-def]
    paths = write_inputs(tmp_path)
    return load_region(
        paths["practices"],
        paths["ccg"],
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )


def test_the_region_says_it_uses_registration_geography(region) -> None:  # type: ignore[no-untyped-def]
    assert region.geography == "registrations"
    assert {g.graph["geography"] for g in region.ccg_graphs.values()} == {"registrations"}
    assert region.validation_graph.graph["homes"] is region.homes


def test_home_attributes_and_adjacency(region) -> None:  # type: ignore[no-untyped-def]
    graph = region.ccg_graphs["E38000001"]
    a1 = graph.nodes["A1"]
    assert a1["home_patients"] == 1000
    # centroids (points inside each 1 km square): x at 500 and 1500 m, weighted 600/400
    assert a1["home_x"] == pytest.approx(X0 + 0.6 * 500 + 0.4 * 1500)
    assert a1["home_spread"] == pytest.approx(0.6 * 400**2 + 0.4 * 600**2)
    assert not a1["home_fallback"]
    assert graph.has_edge("A1", "A2") and graph.edges["A1", "A2"]["kind"] == "homes"


def test_a_practice_without_registrations_gets_the_voronoi_fallback(region) -> None:  # type: ignore[no-untyped-def]
    b2 = region.ccg_graphs["E38000002"].nodes["B2"]
    assert b2["home_fallback"] and b2["home_patients"] == 600
    catchment = region.homes.catchment("B2")
    assert sum(catchment.values()) == 600
    cell = region.catchments.set_index("code").geometry["B2"]
    for code in catchment:
        i = region.lsoas.index[code]
        assert cell.contains(shapely.Point(region.lsoas.x[i], region.lsoas.y[i]))
    messages = [p.message for p in region.problems]
    assert any(
        "1 practice has no registrations in the file (B2): it is given" in m for m in messages
    )


def test_what_the_file_sets_aside_and_disagreements_are_reported(region) -> None:  # type: ignore[no-untyped-def]
    messages = [p.message for p in region.problems]
    assert any("100 patients in 1 row live in Welsh LSOAs" in m for m in messages)
    # B1: 1,000 registered (900 in England + 100 in Wales) = its list size: not reported
    assert not any("practice B1" in m for m in messages)
    assert all(p.severity == "warning" for p in region.problems)


def test_cross_border_home_adjacency_in_the_validation_graph(region) -> None:  # type: ignore[no-untyped-def]
    union = region.validation_graph
    # A2's core (column 1, row 1) does not reach column 3; B1's core is column 3, row 1.
    assert not union.has_edge("A2", "B1")
    assert union.graph["area_border_links"] == len(
        [e for e in union.edges(data=True) if e[2]["kind"] == "area_border"]
    )


def test_registrations_need_lsoa_boundaries_and_the_reverse(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    with pytest.raises(InputError, match="LSOA boundaries"):
        load_region(paths["practices"], paths["ccg"], registrations=paths["registrations"])
    with pytest.raises(InputError, match="registrations file"):
        load_region(paths["practices"], paths["ccg"], lsoa_boundaries=paths["lsoa"])


def test_without_registrations_the_region_stays_on_voronoi(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path)
    region = load_region(paths["practices"], paths["ccg"])
    assert region.geography == "voronoi" and region.homes is None
    assert {g.graph["geography"] for g in region.ccg_graphs.values()} == {"voronoi"}


def test_the_command_line_takes_registrations_and_says_which_geography(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from footprints.cli import main

    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    files = ["--practices", str(paths["practices"]), "--boundaries", str(paths["ccg"])]
    homes = [
        "--registrations",
        str(paths["registrations"]),
        "--lsoa-boundaries",
        str(paths["lsoa"]),
    ]
    assert main(["validate", *files, *homes, "--plan", str(plan), "--min", "0"]) in (0, 1)
    out = capsys.readouterr().out
    assert "(geography: where patients live (registrations.csv; 1 practice on the Voronoi" in out
    main(["validate", *files, "--plan", str(plan), "--min", "0"])
    assert "geography: Voronoi catchments of surgery sites" in capsys.readouterr().out
    assert (
        main(
            [
                "validate",
                *files,
                "--registrations",
                str(paths["registrations"]),
                "--plan",
                str(plan),
            ]
        )
        == 2
    )
    assert "LSOA boundaries" in capsys.readouterr().err


def test_a_patch_counts_every_registered_resident_not_only_the_loaded_practices(
    tmp_path: Path,
) -> None:
    """DESIGN.md: a patch works into a network when the network's patients are at least 5%
    of the registered patients living in the patch. A practice of the file that is not
    loaded (Z9, 5,000 patients in East) still lives there: a one-CCG region must not judge
    a far district by the few residents registered with its own practices."""
    paths = write_inputs(tmp_path)
    patches = gpd.GeoDataFrame(
        {"code": ["WEST", "EAST"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 3000, Y0 + 2000),
            shapely.box(X0 + 3000, Y0, X0 + 6000, Y0 + 2000),
        ],
        crs=BNG,
    )
    patches.to_crs("EPSG:4326").to_file(tmp_path / "patches.geojson")
    with paths["registrations"].open("a", encoding="utf-8") as out:
        out.write(f"Z9,Far,{lsoa(4, 0)},5000\n")
    region = load_region(
        paths["practices"],
        paths["ccg"],
        patches=tmp_path / "patches.geojson",
        registrations=paths["registrations"],
        lsoa_boundaries=paths["lsoa"],
    )
    # West: A1 1,000 + A2 1,000; East: B1's 900 on the map + B2's 600 (Voronoi fallback)
    # + Z9's 5,000, who is registered elsewhere but lives in East.
    assert region.patch_residents == {"EAST": 6500, "WEST": 2000}
    assert region.validation_graph.graph["patch_residents"] == region.patch_residents
    for graph in region.ccg_graphs.values():
        assert graph.graph["patch_residents"] == region.patch_residents


def test_area_graphs_carry_the_catchments_for_containment(region) -> None:  # type: ignore[no-untyped-def]
    homes = region.homes
    graph = region.ccg_graphs["E38000001"]
    a1 = homes.lsoas.positions([lsoa(0, 0), lsoa(1, 0)])
    assert graph.nodes["A1"]["home_lsoas"].tolist() == sorted(a1.tolist())
    order = np.argsort(a1)
    assert (
        graph.nodes["A1"]["home_lsoa_patients"].tolist() == np.asarray([600, 400])[order].tolist()
    )
    named = {int(n) for p in graph.nodes for n in graph.nodes[p]["home_lsoas"]}
    assert set(graph.graph["lsoa_registered"]) == named
    assert all(graph.graph["lsoa_registered"][n] == homes.registered[n] for n in named)
    edges = {tuple(e) for e in graph.graph["lsoa_edges"].tolist()}
    a, b = homes.lsoas.edges
    among = {(int(x), int(y)) for x, y in zip(a, b, strict=True) if x in named and y in named}
    assert edges == {(min(e), max(e)) for e in among}
