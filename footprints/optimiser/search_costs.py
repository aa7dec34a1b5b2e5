"""How the local search prices a plan: each network's cost, and a change on exact territories.

The local search (:mod:`footprints.optimiser.improve`), the band's restore before it
(:mod:`footprints.optimiser.band_restore`) and the territory repair after it cost networks
the same way (:func:`network_costs`: the candidates' cost, with moves in repair mode,
:func:`move_terms`) and, with ``plan_territories``, price every change on the plan's exact
territories (:class:`ExactTerritories`, made by :func:`plan_territories`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import CandidateSets, IntArray
from footprints.optimiser.construct import PieceNetworks
from footprints.optimiser.costs import (
    SCALE,
    move_costs,
    plan_costs,
    set_costs,
    territory_term,
)
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.reshape import Group, Network
from footprints.optimiser.territories import Change, PlanTerritories

__all__ = [
    "REPAIR_GROUP_PRICED",
    "ExactTerritories",
    "move_terms",
    "network_costs",
    "plan_territories",
    "territory_score",
]

REPAIR_GROUP_PRICED = 60
"""Most partitions of one group priced on the exact territories (the cheapest first)."""


def move_terms(problem: AreaProblem, sets: CandidateSets) -> IntArray:
    """Per set, the price of its moves from the current network holding most of its practices.

    Zero without a current plan. A practice with no current network (or in a fixed one)
    never counts as moved, as in the exact solve's columns; the exact solve matches each
    current network to one network at most, so this is a lower bound of its move cost.
    """
    index = problem.current.index
    if index is None or len(sets) == 0:
        return np.zeros(len(sets), np.int64)
    owner = sets.owner()
    current = index[sets.members]
    known = current >= 0
    with_current = np.bincount(owner[known], minlength=len(sets))
    kept = np.zeros(len(sets), np.int64)
    if known.any():
        width = int(current.max()) + 1
        pairs, counts = np.unique(owner[known] * width + current[known], return_counts=True)
        np.maximum.at(kept, pairs // width, counts)
    return move_costs((with_current - kept).astype(np.int64), problem.settings)


def network_costs(problem: AreaProblem, sets: CandidateSets, *, full: bool = True) -> IntArray:
    """Per set, its cost as the local search counts it: with moves in repair mode.

    ``full`` adds the territory term (:func:`~footprints.optimiser.costs.plan_costs`).
    """
    practices, settings = problem.practices, problem.settings
    _, cost = (
        plan_costs(sets, practices, settings) if full else set_costs(sets, practices, settings)
    )
    total: IntArray = cost + move_terms(problem, sets)
    return total


def plan_territories(problem: AreaProblem, plan: PieceNetworks) -> PlanTerritories | None:
    """Exact territories of ``plan`` for the local search, when it plans on them.

    On registration geography with LSOA counts and adjacency, ``plan_territories`` set and
    a ``territory_weight`` above 0; ``None`` otherwise (the local search then costs
    networks one by one, as before).
    """
    settings = problem.settings
    homes = problem.practices.homes
    if not settings.plan_territories or settings.territory_weight <= 0:
        return None
    if homes is None or homes.lsoas is None:
        return None
    if not len(homes.lsoas.adjacency[1]):
        return None
    networks = [list(n) for piece in plan for n in piece]
    return PlanTerritories(homes.lsoas, problem.practices.population, networks)


def territory_score(problem: AreaProblem, plan: PieceNetworks) -> tuple[int, float] | None:
    """Score ``plan``'s exact territories: failing territories, and the plan terms' cost.

    The cost (in integer cost units, to add to the networks' costs) is
    ``− plan_containment_weight × patients in their own network's territory +
    territory_weight × Σ excess``. ``None`` where the local search does not keep exact
    territories (:func:`plan_territories`).
    """
    territories = plan_territories(problem, plan)
    if territories is None:
        return None
    nets = [tuple(n) for piece in plan for n in piece]
    exact = ExactTerritories.of(problem, territories, nets)
    assert exact is not None
    contained = sum(territories.contained(k) for k in range(len(nets)))
    excess = sum(territories.excess)
    terms = exact.excess_weight * excess - exact.held_weight * contained
    return len(territories.failing()), terms


@dataclass
class ExactTerritories:
    """The plan's exact territories, with each network's slot and the weights that price them."""

    territories: PlanTerritories
    slot: dict[Network, int]
    held_weight: float
    excess_weight: float

    @classmethod
    def of(
        cls, problem: AreaProblem, territories: PlanTerritories | None, nets: list[Network]
    ) -> ExactTerritories | None:
        """Slots of ``nets`` in ``territories`` (``None`` without territories)."""
        if territories is None:
            return None
        slot = {n: int(territories.slot[n[0]]) for n in nets}
        settings = problem.settings
        weight = settings.territory_weight if territory_term(problem.practices, settings) else 0
        return cls(territories, slot, settings.plan_containment_weight * SCALE, weight * SCALE)

    def worth(self, change: Change, repair: float = 0.0) -> float:
        """Return the plan terms' gain of ``change`` in cost units.

        With ``repair`` (the territory repair's weight, patient-km per patient), the excess
        of the territories the change makes whole (less that of those it breaks) is weighed
        at ``repair``: the repair counts failing territories first, so the excess a network
        still failing gains or loses is weighed only at ``territory_weight``, like every
        other change's. Before, the repair weighed every excess change at ``repair`` and
        refused a swap that made one territory whole but left a neighbour still failing
        with more excess (BENCHMARKS.md, session 19).
        """
        fall = change.excess_before - change.excess_after
        terms = self.held_weight * change.contained + self.excess_weight * fall
        return terms + repair * SCALE * change.repaired

    def moves(self, old: Group, new: Group) -> tuple[dict[int, int], list[int]]:
        """Give practice → slot for ``new`` replacing ``old``, and the new networks' slots.

        Each new network takes the slot of the old one it shares most practices with (a
        spare slot where none is left: an empty one no network holds, else a new one).
        """
        slots = [self.slot[n] for n in old]
        taken: list[int] = []
        for network in new:
            shares = [(len(set(network) & set(o)), -s) for o, s in zip(old, slots, strict=True)]
            free = [(sh, s) for sh, s in shares if -s not in taken]
            taken.append(-max(free)[1] if free else self._spare(taken))
        moves = {i: k for network, k in zip(new, taken, strict=True) for i in network}
        return moves, taken

    def _spare(self, taken: list[int]) -> int:
        """Give an empty slot that no network holds and ``taken`` lacks, made if none.

        Pricing a change that adds a network takes a slot whether or not the change is made;
        reusing the empty ones keeps the territories from growing by a slot per change priced.
        """
        territories = self.territories
        used = set(self.slot.values()) | set(taken)
        for k in np.flatnonzero(territories.sizes == 0).tolist():
            if k not in used and not territories.held[k].any():
                return int(k)
        return territories.grow()

    def redraw(self, gain: int, old: Group, new: Group) -> bool:
        """Draw ``new`` for ``old`` if, at ``gain`` without the territories, it keeps paying.

        Returns whether the change was made in the territories.
        """
        moves, taken = self.moves(old, new)
        priced = self.territories.change(moves)
        if priced.failing_after > priced.failing_before:
            return False
        if gain + self.worth(priced) <= 0:
            return False
        self.territories.apply(priced)
        for network in old:
            del self.slot[network]
        self.slot.update(zip(new, taken, strict=True))
        return True
