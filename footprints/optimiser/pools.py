"""CP-SAT over pools of columns: the pools of the proof loop, and the local pools.

Where only local candidates could be listed (:func:`~footprints.optimiser.candidates.
list_candidates`), no window of reduced costs proves anything: :func:`grow_pools` searches
the cheapest columns by reduced cost, ever more of them, from the incumbent, for the best
plan made of them. :func:`solve_pool` is the one call of CP-SAT for a pool, shared with the
proof loop (:mod:`footprints.optimiser.proof`), and :func:`preferred_columns` the columns
a pool cut by rank takes first.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import numpy.typing as npt

from footprints.optimiser.candidates import IntArray
from footprints.optimiser.columns import Columns, Partition, raise_costs
from footprints.optimiser.cpsat import IntegerResult, solve_integer
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.master import LPResult
from footprints.optimiser.problem import AreaProblem
from footprints.optimiser.settings import Status

__all__ = [
    "BUILD_S",
    "LOCAL_POOL",
    "UNPRICED_POOL",
    "grow_pools",
    "preferred_columns",
    "solve_pool",
]

logger = logging.getLogger(__name__)

LOCAL_POOL = 4_000
"""Columns of the first CP-SAT solve where only local candidates were listed (doubled, up to
``most``, while each solve ends in time), after exact pricing took its share of the time."""
UNPRICED_POOL = 16_000
"""The same where exact pricing did not run (pieces too large for it): the pools then have
about twice the time. Kent and Medway's better plan (5.04 million patient-km against 6.17)
is found by a solve over 16,000 columns in 4.3 s; starting at 4,000 it was reached only
where the 4,000 and 8,000 solves ended first (about 5 s between them), and on a busy
machine the 8,000 solve was cut and the plan stayed at 6.17 million. Where pricing ran
(E38000016, about 6 s left), a first solve of 16,000 was cut with no plan, while 4,000
found one in 1 s (BENCHMARKS.md, session 15)."""


BUILD_S = 0.75
"""Seconds building a CP-SAT model of a large local pool takes on a busy machine (30,000
columns, load average 6): kept free before the reserve, as CP-SAT's time limit leaves it out."""


def grow_pools(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    relaxation: LPResult,
    incumbent: IntegerResult | None,
    hint: IntArray | None,
    *,
    most: int,
    reserve: float,
    presolve: bool = False,
    first: int = LOCAL_POOL,
) -> tuple[Status, float, IntegerResult | None, str | None]:
    """CP-SAT over the cheapest columns by reduced cost, ever more of them, until out of time.

    For pieces with only local candidates (no proof to seek): ``first`` columns first
    (:data:`LOCAL_POOL`, or :data:`UNPRICED_POOL` where exact pricing did not run),
    doubled while each solve ends before the deadline; the incumbent's columns are
    always in the pool and it is the hint, a whole plan CP-SAT takes as its first solution
    (no bound below its cost, which would make the hint infeasible): a solve cut by the
    deadline still returns the best plan it reached, never worse than the incumbent. Ends
    ``reserve`` seconds before the deadline (the time the bound of the final plan's cost
    shares then takes), and :data:`BUILD_S` more (building a model is not in CP-SAT's
    time). Returns as the proof loop's search: status (never ``"optimal"``), the LP's bound
    over these columns (not over every network), the best plan, and what was searched, in
    words.
    """
    deadline = Deadline(problem.deadline.at - reserve - BUILD_S, problem.deadline.stop)
    rc = relaxation.reduced_costs
    preferred = preferred_columns(relaxation, incumbent, hint)
    size = min(first, len(rc))
    searched = 0
    while deadline.left() > 0.05:
        order = np.lexsort((~preferred, rc))[:size]
        pool = np.sort(order).astype(np.int64)
        raised = raise_costs(problem, columns, pool)
        if raised is not None:  # territory terms now in the pool's costs: choose again
            rc = rc + raised
            continue
        if incumbent is not None:
            pool = np.union1d(pool, incumbent.chosen).astype(np.int64)
        result = solve_pool(
            problem, columns, model, pool, incumbent, hint, deadline, presolve, below=False
        )
        logger.debug(
            "area %s: local pool %d of %d: %s %s in %.1f s",
            problem.name,
            len(pool),
            len(rc),
            result.status,
            result.objective,
            result.seconds,
        )
        if result.objective is not None and (
            incumbent is None
            or incumbent.objective is None
            or result.objective < incumbent.objective
        ):
            incumbent = result
            preferred[result.chosen] = True
        if result.status not in ("optimal", "infeasible"):
            break
        searched = size
        if size >= min(most, len(rc)):
            break
        size = min(2 * size, most, len(rc))
    short = (
        f"CP-SAT searched the {searched:,} local candidate networks cheapest by reduced cost "
        "for the best plan made of them"
        if searched
        else None
    )
    return "timed out", math.ceil(relaxation.bound), incumbent, short


def preferred_columns(
    relaxation: LPResult, incumbent: IntegerResult | None, hint: IntArray | None
) -> npt.NDArray[np.bool_]:
    """Mark the columns a pool cut by rank takes first: the LP's, the incumbent's, the hint's."""
    rc = relaxation.reduced_costs
    preferred = (
        relaxation.values > 1e-9
        if len(relaxation.values) == len(rc)
        else np.zeros(len(rc), dtype=bool)
    )
    for plan in (incumbent.chosen if incumbent is not None else None, hint):
        if plan is not None:
            preferred[plan] = True
    return preferred


def solve_pool(
    problem: AreaProblem,
    columns: Columns,
    model: Partition,
    pool: IntArray,
    incumbent: IntegerResult | None,
    hint: IntArray | None,
    deadline: Deadline,
    presolve: bool,
    require: IntArray | None = None,
    *,
    below: bool = True,
) -> IntegerResult:
    """Solve the integer model over ``pool`` in the time left, for a plan below the incumbent.

    The incumbent (else ``hint``) is CP-SAT's hint; ``require``: columns one of which a plan
    must use. ``below=False`` lets CP-SAT take the incumbent as its first solution (the hint
    then breaks no row): an answer cut by the time limit is then never worse than it, and
    the search does half the work (Kent and Medway's 16,014 columns: the optimum in 1.43
    units of CP-SAT's deterministic time against 2.82 with the incumbent's cost as a row,
    BENCHMARKS.md, session 17).
    """
    return solve_integer(
        columns,
        model,
        pool,
        problem.settings,
        hint=incumbent.chosen if incumbent is not None else hint,
        time_limit=deadline.left(),
        stop=deadline.stop,
        require=require,
        below=incumbent.objective if incumbent is not None and below else None,
        presolve=presolve,
    )
