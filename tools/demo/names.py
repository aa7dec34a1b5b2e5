"""Names in the demo region: places, practices and nursing patches.

Every name is invented; practice names are drawn from the generator's random stream, so
they change with the seed and stay unique within a region.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from tools.demo.model import Region, RetryError

__all__ = [
    "CITY_NAME",
    "DISTRICTS",
    "HARBOUR",
    "ISLAND",
    "MARKET_TOWNS",
    "RURAL_TOWNS",
    "VILLAGES",
    "PracticeNames",
    "patch_code",
    "patch_names",
]

CITY_NAME = "Wexbridge"
"""The city of the city CCG."""
MARKET_TOWNS = ("Aldermoor", "Brackenford", "Hollinbury", "Thornleigh", "Quenby Market")
"""The market-town CCG's five towns, largest first."""
RURAL_TOWNS = ("Fenwold", "Saltcote")
"""The rural CCG's two small towns."""
HARBOUR = "Holmsend"
"""The harbour town facing the island."""
ISLAND = "Isle of Holm"
"""The island off the rural CCG's coast."""
VILLAGES = (
    "Little Haddon", "Upper Wyke", "Kelsey St Mary", "Ormsby Cross", "Fennick", "Lower Brantwood",
    "Coldharbour End", "Wilmersham", "Ashby Parva", "Stoke Denley", "Harrowden Green",
    "Yarlingford", "Marsh Baldon End", "Cottisford Heath", "Swanby", "Great Tellow",
    "Pelham Rise", "Nether Oakby", "Whitmore Fen", "Dunstall Magna", "Ebbingworth",
    "Hatherstone", "Crowle Bridge", "Sedgecombe",
)  # fmt: skip
"""Village names, drawn in a random order."""
DISTRICTS = (
    "Northgate", "Kingsholm", "Eastfield", "Riverside", "Southmead", "Bramley", "Westcliffe",
    "Hatherley", "Millbrook", "St Anne's", "Parkfields", "Canal Quarter", "Oldbury Hill",
    "Ferncroft", "Abbeymead", "Longlevens", "Tuffley Vale", "Barton Heath", "Greyfriars",
    "Sandhurst", "Hucclecote Park", "Elmore",
)  # fmt: skip
"""City districts: name city practices and networks."""
_STREETS = (
    "Market Street", "Church Lane", "High Street", "Station Road", "Mill Lane", "Victoria Road",
    "Queens Road", "Park Road", "London Road", "Albert Road", "Bridge Street", "King Street",
    "North Road", "Castle Street", "Abbey Road", "Chapel Street", "West Street", "Grove Road",
    "Manor Road", "Sheep Street", "Priory Road", "Wellington Road", "Vicarage Lane",
    "Oxford Road", "Cromwell Road", "Southgate",
)  # fmt: skip
_FEATURES = (
    "Riverside", "Parkside", "Hillview", "Beechwood", "Oakfield", "Willow Tree", "Meadowbank",
    "The Old Mill", "Brookside", "Orchard", "Lakeside", "Greenway", "Cedar House", "Elmwood",
    "Hawthorn", "Ivy Grove", "Larkfield", "Fernhill", "Springfield", "Woodlands", "Valley",
    "Castle Mead", "St Anne's", "St John's", "St Mark's", "Priory", "Abbey", "Crown",
    "Rosemead", "Kingsway", "Heathfield", "Bellevue", "Rowan Tree", "Highfield", "Westgate",
)  # fmt: skip
_SURNAMES = (
    "Patel", "Okafor", "Shah", "Hughes", "Khan", "Williams", "Chen", "O'Brien", "Nowak",
    "Begum", "Evans", "Ahmed", "Murphy", "Davies", "Singh", "Thompson", "Mensah", "Ali",
    "Roberts", "Clarke", "Kaur", "Osei", "Fraser", "Lewis", "Hussain", "Kowalski",
)  # fmt: skip
_SUFFIXES = (
    "Surgery", "Medical Centre", "Medical Practice", "Health Centre", "Family Practice",
    "Group Practice",
)  # fmt: skip


class PracticeNames:
    """Plausible, varied and unique practice names."""

    def __init__(self, rng: np.random.Generator) -> None:
        """Draw names from ``rng``; the generator's stream, so names follow the seed."""
        self.rng = rng
        self.used: set[str] = set()
        self.health_centre = ""

    def _pick(self, options: Sequence[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def draw(self, *, town: str, kind: str, health_centre: bool) -> str:
        """Draw a new name for a practice of ``kind`` serving ``town``.

        Parameters
        ----------
        town
            The place it serves.
        kind
            ``city``, ``town``, ``village``, ``harbour`` or ``island``.
        health_centre
            One of the two practices sharing the city's health centre.

        Raises
        ------
        RetryError
            When no unused name turns up in 200 draws.
        """
        if health_centre:
            # Two practices in one building: "X Health Centre" and a partnership inside it.
            if not self.health_centre:
                self.health_centre = f"{self._pick(_FEATURES)} Health Centre"
                return self._unique(lambda: self.health_centre)
            return self._unique(lambda: f"{self._doctor()} at {self.health_centre}")
        if kind in ("village", "island", "harbour"):
            place = town if kind != "island" else "Holm Island"
            return self._unique(
                lambda: self._pick(
                    [
                        f"{place} {self._pick(_SUFFIXES[:3])}",
                        f"{place} {self._pick(_SUFFIXES[:3])}",
                        f"The {place} Practice",
                        f"{self._pick(_FEATURES)} Surgery, {place}",
                    ]
                )
            )

        def city_or_town() -> str:
            roll = self.rng.random()
            if roll < 0.3:
                return f"{self._pick(_STREETS)} {self._pick(_SUFFIXES)}"
            if roll < 0.6:
                return f"{self._pick(_FEATURES)} {self._pick(_SUFFIXES)}"
            if roll < 0.75:
                return self._doctor()
            if roll < 0.85:
                return f"The {self._pick(_SURNAMES)} Practice"
            if kind == "city":
                return f"{self._pick(DISTRICTS)} {self._pick(_SUFFIXES)}"
            return f"{town} {self._pick(_SUFFIXES)}"

        return self._unique(city_or_town)

    def _doctor(self) -> str:
        initial = "ABCDEGHJKLMNPRST"[int(self.rng.integers(16))]
        return f"Dr {initial} {self._pick(_SURNAMES)} & Partners"

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RetryError


def patch_code(index: int) -> str:
    """Return the code of the patch at ``index``: ``NP01``, ``NP02``, and so on."""
    return f"NP{index + 1:02d}"


def patch_names(region: Region, seeds: NDArray[np.float64]) -> list[str]:
    """Name each patch after the town nearest its team base.

    Raises
    ------
    RetryError
        When two patches would share a name.
    """
    towns: dict[str, list[tuple[float, float]]] = {}
    for p in region.practices:
        if p.kind in ("city", "town", "harbour"):
            towns.setdefault(p.town, []).append((p.x, p.y))
    centres = {t: np.mean(np.array(xy), axis=0) for t, xy in towns.items()}
    city_centre = centres[CITY_NAME]
    names: list[str] = []
    for x, y in seeds:
        town = min(centres, key=lambda t: (math.dist(centres[t], (x, y)), t))
        if town == CITY_NAME:
            names.append(f"{CITY_NAME} {_compass(x - city_centre[0], y - city_centre[1])}")
        elif f"{town} and District" in names:
            names.append(f"{town} Rural")
        else:
            names.append(f"{town} and District")
    if len(set(names)) != len(names):
        raise RetryError
    return names


def _compass(dx: float, dy: float) -> str:
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return (
        "East",
        "North East",
        "North",
        "North West",
        "West",
        "South West",
        "South",
        "South East",
    )[int(((angle + 22.5) % 360) // 45)]
