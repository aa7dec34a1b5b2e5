"""The validator: run the registry's rules over a plan, once or live while practices move.

:func:`validate` checks a plan against every rule of a registry and returns a
:class:`~footprints.rules.base.Report`; :class:`LiveValidator` keeps a report up to date
while a user moves practices, re-checking only the networks a move touches. Both take
``rules`` (default :data:`~footprints.rules.registry.REGISTRY`), so a caller can validate
with an extended registry. Only the rules that apply to the graph's geography
(``graph.graph["geography"]``, ``"voronoi"`` when absent; :attr:`Rule.geographies`) are run
and counted: the territory rule only under ``"registrations"``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from footprints.geography import Geography
from footprints.plan import Band, Plan
from footprints.rules.base import (
    DEFAULT_BAND,
    PlanState,
    Report,
    Rule,
    RuleContext,
    RuleName,
    Violation,
    area_code,
)
from footprints.rules.registry import REGISTRY

__all__ = ["LiveValidator", "validate"]

logger = logging.getLogger(__name__)

_NetworkResults = dict[RuleName, Violation | None]


@dataclass(frozen=True)
class _Checks:
    """The rules of one run that apply to its geography, and its settings."""

    rules: tuple[Rule, ...]
    context: RuleContext
    geography: Geography

    @classmethod
    def of(cls, rules: Sequence[Rule], context: RuleContext, geography: Geography) -> _Checks:
        names = [rule.name for rule in rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"each rule must be given once; repeated: {', '.join(repeated)}")
        applying = tuple(rule for rule in rules if rule.applies_to(geography))
        return cls(applying, context, geography)

    def network(self, state: PlanState, network: str) -> _NetworkResults:
        """Every network-scope rule's result for ``network``."""
        return {
            rule.name: rule.check_network(state, network, self.context)
            for rule in self.rules
            if rule.scope == "network"
        }

    def report(self, state: PlanState, results: Mapping[str, _NetworkResults]) -> Report:
        """Build the report from the plan-scope rules and each network's cached results."""
        networks = sorted(state.members)
        by_rule: dict[RuleName, list[Violation]] = {}
        for rule in self.rules:
            if rule.scope == "plan":
                by_rule[rule.name] = rule.check_plan(state, self.context)
            else:
                found = (results[n][rule.name] for n in networks)
                by_rule[rule.name] = [v for v in found if v is not None]
        violations = tuple(v for rule in self.rules for v in by_rule[rule.name])
        band = self.context.band
        below = sum(1 for n in networks if state.population[n] < band.min_population)
        above = sum(1 for n in networks if state.population[n] > band.max_population)
        summary: dict[str, int] = {
            "networks": len(networks),
            "in_band": len(networks) - below - above,
            "below": below,
            "above": above,
            "hard": sum(1 for v in violations if v.severity == "hard"),
            "waivable": sum(1 for v in violations if v.severity == "waivable"),
            **{rule.name: len(by_rule[rule.name]) for rule in self.rules},
        }
        return Report(violations, summary, self.geography)


def _check_arguments(plan: object, graph: object) -> None:
    """Say what :func:`validate` takes when a notebook hands it a dict or a Region.

    They failed with "'dict' object has no attribute 'names'" and the like.
    """
    if not isinstance(plan, Plan):
        how = (
            "wrap the mapping of practice → network as footprints.plan.Plan(assignment)"
            if isinstance(plan, Mapping)
            else "read one with footprints.io.read_plan(path), or take region.current"
        )
        raise TypeError(f"validate takes a Plan, not a {type(plan).__name__}: {how}")
    if not isinstance(graph, nx.Graph):
        raise TypeError(
            f"validate takes the practices' graph (region.validation_graph), not a "
            f"{type(graph).__name__}"
        )


def validate(
    plan: Plan,
    graph: nx.Graph,
    *,
    band: Band = DEFAULT_BAND,
    upper_graph: nx.Graph | None = None,
    allow_crossing: bool = False,
    planning_areas: Mapping[str, str] | None = None,
    duplicates: Iterable[str] = (),
    rules: Sequence[Rule] = REGISTRY,
    territories: Any = None,
) -> Report:
    """Check ``plan`` against every rule.

    Parameters
    ----------
    plan
        Practice code → network id.
    graph
        The adjacency graph the plan lives on (for a whole region, the union of its
        STP-level graphs).
    band
        The population band.
    upper_graph
        The upper planning level's graph, whose edges also count for contiguity.
    allow_crossing
        Make CCG/STP crossings waivable instead of hard.
    planning_areas
        Lower area (CCG) → planning area, for a plan made by larger planning areas
        (:mod:`footprints.planning_areas`): a network crossing borders inside one planning
        area is a reported (waivable) crossing, not a hard one.
    duplicates
        Practice codes the plan reader found on more than one row.
    rules
        The rules to check, in report order; each name once.
    territories
        The territories of ``plan`` on ``graph`` (:func:`footprints.metrics.territories`),
        when the caller has them already: the territory rule then does not compute them
        again (the app measures the plan with them too). Computed when not given.

    Returns
    -------
    Report
        Every violation and the summary counts (one per rule of ``rules`` that applies to
        the graph's geography), with that geography.
    """
    _check_arguments(plan, graph)
    state = PlanState.build(plan, graph, upper_graph=upper_graph, duplicates=duplicates)
    state.territories = territories
    context = RuleContext(band, allow_crossing, planning_areas)
    checks = _Checks.of(rules, context, state.geography)
    report = checks.report(state, {n: checks.network(state, n) for n in state.members})
    logger.info(
        "validated %d practices in %d networks on %s geography: %d hard, %d waivable violations",
        len(plan),
        report.summary["networks"],
        state.geography,
        report.summary["hard"],
        report.summary["waivable"],
    )
    return report


class LiveValidator:
    """A report kept up to date while practices move, for interactive editing.

    A move re-checks only the networks it can change: the networks the practices leave and
    join, and the networks next to those (their band advice names their neighbours and the
    neighbours' populations). Every other network keeps its cached result; plan-scope rules
    (coverage, and territory under registration geography) run again on every move, so the
    report always equals a fresh :func:`validate` of :attr:`plan`.

    Parameters
    ----------
    plan, graph, band, upper_graph, allow_crossing, planning_areas, duplicates, rules
        As for :func:`validate`.

    Examples
    --------
    >>> live = LiveValidator(plan, graph)               # doctest: +SKIP
    >>> report = live.move(["A81004"], "N2")            # doctest: +SKIP
    """

    def __init__(
        self,
        plan: Plan,
        graph: nx.Graph,
        *,
        band: Band = DEFAULT_BAND,
        upper_graph: nx.Graph | None = None,
        allow_crossing: bool = False,
        planning_areas: Mapping[str, str] | None = None,
        duplicates: Iterable[str] = (),
        rules: Sequence[Rule] = REGISTRY,
    ) -> None:
        self._plan = plan
        self._state = PlanState.build(plan, graph, upper_graph=upper_graph, duplicates=duplicates)
        context = RuleContext(band, allow_crossing, planning_areas)
        self._checks = _Checks.of(rules, context, self._state.geography)
        self._results = {n: self._checks.network(self._state, n) for n in self._state.members}
        self._report = self._checks.report(self._state, self._results)

    @property
    def plan(self) -> Plan:
        """The plan as it stands after every move."""
        return self._plan

    @property
    def report(self) -> Report:
        """The report of the current plan."""
        return self._report

    def move(self, practices: Iterable[str], network: str | None) -> Report:
        """Move ``practices`` to ``network`` (``None``: out of every network); the new report.

        Parameters
        ----------
        practices
            Practice codes; a code the graph does not know is recorded like
            :meth:`Plan.moved` would and reported by the coverage rule.
        network
            The network id (created if new), or ``None`` / ``""`` to unassign.

        Returns
        -------
        Report
            Equal to ``validate(self.plan, graph, ...)``.
        """
        state = self._state
        target = area_code(network)
        moving = [str(p) for p in dict.fromkeys(practices)]
        changed: set[str] = set()
        for practice in moving:
            old = state.network_of.get(practice)
            if old is not None:
                changed.add(old)
        # The practices' neighbours' networks: their borders (and so advice) change.
        touched = state.neighbour_networks(moving, None)
        for practice in moving:
            state.assign(practice, target)
            if network is None:  # the practice leaves the plan altogether
                state.unknown.pop(practice, None)
        self._plan = _moved_plan(self._plan, moving, network)
        state.names = self._plan.names
        if target is not None:
            changed.add(target)
        dirty = changed | touched
        for current in changed:
            if current in state.members:
                dirty |= state.neighbour_networks(state.members[current], current)
        for current in dirty:
            if current in state.members:
                self._results[current] = self._checks.network(state, current)
            else:
                self._results.pop(current, None)
        self._report = self._checks.report(state, self._results)
        logger.debug("re-checked %d of %d networks", len(dirty), len(state.members))
        return self._report


def _moved_plan(plan: Plan, practices: list[str], network: str | None) -> Plan:
    """``plan.moved`` that also accepts ``None`` (the practices leave the plan)."""
    if network is not None:
        return plan.moved(practices, network)
    leaving = set(practices)
    return plan.restricted(p for p in plan.assignment if p not in leaving)
