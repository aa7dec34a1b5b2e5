"""Exact pricing's first round repaired (``colgen.repaired_round``): the duals of the practices
of every group pricing below 0 lowered by its deficit. Every round's bound stays below the
exhaustive optimum, also where networks cross the borders of two or three CCGs, and
``priced_bound`` keeps it where it bounds more than the first round and its scales."""

from __future__ import annotations

import time

import numpy as np
import pytest

from footprints.optimiser import colgen
from footprints.optimiser.candidates import CandidateSets
from footprints.optimiser.colgen import (
    Pricing,
    _deficit_cuts,
    lagrangian_value,
    price_exactly,
    priced_bound,
    repaired_round,
)
from footprints.optimiser.costs import set_costs
from footprints.optimiser.problem import AreaProblem

from .test_colgen_scaled import CASES, _case


def _first_round(problem: AreaProblem, node: np.ndarray, piece: np.ndarray) -> Pricing:
    """Exact pricing of every unlisted piece at these duals, complete."""
    unlisted = [p for p, x in enumerate(problem.pieces) if not x.bounded]
    priced = price_exactly(problem, node, piece, unlisted, at=time.monotonic() + 600.0)
    assert priced is not None and priced.complete
    return priced


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cuts_bring_every_group_found_to_zero(name: str) -> None:
    case = _case(name)
    if case is None:
        return
    problem, _, _, node, piece = case
    priced = _first_round(problem, node, piece)
    if not priced.found:
        return
    cut = _deficit_cuts(problem, node, piece, priced.found)
    assert (cut >= 0).all()
    sets = CandidateSets.of([members for members, _ in priced.found])
    _, cost = set_costs(sets, problem.practices, problem.settings)
    after = cost - sets.sums(node - cut) - piece[[p for _, p in priced.found]]
    assert (after >= 0).all()
    # only the practices of those groups are lowered
    touched = sorted({i for members, _ in priced.found for i in members})
    assert set(np.flatnonzero(cut).tolist()) <= set(touched)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_repaired_round_bounds_below_the_optimum_and_above_overshooting_duals(
    name: str,
) -> None:
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    priced = _first_round(problem, node, piece)
    found = repaired_round(problem, columns, node, piece, priced.found, at=time.monotonic() + 600.0)
    if not priced.found:  # nothing prices below 0: nothing to repair
        assert found is None
        return
    assert found is not None
    value, repaired, floors, _ = found
    assert value <= best + 1e-6
    # the bound it reports is the Lagrangian value of the duals it returns
    assert value == pytest.approx(lagrangian_value(problem, repaired, piece, floors), abs=1e-6)
    # those duals are the doubled ones lowered, never raised, and the groups the first
    # round found below 0 price at 0 or above there
    assert (repaired <= node + 1e-9).all()
    sets = CandidateSets.of([members for members, _ in priced.found])
    _, cost = set_costs(sets, problem.practices, problem.settings)
    assert (cost - sets.sums(repaired) - piece[[p for _, p in priced.found]] >= 0).all()


@pytest.mark.parametrize("name", sorted(CASES))
def test_priced_bound_keeps_the_repaired_first_round_where_it_bounds_more(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # every repair round within the deadline below, however long the first round took
    monkeypatch.setattr(colgen, "REPAIR_TIME", 1e6)
    case = _case(name)
    if case is None:
        return
    problem, best, columns, node, piece = case
    priced = _first_round(problem, node, piece)
    repaired = repaired_round(
        problem, columns, node, piece, priced.found, at=time.monotonic() + 600.0
    )
    found = priced_bound(problem, columns, None, at=time.monotonic() + 600.0, duals=(node, piece))
    assert found.bound is not None
    assert found.bound <= best + 1e-6
    if repaired is not None:
        assert found.bound >= repaired[0] - 1e-6
