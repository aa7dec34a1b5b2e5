"""Adding a rule is one new module and one registry line: "at most 12 practices per network".

The rule lives in ``max_practices_rule.py``; here it joins the registry and goes through the
validator, the validation JSON, the live validator and the titles; its candidate filter is
applied to a fake candidate-sets object shaped like the optimiser's, and by the optimiser
itself; and the app's rule words are the registry's.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import numpy.typing as npt
import pytest
from max_practices_rule import MAX_PRACTICES
from rule_grids import grid

from footprints.plan import Plan
from footprints.rules import REGISTRY, RULES, LiveValidator, rule_named, title, titles, validate

EXTENDED = (*REGISTRY, MAX_PRACTICES)  # the one registry line


@pytest.fixture
def g4() -> nx.Graph:
    """4x4 grid of 3,000-patient practices: 13 practices make 39,000 patients, in the band."""
    return grid(4, 4, 3_000)


def thirteen_and_three() -> Plan:
    """A: rows 0-2 and P30 (13 practices); B: P31, P32, P33."""
    return Plan({c: "B" if c in {"P31", "P32", "P33"} else "A" for c in grid(4, 4)})


def test_validate_reports_a_network_of_13_practices_not_one_of_12(g4: nx.Graph) -> None:
    report = validate(thirteen_and_three(), g4, rules=EXTENDED)
    (violation,) = report.by_rule("max_practices")
    assert violation.networks == ("A",) and violation.severity == "hard"
    assert violation.values == {"practice_count": 13, "max_practices": 12}
    assert violation.message == (
        "Network A has 13 practices, 1 more than the 12 allowed: move 1 practice to a "
        "neighbouring network."
    )
    assert title(violation.rule, EXTENDED) == "Practices per network"
    assert titles(EXTENDED)["max_practices"] == "Practices per network"

    twelve = thirteen_and_three().moved(["P30"], "B")
    assert validate(twelve, g4, rules=EXTENDED).by_rule("max_practices") == ()


def test_the_json_lists_and_the_summary_counts_the_new_rule(g4: nx.Graph) -> None:
    report = validate(thirteen_and_three(), g4, rules=EXTENDED)
    data = json.loads(json.dumps(report.to_dict()))
    assert [v["rule"] for v in data["violations"]] == ["band", "max_practices"]
    assert data["violations"][-1]["networks"] == ["A"]
    summary = data["summary"]
    judged = [rule.name for rule in REGISTRY if rule.applies_to("voronoi")]
    assert summary["geography"] == "voronoi" and "territory" not in summary
    assert list(summary)[-6:] == [*judged, "max_practices"]
    assert summary["max_practices"] == 1 and summary["hard"] == 1 and summary["band"] == 1


def test_the_default_registry_is_unchanged_by_it(g4: nx.Graph) -> None:
    assert RULES == ("coverage", "band", "contiguity", "territory", "boundary", "patch")
    assert MAX_PRACTICES not in REGISTRY and "max_practices" not in titles()
    with pytest.raises(KeyError):
        rule_named("max_practices")
    plain = validate(thirteen_and_three(), g4)
    extended = validate(thirteen_and_three(), g4, rules=EXTENDED)
    assert "max_practices" not in plain.summary and plain.by_rule("max_practices") == ()
    assert plain.violations == tuple(v for v in extended.violations if v.rule != "max_practices")
    counts = {k: v for k, v in extended.summary.items() if k != "max_practices"}
    assert plain.summary == {**counts, "hard": counts["hard"] - 1}


def test_a_registry_may_not_name_a_rule_twice(g4: nx.Graph) -> None:
    with pytest.raises(ValueError, match="repeated: max_practices"):
        validate(thirteen_and_three(), g4, rules=(*EXTENDED, MAX_PRACTICES))


def test_live_validator_with_the_new_rule_agrees_with_validate(g4: nx.Graph) -> None:
    live = LiveValidator(thirteen_and_three(), g4, rules=EXTENDED)
    assert live.report == validate(live.plan, g4, rules=EXTENDED)
    report = live.move(["P30"], "B")
    assert report.by_rule("max_practices") == ()
    assert report == validate(live.plan, g4, rules=EXTENDED)
    report = live.move(["P30"], "A")
    assert report.summary["max_practices"] == 1
    assert report == validate(live.plan, g4, rules=EXTENDED)

    rng = random.Random(12)
    for _ in range(60):
        practice = rng.choice(sorted(g4.nodes))
        target = live.plan.assignment[rng.choice(sorted(g4.neighbors(practice)))]
        report = live.move([practice], target)
        assert report.to_dict() == validate(live.plan, g4, rules=EXTENDED).to_dict()


@dataclass(frozen=True)
class FakeSets:
    """Candidate sets shaped like the optimiser's: members flat, with offsets."""

    members: npt.NDArray[np.int32]
    offsets: npt.NDArray[np.int64]

    @property
    def sizes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)

    def sums(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.add.reduceat(values[self.members], self.offsets[:-1]).astype(np.float64)


@dataclass(frozen=True)
class FakePractices:
    """Twenty practices as arrays."""

    codes: list[str]
    population: npt.NDArray[np.int64]
    x_km: npt.NDArray[np.float64]
    y_km: npt.NDArray[np.float64]
    patch: npt.NDArray[np.int64]


def test_the_candidate_filter_keeps_sets_of_at_most_12_practices() -> None:
    sizes = [1, 12, 13, 5, 20]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members = np.concatenate([np.arange(size) for size in sizes]).astype(np.int32)
    n = 20
    practices = FakePractices(
        [f"P{i}" for i in range(n)],
        np.full(n, 3_000, np.int64),
        np.zeros(n),
        np.zeros(n),
        np.full(n, -1, np.int64),
    )
    assert MAX_PRACTICES.candidate_filter is not None
    mask = MAX_PRACTICES.candidate_filter(FakeSets(members, offsets), practices)
    assert mask.dtype == np.bool_
    assert mask.tolist() == [True, True, False, True, False]


# ---- the optimiser and the app read the same registry -----------------------------------


def test_the_optimiser_honours_the_new_rule_through_its_candidate_filter() -> None:
    """A 2 × 22 ladder of 3,000-patient practices (132,000 patients): left alone the optimiser
    makes three networks of 14–16 practices; with the rule, four of at most 12."""
    from footprints.optimiser import OptimiseSettings, optimise_area

    ladder = nx.Graph(area="C1", level="ccg", island_links=0)
    for k in range(44):
        column, row = divmod(k, 2)
        attributes = {"list_size": 3_000, "x": 1000.0 * column, "y": 1000.0 * row}
        ladder.add_node(f"L{k:02d}", **attributes, ccg="C1", stp="S1", patch=None, name="")
    for k in range(44):
        if k % 2 == 0:
            ladder.add_edge(f"L{k:02d}", f"L{k + 1:02d}", kind="border", border_m=1000.0)
        if k + 2 < 44:
            ladder.add_edge(f"L{k:02d}", f"L{k + 2:02d}", kind="border", border_m=1000.0)
    # A high cost per network makes fewer, larger networks worth it.
    plain = OptimiseSettings(time_limit=60.0, seed=1, network_cost=100_000.0)
    extended = replace(plain, rules=EXTENDED)
    sizes = sorted(
        len(m) for m in Plan(optimise_area(ladder, plain).assignment).networks().values()
    )
    assert max(sizes) > 12  # the rule binds here
    result = optimise_area(ladder, extended)
    assert result.status == "optimal"
    plan = Plan(result.assignment)
    assert all(len(m) <= 12 for m in plan.networks().values())
    assert validate(plan, ladder, rules=EXTENDED).ok


def test_the_app_says_what_the_registry_says() -> None:
    from app.words import RULE_WORDS, violation_numbers

    assert titles() == RULE_WORDS
    for rule in REGISTRY:
        values = {"population": 1, "gap": 2, "part_count": 3, "main_area": "X", "kind": "k"}
        assert violation_numbers(rule.name, values) == rule.describe_numbers(values)
    values = {"practice_count": 13, "max_practices": 12}
    assert MAX_PRACTICES.describe_numbers(values) == "practice_count 13, max_practices 12"
