"""The app's working state, without widgets: a plan under edit, its history, locks, autosave.

:class:`WorkingPlan` holds the plan a user is editing, the networks they have locked, and an
undo/redo history of both. :class:`SessionStore` saves it after every edit — atomically, by
writing a temporary file and renaming it over the old one — to one JSON file per browser
session, and restores it when the page is reloaded or the server restarts.

The module is plain Python (no Streamlit) so that every rule here is unit-tested.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footprints.errors import FootprintsError
from footprints.plan import Plan

__all__ = [
    "STATE_DIR_ENV",
    "LockedNetworkError",
    "SavedSession",
    "SessionStore",
    "Snapshot",
    "WorkingPlan",
    "apply_proposal",
    "changed_practices",
    "new_network_id",
    "new_session_id",
    "state_dir",
]

logger = logging.getLogger(__name__)

STATE_DIR_ENV = "FOOTPRINTS_STATE_DIR"
"""Environment variable naming the folder sessions are saved in."""

_DEFAULT_STATE_DIR = Path(".footprints") / "sessions"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_FORMAT = 1
#: Most snapshots kept; older ones are dropped (the oldest kept becomes the base).
HISTORY_LIMIT = 200


class LockedNetworkError(FootprintsError, ValueError):
    """An edit would change a locked network; the message names it and says to unlock it."""


@dataclass(frozen=True)
class Snapshot:
    """One state in the history: the plan, the locked networks, and what led to it."""

    plan: Plan
    locks: frozenset[str]
    label: str


def changed_practices(before: Plan, after: Plan) -> dict[str, str | None]:
    """Practices whose network differs between two plans → the network in ``after``.

    A practice missing from ``after`` maps to ``None``.
    """
    changes: dict[str, str | None] = {}
    for practice, network in after.assignment.items():
        if before.assignment.get(practice) != network:
            changes[practice] = network
    for practice in before.assignment:
        if practice not in after.assignment:
            changes[practice] = None
    return changes


def new_network_id(plan: Plan, *, prefix: str = "NEW") -> str:
    """Make an id no network of ``plan`` uses: ``NEW01``, ``NEW02`` and so on."""
    taken = set(plan.assignment.values()) | set(plan.names)
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def apply_proposal(plan: Plan, proposal: Plan, areas: Mapping[str, Collection[str]]) -> Plan:
    """Merge an optimiser's proposal for some planning areas into the working plan.

    Parameters
    ----------
    plan
        The working plan as it stands now (edits made while the optimiser ran included).
    proposal
        The optimiser's plan for the areas it solved (``Proposal.plan``).
    areas
        Each planning area the optimiser was run on → its practice codes.

    Returns
    -------
    Plan
        Practices outside ``areas`` keep their network in ``plan``; the practices of an area
        take the proposal's networks, or keep their networks in ``plan`` when the proposal
        has no plan for that area (none of its practices is in it). Names come from
        ``plan``, overridden by the proposal's, for the networks the result uses.
    """
    scope = {str(p) for practices in areas.values() for p in practices}
    assignment = {p: n for p, n in plan.assignment.items() if p not in scope}
    for practices in areas.values():
        members = {str(p) for p in practices}
        proposed = {p: n for p, n in proposal.assignment.items() if p in members}
        kept = {p: n for p, n in plan.assignment.items() if p in members}
        assignment.update(proposed or kept)
    used = set(assignment.values())
    names = {n: v for n, v in {**plan.names, **proposal.names}.items() if n in used}
    return Plan(assignment, names)


class WorkingPlan:
    """The plan under edit, with locks and an undo/redo history.

    Every edit (a move, a new plan from the optimiser, a lock) adds a snapshot; undo and
    redo move a pointer through them, and a new edit after an undo drops the redone tail.

    Parameters
    ----------
    plan
        The starting plan.
    locks
        Network ids locked from the start.
    label
        What the starting plan is ("proposal", "current plan", …).
    """

    def __init__(self, plan: Plan, *, locks: Iterable[str] = (), label: str = "start") -> None:
        self._history: list[Snapshot] = [Snapshot(plan, frozenset(locks), label)]
        self._pointer = 0

    @classmethod
    def from_history(cls, history: list[Snapshot], pointer: int) -> WorkingPlan:
        """Rebuild a working plan from its history (as restored from a save)."""
        if not history:
            raise ValueError("a history needs at least one snapshot")
        if not 0 <= pointer < len(history):
            raise ValueError(f"history pointer {pointer} is outside 0…{len(history) - 1}")
        working = cls(history[0].plan)
        working._history = list(history)
        working._pointer = pointer
        return working

    # ------------------------------------------------------------------ reading
    @property
    def plan(self) -> Plan:
        """The plan as it stands."""
        return self._history[self._pointer].plan

    @property
    def locks(self) -> frozenset[str]:
        """The locked network ids."""
        return self._history[self._pointer].locks

    @property
    def history(self) -> tuple[Snapshot, ...]:
        """Every snapshot, oldest first (redo steps included)."""
        return tuple(self._history)

    @property
    def pointer(self) -> int:
        """Index of the current snapshot in :attr:`history`."""
        return self._pointer

    @property
    def label(self) -> str:
        """What led to the current state."""
        return self._history[self._pointer].label

    @property
    def can_undo(self) -> bool:
        """Whether there is an earlier snapshot to go back to."""
        return self._pointer > 0

    @property
    def can_redo(self) -> bool:
        """Whether an undone snapshot can be brought back."""
        return self._pointer < len(self._history) - 1

    @property
    def undo_label(self) -> str | None:
        """The edit an undo would take back."""
        return self._history[self._pointer].label if self.can_undo else None

    @property
    def redo_label(self) -> str | None:
        """The edit a redo would make again."""
        return self._history[self._pointer + 1].label if self.can_redo else None

    def locked_practices(self) -> dict[str, str]:
        """Practice → network for every practice in a locked network."""
        return {p: n for p, n in self.plan.assignment.items() if n in self.locks}

    # ------------------------------------------------------------------ editing
    def _push(self, plan: Plan, locks: frozenset[str], label: str) -> None:
        del self._history[self._pointer + 1 :]
        self._history.append(Snapshot(plan, locks, label))
        if len(self._history) > HISTORY_LIMIT:
            del self._history[: len(self._history) - HISTORY_LIMIT]
        self._pointer = len(self._history) - 1

    def move(
        self,
        practices: Iterable[str],
        network: str,
        *,
        name: str | None = None,
        label: str | None = None,
    ) -> list[str]:
        """Move practices to ``network`` (created when new); the practices that moved.

        Parameters
        ----------
        practices
            Practice codes. Those already in ``network`` are left alone.
        network
            The network id to move them to.
        name
            A name for ``network`` (kept when ``None``).
        label
            How the history describes the edit (default: "move A, B to N").

        Raises
        ------
        LockedNetworkError
            When a practice is in a locked network, or ``network`` is locked.
        """
        plan = self.plan
        network = str(network).strip()
        if not network:
            raise ValueError("a network id is needed to move practices into")
        moving = [p for p in dict.fromkeys(practices) if plan.assignment.get(p) != network]
        if network in self.locks:
            raise LockedNetworkError(
                f"network {plan.network_name(network)} is locked: unlock it before moving "
                "practices into it"
            )
        locked_from = sorted(
            {plan.assignment[p] for p in moving if plan.assignment.get(p) in self.locks}
        )
        if locked_from:
            raise LockedNetworkError(
                f"network{'s' if len(locked_from) > 1 else ''} "
                f"{', '.join(plan.network_name(n) for n in locked_from)} "
                f"{'are' if len(locked_from) > 1 else 'is'} locked: unlock before moving "
                "practices out"
            )
        if not moving and name is None:
            return []
        moved = plan.moved(moving, network)
        if name is not None and name.strip():
            moved = Plan(moved.assignment, {**moved.names, network: name.strip()})
        if moved == plan:
            return []
        shown = ", ".join(moving[:3]) + (f" and {len(moving) - 3} more" if len(moving) > 3 else "")
        self._push(moved, self.locks, label or f"move {shown} to {network}")
        return moving

    def replace(self, plan: Plan, *, label: str) -> None:
        """Make ``plan`` the working plan (an optimiser's answer, a loaded file)."""
        locks = frozenset(n for n in self.locks if n in set(plan.assignment.values()))
        if plan == self.plan and locks == self.locks:
            return
        self._push(plan, locks, label)

    def lock(self, networks: Iterable[str]) -> None:
        """Lock networks: manual moves and re-optimising leave them as they are."""
        wanted = frozenset(networks) & set(self.plan.assignment.values())
        if wanted <= self.locks:
            return
        added = sorted(wanted - self.locks)
        self._push(self.plan, self.locks | wanted, f"lock {', '.join(added)}")

    def unlock(self, networks: Iterable[str]) -> None:
        """Unlock networks."""
        removed = self.locks & frozenset(networks)
        if not removed:
            return
        self._push(self.plan, self.locks - removed, f"unlock {', '.join(sorted(removed))}")

    def undo(self) -> bool:
        """Go back one edit; False when there is nothing to undo."""
        if not self.can_undo:
            return False
        self._pointer -= 1
        return True

    def redo(self) -> bool:
        """Make the undone edit again; False when there is nothing to redo."""
        if not self.can_redo:
            return False
        self._pointer += 1
        return True

    # ------------------------------------------------------------------ saving
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the first snapshot in full, each later one as its changes."""
        steps: list[dict[str, Any]] = []
        previous: Snapshot | None = None
        for snapshot in self._history:
            if previous is None:
                steps.append(
                    {
                        "label": snapshot.label,
                        "assignment": dict(snapshot.plan.assignment),
                        "names": dict(snapshot.plan.names),
                        "locks": sorted(snapshot.locks),
                    }
                )
            else:
                changes = changed_practices(previous.plan, snapshot.plan)
                step: dict[str, Any] = {
                    "label": snapshot.label,
                    "set": {p: n for p, n in changes.items() if n is not None},
                    "unset": sorted(p for p, n in changes.items() if n is None),
                    "locks": sorted(snapshot.locks),
                }
                if dict(snapshot.plan.names) != dict(previous.plan.names):
                    step["names"] = dict(snapshot.plan.names)
                steps.append(step)
            previous = snapshot
        return {"history": steps, "pointer": self._pointer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingPlan:
        """Invert :meth:`to_dict`."""
        steps = data["history"]
        history: list[Snapshot] = []
        for step in steps:
            if not history:
                plan = Plan(
                    {str(p): str(n) for p, n in step["assignment"].items()},
                    {str(n): str(v) for n, v in step.get("names", {}).items()},
                )
            else:
                before = history[-1].plan
                assignment = dict(before.assignment)
                assignment.update({str(p): str(n) for p, n in step.get("set", {}).items()})
                for practice in step.get("unset", []):
                    assignment.pop(str(practice), None)
                names = step.get("names", before.names)
                plan = Plan(assignment, {str(n): str(v) for n, v in names.items()})
            history.append(
                Snapshot(plan, frozenset(str(n) for n in step.get("locks", [])), step["label"])
            )
        return cls.from_history(history, int(data["pointer"]))


def new_session_id() -> str:
    """Make a fresh, unguessable id for one browser session (URL-safe)."""
    return secrets.token_urlsafe(12)


def state_dir() -> Path:
    """Where sessions are saved: ``$FOOTPRINTS_STATE_DIR`` or ``.footprints/sessions``."""
    configured = os.environ.get(STATE_DIR_ENV, "").strip()
    return Path(configured) if configured else _DEFAULT_STATE_DIR


@dataclass
class SavedSession:
    """What a browser session saves: the working plan and the app's choices around it.

    Parameters
    ----------
    working
        The plan, locks and history.
    region
        Which region the plan belongs to: ``"demo"`` or ``"upload"``.
    uploads
        For an uploaded region: input role (``practices``, ``boundaries``, …) → file name
        inside the session's upload folder.
    settings
        The app's settings (band, weights, time limit, area), JSON-ready.
    """

    working: WorkingPlan
    region: str = "demo"
    uploads: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the format version, region, uploads, settings and working plan."""
        return {
            "format": _FORMAT,
            "region": self.region,
            "uploads": dict(self.uploads),
            "settings": dict(self.settings),
            **self.working.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SavedSession:
        """Invert :meth:`to_dict`; ``ValueError`` for an unknown format."""
        if data.get("format") != _FORMAT:
            raise ValueError(f"unknown session format {data.get('format')!r}")
        return cls(
            working=WorkingPlan.from_dict(data),
            region=str(data.get("region", "demo")),
            uploads={str(k): str(v) for k, v in data.get("uploads", {}).items()},
            settings=dict(data.get("settings", {})),
        )


class SessionStore:
    """One JSON file per browser session in ``folder``, written atomically.

    Parameters
    ----------
    folder
        Where the files go (created on first save); default :func:`state_dir`.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else state_dir()

    @staticmethod
    def valid_id(session_id: str | None) -> bool:
        """Check that an id is one :func:`new_session_id` could have made (no paths, no dots)."""
        return bool(session_id) and bool(_SESSION_ID.match(str(session_id)))

    def path(self, session_id: str) -> Path:
        """Give the session's file."""
        if not self.valid_id(session_id):
            raise ValueError(f"not a session id: {session_id!r}")
        return self.folder / f"{session_id}.json"

    def upload_dir(self, session_id: str) -> Path:
        """Give the folder a session's uploaded input files are kept in."""
        if not self.valid_id(session_id):
            raise ValueError(f"not a session id: {session_id!r}")
        return self.folder / session_id

    def save(self, session_id: str, session: SavedSession) -> Path:
        """Write the session: a temporary file in the same folder, then an atomic rename.

        A failure while writing leaves the previous save untouched.
        """
        target = self.path(session_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(session.to_dict(), separators=(",", ":"), sort_keys=True)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{session_id}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        logger.debug("saved session %s (%d bytes)", session_id, len(text))
        return target

    def load(self, session_id: str) -> SavedSession | None:
        """Read the saved session; ``None`` when there is none or it cannot be read."""
        if not self.valid_id(session_id):
            return None
        target = self.path(session_id)
        if not target.is_file():
            return None
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            return SavedSession.from_dict(data)
        except (OSError, ValueError, KeyError, TypeError) as error:
            # Keep the unreadable file aside so the next autosave cannot overwrite it.
            kept = target.with_name(f"{target.name}.unreadable-{int(time.time())}")
            try:
                target.replace(kept)
            except OSError:
                kept = target
            logger.warning(
                "session %s could not be restored (%s); starting afresh, the file is kept as %s",
                target,
                error,
                kept,
            )
            return None

    def delete(self, session_id: str) -> None:
        """Forget a session's saved plan."""
        if self.valid_id(session_id):
            self.path(session_id).unlink(missing_ok=True)
