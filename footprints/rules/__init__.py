"""The rules a plan must keep: one module per rule, one registry, one validator.

Each rule is a :class:`Rule` defined in its own module (``coverage``, ``band``,
``contiguity``, ``territory``, ``boundary``, ``patch``) and listed once in :data:`REGISTRY`,
in report order; each says the geographies it applies to (``territory``: only registration
geography), and a validation runs those that apply to its graph's ``geography``.
:func:`validate` runs the registry over a plan and returns a :class:`Report` of
:class:`Violation` s — the rule, its severity, the networks and practices concerned, the
numbers, and a sentence a CCG lead can act on; :class:`LiveValidator` keeps a report up to
date while a user moves practices. Both take ``rules=`` for an extended registry.

To add a rule, write a module defining its ``Rule`` (a check over a :class:`PlanState` and
a :class:`RuleContext`, see :mod:`footprints.rules.base`) and add one line to
:data:`REGISTRY` in :mod:`footprints.rules.registry`.
"""

from footprints.rules.band import check_band
from footprints.rules.base import (
    CandidateFilter,
    PlanState,
    Report,
    Rule,
    RuleContext,
    Scope,
    Severity,
    Violation,
)
from footprints.rules.boundary import check_boundaries
from footprints.rules.contiguity import check_contiguity
from footprints.rules.coverage import check_coverage
from footprints.rules.patch import check_patches
from footprints.rules.registry import REGISTRY, RULES, rule_named, title, titles
from footprints.rules.territory import check_territories
from footprints.rules.validator import LiveValidator, validate

__all__ = [
    "REGISTRY",
    "RULES",
    "CandidateFilter",
    "LiveValidator",
    "PlanState",
    "Report",
    "Rule",
    "RuleContext",
    "Scope",
    "Severity",
    "Violation",
    "check_band",
    "check_boundaries",
    "check_contiguity",
    "check_coverage",
    "check_patches",
    "check_territories",
    "rule_named",
    "title",
    "titles",
    "validate",
]
