"""Reduced-cost fixing and feasibility questions: the cheapest plan of whole-number cost.

With the master LP solved over every column (value ``LB``, duals ``y``, reduced costs
``rc ≥ 0``), every plan ``x`` of the model costs ``c·x ≥ LB + rc·x``: the duals of the
practice rows are free, those of the inequality rows (matching, network counts, limits)
have the sign that makes ``y·A·x ≥ y·b`` for any ``x`` keeping the rows, and ``y·b = LB``.
So a plan costing at most ``t`` uses only columns with ``rc ≤ t − LB`` (the others are
*fixed* at 0) and its columns' reduced costs sum to at most ``t − LB`` (the *budget*).

:func:`prove_least` asks CP-SAT exactly that, as feasibility questions with no objective —
"is there a plan costing at most ``t``?", the columns left, the cost and the budget as
constraints — for ``t`` from the rounded-up LP bound up: each *no* raises the proved bound
by one, and the first plan found is the cheapest. On the degenerate least-change LPs
(thousands of columns at reduced cost 0, whole-number costs) the budget is what makes the
question small: measured on E38000070's question "at most 6 moves?" (9,995 columns, LB 5),
CP-SAT answered *infeasible* in 3.1 s with the budget and its presolve, 20–22 s without the
budget (with or without presolve) — the proof loop's search of the same window
(:mod:`footprints.optimiser.proof`) is the latter.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from footprints.optimiser.candidates import FloatArray, IntArray
from footprints.optimiser.columns import Columns, Partition
from footprints.optimiser.cpsat import add_hint, build_model, solve_model, status_words
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.settings import OptimiseSettings

__all__ = ["FIXING_COLUMNS", "RC_SCALE", "Fixed", "fixed_pool", "prove_least"]

logger = logging.getLogger(__name__)

FIXING_COLUMNS = 30_000
"""Most columns one feasibility question takes (past it the question is not asked)."""
RC_SCALE = 10_000
"""Reduced costs are rounded down to whole multiples of ``1 / RC_SCALE`` for CP-SAT (rounding
down keeps every plan the bound allows)."""
Answer = Literal["plan", "no", "unknown"]
"""CP-SAT's answer to one question: a plan, none exists, or nothing in time."""
_TOLERANCE = 1e-6
"""Reduced costs and bounds within this (per unit of cost) count as equal."""


@dataclass(frozen=True)
class Fixed:
    """What :func:`prove_least` found.

    Parameters
    ----------
    chosen
        The best plan (columns): the one given, or a cheaper one found.
    value
        Its cost.
    bound
        A proved lower bound on the cost of every plan of the model (whole units).
    asked
        Columns of each question asked, in order (for the log and the tests).
    """

    chosen: IntArray
    value: int
    bound: int
    asked: tuple[int, ...] = ()

    @property
    def proved(self) -> bool:
        """Whether no plan of the model costs less than :attr:`chosen`."""
        return self.value <= self.bound


def fixed_pool(reduced_costs: FloatArray, lower: float, most: int) -> IntArray:
    """Return the columns a plan costing at most ``most`` may use, by reduced cost.

    ``lower``: the LP bound; a column with reduced cost over ``most − lower`` is in no such
    plan (empty when ``most < lower``).
    """
    slack = _TOLERANCE * max(1.0, abs(lower), float(most))
    return np.flatnonzero(reduced_costs <= most - lower + slack).astype(np.int64)


def prove_least(
    columns: Columns,
    model: Partition,
    reduced_costs: FloatArray,
    lower: float,
    chosen: IntArray,
    settings: OptimiseSettings,
    deadline: Deadline,
    *,
    floor: int = 0,
    name: str = "",
) -> Fixed:
    """Find the cheapest plan of ``model`` by questions from the LP bound up to ``chosen``.

    ``chosen``: a plan of ``model``; ``reduced_costs`` and ``lower``: of the master LP
    solved to the end over every column (a valid bound over every plan of ``model``;
    ``columns.col_cost`` whole numbers; ``floor``: a bound proved otherwise). For ``t``
    from the rounded-up bound (or ``floor``) to the cost of
    ``chosen`` less one, CP-SAT is asked for a plan costing at most ``t`` over the columns
    the bound leaves (:func:`fixed_pool`): the first plan found is the cheapest (every
    question below ``t`` was answered no), each *no* raises the bound to ``t + 1``. Stops,
    keeping what it proved, when a pool passes :data:`FIXING_COLUMNS` or at ``deadline``.
    """
    cost = columns.col_cost
    value = int(cost[chosen].sum())
    slack = _TOLERANCE * max(1.0, abs(lower), float(value))
    bound = max(0, floor, math.ceil(lower - slack))
    asked: list[int] = []
    began = time.monotonic()
    while bound < value and not deadline.passed():
        pool = fixed_pool(reduced_costs, lower, bound)
        asked.append(len(pool))
        if len(pool) > FIXING_COLUMNS:
            break
        answer, found = _ask(
            columns, model, pool, reduced_costs, lower, bound, chosen, settings, deadline
        )
        if answer == "unknown":
            break
        if answer == "no":
            bound += 1
            continue
        chosen, value = found, int(cost[found].sum())
        bound = min(bound, value)
        break
    logger.debug(
        "area %s: fixing: %d, bound %d (LB %.2f; columns asked %s) in %.2f s",
        name,
        value,
        bound,
        lower,
        asked,
        time.monotonic() - began,
    )
    return Fixed(chosen, value, bound, tuple(asked))


def _ask(
    columns: Columns,
    model: Partition,
    pool: IntArray,
    reduced_costs: FloatArray,
    lower: float,
    most: int,
    hint: IntArray,
    settings: OptimiseSettings,
    deadline: Deadline,
) -> tuple[Answer, IntArray]:
    """Ask CP-SAT for a plan over ``pool`` costing at most ``most``, within the budget.

    Returns ``("plan", columns)``, ``("no", [])`` when none exists, or ``("unknown", [])``
    when CP-SAT answered nothing in time.
    """
    nothing = np.zeros(0, np.int64)
    if not len(pool):
        return "no", nothing
    built = build_model(columns, model, pool, below=most + 1)
    if built is None:
        return "no", nothing
    built.model.clear_objective()  # type: ignore[no-untyped-call]
    slack = _TOLERANCE * max(1.0, abs(lower), float(most))
    budget = math.floor(RC_SCALE * (most - lower + slack))
    weights = np.floor(RC_SCALE * reduced_costs[pool]).astype(np.int64)
    built.model.add(cp_model.LinearExpr.weighted_sum(built.xs, weights.tolist()) <= budget)
    # The plan at hand as a partial hint: a cheaper plan often shares most of its networks.
    add_hint(built.model, built.xs, pool, hint, partial=True)
    solver, status = solve_model(
        built, settings, time_limit=deadline.left(), stop=deadline.stop, presolve=True
    )
    word = status_words(status)
    if word == "infeasible":
        return "no", nothing
    if word not in ("optimal", "feasible"):
        return "unknown", nothing
    values = np.array([solver.boolean_value(x) for x in built.xs], dtype=bool)
    found: IntArray = pool[values]
    if not model.allows(columns, found) or int(columns.col_cost[found].sum()) > most:
        return "unknown", nothing  # never expected: the model holds every row
    return "plan", found
