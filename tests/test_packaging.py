"""The built wheel: the whole package and its demo data, without the repository's tools or app.

The wheel is built from a copy of the working tree (so no ``build/`` folder is left behind or
reused), unpacked, and imported from another folder with ``HOME`` pointing at an empty one:
the installed package must find the demo region as package data and write nothing there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from footprints.demo import DemoFiles

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "boundaries" / "demo"
DEMO_FILES = tuple(path.name for path in vars(DemoFiles.in_folder(SHIPPED)).values())
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of the project, built without build isolation (the venv's setuptools)."""
    source = tmp_path_factory.mktemp("source") / "footprints"
    shutil.copytree(REPO, source, ignore=NOT_COPIED)
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--quiet", "-w", str(out), str(source)]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("footprints-*.whl")
    return path


@pytest.fixture(scope="module")
def unpacked(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel's contents: what ``pip install`` puts in site-packages."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_holds_the_demo_files_as_package_data(wheel: Path) -> None:
    names = _names(wheel)
    demo = sorted(n.removeprefix("footprints/demo_data/") for n in names if "/demo_data/" in n)
    assert demo == sorted([*DEMO_FILES, "__init__.py"])
    with zipfile.ZipFile(wheel) as archive:
        for name in DEMO_FILES:
            packed = archive.read(f"footprints/demo_data/{name}")
            assert packed == (SHIPPED / name).read_bytes(), name


def test_wheel_holds_every_module_of_the_package(wheel: Path) -> None:
    """pyproject.toml lists the packages by name: a new subpackage must be added there."""
    names = set(_names(wheel))
    modules = sorted(
        path.relative_to(REPO).as_posix()
        for path in (REPO / "footprints").rglob("*.py")
        if "__pycache__" not in path.parts
    )
    missing = [m for m in modules if m not in names]
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
    assert "footprints/py.typed" in names or not (REPO / "footprints" / "py.typed").exists()


def test_wheel_holds_neither_tools_nor_the_app(wheel: Path) -> None:
    top = {name.split("/")[0] for name in _names(wheel)}
    assert {t for t in top if not t.endswith(".dist-info")} == {"footprints"}
    assert not any(t in top for t in ("tools", "app", "app.py", "boundaries", "tests"))


def _run(code: list[str], site: Path, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """Run Python with only the unpacked wheel and the venv's dependencies to import from.

    ``-S`` skips the venv's ``.pth`` files, so the editable install's finder cannot fill in
    a module the wheel lacks from the checkout.
    """
    dependencies = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPLCONFIGDIR"))}
    env.update(PYTHONPATH=os.pathsep.join([str(site), *dependencies]), HOME=str(home))
    return subprocess.run(
        [sys.executable, "-S", *code], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_installed_package_loads_the_demo_without_writing_home(
    unpacked: Path, tmp_path: Path
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    script = (
        "import json, footprints\n"
        "from footprints.demo import load_demo\n"
        "region = load_demo()\n"
        "print(json.dumps({'package': footprints.__file__, 'ccgs': len(region.ccgs),\n"
        "    'practices': sorted(region.practices['code']),\n"
        "    'planned': sorted(region.current.assignment)}))\n"
    )
    done = _run(["-c", script], unpacked, work, home)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert Path(loaded["package"]).is_relative_to(unpacked)  # not the editable checkout
    with (SHIPPED / "practices.csv").open(encoding="utf-8") as handle:
        codes = sorted(line.split(",")[0] for line in list(handle)[1:])
    assert loaded["ccgs"] == 3
    assert loaded["practices"] == codes and loaded["planned"] == codes
    assert not list(home.iterdir()) and not list(work.iterdir())


def test_installed_cli_copies_the_demo(unpacked: Path, tmp_path: Path) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    done = _run(["-m", "footprints", "demo", "--out", "demo"], unpacked, work, home)
    assert done.returncode == 0, done.stderr
    for name in DEMO_FILES:
        assert (work / "demo" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert sorted(p.name for p in (work / "demo").iterdir()) == sorted(DEMO_FILES)
    assert not list(home.iterdir())
