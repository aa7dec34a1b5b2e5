"""The validator: the design's rules as plain functions over a plan and an adjacency graph.

Each rule returns a list of :class:`Violation` — the rule, its severity, the networks and
practices concerned, the numbers, and a sentence a CCG lead can act on. :func:`validate`
runs them all and returns a :class:`Report`; :class:`LiveValidator` keeps a report up to
date while a user moves practices, re-checking only the networks a move touches.

The graph is the one the plan lives on (see ``docs/ARCHITECTURE.md``): nodes are practice
codes carrying ``list_size``, ``ccg``, ``stp``, ``patch`` and ``name``; every edge, whatever
its ``kind`` (``border``, ``colocated`` or the flagged ``island`` links), joins two practices.

Only practices that are nodes of the graph count towards a network: a plan code the graph
does not know is reported by the coverage rule and otherwise ignored, and a network with no
known practice is not counted as a network.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from footprints.plan import Band, Plan

__all__ = [
    "RULES",
    "LiveValidator",
    "Report",
    "Rule",
    "Severity",
    "Violation",
    "check_band",
    "check_boundaries",
    "check_contiguity",
    "check_coverage",
    "check_patches",
    "validate",
]

logger = logging.getLogger(__name__)

Rule = Literal["coverage", "band", "contiguity", "boundary", "patch"]
"""The NHS England rule a violation breaks."""
Severity = Literal["hard", "waivable"]
"""``hard``: the plan cannot be submitted so; ``waivable``: allowed with a written reason."""

RULES: tuple[Rule, ...] = ("coverage", "band", "contiguity", "boundary", "patch")
"""Every rule, in the order a report lists them."""

_WAIVER_REASONS = "rural, island, small CCG"
_LEVEL_WORDS = {"ccg": ("CCG", "CCGs"), "stp": ("STP", "STPs")}
_DEFAULT_BAND = Band()  # frozen, so safe to share as a default
_LIST_LIMIT = 6  # practices named in one sentence before "and N more"


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Parameters
    ----------
    rule
        ``"coverage"``, ``"band"``, ``"contiguity"``, ``"boundary"`` or ``"patch"``.
    severity
        ``"hard"`` (the plan cannot be submitted) or ``"waivable"`` (allowed with a
        recorded reason).
    networks
        The network ids concerned.
    practices
        The practices the violation points at: for coverage the practices concerned; for
        band every member of the network; for contiguity, boundary and patch the members
        outside the network's largest part, area or patch (those a fix would move).
    values
        The numbers, JSON-ready (see each ``check_*`` function).
    message
        A sentence naming the network, practices and numbers, and the fix.
    """

    rule: Rule
    severity: Severity
    networks: tuple[str, ...]
    practices: tuple[str, ...]
    values: dict[str, Any]
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The violation as a JSON-ready mapping (the design's "Validation JSON")."""
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
    """The result of :func:`validate`.

    Parameters
    ----------
    violations
        Every violation, rule by rule in :data:`RULES` order, networks in sorted order.
    summary
        ``networks`` (networks with at least one practice in the graph), ``in_band``,
        ``below``, ``above``, ``hard``, ``waivable`` and one count per rule.
    """

    violations: tuple[Violation, ...]
    summary: dict[str, int] = field(default_factory=dict)

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

    def by_rule(self, rule: Rule) -> tuple[Violation, ...]:
        """The violations of one rule."""
        return tuple(v for v in self.violations if v.rule == rule)

    def for_network(self, network: str) -> tuple[Violation, ...]:
        """The violations that concern ``network``."""
        return tuple(v for v in self.violations if network in v.networks)

    def to_dict(self) -> dict[str, Any]:
        """``{"ok", "summary", "violations"}`` as in the design's "Validation JSON"."""
        return {
            "ok": self.ok,
            "summary": dict(self.summary),
            "violations": [v.to_dict() for v in self.violations],
        }


# --------------------------------------------------------------------------------------------
# The state every rule reads: node attributes, adjacency, and the plan's membership.


@dataclass
class _State:
    """Graph attributes and plan membership, held in plain dicts for speed."""

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

    @classmethod
    def build(
        cls,
        plan: Plan,
        graph: nx.Graph,
        *,
        upper_graph: nx.Graph | None = None,
        duplicates: Iterable[str] = (),
    ) -> _State:
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
            ccg={str(n): _area(d.get("ccg")) for n, d in nodes(data=True)},
            stp={str(n): _area(d.get("stp")) for n, d in nodes(data=True)},
            patch={str(n): _area(d.get("patch")) for n, d in nodes(data=True)},
            name={str(n): str(d.get("name") or "") for n, d in nodes(data=True)},
            adjacency={n: tuple(sorted(ns)) for n, ns in neighbours.items()},
            names=plan.names,
            duplicates=tuple(dict.fromkeys(str(c) for c in duplicates)),
        )
        state.unassigned = set(state.list_size)
        for practice, network in plan.assignment.items():
            state.assign(str(practice), _network_id(network))
        return state

    def assign(self, practice: str, network: str | None) -> None:
        """Put ``practice`` in ``network`` (``None``: in no network)."""
        if practice not in self.list_size:
            self.unknown[practice] = network
            return
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
        """Networks (other than ``own``) holding a practice adjacent to ``practices``."""
        found: set[str] = set()
        for practice in practices:
            for other in self.adjacency.get(practice, ()):
                network = self.network_of.get(other)
                if network is not None and network != own:
                    found.add(network)
        return found

    # ---- words -------------------------------------------------------------------------
    def network_label(self, network: str) -> str:
        name = self.names.get(network)
        return f"{network} ({name})" if name and name != network else network

    def network_list(self, networks: Iterable[str]) -> str:
        return _join([self.network_label(n) for n in networks], "or")

    def practice_label(self, practice: str) -> str:
        name = self.name.get(practice, "")
        return f"{practice} ({name})" if name and name != practice else practice

    def practice_list(self, practices: Iterable[str], *, named: bool = True) -> str:
        codes = sorted(practices)
        label = self.practice_label if named else str
        shown = [label(c) for c in codes[:_LIST_LIMIT]]
        if len(codes) > _LIST_LIMIT:
            shown.append(f"{len(codes) - _LIST_LIMIT} more")
        return _join(shown)


def _area(value: object) -> str | None:
    """An area code, or ``None`` for a missing one (None, NaN, empty)."""
    if value is None or value != value:  # NaN
        return None
    text = str(value).strip()
    return text or None


def _network_id(value: object) -> str | None:
    """A plan's network id, or ``None`` when the practice is in no network."""
    return _area(value)


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _patients(n: int) -> str:
    return f"{n:,} patient{'s' if n != 1 else ''}"


def _practices_word(n: int) -> str:
    return f"{n} practice{'s' if n != 1 else ''}"


def _ranked(populations: Mapping[str, int]) -> list[tuple[str, int]]:
    """Areas by population, largest first; ties by code so the "main" one is stable."""
    return sorted(populations.items(), key=lambda item: (-item[1], item[0]))


# --------------------------------------------------------------------------------------------
# Coverage (whole plan).


def _practice_with_size(state: _State, practice: str) -> str:
    name = state.name.get(practice, "")
    size = _patients(state.list_size[practice])
    return f"{practice} ({name}, {size})" if name and name != practice else f"{practice} ({size})"


def _coverage(state: _State) -> list[Violation]:
    violations: list[Violation] = []
    if state.unassigned:
        practices = tuple(sorted(state.unassigned))
        population = sum(state.list_size[p] for p in practices)
        count = len(practices)
        if count == 1:
            head = f"Practice {_practice_with_size(state, practices[0])} is in no network"
            fix = "assign it to a neighbouring network"
        else:
            shown = [_practice_with_size(state, p) for p in practices[:_LIST_LIMIT]]
            if count > _LIST_LIMIT:
                shown.append(f"{count - _LIST_LIMIT} more")
            head = f"{count} practices ({_patients(population)}) are in no network: {_join(shown)}"
            fix = "assign each to a neighbouring network"
        violations.append(
            Violation(
                rule="coverage",
                severity="hard",
                networks=(),
                practices=practices,
                values={"kind": "unassigned", "count": count, "population": population},
                message=f"{head}. Every practice must be in exactly one network: {fix}.",
            )
        )
    if state.unknown:
        practices = tuple(sorted(state.unknown))
        networks = tuple(sorted({n for n in state.unknown.values() if n is not None}))
        listed = _join(
            [
                f"{p} (in {state.network_label(n)})" if (n := state.unknown[p]) else p
                for p in practices[:_LIST_LIMIT]
            ]
            + ([f"{len(practices) - _LIST_LIMIT} more"] if len(practices) > _LIST_LIMIT else [])
        )
        count = len(practices)
        violations.append(
            Violation(
                rule="coverage",
                severity="hard",
                networks=networks,
                practices=practices,
                values={"kind": "unknown", "count": count},
                message=(
                    f"The plan names {count} practice code{'s' if count != 1 else ''} not in "
                    f"this area's practice list: {listed}. Correct each code, or remove its row "
                    "if the practice has closed or belongs to another area."
                ),
            )
        )
    if state.duplicates:
        practices = tuple(sorted(state.duplicates))
        count = len(practices)
        violations.append(
            Violation(
                rule="coverage",
                severity="hard",
                networks=(),
                practices=practices,
                values={"kind": "duplicate", "count": count},
                message=(
                    f"The plan lists {_practices_word(count)} more than once: "
                    f"{state.practice_list(practices)}. Keep one row per practice, in the "
                    "network it belongs to."
                ),
            )
        )
    return violations


# --------------------------------------------------------------------------------------------
# Per-network rules. Each reads only the network's members, the networks next to it and
# their populations, so :class:`LiveValidator` can re-run it for the networks a move touches.


def _band(state: _State, network: str, band: Band) -> Violation | None:
    population = state.population[network]
    gap = band.gap(population)
    if gap == 0:
        return None
    members = state.members[network]
    neighbours = sorted(state.neighbour_networks(members, network))
    label = state.network_label(network)
    if gap < 0:
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
        message = (
            f"Network {label} has {population:,} patients, {-gap:,} below the "
            f"{band.min_population:,} minimum: "
            + (f"{fix}, or record" if fix else "it borders no other network, so record")
            + f" a waiver reason ({_WAIVER_REASONS})."
        )
    else:
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
        message = (
            f"Network {label} has {population:,} patients, {gap:,} above the "
            f"{band.max_population:,} maximum: {fix}record a waiver reason."
        )
    return Violation(
        rule="band",
        severity="waivable",
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


def _parts(state: _State, members: Collection[str]) -> list[list[str]]:
    """The connected parts of ``members`` (each sorted), largest population first."""
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


def _contiguity(state: _State, network: str) -> Violation | None:
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
        described.append(f"{state.practice_list(part, named=False)} ({_patients(population)})")
    borders = sorted(state.neighbour_networks(detached, network))
    where = (
        f"to a network it borders ({state.network_list(borders)})"
        if borders
        else "to another network"
    )
    return Violation(
        rule="contiguity",
        severity="hard",
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


def _area_populations(
    state: _State, members: Iterable[str], attribute: dict[str, str | None]
) -> dict[str, int]:
    populations: dict[str, int] = {}
    for practice in members:
        area = attribute[practice]
        if area is not None:
            populations[area] = populations.get(area, 0) + state.list_size[practice]
    return populations


def _boundary(state: _State, network: str, *, allow_crossing: bool) -> Violation | None:
    members = state.members[network]
    by_level = {
        level: _area_populations(state, members, attribute)
        for level, attribute in (("ccg", state.ccg), ("stp", state.stp))
    }
    crossed = [level for level, populations in by_level.items() if len(populations) > 1]
    if not crossed:
        return None
    # Judge by the highest level crossed: leaving the main STP also leaves the main CCG.
    level = crossed[-1]
    attribute = state.stp if level == "stp" else state.ccg
    ranked = _ranked(by_level[level])
    main = ranked[0][0]
    outside = sorted(p for p in members if attribute[p] not in (None, main))
    singular, plural = _LEVEL_WORDS[level]
    areas = []
    for area, population in ranked:
        in_area = [p for p in members if attribute[p] == area]
        text = f"{area} ({_patients(population)}"
        text += f": {state.practice_list(in_area, named=False)})" if area != main else ")"
        areas.append(text)
    also = ""
    if level == "stp" and len(by_level["ccg"]) > 1:
        also = f" and {len(by_level['ccg'])} CCGs"
    if allow_crossing:
        fix = f"crossing is allowed for this run: record the agreement of each {singular}."
    else:
        fix = (
            f"a network must stay inside one {singular}: move "
            f"{state.practice_list(outside, named=False)} to a network in "
            f"{'its own' if len(ranked) == 2 else 'their own'} {singular}, or allow crossing "
            "where the commissioners have agreed it."
        )
    return Violation(
        rule="boundary",
        severity="waivable" if allow_crossing else "hard",
        networks=(network,),
        practices=tuple(outside),
        values={
            "level": level,
            "levels": crossed,
            "main_area": main,
            "population_outside": sum(pop for _, pop in ranked[1:]),
            "ccg": dict(_ranked(by_level["ccg"])),
            "stp": dict(_ranked(by_level["stp"])),
        },
        message=(
            f"Network {state.network_label(network)} crosses {len(ranked)} {plural}{also}: "
            f"{_join(areas)}; {fix}"
        ),
    )


def _patch(state: _State, network: str) -> Violation | None:
    members = state.members[network]
    populations = _area_populations(state, members, state.patch)
    if len(populations) < 2:
        return None
    ranked = _ranked(populations)
    main = ranked[0][0]
    outside = sorted(p for p in members if state.patch[p] not in (None, main))
    straddling = sum(pop for _, pop in ranked[1:])
    areas = []
    for patch, population in ranked:
        in_patch = [p for p in members if state.patch[p] == patch]
        text = f"{patch} ({_patients(population)}"
        text += f": {state.practice_list(in_patch, named=False)})" if patch != main else ")"
        areas.append(text)
    return Violation(
        rule="patch",
        severity="waivable",
        networks=(network,),
        practices=tuple(outside),
        values={
            "patches": dict(ranked),
            "main_patch": main,
            "straddling_population": straddling,
        },
        message=(
            f"Network {state.network_label(network)} straddles {len(ranked)} nursing patches: "
            f"{_join(areas)}; {_patients(straddling)} lie outside its main patch {main}. Move "
            "those practices to a network in their own patch, or record why the split suits "
            "community nursing."
        ),
    )


# --------------------------------------------------------------------------------------------
# Public rules.


def check_coverage(
    plan: Plan, graph: nx.Graph, *, duplicates: Iterable[str] = ()
) -> list[Violation]:
    """Every practice in exactly one network.

    Reports, as one hard violation each: practices of the graph the plan leaves out (or gives
    an empty network), plan codes the graph does not know (``values["kind"] == "unknown"``),
    and ``duplicates`` — codes the plan reader found on more than one row (a :class:`Plan`
    cannot hold them itself). ``values`` has ``kind``, ``count`` and, for unassigned
    practices, their ``population``.
    """
    return _coverage(_State.build(plan, graph, duplicates=duplicates))


def check_band(plan: Plan, graph: nx.Graph, band: Band = _DEFAULT_BAND) -> list[Violation]:
    """Networks whose population lies outside ``band`` (waivable).

    ``values``: ``population``, ``practice_count``, ``min_population``, ``max_population``,
    ``gap`` (negative below the band, positive above), ``direction`` and ``neighbours`` (the
    networks it borders). The message suggests a merge that would land in the band.
    """
    state = _State.build(plan, graph)
    return [v for n in sorted(state.members) if (v := _band(state, n, band)) is not None]


def check_contiguity(
    plan: Plan, graph: nx.Graph, *, upper_graph: nx.Graph | None = None
) -> list[Violation]:
    """Networks whose practices do not induce a connected subgraph (hard).

    Every edge counts as a link, including the flagged ``island`` links across water. With
    ``upper_graph`` (the upper planning level's graph), its edges count too. ``values``:
    ``part_count``, ``parts`` (each ``{"practices", "population"}``, largest first) and
    ``detached_population`` (outside the largest part).
    """
    state = _State.build(plan, graph, upper_graph=upper_graph)
    return [v for n in sorted(state.members) if (v := _contiguity(state, n)) is not None]


def check_boundaries(
    plan: Plan, graph: nx.Graph, *, allow_crossing: bool = False
) -> list[Violation]:
    """Networks whose practices lie in more than one CCG or STP.

    Hard, or waivable when ``allow_crossing``. One violation per network, judged at the
    highest level crossed; practices with no recorded area are ignored. ``values``:
    ``level``, ``levels`` (every level crossed), ``main_area``, ``population_outside``, and
    ``ccg`` / ``stp`` (area → population, largest first).
    """
    state = _State.build(plan, graph)
    return [
        v
        for n in sorted(state.members)
        if (v := _boundary(state, n, allow_crossing=allow_crossing)) is not None
    ]


def check_patches(plan: Plan, graph: nx.Graph) -> list[Violation]:
    """Networks that straddle nursing patches (waivable).

    ``values``: ``patches`` (patch → population, largest first), ``main_patch`` and
    ``straddling_population`` (the population outside the largest patch). Practices with no
    patch are ignored.
    """
    state = _State.build(plan, graph)
    return [v for n in sorted(state.members) if (v := _patch(state, n)) is not None]


@dataclass(frozen=True)
class _Settings:
    band: Band
    allow_crossing: bool


def _network_results(
    state: _State, network: str, settings: _Settings
) -> dict[Rule, Violation | None]:
    return {
        "band": _band(state, network, settings.band),
        "contiguity": _contiguity(state, network),
        "boundary": _boundary(state, network, allow_crossing=settings.allow_crossing),
        "patch": _patch(state, network),
    }


def _report(
    state: _State, results: Mapping[str, Mapping[Rule, Violation | None]], band: Band
) -> Report:
    by_rule: dict[Rule, list[Violation]] = {rule: [] for rule in RULES}
    by_rule["coverage"] = _coverage(state)
    networks = sorted(state.members)
    for network in networks:
        for rule, violation in results[network].items():
            if violation is not None:
                by_rule[rule].append(violation)
    violations = tuple(v for rule in RULES for v in by_rule[rule])
    below = sum(1 for n in networks if state.population[n] < band.min_population)
    above = sum(1 for n in networks if state.population[n] > band.max_population)
    summary: dict[str, int] = {
        "networks": len(networks),
        "in_band": len(networks) - below - above,
        "below": below,
        "above": above,
        "hard": sum(1 for v in violations if v.severity == "hard"),
        "waivable": sum(1 for v in violations if v.severity == "waivable"),
        **{rule: len(by_rule[rule]) for rule in RULES},
    }
    return Report(violations, summary)


def validate(
    plan: Plan,
    graph: nx.Graph,
    *,
    band: Band = _DEFAULT_BAND,
    upper_graph: nx.Graph | None = None,
    allow_crossing: bool = False,
    duplicates: Iterable[str] = (),
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
    duplicates
        Practice codes the plan reader found on more than one row.

    Returns
    -------
    Report
        Every violation and the summary counts.
    """
    state = _State.build(plan, graph, upper_graph=upper_graph, duplicates=duplicates)
    settings = _Settings(band, allow_crossing)
    results = {n: _network_results(state, n, settings) for n in state.members}
    report = _report(state, results, band)
    logger.info(
        "validated %d practices in %d networks: %d hard, %d waivable violations",
        len(plan),
        report.summary["networks"],
        report.summary["hard"],
        report.summary["waivable"],
    )
    return report


class LiveValidator:
    """A report kept up to date while practices move, for interactive editing.

    A move re-checks only the networks it can change: the networks the practices leave and
    join, and the networks next to those (their band advice names their neighbours and the
    neighbours' populations). Every other network keeps its cached result, so the report
    always equals a fresh :func:`validate` of :attr:`plan`.

    Parameters
    ----------
    plan, graph, band, upper_graph, allow_crossing, duplicates
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
        band: Band = _DEFAULT_BAND,
        upper_graph: nx.Graph | None = None,
        allow_crossing: bool = False,
        duplicates: Iterable[str] = (),
    ) -> None:
        self._plan = plan
        self._settings = _Settings(band, allow_crossing)
        self._state = _State.build(plan, graph, upper_graph=upper_graph, duplicates=duplicates)
        self._results = {
            n: _network_results(self._state, n, self._settings) for n in self._state.members
        }
        self._report = _report(self._state, self._results, band)

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
        target = _network_id(network)
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
                self._results[current] = _network_results(state, current, self._settings)
            else:
                self._results.pop(current, None)
        self._report = _report(state, self._results, self._settings.band)
        logger.debug("re-checked %d of %d networks", len(dirty), len(state.members))
        return self._report


def _moved_plan(plan: Plan, practices: list[str], network: str | None) -> Plan:
    """``plan.moved`` that also accepts ``None`` (the practices leave the plan)."""
    if network is not None:
        return plan.moved(practices, network)
    leaving = set(practices)
    assignment = {p: n for p, n in plan.assignment.items() if p not in leaving}
    in_use = set(assignment.values())
    return Plan(assignment, {n: v for n, v in plan.names.items() if n in in_use})
