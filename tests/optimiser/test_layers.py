"""The optimiser's stages depend one way: each module imports only the stages before it."""

from __future__ import annotations

import ast
from pathlib import Path

import footprints.optimiser

#: The stages in order; a module may import (at any depth of its code) only earlier ones.
LAYERS = [
    "deadline",
    "candidates",
    "settings",
    "costs",
    "pieces",
    "problem",
    "compiled",
    "compliance",
    "move_floor",
    "move_cuts",
    "nesting",
    "columns",
    "master",
    "cpsat",
    "diving",
    "fixing",
    "construct",
    "territories",
    "reshape",
    "search_costs",
    "band_restore",
    "improve",
    "farley",
    "shaping",
    "pools",
    "rowcuts",
    "proof",
    "fallback",
    "pricing",
    "colgen",
    "pricedproof",
    "neighbourhoods",
    "measures",
    "least_start",
    "priorities",
    "curve",
    "explain",
    "changes",
    "area",
    "seed",
    "pool",
]
PACKAGE = Path(footprints.optimiser.__file__).parent


def _imported_stages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("footprints.optimiser."):
                found.add(node.module.split(".")[2])
            elif node.module == "footprints.optimiser":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("footprints.optimiser.")
            )
    return found


def test_every_module_is_a_listed_stage() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYERS)


def test_each_stage_imports_only_earlier_stages() -> None:
    for k, stage in enumerate(LAYERS):
        imported = _imported_stages(PACKAGE / f"{stage}.py")
        later = sorted(imported - set(LAYERS[:k]))
        assert not later, f"{stage} imports {later}, which come after it"
