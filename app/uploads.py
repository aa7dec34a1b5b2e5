"""The sidebar's Data section: the user's own files, or the built-in demo region.

Uploaded files are saved in the session's folder (one subfolder per input role, keeping the
user's file name), so a refresh or a server restart reloads them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app import optimiser
from app.autosave import autosave, upload_folder
from app.data import practice_info, region, scope_ccgs, uploaded_region
from app.markdown import plain
from app.state import ALL, AppState, state, upload_key
from footprints.atomic import write_bytes
from footprints.errors import PROBLEMS_SHOWN, FootprintsError, InputError
from footprints.io import practice_column_choices
from footprints.io.practices import POSTCODE_LOOKUP
from footprints.plan import Plan
from footprints.planning_areas import read_area_groups
from footprints.session import WorkingPlan

__all__ = [
    "UPLOAD_ROLES",
    "back_to_demo",
    "in_app_words",
    "load_uploads",
    "panel",
    "start_on_demo",
]

UPLOAD_ROLES = {
    "practices": ("Practices (CSV)", ["csv", "xlsx", "gz", "zip"]),
    "boundaries": ("CCG / sub-ICB boundaries", ["geojson", "json", "gpkg", "zip", "shp", "gz"]),
    "stp_boundaries": (
        "STP / ICB boundaries (optional)",
        ["geojson", "json", "gpkg", "zip", "gz"],
    ),
    "patches": ("Nursing patches (optional)", ["geojson", "json", "gpkg", "zip", "gz"]),
    # a plan as ``footprints export`` writes it (GeoJSON, GeoPackage) reads as the CLI reads it
    "plan": ("Current plan (optional)", ["csv", "xlsx", "geojson", "json", "gpkg", "gz", "zip"]),
    "registrations": ("Patients' homes: LSOA registrations (optional)", ["csv", "gz", "zip"]),
    "lsoa_boundaries": (
        "LSOA boundaries (with the registrations)",
        ["geojson", "json", "gpkg", "zip", "gz"],
    ),
    "lsoa_centroids": ("LSOA population-weighted centroids (optional)", ["csv", "zip", "gz"]),
}
"""Input role → the uploader's label and the file types it accepts, in the sidebar's order.

Every CSV and GeoJSON may come gzipped (``.gz``) and every CSV in a zip holding only it; a
plan export (GeoJSON, GeoPackage) may come zipped too, as :func:`~footprints.io.read_plan`
reads it."""

_HOMES_ROLES = ("registrations", "lsoa_boundaries")
"""The files of registration geography, which come together or not at all."""


def _homes_problem(files: Mapping[str, UploadedFile | None]) -> str | None:
    """Say what is missing when only some of registration geography's files were given."""
    given = {role for role in (*_HOMES_ROLES, "lsoa_centroids") if files.get(role)}
    if not given or set(_HOMES_ROLES) <= given:
        return None
    if "registrations" in given:
        return (
            "The LSOA registrations file needs the LSOA boundaries too: upload both to plan "
            "on where patients live, or neither to plan on Voronoi catchments."
        )
    return (
        "The LSOA boundaries"
        + (" and centroids" if "lsoa_centroids" in given else "")
        + " need the LSOA registrations file (NHS Digital's patients registered at a GP "
        "practice, by LSOA): upload it too, or leave them out to plan on Voronoi catchments."
    )


_FIELD_WORDS = {
    "code": "practice code",
    "name": "practice name",
    "list_size": "list size",
    "network": "network (PCN) code",
    "network_name": "network (PCN) name",
    "ccg": "CCG code",
    "stp": "STP code",
    "patch": "patch code",
    "lat": "latitude",
    "lon": "longitude",
}
"""The library's field names as a message in the app names them."""


def in_app_words(text: str) -> str:
    """Say a loader's message as the app speaks: choose a column, not pass an argument.

    The loaders' messages suggest Python arguments (``columns={...}``, ``code_column=``) a
    user of the app cannot give; here the fix is a column to choose and name in the file.
    """

    def several(match: re.Match[str]) -> str:
        field, column = match["field"], match["column"]
        words = _FIELD_WORDS.get(field, field.replace("_", " "))
        return (
            f"choose the column that holds the {words}: keep {column!r} (or the one you "
            f"mean) and rename the others in the file"
        )

    python = r"(?:--[\w-]+ \w+=\S+ on the command line, )?(?:pass )?columns=\{'(?P<field>\w+)': "
    text = re.sub(
        rf"name the one you mean — {python}'(?P<column>[^']*)'\}}(?: in Python)? — "
        r"or rename the others",
        several,
        text,
    )
    text = re.sub(
        rf"Rename a column or name it: {python}'COLUMN'\}}(?: in Python)?\.",
        "Choose the column that holds each one and rename it in the file to an accepted name.",
        text,
    )
    text = text.replace(
        f"a postcode lookup {POSTCODE_LOOKUP}",
        "a postcode lookup (the app takes none: give each practice's lat,lon or "
        "easting,northing in the practices file)",
    )
    text = text.replace(
        "or raise the tolerance (--tolerance-m on the command line, tolerance_m= in Python)",
        "or give the practice's site inside its area",
    )
    return re.sub(
        r"or name it with (?:--[\w-]+ COLUMN \(code_column= in Python\)|code_column=)",
        "or choose the column that holds the codes and rename it 'code' in the file",
        text,
    )


def start_on_demo() -> None:
    """Make the demo region and its cached first proposal this session's working plan."""
    state.region_kind = "demo"
    del state.unloaded_region
    plan, results = optimiser.demo_proposal(optimiser.first_settings())
    state.working = WorkingPlan(plan, label="proposal")
    state.results = results
    autosave()


def back_to_demo() -> None:
    """Leave the user's files for the demo region (a button's callback)."""
    optimiser.drop()
    state.uploads = {}
    state.region_options = {}
    del state.homes_practice
    del state.area_groups  # they grouped the old region's CCGs
    del state.area_groups_file
    state.area_stp = ALL
    state.area_ccg = ALL
    start_on_demo()


def _save_files(folder: Path, files: Mapping[str, UploadedFile | None]) -> dict[str, str]:
    """Write the uploaded files into ``folder``; role → file name inside it."""
    uploads: dict[str, str] = {}
    for role, upload in files.items():
        if upload is None:
            continue
        name = f"{role}/{Path(upload.name).name}"  # one folder per role keeps the user's name
        (folder / role).mkdir(parents=True, exist_ok=True)
        write_bytes(folder / name, upload.getvalue())  # whole, or the previous file kept
        uploads[role] = name
    return uploads


@contextmanager
def _previous_kept(folder: Path, files: Mapping[str, UploadedFile | None]) -> Iterator[list[bool]]:
    """Keep the files an upload overwrites (same role, same name); put them back unless it loads.

    The region at work was read from them: a failed upload of a file of the same name (a
    practices.csv without its list sizes) left the bad file in its place, and the plan's
    region could not be loaded again after a refresh ('Your uploaded files could not be
    loaded'). The body sets ``loaded[0]`` once the new region is in use.
    """
    kept: dict[Path, Path] = {}
    for role, upload in files.items():
        path = folder / role / Path(upload.name).name if upload is not None else None
        if path is not None and path.is_file():
            backup = path.with_name(f".{path.name}.previous")
            backup.unlink(missing_ok=True)
            try:
                os.link(path, backup)  # the old bytes stay under this name; no copy
            except OSError:
                shutil.copy2(path, backup)
            kept[path] = backup
    loaded = [False]
    try:
        yield loaded
    finally:
        for path, backup in kept.items():
            if loaded[0]:
                backup.unlink(missing_ok=True)
            else:
                os.replace(backup, path)


def load_uploads(files: Mapping[str, UploadedFile | None]) -> None:
    """Save the uploaded files in the session's folder and load them as the region.

    Files the upload would overwrite are put back when the new files do not load (or
    wait for a list-size column to be chosen): the region at work keeps its files.
    """
    if not files.get("practices") or not files.get("boundaries"):
        state.upload_problems = ["Upload at least the practices file and the CCG boundaries."]
        del state.upload_warnings
        return
    missing = _homes_problem(files)
    if missing:
        state.upload_problems = [missing]
        del state.upload_warnings
        return
    folder = upload_folder()
    try:
        with _previous_kept(folder, files) as loaded:
            uploads = _save_files(folder, files)
            loaded[0] = _load_saved(folder, uploads)
    except OSError as error:  # a full disk, a read-only sessions folder: OutputError
        state.upload_problems = [f"The files could not be saved on the server: {error}"]
        del state.upload_warnings
        return
    if loaded[0]:
        autosave()


def _load_saved(folder: Path, uploads: Mapping[str, str]) -> bool:
    """Load the files saved in ``folder`` as the region; whether they were loaded."""

    def plain(text: str) -> str:
        """Put the user's file names in place of the server's paths, in the app's words."""
        for role in UPLOAD_ROLES:
            text = text.replace(f"{folder / role}/", "")
        return in_app_words(text.replace(f"{folder}/", ""))

    options = _column_options(folder / uploads["practices"])
    if options is None:
        return False
    try:
        loaded = uploaded_region(folder, uploads, options)  # kept for opening the plan later
    except InputError as error:
        state.upload_problems = [plain(str(p)) for p in error.errors]
        # these files' warnings, not those of the files loaded before (shown again, as if
        # the files just refused had them)
        state.upload_warnings = [plain(str(p)) for p in error.problems if p.severity == "warning"]
        return False
    except FootprintsError as error:
        state.upload_problems = [plain(str(error))]
        del state.upload_warnings
        return False
    except Exception as error:  # a file no reader understood: say so, no traceback
        state.upload_problems = [f"The files could not be read: {plain(str(error))}"]
        del state.upload_warnings
        return False
    del state.upload_problems
    optimiser.drop()  # a run on the old region must not land on the new one
    state.region = loaded
    del state.homes_practice
    state.region_kind = "upload"
    del state.unloaded_region
    state.uploads = uploads
    state.region_options = options
    del state.area_groups  # they grouped the old region's CCGs
    del state.area_groups_file
    state.area_stp = ALL
    state.area_ccg = ALL
    start = loaded.current if loaded.current is not None else Plan({})
    state.working = WorkingPlan(start, label="current plan" if loaded.current else "empty plan")
    del state.results
    warnings = [plain(str(p)) for p in loaded.problems]
    state.notice = (
        f"Loaded {_count(len(loaded.practices), 'practice')} in "
        f"{_count(len(loaded.ccgs), 'CCG')}; "
        f"{loaded.geography_text()}."
        + (f" {_count(len(warnings), 'warning')}." if warnings else "")
    )
    state.upload_warnings = warnings
    return True


def _count(number: int, thing: str) -> str:
    """``1 CCG``, ``6,720 practices``: the number with its noun, singular or plural."""
    return f"{number:,} {thing}{'s' if number != 1 else ''}"


def _column_options(practices: Path) -> dict[str, object] | None:
    """Return the region options for the practices file's columns; ``None`` to ask first.

    A practices file with several list-size columns (``practices_2021.csv``: registrations
    and QOF) is read with the one chosen in the Data section; until one is chosen, the
    columns are offered and the upload stops with a problem naming them.
    """
    try:
        choices = practice_column_choices(practices).get("list_size", [])
    except Exception:  # the loader says what is wrong with the file
        return {}
    if len(choices) < 2:
        del state.list_size_choices
        return {}
    if list(state.list_size_choices) == choices and state.list_size_column in choices:
        return {"practice_columns": {"list_size": state.list_size_column}}
    state.list_size_choices = choices
    st.session_state[AppState.list_size_column.key] = choices[0]
    state.upload_problems = [
        f"{practices.name} has {len(choices)} list-size columns ({', '.join(choices)}): choose "
        "the one to plan with under *List-size column*, then press *Load these files* again."
    ]
    del state.upload_warnings
    return None


def areas_file() -> None:
    """Offer the areas file the level ``"areas"`` plans by; read it when one is uploaded.

    A CSV of CCG (lower area) and group, as ``footprints propose --areas FILE`` reads it
    (:func:`~footprints.planning_areas.read_area_groups`); every problem is shown, naming
    the row. Until one is read, each CCG is planned on its own.
    """
    upload = st.file_uploader(
        "Areas file (CSV or Excel: each CCG and its group)",
        type=["csv", "xlsx"],
        key=upload_key("areas"),
    )
    if upload is not None and f"{upload.name} ({upload.size:,} bytes)" != state.area_groups_file:
        folder = upload_folder() / "areas"
        path = folder / Path(upload.name).name
        try:  # a full disk stopped the whole page with a traceback
            folder.mkdir(parents=True, exist_ok=True)
            write_bytes(path, upload.getvalue())
        except OSError as error:
            st.error(f"The areas file could not be saved on the server: {error}")
            return
        try:
            groups = read_area_groups(path, region())
        except InputError as error:
            for problem in error.errors[:PROBLEMS_SHOWN]:
                st.error(plain(str(problem).replace(f"{folder}/", "")))
            return
        state.area_groups = groups
        state.area_groups_file = f"{upload.name} ({upload.size:,} bytes)"
    if state.area_groups:
        count = sum(len(lower) for lower in state.area_groups.values())
        st.caption(
            f"{len(state.area_groups):,} planning areas of {count:,} CCGs, from "
            f"{state.area_groups_file}."
        )
    else:
        st.caption("Until an areas file is read, each CCG is planned on its own.")


def panel() -> None:
    """Draw the sidebar's Data section: the region shown, and the files to load instead."""
    the_region = region()
    st.header("Data")
    if state.region_kind != "demo":
        whose = "Your files" if state.region_kind == "upload" else "The plan's files"
        st.write(
            f"**{whose}** — {len(the_region.practices)} practices, {len(the_region.ccgs)} CCGs."
        )
        st.button("Back to the demo region", on_click=back_to_demo)
    else:
        st.write(
            f"**Demo region** — {len(the_region.practices)} practices "
            f"in {len(the_region.ccgs)} CCGs."
        )
    with st.expander("Load your own files"):
        files = {
            role: st.file_uploader(label, type=types, key=upload_key(role))
            for role, (label, types) in UPLOAD_ROLES.items()
        }
        if state.list_size_choices:
            st.selectbox(
                "List-size column",
                list(state.list_size_choices),
                key=AppState.list_size_column.key,
                help="The practices file has several list-size columns: the one the band, "
                "the checks and the optimiser count.",
            )
        if st.button("Load these files", key="load_files"):
            with st.spinner("Reading the files…"):
                load_uploads(files)
            state.load_warnings_opened = 1  # the warnings of these files, open once
            st.rerun()
        _page(state.upload_problems, st.error, "problems")
    warnings_panel()


def warnings_panel() -> None:
    """Show the load's warnings in one expander of the sidebar, drawn only while it is open.

    With all of England's files a load gives 1,529 warnings (practices placed in another
    CCG than their row says, registrations differing from list sizes): the Data section
    drew a page of 50 boxes and the text of all 1,529 on every run of the page, whatever
    the tab. The expander says how many there are. It is open on the run after a load
    (where the files were loaded), closed from the next run on; opened, it shows those
    about the practices of the area chosen in the sidebar first (the file-wide ones before
    them), a page of them, and offers every one as a text file.
    """
    warnings = list(state.upload_warnings)
    if not warnings:
        return
    opened = state.load_warnings_opened
    if opened == 1:  # the run after a load: open where the files were loaded
        state.load_warnings_open = True
        state.load_warnings_opened = 2
    elif opened == 2:  # the next run closes them, unless the user closed them already
        state.load_warnings_open = False
        del state.load_warnings_opened
    box = st.expander(
        f"{_count(len(warnings), 'warning')} from loading your files",
        key=AppState.load_warnings_open.key,
        on_change="rerun",
    )
    if not box.open:  # closed: nothing drawn, nothing sent (None: not tracked, never here)
        return
    with box:
        ordered, about_area = _area_first(warnings)
        if about_area:
            st.caption(
                f"{_count(about_area, 'warning')} about the practices of the area chosen, "
                "shown first (after those about whole files)."
            )
        _page(ordered, st.warning, "warnings")


_PRACTICE_NAMED = re.compile(r"^[^:]*\(([A-Za-z0-9]+)\): ")
"""A warning about one practice: ``practices.csv (A81001): …`` (its file, then its code)."""


def _area_first(warnings: Sequence[str]) -> tuple[list[str], int]:
    """Order the warnings: whole files', then the area chosen's practices', then the rest.

    Also count those about the area's practices (0 with every area chosen).
    """
    if state.area_ccg in (None, ALL) and state.area_stp in (None, ALL):
        return list(warnings), 0
    ccgs = set(scope_ccgs())
    info = practice_info()
    general: list[str] = []
    ours: list[str] = []
    others: list[str] = []
    for warning in warnings:
        named = _PRACTICE_NAMED.match(warning)
        if named is None:
            general.append(warning)
            continue
        practice = info.get(named.group(1))
        (ours if practice is not None and practice["ccg"] in ccgs else others).append(warning)
    return [*general, *ours, *others], len(ours)


def _page(messages: Sequence[str], show: Callable[[str], object], what: str) -> None:
    """Show the first :data:`PROBLEMS_SHOWN` messages; offer them all as a download.

    A file with 20,000 bad rows drew 20,000 boxes (47 s, then 13 s a click): now one page,
    a count of the rest and the whole list as a text file.
    """
    for message in messages[:PROBLEMS_SHOWN]:
        show(plain(message))
    hidden = len(messages) - PROBLEMS_SHOWN
    if hidden > 0:
        st.caption(f"… and {hidden:,} more {what}.")
        st.download_button(
            f"Download all {len(messages):,} {what} (text)",
            "\n".join(messages) + "\n",
            file_name=f"footprints-{what}.txt",
            mime="text/plain",
            key=f"download_upload_{what}",
        )
