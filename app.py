"""footprints — Streamlit app. Widgets and session state only; all logic is in footprints/.

The working plan, its history, locks and autosave live in ``footprints.session``; rules in
``footprints.validate``; measures in ``footprints.metrics``; the map in ``footprints.maps``.
Every edit is an ``on_click`` callback (so the whole page renders with the new plan) followed
by an autosave; the session id in the URL (``?session=…``) restores the same plan after a
refresh or a server restart.
"""

from __future__ import annotations

import dataclasses
import io
import math
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from footprints.background import ProposalJob
from footprints.crs import WGS84
from footprints.errors import FootprintsError, InputError
from footprints.io import input_size_limit, write_plan
from footprints.maps import focus_bounds, plan_map, practices_in_drawing
from footprints.metrics import footprints as network_footprints
from footprints.metrics import network_table, patch_alignment
from footprints.optimiser import AreaResult, OptimiseSettings, propose
from footprints.plan import Band, Plan
from footprints.region import Region, load_demo, load_region
from footprints.session import (
    LockedNetworkError,
    SavedSession,
    SessionStore,
    WorkingPlan,
    new_network_id,
    new_session_id,
)
from footprints.validate import Report, Violation, validate

try:  # written alongside the app; the app works without them
    from footprints.diff import diff_plans
except ImportError:  # pragma: no cover - depends on what is installed
    diff_plans = None  # type: ignore[assignment]
try:
    from footprints.export import export_plan
except ImportError:  # pragma: no cover
    export_plan = None  # type: ignore[assignment]
try:
    from footprints.report import write_pack
except ImportError:  # pragma: no cover
    write_pack = None  # type: ignore[assignment]

st.set_page_config(page_title="footprints — PCN planner", layout="wide")

ss = st.session_state
ALL = "__all__"
NEW = "__new__"
#: Optimiser time limit per planning area on first start (the demo solves in ~2 s per CCG).
FIRST_TIME_LIMIT = 20.0
MAP_KEY = "map"
RULE_WORDS = {
    "coverage": "Coverage",
    "band": "Band",
    "contiguity": "Contiguity",
    "boundary": "Boundary crossing",
    "patch": "Patch straddle",
}
UPLOAD_ROLES = {
    "practices": ("Practices (CSV)", ["csv", "xlsx"]),
    "boundaries": ("CCG / sub-ICB boundaries", ["geojson", "json", "gpkg", "zip", "shp"]),
    "stp_boundaries": ("STP / ICB boundaries (optional)", ["geojson", "json", "gpkg", "zip"]),
    "patches": ("Nursing patches (optional)", ["geojson", "json", "gpkg", "zip"]),
    "plan": ("Current plan (optional)", ["csv", "xlsx"]),
}
SETTING_DEFAULTS: dict[str, int | float] = {
    "band_min": 30_000,
    "band_max": 50_000,
    "compactness_weight": 1.0,
    "straddle_weight": 1.0,
    "move_weight": 10_000.0,
    "network_cost": 30_000.0,
    "time_limit": FIRST_TIME_LIMIT,
}


# ------------------------------------------------------------------------------ cached data
@st.cache_resource(show_spinner="Loading the demo region…")
def demo_region() -> Region:
    region = load_demo()
    _ = region.ccg_graphs, region.validation_graph  # build the graphs once per server
    return region


@st.cache_resource(show_spinner="Proposing networks for the demo region (about 10 seconds)…")
def demo_proposal(settings: OptimiseSettings) -> tuple[Plan, dict[str, AreaResult]]:
    region = demo_region()
    proposal = propose(region.ccg_graphs, settings, processes=1)
    return proposal.plan, dict(proposal.results)


# ------------------------------------------------------------------------------ state
store = SessionStore()
session_id = st.query_params.get("session")
if not SessionStore.valid_id(session_id):
    session_id = new_session_id()
    st.query_params["session"] = session_id


def current_settings() -> OptimiseSettings:
    low, high = int(ss.get("band_min", 30_000)), int(ss.get("band_max", 50_000))
    return OptimiseSettings(
        band=Band(min(low, high), max(low, high)),
        compactness_weight=float(ss.get("compactness_weight", 1.0)),
        straddle_weight=float(ss.get("straddle_weight", 1.0)),
        move_weight=float(ss.get("move_weight", 10_000.0)),
        network_cost=float(ss.get("network_cost", 30_000.0)),
        time_limit=float(ss.get("time_limit", FIRST_TIME_LIMIT)),
    )


def first_settings() -> OptimiseSettings:
    """The settings of the proposal a new session starts on (cached once per server)."""
    return OptimiseSettings(time_limit=FIRST_TIME_LIMIT)


def band() -> Band:
    return current_settings().band


def region() -> Region:
    return ss["region"] if ss.get("region_kind") == "upload" else demo_region()


def working() -> WorkingPlan:
    return ss["working"]  # type: ignore[no-any-return]


def autosave() -> None:
    """Save the working plan, locks and history pointer (atomically) after every edit."""
    saved = SavedSession(
        working(),
        region=ss.get("region_kind", "demo"),
        uploads=dict(ss.get("uploads", {})),
        settings={k: ss.get(k, v) for k, v in SETTING_DEFAULTS.items()},
    )
    try:
        store.save(session_id, saved)
        ss["saved_at"] = time.strftime("%H:%M:%S")
    except OSError as error:
        ss["save_error"] = f"Could not save your plan to {store.folder}: {error}"


#: Largest uploaded input file read (bytes); larger files get a clear error, not a stall.
UPLOAD_LIMIT_BYTES = 200 * 1024 * 1024


def load_uploaded_region(folder: Path, uploads: Mapping[str, str]) -> Region:
    paths = {role: folder / name for role, name in uploads.items()}
    with input_size_limit(UPLOAD_LIMIT_BYTES):
        loaded = load_region(
            paths["practices"],
            paths["boundaries"],
            stp_boundaries=paths.get("stp_boundaries"),
            patches=paths.get("patches"),
            plan=paths.get("plan"),
        )
    loaded.name = Path(uploads["practices"]).stem
    _ = loaded.ccg_graphs, loaded.validation_graph
    return loaded


def start_session() -> None:
    """First run in this browser tab: restore the saved plan, or start on the demo proposal."""
    saved = store.load(session_id)
    if saved is not None:
        for key, value in saved.settings.items():
            if key in SETTING_DEFAULTS:
                ss[key] = value
        if saved.region == "upload" and saved.uploads:
            try:
                ss["region"] = load_uploaded_region(store.upload_dir(session_id), saved.uploads)
                ss["region_kind"] = "upload"
                ss["uploads"] = dict(saved.uploads)
            except (FootprintsError, OSError) as error:
                ss["notice"] = (
                    f"Your uploaded files could not be reloaded ({error}); showing the demo."
                )
                saved = None
        if saved is not None:
            ss["working"] = saved.working
            ss["notice"] = "Restored your saved plan."
            return
    ss["region_kind"] = "demo"
    plan, results = demo_proposal(first_settings())
    ss["working"] = WorkingPlan(plan, label="proposal")
    ss["results"] = results
    autosave()


if "working" not in ss:
    start_session()
for _key, _default in SETTING_DEFAULTS.items():  # widget values, restored or default
    ss[_key] = type(_default)(ss.get(_key, _default))


# ------------------------------------------------------------------------------ derived
def derived() -> dict[str, Any]:
    """Validation, footprints, alignment and the network table of the working plan (memoised)."""
    plan, the_band, the_region = working().plan, band(), region()
    cached = ss.get("_derived")
    if (
        cached
        and cached["plan"] is plan
        and cached["band"] == the_band
        and cached["region"] is the_region
    ):
        return cached  # type: ignore[no-any-return]
    graph = the_region.validation_graph
    report = validate(plan, graph, band=the_band)
    shapes = network_footprints(plan, the_region.catchments)
    if "population" not in shapes.columns:
        sizes = the_region.practices.set_index("code")["list_size"]
        populations = {n: int(sizes.reindex(p).fillna(0).sum()) for n, p in plan.networks().items()}
        shapes["population"] = shapes["network_id"].map(populations)
    value = {
        "plan": plan,
        "band": the_band,
        "region": the_region,
        "report": report,
        "footprints": shapes,
        "alignment": patch_alignment(plan, graph),
        "table": network_table(plan, graph, band=the_band),
    }
    ss["_derived"] = value
    return value


def practice_label(code: str) -> str:
    info = practice_info().get(code)
    if info is None:
        return code
    network = working().plan.assignment.get(code)
    where = f" — {working().plan.network_name(network)}" if network else " — no network"
    return f"{info['name']} ({code}){where}"


def practice_info() -> dict[str, dict[str, Any]]:
    key = ("_practice_info", id(region()))
    if ss.get("_practice_info_key") != key:
        table = region().practices
        ss["_practice_info"] = {
            str(row.code): {"name": str(row.name), "list_size": int(row.list_size), "ccg": row.ccg}
            for row in table.itertuples()
        }
        points = table.to_crs(WGS84)
        ss["_practice_points"] = (
            np.array([str(c) for c in points["code"]]),
            np.column_stack([points.geometry.y, points.geometry.x]),
        )
        ss["_practice_info_key"] = key
    return ss["_practice_info"]  # type: ignore[no-any-return]


def network_label(network: str) -> str:
    if network == NEW:
        return "➕ a new network…"
    name = working().plan.network_name(network)
    return name if name == network else f"{name} ({network})"


def set_focus(kind: str) -> Callable[[], None]:
    def choose() -> None:
        ss["map_focus"] = kind

    return choose


# ------------------------------------------------------------------------------ callbacks
def on_map_change() -> None:
    """A click on a practice selects it (and any at its site); a drawn shape selects those inside.

    streamlit-folium reports a click on any layer as ``last_active_drawing`` too, so a shape
    counts as drawn only when it is among ``all_drawings``.
    """
    value = ss.get(MAP_KEY) or {}
    previous = ss.get("_map_seen", {})
    drawing = value.get("last_active_drawing")
    drawn = value.get("all_drawings") or []
    clicked = value.get("last_object_clicked")
    practice_info()
    if clicked and clicked != previous.get("clicked"):
        codes, coords = ss["_practice_points"]
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
        distance = np.hypot(coords[:, 0] - lat, (coords[:, 1] - lng) * math.cos(math.radians(lat)))
        nearest = float(distance.min())
        if nearest < 0.0005:  # about 50 m: a marker, not a click on a footprint
            ss["selected"] = sorted(str(c) for c in codes[distance <= nearest + 1e-9])
            ss["map_focus"] = "selection"
    elif drawing and drawing != previous.get("drawing") and drawing in drawn:
        inside = practices_in_drawing(region().practices, drawing)
        if inside:
            ss["selected"] = inside
            ss["map_focus"] = "selection"
        ss["notice"] = (
            f"Selected {len(inside)} practice{'s' if len(inside) != 1 else ''} in the shape."
            if inside
            else "No practice lies inside the drawn shape."
        )
    ss["_map_seen"] = {"drawing": drawing, "clicked": clicked}


def do_move() -> None:
    chosen = list(ss.get("selected", []))
    target = ss.get("target")
    if not chosen:
        ss["error"] = (
            "Choose one or more practices first (click a marker, draw a shape, or pick below)."
        )
        return
    plan = working().plan
    name = None
    if target == NEW or target is None:
        target = new_network_id(plan)
        name = (ss.get("new_name") or "").strip() or f"New network {target}"
    try:
        moved = working().move(chosen, str(target), name=name)
    except LockedNetworkError as error:
        ss["error"] = str(error).capitalize()
        return
    if moved:
        ss["notice"] = (
            f"Moved {len(moved)} practice{'s' if len(moved) != 1 else ''} "
            f"to {network_label(str(target))}."
        )
        ss["map_focus"] = "selection"
        autosave()
    else:
        ss["notice"] = "Nothing to move: the practices are already in that network."


def do_undo() -> None:
    if working().undo():
        ss["notice"] = "Undone."
        autosave()


def do_redo() -> None:
    if working().redo():
        ss["notice"] = "Redone."
        autosave()


def do_lock(lock: bool) -> None:
    network = ss.get("lock_network")
    if not network:
        return
    if lock:
        working().lock([network])
    else:
        working().unlock([network])
    autosave()


def do_reset_to_current() -> None:
    current = region().current
    if current is not None:
        working().replace(current, label="the current plan from the file")
        autosave()


# ------------------------------------------------------------------------------ optimiser
def area_names() -> dict[str, str]:
    the_region = region()
    names = {str(r.code): str(r.name) for r in the_region.ccgs.itertuples()}
    upper = the_region.upper_boundaries
    names.update({str(r.code): str(r.name) for r in upper.itertuples()})
    return names


def scope_ccgs() -> list[str]:
    """The CCGs the area selector covers."""
    the_region = region()
    ccgs = the_region.ccgs
    chosen_ccg = ss.get("area_ccg", ALL)
    if chosen_ccg not in (None, ALL):
        return [chosen_ccg]
    chosen_stp = ss.get("area_stp", ALL)
    practices = the_region.practices
    if chosen_stp in (None, ALL):
        return sorted(str(c) for c in ccgs["code"])
    in_stp = practices.loc[practices["stp"] == chosen_stp, "ccg"].dropna().unique()
    return sorted(str(c) for c in in_stp)


def start_optimiser(repair: bool) -> None:
    """Start the optimiser on the CCGs in scope in the background; locked networks stay."""
    if optimiser_running():
        return
    the_region = region()
    ccgs = [c for c in scope_ccgs() if c in the_region.ccg_graphs]
    graphs = {c: the_region.ccg_graphs[c] for c in ccgs}
    settings = current_settings()
    plan = working().plan
    locks = sorted(working().locks)
    if not repair:  # a fresh proposal: the current plan only matters for locked networks
        settings = dataclasses.replace(settings, move_weight=0.0)
    current = dict(plan.assignment) if (repair or locks) else None
    ss["optimiser_job"] = ProposalJob(
        graphs, settings, current=current, frozen=locks if current else (), processes=1
    )
    ss["optimiser_run"] = {"repair": repair, "ccgs": ccgs}


def optimiser_running() -> bool:
    job: ProposalJob | None = ss.get("optimiser_job")
    return job is not None and not job.done


def stop_optimiser() -> None:
    job: ProposalJob | None = ss.get("optimiser_job")
    if job is not None:
        job.stop()


def drop_optimiser() -> None:
    """Stop a running optimiser and forget it (its region is being replaced)."""
    stop_optimiser()
    ss.pop("optimiser_job", None)
    ss.pop("optimiser_run", None)


def finish_optimiser() -> None:
    """Apply a finished optimiser run to the working plan (once)."""
    job: ProposalJob | None = ss.get("optimiser_job")
    if job is None or not job.done:
        return
    run = ss.pop("optimiser_run", {"repair": False, "ccgs": []})
    del ss["optimiser_job"]
    proposal = job.proposal
    if proposal is None:
        ss["error"] = f"The optimiser failed: {job.error}. Your plan is unchanged."
        return
    the_region = region()
    graphs = {c: the_region.ccg_graphs[c] for c in run["ccgs"]}
    # The working plan now, not at the start: edits made while the optimiser ran are kept
    # outside the areas it solved (and inside them stay one undo away).
    plan = working().plan
    scope = {str(p) for g in graphs.values() for p in g.nodes}
    assignment = {p: n for p, n in plan.assignment.items() if p not in scope}
    failed = [a for a, r in proposal.results.items() if not r.assignment]
    for area, result in proposal.results.items():
        if result.assignment:
            assignment.update(result.assignment)
        else:  # keep the area's current networks when the optimiser found no plan
            assignment.update({p: n for p, n in plan.assignment.items() if p in graphs[area]})
    used = set(assignment.values())
    names = {n: v for n, v in {**plan.names, **proposal.plan.names}.items() if n in used}
    what = "re-optimised unlocked networks" if run["repair"] else "proposal"
    if job.stopped:
        what += ", stopped early"
    new_plan = Plan(assignment, names)
    unchanged = new_plan == plan
    working().replace(new_plan, label=f"{what} ({', '.join(run['ccgs'])})")
    ss["results"] = dict(proposal.results)
    ss["optimiser_seconds"] = job.seconds
    seconds = job.seconds or 0.0
    ss["notice"] = (
        (
            f"Optimiser stopped after {seconds:.1f} s: each CCG has the best plan found so far "
            "(see the optimiser results)."
            if job.stopped
            else f"Optimiser finished in {seconds:.1f} s."
        )
        + (" It found no better plan: the working plan is unchanged." if unchanged else "")
        + (f" No plan for {', '.join(failed)}: see the optimiser results." if failed else "")
    )
    autosave()


@st.fragment(run_every=0.5)
def optimiser_status() -> None:
    """Progress and a Stop button while the optimiser runs; the whole page redraws after."""
    job: ProposalJob | None = ss.get("optimiser_job")
    if job is None:
        return
    if job.done:
        st.rerun()  # the full run applies the result
    text = "Stopping — finishing with the best plan so far…" if job.stopped else "Optimising"
    st.progress(min(1.0, max(0.0, job.fraction)), text=f"{text} — {job.message}")
    st.button(
        "Stop",
        key="stop_optimiser",
        on_click=stop_optimiser,
        disabled=job.stopped,
        help="Stops the optimiser now; each CCG keeps the best plan found so far.",
    )


# ------------------------------------------------------------------------------ uploads
def load_uploads(files: Mapping[str, Any]) -> None:
    """Save the uploaded files in the session's folder and load them as the region."""
    if not files.get("practices") or not files.get("boundaries"):
        ss["upload_problems"] = ["Upload at least the practices file and the CCG boundaries."]
        ss.pop("upload_warnings", None)
        return
    folder = store.upload_dir(session_id)
    uploads: dict[str, str] = {}
    for role, upload in files.items():
        if upload is None:
            continue
        name = f"{role}/{Path(upload.name).name}"  # one folder per role keeps the user's name
        (folder / role).mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(upload.getvalue())
        uploads[role] = name

    def plain(text: str) -> str:
        """The message with the user's file names in place of the server's paths."""
        for role in UPLOAD_ROLES:
            text = text.replace(f"{folder / role}/", "")
        return text.replace(f"{folder}/", "")

    try:
        loaded = load_uploaded_region(folder, uploads)
    except InputError as error:
        ss["upload_problems"] = [plain(str(p)) for p in error.problems if p.severity == "error"]
        return
    except FootprintsError as error:
        ss["upload_problems"] = [plain(str(error))]
        return
    except Exception as error:  # a file no reader understood: say so, no traceback
        ss["upload_problems"] = [f"The files could not be read: {plain(str(error))}"]
        return
    ss.pop("upload_problems", None)
    drop_optimiser()  # a run on the old region must not land on the new one
    ss["region"] = loaded
    ss["region_kind"] = "upload"
    ss["uploads"] = uploads
    ss["area_stp"] = ALL
    ss["area_ccg"] = ALL
    start = loaded.current if loaded.current is not None else Plan({})
    ss["working"] = WorkingPlan(start, label="current plan" if loaded.current else "empty plan")
    ss.pop("results", None)
    warnings = [plain(str(p)) for p in loaded.problems]
    ss["notice"] = f"Loaded {len(loaded.practices)} practices in {len(loaded.ccgs)} CCGs." + (
        f" {len(warnings)} warnings." if warnings else ""
    )
    ss["upload_warnings"] = warnings
    autosave()


def back_to_demo() -> None:
    drop_optimiser()
    ss["region_kind"] = "demo"
    ss["uploads"] = {}
    ss["area_stp"] = ALL
    ss["area_ccg"] = ALL
    plan, results = demo_proposal(first_settings())
    ss["working"] = WorkingPlan(plan, label="proposal")
    ss["results"] = results
    autosave()


# ============================================================================== page
st.title("footprints — Primary Care Network planner")
status_area = st.container()
the_region = region()
names_of_areas = area_names()

# ------------------------------------------------------------------------------ sidebar
with st.sidebar:
    st.header("Data")
    if ss.get("region_kind") == "upload":
        st.write(
            f"**Your files** — {len(the_region.practices)} practices, {len(the_region.ccgs)} CCGs."
        )
        st.button("Back to the demo region", on_click=back_to_demo)
    else:
        st.write(
            f"**Demo region** — {len(the_region.practices)} practices "
            f"in {len(the_region.ccgs)} CCGs."
        )
    with st.expander("Load your own files"):
        files = {
            role: st.file_uploader(label, type=types, key=f"upload_{role}")
            for role, (label, types) in UPLOAD_ROLES.items()
        }
        if st.button("Load these files", key="load_files"):
            with st.spinner("Reading the files…"):
                load_uploads(files)
            st.rerun()
        for problem in ss.get("upload_problems", []):
            st.error(problem)
        if ss.get("upload_warnings"):
            st.caption("Warnings from loading your files:")
            for warning in ss["upload_warnings"]:
                st.warning(warning)

    st.header("Area")
    upper_codes = sorted(str(c) for c in the_region.upper_boundaries["code"])
    st.selectbox(
        "STP / ICB",
        [ALL, *upper_codes],
        key="area_stp",
        format_func=lambda c: "All" if c == ALL else f"{names_of_areas.get(c, c)} ({c})",
        on_change=lambda: ss.update(area_ccg=ALL),
    )
    practices_table = the_region.practices
    stp_choice = ss.get("area_stp", ALL)
    ccg_options = sorted(
        str(c)
        for c in (
            the_region.ccgs["code"]
            if stp_choice == ALL
            else practices_table.loc[practices_table["stp"] == stp_choice, "ccg"].dropna().unique()
        )
    )
    if ss.get("area_ccg") not in (ALL, *ccg_options):
        ss["area_ccg"] = ALL
    st.selectbox(
        "CCG / sub-ICB",
        [ALL, *ccg_options],
        key="area_ccg",
        format_func=lambda c: "All in the STP" if c == ALL else f"{names_of_areas.get(c, c)} ({c})",
        on_change=set_focus("area"),
    )

    st.header("Optimiser")
    low_col, high_col = st.columns(2)
    low_col.number_input("Band minimum", min_value=0, step=1_000, key="band_min")
    high_col.number_input("Band maximum", min_value=0, step=1_000, key="band_max")
    with st.expander("Weights and time limit"):
        st.number_input(
            "Compactness weight",
            min_value=0.0,
            step=0.1,
            key="compactness_weight",
            help="Cost per patient-kilometre from the network's centre.",
        )
        st.number_input(
            "Patch straddle weight",
            min_value=0.0,
            step=0.1,
            key="straddle_weight",
            help="Cost per patient outside the network's main nursing patch.",
        )
        st.number_input(
            "Move weight (re-optimise)",
            min_value=0.0,
            step=1_000.0,
            key="move_weight",
            help="Cost per practice moved away from the working plan.",
        )
        st.number_input(
            "Cost per network",
            min_value=0.0,
            step=5_000.0,
            key="network_cost",
            help="Higher favours fewer, larger networks.",
        )
        st.number_input(
            "Time limit per CCG (seconds)",
            min_value=1.0,
            max_value=600.0,
            step=5.0,
            key="time_limit",
        )
    running = optimiser_running()
    st.button(
        "Propose networks",
        type="primary",
        key="propose",
        on_click=start_optimiser,
        args=(False,),
        disabled=running,
        help="A fresh plan for the CCGs in the area; locked networks are kept.",
    )
    st.button(
        "Re-optimise unlocked networks",
        key="reoptimise",
        on_click=start_optimiser,
        args=(True,),
        disabled=running,
        help="Start from the working plan, moving as few practices as the weights allow.",
    )
    if the_region.current is not None:
        st.button("Start from the current plan", key="use_current", on_click=do_reset_to_current)

if ss.get("band_min", 0) > ss.get("band_max", 0):
    status_area.warning("The band minimum is above the maximum; the two are swapped.")
finish_optimiser()
with status_area:
    optimiser_status()
for key, show in (
    ("notice", status_area.success),
    ("error", status_area.error),
    ("save_error", status_area.error),
):
    message = ss.pop(key, None)
    if message:
        show(message)

# ------------------------------------------------------------------------------ headline
facts = derived()
plan: Plan = facts["plan"]
report: Report = facts["report"]
summary = report.summary
locked_now = working().locks
# Labels for widgets, as plain dicts: format functions must not read session state.
network_labels = {n: network_label(n) for n in plan.networks()} | {NEW: network_label(NEW)}
practice_labels = {c: practice_label(c) for c in practice_info()}
alignment = facts["alignment"]
cols = st.columns(6)
cols[0].metric("Networks", summary["networks"])
cols[1].metric(
    "In band",
    f"{summary['in_band']} / {summary['networks']}",
    help=f"{summary['below']} below, {summary['above']} above",
)
cols[2].metric("Not contiguous", summary["contiguity"])
cols[3].metric("Boundary crossings", summary["boundary"])
cols[4].metric("Straddling patches", len(alignment.straddling_networks))
cols[5].metric("Hard violations", summary["hard"])
st.caption(
    f"Working plan: {working().label} · step {working().pointer + 1} of {len(working().history)}"
    + (f" · saved {ss['saved_at']}" if ss.get("saved_at") else "")
    + f" · session {session_id}"
)

# ------------------------------------------------------------------------------ map focus
violations = list(report.violations)
focus_kind = ss.get("map_focus")
highlight_practices: set[str] = set(ss.get("selected", []))
highlight_networks: set[str] = set()
highlight_patches: set[str] = set()
focus_codes: list[str] = []
violation_ids: dict[str, Violation] = {}
for _violation in violations:
    _id = f"{_violation.rule}:{','.join(_violation.networks)}:{','.join(_violation.practices[:3])}"
    violation_ids.setdefault(_id, _violation)
for _key, _options in (
    ("violation_choice", violation_ids),
    ("trust_patch", alignment.patch_networks),
    ("trust_network", alignment.network_patches),
):
    if ss.get(_key) is not None and ss[_key] not in _options:
        del ss[_key]  # what it pointed at is gone after an edit
if focus_kind == "violation" and ss.get("violation_choice") is not None:
    chosen_violation = violation_ids.get(ss["violation_choice"])
    if chosen_violation is not None:
        highlight_networks = set(chosen_violation.networks)
        highlight_practices |= set(chosen_violation.practices)
        focus_codes = [p for n in chosen_violation.networks for p in plan.networks().get(n, [])]
        focus_codes += list(chosen_violation.practices)
elif focus_kind == "patch" and ss.get("trust_patch"):
    patch = ss["trust_patch"]
    highlight_patches = {patch}
    highlight_networks = set(alignment.patch_networks.get(patch, ()))
    focus_codes = [p for n in highlight_networks for p in plan.networks().get(n, [])]
elif focus_kind == "network" and ss.get("trust_network"):
    network = ss["trust_network"]
    highlight_networks = {network}
    highlight_patches = set(alignment.network_patches.get(network, {}))
    focus_codes = list(plan.networks().get(network, []))
elif focus_kind == "compare" and ss.get("compare_moved"):
    highlight_practices |= set(ss["compare_moved"])
    focus_codes = list(ss["compare_moved"])
elif focus_kind == "selection" and ss.get("selected"):
    # The selected practices in the context of their networks.
    members = plan.networks()
    focus_codes = list(ss["selected"])
    for code in ss["selected"]:
        focus_codes += members.get(plan.assignment.get(code, ""), [])
elif focus_kind == "area" and ss.get("area_ccg", ALL) != ALL:
    in_scope = set(scope_ccgs())
    focus_codes = [c for c, info in practice_info().items() if info["ccg"] in in_scope]

# ------------------------------------------------------------------------------ map + edit
map_col, side_col = st.columns([3, 2])
with map_col:
    fmap = plan_map(
        the_region.practices,
        plan,
        ccgs=the_region.ccgs,
        stps=the_region.stps,
        patches=the_region.patches,
        footprints=facts["footprints"],
        locked=working().locks,
        highlight_practices=highlight_practices,
        highlight_networks=highlight_networks,
        highlight_patches=highlight_patches,
        focus=focus_bounds(the_region.practices, focus_codes, padding_m=2_000.0)
        if focus_codes
        else None,
        draw=True,
    )
    st_folium(
        fmap,
        key=MAP_KEY,
        height=600,
        use_container_width=True,
        returned_objects=["last_object_clicked", "last_active_drawing", "all_drawings"],
        on_change=on_map_change,
    )
    st.caption(
        "Click a practice to select it, or draw a polygon (toolbar, top left) to select many."
    )

with side_col:
    st.subheader("Edit")
    codes = sorted(practice_info())
    ss["selected"] = [c for c in ss.get("selected", []) if c in practice_info()]
    st.multiselect(
        "Practices",
        codes,
        key="selected",
        format_func=lambda c: practice_labels.get(c, c),
        on_change=set_focus("selection"),
        placeholder="Click a marker, draw a shape, or choose",
    )
    networks = list(plan.networks())
    targets = [*sorted(networks, key=network_label), NEW]
    if ss.get("target") not in targets:
        ss["target"] = targets[0] if networks else NEW
    st.selectbox("Move to", targets, key="target", format_func=lambda n: network_labels.get(n, n))
    if ss.get("target") == NEW:
        st.text_input(
            "Name of the new network", key="new_name", placeholder="e.g. Riverside North PCN"
        )
    move_col, undo_col, redo_col = st.columns(3)
    move_col.button("Move", key="move", type="primary", on_click=do_move, width="stretch")
    undo_col.button(
        "↶ Undo",
        key="undo",
        on_click=do_undo,
        disabled=not working().can_undo,
        help=f"Undo {working().undo_label}" if working().can_undo else "Nothing to undo",
        width="stretch",
    )
    redo_col.button(
        "↷ Redo",
        key="redo",
        on_click=do_redo,
        disabled=not working().can_redo,
        help=f"Redo {working().redo_label}" if working().can_redo else "Nothing to redo",
        width="stretch",
    )

    lock_options = sorted(networks, key=network_label)
    if ss.get("lock_network") not in lock_options and lock_options:
        ss["lock_network"] = lock_options[0]
    lock_pick, lock_btn, unlock_btn = st.columns([2, 1, 1], vertical_alignment="bottom")
    lock_pick.selectbox(
        "Network",
        lock_options,
        key="lock_network",
        format_func=lambda n: network_labels.get(n, n) + (" 🔒" if n in locked_now else ""),
    )
    lock_btn.button(
        "Lock",
        key="lock",
        on_click=do_lock,
        args=(True,),
        disabled=ss.get("lock_network") in working().locks,
        width="stretch",
    )
    unlock_btn.button(
        "Unlock",
        key="unlock",
        on_click=do_lock,
        args=(False,),
        disabled=ss.get("lock_network") not in working().locks,
        width="stretch",
    )
    if working().locks:
        st.caption(
            "Locked: "
            + ", ".join(network_label(n) for n in sorted(working().locks))
            + " — kept as they are by re-optimising."
        )

    st.subheader(f"Violations ({len(violations)})")

    def violation_numbers(violation: Violation) -> str:
        values = violation.values
        if violation.rule == "band":
            return f"{values.get('population', 0):,} patients, gap {values.get('gap', 0):+,}"
        if violation.rule == "contiguity":
            detached = values.get("detached_population", 0)
            return f"{values.get('part_count')} parts, {detached:,} detached"
        if violation.rule == "boundary":
            return f"{values.get('population_outside', 0):,} outside {values.get('main_area')}"
        if violation.rule == "patch":
            return f"{values.get('straddling_population', 0):,} outside {values.get('main_patch')}"
        return ", ".join(f"{k} {v}" for k, v in values.items() if isinstance(v, int | float | str))[
            :80
        ]

    violation_labels = {
        key: f"{RULE_WORDS[v.rule]} · "
        + ", ".join(network_labels.get(n, n) for n in v.networks)
        + f" · {violation_numbers(v)}"
        for key, v in violation_ids.items()
    }
    if violations:
        st.selectbox(
            "Show on the map",
            list(violation_ids),
            key="violation_choice",
            index=None,
            placeholder="Choose a violation to zoom to it",
            format_func=lambda i: violation_labels.get(i, i),
            on_change=set_focus("violation"),
        )
        table = pd.DataFrame(
            {
                "rule": [RULE_WORDS[v.rule] for v in violations],
                "severity": [v.severity for v in violations],
                "networks": [", ".join(v.networks) for v in violations],
                "numbers": [violation_numbers(v) for v in violations],
                "message": [v.message for v in violations],
            }
        )
        st.dataframe(table, hide_index=True, height=260, width="stretch")
    else:
        st.success(
            "No violations: every network is in band, contiguous, inside one CCG and one patch."
        )

# ------------------------------------------------------------------------------ tabs
tab_pop, tab_trust, tab_compare, tab_results, tab_export, tab_history = st.tabs(
    ["Populations", "Community trust view", "Compare", "Optimiser results", "Export", "History"]
)

with tab_pop:
    networks_table = facts["table"].copy()
    networks_table["label"] = [network_label(n) for n in networks_table["network_id"]]
    networks_table["status"] = np.where(
        networks_table["in_band"], "in band", np.where(networks_table["gap"] < 0, "below", "above")
    )
    the_band = band()
    bars = (
        alt.Chart(networks_table)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort="-y", title=None),
            y=alt.Y("population:Q", title="Registered patients"),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=["below", "in band", "above"], range=["#e6a23c", "#4c9f70", "#d64545"]
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=["label", "population", "practice_count", "gap", "patches"],
        )
    )
    lines = (
        alt.Chart(pd.DataFrame({"limit": [the_band.min_population, the_band.max_population]}))
        .mark_rule(strokeDash=[6, 4], color="#333")
        .encode(y="limit:Q")
    )
    st.altair_chart(bars + lines, width="stretch")
    st.dataframe(
        networks_table[
            [
                "network_id",
                "network_name",
                "population",
                "practice_count",
                "gap",
                "ccgs",
                "patches",
                "straddling_population",
                "compactness_km",
            ]
        ],
        hide_index=True,
        width="stretch",
    )

with tab_trust:
    if the_region.patches is None:
        st.info(
            "This region has no nursing patches. "
            "Load a patches file to see how teams align with networks."
        )
    else:
        patch_names = {str(r.patch): str(r.name) for r in the_region.patches.itertuples()}
        measure = st.radio("Count", ["patients", "practices"], horizontal=True, key="trust_measure")
        graph = the_region.validation_graph
        rows = []
        for practice, network in plan.assignment.items():
            if practice in graph:
                patch = graph.nodes[practice].get("patch")
                if patch:
                    rows.append(
                        {
                            "patch": str(patch),
                            "network": network_label(network),
                            "patients": int(graph.nodes[practice].get("list_size", 0)),
                            "practices": 1,
                        }
                    )
        if rows:
            crosstab = pd.DataFrame(rows).pivot_table(
                index="patch", columns="network", values=measure, aggfunc="sum", fill_value=0
            )
            crosstab.index = [f"{patch_names.get(p, p)} ({p})" for p in crosstab.index]
            crosstab.insert(0, "networks worked into", (crosstab > 0).sum(axis=1))
            st.dataframe(crosstab, width="stretch")
        st.caption(
            f"{len(alignment.straddling_networks)} networks straddle patches "
            f"({alignment.total_straddling_population:,} patients outside their main patch); "
            f"teams join {alignment.extra_memberships} more MDTs than one each."
        )
        pick_patch, pick_network = st.columns(2)
        pick_patch.selectbox(
            "Highlight the networks a patch's team works into",
            sorted(alignment.patch_networks),
            key="trust_patch",
            index=None,
            format_func=lambda p: (
                f"{patch_names.get(p, p)} ({p}) — {len(alignment.patch_networks[p])} networks"
            ),
            on_change=set_focus("patch"),
            placeholder="Choose a patch",
        )
        pick_network.selectbox(
            "Highlight the patches a network draws from",
            sorted(alignment.network_patches, key=network_label),
            key="trust_network",
            index=None,
            format_func=lambda n: (
                f"{network_labels.get(n, n)} — {len(alignment.network_patches[n])} patches"
            ),
            on_change=set_focus("network"),
            placeholder="Choose a network",
        )

with tab_compare:
    baseline_options = {
        "current": "the current plan from the file",
        "start": "the start of this session",
    }
    if the_region.current is None:
        baseline_options.pop("current")
    baseline_key = st.radio(
        "Compare the working plan with",
        list(baseline_options),
        format_func=baseline_options.get,
        horizontal=True,
        key="compare_with",
    )
    baseline = the_region.current if baseline_key == "current" else working().history[0].plan
    if baseline is not None and diff_plans is not None:
        populations = {c: info["list_size"] for c, info in practice_info().items()}
        difference = diff_plans(baseline, plan, populations=populations)
        moved = [m.practice for m in difference.moved]
        ss["compare_moved"] = moved
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Practices moved", len(moved))
        c2.metric("Networks created", len(difference.created))
        c3.metric("Networks dissolved", len(difference.dissolved))
        c4.metric("Networks changed", len(difference.changes))
        st.checkbox(
            "Highlight moved practices on the map",
            key="compare_show",
            on_change=lambda: ss.update(map_focus="compare" if ss.get("compare_show") else None),
        )
        if moved:
            st.dataframe(
                pd.DataFrame(
                    {
                        "practice": [
                            practice_label(m.practice).split(" — ")[0] for m in difference.moved
                        ],
                        "from": [baseline.network_name(m.from_network) for m in difference.moved],
                        "to": [plan.network_name(m.to_network) for m in difference.moved],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        with st.expander("Every change, in words"):
            st.text(difference.to_text())
    elif baseline is not None:
        moved = sorted(
            p for p in plan.assignment if baseline.assignment.get(p) != plan.assignment.get(p)
        )
        ss["compare_moved"] = moved
        st.metric("Practices in a different network", len(moved))

with tab_results:
    results: dict[str, AreaResult] = ss.get("results", {})
    if not results:
        st.info("No optimiser run in this session yet: press “Propose networks”.")
    else:
        if ss.get("optimiser_seconds"):
            st.caption(f"Last run took {ss['optimiser_seconds']:.1f} s.")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "area": f"{names_of_areas.get(a, a)} ({a})",
                        "status": r.status,
                        "networks": r.networks,
                        "gap": None if r.gap is None else f"{r.gap:.2%}",
                        "objective": None if r.objective is None else round(r.objective),
                        "bound": None if r.bound is None else round(r.bound),
                        "seconds": round(r.seconds, 1),
                        "moves": r.moves,
                    }
                    for a, r in results.items()
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        for area, result in results.items():
            for explanation in result.explanations:
                st.write(f"**{names_of_areas.get(area, area)}** — {explanation}")

with tab_export:
    buffer = io.StringIO()
    write_plan(plan, buffer)  # type: ignore[arg-type]
    st.download_button(
        "Download the plan (CSV)",
        buffer.getvalue(),
        file_name="plan.csv",
        mime="text/csv",
        key="download_plan",
    )
    if export_plan is not None or write_pack is not None:
        if st.button("Prepare GeoJSON, GeoPackage and submission pack", key="prepare_exports"):
            with st.spinner("Writing the files…"), tempfile.TemporaryDirectory() as folder:
                files_out: dict[str, tuple[bytes, str]] = {}
                try:
                    if export_plan is not None:
                        for path in export_plan(
                            the_region,
                            plan,
                            Path(folder) / "networks.geojson",
                            report=report,
                            band=band(),
                        ):
                            files_out[path.name] = (path.read_bytes(), "application/geo+json")
                        for path in export_plan(
                            the_region, plan, Path(folder) / "plan.gpkg", report=report, band=band()
                        ):
                            files_out[path.name] = (
                                path.read_bytes(),
                                "application/geopackage+sqlite3",
                            )
                        for path in export_plan(
                            the_region, plan, Path(folder) / "epcn.csv", fmt="epcn"
                        ):
                            files_out[path.name] = (path.read_bytes(), "text/csv")
                    if write_pack is not None:
                        for path in write_pack(
                            the_region,
                            plan,
                            Path(folder) / "submission_pack.pdf",
                            band=band(),
                            report=report,
                        ):
                            files_out[path.name] = (
                                path.read_bytes(),
                                "application/pdf" if path.suffix == ".pdf" else "text/html",
                            )
                except FootprintsError as error:
                    st.error(f"Export failed: {error}")
                ss["exports"] = (plan, files_out)
        prepared = ss.get("exports")
        if prepared and prepared[0] is plan:
            for name, (data, mime) in prepared[1].items():
                st.download_button(
                    f"Download {name}", data, file_name=name, mime=mime, key=f"download_{name}"
                )
        elif prepared:
            st.caption("The plan changed since the files were prepared: prepare them again.")

with tab_history:
    st.caption("Every edit is saved as it happens; undo and redo step through this list.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "step": i + 1,
                    "edit": s.label,
                    "networks": len(set(s.plan.assignment.values())),
                    "locked": len(s.locks),
                    "now": "◀" if i == working().pointer else "",
                }
                for i, s in enumerate(working().history)
            ]
        ),
        hide_index=True,
        width="stretch",
    )
