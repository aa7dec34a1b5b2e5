"""Least change from the command line and in the pack: moves, curves, their JSON and page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import _region_args, small_region  # noqa: F401 (a fixture)
from test_region_homes import write_crossing_inputs

from footprints.cli import main
from footprints.errors import InputError
from footprints.tradeoff import read_changes


def _least(files: dict[str, Path], tmp_path: Path, *extra: str) -> list[str]:
    return [
        "propose",
        *_region_args(files),
        "--plan",
        str(files["split"]),
        "--repair",
        "--least-change",
        "--time-limit",
        "20",
        "--processes",
        "1",
        "--out",
        str(tmp_path / "fixed.csv"),
        *extra,
    ]


def test_least_change_prints_the_moves_and_the_curve_and_writes_json(
    small_region: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """West (T00001, T00003) and East (T00002, T00004) have 20,000 each: join them."""
    out = tmp_path / "changes.json"
    assert main(_least(small_region, tmp_path, "--curve-json", str(out))) == 0
    text = capsys.readouterr().out
    assert "Least change: 2 practices moved, the proved minimum." in text
    assert "Practices moved in E38999999 (2):" in text
    assert "it fixes N2, which has 20,000 patients, 10,000 below the minimum 30,000" in text
    assert "What change buys in E38999999" in text
    changes = read_changes(out)
    change = changes["E38999999"]
    assert change.fewest is not None and (change.fewest.value, change.fewest.proved) == (2, True)
    assert [(p.budget_from, p.out_of_band, p.in_band) for p in change.curve] == [
        (0, 2, 0),
        (1, 1, 1),
        (2, 0, 1),
    ]
    assert sorted(m.practice for m in change.moved) == ["T00002", "T00004"]
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["areas"][0]["area"] == "E38999999"
    assert written["geography"] == "voronoi"  # the model the moves were planned on


def test_the_changes_file_says_it_was_planned_on_patients_homes(tmp_path: Path) -> None:
    """tests/test_region_homes.py's grid, on registration geography: the JSON says so."""
    paths = write_crossing_inputs(tmp_path)
    out = tmp_path / "changes.json"
    command = ["propose", "--practices", str(paths["practices"]), "--boundaries"]
    command += [str(paths["ccg"]), "--registrations", str(paths["registrations"])]
    command += ["--lsoa-boundaries", str(paths["lsoa"]), "--plan", str(paths["plan"])]
    command += ["--repair", "--least-change", "--min", "0", "--time-limit", "5"]
    command += ["--processes", "1", "--out", str(tmp_path / "fixed.csv")]
    assert main([*command, "--curve-json", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["geography"] == "registrations"
    assert sorted(area["area"] for area in written["areas"]) == ["E38000001", "E38000002"]
    assert set(read_changes(out)) == {"E38000001", "E38000002"}  # read back as before


def test_the_pack_gains_a_page_on_what_change_buys(
    small_region: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    changes = tmp_path / "changes.json"
    assert main(_least(small_region, tmp_path, "--curve-json", str(changes))) == 0
    pack = tmp_path / "pack.pdf"
    args = ["report", *_region_args(small_region), "--plan", str(tmp_path / "fixed.csv")]
    assert main([*args, "--curve", str(changes), "--out", str(pack)]) == 0
    page = pack.with_suffix(".html").read_text(encoding="utf-8")
    assert "What change buys" in page
    assert "moves 2 practices (proved to be the fewest)" in page
    assert "T00002 (10,000 patients) moves from N2" in page
    assert pack.stat().st_size > 0


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--max-moves", "3"], "--least-change finds the fewest moves itself"),
        (["--curve-json", "changes.csv"], "--curve-json changes.csv: the name must end with .json"),
    ],
)
def test_options_that_do_not_go_together_exit_2(
    small_region: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    words: str,
) -> None:
    assert main(_least(small_region, tmp_path, *extra)) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "fixed.csv").exists()


@pytest.mark.parametrize(
    ("flag", "needs"),
    [
        ("--least-change", "--least-change needs --repair"),
        ("--curve", "--curve needs --repair --least-change"),
        ("--fewest-patients", "--fewest-patients needs --repair --least-change"),
    ],
)
def test_least_change_options_need_repair(
    small_region: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    needs: str,
) -> None:
    args = ["propose", *_region_args(small_region), "--out", str(tmp_path / "p.csv"), flag]
    assert main(args) == 2
    assert needs in capsys.readouterr().err


def test_a_bad_changes_file_names_the_file_and_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "changes.json"
    path.write_text('{"areas": [{"area": "E1", "curve": [{"moves": 1}]}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"changes.json \(E1\): an entry has moves — give"):
        read_changes(path)
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read as JSON"):
        read_changes(path)
