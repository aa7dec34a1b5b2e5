"""Plans: every plan read and write, and the one extension → format table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from footprints.errors import InputError
from footprints.io import (
    EXPORT_FORMATS,
    PLAN_FORMATS,
    plan_format,
    read_geo_plan,
    read_plan,
    write_plan,
)
from footprints.plan import Plan


def test_read_plan_csv(test_data: Path) -> None:
    plan = read_plan(test_data / "io_plan_valid.csv")
    assert plan.assignment == {"A81001": "N1", "A81002": "N1", "A81004": "N2"}
    assert plan.network_name("N1") == "Stockton North"
    assert plan.network_name("N2") == "N2"


def test_read_plan_duplicate_rows(test_data: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_plan(test_data / "io_plan_duplicate_rows.csv")
    assert "io_plan_duplicate_rows.csv, row 4 (A81001): practice A81001 appears on rows 2, 4" in (
        str(caught.value)
    )


def test_read_plan_from_practices_and_epcn_csv(test_data: Path) -> None:
    plan = read_plan(test_data / "io_practices_latlon.csv")
    assert plan.assignment == {"A81001": "U89141"}  # A81002 is 'U', unallocated
    plan = read_plan(test_data / "io_epcn_core_partner.csv")
    assert plan.assignment == {"A81001": "U89141", "A81002": "U07032"}
    assert plan.network_name("U07032") == "NORTH STOCKTON PCN"


def test_write_plan_round_trip(tmp_path: Path) -> None:
    plan = Plan({"B2": "N2", "A1": "N1", "C3": "N1"}, {"N1": "North, East"})
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "practice_code,network_id,network_name"
    assert lines[1:] == ['A1,N1,"North, East"', 'C3,N1,"North, East"', "B2,N2,N2"]
    assert read_plan(path) == Plan(plan.assignment, {"N1": "North, East", "N2": "N2"})


def test_waiver_reasons_travel_in_the_plan_csv(tmp_path: Path) -> None:
    plan = Plan({"A1": "N1", "B2": "N2"}, {"N1": "Isle PCN"}, {"N1": "An island, alone"})
    path = tmp_path / "plan.csv"
    write_plan(plan, path)
    lines = path.read_text().splitlines()
    assert lines[0] == "practice_code,network_id,network_name,waiver_reason"
    assert lines[1] == 'A1,N1,Isle PCN,"An island, alone"'
    back = read_plan(path)
    assert back.waivers == {"N1": "An island, alone"}
    assert back.network_name("N1") == "Isle PCN"


def test_geo_plan_with_a_practice_in_two_networks_is_an_error(tmp_path: Path) -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"network_id": n, "practice_codes": ["A1", "A2"]},
            }
            for n in ("N1", "N2")
        ],
    }
    path = tmp_path / "twice.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(InputError, match="A1 is in both N1 and N2"):
        read_plan(path)


# --------------------------------------------------------------------------------------------
# The one extension → format table
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("plan.csv", "plan"),
        ("PLAN.CSV", "plan"),
        ("ePCN.xlsx", "epcn_workbook"),
        ("ePCN.xlsm", "epcn_workbook"),
        ("ePCN.xls", "epcn_workbook"),
        ("plan.geojson", "geojson"),
        ("plan.json", "geojson"),
        ("plan.gpkg", "gpkg"),
    ],
)
def test_each_extension_names_one_format(name: str, expected: str) -> None:
    assert plan_format(name).name == expected
    assert PLAN_FORMATS[Path(name).suffix.lower()] is plan_format(name)


def test_each_format_has_its_reader_and_writer(test_data: Path, tmp_path: Path) -> None:
    assert PLAN_FORMATS[".geojson"].read is read_geo_plan
    assert PLAN_FORMATS[".gpkg"].read is read_geo_plan
    plan_csv = test_data / "io_plan_valid.csv"
    assert PLAN_FORMATS[".csv"].read(plan_csv) == read_plan(plan_csv)
    epcn_csv = test_data / "io_epcn_core_partner.csv"
    assert PLAN_FORMATS[".csv"].read(epcn_csv).assignment == {
        "A81001": "U89141",
        "A81002": "U07032",
    }
    assert list(EXPORT_FORMATS) == ["plan", "epcn", "geojson", "gpkg"]
    assert EXPORT_FORMATS["plan"] is PLAN_FORMATS[".csv"]
    assert EXPORT_FORMATS["plan"].write is write_plan
    assert not EXPORT_FORMATS["plan"].needs_region
    for name in ("epcn", "geojson", "gpkg"):  # written by footprints.export, with the region
        assert EXPORT_FORMATS[name].write is None and EXPORT_FORMATS[name].needs_region
    assert not PLAN_FORMATS[".xlsx"].writable and not PLAN_FORMATS[".xlsx"].needs_region
    plan = Plan({"A1": "N1", "B2": "N2"}, {"N1": "North"})
    target = tmp_path / "plan.csv"
    write_plan(plan, target)
    assert plan_format(target, write=True).read(target) == Plan(
        plan.assignment, {"N1": "North", "N2": "N2"}
    )


@pytest.mark.parametrize("name", ["plan.txt", "plan"])
def test_reading_an_unknown_extension_reads_a_plan_csv(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("practice_code,network_id\nA1,N1\n", encoding="utf-8")
    assert plan_format(path) is PLAN_FORMATS[".csv"]
    assert read_plan(path) == Plan({"A1": "N1"})


@pytest.mark.parametrize("name", ["plan.txt", "plan", "ePCN.xlsx"])
def test_writing_an_unknown_extension_names_the_accepted_ones(name: str) -> None:
    suffix = repr(Path(name).suffix)
    with pytest.raises(InputError) as caught:
        plan_format(name, write=True)
    assert str(caught.value) == (
        f"1 problem in the input:\n- {name}: cannot tell the export format from the extension "
        f"{suffix} — end the name with .csv, .geojson or .gpkg"
    )
