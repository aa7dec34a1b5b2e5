"""The reality report's registration-geography part: real PCNs judged on patients' homes.

For a snapshot's real plan it validates the plan twice, on the Voronoi model and on
registration geography (the January 2021 LSOA registrations), with
:func:`footprints.rules.validate`, and measures containment, territories and patch
alignment on homes with :mod:`footprints.metrics`. :mod:`reality` (``benchmarks/reality.py``)
renders the figures beside the Voronoi ones and puts them in its counts block.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from mdtable import md_table, number, percent, percentile
from snapshot import (
    LIST_SIZE_2021,
    LSOA_BOUNDARIES,
    PRACTICES_2021,
    REGISTRATIONS,
    load_england_2021,
)

from footprints.geography import PATCH_SHARE, TERRITORY_TOLERANCE
from footprints.metrics import Containment, PatchAlignment, containment, patch_alignment
from footprints.plan import Plan
from footprints.region import Region
from footprints.rules import Report, validate

__all__ = ["Geographies", "compute_geographies", "geographies_section", "geographies_summary"]


@dataclass
class Geographies:
    """One snapshot's real plan judged on the Voronoi model and on registration geography."""

    snapshot: str  # "2021" or "2020"
    region: Region  # on registration geography
    plan: Plan
    homes: Report
    voronoi: Report
    contained: Containment
    homes_alignment: PatchAlignment
    voronoi_alignment: PatchAlignment
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def fallback(self) -> int:
        """Practices with no registrations, given the Voronoi fallback."""
        homes = self.region.homes
        return len(homes.fallback) if homes is not None else 0


def _real_plan(region: Region) -> Plan:
    if region.current is not None:
        return region.current
    practices = region.practices
    return Plan(
        {
            str(code): str(network)
            for code, network in zip(practices["code"], practices["network"], strict=True)
            if network is not None
        }
    )


def judge(
    snapshot: str,
    homes_region: Region,
    voronoi_region: Region,
    *,
    voronoi_report: Report | None = None,
    voronoi_alignment: PatchAlignment | None = None,
) -> Geographies:
    """Validate and measure a snapshot's real plan on both geographies."""
    timings: dict[str, float] = {}
    plan = _real_plan(homes_region)
    started = time.perf_counter()
    graph = homes_region.validation_graph
    timings["graphs"] = time.perf_counter() - started
    started = time.perf_counter()
    homes = validate(plan, graph)
    timings["validation"] = time.perf_counter() - started
    started = time.perf_counter()
    contained = containment(plan, graph)
    alignment = patch_alignment(plan, graph)
    timings["metrics"] = time.perf_counter() - started
    if voronoi_report is None or voronoi_alignment is None:
        voronoi_graph = voronoi_region.validation_graph
        voronoi_report = validate(plan, voronoi_graph)
        voronoi_alignment = patch_alignment(plan, voronoi_graph)
    return Geographies(
        snapshot=snapshot,
        region=homes_region,
        plan=plan,
        homes=homes,
        voronoi=voronoi_report,
        contained=contained,
        homes_alignment=alignment,
        voronoi_alignment=voronoi_alignment,
        timings=timings,
    )


def compute_geographies(
    data: Path, *, report_2020: Report, alignment_2020: PatchAlignment, region_2020: Region
) -> list[Geographies]:
    """The 2021 and 2020 real plans on both geographies (the 2020 Voronoi side is given)."""
    started = time.perf_counter()
    homes_2021 = load_england_2021(data)
    voronoi_2021 = _inputs_of(homes_2021)
    load_2021 = time.perf_counter() - started
    judged_2021 = judge("2021", homes_2021, voronoi_2021)
    judged_2021.timings["load"] = load_2021

    judged_2020 = judge(
        "2020",
        _inputs_of(region_2020, homes_of=homes_2021),
        region_2020,
        voronoi_report=report_2020,
        voronoi_alignment=alignment_2020,
    )
    return [judged_2021, judged_2020]


def _inputs_of(region: Region, *, homes_of: Region | None = None) -> Region:
    """A fresh region of ``region``'s inputs: on the Voronoi model, or with the registrations
    and LSOAs of ``homes_of`` (read once for both snapshots)."""
    return Region(
        practices=region.practices,
        ccgs=region.ccgs,
        stps=region.stps,
        patches=region.patches,
        current=region.current,
        problems=region.problems,
        name=region.name,
        registrations=homes_of.registrations if homes_of else None,
        lsoas=homes_of.lsoas if homes_of else None,
    )


def figures(judged: Geographies) -> dict[str, Any]:
    """The counts of one snapshot (no timings), as the report's counts block holds them."""
    contained = judged.contained
    shares = list(contained.networks.values())
    homes, voronoi = judged.homes, judged.voronoi
    return {
        "practices": len(judged.region.practices),
        "practices_without_registrations": judged.fallback,
        "networks": int(homes.summary["networks"]),
        "containment_median": round(float(np.median(shares)), 4),
        "containment_p10": round(percentile(shares, 10), 4),
        "containment_region": round(contained.region, 4),
        "territories_in_pieces": sum(1 for k in contained.territory_parts.values() if k > 1),
        "territories_failing_tolerance": int(homes.summary["territory"]),
        "non_contiguous_homes": int(homes.summary["contiguity"]),
        "non_contiguous_voronoi": int(voronoi.summary["contiguity"]),
        "straddling_networks_homes": len(judged.homes_alignment.straddling_networks),
        "straddling_networks_voronoi": len(judged.voronoi_alignment.straddling_networks),
        "straddling_population_homes": int(judged.homes_alignment.total_straddling_population),
        "straddling_population_voronoi": int(judged.voronoi_alignment.total_straddling_population),
        "extra_patch_memberships_homes": int(judged.homes_alignment.extra_memberships),
        "extra_patch_memberships_voronoi": int(judged.voronoi_alignment.extra_memberships),
    }


def geographies_summary(judged: Sequence[Geographies]) -> dict[str, Any]:
    """Snapshot → its :func:`figures`."""
    return {item.snapshot: figures(item) for item in judged}


# --------------------------------------------------------------------------------------------
# Markdown


def geographies_section(judged: Sequence[Geographies], *, worst: int = 10) -> list[str]:
    """The report's "Registration geography" section."""
    counts = {item.snapshot: figures(item) for item in judged}
    order = [item.snapshot for item in judged]
    lines = [
        "## Registration geography: where patients live",
        "",
        f"The real networks again, judged on patients' homes (`{REGISTRATIONS}`: NHS Digital's "
        "January 2021 count of each practice's patients in each LSOA, with the LSOA polygons "
        f"`{LSOA_BOUNDARIES}` and their population-weighted centroids). A network's "
        "*territory* is the LSOAs where it holds the most patients; *containment* the share of "
        "its patients living there; a territory fails the tolerance when its largest piece "
        f"holds less than {TERRITORY_TOLERANCE:.0%} of the network's patients living in it "
        "(the `territory` rule); patch straddling counts homes, a LAD working into a network "
        f"when the network's patients are at least {PATCH_SHARE:.0%} of those living in it "
        "(DESIGN.md). Every figure comes from `validate` on `region.validation_graph` and "
        "`footprints.metrics` (`containment`, `patch_alignment`), once per geography.",
        "",
    ]
    for item in judged:
        count = counts[item.snapshot]
        if item.snapshot == "2021":
            lines.append(
                f"- **2021**: `{PRACTICES_2021}` ({number(count['practices'])} practices, its "
                f"`pcn_code` as the plan, `U` as no network), the 106 CCGs of April 2021; "
                f"list sizes `{LIST_SIZE_2021}` (which the LSOA file matches practice by "
                f"practice). {count['practices_without_registrations']} practices lack "
                "registrations."
            )
        else:
            lines.append(
                f"- **2020**: the snapshot above, with the same January 2021 file: "
                f"{count['practices_without_registrations']} of its "
                f"{number(count['practices'])} practices are not in it (closed or merged during "
                "2020) and got the Voronoi fallback (their list size spread over the LSOAs "
                "whose centroids lie in their Voronoi cell)."
            )
    lines.append("")
    header = ["measure"]
    for snapshot in order:
        header += [f"{snapshot} Voronoi", f"{snapshot} registrations"]
    rows: list[list[object]] = []

    def both(label: str, voronoi: str | None, homes: str) -> None:
        row: list[object] = [label]
        for snapshot in order:
            count = counts[snapshot]
            row += [_figure(count, voronoi) if voronoi else "–", _figure(count, homes)]
        rows.append(row)

    both("networks", "networks", "networks")
    both("containment: median / 10th percentile", None, "containment")
    both("containment of the whole plan", None, "containment_region")
    both("territories in more than one piece", None, "territories_in_pieces")
    both(
        f"territories failing the {TERRITORY_TOLERANCE:.0%} tolerance (`territory`)",
        None,
        "territories_failing_tolerance",
    )
    both(
        "networks not contiguous (practice adjacency: catchments, or cores of homes)",
        "non_contiguous_voronoi",
        "non_contiguous_homes",
    )
    both(
        "straddling networks (LAD stand-in patches)",
        "straddling_networks_voronoi",
        "straddling_networks_homes",
    )
    both(
        "straddling population (outside each network's main LAD)",
        "straddling_population_voronoi",
        "straddling_population_homes",
    )
    both(
        "Σ over LADs of (networks it works into − 1)",
        "extra_patch_memberships_voronoi",
        "extra_patch_memberships_homes",
    )
    lines += md_table(header, rows)
    lines += [
        "",
        "On the Voronoi model a practice counts in the LAD of its surgery and every LAD with a "
        "member works into the network; on registration geography the straddling population "
        "is every patient living outside the network's main LAD, so it also counts networks "
        "no second LAD works into.",
        "",
    ]
    first = judged[0]
    contained = first.contained
    least = sorted(contained.networks, key=lambda n: (contained.networks[n], n))[:worst]
    lines += [f"**Least contained {worst} ({first.snapshot})**", ""]
    lines += md_table(
        ["network", "practices", "patients (England)", "in its territory", "containment", "pieces"],
        [
            [
                f"{first.plan.network_name(n)} ({n})",
                len(first.plan.networks().get(n, [])),
                number(contained.patients[n]),
                number(contained.in_territory[n]),
                f"{contained.networks[n]:.2f}",
                contained.territory_parts[n],
            ]
            for n in least
        ],
    )
    return [*lines, ""]


def _figure(count: dict[str, Any], key: str) -> str:
    if key == "containment":
        return f"{count['containment_median']:.2f} / {count['containment_p10']:.2f}"
    value = count[key]
    if key == "containment_region":
        return f"{value:.3f}"
    text = number(value)
    if key.startswith(("territories", "non_contiguous", "straddling_networks")):
        text += f" ({percent(value, count['networks'])})"
    return text
