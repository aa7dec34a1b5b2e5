"""The reality report (benchmarks/reality.py) against independent counts from the raw data.

The validator's figures on the real 2020 PCN plan are checked against plain pandas over the
raw practices CSV and a BFS over the adjacency graph written here; the registration
geography of the 2021 real networks (containment, territories in pieces) against plain
pandas over the raw LSOA registrations and geopandas over the LSOA polygons; and REALITY.md
is checked to be current. England (2020, and 2021 with its registrations) is loaded once
per module.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.realdata

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "reality.py"

# The published join checks of ../shared/data/README.md (2020 snapshot).
PUBLISHED_BANDS = {"below": 86, "within": 730, "above": 434}
PUBLISHED_NETWORKS = 1_250
PUBLISHED_CROSS_CCG = 10
PUBLISHED_CROSS_STP = 4
PUBLISHED_UNALLOCATED = 61


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reality_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> Iterator[ModuleType]:
    module = _load_script()
    yield module
    sys.modules.pop(module.__name__, None)


@pytest.fixture(scope="module")
def reality(script: ModuleType, shared_data: Path) -> Any:
    return script.compute(shared_data)


@pytest.fixture(scope="module")
def raw(shared_data: Path) -> pd.DataFrame:
    """The raw practices CSV, read with plain pandas (no footprints code)."""
    return pd.read_csv(
        shared_data / "practices" / "practices_2020.csv",
        dtype={"practice_code": str, "pcn_code": str, "ccg20_code": str, "stp20_code": str},
    )


@pytest.fixture(scope="module")
def allocated(raw: pd.DataFrame) -> pd.DataFrame:
    return raw[raw["pcn_code"] != "U"]


def test_band_counts_match_raw_csv_and_published_figures(
    reality: Any, allocated: pd.DataFrame, raw: pd.DataFrame
) -> None:
    population = allocated.groupby("pcn_code")["list_size_2020_01"].sum()
    independent = {
        "below": int((population < 30_000).sum()),
        "within": int(population.between(30_000, 50_000).sum()),
        "above": int((population > 50_000).sum()),
    }
    summary = reality.report.summary
    validator = {"below": summary["below"], "within": summary["in_band"], "above": summary["above"]}
    assert independent == validator
    assert independent == PUBLISHED_BANDS
    assert summary["networks"] == len(population) == PUBLISHED_NETWORKS

    unassigned = [v for v in reality.report.by_rule("coverage") if v.values["kind"] == "unassigned"]
    assert len(unassigned) == 1
    raw_unallocated = set(raw.loc[raw["pcn_code"] == "U", "practice_code"])
    assert set(unassigned[0].practices) == raw_unallocated
    assert len(raw_unallocated) == PUBLISHED_UNALLOCATED


def test_crossings_match_raw_csv(reality: Any, allocated: pd.DataFrame) -> None:
    per_network = allocated.groupby("pcn_code")[["ccg20_code", "stp20_code"]].nunique()
    cross_ccg = set(per_network.index[per_network["ccg20_code"] > 1])
    cross_stp = set(per_network.index[per_network["stp20_code"] > 1])

    boundary = reality.report.by_rule("boundary")
    assert {v.networks[0] for v in boundary if "ccg" in v.values["levels"]} == cross_ccg
    assert {v.networks[0] for v in boundary if "stp" in v.values["levels"]} == cross_stp
    assert len(cross_ccg) == PUBLISHED_CROSS_CCG
    assert len(cross_stp) == PUBLISHED_CROSS_STP


def _parts(graph: Any, members: set[str]) -> int:
    """Connected pieces of ``members`` in ``graph``, by breadth-first search."""
    unseen = set(members)
    pieces = 0
    while unseen:
        pieces += 1
        queue = deque([unseen.pop()])
        while queue:
            for neighbour in graph.adj[queue.popleft()]:
                if neighbour in unseen:
                    unseen.remove(neighbour)
                    queue.append(neighbour)
    return pieces


def test_contiguity_matches_independent_bfs(reality: Any, allocated: pd.DataFrame) -> None:
    graph = reality.region.validation_graph
    members = allocated.groupby("pcn_code")["practice_code"].agg(set)
    pieces = {network: _parts(graph, codes & set(graph)) for network, codes in members.items()}

    reported = {v.networks[0]: v.values["part_count"] for v in reality.report.by_rule("contiguity")}
    assert reported == {n: k for n, k in pieces.items() if k > 1}
    assert all(pieces[n] == 1 for n in set(pieces) - set(reported))
    # CCG graphs are joined where catchments meet across a CCG border, so a network that
    # crosses one is judged on its footprint (and reported as a crossing, not a split).
    across = [(a, b) for a, b, kind in graph.edges(data="kind") if kind == "area_border"]
    assert across
    assert all(graph.nodes[a]["ccg"] != graph.nodes[b]["ccg"] for a, b in across)
    assert any(graph.nodes[a]["stp"] != graph.nodes[b]["stp"] for a, b in across)


def test_patch_rule_agrees_with_patch_alignment(reality: Any) -> None:
    flagged = {v.networks[0] for v in reality.report.by_rule("patch")}
    assert flagged == set(reality.alignment.straddling_networks)
    straddling = sum(v.values["straddling_population"] for v in reality.report.by_rule("patch"))
    assert straddling == reality.alignment.total_straddling_population


def test_reality_md_is_current(script: ModuleType, reality: Any) -> None:
    path = REPO / "REALITY.md"
    assert path.is_file(), "REALITY.md is missing: run benchmarks/reality.py"
    stated = script.parse_summary(path.read_text(encoding="utf-8"))
    assert stated == script.summary(reality), (
        "REALITY.md is out of date: re-run "
        "`.venv/bin/python benchmarks/reality.py --data ../shared/data --out REALITY.md`"
    )


# ---- registration geography: the 2021 real networks with the January 2021 LSOA file ---------


@pytest.fixture(scope="module")
def homes_2021(reality: Any) -> Any:
    (judged,) = [item for item in reality.geographies if item.snapshot == "2021"]
    return judged


@pytest.fixture(scope="module")
def independent_2021(shared_data: Path) -> dict[str, Any]:
    """Territories, containment and territory pieces by plain pandas and geopandas.

    Plurality LSOAs (ties: the network with the larger list size, then the lower code),
    LSOA adjacency by polygons within 2 m of each other (each grown by 1 m), pieces by a
    union-find: no footprints code.
    """
    practices = pd.read_csv(
        shared_data / "practices" / "practices_2021.csv",
        dtype={"practice_code": str, "pcn_code": str},
    )
    members = practices[practices["pcn_code"] != "U"]
    network_of = members.set_index("practice_code")["pcn_code"]
    size = members.groupby("pcn_code")["list_size_2021_01_gpreg"].sum()
    rows = pd.read_csv(
        shared_data / "registrations" / "gp-reg-pat-prac-lsoa-all_2021-01.csv.gz",
        dtype={"PRACTICE_CODE": str, "LSOA_CODE": str},
    )
    rows = rows[
        rows["LSOA_CODE"].str.startswith("E01") & rows["PRACTICE_CODE"].isin(network_of.index)
    ]
    rows = rows.assign(network=rows["PRACTICE_CODE"].map(network_of))
    per = rows.groupby(["LSOA_CODE", "network"], as_index=False)["NUMBER_OF_PATIENTS"].sum()
    per["size"] = per["network"].map(size)
    per = per.sort_values(
        ["LSOA_CODE", "NUMBER_OF_PATIENTS", "size", "network"],
        ascending=[True, False, False, True],
    )
    winners = per.drop_duplicates("LSOA_CODE")
    patients = per.groupby("network")["NUMBER_OF_PATIENTS"].sum()
    held = winners.groupby("network")["NUMBER_OF_PATIENTS"].sum().reindex(patients.index)
    containment = (held.fillna(0) / patients).to_dict()

    polygons = gpd.read_file(shared_data / "lsoa" / "lsoa2011_bgc_england_simplified.geojson")
    polygons = polygons.to_crs("EPSG:27700")
    grown = polygons.geometry.buffer(1.0)
    left, right = grown.sindex.query(grown, predicate="intersects")
    codes = polygons["LSOA11CD"].to_numpy()
    owner = dict(zip(winners["LSOA_CODE"], winners["network"], strict=True))
    count = dict(zip(winners["LSOA_CODE"], winners["NUMBER_OF_PATIENTS"], strict=True))
    parent = {code: code for code in owner}

    def root(code: str) -> str:
        while parent[code] != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    for a, b in zip(codes[left], codes[right], strict=True):
        if a in owner and b in owner and owner[a] == owner[b]:
            parent[root(a)] = root(b)
    pieces: dict[str, dict[str, int]] = {}
    for code, network in owner.items():
        piece = pieces.setdefault(network, {})
        piece[root(code)] = piece.get(root(code), 0) + int(count[code])
    failing = {
        network
        for network, piece in pieces.items()
        if max(piece.values()) < 0.95 * sum(piece.values())
    }
    in_pieces = {network for network, piece in pieces.items() if len(piece) > 1}
    return {"containment": containment, "failing": failing, "in_pieces": in_pieces}


def test_containment_of_the_2021_networks_matches_an_independent_count(
    script: ModuleType, homes_2021: Any, independent_2021: dict[str, Any]
) -> None:
    contained = homes_2021.contained.networks
    expected = independent_2021["containment"]
    assert set(contained) == set(expected) and len(expected) == 1_251
    assert all(contained[n] == pytest.approx(expected[n], abs=1e-12) for n in expected)
    shares = list(expected.values())
    median, p10 = statistics.median(shares), float(np.percentile(shares, 10))
    assert median == pytest.approx(0.77, abs=0.01)  # DESIGN.md's reference figures
    assert p10 == pytest.approx(0.47, abs=0.01)
    figures = script.geographies_summary([homes_2021])["2021"]
    assert figures["containment_median"] == round(median, 4)
    assert figures["containment_p10"] == round(p10, 4)


def test_territory_pieces_of_the_2021_networks_match_an_independent_count(
    homes_2021: Any, independent_2021: dict[str, Any]
) -> None:
    failing = {v.networks[0] for v in homes_2021.homes.by_rule("territory")}
    assert failing == independent_2021["failing"] == set(homes_2021.contained.failing)
    parts = homes_2021.contained.territory_parts
    assert {n for n, k in parts.items() if k > 1} == independent_2021["in_pieces"]
    assert homes_2021.fallback == 0  # every 2021 practice is in the January 2021 file


def test_the_2020_snapshot_says_how_many_practices_got_the_fallback(reality: Any) -> None:
    (judged,) = [item for item in reality.geographies if item.snapshot == "2020"]
    codes = set(reality.region.practices["code"])
    listed = set(
        pd.read_csv(
            reality.data / "registrations" / "gp-reg-pat-prac-lsoa-all_2021-01.csv.gz",
            usecols=["PRACTICE_CODE"],
            dtype=str,
        )["PRACTICE_CODE"]
    )
    assert judged.fallback == len(codes - listed) == 110  # the data README's count
    assert judged.region.homes.fallback == frozenset(codes - listed)
