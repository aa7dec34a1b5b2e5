"""Why each practice moved: the rule its move fixes, or the network it makes room in.

In repair mode a practice *moved* when its network in the new plan is not its current one
(a network matched to a current network keeps that network's id, see
:mod:`footprints.optimiser.explain`). For each move, in this order of precedence:

1. **forced** — the practice alone is over the maximum: it forms a network of its own;
2. **fixes** its old network — which lay in separate parts (and the practice was in a
   detached part), was outside the band, or failed a candidate filter;
3. **fixes** its new network — a current network that broke a rule (too small, in parts the
   practice joins up, …);
4. **room** — both networks complied: it leaves to make room in its old network for the
   practices moving in, or takes the place in its new network of the practices that left.

The rules broken come from :func:`~footprints.optimiser.priorities.current_networks`.
"""

from __future__ import annotations

from collections.abc import Mapping

from footprints.optimiser.compliance import Breach, CurrentNetwork, current_networks
from footprints.optimiser.pieces import names
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.settings import Move

__all__ = ["moved_practices"]


def moved_practices(problem: AreaProblem, assignment: Mapping[str, str]) -> tuple[Move, ...]:
    """Every practice whose network changed from the current plan, with why (in code order).

    Parameters
    ----------
    problem
        The area's problem (its current plan, locks and fixed networks).
    assignment
        The new plan of the area: practice code → network id.
    """
    current = problem.current.assignment
    if not current:
        return ()
    practices = problem.practices
    networks = current_networks(problem)
    alone = {
        practices.codes[f.members[0]]
        for f in problem.fixed
        if not f.frozen and len(f.members) == 1 and f.soft_reason
    }
    moved = [c for c in sorted(current) if c in assignment and assignment[c] != current[c]]
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for code in moved:
        incoming.setdefault(assignment[code], []).append(code)
        outgoing.setdefault(current[code], []).append(code)
    found = []
    for code in moved:
        old, new = current[code], assignment[code]
        i = practices.index[code]
        size = int(practices.population[i])
        head = f"{code} ({size:,} patients) moves from {old} to {new}"
        if code in alone:
            limit = problem.band.max_population
            text = (
                f"{head}: alone it is {size - limit:,} over the maximum {limit:,}, so it "
                "forms a network of its own"
            )
            found.append(Move(code, size, old, new, "forced", "band", old, text))
            continue
        breach = _own_breach(networks[old], i)
        if breach is not None:
            text = f"{head}: it fixes {old}, which {breach.text}"
            found.append(Move(code, size, old, new, "fixes", breach.rule, old, text))
            continue
        target = networks.get(new)
        if target is not None and target.breaches:
            breach = target.breaches[0]
            text = f"{head}: it fixes {new}, which {breach.text}"
            found.append(Move(code, size, old, new, "fixes", breach.rule, new, text))
            continue
        others = [c for c in incoming.get(old, []) if c != code]
        if others:
            text = f"{head}: it makes room in {old} for {_from(others, current)}"
            found.append(Move(code, size, old, new, "room", None, old, text))
            continue
        left = [c for c in outgoing.get(new, []) if c != code]
        if left:
            text = f"{head}: it takes the place in {new} of {_to(left, assignment)}"
            found.append(Move(code, size, old, new, "room", None, new, text))
            continue
        text = f"{head}: part of the fewest changes that make the area's networks comply"
        found.append(Move(code, size, old, new, "room", None, new, text))
    return tuple(found)


def _own_breach(network: CurrentNetwork, practice: int) -> Breach | None:
    """Return the rule of ``network`` that moving ``practice`` out helps fix, if any."""
    for breach in network.breaches:
        if practice in breach.practices:
            return breach
    return None


def _from(codes: list[str], current: Mapping[str, str]) -> str:
    """``P1, P2 (from N1, N2)``."""
    return f"{names(codes)} (from {names(sorted({current[c] for c in codes}))})"


def _to(codes: list[str], assignment: Mapping[str, str]) -> str:
    """``P1, P2 (now in N1, N2)``."""
    return f"{names(codes)} (now in {names(sorted({assignment[c] for c in codes}))})"
