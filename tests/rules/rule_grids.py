"""Hand-made practice grids and plans for the rule tests, and a hypothesis strategy of cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
from hypothesis import strategies as st

from footprints.plan import Band, Plan


def code_at(row: int, col: int) -> str:
    """The practice code at ``row``, ``col``: ``P<row><col>``."""
    return f"P{row}{col}"


def grid(
    rows: int,
    cols: int,
    sizes: Sequence[int] | int = 10_000,
    *,
    ccg: Mapping[str, str | None] | None = None,
    stp: Mapping[str, str | None] | None = None,
    patch: Mapping[str, str | None] | None = None,
) -> nx.Graph:
    """A rows x cols grid of practices ``P<row><col>``, 1 km apart, rook adjacency."""
    graph = nx.Graph(area="C1", level="ccg", island_links=0)
    codes = [code_at(r, c) for r in range(rows) for c in range(cols)]
    for i, code in enumerate(codes):
        r, c = int(code[1]), int(code[2])
        graph.add_node(
            code,
            list_size=sizes if isinstance(sizes, int) else sizes[i],
            x=1000.0 * c,
            y=1000.0 * r,
            ccg=(ccg or {}).get(code, "C1"),
            stp=(stp or {}).get(code, "S1"),
            patch=(patch or {}).get(code),
            name=f"Surgery {code}",
        )
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                graph.add_edge(code_at(r, c), code_at(r, c + 1), kind="border", border_m=1000.0)
            if r + 1 < rows:
                graph.add_edge(code_at(r, c), code_at(r + 1, c), kind="border", border_m=1000.0)
    return graph


def by_rows(rows: int, cols: int) -> Plan:
    """One network per grid row: N0, N1, ..."""
    return Plan({code_at(r, c): f"N{r}" for r in range(rows) for c in range(cols)})


CCG_SPLITS = st.integers(0, 5)


@st.composite
def cases(draw: st.DrawFn) -> tuple[nx.Graph, Plan, Band, bool]:
    """A random grid (sizes, CCG/STP splits, patches), a plan on it, a band, allow_crossing."""
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    codes = [code_at(r, c) for r in range(rows) for c in range(cols)]
    sizes = draw(st.lists(st.integers(0, 20_000), min_size=len(codes), max_size=len(codes)))
    split_col, split_row = draw(CCG_SPLITS), draw(CCG_SPLITS)
    ccg = {c: ("C1" if int(c[2]) < split_col else "C2") for c in codes}
    stp = {c: ("S1" if int(c[1]) < split_row else "S2") for c in codes}
    labels = st.sampled_from(["A", "B", "C", None])
    patch = dict(
        zip(codes, draw(st.lists(labels, min_size=len(codes), max_size=len(codes))), strict=True)
    )
    graph = grid(rows, cols, sizes, ccg=ccg, stp=stp, patch=patch)
    choices = st.sampled_from(["N1", "N2", "N3", "N4", "", None, "absent"])
    assignment = {}
    for code, network in zip(
        codes, draw(st.lists(choices, min_size=len(codes), max_size=len(codes))), strict=True
    ):
        if network != "absent":
            assignment[code] = network
    for unknown in draw(st.lists(st.sampled_from(["Z1", "Z2", "Z3"]), unique=True)):
        assignment[unknown] = draw(st.sampled_from(["N1", "N5", ""]))
    low = draw(st.integers(0, 40_000))
    band = Band(low, low + draw(st.integers(0, 40_000)))
    return graph, Plan(assignment), band, draw(st.booleans())
