"""The region a session works on, and the facts the page shows about its working plan.

The demo region is loaded once per server (``st.cache_resource``); an uploaded region is
kept in the session, and loaded once per server for its files' content
(:func:`uploaded_region`): the upload itself fills that cache, so opening the saved plan
(a reload, a second tab, a shared link) does not read the national files again. The
national LSOA layer (registration geography) is kept across uploads for its files' content
(:func:`lsoa_layer_of`), and so is the registrations file (:func:`registrations_of`): a
new upload of other practices does not read them again. The
working plan's facts, the practices' labels and their sites on the map are memoised in the
session until the plan or the region changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import streamlit as st

from app import facts as facts_module
from app.facts import Facts
from app.state import ALL, PracticeInfo, current_band, state
from footprints.demo import load_demo
from footprints.errors import Problem, collected_warnings
from footprints.io import input_size_limit
from footprints.io.registrations import Registrations, read_lsoa_registrations
from footprints.maps import PracticePoints
from footprints.planning_areas import planning_groups
from footprints.region import Region, load_region_from, read_lsoa_layer
from footprints.registration import Lsoas

__all__ = [
    "UPLOAD_LIMIT_BYTES",
    "area_names",
    "demo_region",
    "facts",
    "load_region_files",
    "lsoa_layer_of",
    "practice_info",
    "practice_points",
    "region",
    "region_of_files",
    "registrations_of",
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
    return demo_region() if state.region_kind == "demo" else state.region


def scope_ccgs() -> list[str]:
    """List the CCGs the area selectors cover: the chosen CCG, the STP's, or every one."""
    ccg, stp = state.area_ccg, state.area_stp
    if ccg not in (None, ALL):
        return [ccg]
    return region().lower_areas(None if stp in (None, ALL) else stp)


def load_region_files(
    paths: Mapping[str, Path],
    *,
    limit: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> Region:
    """Load the region of these files (role → path), graphs built; ``limit`` bytes a file.

    Without ``limit`` the files are the server's (``footprints plans import``), read within
    the library's default limits; an upload is read within :data:`UPLOAD_LIMIT_BYTES`. With
    ``registrations`` and ``lsoa_boundaries`` (and optionally ``lsoa_centroids``) the region
    is on registration geography. ``options`` are the options the files are read with
    (:func:`footprints.region.load_region_from`'s, as ``footprints plans import`` records).

    Raises
    ------
    FootprintsError
        As :func:`footprints.region.load_region`, or for a file over the size limit.
    """
    with input_size_limit(limit) if limit is not None else nullcontext():
        layer, registered = None, None
        warnings: list[Problem] = []
        if "lsoa_boundaries" in paths and "registrations" in paths:
            centroids, code_column = paths.get("lsoa_centroids"), (options or {}).get("lsoa_code")
            layer = lsoa_layer_of(paths["lsoa_boundaries"], centroids, code_column)
            registered, warnings = registrations_of(Path(paths["registrations"]))
        loaded = load_region_from(paths, options, lsoa_layer=layer, registrations_read=registered)
    loaded.problems = [*(w for w in warnings if w not in loaded.problems), *loaded.problems]
    loaded.name = Path(paths["practices"]).stem
    _ = loaded.ccg_graphs, loaded.validation_graph
    return loaded


def _digest(path: Path) -> str:
    """Give the SHA-256 of a file's content (a few milliseconds for the national files)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@st.cache_resource(max_entries=2, show_spinner=False)
def _lsoa_layer(
    digests: tuple[str, str | None], code_column: str | None, _paths: tuple[Path, Path | None]
) -> Lsoas:
    """Read the LSOA layer once per server for its files' content (``digests``).

    The paths, not part of the key, are where this content is read from.
    """
    return read_lsoa_layer(_paths[0], _paths[1], code_column=code_column)


def lsoa_layer_of(boundaries: Path, centroids: Path | None, code_column: str | None) -> Lsoas:
    """Give the LSOA layer of these files, read once per server for their content.

    The files' content (SHA-256), not their names, is the key: the same national layer
    uploaded again, by this session or another, is not read again (about 10 s for
    England's); a changed file is read afresh, so no upload ever sees another file's
    LSOAs. A file that cannot be read raises as :func:`footprints.region.read_lsoa_layer`
    (nothing is kept), naming the path given.
    """
    digests = (_digest(boundaries), _digest(centroids) if centroids is not None else None)
    return _lsoa_layer(digests, code_column, (boundaries, centroids))


@st.cache_resource(max_entries=2, show_spinner=False)
def _registrations(digest: str, _path: Path) -> tuple[Registrations, tuple[Problem, ...]]:
    """Read the registrations file and its warnings once per server for its content.

    ``digest`` is the key; the path, not part of it, is where this content is read from.
    """
    with collected_warnings() as logged:
        read = read_lsoa_registrations(_path)
    return read, tuple(logged)


def registrations_of(path: Path) -> tuple[Registrations, list[Problem]]:
    """Give the registrations file read (and its warnings), once per server for its content.

    As :func:`lsoa_layer_of`: the same file uploaded again, by this session or another, is
    not read again (about 4 s for England's); a changed file is read afresh. What names the
    file (its ``source``, the warnings' file) names ``path``, as a read of it would. A file
    that cannot be read raises as :func:`footprints.io.registrations.read_lsoa_registrations`.
    """
    read, warnings = _registrations(_digest(path), path)
    source = str(path)
    return (
        dataclasses.replace(read, source=source),
        [dataclasses.replace(w, source=source) for w in warnings],
    )


@st.cache_resource(max_entries=4, show_spinner="Loading the region's files…")
def _region_of(
    files: tuple[tuple[str, str, str], ...], limit: int | None, options: str = "{}"
) -> Region:
    """Load a region's files once per server, keyed by their paths, content and options.

    The paths are part of the key: the region's messages name them. ``options`` is the
    options' JSON (hashable, for the key).
    """
    return load_region_files(
        {role: Path(path) for role, path, _ in files}, limit=limit, options=json.loads(options)
    )


def region_of_files(
    paths: Mapping[str, Path],
    *,
    limit: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> Region:
    """Give the region of these files (role → path), loaded once per server for their content.

    The same files with the same content give the same region without reading them again
    (at most four kept per server); a changed file is read afresh.

    Raises
    ------
    FootprintsError
        As :func:`load_region_files` (a failed load is not kept).
    OSError
        When a file cannot be read.
    """
    files = tuple((role, str(path), _digest(path)) for role, path in sorted(paths.items()))
    return _region_of(files, limit, json.dumps(dict(options or {}), sort_keys=True))


def uploaded_region(
    folder: Path, uploads: Mapping[str, str], options: Mapping[str, Any] | None = None
) -> Region:
    """Give the region of the files uploaded to ``folder`` (role → file name), loaded once.

    See :func:`region_of_files`; each file is read within :data:`UPLOAD_LIMIT_BYTES`, with
    ``options`` (such as the list-size column chosen, ``practice_columns``).
    """
    paths = {role: folder / name for role, name in uploads.items()}
    return region_of_files(paths, limit=UPLOAD_LIMIT_BYTES, options=options)


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


def level_groups() -> dict[str, list[str]] | None:
    """Return the planning areas of the level chosen (area → its CCGs); ``None``: by CCG.

    ``"upper"``: each STP / ICB; ``"areas"``: the areas file's groups (``None`` until one
    is loaded).
    """
    level = state.planning_level
    if level == "upper":
        return planning_groups(region(), "upper")
    if level == "areas" and state.area_groups:
        return {g: list(lower) for g, lower in state.area_groups.items()}
    return None


def facts() -> Facts:
    """Validate and measure the working plan, once per plan, band and region."""
    plan, band, the_region = state.working.plan, current_band(), region()
    groups = level_groups()
    cached = state.derived
    if (
        cached
        and cached["plan"] is plan
        and cached["band"] == band
        and cached["region"] is the_region
        and cached["groups"] == groups
    ):
        return cached
    value = facts_module.compute(plan, band, the_region, groups)
    state.derived = value
    return value
