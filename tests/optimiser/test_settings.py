"""Settings: values checked, filters kept, and everything picklable for worker processes."""

from __future__ import annotations

import pickle

import pytest

from footprints.optimiser import OptimiseSettings
from footprints.rules import REGISTRY

from .grids import AtMostPractices, filter_rule


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="workers"):
        OptimiseSettings(workers=0)
    with pytest.raises(ValueError, match="max_moves"):
        OptimiseSettings(max_moves=-1)


def test_candidate_filters_come_from_the_rules_and_travel_to_workers() -> None:
    assert OptimiseSettings().rules == REGISTRY
    assert OptimiseSettings().candidate_filters == ()  # today's rules hold by construction
    with pytest.raises(ValueError, match="rules"):
        OptimiseSettings(rules=(3,))  # type: ignore[arg-type]
    settings = OptimiseSettings(rules=(*REGISTRY, filter_rule(AtMostPractices(3))))
    copy = pickle.loads(pickle.dumps(settings))
    assert copy.rules[:-1] == REGISTRY  # the registry's rules survive the trip unchanged
    assert copy.candidate_filters[0].limit == 3  # type: ignore[attr-defined]
