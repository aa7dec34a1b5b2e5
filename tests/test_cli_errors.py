"""Every option and file error is an input error, and every exit status is the documented one.

Options are checked before any work starts (the region is never loaded for a bad option);
files that cannot be written (a read-only folder, a full disk) exit 2 with the file named;
a broken pipe inside the work is an internal error (3), while a reader that goes away
(``| head``) only drops the rest of the output.
"""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import footprints.cli_propose as cli_propose
import footprints.cli_region as cli_region
import footprints.report_writers as report_writers
from footprints.cli import EXIT_BAD_INPUT, EXIT_FALLBACK, EXIT_INTERNAL, main
from footprints.demo import demo_files
from footprints.io import read_plan

DATA = Path(__file__).resolve().parent / "data"
AREA_PRACTICES = DATA / "areas_practices.csv"
AREA_CCGS = DATA / "areas_ccgs.geojson"


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a command starts loading the region."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the region was loaded before the options were checked")

    monkeypatch.setattr(cli_region, "load_region", refuse)


# (arguments after the command, fragments the message must hold: the option, the value and
# what is accepted)
BAD_OPTIONS = [
    (["propose", "--min", "60000", "--max", "30000"], ["--min 60000", "--max 30000", "at most"]),
    (["validate", "--min", "60000", "--max", "30000"], ["--min 60000", "--max 30000"]),
    (["report", "--min", "60000", "--max", "30000"], ["--min 60000", "--max 30000"]),
    (["propose", "--time-limit", "-5"], ["--time-limit", "'-5'", "more than 0"]),
    (["propose", "--time-limit", "0"], ["--time-limit", "'0'", "more than 0"]),
    (["propose", "--time-limit", "nan"], ["--time-limit", "'nan'", "more than 0"]),
    (["propose", "--time-limit", "inf"], ["--time-limit", "'inf'", "more than 0"]),
    (["propose", "--time-limit", "soon"], ["--time-limit", "'soon'", "not a number"]),
    # every area's solve failed: 'OverflowError ... Solver_SetTimeLimit ... int64_t' (exit 4)
    (["propose", "--time-limit", "1e20"], ["--time-limit", "'1e20'", "at most 2,147,483,647"]),
    (["propose", "--processes", "0"], ["--processes", "'0'", "1 or more"]),
    (["propose", "--processes", "1.5"], ["--processes", "'1.5'", "whole number"]),
    (["propose", "--workers", "0"], ["--workers", "'0'", "1 or more"]),
    (["propose", "--max-moves", "-1"], ["--max-moves", "'-1'", "0 or more"]),
    (["propose", "--seed", "-1"], ["--seed", "'-1'", "0 or more"]),
    (["propose", "--seed", "99999999999"], ["--seed", "'99999999999'", "at most"]),
    (["propose", "--network-cost", "-1"], ["--network-cost", "'-1'", "0 or more"]),
    (["propose", "--network-cost", "nan"], ["--network-cost", "'nan'", "0 or more"]),
    (["propose", "--min", "-1"], ["--min", "'-1'", "0 or more"]),
    (["propose", "--max", "lots"], ["--max", "'lots'", "whole number"]),
    (["propose", "--repair"], ["--repair needs --plan"]),
    (["propose", "--out", "plan.txt"], ["--out plan.txt", ".csv"]),
    (["propose", "--out", "no/such/folder/plan.csv"], ["no/such/folder", "does not exist"]),
    (["export", "--out", "plan.shp"], ["--out plan.shp", ".gpkg"]),
    (["export", "--out", "no/such/folder/plan.gpkg"], ["does not exist"]),
    (["report", "--out", "pack.html"], ["--out pack.html", ".pdf"]),
    (["report", "--out", "no/such/folder/pack.pdf"], ["does not exist"]),
    (["demo", "--seed", "-3"], ["--seed", "'-3'", "0 or more"]),
    (["validate", "--max-table-mb", "0"], ["--max-table-mb", "'0'", "1 or more"]),
    (["propose", "--max-input-mb", "big"], ["--max-input-mb", "'big'", "whole number"]),
    # a budget without --repair was ignored: a fresh plan, every practice free to move
    (["propose", "--max-moves", "3"], ["--max-moves 3", "with --repair --plan CURRENT"]),
    # an option only by its full name: --area was read as validate's --areas (a file)
    (["validate", "--area", "E38000237"], ["unrecognized arguments: --area E38000237"]),
    (["propose", "--time", "5"], ["unrecognized arguments: --time 5"]),
    (["plans", "list", "--st", "x.sqlite"], ["unrecognized arguments: --st"]),
    # an ePCN CSV was written into a file named .geojson, a GeoJSON into one named .csv
    (["export", "--format", "epcn", "--out", "plan.geojson"], ["--format epcn", "end --out"]),
    (["export", "--format", "geojson", "--out", "plan.csv"], ["disagree", ".geojson"]),
    # a mistyped field is named with the one meant
    (
        ["validate", "--practice-column", "list_sise=x"],
        ["'list_sise=x'", "did you mean 'list_size'?"],
    ),
]
_DEFAULT_OUT = {"propose": "plan.csv", "export": "plan.geojson", "report": "pack.pdf"}


def _command(arguments: list[str], folder: Path) -> list[str]:
    command, *rest = arguments
    argv = [command]
    if command in {"propose", "validate", "export", "report"}:
        argv += ["--practices", str(AREA_PRACTICES), "--boundaries", str(AREA_CCGS)]
    if command in {"validate", "export", "report"}:
        argv += ["--plan", str(AREA_PRACTICES)]
    if command in _DEFAULT_OUT and "--out" not in rest:
        argv += ["--out", str(folder / _DEFAULT_OUT[command])]
    if command == "demo":
        argv += ["--out", str(folder / "demo")]
    return [*argv, *(str(folder / a) if a.startswith("no/") else a for a in rest)]


@pytest.mark.parametrize("arguments, fragments", BAD_OPTIONS, ids=lambda v: " ".join(v))
def test_a_bad_option_exits_2_naming_it_before_any_work(
    arguments: list[str],
    fragments: list[str],
    tmp_path: Path,
    no_work: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(_command(arguments, tmp_path))
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


# ---- files that cannot be written ------------------------------------------------------------


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder this process cannot write in: chmod for a user; /sys for root."""
    import os

    if os.geteuid() != 0:
        folder = tmp_path / "read_only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    assert Path("/sys").is_dir(), "root needs a read-only file system to test on"
    return Path("/sys")


@pytest.mark.parametrize("name", ["plan.gpkg", "plan.geojson", "plan.csv", "pack.pdf"])
def test_writing_into_a_read_only_folder_is_an_input_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _read_only_folder(tmp_path)
    command = "report" if name.endswith(".pdf") else "export"
    argv = [command, "--demo", "--plan", str(AREA_PRACTICES), "--out", str(folder / name)]
    if command == "report":
        argv = [command, "--demo", "--out", str(folder / name)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    assert f"cannot write {folder / name}" in err
    assert "cannot be written to" in err


def test_a_full_disk_during_a_geopackage_export_exits_2_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.gpkg"
    with demo_files() as shipped:
        assert (
            main(["export", "--demo", "--plan", str(shipped.current_plan), "--out", str(out)]) == 0
        )
        before = out.read_bytes()
        real = pyogrio.write_dataframe
        calls: list[str] = []

        def fill_up(frame: Any, path: Any, **kwargs: Any) -> None:
            calls.append(kwargs["layer"])
            if len(calls) == 2:  # the networks layer is written, then the disk fills
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            real(frame, path, **kwargs)

        monkeypatch.setattr(pyogrio, "write_dataframe", fill_up)
        code = main(["export", "--demo", "--plan", str(shipped.current_plan), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert f"cannot write {out}: the disk is full" in err
    assert "Traceback" not in err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.gpkg"]


def test_per_area_reports_of_codes_with_a_slash_stay_in_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(AREA_CCGS.read_text(encoding="utf-8"))
    for feature in document["features"]:
        feature["properties"]["CCG20CD"] = "../" + feature["properties"]["CCG20CD"] + "/X"
    ccgs = tmp_path / "ccgs_with_slashes.geojson"
    ccgs.write_text(json.dumps(document), encoding="utf-8")
    practices = tmp_path / "practices.csv"  # rows name their CCG by its ODS code only
    practices.write_text(AREA_PRACTICES.read_text(encoding="utf-8").replace("E38000002", "02B"))
    plan = tmp_path / "plan.csv"
    plan.write_text("practice_code,network_id\n" + "".join(f"P{i},N{i}\n" for i in range(1, 7)))
    out = tmp_path / "packs" / "pack.pdf"
    out.parent.mkdir()
    argv = ["report", "--practices", str(practices), "--boundaries", str(ccgs)]
    code = main([*argv, "--plan", str(plan), "--out", str(out), "--per-area"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    written = sorted(p.name for p in out.parent.iterdir())
    assert written and all(name.startswith("pack_") for name in written), written
    assert "pack__E38000001_X.pdf" in written, written  # "../" and "/" made safe
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ccgs_with_slashes.geojson", "plan.csv", "practices.csv", "packs"]
    )


# ---- exit statuses ---------------------------------------------------------------------------


class _FailingJob:
    """A ProposalJob whose optimiser raised ``error``."""

    error: BaseException = RuntimeError("boom")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.stopped = False
        self.proposal = None

    def wait(self, timeout: float) -> bool:
        return True

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize(
    "error",
    [BrokenPipeError(errno.EPIPE, "Broken pipe"), RuntimeError("GLOP returned status 1")],
    ids=["broken pipe", "runtime error"],
)
def test_an_error_inside_the_optimiser_is_an_internal_error_not_a_closed_stdout(
    error: BaseException,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    job = type("Job", (_FailingJob,), {"error": error})
    monkeypatch.setattr(cli_propose, "ProposalJob", job)
    out = tmp_path / "plan.csv"
    code = main(["propose", "--demo", "--time-limit", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_INTERNAL
    assert "internal error" in err and type(error).__name__ in err
    assert "Traceback" not in err  # one line; --verbose adds the traceback
    assert not out.exists()


def test_a_closed_stdout_keeps_the_commands_own_status(tmp_path: Path) -> None:
    """``footprints validate … | head -0``: the reader is gone, the status is still 1."""
    with demo_files() as shipped:
        plan = str(shipped.current_plan)
        process = subprocess.Popen(
            [sys.executable, "-m", "footprints", "validate", "--demo", "--plan", plan],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader goes away before anything is written
        with process.stderr:
            err = process.stderr.read().decode()
        status = process.wait(timeout=600)
    assert status == 1, err  # the demo's current plan breaks rules
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_failed_area_keeps_its_plan_at_hand_and_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GLOP answering ABNORMAL (as on a loaded machine) loses no area: exit 4, plan whole."""
    from ortools.linear_solver import pywraplp

    from footprints.demo import load_demo

    monkeypatch.setattr(pywraplp.Solver, "Solve", lambda self, *params: pywraplp.Solver.ABNORMAL)
    out = tmp_path / "plan.csv"
    argv = ["propose", "--demo", "--time-limit", "10", "--processes", "1", "--out", str(out)]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == EXIT_FALLBACK, captured.err
    assert "Traceback" not in captured.err
    assert set(read_plan(out).assignment) == set(load_demo().practice_codes())
    assert "GLOP answered ABNORMAL (status 4)" in captured.out
    assert "the plan is the quick constructive one" in captured.out
    assert "kept the plan at hand instead of an optimised one" in captured.out
    assert "(fallback: the quick constructive plan)" in captured.out
    assert f"(exit status {EXIT_FALLBACK})" in captured.out


def test_strict_sites_refuses_a_far_away_practice_that_is_otherwise_planned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    practices = tmp_path / "practices_far.csv"
    practices.write_text(
        AREA_PRACTICES.read_text(encoding="utf-8") + "PF,Digital First,3800,402000,522000,01A\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan.csv"
    argv = ["propose", "--practices", str(practices), "--boundaries", str(AREA_CCGS)]
    argv += ["--time-limit", "10", "--processes", "1", "--out", str(out)]
    assert main(argv) == 0
    assert "PF (Digital First) lies 112 km outside its own CCG E38000001" in caplog.text
    assert "PF" in read_plan(out).assignment
    out.unlink()
    capsys.readouterr()
    assert main([*argv, "--strict-sites"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "PF (Digital First) lies 112 km outside its own CCG E38000001" in err
    assert "(the limit is 50 km)" in err
    assert not out.exists()


def test_a_practices_file_over_the_table_limit_is_refused_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    practices = tmp_path / "practices_40mb.csv"
    practices.write_text(AREA_PRACTICES.read_text(encoding="utf-8"), encoding="utf-8")
    with open(practices, "r+b") as handle:
        handle.truncate(40 * 1024**2)  # sparse: 40 MB to stat(), no disk used
    argv = ["validate", "--practices", str(practices), "--boundaries", str(AREA_CCGS)]
    argv += ["--plan", str(AREA_PRACTICES)]
    assert main(argv) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "is 40.0 MB, over the 32.0 MB limit for a table read whole into memory" in err
    assert "--max-table-mb N" in err
    assert main([*argv, "--max-table-mb", "64"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "limit for a table" not in err
    assert "contains NUL bytes" in err  # read, this time: the zeros of the sparse file


# ---- a page of problems -----------------------------------------------------------------------


def _practices_with_bad_rows(path: Path, bad: int, *, zero: int = 0) -> Path:
    """A practices file of ``bad`` rows whose list size is not a number (and ``zero`` of 0)."""
    rows = [f"B{i:05d},Bad {i},lots,54.5,-1.3\n" for i in range(bad)]
    rows += [f"Z{i:05d},Zero {i},0,54.5,-1.3\n" for i in range(zero)]
    path.write_text("code,name,list_size,lat,lon\n" + "".join(rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", [3, 50, 51, 20_000])
def test_at_most_a_page_of_problems_is_printed_and_the_rest_written_to_a_file(
    bad: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """20,000 bad rows: the first 50, a count of the rest, every one of them in a file."""
    practices = _practices_with_bad_rows(tmp_path / "practices_bad.csv", bad)
    argv = ["validate", "--practices", str(practices), "--boundaries", str(AREA_CCGS)]
    assert main([*argv, "--plan", str(AREA_PRACTICES)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    listed = [line for line in err.splitlines() if line.startswith("- ")]
    if bad <= 50:
        assert len(listed) == bad
        assert "… and" not in err and "is listed in" not in err
        return
    assert len(listed) == 51
    assert listed[-1] == f"- … and {bad - 50:,} more"
    [listing] = re.findall(r"Every problem \([\d,]+\) is listed in (\S+)", err)
    lines = Path(listing).read_text(encoding="utf-8").splitlines()
    assert len(lines) == bad
    assert lines[-1].startswith(f"error: {practices}, row {bad + 1} (B{bad - 1:05d}): list size")
    Path(listing).unlink()


def test_at_most_a_page_of_warnings_is_logged_unless_verbose(tmp_path: Path) -> None:
    """Logged warnings (80 practices with no patients) are a page too; --verbose shows all."""
    practices = _practices_with_bad_rows(tmp_path / "practices_zero.csv", 0, zero=80)
    argv = ["validate", "--practices", str(practices)]
    argv += ["--boundaries", str(AREA_CCGS), "--plan", str(AREA_PRACTICES)]
    for verbose, shown in ((False, 50), (True, 80)):
        result = subprocess.run(
            [sys.executable, "-m", "footprints", *(["--verbose"] if verbose else []), *argv],
            capture_output=True,
            text=True,
            timeout=600,  # a generous ceiling for a busy machine
            check=False,
        )
        zero = [line for line in result.stderr.splitlines() if "list size is 0" in line]
        assert len(zero) == shown, result.stderr[-2000:]
        more = "footprints: … and 30 more warnings (--verbose shows every one)"
        assert (more in result.stderr) is not verbose


@pytest.mark.parametrize(("status", "code"), [("timed out", 0), ("fallback", EXIT_FALLBACK)])
def test_a_time_limit_running_out_is_not_a_failure(
    status: str,
    code: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 4 tells a script that a solve failed; the user's time limit is no failure."""
    import dataclasses

    from footprints.optimiser import pool

    real = pool.optimise_group

    def ended(*args: Any, **kwargs: Any) -> Any:
        return dataclasses.replace(real(*args, **kwargs), status=status)

    monkeypatch.setattr(pool, "optimise_group", ended)
    out = tmp_path / "plan.csv"
    argv = ["propose", "--demo", "--time-limit", "5", "--processes", "1", "--out", str(out)]
    assert main(argv) == code
    said = "kept the plan at hand instead of an optimised one" in capsys.readouterr().out
    assert said == (code == EXIT_FALLBACK)


def test_a_mistyped_code_or_column_is_named_with_the_one_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped area code, practice code in a plan, column or boundary code column said
    only that it was unknown (with a list of 135 areas, 25 columns, or nothing at all)."""
    with demo_files() as shipped:
        region = ["--practices", str(shipped.practices), "--boundaries", str(shipped.ccg)]
        plan = tmp_path / "plan.csv"
        plan.write_text(
            shipped.current_plan.read_text(encoding="utf-8").replace("Z00002,", "Z0O002,", 1),
            encoding="utf-8",
        )
        out = ["--out", str(tmp_path / "out.csv")]
        assert main(["propose", *region, "--area", "E38900020", *out]) == EXIT_BAD_INPUT
        assert "no planning area E38900020 (did you mean 'E38900002'?)" in capsys.readouterr().err
        main(["validate", *region, "--plan", str(plan)])
        assert "Z0O002 (in UZ0001, Northgate PCN; did you mean Z00002?)" in capsys.readouterr().out
        wrong = ["--practice-column", "list_size=list_sise"]
        assert main(["validate", *region, *wrong, "--plan", str(plan)]) == EXIT_BAD_INPUT
        assert "'list_sise' given for list_size is not in the file (did you mean 'list_size'?)" in (
            capsys.readouterr().err
        )
        code = ["--boundary-code", "CCG20DC"]
        assert main(["validate", *region, *code, "--plan", str(plan)]) == EXIT_BAD_INPUT
        assert "'CCG20DC' is not in the file (did you mean 'CCG20CD'" in capsys.readouterr().err


def test_format_and_level_are_read_in_any_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'--format GeoJSON' and '--level Upper' (as the words are written) were refused as
    invalid choices."""
    out = tmp_path / "plan.geojson"
    with demo_files() as shipped:
        plan = ["--plan", str(shipped.current_plan)]
        assert main(["export", "--demo", *plan, "--format", "GeoJSON", "--out", str(out)]) == 0
        assert main(["validate", "--demo", *plan, "--level", "Upper"]) in (0, 1)
    assert out.exists()
    assert "invalid choice" not in capsys.readouterr().err


def test_level_upper_with_no_stp_known_says_how_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a CCG boundary file without its STP column, practices without stp and no
    # --stp-boundaries: each CCG was planned alone and the summary said '0 networks cross a
    # CCG border inside their planning area', as if planned by STP (exit 0)
    with demo_files() as shipped:
        practices = pd.read_csv(shipped.practices, dtype=str).drop(columns="stp")
        ccgs = gpd.read_file(shipped.ccg).drop(columns="STP20CD")
    practices.to_csv(tmp_path / "practices.csv", index=False)
    ccgs.to_file(tmp_path / "sicbl.geojson")
    out = tmp_path / "plan.csv"
    region = ["--practices", str(tmp_path / "practices.csv")]
    region += ["--boundaries", str(tmp_path / "sicbl.geojson")]
    code = main(["propose", *region, "--level", "upper", "--time-limit", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "--level upper: no STP / ICB is known for the region's CCGs" in err
    assert "give --stp-boundaries with the STP / ICB boundaries" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["propose", "validate"])
def test_level_upper_with_no_stp_known_is_refused_before_the_region_is_loaded(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    # the refusal came only after every file was read: 15 s with England's registrations
    # (practices_2021.csv without its stp columns, the 2021 CCGs, registrations and LSOAs)
    with demo_files() as shipped:
        practices = pd.read_csv(shipped.practices, dtype=str).drop(columns="stp")
        ccgs = gpd.read_file(shipped.ccg).drop(columns="STP20CD")
        plan = ["--plan", str(shipped.current_plan)] if command == "validate" else []
        practices.to_csv(tmp_path / "practices.csv", index=False)
        ccgs.to_file(tmp_path / "sicbl.geojson")
        region = ["--practices", str(tmp_path / "practices.csv")]
        region += ["--boundaries", str(tmp_path / "sicbl.geojson")]
        out = ["--time-limit", "1", "--out", str(tmp_path / "plan.csv")]

        def loaded(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the region was loaded")

        monkeypatch.setattr("footprints.cli_region.load_region", loaded)
        extra = out if command == "propose" else plan
        code = main([command, *region, "--level", "upper", *extra])
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--level upper: no STP / ICB is known for the region's CCGs" in err
    assert "give --stp-boundaries with the STP / ICB boundaries" in err


def test_level_upper_goes_on_where_the_boundary_file_names_each_ccgs_stp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # checked from the files' columns before loading: practices without stp but CCG
    # boundaries with STP20CD are planned by STP, not refused
    with demo_files() as shipped:
        practices = pd.read_csv(shipped.practices, dtype=str).drop(columns="stp")
        practices.to_csv(tmp_path / "practices.csv", index=False)
        region = ["--practices", str(tmp_path / "practices.csv"), "--boundaries", str(shipped.ccg)]
        code = main(["validate", *region, "--plan", str(shipped.current_plan), "--level", "upper"])
    assert code in (0, 1)
    assert "no STP / ICB is known" not in capsys.readouterr().err


def test_a_full_disk_during_the_pack_exits_2_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # on a 64 KB tmpfs the PDF's write failed with ENOSPC, then PdfPages, closing, failed
    # in zlib ('Error -2 while flushing: inconsistent stream state'): an internal error
    # (exit 3) instead of 'the disk is full'
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"the previous pack")

    class FillsUp:
        """A file that takes 20,000 bytes, then says the disk is full."""

        def __init__(self, *args: Any) -> None:
            self.handle, self.written = open(*args), 0  # noqa: SIM115

        def write(self, data: bytes) -> int:
            if self.written + len(data) > 20_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return int(self.handle.write(data))

        def __enter__(self) -> FillsUp:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    monkeypatch.setattr(report_writers, "open", FillsUp, raising=False)
    with demo_files() as shipped:
        code = main(["report", "--demo", "--plan", str(shipped.current_plan), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert f"cannot write {out}: the disk is full" in err
    assert out.read_bytes() == b"the previous pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.pdf"]


@pytest.mark.parametrize(("free", "full"), [(61_440, True), (50 << 30, False)])
def test_a_gdal_write_failing_on_a_full_disk_says_the_disk_is_full(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    free: int,
    full: bool,
) -> None:
    # on a 64 KB tmpfs GDAL failed with its SQLite's words and no errno ('no such table:
    # gpkg_contents'), which were given with 'check the path and the folder's permissions'
    import shutil

    out = tmp_path / "plan.gpkg"
    said = "sqlite3_exec(INSERT INTO gpkg_contents ...) failed: no such table: gpkg_contents"

    def fails(*args: Any, **kwargs: Any) -> None:
        raise pyogrio.errors.DataSourceError(said)

    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(pyogrio, "write_dataframe", fails)
    monkeypatch.setattr(
        shutil, "disk_usage", lambda _: type(usage)(usage.total, usage.total - free, free)
    )
    with demo_files() as shipped:
        code = main(["export", "--demo", "--plan", str(shipped.current_plan), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert (f"cannot write {out}: the disk is full ({free:,} bytes free" in err) == full
    assert ("check the path and the folder's permissions" in err) == (not full)
    assert "no such table: gpkg_contents" in err
    assert list(tmp_path.iterdir()) == []


def test_a_plan_that_cannot_be_written_after_the_solve_is_kept_in_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a disk filled while propose ran: the plan (minutes of solving for a region) was lost
    import tempfile

    import footprints.export as export
    from footprints.atomic import output_error

    out, temporary = tmp_path / "out" / "plan.geojson", tmp_path / "tmp"
    out.parent.mkdir()
    temporary.mkdir()

    def full(region: Any, plan: Any, path: Path, **kwargs: Any) -> None:
        raise output_error(path, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(export, "export_plan", full)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    code = main(
        ["propose", "--demo", "--area", "E38900003", "--time-limit", "2", "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    (kept,) = temporary.iterdir()
    assert f"cannot write {out}: the disk is full" in err
    assert f"The plan is kept in {kept}: copy it where you want it" in err
    assert f"footprints export --plan {kept} --out FILE" in err
    assert len(read_plan(kept)) == 24
    assert not out.exists()


def test_verbose_is_taken_after_the_command_as_the_internal_error_asks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 'run again with --verbose for the traceback': written at the end of the command it
    # was refused ('unrecognized arguments: --verbose', exit 2)
    from footprints.cli import _parser

    with demo_files() as shipped:
        plan = str(shipped.current_plan)
        assert main(["validate", "--demo", "--plan", plan, "--verbose"]) == 1
    assert "unrecognized arguments" not in capsys.readouterr().err
    parse = _parser().parse_args
    assert parse(["validate", "--demo", "--plan", plan, "--verbose"]).verbose
    assert parse(["-v", "validate", "--demo", "--plan", plan]).verbose
    assert parse(["plans", "list", "-v"]).verbose
    assert not parse(["validate", "--demo", "--plan", plan]).verbose


def test_demo_out_under_a_file_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'cannot read or write FILE/demo: Not a directory', the system's words only
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code = main(["demo", "--out", str(tmp_path / "notes.txt" / "demo")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "Not a directory — a part of the path is a file, not a folder: check the path" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
