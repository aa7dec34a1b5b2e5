"""Many planning areas: :func:`propose` solves each one, in worker processes where asked.

``propose(processes=n)`` starts ``n`` spawned worker processes and feeds each one area at a
time over a pipe, so the parent knows which area every worker holds: a worker that dies
(out of memory, a crash in native code) fails only that area — the parent gives it the plan
at hand (status ``"fallback"``, its exit code in the explanation) — and a new worker takes
its place. Workers ignore SIGINT; the parent passes the stop on. A worker never runs the
parent's main script again (:func:`_main_left_out`): under ``streamlit run`` that script is
the app, which a worker would start a second time.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import networkx as nx

from footprints import WORKER_PROCESS_NAME
from footprints.errors import InfeasibleError, did_you_mean
from footprints.optimiser.area import failure_words, fallback_area
from footprints.optimiser.deadline import STOP_POLL, StopSignal
from footprints.optimiser.seed import optimise_group
from footprints.optimiser.settings import AreaResult, OptimiseSettings, Progress, Proposal
from footprints.plan import Plan

__all__ = ["propose"]

logger = logging.getLogger(__name__)

_Job = tuple[
    str,
    nx.Graph,
    "OptimiseSettings",
    dict[str, str] | None,
    dict[str, str] | None,
    tuple[str, ...],
    dict[str, str] | None,
]


def _solve_area_job(job: _Job, stop: StopSignal | None, progress: Progress | None) -> AreaResult:
    """Run :func:`optimise_area`, turning every failure into a result with a plan."""
    area, graph, settings, current, locked, frozen, start = job
    started = time.monotonic()
    try:
        return optimise_group(
            graph,
            settings,
            current=current,
            locked=locked,
            frozen=frozen,
            progress=progress,
            stop=stop,
            start=start,
        )
    except InfeasibleError as error:
        return AreaResult(
            area, {}, "infeasible", seconds=time.monotonic() - started, explanations=[str(error)]
        )
    except Exception as error:  # outside the stages (a progress callback): still a plan
        failure = failure_words(error)
        logger.warning("area %s: %s; the plan at hand stands in", area, failure)
        return fallback_area(
            graph, settings, current=current, locked=locked, frozen=frozen, failure=failure
        )


def _worker_loop(connection: Connection, stop: StopSignal) -> None:
    """Solve the areas the parent sends until it sends ``None`` (a worker process).

    It ignores SIGINT, from its first import of ``footprints`` on (see ``__init__.py``; set
    again here in case something imported it earlier): the parent turns a Ctrl-C into
    ``stop``, and the worker finishes its area with the best plan so far.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the parent has gone
            return
        if job is None:
            return
        connection.send(_solve_area_job(job, stop, None))


def _needs_main(jobs: Sequence[_Job]) -> bool:
    """Whether the jobs' settings or graphs' own attributes name anything of ``__main__``.

    A rule with a candidate filter defined in the user's script is pickled as
    ``__main__.<name>``: its workers need that script run again to find it.
    """
    seen: set[int] = set()
    for job in jobs:
        for part in (job[2], job[1].graph):
            if id(part) in seen:
                continue
            seen.add(id(part))
            if b"__main__" in pickle.dumps(part):
                return True
    return False


@contextmanager
def _main_left_out(needed: bool) -> Iterator[None]:
    """Start worker processes without the parent's main script (the spawn start method's).

    A spawned process runs the parent's ``__main__`` file again (as ``__mp_main__``) before
    its target, unless that module was imported by name. The workers need nothing from it
    unless the jobs name something of it (``needed``: :func:`_needs_main`), and a script
    with top-level work does it again in every worker: Streamlit installs the app's script
    as ``__main__``, so the app (or a test of it earlier in the same process) would be
    opened once more, and its plan store found locked — the worker then dies and its area
    falls back. While workers start, ``__main__`` is a module without a file.
    """
    main = sys.modules.get("__main__")
    if needed or main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    if getattr(main, "__file__", None) is None:
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    job: _Job | None = None


def _solve_in_processes(
    jobs: list[_Job],
    processes: int,
    stop: StopSignal | None,
    finished: Callable[[str, AreaResult], None],
) -> None:
    """Solve ``jobs`` in ``processes`` worker processes, each fed one area at a time.

    The parent always knows which area each worker holds, so a worker that dies (killed
    for memory, a crash in native code) fails that area only: the parent gives it the plan
    at hand (status ``"fallback"``); a new worker takes its place and the other areas still
    finish. ``stop`` is passed on to
    every worker.
    """
    context = multiprocessing.get_context("spawn")
    needs_main = _needs_main(jobs)
    shared_stop = context.Event()
    pending = list(reversed(jobs))
    workers: list[_Worker] = []

    def start_worker() -> _Worker:
        parent_end, child_end = context.Pipe()
        # Daemonic, so that an aborted run (a second Ctrl-C) does not wait for them at exit.
        process = context.Process(
            target=_worker_loop,
            args=(child_end, shared_stop),
            name=WORKER_PROCESS_NAME,
            daemon=True,
        )
        with _main_left_out(needs_main):
            process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def feed(worker: _Worker) -> None:
        worker.job = pending.pop() if pending else None
        worker.connection.send(worker.job)

    try:
        for _ in range(min(processes, len(jobs))):
            worker = start_worker()
            workers.append(worker)
            feed(worker)
        while any(worker.job is not None for worker in workers):
            if stop is not None and stop.is_set():
                shared_stop.set()
            busy = [worker for worker in workers if worker.job is not None]
            handles: list[Any] = [w.connection for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(handles, timeout=STOP_POLL))
            for worker in busy:
                job = worker.job
                assert job is not None
                area = job[0]
                if worker.connection in ready or worker.connection.poll():
                    try:
                        result = worker.connection.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        finished(area, result)
                        feed(worker)
                        continue
                if worker.process.sentinel in ready or not worker.process.is_alive():
                    worker.process.join()
                    workers.remove(worker)
                    if stop is not None and stop.is_set():  # the Ctrl-C may have just come
                        shared_stop.set()
                    if shared_stop.is_set():
                        # Stopping: a worker still starting up may have been ended by the
                        # same Ctrl-C; the area's quick plan takes a moment here instead.
                        finished(area, _solve_area_job(job, shared_stop, None))
                        continue
                    code = worker.process.exitcode
                    how = (
                        f"was killed by signal {-code}"
                        + (" (out of memory?)" if code == -signal.SIGKILL else "")
                        if code is not None and code < 0
                        else f"stopped with exit code {code}"
                    )
                    _, graph, settings, current, locked, frozen, _ = job
                    logger.warning("area %s: the worker process %s", area, how)
                    finished(
                        area,
                        fallback_area(
                            graph,
                            settings,
                            current=current,
                            locked=locked,
                            frozen=frozen,
                            failure=f"the worker process solving {area} {how}; run this "
                            "area alone (processes=1) to see why",
                        ),
                    )
                    if pending:
                        replacement = start_worker()
                        workers.append(replacement)
                        feed(replacement)
        while pending:  # only when stopping, after the workers ended: quick plans here
            job = pending.pop()
            finished(job[0], _solve_area_job(job, shared_stop, None))
    finally:
        for worker in workers:
            if worker.process.is_alive() and worker.job is not None:
                worker.process.terminate()  # interrupted (an exception in the parent)
            worker.process.join(timeout=5)
            if worker.process.is_alive():  # pragma: no cover - terminate failed
                worker.process.kill()
                worker.process.join()
            worker.connection.close()


def _separate_shared_ids(results: dict[str, AreaResult], *, keep: Iterable[str] = ()) -> None:
    """Give networks of different areas different ids, except the frozen ones in ``keep``.

    In repair mode a current network that crossed an area border is matched in each area
    and keeps its id in both; the area holding most of its practices keeps the id, the
    others get ``"<id>-<area>"``. A frozen network is kept whole in every area it spans, so
    its parts together are the network as it was: it keeps its one id everywhere.
    """
    kept = set(keep)
    holders: dict[str, dict[str, int]] = {}
    for name, result in results.items():
        for network in result.assignment.values():
            counts = holders.setdefault(network, {})
            counts[name] = counts.get(name, 0) + 1
    renames: dict[str, dict[str, str]] = {}
    for network, counts in holders.items():
        if len(counts) < 2 or network in kept:
            continue
        keeper = min(counts, key=lambda name: (-counts[name], name))
        for name in counts:
            if name != keeper:
                renames.setdefault(name, {})[network] = f"{network}-{name}"
    for name, mapping in renames.items():
        result = results[name]
        results[name] = replace(
            result,
            assignment={p: mapping.get(n, n) for p, n in result.assignment.items()},
            soft_networks=sorted(mapping.get(n, n) for n in result.soft_networks),
        )


def _warn_unknown_frozen(frozen: Sequence[str], current: Mapping[str, str] | None) -> None:
    """Warn of frozen ids that are no network of the current plan: nothing keeps them.

    A mistyped id ('UZ9999' for 'UZ0009') froze nothing, without a word.
    """
    if not frozen or current is None:
        return
    networks = {str(n) for n in current.values()}
    for network in frozen:
        if network not in networks:
            logger.warning(
                "frozen network %s is no network of the current plan%s: nothing is kept "
                "for it — give the id of a network of `current`",
                network,
                did_you_mean(network, sorted(networks)),
            )


def propose(
    graphs: Mapping[str, nx.Graph],
    settings: OptimiseSettings | None = None,
    *,
    current: Mapping[str, str] | None = None,
    locked: Mapping[str, str] | None = None,
    frozen: Iterable[str] = (),
    processes: int | None = None,
    progress: Progress | None = None,
    stop: StopSignal | None = None,
    start: Mapping[str, str] | None = None,
) -> Proposal:
    """Optimise every planning area, in parallel processes, and combine the plans.

    Parameters
    ----------
    graphs
        Area code → that area's adjacency graph (see :func:`optimise_area`).
    settings
        Shared by every area.
    current, locked, frozen
        As for :func:`optimise_area`, over all areas; each area sees its own practices.
        Practices locked to one id in different areas make those areas ``"infeasible"``.
    processes
        Worker processes; ``1`` solves inline. Default: as many as the cores allow at
        ``settings.workers`` threads each, at most one per area.
    progress
        Called with ``(fraction, message)``; per area when solved in processes.
    stop
        When set (from another thread, a signal handler or the app's Stop button), the area
        being solved stops with the best plan it has and each area not yet started gets its
        quick constructive plan, so the proposal still covers every practice; the results'
        explanations say the optimiser was stopped.
    start
        Practice → network of a plan to start from, over all areas (each area sees its own
        practices; see :func:`optimise_area`): for planning areas larger than a CCG, the
        by-CCG proposal's plan, so that no area's plan costs more than its CCGs' plans
        joined. Without it a larger area solves its CCGs first in a share of its time
        (:func:`~footprints.optimiser.seed.optimise_group`).

    Returns
    -------
    Proposal
        The combined plan and each area's :class:`AreaResult`. An area whose solve fails
        (its worker process dies, a solver answers something unusable, a stage raises) has
        status ``"fallback"`` and the plan at hand (see :func:`optimise_area`), the failure in
        its explanations; the other areas still finish. Only an ``"infeasible"`` area has no
        plan, so the plan covers every practice of every other area.
    """
    if not isinstance(graphs, Mapping):  # a Region, or one area's graph
        raise TypeError(
            f"propose takes the graphs by planning area (area code → graph, such as "
            f"region.ccg_graphs or {{code: region.ccg_graphs[code]}}), not a "
            f"{type(graphs).__name__}"
        )
    settings = settings or OptimiseSettings()
    frozen_ids = tuple(sorted(set(frozen)))
    _warn_unknown_frozen(frozen_ids, current)
    areas = sorted(graphs)
    area_of: dict[str, str] = {}
    for name in areas:
        for node in graphs[name].nodes:
            area_of[str(node)] = name
    lock_areas: dict[str, set[str]] = {}
    for code, lock in (locked or {}).items():
        if str(code) in area_of:
            lock_areas.setdefault(str(lock), set()).add(area_of[str(code)])
    split_locks = {lock: found for lock, found in lock_areas.items() if len(found) > 1}
    results: dict[str, AreaResult] = {}
    jobs = []
    for name in areas:
        graph = graphs[name]
        if "area" not in graph.graph:
            graph = graph.copy()
            graph.graph["area"] = name
        nodes = {str(node) for node in graph.nodes}
        area_current = (
            {c: str(n) for c, n in current.items() if str(c) in nodes}
            if current is not None
            else None
        )
        area_locked = {c: str(n) for c, n in (locked or {}).items() if str(c) in nodes}
        clashes = sorted(lock for lock in split_locks if lock in area_locked.values())
        if clashes:
            results[name] = AreaResult(
                name,
                {},
                "infeasible",
                explanations=[
                    f"area {name}: practices locked to {lock} lie in planning areas "
                    f"{', '.join(sorted(split_locks[lock]))}; a network cannot cross them"
                    for lock in clashes
                ],
            )
            continue
        area_start = (
            {c: str(n) for c, n in start.items() if str(c) in nodes} if start is not None else None
        )
        jobs.append(
            (name, graph, settings, area_current, area_locked or None, frozen_ids, area_start)
        )
    if processes is None:
        processes = max(1, (os.cpu_count() or 1) // settings.workers)
    processes = max(1, min(processes, len(jobs)))
    done = 0

    def finished(name: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done / max(1, len(jobs)), f"{name}: {results[name].status}")

    def record(name: str, result: AreaResult) -> None:
        results[name] = result
        finished(name)

    if processes == 1:
        for job in jobs:

            def area_progress(fraction: float, message: str, _done: int = done) -> None:
                if progress is not None:
                    progress((_done + fraction) / max(1, len(jobs)), message)

            record(job[0], _solve_area_job(job, stop, area_progress))
    else:
        _solve_in_processes(jobs, processes, stop, record)
    _separate_shared_ids(results, keep=frozen_ids)
    assignment: dict[str, str] = {}
    for name in areas:
        assignment.update(results[name].assignment)
    ordered = {name: results[name] for name in areas}
    logger.info(
        "proposed %d networks over %d areas (%s)",
        sum(r.networks for r in ordered.values()),
        len(ordered),
        ", ".join(f"{n}: {r.status}" for n, r in ordered.items()),
    )
    return Proposal(Plan(assignment), ordered)
