"""Patch straddle: a network keeps to one nursing patch (waivable), checked per network.

Under the Voronoi model a practice lies in the patch of its surgery and a network straddles
when its practices lie in more than one. Under registration geography patients' homes count
(DESIGN.md): a patch works into a network when that network's patients living in it are at
least :data:`~footprints.geography.PATCH_SHARE` (5%) of the registered patients living in
the patch (``graph.graph["patch_residents"]``); a network straddles when more than one patch
works into it, and its straddling population is its patients living outside its main patch
(the patch where most of them live).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from footprints.geography import PATCH_SHARE, working_patches
from footprints.plan import Plan
from footprints.rules.base import (
    PlanState,
    Rule,
    RuleContext,
    Violation,
    area_populations,
    areas_described,
    join,
    patients,
    ranked,
)

__all__ = ["PATCH", "check_patches"]


def _patch(state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
    if state.geography == "registrations":
        return _patch_on_homes(state, network)
    members = state.members[network]
    populations = area_populations(state, members, state.patch)
    if len(populations) < 2:
        return None
    patches = ranked(populations)
    main = patches[0][0]
    outside = sorted(p for p in members if state.patch[p] not in (None, main))
    straddling = sum(pop for _, pop in patches[1:])
    described = areas_described(state, members, state.patch, patches)
    return Violation(
        rule=PATCH.name,
        severity=PATCH.severity,
        networks=(network,),
        practices=tuple(outside),
        values={
            "patches": dict(patches),
            "main_patch": main,
            "straddling_population": straddling,
        },
        message=(
            f"Network {state.network_label(network)} straddles {len(patches)} nursing patches: "
            f"{join(described)}; {patients(straddling)} lie outside its main patch {main}. Move "
            "those practices to a network in their own patch, or record why the split suits "
            "community nursing."
        ),
    )


def _patch_on_homes(state: PlanState, network: str) -> Violation | None:
    members = state.members[network]
    homes: dict[str, int] = {}
    for practice in members:
        for patch, n in state.home_patches.get(practice, {}).items():
            homes[patch] = homes.get(patch, 0) + n
    working = working_patches(homes, state.patch_residents)
    if len(working) < 2:
        return None
    everywhere = ranked(homes)
    main = everywhere[0][0]
    straddling = sum(homes.values()) - homes[main]
    mainly = {p: _main_patch(state.home_patches.get(p, {})) for p in members}
    outside = sorted(p for p in members if mainly[p] not in (None, main))
    residents = state.patch_residents
    shares = {
        patch: round(n / residents[patch], 4)
        for patch, n in working.items()
        if residents.get(patch)
    }
    described = []
    for patch, n in working.items():
        text = f"{patch} ({patients(n)}"
        if patch in shares:
            text += f", {shares[patch]:.0%} of its residents"
        from_here = [p for p in outside if mainly[p] == patch]
        text += f": mostly of {state.practice_list(from_here, named=False)})" if from_here else ")"
        described.append(text)
    return Violation(
        rule=PATCH.name,
        severity=PATCH.severity,
        networks=(network,),
        practices=tuple(outside),
        values={
            "patches": working,
            "main_patch": main,
            "straddling_population": straddling,
            "home_patches": dict(everywhere),
            "patch_shares": shares,
            "share_threshold": PATCH_SHARE,
        },
        message=(
            f"Network {state.network_label(network)} straddles {len(working)} nursing "
            f"patches, each with {PATCH_SHARE:.0%} or more of its registered residents in the "
            f"network: {join(described)}; {patients(straddling)} live outside its main patch "
            f"{main}. Move the practices whose patients live mainly in "
            "another patch to a network of that patch, or record why the split suits "
            "community nursing."
        ),
    )


def _main_patch(home_patches: Mapping[str, int]) -> str | None:
    """Return the patch where most of a practice's patients live (ties: lowest code)."""
    return ranked(home_patches)[0][0] if home_patches else None


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return f"{values.get('straddling_population', 0):,} outside {values.get('main_patch')}"


PATCH = Rule(
    name="patch",
    title="Patch straddle",
    scope="network",
    check=_patch,
    severity="waivable",
    description=(
        "A network's practices lie in one community nursing patch (under registration "
        "geography: at most one patch has 5% or more of its registered residents in the "
        "network)."
    ),
    optimiser=(
        "A cost: each patient outside a candidate network's largest patch costs straddle_weight "
        "(under registration geography, each patient living outside it)."
    ),
    numbers=_numbers,
)
"""A network inside one nursing patch (waivable, per network)."""


def check_patches(plan: Plan, graph: nx.Graph) -> list[Violation]:
    """Networks that straddle nursing patches (waivable).

    Under the Voronoi model, ``values``: ``patches`` (patch → population, largest first),
    ``main_patch`` and ``straddling_population`` (the population outside the largest patch).
    Practices with no patch are ignored.

    Under registration geography (``graph.graph["geography"] == "registrations"``), counted
    on patients' homes (node attribute ``home_patches``, graph attribute
    ``patch_residents``): ``patches`` (the patches working into the network → its patients
    living there, largest first), ``main_patch`` (where most of its patients live),
    ``straddling_population`` (its patients living in any other patch), ``home_patches``
    (every patch → its patients there), ``patch_shares`` (working patch → the network's
    share of the patients living there) and ``share_threshold``. The practices named are
    the members most of whose patients live outside the main patch. Homes in no patch are
    ignored.
    """
    return PATCH.check_plan(PlanState.build(plan, graph), RuleContext())
