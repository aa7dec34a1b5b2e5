"""Every ``st.session_state`` key the app uses, declared once with its type and default.

Streamlit keeps one ``st.session_state`` per browser tab. The page and its callbacks use it
only through :data:`state`, an :class:`AppState` whose attributes are typed entries:
``state.notice = "Undone."`` writes the key ``notice``, ``state.area_ccg`` reads the CCG
selector's value (or its default when the key is unset), and ``del state.notice`` forgets
it. A widget is given its key as ``AppState.area_ccg.key``. Buttons' keys only name the
widget (nothing reads them), so they stay at the button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypedDict, TypeGuard, TypeVar, cast, overload

import pandas as pd
import streamlit as st

from app.facts import Facts
from footprints.background import ProposalJob
from footprints.livemap import MapScope
from footprints.maps import PracticePoints
from footprints.optimiser import AreaResult, OptimiseSettings
from footprints.plan import Band, Plan, PlanState
from footprints.region import Region
from footprints.session import WorkingPlan
from footprints.store import PlanHandle

__all__ = [
    "ALL",
    "AREA",
    "FIRST_TIME_LIMIT",
    "NEW",
    "OPTIMISER_LABELS",
    "PLANNING_LEVELS",
    "PUT_FIRST",
    "SETTINGS",
    "AppState",
    "Entry",
    "ExportsFor",
    "OptimiserRun",
    "PracticeInfo",
    "current_band",
    "restore_settings",
    "setting_values",
    "state",
    "type_settings",
    "upload_key",
]

T = TypeVar("T")

ALL = "__all__"
"""The area selectors' "All" choice."""
NEW = "__new__"
"""The "Move to" choice that makes a new network."""
FIRST_TIME_LIMIT = 20.0
"""Optimiser time limit per planning area on first start (the demo solves in ~2 s per CCG)."""

OPTIMISER_LABELS = {False: "proposal", True: "re-optimised unlocked networks"}
"""How the history labels an optimiser's run (by whether it repaired), before its CCGs."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class _Unset:
    """The default of an entry that must be set before it is read."""


_REQUIRED = _Unset()


class Entry(Generic[T]):
    """One session-state key: its name (the attribute's, unless given), type and default.

    Parameters
    ----------
    default
        What reading the entry gives while the key is unset; none for an entry that must be
        set first (reading it unset raises ``KeyError``).
    key
        The session-state key, when it differs from the attribute's name.
    """

    def __init__(self, default: T | _Unset = _REQUIRED, *, key: str = "") -> None:
        self.default = default
        self.key = key

    def __set_name__(self, owner: type[object], name: str) -> None:
        """Take the attribute's name as the key unless one was given."""
        self.key = self.key or name

    @overload
    def __get__(self, instance: None, owner: type[object]) -> Entry[T]: ...
    @overload
    def __get__(self, instance: AppState, owner: type[object]) -> T: ...
    def __get__(self, instance: AppState | None, owner: type[object]) -> Entry[T] | T:
        """Read the value on an :class:`AppState`; the entry itself on the class."""
        return self if instance is None else self.get()

    def __set__(self, instance: AppState, value: T) -> None:
        """Write the value."""
        st.session_state[self.key] = value

    def __delete__(self, instance: AppState) -> None:
        """Forget the value (nothing happens when it is unset)."""
        st.session_state.pop(self.key, None)

    def get(self) -> T:
        """Read the value, or the default while the key is unset."""
        if self.key in st.session_state:
            return cast(T, st.session_state[self.key])
        if isinstance(self.default, _Unset):
            raise KeyError(f"session state {self.key!r} is read before it is set")
        return self.default

    def pop(self) -> T | None:
        """Read the value and forget it; ``None`` when it was unset."""
        return cast(T | None, st.session_state.pop(self.key, None))

    def is_set(self) -> bool:
        """Whether the key holds a value."""
        return self.key in st.session_state


@dataclass(frozen=True)
class OptimiserRun:
    """What the background optimiser was started on: a fresh proposal or a repair."""

    repair: bool = False
    ccgs: tuple[str, ...] = ()
    level: str = "lower"
    move_weight: float = 0.0
    """Patient-km each practice moved costs in the run (0 in a fresh proposal)."""


class PracticeInfo(TypedDict):
    """A practice as the page labels it."""

    name: str
    list_size: int
    ccg: str | None


@dataclass(frozen=True, eq=False)
class ExportsFor:
    """What prepared export files were written for: they are offered only while it holds.

    The files were kept per plan only: after another area was chosen (the pack presents
    it), another band, or the comments box ticked, the files of the previous choice were
    still handed out.
    """

    plan: Plan
    region: Region
    band: Band
    groups: Mapping[str, Sequence[str]] | None
    areas: tuple[str, ...] | None  # the pack's areas (None: every area)
    comments: bool  # the open comments printed in the pack

    def change(self, now: ExportsFor) -> str | None:
        """Say what differs in ``now`` (the page's choices), in words; ``None``: nothing."""
        if now.region is not self.region:
            return "the region changed (other files loaded)"
        if now.plan is not self.plan:
            return "the plan changed"
        if now.areas != self.areas:
            return "another area was chosen in the sidebar"
        if now.band != self.band:
            return "the population band changed"
        if now.groups != self.groups:
            return "the planning level changed"
        if now.comments != self.comments:
            return "the choice of printing the open comments changed"
        return None


class AppState:
    """The app's session state, one typed entry per key (see the module's docstring)."""

    # The region and the working plan
    working = Entry[WorkingPlan]()
    region_kind = Entry[str]("demo")
    region = Entry[Region]()
    uploads = Entry[Mapping[str, str]](_EMPTY)
    region_options = Entry[Mapping[str, Any]](_EMPTY)
    """The options the plan's region files are read with (``footprints plans import
    --boundary-code …``), saved with the plan."""
    unloaded_region = Entry[str | None](None)
    """The plan's region (``"upload"``, ``"files"``) whose files could not be loaded again:
    the tab shows the demo meanwhile and saves the plan's region and files unchanged."""
    results = Entry[Mapping[str, AreaResult]](_EMPTY)

    # Settings (widgets; saved with the session)
    band_min = Entry[int](30_000)
    band_max = Entry[int](50_000)
    compactness_weight = Entry[float](1.0)
    straddle_weight = Entry[float](OptimiseSettings.straddle_weight)
    move_weight = Entry[float](10_000.0)
    network_cost = Entry[float](30_000.0)
    time_limit = Entry[float](FIRST_TIME_LIMIT)
    put_first = Entry[str]("weights")  # one of PUT_FIRST
    planning_level = Entry[str]("lower")  # one of PLANNING_LEVELS
    area_groups = Entry[Mapping[str, Sequence[str]]](_EMPTY)
    """The areas file's groups (planning area → its CCGs), for the level ``"areas"``."""
    area_groups_file = Entry[str | None](None)  # the areas file's name, as uploaded

    # Other widgets
    area_stp = Entry[str](ALL)
    area_ccg = Entry[str | None](None)  # the sidebar sets ALL on the first run
    selected = Entry[Sequence[str]](())
    target = Entry[str | None](None)
    new_name = Entry[str | None](None)
    lock_network = Entry[str | None](None)
    violation_choice = Entry[str | None](None)
    trust_measure = Entry[str]("patients")
    trust_patch = Entry[str | None](None)
    trust_network = Entry[str | None](None)
    trust_before = Entry[str | None](None)  # the plan the trust view's before/after starts from
    compare_with = Entry[str | None](None)
    compare_show = Entry[bool](False)
    compare_maps = Entry[bool](False)
    tab = Entry[str | None](None)  # the open tab under the map (its label); None: the first
    load_warnings_open = Entry[bool](False)  # the load's warnings shown (their expander)
    load_warnings_opened = Entry[int](0)  # runs since a load opened them (0: the user's)
    map_value = Entry[Mapping[str, Any] | None](None, key="map")
    homes_practice = Entry[str | None](None)  # whose patients' homes the map shades

    # Messages shown once at the top of the page
    notice = Entry[str | None](None)
    error = Entry[str | None](None)
    save_error = Entry[str | None](None)
    saved_at = Entry[str | None](None)
    upload_problems = Entry[Sequence[str]](())
    upload_warnings = Entry[Sequence[str]](())
    list_size_choices = Entry[Sequence[str]](())
    """The list-size columns of the practices file to choose between (more than one)."""
    list_size_column = Entry[str | None](None)  # the choice among list_size_choices

    # The map's focus and what the map reported last
    map_focus = Entry[str | None](None)
    compare_moved = Entry[Sequence[str]](())
    compare_memo = Entry[tuple[Any, ...] | None](None, key="_compare_memo")  # moved_practices
    map_seen = Entry[Mapping[str, Any]](_EMPTY, key="_map_seen")

    # A CCG lead's editing: typed codes, paint mode, renames, waiver reasons, the network
    # clicked on the map
    typed_codes = Entry[str]("")
    typed_taken = Entry[str]("")
    """The typed codes last turned into a selection (a change no callback took is taken)."""
    paint = Entry[bool](False)
    paint_network = Entry[str | None](None)
    rename_network = Entry[str | None](None)
    rename_to = Entry[str]("")
    waiver_network = Entry[str | None](None)
    waiver_reason = Entry[str]("")
    map_network = Entry[str | None](None)

    # Comments: the new one's target and text; the target last followed from the panels
    comment_kind = Entry[str]("network")
    comment_target = Entry[str | None](None)
    comment_body = Entry[str]("")
    seen_target = Entry[str | None](None, key="_comment_seen")
    export_comments = Entry[bool](False)  # the pack prints the open comments

    # The History tab's versions: the one chosen, the one compared with, a name to give
    version_pick = Entry[int | None](None)
    compare_from = Entry[int | None](None)
    version_name = Entry[str]("")

    # The plan in the store this tab has open (None until its first save), its key (the
    # uploads' folder; None for a plan opened by a link to a plan the app did not make), the
    # version this tab last read or wrote and its state, and a newer one saved since
    plan_handle = Entry[PlanHandle | None](None, key="_plan_handle")
    plan_key = Entry[str | None](None, key="_plan_key")
    link_permission = Entry[str | None](None, key="_link_permission")  # opened by a link
    link_error = Entry[str | None](None, key="_link_error")  # the link opens nothing (now)
    new_link = Entry[tuple[str, str] | None](None, key="_new_link")  # shown once
    editor_to_add = Entry[str]("")
    saved_version = Entry[int](0, key="_saved_version")
    saved_state = Entry[PlanState | None](None, key="_saved_state")
    stale_version = Entry[int | None](None, key="_stale_version")

    # The background optimiser
    optimiser_job = Entry[ProposalJob | None](None)
    optimiser_run = Entry[OptimiserRun | None](None)
    optimiser_seconds = Entry[float | None](None)

    # Memos: the working plan's facts, the practices' labels and sites, prepared exports
    derived = Entry[Facts | None](None, key="_derived")
    practice_info = Entry[Mapping[str, PracticeInfo]](_EMPTY, key="_practice_info")
    practice_points = Entry[PracticePoints](key="_practice_points")
    practice_info_of = Entry[tuple[str, int] | None](None, key="_practice_info_key")
    exports = Entry[tuple[ExportsFor, dict[str, tuple[bytes, str]]] | None](None)
    # The trust view's before/after: the two plans and the patches' table
    patch_changes = Entry[tuple[Plan, Plan, pd.DataFrame] | None](None, key="_patch_changes")
    # The map: its area (per region and area chosen) and each network's colour
    live_scope = Entry[tuple[tuple[int, tuple[str, ...]], MapScope] | None](None, key="_scope")
    live_colours = Entry[Mapping[str, str]](_EMPTY, key="_colours")
    live_base = Entry[tuple[MapScope, Any] | None](None, key="_base")  # rendered base map
    live_layers = Entry[tuple[Any, ...] | None](None, key="_layers")  # what drew the layers
    population_chart = Entry[tuple[Any, ...] | None](None, key="_population_chart")
    trust_table = Entry[tuple[Any, ...] | None](None, key="_trust_table")


state = AppState()
"""The session state of the browser tab the script runs for."""

SETTINGS: tuple[Entry[int] | Entry[float], ...] = (
    AppState.band_min,
    AppState.band_max,
    AppState.compactness_weight,
    AppState.straddle_weight,
    AppState.move_weight,
    AppState.network_cost,
    AppState.time_limit,
)
"""The settings a session saves, in the order of the sidebar."""


def upload_key(role: str) -> str:
    """Give the key of the file uploader for an input role (``practices``, ``plan`` …)."""
    return f"upload_{role}"


AREA: tuple[Entry[str], Entry[str | None]] = (AppState.area_stp, AppState.area_ccg)
"""The chosen area, saved with the settings (and named in the URL)."""

PUT_FIRST = {
    "weights": "Nothing: the weights alone",
    "least change": "Least change (re-optimise): the fewest practices moved",
    "patches first": "Patches first: the fewest patients outside their network's patch",
    "nest in patches": "Nesting in patches: no network across patches where the area allows",
}
"""What the optimiser may put before its weights (the settings' ``put_first``), in words."""


PLANNING_LEVELS = {
    "lower": "Each CCG (sub-ICB) on its own",
    "upper": "Each STP / ICB as one area: networks may cross CCG borders inside it",
    "areas": "As an areas file groups the CCGs (such as ICB clusters), each group one area",
}
"""The planning levels the optimiser offers (the settings' ``planning_level``), in words."""


def setting_values() -> dict[str, Any]:
    """Read each setting and the chosen area by key (defaults where unset), as saved."""
    values: dict[str, Any] = {entry.key: entry.get() for entry in SETTINGS}
    values.update({entry.key: entry.get() for entry in AREA})
    values[AppState.put_first.key] = state.put_first
    values[AppState.planning_level.key] = state.planning_level
    values[AppState.area_groups.key] = {g: list(lower) for g, lower in state.area_groups.items()}
    values[AppState.area_groups_file.key] = state.area_groups_file
    return values


def restore_settings(saved: Mapping[str, Any]) -> None:
    """Set the settings and area a saved session holds (other keys in ``saved`` are ignored).

    The areas file's groups come back with the planning level (the file itself is not kept).
    """
    for entry in (*SETTINGS, *AREA):
        if entry.key in saved and saved[entry.key] is not None:
            st.session_state[entry.key] = saved[entry.key]
    if saved.get(AppState.put_first.key) in PUT_FIRST:  # an unknown choice keeps the default
        st.session_state[AppState.put_first.key] = saved[AppState.put_first.key]
    if saved.get(AppState.planning_level.key) in PLANNING_LEVELS:
        st.session_state[AppState.planning_level.key] = saved[AppState.planning_level.key]
    groups = saved.get(AppState.area_groups.key)
    if _is_groups(groups):  # an areas file's groups, as saved; anything else is ignored
        st.session_state[AppState.area_groups.key] = {g: list(c) for g, c in groups.items()}
        named = saved.get(AppState.area_groups_file.key)
        st.session_state[AppState.area_groups_file.key] = str(named) if named else None
    elif groups == {}:  # saved without groups: none now either
        st.session_state.pop(AppState.area_groups.key, None)
        st.session_state.pop(AppState.area_groups_file.key, None)


def _is_groups(value: Any) -> TypeGuard[Mapping[str, Sequence[str]]]:
    """Whether a saved value is an areas file's groups: group → a list of CCG codes."""
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(
            isinstance(group, str)
            and isinstance(lower, list)
            and all(isinstance(code, str) for code in lower)
            for group, lower in value.items()
        )
    )


def type_settings() -> None:
    """Give every setting a value of its default's type before the widgets show them."""
    for entry in SETTINGS:
        kind = int if isinstance(entry.default, int) else float
        st.session_state[entry.key] = kind(entry.get())


def current_band() -> Band:
    """Read the population band of the settings (a minimum above the maximum is swapped)."""
    low, high = int(state.band_min), int(state.band_max)
    return Band(min(low, high), max(low, high))
