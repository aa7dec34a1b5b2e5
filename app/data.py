"""The region a session works on, and the facts the page shows about its working plan.

The demo region is loaded once per server (``st.cache_resource``); an uploaded region is
kept in the session, and loaded once per server for its files' content
(:func:`uploaded_region`): the upload itself fills that cache, so opening the saved plan
(a reload, a second tab, a shared link) does not read the national files again. The
working plan's facts, the practices' labels and their sites on the map are memoised in the
session until the plan or the region changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from app import facts as facts_module
from app.facts import Facts
from app.state import ALL, PracticeInfo, current_band, state
from footprints.demo import load_demo
from footprints.io import input_size_limit
from footprints.maps import PracticePoints
from footprints.region import Region, load_region

__all__ = [
    "UPLOAD_LIMIT_BYTES",
    "area_names",
    "demo_region",
    "facts",
    "load_uploaded_region",
    "practice_info",
    "practice_points",
    "region",
    "scope_ccgs",
    "uploaded_region",
]

UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024
"""Largest uploaded input file read (bytes); larger files get a clear error, not a stall."""


@st.cache_resource(show_spinner="Loading the demo region…")
def demo_region() -> Region:
    """Load the built-in demo region and build its graphs (once per server)."""
    loaded = load_demo()
    _ = loaded.ccg_graphs, loaded.validation_graph  # build the graphs once per server
    return loaded


def region() -> Region:
    """Give the region of this session: the user's files once loaded, else the demo."""
    return state.region if state.region_kind == "upload" else demo_region()


def scope_ccgs() -> list[str]:
    """List the CCGs the area selectors cover: the chosen CCG, the STP's, or every one."""
    ccg, stp = state.area_ccg, state.area_stp
    if ccg not in (None, ALL):
        return [ccg]
    return region().lower_areas(None if stp in (None, ALL) else stp)


def load_uploaded_region(folder: Path, uploads: Mapping[str, str]) -> Region:
    """Load the files saved in ``folder`` (role → file name) as a region, graphs built.

    With ``registrations`` and ``lsoa_boundaries`` (and optionally ``lsoa_centroids``) the
    region is on registration geography.

    Raises
    ------
    FootprintsError
        As :func:`footprints.region.load_region`, or for a file over the size limit.
    """
    paths = {role: folder / name for role, name in uploads.items()}
    with input_size_limit(UPLOAD_LIMIT_BYTES):
        loaded = load_region(
            paths["practices"],
            paths["boundaries"],
            stp_boundaries=paths.get("stp_boundaries"),
            patches=paths.get("patches"),
            plan=paths.get("plan"),
            registrations=paths.get("registrations"),
            lsoa_boundaries=paths.get("lsoa_boundaries"),
            lsoa_centroids=paths.get("lsoa_centroids"),
        )
    loaded.name = Path(uploads["practices"]).stem
    _ = loaded.ccg_graphs, loaded.validation_graph
    return loaded


def _digest(path: Path) -> str:
    """Give the SHA-256 of a file's content (a few milliseconds for the national files)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@st.cache_resource(max_entries=4, show_spinner="Loading your files…")
def _region_of(
    folder: str, files: tuple[tuple[str, str, str], ...], _uploads: Mapping[str, str]
) -> Region:
    """Load a plan's uploaded files once per server, keyed by their names and content.

    The folder is part of the key: the region's messages name its files' paths.
    """
    return load_uploaded_region(Path(folder), _uploads)


def uploaded_region(folder: Path, uploads: Mapping[str, str]) -> Region:
    """Give the region of the files saved in ``folder`` (role → file name), loaded once.

    The same folder and files with the same content give the same region without reading
    them again (at most four kept per server); a changed file is read afresh.

    Raises
    ------
    FootprintsError
        As :func:`load_uploaded_region` (a failed load is not kept).
    OSError
        When a file cannot be read.
    """
    files = tuple((role, name, _digest(folder / name)) for role, name in sorted(uploads.items()))
    return _region_of(str(folder), files, dict(uploads))


def area_names() -> dict[str, str]:
    """Code → name of every lower and upper planning area of the region."""
    the_region = region()
    names = {str(r.code): str(r.name) for r in the_region.ccgs.itertuples()}
    upper = the_region.upper_boundaries
    names.update({str(r.code): str(r.name) for r in upper.itertuples()})
    return names


def _remember_practices() -> None:
    """Memoise the region's practices: name, list size and CCG by code, and their sites."""
    key = ("_practice_info", id(region()))
    if state.practice_info_of == key:
        return
    table = region().practices
    state.practice_info = {
        str(row.code): PracticeInfo(name=str(row.name), list_size=int(row.list_size), ccg=row.ccg)
        for row in table.itertuples()
    }
    state.practice_points = PracticePoints.of(table)
    state.practice_info_of = key


def practice_info() -> Mapping[str, PracticeInfo]:
    """Code → name, list size and CCG of every practice of the region."""
    _remember_practices()
    return state.practice_info


def practice_points() -> PracticePoints:
    """Give the region's practices' sites in degrees, for clicks on the map."""
    _remember_practices()
    return state.practice_points


def facts() -> Facts:
    """Validate and measure the working plan, once per plan, band and region."""
    plan, band, the_region = state.working.plan, current_band(), region()
    cached = state.derived
    if (
        cached
        and cached["plan"] is plan
        and cached["band"] == band
        and cached["region"] is the_region
    ):
        return cached
    value = facts_module.compute(plan, band, the_region)
    state.derived = value
    return value
