"""footprints.io depends on errors, atomic, crs and plan only; its modules depend one way.

Each module is imported in a fresh interpreter (and every plan format is read in one), then
``sys.modules`` must hold none of the modules that depend on io: an import hidden in a
function body (as ``read_plan`` once imported ``footprints.export``) fails here too.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

import footprints.io

IO_DIR = Path(footprints.io.__file__).resolve().parent
#: The package's modules in dependency order: each imports only modules before it.
LAYERS = [
    "cells",
    "tables",
    "archives",
    "columns",
    "postcodes",
    "practices",
    "nhs",
    "boundaries",
    "registrations",
    "geoplans",
    "plans",
    "waivers",
]
#: Modules of footprints that import footprints.io: io must never load them.
DEPENDENTS = {"footprints.export", "footprints.region", "footprints.metrics", "footprints.rules"}
#: The only modules of footprints outside the package that io may import.
ALLOWED = {"footprints.errors", "footprints.atomic", "footprints.crs", "footprints.plan"}


def _loaded_after(code: str, folder: Path) -> set[str]:
    """The modules ``sys.modules`` holds after ``code`` runs in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,  # a generous ceiling: a loaded machine imports slowly
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return set(json.loads(completed.stdout.splitlines()[-1]))


def _project_imports(path: Path) -> set[str]:
    """Every ``footprints…`` module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
    return {name for name in names if name.split(".")[0] == "footprints"}


def test_the_layers_name_every_module() -> None:
    assert {p.stem for p in IO_DIR.glob("*.py")} == {*LAYERS, "__init__"}


@pytest.mark.parametrize("module", [*LAYERS, "__init__"])
def test_each_module_imports_only_errors_atomic_crs_plan_and_lower_layers(module: str) -> None:
    lower = LAYERS[: LAYERS.index(module)] if module in LAYERS else LAYERS
    allowed = ALLOWED | {f"footprints.io.{name}" for name in lower}
    imported = _project_imports(IO_DIR / f"{module}.py")
    assert imported <= allowed, f"footprints.io.{module} imports {sorted(imported - allowed)}"


@pytest.mark.parametrize("module", ["footprints.io", *(f"footprints.io.{m}" for m in LAYERS)])
def test_importing_loads_no_dependent_module(module: str, tmp_path: Path) -> None:
    loaded = _loaded_after(f"import {module}", tmp_path)
    assert module in loaded
    assert not loaded & DEPENDENTS, sorted(loaded & DEPENDENTS)


def test_reading_every_plan_format_loads_no_dependent_module(
    test_data: Path, tmp_path: Path
) -> None:
    points = gpd.GeoDataFrame(
        {"practice_code": ["A1", "B2"], "network_id": ["N1", "N1"]},
        geometry=[Point(450_000, 500_000), Point(451_000, 500_000)],
        crs="EPSG:27700",
    )
    points.to_file(tmp_path / "plan.gpkg", layer="practices", engine="pyogrio")
    points.to_crs("EPSG:4326").to_file(tmp_path / "plan.geojson", engine="pyogrio")
    paths = [
        tmp_path / "plan.gpkg",
        tmp_path / "plan.geojson",
        test_data / "io_plan_valid.csv",
        test_data / "io_epcn_core_partner.csv",
    ]
    code = "from footprints.io import read_plan\n" + "".join(
        f"assert len(read_plan({str(path)!r})) > 0\n" for path in paths
    )
    loaded = _loaded_after(code, tmp_path)
    assert not loaded & DEPENDENTS, sorted(loaded & DEPENDENTS)
