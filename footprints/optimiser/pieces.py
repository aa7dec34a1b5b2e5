"""Before solving: networks decided in advance, and the pieces left to plan.

Frozen networks stay as they are; a practice (or a lock group) over the maximum forms a
network of its own. The practices left split into *pieces*, the connected components of
the adjacency graph among them, each planned on its own. A piece that obviously cannot be
split into in-band networks (too few patients, a population no number of in-band networks
adds up to) is certified *soft* here, with the reason in words; the solve may find more.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from footprints.errors import InfeasibleError
from footprints.optimiser.candidates import PracticeArrays, bit_indices, components
from footprints.plan import Band

__all__ = ["NAMES_SHOWN", "Fixed", "Piece", "names", "prepare", "split_pieces"]

NAMES_SHOWN = 12
"""Practice codes named in one sentence before "and N more"."""


def _hold(networks: int) -> str:
    """Say ``1 network holds`` or ``2 networks hold``, as the explanations read."""
    return f"{networks} network holds" if networks == 1 else f"{networks} networks hold"


def names(codes: Iterable[str]) -> str:
    """Codes joined by commas, the first :data:`NAMES_SHOWN` of them and how many more."""
    codes = list(codes)
    if len(codes) <= NAMES_SHOWN:
        return ", ".join(codes)
    return ", ".join(codes[:NAMES_SHOWN]) + f" and {len(codes) - NAMES_SHOWN} more"


@dataclass
class Fixed:
    """A network decided before solving (frozen, or a practice/lock group over the max).

    Parameters
    ----------
    members
        Its practices (indices).
    network_id
        The id it keeps (a frozen network's or a lock's), or ``None`` to be numbered.
    soft_reason
        Why it lies outside the band, when it does.
    frozen
        Whether it is a frozen network of the current plan.
    """

    members: list[int]
    network_id: str | None
    soft_reason: str = ""
    frozen: bool = False


@dataclass
class Piece:
    """A connected component of the practices left to plan.

    Parameters
    ----------
    nodes
        Its practices (indices, sorted).
    population
        Their total list size.
    soft
        Whether networks outside the band are allowed here (penalised).
    reason
        Why the band is soft here, in words.
    practice_reasons
        Where the band is soft because of particular practices: the reason for each one.
    k_range
        Fewest and most networks of a hard piece, ``None`` where the count is free.
    bounded
        ``False`` when the candidate cap forced a radius limit (no bound can be proved).
    """

    nodes: list[int]
    population: int
    soft: bool = False
    reason: str = ""
    practice_reasons: dict[int, str] = field(default_factory=dict)
    k_range: tuple[int, int] | None = None
    bounded: bool = True

    def make_soft(self, reason: str, practice_reasons: Mapping[int, str] | None = None) -> None:
        """Allow networks outside the band here, for ``reason``."""
        self.soft = True
        self.k_range = None
        self.reason = reason
        if practice_reasons is not None:
            self.practice_reasons = dict(practice_reasons)


def prepare(
    practices: PracticeArrays,
    *,
    area: str,
    band: Band,
    current_map: Mapping[str, str],
    locked_map: Mapping[str, str],
    frozen_ids: set[str],
    frozen_map: Mapping[str, str],
) -> tuple[list[Fixed], list[int], dict[str, list[int]]]:
    """Frozen networks, practices/lock groups over the maximum, and the practices left.

    Parameters
    ----------
    practices
        The area's practices.
    area
        The area's name (for messages).
    band
        The population band.
    current_map
        The current plan, only under a move budget (practices over the maximum may then
        stay in their current network), else empty.
    locked_map
        Practice code → the network id it is locked to.
    frozen_ids
        Ids of the current plan's networks kept as they are.
    frozen_map
        The current plan (for the frozen networks).

    Returns
    -------
    fixed, free, lock_groups
        The networks decided now; the practices left to plan; lock id → its practices not
        already in a decided network.

    Raises
    ------
    InfeasibleError
        When locks contradict frozen networks, or practices locked together cannot be
        joined.
    """
    codes = practices.codes
    fixed: list[Fixed] = []
    taken: set[int] = set()
    frozen_members: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        net = frozen_map.get(code)
        if net is not None and net in frozen_ids:
            frozen_members.setdefault(net, []).append(i)
    lock_groups: dict[str, list[int]] = {}
    for code in sorted(locked_map):
        lock_groups.setdefault(locked_map[code], []).append(practices.index[code])
    for net in sorted(frozen_members):
        members = frozen_members[net]
        population = int(practices.population[members].sum())
        reason = ""
        if not band.contains(population):
            reason = (
                f"it is frozen as in the current plan with {population:,} patients, "
                "outside the band"
            )
        fixed.append(Fixed(members, net, reason, frozen=True))
        taken.update(members)
    _check_locks_against_frozen(practices, area, lock_groups, frozen_members, frozen_map, taken)
    # Lock groups inside frozen networks are satisfied; drop them from what is left.
    lock_groups = {
        lock: members for lock, members in lock_groups.items() if members[0] not in taken
    }
    _fix_large_lock_groups(practices, area, band, lock_groups, fixed, taken)
    _fix_large_practices(practices, band, lock_groups, current_map, fixed, taken)
    lock_groups = {
        lock: members for lock, members in lock_groups.items() if members[0] not in taken
    }
    free = [i for i in range(len(codes)) if i not in taken]
    _check_locks_joinable(practices, area, lock_groups, free)
    return fixed, free, lock_groups


def _check_locks_against_frozen(
    practices: PracticeArrays,
    area: str,
    lock_groups: dict[str, list[int]],
    frozen_members: dict[str, list[int]],
    frozen_map: Mapping[str, str],
    taken: set[int],
) -> None:
    codes = practices.codes
    problems: list[str] = []
    for lock, members in sorted(lock_groups.items()):
        in_frozen = [i for i in members if i in taken]
        if not in_frozen:
            if lock in frozen_members:
                problems.append(
                    f"practices {names(codes[i] for i in members)} are locked to {lock}, "
                    f"which is a frozen network they are not in"
                )
            continue
        clash = [i for i in in_frozen if frozen_map.get(codes[i]) != lock]
        outside = [i for i in members if i not in taken]
        if clash:
            problems.append(
                f"practices {names(codes[i] for i in clash)} are locked to {lock} but are in "
                f"frozen network(s) {names(sorted({frozen_map[codes[i]] for i in clash}))}"
            )
        elif outside:
            problems.append(
                f"practices {names(codes[i] for i in outside)} are locked to {lock}, a frozen "
                "network they are not in"
            )
    if problems:
        raise InfeasibleError(
            f"area {area}: the locks contradict the frozen networks: "
            + "; ".join(problems)
            + ". Unlock those practices or unfreeze the networks."
        )


def _fix_large_lock_groups(
    practices: PracticeArrays,
    area: str,
    band: Band,
    lock_groups: dict[str, list[int]],
    fixed: list[Fixed],
    taken: set[int],
) -> None:
    codes = practices.codes
    for lock, members in sorted(lock_groups.items()):
        population = int(practices.population[members].sum())
        if population <= band.max_population:
            continue
        group = names(codes[i] for i in members)
        if len(components(members, practices.neighbours)) != 1:
            raise InfeasibleError(
                f"area {area}: practices {group} are locked together in {lock} with "
                f"{population:,} patients, over the maximum {band.max_population:,}, and are "
                "not adjacent to one another; unlock some of them"
            )
        if len(members) == 1:
            reason = (
                f"practice {group} alone has {population:,} patients, "
                f"{population - band.max_population:,} over the maximum "
                f"{band.max_population:,}, so it forms a network of its own"
            )
        else:
            reason = (
                f"practices {group} are locked together with {population:,} patients, "
                f"{population - band.max_population:,} over the maximum "
                f"{band.max_population:,}"
            )
        fixed.append(Fixed(list(members), lock, reason))
        taken.update(members)


def _fix_large_practices(
    practices: PracticeArrays,
    band: Band,
    lock_groups: dict[str, list[int]],
    current_map: Mapping[str, str],
    fixed: list[Fixed],
    taken: set[int],
) -> None:
    codes = practices.codes
    locked_nodes = {i for members in lock_groups.values() for i in members}
    for i, code in enumerate(codes):
        if i in taken or int(practices.population[i]) <= band.max_population:
            continue
        size = int(practices.population[i])
        reason = (
            f"practice {code} alone has {size:,} patients, "
            f"{size - band.max_population:,} over the maximum {band.max_population:,}, "
            "so it forms a network of its own"
        )
        if i in locked_nodes:  # a locked group's own network takes its other members too
            continue
        net = current_map.get(code)
        if net is not None and any(
            current_map.get(codes[j]) == net for j in range(len(codes)) if j != i and j not in taken
        ):
            # Repair mode: it may stay in its current network (a move budget may demand it);
            # its piece gets it alone as a candidate too (see columns.piece_candidates).
            continue
        fixed.append(Fixed([i], None, reason))
        taken.add(i)


def _check_locks_joinable(
    practices: PracticeArrays, area: str, lock_groups: dict[str, list[int]], free: list[int]
) -> None:
    """Locked practices must be joinable without crossing practices locked elsewhere."""
    codes = practices.codes
    locked_nodes = {i: lock for lock, members in lock_groups.items() for i in members}
    for lock, members in sorted(lock_groups.items()):
        usable = [i for i in free if locked_nodes.get(i, lock) == lock]
        for piece in components(usable, practices.neighbours):
            inside = set(piece)
            if members[0] in inside:
                if not all(i in inside for i in members):
                    raise InfeasibleError(
                        f"area {area}: practices {names(codes[i] for i in members)} are "
                        f"locked together in {lock}, but no contiguous network can hold them "
                        "all without passing through practices locked to other networks, "
                        "frozen networks or practices over the maximum; change the locks"
                    )
                break


def split_pieces(
    practices: PracticeArrays, band: Band, free: list[int], fixed: list[Fixed]
) -> list[Piece]:
    """Split the practices left into connected pieces and certify the obvious soft ones."""
    codes = practices.codes
    fixed_of = {i: f for f in fixed for i in f.members}
    free_set = set(free)
    pieces = []
    for nodes in components(free, practices.neighbours):
        population = int(practices.population[nodes].sum())
        piece = Piece(nodes, population)
        group = names(codes[i] for i in nodes)
        over = [i for i in nodes if int(practices.population[i]) > band.max_population]
        if over:  # repair mode kept them with their current network's practices
            piece.soft = True
            piece.practice_reasons = {
                i: f"practice {codes[i]} alone has {int(practices.population[i]):,} patients, "
                f"{int(practices.population[i]) - band.max_population:,} over the maximum "
                f"{band.max_population:,}"
                for i in over
            }
            piece.reason = "; ".join(piece.practice_reasons.values())
        elif population < band.min_population:
            blockers = sorted(
                {
                    (f.network_id or f"practice {codes[f.members[0]]}")
                    for i in nodes
                    for j in bit_indices(practices.neighbours[i])
                    if j not in free_set and (f := fixed_of.get(j)) is not None
                }
            )
            one = len(nodes) == 1
            are, them = ("is", "it") if one else ("are", "them")
            if blockers:
                why = f"{are} joined to the rest of the area only through {names(blockers)}"
            elif len(nodes) == len(codes):
                why = f"{are} the whole area"
            else:
                why = f"{are} not adjacent to any other practice in the area"
            piece.soft = True
            piece.reason = (
                f"{'practice' if one else 'practices'} {group} ({population:,} patients) {why}, "
                f"so no network of {them} can reach the minimum {band.min_population:,}"
            )
        else:
            low = math.ceil(population / band.max_population)
            # a network holds one practice or more: with no minimum, at most one per practice
            high = population // band.min_population if band.min_population else len(nodes)
            if low > high:
                piece.soft = True
                piece.reason = (
                    f"practices {group} ({len(nodes)} practices, {population:,} patients) "
                    f"cannot be split into networks of {band.min_population:,}–"
                    f"{band.max_population:,}: {_hold(low - 1)} at most "
                    f"{(low - 1) * band.max_population:,} and {low} need at least "
                    f"{low * band.min_population:,}"
                )
            else:
                piece.k_range = (low, high)
        pieces.append(piece)
    return pieces
