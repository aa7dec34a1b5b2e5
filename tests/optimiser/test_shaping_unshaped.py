"""Where shaping ended no round, exact pricing starts from the plan's cost shares.

On the largest planning areas (E54000007, E54000008: 359–445 practices, 15 s) the deadline
came before shaping's first round, and ``shaped_bound`` handed on the listed master's own
duals, at which exact pricing's first round did not end in its time.
``Shaped.unshaped`` says so, and ``partition`` then starts exact pricing from the plan's
cost shares (``priced_bound`` without duals); where shaping ended at once because nothing
priced below 0, its duals are shaped and handed on as before. The bound stays below the
exhaustive optimum where networks cross two CCGs' border.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from footprints.optimiser import candidates, farley, optimise_area, pricedproof, proof
from footprints.optimiser.construct import construct
from footprints.optimiser.shaping import shaped_bound

from .grids import (
    FAST,
    SMALL_GRIDS,
    brute_force_optimum,
    check_plan,
    problem_of,
    replace_settings,
    solved_master,
)
from .test_group_pricing import _two_ccgs


def test_no_shaping_round_starts_exact_pricing_from_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = _two_ccgs()
    optimum = brute_force_optimum(graph, FAST)
    assert optimum is not None
    monkeypatch.setattr(candidates, "HOPELESS_MARGIN", 0.0)  # every listing "hopeless"
    monkeypatch.setattr(pricedproof, "MOST_PRACTICES", 4)
    monkeypatch.setattr(pricedproof, "MOST_GROUP_PRACTICES", len(graph))
    monkeypatch.setattr(farley, "FLOOR_SHARE", 0.001)
    real_shape = proof.shaped_bound
    shaped_rounds: list[int] = []

    def no_round(*args: Any, **kwargs: Any) -> Any:
        shaped = real_shape(*args, **kwargs)
        shaped_rounds.append(shaped.rounds)
        shaped.unshaped = True  # as where the deadline came before shaping's first round
        return shaped

    started_at: list[Any] = []
    real_attempt = pricedproof.attempt

    def spy(*args: Any, **kwargs: Any) -> Any:
        started_at.append(kwargs.get("duals"))
        return real_attempt(*args, **kwargs)

    monkeypatch.setattr(proof, "shaped_bound", no_round)
    monkeypatch.setattr(pricedproof, "attempt", spy)
    # a limit no busy machine reaches: the proof ends the solve
    result = optimise_area(graph, replace_settings(time_limit=600.0))
    check_plan(graph, result)
    assert shaped_rounds and started_at
    assert started_at[0] is None  # the local LP's duals are not where pricing starts
    assert result.bound is not None and result.bound <= optimum + 1e-6
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=0.01)


@pytest.mark.parametrize("name", sorted(SMALL_GRIDS))
def test_shaping_out_of_time_says_its_duals_are_not_shaped(name: str) -> None:
    graph, opts = SMALL_GRIDS[name]
    problem = problem_of(graph, opts)
    if construct(problem) is None:
        return
    columns, lp = solved_master(problem, keep_every=3)
    cut = shaped_bound(problem, columns, lp, at=time.monotonic() - 1.0, prove=False)
    assert cut.rounds == 0 and cut.unshaped
    columns, lp = solved_master(problem, keep_every=3)
    # a round of a 3 x 3 grid takes milliseconds; the rounds go on to the deadline while
    # relaxed columns keep pricing below 0 (6 minutes at 600 s on the uneven grid)
    ended = shaped_bound(problem, columns, lp, at=time.monotonic() + 6.0, prove=False)
    assert not ended.unshaped  # its rounds ended, or none was needed
