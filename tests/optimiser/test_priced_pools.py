"""Where exact pricing proves no plan, the local pools rank columns at its duals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from footprints.optimiser import colgen, pools, pricedproof, proof
from footprints.optimiser.costs import SCALE
from footprints.optimiser.proof import partition

from .grids import SMALL_GRIDS, grid_case


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_the_pools_take_pricing_s_columns_ranked_at_its_duals(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Column generation cut short far from the plan (no window searched): the local pools
    search pricing's columns too, the cheapest at the duals of the priced bound among the
    first (beside the local LP's cheapest); the plan is the exhaustive optimum, read from
    those columns, and the bound stays below it."""
    case = grid_case(name, 1_000_000)  # the first candidate of each piece, and the plan
    if case is None:
        return
    graph, problem, best, columns = case.graph, case.problem, case.best, case.columns

    def cut_short(*args: object, **kwargs: object) -> colgen.PricedBound:
        bound = colgen.priced_bound(*args, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(bound, converged=False)

    proofs: list[proof.PricedProof] = []

    def far(*args: object, **kwargs: object) -> proof.PricedProof | None:
        kwargs["window_gap"] = 0.0  # never near enough: the window is not searched
        found = pricedproof.priced_proof(*args, **kwargs)  # type: ignore[arg-type]
        proofs.append(found)
        return found

    ranks: list[np.ndarray] = []
    grow = pools.grow_pools

    def spy(*args: object, **kwargs: object) -> object:
        ranks.append(args[3].reduced_costs)  # type: ignore[attr-defined]
        return grow(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pricedproof, "priced_bound", cut_short)
    monkeypatch.setattr(proof, "grow_pools", spy)
    outcome = partition(problem, columns, priced=far)
    assert outcome.objective is not None
    if not proofs or proofs[0].proved or proofs[0].reduced is None:
        return  # pricing proved the plan (or found no bound): no pool searched
    found = proofs[0]
    assert ranks and len(ranks[0]) == len(found.reduced)
    n = len(columns)  # the first columns of each order are among the pools' first
    cheapest = np.argsort(found.reduced, kind="stable")[: max(1, n // 2)]
    assert np.all(ranks[0][cheapest] < n)
    assert outcome.columns is not None and len(outcome.columns) == len(found.columns)
    assert outcome.chosen.max() < len(outcome.columns)
    assert int(outcome.columns.col_cost[outcome.chosen].sum()) == outcome.objective
    assert abs(outcome.objective - best * SCALE) <= len(graph)  # costs rounded per network
    assert outcome.bound is not None and outcome.bound <= best * SCALE + 1e-6
    # every column's rank is what a plan holding it costs past the bound, at least
    assert found.bound is not None
    assert found.bound + float(found.reduced[outcome.chosen].max()) <= outcome.objective + 1.0
