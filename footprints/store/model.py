"""What the store hands out: versions, comments, links and events, its errors, permissions.

A version's content is the saved :class:`~footprints.plan.PlanState` as compact JSON
(``assignment``, ``names``, ``locks``, ``waivers``), compressed with zlib.
"""

from __future__ import annotations

import enum
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from footprints.errors import FootprintsError
from footprints.merge import MergeResult, merge_states
from footprints.plan import Plan, PlanState

__all__ = [
    "Comment",
    "CommentTarget",
    "ConflictError",
    "Event",
    "InvalidValueError",
    "Link",
    "LinkError",
    "NotFoundError",
    "Permission",
    "PermissionDeniedError",
    "PlanExistsError",
    "PlanNotFoundError",
    "PlanSummary",
    "StoreError",
    "Version",
    "VersionInfo",
    "VersionNotFoundError",
    "decode_state",
    "encode_state",
]

CommentTarget = Literal["network", "practice"]
"""What a comment is on: a network (by id) or a practice (by code)."""


class StoreError(FootprintsError):
    """The plan store cannot do what was asked; the message names the plan and what to do."""


class NotFoundError(StoreError, KeyError):
    """Something asked for is not in the store: a plan, version, comment or link."""

    def __str__(self) -> str:
        """Return the message as written (``KeyError`` would quote it)."""
        return str(self.args[0]) if self.args else ""


class PlanNotFoundError(NotFoundError):
    """No plan of that name (or id) is in the store."""


class VersionNotFoundError(NotFoundError):
    """The plan has no version of that number or name."""


class InvalidValueError(StoreError, ValueError):
    """A value given to the store cannot be used (empty, too long, a name already taken)."""


class PlanExistsError(StoreError, ValueError):
    """A plan of that name is already in the store."""


class PermissionDeniedError(StoreError):
    """The link or user opening the plan may not do this (a view link never writes)."""


class LinkError(StoreError):
    """A link token that is unknown or revoked."""


class Permission(enum.IntEnum):
    """What a handle on a plan may do; each level may do everything below it.

    ``VIEW`` reads (map, tables, violations, pack), ``COMMENT`` also comments and resolves
    comments, ``EDIT`` also saves, names and restores versions, ``OWN`` also manages links,
    the owner and the editors. Links give ``VIEW``, ``COMMENT`` or ``EDIT``.
    """

    VIEW = 1
    COMMENT = 2
    EDIT = 3
    OWN = 4

    @property
    def word(self) -> str:
        """The permission in lower case: ``view``, ``comment``, ``edit``, ``own``."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | Permission) -> Permission:
        """Read ``"view"``, ``"comment"``, ``"edit"`` or ``"own"`` (any case)."""
        if isinstance(text, Permission):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ValueError(
                f"permission {text!r} is not one of view, comment, edit or own"
            ) from None


@dataclass(frozen=True)
class VersionInfo:
    """One version of a plan, without its content.

    Parameters
    ----------
    number
        1 for the first version, one more for each save.
    parent
        The version the save was made against (``None`` for the first).
    created_at
        When it was saved (UTC).
    author
        Who saved it (a user id, or a name given to the command line; ``None``: unknown).
    label
        What the save was ("import plan.csv", "move A81001 to N3", "restore version 2").
    name
        The name a user gave it ("for the board, 3 March"), or ``None``.
    practices, networks
        How many practices and networks the plan has.
    """

    number: int
    parent: int | None
    created_at: datetime
    author: str | None
    label: str
    name: str | None
    practices: int
    networks: int

    def title(self) -> str:
        """``version 3 "for the board"`` or ``version 3``."""
        return f"version {self.number}" + (f' "{self.name}"' if self.name else "")


@dataclass(frozen=True)
class Version:
    """A version with its content: the plan, locks and waiver reasons."""

    info: VersionInfo
    state: PlanState

    @property
    def number(self) -> int:
        """The version's number."""
        return self.info.number

    @property
    def plan(self) -> Plan:
        """The version's plan."""
        return self.state.plan


@dataclass(frozen=True)
class PlanSummary:
    """A plan in the store's list: its name, head version, owner and editors."""

    id: int
    name: str
    head: int
    created_at: datetime
    updated_at: datetime
    owner: str | None
    editors: tuple[str, ...]
    practices: int
    networks: int


@dataclass(frozen=True)
class Comment:
    """A comment on a network or a practice; open until resolved.

    ``body`` is the text exactly as written: whoever shows it escapes it (it may hold
    ``<script>``). ``version`` is the plan's head version when it was written.
    """

    id: int
    target_kind: CommentTarget
    target: str
    body: str
    author: str | None
    created_at: datetime
    version: int
    resolved_at: datetime | None
    resolved_by: str | None

    @property
    def is_open(self) -> bool:
        """Whether the comment is still open."""
        return self.resolved_at is None


@dataclass(frozen=True)
class Link:
    """A link to a plan, as its owner sees it (the token itself is shown only once).

    ``hint`` is the token's first four characters, to tell links apart.
    """

    id: int
    permission: Permission
    label: str
    hint: str
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def active(self) -> bool:
        """Whether the link still opens the plan."""
        return self.revoked_at is None


@dataclass(frozen=True)
class Event:
    """One entry of a plan's edit history: who did what, when."""

    at: datetime
    user: str | None
    action: str
    detail: str


class ConflictError(StoreError):
    """A save whose base is no longer the plan's newest version: someone saved in between.

    Nothing was saved. The error carries both sides, so the caller can offer the other
    editor's changes and a merge (:meth:`merge`), then save the merge against
    ``theirs.number``.

    Parameters
    ----------
    plan
        The plan's name.
    base
        The version the save started from.
    mine
        What the caller tried to save.
    theirs
        The plan's newest version, saved since ``base``.
    """

    def __init__(self, plan: str, base: Version, mine: PlanState, theirs: Version) -> None:
        self.plan = plan
        self.base = base
        self.mine = mine
        self.theirs = theirs
        who = f" by {theirs.info.author}" if theirs.info.author else ""
        super().__init__(
            f"plan {plan!r}: version {theirs.number} was saved{who} ({theirs.info.label}) "
            f"after version {base.number}, the one this save started from; nothing was "
            f"saved — merge the changes (ConflictError.merge) and save against version "
            f"{theirs.number}"
        )

    def merge(self) -> MergeResult:
        """Merge mine and theirs against the base (conflicts keep mine)."""
        return merge_states(self.base.state, self.mine, self.theirs.state)


def encode_state(state: PlanState) -> bytes:
    """Return a state as compressed JSON (the content of a version)."""
    document = {
        "assignment": dict(sorted(state.plan.assignment.items())),
        "names": dict(sorted(state.plan.names.items())),
        "locks": sorted(state.locks),
        "waivers": dict(sorted(state.waivers.items())),
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), 6)


def decode_state(content: bytes) -> PlanState:
    """Invert :func:`encode_state`; ``ValueError`` for content that is not a saved state."""
    try:
        document: Any = json.loads(zlib.decompress(content).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not a saved plan ({type(error).__name__}: {error})") from None
    if not isinstance(document, dict):
        raise ValueError("not a saved plan (not a JSON object)")

    def mapping(key: str) -> Mapping[str, str]:
        value = document.get(key, {})
        if not isinstance(value, dict):
            raise ValueError(f"not a saved plan ({key} is not an object)")
        return {str(k): str(v) for k, v in value.items()}

    plan = Plan(mapping("assignment"), mapping("names"))
    return PlanState(plan, frozenset(str(n) for n in document.get("locks", [])), mapping("waivers"))


def as_utc(moment: datetime) -> datetime:
    """Return a time read from the database as UTC (SQLite gives it back without a zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now() -> datetime:
    """Return the current time, UTC."""
    return datetime.now(UTC)
