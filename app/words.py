"""The words the page uses for the validator's rules and their numbers.

The one place the app names rules: a new rule needs its title in :data:`RULE_WORDS` (and,
for its own numbers, a line in :func:`violation_numbers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RULE_WORDS", "violation_numbers"]

RULE_WORDS = {
    "coverage": "Coverage",
    "band": "Band",
    "contiguity": "Contiguity",
    "boundary": "Boundary crossing",
    "patch": "Patch straddle",
}
"""Rule → its title in the violations table and the "Show on the map" choice."""


def violation_numbers(rule: str, values: Mapping[str, Any]) -> str:
    """Say the numbers of a violation of ``rule`` (its ``values``) in a few words."""
    if rule == "band":
        return f"{values.get('population', 0):,} patients, gap {values.get('gap', 0):+,}"
    if rule == "contiguity":
        detached = values.get("detached_population", 0)
        return f"{values.get('part_count')} parts, {detached:,} detached"
    if rule == "boundary":
        return f"{values.get('population_outside', 0):,} outside {values.get('main_area')}"
    if rule == "patch":
        return f"{values.get('straddling_population', 0):,} outside {values.get('main_patch')}"
    return ", ".join(f"{k} {v}" for k, v in values.items() if isinstance(v, int | float | str))[:80]
