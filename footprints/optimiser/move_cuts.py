"""A lower bound on least change's moves from a compact model, contiguity added as cuts.

The master LP's bound over candidate networks is strong but, in large degenerate areas,
converges too slowly or to a value below the minimum (E38000205: LP 4.0, minimum 5). This
bound comes from another model, one CP-SAT integer programme over practices rather than
networks:

- **slots**: each current network of a piece is a slot (a plan's network matched to it;
  a practice left in its own network's slot is not moved, as in
  :func:`~footprints.optimiser.fallback.least_change_key`), plus ``k`` new slots for
  networks matched to none; the practices of no current network may also form networks of
  their own (pooled: ``c`` networks of them hold ``c`` × the band);
- ``x[i, s]``: practice ``i`` lies in slot ``s``, each practice in one slot of its piece
  (lock groups together, one group a slot); a current network's slot is used when one of
  its own practices stays, and holds one practice of a current network at least; a used
  slot's patients within the band in a hard piece; the piece's count of networks in its
  range; a current network matched in one piece at most;
- the objective: the practices moved (those of a current network outside its slot).

Any plan is a solution of this model where the plan's networks are connected, so without
contiguity its minimum is a lower bound on every plan's moves (candidate filters are left
out: a relaxation too). Contiguity comes back lazily: a slot whose practices lie in parts
gets, for a practice ``u`` of one part and ``v`` of another and a set ``C`` of practices
separating them (the neighbours of ``u``'s part that lie on ``v``'s side), the cut
``x[u, s] + x[v, s] − Σ_{c ∈ C} x[c, s] ≤ 1``, a connected network holding ``u`` and ``v``
holds a practice of ``C``. Each round's optimum is a bound; the loop re-solves until every
slot is connected or time runs out.

New slots are counted against the plan at hand: a plan moving at most ``m − 1`` practices
(``m`` the plan at hand's moves) has at most ``m − 1`` networks matched to none that hold a
moved practice. So the model asks for plans moving at most ``m − 1`` with ``k = m − 1``
new slots (at most :data:`NEW_SLOTS`): infeasible proves ``m`` (``k + 1`` when capped);
a minimum ``v`` proves ``v`` (at most ``k + 1``). In a hard piece fewer new slots suffice:
each new network holds the band's minimum of patients, all from moved practices (the
``m − 1`` largest at most) or practices of no current network. Moves are counted in
practices; with ``fewest_patients`` no bound is given.

**Polish** (:func:`polish_moves`): the same model with contiguity exact instead — each used
slot a flow from one root practice, every other practice of the slot taking in one unit
more than it sends on, along edges inside the slot — so every answer is a plan. Whole, it
is too large for CP-SAT to find a plan in the time at hand (E38000208, 49 practices: none
in 30 s from nothing; from the plan at hand as a hint, 19 → 15 moved in 20 s). Asked one
neighbourhood at a time instead — the practices of one, two or three neighbouring networks
of the plan at hand may go to any of those networks or to two unused slots, every other
practice stays — each solve takes hundredths of a second, and the plan at hand improves
one neighbourhood after another until none does (E38000208 19 → 13 in 8 s, E38000084
18 → 10, the minimum, in 4.5 s; BENCHMARKS.md, #15, session 19). A neighbourhood's model
holds only its freed practices and open slots (the rest are constants of its rows), so
its size does not grow with the area's (E38000225, 95 practices: 0.010 s a neighbourhood,
median, against 0.085 s for the whole model with the rest fixed; session 20).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from footprints.optimiser.candidates import bit_indices, bit_mask, bit_reach, components
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.pieces import Piece
from footprints.optimiser.problem import AreaProblem

__all__ = ["NEW_SLOTS", "CutBound", "Polished", "fewest_moves_by_cuts", "polish_moves"]

logger = logging.getLogger(__name__)

NEW_SLOTS = 40
"""The most new slots (networks matched to no current network) per piece."""

ROUND_CUTS = 200
"""The most cuts added in one round."""

PART_CUTS = 8
"""The most practices of one part cut off from another part in one round."""

NEIGHBOURHOOD = 3
"""The most slots of the plan at hand one neighbourhood of :func:`polish_moves` changes."""

SPARE_SLOTS = 2
"""The most unused new slots a neighbourhood of :func:`polish_moves` may fill."""

NEIGHBOURHOOD_SECONDS = 1.0
"""The most seconds one neighbourhood's solve of :func:`polish_moves` may take."""

Slot = tuple[int, int]
"""``(piece, k)``: a slot of a piece; ``k`` a current network's number, or ``-1 − j`` for
the ``j``-th new slot."""


@dataclass(frozen=True)
class CutBound:
    """What :func:`fewest_moves_by_cuts` found.

    Parameters
    ----------
    bound
        A lower bound on the practices every plan moves (0: none found).
    rounds
        The CP-SAT solves made.
    cuts
        The contiguity cuts added.
    connected
        Whether the last solve's slots were all connected (the loop ended, not the time).
    relaxed
        The first solve's bound, before any cut (0: none).
    plan
        The last solve's answer as networks ``(practices, matched current network or -1)``
        where it is a plan: solved to optimality, every slot connected, no practice pooled
        (``None`` otherwise). It moves ``bound`` practices unless the bound was capped
        (more than :data:`NEW_SLOTS` + 1). Candidate filters and the population window of
        soft pieces are not checked here.
    """

    bound: int
    rounds: int
    cuts: int
    connected: bool
    relaxed: int = 0
    plan: list[tuple[list[int], int]] | None = None


@dataclass(frozen=True)
class Polished:
    """What :func:`polish_moves` found.

    Parameters
    ----------
    plan
        A plan moving fewer than the one it started from, as networks ``(practices,
        matched current network or -1)``, every network connected, no practice pooled
        (``None``: none found). Candidate filters and the population window of soft pieces
        are not checked here.
    moves
        The practices ``plan`` moves (those of the plan started from without one).
    """

    plan: list[tuple[list[int], int]] | None
    moves: int


class _Model:
    """The compact model of one area (see the module's docstring)."""

    def __init__(self, problem: AreaProblem, new_slots: int, most: int) -> None:
        index = problem.current.index
        assert index is not None
        self.problem = problem
        self.index = index
        population = problem.practices.population
        band = problem.band
        model = cp_model.CpModel()
        self.model = model
        self.x: dict[tuple[int, Slot], cp_model.IntVar] = {}
        self.slots: list[list[Slot]] = []
        self.pooled: list[cp_model.IntVar] = []
        used: dict[Slot, cp_model.IntVar] = {}
        stays: list[cp_model.IntVar] = []
        for p, piece in enumerate(problem.pieces):
            nodes = piece.nodes
            networks = sorted({int(index[i]) for i in nodes if index[i] >= 0})
            movers = [i for i in nodes if index[i] >= 0]
            slots = [(p, k) for k in networks] + [
                (p, -1 - j) for j in range(min(new_slots, self._new_networks(piece, most)))
            ]
            self.slots.append(slots)
            free = [i for i in nodes if index[i] < 0]
            pooled = {i: model.new_bool_var(f"free{i}") for i in free}
            self.pooled.extend(pooled.values())
            for i in nodes:
                for s in slots:
                    self.x[i, s] = model.new_bool_var(f"x{i}_{s}")
                alone = [pooled[i]] if i in pooled else []
                model.add_exactly_one([self.x[i, s] for s in slots] + alone)
            for s in slots:
                own = [i for i in nodes if index[i] == s[1]] if s[1] >= 0 else movers
                used[s] = model.new_bool_var(f"used{s}")
                model.add_max_equality(used[s], [self.x[i, s] for i in own])
                for i in nodes:
                    model.add_implication(self.x[i, s], used[s])
                if not piece.soft:
                    total = sum(int(population[i]) * self.x[i, s] for i in nodes)
                    model.add(total >= band.min_population * used[s])
                    model.add(total <= band.max_population * used[s])
                if s[1] >= 0:
                    stays.extend(self.x[i, s] for i in own)
                    self._add_neighbour_rows(s, [i for i in nodes if index[i] != s[1]])
                    if not piece.soft:
                        self._add_reach_rows(s, own, nodes)
            if not piece.soft:
                # a practice below the band's minimum is never a network alone
                light = [i for i in nodes if population[i] < band.min_population]
                for s in slots:
                    self._add_neighbour_rows(s, [i for i in light if s[1] < 0 or index[i] == s[1]])
            news = [s for s in slots if s[1] < 0]
            for earlier, later in itertools.pairwise(news):
                model.add_implication(used[later], used[earlier])
            self._add_piece_rows(p, slots, used, pooled)
        for network in range(len(problem.current.ids)):
            matched = [used[s] for s in used if s[1] == network]
            if len(matched) > 1:
                model.add_at_most_one(matched)
        self.used = used
        self.stays = stays
        self._add_locks()
        self.total = sum(1 for piece in problem.pieces for i in piece.nodes if index[i] >= 0)
        model.add(sum(stays) >= self.total - most)
        model.maximize(sum(stays))

    def _new_networks(self, piece: Piece, most: int) -> int:
        """Return the most networks matched to none a plan moving ``most`` may have in ``piece``.

        Each holds a moved practice, so at most ``most`` and at most the piece's moved
        practices; in a hard piece each also holds the band's minimum of patients, all of
        them from moved practices (the ``most`` largest at most) or practices of no current
        network.
        """
        index = self.index
        movers = sorted(
            (int(self.problem.practices.population[i]) for i in piece.nodes if index[i] >= 0),
            reverse=True,
        )
        count = min(most, len(movers))
        if piece.soft or self.problem.band.min_population <= 0:
            return count
        unplaced = sum(
            int(self.problem.practices.population[i]) for i in piece.nodes if index[i] < 0
        )
        return min(count, (sum(movers[:most]) + unplaced) // self.problem.band.min_population)

    def _add_neighbour_rows(self, slot: Slot, others: Sequence[int]) -> None:
        """Give each practice of ``others`` in ``slot`` a neighbour there (it is not alone)."""
        neighbours = self.problem.practices.neighbours
        for i in others:
            near = [self.x[j, slot] for j in bit_indices(neighbours[i]) if (j, slot) in self.x]
            self.model.add(sum(near) >= 1).only_enforce_if(self.x[i, slot])

    def _add_reach_rows(self, slot: Slot, own: Sequence[int], nodes: Sequence[int]) -> None:
        """Keep out of a current network's slot the practices too far from all its own.

        A network holding practice ``i`` and one of the slot's own practices holds a path
        between them: where the fewest patients on any such path pass the maximum, ``i``
        cannot join.
        """
        population = self.problem.practices.population
        neighbours = self.problem.practices.neighbours
        inside = set(nodes)
        most = self.problem.band.max_population
        dist = {i: int(population[i]) for i in own}
        heap = [(d, i) for i, d in dist.items()]
        heapq.heapify(heap)
        while heap:
            d, i = heapq.heappop(heap)
            if d > dist[i]:
                continue
            for j in bit_indices(neighbours[i]):
                if j in inside:
                    step = d + int(population[j])
                    if step <= most and step < dist.get(j, most + 1):
                        dist[j] = step
                        heapq.heappush(heap, (step, j))
        for i in nodes:
            if i not in dist:
                self.model.add(self.x[i, slot] == 0)

    def _add_piece_rows(
        self,
        p: int,
        slots: list[Slot],
        used: dict[Slot, cp_model.IntVar],
        pooled: dict[int, cp_model.IntVar],
    ) -> None:
        """Add the pooled networks of free practices, and the piece's count of networks."""
        piece = self.problem.pieces[p]
        if piece.soft:
            return
        band = self.problem.band
        population = self.problem.practices.population
        high = piece.k_range[1] if piece.k_range else len(piece.nodes)
        count = self.model.new_int_var(0, high if pooled else 0, f"pooled{p}")
        total = sum(int(population[i]) * var for i, var in pooled.items())
        self.model.add(total >= band.min_population * count)
        self.model.add(total <= band.max_population * count)
        if piece.k_range:
            networks = count + sum(used[s] for s in slots)
            self.model.add(networks >= piece.k_range[0])
            self.model.add(networks <= piece.k_range[1])

    def _add_locks(self) -> None:
        """Keep a lock group in one slot, and one group at most in a slot."""
        locks = self.problem.locks
        firsts = []
        slots = [s for piece_slots in self.slots for s in piece_slots]
        for members in locks.groups.values():
            first = members[0]
            firsts.append(first)
            for other in members[1:]:
                for s in slots:
                    if (first, s) in self.x and (other, s) in self.x:
                        self.model.add(self.x[first, s] == self.x[other, s])
        for slots in self.slots:
            for s in slots:
                held = [self.x[i, s] for i in firsts if (i, s) in self.x]
                if len(held) > 1:
                    self.model.add_at_most_one(held)

    def cuts(self, solver: cp_model.CpSolver, room: int) -> int:
        """Add separator cuts for the slots in parts in ``solver``'s answer; return how many."""
        neighbours = self.problem.practices.neighbours
        added = 0
        for p, piece in enumerate(self.problem.pieces):
            inside = bit_mask(piece.nodes)
            for s in self.slots[p]:
                chosen = [i for i in piece.nodes if solver.boolean_value(self.x[i, s])]
                parts = components(chosen, neighbours) if chosen else []
                if len(parts) < 2:
                    continue
                own = self._own(s)
                parts.sort(key=lambda part: -sum(1 for i in part if own(i)))
                for a, b in itertools.combinations(range(len(parts)), 2):
                    for here, there in ((parts[a], parts[b]), (parts[b], parts[a])):
                        v = next((i for i in there if own(i)), there[0])
                        cut = _separator(here, v, inside, neighbours)
                        # every practice of `here` with `v`: the separator holds for each
                        for u in here[:PART_CUTS]:
                            self.model.add(
                                self.x[u, s] + self.x[v, s] - sum(self.x[c, s] for c in cut) <= 1
                            )
                            added += 1
                if added >= room:
                    return added
        return added

    def _own(self, slot: Slot) -> Callable[[int], bool]:
        """Whether a practice is one the slot must hold (its own network's, or any moved)."""
        index = self.index
        if slot[1] >= 0:
            return lambda i: bool(index[i] == slot[1])
        return lambda i: bool(index[i] >= 0)

    def plan(self, solver: cp_model.CpSolver) -> list[tuple[list[int], int]] | None:
        """Return ``solver``'s answer as networks, each with its matched current network.

        ``None`` where a practice is pooled (the pooled networks are not made). The caller
        checks that every slot is connected.
        """
        if any(solver.boolean_value(var) for var in self.pooled):
            return None
        found = []
        for p, piece in enumerate(self.problem.pieces):
            for s in self.slots[p]:
                members = [i for i in piece.nodes if solver.boolean_value(self.x[i, s])]
                if members:
                    found.append((members, s[1] if s[1] >= 0 else -1))
        return found

    def hint(self, solver: cp_model.CpSolver) -> None:
        """Start the next solve from this one's answer."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for var in self.x.values():
            self.model.add_hint(var, solver.boolean_value(var))


class _Slots:
    """The slots of an area for :func:`polish_moves`: no model, each neighbourhood builds its own.

    Each piece has its current networks' slots and ``new_slots`` new ones (at most one a
    practice of a current network), as in :class:`_Model`.
    """

    def __init__(self, problem: AreaProblem, new_slots: int) -> None:
        index = problem.current.index
        assert index is not None
        self.problem = problem
        self.index = index
        self.slots: list[list[Slot]] = []
        for p, piece in enumerate(problem.pieces):
            networks = sorted({int(index[i]) for i in piece.nodes if index[i] >= 0})
            movers = sum(1 for i in piece.nodes if index[i] >= 0)
            self.slots.append(
                [(p, k) for k in networks] + [(p, -1 - j) for j in range(min(new_slots, movers))]
            )

    def own(self, slot: Slot) -> Callable[[int], bool]:
        """Whether a practice is one the slot must hold (its own network's, or any moved)."""
        index = self.index
        if slot[1] >= 0:
            return lambda i: bool(index[i] == slot[1])
        return lambda i: bool(index[i] >= 0)


def _slots_of(built: _Slots, start: Sequence[tuple[Sequence[int], int]]) -> dict[int, Slot] | None:
    """Return each practice's slot in the plan ``start`` (``None``: the model cannot hold it).

    A network matched to a current network it holds a practice of takes that network's
    slot; any other takes the next new slot of its piece, and must hold a moved practice
    (a network of unplaced practices alone would be pooled).
    """
    index = built.index
    piece_of = {i: p for p, piece in enumerate(built.problem.pieces) for i in piece.nodes}
    news = [[s for s in slots if s[1] < 0] for slots in built.slots]
    taken = [0] * len(news)
    found: dict[int, Slot] = {}
    for members, match in start:
        if not members or members[0] not in piece_of:
            return None
        p = piece_of[members[0]]
        if match >= 0 and any(index[i] == match for i in members):
            slot: Slot = (p, match)
        elif taken[p] < len(news[p]) and any(index[i] >= 0 for i in members):
            slot = news[p][taken[p]]
            taken[p] += 1
        else:
            return None
        found.update((i, slot) for i in members)
    if len(found) != len(piece_of):
        return None
    return found


def polish_moves(
    problem: AreaProblem, start: Sequence[tuple[Sequence[int], int]], deadline: Deadline
) -> Polished:
    """Look for a plan moving fewer practices than ``start`` (see the module's docstring).

    Parameters
    ----------
    problem
        The area's problem, with a current plan.
    start
        A plan as networks ``(practices, matched current network or -1)`` covering every
        practice of the pieces.
    deadline
        When to stop (the best plan found so far is returned).
    """
    index = problem.current.index
    if index is None or problem.settings.fewest_patients:
        return Polished(None, 0)
    at_hand = sum(1 for members, m in start for i in members if index[i] >= 0 and index[i] != m)
    none = Polished(None, at_hand)
    if at_hand <= 0:
        return none
    built = _Slots(problem, min(at_hand, NEW_SLOTS))
    held = _slots_of(built, start)
    if held is None:
        return none
    held, moves = _lns(built, held, at_hand, deadline)
    if moves >= at_hand:
        return none
    plan = []
    for p, piece in enumerate(problem.pieces):
        for s in built.slots[p]:
            members = [i for i in piece.nodes if held[i] == s]
            if members:
                plan.append((members, s[1] if s[1] >= 0 else -1))
    return Polished(plan, moves)


def _groups(built: _Slots, held: dict[int, Slot], size: int) -> list[frozenset[Slot]]:
    """Return the sets of ``size`` slots of ``held`` joined by neighbouring practices.

    Those holding the most moved practices come first.
    """
    index = built.index
    neighbours = built.problem.practices.neighbours
    near: dict[Slot, set[Slot]] = {s: set() for s in held.values()}
    moved = dict.fromkeys(near, 0)
    for i, s in held.items():
        moved[s] += int(index[i] >= 0 and index[i] != s[1])
        for j in bit_indices(neighbours[i]):
            t = held.get(j)
            if t is not None and t != s:
                near[s].add(t)
    groups = {frozenset([s]) for s in near}
    for _ in range(size - 1):
        groups = {group | {t} for group in groups for s in group for t in near[s] - group}
    return sorted(groups, key=lambda group: (-sum(moved[s] for s in group), sorted(group)))


def _lns(
    built: _Slots, held: dict[int, Slot], moves: int, deadline: Deadline
) -> tuple[dict[int, Slot], int]:
    """Move fewer practices, a few neighbouring slots at a time, from the plan ``held``.

    A neighbourhood is up to :data:`NEIGHBOURHOOD` slots next to one another (one first,
    then pairs where none helps, then triples) and up to :data:`SPARE_SLOTS` slots not
    used: their practices may go to any of them, every other practice stays where it is,
    and the model (contiguity exact) is asked for a plan moving fewer. Neighbourhoods
    holding the most moved practices are tried first. The search ends when none gives a
    plan moving fewer, or at ``deadline``.
    """
    size = 1
    while size <= NEIGHBOURHOOD and not deadline.passed():
        for group in _groups(built, held, size):
            if deadline.passed():
                break
            found = _neighbourhood(built, held, moves, group, deadline)
            if found is not None:
                held, moves = found
                logger.debug("area %s: polish: a plan moving %d", built.problem.name, moves)
                size = 1
                break
        else:
            size += 1
    return held, moves


def _neighbourhood(
    built: _Slots,
    held: dict[int, Slot],
    moves: int,
    group: frozenset[Slot],
    deadline: Deadline,
) -> tuple[dict[int, Slot], int] | None:
    """Return the best plan moving fewer than ``moves`` that changes only ``group``'s slots.

    The model holds only the freed practices (those of ``group``'s slots) and the open slots
    (``group``'s and up to :data:`SPARE_SLOTS` unused ones): every other practice stays, so
    its slot's rows are constants here.
    """
    problem = built.problem
    index = built.index
    population = problem.practices.population
    band = problem.band
    used_now = set(held.values())
    spare = [s for slots in built.slots for s in slots if s not in used_now][:SPARE_SLOTS]
    open_slots = sorted(group | set(spare))
    free = sorted(i for i, s in held.items() if s in group)
    piece_of = {i: p for p, piece in enumerate(problem.pieces) for i in piece.nodes}
    model = cp_model.CpModel()
    x: dict[tuple[int, Slot], cp_model.IntVar] = {}
    for i in free:
        choices = [s for s in open_slots if s[0] == piece_of[i]]
        for s in choices:
            x[i, s] = model.new_bool_var(f"x{i}_{s}")
            model.add_hint(x[i, s], held[i] == s)
        model.add_exactly_one([x[i, s] for s in choices])
    used: dict[Slot, cp_model.IntVar] = {}
    for s in open_slots:
        here = [i for i in free if (i, s) in x]
        own = built.own(s)
        used[s] = model.new_bool_var(f"used{s}")
        mine = [x[i, s] for i in here if own(i)]
        if mine:
            model.add_max_equality(used[s], mine)
        else:  # its own practices all stay elsewhere: the slot is not used
            model.add(used[s] == 0)
        for i in here:
            model.add_implication(x[i, s], used[s])
        if not problem.pieces[s[0]].soft:
            total = sum(int(population[i]) * x[i, s] for i in here)
            model.add(total >= band.min_population * used[s])
            model.add(total <= band.max_population * used[s])
        _add_flows(model, x, used[s], s, here, own, problem.practices.neighbours)
        for i in here:
            # a practice not its own or below the band's minimum is never alone there
            if own(i) and (problem.pieces[s[0]].soft or population[i] >= band.min_population):
                continue
            near = [x[j, s] for j in bit_indices(problem.practices.neighbours[i]) if (j, s) in x]
            model.add(sum(near) >= 1).only_enforce_if(x[i, s])
    kept = {s for i, s in held.items() if s not in group}
    for p, piece in enumerate(problem.pieces):
        if piece.soft or not piece.k_range:
            continue
        networks = sum(1 for s in kept if s[0] == p) + sum(used[s] for s in used if s[0] == p)
        model.add(networks >= piece.k_range[0])
        model.add(networks <= piece.k_range[1])
    for network in {s[1] for s in open_slots if s[1] >= 0}:
        # a current network matched in one piece at most
        matched = [used[s] for s in open_slots if s[1] == network]
        if any(s[1] == network for s in kept):
            model.add(sum(matched) == 0)
        elif len(matched) > 1:
            model.add_at_most_one(matched)
    _add_lock_rows(model, x, problem, free, open_slots)
    stays = [
        x[i, s] for i in free for s in open_slots if s[1] >= 0 and index[i] == s[1] and (i, s) in x
    ]
    before = sum(1 for i in free if held[i][1] >= 0 and index[i] == held[i][1])
    model.add(sum(stays) >= before + 1)
    model.maximize(sum(stays))
    solver = _solver(problem, deadline)
    solver.parameters.max_time_in_seconds = min(NEIGHBOURHOOD_SECONDS, deadline.left())
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    changed = dict(held)
    for (i, s), var in x.items():
        if solver.boolean_value(var):
            changed[i] = s
    return changed, moves - (round(solver.objective_value) - before)


def _add_flows(
    model: cp_model.CpModel,
    x: dict[tuple[int, Slot], cp_model.IntVar],
    used: cp_model.IntVar,
    slot: Slot,
    held: Sequence[int],
    own: Callable[[int], bool],
    neighbours: Sequence[int],
) -> None:
    """Make ``slot`` connected over the practices ``held`` it may hold.

    A flow from one root practice (one of the slot's own, where the slot is used), every
    other practice of the slot taking in one unit more than it sends on, along edges inside
    the slot.
    """
    inside = set(held)
    most = max(1, len(held) - 1)
    roots = {i: model.new_bool_var(f"root{i}_{slot}") for i in held if own(i)}
    for i, var in roots.items():
        model.add_implication(var, x[i, slot])
    model.add(sum(roots.values()) == used)
    into: dict[int, list[cp_model.IntVar]] = {i: [] for i in held}
    out: dict[int, list[cp_model.IntVar]] = {i: [] for i in held}
    for i in held:
        for j in bit_indices(neighbours[i]):
            if j in inside:
                flow = model.new_int_var(0, most, f"f{i}_{j}_{slot}")
                model.add(flow <= most * x[i, slot])
                model.add(flow <= most * x[j, slot])
                out[i].append(flow)
                into[j].append(flow)
    for i in held:
        source = len(held) * roots[i] if i in roots else 0
        model.add(sum(into[i]) - sum(out[i]) >= x[i, slot] - source)


def _add_lock_rows(
    model: cp_model.CpModel,
    x: dict[tuple[int, Slot], cp_model.IntVar],
    problem: AreaProblem,
    free: Sequence[int],
    open_slots: Sequence[Slot],
) -> None:
    """Keep each lock group of the freed practices in one slot, one group at most a slot.

    A group lies in one slot of the plan at hand, so either all its practices are freed or
    none is.
    """
    freed = set(free)
    firsts = []
    for members in problem.locks.groups.values():
        if members[0] not in freed:
            continue
        firsts.append(members[0])
        for other in members[1:]:
            for s in open_slots:
                if (members[0], s) in x and (other, s) in x:
                    model.add(x[members[0], s] == x[other, s])
    for s in open_slots:
        held = [x[i, s] for i in firsts if (i, s) in x]
        if len(held) > 1:
            model.add_at_most_one(held)


def _solver(problem: AreaProblem, deadline: Deadline) -> cp_model.CpSolver:
    """Return a CP-SAT solver for one solve until ``deadline``."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, deadline.left())
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = problem.settings.seed
    return solver


def fewest_moves_by_cuts(
    problem: AreaProblem, at_hand: int, deadline: Deadline, *, new_slots: int = NEW_SLOTS
) -> CutBound:
    """Return a lower bound on the practices any plan moves (see the module's docstring).

    Parameters
    ----------
    problem
        The area's problem, with a current plan.
    at_hand
        The moves of the plan at hand: the bound asks whether a plan moves fewer.
    deadline
        When to stop (the bound found so far is returned).
    new_slots
        The most new slots per piece (fewer make a smaller model and a weaker bound).
    """
    if problem.current.index is None or problem.settings.fewest_patients or at_hand <= 0:
        return CutBound(0, 0, 0, False)
    slots = min(at_hand - 1, new_slots)
    cap = slots + 1  # plans moving more than `slots` may need more new slots
    built = _Model(problem, slots, at_hand - 1)
    bound = rounds = cuts = relaxed = 0
    while not deadline.passed():
        rounds += 1
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, deadline.left())
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = problem.settings.seed
        status = solver.solve(built.model)
        if status == cp_model.INFEASIBLE:
            bound = min(at_hand, cap)
            return CutBound(bound, rounds, cuts, True, relaxed or bound)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        stays = math.floor(solver.best_objective_bound + 1e-6)
        bound = max(bound, min(built.total - stays, cap))
        relaxed = relaxed or bound
        if status != cp_model.OPTIMAL:
            break
        added = built.cuts(solver, ROUND_CUTS)
        cuts += added
        if not added:
            # every slot connected: the answer is a plan moving exactly the bound
            return CutBound(bound, rounds, cuts, True, relaxed, built.plan(solver))
        built.hint(solver)
    logger.debug("area %s: move cuts bound %d after %d rounds", problem.name, bound, rounds)
    return CutBound(bound, rounds, cuts, False, relaxed)


def _separator(part: list[int], target: int, inside: int, neighbours: Sequence[int]) -> list[int]:
    """Return the neighbours of ``part`` (in ``inside``) that touch ``target``'s side.

    Without them no path in ``inside`` joins ``part`` to ``target``: every path leaves
    ``part`` through a neighbour, and the last neighbour it passes lies on ``target``'s side.
    """
    held = bit_mask(part)
    border = 0
    for i in part:
        border |= neighbours[i]
    border &= inside & ~held
    rest = inside & ~held & ~border
    seen = bit_reach(1 << target, rest, neighbours)
    reach = 0
    for i in bit_indices(seen):
        reach |= neighbours[i]
    return bit_indices(border & reach)
