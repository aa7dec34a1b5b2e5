"""The manifest of the current plan's flaws (``current_plan_flaws.json``).

The flaws are recomputed from scratch on the graphs the validator will use; the generator
keeps a draw only when they are exactly the flaws it planted.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from tools.demo.coords import round_trip
from tools.demo.graphs import Graphs, practices_frame
from tools.demo.model import BAND, CCGS, Region, RetryError
from tools.demo.names import patch_code

__all__ = ["build_manifest", "practice_patches"]


def build_manifest(
    region: Region, graphs: Graphs, plan: dict[str, tuple[str, str]], seed: int
) -> dict[str, Any]:
    """List the flaws of the plan, recomputed from scratch; they must match what was planted.

    Parameters
    ----------
    region, graphs
        The drawn region and its graphs (the STP graph judges contiguity).
    plan
        Practice code → (network id, network name).
    seed
        The seed, recorded in the manifest.

    Returns
    -------
    dict
        The manifest as written to ``current_plan_flaws.json``: a description, the seed,
        the band, the number of networks, the ``flaws`` (band, contiguity, boundary) and,
        under ``patch``, the networks straddling nursing patches.

    Raises
    ------
    RetryError
        When a practice is not inside exactly one patch.
    """
    practice = {p.code: p for p in region.practices}
    members: dict[str, list[str]] = {}
    for code, (network, _) in sorted(plan.items()):
        members.setdefault(network, []).append(code)
    flaws: list[dict[str, Any]] = []
    straddles: list[dict[str, Any]] = []
    patch_of = practice_patches(region)
    for network in sorted(members):
        codes = members[network]
        population = sum(practice[c].list_size for c in codes)
        gap = BAND.gap(population)
        if gap:
            flaws.append(
                {
                    "kind": "band_below" if gap < 0 else "band_above",
                    "networks": [network],
                    "practices": codes,
                    "population": population,
                    "gap": gap,
                }
            )
        parts = sorted(
            (sorted(c) for c in nx.connected_components(graphs.stp.subgraph(codes))),
            key=lambda part: (-len(part), part),
        )
        if len(parts) > 1:
            flaws.append(
                {"kind": "contiguity", "networks": [network], "practices": codes, "parts": parts}
            )
        ccgs: dict[str, list[str]] = {}
        for c in codes:
            ccgs.setdefault(CCGS[practice[c].ccg][0], []).append(c)
        if len(ccgs) > 1:
            flaws.append(
                {
                    "kind": "boundary",
                    "networks": [network],
                    "practices": codes,
                    "ccgs": dict(sorted(ccgs.items())),
                }
            )
        patches: dict[str, list[str]] = {}
        for c in codes:
            patches.setdefault(patch_of[c], []).append(c)
        if len(patches) > 1:
            by_patch = {k: sum(practice[c].list_size for c in v) for k, v in patches.items()}
            largest = min(by_patch, key=lambda k: (-by_patch[k], k))
            straddles.append(
                {
                    "networks": [network],
                    "practices": codes,
                    "patches": dict(sorted(patches.items())),
                    "straddling_population": population - by_patch[largest],
                }
            )
    flaws.sort(key=lambda f: (f["kind"], f["networks"]))
    return {
        "description": (
            "Flaws planted in the demo region's current_plan.csv, recomputed from the files: "
            "band by summed list sizes, boundary by the practices' ccg column, contiguity on "
            "the region graph (the CCG graphs joined where catchments meet across a CCG border, "
            "as footprints.region.Region.validation_graph). Under 'patch', the "
            "networks whose practices lie in more than one nursing patch."
        ),
        "seed": seed,
        "band": {"min_population": BAND.min_population, "max_population": BAND.max_population},
        "networks": len(members),
        "flaws": flaws,
        "patch": straddles,
    }


def practice_patches(region: Region) -> dict[str, str]:
    """Find each practice's patch: the patch polygon containing its (round-tripped) site.

    Raises
    ------
    RetryError
        When a site is not inside exactly one patch.
    """
    frame = practices_frame(region)
    patches = [round_trip(p) for p in region.patches]
    result: dict[str, str] = {}
    for code, point in zip(frame["code"], frame.geometry, strict=True):
        inside = [i for i, patch in enumerate(patches) if patch.contains(point)]
        if len(inside) != 1:
            raise RetryError
        result[str(code)] = patch_code(inside[0])
    return result
