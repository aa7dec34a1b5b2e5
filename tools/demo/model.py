"""The demo region's fixed facts and the records the generator's stages pass along.

The STP and CCG codes are ONS/ODS-shaped but unused by any real body; the numbers fix the
region's scale (British National Grid metres) and what "a tidy network" means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from footprints.plan import Band

__all__ = [
    "BAND",
    "CCGS",
    "CENTRE",
    "CITY",
    "CLEAN",
    "DECIMALS",
    "MARGIN_M",
    "MARKET",
    "RURAL",
    "STP",
    "STRONG_BORDER_M",
    "Practice",
    "Region",
    "RetryError",
]

CENTRE = (450_000.0, 250_000.0)
"""BNG metres: the middle of the fictional STP."""
DECIMALS = 6
"""Longitude/latitude decimals written (about 0.1 m)."""
MARGIN_M = 150.0
"""Practices stay this far from every CCG and patch border."""
STRONG_BORDER_M = 100.0
"""Shared border a generated network relies on for contiguity."""
BAND = Band()
"""The population band the planted band flaws break."""
CLEAN = (32_000, 48_000)
"""Populations of the networks meant to be in band."""

STP = {
    "STP20CD": "E54900001",
    "STP20CDH": "QZZ",
    "STP20NM": "Wexbridge and Ashdown Vale Health and Care Partnership",
}
"""The STP's ONS-style properties."""
CCGS = (
    ("E38900001", "98X", "NHS Wexbridge CCG"),
    ("E38900002", "98Y", "NHS Ashdown Vale CCG"),
    ("E38900003", "98Z", "NHS Fenwold and Holm CCG"),
)
"""ONS-style code, ODS-style code and name of each CCG; no real CCG uses these codes."""
CITY, MARKET, RURAL = 0, 1, 2
"""Indices of the city, market-town and rural CCGs in :data:`CCGS`."""


class RetryError(Exception):
    """A random draw did not give the region we want: draw again (deterministically)."""


@dataclass
class Practice:
    """One generated practice, in BNG metres.

    Attributes
    ----------
    code, name
        ODS-like code (``Z00001``…) and name.
    x, y
        Site in BNG metres (integers held as floats).
    list_size
        Registered patients.
    ccg
        Index of its CCG in :data:`CCGS`.
    town
        The city, town or village it serves: names networks and patches.
    kind
        ``city``, ``town``, ``village``, ``harbour`` or ``island``.
    """

    code: str
    name: str
    x: float
    y: float
    list_size: int
    ccg: int
    town: str
    kind: str


@dataclass
class Region:
    """The drawn region in BNG: CCGs (integer vertices, in :data:`CCGS` order), patches, practices.

    Attributes
    ----------
    ccgs
        One polygon per CCG; the rural one holds the island as a second part.
    stp
        The union of the CCGs.
    island
        The island's polygon (a part of the rural CCG).
    patches, patch_names
        Nursing patches (covering the STP) and their names.
    practices
        The practices, in code order.
    """

    ccgs: list[BaseGeometry]
    stp: BaseGeometry
    island: BaseGeometry
    patches: list[BaseGeometry]
    patch_names: list[str]
    practices: list[Practice] = field(default_factory=list)
