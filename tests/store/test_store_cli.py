"""`footprints plans …`: the store from the command line, with the README's exit statuses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from store_plans import grid_plan

from footprints.cli import EXIT_BAD_INPUT, main
from footprints.demo import load_demo
from footprints.io import read_plan, write_plan
from footprints.store import Store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.csv"
    write_plan(grid_plan(), path)
    return path


def test_import_list_show_and_versions(
    store_url: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Store(store_url).close()  # an empty store (a new SQLite file: see the test below)
    status, out, _ = run(capsys, "plans", "list", "--store", store_url)
    assert status == 0 and "holds no plans yet" in out
    status, out, _ = run(
        capsys, "plans", "import", "Kent draft", str(plan_file), "--store", store_url,
        "--author", "alice",
    )  # fmt: skip
    assert status == 0
    assert out.strip() == (
        f"Saved {plan_file} as version 1 of plan 'Kent draft' (12 practices in 3 networks)."
    )
    waivers = tmp_path / "waivers.csv"
    waivers.write_text("network_id,reason\nN1,rural island\n", encoding="utf-8")
    write_plan(grid_plan().moved(["P001"], "N0"), tmp_path / "moved.csv")
    status, out, _ = run(
        capsys, "plans", "import", "Kent draft", str(tmp_path / "moved.csv"), "--store",
        store_url, "--waivers", str(waivers), "--label", "move P001",
    )  # fmt: skip
    assert status == 0 and "as version 2 of plan 'Kent draft'" in out

    status, out, _ = run(capsys, "plans", "list", "--store", store_url, "--json")
    assert status == 0
    (listed,) = json.loads(out)
    assert (listed["name"], listed["head"], listed["practices"]) == ("Kent draft", 2, 12)

    status, out, _ = run(capsys, "plans", "versions", "Kent draft", "--store", store_url)
    assert status == 0
    assert "import plan.csv" in out and "move P001" in out and "alice" in out

    status, out, _ = run(capsys, "plans", "show", "Kent draft", "--store", store_url, "--json")
    shown = json.loads(out)
    assert shown["version"]["number"] == 2 and shown["version"]["head"]
    assert shown["assignment"]["P001"] == "N0" and shown["waivers"] == {"N1": "rural island"}
    status, out, _ = run(
        capsys, "plans", "show", "Kent draft", "--version", "1", "--store", store_url
    )
    assert status == 0
    assert "version 1 of 2, saved" in out and "by alice: import plan.csv" in out
    assert "Network 1" in out


def test_name_restore_diff_and_export(
    store_url: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", store_url]
    run(capsys, "plans", "import", "p", str(plan_file), *store)
    write_plan(grid_plan().moved(["P001"], "N0"), tmp_path / "moved.csv")
    run(capsys, "plans", "import", "p", str(tmp_path / "moved.csv"), *store)
    status, out, _ = run(capsys, "plans", "name", "p", "1", "for the board, 3 March", *store)
    assert status == 0 and "Named version 1 of plan 'p' 'for the board, 3 March'." in out

    status, out, _ = run(capsys, "plans", "diff", "p", "for the board, 3 March", "head", *store)
    assert status == 1 and "P001: N1 → N0" in out
    status, out, _ = run(capsys, "plans", "diff", "p", "2", "head", *store, "--json")
    assert status == 0 and json.loads(out)["moved"] == []

    status, out, _ = run(capsys, "plans", "restore", "p", "for the board, 3 March", *store)
    assert status == 0
    assert "Restored version 1 \"for the board, 3 March\" of plan 'p' as version 3" in out

    out_file = tmp_path / "v2.csv"
    status, out, _ = run(
        capsys, "plans", "export", "p", "--version", "2", "--out", str(out_file), *store
    )
    assert status == 0 and "(plan 'p', version 2)" in out
    assert read_plan(out_file) == grid_plan().moved(["P001"], "N0")
    status, _, _ = run(capsys, "plans", "export", "p", "--out", str(tmp_path / "head.csv"), *store)
    assert read_plan(tmp_path / "head.csv") == grid_plan()

    status, out, _ = run(capsys, "plans", "name", "p", "2", "--clear", *store)
    assert status == 0 and "has no name now" in out


def test_errors_name_the_plan_or_version_and_what_to_do(
    store_url: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", store_url]
    run(capsys, "plans", "import", "p", str(plan_file), *store)
    cases = [
        (["plans", "show", "q", *store], "no plan 'q' (plans: 'p'): list them with"),
        (
            ["plans", "show", "p", "--version", "7", *store],
            "plan 'p' has no version '7' (versions 1–1): list them with footprints plans "
            "versions 'p'",
        ),
        (["plans", "restore", "p", "board", *store], "plan 'p' has no version 'board'"),
        (["plans", "name", "p", "1", *store], "give a name for the version, or --clear"),
        (["plans", "name", "p", "1", "head", *store], "cannot be named 'head'"),
        (
            ["plans", "import", "p", str(tmp_path / "missing.csv"), *store],
            "missing.csv: file not found",
        ),
        (
            ["plans", "export", "p", "--out", str(tmp_path / "p.gpkg"), *store],
            "--practices and --boundaries required (or --demo for the demo region)",
        ),
    ]
    for argv, message in cases:
        status, _, err = run(capsys, *argv)
        assert status == EXIT_BAD_INPUT, argv
        assert message in err, (argv, err)
        assert "Traceback" not in err
    with Store(store_url) as opened:
        assert opened.open("p").head_number() == 1  # nothing was saved


def test_a_store_that_cannot_be_opened_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(
        capsys, "plans", "list", "--store", "postgresql://someone:secret@127.0.0.1:1/none"
    )
    assert status == EXIT_BAD_INPUT
    assert "cannot open the plan store at postgresql+psycopg://someone:***@127.0.0.1:1/none" in err
    assert "secret" not in err
    status, _, err = run(capsys, "plans", "list", "--store", "nosuchdriver://x/y")
    assert status == EXIT_BAD_INPUT and "no database driver for 'nosuchdriver'" in err
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    plan = tmp_path / "plan.csv"
    write_plan(grid_plan(), plan)
    status, _, err = run(  # import makes a missing store: here it cannot
        capsys, "plans", "import", "Kent", str(plan), "--store", str(blocked / "plans.sqlite")
    )
    assert status == EXIT_BAD_INPUT and "cannot open the plan store at" in err


def test_a_file_that_is_no_store_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plan CSV given as --store (the plan's file in the store's place) was an internal
    error, exit 3: 'DatabaseError: file is not a database ... this is a bug'."""
    plan = tmp_path / "plan.csv"
    text = "practice_code,network_id\nP1,N1\n" * 200
    plan.write_text(text, encoding="utf-8")
    status, _, err = run(capsys, "plans", "list", "--store", str(plan))
    assert status == EXIT_BAD_INPUT
    assert f"cannot open the plan store at {plan}: file is not a database" in err
    assert "give --store the plan store's file, or a new file name" in err
    assert plan.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("kind", ["gpkg", "sqlite"])
def test_a_database_of_other_tables_is_refused_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """A plan exported as GeoPackage given as --store was taken for an empty store: 'holds no
    plans yet', the store's tables written into the user's file, which was put in WAL mode."""
    path = tmp_path / f"plan.{kind}"
    if kind == "gpkg":  # as `footprints export --format gpkg` writes a plan
        networks = {"network_id": ["N1"], "network_name": ["North"]}
        gpd.GeoDataFrame(networks, geometry=[Point(0, 0)], crs=27700).to_file(
            path, layer="networks"
        )
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE surgeries (code TEXT)")
        db.close()
    before = path.read_bytes()
    status, out, err = run(capsys, "plans", "list", "--store", str(path))
    assert status == EXIT_BAD_INPUT
    assert "holds no plans yet" not in out
    what = "a GeoPackage (layers: " if kind == "gpkg" else "a SQLite database of other tables ("
    assert f"cannot open the plan store at {path}: it is {what}" in err
    assert "not a plan store — nothing was changed; give --store the plan store's file" in err
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


DEMO = Path(__file__).resolve().parents[2] / "boundaries" / "demo"


def test_import_checks_the_store_before_reading_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store file that is no store was refused only after the region's files were read
    (all England with registrations: over 15 s)."""
    store = tmp_path / "plans.csv"  # the plan's file in the store's place
    store.write_text("practice_code,network_id\nP1,N1\n" * 200, encoding="utf-8")

    def loaded(*args: object, **kwargs: object) -> None:
        raise AssertionError("the region was read")

    monkeypatch.setattr("footprints.cli_plans.load_region_from", loaded)
    region = ["--practices", str(DEMO / "practices.csv"), "--boundaries", str(DEMO / "ccg.geojson")]
    plan = str(DEMO / "current_plan.csv")
    status, _, err = run(capsys, "plans", "import", "p", plan, *region, "--store", str(store))
    assert status == EXIT_BAD_INPUT
    assert f"cannot open the plan store at {store}: file is not a database" in err
    new = tmp_path / "new.sqlite"
    status, _, _ = run(capsys, "plans", "import", "p", "missing.csv", "--store", str(new))
    assert status == EXIT_BAD_INPUT
    assert not new.exists()  # a new store is made only with a plan to save in it


def test_import_records_the_region_checked_and_show_names_it(
    store_url: str, plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", store_url]
    demo_plan = str(DEMO / "current_plan.csv")
    region = ["--practices", str(DEMO / "practices.csv"), "--boundaries", str(DEMO / "ccg.geojson")]
    status, _, err = run(capsys, "plans", "import", "grid", str(plan_file), *store, *region)
    assert status == EXIT_BAD_INPUT
    # a plan of another area: refused before any cut, naming what it places
    assert f"{plan_file}: the plan names none of the" in err
    assert "it places 12 other practices, such as P000, P001, P002" in err
    status, _, err = run(capsys, "plans", "import", "x", demo_plan, *store, region[0], region[1])
    assert status == EXIT_BAD_INPUT and "--boundaries required with --practices" in err
    status, _, err = run(capsys, "plans", "import", "x", demo_plan, *store, "--demo", *region)
    assert status == EXIT_BAD_INPUT and "--demo or the region's files" in err
    with Store(store_url) as opened:
        assert opened.plans() == []  # nothing was saved

    status, out, _ = run(capsys, "plans", "import", "demo", demo_plan, *store, *region)
    demo = load_demo()
    said = (
        f"({len(demo.practices)} practices in {len(demo.ccgs)} CCGs); the app opens the plan on it"
    )
    assert status == 0 and said in out
    status, out, _ = run(capsys, "plans", "show", "demo", *store, "--json")
    shown = json.loads(out)
    assert shown["region"] == "files"
    assert shown["region_files"] == {
        "practices": str((DEMO / "practices.csv").resolve()),
        "boundaries": str((DEMO / "ccg.geojson").resolve()),
    }
    # A new version without region options keeps the region; --demo records the demo.
    status, out, _ = run(capsys, "plans", "import", "demo", demo_plan, *store, "--label", "again")
    assert status == 0 and "version 2" in out and "Region:" not in out
    status, out, _ = run(capsys, "plans", "show", "demo", *store)
    assert f"The app opens it on the files boundaries {DEMO.resolve() / 'ccg.geojson'}" in out
    status, out, _ = run(capsys, "plans", "import", "demo", demo_plan, *store, "--demo")
    assert status == 0 and "version 3" in out
    status, out, _ = run(capsys, "plans", "show", "demo", *store)
    assert "The app opens it on the demo region." in out


@pytest.mark.parametrize(
    "argv",
    [
        ("list",),
        ("show", "Kent draft"),
        ("versions", "Kent draft"),
        ("diff", "Kent draft", "1", "2"),
        ("restore", "Kent draft", "1"),
    ],
)
def test_a_command_on_a_store_that_does_not_exist_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    """`plans list --store new/dir/x.sqlite` made the folders and an empty store, then said it
    held no plans: a typo in the path read as an empty store, and left files behind."""
    where = tmp_path / "new" / "dir" / "x.sqlite"
    status, out, err = run(capsys, "plans", *argv, "--store", str(where))
    assert status == EXIT_BAD_INPUT and out == ""
    assert f"there is no plan store at {where}" in err and "nothing was created" in err
    assert "footprints plans import NAME PLAN.csv --store" in err
    assert not (tmp_path / "new").exists()


def test_another_areas_plan_is_not_saved_as_a_version_of_this_one(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """North West London's plan imported as a new version of 'Kent draft' (no region given)
    was saved: 'Saved nwl_plan.csv as version 2 of plan 'Kent draft' (347 practices ...)'."""
    store = ["--store", str(tmp_path / "plans.sqlite")]
    assert run(capsys, "plans", "import", "Kent draft", str(plan_file), *store)[0] == 0
    other = tmp_path / "nwl_plan.csv"
    other.write_text("practice_code,network_id\nE84002,U1\nE84003,U1\n", encoding="utf-8")
    status, out, err = run(capsys, "plans", "import", "Kent draft", str(other), *store)
    assert status == EXIT_BAD_INPUT and "Saved" not in out
    assert "places 2 practices, none of the 12 practices of plan 'Kent draft'" in err
    assert "import it under another name" in err
    with Store(str(tmp_path / "plans.sqlite")) as opened:
        assert opened.open("Kent draft").version().info.number == 1
    moved = tmp_path / "moved.csv"  # a plan sharing practices is a new version, as before
    moved.write_text("practice_code,network_id\nP000,N1\nP001,N1\n", encoding="utf-8")
    assert run(capsys, "plans", "import", "Kent draft", str(moved), *store)[0] == 0


def test_export_without_the_region_names_the_files_the_plan_was_saved_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """plans export of a plan imported on its region's files said only '--practices and
    --boundaries required (or --demo for the demo region)': the user had to find the files."""
    store = ["--store", str(tmp_path / "plans.sqlite")]
    practices, boundaries = DEMO / "practices.csv", DEMO / "ccg.geojson"
    region = ["--practices", str(practices), "--boundaries", str(boundaries)]
    demo_plan = str(DEMO / "current_plan.csv")
    assert run(capsys, "plans", "import", "demo", demo_plan, *store, *region)[0] == 0
    out = ["--out", str(tmp_path / "plan.geojson")]
    status, _, err = run(capsys, "plans", "export", "demo", *store, *out)
    assert status == EXIT_BAD_INPUT
    assert "plans export needs the region's files: give --practices and --boundaries" in err
    assert f"--boundaries {boundaries.resolve()} --practices {practices.resolve()}" in err
    assert run(capsys, "plans", "export", "demo", *store, *out, *region)[0] == 0


def test_a_folder_or_an_in_memory_database_is_no_store(
    tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--store FOLDER was 'unable to open database file — check that the database is
    running and reachable'; --store sqlite:// saved a plan ('Saved ... as version 1') into a
    database gone when the command ended."""
    status, out, err = run(capsys, "plans", "list", "--store", str(tmp_path))
    assert status == EXIT_BAD_INPUT
    assert f"--store names the folder {tmp_path}, not a plan store's file" in err
    assert f"e.g. {tmp_path / 'plans.sqlite'}" in err
    for memory in ("sqlite://", "sqlite:///:memory:"):
        status, out, err = run(capsys, "plans", "import", "x", str(plan_file), "--store", memory)
        assert status == EXIT_BAD_INPUT and "Saved" not in out
        assert "is an in-memory database: nothing saved in it outlives the command" in err


def test_an_import_racing_another_save_is_saved_on_top_of_it(
    store_url: str,
    plan_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two people import into one plan at the same moment: the later save was refused with
    # library advice ('merge the changes (ConflictError.merge)'), exit 2, nothing saved
    from footprints.store import PlanHandle

    run(capsys, "plans", "import", "p", str(plan_file), "--store", store_url)
    read_head = PlanHandle.head_and_meta
    raced: list[int] = []

    def head_then_another_save(self: PlanHandle):  # type: ignore[no-untyped-def]
        seen = read_head(self)
        if not raced:  # between this import's read of the head and its save
            with Store(store_url) as other:
                handle = other.open("p")
                raced.append(
                    handle.save(
                        grid_plan().moved(["P002"], "N0"), base=seen[0].number, label="theirs"
                    ).number
                )
        return seen

    monkeypatch.setattr(PlanHandle, "head_and_meta", head_then_another_save)
    write_plan(grid_plan().moved(["P001"], "N0"), tmp_path / "mine.csv")
    status, out, err = run(
        capsys, "plans", "import", "p", str(tmp_path / "mine.csv"), "--store", store_url,
        "--label", "mine",
    )  # fmt: skip
    assert status == 0, err
    assert raced == [2]
    assert "Version 2 of plan 'p' (theirs) was saved while this import ran" in out
    assert "as version 3 of plan 'p'" in out
    with Store(store_url) as store:
        handle = store.open("p")
        assert [v.label for v in handle.versions()] == [
            f"import {plan_file.name}",
            "theirs",
            "mine",
        ]
        assert handle.version().plan.assignment["P001"] == "N0"


def test_a_read_only_store_says_so_and_what_to_do(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # it said 'check that the database is running and try again' of a file it may not write
    # (opened read-only here, as a file of another user's or on a read-only share is)
    path = tmp_path / "plans.sqlite"
    run(capsys, "plans", "import", "p", str(plan_file), "--store", str(path))
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    status, _, err = run(capsys, "plans", "import", "p", str(plan_file), "--store", read_only)
    assert status == EXIT_BAD_INPUT
    assert "is read-only (attempt to write a readonly database)" in err
    assert "ask for write access to the file and its folder" in err
    assert "database is running" not in err


def test_a_store_opened_read_only_by_an_sqlite_uri_is_read(
    plan_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 'sqlite:///file:PATH?mode=ro&uri=true' (how a shared store is opened read-only) was
    # called missing ('there is no plan store at file:/…'), and a write through it made
    # the folders file:/… under the working folder
    path = tmp_path / "plans.sqlite"
    run(capsys, "plans", "import", "p", str(plan_file), "--store", str(path))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    status, out, err = run(capsys, "plans", "list", "--store", read_only)
    assert (status, err) == (0, "")
    assert f"1 plan in the store at {path}" in out
    status, _, err = run(capsys, "plans", "import", "p", str(plan_file), "--store", read_only)
    assert status == EXIT_BAD_INPUT and f"the plan store at {path} is read-only" in err
    assert list(work.iterdir()) == []
    missing = f"sqlite:///file:{tmp_path / 'typo.sqlite'}?mode=ro&uri=true"
    status, _, err = run(capsys, "plans", "list", "--store", missing)
    assert status == EXIT_BAD_INPUT
    assert f"there is no plan store at {tmp_path / 'typo.sqlite'}:" in err


def test_a_store_in_a_folder_the_user_may_not_write_says_what_to_do(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a store in WAL mode whose folder the user may not write (another user's, a read-only
    # share) cannot even be read: SQLite makes its -wal and -shm files beside it. Every
    # command said 'check that the database is running and reachable and that the user may
    # create tables'. The user here is the file's owner without write permission; as root,
    # setpriv drops the capabilities that let root write anywhere.
    shared = tmp_path / "shared"
    shared.mkdir()
    path = shared / "plans.sqlite"
    run(capsys, "plans", "import", "p", str(plan_file), "--store", str(path))
    with sqlite3.connect(path) as connection:  # the last one out removes -wal and -shm
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    assert sorted(p.name for p in shared.iterdir()) == ["plans.sqlite"]
    path.chmod(0o444)
    shared.chmod(0o555)
    before = path.read_bytes()
    as_a_user = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
        if os.geteuid() == 0
        else []
    )
    try:
        for command in (["list"], ["import", "p", str(plan_file)]):
            done = subprocess.run(
                [*as_a_user, sys.executable, "-m", "footprints", "plans", *command,
                 "--store", str(path)],
                capture_output=True, text=True, check=False, timeout=120,
            )  # fmt: skip
            assert done.returncode == EXIT_BAD_INPUT, done.stderr
            assert f"the plan store at {path} cannot be opened" in done.stderr
            assert "beside the store even to read it" in done.stderr
            assert "ask for write access to the file and its folder, or copy" in done.stderr
            assert "database is running" not in done.stderr
        assert path.read_bytes() == before
    finally:
        shared.chmod(0o755)


def test_a_store_on_a_full_disk_says_the_disk_is_full(
    plan_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # on a full 64 KB tmpfs SQLite said 'database or disk is full', given with 'check that
    # the database is running and reachable and that the user may create tables'
    import sqlalchemy as sa

    from footprints.store import schema

    def full(*args: object, **kwargs: object) -> None:
        raise sa.exc.OperationalError(
            "CREATE TABLE store_info", {}, sqlite3.OperationalError("database or disk is full")
        )

    monkeypatch.setattr(schema.metadata, "create_all", full)
    path = tmp_path / "plans.sqlite"
    status, _, err = run(capsys, "plans", "import", "p", str(plan_file), "--store", str(path))
    assert status == EXIT_BAD_INPUT
    assert (
        f"the disk holding the plan store at {path} is full (database or disk is full) — "
        "nothing was saved; free some space, or give --store a file on another disk"
    ) in err
    assert "database is running" not in err


def test_import_missing_the_name_or_the_file_says_which_in_words(
    store_url: str, plan_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``plans import plan.csv`` took the file for the plan's name and answered 'the
    following arguments are required: file' to a user who had given the file."""
    status, _, err = run(capsys, "plans", "import", str(plan_file), "--store", store_url)
    assert status == EXIT_BAD_INPUT
    assert (
        f"plans import {plan_file}: give the plan's name first, then the file "
        f"(footprints plans import NAME {plan_file})" in err
    )
    assert "arguments are required" not in err
    status, _, err = run(capsys, "plans", "import", "Kent draft", "--store", store_url)
    assert status == EXIT_BAD_INPUT
    assert "give the plan file after the plan's name (footprints plans import Kent draft " in err
    with Store(store_url) as store:
        assert not store.exists("Kent draft")  # nothing saved
