"""footprints: plan Primary Care Network footprints in England."""

from footprints.errors import (
    FootprintsError,
    InfeasibleError,
    InputError,
    MissingColumnError,
    Problem,
)
from footprints.plan import Band, Plan

__all__ = [
    "Band",
    "FootprintsError",
    "InfeasibleError",
    "InputError",
    "MissingColumnError",
    "Plan",
    "Problem",
]

__version__ = "0.1.0"
