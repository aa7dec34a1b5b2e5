"""The registry: each rule once, named, titled and scoped, in today's report order."""

from __future__ import annotations

import importlib
import pkgutil

import networkx as nx
import pytest

import footprints.rules
from footprints.plan import Plan
from footprints.rules import REGISTRY, RULES, Rule, rule_named, title, titles
from footprints.rules.base import PlanState, RuleContext

#: The modules of the package that are not rules.
NOT_RULES = {"base", "registry", "validator"}


def test_rules_are_listed_in_todays_report_order() -> None:
    assert RULES == ("coverage", "band", "contiguity", "territory", "boundary", "patch")
    assert tuple(rule.name for rule in REGISTRY) == RULES


def test_each_rule_says_the_geographies_it_applies_to() -> None:
    geographies = {rule.name: rule.geographies for rule in REGISTRY}
    assert geographies.pop("territory") == ("registrations",)
    assert set(geographies.values()) == {("voronoi", "registrations")}


def test_every_rule_has_a_unique_name_a_title_and_a_scope() -> None:
    assert len({rule.name for rule in REGISTRY}) == len(REGISTRY)
    for rule in REGISTRY:
        assert rule.title and rule.description and rule.optimiser
        assert rule.scope in ("plan", "network")
        assert rule.severity in ("hard", "waivable")
    assert [rule.scope for rule in REGISTRY] == [
        "plan",
        "network",
        "network",
        "plan",
        "network",
        "network",
    ]


def test_titles_are_the_words_the_app_showed() -> None:
    assert titles() == {
        "coverage": "Coverage",
        "band": "Band",
        "contiguity": "Contiguity",
        "territory": "Territory in pieces",
        "boundary": "Boundary crossing",
        "patch": "Patch straddle",
    }
    assert title("boundary") == "Boundary crossing"
    assert rule_named("patch").title == "Patch straddle"
    with pytest.raises(KeyError, match="no rule named 'nope'"):
        rule_named("nope")


def test_each_rule_module_is_registered_exactly_once() -> None:
    modules = [
        info.name
        for info in pkgutil.iter_modules(footprints.rules.__path__)
        if info.name not in NOT_RULES
    ]
    assert sorted(modules) == sorted(RULES)
    for name in modules:
        module = importlib.import_module(f"footprints.rules.{name}")
        defined = [value for value in vars(module).values() if isinstance(value, Rule)]
        assert len(defined) == 1, name
        (rule,) = defined
        assert sum(1 for registered in REGISTRY if registered is rule) == 1
        assert rule.check.__module__ == module.__name__


def test_no_rule_of_today_filters_candidates() -> None:
    """Band and contiguity hold by construction, boundaries by planning, patch is a cost."""
    assert all(rule.candidate_filter is None for rule in REGISTRY)


def test_a_rule_is_refused_with_an_unknown_scope_or_severity() -> None:
    band = rule_named("band")
    fields = {
        "name": "x",
        "title": "X",
        "check": band.check,
        "description": "",
        "optimiser": "",
    }
    with pytest.raises(ValueError, match="scope"):
        Rule(scope="area", severity="hard", **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="severity"):
        Rule(scope="network", severity="soft", **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="geographies must be some of voronoi, registrations"):
        Rule(scope="network", severity="hard", geographies=("homes",), **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="got none"):
        Rule(scope="network", severity="hard", geographies=(), **fields)  # type: ignore[arg-type]


def test_a_plan_rule_cannot_be_checked_per_network() -> None:
    coverage = rule_named("coverage")
    state = PlanState.build(Plan({}), nx.Graph())
    with pytest.raises(ValueError, match="checked over the plan"):
        coverage.check_network(state, "N1", RuleContext())


def test_each_rule_says_its_numbers_for_the_violations_table() -> None:
    from footprints.rules import rule_named

    assert rule_named("band").describe_numbers({"population": 27_000, "gap": -3_000}) == (
        "27,000 patients, gap -3,000"
    )
    assert rule_named("contiguity").describe_numbers(
        {"part_count": 2, "detached_population": 8_000}
    ) == ("2 parts, 8,000 detached")
    assert rule_named("boundary").describe_numbers(
        {"population_outside": 5_000, "main_area": "E38000237"}
    ) == ("5,000 outside E38000237")
    assert rule_named("patch").describe_numbers(
        {"straddling_population": 4_100, "main_patch": "P1"}
    ) == ("4,100 outside P1")
    # A rule without its own wording joins the values that are numbers or words.
    assert rule_named("coverage").describe_numbers({"kind": "unassigned", "count": 3}) == (
        "kind unassigned, count 3"
    )
