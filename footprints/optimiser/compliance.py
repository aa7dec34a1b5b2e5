"""The current plan's networks in one area, and the rules each breaks there.

Least change (:mod:`footprints.optimiser.priorities`) tells networks that already comply
from those that break a rule (to move fewest practices out of compliant ones), the curve
(:mod:`footprints.optimiser.curve`) counts what is left broken, and the reasons for each
move (:mod:`footprints.optimiser.changes`) name the rule fixed. A network is judged on its
practices in the area: contiguity, the band (unless all its practices lie where the area
cannot meet the band) and every candidate filter of the settings' rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from footprints.optimiser.candidates import CandidateSets, components
from footprints.optimiser.pieces import names
from footprints.optimiser.problem import AreaProblem, allowed

__all__ = ["Breach", "CurrentNetwork", "current_networks"]


@dataclass(frozen=True)
class Breach:
    """A rule a current network breaks.

    Parameters
    ----------
    rule
        ``"contiguity"``, ``"band"`` or the name of a rule with a candidate filter.
    text
        What is wrong, to follow the network's name (``"has 61,000 patients, 11,000 above
        the maximum 50,000"``).
    practices
        The practices whose move can fix it: the detached parts for contiguity, every member
        otherwise.
    """

    rule: str
    text: str
    practices: tuple[int, ...]


@dataclass(frozen=True)
class CurrentNetwork:
    """A network of the current plan in one area, and the rules it breaks there.

    Parameters
    ----------
    network_id
        Its id.
    number
        Its number in ``problem.current.ids`` (the matching rows), ``-1`` when none of its
        practices is left to plan (frozen, or only practices over the maximum).
    members
        Its practices in the area (indices).
    population
        Their patients.
    breaches
        The rules it breaks (none: it complies).
    """

    network_id: str
    number: int
    members: tuple[int, ...]
    population: int
    breaches: tuple[Breach, ...]

    @property
    def compliant(self) -> bool:
        """Whether it breaks no rule."""
        return not self.breaches


def current_networks(problem: AreaProblem) -> dict[str, CurrentNetwork]:
    """Return the current plan's networks in the area, each with the rules it breaks.

    Judged on its practices in this area (a network crossing the area's border is mended by
    giving its other part another id, which moves nobody): contiguity, the band (unless all
    its practices lie where the area cannot meet the band) and every candidate filter.
    Frozen networks comply by decision.
    """
    practices = problem.practices
    members: dict[str, list[int]] = {}
    for code, net in problem.current.assignment.items():
        members.setdefault(net, []).append(practices.index[code])
    number = {net: k for k, net in enumerate(problem.current.ids)}
    frozen = {f.network_id for f in problem.fixed if f.frozen}
    soft = {i for piece in problem.pieces if piece.soft for i in piece.nodes}
    found = {}
    for net in sorted(members):
        nodes = tuple(sorted(members[net]))
        population = int(practices.population[list(nodes)].sum())
        breaches = () if net in frozen else _breaches(problem, nodes, population, soft)
        found[net] = CurrentNetwork(net, number.get(net, -1), nodes, population, breaches)
    return found


def _breaches(
    problem: AreaProblem, nodes: tuple[int, ...], population: int, soft: set[int]
) -> tuple[Breach, ...]:
    practices = problem.practices
    codes = practices.codes
    band = problem.band
    found = []
    parts = components(nodes, practices.neighbours)
    if len(parts) > 1:
        sizes = [int(practices.population[part].sum()) for part in parts]
        order = sorted(range(len(parts)), key=lambda k: (-sizes[k], parts[k]))
        described = "; ".join(
            f"{names(codes[i] for i in parts[k])} ({sizes[k]:,} patients)" for k in order
        )
        detached = tuple(sorted(i for k in order[1:] for i in parts[k]))
        found.append(
            Breach("contiguity", f"lies in {len(parts)} separate parts: {described}", detached)
        )
    gap = band.gap(population)
    if gap and not all(i in soft for i in nodes):
        side = "below the minimum" if gap < 0 else "above the maximum"
        limit = band.min_population if gap < 0 else band.max_population
        found.append(
            Breach("band", f"has {population:,} patients, {abs(gap):,} {side} {limit:,}", nodes)
        )
    sets = CandidateSets.of([list(nodes)])
    for rule in problem.settings.rules:
        accept = rule.candidate_filter
        if accept is not None and not allowed(sets, practices, [accept])[0]:
            found.append(Breach(rule.name, f"breaks the rule “{rule.title}”", nodes))
    return tuple(found)
