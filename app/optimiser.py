"""The optimiser in the app: the demo's first proposal, and runs in the background.

A run is a :class:`footprints.background.ProposalJob` kept in the session; the status
fragment redraws its progress (with a Stop button) every half second and reruns the page
when it is done, and the next page run applies the proposal to the working plan. The app's
only caller of ``footprints.optimiser`` (``app.state`` names its ``AreaResult`` type).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import networkx as nx
import streamlit as st

from app.autosave import autosave
from app.data import area_names, demo_region, level_groups, region, scope_ccgs
from app.markdown import plain
from app.state import (
    FIRST_TIME_LIMIT,
    OPTIMISER_LABELS,
    AppState,
    OptimiserRun,
    current_band,
    state,
)
from footprints.background import ProposalJob
from footprints.optimiser import AreaResult, OptimiseSettings, propose
from footprints.optimiser.area import CURRENT_NOTE, REPAIRED_WORDS, SEARCHED_WORDS
from footprints.optimiser.fallback import POLISHED, REPAIRED
from footprints.plan import Plan
from footprints.planning_areas import (
    find_crossings,
    planning_area_of,
    planning_graphs,
)
from footprints.region import Region
from footprints.session import LockedNetworkError, apply_proposal

__all__ = [
    "area_words",
    "current_settings",
    "demo_proposal",
    "drop",
    "finish",
    "first_settings",
    "plan_kind",
    "planning_areas",
    "run_notice",
    "running",
    "start",
    "status",
    "stop",
]


def current_settings(*, repair: bool = True) -> OptimiseSettings:
    """Read the optimiser settings of the sidebar.

    What the sidebar puts first (``put_first``) becomes a priority: least change (with its
    trade-off curve) for a re-optimisation only, since a fresh proposal changes everything;
    patches first or nesting in patches for either.
    """
    first = state.put_first
    least = first == "least change" and repair
    return OptimiseSettings(
        band=current_band(),
        compactness_weight=float(state.compactness_weight),
        straddle_weight=float(state.straddle_weight),
        move_weight=float(state.move_weight),
        network_cost=float(state.network_cost),
        time_limit=float(state.time_limit),
        least_change=least,
        trade_off=least,
        patches_first=first == "patches first",
        nest_in_patches=first == "nest in patches",
    )


def first_settings() -> OptimiseSettings:
    """Give the settings of the proposal a new session starts on (cached once per server)."""
    return OptimiseSettings(time_limit=FIRST_TIME_LIMIT)


# Settings hold the rule registry, whose functions Streamlit cannot hash: their repr names
# every value and every rule, which is what makes two settings propose alike.
@st.cache_resource(
    show_spinner="Proposing networks for the demo region (about 10 seconds)…",
    hash_funcs={OptimiseSettings: repr},
)
def demo_proposal(settings: OptimiseSettings) -> tuple[Plan, dict[str, AreaResult]]:
    """Propose a plan for the demo region; the plan and its results (once per server)."""
    proposal = propose(demo_region().ccg_graphs, settings, processes=1)
    return proposal.plan, dict(proposal.results)


def planning_areas(
    the_region: Region, groups: Mapping[str, Sequence[str]] | None, ccgs: Sequence[str]
) -> tuple[dict[str, nx.Graph], dict[str, list[str]]]:
    """Return the planning areas holding the CCGs in scope: their graphs and their CCGs.

    ``groups`` (area → its CCGs: each STP / ICB, or an areas file's groups) makes each area
    holding a CCG in scope one planning area of all its CCGs (networks may cross CCG
    borders inside it, never its own); ``None`` plans each CCG on its own.
    """
    if groups:
        chosen = {g: list(lower) for g, lower in groups.items() if set(lower) & set(ccgs)}
        return planning_graphs(the_region, chosen), chosen
    chosen = {c: [c] for c in ccgs if c in the_region.ccg_graphs}
    return {c: the_region.ccg_graphs[c] for c in chosen}, chosen


def start(repair: bool) -> None:
    """Start the optimiser on the areas in scope in the background; locked networks stay."""
    if running():
        return
    the_region = region()
    level_of = level_groups()
    level = str(state.planning_level) if level_of else "lower"
    graphs, groups = planning_areas(the_region, level_of, scope_ccgs())
    ccgs = [c for lower in groups.values() for c in lower]
    settings = current_settings(repair=repair)
    plan = state.working.plan
    locks = sorted(state.working.locks)
    if not repair:  # a fresh proposal: the current plan only matters for locked networks
        settings = dataclasses.replace(settings, move_weight=0.0)
    current = dict(plan.assignment) if (repair or locks) else None
    state.optimiser_job = ProposalJob(
        graphs, settings, current=current, frozen=locks if current else (), processes=1
    )
    state.optimiser_run = OptimiserRun(
        repair=repair, ccgs=tuple(ccgs), level=level, move_weight=settings.move_weight
    )


def running() -> bool:
    """Whether an optimiser run is under way."""
    job = state.optimiser_job
    return job is not None and not job.done


def stop() -> None:
    """Ask the running optimiser to stop with the best plan so far."""
    job = state.optimiser_job
    if job is not None:
        job.stop()


def drop() -> None:
    """Stop a running optimiser and forget it (its region is being replaced)."""
    stop()
    del state.optimiser_job
    del state.optimiser_run


def finish() -> None:
    """Apply a finished optimiser run to the working plan (once)."""
    job = state.optimiser_job
    if job is None or not job.done:
        return
    run = AppState.optimiser_run.pop() or OptimiserRun()
    del state.optimiser_job
    proposal = job.proposal
    if proposal is None:
        state.error = f"The optimiser failed: {job.error}. Your plan is unchanged."
        return
    # The working plan now, not at the start: edits made while the optimiser ran are kept
    # outside the areas it solved (and inside them stay one undo away).
    graphs = region().ccg_graphs
    plan = state.working.plan
    try:
        new_plan = apply_proposal(
            plan, proposal.plan, {c: list(graphs[c]) for c in run.ccgs}, locks=state.working.locks
        )
    except LockedNetworkError as error:  # never expected: the optimiser keeps frozen networks
        state.error = f"The optimiser's plan was not applied: {error}."
        return
    what = OPTIMISER_LABELS[run.repair]
    if job.stopped:
        what += ", stopped early"
    crossings = _crossings(new_plan, run) if run.level != "lower" else ""
    kept = [a for a, r in proposal.results.items() if _unchanged(plan, r)]
    state.working.replace(new_plan, label=f"{what} ({', '.join(run.ccgs)})")
    state.trust_before = "run"  # the trust view compares with the plan before this run
    state.results = dict(proposal.results)
    state.optimiser_seconds = job.seconds
    state.notice = (
        run_notice(
            proposal.results,
            job.seconds or 0.0,
            unchanged=new_plan == plan,
            stopped=job.stopped,
            kept=kept,
            names=area_names(),
            move_weight=run.move_weight,
        )
        + crossings
    )
    autosave()


def _unchanged(plan: Plan, result: AreaResult) -> bool:
    """Whether ``result`` groups its area's practices as ``plan`` does (whatever the ids)."""
    if not result.assignment:
        return False
    before: dict[str, set[str]] = {}
    after: dict[str, set[str]] = {}
    for code, network in result.assignment.items():
        after.setdefault(network, set()).add(code)
        before.setdefault(str(plan.assignment.get(code)), set()).add(code)
    return sorted(map(sorted, before.values())) == sorted(map(sorted, after.values()))


def _patient_km(value: float | None) -> str:
    """Say a cost in patient-km (``"—"`` when unknown)."""
    return "—" if value is None else f"{value:,.0f} patient-km"


def _cost(result: AreaResult, move_weight: float) -> str:
    """Say the plan's cost; in a repair it holds each move at ``move_weight`` patient-km.

    The same plan costs less when solved again from itself (no moves then), so the moves
    priced in are named: else the two figures look like two costs of one plan.
    """
    words = _patient_km(result.objective)
    moves = result.moves or 0
    if result.objective is None or move_weight <= 0 or moves <= 0:
        return words
    return (
        f"{words}, its {moves:,} practice{'' if moves == 1 else 's'} moved priced in at "
        f"{move_weight:,.0f} each"
    )


def _certified(result: AreaResult, move_weight: float = 0.0) -> str:
    """Say the plan's cost against the proved lower bound: the certified gap."""
    if result.bound is None or result.gap is None:
        return f"it costs {_cost(result, move_weight)}, with no proved bound"
    return (
        f"it costs {_cost(result, move_weight)}, certified gap {result.gap:.1%}: no plan "
        f"costs less than {_patient_km(result.bound)}, so at most {result.gap:.1%} of its "
        "cost could be saved"
    )


def plan_kind(result: AreaResult, *, kept: bool = False) -> str:
    """Say which plan an area got, in one word or two.

    ``"proved optimal"``; ``"optimised"`` (the exact stages' own plan, improved, not proved
    optimal); ``"kept"`` (the plan at hand kept: nothing cheaper was found; ``kept`` says the
    run left the area's networks as they were). The plans standing in when the exact stages
    gave none in the time limit: ``"constructive"`` (the quick constructive plan, not
    improved); ``"searched"`` (the quick plan, or the current plan made whole, improved by
    local search only); ``"repaired"`` (least change: the current plan repaired, its
    compliant networks kept); ``"made whole"`` (the current plan made whole: its networks
    cut into their connected parts); ``"parts"`` (one network per connected part: the last
    resort). ``"fallback"`` (the solve failed); ``"none"`` (no plan). A plan gets the same
    kind whichever run (re-optimise, least change) stood it in.
    """
    if not result.assignment:
        return "none"
    if result.status == "optimal":
        return "proved optimal"
    if result.status == "fallback":
        return "fallback"
    if (
        kept
        or result.fallback == "current"
        or any(note.startswith(CURRENT_NOTE) for note in result.explanations)
    ):
        return "kept"
    if result.fallback in _STAND_INS:
        return _STAND_INS[result.fallback]
    if result.fallback == "constructive":
        return "searched" if _searched(result) else "constructive"
    # The exact stages ran but returned the quick plan they started from, not a plan of
    # their own: the linear relaxation out of time, or CP-SAT finding none better (North
    # West London and Kent and Medway on registration geography at 20 s were "optimised").
    if any(note.startswith(f"the plan is {SEARCHED_WORDS}") for note in result.explanations):
        return "searched"
    if any(note.startswith(f"the plan is {_QUICK_WORDS}") for note in result.explanations):
        return "constructive"
    return "optimised"


_QUICK_WORDS = "the quick constructive one"
"""How the optimiser's notes name the quick constructive plan, not improved, where it stood."""


_STAND_INS = {
    "repaired": "repaired",
    "current made whole": "made whole",
    "connected parts": "parts",
}
"""The kind of each plan standing in that says itself which plan it is (:func:`plan_kind`)."""


def _searched(result: AreaResult) -> bool:
    """Whether the plan standing in was improved by local search (before or after the solve)."""
    return any(
        note in (POLISHED, REPAIRED) or SEARCHED_WORDS in note or REPAIRED_WORDS in note
        for note in result.explanations
    )


_NOT_EXACT = "the exact stages gave no plan in the time limit"
"""Why a plan standing in is not optimised, in words (the notice's)."""


def area_words(
    name: str, result: AreaResult, *, kept: bool = False, move_weight: float = 0.0
) -> str:
    """Say in words which plan an area got, its cost, the bound and the certified gap.

    ``move_weight``: the patient-km each practice moved costs in the run (a repair's).
    """
    kind = plan_kind(result, kept=kept)
    certified = _certified(result, move_weight)
    if kind == "none":
        return f"{name}: no plan ({'; '.join(result.explanations) or result.status})."
    if kind == "proved optimal":
        what = "proved optimal" + (" (your plan was already optimal)" if kept else "")
        return f"{name}: {what}; it costs {_cost(result, move_weight)}."
    if kind == "fallback":
        return (
            f"{name}: the solve failed (see the optimiser results), so the plan at hand "
            f"stands in; {certified}. Run it again for an optimised plan."
        )
    if kind == "kept":
        found = next((n for n in result.explanations if "search's best plan costs" in n), "")
        best = found[found.index("the search's best") :].rstrip(")") if found else ""
        return (
            f"{name}: your plan is kept — the optimiser found nothing cheaper in "
            f"{result.seconds:.0f} s"
            + (f" ({best})" if best else "")
            + f"; {certified}. Allow more time to look further."
        )
    moved = "" if result.moves is None else f" ({result.moves:,} practices moved)"
    if kind == "constructive":
        return (
            f"{name}: not optimised — this is the quick constructive plan ({_NOT_EXACT}); "
            f"{certified}. Allow more time for an optimised plan."
        )
    if kind == "searched":
        start = (
            "your plan made whole"
            if any(REPAIRED_WORDS in note for note in result.explanations)
            else "the quick constructive plan"
        )
        return (
            f"{name}: not optimised — {start} improved by local search only ({_NOT_EXACT}); "
            f"{certified}. Allow more time for an optimised plan."
        )
    if kind == "repaired":
        return (
            f"{name}: not optimised — your plan repaired{moved}: its compliant networks kept, "
            f"the networks breaking a rule re-formed with their neighbours; the fewest-moves "
            f"solve ran out of time; {certified}. Allow more time for fewer moves."
        )
    if kind == "made whole":
        return (
            f"{name}: not optimised — your plan made whole{moved}: each network as it stands, "
            "cut into its connected parts, a practice in none joined to a neighbouring "
            f"network; it may break the band ({_NOT_EXACT}); {certified}. Allow "
            "more time for a plan in band."
        )
    if kind == "parts":
        return (
            f"{name}: not optimised — the last resort, one network per connected part of the "
            f"area ({_NOT_EXACT}); {certified}. Allow more time for a plan."
        )
    return f"{name}: optimised, not proved optimal; {certified}. Allow more time to narrow the gap."


def run_notice(
    results: Mapping[str, AreaResult],
    seconds: float,
    *,
    unchanged: bool = False,
    stopped: bool = False,
    kept: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
    move_weight: float = 0.0,
) -> str:
    """Say what a finished optimiser run gave, area by area (the notice on top of the page).

    ``unchanged``: the working plan is left as it was; ``kept``: the areas whose networks
    the run left as they were; ``names``: area code → name; ``move_weight``: the
    patient-km each practice moved cost in the run (a repair's), named beside each cost.
    """
    names = names or {}
    head = (
        f"Optimiser stopped after {seconds:.1f} s: each area has the best plan found so far."
        if stopped
        else f"Optimiser finished in {seconds:.1f} s."
    )
    if unchanged:
        head += " It found no better plan: the working plan is unchanged."
    words = [
        area_words(
            f"{names[a]} ({a})" if a in names else a, r, kept=a in kept, move_weight=move_weight
        )
        for a, r in results.items()
    ]
    return " ".join([head, *words])


def _crossings(plan: Plan, run: OptimiserRun) -> str:
    """Say which networks of ``plan`` cross a CCG border inside their planning area."""
    the_region = region()
    groups = level_groups() or {}
    groups = {g: list(lower) for g, lower in groups.items() if set(lower) & set(run.ccgs)}
    solved = [code for c in run.ccgs for code in the_region.ccg_graphs[c]]
    graph = the_region.validation_graph.subgraph(solved)
    found = find_crossings(plan.restricted(solved), graph, planning_area_of(groups))
    if not found:
        return " No network crosses a CCG border."
    return (
        f" {len(found):,} network{'' if len(found) == 1 else 's'} cross a CCG border inside "
        "their planning area (waivable with each CCG's agreement): "
        + "; ".join(crossing.text() for crossing in found)
        + "."
    )


def status() -> None:
    """Progress and a Stop button while the optimiser runs; nothing (and no timer) otherwise."""
    if state.optimiser_job is not None:
        _progress()


@st.fragment(run_every=0.5)
def _progress() -> None:
    """Redraw the progress every half second; the whole page redraws when the run is done."""
    job = state.optimiser_job
    if job is None:
        return
    if job.done:
        st.rerun()  # the full run applies the result
    text = "Stopping — finishing with the best plan so far…" if job.stopped else "Optimising"
    st.progress(min(1.0, max(0.0, job.fraction)), text=f"{text} — {plain(job.message)}")
    st.button(
        "Stop",
        key="stop_optimiser",
        on_click=stop,
        disabled=job.stopped,
        help="Stops the optimiser now; each CCG keeps the best plan found so far.",
    )
