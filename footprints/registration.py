"""Registration geography: where each practice's patients live (DESIGN.md).

NHS Digital publishes, each quarter, ``n(i, l)``: how many patients of practice ``i`` live in
LSOA ``l``. Given it, with LSOA polygons and population-weighted centroids, a practice's
*catchment* is its LSOAs with their counts and its *core* the fewest LSOAs (largest counts
first) holding at least half its patients. Two practices are adjacent when their cores share
an LSOA or hold two LSOAs whose polygons share a border. Under a plan, a network's
*territory* is the LSOAs where it holds the most registered patients; its *containment* the
share of its patients living there; its territory is *contiguous* when the largest connected
part holds at least :data:`TERRITORY_TOLERANCE` of its patients living in the territory.
Compactness is the root-mean-square distance from patients' homes to their network's
patient-weighted centre of homes, and patch alignment counts patients' homes.

Everything here works on arrays indexed by LSOA and by practice, so that a whole region's
territories are a few grouped sums (no geometry except for adjacency and map footprints).
Coordinates are British National Grid metres.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from footprints.crs import BNG
from footprints.geography import PATCH_SHARE, TERRITORY_TOLERANCE, Geography
from footprints.graph import link_islands

__all__ = [
    "ADJACENCY_GAP_M",
    "PATCH_SHARE",
    "REGISTRATION_TOLERANCE",
    "TERRITORY_TOLERANCE",
    "Geography",
    "HomeMoments",
    "Homes",
    "Lsoas",
    "Territories",
    "TerritoryPart",
]

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

ADJACENCY_GAP_M = 2.0
"""Largest gap (metres) between two LSOA polygons that still makes them neighbours.

Published generalised polygons do not always share exact vertices; each polygon is grown
by half this distance before testing whether two intersect.
"""

REGISTRATION_TOLERANCE = 0.02
"""Largest share by which a practice's registered patients may differ from its list size
before the difference is reported."""


# --------------------------------------------------------------------------- LSOAs


@dataclass(frozen=True, eq=False)
class Lsoas:
    """The small areas patients are counted in: codes, centroids and adjacency.

    Parameters
    ----------
    codes
        LSOA codes, unique, in a fixed order (the index every array here uses).
    x, y
        Population-weighted centroids in British National Grid metres.
    edges
        ``(a, b)`` index pairs of neighbouring LSOAs, ``a < b``.
    geometry
        The polygons (EPSG:27700), for map footprints; ``None`` when only centroids and
        adjacency are known (tests).
    """

    codes: npt.NDArray[np.object_]
    x: FloatArray
    y: FloatArray
    edges: tuple[IntArray, IntArray]
    geometry: gpd.GeoSeries | None = None

    def __len__(self) -> int:
        """Return the number of LSOAs."""
        return len(self.codes)

    @cached_property
    def index(self) -> dict[str, int]:
        """LSOA code → position."""
        return {str(code): i for i, code in enumerate(self.codes)}

    @cached_property
    def neighbours(self) -> tuple[IntArray, IntArray]:
        """Adjacency in compressed form: ``(offsets, targets)``, both directions."""
        a, b = self.edges
        source = np.concatenate([a, b])
        target = np.concatenate([b, a])
        order = np.lexsort((target, source))
        counts = np.bincount(source, minlength=len(self))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return offsets, target[order].astype(np.int64)

    def positions(self, codes: Iterable[object]) -> IntArray:
        """Positions of ``codes`` (``-1`` for codes not among the LSOAs)."""
        index = self.index
        return np.fromiter((index.get(str(c), -1) for c in codes), np.int64)

    @classmethod
    def from_polygons(
        cls,
        polygons: gpd.GeoDataFrame,
        *,
        code_column: str = "code",
        centroids: pd.DataFrame | None = None,
        gap_m: float = ADJACENCY_GAP_M,
    ) -> Lsoas:
        """LSOAs from a polygon layer, with centroids from ``centroids`` where given.

        Parameters
        ----------
        polygons
            One row per LSOA: ``code_column`` and a polygon geometry (any CRS).
        code_column
            The column holding the LSOA code.
        centroids
            Optional table with ``code``, ``x``, ``y`` (BNG metres): population-weighted
            centroids. LSOAs missing from it take a point inside their polygon.
        gap_m
            Largest gap between polygons that still counts as a shared border.

        Returns
        -------
        Lsoas
            Sorted by code.
        """
        frame = polygons.to_crs(BNG) if polygons.crs is not None else polygons.set_crs(BNG)
        frame = frame.sort_values(code_column, kind="stable").reset_index(drop=True)
        codes = frame[code_column].astype(str).to_numpy(dtype=object)
        geometry = frame.geometry.values
        points = shapely.point_on_surface(geometry)
        x = shapely.get_x(points).astype(np.float64)
        y = shapely.get_y(points).astype(np.float64)
        if centroids is not None and len(centroids):
            given = centroids.set_index(centroids["code"].astype(str))
            position = given.index.get_indexer(codes)
            found = position >= 0
            x[found] = given["x"].to_numpy(np.float64)[position[found]]
            y[found] = given["y"].to_numpy(np.float64)[position[found]]
        grown = shapely.buffer(geometry, gap_m / 2.0)
        a, b = shapely.STRtree(grown).query(grown, predicate="intersects")
        keep = a < b
        edges = (a[keep].astype(np.int64), b[keep].astype(np.int64))
        series = gpd.GeoSeries(geometry, crs=BNG)
        return cls(codes, x, y, edges, series)


# --------------------------------------------------------------------------- homes


@dataclass(frozen=True)
class HomeMoments:
    """Per-practice sums over patients' homes, which add up over a network's practices.

    ``patients`` is ``Σ n``; ``sum_x``, ``sum_y`` are ``Σ n·x`` and ``Σ n·y`` (km, about
    the region's mean home so that squares stay small); ``sum_sq`` is ``Σ n·(x² + y²)``
    (km²). For a network the root-mean-square distance of homes to their centre is
    ``sqrt(sum_sq/P − (sum_x/P)² − (sum_y/P)²)`` with ``P`` its patients.
    """

    patients: FloatArray
    sum_x: FloatArray
    sum_y: FloatArray
    sum_sq: FloatArray
    origin: tuple[float, float]


def rms_distance_km(patients: float, sum_x: float, sum_y: float, sum_sq: float) -> float:
    """Root-mean-square distance (km) of homes from their weighted centre, from moments."""
    if patients <= 0:
        return 0.0
    variance = sum_sq / patients - (sum_x / patients) ** 2 - (sum_y / patients) ** 2
    return math.sqrt(max(0.0, variance))


@dataclass(frozen=True)
class TerritoryPart:
    """One connected piece of a network's territory."""

    lsoas: tuple[str, ...]
    patients: int


@dataclass(frozen=True)
class Territories:
    """A plan's networks on the map of homes.

    Parameters
    ----------
    lsoa_network
        Per LSOA (in :class:`Lsoas` order): the network whose territory it is, or ``None``
        where no practice of the plan has patients.
    patients
        Network → its registered patients (over every LSOA, England only).
    in_territory
        Network → its patients living in its own territory.
    parts
        Network → the connected parts of its territory, largest (by its patients) first.
    """

    lsoa_network: npt.NDArray[np.object_]
    patients: Mapping[str, int]
    in_territory: Mapping[str, int]
    parts: Mapping[str, tuple[TerritoryPart, ...]]

    def containment(self, network: str) -> float:
        """Share of the network's patients living in its own territory (0 when none)."""
        total = self.patients.get(network, 0)
        return self.in_territory.get(network, 0) / total if total else 0.0

    def region_containment(self) -> float:
        """Containment of the whole plan: patients in their network's territory, over all."""
        total = sum(self.patients.values())
        return sum(self.in_territory.values()) / total if total else 0.0

    def contiguous(self, network: str, tolerance: float = TERRITORY_TOLERANCE) -> bool:
        """Whether the largest part holds ``tolerance`` of the patients in the territory."""
        parts = self.parts.get(network, ())
        held = sum(part.patients for part in parts)
        return not parts or parts[0].patients >= tolerance * held


@dataclass(eq=False)
class Homes:
    """Where each practice's patients live, for the practices of one region.

    Parameters
    ----------
    lsoas
        The LSOA layer every index refers to.
    practices
        Practice codes, the order of every per-practice array.
    offsets, lsoa, count
        ``n(i, l)`` by practice: practice ``i``'s rows are ``offsets[i]:offsets[i+1]``,
        sorted by count (largest first), then LSOA code.
    fallback
        Practices with no registrations, whose rows come from their Voronoi catchment.
    """

    lsoas: Lsoas
    practices: tuple[str, ...]
    offsets: IntArray
    lsoa: IntArray
    count: IntArray
    fallback: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_counts(
        cls,
        lsoas: Lsoas,
        counts: pd.DataFrame,
        *,
        practices: Sequence[str] | None = None,
        fallback: Iterable[str] = (),
    ) -> Homes:
        """Build from a table of ``practice``, ``lsoa`` (code), ``patients``.

        Rows whose LSOA is not in ``lsoas`` or whose practice is not in ``practices`` are
        left out; repeated (practice, LSOA) rows are added together.
        """
        codes = (
            list(dict.fromkeys(str(p) for p in practices))
            if practices is not None
            else sorted(counts["practice"].astype(str).unique())
        )
        position = {code: i for i, code in enumerate(codes)}
        practice = counts["practice"].astype(str).map(position)
        lsoa = pd.Series(lsoas.positions(counts["lsoa"]), index=counts.index)
        patients = pd.to_numeric(counts["patients"], errors="coerce").fillna(0)
        keep = practice.notna().to_numpy() & (lsoa.to_numpy() >= 0) & (patients.to_numpy() > 0)
        frame = pd.DataFrame(
            {
                "practice": practice.to_numpy()[keep].astype(np.int64),
                "lsoa": lsoa.to_numpy()[keep],
                "count": patients.to_numpy()[keep].astype(np.int64),
            }
        )
        frame = frame.groupby(["practice", "lsoa"], as_index=False, sort=False)["count"].sum()
        frame["code"] = lsoas.codes[frame["lsoa"].to_numpy()]
        frame = frame.sort_values(
            ["practice", "count", "code"], ascending=[True, False, True], kind="stable"
        )
        sizes = np.bincount(frame["practice"].to_numpy(), minlength=len(codes))
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return cls(
            lsoas,
            tuple(codes),
            offsets,
            frame["lsoa"].to_numpy(np.int64),
            frame["count"].to_numpy(np.int64),
            frozenset(str(p) for p in fallback),
        )

    # ---- per practice --------------------------------------------------------------------
    @cached_property
    def registered(self) -> IntArray:
        """Per LSOA: the patients of all these practices living in it."""
        counts = np.bincount(self.lsoa, weights=self.count, minlength=len(self.lsoas))
        return np.rint(counts).astype(np.int64)

    @cached_property
    def index(self) -> dict[str, int]:
        """Practice code → position."""
        return {code: i for i, code in enumerate(self.practices)}

    @cached_property
    def owner(self) -> IntArray:
        """The practice of every row."""
        return np.repeat(np.arange(len(self.practices), dtype=np.int64), np.diff(self.offsets))

    @cached_property
    def patients(self) -> IntArray:
        """Registered patients of each practice (England LSOAs only)."""
        return np.bincount(self.owner, weights=self.count, minlength=len(self.practices)).astype(
            np.int64
        )

    @cached_property
    def core_mask(self) -> BoolArray:
        """Per row: whether the LSOA is in its practice's core.

        The core is the fewest LSOAs, largest counts first, holding at least half the
        practice's patients.
        """
        if not len(self.count):
            return np.zeros(0, dtype=bool)
        cumulative = np.cumsum(self.count)
        base = np.concatenate([[0], cumulative])[self.offsets[:-1]]  # before each practice
        before = cumulative - self.count - base[self.owner]  # its patients in earlier rows
        half = self.patients[self.owner] / 2.0
        return np.asarray(before < half, dtype=bool)

    def catchment(self, practice: str) -> dict[str, int]:
        """Return the practice's LSOAs and patients, largest first."""
        i = self.index[practice]
        rows = slice(self.offsets[i], self.offsets[i + 1])
        return {
            str(self.lsoas.codes[area]): int(n)
            for area, n in zip(self.lsoa[rows], self.count[rows], strict=True)
        }

    def core(self, practice: str) -> list[str]:
        """Return the practice's core LSOAs, largest count first."""
        i = self.index[practice]
        rows = np.arange(self.offsets[i], self.offsets[i + 1])
        return [str(self.lsoas.codes[area]) for area in self.lsoa[rows[self.core_mask[rows]]]]

    def moments(self) -> HomeMoments:
        """Per-practice home moments (km), about the mean home of these practices."""
        x = self.lsoas.x[self.lsoa] / 1000.0
        y = self.lsoas.y[self.lsoa] / 1000.0
        n = self.count.astype(np.float64)
        total = float(n.sum())
        origin = (float((n * x).sum() / total), float((n * y).sum() / total)) if total else (0, 0)
        x = x - origin[0]
        y = y - origin[1]
        return HomeMoments(
            patients=self.per_practice(n),
            sum_x=self.per_practice(n * x),
            sum_y=self.per_practice(n * y),
            sum_sq=self.per_practice(n * (x * x + y * y)),
            origin=origin,
        )

    def per_practice(self, values: FloatArray) -> FloatArray:
        """Sum per-row ``values`` by practice."""
        summed = np.bincount(self.owner, weights=values, minlength=len(self.practices))
        return np.asarray(summed, np.float64)

    # ---- adjacency -----------------------------------------------------------------------
    def adjacent_pairs(self, practices: Iterable[str]) -> list[tuple[str, str]]:
        """Pairs of ``practices`` whose cores share an LSOA or two neighbouring LSOAs.

        Returns
        -------
        list of (str, str)
            Each pair once, ``a < b``, sorted.
        """
        chosen = np.asarray(sorted({self.index[p] for p in practices if p in self.index}))
        if len(chosen) < 2:
            return []
        rows = np.isin(self.owner, chosen) & self.core_mask
        core_practice = self.owner[rows]
        core_lsoa = self.lsoa[rows]
        offsets, targets = self.lsoas.neighbours
        degree = offsets[core_lsoa + 1] - offsets[core_lsoa]
        reach_practice = np.concatenate([core_practice, np.repeat(core_practice, degree)])
        starts = np.repeat(offsets[core_lsoa], degree)
        within = np.arange(int(degree.sum())) - np.repeat(np.cumsum(degree) - degree, degree)
        reach_lsoa = np.concatenate([core_lsoa, targets[starts + within]])
        reach = pd.DataFrame({"a": reach_practice, "lsoa": reach_lsoa}).drop_duplicates()
        cores = pd.DataFrame({"b": core_practice, "lsoa": core_lsoa})
        pairs = reach.merge(cores, on="lsoa")[["a", "b"]]
        pairs = pairs[pairs["a"] < pairs["b"]].drop_duplicates().sort_values(["a", "b"])
        names = self.practices
        return [(names[a], names[b]) for a, b in pairs.itertuples(index=False)]

    # ---- plans ---------------------------------------------------------------------------
    def territories(
        self, assignment: Mapping[str, str], *, sizes: Mapping[str, int] | None = None
    ) -> Territories:
        """Each network's territory, patients in it, and its connected parts.

        Parameters
        ----------
        assignment
            Practice → network; practices not here (or without registrations) count for
            no network.
        sizes
            Network → population used to break ties (the larger network wins an LSOA
            whose count is tied, then the lower id); default: registered patients.
        """
        network_of = np.full(len(self.practices), -1, np.int64)
        names = sorted({str(n) for p, n in assignment.items() if p in self.index})
        number = {name: k for k, name in enumerate(names)}
        for practice, network in assignment.items():
            i = self.index.get(practice)
            if i is not None:
                network_of[i] = number[str(network)]
        rows = network_of[self.owner] >= 0
        frame = pd.DataFrame(
            {"lsoa": self.lsoa[rows], "net": network_of[self.owner[rows]], "n": self.count[rows]}
        )
        per = frame.groupby(["lsoa", "net"], as_index=False, sort=False)["n"].sum()
        patients = np.bincount(per["net"], weights=per["n"], minlength=len(names)).astype(np.int64)
        tie = np.asarray(
            [(sizes or {}).get(name, patients[k]) for k, name in enumerate(names)], np.int64
        )
        per["size"] = tie[per["net"].to_numpy()]
        per = per.sort_values(
            ["lsoa", "n", "size", "net"], ascending=[True, False, False, True], kind="stable"
        )
        winners = per.drop_duplicates("lsoa")
        owner_of = np.full(len(self.lsoas), -1, np.int64)
        owner_of[winners["lsoa"].to_numpy()] = winners["net"].to_numpy()
        own = winners  # the winner's patients in each LSOA it wins
        in_territory = np.bincount(own["net"], weights=own["n"], minlength=len(names))
        parts = self._parts(owner_of, own, names)
        lsoa_network = np.full(len(self.lsoas), None, dtype=object)
        won = owner_of >= 0
        lsoa_network[won] = np.asarray(names, dtype=object)[owner_of[won]]
        return Territories(
            lsoa_network=lsoa_network,
            patients={name: int(patients[k]) for k, name in enumerate(names)},
            in_territory={name: int(in_territory[k]) for k, name in enumerate(names)},
            parts=parts,
        )

    def _parts(
        self, owner_of: IntArray, own: pd.DataFrame, names: list[str]
    ) -> dict[str, tuple[TerritoryPart, ...]]:
        """Split every territory into its connected parts (LSOA adjacency)."""
        a, b = self.lsoas.edges
        same = (owner_of[a] >= 0) & (owner_of[a] == owner_of[b])
        graph = nx.Graph()
        graph.add_nodes_from(np.flatnonzero(owner_of >= 0).tolist())
        graph.add_edges_from(zip(a[same].tolist(), b[same].tolist(), strict=True))
        held = np.zeros(len(self.lsoas), np.int64)
        held[own["lsoa"].to_numpy()] = own["n"].to_numpy()
        found: dict[int, list[TerritoryPart]] = {}
        codes = self.lsoas.codes
        for component in nx.connected_components(graph):
            members = np.fromiter(component, np.int64)
            net = int(owner_of[members[0]])
            part = TerritoryPart(
                tuple(sorted(str(codes[m]) for m in members)), int(held[members].sum())
            )
            found.setdefault(net, []).append(part)
        return {
            names[net]: tuple(sorted(parts, key=lambda p: (-p.patients, p.lsoas)))
            for net, parts in sorted(found.items())
        }

    def compactness(self, assignment: Mapping[str, str]) -> dict[str, float]:
        """Network → RMS distance (km) of its patients' homes from their centre."""
        moments = self.moments()
        totals: dict[str, list[float]] = {}
        for practice, network in assignment.items():
            i = self.index.get(practice)
            if i is None:
                continue
            total = totals.setdefault(str(network), [0.0, 0.0, 0.0, 0.0])
            total[0] += moments.patients[i]
            total[1] += moments.sum_x[i]
            total[2] += moments.sum_y[i]
            total[3] += moments.sum_sq[i]
        return {network: rms_distance_km(*totals[network]) for network in sorted(totals)}

    def patch_counts(self, lsoa_patch: Sequence[str | None]) -> dict[str, dict[str, int]]:
        """Practice → patch → its patients living in that patch (homes with a patch only)."""
        labels = np.asarray(lsoa_patch, dtype=object)
        patch = labels[self.lsoa]
        has = np.asarray([p is not None for p in patch], dtype=bool)
        frame = pd.DataFrame(
            {"practice": self.owner[has], "patch": patch[has], "n": self.count[has]}
        )
        out: dict[str, dict[str, int]] = {}
        for (practice, name), n in frame.groupby(["practice", "patch"])["n"].sum().items():
            out.setdefault(self.practices[int(practice)], {})[str(name)] = int(n)
        return out


def lsoa_patches(lsoas: Lsoas, patches: gpd.GeoDataFrame | None) -> list[str | None]:
    """Return the patch containing each LSOA's centroid (``None`` outside every patch).

    Parameters
    ----------
    lsoas
        The LSOA layer.
    patches
        Canonical patches (``patch``, geometry, EPSG:27700), or ``None``.
    """
    if patches is None or not len(patches):
        return [None] * len(lsoas)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lsoas.x, lsoas.y), crs=BNG)
    joined = gpd.sjoin(points, patches[["patch", "geometry"]].to_crs(BNG), predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    labels: list[str | None] = [None] * len(lsoas)
    for position, patch in joined["patch"].items():
        labels[int(position)] = str(patch)
    return labels


# --------------------------------------------------------------------------- practices' homes


def fallback_counts(
    practices: gpd.GeoDataFrame, catchments: gpd.GeoDataFrame, lsoas: Lsoas
) -> pd.DataFrame:
    """Where practices with no registrations are taken to draw their patients from.

    Each practice's list size is spread evenly (largest remainders first) over the LSOAs
    whose centroid lies in its Voronoi catchment; a catchment holding no centroid gives the
    LSOA with the centroid nearest the surgery.

    Parameters
    ----------
    practices
        ``code``, ``list_size`` and a point geometry (EPSG:27700) of the practices concerned.
    catchments
        ``code`` and catchment polygons (EPSG:27700), as :func:`footprints.graph.build_graphs`
        returns them.
    lsoas
        The LSOA layer.

    Returns
    -------
    pandas.DataFrame
        ``practice``, ``lsoa`` (code), ``patients``.
    """
    columns = ["practice", "lsoa", "patients"]
    if not len(practices) or not len(lsoas):
        return pd.DataFrame({c: [] for c in columns})
    codes = practices["code"].astype(str).tolist()
    cells = catchments.set_index(catchments["code"].astype(str)).geometry
    points = shapely.points(lsoas.x, lsoas.y)
    tree = shapely.STRtree(points)
    sizes = pd.to_numeric(practices["list_size"], errors="coerce").fillna(0).astype(np.int64)
    sites = practices.geometry.values
    rows: list[tuple[str, str, int]] = []
    for code, size, site in zip(codes, sizes.tolist(), sites, strict=True):
        cell = cells.get(code)
        inside = (
            tree.query(cell, predicate="contains_properly") if cell is not None else np.zeros(0)
        )
        if not len(inside):
            inside = np.asarray([tree.nearest(site)])
        inside = np.sort(np.asarray(inside, np.int64))
        share, extra = divmod(int(size), len(inside))
        for k, position in enumerate(inside):
            patients = share + (1 if k < extra else 0)
            if patients:
                rows.append((code, str(lsoas.codes[position]), patients))
    return pd.DataFrame(rows, columns=columns)


def home_attributes(homes: Homes, lsoa_patch: Sequence[str | None] | None = None) -> pd.DataFrame:
    """Per practice, the node attributes of registration geography (DESIGN.md).

    Returns
    -------
    pandas.DataFrame
        Indexed by practice code: ``home_patients``, ``home_x``, ``home_y`` (BNG metres),
        ``home_spread`` (m²), ``home_patches`` (dict patch → patients) and
        ``home_fallback``.
    """
    n = homes.count.astype(np.float64)
    x = homes.lsoas.x[homes.lsoa]
    y = homes.lsoas.y[homes.lsoa]
    patients = homes.per_practice(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x = homes.per_practice(n * x) / patients
        mean_y = homes.per_practice(n * y) / patients
        dx = x - mean_x[homes.owner]
        dy = y - mean_y[homes.owner]
        spread = homes.per_practice(n * (dx * dx + dy * dy)) / patients
    empty = patients <= 0
    mean_x[empty] = np.nan
    mean_y[empty] = np.nan
    spread[empty] = 0.0
    patches = homes.patch_counts(lsoa_patch) if lsoa_patch is not None else {}
    return pd.DataFrame(
        {
            "home_patients": patients.astype(np.int64),
            "home_x": mean_x,
            "home_y": mean_y,
            "home_spread": spread,
            "home_patches": [dict(patches.get(code, {})) for code in homes.practices],
            "home_fallback": [code in homes.fallback for code in homes.practices],
        },
        index=list(homes.practices),
    )


def patch_residents(
    homes: Homes, lsoa_patch: Sequence[str | None], others: pd.DataFrame | None = None
) -> dict[str, int]:
    """Count the registered patients living in each patch (DESIGN.md).

    Parameters
    ----------
    homes
        Where the loaded practices' patients live.
    lsoa_patch
        The patch of each LSOA of ``homes.lsoas`` (``None``: no patch).
    others
        ``lsoa`` (code) and ``patients`` of the registrations file's other practices —
        those not loaded. A patch's residents are all the registered patients living in
        it, so a region of one CCG still judges a far district by its whole population,
        not by the few of its residents registered with the region's practices.
    """
    totals: dict[str, int] = {}
    for counts in homes.patch_counts(lsoa_patch).values():
        for patch, n in counts.items():
            totals[patch] = totals.get(patch, 0) + n
    if others is not None and len(others):
        by_lsoa = others.groupby("lsoa")["patients"].sum()
        position = homes.lsoas.positions(by_lsoa.index)
        labels = np.asarray(lsoa_patch, dtype=object)
        for i, n in zip(position, by_lsoa.to_numpy(), strict=True):
            label = labels[i] if i >= 0 else None
            if label is not None:
                totals[str(label)] = totals.get(str(label), 0) + int(n)
    return dict(sorted(totals.items()))


def catchment_arrays(
    homes: Homes, practices: Iterable[str]
) -> tuple[dict[str, tuple[IntArray, IntArray]], dict[int, int], IntArray]:
    """Give some practices' catchments as arrays, with the patients registered in each LSOA.

    Returns
    -------
    rows, registered, edges
        Practice → (its LSOAs as positions in ``homes.lsoas``, increasing; its patients in
        each), for the practices with registered patients; LSOA position → the patients
        living in it registered at any of the homes' practices (the whole region's, not only
        these), for every LSOA named in ``rows``; and the pairs of those LSOAs that are
        neighbours, as an ``(m, 2)`` array (smaller position first).
    """
    found: dict[str, tuple[IntArray, IntArray]] = {}
    named: list[IntArray] = []
    for practice in practices:
        i = homes.index.get(practice)
        if i is None or homes.offsets[i] == homes.offsets[i + 1]:
            continue
        block = slice(homes.offsets[i], homes.offsets[i + 1])
        order = np.argsort(homes.lsoa[block], kind="stable")
        found[practice] = (homes.lsoa[block][order], homes.count[block][order])
        named.append(found[practice][0])
    lsoas = np.unique(np.concatenate(named)) if named else np.zeros(0, np.int64)
    a, b = homes.lsoas.edges
    inside = np.zeros(len(homes.lsoas), dtype=bool)
    inside[lsoas] = True
    both = inside[a] & inside[b]
    edges = np.stack([np.minimum(a[both], b[both]), np.maximum(a[both], b[both])], axis=1)
    registered = dict(zip(lsoas.tolist(), homes.registered[lsoas].tolist(), strict=True))
    return found, registered, edges


def home_graph(
    graph: nx.Graph, homes: Homes, attributes: pd.DataFrame, residents: Mapping[str, int]
) -> nx.Graph:
    """Rebuild an area's Voronoi graph on registration geography.

    Nodes keep their attributes and gain the home attributes, and their catchments as
    ``home_lsoas`` and ``home_lsoa_patients`` (:func:`catchment_arrays`; the graph gains
    ``lsoa_registered`` and ``lsoa_edges``); edges join practices whose cores share or touch
    (``kind="homes"``); parts with no such link are joined by their nearest home centres
    (``kind="island"``, counted in ``island_links``).
    """
    area = nx.Graph(**{**graph.graph, "geography": "registrations"})
    area.graph["patch_residents"] = dict(residents)
    codes = sorted(str(node) for node in graph.nodes)
    rows, area.graph["lsoa_registered"], area.graph["lsoa_edges"] = catchment_arrays(homes, codes)
    empty = np.zeros(0, np.int64)
    for code in codes:
        data = dict(graph.nodes[code])
        if code in attributes.index:
            data.update(attributes.loc[code].to_dict())
        lsoas, patients = rows.get(code, (empty, empty))
        area.add_node(code, **data, home_lsoas=lsoas, home_lsoa_patients=patients)
    area.add_edges_from(
        (a, b, {"kind": "homes", "border_m": 0.0}) for a, b in homes.adjacent_pairs(codes)
    )
    centres = np.asarray(
        [
            (
                (area.nodes[c]["home_x"], area.nodes[c]["home_y"])
                if np.isfinite(area.nodes[c].get("home_x", np.nan))
                else (area.nodes[c]["x"], area.nodes[c]["y"])
            )
            for c in codes
        ],
        dtype=np.float64,
    ).reshape(-1, 2)
    area.graph["island_links"] = link_islands(area, codes, centres) if codes else 0
    return area


def cross_area_pairs(
    homes: Homes, area_of: Mapping[str, str]
) -> list[tuple[str, str, dict[str, object]]]:
    """Home-adjacent practices of different areas, as ``kind="area_border"`` edges."""
    pairs = homes.adjacent_pairs(area_of)
    return [
        (a, b, {"kind": "area_border", "border_m": 0.0})
        for a, b in pairs
        if area_of.get(a) != area_of.get(b)
    ]
