"""One planning area, start to finish: :func:`optimise_area` as a pipeline of stages.

read the problem (:mod:`~footprints.optimiser.problem`) → a quick constructive plan
(:mod:`~footprints.optimiser.construct`) → candidate networks and columns
(:mod:`~footprints.optimiser.columns`) → the proof loop (:mod:`~footprints.optimiser.proof`),
once per priority asked for (:mod:`~footprints.optimiser.priorities`), or its fallback when
time runs out → the trade-off curve (:mod:`~footprints.optimiser.curve`) when asked for →
the result in words (:mod:`~footprints.optimiser.explain`) and, in repair mode, why each
practice moved (:mod:`~footprints.optimiser.changes`).

Every failure is contained here: a solver's unusable answer (a
:class:`~footprints.errors.SolverError`) or any exception in any stage ends the area's solve
with the plan at hand — the constructive plan, else the current plan, else one network per
connected part — and the status ``"fallback"``, its explanation naming the failure, the
stage and the plan. The priorities, the trade-off curve and the reasons for the moves are
stages like the others: a failure in them falls back too. Only a request that cannot be met
(:class:`InfeasibleError`) is raised.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np

from footprints.errors import InfeasibleError
from footprints.optimiser.candidates import CandidateSets, EnumerationTimeoutError, IntArray
from footprints.optimiser.changes import moved_practices
from footprints.optimiser.columns import (
    Columns,
    Partition,
    build_columns,
    list_piece,
    piece_candidates,
    plan_columns,
    with_current_networks,
)
from footprints.optimiser.construct import PieceNetworks, construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.curve import CURVE_SHARE, trade_off
from footprints.optimiser.deadline import Deadline, StopSignal
from footprints.optimiser.explain import area_result, plain_result, priority_notes
from footprints.optimiser.fallback import costed_plan, fallback, plan_networks, polish
from footprints.optimiser.improve import improvable, improve, improving, repair_start
from footprints.optimiser.least_start import (
    LOCAL_SHARE,
    POLISH_SHARE,
    LocalPlan,
    local_networks,
    local_plan,
    polish_local,
)
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.pieces import names
from footprints.optimiser.priorities import solve_priorities, stand_in_priorities
from footprints.optimiser.problem import AreaProblem, build_problem
from footprints.optimiser.proof import Outcome
from footprints.optimiser.settings import (
    AreaResult,
    CurvePoint,
    Move,
    OptimiseSettings,
    PriorityResult,
    Progress,
)

__all__ = [
    "CURRENT_NOTE",
    "EXACT_SHARE",
    "REPAIRED_WORDS",
    "SEARCHED_WORDS",
    "STARTED_NOTE",
    "START_WORDS",
    "failure_words",
    "fallback_area",
    "optimise_area",
]

logger = logging.getLogger(__name__)

EXACT_SHARE = 0.7
"""On registration geography: share of the time left that the exact solve may take before
a plan it did not prove optimal is improved by local search."""


def optimise_area(
    graph: nx.Graph,
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    progress: Progress | None = None,
    stop: StopSignal | None = None,
    start: Mapping[str, str] | None = None,
) -> AreaResult:
    """Partition one planning area's practices into networks.

    Parameters
    ----------
    graph
        The area's adjacency graph: nodes are practice codes with ``list_size``, ``x``, ``y``
        (metres) and optionally ``patch``; ``graph.graph["area"]`` names the area.
    settings
        Weights, band, time limit, seed and workers (defaults: :class:`OptimiseSettings`).
    current
        Practice → network of the current plan: turns on repair mode (move costs, the move
        budget, matched networks keeping their ids). Practices outside the graph are ignored.
    locked
        Practice → network id it must be in: practices locked to one id end up together in
        one network with that id; different ids in different networks.
    frozen
        Network ids of ``current`` kept exactly as they are (ids absent from the area are
        ignored).
    progress
        Called with ``(fraction, message)`` as the solve goes on.
    stop
        When set (from another thread), the solve ends as at the time limit: the best plan
        found so far (at worst the quick constructive one) with status ``"feasible"`` and an
        explanation saying it was stopped.
    start
        Practice → network of a plan to start from (for a planning area larger than a
        CCG: its CCGs' plans joined, see :mod:`~footprints.optimiser.seed`). Where it
        partitions the area's pieces into contiguous networks, the solve starts from it (or
        from the quick constructive plan where that costs less) and the plan returned never
        costs more than it (without priorities: a priority's plan is kept whole). Ignored
        where it misses a practice or a network is not contiguous.

    Returns
    -------
    AreaResult
        The plan, its status, objective, bound, gap and explanations. Whatever fails in the
        solve — a solver's unusable answer, an exception in any stage — the result still
        holds a plan covering every practice: the status is then ``"fallback"`` and the
        explanations name the failure and the plan that stands in (see
        :attr:`AreaResult.fallback`).

    Raises
    ------
    InfeasibleError
        When no plan exists even with a soft band: contradictory locks, locks clashing with
        frozen networks, or a move budget no plan can meet.
    """
    settings = settings or OptimiseSettings()
    started = time.monotonic()
    try:
        problem = build_problem(
            graph,
            settings,
            current=current,
            locked=locked,
            frozen=frozen,
            progress=progress,
            stop=stop,
        )
    except InfeasibleError:
        raise
    except Exception as error:  # the area's graph cannot be read: plan on the graph alone
        failure = failure_words(error)
        _log_failure(str(graph.graph.get("area", "area")), failure, error)
        return _graph_fallback(graph, settings, current, failure, started)
    construction: PieceNetworks | None = None
    local: LocalPlan | None = None
    try:
        problem.report(0.01, "building a first plan")
        construction = construct(problem)
        given = None if start is None else plan_networks(problem, start)
        if start is not None and given is None:
            logger.info(
                "area %s: the start plan given does not fit the area; ignored", problem.name
            )
        construction = _cheaper(problem, construction, given)
        from_start = given is not None and construction is given
        quick = construction
        construction, repaired = _repair(problem, construction)
        construction = improve(problem, construction)
        searched = not (from_start or repaired) and _changed(quick, construction)
        local = local_plan(
            problem,
            construction,
            time_limit=min(LOCAL_SHARE * settings.time_limit, problem.deadline.left()),
        )
        local = polish_local(problem, local, time_limit=POLISH_SHARE * settings.time_limit)
        origin: _Origin = "current" if repaired else "start" if from_start else None
        result = _plan(problem, construction, given, origin, local, searched)
    except InfeasibleError as error:
        contradiction = _contradicted(problem, construction)
        if contradiction is None:
            raise
        _log_failure(problem.name, contradiction, error)
        result = _contained(problem, construction, contradiction, local)
    except Exception as error:  # contained: the area keeps the plan at hand
        failure = failure_words(error)
        _log_failure(problem.name, failure, error)
        result = _contained(problem, construction, failure, local)
    logger.info(
        "area %s: %s, %d networks, objective %s, gap %s, %d candidates, %.1f s",
        result.area,
        result.status,
        result.networks,
        "—" if result.objective is None else f"{result.objective:,.1f}",
        "—" if result.gap is None else f"{result.gap:.2%}",
        result.pool_size,
        time.monotonic() - started,
    )
    problem.report(1.0, result.status)
    return result


#: The stage each module of the optimiser is, in words, for naming where a failure happened.
_STAGES = {
    "problem": "reading the area's graph",
    "pieces": "deciding the networks fixed before solving",
    "construct": "building the quick constructive plan",
    "improve": "improving a plan by local search",
    "candidates": "listing candidate networks",
    "columns": "costing candidate networks",
    "costs": "costing candidate networks",
    "master": "solving the linear relaxation (GLOP)",
    "cpsat": "solving the integer model (CP-SAT)",
    "proof": "the proof loop",
    "pools": "solving the integer model over a pool of columns (CP-SAT)",
    "priorities": "solving the priorities put first",
    "compliance": "counting the current networks' breaches",
    "nesting": "working out nesting in patches",
    "pricing": "pricing candidate networks",
    "curve": "working out the trade-off curve",
    "changes": "saying why each practice moved",
    "explain": "writing the result",
    "area": "solving the area",
}


def failure_words(error: BaseException) -> str:
    """Say what failed and in which stage: ``"SolverError while solving … (CP-SAT): …"``.

    The stage is the innermost optimiser module in the error's traceback.
    """
    stage = "solving the area"
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.parent.name == "optimiser" and path.stem in _STAGES:
            stage = _STAGES[path.stem]
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(error).__name__} while {stage}" + (f": {text}" if text else "")


def _log_failure(area: str, failure: str, error: BaseException) -> None:
    """One warning line for the failure; the traceback at INFO (``--verbose`` shows it)."""
    logger.warning("area %s: the solve failed (%s); the plan at hand stands in", area, failure)
    logger.info("area %s: where the solve failed", area, exc_info=error)


def _contradicted(problem: AreaProblem, construction: PieceNetworks | None) -> str | None:
    """Say why a proof of infeasibility is wrong, when a plan at hand keeps every rule.

    The solve raises :class:`InfeasibleError` once CP-SAT finds no plan with every piece
    soft; a constructive or current plan within the move budget is such a plan, so CP-SAT
    must have been wrong (a solver fault).
    """
    try:
        outcome, _ = fallback(problem, construction, [])
    except Exception:  # no plan at hand can be costed: nothing contradicts the proof
        return None
    if outcome.fallback in (None, "current made whole", "connected parts"):
        return None
    return (
        "CP-SAT reported that no plan exists even with the band soft, yet the "
        f"{outcome.fallback} plan is one"
    )


def _contained(
    problem: AreaProblem,
    construction: PieceNetworks | None,
    failure: str,
    local: LocalPlan | None = None,
) -> AreaResult:
    """Make the area's result after a failure: the plan at hand, status ``"fallback"``.

    Under least change the current plan repaired (``local``) is among the plans at hand.
    """
    try:
        repaired = _repaired(problem, local, construction)
        outcome, columns = fallback(problem, construction, [], failure=failure, repaired=repaired)
        return _stand_in(problem, columns, outcome)
    except Exception as error:  # even costing the plan at hand failed: name the parts alone
        _log_failure(problem.name, failure_words(error), error)
        codes = problem.practices.codes
        networks = [[codes[i] for i in f.members] for f in problem.fixed]
        networks += [[codes[i] for i in piece.nodes] for piece in problem.pieces]
        population = dict(zip(codes, problem.practices.population.tolist(), strict=True))
        return plain_result(
            problem.name,
            networks,
            population,
            problem.band,
            status="fallback",
            explanations=[_fallback_note(failure, "connected parts")],
            fallback="connected parts",
            seconds=time.monotonic() - problem.started,
        )


def _repaired(
    problem: AreaProblem, local: LocalPlan | None, construction: PieceNetworks | None
) -> PieceNetworks | None:
    """Return least change's first plan per piece, ``None`` where it is the quick plan itself.

    :func:`~footprints.optimiser.least_start.local_plan` returns the quick plan when its
    repair found nothing moving fewer (NHS North West London, 2021, where most networks
    break a rule): that plan stands in under its own name, the constructive one.
    """
    repaired = local_networks(problem, local)
    if repaired is None or construction is None:
        return repaired
    same = all(
        sorted(map(sorted, mine)) == sorted(map(sorted, quick))
        for mine, quick in zip(repaired, construction, strict=True)
    )
    return None if same else repaired


_LEAST_STAND_INS = ("repaired", "current", "current made whole")
"""The plans least change falls back to, all made from the current plan: their moves are
counted as the fewest-moves priority's stand-in (:func:`~footprints.optimiser.priorities.
stand_in_priorities`)."""


def _stand_in_priorities(
    problem: AreaProblem, result: AreaResult, moved: Sequence[Move]
) -> list[PriorityResult]:
    """Least change's priority for a plan standing in, its bound kept only where it holds.

    The floor on moves (:func:`~footprints.optimiser.priorities.fewest_moves_floor`) holds
    for plans keeping the band; a plan standing in with networks outside it (the current
    plan as it is or made whole) may move fewer: NHS North West London 2021 made whole moved
    20 practices against a floor of 46, which :attr:`PriorityResult.proved` read as proved.
    """
    priorities = stand_in_priorities(problem, moved)
    if not result.soft_networks:
        return priorities
    return [dataclasses.replace(p, bound=None) for p in priorities]


def _stand_in(problem: AreaProblem, columns: Columns, outcome: Outcome) -> AreaResult:
    """Make the result of a plan standing in; least change's repair says its moves too.

    Where saying its moves fails as well, the plan stands in without them.
    """
    result = area_result(problem, columns, outcome)
    if outcome.fallback not in _LEAST_STAND_INS or not problem.settings.least_change:
        return result
    try:
        moved = moved_practices(problem, result.assignment)
        priorities = _stand_in_priorities(problem, result, moved)
    except Exception as error:  # the plan still stands in
        _log_failure(problem.name, failure_words(error), error)
        return result
    return dataclasses.replace(
        result,
        explanations=priority_notes(problem, priorities, result) + result.explanations,
        priorities=tuple(priorities),
        moved=moved,
    )


_GraphFallback = Literal["current", "connected parts"]
"""The plans :func:`_graph_fallback` can make (a :data:`~footprints.optimiser.Fallback`)."""


def _fallback_note(failure: str, kind: _GraphFallback) -> str:
    """Explain a plan made from the graph alone standing in after a failure.

    (A plan standing in after the problem was built is worded by :func:`fallback`.)
    """
    words = {
        "current": "the plan is the current plan",
        "connected parts": "the plan is the last resort: one network per connected part of "
        "the area (it may break the band and the locks)",
    }[kind]
    return (
        f"the solve failed ({failure}), so {words}; run this area again for an optimised plan "
        "(a failure that depends on the machine's load may not recur)"
    )


def fallback_area(
    graph: nx.Graph,
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    failure: str,
) -> AreaResult:
    """Give the area the plan at hand after a failure outside its solve (a worker that died).

    The quick constructive plan (one try per piece, as after a stop), else the current
    plan, else one network per connected part, with status ``"fallback"`` and an
    explanation naming ``failure``. Works from the graph alone when the area's problem
    cannot be read (practices without coordinates, say).

    Parameters
    ----------
    graph, settings, current, locked, frozen
        As for :func:`optimise_area`.
    failure
        What failed, in words (the start of a parenthesis: "the worker process … was
        killed by signal 9").
    """
    settings = settings or OptimiseSettings()
    started = time.monotonic()
    area = str(graph.graph.get("area", "area"))
    quick = _Stopped()
    try:
        problem = build_problem(
            graph, settings, current=current, locked=locked, frozen=frozen, stop=quick
        )
    except InfeasibleError as error:  # the request cannot be met: no plan stands in
        return AreaResult(
            area, {}, "infeasible", seconds=time.monotonic() - started, explanations=[str(error)]
        )
    except Exception as error:  # an unreadable graph
        _log_failure(area, failure_words(error), error)
        return _graph_fallback(graph, settings, current, failure, started)
    construction: PieceNetworks | None = None
    try:
        construction = construct(problem)
    except Exception as error:
        _log_failure(area, failure_words(error), error)
    return _contained(problem, construction, failure)


class _Stopped:
    """A stop signal that is always set: the quick plan takes one try per piece."""

    def is_set(self) -> bool:
        """Say that a stop was asked for."""
        return True


def _graph_fallback(
    graph: nx.Graph,
    settings: OptimiseSettings,
    current: Mapping[str, str] | None,
    failure: str,
    started: float,
) -> AreaResult:
    """Plan from the graph alone: the current plan where it fits, else the connected parts."""
    codes = sorted(str(node) for node in graph.nodes)
    population: dict[str, int] = {}
    for node, size in graph.nodes(data="list_size"):
        try:
            population[str(node)] = int(float(size))
        except (TypeError, ValueError):
            population[str(node)] = 0
    kind: _GraphFallback = "connected parts"
    networks = [sorted(str(n) for n in part) for part in nx.connected_components(graph)]
    if current is not None and all(code in current for code in codes):
        grouped: dict[str, list[str]] = {}
        for node in graph.nodes:
            grouped.setdefault(str(current[str(node)]), []).append(node)
        if all(nx.is_connected(graph.subgraph(members)) for members in grouped.values()):
            kind = "current"
            networks = [sorted(str(n) for n in members) for members in grouped.values()]
    return plain_result(
        str(graph.graph.get("area", "area")),
        networks,
        population,
        settings.band,
        status="fallback",
        explanations=[_fallback_note(failure, kind)],
        fallback=kind,
        seconds=time.monotonic() - started,
    )


def _cheaper(
    problem: AreaProblem, construction: PieceNetworks | None, given: PieceNetworks | None
) -> PieceNetworks | None:
    """Return the plan to start from: the given one, or the constructive one if cheaper."""
    if given is None:
        return construction
    if construction is None:
        return given
    ours, theirs = costed_plan(problem, construction), costed_plan(problem, given)
    if theirs is None or (ours is not None and ours[0] < theirs[0]):
        return construction
    return given


REPAIRED_WORDS = (
    "the current plan made whole (a practice in no network joins a neighbouring one) and "
    "improved by local search"
)
"""How a repair's first plan is named when it came from the current plan (:func:`_repair`)."""

START_WORDS = "the start plan given (improved by local search where it could be)"
"""How CP-SAT's first plan is named when it was the start plan given (:func:`optimise_area`)."""

_Origin = Literal["start", "current"] | None
"""Where the first plan came from, when not the quick constructive plan (:func:`_plan`)."""

SEARCHED_WORDS = "the quick constructive plan improved by local search"
"""How CP-SAT's first plan is named when local search improved the quick plan first."""
CURRENT_NOTE = (
    "the plan is the current plan: the search found no cheaper plan in time; allow more time"
)
"""The note of a repair whose plan is the current plan, the solve's own plan costing more."""


def _repair(
    problem: AreaProblem, construction: PieceNetworks | None
) -> tuple[PieceNetworks | None, bool]:
    """Return a repair's first plan: the cheaper of the quick one and the current one, improved.

    In repair mode (where :func:`~footprints.optimiser.improve.improvable`) the current
    plan made whole (:func:`~footprints.optimiser.improve.repair_start`) competes with the
    quick constructive plan; the cheaper is improved by local search with moves costed
    (:data:`~footprints.optimiser.improve.IMPROVE_SHARE` of the time limit), and the
    improvement kept only where its cost as the solve counts it (moves matched one to one)
    is lower. So the plan CP-SAT starts from, and the plan returned when listing candidates
    is hopeless or time runs out, is never dearer than the current plan. Returns the plan and
    whether it came from the current plan (said in the result's words; the quick plan
    improved is named as such by :func:`optimise_area`, not as the current plan).
    """
    if problem.current.index is None or not improvable(problem):
        return construction, False
    own = repair_start(problem)
    start = _cheaper(problem, construction, own)
    if start is None:
        return construction, False
    from_own = own is not None and start is own
    improved = improve(problem, start, anyway=True)
    if improved is not None and improved != start:
        before, after = costed_plan(problem, start), costed_plan(problem, improved)
        if after is not None and (before is None or after[0] < before[0]):
            start = improved
    return start, from_own


def _changed(before: PieceNetworks | None, after: PieceNetworks | None) -> bool:
    """Whether local search changed the quick plan ``before`` into ``after`` (per piece)."""
    if before is None or after is None:
        return False
    return any(
        sorted(map(sorted, old)) != sorted(map(sorted, new))
        for old, new in zip(before, after, strict=True)
    )


STARTED_NOTE = (
    "the plan is the start plan given (for a planning area larger than a CCG: its CCGs' "
    "plans joined), which the search did not better in time"
)
"""The note of a result whose plan is the start plan given (:func:`optimise_area`)."""


def _no_worse(
    problem: AreaProblem,
    outcome: Outcome,
    columns: Columns,
    given: PieceNetworks,
    note: str = STARTED_NOTE,
) -> tuple[Outcome, Columns]:
    """Return the given plan (a start plan, the current plan) instead of a costlier one.

    A proved optimum is kept; the bound, proved over every plan, stays. ``note`` says so.
    """
    if outcome.status == "optimal" and outcome.objective is not None:
        return outcome, columns
    costed = costed_plan(problem, given)
    if costed is None:
        return outcome, columns
    cost, chosen, start_columns = costed
    if outcome.objective is not None and outcome.objective <= cost:
        return outcome, columns
    bound = None if outcome.bound is None else min(outcome.bound, float(cost))
    if outcome.objective is not None:  # both costs: the one kept and the search's best
        more = (outcome.objective - cost) / SCALE
        note += f" (the search's best plan costs {more:,.0f} patient-km more)"
    notes = [*outcome.notes, note]
    kept = Outcome("feasible", cost, bound, chosen, outcome.pool_size, notes)
    return kept, start_columns


def _plan(
    problem: AreaProblem,
    construction: PieceNetworks | None,
    given: PieceNetworks | None = None,
    origin: _Origin = None,
    local: LocalPlan | None = None,
    searched: bool = False,
) -> AreaResult:
    """Solve (priorities first), then the trade-off curve when asked for, then the words.

    With the curve asked for in repair mode, the solve keeps :data:`CURVE_SHARE` of the
    time limit for it. Every stage here runs inside :func:`optimise_area`'s containment.
    ``origin``: where the first plan came from, the start plan given (``"start"``) or the
    current plan made whole (``"current"``, a repair's, whether or not a start plan was
    given); ``None``: the quick constructive plan. ``searched``: the quick plan was
    improved by local search before the exact stages (named so where it stands in).
    """
    curve_wanted = problem.settings.trade_off and problem.current.index is not None
    solving = problem
    if curve_wanted:  # keep time for the curve
        at = problem.started + (1 - CURVE_SHARE) * problem.settings.time_limit
        solving = dataclasses.replace(problem, deadline=Deadline(at, problem.deadline.stop))
    outcome, columns, priorities = _solve(solving, construction, given, local)
    if origin is not None:  # the first plan was the start plan given or the current plan
        words = START_WORDS if origin == "start" else REPAIRED_WORDS
        notes = [
            n.replace("the quick constructive one", words).replace(SEARCHED_WORDS, words)
            for n in outcome.notes
        ]
        outcome = dataclasses.replace(outcome, notes=notes)
    elif searched:  # the quick plan stood in after local search: the same name everywhere
        notes = [n.replace("the quick constructive one", SEARCHED_WORDS) for n in outcome.notes]
        outcome = dataclasses.replace(outcome, notes=notes)
    curve: list[CurvePoint] = []
    moves = next((p for p in priorities if p.name in ("moves", "patients moved")), None)
    if curve_wanted and moves is not None and moves.value is not None:
        curve = trade_off(problem, columns, outcome.chosen, moves.value, proved=moves.proved)
    result = area_result(problem, columns, outcome)
    moved = moved_practices(problem, result.assignment)
    if not priorities and outcome.fallback in _LEAST_STAND_INS and problem.settings.least_change:
        priorities = _stand_in_priorities(problem, result, moved)
    notes = priority_notes(problem, priorities, result)
    fewest = moves.value if moves is not None and moves.value is not None else None
    sooner = [c for c in curve if fewest is not None and c.budget_to < fewest]
    sooner = [c for c in sooner if not c.hard_networks + c.out_of_band]
    if sooner:
        notes.append(
            f"The trade-off curve found a plan breaking no rule that moves "
            f"{sooner[0].moves:,}, fewer than the {fewest:,} above: allow more time."
        )
    return dataclasses.replace(
        result,
        explanations=notes + result.explanations,
        priorities=tuple(priorities),
        moved=moved,
        curve=tuple(curve),
    )


def _solve(
    problem: AreaProblem,
    construction: PieceNetworks | None,
    given: PieceNetworks | None,
    local: LocalPlan | None = None,
) -> tuple[Outcome, Columns, list[PriorityResult]]:
    """Solve exactly, or fall back to a quick plan when time runs out before a plan is found.

    Under least change the plan falling back is the current plan repaired (``local``, from
    :func:`~footprints.optimiser.least_start.local_plan`) unless a plan at hand breaks the
    band in fewer networks or moves fewer practices (:func:`~footprints.optimiser.proof.
    fallback`): never a plan built from scratch that moves more.
    The plan returned never costs more than ``given`` (the start plan), without priorities.
    Where :func:`~footprints.optimiser.improve.improving`, the exact solve has
    :data:`EXACT_SHARE` of the time left and a plan it did not prove optimal is polished by
    local search in the rest (:func:`~footprints.optimiser.fallback.polish`).
    """
    exact = problem
    if improving(problem):
        exact = dataclasses.replace(problem, deadline=problem.deadline.share(EXACT_SHARE))
    priorities: list[PriorityResult] = []
    repaired = _repaired(problem, local, construction)
    try:
        outcome, columns, priorities = _solve_in_time(exact, construction, local)
        if outcome.objective is None and outcome.status == "timed out":
            outcome, columns = fallback(problem, construction, outcome.notes, repaired=repaired)
            priorities = []
    except EnumerationTimeoutError:
        why = problem.deadline.why(problem.settings.time_limit)
        notes = [f"{why} while listing candidate networks"]
        outcome, columns = fallback(problem, construction, notes, repaired=repaired)
    outcome, columns = polish(problem, columns, outcome)
    if given is not None and not priorities:
        outcome, columns = _no_worse(problem, outcome, columns, given)
    # Least change's stand-in was ranked against the current plan already (band, moves).
    kept = priorities or (outcome.fallback in _LEAST_STAND_INS and problem.settings.least_change)
    current = None if kept else plan_networks(problem, problem.current.assignment)
    if current is not None:
        outcome, columns = _no_worse(problem, outcome, columns, current, CURRENT_NOTE)
    return outcome, columns, priorities


def _list_pieces(problem: AreaProblem) -> list[CandidateSets]:
    """Every piece's candidates, making pieces soft where a practice is in none in band."""
    pieces = problem.pieces
    piece_sets: list[CandidateSets] = []
    problem.report(0.02, "listing candidate networks")
    for k, piece in enumerate(pieces):
        piece_sets.append(piece_candidates(problem, piece))
        problem.report(
            0.02 + 0.25 * (k + 1) / max(1, len(pieces)), f"{sum(map(len, piece_sets)):,} candidates"
        )
    return piece_sets


def _conditions(problem: AreaProblem) -> str:
    """Say what else every network must respect, for the end of a sentence."""
    given = []
    if problem.locks.groups:
        given.append("the locks as given")
    if problem.settings.candidate_filters:
        given.append("the candidate filters")
    return f" with {' and '.join(given)}" if given else ""


def _soften_by_lp(problem: AreaProblem, piece_sets: list[CandidateSets]) -> None:
    """Pieces the LP proves cannot be split in band become soft (and are listed again).

    With one piece and no move budget the main LP says the same, so the check is skipped.
    """
    band = problem.band
    codes = problem.practices.codes
    pieces = problem.pieces
    single = len(pieces) == 1 and (
        problem.settings.max_moves is None or problem.current.index is None
    )
    for p, piece in enumerate(pieces):
        if single or piece.soft or problem.deadline.passed():
            continue
        columns = build_columns(problem, [piece_sets[p]], repair=False)
        lp = MasterLP(columns, Partition.of_piece(problem, piece))
        lp.add(initial_columns(columns, sorted(piece.nodes)))
        check = lp.solve(problem.deadline)
        if not check.feasible and check.complete:
            piece.make_soft(
                f"practices {names(codes[i] for i in piece.nodes)} ({len(piece.nodes)} "
                f"practices, {piece.population:,} patients) cannot be partitioned into "
                f"contiguous networks of {band.min_population:,}–{band.max_population:,} "
                "patients (the linear relaxation has no solution)" + _conditions(problem)
            )
            piece_sets[p] = list_piece(problem, piece)


def _with_construction(
    extended: list[CandidateSets], construction: PieceNetworks | None
) -> IntArray | None:
    """Join the constructive plan's networks to the candidates; the sets they became.

    The constructive networks join the candidates so that the plan can be the first
    incumbent even where only local candidates were listed. ``extended`` is changed in
    place: when no current network was added to the candidates it is the pieces' own list
    of candidates, which then keeps these networks in later attempts too. ``None`` without
    a constructive plan.
    """
    if construction is None:
        return None
    offset = 0
    found: list[int] = []
    for p, networks in enumerate(construction):
        extended[p] = CandidateSets.concatenate([extended[p], CandidateSets.of(networks)])
        found.extend(range(offset + len(extended[p]) - len(networks), offset + len(extended[p])))
        offset += len(extended[p])
    return np.asarray(found, np.int64)


def _with_local(
    problem: AreaProblem, extended: list[CandidateSets], local: LocalPlan | None
) -> list[CandidateSets]:
    """Join least change's first plan (``local``) to the candidates, in a new list.

    So the fewest-moves solve can start from it (:func:`~footprints.optimiser.priorities.
    solve_priorities`) even where the candidates listed miss its networks: the exact solve
    then never moves more than it, and gives its own plan rather than falling back.
    """
    repaired = local_networks(problem, local)
    if repaired is None:
        return extended
    return [
        CandidateSets.concatenate([sets, CandidateSets.of(networks)]) if networks else sets
        for sets, networks in zip(extended, repaired, strict=True)
    ]


def _start(
    problem: AreaProblem,
    columns: Columns,
    start_sets: IntArray | None,
    construction: PieceNetworks | None,
) -> IntArray | None:
    """Pick the constructive plan's columns as CP-SAT's first incumbent, if the model allows.

    ``None`` without a constructive plan, when a hard piece's plan has a network outside the
    band, or when its networks cannot be matched within the move budget.
    """
    if start_sets is None or construction is None:
        return None
    population = problem.practices.population
    for piece, networks in zip(problem.pieces, construction, strict=True):
        if piece.k_range is not None and not all(
            problem.band.contains(int(population[n].sum())) for n in networks
        ):
            return None
    return plan_columns(columns, start_sets, problem.settings.max_moves)


def _solve_in_time(
    problem: AreaProblem, construction: PieceNetworks | None, local: LocalPlan | None
) -> tuple[Outcome, Columns, list[PriorityResult]]:
    """Candidates, LP check, then the proof loop; hard pieces turn soft if it is infeasible.

    Raises
    ------
    InfeasibleError
        When no plan exists even with every piece soft.
    EnumerationTimeoutError
        When time runs out while listing candidates.
    """
    settings = problem.settings
    band = problem.band
    codes = problem.practices.codes
    pieces = problem.pieces
    piece_sets = _list_pieces(problem)
    _soften_by_lp(problem, piece_sets)
    if not improving(problem) and problem.current.index is None:
        # CP-SAT starts from the quick plan improved by local search (on registration
        # geography, and in repair mode, it already is: :func:`_repair`), on a fresh
        # proposal (E38000243, every candidate listed: the quick plan 6.73 million
        # patient-km, CP-SAT finding none better in 15 s; improved, 3.83 million). Not again
        # in repair mode: on North West London's registrations a second local search took
        # 3.6 s of the 20 s before the LP (BENCHMARKS.md, session 17).
        searched = construction is not None and improvable(problem)
        construction = improve(problem, construction, anyway=True)
    else:
        searched = False
    for attempt in range(3):
        extended = _with_local(problem, with_current_networks(problem, piece_sets), local)
        start_sets = _with_construction(extended, construction)
        columns = build_columns(problem, extended)
        start = _start(problem, columns, start_sets, construction)
        outcome, columns, priorities = solve_priorities(problem, columns, start=start, local=local)
        if searched:  # CP-SAT started from the quick plan after local search: say so
            notes = [n.replace("the quick constructive one", SEARCHED_WORDS) for n in outcome.notes]
            outcome = dataclasses.replace(outcome, notes=notes)
        if outcome.status != "infeasible":
            return outcome, columns, priorities
        hard = [p for p, piece in enumerate(pieces) if not piece.soft]
        if attempt == 2 or not hard:
            break
        budget = (
            f" within the move budget of {settings.max_moves}"
            if settings.max_moves is not None and problem.current.index is not None
            else ""
        )
        for p in hard:
            piece = pieces[p]
            piece.make_soft(
                f"practices {names(codes[i] for i in piece.nodes)} ({len(piece.nodes)} "
                f"practices, {piece.population:,} patients) cannot be partitioned into "
                f"contiguous networks of {band.min_population:,}–{band.max_population:,} "
                f"patients{budget}{_conditions(problem)}"
            )
            piece_sets[p] = list_piece(problem, piece)
    budget_note = (
        f" within the move budget of {settings.max_moves} practice(s); raise max_moves"
        if settings.max_moves is not None
        else ""
    )
    raise InfeasibleError(
        f"area {problem.name}: no plan exists even with the band made soft{budget_note}: "
        "every practice must be in one contiguous network that respects the locks "
        "(practices locked together must be joinable, different locks kept apart)"
        + (" and passes the candidate filters" if settings.candidate_filters else "")
    )
