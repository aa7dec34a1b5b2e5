"""The bad-input corpus (``tests/data/bad/``): every file gets a clear answer, never a traceback.

``tests/data/bad/MANIFEST.csv`` lists each file with the loader that reads it, what must happen
and a fragment of the message:

- ``error``: the loader raises ``expected`` (a :class:`~footprints.errors.FootprintsError`
  that also subclasses a built-in) whose message names the file and holds ``fragment``;
- ``warning``: the file loads, and a warning holding ``fragment`` is logged;
- ``loads``: the file loads cleanly and ``fragment`` (``column=value``) is in the table;
- ``violation``: a plan that loads but breaks a rule; ``validate`` reports ``expected`` (the
  rule) with ``fragment`` in its message.

A loader may carry options: ``read_practices max_bytes=1000`` runs the read under
:func:`footprints.io.input_size_limit` (``max_table_bytes=N``: under
:func:`~footprints.io.table_size_limit`); any other (``place_practices strict_sites=true``) is
a keyword argument of the loader. The files are written by ``_make_corpus.py`` beside
them.

The same files go through the CLI: ``footprints validate`` with a bad file exits 2 and prints
the message (never a traceback); a plan with violations exits 1.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

import footprints.io as fio
from app.markdown import shown
from footprints import errors
from footprints.areas import place_practices
from footprints.cli import main
from footprints.errors import FootprintsError
from footprints.region import load_region
from footprints.rules import validate

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
OUTLINE = BAD / "base_england_outline.geojson"  # a rough England for the placement cases
AREA_PRACTICES = DATA / "areas_practices.csv"  # P1..P6, placed in areas_ccgs.geojson
AREA_CCGS = DATA / "areas_ccgs.geojson"


def _manifest() -> list[dict[str, str]]:
    with open(BAD / "MANIFEST.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ENTRIES = _manifest()
IDS = [" ".join([entry["file"], *entry["loader"].split()[1:]]) for entry in ENTRIES]


def test_corpus_is_complete() -> None:
    files = {p.name for p in BAD.iterdir()} - {"MANIFEST.csv", "_make_corpus.py"}
    listed = {entry["file"] for entry in ENTRIES}
    assert listed <= files, f"listed but missing: {sorted(listed - files)}"
    assert files - listed == {OUTLINE.name}, "every corpus file is in the manifest"
    assert len(ENTRIES) >= 50
    assert {e["kind"] for e in ENTRIES} == {"error", "warning", "loads", "violation"}


@contextlib.contextmanager
def _options(loader: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The loader's name and keyword arguments, its ``max_bytes`` / ``max_table_bytes`` in force."""
    name, *options = loader.split()
    settings: dict[str, Any] = dict(option.split("=", 1) for option in options)
    for key, value in settings.items():
        if value in {"true", "false"}:
            settings[key] = value == "true"
    with contextlib.ExitStack() as limits:
        if "max_bytes" in settings:
            limits.enter_context(fio.input_size_limit(int(settings.pop("max_bytes"))))
        if "max_table_bytes" in settings:
            limits.enter_context(fio.table_size_limit(int(settings.pop("max_table_bytes"))))
        yield name, settings


def _load(entry: dict[str, str]) -> Any:
    path = BAD / entry["file"]
    with _options(entry["loader"]) as (name, keywords):
        if name == "place_practices":
            placed, _ = place_practices(
                fio.read_practices(path), fio.read_boundaries(OUTLINE), **keywords
            )
            return placed
        if name == "validate":
            region = load_region(AREA_PRACTICES, AREA_CCGS, plan=path, **keywords)
            assert region.current is not None
            return validate(region.current, region.validation_graph)
        return getattr(fio, name)(path, **keywords)


def _values(table: Any, column: str) -> set[str]:
    return {str(v) for v in table[column]}


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_bad_input(entry: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    kind, fragment = entry["kind"], entry["fragment"]
    if kind == "error":
        expected = getattr(errors, entry["expected"])
        with pytest.raises(expected) as caught:
            _load(entry)
        error = caught.value
        assert isinstance(error, FootprintsError)
        assert isinstance(error, (ValueError, KeyError)), "also a built-in error"
        message = str(error)
        assert fragment in message
        assert entry["file"] in message, "the message names the file"
        return
    with caplog.at_level(logging.WARNING):
        result = _load(entry)
    warnings = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    if kind == "warning":
        assert fragment in warnings
        assert entry["file"] in warnings or entry["loader"].startswith("place_practices")
    elif kind == "loads":
        column, value = fragment.split("=", 1)
        assert value in _values(result, column)
        if isinstance(result, gpd.GeoDataFrame):
            assert result.crs == "EPSG:27700"
    else:  # a violation the validator reports
        assert kind == "violation"
        matching = [v for v in result.violations if v.rule == entry["expected"]]
        assert any(fragment in v.message for v in matching), [v.message for v in matching]


def test_accents_survive_every_encoding() -> None:
    names = {
        "practices_utf8_bom.csv": "Café Médical",
        "practices_latin1_accents.csv": "Dr Ó Néill & Brontë Surgery",
        "practices_cp1252_curly_quote.csv": "St Mary’s Surgery – Stockton",
    }
    for file, name in names.items():
        practices = fio.read_practices(BAD / file)
        assert practices["name"].tolist() == [name]
        assert practices.columns[0] == "code"  # no BOM glued to the first header


def test_collects_every_problem_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "practices_many.csv"
    path.write_text(
        "code,name,list_size,lat,lon\n"
        "A1,One,10000000,54.5,-1.3\n"
        "8.1E+04,Two,4,5,54.5,-1.3\n"
        "A3,Three,NaN,51.48,\n"
    )
    with pytest.raises(errors.InputError) as caught:
        fio.read_practices(path)
    # a ragged row stops the read before the rows are checked: it is reported alone
    assert [p.row for p in caught.value.problems] == [3]
    path.write_text(
        "code,name,list_size,lat,lon\nA1,One,10000000,54.5,-1.3\n8.1E+04,Two,4,54.5,-1.3\n"
        "A3,Three,NaN,51.48,\n"
    )
    with pytest.raises(errors.InputError) as caught:
        fio.read_practices(path)
    assert [p.row for p in caught.value.problems] == [2, 3, 4, 4]


def test_size_limit_is_scoped_and_checked(tmp_path: Path) -> None:
    default = fio.max_input_bytes()
    with fio.input_size_limit(10):
        assert fio.max_input_bytes() == 10
    assert fio.max_input_bytes() == default == fio.MAX_INPUT_BYTES
    with pytest.raises(ValueError, match="must be positive"), fio.input_size_limit(0):
        pass


def test_a_folder_is_not_a_practices_file(tmp_path: Path) -> None:
    with pytest.raises(errors.InputError, match="is a folder, not a file"):
        fio.read_practices(tmp_path)


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------

_FLAGS = {
    "read_practices": "--practices",
    "place_practices": "--practices",
    "read_boundaries": "--boundaries",
    "read_patches": "--patches",
    "read_plan": "--plan",
    "read_epcn": "--plan",
    "validate": "--plan",
    "read_postcode_lookup": "--postcodes",
}
CLI_ENTRIES = [
    e
    for e in ENTRIES
    if e["kind"] in {"error", "violation"} and e["loader"] in _FLAGS  # no options
]


@pytest.fixture
def base_plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan_p1_p6.csv"
    path.write_text("practice_code,network_id\n" + "".join(f"P{i},N1\n" for i in range(1, 7)))
    return path


def _argv(entry: dict[str, str], base_plan: Path) -> list[str]:
    files = {
        "--practices": AREA_PRACTICES,
        "--boundaries": OUTLINE if entry["loader"] == "place_practices" else AREA_CCGS,
        "--plan": base_plan,
    }
    flag = _FLAGS[entry["loader"]]
    if flag == "--postcodes":
        files["--practices"] = DATA / "practices_postcode.csv"
    files[flag] = BAD / entry["file"]
    return ["validate", *(str(part) for pair in files.items() for part in pair)]


@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=[e["file"] for e in CLI_ENTRIES])
def test_cli_validate_answers_bad_input_without_traceback(
    entry: dict[str, str], base_plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(_argv(entry, base_plan))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if entry["kind"] == "violation":
        assert code == 1
        assert entry["fragment"] in captured.out
    else:
        assert code == 2
        assert captured.err.startswith("footprints: ")
        assert entry["fragment"] in captured.err


@pytest.mark.parametrize(
    "file", ["practices_list_size_huge_digits.csv", "boundaries_one_point_ring.geojson"]
)
def test_cli_subprocess_exits_2_without_traceback(file: str, base_plan: Path) -> None:
    [entry] = [e for e in ENTRIES if e["file"] == file]
    result = subprocess.run(
        [sys.executable, "-m", "footprints", *_argv(entry, base_plan)],
        capture_output=True,
        text=True,
        timeout=600,  # a generous ceiling for a busy machine
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert entry["fragment"] in result.stderr
    assert file in result.stderr


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------

APP = Path(__file__).resolve().parents[1] / "app.py"
#: The app's uploaders, in their order in the sidebar, and the loaders behind each.
_UPLOADERS = ["practices", "boundaries", "stp_boundaries", "patches", "plan"]
_APP_ROLES = {
    "read_practices": "practices",
    "place_practices": "practices",
    "read_boundaries": "boundaries",
    "read_patches": "patches",
    "read_plan": "plan",
    "read_epcn": "plan",
    "validate": "plan",
}
#: File types each uploader accepts (as in app/uploads.py's UPLOAD_ROLES): Streamlit itself refuses
#: any other file before the app sees it, so those corpus files cannot reach the loaders.
_ACCEPTS = {
    "practices": {".csv", ".xlsx"},
    "boundaries": {".geojson", ".json", ".gpkg", ".zip", ".shp"},
    "patches": {".geojson", ".json", ".gpkg", ".zip"},
    "plan": {".csv", ".xlsx"},
}
APP_ENTRIES = [
    e
    for e in ENTRIES
    if e["kind"] in {"error", "violation"}
    and e["loader"] in _APP_ROLES
    and Path(e["file"]).suffix.lower() in _ACCEPTS[_APP_ROLES[e["loader"]]]
]


@pytest.mark.slow
@pytest.mark.parametrize("entry", APP_ENTRIES, ids=[e["file"] for e in APP_ENTRIES])
def test_app_upload_answers_bad_input_in_words(
    entry: dict[str, str], base_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each corpus file uploaded in the app: a message in the sidebar, never a traceback.

    Files of a type the uploader does not accept (a CSV as boundaries) are left out: the
    upload widget refuses them itself, so they never reach the app.
    """
    from streamlit.testing.v1 import AppTest

    from footprints.session import STATE_DIR_ENV

    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "sessions"))
    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    role = _APP_ROLES[entry["loader"]]
    files = {
        "practices": AREA_PRACTICES,
        "boundaries": OUTLINE if entry["loader"] == "place_practices" else AREA_CCGS,
    }
    if role == "plan":
        files["plan"] = base_plan
    files[role] = BAD / entry["file"]
    for name, path in files.items():
        uploader = at.sidebar.file_uploader[_UPLOADERS.index(name)]
        uploader.set_value((path.name, path.read_bytes(), "application/octet-stream"))
    at.button(key="load_files").click().run()

    assert not at.exception, [e.value for e in at.exception]
    problems = [shown(e.value) for e in at.sidebar.error]
    assert not any("Traceback" in p for p in problems)
    if entry["kind"] == "error":
        assert any(entry["fragment"] in p for p in problems), problems
        assert at.session_state["region_kind"] == "demo"  # the working plan is untouched
    else:  # a plan that loads but breaks a rule
        assert not problems
        assert at.session_state["region_kind"] == "upload"
        report = at.session_state["_derived"]["report"]
        assert any(v.rule == entry["expected"] for v in report.violations)
