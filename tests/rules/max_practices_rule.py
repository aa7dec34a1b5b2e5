"""A rule added outside the package, as a new rule would be: at most 12 practices a network.

The whole of a new rule: its check, its candidate filter, and its :class:`Rule`. The
registry line that adds it is ``REGISTRY + (MAX_PRACTICES,)`` in ``test_extending.py``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from footprints.rules import Rule
from footprints.rules.base import (
    CandidateSetsLike,
    PlanState,
    PracticeArraysLike,
    RuleContext,
    Violation,
    practices_word,
)

MAX_PRACTICES_PER_NETWORK = 12


def _max_practices(state: PlanState, network: str, context: RuleContext, /) -> Violation | None:
    members = state.members[network]
    extra = len(members) - MAX_PRACTICES_PER_NETWORK
    if extra <= 0:
        return None
    return Violation(
        rule=MAX_PRACTICES.name,
        severity=MAX_PRACTICES.severity,
        networks=(network,),
        practices=tuple(sorted(members)),
        values={"practice_count": len(members), "max_practices": MAX_PRACTICES_PER_NETWORK},
        message=(
            f"Network {state.network_label(network)} has {practices_word(len(members))}, "
            f"{extra} more than the {MAX_PRACTICES_PER_NETWORK} allowed: move "
            f"{practices_word(extra)} to a neighbouring network."
        ),
    )


def _at_most_twelve(
    sets: CandidateSetsLike, practices: PracticeArraysLike, /
) -> npt.NDArray[np.bool_]:
    return np.asarray(sets.sizes) <= MAX_PRACTICES_PER_NETWORK


MAX_PRACTICES = Rule(
    name="max_practices",
    title="Practices per network",
    scope="network",
    check=_max_practices,
    severity="hard",
    description=f"At most {MAX_PRACTICES_PER_NETWORK} practices per network.",
    optimiser=f"The candidate filter keeps sets of at most {MAX_PRACTICES_PER_NETWORK} practices.",
    candidate_filter=_at_most_twelve,
)
