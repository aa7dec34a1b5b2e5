"""The band first: each network out of band re-drawn with neighbours as in-band networks.

The band comes before everything but the hard rules (DESIGN.md), so the local search
(:mod:`footprints.optimiser.improve`) starts here, on soft pieces too, and until the
deadline rather than its share of the time: the plan at hand when the exact solve is cut
may be a bottom-up cut (:func:`~footprints.optimiser.construct.greedy_cut`) that knows no
maximum. Each network outside the band is re-partitioned with one or two neighbours, as
as many networks, one fewer or one more (:data:`BAND_GROUPS`,
:func:`~footprints.optimiser.reshape.regroupings`), so that fewer networks are out of band.
"""

from __future__ import annotations

import logging

from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.reshape import Group, Network, regroupings
from footprints.optimiser.search_costs import (
    REPAIR_GROUP_PRICED,
    ExactTerritories,
    network_costs,
)
from footprints.optimiser.territories import Change, PlanTerritories

__all__ = [
    "BAND_GROUPS",
    "BAND_PARTITIONS",
    "restore_band",
    "restore_piece_band",
]

logger = logging.getLogger(__name__)

BAND_GROUPS = ((2, (0, -1)), (2, (1,)), (3, (0, -1)))
"""The groups :func:`restore_band` re-partitions, in turn: a network outside the band and
one neighbour as as many networks or one fewer, then as one more, then with two neighbours
as as many or one fewer (each network count changed as ``size + change``)."""

BAND_PARTITIONS = 2_000
"""Most partitions of one group and count that :func:`restore_band` lists."""


def restore_piece_band(
    problem: AreaProblem, networks: list[list[int]], territories: PlanTerritories | None
) -> list[list[int]]:
    """Bring a soft piece's networks into the band where neighbours allow (:func:`restore_band`).

    The local search proper leaves soft pieces to the exact solve; but the plan at hand when
    that solve is cut (a bottom-up cut, :func:`~footprints.optimiser.construct.greedy_cut`,
    which knows no maximum) may hold networks out of band that nothing forces there.
    """
    nets: list[Network] = [tuple(sorted(n)) for n in networks]
    if all(problem.band.contains(_population(problem, n)) for n in nets):
        return networks
    exact = ExactTerritories.of(problem, territories, nets)
    costs = network_costs(problem, CandidateSets.of(nets), full=not exact)
    cost = dict(zip(nets, costs.tolist(), strict=True))
    return [list(n) for n in restore_band(problem, nets, cost, exact)]


def _population(problem: AreaProblem, network: Network) -> int:
    """Patients of ``network``."""
    return int(problem.practices.population[list(network)].sum())


def restore_band(
    problem: AreaProblem,
    nets: list[Network],
    cost: dict[Network, int],
    exact: ExactTerritories | None,
) -> list[Network]:
    """Re-draw each network outside the band with its neighbours so that all are in band.

    The band comes before everything but the hard rules (DESIGN.md), so this runs first,
    until the deadline rather than the local search's share of the time: for each network
    out of band, groups of it with one, then two neighbouring networks are re-partitioned
    as contiguous in-band networks (:data:`BAND_GROUPS`: as many or one fewer, then one
    more; :func:`~footprints.optimiser.reshape.regroupings`, the locks and filters kept),
    so the networks out of band fall by at least one. Of the first of
    :data:`BAND_GROUPS` with such a partition, the one leaving fewest territories failing
    (with exact territories), then costing least (the territory terms included), is made
    whatever else it costs. A network no group brings into the band (forced out by a
    practice in no in-band group, say) is left as it is.
    """
    band = problem.band
    given_up: set[Network] = set()
    while not problem.deadline.stopped() and not problem.deadline.passed():
        outside = [
            k
            for k, n in enumerate(nets)
            if n not in given_up and not band.contains(_population(problem, n))
        ]
        if not outside:
            break
        k = outside[0]
        change = _band_change(problem, nets, k, cost, exact)
        if change is None:
            given_up.add(nets[k])
            continue
        old, option, costs_after, priced, taken = change
        if exact is not None and priced is not None:
            exact.territories.apply(priced)
            for network in old:
                del exact.slot[network]
            exact.slot.update(zip(option, taken, strict=True))
        cost.update(zip(option, costs_after, strict=True))
        nets = [n for n in nets if n not in old] + list(option)
        logger.debug("area %s: %d networks re-drawn into the band", problem.name, len(old))
    return nets


_BandChange = tuple[Group, Group, list[int], Change | None, list[int]]
"""A band repair: the networks re-drawn, the new ones, their costs, the territories' change
(``None`` without exact territories) and the new networks' territory slots."""


def _band_change(
    problem: AreaProblem,
    nets: list[Network],
    k: int,
    cost: dict[Network, int],
    exact: ExactTerritories | None,
) -> _BandChange | None:
    """Return the best re-partition of network ``k`` with neighbours into the band, or ``None``.

    See :func:`restore_band`; at most :data:`REPAIR_GROUP_PRICED` partitions of a group
    (the cheapest) are priced on the exact territories.
    """
    deadline = problem.deadline.at
    best: tuple[tuple[float, float], _BandChange] | None = None
    for size, changes in BAND_GROUPS:
        for group, options in regroupings(
            problem, nets, k, size, deadline=deadline, changes=changes, cap=BAND_PARTITIONS
        ):
            if not options:
                continue
            old = tuple(nets[m] for m in group)
            drawn = sorted({n for option in options for n in option} - set(cost))
            costs = network_costs(problem, CandidateSets.of(drawn), full=exact is None).tolist()
            cost_of = {**cost, **dict(zip(drawn, costs, strict=True))}
            ranked = sorted((sum(cost_of[n] for n in o), o) for o in options)
            for total, option in ranked[:REPAIR_GROUP_PRICED]:
                priced: Change | None = None
                taken: list[int] = []
                failing = 0.0
                terms = 0.0
                if exact is not None:
                    moves, taken = exact.moves(old, option)
                    priced = exact.territories.change(moves)
                    failing = priced.failing_after - priced.failing_before
                    terms = -exact.worth(priced)
                key = (failing, total + terms)
                if best is None or key < best[0]:
                    after = [cost_of[n] for n in option]
                    best = (key, (old, option, after, priced, taken))
            return None if best is None else best[1]  # the first group that can: soon done
    return None
