"""What changed between two plans: moved practices, and networks created, dissolved, merged, split.

Networks of plan A are matched to networks of plan B, so two plans that number their
networks differently (an optimiser's proposal beside the published ePCN codes) compare by
what the networks are, not by what they are called:

1. A network id present in both plans, sharing at least one practice, is the same network.
2. The remaining networks are paired greedily by overlap — the number of practices they
   share, most first (ties: the larger shared population when populations are given, then
   the smaller ids). Each network is matched at most once; a pair shares at least one
   practice.

A practice in both plans has **moved** when its network in B is not the match of its
network in A (with identical ids the match is the identity, so moved means "changed
network"). A practice only in A is *unassigned* by B; one only in B is *assigned*.

A network of A that is matched to none of B is **dissolved**; a network of B matched to none
of A is **created**. "Mostly" means more than half of the practices: a network of A goes
mostly into the network of B holding more than half of its practices, and a network of B
comes mostly from the network of A that gave more than half of its practices. Two or more
networks of A going mostly into one network of B were **merged**; one network of A from
which two or more networks of B come mostly was **split**. (A single practice changing
network is a move, never a merge or split.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from footprints.errors import count
from footprints.plan import Plan

__all__ = ["Merge", "NetworkChange", "PlanDiff", "PracticeMove", "Split", "diff_plans"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PracticeMove:
    """A practice whose network changed: ``from_network`` in A, ``to_network`` in B."""

    practice: str
    from_network: str
    to_network: str


@dataclass(frozen=True)
class Merge:
    """Networks of A (``networks``) that went mostly into one network of B (``into``)."""

    into: str
    networks: tuple[str, ...]


@dataclass(frozen=True)
class Split:
    """A network of A (``network``) from which several networks of B (``into``) came."""

    network: str
    into: tuple[str, ...]


@dataclass(frozen=True)
class NetworkChange:
    """One network before and after: matched, dissolved (``b`` is None) or created (``a``).

    ``gained`` and ``lost`` are the practices that joined and left; populations are ``None``
    when :func:`diff_plans` was given none (0 on the missing side of a created or dissolved
    network).
    """

    a: str | None
    b: str | None
    a_name: str | None
    b_name: str | None
    gained: tuple[str, ...]
    lost: tuple[str, ...]
    a_population: int | None
    b_population: int | None

    @property
    def population_change(self) -> int | None:
        """Patients gained (positive) or lost from plan A to plan B; ``None`` if unknown."""
        if self.a_population is None or self.b_population is None:
            return None
        return self.b_population - self.a_population


@dataclass(frozen=True)
class PlanDiff:
    """The differences between plan A and plan B (see the module notes for the rules).

    Parameters
    ----------
    matches
        Network of A → its matched network of B.
    moved
        Practices in both plans whose network changed, by practice code.
    unassigned, assigned
        Practices in A only, and in B only.
    created, dissolved
        Networks of B matched to none of A, and of A matched to none of B.
    merged, split
        See :class:`Merge` and :class:`Split`.
    changes
        Every network that gained or lost practices, was created or dissolved, renamed or
        re-numbered, in order of A's id (created networks last, by B's id).
    """

    matches: Mapping[str, str]
    moved: tuple[PracticeMove, ...]
    unassigned: tuple[str, ...]
    assigned: tuple[str, ...]
    created: tuple[str, ...]
    dissolved: tuple[str, ...]
    merged: tuple[Merge, ...]
    split: tuple[Split, ...]
    changes: tuple[NetworkChange, ...]

    @property
    def identical(self) -> bool:
        """True when no practice moved and no network changed (ids and names included)."""
        return not (self.moved or self.unassigned or self.assigned or self.changes)

    def to_dict(self) -> dict[str, Any]:
        """Return the diff as JSON-ready data."""
        return {
            "identical": self.identical,
            "summary": {
                "moved": len(self.moved),
                "unassigned": len(self.unassigned),
                "assigned": len(self.assigned),
                "created": len(self.created),
                "dissolved": len(self.dissolved),
                "merged": len(self.merged),
                "split": len(self.split),
            },
            "matches": dict(self.matches),
            "moved": [
                {"practice": m.practice, "from": m.from_network, "to": m.to_network}
                for m in self.moved
            ],
            "unassigned": list(self.unassigned),
            "assigned": list(self.assigned),
            "created": list(self.created),
            "dissolved": list(self.dissolved),
            "merged": [{"into": m.into, "networks": list(m.networks)} for m in self.merged],
            "split": [{"network": s.network, "into": list(s.into)} for s in self.split],
            "networks": [
                {
                    "a": c.a,
                    "b": c.b,
                    "a_name": c.a_name,
                    "b_name": c.b_name,
                    "gained": list(c.gained),
                    "lost": list(c.lost),
                    "a_population": c.a_population,
                    "b_population": c.b_population,
                    "population_change": c.population_change,
                }
                for c in self.changes
            ],
        }

    def to_text(self) -> str:
        """Write a plain-text account for a reader, one change per line."""
        if self.identical:
            return "The plans are identical."
        summary = self.to_dict()["summary"]
        lines = [
            f"{count(summary['moved'], 'practice')} moved, "
            f"{count(summary['created'], 'network')} created, "
            f"{summary['dissolved']} dissolved, {count(summary['merged'], 'merge')}, "
            f"{count(summary['split'], 'split')}."
        ]
        if self.merged:
            lines.append("Merged:")
            lines += [f"  {' + '.join(m.networks)} → {m.into}" for m in self.merged]
        if self.split:
            lines.append("Split:")
            lines += [f"  {s.network} → {' + '.join(s.into)}" for s in self.split]
        if self.created:
            lines.append(f"Created: {', '.join(self.created)}")
        if self.dissolved:
            lines.append(f"Dissolved: {', '.join(self.dissolved)}")
        if self.moved:
            lines.append("Moved:")
            lines += [f"  {m.practice}: {m.from_network} → {m.to_network}" for m in self.moved]
        if self.unassigned:
            lines.append(f"In no network in B: {', '.join(self.unassigned)}")
        if self.assigned:
            lines.append(f"In no network in A: {', '.join(self.assigned)}")
        if self.changes:
            lines.append("Networks:")
            lines += [f"  {_describe(c)}" for c in self.changes]
        return "\n".join(lines)


def _label(network: str | None, name: str | None) -> str:
    if network is None:
        return "—"
    return f"{network} ({name})" if name and name != network else network


def _describe(change: NetworkChange) -> str:
    a, b = _label(change.a, change.a_name), _label(change.b, change.b_name)
    head = f"{a} → {b}" if change.a != change.b or change.a_name != change.b_name else a
    if change.a is None:
        head = f"new {b}"
    elif change.b is None:
        head = f"{a} dissolved"
    parts = []
    if change.gained:
        parts.append(f"gained {', '.join(change.gained)}")
    if change.lost:
        parts.append(f"lost {', '.join(change.lost)}")
    if change.a_population is not None or change.b_population is not None:
        before = change.a_population or 0
        after = change.b_population or 0
        parts.append(f"{before:,} → {after:,} patients ({after - before:+,})")
    return head + (": " + "; ".join(parts) if parts else "")


def _match(
    a_members: Mapping[str, list[str]],
    b_network_of: Mapping[str, str],
    populations: Mapping[str, int] | None,
) -> dict[str, str]:
    shared: dict[tuple[str, str], list[str]] = {}
    for a, practices in a_members.items():
        for practice in practices:
            b = b_network_of.get(practice)
            if b is not None:
                shared.setdefault((a, b), []).append(practice)
    matches = {a: b for (a, b) in shared if a == b}
    used = set(matches.values())

    def weight(pair: tuple[str, str]) -> tuple[int, int, str, str]:
        practices = shared[pair]
        population = sum(populations.get(p, 0) for p in practices) if populations else 0
        return (-len(practices), -population, *pair)

    for a, b in sorted(shared, key=weight):
        if a not in matches and b not in used:
            matches[a] = b
            used.add(b)
    return {a: matches[a] for a in sorted(matches)}


def _mostly(members: Mapping[str, list[str]], other_of: Mapping[str, str]) -> dict[str, str]:
    """Network → the other plan's network holding more than half of its practices."""
    result = {}
    for network, practices in members.items():
        counts: dict[str, int] = {}
        for practice in practices:
            other = other_of.get(practice)
            if other is not None:
                counts[other] = counts.get(other, 0) + 1
        for other, shared in counts.items():
            if 2 * shared > len(practices):
                result[network] = other
    return result


def diff_plans(a: Plan, b: Plan, *, populations: Mapping[str, int] | None = None) -> PlanDiff:
    """Compare plan ``a`` with plan ``b``.

    Parameters
    ----------
    a, b
        The plans, e.g. the published configuration and a proposal.
    populations
        Practice code → list size; adds populations to each network's change (and breaks
        ties when matching networks).

    Returns
    -------
    PlanDiff
        Matches, moved practices, networks created, dissolved, merged and split, and the
        change of every network.
    """
    a_members, b_members = a.networks(), b.networks()
    a_of, b_of = dict(a.assignment), dict(b.assignment)
    matches = _match(a_members, b_of, populations)
    moved = tuple(
        PracticeMove(practice, a_of[practice], b_of[practice])
        for practice in sorted(set(a_of) & set(b_of))
        if matches.get(a_of[practice]) != b_of[practice]
    )
    matched_b = set(matches.values())
    created = tuple(n for n in b_members if n not in matched_b)
    dissolved = tuple(n for n in a_members if n not in matches)

    into = _mostly(a_members, b_of)
    sources: dict[str, list[str]] = {}
    for network, target in into.items():
        sources.setdefault(target, []).append(network)
    merged = tuple(
        Merge(target, tuple(sorted(networks)))
        for target, networks in sorted(sources.items())
        if len(networks) >= 2
    )
    came_from = _mostly(b_members, a_of)
    children: dict[str, list[str]] = {}
    for network, source in came_from.items():
        children.setdefault(source, []).append(network)
    split = tuple(
        Split(source, tuple(sorted(networks)))
        for source, networks in sorted(children.items())
        if len(networks) >= 2
    )

    def population(practices: list[str]) -> int | None:
        return None if populations is None else sum(populations.get(p, 0) for p in practices)

    changes = []
    pairs: list[tuple[str | None, str | None]] = [(n, matches.get(n)) for n in a_members]
    pairs += [(None, n) for n in created]
    for a_id, b_id in pairs:
        before = a_members.get(a_id, []) if a_id is not None else []
        after = b_members.get(b_id, []) if b_id is not None else []
        a_name = a.names.get(a_id) if a_id is not None else None
        b_name = b.names.get(b_id) if b_id is not None else None
        change = NetworkChange(
            a=a_id,
            b=b_id,
            a_name=a_name,
            b_name=b_name,
            gained=tuple(sorted(set(after) - set(before))),
            lost=tuple(sorted(set(before) - set(after))),
            a_population=population(before),
            b_population=population(after),
        )
        if change.gained or change.lost or a_id != b_id or a_name != b_name:
            changes.append(change)

    result = PlanDiff(
        matches=matches,
        moved=moved,
        unassigned=tuple(sorted(set(a_of) - set(b_of))),
        assigned=tuple(sorted(set(b_of) - set(a_of))),
        created=created,
        dissolved=dissolved,
        merged=merged,
        split=split,
        changes=tuple(changes),
    )
    logger.info(
        "compared plans: %d practices moved, %d networks created, %d dissolved",
        len(moved),
        len(created),
        len(dissolved),
    )
    return result
