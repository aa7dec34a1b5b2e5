"""The reality report: validate the real 2020 PCN configuration of all England.

Loads the 2020 snapshot in ``../shared/data`` (6,720 practices, their PCN as at QOF 2019-20,
135 CCGs, 42 STPs) through :func:`footprints.region.load_region`, with the 314 local
authority districts of April 2020 standing in for community nursing patches (no open patch
polygons exist). The real plan is validated with :func:`footprints.rules.validate` on the
region's validation graph (the CCG graphs joined across borders) and measured with
:mod:`footprints.metrics`; every figure of the report comes from that :class:`Report` and
those metrics. Then the real networks of the 2021 and 2020 snapshots are judged again on
registration geography (the January 2021 LSOA registrations; ``reality_homes.py``), beside
the Voronoi figures. The report ends with a fenced ``json`` block of the counts, which
``tests/test_reality.py`` recomputes to check that the committed report is current.

Run: ``.venv/bin/python benchmarks/reality.py --data ../shared/data --out REALITY.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from footprints.metrics import PatchAlignment, network_table, patch_alignment
from footprints.plan import Band, Plan
from footprints.region import Region
from footprints.rules import RULES, Report, Violation, validate

# Found beside this file however it is loaded (tests/test_reality.py loads it by path).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from mdtable import md_table as _md_table
from mdtable import number as _n
from mdtable import percent as _pct
from mdtable import percentile as _percentile
from reality_homes import (
    Geographies,
    compute_geographies,
    geographies_section,
    geographies_summary,
)
from snapshot import CCGS, DEFAULT_DATA, LADS, PRACTICES, REPO, STPS, load_england

logger = logging.getLogger("reality")

SUMMARY_START = "<!-- reality-summary -->"
"""Marks the machine-readable block: the next fenced ``json`` block holds the counts."""

WORST = 10  # rows in each worst-case table


@dataclass
class Reality:
    """Everything the report states, computed once from the data."""

    data: Path
    region: Region
    plan: Plan
    report: Report
    table: pd.DataFrame  # metrics.network_table, indexed by network_id
    alignment: PatchAlignment
    ccg_names: dict[str, str]  # CCG ONS code → ccg20_name of the practices file
    stp_names: dict[str, str]
    practice_names: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)
    geographies: list[Geographies] = field(default_factory=list)  # 2021, 2020 on homes

    # ---- the rules' violations --------------------------------------------------------
    def crossings(self, level: str) -> list[Violation]:
        """Boundary violations whose network crosses ``level`` (``"ccg"`` or ``"stp"``)."""
        return [v for v in self.report.by_rule("boundary") if level in v.values["levels"]]

    def fragmented(self) -> list[Violation]:
        return list(self.report.by_rule("contiguity"))

    def unassigned(self) -> list[Violation]:
        return [v for v in self.report.by_rule("coverage") if v.values["kind"] == "unassigned"]

    # ---- names --------------------------------------------------------------------------
    def network_label(self, network: str) -> str:
        return f"{self.plan.network_name(network)} ({network})"

    def ccg_label(self, code: str) -> str:
        return f"{self.ccg_names.get(code, code)} ({code})"

    def stp_label(self, code: str) -> str:
        return f"{self.stp_names.get(code, code)} ({code})"

    def patch_label(self, code: str) -> str:
        patches = self.region.patches
        if patches is not None:
            names = dict(zip(patches["patch"], patches["name"], strict=True))
            return f"{names.get(code, code)} ({code})"
        return code


def compute(data: Path, *, band: Band | None = None) -> Reality:
    """Load England 2020, build the graphs, validate the real plan and measure it."""
    band = band or Band()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    region = load_england(data)
    timings["load"] = time.perf_counter() - started

    started = time.perf_counter()
    graph = region.validation_graph
    timings["graphs"] = time.perf_counter() - started

    plan = region.current
    if plan is None:  # read_plan found no network column: build it from the practices
        plan = _plan_from_practices(region)
    started = time.perf_counter()
    report = validate(plan, graph, band=band)
    timings["validation"] = time.perf_counter() - started

    started = time.perf_counter()
    table = network_table(plan, graph, band=band).set_index("network_id", drop=False)
    table.index.name = None
    alignment = patch_alignment(plan, graph)
    timings["metrics"] = time.perf_counter() - started

    started = time.perf_counter()
    geographies = compute_geographies(
        data, report_2020=report, alignment_2020=alignment, region_2020=region
    )
    timings["registrations"] = time.perf_counter() - started

    raw = pd.read_csv(data / PRACTICES, dtype=str, keep_default_na=False)
    return Reality(
        data=data,
        region=region,
        plan=plan,
        report=report,
        table=table,
        alignment=alignment,
        ccg_names=dict(zip(raw["ccg20_ons_code"], raw["ccg20_name"], strict=True)),
        stp_names=dict(zip(raw["stp20_ons_code"], raw["stp20_name"], strict=True)),
        practice_names=dict(zip(raw["practice_code"], raw["practice_name"], strict=True)),
        timings=timings,
        geographies=geographies,
    )


def _plan_from_practices(region: Region) -> Plan:
    practices = region.practices
    return Plan(
        {
            str(code): str(network)
            for code, network in zip(practices["code"], practices["network"], strict=True)
            if network is not None
        }
    )


def summary(reality: Reality) -> dict[str, Any]:
    """The report's counts (no timings): what ``tests/test_reality.py`` recomputes."""
    report, table, alignment = reality.report, reality.table, reality.alignment
    fragmented = reality.fragmented()
    practice_count = dict(zip(table["network_id"], table["practice_count"], strict=True))
    in_fragmented = int(sum(practice_count[v.networks[0]] for v in fragmented))
    unassigned = reality.unassigned()
    networks = int(report.summary["networks"])
    practices = len(reality.region.practices)
    populations = table["population"]
    compact = table["compactness_km"]
    return {
        "practices": practices,
        "practices_in_networks": int(table["practice_count"].sum()),
        "unallocated_practices": sum(int(v.values["count"]) for v in unassigned),
        "unallocated_population": sum(int(v.values["population"]) for v in unassigned),
        "networks": networks,
        "below": int(report.summary["below"]),
        "within": int(report.summary["in_band"]),
        "above": int(report.summary["above"]),
        "population_min": int(populations.min()),
        "population_median": float(populations.median()),
        "population_p90": round(_percentile(populations, 90), 1),
        "population_max": int(populations.max()),
        "cross_ccg": len(reality.crossings("ccg")),
        "cross_stp": len(reality.crossings("stp")),
        "non_contiguous": len(fragmented),
        "non_contiguous_share": round(len(fragmented) / networks, 4),
        "practices_in_non_contiguous": in_fragmented,
        "practices_in_non_contiguous_share": round(
            in_fragmented / int(table["practice_count"].sum()), 4
        ),
        "detached_population": sum(int(v.values["detached_population"]) for v in fragmented),
        "straddling_networks": len(alignment.straddling_networks),
        "straddling_population": int(alignment.total_straddling_population),
        "extra_patch_memberships": int(alignment.extra_memberships),
        "patches_used": len(alignment.patch_networks),
        "compactness_median_km": round(float(compact.median()), 3),
        "compactness_p90_km": round(_percentile(compact, 90), 3),
        "hard_violations": int(report.summary["hard"]),
        "waivable_violations": int(report.summary["waivable"]),
        "registration_geography": geographies_summary(reality.geographies),
    }


def parse_summary(markdown: str) -> dict[str, Any]:
    """The counts block of a report written by :func:`render`."""
    _, marker, rest = markdown.partition(SUMMARY_START)
    if not marker:
        raise ValueError(f"no {SUMMARY_START} block in the report")
    _, fence, body = rest.partition("```json")
    if not fence:
        raise ValueError("no fenced json block after the summary marker")
    return dict(json.loads(body.partition("```")[0]))


# --------------------------------------------------------------------------------------------
# Markdown


def _codes(codes: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" +{len(codes) - limit} more" if len(codes) > limit else "")


def _network_ccgs(reality: Reality, network: str) -> str:
    codes = str(reality.table.at[network, "ccgs"]).split(", ")
    return "; ".join(reality.ccg_names.get(code, code) for code in codes if code)


def render(reality: Reality, *, command: str, today: dt.date | None = None) -> str:
    """The report as Markdown."""
    today = today or dt.date.today()
    counts = summary(reality)
    region, report, table = reality.region, reality.report, reality.table
    band = Band()
    lines: list[str] = [
        "# Reality report: the 2020 PCN configuration of England, validated",
        "",
        f"Generated {today.isoformat()} by `{command}` (do not edit by hand; re-run it).",
        "",
        "Every figure below comes from `footprints.rules.validate` (its `Report`) and "
        "`footprints.metrics` (`network_table`, `patch_alignment`) run on the real plan; "
        "`tests/test_reality.py` checks the band counts, crossings and contiguity against "
        "independent counts, and checks that this file is current.",
        "",
        "## Inputs",
        "",
    ]
    problems = region.problems
    lines += _md_table(
        ["input", "file (under the data folder)", "rows"],
        [
            ["practices and the real plan (`pcn_code`)", f"`{PRACTICES}`", _n(counts["practices"])],
            ["CCGs (April 2020, derived)", f"`{CCGS}`", _n(len(region.ccgs))],
            [
                "STPs (April 2020, derived)",
                f"`{STPS}`",
                _n(len(region.stps) if region.stps is not None else 0),
            ],
            [
                "nursing patches: **stand-in**, local authority districts (April 2020)",
                f"`{LADS}`",
                _n(len(region.patches) if region.patches is not None else 0),
            ],
        ],
    )
    graph = region.validation_graph
    kinds: dict[str, int] = {}
    for _, _, kind in graph.edges(data="kind"):
        kinds[str(kind)] = kinds.get(str(kind), 0) + 1
    lines += [
        "",
        f"- Data: `{reality.data}`. List sizes are QOF 1 January 2020 (`list_size_2020_01`); "
        "the plan is each practice's `pcn_code`, with `U` (Unallocated) read as no network.",
        "- **No open community nursing patch boundaries exist**, so the 314 local authority "
        "districts stand in for patches: the patch figures measure how PCNs line up with "
        "councils (the usual footprint of community services), not with real nursing teams.",
        "- Validation graph: `region.validation_graph`, the union of the "
        f"{len(region.ccg_graphs)} CCG graphs: {_n(graph.number_of_nodes())} practices, "
        f"{_n(graph.number_of_edges())} "
        f"edges ({', '.join(f'{_n(n)} {k}' for k, n in sorted(kinds.items()))}), "
        f"{graph.graph.get('island_links', 0)} island links. Catchments are Voronoi cells of "
        "the practice sites clipped to their CCG (the planning area the optimiser works in); "
        "`area_border` edges join practices whose catchments meet across a CCG border.",
        f"- The loader reported {len(problems)} input warnings (no errors): "
        + _problem_kinds(problems)
        + ". Practices keep the CCG their row names.",
        f"- Band: [{band.min_population:,}, {band.max_population:,}] registered patients, "
        "inclusive.",
        "",
        "## Headline",
        "",
    ]
    networks = counts["networks"]
    lines += _md_table(
        ["measure", "value"],
        [
            ["networks (PCNs)", _n(networks)],
            [
                "below / within / above the band",
                f"{counts['below']} / {counts['within']} / {counts['above']} "
                f"({_pct(counts['below'], networks)} / {_pct(counts['within'], networks)} / "
                f"{_pct(counts['above'], networks)})",
            ],
            [
                "network population: min / median / 90th pct / max",
                f"{_n(counts['population_min'])} / {_n(counts['population_median'])} / "
                f"{_n(counts['population_p90'])} / {_n(counts['population_max'])}",
            ],
            [
                "coverage: practices in no network (`U`)",
                f"{counts['unallocated_practices']} practices, "
                f"{_n(counts['unallocated_population'])} patients",
            ],
            ["networks crossing a CCG border", str(counts["cross_ccg"])],
            ["… of which crossing an STP border", str(counts["cross_stp"])],
            [
                "networks not contiguous under our adjacency",
                f"{counts['non_contiguous']} ({_pct(counts['non_contiguous'], networks)} of "
                f"networks), holding {_n(counts['practices_in_non_contiguous'])} practices "
                f"({_pct(counts['practices_in_non_contiguous'], counts['practices_in_networks'])}"
                f" of practices in a network); {_n(counts['detached_population'])} patients in "
                "detached parts",
            ],
            [
                "straddling networks (more than one LAD stand-in patch)",
                f"{counts['straddling_networks']} "
                f"({_pct(counts['straddling_networks'], networks)})",
            ],
            [
                "straddling population (outside each network's main LAD)",
                _n(counts["straddling_population"]),
            ],
            [
                "Σ over patches of (networks it works into − 1)",
                f"{_n(counts['extra_patch_memberships'])} over {counts['patches_used']} LADs "
                "with practices",
            ],
            [
                "compactness (population-weighted mean km to centre): median / 90th pct",
                f"{counts['compactness_median_km']:.2f} km / {counts['compactness_p90_km']:.2f} km",
            ],
            [
                "violations: hard / waivable",
                f"{counts['hard_violations']} / {counts['waivable_violations']} "
                f"({', '.join(f'{r} {report.summary[r]}' for r in RULES if r in report.summary)})",
            ],
        ],
    )

    lines += ["", "## Band: largest and smallest networks", ""]
    by_size = table.sort_values(["population", "network_id"], ascending=[False, True])
    for title, rows in (
        ("Largest", by_size.head(WORST)),
        ("Smallest", by_size.tail(WORST).iloc[::-1]),
    ):
        lines += [f"**{title} {WORST}**", ""]
        lines += _md_table(
            ["network", "CCG", "practices", "population", "gap to band"],
            [
                [
                    reality.network_label(str(r["network_id"])),
                    _network_ccgs(reality, str(r["network_id"])),
                    r["practice_count"],
                    _n(r["population"]),
                    f"{int(r['gap']):+,}",
                ]
                for r in rows.to_dict("records")
            ],
        )
        lines.append("")

    lines += ["## Coverage", ""]
    for violation in reality.unassigned():
        lines += [
            f"{violation.values['count']} practices ({_n(violation.values['population'])} "
            "patients) have PCN code `U` (Unallocated) and are reported by the coverage rule "
            "as in no network: " + _codes(list(violation.practices), limit=12) + ".",
            "",
        ]

    lines += _crossings_section(reality)
    lines += _contiguity_section(reality, counts)
    lines += _straddling_section(reality)
    lines += geographies_section(reality.geographies)

    compact = table["compactness_km"]
    lines += [
        "## Compactness",
        "",
        "Population-weighted mean distance from each practice to its network's "
        "population-weighted centre (`network_table`'s `compactness_km`; 90th percentile by "
        "linear interpolation).",
        "",
    ]
    lines += _md_table(
        ["statistic", "km"],
        [
            ["median", f"{compact.median():.2f}"],
            ["mean", f"{compact.mean():.2f}"],
            ["90th percentile", f"{_percentile(compact, 90):.2f}"],
            ["99th percentile", f"{_percentile(compact, 99):.2f}"],
            ["max", f"{compact.max():.2f}"],
        ],
    )
    lines += ["", f"**Least compact {WORST}**", ""]
    loose = table.sort_values(["compactness_km", "network_id"], ascending=[False, True])
    lines += _md_table(
        ["network", "CCG", "practices", "population", "km"],
        [
            [
                reality.network_label(str(r["network_id"])),
                _network_ccgs(reality, str(r["network_id"])),
                r["practice_count"],
                _n(r["population"]),
                f"{r['compactness_km']:.2f}",
            ]
            for r in loose.head(WORST).to_dict("records")
        ],
    )

    lines += ["", "## Timings", ""]
    lines += _md_table(
        ["step", "seconds"],
        [[label, f"{reality.timings.get(key, 0.0):.2f}"] for label, key in _TIMED],
    )
    lines += [
        "",
        f"On a shared 2-core machine, Python {sys.version.split()[0]}.",
        "",
        "## Counts (machine-readable)",
        "",
        "Recomputed by `tests/test_reality.py` to check this file is current (timings are "
        "left out).",
        "",
        SUMMARY_START,
        "```json",
        json.dumps(counts, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


_TIMED = (
    ("load (practices, boundaries, patches, plan; placing practices)", "load"),
    ("graphs (STP catchments and adjacency, union)", "graphs"),
    ("validation (`validate`)", "validation"),
    ("metrics (`network_table`, `patch_alignment`)", "metrics"),
    (
        "registration geography: 2021 and 2020 on homes and the 2021 Voronoi side (load "
        "2021 with its LSOA registrations and polygons, graphs, validation, metrics)",
        "registrations",
    ),
)


def _problem_kinds(problems: Sequence[Any]) -> str:
    kinds = {
        "outside every CCG polygon (placed in the CCG their row names)": "outside every CCG",
        "inside a neighbouring CCG's polygon (kept in their own)": "but its row says",
        "outside every LAD polygon (placed in the nearest)": "outside every patch",
    }
    parts = []
    counted = 0
    for label, needle in kinds.items():
        n = sum(1 for p in problems if needle in p.message)
        counted += n
        parts.append(f"{n} practices {label}")
    if len(problems) > counted:
        parts.append(f"{len(problems) - counted} other")
    return "; ".join(parts)


def _crossings_section(reality: Reality) -> list[str]:
    crossings = reality.crossings("ccg")
    lines = [
        "## Boundary crossings",
        "",
        f"{len(crossings)} networks have practices in more than one CCG; "
        f"{len(reality.crossings('stp'))} of them also cross an STP border. Populations per "
        "area come from the boundary violation's `values`; the practices listed are those "
        "outside the main area.",
        "",
    ]
    rows = []
    for violation in crossings:
        network = violation.networks[0]
        ccgs = violation.values["ccg"]
        stps = violation.values["stp"]
        rows.append(
            [
                reality.network_label(network),
                "; ".join(f"{reality.ccg_label(c)}: {_n(p)}" for c, p in ccgs.items()),
                "; ".join(f"{reality.stp_names.get(s, s)}: {_n(p)}" for s, p in stps.items())
                if len(stps) > 1
                else "–",
                _codes(list(violation.practices)),
            ]
        )
    lines += _md_table(["network", "CCGs (patients)", "STPs (if crossed)", "outside"], rows)
    return [*lines, ""]


def _contiguity_section(reality: Reality, counts: dict[str, Any]) -> list[str]:
    fragmented = reality.fragmented()
    cross_stp = {v.networks[0] for v in reality.crossings("stp")}
    parts_hist: dict[int, int] = {}
    for violation in fragmented:
        k = int(violation.values["part_count"])
        parts_hist[k] = parts_hist.get(k, 0) + 1
    single = sum(
        1 for v in fragmented if all(len(part["practices"]) == 1 for part in v.values["parts"][1:])
    )
    catchments = reality.region.catchments
    snapped = set(catchments.loc[catchments["snapped_m"] > 0, "code"].astype(str))
    with_snapped = sum(
        1 for v in fragmented if snapped & set(reality.plan.networks().get(v.networks[0], []))
    )
    detached = [int(v.values["detached_population"]) for v in fragmented]
    lines = [
        "## Contiguity",
        "",
        f"{counts['non_contiguous']} of {_n(counts['networks'])} networks "
        f"({_pct(counts['non_contiguous'], counts['networks'])}) are not one piece under our "
        f"adjacency (catchments sharing a border of positive length, or a shared site); they "
        f"hold {_n(counts['practices_in_non_contiguous'])} of the "
        f"{_n(counts['practices_in_networks'])} practices in a network "
        f"({_pct(counts['practices_in_non_contiguous'], counts['practices_in_networks'])}). "
        "Parts per "
        "network: "
        + ", ".join(f"{k} parts: {n}" for k, n in sorted(parts_hist.items()))
        + f". Detached population (outside each network's largest part): "
        f"{_n(sum(detached))} in total, median {_n(statistics.median(detached) if detached else 0)}"
        " per network.",
        "",
        "Reading this figure:",
        f"- {len(cross_stp & {v.networks[0] for v in fragmented})} of them cross an STP border "
        "(the validation graph links practices whose catchments meet across an STP border, "
        "so a crossing network counts as split only when its footprint is in pieces).",
        f"- In {single} the detached parts are single practices. Many 2020 PCNs were formed "
        "by affiliation rather than geography, so in cities a member practice often sits "
        "among another network's practices; our adjacency also knows only the main surgery's "
        "postcode (branch surgeries are not in the data), and a Voronoi cell is a rough "
        "stand-in for where a practice's patients live. Read the figure as footprints that are "
        "not one piece on our map, not as a count of PCNs split on the ground.",
        f"- {with_snapped} contain a practice whose site lay outside its CCG polygon (BUC "
        "generalisation) and was moved just inside it before the cells were drawn.",
        "",
        f"**Most fragmented {WORST}** (most parts, then most detached patients)",
        "",
    ]
    worst = sorted(
        fragmented,
        key=lambda v: (
            -int(v.values["part_count"]),
            -int(v.values["detached_population"]),
            v.networks[0],
        ),
    )
    rows = []
    for violation in worst[:WORST]:
        network = violation.networks[0]
        parts = "; ".join(
            f"{_codes(part['practices'], limit=4)} ({_n(part['population'])})"
            for part in violation.values["parts"]
        )
        rows.append(
            [
                reality.network_label(network),
                _network_ccgs(reality, network),
                violation.values["part_count"],
                parts,
            ]
        )
    lines += _md_table(["network", "CCG", "parts", "parts (practices, patients)"], rows)
    return [*lines, ""]


def _straddling_section(reality: Reality) -> list[str]:
    alignment = reality.alignment
    patch_count = len(alignment.patch_networks)
    busiest = sorted(alignment.patch_networks.items(), key=lambda item: (-len(item[1]), item[0]))
    lines = [
        "## Patch alignment (LAD stand-in patches)",
        "",
        f"{len(alignment.straddling_networks)} networks draw practices from more than one "
        f"LAD; {_n(alignment.total_straddling_population)} patients are registered at "
        "practices outside their network's main LAD. Summed over the "
        f"{patch_count} LADs with practices, a LAD works into "
        f"{_n(alignment.extra_memberships)} more networks than one each (mean "
        f"{sum(len(n) for n in alignment.patch_networks.values()) / max(patch_count, 1):.1f} "
        f"networks per LAD; most: "
        + ", ".join(f"{reality.patch_label(p)} {len(n)}" for p, n in busiest[:3])
        + "). The validator's patch rule flags the same "
        f"{len(reality.report.by_rule('patch'))} networks.",
        "",
        f"**Most straddling {WORST}** (most patients outside the main LAD)",
        "",
    ]
    ranked = sorted(
        alignment.straddling_networks,
        key=lambda n: (-int(alignment.straddling_population[n]), n),
    )
    rows = []
    for network in ranked[:WORST]:
        patches = alignment.network_patches[network]
        rows.append(
            [
                reality.network_label(network),
                _network_ccgs(reality, network),
                "; ".join(f"{reality.patch_label(p)}: {_n(n)}" for p, n in patches.items()),
                _n(alignment.straddling_population[network]),
            ]
        )
    lines += _md_table(["network", "CCG", "LADs (patients)", "straddling"], rows)
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=REPO / "REALITY.md", help="report path")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("footprints").setLevel(logging.ERROR)  # 200 placement warnings

    reality = compute(args.data)
    words = argv if argv is not None else sys.argv[1:]
    python = Path(sys.executable)
    if python.is_relative_to(Path.cwd()):
        python = python.relative_to(Path.cwd())
    command = f"{python} benchmarks/reality.py " + " ".join(shlex.quote(str(a)) for a in words)
    args.out.write_text(render(reality, command=command.strip()), encoding="utf-8")
    counts = summary(reality)
    print(f"wrote {args.out}")
    print(
        f"{counts['networks']} networks: {counts['below']} below, {counts['within']} within, "
        f"{counts['above']} above; {counts['cross_ccg']} cross a CCG, {counts['cross_stp']} an "
        f"STP; {counts['non_contiguous']} not contiguous; "
        f"{counts['straddling_networks']} straddle LADs"
    )
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in reality.timings.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
