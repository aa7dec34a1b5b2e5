"""Three-way merge of plans: two editors' changes since the version both started from.

Each practice's network, each network's name, each lock and each waiver reason is merged on
its own, against the common base:

- changed on one side only (or alike on both): the change is kept;
- changed differently on both sides: a :class:`MergeConflict`; the merged plan keeps
  *mine* (the side merging), and :meth:`MergeResult.resolve` takes *theirs* for any of the
  conflicts.

A network id that both sides created independently (the app numbers new networks ``NEW01``,
``NEW02`` … in every session) is one network when both put a practice in it; when they share
no practice, *theirs* is renumbered to an id neither side uses, and
:attr:`MergeResult.renamed` says so. Names, locks and waivers of networks the merged plan no
longer has are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from footprints.plan import Plan, PlanState

__all__ = ["ConflictKind", "MergeConflict", "MergeResult", "merge_plans", "merge_states"]

ConflictKind = Literal["practice", "name", "lock", "waiver"]
"""What a conflict is about: a practice's network, a network's name, lock or waiver."""

_LOCKED = "locked"


@dataclass(frozen=True)
class MergeConflict:
    """One thing both sides changed differently since the base.

    Parameters
    ----------
    kind
        ``"practice"`` (``key`` is a practice code, the values networks), ``"name"``,
        ``"lock"`` or ``"waiver"`` (``key`` is a network id; a lock's values are
        ``"locked"`` or ``None``).
    key
        The practice code or network id.
    base, mine, theirs
        The value at the base and on each side; ``None`` for none (a practice left out of
        the plan, a network without a name, lock or waiver).
    """

    kind: ConflictKind
    key: str
    base: str | None
    mine: str | None
    theirs: str | None

    def __str__(self) -> str:
        """Say what both sides did, in one line."""
        what = {"practice": "practice", "name": "name of network", "lock": "lock of network"}
        return (
            f"{what.get(self.kind, 'waiver of network')} {self.key}: was {_shown(self.base)}, "
            f"mine {_shown(self.mine)}, theirs {_shown(self.theirs)}"
        )


def _shown(value: str | None) -> str:
    return "none" if value is None else repr(value)


@dataclass(frozen=True)
class MergeResult:
    """A merged state, the conflicts in it, and their networks renumbered to keep apart.

    Parameters
    ----------
    state
        The merge: every change of either side, and *mine* wherever they conflict.
    conflicts
        What both sides changed differently, practices first, each kind in key order.
    renamed
        Network id created by *theirs* → the id it has in the merge, for networks both
        sides created under one id with no practice in common.
    theirs
        *Theirs*, renumbered as ``renamed`` says (what :meth:`resolve` takes from).
    """

    state: PlanState
    conflicts: tuple[MergeConflict, ...]
    renamed: Mapping[str, str] = field(default_factory=dict)
    theirs: PlanState | None = None

    @property
    def plan(self) -> Plan:
        """The merged plan."""
        return self.state.plan

    @property
    def clean(self) -> bool:
        """Whether the sides changed nothing in common differently."""
        return not self.conflicts

    def resolve(self, take_theirs: Iterable[tuple[ConflictKind, str]]) -> PlanState:
        """Return the merge with *theirs* taken for the conflicts named ``(kind, key)``.

        Raises
        ------
        KeyError
            When a pair names no conflict of this merge.
        """
        wanted = set(take_theirs)
        known = {(c.kind, c.key): c for c in self.conflicts}
        unknown = sorted(wanted - set(known))
        if unknown:
            raise KeyError(
                f"no conflict {unknown[0][0]} {unknown[0][1]} in this merge; conflicts: "
                + (", ".join(f"{k} {v}" for k, v in sorted(known)) or "none")
            )
        assignment = dict(self.state.plan.assignment)
        names = dict(self.state.plan.names)
        locks = set(self.state.locks)
        waivers = dict(self.state.waivers)
        for kind, key in sorted(wanted):
            value = known[(kind, key)].theirs
            target: dict[str, str] = {"practice": assignment, "name": names, "waiver": waivers}.get(
                kind, {}
            )
            if kind == "lock" and value is not None:
                locks.add(key)
            elif kind == "lock":
                locks.discard(key)
            elif value is None:
                target.pop(key, None)
            else:
                target[key] = value
        if self.theirs is not None:  # a name taken from theirs for a network only they had
            names = {**{n: v for n, v in self.theirs.plan.names.items() if n not in names}, **names}
        return _tidy(assignment, names, locks, waivers)


def merge_plans(base: Plan, mine: Plan, theirs: Plan) -> MergeResult:
    """Merge two plans changed from a common ``base`` (see the module notes).

    Returns
    -------
    MergeResult
        The merged plan (as ``result.plan``), the conflicts and renumbered networks.
    """
    return merge_states(PlanState(base), PlanState(mine), PlanState(theirs))


def merge_states(base: PlanState, mine: PlanState, theirs: PlanState) -> MergeResult:
    """Merge two saved states (plan, locks, waivers) changed from a common ``base``.

    Returns
    -------
    MergeResult
        The merged state, the conflicts (the merge keeps *mine* for each) and the networks
        of *theirs* renumbered because *mine* created another network under the same id.
    """
    renamed = _clashing_new_networks(base.plan, mine.plan, theirs.plan)
    if renamed:
        theirs = _renumbered(theirs, renamed)
    conflicts: list[MergeConflict] = []
    assignment = _merge_mapping(
        "practice", base.plan.assignment, mine.plan.assignment, theirs.plan.assignment, conflicts
    )
    names = _merge_mapping("name", base.plan.names, mine.plan.names, theirs.plan.names, conflicts)
    locks = _merge_mapping(
        "lock", _as_map(base.locks), _as_map(mine.locks), _as_map(theirs.locks), conflicts
    )
    waivers = _merge_mapping("waiver", base.waivers, mine.waivers, theirs.waivers, conflicts)
    state = _tidy(assignment, names, set(locks), waivers)
    used = set(state.plan.assignment.values())
    kept = tuple(c for c in conflicts if c.kind == "practice" or c.key in used)
    return MergeResult(state, kept, renamed, theirs)


def _as_map(locks: frozenset[str]) -> dict[str, str]:
    return dict.fromkeys(locks, _LOCKED)


def _merge_mapping(
    kind: ConflictKind,
    base: Mapping[str, str],
    mine: Mapping[str, str],
    theirs: Mapping[str, str],
    conflicts: list[MergeConflict],
) -> dict[str, str]:
    """Merge one mapping key by key; record the keys both sides changed differently."""
    merged: dict[str, str] = {}
    for key in sorted(set(base) | set(mine) | set(theirs)):
        was, ours, other = base.get(key), mine.get(key), theirs.get(key)
        if ours == other or other == was:
            value = ours
        elif ours == was:
            value = other
        else:
            conflicts.append(MergeConflict(kind, key, was, ours, other))
            value = ours
        if value is not None:
            merged[key] = value
    return merged


def _tidy(
    assignment: Mapping[str, str],
    names: Mapping[str, str],
    locks: Iterable[str],
    waivers: Mapping[str, str],
) -> PlanState:
    """Build the state, dropping the names, locks and waivers of networks no longer used."""
    used = set(assignment.values())
    return PlanState(
        Plan(assignment, {n: v for n, v in names.items() if n in used}),
        frozenset(n for n in locks if n in used),
        {n: r for n, r in waivers.items() if n in used},
    )


def _clashing_new_networks(base: Plan, mine: Plan, theirs: Plan) -> dict[str, str]:
    """Network ids both sides created with no practice in common → a fresh id for theirs."""
    before = set(base.assignment.values())
    ours = {n: set(p) for n, p in mine.networks().items() if n not in before}
    others = {n: set(p) for n, p in theirs.networks().items() if n not in before}
    taken = before | set(ours) | set(others) | set(mine.names) | set(theirs.names)
    renamed: dict[str, str] = {}
    for network in sorted(set(ours) & set(others)):
        if ours[network] & others[network]:  # sharing a practice: one network, grown apart
            continue
        fresh = _fresh_id(network, taken)
        taken.add(fresh)
        renamed[network] = fresh
    return renamed


def _fresh_id(network: str, taken: set[str]) -> str:
    """``NEW01`` → the first of ``NEW02``, ``NEW03`` … that ``taken`` lacks."""
    prefix = re.sub(r"\d+$", "", network) or network
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def _renumbered(state: PlanState, renamed: Mapping[str, str]) -> PlanState:
    """Return ``state`` with its networks renumbered as ``renamed`` says."""

    def new(network: str) -> str:
        return renamed.get(network, network)

    plan = Plan(
        {p: new(n) for p, n in state.plan.assignment.items()},
        {new(n): v for n, v in state.plan.names.items()},
    )
    return PlanState(
        plan, frozenset(new(n) for n in state.locks), {new(n): r for n, r in state.waivers.items()}
    )
