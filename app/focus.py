"""What the map highlights and zooms to: a selection, a violation, a patch, an area.

Choosing something in a panel sets ``map_focus`` to its kind (:func:`set_focus`); the map
then highlights and frames it, until something else is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.data import practice_info, scope_ccgs
from app.facts import Facts
from app.state import ALL, AppState, state
from footprints.diff import diff_plans
from footprints.plan import Plan

__all__ = [
    "Focus",
    "area_networks",
    "area_practices",
    "compared_with",
    "forget_stale_choices",
    "map_focus",
    "moved_practices",
    "set_focus",
]


@dataclass
class Focus:
    """The practices, networks and patches the map highlights, and the practices it frames."""

    practices: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    patches: set[str] = field(default_factory=set)
    codes: list[str] = field(default_factory=list)


def area_practices() -> list[str]:
    """List the codes of the practices in the area chosen (every practice for "All")."""
    in_scope = set(scope_ccgs())
    return sorted(c for c, info in practice_info().items() if info["ccg"] in in_scope)


def area_networks(plan: Plan) -> list[str]:
    """List the networks holding a practice of the area chosen (the menus offer only these)."""
    return sorted({plan.assignment[c] for c in area_practices() if c in plan.assignment})


def set_focus(kind: str) -> Callable[[], None]:
    """Make a widget callback that points the map at ``kind`` (``"selection"``, ``"patch"`` …)."""

    def choose() -> None:
        state.map_focus = kind

    return choose


def compared_with(facts: Facts) -> Plan:
    """Give the plan the Compare tab compares the working plan with (its choice, or its first)."""
    current = facts["region"].current
    if state.compare_with == "start" or current is None:
        return state.working.history[0].plan
    return current


def moved_practices(facts: Facts) -> list[str]:
    """List the practices moved from the plan compared with (memoised per plan and baseline).

    The map highlights them while the Compare tab's box is ticked, whichever tab is open:
    the list is worked out for the plan at hand, not taken from the tab's last drawing.
    """
    baseline = compared_with(facts)
    memo = state.compare_memo
    if memo is not None and memo[0] is facts and memo[1] is baseline:
        return list(memo[2])
    populations = {c: info["list_size"] for c, info in practice_info().items()}
    difference = diff_plans(baseline, facts["plan"], populations=populations)
    moved = [m.practice for m in difference.moved]
    state.compare_memo = (facts, baseline, moved)
    return moved


def forget_stale_choices(facts: Facts) -> None:
    """Clear a chosen violation, patch or network that an edit has made disappear."""
    alignment = facts["alignment"]
    for entry, options in (
        (AppState.violation_choice, facts["violation_ids"]),
        (AppState.trust_patch, alignment.patch_networks),
        (AppState.trust_network, alignment.network_patches),
    ):
        if entry.get() is not None and entry.get() not in options:
            entry.pop()  # what it pointed at is gone after an edit


def map_focus(facts: Facts) -> Focus:
    """Work out what the map shows for the choice ``map_focus`` names (the selection is lit)."""
    plan, alignment = facts["plan"], facts["alignment"]
    moved = moved_practices(facts) if state.compare_show else []
    focus = Focus(practices=set(state.selected) | set(moved))  # moved: lit while ticked
    kind = state.map_focus
    if kind == "violation" and state.violation_choice is not None:
        violation = facts["violation_ids"].get(state.violation_choice)
        if violation is not None:
            focus.networks = set(violation.networks)
            focus.practices |= set(violation.practices)
            focus.codes = [p for n in violation.networks for p in plan.networks().get(n, [])]
            focus.codes += list(violation.practices)
    elif kind == "patch" and state.trust_patch:
        patch = state.trust_patch
        focus.patches = {patch}
        focus.networks = set(alignment.patch_networks.get(patch, ()))
        focus.codes = [p for n in focus.networks for p in plan.networks().get(n, [])]
    elif kind == "network" and state.trust_network:
        network = state.trust_network
        focus.networks = {network}
        focus.patches = set(alignment.network_patches.get(network, {}))
        focus.codes = list(plan.networks().get(network, []))
    elif kind == "chosen" and state.lock_network in plan.networks():
        network = state.lock_network
        focus.networks = {network}
        focus.codes = list(plan.networks()[network])
    elif kind == "compare" and moved:
        focus.codes = list(moved)
    elif kind == "selection" and state.selected:
        # The selected practices in the context of their networks.
        members = plan.networks()
        focus.codes = list(state.selected)
        for code in state.selected:
            focus.codes += members.get(plan.assignment.get(code, ""), [])
    elif kind == "area" and state.area_ccg not in (None, ALL):
        in_scope = set(scope_ccgs())
        focus.codes = [c for c, info in practice_info().items() if info["ccg"] in in_scope]
    return focus
