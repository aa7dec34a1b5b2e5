"""The console script end to end: exit codes, JSON, and the demo region."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from real_cuts import cut_to_areas

from footprints.cli import main
from footprints.demo import DEMO_SEED, demo_files
from footprints.io import read_plan
from footprints.region import Region, load_region
from footprints.rules import validate

SQUARE_CCG = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"CCG20CD": "E38999999", "CCG20NM": "NHS Test CCG"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-1.60, 52.00], [-1.50, 52.00], [-1.50, 52.06], [-1.60, 52.06], [-1.60, 52.00]]
                ],
            },
        }
    ],
}


@pytest.fixture
def small_region(tmp_path: Path) -> dict[str, Path]:
    """Four practices of 10,000 in one square CCG, and a plan making them one network."""
    practices = tmp_path / "practices.csv"
    practices.write_text(
        "code,name,lat,lon,list_size\n"
        "T00001,North West Surgery,52.045,-1.585,10000\n"
        "T00002,North East Surgery,52.045,-1.515,10000\n"
        "T00003,South West Surgery,52.015,-1.585,10000\n"
        "T00004,South East Surgery,52.015,-1.515,10000\n",
        encoding="utf-8",
    )
    ccg = tmp_path / "ccg.geojson"
    ccg.write_text(json.dumps(SQUARE_CCG), encoding="utf-8")
    clean = tmp_path / "clean_plan.csv"
    clean.write_text(
        "practice_code,network_id,network_name\n"
        + "".join(f"T0000{i},N1,Test PCN\n" for i in range(1, 5)),
        encoding="utf-8",
    )
    split = tmp_path / "split_plan.csv"
    split.write_text(
        "practice_code,network_id,network_name\n"
        "T00001,N1,West PCN\nT00003,N1,West PCN\nT00002,N2,East PCN\nT00004,N2,East PCN\n",
        encoding="utf-8",
    )
    return {"practices": practices, "ccg": ccg, "clean": clean, "split": split}


def _region_args(files: dict[str, Path]) -> list[str]:
    return ["--practices", str(files["practices"]), "--boundaries", str(files["ccg"])]


def test_validate_clean_plan_exits_0(
    small_region: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", *_region_args(small_region), "--plan", str(small_region["clean"])])
    assert code == 0
    assert "1 network: 1 in band, 0 below, 0 above; 0 violations" in capsys.readouterr().out


def test_validate_plan_with_violations_exits_1_and_json_lists_them(
    small_region: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["validate", *_region_args(small_region), "--plan", str(small_region["split"])]
    code = main([*args, "--json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["below"] == 2
    assert {(v["rule"], tuple(v["networks"])) for v in report["violations"]} == {
        ("band", ("N1",)),
        ("band", ("N2",)),
    }
    assert all(v["severity"] == "waivable" for v in report["violations"])
    assert all(v["values"]["population"] == 20_000 for v in report["violations"])


def test_validate_demo_current_plan_reports_exactly_the_planted_flaws(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with demo_files() as shipped:
        manifest = json.loads(shipped.current_plan_flaws.read_text(encoding="utf-8"))
        code = main(["validate", "--demo", "--plan", str(shipped.current_plan), "--json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    rule_of = {"band_below": "band", "band_above": "band"}
    planted = {(rule_of.get(f["kind"], f["kind"]), f["networks"][0]) for f in manifest["flaws"]}
    planted |= {("patch", entry["networks"][0]) for entry in manifest["patch"]}
    found = {(v["rule"], network) for v in report["violations"] for network in v["networks"]}
    assert found == planted
    hard = {(v["rule"], v["networks"][0]) for v in report["violations"] if v["severity"] == "hard"}
    assert hard == {(r, n) for r, n in planted if r in {"contiguity", "boundary"}}


#: Loaded only by the commands that use them: the optimiser (propose) and the store (plans).
_HEAVY = ("footprints.optimiser", "ortools", "footprints.store", "sqlalchemy")


def test_validate_loads_neither_the_optimiser_nor_the_store(tmp_path: Path) -> None:
    """Every command (and every example of the guides) paid for these at start-up, unused:
    ~0.45 s of CPU a command (BENCHMARKS.md, "The test suite's time", session 21)."""
    with demo_files() as shipped:
        script = (
            "import json, sys\n"
            "from footprints.cli import main\n"
            f"code = main(['validate', '--demo', '--plan', {str(shipped.current_plan)!r}])\n"
            f"print(json.dumps([code, [m for m in {_HEAVY!r} if m in sys.modules]]))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,  # a generous ceiling: a loaded machine imports slowly
            check=False,
        )
    assert done.returncode == 0, done.stderr
    code, loaded = json.loads(done.stdout.splitlines()[-1])
    assert code == 1  # the demo's current plan has its planted flaws: the command ran
    assert loaded == []


def test_bad_input_exits_2_naming_the_file(
    small_region: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken_practices.csv"
    broken.write_text(
        "code,name,lat,lon,list_size\nT00001,A,52.045,-1.585,-40\nT00001,B,52.0,-1.5,x\n",
        encoding="utf-8",
    )
    args = ["validate", "--practices", str(broken), "--boundaries", str(small_region["ccg"])]
    code = main([*args, "--plan", str(small_region["clean"])])
    assert code == 2
    err = capsys.readouterr().err
    assert "broken_practices.csv" in err
    assert "T00001" in err


def test_missing_region_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--plan", "plan.csv"]) == 2
    assert "--practices and --boundaries required" in capsys.readouterr().err


def test_propose_on_demo_writes_a_plan_with_no_hard_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.csv"
    code = main(["propose", "--demo", "--time-limit", "20", "--processes", "1", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "E38900001" in text and "E38900003" in text
    plan = read_plan(out)
    with demo_files() as shipped:
        region = load_region(shipped.practices, shipped.ccg, stp_boundaries=shipped.stp)
    assert set(plan.assignment) == set(region.practices["code"])
    report = validate(plan, region.validation_graph)
    assert not report.hard
    # Only the demo's two super-practices (over 50,000 on their own) may lie outside the band.
    supers = set(region.practices.loc[region.practices["list_size"] > 50_000, "code"])
    outside = {p for v in report.violations if v.rule == "band" for p in v.practices}
    assert outside == supers


def test_demo_command_writes_loadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    region = load_region(
        tmp_path / "demo" / "practices.csv",
        tmp_path / "demo" / "ccg.geojson",
        plan=tmp_path / "demo" / "current_plan.csv",
    )
    assert region.current is not None
    assert len(region.current) == len(region.practices)
    assert "practices.csv" in capsys.readouterr().out


def test_demo_command_copies_the_shipped_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", str(DEMO_SEED)]) == 0
    with demo_files() as shipped:
        for path in vars(shipped).values():
            assert (out / path.name).read_bytes() == path.read_bytes(), path.name
    assert len(list(out.iterdir())) == len(vars(shipped))


def test_demo_command_other_seeds_are_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--seed", "7"]) == 2
    error = capsys.readouterr().err
    assert "seed 2020" in error
    assert "python tools/make_demo.py --seed 7 --out DIR" in error
    assert not out.exists()


# --------------------------------------------------------------------------- Ctrl-C

REAL_PRACTICES = Path("practices/practices_2020.csv")
REAL_CCGS = Path("boundaries/ccg_2020_derived/ccg_2020_04_derived_from_ccg2019_buc.geojson")
#: The ceiling for a stopped run to end: generous, for a machine busy with other work.
CEILING_S = 900
#: Two 206-practice CCGs that neither listing nor CP-SAT finishes within seconds.
SLOW_AREAS = ("E38000237", "E38000244")


@pytest.fixture(scope="module")
def slow_areas(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """England 2020's files cut to the two slow CCGs: their practices and their boundaries.

    The Ctrl-C tests are about a run being stopped while it solves, not about England:
    given England's files with ``--area``, the command read all England and built every
    CCG's graph before solving the two (20–40 s a run on a busy machine, three runs). The
    practices are those England's own placement puts in the two CCGs, their rows as the
    published file has them.
    """
    return cut_to_areas(
        shared_data / REAL_PRACTICES,
        shared_data / REAL_CCGS,
        SLOW_AREAS,
        tmp_path_factory.mktemp("slow_areas"),
        code="CCG20CD",
    )


def _start_propose(files: dict[str, Path], out: Path, processes: int) -> subprocess.Popen[str]:
    """``footprints propose`` on the slow CCGs, in its own process group (as in a terminal)."""
    command = [
        sys.executable,
        "-m",
        "footprints",
        "propose",
        "--practices",
        str(files["practices"]),
        "--boundaries",
        str(files["boundaries"]),
        "--time-limit",
        "600",
        "--processes",
        str(processes),
        "--out",
        str(out),
    ]
    for area in SLOW_AREAS:
        command += ["--area", area]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until the solve has started
        if "Ctrl-C stops" in line:
            break
    else:
        raise AssertionError(f"propose ended before solving: {process.wait()}")
    return process


def _ctrl_c(process: subprocess.Popen[str]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    os.killpg(process.pid, signal.SIGINT)


@pytest.fixture(scope="module")
def slow_region(slow_areas: dict[str, Path]) -> Region:
    """The two slow CCGs as the command loads them, once for both Ctrl-C tests (read only)."""
    return load_region(slow_areas["practices"], slow_areas["boundaries"])


@pytest.mark.realdata
@pytest.mark.parametrize("processes", [1, 2])
def test_ctrl_c_in_propose_writes_the_best_plan_so_far(
    slow_areas: dict[str, Path], slow_region: Region, tmp_path: Path, processes: int
) -> None:
    out = tmp_path / "plan.csv"
    process = _start_propose(slow_areas, out, processes)
    time.sleep(3)  # let the solvers get going; any moment gives the same outcome
    _ctrl_c(process)
    stdout, stderr = process.communicate(timeout=CEILING_S)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Stopping: each area ends with the best plan found so far" in stderr
    assert "Stopped (Ctrl-C)" in stdout
    assert "the optimiser was stopped" in stdout
    plan = read_plan(out)
    expected = {str(p) for area in SLOW_AREAS for p in slow_region.ccg_graphs[area].nodes}
    assert set(plan.assignment) == expected
    report = validate(plan, slow_region.validation_graph.subgraph(expected))
    assert not report.hard, report.hard


@pytest.mark.realdata
def test_second_ctrl_c_aborts_without_writing(slow_areas: dict[str, Path], tmp_path: Path) -> None:
    """The second Ctrl-C is sent once the first has been taken (its message is on stderr).

    On a busy machine the stop can finish before the second Ctrl-C lands, which exercises
    nothing: the run is then tried again, up to three times.
    """
    out = tmp_path / "plan.csv"
    for _ in range(3):
        process = _start_propose(slow_areas, out, processes=1)
        time.sleep(1)
        _ctrl_c(process)
        assert process.stderr is not None
        for line in process.stderr:  # wait until the first Ctrl-C has been taken
            if "Stopping:" in line:
                break
        _ctrl_c(process)
        _, stderr = process.communicate(timeout=CEILING_S)
        if process.returncode != 0:
            break
        out.unlink()  # the stop finished before the second Ctrl-C landed: try again
    assert process.returncode == 130, stderr
    assert "interrupted; nothing was written" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
