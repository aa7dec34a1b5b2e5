"""The optimiser: partition each planning area's practices into networks.

Works on the adjacency graph only (node attributes ``list_size``, ``x``, ``y`` in metres and
``patch``; edges), never on geometry, so it can be tested on hand-made grids. On registration
geography (``graph.graph["geography"] == "registrations"``) it also reads where each
practice's patients live: ``home_patients``, ``home_x``, ``home_y``, ``home_spread`` and
``home_patches``, and for containment each practice's catchment ``home_lsoas`` /
``home_lsoa_patients`` with the graph's ``lsoa_registered`` and ``lsoa_edges``
(docs/ARCHITECTURE.md).

Formulation
-----------
*Candidates.* Every connected set of practices whose population lies in the band is listed
(:mod:`~footprints.optimiser.candidates`); contiguity and the band then hold by
construction. Each candidate network ``N`` has a cost (:mod:`~footprints.optimiser.costs`),
in **patient-kilometres**:

``cost(N) = compactness_weight × compactness(N)``
``        + straddle_weight × straddling(N) + network_cost + band_penalty × deviation(N)``
``        + out_of_band_cost (N outside the band)``

Under the Voronoi model ``compactness(N) = Σ_{i∈N} list_size_i × d_i``, where ``d_i`` is the
distance (km) from practice ``i`` to ``N``'s population-weighted centre; summed over a plan
it is the area's population times the population-weighted mean distance of DESIGN.md, so
totals of plans with different numbers of networks compare fairly. ``straddling(N)`` is the
population of ``N``'s practices outside its largest patch (DESIGN.md). On registration
geography ``compactness(N) = (Σ_{i∈N} list_size_i) × r_N``, with ``r_N`` the
root-mean-square distance (km) of ``N``'s patients' homes from their patient-weighted centre
(from per-practice moments that add up, so a candidate costs O(members)), and
``straddling(N)`` is ``N``'s patients living outside its main patch (weighted by
``home_straddle_weight`` instead); with the practices'
catchments two more terms plan for containment and territories (DESIGN.md): ``N``'s
*mixing*, ``Σ_l S(l) · (1 − S(l)/registered(l))`` over the LSOAs where its patients live
(weight ``containment_weight``; O(members²) from a practice × practice overlap matrix), and
the patients by which its *likely territory* (LSOAs where it holds over 40% of the
registered patients) falls short of the territory rule's tolerance (weight
``territory_weight``; costed only for the networks that can be in a plan, see
:func:`~footprints.optimiser.costs.territory_costs`). ``deviation(N)`` is how
many patients ``N`` lies outside the band (non-zero only where the band had to be made
soft). The rules' candidate
filters (:attr:`OptimiseSettings.candidate_filters`, read from the rule registry) may rule
networks out.

*Repair mode* (a ``current`` plan is given). Each proposed network is matched to at most one
current network and each current network to at most one proposed network; a practice is
**moved** when it is not in the current network its new network is matched to (a practice
with no current network is never moved). The model chooses the matching that is cheapest,
so it is the maximum-overlap matching, and every column of the partitioning model is a
(candidate, matched current network or none) pair costing ``move_weight`` per moved
practice (:mod:`~footprints.optimiser.columns`). ``max_moves`` bounds the number of moved
practices; only under such a budget can a current network outside the band be kept as it
is (and a practice over the maximum stay with its current network) — without one the band
stays hard wherever the area can meet it. A network matched to a current network keeps that
network's id (:func:`propose` gives a current network split across areas its id in the area
holding most of it only).

*Solve.* Set partitioning over the candidates (each practice in exactly one chosen network,
the number of networks of each piece in ``ceil(P/max)…floor(P/min)``), by the proof loop
of :mod:`~footprints.optimiser.proof`: the LP relaxation solved with GLOP by column
generation (:mod:`~footprints.optimiser.master`) gives a lower bound and every reduced
cost; CP-SAT (:mod:`~footprints.optimiser.cpsat`) solves the integer problem over the
columns of small reduced cost, the pool growing until the plan is proved optimal. On
registration geography a local search (:mod:`~footprints.optimiser.improve`: re-drawing
pairs of neighbouring networks) improves the constructive plan before the solve, and a
plan the solve did not prove optimal after it.

*Priorities* (:mod:`~footprints.optimiser.priorities`). ``least_change``,
``patches_first`` and ``nest_in_patches`` put a measure before the usual objective,
lexicographically: the fewest practices moved (then the fewest out of networks that already
comply), the least straddling population, the fewest networks straddling a patch. Each is
minimised in turn by the proof loop with the measure as the cost, its optimum then kept by
a side row while the next is minimised; the usual objective comes last. With ``trade_off``
the best plan within every number of moves up to the minimum follows
(:mod:`~footprints.optimiser.curve`), and in repair mode every moved practice gets the rule
its move fixes or the network it makes room in (:mod:`~footprints.optimiser.changes`).

*Soft band.* What cannot meet the band is certified before solving and explained
(:mod:`~footprints.optimiser.pieces`): a practice over the maximum is a network of its own;
a piece of the area (a connected component of the practices left to plan) whose practices
cannot be partitioned into contiguous in-band networks — too few patients, a population no
number of in-band networks can add up to, a practice in no in-band connected group, or the
LP proving it — gets candidates outside the band too, penalised per patient of deviation.
Only when even that soft model has no plan (contradictory locks, an impossible move budget)
is :class:`~footprints.errors.InfeasibleError` raised.

*Pool cap.* If a piece has more candidates than ``candidate_cap``, or listing them all would
take more than 40% of the time left, candidates are listed only among the nearest practices
of their first practice (as many nearest as fit under a cap in 30% of the time then left);
the quick plan is improved by local search, CP-SAT searches ever more of the local
candidates cheapest by reduced cost from it, and the local search polishes what time is
left; the plan is then reported as
``"feasible"``, since better networks may have been left out, with a bound proved over every
network all the same (:mod:`~footprints.optimiser.farley`: weak duality, each network's
reduced cost bounded by a relaxed search instead of a list; weak where the search has little
time, at least the fixed cost of the fewest networks).

*Constructive plan.* Before anything else a quick plan is built
(:mod:`~footprints.optimiser.construct`): each piece is split into in-band networks by
recursive bisection of random spanning trees (soft pieces are cut bottom-up into networks
of at least the minimum), best of a few seeded tries. Its networks join the candidates and
it is CP-SAT's first incumbent; if the time limit stops listing candidates, the LP or
CP-SAT before any better plan is found, it is the plan returned (``"feasible"``, with the
weak bound of its own cost shares, or on registration geography of each practice's own
least compactness, unless the LP gave a better one), so an area always gets a
complete, contiguous plan with a bound. In repair mode
the current plan is the fallback where it is cheaper. Under least change the fallback is the
current plan repaired (``"repaired"``: its compliant networks kept, the networks breaking a
rule re-formed with their neighbours, :func:`~footprints.optimiser.least_start.local_plan`,
which takes :data:`~footprints.optimiser.least_start.REPAIR_FLOOR` seconds however little
time is left), unless a plan at hand breaks the band in fewer networks or moves fewer
practices: never a plan built from scratch that moves more.

*Start plan; larger areas.* ``optimise_area(start=...)`` (``propose(start=...)``) takes a
plan to start from: the cheaper of it and the constructive plan is CP-SAT's first incumbent,
and the plan returned never costs more than the start. A planning area larger than a CCG
(``graph.graph["level"] == "group"``) given no start solves each of its CCGs alone first, in
40% of its time limit split by practices, and starts from their plans joined
(:mod:`~footprints.optimiser.seed`), so its plan never costs more than those plans. The
sum of the CCGs' bounds is no bound for the larger area (crossing a CCG border can be
cheaper) and is not used.

*Failures are contained.* A solver's unusable answer (GLOP ``INFEASIBLE``, ``UNBOUNDED``,
``ABNORMAL``, ``MODEL_INVALID``, or ``FEASIBLE``/``NOT_SOLVED`` with time left; CP-SAT
``MODEL_INVALID``, or ``UNKNOWN`` with time left; CP-SAT finding no plan where the
constructive plan is one), an exception in any stage, or a worker process that dies ends
that area's solve with the plan at hand: the constructive plan (or the current plan, if
cheaper; under least change the current plan repaired, as above), else the current plan,
else one network per connected part of the area. Its
status is ``"fallback"``, :attr:`AreaResult.fallback` names the plan and the explanations
the failure and its stage. When time runs out with no plan keeping the locks and the move
budget, the plan is the current plan made whole in a repair (its networks cut into their
connected parts), else one network per connected part (status ``"timed out"``). Only an
infeasible request has no plan.

*Stages.* :func:`optimise_area` (:mod:`~footprints.optimiser.area`) reads as the pipeline;
:func:`propose` (:mod:`~footprints.optimiser.pool`) runs it over many areas, in worker
processes where asked. Results are explained by :mod:`~footprints.optimiser.explain`.
"""

from footprints.optimiser.area import optimise_area
from footprints.optimiser.deadline import StopSignal
from footprints.optimiser.pool import propose
from footprints.optimiser.settings import (
    AreaResult,
    CurvePoint,
    Fallback,
    Move,
    OptimiseSettings,
    PriorityResult,
    Progress,
    Proposal,
    Status,
)

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
    "StopSignal",
    "optimise_area",
    "propose",
]
