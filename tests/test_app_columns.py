"""A practices file with two list-size columns: the app asks which one to plan with."""

from __future__ import annotations

from pathlib import Path

from test_app import _click, _start, _upload, state_dir
from test_region_homes import write_inputs

from app.markdown import shown
from app.state import AppState
from footprints.store import Store
from footprints.store.sessions import load_session, open_app_plan

__all__ = ["state_dir"]  # the fixture, used by name


def _two_list_sizes(folder: Path) -> dict[str, Path]:
    """practices_2021.csv's shape: a registrations list size and a QOF one (9,999 each)."""
    paths = write_inputs(folder)
    lines = paths["practices"].read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("list_size", "list_size_2021_01_gpreg,list_size_2021_01_qof")
    rows = [",".join([*row.split(",")[:3], "9999", *row.split(",")[3:]]) for row in lines[1:]]
    paths["practices"].write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return paths


def test_the_app_offers_the_list_size_columns_and_loads_the_one_chosen(
    state_dir: Path, tmp_path: Path
) -> None:
    paths = _two_list_sizes(tmp_path)
    at = _upload(_start(), {"practices": paths["practices"], "boundaries": paths["ccg"]})
    problems = " ".join(shown(e.value) for e in at.sidebar.error)
    assert (
        "practices.csv has 2 list-size columns (list_size_2021_01_gpreg, "
        "list_size_2021_01_qof): choose the one to plan with"
    ) in problems
    assert at.session_state["region_kind"] == "demo"  # nothing loaded yet
    picker = at.sidebar.selectbox(key=AppState.list_size_column.key)
    assert list(picker.options) == ["list_size_2021_01_gpreg", "list_size_2021_01_qof"]
    picker.set_value("list_size_2021_01_qof").run()
    _click(at, "load_files")
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    region = at.session_state["region"]
    assert sorted(region.practices["list_size"]) == [9999] * 4
    # the choice is saved with the plan's region: it opens on the same column
    options = {"practice_columns": {"list_size": "list_size_2021_01_qof"}}
    assert dict(at.session_state["region_options"]) == options
    key = at.query_params["plan"]
    with Store() as store:
        handle = open_app_plan(store, key[0] if isinstance(key, list) else str(key))
        assert handle is not None
        saved = load_session(handle)
    assert dict(saved.region_options) == options


def test_a_practices_file_of_postcodes_says_the_app_needs_coordinates(
    state_dir: Path, tmp_path: Path
) -> None:
    """The app has no postcode lookup: its message said to pass Python's ``postcodes=``."""
    paths = write_inputs(tmp_path)
    paths["practices"].write_text(
        "code,name,list_size,postcode\nA1,Alpha,1000,ZX1 1AA\n", encoding="utf-8"
    )
    at = _upload(_start(), {"practices": paths["practices"], "boundaries": paths["ccg"]})
    problems = " ".join(shown(e.value) for e in at.sidebar.error)
    assert "no postcode lookup was given" in problems
    assert "the app takes none: give each practice's lat,lon or easting,northing" in problems
    assert "postcodes=" not in problems and "--postcodes" not in problems
