"""What the optimiser is asked for and what it answers: settings, results and their types."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from footprints.plan import Band, Plan
from footprints.rules import REGISTRY, CandidateFilter, Rule

__all__ = [
    "AreaResult",
    "CurvePoint",
    "Fallback",
    "Move",
    "OptimiseSettings",
    "PriorityResult",
    "Progress",
    "Proposal",
    "Status",
]

Status = Literal["optimal", "feasible", "infeasible", "timed out", "fallback"]
"""What an area's solve ended with (see :class:`AreaResult`)."""

Fallback = Literal["constructive", "current", "repaired", "current made whole", "connected parts"]
"""Which plan stands in for an optimised one (see :attr:`AreaResult.fallback`)."""

Progress = Callable[[float, str], None]
"""Called with ``(fraction done, what the optimiser is doing)`` as a solve goes on."""


@dataclass(frozen=True)
class OptimiseSettings:
    """What the optimiser minimises and how long it may take.

    All weights are in **patient-kilometres** (one patient one kilometre further from their
    network's centre costs 1).

    Parameters
    ----------
    band
        Population band of a network; hard wherever the area can meet it.
    compactness_weight
        Weight of the compactness term (patient-km). Under the Voronoi model: the
        population-weighted sum of distances (km) from each practice to its network's
        population-weighted centre. On registration geography: the network's population times
        the root-mean-square distance (km) of its patients' homes from their patient-weighted
        centre.
    straddle_weight
        Under the Voronoi model: cost per *patient* outside the network's main nursing patch,
        i.e. of practices whose site is outside the network's largest patch (so a straddling
        practice of 8,000 patients costs as much as moving 8,000 patients
        ``straddle_weight`` km further out). Per patient rather than per extra patch so that
        cost follows the number of patients whose nursing team must work with two networks.
        The default, 30, was chosen by measurement (BENCHMARKS.md "Straddle weight: all
        England (2020)"): an all-England fresh proposal then has 133 straddling networks and
        1,254,155 straddling patients against the real configuration's 177 and 2,236,718
        (at 1: 232 and 2,443,496), with 99.3% of networks in band. No weight brings Σ extra
        patch memberships below the real plan's (1,360 at 30 against 1,129): the band needs
        more, smaller networks than the real plan has, and each costs a membership (see
        ``patch_weight``).
    home_straddle_weight
        The same on registration geography, where the patients counted are the network's
        patients whose homes are outside the patch where most of them live. At 10 (measured
        on ten CCGs of 2021, against a Voronoi weight of 1 then) fewer networks straddle
        without fewer in band: every network has some patients across a patch border there,
        and the other terms (home compactness, containment) are larger. Measured again at 30
        on ten CCGs of 2021 (BENCHMARKS.md "Registration geography: all England (2021)"): 20
        straddling networks and 1,114,298 straddling patients against 22 and 1,129,694 at
        10, but median containment 0.698 against 0.706; kept at 10.
    home_patch_weight
        Registration geography only: cost per nursing patch beyond the first that works
        into a network by the 5% rule (its patients living in the patch are at least 5% of
        the patch's residents; :func:`footprints.optimiser.costs.working_patches`). Each
        such patch is one more patch membership and makes the network straddle, however
        few patients cross the line, which the per-patient ``home_straddle_weight`` does
        not see: a network 200 patients over the 5% of a neighbouring district pays for
        200 patients there, not for the membership. At 100,000 on ten CCGs of 2021
        (BENCHMARKS.md "Registration geography: all England (2021)", session 18) the
        straddling networks fell from 28 to 18–19 and Σ extra memberships from 179 to
        168–169, but 3–7 more territories failed the tolerance: 0 by default until a paired
        all-England run settles the trade.
    patch_weight
        Under the Voronoi model: cost per nursing patch a network works into (the patches
        of its practices' sites; practices in no patch ignored). Summed over a plan this is
        Σ extra patch memberships (the MDTs patch teams join beyond one each) plus the
        number of patches reached, which is fixed, so it prices what a patch team feels
        rather than patients: a network in two patches pays twice, and each extra network in
        a patch pays once more. 0 by default: on four CCGs of 2020 (BENCHMARKS.md "Straddle
        weight"), 10,000 and 30,000 took 98 networks to 95 and 94 but straddled more, since
        the band keeps networks small (see ``straddle_weight``). Ignored on registration
        geography.
    containment_weight
        Registration geography only: cost per patient of a network's *mixing* — each of its
        patients weighted by the share of their LSOA's registered patients who are
        registered elsewhere (:func:`footprints.optimiser.costs.mixing`). A network whose
        LSOAs are mostly its own keeps its patients in its territory, so this raises
        containment (the share of a network's patients living in its territory). Needs the
        graph's catchments (``home_lsoas``); ignored without them and under the Voronoi
        model. The default, 10, was chosen on ten CCGs of 2021 (it weighs about as much as the
        compactness term).
    territory_weight
        Registration geography only: cost per patient by which a network's *likely
        territory* (the LSOAs where it holds over 40% of the registered patients) falls
        short of the territory rule's 95% tolerance: ``max(0, 95% of its patients there −
        those in its largest connected part)``
        (:func:`footprints.optimiser.costs.territory_excess`). Steers plans away from
        networks whose territory would be in pieces. Computed only for the networks that can
        be in a plan, so the bound stays a bound
        (:func:`~footprints.optimiser.costs.territory_costs`); needs ``lsoa_edges``. In the
        local search with ``plan_territories``, the same weight prices the exact excess of
        the plan's territories instead.
    plan_territories
        Registration geography with ``lsoa_edges``: the local search keeps the plan's exact
        territories (:class:`~footprints.optimiser.territories.PlanTerritories`), makes no
        move or re-split that leaves more territories failing the tolerance, prices
        containment exactly (``plan_containment_weight``) and ends with a repair pass on the
        territories that still fail (:mod:`footprints.optimiser.improve`). Not with
        ``territory_weight`` 0: a user who weighs territories at nothing gets the plan of
        the other terms, territories in pieces or not.
    plan_containment_weight
        With ``plan_territories``: gain per patient a local-search change brings into their
        own network's territory (patient-km).
    improve_triples
        Registration geography: the local search also re-draws three neighbouring networks
        as two in-band ones where that costs less (fewer, larger networks).
    move_weight
        Repair mode: cost per practice moved away from its current network (see
        :mod:`footprints.optimiser` for "moved"). The default, 10,000, makes a move worth
        about as much as bringing a typical 8,000-patient practice 1.25 km closer to its
        network's centre.
    network_cost
        Cost of each network. Compactness alone prefers many small networks; each network
        carries a clinical director and management costs, and practices in England chose
        larger networks (median 44,000). With networks of ``p`` patients at ``ρ`` patients
        per km², the compactness term is about ``P · (2/3) · sqrt(p / (π ρ))``; its saving
        from one more network balances a per-network cost ``c`` at
        ``p ≈ (2c / a)^(2/3)`` with ``a = (2/3) / sqrt(π ρ)``. The default 30,000 puts that
        balance at about 44,000 patients for a town of ~3,000 patients per km², the
        population-weighted density of England's practice catchments, so the band's upper
        half is favoured without overriding compactness.
    band_penalty
        Where the band is soft: cost per patient of deviation outside the band. Large, so
        that deviation is kept to what the area forces.
    out_of_band_cost
        Where the band is soft: cost of each network outside the band, besides the band
        penalty. Large, so that a soft piece has no more networks out of band than it must
        (the networks of a practice in no in-band group): at the band penalty alone, all
        England 2021 on registration geography kept 14 networks out of band that the band
        did not force (E38000253: 26,982 and 29,926 patients, 30,200 and 7,400 patient-km
        of penalty, beside the network forced under 30,000 by practice J82138).
    max_moves
        Repair mode: most practices that may move (``None``: no limit).
    least_change
        Repair mode, lexicographic (:mod:`footprints.optimiser.priorities`): every hard rule
        and the band where the area allows it first, then the fewest practices moved, then
        (among plans moving that few) the fewest practices taken out of networks that
        already comply, then the usual objective. Needs a current plan; not with
        ``max_moves``.
    fewest_patients
        With ``least_change``: the fewest *patients* moved (the list sizes of the practices
        moved) rather than the fewest practices.
    trade_off
        With ``least_change``: also the trade-off curve, the best plan within ``k`` moves
        for ``k = 0 …`` the minimum (:mod:`footprints.optimiser.curve`), in
        :attr:`AreaResult.curve`. Shares the area's time limit with the repair.
    patches_first
        Patch alignment first: the least straddling population (the straddle term of
        :mod:`footprints.optimiser.costs`), then the rest.
    nest_in_patches
        No network straddles a patch where the area allows it: the fewest straddling
        networks first (none where a nesting plan exists), then the rest, with the patches
        that cannot be split into in-band networks named in the explanations. Under
        registration geography a network nests when its practices' patients live mainly in
        one patch.
    lexicographic
        How the priorities above are put first: ``"sequential"`` (the default) solves them
        one after the other, each optimum kept by a side row while the next is minimised;
        ``"weights"`` solves once with each priority weighted to dominate everything after
        it (weights proved large enough, see :mod:`footprints.optimiser.priorities`).
    time_limit
        Seconds for one area (listing candidates, LP and CP-SAT together).
    seed
        CP-SAT random seed.
    workers
        CP-SAT worker threads per area. With 1 (the default) a solve is deterministic for a
        given seed whenever it finishes within the time limit. With more, CP-SAT runs one
        full LP-based solver beside its helpers (the default portfolio stalls on few cores),
        which is faster but may return a different plan of the same cost when several tie.
    candidate_cap
        Most candidate networks listed per piece of an area before falling back to
        local candidates (reported with a weaker bound, not proved optimal).
    rules
        The rule registry the plan must keep (default :data:`footprints.rules.REGISTRY`).
        The optimiser keeps coverage, contiguity and the band by construction and the
        boundaries by planning each area alone; a rule that carries a
        :attr:`~footprints.rules.Rule.candidate_filter` (see :attr:`candidate_filters`)
        rules networks out: every network the optimiser may choose — listed candidates, the
        constructive plan's networks, current networks kept under a move budget, a practice
        alone over the maximum — must pass every filter. A practice in no allowed in-band
        network makes its part of the area's band soft, as a practice in no in-band group
        does. Frozen networks are kept as they are. Rules must be picklable (module-level
        functions) so that worker processes can use them.
    """

    band: Band = field(default_factory=Band)
    compactness_weight: float = 1.0
    straddle_weight: float = 30.0
    home_straddle_weight: float = 10.0
    patch_weight: float = 0.0
    home_patch_weight: float = 0.0
    containment_weight: float = 10.0
    territory_weight: float = 10.0
    plan_territories: bool = True
    plan_containment_weight: float = 10.0
    improve_triples: bool = True
    move_weight: float = 10_000.0
    network_cost: float = 30_000.0
    band_penalty: float = 100.0
    out_of_band_cost: float = 1_000_000.0
    max_moves: int | None = None
    least_change: bool = False
    fewest_patients: bool = False
    trade_off: bool = False
    patches_first: bool = False
    nest_in_patches: bool = False
    lexicographic: Literal["sequential", "weights"] = "sequential"
    time_limit: float = 60.0
    seed: int = 0
    workers: int = 1
    candidate_cap: int = 3_000_000
    rules: tuple[Rule, ...] = REGISTRY

    def __post_init__(self) -> None:
        """Check every value, naming the first that is out of range."""
        for name in (
            "compactness_weight",
            "straddle_weight",
            "home_straddle_weight",
            "patch_weight",
            "home_patch_weight",
            "containment_weight",
            "territory_weight",
            "plan_containment_weight",
            "move_weight",
            "network_cost",
            "band_penalty",
            "out_of_band_cost",
        ):
            value = getattr(self, name)
            if not 0 <= value < math.inf:  # NaN fails both comparisons
                raise ValueError(f"{name} must be a finite number at least 0, not {value}")
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError(f"max_moves must be at least 0 or None, not {self.max_moves}")
        if self.time_limit <= 0:
            raise ValueError(f"time_limit must be positive, not {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.candidate_cap < 1:
            raise ValueError(f"candidate_cap must be at least 1, not {self.candidate_cap}")
        if not all(isinstance(rule, Rule) for rule in self.rules):
            raise ValueError("rules must be a tuple of footprints.rules.Rule")
        self._check_priorities()

    def _check_priorities(self) -> None:
        """Check that the lexicographic options go together."""
        if self.least_change and self.max_moves is not None:
            raise ValueError(
                f"least_change finds the fewest moves itself; max_moves={self.max_moves} sets a "
                "budget instead: give one or the other"
            )
        if self.lexicographic not in ("sequential", "weights"):
            raise ValueError(
                f"lexicographic must be 'sequential' or 'weights', not {self.lexicographic!r}"
            )
        for name in ("fewest_patients", "trade_off"):
            if getattr(self, name) and not self.least_change:
                raise ValueError(f"{name} needs least_change=True")

    @property
    def candidate_filters(self) -> tuple[CandidateFilter, ...]:
        """The candidate filters of :attr:`rules`, in registry order."""
        return tuple(r.candidate_filter for r in self.rules if r.candidate_filter is not None)


@dataclass(frozen=True)
class AreaResult:
    """The optimiser's answer for one planning area.

    Attributes
    ----------
    area
        The planning area's code.
    assignment
        Practice code → network id.
    status
        ``"optimal"`` (proved); ``"feasible"`` (a plan, not proved optimal: possibly the
        constructive or current plan when time ran out or the user stopped; see
        ``explanations`` and ``fallback``); ``"timed out"`` (no plan keeping the locks and the
        move budget was found in time: the plan is the current plan made whole in a repair,
        else one network per connected part of the area);
        ``"fallback"`` (the solve failed — a solver's unusable answer, an exception in a
        stage, a worker process that died — and the plan at hand stands in: the
        explanations name the failure and ``fallback`` the plan); ``"infeasible"`` (no plan
        exists: the assignment is empty; from :func:`~footprints.optimiser.propose` only,
        :func:`~footprints.optimiser.optimise_area` raises instead). Every other status
        comes with a plan covering every practice of the area.
    objective
        Total cost of the plan (patient-km, see :class:`OptimiseSettings`), or ``None``.
    bound
        Proved lower bound on the cost of any plan, or ``None`` when none is known.
    gap
        ``(objective − bound) / objective``, or ``None``.
    seconds
        Wall time of the solve.
    networks
        Number of networks in the plan.
    explanations
        Sentences saying where and why the band is soft, and anything else the user should
        know (time limits, candidate cap), naming practices and numbers.
    soft_networks
        Ids of networks outside the band.
    pool_size
        Candidate networks listed.
    moves
        Practices moved from the current plan (repair mode), else ``None``.
    priorities
        The lexicographic priorities solved before the usual objective (least change,
        patches first, nesting in patches), in order, each with its best value and bound.
    moved
        Repair mode: every practice whose network changed, with the rule its move fixes or
        the network it makes room in (from :mod:`footprints.optimiser.changes`).
    curve
        With ``trade_off``: the best plan within each number of moves, fewest first.
    fallback
        Which plan stands in when the optimiser could not give its own: ``"constructive"``
        (the quick spanning-tree plan), ``"current"`` (the current plan, when it costs
        less), ``"repaired"`` (least change: the current plan repaired with the fewest moves
        found before the exact solve, its compliant networks kept where it could),
        ``"current made whole"`` (a repair with no plan within the move budget at hand, or
        least change with no repair in time: the current networks cut into their connected
        parts, the move budget not kept; under least change never the quick plan, built
        from scratch, while this one is at hand);
        ``"connected parts"`` (one network per connected part: the last resort);
        ``None`` for the optimiser's own plan.
    """

    area: str
    assignment: Mapping[str, str]
    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    networks: int = 0
    explanations: list[str] = field(default_factory=list)
    soft_networks: list[str] = field(default_factory=list)
    pool_size: int = 0
    moves: int | None = None
    priorities: tuple[PriorityResult, ...] = ()
    moved: tuple[Move, ...] = ()
    curve: tuple[CurvePoint, ...] = ()
    fallback: Fallback | None = None


@dataclass(frozen=True)
class Proposal:
    """A plan for several planning areas and the per-area results behind it."""

    plan: Plan
    results: Mapping[str, AreaResult]


@dataclass(frozen=True)
class PriorityResult:
    """One lexicographic priority of an area's solve: its best value and what is proved.

    Attributes
    ----------
    name
        ``"moves"`` (practices moved), ``"patients moved"``, ``"straddling patients"`` or
        ``"straddling networks"``.
    value
        The best plan's value (``None`` without a plan).
    bound
        A proved lower bound on it, or ``None`` when none is known.
    """

    name: str
    value: int | None
    bound: int | None

    @property
    def proved(self) -> bool:
        """Whether ``value`` is proved to be the minimum."""
        return self.value is not None and self.bound is not None and self.bound >= self.value

    @property
    def gap(self) -> float | None:
        """``(value − bound) / value`` (0 when proved), or ``None`` without a bound."""
        if self.value is None or self.bound is None:
            return None
        return max(0, self.value - self.bound) / max(self.value, 1)


@dataclass(frozen=True)
class Move:
    """A practice whose network changed in repair mode, and why.

    Attributes
    ----------
    practice
        Its code.
    patients
        Its list size.
    from_network, to_network
        Its network in the current plan and in the new one.
    reason
        ``"fixes"`` (its move fixes a rule its old or new network broke), ``"room"`` (it
        makes room for, or takes the place of, another move) or ``"forced"`` (a practice
        over the maximum forms a network of its own).
    rule
        The rule fixed (``"band"``, ``"contiguity"``, a filter rule's name), or ``None``.
    network
        The network whose rule is fixed or in which room is made.
    text
        The sentence the user reads, with names and numbers.
    """

    practice: str
    patients: int
    from_network: str
    to_network: str
    reason: str
    rule: str | None
    network: str
    text: str


@dataclass(frozen=True)
class CurvePoint:
    """The best plan within a move budget: one point of the trade-off curve.

    A point holds for every budget from ``budget_from`` to ``budget_to`` (in practices, or
    patients with ``fewest_patients``): its plan moves ``moves`` practices (``patients``
    patients) and no plan within ``budget_to`` does better.

    Attributes
    ----------
    budget_from, budget_to
        The budgets this plan is the best for.
    moves, patients
        Practices and patients it moves.
    networks
        Its networks.
    in_band
        Its networks in the band.
    hard_networks
        Its networks breaking a hard rule (not contiguous; a practice of no current network
        left on its own counts as one).
    out_of_band
        Its networks outside the band where the area allows the band.
    proved
        Whether no plan within ``budget_to`` has fewer (hard, out-of-band) networks.
    moved
        The practices it moves.
    """

    budget_from: int
    budget_to: int
    moves: int
    patients: int
    networks: int
    in_band: int
    hard_networks: int
    out_of_band: int
    proved: bool
    moved: tuple[str, ...]
