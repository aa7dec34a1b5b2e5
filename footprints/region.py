"""A region: the loaded inputs of one planning exercise, and the graphs built from them.

``load_region`` reads the practices, the planning-area boundaries, the nursing patches and a
current plan, places every practice in its areas (reporting every problem at once), and
builds the catchments and adjacency graphs on first use.

National files are cut to the practices loaded (:func:`scope_to_practices`): a region keeps
only the CCGs and STPs its practices are placed in and the patches they (or, under
registration geography, their patients' homes) lie in, and a current plan covering a wider
area is cut to the loaded practices with one warning giving the count.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, ParamSpec

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from footprints.areas import place_practices
from footprints.errors import InputError, Problem, collected_warnings
from footprints.graph import build_graphs, union_graph
from footprints.io import read_boundaries, read_patches, read_plan, read_practices
from footprints.io.registrations import (
    Registrations,
    read_lsoa_boundaries,
    read_lsoa_centroids,
    read_lsoa_registrations,
    registration_problems,
)
from footprints.io.tables import _require_path
from footprints.plan import Plan
from footprints.registration import (
    REGISTRATION_TOLERANCE,
    Geography,
    Homes,
    Lsoas,
    cross_area_pairs,
    fallback_counts,
    home_attributes,
    home_graph,
    lsoa_patches,
    patch_residents,
)

__all__ = [
    "REGION_OPTIONS",
    "Region",
    "load_region",
    "load_region_from",
    "read_lsoa_layer",
    "restrict_plan",
    "scope_to_practices",
]

logger = logging.getLogger(__name__)

_SLIVER_SHARE = 0.1
"""Share of a patch's area below which its overlap with a CCG is only the generalised edge."""


@dataclass
class Region:
    """Practices placed in their planning areas, with boundaries, patches and a current plan.

    Graphs are built on first use: ``ccg_graphs`` (the optimiser's planning areas) and
    ``validation_graph`` (those joined across area borders, for whole-region validation).
    """

    practices: gpd.GeoDataFrame
    ccgs: gpd.GeoDataFrame
    stps: gpd.GeoDataFrame | None = None
    patches: gpd.GeoDataFrame | None = None
    current: Plan | None = None
    problems: list[Problem] = field(default_factory=list)
    name: str = "region"
    registrations: Registrations | None = None
    lsoas: Lsoas | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    """What the input files held beyond the practices loaded, by kind (``"CCGs"``,
    ``"STPs"``, ``"patches"``, ``"plan practices"``): counts cut away when loading."""

    @property
    def geography(self) -> Geography:
        """``"registrations"`` when patients' homes are known, else ``"voronoi"``."""
        return "registrations" if self.homes is not None else "voronoi"

    def geography_text(self) -> str:
        """Say which geography the region's rules, measures and maps use, in a few words."""
        homes = self.homes
        if homes is None:
            return "geography: Voronoi catchments of surgery sites (no registrations file)"
        fallback = len(homes.fallback)
        source = self.registrations.source if self.registrations is not None else "registrations"
        return (
            f"geography: where patients live ({Path(source).name}"
            + (
                f"; {fallback:,} practice{'s' if fallback != 1 else ''} on the Voronoi fallback"
                if fallback
                else ""
            )
            + ")"
        )

    @cached_property
    def _voronoi(self) -> tuple[dict[str, nx.Graph], gpd.GeoDataFrame]:
        return build_graphs(self.practices, self.ccgs, level="ccg")

    @cached_property
    def homes(self) -> Homes | None:
        """Where each practice's patients live (``None`` without a registrations file).

        Practices missing from the file are given the Voronoi fallback: their list size
        spread over the LSOAs whose centroids lie in their Voronoi catchment.
        """
        if self.registrations is None or self.lsoas is None:
            return None
        codes = self.practice_codes()
        counts = self.registrations.counts
        counts = counts[counts["practice"].isin(set(codes))]
        placed = self.lsoas.positions(counts["lsoa"]) >= 0
        known = set(counts.loc[placed, "practice"])  # a practice with no patient placed falls back
        missing = self.practices[~self.practices["code"].astype(str).isin(known)]
        extra = fallback_counts(missing, self.catchments, self.lsoas)
        homes = Homes.from_counts(
            self.lsoas,
            pd.concat([counts, extra], ignore_index=True),
            practices=codes,
            fallback=missing["code"].astype(str),
        )
        logger.info(
            "homes of %d practices in %d LSOAs (%d with the Voronoi fallback)",
            len(codes),
            len(np.unique(homes.lsoa)),
            len(missing),
        )
        return homes

    @cached_property
    def lsoa_patch(self) -> list[str | None] | None:
        """The nursing patch of each LSOA (by its centroid), when homes and patches are known."""
        if self.lsoas is None or self.patches is None:
            return None
        return lsoa_patches(self.lsoas, self.patches)

    @cached_property
    def patch_residents(self) -> dict[str, int]:
        """Patch → the registered patients living in it, of every practice in the file.

        Empty without homes or patches. The registrations file's practices that are not
        loaded count too: a patch's residents are everyone registered who lives there.
        """
        homes, lsoa_patch = self.homes, self.lsoa_patch
        if homes is None or not lsoa_patch or self.registrations is None:
            return {}
        counts = self.registrations.counts
        others = counts[~counts["practice"].isin(set(homes.practices))]
        return patch_residents(homes, lsoa_patch, others)

    @cached_property
    def _ccg_level(self) -> tuple[dict[str, nx.Graph], gpd.GeoDataFrame]:
        graphs, cells = self._voronoi
        homes = self.homes
        if homes is None:
            for graph in graphs.values():
                graph.graph["geography"] = "voronoi"
            return graphs, cells
        attributes = home_attributes(homes, self.lsoa_patch)
        residents = self.patch_residents
        return {
            code: home_graph(graph, homes, attributes, residents) for code, graph in graphs.items()
        }, cells

    @property
    def ccg_graphs(self) -> dict[str, nx.Graph]:
        """Adjacency graph of each lower planning area (CCG / sub-ICB location)."""
        return self._ccg_level[0]

    @property
    def catchments(self) -> gpd.GeoDataFrame:
        """Each practice's Voronoi catchment clipped to its CCG (``code``, ``area``, geometry).

        Under registration geography these remain the fallback catchments of practices
        missing from the registrations file; maps draw territories instead.
        """
        return self._voronoi[1]

    @cached_property
    def upper_boundaries(self) -> gpd.GeoDataFrame:
        """The STP layer, or the CCGs dissolved by their parent STP when none was given."""
        if self.stps is not None:
            return self.stps
        ccgs = self.ccgs
        if "parent" in ccgs and ccgs["parent"].notna().all():
            upper = ccgs.dissolve(by="parent", as_index=False)[["parent", "geometry"]]
            upper = upper.rename(columns={"parent": "code"})
            upper["name"] = upper["code"]
            upper["ods_code"] = None
            upper["parent"] = None
            return upper[["code", "ods_code", "name", "parent", "geometry"]]
        # No upper level known: each CCG is its own upper area.
        return ccgs

    @cached_property
    def validation_graph(self) -> nx.Graph:
        """The graph whole-region plans are validated on: the union of the CCG graphs.

        Catchments are clipped to their planning area (the CCG), as the optimiser plans on
        them; practices whose catchments meet across a CCG or STP border are linked too, so a
        network crossing one is judged contiguous exactly when its footprint is one piece
        (and is reported as a boundary crossing).
        """
        homes = self.homes
        if homes is None:
            union = union_graph(self.ccg_graphs, catchments=self.catchments)
            union.graph["geography"] = "voronoi"
            return union
        union = union_graph(self.ccg_graphs)
        area_of = {str(code): str(node["ccg"]) for code, node in union.nodes(data=True)}
        linked = cross_area_pairs(homes, area_of)
        union.add_edges_from(linked)
        union.graph.update(
            geography="registrations",
            homes=homes,
            area_border_links=len(linked),
            patch_residents=self.patch_residents,
        )
        return union

    def lower_areas(self, upper: str | None = None) -> list[str]:
        """List the lower planning areas (CCG codes) of an upper area, sorted.

        Parameters
        ----------
        upper
            An upper planning area's code (STP / ICB); ``None`` for the whole region.

        Returns
        -------
        list of str
            Every CCG of the region when ``upper`` is ``None``; otherwise the CCGs its
            practices are placed in (none for a code no practice has).
        """
        if upper is None:
            return sorted(str(code) for code in self.ccgs["code"])
        practices = self.practices
        inside = practices.loc[practices["stp"] == upper, "ccg"].dropna().unique()
        return sorted(str(code) for code in inside)

    def practice_codes(self) -> list[str]:
        """Every practice code, in the order of :attr:`practices`."""
        return [str(code) for code in self.practices["code"]]


_Options = ParamSpec("_Options")


def _with_loader_warnings(load: Callable[_Options, Region]) -> Callable[_Options, Region]:
    """Put the loaders' warnings (a list size of 0, a repeated ePCN row …) in the problems.

    The loaders log them, which the command line prints; the app and scripts read
    :attr:`Region.problems`, which held only the placing and plan warnings.
    """

    @wraps(load)
    def loading(*args: _Options.args, **kwargs: _Options.kwargs) -> Region:
        with collected_warnings() as logged:
            region = load(*args, **kwargs)
        earlier = [p for p in dict.fromkeys(logged) if p not in region.problems]
        region.problems = [*earlier, *region.problems]
        return region

    return loading


@_with_loader_warnings
def load_region(
    practices: str | Path,
    boundaries: str | Path,
    *,
    stp_boundaries: str | Path | None = None,
    patches: str | Path | None = None,
    plan: str | Path | None = None,
    postcodes: str | Path | None = None,
    boundary_code: str | None = None,
    stp_boundary_code: str | None = None,
    patch_code: str | None = None,
    tolerance_m: float = 5_000.0,
    registrations: str | Path | None = None,
    lsoa_boundaries: str | Path | None = None,
    lsoa_centroids: str | Path | None = None,
    lsoa_code: str | None = None,
    registration_tolerance: float = REGISTRATION_TOLERANCE,
    strict_sites: bool = False,
    practice_columns: Mapping[str, str] | None = None,
    lsoa_layer: Lsoas | None = None,
    registrations_read: Registrations | None = None,
) -> Region:
    """Read a region's files, place each practice, and report every problem together.

    Parameters
    ----------
    practices
        Practices CSV (generic format, or a published NHS Digital table the loader reads).
    boundaries
        Lower planning areas (CCG / sub-ICB) in any format pyogrio reads.
    stp_boundaries, patches, plan, postcodes
        Optional STP/ICB layer, nursing patches, current plan and postcode lookup. Without
        a plan, the practices file's network column (``pcn_code`` …), where it has one, is
        the current plan.
    boundary_code, stp_boundary_code, patch_code
        Code columns, when detection is not wanted.
    tolerance_m
        How far outside every polygon a practice may be and still be placed in the nearest.
    registrations, lsoa_boundaries, lsoa_centroids
        NHS Digital's LSOA registrations file with the LSOA polygons (and, optionally, their
        population-weighted centroids; without them a point inside each polygon is used):
        given, every rule, measure and map uses registration geography (DESIGN.md).
    lsoa_code
        The LSOA code column of ``lsoa_boundaries``, when detection is not wanted.
    registration_tolerance
        A practice whose registered patients differ from its list size by more than this
        share is reported.
    strict_sites
        Refuse a practice whose site lies more than
        :data:`~footprints.areas.FAR_SITE_M` (50 km) outside the CCG its row names. By
        default such a far-away practice (a digital-first one) is a warning: it stays in
        its CCG, joined to the area's graph like an island.
    practice_columns
        Field → column of the practices file, where detection is not wanted or cannot choose
        (``{"list_size": "list_size_2021_01_gpreg"}``): :func:`read_practices`' ``columns``.
    lsoa_layer
        The LSOA layer of ``lsoa_boundaries`` (and ``lsoa_centroids``) as
        :func:`read_lsoa_layer` read it before (the app keeps the national layer across
        uploads): those files are then not read again. ``lsoa_boundaries`` is still needed.
    registrations_read
        The ``registrations`` file as :func:`read_lsoa_registrations` read it before (the
        app keeps it across uploads): not read again. ``registrations`` is still needed.
        The warnings of that read are the caller's to report (they are not logged again).

    Raises
    ------
    InputError
        Listing every problem found in the files.
    """
    files = {
        "practices": practices,
        "boundaries": boundaries,
        "stp_boundaries": stp_boundaries,
        "patches": patches,
        "plan": plan,
        "registrations": registrations,
        "lsoa_boundaries": lsoa_boundaries,
        "lsoa_centroids": lsoa_centroids,
    }
    for argument, value in files.items():
        if value is not None:
            _require_path(value, argument, "load_region")
    practice_table = read_practices(practices, postcodes=postcodes, columns=practice_columns)
    ccgs = read_boundaries(boundaries, code_column=boundary_code, level="ccg")
    stps = (
        read_boundaries(stp_boundaries, code_column=stp_boundary_code, level="stp")
        if stp_boundaries is not None
        else None
    )
    patch_layer = read_patches(patches, code_column=patch_code) if patches is not None else None
    placed, problems = place_practices(
        practice_table, ccgs, stps, patch_layer, tolerance_m=tolerance_m, strict_sites=strict_sites
    )
    current = read_plan(plan) if plan is not None else _plan_of_practices(placed)
    registered, lsoas = _read_homes(
        registrations,
        lsoa_boundaries,
        lsoa_centroids,
        lsoa_code,
        layer=lsoa_layer,
        registered=registrations_read,
    )
    if registered is not None:
        disagreements = registration_problems(
            registered,
            placed,
            tolerance=registration_tolerance,
            lsoa_codes=lsoas.codes if lsoas is not None else None,
        )
        for disagreement in disagreements:  # logged as every loader's warnings are
            logger.warning("%s", disagreement)
        problems = [*problems, *disagreements]
    homes = _home_points(registered, lsoas, placed) if registered is not None else None
    ccgs, stps, patch_layer, left_out = scope_to_practices(
        placed, ccgs, stps, patch_layer, homes=homes
    )
    unlocated = set(practice_table.attrs.get("unlocated", ()))
    if current is not None and unlocated & set(current.assignment):
        # left out of the practices with a warning: not 'a code not in the practice list'
        current = current.restricted([p for p in current.assignment if p not in unlocated])
    if current is not None:
        before = len(current)
        current, problem = restrict_plan(current, placed["code"], source=str(plan))
        if problem is not None:
            problems = [*problems, problem]
            left_out["plan practices"] = before - len(current)
    region = Region(
        practices=placed,
        ccgs=ccgs,
        stps=stps,
        patches=patch_layer,
        current=current,
        problems=problems,
        name=Path(practices).stem,
        registrations=registered,
        lsoas=lsoas,
        left_out=left_out,
    )
    logger.info(
        "Loaded %d practices in %d CCGs%s%s",
        len(placed),
        len(ccgs),
        f", {len(patch_layer)} patches" if patch_layer is not None else "",
        f", current plan of {len(set(current.assignment.values()))} networks" if current else "",
    )
    return region


def _plan_of_practices(placed: pd.DataFrame) -> Plan | None:
    """Return the current plan a practices file gives in its network column, if any.

    ``practices_2020.csv`` and a file built with ``assemble_practices(epcn=...)`` carry each
    practice's PCN; without a plan file that is the current plan (the app opened an empty
    plan instead). A plan file, when given, is the current plan.
    """
    members = placed[placed["network"].notna()]
    if members.empty:
        return None
    logger.info(
        "No plan file: the practices file's network column is the current plan (%d practices "
        "in %d networks)",
        len(members),
        members["network"].nunique(),
    )
    return Plan(dict(zip(members["code"].astype(str), members["network"].astype(str), strict=True)))


REGION_OPTIONS = (
    "postcodes",
    "boundary_code",
    "stp_boundary_code",
    "patch_code",
    "lsoa_code",
    "strict_sites",
    "practice_columns",
    "tolerance_m",
)
"""The options of :func:`load_region` a region is recorded with beside its files.

The command line's region options (``--postcodes``, ``--boundary-code`` …) by their names
in :func:`load_region`: a plan imported with them opens in the app on the same region.
"""


def load_region_from(
    files: Mapping[str, str | Path],
    options: Mapping[str, Any] | None = None,
    *,
    lsoa_layer: Lsoas | None = None,
    registrations_read: Registrations | None = None,
) -> Region:
    """Load a region from its files by role: the app's uploads, a plan's recorded region.

    ``practices`` and ``boundaries`` are needed; ``stp_boundaries``, ``patches``, ``plan``,
    ``registrations``, ``lsoa_boundaries`` and ``lsoa_centroids`` are :func:`load_region`'s
    options of those names. ``options`` gives any of :data:`REGION_OPTIONS` (``ValueError``
    for another); the options not given keep their defaults. ``lsoa_layer`` and
    ``registrations_read`` are :func:`load_region`'s (the LSOA files' layer and the
    registrations file, read before).
    """
    options = dict(options or {})
    unknown = sorted(set(options) - set(REGION_OPTIONS))
    if unknown:
        raise ValueError(
            f"unknown region option {', '.join(unknown)}: use {', '.join(REGION_OPTIONS)}"
        )
    return load_region(
        files["practices"],
        files["boundaries"],
        stp_boundaries=files.get("stp_boundaries"),
        patches=files.get("patches"),
        plan=files.get("plan"),
        registrations=files.get("registrations"),
        lsoa_boundaries=files.get("lsoa_boundaries"),
        lsoa_centroids=files.get("lsoa_centroids"),
        lsoa_layer=lsoa_layer,
        registrations_read=registrations_read,
        **options,
    )


def scope_to_practices(
    practices: gpd.GeoDataFrame,
    ccgs: gpd.GeoDataFrame,
    stps: gpd.GeoDataFrame | None = None,
    patches: gpd.GeoDataFrame | None = None,
    *,
    homes: gpd.GeoSeries | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, dict[str, int]]:
    """Cut national boundary layers to the areas the placed practices use.

    Parameters
    ----------
    practices
        Practices placed in their areas (``ccg``, ``stp``, ``patch`` filled, EPSG:27700).
    ccgs, stps, patches
        The boundary layers as read (any extent).
    homes
        Points where the practices' patients live (LSOA centroids, EPSG:27700), under
        registration geography: patches holding any of them are kept too.

    Returns
    -------
    ccgs, stps, patches, left_out
        The CCGs and STPs some practice is placed in; the patches that hold a practice,
        overlap a kept CCG or hold a home; and how many of each were left out (only kinds
        with any left out).
    """
    left_out: dict[str, int] = {}
    kept_ccgs = ccgs[ccgs["code"].isin(set(practices["ccg"].dropna().astype(str)))]
    if len(kept_ccgs) < len(ccgs):
        left_out["CCGs"] = len(ccgs) - len(kept_ccgs)
    kept_stps = stps
    if stps is not None:
        kept_stps = stps[stps["code"].isin(set(practices["stp"].dropna().astype(str)))]
        if len(kept_stps) < len(stps):
            left_out["STPs"] = len(stps) - len(kept_stps)
    kept_patches = patches
    if patches is not None and len(patches):
        used = patches["patch"].isin(set(practices["patch"].dropna().astype(str)))
        crs = practices.crs  # the canonical tables are in British National Grid
        area = kept_ccgs.to_crs(crs).union_all() if len(kept_ccgs) else None
        shapes = patches.to_crs(crs).geometry
        if area is not None and not area.is_empty:
            # Overlapping by more than a sliver: generalised borders overlap their neighbours.
            used |= shapes.intersection(area).area > _SLIVER_SHARE * shapes.area
        if homes is not None and len(homes):
            inside = gpd.sjoin(
                gpd.GeoDataFrame(geometry=homes.reset_index(drop=True)).set_crs(crs),
                gpd.GeoDataFrame(geometry=shapes.reset_index(drop=True), crs=crs),
                predicate="within",
            )
            held = np.zeros(len(patches), dtype=bool)
            held[inside["index_right"].to_numpy()] = True
            used |= held
        kept_patches = patches[used.to_numpy()]
        if len(kept_patches) < len(patches):
            left_out["patches"] = len(patches) - len(kept_patches)
    cut = [
        frame.reset_index(drop=True) if frame is not None else None
        for frame in (kept_ccgs, kept_stps, kept_patches)
    ]
    if left_out:
        logger.info(
            "Kept the areas of the %d practices loaded; left out %s",
            len(practices),
            ", ".join(f"{n:,} {kind}" for kind, n in left_out.items()),
        )
    return cut[0], cut[1], cut[2], left_out


def restrict_plan(
    plan: Plan, practices: Iterable[str], *, source: str = "the current plan"
) -> tuple[Plan, Problem | None]:
    """Cut a plan covering a wider area (a national ePCN file) to the practices loaded.

    A plan is wider than the area when some of its networks hold none of the practices
    loaded: those networks belong to other areas. Only then is it cut, every practice not
    loaded left out (the networks' names kept for the networks left), with one warning
    giving the count. A plan whose networks all hold loaded practices is kept as it is, so a
    mistyped code in it is still reported by the coverage rule. A plan holding none of the
    practices loaded (another area's or year's) is refused: :class:`InputError`.

    Parameters
    ----------
    plan
        The plan as read.
    practices
        The codes of the practices loaded.
    source
        The plan's file, for the warning.

    Returns
    -------
    plan, problem
        The plan cut to the loaded practices, and the warning (``None`` when nothing was
        cut).
    """
    loaded = {str(code) for code in practices}
    local = {n for p, n in plan.assignment.items() if p in loaded}
    if all(n in local for n in plan.assignment.values()):
        return plan, None
    kept = [p for p in plan.assignment if p in loaded]
    dropped = sorted(p for p in plan.assignment if p not in loaded)
    if not kept:  # another area's or year's plan: cut, it would be judged as an empty plan
        networks = len(set(plan.assignment.values()))
        raise InputError(
            [
                Problem(
                    source,
                    f"the plan names none of the {len(loaded):,} practices of the practices "
                    f"file (it places {len(dropped):,} other practices, such as "
                    f"{', '.join(dropped[:3])}, in {networks:,} "
                    f"network{'s' if networks != 1 else ''})",
                    "give the plan of this area and date, or the practices file it was made "
                    "for (a plan of another area or year shares no practice code with it)",
                )
            ]
        )
    elsewhere = {plan.assignment[p] for p in dropped} - local
    in_local = [p for p in dropped if plan.assignment[p] in local]
    unplanned = len(loaded) - len(kept)
    plural = "s" if len(dropped) != 1 else ""
    message = (
        f"the plan names {len(dropped):,} practice{plural} not in the practices file "
        + (
            f"({len(dropped) - len(in_local):,} in {len(elsewhere):,} "
            f"network{'s' if len(elsewhere) != 1 else ''} of other areas"
            if len(in_local) < len(dropped)
            else "("
        )
        + (
            ("; " if len(in_local) < len(dropped) else "")
            + f"{len(in_local)} in networks of this area: {', '.join(in_local[:5])}"
            + (f" and {len(in_local) - 5} more" if len(in_local) > 5 else "")
            if in_local
            else ""
        )
        + f"): {'their rows are' if len(dropped) != 1 else 'its row is'} left out, so the "
        f"plan places {len(kept):,} of the {len(loaded):,} practices loaded"
        + (
            f" ({unplanned:,} {'are' if unplanned != 1 else 'is'} in no network of the plan)"
            if unplanned
            else ""
        )
    )
    fix = (
        "nothing to do if the plan covers a wider area; otherwise add the missing practices "
        "to the practices file"
    )
    cut = plan.restricted(kept)
    problem = Problem(source, message, fix, severity="warning")
    logger.warning("%s", problem)  # as every loader's warnings, so the command line says it
    return cut, problem


def _home_points(
    registered: Registrations, lsoas: Lsoas | None, practices: gpd.GeoDataFrame
) -> gpd.GeoSeries | None:
    """Where the loaded practices' patients live: the centroids of their LSOAs."""
    if lsoas is None:
        return None
    counts = registered.counts
    wanted = counts.loc[counts["practice"].isin(set(practices["code"].astype(str))), "lsoa"]
    positions = np.unique(np.asarray(lsoas.positions(wanted.unique()), dtype=np.int64))
    positions = positions[positions >= 0]
    points = gpd.points_from_xy(lsoas.x[positions], lsoas.y[positions])
    return gpd.GeoSeries(points, crs=practices.crs)  # LSOA centroids are in BNG, as practices


def read_lsoa_layer(
    boundaries: str | Path, centroids: str | Path | None = None, *, code_column: str | None = None
) -> Lsoas:
    """Read the LSOA polygons (and their population-weighted centroids) as the LSOA layer.

    The layer registration geography counts patients in: codes, centroids, adjacency and
    polygons (for England's LSOAs several seconds, reading the polygons and finding their
    neighbours). ``code_column`` is :func:`load_region`'s ``lsoa_code``.
    """
    polygons = read_lsoa_boundaries(boundaries, code_column=code_column)
    points = read_lsoa_centroids(centroids) if centroids is not None else None
    return Lsoas.from_polygons(polygons, centroids=points)


def _read_homes(
    registrations: str | Path | None,
    boundaries: str | Path | None,
    centroids: str | Path | None,
    code_column: str | None,
    *,
    layer: Lsoas | None = None,
    registered: Registrations | None = None,
) -> tuple[Registrations | None, Lsoas | None]:
    """Read the registrations file and the LSOA layer, which come together or not at all.

    ``layer``: the LSOA layer of ``boundaries`` and ``centroids`` read before (not read again);
    ``registered``: the registrations file read before (not read again).
    """
    if registrations is None and boundaries is None:
        if centroids is not None:
            raise InputError(
                [
                    Problem(
                        str(centroids),
                        "LSOA centroids were given without a registrations file",
                        "give --registrations and --lsoa-boundaries with them, or leave them out",
                    )
                ]
            )
        return None, None
    if registrations is None or boundaries is None:
        given, missing = (
            (registrations, "the LSOA boundaries (--lsoa-boundaries)")
            if boundaries is None
            else (boundaries, "the LSOA registrations file (--registrations)")
        )
        raise InputError(
            [
                Problem(
                    str(given),
                    f"registration geography needs {missing} as well",
                    "give both files, or neither to plan on Voronoi catchments",
                )
            ]
        )
    if registered is None:
        registered = read_lsoa_registrations(registrations)
    if layer is None:
        layer = read_lsoa_layer(boundaries, centroids, code_column=code_column)
    return registered, layer
