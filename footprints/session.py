"""The app's working state, without widgets: a plan under edit, its history, locks, autosave.

:class:`WorkingPlan` holds the plan a user is editing, the networks they have locked, and an
undo/redo history of both. :class:`SessionStore` saves it after every edit — atomically, by
writing a temporary file and renaming it over the old one — to one JSON file per browser
session, and restores it when the page is reloaded or the server restarts.

The module is plain Python (no Streamlit) so that every rule here is unit-tested.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footprints.errors import FootprintsError
from footprints.merge import merge_states
from footprints.plan import Plan, PlanState

__all__ = [
    "STATE_DIR_ENV",
    "LockedNetworkError",
    "SavedSession",
    "SessionStore",
    "Snapshot",
    "StaleSessionError",
    "WorkingPlan",
    "apply_proposal",
    "changed_practices",
    "merge_edits",
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


class StaleSessionError(FootprintsError):
    """Another browser tab saved the session after this one read it: saving would lose that.

    Parameters
    ----------
    session_id
        The session.
    saved
        The version on disk now.
    expected
        The version this tab read (or last saved).
    """

    def __init__(self, session_id: str, saved: int, expected: int) -> None:
        super().__init__(
            f"session {session_id} was saved by another tab (version {saved}) after this tab "
            f"read version {expected}: reload the saved plan, or merge your edits into it"
        )
        self.session_id = session_id
        self.saved = saved
        self.expected = expected


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


def apply_proposal(
    plan: Plan,
    proposal: Plan,
    areas: Mapping[str, Collection[str]],
    *,
    locks: Collection[str] = (),
) -> Plan:
    """Merge an optimiser's proposal for some planning areas into the working plan.

    Parameters
    ----------
    plan
        The working plan as it stands now (edits made while the optimiser ran included).
    proposal
        The optimiser's plan for the areas it solved (``Proposal.plan``).
    areas
        Each planning area the optimiser was run on → its practice codes.
    locks
        The locked networks: the result must hold each with exactly its practices in
        ``plan``.

    Returns
    -------
    Plan
        Practices outside ``areas`` keep their network in ``plan``; the practices of an area
        take the proposal's networks, or keep their networks in ``plan`` when the proposal
        has no plan for that area (none of its practices is in it). Names come from
        ``plan``, overridden by the proposal's (a locked network keeps its own), and waiver
        reasons from ``plan``, for the networks the result uses.

    Raises
    ------
    LockedNetworkError
        When the result would change a locked network (add, drop or move a practice of
        it), naming the network and the practices; the working plan is then to be kept.
    """
    scope = {str(p) for practices in areas.values() for p in practices}
    assignment = {p: n for p, n in plan.assignment.items() if p not in scope}
    for practices in areas.values():
        members = {str(p) for p in practices}
        proposed = {p: n for p, n in proposal.assignment.items() if p in members}
        kept = {p: n for p, n in plan.assignment.items() if p in members}
        assignment.update(proposed or kept)
    _check_locks_kept(plan, assignment, locks)
    used = set(assignment.values())
    merged = {
        **plan.names,
        **proposal.names,
        **{n: plan.names[n] for n in locks if n in plan.names},
    }
    names = {n: v for n, v in merged.items() if n in used}
    waivers = {n: v for n, v in plan.waivers.items() if n in used}
    return Plan(assignment, names, waivers)


def _check_locks_kept(plan: Plan, assignment: Mapping[str, str], locks: Collection[str]) -> None:
    """Raise :class:`LockedNetworkError` when ``assignment`` changes a locked network."""
    broken: list[str] = []
    for network in sorted(locks):
        before = {p for p, n in plan.assignment.items() if n == network}
        after = {p for p, n in assignment.items() if n == network}
        if before and before != after:
            changed = sorted(before ^ after)
            shown = ", ".join(changed[:5]) + (
                f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            )
            broken.append(f"{plan.network_name(network)} ({network}): practices {shown}")
    if broken:
        raise LockedNetworkError(
            f"the optimiser's plan changes {len(broken)} locked network"
            f"{'s' if len(broken) != 1 else ''} — {'; '.join(broken)}. Your plan is kept as "
            "it was: unlock the network to let the optimiser change it"
        )


def merge_edits(
    base: Plan, mine: Plan, theirs: Plan, *, locks: Collection[str] = ()
) -> tuple[Plan, list[str]]:
    """Put the edits made from ``base`` to ``mine`` onto ``theirs`` (a three-way merge).

    The merge is :func:`footprints.merge.merge_states`'s, the saved plan winning conflicts.

    Parameters
    ----------
    base
        The plan both sides started from (what this tab last read or saved).
    mine
        This tab's plan, with its unsaved edits.
    theirs
        The plan another tab saved since.
    locks
        Networks locked in ``theirs``: edits of mine that would change them are left out.

    Returns
    -------
    plan, conflicts
        ``theirs`` with every practice I moved since ``base`` in my network, and the names
        and waiver reasons I changed; and, in words, each edit left out (anything both sides
        changed differently keeps theirs; a locked network is not changed).
    """
    merged = merge_states(
        PlanState(base, waivers=base.waivers),
        PlanState(mine, waivers=mine.waivers),
        PlanState(theirs, waivers=theirs.waivers),
    )
    conflicts = [f"{c}: the saved plan's kept" for c in merged.conflicts]
    state = merged.resolve((c.kind, c.key) for c in merged.conflicts)
    assignment = dict(state.plan.assignment)
    locked = set(locks)
    for practice in sorted(set(assignment) | set(theirs.assignment)):
        now, saved = assignment.get(practice), theirs.assignment.get(practice)
        if now != saved and (now in locked or saved in locked):
            conflicts.append(f"{practice}: its network is locked in the saved plan, left as is")
            if saved is None:
                assignment.pop(practice, None)
            else:
                assignment[practice] = saved
    used = set(assignment.values())
    plan = Plan(
        assignment,
        {n: v for n, v in {**theirs.names, **state.plan.names}.items() if n in used},
        {n: v for n, v in state.waivers.items() if n in used},
    )
    return plan, conflicts


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
            moved = moved.renamed(network, name)
        if moved == plan:
            return []
        shown = ", ".join(moving[:3]) + (f" and {len(moving) - 3} more" if len(moving) > 3 else "")
        self._push(moved, self.locks, label or f"move {shown} to {network}")
        return moving

    def rename(self, network: str, name: str) -> bool:
        """Call ``network`` ``name`` (its id when empty); False when nothing changed.

        Renaming is allowed for a locked network: it changes no practice.
        """
        plan = self.plan
        if network not in set(plan.assignment.values()):
            raise ValueError(f"there is no network {network!r} in the plan to rename")
        renamed = plan.renamed(network, name)
        if renamed == plan:
            return False
        shown = name.strip() or network
        self._push(renamed, self.locks, f"rename {network} to “{shown}”")
        return True

    def waive(self, network: str, reason: str) -> bool:
        """Record ``reason`` as the waiver of ``network`` (none when empty); False if unchanged."""
        plan = self.plan
        if network not in set(plan.assignment.values()):
            raise ValueError(f"there is no network {network!r} in the plan to waive")
        waived = plan.with_waiver(network, reason)
        if waived == plan:
            return False
        what = "record the waiver of" if reason.strip() else "clear the waiver of"
        self._push(waived, self.locks, f"{what} {plan.network_name(network)}")
        return True

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
                        "waivers": dict(snapshot.plan.waivers),
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
                if dict(snapshot.plan.waivers) != dict(previous.plan.waivers):
                    step["waivers"] = dict(snapshot.plan.waivers)
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
                    {str(n): str(v) for n, v in step.get("waivers", {}).items()},
                )
            else:
                before = history[-1].plan
                assignment = dict(before.assignment)
                assignment.update({str(p): str(n) for p, n in step.get("set", {}).items()})
                for practice in step.get("unset", []):
                    assignment.pop(str(practice), None)
                names = step.get("names", before.names)
                waivers = step.get("waivers", before.waivers)
                plan = Plan(
                    assignment,
                    {str(n): str(v) for n, v in names.items()},
                    {str(n): str(v) for n, v in waivers.items()},
                )
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
    region_options
        The options the region's files are read with (:data:`footprints.region.REGION_OPTIONS`:
        a code column, a postcode lookup …), for a plan imported with them; JSON-ready.
    version
        How many times the session has been saved (:meth:`SessionStore.save` sets it): a
        browser tab holding an older version than the file's is stale.
    """

    working: WorkingPlan
    region: str = "demo"
    uploads: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    region_options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the format, version, region, uploads, settings and working plan."""
        return {
            "format": _FORMAT,
            "version": self.version,
            "region": self.region,
            "uploads": dict(self.uploads),
            "settings": dict(self.settings),
            **({"region_options": dict(self.region_options)} if self.region_options else {}),
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
            version=int(data.get("version", 0)),
            region_options=dict(data.get("region_options", {})),
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

    def save(
        self, session_id: str, session: SavedSession, *, expected_version: int | None = None
    ) -> Path:
        """Write the session: a temporary file in the same folder, then an atomic rename.

        The session's :attr:`~SavedSession.version` becomes one more than the file's. A
        failure while writing leaves the previous save untouched.

        Parameters
        ----------
        session_id
            The session.
        session
            What to save.
        expected_version
            The version the caller last read or saved; ``None`` saves whatever is on disk.

        Raises
        ------
        StaleSessionError
            When the file holds another version than ``expected_version``: another tab
            saved since, and nothing is written.
        """
        target = self.path(session_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(session_id):
            on_disk = self.version(session_id)
            if expected_version is not None and on_disk != expected_version:
                raise StaleSessionError(session_id, on_disk, expected_version)
            session.version = on_disk + 1
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
        logger.debug("saved session %s version %d (%d bytes)", session_id, on_disk + 1, len(text))
        return target

    def version(self, session_id: str) -> int:
        """Give the version of the saved session (0 when there is none or it is unreadable)."""
        if not self.valid_id(session_id):
            return 0
        try:
            data = json.loads(self.path(session_id).read_text(encoding="utf-8"))
            return int(data.get("version", 0)) if isinstance(data, dict) else 0
        except (OSError, ValueError, TypeError):
            return 0

    @contextlib.contextmanager
    def _locked(self, session_id: str) -> Iterator[None]:
        """Hold a lock on the sessions' folder while reading a version and writing a save.

        The folder itself is locked (no lock file is left behind); ``session_id`` only
        names what is being saved, for the debug log.
        """
        handle = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            logger.debug("locked %s to save session %s", self.folder, session_id)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.close(handle)

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
