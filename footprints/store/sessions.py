"""The app's saved session as a plan in the store: each autosave is a version.

A browser session's plan is the store's plan ``app plan KEY``, ``KEY`` being the
unguessable id in the URL (``?plan=KEY``, :func:`new_key`). Each version holds the working
plan, its locks and waiver reasons (:class:`~footprints.plan.PlanState`); the plan's meta
holds the rest of a :class:`~footprints.session.SavedSession` — the edit history with its
undo pointer, the region, the uploaded files' names and the settings — written in the same
transaction as the version (:meth:`PlanHandle.save` with ``meta``), so a process killed
mid-save leaves the previous version and its history whole. A save is made against the
version the tab last read or wrote; a newer one raises
:class:`~footprints.store.ConflictError`. No Streamlit here: every rule is unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from footprints.plan import Plan, PlanState
from footprints.session import SavedSession, SessionStore, Snapshot, WorkingPlan, new_session_id
from footprints.store.core import Store
from footprints.store.handle import PlanHandle
from footprints.store.model import Comment, PlanNotFoundError, Version, VersionInfo

__all__ = [
    "APP_PLAN_PREFIX",
    "FILES_REGION",
    "META_FORMAT",
    "REGION_FILE_ROLES",
    "comment_text",
    "comments_by_network",
    "comments_by_unassigned_practice",
    "create_session",
    "load_session",
    "new_key",
    "open_app_plan",
    "plan_name",
    "region_meta",
    "save_label",
    "save_session",
    "session_key",
    "working_state",
]

APP_PLAN_PREFIX = "app plan "
"""The start of the store name of every plan the app made (then its key)."""
META_FORMAT = 1
"""The layout of the app's meta beside a plan (``app`` in the meta)."""
FILES_REGION = "files"
"""The region of a plan opened on files named on the server (``footprints plans import``).

Its ``uploads`` are role → the file's absolute path, where an uploaded region's (``upload``)
are names inside the plan's upload folder.
"""
REGION_FILE_ROLES = (
    "practices",
    "boundaries",
    "stp_boundaries",
    "patches",
    "registrations",
    "lsoa_boundaries",
    "lsoa_centroids",
)
"""The region's files the app loads, by role (its uploaders' roles but the plan's)."""


def new_key() -> str:
    """Make a fresh, unguessable key for a new plan of the app (96 random bits, URL-safe)."""
    return new_session_id()


def plan_name(key: str) -> str:
    """Return the store name of the app's plan with this key; ``ValueError`` for a bad key."""
    if not SessionStore.valid_id(key):
        raise ValueError(f"not a plan key: {key!r} (8–64 letters, digits, - or _)")
    return f"{APP_PLAN_PREFIX}{key}"


def working_state(working: WorkingPlan) -> PlanState:
    """Return what a version holds of a working plan: its plan, locks and waiver reasons.

    The waiver reasons are the state's (the plan in it has none), as the store reads a
    version back, so the two compare equal.
    """
    plan = working.plan
    return PlanState(Plan(plan.assignment, plan.names), working.locks, plan.waivers)


def _meta(saved: SavedSession, key: str) -> dict[str, Any]:
    return {
        "app": META_FORMAT,
        "key": key,
        "region": saved.region,
        "uploads": dict(saved.uploads),
        "settings": dict(saved.settings),
        "working": saved.working.to_dict(),
        **({"options": dict(saved.region_options)} if saved.region_options else {}),
    }


def region_meta(
    files: Mapping[str, Path] | None, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the meta that opens a plan in the app on these files, or the demo for ``None``.

    ``files`` is role (:data:`REGION_FILE_ROLES`) → file; each is kept as its absolute path,
    so the app finds it again whatever folder the server runs in. ``options`` (JSON-ready)
    are the options the files are read with (:data:`footprints.region.REGION_OPTIONS`; a
    postcode lookup kept as its absolute path; those not set are left out). ``ValueError``
    for an unknown role or a region without its practices and boundaries.
    """
    if files is None:
        return {"app": META_FORMAT, "region": "demo", "uploads": {}}
    unknown = sorted(set(files) - set(REGION_FILE_ROLES))
    if unknown:
        raise ValueError(
            f"unknown region file role {', '.join(unknown)}: use {', '.join(REGION_FILE_ROLES)}"
        )
    missing = [role for role in ("practices", "boundaries") if role not in files]
    if missing:
        raise ValueError(f"a region needs its {' and '.join(missing)} file")
    uploads = {role: str(Path(path).resolve()) for role, path in files.items()}
    meta = {"app": META_FORMAT, "region": FILES_REGION, "uploads": uploads}
    chosen = {
        name: value
        for name, value in (options or {}).items()
        if value is not None and value is not False and value != {}
    }
    if "postcodes" in chosen:
        chosen["postcodes"] = str(Path(chosen["postcodes"]).resolve())
    return {**meta, "options": chosen} if chosen else meta


def session_key(meta: Mapping[str, Any]) -> str | None:
    """Return the key a plan's meta names (its uploads' folder), or ``None``."""
    key = meta.get("key")
    return key if isinstance(key, str) and SessionStore.valid_id(key) else None


def save_label(working: WorkingPlan, before: PlanState | None) -> str:
    """Say what a save is: the edit that led to it, an undo, or a change of settings."""
    if before is not None and working_state(working) == before:
        return "change settings"
    if working.can_redo:
        return f"undo to: {working.label}"
    return working.label


def create_session(
    store: Store, key: str, saved: SavedSession, *, owner: str | None = None
) -> PlanHandle:
    """Add the app's plan ``key`` with ``saved`` as version 1; return it opened by its owner.

    Raises
    ------
    PlanExistsError
        When another tab made the plan first (then save against its version instead).
    """
    handle = store.create(
        plan_name(key),
        working_state(saved.working),
        owner=owner,
        label=saved.working.label,
        meta=_meta(saved, key),
    )
    saved.version = 1
    return handle


def save_session(
    handle: PlanHandle,
    saved: SavedSession,
    *,
    key: str,
    base: int,
    before: PlanState | None = None,
    author: str | None = None,
) -> VersionInfo:
    """Save ``saved`` as a new version of the plan against ``base``, its history alongside.

    Parameters
    ----------
    handle
        The plan, opened with a right to edit it.
    saved
        The working plan, region, uploads and settings; its ``version`` becomes the new one.
    key
        The plan's key (where its uploaded files are kept).
    base
        The version the tab last read or wrote.
    before
        That version's state, to label a save that changes only the settings.
    author
        Who saves (a local user's name; a signed-in user is taken from the handle).

    Raises
    ------
    ConflictError
        When another tab or editor saved a newer version than ``base``; nothing is saved.
    PermissionDeniedError
        When the handle may not edit (a view link), whatever the caller's state says.
    """
    info = handle.save(
        working_state(saved.working),
        base=base,
        label=save_label(saved.working, before),
        author=author,
        meta=_meta(saved, key),
    )
    saved.version = info.number
    return info


def _working(head: Version, meta: Mapping[str, Any]) -> WorkingPlan:
    """Return the history in ``meta``, ending on ``head`` (pushed onto it when it differs)."""
    plan = Plan(head.plan.assignment, head.plan.names, head.state.waivers)
    try:
        working = WorkingPlan.from_dict(meta["working"])
    except (KeyError, TypeError, ValueError):
        return WorkingPlan(plan, locks=head.state.locks, label=head.info.label)
    if working_state(working) == head.state:
        return working
    # Saved outside the app (the command line, an older save): the version wins.
    history = [*working.history[: working.pointer + 1]]
    history.append(Snapshot(plan, head.state.locks, f"{head.info.title()}: {head.info.label}"))
    return WorkingPlan.from_history(history, len(history) - 1)


def load_session(handle: PlanHandle) -> SavedSession:
    """Return the plan's newest version as the app's saved session (history, settings…)."""
    head, meta = handle.head_and_meta()
    uploads = meta.get("uploads")
    settings = meta.get("settings")
    options = meta.get("options")
    return SavedSession(
        working=_working(head, meta),
        region=str(meta.get("region", "demo")),
        uploads={str(k): str(v) for k, v in uploads.items()} if isinstance(uploads, dict) else {},
        settings=dict(settings) if isinstance(settings, dict) else {},
        version=head.number,
        region_options=dict(options) if isinstance(options, dict) else {},
    )


def open_app_plan(store: Store, key: str, *, user: str | None = None) -> PlanHandle | None:
    """Open the app's plan ``key`` (as ``user`` where sign-in is on); ``None`` if none.

    Raises
    ------
    PermissionDeniedError
        When ``user`` may not open it.
    """
    try:
        name = plan_name(key)
    except ValueError:
        return None
    try:
        return store.open(name) if user is None else store.open_as(name, user)
    except PlanNotFoundError:
        return None


def comment_text(comment: Comment) -> str:
    """Say a comment in one line, as written: ``practice A81001 — Ann, 3 Mar: text``."""
    who = f"{comment.author}, " if comment.author else ""
    return (
        f"{comment.target_kind} {comment.target} — {who}{comment.created_at:%d %b %Y}: "
        f"{comment.body}"
    )


def comments_by_network(comments: Iterable[Comment], plan: Plan) -> dict[str, list[str]]:
    """Group comments by the network they concern in ``plan`` (a practice's: its network).

    Comments on a network no longer in the plan are left out, and those on a practice in no
    network are :func:`comments_by_unassigned_practice`'s. Each comment is
    :func:`comment_text`, oldest first; the text is as written (the pack escapes it).
    """
    grouped: dict[str, list[str]] = {}
    networks = set(plan.assignment.values())
    for comment in sorted(comments, key=lambda c: c.id):
        on_network = comment.target_kind == "network"
        network = comment.target if on_network else plan.assignment.get(comment.target)
        if network is not None and network in networks:
            grouped.setdefault(network, []).append(comment_text(comment))
    return grouped


def comments_by_unassigned_practice(
    comments: Iterable[Comment], plan: Plan
) -> dict[str, list[str]]:
    """Group the comments on practices in no network of ``plan`` by practice code.

    The pack prints them under *Practices in no network* for the practices of its region
    (``unassigned_comments`` of :func:`footprints.report.write_pack`); each is
    :func:`comment_text`, oldest first.
    """
    grouped: dict[str, list[str]] = {}
    for comment in sorted(comments, key=lambda c: c.id):
        if comment.target_kind == "practice" and comment.target not in plan.assignment:
            grouped.setdefault(comment.target, []).append(comment_text(comment))
    return grouped
