"""Coverage: every practice in exactly one network (checked once over the whole plan)."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from footprints.errors import close_matches
from footprints.plan import Plan
from footprints.rules.base import (
    LIST_LIMIT,
    PlanState,
    Rule,
    RuleContext,
    Violation,
    join,
    patients,
    practices_word,
)

__all__ = ["COVERAGE", "check_coverage"]


def _practice_with_size(state: PlanState, practice: str) -> str:
    name = state.name.get(practice, "")
    size = patients(state.list_size[practice])
    return f"{practice} ({name}, {size})" if name and name != practice else f"{practice} ({size})"


def _coverage(state: PlanState, context: RuleContext, /) -> list[Violation]:
    return [v for v in (_unassigned(state), _unknown(state), _duplicates(state)) if v is not None]


def _unassigned(state: PlanState) -> Violation | None:
    if not state.unassigned:
        return None
    practices = tuple(sorted(state.unassigned))
    population = sum(state.list_size[p] for p in practices)
    count = len(practices)
    if count == 1:
        head = f"Practice {_practice_with_size(state, practices[0])} is in no network"
        fix = "assign it to a neighbouring network"
    else:
        shown = [_practice_with_size(state, p) for p in practices[:LIST_LIMIT]]
        if count > LIST_LIMIT:
            shown.append(f"{count - LIST_LIMIT} more")
        head = f"{count} practices ({patients(population)}) are in no network: {join(shown)}"
        fix = "assign each to a neighbouring network"
    return Violation(
        rule=COVERAGE.name,
        severity=COVERAGE.severity,
        networks=(),
        practices=practices,
        values={"kind": "unassigned", "count": count, "population": population},
        message=f"{head}. Every practice must be in exactly one network: {fix}.",
    )


def _unknown(state: PlanState) -> Violation | None:
    if not state.unknown:
        return None
    practices = tuple(sorted(state.unknown))
    networks = tuple(sorted({n for n in state.unknown.values() if n is not None}))
    left_out = sorted(state.unassigned)  # where a mistyped code's practice is

    def named(practice: str) -> str:
        network = state.unknown[practice]
        near = close_matches(practice, left_out)
        # "in N1, Riverside PCN": the network's name inside these brackets needs none of its own
        name = state.names.get(network) if network else None
        where = f"{network}, {name}" if network and name and name != network else network
        notes = ([f"in {where}"] if where else []) + (
            [f"did you mean {' or '.join(near)}?"] if near else []
        )
        return f"{practice} ({'; '.join(notes)})" if notes else practice

    listed = join(
        [named(p) for p in practices[:LIST_LIMIT]]
        + ([f"{len(practices) - LIST_LIMIT} more"] if len(practices) > LIST_LIMIT else [])
    )
    count = len(practices)
    return Violation(
        rule=COVERAGE.name,
        severity=COVERAGE.severity,
        networks=networks,
        practices=practices,
        values={"kind": "unknown", "count": count},
        message=(
            f"The plan names {count} practice code{'s' if count != 1 else ''} not in "
            f"this area's practice list: {listed}. Correct each code, or remove its row "
            "if the practice has closed or belongs to another area."
        ),
    )


def _duplicates(state: PlanState) -> Violation | None:
    if not state.duplicates:
        return None
    practices = tuple(sorted(state.duplicates))
    count = len(practices)
    return Violation(
        rule=COVERAGE.name,
        severity=COVERAGE.severity,
        networks=(),
        practices=practices,
        values={"kind": "duplicate", "count": count},
        message=(
            f"The plan lists {practices_word(count)} more than once: "
            f"{state.practice_list(practices)}. Keep one row per practice, in the "
            "network it belongs to."
        ),
    )


COVERAGE = Rule(
    name="coverage",
    title="Coverage",
    scope="plan",
    check=_coverage,
    severity="hard",
    description="Every practice is in exactly one network.",
    optimiser="Holds by construction: the master problem covers every practice exactly once.",
)
"""Every practice in exactly one network (hard, whole plan)."""


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
    state = PlanState.build(plan, graph, duplicates=duplicates)
    return COVERAGE.check_plan(state, RuleContext())
