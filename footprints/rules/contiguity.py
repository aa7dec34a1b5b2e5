"""Contiguity: a network's practices form one connected piece (hard), checked per network."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import networkx as nx

from footprints.plan import Plan
from footprints.rules.base import PlanState, Rule, RuleContext, Violation, patients

__all__ = ["CONTIGUITY", "check_contiguity"]


def _parts(state: PlanState, members: Collection[str]) -> list[list[str]]:
    """Return the connected parts of ``members`` (each sorted), largest population first."""
    unseen = set(members)
    parts: list[list[str]] = []
    while unseen:
        start = min(unseen)
        unseen.discard(start)
        stack, part = [start], [start]
        while stack:
            for other in state.adjacency[stack.pop()]:
                if other in unseen:
                    unseen.discard(other)
                    stack.append(other)
                    part.append(other)
        parts.append(sorted(part))
    return sorted(parts, key=lambda p: (-sum(state.list_size[c] for c in p), p[0]))


def _contiguity(state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
    members = state.members[network]
    if len(members) < 2:
        return None
    parts = _parts(state, members)
    if len(parts) == 1:
        return None
    populations = [sum(state.list_size[c] for c in part) for part in parts]
    detached = [c for part in parts[1:] for c in part]
    label = state.network_label(network)
    described = []
    for part, population in zip(parts, populations, strict=True):
        described.append(f"{state.practice_list(part, named=False)} ({patients(population)})")
    borders = sorted(state.neighbour_networks(detached, network))
    where = (
        f"to a network it borders ({state.network_list(borders)})"
        if borders
        else "to another network"
    )
    return Violation(
        rule=CONTIGUITY.name,
        severity=CONTIGUITY.severity,
        networks=(network,),
        practices=tuple(sorted(detached)),
        values={
            "part_count": len(parts),
            "parts": [
                {"practices": part, "population": population}
                for part, population in zip(parts, populations, strict=True)
            ],
            "detached_population": sum(populations[1:]),
        },
        message=(
            f"Network {label} is in {len(parts)} separate parts: {'; '.join(described)}. "
            f"Move the detached {'part' if len(parts) == 2 else 'parts'} {where}, or add the "
            "practices that link them, so the network is one piece."
        ),
    )


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return f"{values.get('part_count')} parts, {values.get('detached_population', 0):,} detached"


CONTIGUITY = Rule(
    name="contiguity",
    title="Contiguity",
    scope="network",
    check=_contiguity,
    severity="hard",
    description=(
        "A network's practices induce a connected subgraph of the adjacency graph (island "
        "and co-located links count)."
    ),
    optimiser="Holds by construction: every candidate network is a connected practice set.",
    numbers=_numbers,
)
"""A network's practices connected (hard, per network)."""


def check_contiguity(
    plan: Plan, graph: nx.Graph, *, upper_graph: nx.Graph | None = None
) -> list[Violation]:
    """Networks whose practices do not induce a connected subgraph (hard).

    Every edge counts as a link, including the flagged ``island`` links across water. With
    ``upper_graph`` (the upper planning level's graph), its edges count too. ``values``:
    ``part_count``, ``parts`` (each ``{"practices", "population"}``, largest first) and
    ``detached_population`` (outside the largest part).
    """
    state = PlanState.build(plan, graph, upper_graph=upper_graph)
    return CONTIGUITY.check_plan(state, RuleContext())
