"""ProposalJob: the optimiser in a background thread, watched and stopped from outside."""

from __future__ import annotations

import threading
from typing import Any

import networkx as nx
import pytest

from footprints import background
from footprints.background import ProposalJob
from footprints.optimiser import OptimiseSettings

SETTINGS = OptimiseSettings(time_limit=600.0, seed=0)


def _grid(name: str) -> nx.Graph:
    """Nine practices of 10,000 in a 3 x 3 grid, 2 km apart."""
    graph = nx.grid_2d_graph(3, 3)
    graph = nx.relabel_nodes(graph, {(r, c): f"{name}{r}{c}" for r, c in graph.nodes})
    for node in graph.nodes:
        r, c = int(node[-2]), int(node[-1])
        graph.nodes[node].update(list_size=10_000, x=2_000.0 * c, y=-2_000.0 * r)
    graph.graph["area"] = name
    return graph


def test_a_job_runs_to_the_end_and_reports_progress() -> None:
    job = ProposalJob({"A": _grid("A"), "B": _grid("B")}, SETTINGS)
    assert job.wait(120)
    assert job.error is None and job.proposal is not None
    assert {r.status for r in job.proposal.results.values()} == {"optimal"}
    assert len(job.proposal.plan) == 18
    assert job.fraction == pytest.approx(1.0)
    assert job.seconds is not None and not job.stopped


def test_stop_reaches_the_optimiser_and_the_job_ends_with_a_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}
    real_propose = background.propose
    release = threading.Event()

    def held_propose(*args: Any, stop: Any = None, **kwargs: Any) -> Any:
        seen["stop"] = stop
        release.set()
        assert stop.wait(120)
        return real_propose(*args, stop=stop, **kwargs)

    monkeypatch.setattr(background, "propose", held_propose)
    job = ProposalJob({"A": _grid("A")}, SETTINGS)
    assert release.wait(120)
    assert not job.done
    job.stop()
    assert job.wait(120)
    assert job.stopped and seen["stop"].is_set()
    assert job.proposal is not None
    (result,) = job.proposal.results.values()
    assert result.status == "feasible"
    assert any("the optimiser was stopped" in line for line in result.explanations)
    assert len(job.proposal.plan) == 9


def test_an_optimiser_failure_is_kept_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_propose(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("solver library missing")

    monkeypatch.setattr(background, "propose", failing_propose)
    job = ProposalJob({"A": _grid("A")}, SETTINGS)
    assert job.wait(120)
    assert job.proposal is None
    assert isinstance(job.error, RuntimeError)
    assert "solver library missing" in str(job.error)
