"""From the chosen columns to an :class:`~footprints.optimiser.settings.AreaResult`.

Networks get their ids (a lock's, a frozen or matched current network's, else
``<area>-N01`` … numbered from north-west to south-east), the networks decided before solving
join the plan and their costs join the objective and bound, and every network outside the
band gets a sentence naming its practices, its population, the limit it misses and why.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from footprints.optimiser.candidates import CandidateSets, components
from footprints.optimiser.columns import Columns
from footprints.optimiser.costs import SCALE, plan_costs
from footprints.optimiser.nesting import nest_patch_names, nest_patches, nesting_obstacles
from footprints.optimiser.pieces import Piece, names
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.proof import Outcome
from footprints.optimiser.settings import (
    AreaResult,
    Fallback,
    OptimiseSettings,
    PriorityResult,
    Status,
)
from footprints.plan import Band

__all__ = ["LAST_RESORT_REASON", "area_result", "plain_result", "priority_notes", "soft_reason"]

LAST_RESORT_REASON = "it is a whole connected part of the area, the plan of last resort (see below)"
"""Why a network of the last-resort plan (one per connected part) may lie outside the band."""


@dataclass
class _Network:
    """A network of the plan before it has an id."""

    members: list[int]
    given: str | None  # a fixed network's or a lock's id
    matched: str | None  # the current network it was matched to
    reason: str  # why it may lie outside the band


def area_result(problem: AreaProblem, columns: Columns, outcome: Outcome) -> AreaResult:
    """Make the area's result: assignment, status, cost, bound, gap and explanations."""
    seconds = time.monotonic() - problem.started
    explanations = list(outcome.notes)
    if outcome.objective is None:
        return AreaResult(
            problem.name,
            {},
            outcome.status,
            seconds=seconds,
            explanations=explanations,
            pool_size=outcome.pool_size,
        )
    networks, moves = _networks(problem, columns, outcome)
    # Fixed-network costs are constants added to objective and bound.
    fixed_sets = CandidateSets.of([f.members for f in problem.fixed])
    _, fixed_costs = plan_costs(fixed_sets, problem.practices, problem.settings)
    constant = int(fixed_costs.sum())
    objective_units = outcome.objective + constant
    ids = _network_ids(problem, networks)
    assignment, soft_networks, soft_lines = _soft_lines(problem, networks, ids)
    explanations = soft_lines + explanations
    bound = None if outcome.bound is None else (outcome.bound + constant) / SCALE
    objective = objective_units / SCALE
    gap_value = None
    if bound is not None:
        gap_value = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    current = problem.current
    return AreaResult(
        area=problem.name,
        assignment=assignment,
        status=outcome.status,
        objective=objective,
        bound=bound,
        gap=gap_value,
        seconds=seconds,
        networks=len(networks),
        explanations=explanations,
        soft_networks=sorted(soft_networks),
        pool_size=outcome.pool_size,
        moves=moves if current.assignment or current.ids else None,
        fallback=outcome.fallback,
    )


def _networks(
    problem: AreaProblem, columns: Columns, outcome: Outcome
) -> tuple[list[_Network], int]:
    """List the fixed networks, then the chosen ones; and count the practices moved."""
    settings = problem.settings
    lock_of = {i: lock for lock, members in problem.locks.groups.items() for i in members}
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    networks = [_Network(f.members, f.network_id, None, f.soft_reason) for f in problem.fixed]
    moves = 0
    for j in outcome.chosen:
        s = int(columns.col_set[j])
        members = columns.sets.members_of(s)
        match = int(columns.col_match[j])
        moves += int(columns.col_moves[j])
        locks = {lock_of[i] for i in members if i in lock_of}
        network_id = locks.pop() if locks else None
        matched = problem.current.ids[match] if match >= 0 else None
        piece = problem.pieces[piece_of[members[0]]]
        reason = soft_reason(piece, members, settings) if piece.soft else ""
        if outcome.fallback == "connected parts":
            reason = LAST_RESORT_REASON
        if matched is not None and not columns.col_moves[j] and settings.max_moves is not None:
            reason = (
                f"it keeps the practices of network {matched} of the current plan, because "
                "changing it would take more moves than allowed or cost more than the band "
                "penalty"
            ) + (f" ({reason})" if reason else "")
        networks.append(_Network(members, network_id, matched, reason))
    return networks, moves


def _network_ids(problem: AreaProblem, networks: list[_Network]) -> list[str]:
    """Each network's id: given, else its matched current id (once), else a new number."""
    codes = problem.practices.codes
    fixed = problem.fixed
    current_map = problem.current.assignment
    # A network decided before solving (a practice over the maximum, say) whose practices
    # are exactly one current network keeps that network's id, unless the solve matched
    # the id to another network first.
    current_members: dict[str, set[str]] = {}
    for code, current_id in current_map.items():
        current_members.setdefault(current_id, set()).add(code)
    fixed_matches: list[str | None] = []
    for f in fixed:
        found = {current_map.get(codes[i]) for i in f.members}
        only = found.pop() if len(found) == 1 else None
        same = only is not None and current_members[only] == {codes[i] for i in f.members}
        fixed_matches.append(only if same else None)
    used = {n.given for n in networks if n.given is not None}
    ids: list[str | None] = [n.given for n in networks]
    order = list(range(len(fixed), len(networks))) + list(range(len(fixed)))
    for k in order:
        given, matched = networks[k].given, networks[k].matched
        if k < len(fixed):
            matched = fixed_matches[k]
        if given is None and matched is not None and matched not in used:
            ids[k] = matched
            used.add(matched)

    practices = problem.practices

    def centre(members: list[int]) -> tuple[float, str]:
        weights = practices.population[members].astype(np.float64)
        if weights.sum() == 0:
            weights = np.ones(len(members))
        cx = float(np.average(practices.x_km[members], weights=weights))
        cy = float(np.average(practices.y_km[members], weights=weights))
        return cx - cy, min(codes[i] for i in members)

    unnamed = sorted(
        (k for k, net in enumerate(ids) if net is None), key=lambda k: centre(networks[k].members)
    )
    width = max(2, len(str(len(networks))))
    number = 0
    for k in unnamed:
        while True:
            number += 1
            candidate = f"{problem.name}-N{number:0{width}d}"
            if candidate not in used:
                break
        ids[k] = candidate
        used.add(candidate)
    named: list[str] = []
    for net in ids:
        assert net is not None
        named.append(net)
    return named


def _soft_lines(
    problem: AreaProblem, networks: list[_Network], ids: list[str]
) -> tuple[dict[str, str], list[str], list[str]]:
    """Return the assignment, the networks outside the band, and a sentence for each."""
    band = problem.band
    codes = problem.practices.codes
    assignment: dict[str, str] = {}
    soft_networks: list[str] = []
    soft_lines: list[tuple[str, str]] = []
    for net, network in zip(ids, networks, strict=True):
        members = network.members
        for i in members:
            assignment[codes[i]] = net
        population = int(problem.practices.population[members].sum())
        gap = band.gap(population)
        if gap:
            soft_networks.append(net)
            side = "below the minimum" if gap < 0 else "above the maximum"
            limit = band.min_population if gap < 0 else band.max_population
            because = (
                network.reason
                or _hanging_reason(problem, members)
                or (
                    "the plan at hand leaves it outside the band, though a plan within the "
                    "band may exist (allow more time)"
                )
            )
            soft_lines.append(
                (
                    net,
                    f"Network {net} ({names(sorted(codes[i] for i in members))}) has "
                    f"{population:,} patients, {abs(gap):,} {side} {limit:,}: {because}.",
                )
            )
    return (
        dict(sorted(assignment.items())),
        soft_networks,
        [line for _, line in sorted(soft_lines)],
    )


def _holdable(total: int, band: Band) -> bool:
    """Whether some number of in-band networks adds up to ``total`` patients."""
    count = -(-total // band.max_population)
    return total > 0 and count * band.min_population <= total


def _hanging_reason(problem: AreaProblem, members: list[int]) -> str:
    """Why a network over the maximum is so in every plan, or ``""`` when not known.

    A practice ``v`` of the network may hold parts of its piece that reach the rest only
    through ``v`` and whose population no number of in-band networks adds up to: a network
    in band can hold such a part only by reaching out of it, through ``v``, so in any plan
    with those networks in band ``v``'s network holds every such part. When they and ``v``
    pass the maximum, every plan has a network out of band there: ``v``'s, over the
    maximum, or one within a part. Locks and filters only narrow the plans, so the reason
    holds with them too.
    """
    band = problem.band
    population = problem.practices.population
    if int(population[members].sum()) <= band.max_population:
        return ""
    piece = next((p for p in problem.pieces if members[0] in p.nodes), None)
    if piece is None:
        return ""
    codes = problem.practices.codes
    neighbours = problem.practices.neighbours
    for v in sorted(members):
        parts = components([i for i in piece.nodes if i != v], neighbours)
        hanging = [part for part in parts if not _holdable(int(population[part].sum()), band)]
        total = int(population[v]) + sum(int(population[part].sum()) for part in hanging)
        if total > band.max_population:
            held = names(sorted(codes[i] for part in hanging for i in part))
            return (
                f"practices {held} reach the rest of the area only through {codes[v]}, and "
                "no number of networks within the band adds up to their patients, so in any "
                f"plan {codes[v]}'s network holds them or one of theirs is outside the band: "
                f"with {codes[v]} that is {total:,} patients, above the maximum"
            )
    return ""


def soft_reason(piece: Piece, members: list[int], settings: OptimiseSettings) -> str:
    """Why a network of a soft piece may lie outside the band, in its own terms."""
    if not piece.practice_reasons:
        return piece.reason  # the piece as a whole cannot be split in band
    own = [piece.practice_reasons[i] for i in members if i in piece.practice_reasons]
    if own:
        return "; ".join(own)
    return (
        f"the band is soft in this part of the area ({piece.reason}), and no plan found with "
        f"this network in the band cost less (the band penalty is {settings.band_penalty:g} "
        f"per patient outside it, and {settings.out_of_band_cost:,.0f} per network outside it)"
    )


_QUIET_WHEN_NONE = ("moves out of compliant networks",)
"""Priorities not worth a sentence at 0."""

_PRIORITY_WORDS = {
    "moves": ("Least change", "practice moved", "practices moved"),
    "patients moved": ("Least change", "patient moved", "patients moved"),
    "moves out of compliant networks": (
        "Of them, out of networks that already complied",
        "practice",
        "practices",
    ),
    "straddling patients": (
        "Patches first",
        "patient outside their network's main patch",
        "patients outside their network's main patch",
    ),
    "straddling networks": (
        "Nesting in patches",
        "network straddling patches",
        "networks straddling patches",
    ),
}
"""Per priority: the note's title, then its unit for a value of 1 and for any other."""


def priority_notes(
    problem: AreaProblem, priorities: list[PriorityResult], result: AreaResult
) -> list[str]:
    """Say in a sentence per priority put first its value, proved or with bound and gap.

    For nesting in patches that could not nest every network, the straddling networks and
    the parts of patches that cannot be split into in-band networks alone, with names and
    numbers.
    """
    notes = []
    for priority in priorities:
        if priority.value is None or (priority.name in _QUIET_WHEN_NONE and not priority.value):
            continue
        title, one, many = _PRIORITY_WORDS.get(priority.name, (priority.name, "", ""))
        text = f"{title}: {priority.value:,} {one if priority.value == 1 else many}".rstrip()
        if priority.proved:
            text += ", the proved minimum"
        elif priority.bound is not None:
            gap = priority.gap or 0.0
            text += f", the fewest found; the proved bound is {priority.bound:,} (gap {gap:.0%})"
        else:
            text += ", the fewest found (no bound could be proved)"
        if priority.name == "straddling networks" and priority.value:
            text += ": " + _straddling_networks(problem, result)
            obstacles = nesting_obstacles(problem)
            if obstacles or (priority.bound or 0) > 0:  # said only where proved
                text += ". No plan nests every network in a patch" + (
                    " because " + "; ".join(obstacles)
                    if obstacles
                    else " with the locks and filters"
                )
        notes.append(text + ".")
    return notes


def _straddling_networks(problem: AreaProblem, result: AreaResult) -> str:
    """Name the plan's networks whose practices lie in more than one patch, with patients."""
    practices = problem.practices
    patch = nest_patches(practices)
    patch_names = nest_patch_names(practices)
    members: dict[str, list[int]] = {}
    for code, network in result.assignment.items():
        members.setdefault(network, []).append(practices.index[code])
    described = []
    for network in sorted(members):
        by_patch: dict[str, int] = {}
        for i in members[network]:
            if patch[i] >= 0:
                name = patch_names[int(patch[i])]
                by_patch[name] = by_patch.get(name, 0) + int(practices.population[i])
        if len(by_patch) > 1:
            ranked = sorted(by_patch.items(), key=lambda item: -item[1])
            parts = ", ".join(f"{p} {n:,}" for p, n in ranked)
            described.append(f"{network} ({parts} patients)")
    return "; ".join(described)


def plain_result(
    area: str,
    networks: Sequence[Sequence[str]],
    population: Mapping[str, int],
    band: Band,
    *,
    status: Status,
    explanations: Sequence[str],
    fallback: Fallback,
    seconds: float,
) -> AreaResult:
    """Make a result from networks of practice codes alone, for when a solve failed early.

    Used when the area's problem could not even be read (or its result not worked out):
    networks are numbered ``<area>-N01`` … in the order of their first practice code, and
    no cost, bound or gap is reported.
    """
    ordered = sorted((sorted(members) for members in networks if members), key=lambda m: m[0])
    width = max(2, len(str(len(ordered))))
    assignment: dict[str, str] = {}
    soft: list[str] = []
    lines: list[str] = []
    for number, members in enumerate(ordered, 1):
        network = f"{area}-N{number:0{width}d}"
        assignment.update(dict.fromkeys(members, network))
        total = sum(int(population.get(code, 0)) for code in members)
        gap = band.gap(total)
        if gap:
            soft.append(network)
            side = "below the minimum" if gap < 0 else "above the maximum"
            limit = band.min_population if gap < 0 else band.max_population
            because = (
                LAST_RESORT_REASON if fallback == "connected parts" else "it is the plan at hand"
            )
            lines.append(
                f"Network {network} ({names(members)}) has {total:,} patients, {abs(gap):,} "
                f"{side} {limit:,}: {because}."
            )
    return AreaResult(
        area,
        dict(sorted(assignment.items())),
        status,
        seconds=seconds,
        networks=len(ordered),
        explanations=[*lines, *explanations],
        soft_networks=soft,
        fallback=fallback,
    )
