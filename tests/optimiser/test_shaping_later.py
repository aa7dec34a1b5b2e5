"""The shaped bound left for later: proved only where exact pricing proves none."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest

from footprints.optimiser import proof
from footprints.optimiser.columns import Partition
from footprints.optimiser.construct import construct
from footprints.optimiser.costs import SCALE
from footprints.optimiser.deadline import Deadline
from footprints.optimiser.master import MasterLP, initial_columns
from footprints.optimiser.proof import PricedProof, partition
from footprints.optimiser.shaping import Shaped, prove_shaped, shaped_bound

from .grids import SMALL_GRIDS, brute_force_optimum, few_candidates, grid_case, problem_of


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_shaped_bound_proved_later_is_the_one_proved_at_once(name: str) -> None:
    """Shaping without its bound gives the duals, and the bound proved from them later is
    the one shaping proves at once (each on its own master over the same columns; the
    relaxed search is cut by time, so the two may differ in its last splits)."""
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return
    columns = few_candidates(problem)
    found = []
    for prove in (True, False):
        rows = Partition.of_area(problem)
        lp = MasterLP(columns, rows)
        lp.add(initial_columns(columns, rows.rows))
        assert lp.solve(Deadline(time.monotonic() + 20.0)).feasible
        found.append(shaped_bound(problem, columns, lp, at=time.monotonic() + 3.0, prove=prove))
    now, later = found
    assert later.bound is None and later.pending is not None and later.duals is not None
    assert now.pending is None
    proved = prove_shaped(problem, columns, later, at=time.monotonic() + 3.0)
    assert proved.pending is None
    if now.bound is None:
        assert proved.bound is None
        return
    assert proved.bound is not None
    assert proved.bound == pytest.approx(now.bound, rel=1e-3)
    best = brute_force_optimum(graph, opts)
    if best is not None:
        assert max(proved.bound, now.bound) <= best * SCALE + 1e-6
    assert now.duals is not None and proved.duals is not None
    assert np.allclose(proved.duals[0], now.duals[0])


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
@pytest.mark.parametrize("ended", [False, True])
def test_where_pricing_may_follow_the_shaped_bound_waits_for_it(
    name: str, ended: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh proposal with exact pricing to follow: shaping leaves its bound; where no
    round of pricing ends (``ended`` False) it is proved after all, and the area's bound is
    never above the exhaustive optimum either way."""
    case = grid_case(name)
    if case is None:
        return
    problem, best, columns = case.problem, case.best, case.columns
    shapes: list[Shaped] = []
    proved: list[Shaped] = []
    shaped, later = proof.shaped_bound, proof.prove_shaped

    def spy_shape(*args: Any, **kwargs: Any) -> Shaped:
        found = shaped(*args, **kwargs)
        shapes.append(found)
        return found

    def spy_prove(*args: Any, **kwargs: Any) -> Shaped:
        found = later(*args, **kwargs)
        proved.append(found)
        return found

    def hook(problem: Any, columns: Any, plan: Any, **kwargs: Any) -> PricedProof:
        objective = None if plan is None else int(columns.col_cost[plan].sum())
        chosen = np.zeros(0, np.int64) if plan is None else plan
        bound = None
        if ended:  # a round that ended: a bound below the optimum, as pricing's always is
            bound = best * SCALE * 0.5
        return PricedProof(bound, objective, chosen, False, columns)

    monkeypatch.setattr(proof, "shaped_bound", spy_shape)
    monkeypatch.setattr(proof, "prove_shaped", spy_prove)
    outcome = partition(problem, columns, priced=hook)
    if not shapes:
        return  # the LP alone settled it
    assert shapes[0].bound is None and shapes[0].pending is not None
    assert bool(proved) != ended  # proved later only where pricing proved nothing
    assert outcome.objective is not None and outcome.bound is not None
    assert outcome.bound <= best * SCALE + 1e-6
    if proved and proved[0].bound is not None:
        slack = 1e-6 * outcome.objective  # the bound is rounded up less a tolerance
        assert outcome.bound >= min(proved[0].bound, outcome.objective) - slack
