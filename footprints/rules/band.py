"""Band: a network's population lies inside the band (waivable), checked per network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from footprints.plan import Band, Plan
from footprints.rules.base import DEFAULT_BAND, PlanState, Rule, RuleContext, Violation

__all__ = ["BAND", "check_band"]

_WAIVER_REASONS = "rural, island, small CCG"


def _band(state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
    band = context.band
    population = state.population[network]
    gap = band.gap(population)
    if gap == 0:
        return None
    members = state.members[network]
    neighbours = sorted(state.neighbour_networks(members, network))
    if gap < 0:
        message = _below_message(state, network, neighbours, band)
    else:
        message = _above_message(state, network, neighbours, band)
    return Violation(
        rule=BAND.name,
        severity=BAND.severity,
        networks=(network,),
        practices=tuple(sorted(members)),
        values={
            "population": population,
            "practice_count": len(members),
            "min_population": band.min_population,
            "max_population": band.max_population,
            "gap": gap,
            "direction": "below" if gap < 0 else "above",
            "neighbours": neighbours,
        },
        message=message,
    )


def _below_message(state: PlanState, network: str, neighbours: list[str], band: Band) -> str:
    population = state.population[network]
    fits = sorted(
        (state.population[n] + population, n)
        for n in neighbours
        if band.contains(state.population[n] + population)
    )
    if fits:
        fix = f"add a neighbouring practice or merge with {state.network_label(fits[0][1])}"
    elif neighbours:
        fix = f"add practices from a neighbouring network ({state.network_list(neighbours)})"
    else:
        fix = ""
    return (
        f"Network {state.network_label(network)} has {population:,} patients, "
        f"{band.min_population - population:,} below the {band.min_population:,} minimum: "
        + (f"{fix}, or record" if fix else "it borders no other network, so record")
        + f" a waiver reason ({_WAIVER_REASONS})."
    )


def _above_message(state: PlanState, network: str, neighbours: list[str], band: Band) -> str:
    population = state.population[network]
    with_room = [
        n
        for _, n in sorted((state.population[n], n) for n in neighbours)
        if state.population[n] < band.max_population
    ][:3]
    fixes = []
    if with_room:
        fixes.append(f"move a border practice to {state.network_list(with_room)}")
    # the fewest networks that each fit under the maximum, if each can reach the minimum
    pieces = -(-population // band.max_population) if band.max_population else 0
    if pieces > 1 and pieces * band.min_population <= population:
        fixes.append(f"split it into {pieces} networks")
    fix = ", ".join(fixes) + ", or " if fixes else ""
    return (
        f"Network {state.network_label(network)} has {population:,} patients, "
        f"{population - band.max_population:,} above the "
        f"{band.max_population:,} maximum: {fix}record a waiver reason."
    )


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return f"{values.get('population', 0):,} patients, gap {values.get('gap', 0):+,}"


BAND = Rule(
    name="band",
    title="Band",
    scope="network",
    check=_band,
    severity="waivable",
    description="A network's population lies inside the band (30,000 to 50,000 by default).",
    optimiser=(
        "Holds by construction: candidate networks are listed inside the band; where an area "
        "cannot meet it the band is made soft and each patient outside it is penalised."
    ),
    numbers=_numbers,
)
"""A network's population inside the band (waivable, per network)."""


def check_band(plan: Plan, graph: nx.Graph, band: Band = DEFAULT_BAND) -> list[Violation]:
    """Networks whose population lies outside ``band`` (waivable).

    ``values``: ``population``, ``practice_count``, ``min_population``, ``max_population``,
    ``gap`` (negative below the band, positive above), ``direction`` and ``neighbours`` (the
    networks it borders). The message suggests a merge that would land in the band.
    """
    return BAND.check_plan(PlanState.build(plan, graph), RuleContext(band=band))
