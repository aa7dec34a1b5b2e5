"""The package's layers, as docs/ARCHITECTURE.md draws them, and no import cycle anywhere.

Imports are read from the source (``ast``), including those inside functions, so a lazy
import that only hides a cycle is caught too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "footprints"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
#: Never imported by the library: the app's toolkit, the app itself and the repository tools.
FORBIDDEN = ("streamlit", "streamlit_folium", "app", "tools")


def module_name(path: Path, package: Path) -> str:
    """``footprints/io/tables.py`` → ``footprints.io.tables``; a package's ``__init__`` → it."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[tuple[str, str | None]]:
    """Every import in ``path``, wherever it stands: ``(module, name imported from it)``.

    ``import a.b`` gives ``("a.b", None)``; ``from a import b`` gives ``("a", "b")``, with
    relative imports resolved against ``name``, the module's own name.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.update((module, alias.name) for alias in node.names)
    return found


def import_graph(package: Path) -> nx.DiGraph:
    """Module → the package's own modules it imports.

    ``from a import b`` where ``a.b`` is a module imports that module (``a``'s own code
    runs first as the parent of any submodule, so it is no edge of its own); otherwise it
    imports ``a``.
    """
    modules = {module_name(path, package): path for path in sorted(package.rglob("*.py"))}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for module, imported in imports_of(path, name):
            target = f"{module}.{imported}" if f"{module}.{imported}" in modules else module
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Every import cycle, each as its modules in import order."""
    return sorted(sorted(cycle) for cycle in nx.simple_cycles(graph))


def unit(module: str) -> str:
    """The row of the layers table a module belongs to (``footprints.io.nhs`` → ``io``)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "footprints"
    return "cli" if parts[1] == "__main__" else parts[1]


def layers_table(text: str) -> dict[str, set[str]]:
    """The "Layers" table of ARCHITECTURE.md: unit → the units it may import."""
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    allowed: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        depends = cells[2]
        if depends.startswith("("):  # the app and the tools, outside the package
            continue
        targets = set() if depends == "—" else {d.strip() for d in depends.split(",")}
        for name in re.findall(r"`([a-z_]+)(?:\.py|/)`", cells[0]):
            allowed[name] = targets
    return allowed


def undeclared(graph: nx.DiGraph, allowed: Mapping[str, set[str]]) -> list[str]:
    """Imports between units that the table does not allow, as ``a → b`` lines."""
    wrong = set()
    for source, target in graph.edges:
        a, b = unit(source), unit(target)
        if a == b or "footprints" in (a, b):  # inside one unit; the package root (see below)
            continue
        if b not in allowed.get(a, set()):
            wrong.add(f"{a} → {b} ({source} imports {target})")
    return sorted(wrong)


# ---- the package ---------------------------------------------------------------------------


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    found = cycles(import_graph(PACKAGE))
    assert found == [], "import cycles: " + "; ".join(" → ".join(c) for c in found)


def test_every_import_between_modules_is_one_the_layers_table_allows() -> None:
    allowed = layers_table(ARCHITECTURE.read_text(encoding="utf-8"))
    graph = import_graph(PACKAGE)
    assert {unit(m) for m in graph.nodes} - {"footprints"} <= set(allowed), (
        "a module has no row in the layers table of docs/ARCHITECTURE.md"
    )
    assert undeclared(graph, allowed) == []


def test_the_package_root_imports_only_the_bottom_layer() -> None:
    graph = import_graph(PACKAGE)
    assert {unit(t) for t in graph.successors("footprints")} <= {"errors", "plan"}


def test_the_table_runs_one_way() -> None:
    """A unit never depends on a unit listed below it (the table is in layer order)."""
    allowed = layers_table(ARCHITECTURE.read_text(encoding="utf-8"))
    order = list(allowed)
    for position, name in enumerate(order):
        later = set(order[position + 1 :])
        assert not allowed[name] & later, f"{name} depends on {allowed[name] & later}, below it"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_the_library_never_imports_the_app_streamlit_or_the_tools(path: Path) -> None:
    name = module_name(path, PACKAGE)
    roots = {module.split(".")[0] for module, _ in imports_of(path, name)}
    assert not roots & set(FORBIDDEN)


# ---- the checks themselves can fail ------------------------------------------------------


def write_package(folder: Path, files: Mapping[str, str]) -> Path:
    package = folder / "pkg"
    for relative, text in files.items():
        target = package / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return package


def names(items: Iterable[list[str]]) -> list[list[str]]:
    return [sorted(item) for item in items]


def test_a_cycle_is_found_even_through_an_import_inside_a_function(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.b import thing\n",
            "b.py": "def thing():\n    from pkg import a\n    return a\n",
            "c.py": "from . import a\n",
        },
    )
    graph = import_graph(package)
    assert names(cycles(graph)) == [["pkg.a", "pkg.b"]]
    assert graph.has_edge("pkg.c", "pkg.a")  # relative imports resolve


def test_an_import_the_table_does_not_allow_is_reported(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {"__init__.py": "", "low.py": "import pkg.high\n", "high.py": "import pkg.low\n"},
    )
    table = (
        "## Layers\n| module | idea | depends on |\n|---|---|---|\n"
        "| `low.py` | bottom | — |\n| `high.py` | top | low |\n"
    )
    allowed = layers_table(table)
    assert allowed == {"low": set(), "high": {"low"}}
    assert undeclared(import_graph(package), allowed) == ["low → high (pkg.low imports pkg.high)"]
