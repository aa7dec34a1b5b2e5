"""The registry: every rule, once, in the order a report lists them.

Adding a rule means one new module defining its :class:`~footprints.rules.base.Rule` and
one line in :data:`REGISTRY`; the validator, the validation JSON, the live validator and
the words of the app and the pack read the registry.
"""

from __future__ import annotations

from collections.abc import Sequence

from footprints.rules.band import BAND
from footprints.rules.base import Rule, RuleName
from footprints.rules.boundary import BOUNDARY
from footprints.rules.contiguity import CONTIGUITY
from footprints.rules.coverage import COVERAGE
from footprints.rules.patch import PATCH
from footprints.rules.territory import TERRITORY

__all__ = ["REGISTRY", "RULES", "rule_named", "title", "titles"]

REGISTRY: tuple[Rule, ...] = (
    COVERAGE,
    BAND,
    CONTIGUITY,
    TERRITORY,
    BOUNDARY,
    PATCH,
)
"""Every rule, in the order a report lists them (a validation runs those that apply to its
graph's geography: ``territory`` only under registration geography)."""

RULES: tuple[RuleName, ...] = tuple(rule.name for rule in REGISTRY)
"""Every rule's name, in the order a report lists them."""


def rule_named(name: RuleName, rules: Sequence[Rule] = REGISTRY) -> Rule:
    """Return the rule called ``name``.

    Parameters
    ----------
    name
        A rule's name (``"band"``).
    rules
        The registry to look in.

    Returns
    -------
    Rule
        The rule.

    Raises
    ------
    KeyError
        When no rule has that name.
    """
    for rule in rules:
        if rule.name == name:
            return rule
    known = ", ".join(rule.name for rule in rules)
    raise KeyError(f"no rule named {name!r}; the rules are {known}")


def titles(rules: Sequence[Rule] = REGISTRY) -> dict[RuleName, str]:
    """Each rule's name → the title a CCG lead reads, in registry order.

    Parameters
    ----------
    rules
        The registry.

    Returns
    -------
    dict
        ``{"coverage": "Coverage", "band": "Band", …}``.
    """
    return {rule.name: rule.title for rule in rules}


def title(name: RuleName, rules: Sequence[Rule] = REGISTRY) -> str:
    """Return the title a CCG lead reads for the rule ``name`` (``"Boundary crossing"``).

    Parameters
    ----------
    name
        A rule's name.
    rules
        The registry to look in.

    Returns
    -------
    str
        The title.
    """
    return rule_named(name, rules).title
