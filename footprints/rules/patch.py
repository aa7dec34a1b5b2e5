"""Patch straddle: a network keeps to one nursing patch (waivable), checked per network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

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


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return f"{values.get('straddling_population', 0):,} outside {values.get('main_patch')}"


PATCH = Rule(
    name="patch",
    title="Patch straddle",
    scope="network",
    check=_patch,
    severity="waivable",
    description="A network's practices lie in one community nursing patch.",
    optimiser=(
        "A cost: each patient outside a candidate network's largest patch costs straddle_weight."
    ),
    numbers=_numbers,
)
"""A network inside one nursing patch (waivable, per network)."""


def check_patches(plan: Plan, graph: nx.Graph) -> list[Violation]:
    """Networks that straddle nursing patches (waivable).

    ``values``: ``patches`` (patch → population, largest first), ``main_patch`` and
    ``straddling_population`` (the population outside the largest patch). Practices with no
    patch are ignored.
    """
    return PATCH.check_plan(PlanState.build(plan, graph), RuleContext())
