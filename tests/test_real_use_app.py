"""A plan imported with its region's reading options opens in the app on the same region.

``footprints plans import … --boundary-code COLUMN`` records the options with the files;
the app reads the files with them, and a save from the app keeps them.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from test_app import _click, _plan, _start, state_dir
from test_region_homes import write_inputs

from footprints.cli import main
from footprints.store import Store
from footprints.store.sessions import load_session

pytestmark = pytest.mark.slow

__all__ = ["state_dir"]  # the fixture, used by name


def test_a_plan_imported_with_a_boundary_code_opens_on_its_files(
    state_dir: Path, tmp_path: Path
) -> None:
    paths = write_inputs(tmp_path)
    odd = tmp_path / "odd ccg.geojson"  # its code column is not one the loader detects
    gpd.read_file(paths["ccg"]).rename(columns={"CCG20CD": "area"}).to_file(odd)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    files = ["--practices", str(paths["practices"]), "--boundaries", str(odd)]
    assert main(["plans", "import", "odd", str(plan), *files, "--boundary-code", "area"]) == 0
    with Store() as store:
        token, _ = store.open("odd").create_link("edit")

    editor = _start(token, param="link")
    assert not editor.error, [e.value for e in editor.error]
    codes = sorted(editor.session_state["_derived"]["region"].practices["code"])
    assert codes == ["A1", "A2", "B1", "B2"]  # the files, not the demo
    # an edit saves the version with the region's options: it opens on its files again
    editor.multiselect(key="selected").set_value(["A2"]).run()
    editor.selectbox(key="target").set_value("N2").run()
    _click(editor, "move")
    with Store() as store:
        assert load_session(store.open("odd")).region_options == {"boundary_code": "area"}
    again = _start(token, param="link")
    assert not again.error, [e.value for e in again.error]
    assert _plan(again).assignment["A2"] == "N2"
    assert sorted(again.session_state["_derived"]["region"].practices["code"]) == codes


def test_gzipped_files_are_offered_and_loaded_in_every_upload_slot(
    state_dir: Path, tmp_path: Path
) -> None:
    """The app's uploaders take .gz (and a CSV's zip) as the loaders read them."""
    import gzip

    from test_app import _upload

    from app.uploads import UPLOAD_ROLES

    assert all("gz" in types for _, types in UPLOAD_ROLES.values())
    assert {"zip"} <= set(UPLOAD_ROLES["practices"][1]) & set(UPLOAD_ROLES["plan"][1])
    paths = write_inputs(tmp_path)
    packed = {}
    for role, key in (("practices", "practices"), ("boundaries", "ccg")):
        packed[role] = tmp_path / f"{paths[key].name}.gz"
        packed[role].write_bytes(gzip.compress(paths[key].read_bytes()))
    at = _upload(_start(), packed)
    assert not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert sorted(at.session_state["region"].practices["code"]) == ["A1", "A2", "B1", "B2"]


def test_patch_priorities_are_offered_only_where_the_region_has_patches(
    state_dir: Path, tmp_path: Path
) -> None:
    """Kent and Medway loaded without patches offered 'Patches first', which was then
    'proved' at 0 patients outside their patch."""
    from test_app import _upload

    from app.state import PUT_FIRST

    at = _start()
    assert PUT_FIRST["patches first"] in at.radio(key="put_first").options  # demo: patches
    at.radio(key="put_first").set_value("patches first").run()
    paths = write_inputs(tmp_path)
    at = _upload(at, {"practices": paths["practices"], "boundaries": paths["ccg"]})
    assert not at.exception and not at.sidebar.error
    choices = at.radio(key="put_first").options
    assert PUT_FIRST["least change"] in choices
    assert PUT_FIRST["patches first"] not in choices
    assert PUT_FIRST["nest in patches"] not in choices
    assert at.radio(key="put_first").value == "weights"


def test_a_plan_exported_as_geojson_or_geopackage_opens_in_the_app(
    state_dir: Path, tmp_path: Path
) -> None:
    """The plan slot refused the files ``footprints export`` writes ('Invalid file
    extension: .geojson'), which the command line reads as a plan."""
    from test_app import _upload

    paths = write_inputs(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\nA1,N1\nA2,N1\nB1,N2\nB2,N2\n", encoding="utf-8")
    files = ["--practices", str(paths["practices"]), "--boundaries", str(paths["ccg"])]
    for suffix in (".geojson", ".gpkg"):
        exported = tmp_path / f"exported{suffix}"
        assert main(["export", *files, "--plan", str(plan), "--out", str(exported)]) == 0
        at = _upload(
            _start(),
            {"practices": paths["practices"], "boundaries": paths["ccg"]} | {"plan": exported},
        )
        assert not at.sidebar.error, [e.value for e in at.sidebar.error]
        assert dict(_plan(at).assignment) == {"A1": "N1", "A2": "N1", "B1": "N2", "B2": "N2"}
