"""Which geography a region is judged on, and the two thresholds of registration geography.

Every graph carries ``graph.graph["geography"]``: ``"registrations"`` when patients' homes
are known (an LSOA registrations file was given), else ``"voronoi"`` (catchments are the
Voronoi cells of the surgeries). The rules, the measures and the registration code all read
the names and thresholds from here, so that each is defined once (DESIGN.md, "Registration
geography").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = [
    "GEOGRAPHIES",
    "PATCH_SHARE",
    "TERRITORY_TOLERANCE",
    "Geography",
    "geography_of",
    "working_patches",
]

Geography = Literal["registrations", "voronoi"]
"""Which catchments a region's rules, measures and maps use (DESIGN.md)."""

GEOGRAPHIES: tuple[Geography, ...] = ("voronoi", "registrations")
"""Every geography, the fallback first."""

TERRITORY_TOLERANCE = 0.95
"""Share of a network's patients living in its territory that its largest part must hold."""

PATCH_SHARE = 0.05
"""A patch works into a network when that network's patients are at least this share of the
registered patients living in the patch."""


def geography_of(graph_attributes: Mapping[str, object]) -> Geography:
    """Return the geography a graph is on: its ``geography`` attribute, ``"voronoi"`` if none.

    Parameters
    ----------
    graph_attributes
        A graph's ``graph.graph`` mapping.

    Raises
    ------
    ValueError
        For a value other than ``"voronoi"`` or ``"registrations"``.
    """
    value = graph_attributes.get("geography", "voronoi")
    if value == "registrations":
        return "registrations"
    if value == "voronoi":
        return "voronoi"
    raise ValueError(f"unknown geography {value!r}: expected one of {', '.join(GEOGRAPHIES)}")


def working_patches(
    patients: Mapping[str, int], residents: Mapping[str, int], *, share: float = PATCH_SHARE
) -> dict[str, int]:
    """Return the patches that work into a network, on patients' homes.

    A patch works into a network when the network's patients living in it are at least
    ``share`` of the registered patients living in the patch (``residents``; a patch with
    no residents known counts every patient of the network living there).

    Parameters
    ----------
    patients
        Patch → the network's patients living in it.
    residents
        Patch → registered patients (of the region's practices) living in it.
    share
        The threshold, :data:`PATCH_SHARE` by default.

    Returns
    -------
    dict
        Patch → the network's patients there, for the working patches only, largest first
        (ties by patch code).
    """
    working = {
        patch: n for patch, n in patients.items() if n > 0 and n >= share * residents.get(patch, 0)
    }
    return dict(sorted(working.items(), key=lambda item: (-item[1], item[0])))
