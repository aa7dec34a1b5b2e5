"""What every rule shares: violations, the report, the plan state, wording, and the rule type.

A rule is a :class:`Rule`: its JSON name, the title a CCG lead reads, its scope (checked
once over the ``"plan"``, or per ``"network"``), its check function and severity, how the
optimiser honours it, and optionally a vectorised :class:`CandidateFilter` the optimiser
applies to its candidate networks. Checks read a :class:`PlanState` (node attributes,
adjacency and plan membership in plain dicts) and the run's settings in a
:class:`RuleContext`.

The graph is the one the plan lives on (see ``docs/ARCHITECTURE.md``): nodes are practice
codes carrying ``list_size``, ``ccg``, ``stp``, ``patch`` and ``name``; every edge, whatever
its ``kind`` (``border``, ``colocated``, ``homes`` or the flagged ``island`` links), joins two
practices. Its ``geography`` attribute (``"voronoi"`` when absent) says which rules apply
(:attr:`Rule.geographies`); under ``"registrations"`` nodes also carry ``home_patches`` and
the graph ``patch_residents`` and, for a whole region, ``homes`` (DESIGN.md).

Only practices that are nodes of the graph count towards a network: a plan code the graph
does not know is reported by the coverage rule and otherwise ignored, and a network with no
known practice is not counted as a network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeAlias, cast

import networkx as nx
import numpy as np
import numpy.typing as npt

from footprints.geography import GEOGRAPHIES, Geography, geography_of
from footprints.plan import Band, Plan

__all__ = [
    "DEFAULT_BAND",
    "LIST_LIMIT",
    "CandidateFilter",
    "CandidateSetsLike",
    "NetworkCheck",
    "PlanCheck",
    "PlanState",
    "PracticeArraysLike",
    "Report",
    "Rule",
    "RuleContext",
    "RuleName",
    "Scope",
    "Severity",
    "Violation",
    "area_code",
    "area_populations",
    "areas_described",
    "join",
    "patients",
    "practices_word",
    "ranked",
]

RuleName: TypeAlias = str
"""A rule's name in the validation JSON (``"coverage"``, ``"band"``, …)."""
Severity: TypeAlias = Literal["hard", "waivable"]
"""``hard``: the plan cannot be submitted so; ``waivable``: allowed with a written reason."""
Scope: TypeAlias = Literal["plan", "network"]
"""``plan``: checked once over the whole plan; ``network``: checked network by network."""

DEFAULT_BAND = Band()  # frozen, so safe to share as a default
"""The default population band (30,000 to 50,000)."""
LIST_LIMIT = 6
"""Practices named in one sentence before "and N more"."""


@dataclass(frozen=True)
class RuleContext:
    """The settings of one validation run, as every check receives them.

    Parameters
    ----------
    band
        The population band.
    allow_crossing
        Make CCG/STP crossings waivable instead of hard.
    planning_areas
        Lower area (CCG) → the planning area the plan was made in, when it was planned at a
        larger level (``--level upper``, ``--areas FILE``): a network crossing CCG (or STP)
        borders inside one planning area is then a reported crossing (waivable), not hard.
    """

    band: Band = DEFAULT_BAND
    allow_crossing: bool = False
    planning_areas: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Parameters
    ----------
    rule
        The rule's name: ``"coverage"``, ``"band"``, ``"contiguity"``, ``"territory"``,
        ``"boundary"``, ``"patch"``, or that of a rule added to the registry.
    severity
        ``"hard"`` (the plan cannot be submitted) or ``"waivable"`` (allowed with a
        recorded reason).
    networks
        The network ids concerned.
    practices
        The practices the violation points at: for coverage the practices concerned; for
        band every member of the network; for contiguity, boundary and patch the members
        outside the network's largest part, area or patch (those a fix would move); for
        territory the members with most patients living in the detached parts.
    values
        The numbers, JSON-ready (see each ``check_*`` function).
    message
        A sentence naming the network, practices and numbers, and the fix.
    """

    rule: RuleName
    severity: Severity
    networks: tuple[str, ...]
    practices: tuple[str, ...]
    values: dict[str, Any]
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return the violation as a JSON-ready mapping (the design's "Validation JSON").

        Returns
        -------
        dict
            ``rule``, ``severity``, ``networks``, ``practices``, ``values`` and ``message``.
        """
        return {
            "rule": self.rule,
            "severity": self.severity,
            "networks": list(self.networks),
            "practices": list(self.practices),
            "values": self.values,
            "message": self.message,
        }


@dataclass(frozen=True)
class Report:
    """The result of :func:`footprints.rules.validate`.

    Parameters
    ----------
    violations
        Every violation, rule by rule in registry order, networks in sorted order.
    summary
        ``networks`` (networks with at least one practice in the graph), ``in_band``,
        ``below``, ``above``, ``hard``, ``waivable`` and one count per rule validated (the
        rules that apply to the graph's geography).
    geography
        The geography the plan was judged on: the graph's ``geography`` attribute.
    """

    violations: tuple[Violation, ...]
    summary: dict[str, int] = field(default_factory=dict)
    geography: Geography = "voronoi"

    @property
    def ok(self) -> bool:
        """True when the plan breaks no rule at all."""
        return not self.violations

    @property
    def hard(self) -> tuple[Violation, ...]:
        """The violations that must be fixed."""
        return tuple(v for v in self.violations if v.severity == "hard")

    @property
    def waivable(self) -> tuple[Violation, ...]:
        """The violations that may stand with a recorded reason."""
        return tuple(v for v in self.violations if v.severity == "waivable")

    def by_rule(self, rule: RuleName) -> tuple[Violation, ...]:
        """Return the violations of one rule.

        Parameters
        ----------
        rule
            The rule's name.

        Returns
        -------
        tuple of Violation
            In report order.
        """
        return tuple(v for v in self.violations if v.rule == rule)

    def for_network(self, network: str) -> tuple[Violation, ...]:
        """Return the violations that concern ``network``.

        Parameters
        ----------
        network
            A network id.

        Returns
        -------
        tuple of Violation
            In report order.
        """
        return tuple(v for v in self.violations if network in v.networks)

    def to_dict(self) -> dict[str, Any]:
        """``{"ok", "summary", "violations"}`` as in the design's "Validation JSON".

        Returns
        -------
        dict
            JSON-ready; the summary starts with ``"geography"``, then the counts.
        """
        return {
            "ok": self.ok,
            "summary": {"geography": self.geography, **self.summary},
            "violations": [v.to_dict() for v in self.violations],
        }


# --------------------------------------------------------------------------------------------
# The state every rule reads: node attributes, adjacency, and the plan's membership.


@dataclass
class PlanState:
    """Graph attributes and plan membership, held in plain dicts for speed.

    Built by :meth:`build`; :meth:`assign` keeps the membership, populations and the sets of
    unassigned and unknown practices current as practices move. Under registration
    geography it also holds each practice's ``home_patches``, the graph's
    ``patch_residents`` and ``homes`` (``None`` on a graph without them, e.g. an area graph).
    """

    list_size: dict[str, int]
    ccg: dict[str, str | None]
    stp: dict[str, str | None]
    patch: dict[str, str | None]
    name: dict[str, str]
    adjacency: dict[str, tuple[str, ...]]
    names: Mapping[str, str]
    network_of: dict[str, str] = field(default_factory=dict)  # known, assigned practices
    members: dict[str, set[str]] = field(default_factory=dict)  # network → known practices
    population: dict[str, int] = field(default_factory=dict)
    unassigned: set[str] = field(default_factory=set)
    unknown: dict[str, str | None] = field(default_factory=dict)  # code → its network
    duplicates: tuple[str, ...] = ()
    geography: Geography = "voronoi"
    home_patches: dict[str, dict[str, int]] = field(default_factory=dict)
    patch_residents: dict[str, int] = field(default_factory=dict)
    homes: Any = None  # footprints.registration.Homes (rules do not import it)
    territories: Any = None  # the plan's Territories, when given; forgotten on a move

    @classmethod
    def build(
        cls,
        plan: Plan,
        graph: nx.Graph,
        *,
        upper_graph: nx.Graph | None = None,
        duplicates: Iterable[str] = (),
    ) -> PlanState:
        """Build the state of ``plan`` on ``graph``.

        Parameters
        ----------
        plan
            Practice code → network id.
        graph
            The adjacency graph the plan lives on.
        upper_graph
            The upper planning level's graph, whose edges also count as adjacency.
        duplicates
            Practice codes the plan reader found on more than one row.

        Returns
        -------
        PlanState
            Every practice of the plan assigned.
        """
        nodes = graph.nodes
        neighbours: dict[str, set[str]] = {str(n): set() for n in nodes}
        for graph_ in (graph, upper_graph):
            if graph_ is None:
                continue
            for a, b in graph_.edges():
                a, b = str(a), str(b)
                if a != b and a in neighbours and b in neighbours:
                    neighbours[a].add(b)
                    neighbours[b].add(a)
        state = cls(
            list_size={str(n): int(d.get("list_size", 0) or 0) for n, d in nodes(data=True)},
            ccg={str(n): area_code(d.get("ccg")) for n, d in nodes(data=True)},
            stp={str(n): area_code(d.get("stp")) for n, d in nodes(data=True)},
            patch={str(n): area_code(d.get("patch")) for n, d in nodes(data=True)},
            name={str(n): str(d.get("name") or "") for n, d in nodes(data=True)},
            adjacency={n: tuple(sorted(ns)) for n, ns in neighbours.items()},
            names=plan.names,
            duplicates=tuple(dict.fromkeys(str(c) for c in duplicates)),
            geography=geography_of(graph.graph),
        )
        if state.geography == "registrations":
            state.home_patches = {
                str(n): {str(k): int(v) for k, v in (d.get("home_patches") or {}).items()}
                for n, d in nodes(data=True)
            }
            residents = graph.graph.get("patch_residents") or {}
            state.patch_residents = {str(k): int(v) for k, v in residents.items()}
            state.homes = graph.graph.get("homes")
        state.unassigned = set(state.list_size)
        for practice, network in plan.assignment.items():
            state.assign(str(practice), area_code(network))
        return state

    def assign(self, practice: str, network: str | None) -> None:
        """Put ``practice`` in ``network`` (``None``: in no network).

        Parameters
        ----------
        practice
            A practice code; one the graph does not know is recorded as unknown.
        network
            The network id, or ``None``.
        """
        if practice not in self.list_size:
            self.unknown[practice] = network
            return
        self.territories = None  # the plan changes: territories given no longer hold
        old = self.network_of.pop(practice, None)
        if old is not None:
            self.members[old].discard(practice)
            self.population[old] -= self.list_size[practice]
            if not self.members[old]:
                del self.members[old], self.population[old]
        if network is None:
            self.unassigned.add(practice)
            return
        self.unassigned.discard(practice)
        self.network_of[practice] = network
        self.members.setdefault(network, set()).add(practice)
        self.population[network] = self.population.get(network, 0) + self.list_size[practice]

    def neighbour_networks(self, practices: Iterable[str], own: str | None) -> set[str]:
        """Networks (other than ``own``) holding a practice adjacent to ``practices``.

        Parameters
        ----------
        practices
            Practice codes.
        own
            The network to leave out (``None``: leave none out).

        Returns
        -------
        set of str
            Network ids.
        """
        found: set[str] = set()
        for practice in practices:
            for other in self.adjacency.get(practice, ()):
                network = self.network_of.get(other)
                if network is not None and network != own:
                    found.add(network)
        return found

    # ---- words -------------------------------------------------------------------------
    def network_label(self, network: str) -> str:
        """``"N1 (Riverside PCN)"``, or the bare id when the network has no other name.

        Parameters
        ----------
        network
            A network id.

        Returns
        -------
        str
            The label.
        """
        name = self.names.get(network)
        return f"{network} ({name})" if name and name != network else network

    def network_list(self, networks: Iterable[str]) -> str:
        """Network labels joined with "or".

        Parameters
        ----------
        networks
            Network ids, in the order to name them.

        Returns
        -------
        str
            ``"N1, N2 or N3"``.
        """
        return join([self.network_label(n) for n in networks], "or")

    def practice_label(self, practice: str) -> str:
        """``"P1 (Surgery P1)"``, or the bare code when the practice has no name.

        Parameters
        ----------
        practice
            A practice code.

        Returns
        -------
        str
            The label.
        """
        name = self.name.get(practice, "")
        return f"{practice} ({name})" if name and name != practice else practice

    def practice_list(self, practices: Iterable[str], *, named: bool = True) -> str:
        """Practices in code order, at most :data:`LIST_LIMIT` of them, joined with "and".

        Parameters
        ----------
        practices
            Practice codes.
        named
            Label each practice with its name (else the bare codes).

        Returns
        -------
        str
            ``"P1, P2 and 3 more"``.
        """
        codes = sorted(practices)
        label = self.practice_label if named else str
        shown = [label(c) for c in codes[:LIST_LIMIT]]
        if len(codes) > LIST_LIMIT:
            shown.append(f"{len(codes) - LIST_LIMIT} more")
        return join(shown)


def area_code(value: object) -> str | None:
    """Return an area code or network id, or ``None`` for a missing one (None, NaN, empty).

    Parameters
    ----------
    value
        A node attribute or plan value.

    Returns
    -------
    str or None
        The code, stripped.
    """
    if value is None or value != value:  # NaN
        return None
    text = str(value).strip()
    return text or None


def join(items: list[str], word: str = "and") -> str:
    """Join words as ``"a, b and c"`` (``word`` before the last)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def patients(n: int) -> str:
    """``"12,000 patients"`` (``"1 patient"``)."""
    return f"{n:,} patient{'s' if n != 1 else ''}"


def practices_word(n: int) -> str:
    """``"3 practices"`` (``"1 practice"``)."""
    return f"{n} practice{'s' if n != 1 else ''}"


def ranked(populations: Mapping[str, int]) -> list[tuple[str, int]]:
    """Areas by population, largest first; ties by code so the "main" one is stable.

    Parameters
    ----------
    populations
        Area → population.

    Returns
    -------
    list of (str, int)
        Ranked pairs.
    """
    return sorted(populations.items(), key=lambda item: (-item[1], item[0]))


def area_populations(
    state: PlanState, members: Iterable[str], attribute: dict[str, str | None]
) -> dict[str, int]:
    """Count the patients of ``members`` in each area of ``attribute`` (no area: ignored).

    Parameters
    ----------
    state
        The plan state (for list sizes).
    members
        Practice codes.
    attribute
        Practice → area (``state.ccg``, ``state.stp`` or ``state.patch``).

    Returns
    -------
    dict
        Area → population, in first-seen order.
    """
    populations: dict[str, int] = {}
    for practice in members:
        area = attribute[practice]
        if area is not None:
            populations[area] = populations.get(area, 0) + state.list_size[practice]
    return populations


def areas_described(
    state: PlanState,
    members: Iterable[str],
    attribute: dict[str, str | None],
    areas: list[tuple[str, int]],
) -> list[str]:
    """Each area with its patients, and the practices of every area but the first (the main).

    Parameters
    ----------
    state
        The plan state.
    members
        The network's practices.
    attribute
        Practice → area (``state.ccg``, ``state.stp`` or ``state.patch``).
    areas
        Area and population pairs, main area first (see :func:`ranked`).

    Returns
    -------
    list of str
        ``["C1 (20,000 patients)", "C2 (10,000 patients: P02)"]``.
    """
    members = list(members)
    main = areas[0][0]
    described = []
    for area, population in areas:
        in_area = [p for p in members if attribute[p] == area]
        text = f"{area} ({patients(population)}"
        text += f": {state.practice_list(in_area, named=False)})" if area != main else ")"
        described.append(text)
    return described


# --------------------------------------------------------------------------------------------
# The rule type.


class PlanCheck(Protocol):
    """A ``"plan"``-scope check: every violation of its rule in the whole plan."""

    def __call__(self, state: PlanState, context: RuleContext, /) -> list[Violation]:
        """Check the plan; its violations in report order."""
        ...


class NetworkCheck(Protocol):
    """A ``"network"``-scope check: the violation of one network, or ``None``.

    It may read only the network's members, the networks next to it and their populations,
    so that :class:`~footprints.rules.LiveValidator` can re-run it for the networks a move
    touches.
    """

    def __call__(self, state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
        """Check one network."""
        ...


class CandidateSetsLike(Protocol):
    """The optimiser's candidate networks, as a candidate filter reads them.

    ``members[offsets[i]:offsets[i + 1]]`` are the practice indices of set ``i``.
    """

    @property
    def sizes(self) -> npt.NDArray[np.integer[Any]]:
        """Number of practices in each set."""
        ...

    @property
    def offsets(self) -> npt.NDArray[np.integer[Any]]:
        """Where each set's members start in :attr:`members` (one more than the sets)."""
        ...

    @property
    def members(self) -> npt.NDArray[np.integer[Any]]:
        """The practice indices of every set, one flat array."""
        ...

    def sums(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """For each set, the sum of ``values`` (one per practice) over its members."""
        ...


class PracticeArraysLike(Protocol):
    """The practices of one planning area as arrays, indexed like the sets' members."""

    @property
    def codes(self) -> Sequence[str]:
        """Practice codes."""
        ...

    @property
    def population(self) -> npt.NDArray[np.integer[Any]]:
        """List sizes."""
        ...

    @property
    def x_km(self) -> npt.NDArray[np.floating[Any]]:
        """Easting in kilometres."""
        ...

    @property
    def y_km(self) -> npt.NDArray[np.floating[Any]]:
        """Northing in kilometres."""
        ...

    @property
    def patch(self) -> npt.NDArray[np.integer[Any]]:
        """Patch index (``-1``: no patch)."""
        ...


class CandidateFilter(Protocol):
    """A vectorised rule the optimiser applies to its candidate networks.

    Returns one boolean per set: ``True`` keeps the set as a candidate network.
    """

    def __call__(
        self, sets: CandidateSetsLike, practices: PracticeArraysLike, /
    ) -> npt.NDArray[np.bool_]:
        """Return which sets to keep."""
        ...


@dataclass(frozen=True, kw_only=True, repr=False)
class Rule:
    """One rule, registered once in :data:`footprints.rules.REGISTRY`.

    Parameters
    ----------
    name
        The rule's name in the validation JSON (``"band"``); unique in a registry.
    title
        The words a CCG lead reads in the app and the pack (``"Band"``).
    scope
        ``"plan"``: ``check`` is a :class:`PlanCheck`, run once over the whole plan;
        ``"network"``: a :class:`NetworkCheck`, run per network (and re-run by the live
        validator for the networks a move touches).
    check
        The check function.
    severity
        The severity of its violations (the boundary rule's become waivable when the
        context allows crossing).
    description
        What the rule asks, in one sentence.
    optimiser
        How the optimiser honours the rule.
    candidate_filter
        A vectorised filter the optimiser applies to its candidate networks, for a rule it
        does not already honour by construction.
    numbers
        Says a violation's ``values`` in a few words for a table column ("41,200
        patients, gap -1,800"); by default the values that are numbers or words.
    geographies
        The geographies the rule applies to (:data:`footprints.geography.GEOGRAPHIES`:
        both, by default); the validator runs a rule only on a graph of one of them.
    """

    name: RuleName
    title: str
    scope: Scope
    check: PlanCheck | NetworkCheck
    severity: Severity
    description: str
    optimiser: str
    candidate_filter: CandidateFilter | None = None
    numbers: Callable[[Mapping[str, Any]], str] | None = None
    geographies: tuple[Geography, ...] = GEOGRAPHIES

    def __post_init__(self) -> None:
        """Refuse a rule with no name or title, an unknown scope, severity or geography."""
        if not self.name or not self.title:
            raise ValueError(f"a rule needs a name and a title (got {self.name!r})")
        if self.scope not in ("plan", "network"):
            raise ValueError(f"rule {self.name!r}: scope must be 'plan' or 'network'")
        if self.severity not in ("hard", "waivable"):
            raise ValueError(f"rule {self.name!r}: severity must be 'hard' or 'waivable'")
        unknown = [g for g in self.geographies if g not in GEOGRAPHIES]
        if unknown or not self.geographies:
            raise ValueError(
                f"rule {self.name!r}: geographies must be some of {', '.join(GEOGRAPHIES)} "
                f"(got {', '.join(map(repr, self.geographies)) or 'none'})"
            )

    def __repr__(self) -> str:
        """``<Rule band>``: short, so a registry reads well as a default argument."""
        return f"<Rule {self.name}>"

    def applies_to(self, geography: Geography) -> bool:
        """Return whether the rule is checked on a graph of ``geography``.

        Parameters
        ----------
        geography
            ``"voronoi"`` or ``"registrations"``.

        Returns
        -------
        bool
            ``geography in self.geographies``.
        """
        return geography in self.geographies

    def describe_numbers(self, values: Mapping[str, Any]) -> str:
        """Say the numbers of one of this rule's violations in a few words.

        Parameters
        ----------
        values
            The violation's ``values``.

        Returns
        -------
        str
            The rule's own wording, or its number and word values joined.
        """
        if self.numbers is not None:
            return self.numbers(values)
        shown = (f"{k} {v}" for k, v in values.items() if isinstance(v, int | float | str))
        return ", ".join(shown)[:80]

    def check_plan(self, state: PlanState, context: RuleContext) -> list[Violation]:
        """Every violation of this rule in the plan.

        Parameters
        ----------
        state
            The plan state.
        context
            The run's settings.

        Returns
        -------
        list of Violation
            A network rule's violations come network by network in sorted order.
        """
        if self.scope == "plan":
            return cast(PlanCheck, self.check)(state, context)
        return [
            v
            for network in sorted(state.members)
            if (v := self.check_network(state, network, context)) is not None
        ]

    def check_network(
        self, state: PlanState, network: str, context: RuleContext
    ) -> Violation | None:
        """Return the violation of this ``"network"``-scope rule by ``network``, or ``None``.

        Parameters
        ----------
        state
            The plan state.
        network
            A network of ``state``.
        context
            The run's settings.

        Returns
        -------
        Violation or None
            ``None`` when the network keeps the rule.

        Raises
        ------
        ValueError
            For a ``"plan"``-scope rule.
        """
        if self.scope != "network":
            raise ValueError(f"rule {self.name!r} is checked over the plan, not per network")
        return cast(NetworkCheck, self.check)(state, network, context)
