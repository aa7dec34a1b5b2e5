"""Settings: values checked, filters kept, and everything picklable for worker processes."""

from __future__ import annotations

import pickle

import pytest

from footprints.optimiser import OptimiseSettings

from .grids import AtMostPractices


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="workers"):
        OptimiseSettings(workers=0)
    with pytest.raises(ValueError, match="max_moves"):
        OptimiseSettings(max_moves=-1)


def test_candidate_filters_are_callables_that_travel_to_workers() -> None:
    assert OptimiseSettings().candidate_filters == ()
    with pytest.raises(ValueError, match="candidate_filters"):
        OptimiseSettings(candidate_filters=(3,))  # type: ignore[arg-type]
    settings = OptimiseSettings(candidate_filters=(AtMostPractices(3),))
    copy = pickle.loads(pickle.dumps(settings))
    assert copy.candidate_filters[0].limit == 3
