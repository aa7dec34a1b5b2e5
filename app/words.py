"""The words the page uses for the validator's rules and their numbers.

Both come from the rule registry (:mod:`footprints.rules`): a new rule brings its own title
and its own way of saying its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from footprints.rules import rule_named, titles

__all__ = ["RULE_WORDS", "violation_numbers"]

RULE_WORDS = titles()
"""Rule → its title in the violations table and the "Show on the map" choice."""


def violation_numbers(rule: str, values: Mapping[str, Any]) -> str:
    """Say the numbers of a violation of ``rule`` (its ``values``) in a few words."""
    return rule_named(rule).describe_numbers(values)
