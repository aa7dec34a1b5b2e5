"""A planning area larger than a CCG starts from its CCGs' plans joined.

A plan of each CCG on its own is a plan of the larger area (no network crosses a CCG
border, which the larger area allows but does not require), so the larger area's plan
should never cost more than its CCGs' plans joined. :func:`optimise_group` makes sure of it:
for a graph of ``level="group"`` (:func:`footprints.planning_areas.planning_graphs`) it
first solves each CCG on its own with a share of the time (:data:`SEED_SHARE` of the time
limit, split between the CCGs in proportion to their practices), joins the plans and hands
the joined plan to :func:`~footprints.optimiser.area.optimise_area` as its start plan for
the time left: the search starts from it and the plan returned never costs more. A caller
holding the CCGs' plans already (the by-CCG proposal) passes them as ``start`` instead and
the whole time limit goes to the larger area.

The CCGs' bounds are not summed into the larger area's bound: networks crossing a CCG border
can be cheaper than any plan keeping to the borders, so that sum is no bound for the larger
area.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping

import networkx as nx

from footprints.optimiser.area import optimise_area
from footprints.optimiser.deadline import StopSignal
from footprints.optimiser.settings import AreaResult, OptimiseSettings, Progress

__all__ = ["MIN_SEED_S", "SEED_SHARE", "lower_graphs", "optimise_group"]

logger = logging.getLogger(__name__)

SEED_SHARE = 0.4
"""Share of a larger area's time limit its CCGs' solves take together (in proportion to
their practices); the larger area's own solve gets the rest."""

MIN_SEED_S = 0.5
"""Fewest seconds one CCG's solve is given (a quick constructive plan at least)."""


def lower_graphs(graph: nx.Graph) -> dict[str, nx.Graph]:
    """Return each lower area's graph inside a larger area's graph, by node ``ccg``.

    Each is the larger graph cut to the CCG's practices (so without the edges crossing CCG
    borders), its ``graph.graph`` the larger one's with ``area`` the CCG's code. Empty
    unless the graph is a larger area (``graph.graph["level"] == "group"``) of two or more
    CCGs.
    """
    if graph.graph.get("level") != "group":
        return {}
    members: dict[str, list[str]] = {}
    for node, ccg in graph.nodes(data="ccg"):
        members.setdefault(str(ccg), []).append(node)
    if len(members) < 2:
        return {}
    shared = {k: v for k, v in graph.graph.items() if k not in ("areas", "level")}
    graphs: dict[str, nx.Graph] = {}
    for ccg in sorted(members):
        sub = nx.Graph(graph.subgraph(members[ccg]))
        sub.graph = {**shared, "area": ccg}
        graphs[ccg] = sub
    return graphs


def optimise_group(
    graph: nx.Graph,
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    progress: Progress | None = None,
    stop: StopSignal | None = None,
    start: Mapping[str, str] | None = None,
) -> AreaResult:
    """Run :func:`~footprints.optimiser.area.optimise_area`, a larger area from its CCGs' plans.

    Parameters are those of :func:`~footprints.optimiser.area.optimise_area`. Without
    ``start``, for a larger area of two or more CCGs (see :func:`lower_graphs`) and outside
    repair mode and locks, each CCG is first solved alone in :data:`SEED_SHARE` of the time
    limit and their plans joined are the start plan; the result's ``seconds`` count both
    parts and an explanation says what the start plan cost.
    """
    settings = settings or OptimiseSettings()
    lower = lower_graphs(graph) if start is None and current is None and not locked else {}
    if not lower:
        return optimise_area(
            graph,
            settings,
            current=current,
            locked=locked,
            frozen=frozen,
            progress=progress,
            stop=stop,
            start=start,
        )
    started = time.monotonic()
    practices = sum(len(sub) for sub in lower.values())
    joined: dict[str, str] = {}
    seed_cost = 0.0
    try:
        for ccg, sub in lower.items():
            share = max(MIN_SEED_S, SEED_SHARE * settings.time_limit * len(sub) / practices)
            result = optimise_area(
                sub, dataclasses.replace(settings, time_limit=share), frozen=frozen, stop=stop
            )
            joined.update({code: f"{ccg}/{net}" for code, net in result.assignment.items()})
            seed_cost += result.objective or 0.0
    except Exception as error:  # a CCG alone cannot be planned: the area starts as usual
        logger.warning("area %s: no start plan from its CCGs (%s)", graph.graph.get("area"), error)
        joined = {}
    seeded = time.monotonic() - started
    if progress is not None:
        progress(SEED_SHARE, f"{len(lower)} CCGs' plans joined in {seeded:.1f} s")
    left = max(MIN_SEED_S, settings.time_limit - seeded)
    result = optimise_area(
        graph,
        dataclasses.replace(settings, time_limit=left),
        frozen=frozen,
        progress=progress,
        stop=stop,
        start=joined or None,
    )
    if not joined:
        return dataclasses.replace(result, seconds=time.monotonic() - started)
    note = (
        f"the search started from its {len(lower)} CCGs' plans joined (each CCG solved alone "
        f"first, {seeded:.1f} s in all; {seed_cost:,.0f} patient-km together)"
    )
    logger.info("area %s: %s", result.area, note)
    return dataclasses.replace(
        result,
        seconds=time.monotonic() - started,
        explanations=[*result.explanations, note],
    )
