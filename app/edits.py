"""The edits a user makes, as widget callbacks: each changes the working plan, then saves.

Every edit runs as a callback, before the page is drawn, so the whole page shows the new
plan; messages for the top of the page go in ``notice`` and ``error``. A move clears the
selection (the next pick starts afresh); names and reasons are kept as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.autosave import autosave
from app.data import practice_info, region
from app.labels import network_label
from app.state import NEW, state
from footprints.session import LockedNetworkError, new_network_id

__all__ = [
    "assign",
    "lock",
    "lock_toggle",
    "move",
    "paint",
    "redo",
    "rename",
    "reset_to_current",
    "select_typed",
    "undo",
    "waive",
]


def _practices_word(count: int) -> str:
    return f"{count} practice{'s' if count != 1 else ''}"


def assign(practices: Sequence[str], target: str, *, name: str | None = None) -> bool:
    """Move ``practices`` to ``target`` as one undoable step; False when nothing moved.

    A refused move (a locked network) is said in ``error``; the selection is cleared after
    a move, so the next click starts a new one.
    """
    try:
        moved = state.working.move(list(practices), target, name=name)
    except LockedNetworkError as error:
        text = str(error)
        state.error = text[:1].upper() + text[1:]  # the names keep their case
        return False
    if not moved:
        state.notice = "Nothing to move: the practices are already in that network."
        return False
    state.notice = f"Moved {_practices_word(len(moved))} to {network_label(target)}."
    del state.selected
    state.map_focus = None  # the map keeps its view: the moved practices are redrawn in place
    autosave()
    return True


def move() -> None:
    """Move the selected practices to the chosen network (a new one for ``NEW``)."""
    chosen = list(state.selected)
    target = state.target
    if not chosen:
        state.error = (
            "Choose one or more practices first (click a marker, draw a shape, or type codes)."
        )
        return
    name = None
    if target == NEW or target is None:
        target = new_network_id(state.working.plan)
        name = (state.new_name or "").strip() or f"New network {target}"
    assign(chosen, str(target), name=name)


def paint(practices: Sequence[str]) -> None:
    """In paint mode, give the practices clicked or drawn round to the active network."""
    network = state.paint_network
    if not network or network not in set(state.working.plan.assignment.values()):
        state.error = "Choose the network to paint with first (Paint mode, in the Edit panel)."
        return
    assign(practices, network)


def select_typed() -> None:
    """Select exactly the practices whose codes were typed (commas, spaces or new lines)."""
    state.typed_taken = state.typed_codes
    typed = [c.strip().upper() for c in state.typed_codes.replace(",", " ").split()]
    known = practice_info()
    found = [c for c in dict.fromkeys(typed) if c in known]
    unknown = [c for c in dict.fromkeys(typed) if c not in known]
    state.selected = found
    state.map_focus = "selection" if found else None
    if unknown:
        state.error = (
            f"{_practices_word(len(unknown)).replace('practice', 'code')} not in the "
            f"practices loaded: {', '.join(unknown[:10])}" + (" …" if len(unknown) > 10 else "")
        )
    if found:
        state.notice = f"Selected {_practices_word(len(found))}: {', '.join(found[:10])}" + (
            " …" if len(found) > 10 else ""
        )


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


def lock_toggle() -> None:
    """Lock the chosen network if it is unlocked, else unlock it.

    The network is read when the button is pressed (not when it was drawn), so a choice
    made just before the click is the one locked.
    """
    network = state.lock_network
    if not network:
        return
    if network in state.working.locks:
        state.working.unlock([network])
        state.notice = f"Unlocked {network_label(network)}."
    else:
        state.working.lock([network])
        state.notice = f"Locked {network_label(network)}: re-optimising keeps it as it is."
    autosave()


def rename() -> None:
    """Give the chosen network the name typed (its id again when the name is empty)."""
    network = state.lock_network
    if not network:
        return
    name = state.rename_to
    try:
        changed = state.working.rename(network, name)
    except ValueError as error:
        state.error = str(error)
        return
    if changed:
        state.notice = f"Renamed {network} to {state.working.plan.network_name(network)}."
        autosave()


def waive() -> None:
    """Record the waiver reason typed for the chosen network (an empty one clears it)."""
    network = state.lock_network
    if not network:
        return
    reason = state.waiver_reason
    try:
        changed = state.working.waive(network, reason)
    except ValueError as error:
        state.error = str(error)
        return
    if changed:
        state.notice = (
            f"Recorded the waiver reason for {network_label(network)}."
            if reason.strip()
            else f"Cleared the waiver reason for {network_label(network)}."
        )
        autosave()


def reset_to_current() -> None:
    """Make the region's current plan (from its file) the working plan."""
    current = region().current
    if current is not None:
        state.working.replace(current, label="the current plan from the file")
        autosave()
