"""The edits a user makes, as widget callbacks: each changes the working plan, then saves.

Every edit runs as an ``on_click`` callback, before the page is drawn, so the whole page
shows the new plan; messages for the top of the page go in ``notice`` and ``error``.
"""

from __future__ import annotations

from app.autosave import autosave
from app.data import region
from app.labels import network_label
from app.state import NEW, state
from footprints.session import LockedNetworkError, new_network_id

__all__ = ["lock", "move", "redo", "reset_to_current", "undo"]


def move() -> None:
    """Move the selected practices to the chosen network (a new one for ``NEW``)."""
    chosen = list(state.selected)
    target = state.target
    if not chosen:
        state.error = (
            "Choose one or more practices first (click a marker, draw a shape, or pick below)."
        )
        return
    name = None
    if target == NEW or target is None:
        target = new_network_id(state.working.plan)
        name = (state.new_name or "").strip() or f"New network {target}"
    try:
        moved = state.working.move(chosen, str(target), name=name)
    except LockedNetworkError as error:
        state.error = str(error).capitalize()
        return
    if moved:
        state.notice = (
            f"Moved {len(moved)} practice{'s' if len(moved) != 1 else ''} "
            f"to {network_label(str(target))}."
        )
        state.map_focus = "selection"
        autosave()
    else:
        state.notice = "Nothing to move: the practices are already in that network."


def undo() -> None:
    """Take back the last edit."""
    if state.working.undo():
        state.notice = "Undone."
        autosave()


def redo() -> None:
    """Make the undone edit again."""
    if state.working.redo():
        state.notice = "Redone."
        autosave()


def lock(locking: bool) -> None:
    """Lock (or unlock) the chosen network."""
    network = state.lock_network
    if not network:
        return
    if locking:
        state.working.lock([network])
    else:
        state.working.unlock([network])
    autosave()


def reset_to_current() -> None:
    """Make the region's current plan (from its file) the working plan."""
    current = region().current
    if current is not None:
        state.working.replace(current, label="the current plan from the file")
        autosave()
