"""Territory contiguity: a network's territory is one piece, up to a tolerance (waivable).

Under registration geography a network's *territory* is the LSOAs where it holds the most
registered patients among the plan's networks (DESIGN.md). Its largest connected part
(LSOA adjacency) must hold at least :data:`~footprints.geography.TERRITORY_TOLERANCE` (95%)
of its patients who live in the territory. Territories depend on the whole plan (moving one
practice can hand LSOAs from one network to another), so the rule is checked over the plan.
It reads the ``homes`` of the graph (a :class:`footprints.registration.Homes`, which only a
region's validation graph carries); on a graph without them it finds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from footprints.geography import TERRITORY_TOLERANCE
from footprints.plan import Plan
from footprints.rules.base import PlanState, Rule, RuleContext, Violation, join, patients

__all__ = ["TERRITORY", "check_territories"]

LSOA_LIMIT = 3
"""LSOAs named per territory part before "and N more"."""
PRACTICE_LIMIT = 3
"""Member practices named as holding the patients of the detached parts."""
PART_LIMIT = 3
"""Detached parts described in the message (the largest; all are in the values)."""


def _territory(state: PlanState, context: RuleContext, /) -> list[Violation]:
    homes = state.homes
    if homes is None or not state.members:
        return []
    territories = state.territories
    if territories is None:
        territories = homes.territories(state.network_of, sizes=state.population)
    violations = []
    for network in sorted(state.members):
        if territories.contiguous(network, TERRITORY_TOLERANCE):
            continue
        parts = territories.parts[network]
        violations.append(_violation(state, network, parts, territories.lsoa_network))
    return violations


def _violation(
    state: PlanState, network: str, parts: Sequence[Any], lsoa_network: Sequence[object]
) -> Violation:
    """Build the violation of ``network``, whose territory ``parts`` fail the tolerance."""
    homes = state.homes
    held = sum(int(part.patients) for part in parts)
    main = int(parts[0].patients)
    detached = np.zeros(len(homes.lsoas), dtype=bool)
    detached[homes.lsoas.positions(code for part in parts[1:] for code in part.lsoas)] = True
    holders = _holders(state, network, detached)
    around = _surrounding(homes, network, detached, lsoa_network)
    label = state.network_label(network)
    described = "; ".join(
        f"{_lsoa_list(part.lsoas)} ({patients(int(part.patients))})"
        for part in parts[1 : 1 + PART_LIMIT]
    )
    if len(parts) > 1 + PART_LIMIT:
        rest = parts[1 + PART_LIMIT :]
        described += (
            f"; and {len(rest)} more piece{'s' if len(rest) > 1 else ''} "
            f"({patients(sum(int(p.patients) for p in rest))})"
        )
    message = (
        f"The territory of network {label} (the LSOAs where it has the most patients) is in "
        f"{len(parts)} pieces: its main piece holds {main / held:.1%} of the "
        f"{patients(held)} living in it, below the {TERRITORY_TOLERANCE:.0%} tolerance. "
        f"Detached: {described}."
    )
    if holders:
        message += " Most of the network's patients there are registered at " + join(
            [f"{state.practice_label(p)} ({n:,})" for p, n in holders.items()]
        )
        message += (
            f", and the detached pieces lie in {state.network_list(around)}'s territory: "
            "consider moving those practices there"
            if around
            else ": consider moving those practices to the network around them"
        )
        message += ", or record why the network serves these areas."
    else:
        message += " Record why the network serves these areas."
    return Violation(
        rule=TERRITORY.name,
        severity=TERRITORY.severity,
        networks=(network,),
        practices=tuple(sorted(holders)),
        values={
            "part_count": len(parts),
            "parts": [
                {
                    "lsoas": list(part.lsoas[:LSOA_LIMIT]),
                    "lsoa_count": len(part.lsoas),
                    "patients": int(part.patients),
                }
                for part in parts
            ],
            "territory_patients": held,
            "main_share": round(main / held, 4),
            "tolerance": TERRITORY_TOLERANCE,
            "detached_patients": held - main,
            "practices": holders,
            "surrounding": around,
        },
        message=message,
    )


def _lsoa_list(codes: Sequence[str]) -> str:
    """``"E01000001, E01000002 and 3 more LSOAs"``: the first few by code."""
    shown = list(codes[:LSOA_LIMIT])
    if len(codes) > LSOA_LIMIT:
        shown.append(f"{len(codes) - LSOA_LIMIT} more LSOAs")
    return join(shown) if len(codes) > 1 else f"LSOA {shown[0]}"


def _holders(state: PlanState, network: str, detached: npt.NDArray[np.bool_]) -> dict[str, int]:
    """Return the members with most patients in the ``detached`` LSOAs (a mask), largest first.

    Reads the homes' rows directly (practice ``i``'s are ``offsets[i]:offsets[i + 1]``):
    building each member's catchment as a dict costs more than the whole territory.
    """
    homes = state.homes
    found: dict[str, int] = {}
    for practice in state.members[network]:
        i = homes.index.get(practice)
        if i is None:  # a practice of the graph the homes do not know
            continue
        rows = slice(homes.offsets[i], homes.offsets[i + 1])
        n = int(homes.count[rows][detached[homes.lsoa[rows]]].sum())
        if n:
            found[practice] = n
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:PRACTICE_LIMIT])


def _surrounding(
    homes: Any, network: str, detached: npt.NDArray[np.bool_], lsoa_network: Sequence[object]
) -> list[str]:
    """Return the network whose territory borders the detached LSOAs most (none or one)."""
    offsets, targets = homes.lsoas.neighbours
    positions = np.flatnonzero(detached)
    starts, ends = offsets[positions], offsets[positions + 1]
    within = np.arange(int((ends - starts).sum())) - np.repeat(
        np.cumsum(ends - starts) - (ends - starts), ends - starts
    )
    neighbours = targets[np.repeat(starts, ends - starts) + within]
    counts: dict[str, int] = {}
    for owner in np.asarray(lsoa_network, dtype=object)[neighbours].tolist():
        if owner is not None and owner != network:
            counts[str(owner)] = counts.get(str(owner), 0) + 1
    if not counts:
        return []
    return [min(counts, key=lambda n: (-counts[n], n))]


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return (
        f"{values.get('part_count')} pieces, main {values.get('main_share', 0):.1%}, "
        f"{values.get('detached_patients', 0):,} detached"
    )


TERRITORY = Rule(
    name="territory",
    title="Territory in pieces",
    scope="plan",
    check=_territory,
    severity="waivable",
    description=(
        "Under registration geography, the largest connected part of a network's territory "
        "(the LSOAs where it holds the most patients) holds at least 95% of its patients "
        "living in the territory."
    ),
    optimiser=(
        "Not a candidate filter: a territory depends on the whole plan. Each candidate network "
        "is costed for how far its likely territory (the LSOAs where it holds over 40% of the "
        "registered patients) is from one piece under the tolerance, and for its patients "
        "living among other networks' patients; the proposal is validated under the rule."
    ),
    numbers=_numbers,
    geographies=("registrations",),
)
"""A network's territory in one piece, up to the tolerance (waivable, plan scope, only
under registration geography)."""


def check_territories(plan: Plan, graph: nx.Graph) -> list[Violation]:
    """Networks whose territory is in pieces beyond the tolerance (waivable).

    Needs ``graph.graph["homes"]`` (a region's validation graph under registration
    geography); finds nothing without it. ``values``: ``part_count``, ``parts`` (each
    ``{"lsoas"`` (the first few by code), ``"lsoa_count"``, ``"patients"}``, largest
    first), ``territory_patients`` (its patients living in its territory), ``main_share``
    (the share the largest part holds), ``tolerance``, ``detached_patients``,
    ``practices`` (the members with most patients in the detached parts → those patients)
    and ``surrounding`` (the network whose territory borders the detached parts most).
    """
    return TERRITORY.check_plan(PlanState.build(plan, graph), RuleContext())
