"""A plan: which network each practice belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Band", "Plan", "PlanState"]


@dataclass(frozen=True)
class Band:
    """The population band a network should fall in (registered patients)."""

    min_population: int = 30_000
    max_population: int = 50_000

    def __post_init__(self) -> None:
        """Refuse an empty band (a minimum above the maximum, or a negative one)."""
        if not 0 <= self.min_population <= self.max_population:
            raise ValueError(
                f"population band [{self.min_population:,}, {self.max_population:,}] is empty: "
                "the minimum must be at most the maximum"
            )

    def contains(self, population: int) -> bool:
        """Whether ``population`` lies in the band (both ends included)."""
        return self.min_population <= population <= self.max_population

    def gap(self, population: int) -> int:
        """Patients below the minimum (negative) or above the maximum (positive); 0 in band."""
        if population < self.min_population:
            return population - self.min_population
        if population > self.max_population:
            return population - self.max_population
        return 0


@dataclass(frozen=True)
class Plan:
    """Practice code → network id, plus optional network names and waiver reasons.

    A plan is immutable: edits return a new plan, so the app can keep an undo history.

    Parameters
    ----------
    assignment
        Practice code → network id.
    names
        Network id → its name, as the user wrote it (case kept).
    waivers
        Network id → the reason recorded for letting a waivable rule stand (a network
        outside the band, one straddling patches); the submission pack prints it.
    """

    assignment: Mapping[str, str]
    names: Mapping[str, str] = field(default_factory=dict)
    waivers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Freeze the mappings, so a plan cannot change under its users."""
        object.__setattr__(self, "assignment", MappingProxyType(dict(self.assignment)))
        object.__setattr__(self, "names", MappingProxyType(dict(self.names)))
        object.__setattr__(self, "waivers", MappingProxyType(dict(self.waivers)))

    def networks(self) -> dict[str, list[str]]:
        """Network id → its practice codes (sorted), networks in sorted order."""
        members: dict[str, list[str]] = {}
        for practice, network in self.assignment.items():
            members.setdefault(network, []).append(practice)
        return {n: sorted(members[n]) for n in sorted(members)}

    def network_name(self, network: str) -> str:
        """Return the network's name, or its id when it has none."""
        return self.names.get(network, network)

    def moved(self, practices: Iterable[str], network: str) -> Plan:
        """Return a new plan with ``practices`` moved to ``network`` (created if new).

        Names and waiver reasons of networks left empty are dropped.
        """
        assignment = dict(self.assignment)
        for practice in practices:
            assignment[practice] = network
        used = set(assignment.values())
        names = {n: v for n, v in self.names.items() if n in used}
        waivers = {n: v for n, v in self.waivers.items() if n in used}
        return Plan(assignment, names, waivers)

    def renamed(self, network: str, name: str) -> Plan:
        """Return a new plan in which ``network`` is called ``name`` (spaces trimmed, case kept).

        An empty name gives the network back its id as its name.
        """
        names = dict(self.names)
        if name.strip():
            names[network] = name.strip()
        else:
            names.pop(network, None)
        return Plan(self.assignment, names, self.waivers)

    def with_waiver(self, network: str, reason: str) -> Plan:
        """Return a new plan recording ``reason`` as the waiver of ``network`` (empty: none)."""
        waivers = dict(self.waivers)
        if reason.strip():
            waivers[network] = reason.strip()
        else:
            waivers.pop(network, None)
        return Plan(self.assignment, self.names, waivers)

    def restricted(self, practices: Iterable[str]) -> Plan:
        """Return the plan of ``practices`` only, with its networks' names and waivers."""
        wanted = set(practices)
        assignment = {p: n for p, n in self.assignment.items() if p in wanted}
        used = set(assignment.values())
        return Plan(
            assignment,
            {n: v for n, v in self.names.items() if n in used},
            {n: v for n, v in self.waivers.items() if n in used},
        )

    def __len__(self) -> int:
        """Return the number of practices assigned."""
        return len(self.assignment)

    def __eq__(self, other: object) -> bool:
        """Plans are equal when they assign, name and waive alike."""
        if not isinstance(other, Plan):
            return NotImplemented
        return (
            dict(self.assignment) == dict(other.assignment)
            and dict(self.names) == dict(other.names)
            and dict(self.waivers) == dict(other.waivers)
        )

    def __hash__(self) -> int:
        """Hash the assignment (names do not change which practices go together)."""
        return hash(frozenset(self.assignment.items()))


@dataclass(frozen=True)
class PlanState:
    """A plan as it is saved: the plan, its locked networks and its waiver reasons.

    Parameters
    ----------
    plan
        Practice → network, with the networks' names.
    locks
        Network ids locked against moves and re-optimising.
    waivers
        Network id → the reason its waivable violations are accepted.
    """

    plan: Plan
    locks: frozenset[str] = frozenset()
    waivers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Freeze the locks and waivers (given as any iterable and mapping)."""
        object.__setattr__(self, "locks", frozenset(str(n) for n in self.locks))
        waivers = {str(n): str(r) for n, r in self.waivers.items()}
        object.__setattr__(self, "waivers", MappingProxyType(waivers))

    def __eq__(self, other: object) -> bool:
        """States are equal when their plans, locks and waivers are."""
        if not isinstance(other, PlanState):
            return NotImplemented
        return (self.plan, self.locks, dict(self.waivers)) == (
            other.plan,
            other.locks,
            dict(other.waivers),
        )

    def __hash__(self) -> int:
        """Hash the plan and the locks."""
        return hash((self.plan, self.locks))
