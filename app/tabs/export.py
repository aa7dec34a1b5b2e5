"""The Export tab: the plan as CSV, and GeoJSON, GeoPackage, ePCN CSV and a submission pack."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import streamlit as st

from app.comments import open_comments
from app.data import area_names, practice_info, scope_ccgs
from app.facts import Facts
from app.markdown import plain
from app.state import ALL, AppState, ExportsFor, state
from footprints.errors import FootprintsError
from footprints.export import export_plan
from footprints.io import write_plan
from footprints.plan import Plan
from footprints.report import write_pack
from footprints.store.sessions import comments_by_network, comments_by_unassigned_practice

__all__ = ["panel"]


def _prepare(facts: Facts, folder: Path) -> dict[str, tuple[bytes, str]]:
    """Write every export of the working plan in ``folder``; file name → (bytes, type)."""
    the_region, plan, report, band = facts["region"], facts["plan"], facts["report"], facts["band"]
    networks = _area_networks(plan)
    files: dict[str, tuple[bytes, str]] = {}
    try:
        for name, mime in (
            ("networks.geojson", "application/geo+json"),
            ("plan.gpkg", "application/geopackage+sqlite3"),
        ):
            for path in export_plan(
                the_region, plan, folder / name, report=report, band=band, networks=networks
            ):
                files[path.name] = (path.read_bytes(), mime)
        for path in export_plan(
            the_region, plan, folder / "epcn.csv", fmt="epcn", networks=networks
        ):
            files[path.name] = (path.read_bytes(), "text/csv")
    except FootprintsError as error:
        st.error(f"Export failed: {plain(error)}")
    opened = open_comments() if state.export_comments else None
    try:  # a pack refused (too large) leaves the other files on offer
        for path in write_pack(
            the_region,
            plan,
            folder / "submission_pack.pdf",
            band=band,
            report=report,
            waivers=dict(plan.waivers),  # the reasons recorded in the app
            comments=comments_by_network(opened, plan) if opened is not None else None,
            unassigned_comments=(
                comments_by_unassigned_practice(opened, plan) if opened is not None else None
            ),
            areas=_pack_areas(),
        ):
            mime = "application/pdf" if path.suffix == ".pdf" else "text/html"
            files[path.name] = (path.read_bytes(), mime)
    except FootprintsError as error:
        st.error(f"No submission pack: {plain(error)}")
    return files


def _pack_areas() -> list[str] | None:
    """Return the CCGs the pack presents: those of the area chosen in the sidebar, else all."""
    if state.area_ccg in (None, ALL) and state.area_stp in (None, ALL):
        return None
    return scope_ccgs()


def _area_networks(plan: Plan) -> list[str] | None:
    """Return the networks with a practice in the area chosen in the sidebar; None: all.

    With all of England's files loaded and Kent and Medway chosen, the GeoJSON, GeoPackage
    and ePCN files held the whole plan (1,250 networks: 6.4 MB, 8.2 MB and 0.9 MB, about
    20 s at load 8-10) where the CCG lead wanted their area's networks.
    """
    areas = _pack_areas()
    if areas is None:
        return None
    wanted, info = set(areas), practice_info()
    return sorted(
        {
            network
            for practice, network in plan.assignment.items()
            if practice in info and info[practice]["ccg"] in wanted
        }
    )


def _count(number: int, thing: str) -> str:
    """``1 network``, ``52 networks``: the number with its noun, singular or plural."""
    return f"{number:,} {thing}{'s' if number != 1 else ''}"


def _pack_scope() -> str:
    """Say which areas the pack presents, in words."""
    areas = _pack_areas()
    if areas is None:
        return "every area of the region"
    names = area_names()
    shown = ", ".join(f"{names.get(a, a)} ({a})" for a in areas[:3])
    return shown + (f" and {len(areas) - 3:,} more" if len(areas) > 3 else "")


def panel(facts: Facts) -> None:
    """Offer the plan's CSV; the other files once prepared for this plan."""
    plan = facts["plan"]
    buffer = io.StringIO()
    write_plan(plan, buffer)
    st.download_button(
        "Download the plan (CSV)",
        buffer.getvalue(),
        file_name="plan.csv",
        mime="text/csv",
        key="download_plan",
    )
    if state.plan_handle is not None:
        st.checkbox(
            "Print the open comments in the submission pack",
            key=AppState.export_comments.key,
            help="Each network's block lists the open comments on it and on its practices.",
        )
    networks = _area_networks(plan)
    held = (
        "the whole plan"
        if networks is None
        else f"the {_count(len(networks), 'network')} with a practice in it (the plan CSV: "
        "the whole plan)"
    )
    st.caption(
        f"The submission pack presents {_pack_scope()}: the area chosen in the sidebar "
        f"(choose *All* there for every area). The GeoJSON, GeoPackage and ePCN files hold "
        f"{held}."
    )
    now = _exports_for(facts)
    if st.button("Prepare GeoJSON, GeoPackage and submission pack", key="prepare_exports"):
        with st.spinner("Writing the files…"), tempfile.TemporaryDirectory() as folder:
            state.exports = (now, _prepare(facts, Path(folder)))
    prepared = state.exports
    if prepared is None:
        return
    change = prepared[0].change(now)
    if change is None:
        for name, (data, mime) in prepared[1].items():
            st.download_button(
                f"Download {name}", data, file_name=name, mime=mime, key=f"download_{name}"
            )
    else:  # never the files of another plan, area or band
        st.caption(f"Since the files were prepared, {change}: prepare them again.")


def _exports_for(facts: Facts) -> ExportsFor:
    """Describe what files prepared now are written for: the plan, area and choices at hand."""
    areas = _pack_areas()
    return ExportsFor(
        plan=facts["plan"],
        region=facts["region"],
        band=facts["band"],
        groups=facts["groups"],
        areas=tuple(areas) if areas is not None else None,
        comments=bool(state.export_comments) and state.plan_handle is not None,
    )
