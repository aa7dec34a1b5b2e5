"""Exports and the pack on England's real files: both snapshots, whole England, through the CLI.

Three real 2020 cross-CCG networks (U22273, U34632, U82880) are valid in British National
Grid but self-intersected after reprojection, and the GeoJSON export crashed on them; every
footprint is now made valid after reprojection and after snapping. Each export here is read
back as the real plan and every GeoJSON footprint is checked valid.

The 2021 practices file carries two list sizes (QOF and NHS Digital's), which the loader
rightly will not choose between: the test reads a copy in its temporary folder with the QOF
list size. Its digital-first practice (Y06487), 133 km from its CCG, loads with a warning and
is exported with its network like every other practice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import shape

from footprints.cli import main
from footprints.io import read_plan

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

SNAPSHOTS = {
    "2020": {
        "boundaries": "boundaries/ccg_2020_derived/ccg_2020_04_derived_from_ccg2019_buc.geojson",
        "stp": "boundaries/stp_2020_derived/stp_2020_04_derived_from_ccg_buc.geojson",
    },
    "2021": {
        "boundaries": "boundaries/ccg_2021/ccg_2021_04_buc.geojson",
        "stp": "boundaries/stp_2021_derived/stp_2021_04_derived_from_ccg2021_buc.geojson",
    },
}
CROSS_CCG_2020 = ("U22273", "U34632", "U82880")
FAR_PRACTICE_2021 = "Y06487"  # Babylon GP at Hand Birmingham, 133 km from its CCG


def _practices(shared_data: Path, year: str, folder: Path) -> Path:
    if year == "2020":
        return shared_data / "practices" / "practices_2020.csv"
    table = pd.read_csv(shared_data / "practices" / "practices_2021.csv", dtype=str)
    assert FAR_PRACTICE_2021 in set(table["practice_code"])  # kept: a warning, not a refusal
    path = folder / "practices_2021_qof.csv"
    table.drop(columns=["list_size_2021_01_gpreg"]).to_csv(path, index=False)
    return path


def _region_args(shared_data: Path, year: str, practices: Path) -> list[str]:
    files = SNAPSHOTS[year]
    return [
        "--practices",
        str(practices),
        "--boundaries",
        str(shared_data / files["boundaries"]),
        "--stp-boundaries",
        str(shared_data / files["stp"]),
        "--plan",
        str(practices),
    ]


@pytest.mark.parametrize("year", list(SNAPSHOTS))
@pytest.mark.parametrize("extension", [".geojson", ".gpkg"])
def test_exporting_a_real_plan_of_all_england(
    shared_data: Path, year: str, extension: str, tmp_path: Path
) -> None:
    practices = _practices(shared_data, year, tmp_path)
    out = tmp_path / f"england_{year}{extension}"
    assert main(["export", *_region_args(shared_data, year, practices), "--out", str(out)]) == 0
    assert read_plan(out) == read_plan(practices)
    if extension == ".geojson":
        networks = json.loads(out.read_text(encoding="utf-8"))["features"]
        assert len(networks) > 1_200
        by_id = {f["properties"]["network_id"]: f for f in networks}
        invalid = [
            n for n, f in by_id.items() if f["geometry"] and not shape(f["geometry"]).is_valid
        ]
        assert invalid == []
        assert all(by_id[n]["geometry"] for n in CROSS_CCG_2020)  # the three that crashed


def test_the_pack_of_a_real_ccg_pair_with_cross_ccg_networks(
    shared_data: Path, tmp_path: Path
) -> None:
    """Greater Preston and Chorley and South Ribble: U22273 and U34632 cross between them."""
    table = pd.read_csv(shared_data / "practices" / "practices_2020.csv", dtype=str)
    chosen = table[table["ccg20_ons_code"].isin(["E38000034", "E38000227"])]
    practices = tmp_path / "practices_preston.csv"
    chosen.to_csv(practices, index=False)
    out = tmp_path / "pack.pdf"
    assert main(["report", *_region_args(shared_data, "2020", practices), "--out", str(out)]) == 0
    assert out.stat().st_size > 50_000
    text = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "U22273" in text and "U34632" in text
