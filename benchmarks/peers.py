"""Peers on the same CCGs and the same time budget: PySAL spopt and GerryChain.

For a deterministic sample of 2020 CCGs (every 7th by code: 20 of 135) each method gets the
same per-area budget as our optimiser:

- **ours**: :func:`footprints.optimiser.optimise_area` (default settings);
- **spopt max-p** (``MaxPHeuristic``): population floor 30,000, attributes = coordinates (km),
  iterations lowered to fit the budget (it has no time limit);
- **spopt AZP**: the number of regions of our plan, attributes = coordinates (no population
  bounds: AZP has none);
- **GerryChain ReCom**: seeded with ``recursive_tree_part`` (number of parts of our plan,
  population tolerance keeping every part in the band), or with our plan where no in-band
  seed exists (a practice over 50,000); short bursts minimising the population-weighted mean
  distance, stopped at the budget.

Each plan is checked with :func:`footprints.rules.validate` on the CCG graph: feasible =
no hard violation and every network in band except a single practice over 50,000.
Peers are benchmark-only dependencies (``benchmarks/requirements-peers.txt``).

Run: ``.venv/bin/python benchmarks/peers.py --data ../shared/data --time-limit 15
--processes 2 [--markdown BENCHMARKS.md]``.
"""

from __future__ import annotations

import argparse
import functools
import logging
import random
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_england import SECTION
from snapshot import add_england_options, load_england

from footprints.optimiser import OptimiseSettings, optimise_area
from footprints.plan import Band, Plan
from footprints.rules import validate

SECTION_TITLE = "### Peers on 20 CCGs"
BAND = Band()


def sample(codes: list[str]) -> list[str]:
    return sorted(codes)[::7]


def mean_km(graph: nx.Graph, assignment: Mapping[str, Any]) -> float:
    parts: dict[Any, list[str]] = {}
    for practice, part in assignment.items():
        parts.setdefault(part, []).append(practice)
    total, weighted = 0.0, 0.0
    for members in parts.values():
        w = np.array([graph.nodes[p]["list_size"] for p in members], float)
        x = np.array([graph.nodes[p]["x"] for p in members], float) / 1000
        y = np.array([graph.nodes[p]["y"] for p in members], float) / 1000
        if w.sum() == 0:
            continue
        cx, cy = np.average(x, weights=w), np.average(y, weights=w)
        weighted += float((w * np.hypot(x - cx, y - cy)).sum())
        total += float(w.sum())
    return weighted / max(total, 1.0)


def judge(graph: nx.Graph, assignment: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    if not assignment:
        return {"feasible": False, "networks": 0, "in_band": 0, "km": None, "seconds": seconds}
    plan = Plan({str(p): str(n) for p, n in assignment.items()})
    report = validate(plan, graph, band=BAND)
    in_band, forced, networks = 0, 0, plan.networks()
    for practices in networks.values():
        population = sum(int(graph.nodes[p]["list_size"]) for p in practices)
        if BAND.contains(population):
            in_band += 1
        elif len(practices) == 1 and population > BAND.max_population:
            forced += 1
    feasible = report.summary["hard"] == 0 and in_band + forced == len(networks)
    return {
        "feasible": bool(feasible),
        "networks": len(networks),
        "in_band": in_band,
        "km": mean_km(graph, plan.assignment),
        "seconds": seconds,
    }


def _frame(graph: nx.Graph) -> tuple[pd.DataFrame, Any]:
    from libpysal.weights import W

    nodes = sorted(graph.nodes)
    frame = pd.DataFrame(
        {
            "x_km": [graph.nodes[p]["x"] / 1000 for p in nodes],
            "y_km": [graph.nodes[p]["y"] / 1000 for p in nodes],
            "list_size": [int(graph.nodes[p]["list_size"]) for p in nodes],
        },
        index=range(len(nodes)),
    )
    index = {p: i for i, p in enumerate(nodes)}
    neighbours = {index[p]: [index[q] for q in graph[p]] for p in nodes}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = W(neighbours, silence_warnings=True)
    return frame, weights


def run_maxp(graph: nx.Graph, budget: float, seed: int) -> dict[str, Any]:
    from spopt.region import MaxPHeuristic

    frame, weights = _frame(graph)
    nodes = sorted(graph.nodes)
    started = time.perf_counter()
    random.seed(seed)
    np.random.seed(seed)
    # max-p has no time limit: scale its iterations to the area (about the budget here).
    iterations = max(1, min(99, int(300 / max(len(nodes), 1))))
    model = MaxPHeuristic(
        frame,
        weights,
        ["x_km", "y_km"],
        "list_size",
        BAND.min_population,
        top_n=2,
        max_iterations_construction=iterations,
        max_iterations_sa=max(1, iterations // 10),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    labels = {nodes[i]: int(label) for i, label in enumerate(model.labels_)}
    result = judge(graph, labels, time.perf_counter() - started)
    result["note"] = "" if all(v >= 0 for v in labels.values()) else "unassigned practices"
    return result


def run_azp(graph: nx.Graph, k: int, budget: float, seed: int) -> dict[str, Any]:
    from spopt.region import AZP

    frame, weights = _frame(graph)
    nodes = sorted(graph.nodes)
    started = time.perf_counter()
    model = AZP(frame, weights, ["x_km", "y_km"], n_clusters=k, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.solve()
    labels = {nodes[i]: int(label) for i, label in enumerate(model.labels_)}
    return judge(graph, labels, time.perf_counter() - started)


def run_gerrychain(
    graph: nx.Graph, ours: Mapping[str, str], budget: float, seed: int
) -> dict[str, Any]:
    from gerrychain import Graph, Partition
    from gerrychain.optimization import SingleMetricOptimizer
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree, recursive_tree_part
    from gerrychain.updaters import Tally

    started = time.perf_counter()
    # Practices over the maximum are networks of their own (as in our optimiser): leave
    # them out of the chain, which could never cut a pair holding one.
    alone = sorted(p for p in graph.nodes if graph.nodes[p]["list_size"] > BAND.max_population)
    names = sorted(p for p in graph.nodes if p not in alone)
    number = {p: i for i, p in enumerate(names)}
    plain = nx.Graph()
    for p in names:
        data = graph.nodes[p]
        plain.add_node(
            number[p], list_size=int(data["list_size"]), x=float(data["x"]), y=float(data["y"])
        )
    plain.add_edges_from(
        (number[a], number[b]) for a, b in graph.edges if a in number and b in number
    )
    chain_graph = Graph.from_networkx(plain)
    k = len({ours[p] for p in names})
    total = sum(int(d["list_size"]) for _, d in plain.nodes(data=True))
    target = total / k
    epsilon = min(BAND.max_population / target - 1, 1 - BAND.min_population / target)
    rng = random.Random(seed)
    seed_kind = "recursive_tree_part"
    assignment: dict[Any, Any] | None = None
    if epsilon > 0 and nx.is_connected(plain):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assignment = recursive_tree_part(
                    chain_graph,
                    range(k),
                    target,
                    "list_size",
                    epsilon,
                    bipartition_tree_fn=functools.partial(bipartition_tree, max_attempts=2_000),
                    rng=rng,
                )
        except Exception:
            assignment = None
    if assignment is None:
        seed_kind = "our plan"
        assignment = {number[p]: n for p, n in ours.items() if p in number}
        epsilon = max(epsilon, 0.0)
    partition = Partition(
        chain_graph, assignment, updaters={"list_size": Tally("list_size", alias="list_size")}
    )

    def metric(part: Partition) -> float:
        return mean_km(plain, {node: part.assignment[node] for node in plain.nodes})

    def in_band(part: Partition) -> bool:
        return all(
            BAND.contains(pop) or len(part.parts[name]) == 1
            for name, pop in part["list_size"].items()
        )

    middle = (BAND.min_population + BAND.max_population) / 2
    recombine = functools.partial(
        recom,
        pop_col="list_size",
        pop_target=middle,  # new parts anywhere in the band, not around the CCG's mean
        epsilon=(BAND.max_population - BAND.min_population) / (2 * middle),
        node_repeats=2,
        bipartition_tree_fn=functools.partial(bipartition_tree, max_attempts=2_000),
    )

    def proposal(part: Partition, *, rng: random.Random) -> Partition:
        try:
            return recombine(part, rng=rng)
        except Exception:  # no in-band cut of this pair: stay put (a self-loop)
            return part

    best = assignment
    best_km = metric(partition)
    optimizer = SingleMetricOptimizer(
        proposal, [in_band], partition, metric, maximize=False, rng=rng
    )
    steps = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _state in optimizer.short_bursts(10, 10**9):
                steps += 1
                found, score = optimizer.best_part, optimizer.best_score
                if found is not None and score is not None and score < best_km:
                    best_km = score
                    best = {node: found.assignment[node] for node in plain.nodes}
                if time.perf_counter() - started > budget:
                    break
    except Exception as error:
        logging.getLogger("peers").warning("gerrychain stopped: %r", error)
    labels = {names[int(i)]: str(n) for i, n in best.items()}
    labels.update({p: f"alone-{p}" for p in alone})
    result = judge(graph, labels, time.perf_counter() - started)
    result["note"] = f"seed: {seed_kind}, {steps} steps"
    return result


def one_area(job: tuple[str, nx.Graph, float, int]) -> dict[str, Any]:
    code, graph, budget, seed = job
    started = time.perf_counter()
    ours = optimise_area(graph, OptimiseSettings(time_limit=budget, seed=seed))
    row: dict[str, Any] = {
        "area": code,
        "practices": graph.number_of_nodes(),
        "ours": judge(graph, ours.assignment, time.perf_counter() - started),
    }
    row["ours"]["note"] = ours.status
    k = max(1, ours.networks)
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "spopt max-p": lambda: run_maxp(graph, budget, seed),
        "spopt AZP": lambda: run_azp(graph, k, budget, seed),
        "GerryChain ReCom": lambda: run_gerrychain(graph, ours.assignment, budget, seed),
    }
    for name, run in runners.items():
        try:
            row[name] = run()
        except Exception as error:
            row[name] = {
                "feasible": False,
                "networks": 0,
                "in_band": 0,
                "km": None,
                "seconds": 0.0,
                "note": f"{type(error).__name__}: {error}",
            }
    return row


METHODS = ["ours", "spopt max-p", "spopt AZP", "GerryChain ReCom"]


def render(rows: list[dict[str, Any]], command: str, budget: float, processes: int) -> str:
    lines = [
        SECTION_TITLE,
        "",
        f"Command: `{command}`",
        "",
        f"Sample: every 7th CCG by code ({len(rows)} of 135: "
        + ", ".join(r["area"] for r in rows)
        + f"); budget {budget:g} s per area and method, {processes} processes, a 2-core "
        "machine. Feasible = all hard rules (coverage, contiguity, CCG boundary) and every "
        "network in 30,000–50,000 except a single practice over 50,000. Mean km = "
        "population-weighted mean distance from practice to network centre (our compactness "
        "term; lower is better), averaged over the CCGs where the method is feasible and "
        "over all CCGs. Our optimiser minimises that distance *plus* patch straddling (LAD "
        "stand-ins) *plus* a cost per network, choosing the number of networks itself; AZP "
        "and GerryChain are given our number of networks and GerryChain minimises distance "
        "alone, so on distance alone a peer can come out slightly ahead on a CCG. spopt "
        "max-p has no time limit: its iterations are scaled down to fit the budget.",
        "",
        "| method | feasible CCGs | networks in band | mean km (feasible CCGs) | mean km "
        "(all CCGs) | median s per CCG |",
        "|---|---|---|---|---|---|",
    ]
    for method in METHODS:
        results = [r[method] for r in rows]
        feasible = [x for x in results if x["feasible"]]
        networks = sum(x["networks"] for x in results)
        in_band = sum(x["in_band"] for x in results)
        km_all = [x["km"] for x in results if x["km"] is not None]
        km_feasible = [x["km"] for x in feasible if x["km"] is not None]
        seconds = float(np.median([x["seconds"] for x in results]))
        share = in_band / networks if networks else 0.0
        lines.append(
            f"| {method} | {len(feasible)} / {len(rows)} | {in_band} / {networks} "
            f"({share:.0%}) | "
            + (f"{np.mean(km_feasible):.3f}" if km_feasible else "—")
            + " | "
            + (f"{np.mean(km_all):.3f}" if km_all else "—")
            + f" | {seconds:.1f} |"
        )
    both = [r for r in rows if r["ours"]["feasible"] and r["GerryChain ReCom"]["feasible"]]
    if both:
        ratio = np.mean([r["GerryChain ReCom"]["km"] / r["ours"]["km"] for r in both])
        lines += [
            "",
            f"- On the {len(both)} CCGs where both are feasible, GerryChain's mean "
            f"distance is {ratio:.3f}× ours.",
        ]
    lines += ["", "Per CCG (km, or ✗ when infeasible):", ""]
    lines.append("| CCG | practices | " + " | ".join(METHODS) + " | GerryChain seed |")
    lines.append("|---|---|" + "---|" * (len(METHODS) + 1))
    for r in rows:
        cells = []
        for method in METHODS:
            x = r[method]
            km = "—" if x["km"] is None else f"{x['km']:.2f}"
            cells.append(km if x["feasible"] else f"✗ {km}")
        lines.append(
            f"| {r['area']} | {r['practices']} | "
            + " | ".join(cells)
            + f" | {r['GerryChain ReCom'].get('note', '')} |"
        )
    return "\n".join(lines) + "\n"


def write_subsection(path: Path, text: str) -> None:
    """Put ``text`` at the end of the "## Optimiser: all England" section, replacing its
    previous version; the rest of the file is left alone."""
    current = path.read_text() if path.is_file() else ""
    section = current.find(SECTION)
    if section < 0:
        raise SystemExit(f"{path} has no '{SECTION}' section: run bench_england.py first")
    end = current.find("\n## ", section + len(SECTION))
    end = len(current) if end < 0 else end + 1
    body = current[section:end]
    start = body.find(SECTION_TITLE)
    body = (body[:start] if start >= 0 else body.rstrip("\n") + "\n\n") + text
    path.write_text(current[:section] + body + ("\n" + current[end:] if end < len(current) else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_england_options(parser)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("footprints.areas").setLevel(logging.ERROR)
    command = "python benchmarks/peers.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    region = load_england(args.data)
    graphs = region.ccg_graphs
    jobs = [(code, graphs[code], args.time_limit, args.seed) for code in sample(list(graphs))]
    with ProcessPoolExecutor(args.processes) as pool:
        rows = []
        for row in pool.map(one_area, jobs):
            rows.append(row)
            print(row["area"], {m: (row[m]["feasible"], row[m]["km"]) for m in METHODS}, flush=True)
    text = render(rows, command, args.time_limit, args.processes)
    print(text)
    if args.markdown:
        write_subsection(args.markdown, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
