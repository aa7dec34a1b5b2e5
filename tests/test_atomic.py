"""Atomic outputs: a write that fails half-way, or a process killed mid-write, keeps the old file.

Each writer of the tool is made to fail after it has written some bytes (the disk fills:
``OSError(ENOSPC)``); the previous file must be intact, no temporary file left, and the
error an :class:`~footprints.errors.OutputError` naming the file. A child process exporting
GeoPackages is also killed at random moments: the file is always a whole plan.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.backends.backend_pdf as backend_pdf
import pyogrio
import pytest

import footprints.atomic as atomic
from footprints.atomic import PARTIAL_MARK, check_writable, replacing, write_text
from footprints.demo import copy_demo, load_demo
from footprints.errors import OutputError
from footprints.export import write_epcn, write_geojson, write_geopackage
from footprints.io import read_plan, write_plan
from footprints.plan import Plan
from footprints.region import Region
from footprints.report import write_pack


@pytest.fixture(scope="module")
def demo() -> Region:
    return load_demo()


def _full_disk(path: Any = None) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", None if path is None else str(path))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if PARTIAL_MARK in p.name)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ---- the helper ------------------------------------------------------------------------------


def test_replacing_commits_every_file_only_when_all_are_written(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")
    second.write_text("old b")
    with pytest.raises(RuntimeError), replacing(first, second) as (new_a, new_b):
        new_a.write_text("new a")
        raise RuntimeError("the second file never gets written")
    assert (first.read_text(), second.read_text()) == ("old a", "old b")
    with replacing(first, second) as (new_a, new_b):
        new_a.write_text("new a")
        new_b.write_text("new b")
        assert PARTIAL_MARK in new_a.name and new_a.parent == tmp_path
        assert new_a.suffix == ".txt"  # GDAL chooses a driver by the extension
    assert (first.read_text(), second.read_text()) == ("new a", "new b")
    assert _leftovers(tmp_path) == []


def test_an_oserror_while_writing_is_an_output_error_naming_the_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old")
    with pytest.raises(OutputError) as caught, replacing(target) as (temporary,):
        temporary.write_text("half a fi")
        raise _full_disk(temporary)
    assert str(caught.value).startswith(f"cannot write {target}: the disk is full")
    assert caught.value.errno == errno.ENOSPC
    assert isinstance(caught.value, OSError)
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_found_when_flushing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.csv"
    write_text(target, "old\n")

    def no_room(fd: int) -> None:
        raise _full_disk()

    monkeypatch.setattr(atomic.os, "fsync", no_room)
    with pytest.raises(OutputError, match="the disk is full"):
        write_text(target, "new\n" * 1000)
    assert target.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "target, message",
    [
        ("missing/plan.csv", "does not exist"),
        (".", "it is a folder"),
    ],
)
def test_check_writable_names_the_problem(target: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=message):
        check_writable(tmp_path / target)


def test_check_writable_under_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    # 'the folder notes.txt does not exist — create it first', of a file that exists
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        check_writable(tmp_path / "notes.txt" / "plan.csv")
    assert str(caught.value) == (
        f"cannot write {tmp_path / 'notes.txt' / 'plan.csv'}: {tmp_path / 'notes.txt'} is a "
        "file, not a folder — check the path"
    )


# ---- every writer, made to fail mid-write ----------------------------------------------------


def _fail_on_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills as the finished file is flushed (after all its bytes were written)."""

    def no_room(fd: int) -> None:
        raise _full_disk()

    monkeypatch.setattr(atomic.os, "fsync", no_room)


def _fail_json_half_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills half-way through the first text written to a new text file."""
    real = Path.open

    class HalfWritten:
        def __init__(self, stream: Any) -> None:
            self.stream = stream

        def __getattr__(self, name: str) -> Any:
            return getattr(self.stream, name)

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()

        def write(self, text: str) -> int:
            self.stream.write(text[: len(text) // 2])
            raise _full_disk()

    def opening(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = real(path, mode, *args, **kwargs)
        return HalfWritten(stream) if mode == "x" else stream

    monkeypatch.setattr(Path, "open", opening)


def _fail_second_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    real = pyogrio.write_dataframe
    layers: list[str] = []

    def networks_only(frame: Any, path: Any, **kwargs: Any) -> None:
        layers.append(kwargs["layer"])
        if len(layers) > 1:  # the networks layer is in the file; then the disk fills
            raise pyogrio.errors.DataSourceError(f"{path}: No space left on device")
        real(frame, path, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", networks_only)


def _fail_second_page(monkeypatch: pytest.MonkeyPatch) -> None:
    real = backend_pdf.PdfPages.savefig
    pages: list[int] = []

    def one_page(self: Any, *args: Any, **kwargs: Any) -> None:
        pages.append(1)
        if len(pages) > 1:
            raise _full_disk()
        real(self, *args, **kwargs)

    monkeypatch.setattr(backend_pdf.PdfPages, "savefig", one_page)


Writer = Callable[[Region, Plan, Path], object]
WRITERS: list[tuple[str, str, Writer, Callable[[pytest.MonkeyPatch], None]]] = [
    ("plan CSV", "plan.csv", lambda r, p, path: write_plan(p, path), _fail_on_fsync),
    ("ePCN CSV", "epcn.csv", write_epcn, _fail_on_fsync),
    ("GeoJSON", "plan.geojson", write_geojson, _fail_json_half_way),
    ("GeoJSON flush", "plan.geojson", write_geojson, _fail_on_fsync),
    ("GeoPackage", "plan.gpkg", write_geopackage, _fail_second_layer),
    ("pack PDF", "pack.pdf", write_pack, _fail_second_page),
    ("pack flush", "pack.pdf", write_pack, _fail_on_fsync),
]


@pytest.mark.parametrize("writer", WRITERS, ids=[w[0] for w in WRITERS])
def test_a_writer_failing_mid_write_leaves_the_previous_files_intact(
    writer: tuple[str, str, Writer, Callable[[pytest.MonkeyPatch], None]],
    demo: Region,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, name, write, fail = writer
    assert demo.current is not None
    target = tmp_path / name
    write(demo, demo.current, target)
    before = _snapshot(tmp_path)
    moved = sorted(demo.current.assignment)[0]
    changed = demo.current.moved([moved], "ELSEWHERE")
    with monkeypatch.context() as patch:
        fail(patch)
        with pytest.raises(OutputError) as caught:
            write(demo, changed, target)
    assert f"cannot write {target}" in str(caught.value)
    assert "the disk is full" in str(caught.value)
    assert _snapshot(tmp_path) == before, "the previous files changed"
    assert _leftovers(tmp_path) == []
    if name != "pack.pdf":
        assert read_plan(target) == demo.current


def test_copying_the_demo_onto_a_full_disk_keeps_the_old_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_demo(tmp_path)
    before = _snapshot(tmp_path)
    _fail_on_fsync(monkeypatch)
    with pytest.raises(OutputError):
        copy_demo(tmp_path)
    assert _snapshot(tmp_path) == before
    assert _leftovers(tmp_path) == []


# ---- a real kill -----------------------------------------------------------------------------

# A child that exports the demo's plan, and the same plan with one practice moved, to one
# GeoPackage in turn as fast as it can, printing after each export has returned.
_EXPORTER = textwrap.dedent(
    """
    import sys
    from footprints.demo import load_demo
    from footprints.export import write_geopackage

    demo = load_demo()
    plans = [demo.current, demo.current.moved([sorted(demo.current.assignment)[0]], "MOVED")]
    step = 0
    while True:
        write_geopackage(demo, plans[step % 2], sys.argv[1])
        print(step, flush=True)
        step += 1
    """
)


@pytest.mark.slow
def test_killing_a_geopackage_export_never_leaves_a_partial_plan(
    demo: Region, tmp_path: Path
) -> None:
    assert demo.current is not None
    out = tmp_path / "plan.gpkg"
    expected = [demo.current, demo.current.moved([sorted(demo.current.assignment)[0]], "MOVED")]
    rng = random.Random(17)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _ in range(5):
        with subprocess.Popen(
            [sys.executable, "-c", _EXPORTER, str(out)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip().isdigit()  # one export has completed
            time.sleep(rng.uniform(0.0, 1.0))
            child.send_signal(signal.SIGKILL)
            child.stdout.read()
        assert read_plan(out) in expected  # the last whole export, never a half-written one
    files = {p.name for p in tmp_path.iterdir()}
    assert "plan.gpkg" in files
    # A kill leaves at most the temporary files of interrupted exports, never mistaken for one.
    assert all(PARTIAL_MARK in name for name in files - {"plan.gpkg"})
