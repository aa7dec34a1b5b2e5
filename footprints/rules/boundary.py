"""Boundary crossing: a network stays inside one CCG and one STP, checked per network."""

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
    ranked,
)

__all__ = ["BOUNDARY", "check_boundaries"]

_LEVEL_WORDS = {"ccg": ("CCG", "CCGs"), "stp": ("STP", "STPs")}


def _boundary(state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
    members = state.members[network]
    by_level = {
        level: area_populations(state, members, attribute)
        for level, attribute in (("ccg", state.ccg), ("stp", state.stp))
    }
    crossed = [level for level, populations in by_level.items() if len(populations) > 1]
    if not crossed:
        return None
    # Judge by the highest level crossed: leaving the main STP also leaves the main CCG.
    level = crossed[-1]
    attribute = state.stp if level == "stp" else state.ccg
    areas = ranked(by_level[level])
    main = areas[0][0]
    outside = sorted(p for p in members if attribute[p] not in (None, main))
    singular, plural = _LEVEL_WORDS[level]
    also = ""
    if level == "stp" and len(by_level["ccg"]) > 1:
        also = f" and {len(by_level['ccg'])} CCGs"
    planned = _planning_area(context, by_level["ccg"])
    if planned is not None:
        fix = (
            f"planned as one area ({planned}), where networks may cross {plural}: a reported "
            f"crossing; record the agreement of each {singular}."
        )
    elif context.allow_crossing:
        fix = f"crossing is allowed for this run: record the agreement of each {singular}."
    else:
        fix = (
            f"a network must stay inside one {singular}: move "
            f"{state.practice_list(outside, named=False)} to a network in "
            f"{'its own' if len(areas) == 2 else 'their own'} {singular}, or allow crossing "
            "where the commissioners have agreed it."
        )
    return Violation(
        rule=BOUNDARY.name,
        severity=(
            "waivable" if context.allow_crossing or planned is not None else BOUNDARY.severity
        ),
        networks=(network,),
        practices=tuple(outside),
        values={
            "level": level,
            "levels": crossed,
            "main_area": main,
            "population_outside": sum(pop for _, pop in areas[1:]),
            "ccg": dict(ranked(by_level["ccg"])),
            "stp": dict(ranked(by_level["stp"])),
            "planning_area": planned,
        },
        message=(
            f"Network {state.network_label(network)} crosses {len(areas)} {plural}{also}: "
            f"{join(areas_described(state, members, attribute, areas))}; {fix}"
        ),
    )


def _planning_area(context: RuleContext, ccgs: Mapping[str, int]) -> str | None:
    """Return the one planning area all of a network's CCGs lie in (plans made by areas)."""
    if context.planning_areas is None:
        return None
    planned = {context.planning_areas.get(ccg) for ccg in ccgs}
    if len(planned) != 1:
        return None
    return planned.pop()


def _numbers(values: Mapping[str, Any]) -> str:
    """Say a violation's numbers in a few words (the app's violations table)."""
    return f"{values.get('population_outside', 0):,} outside {values.get('main_area')}"


BOUNDARY = Rule(
    name="boundary",
    title="Boundary crossing",
    scope="network",
    check=_boundary,
    severity="hard",
    description=(
        "A network's practices lie in one CCG and one STP; waivable when the run allows "
        "crossing or the plan was made by larger planning areas and the network stays in one."
    ),
    optimiser=(
        "Holds by planning: the optimiser plans each planning area on its own (a CCG; with "
        "--level upper or --areas an STP or a group, whose inner borders it may cross)."
    ),
    numbers=_numbers,
)
"""A network inside one CCG and STP (hard; waivable when crossing is allowed, or inside one
planning area of a plan made by larger planning areas)."""


def check_boundaries(
    plan: Plan,
    graph: nx.Graph,
    *,
    allow_crossing: bool = False,
    planning_areas: Mapping[str, str] | None = None,
) -> list[Violation]:
    """Networks whose practices lie in more than one CCG or STP.

    Hard, or waivable when ``allow_crossing`` or when the network's CCGs all lie in one
    planning area of ``planning_areas`` (CCG → planning area: the plan was made by those
    areas, ``values["planning_area"]`` names it). One violation per network, judged at the
    highest level crossed; practices with no recorded area are ignored. ``values``:
    ``level``, ``levels`` (every level crossed), ``main_area``, ``population_outside``, and
    ``ccg`` / ``stp`` (area → population, largest first).
    """
    state = PlanState.build(plan, graph)
    context = RuleContext(allow_crossing=allow_crossing, planning_areas=planning_areas)
    return BOUNDARY.check_plan(state, context)
