"""One plan, opened with a permission: its versions, comments, links, editors and history.

Every method checks the handle's :class:`~footprints.store.model.Permission` before it
touches the database, and a handle opened by a link checks, in the same transaction, that
the link has not been revoked since: a view link never writes, and a revoked link stops
working at once. Every query is confined to the handle's plan.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Row

from footprints.diff import PlanDiff, diff_plans
from footprints.plan import Plan, PlanState
from footprints.store import schema
from footprints.store.engine import Database
from footprints.store.model import (
    Comment,
    CommentTarget,
    ConflictError,
    Event,
    InvalidValueError,
    Link,
    LinkError,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    PlanNotFoundError,
    PlanSummary,
    StoreError,
    Version,
    VersionInfo,
    VersionNotFoundError,
    as_utc,
    decode_state,
    encode_state,
    now,
)

__all__ = [
    "TOKEN_BYTES",
    "PlanHandle",
    "VersionRef",
    "clean_text",
    "new_id",
    "rights",
    "summaries",
    "token_hash",
]

TOKEN_BYTES = 32
"""Random bytes in a link token: 256 bits, ``secrets.token_urlsafe`` → 43 URL-safe characters."""

VersionRef = int | str | None
"""A version: its number (``3`` or ``"3"``), its name, ``"head"``, or ``None`` for the head."""

_RESTORE_ATTEMPTS = 10
"""Writes a restore with no base tries while others save the plan at the same moment."""

_P, _V, _C, _L, _E, _ED = (
    schema.plans,
    schema.versions,
    schema.comments,
    schema.links,
    schema.events,
    schema.editors,
)
_WHAT = {
    Permission.VIEW: "read it",
    Permission.COMMENT: "comment",
    Permission.EDIT: "edit it",
    Permission.OWN: "manage it",
}


def token_hash(token: str) -> str:
    """Return the SHA-256 of a link token: the store keeps only this, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_text(value: object, what: str, *, limit: int, empty: bool = False) -> str:
    """Return ``value`` stripped; :class:`InvalidValueError` naming ``what`` if empty or long."""
    text = str(value).strip()
    if not text and not empty:
        raise InvalidValueError(f"the {what} is empty: give some text")
    if len(text) > limit:
        raise InvalidValueError(
            f"the {what} is {len(text):,} characters long; at most {limit:,} fit"
        )
    return text


def _user(value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    return clean_text(value, "user id", limit=320)


def new_id(result: CursorResult[Any]) -> int:
    """Return the id the database gave the row an insert added."""
    key = result.inserted_primary_key
    if key is None:  # never for the store's tables, whose ids the database makes
        raise StoreError("the database gave no id to a new row")
    return int(key[0])


def _info(row: Row[Any]) -> VersionInfo:
    return VersionInfo(
        number=row.number,
        parent=row.parent,
        created_at=as_utc(row.created_at),
        author=row.author,
        label=row.label,
        name=row.name,
        practices=row.practices,
        networks=row.networks,
    )


def rights(
    connection: Connection, plan_id: int, name: str, owner: str | None, user: str
) -> Permission:
    """Return what a signed-in user may do with a plan: OWN its owner, EDIT its editors.

    A plan without an owner may be edited by every signed-in user.

    Raises
    ------
    PermissionDeniedError
        When the user is neither the owner nor an editor of an owned plan.
    """
    if owner == user:
        return Permission.OWN
    editor = connection.execute(
        sa.select(_ED.c.user).where(_ED.c.plan_id == plan_id, _ED.c.user == user)
    ).first()
    if editor is not None or owner is None:
        return Permission.EDIT
    raise PermissionDeniedError(
        f"plan {name!r} belongs to {owner}, and {user} is not one of its editors: ask the "
        "owner to add you as an editor, or for a link"
    )


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def summaries(connection: Connection, plan_id: int | None = None) -> list[PlanSummary]:
    """Return every plan (or the one ``plan_id``), by name, with its newest version's size."""
    query = (
        sa.select(_P, _V.c.practices, _V.c.networks)
        .join(_V, sa.and_(_V.c.plan_id == _P.c.id, _V.c.number == _P.c.head))
        .order_by(_P.c.name)
    )
    people = sa.select(_ED.c.plan_id, _ED.c.user).order_by(_ED.c.user)
    if plan_id is not None:
        query = query.where(_P.c.id == plan_id)
        people = people.where(_ED.c.plan_id == plan_id)
    editors: dict[int, list[str]] = {}
    for plan, user in connection.execute(people):
        editors.setdefault(plan, []).append(user)
    return [
        PlanSummary(
            id=r.id,
            name=r.name,
            head=r.head,
            created_at=as_utc(r.created_at),
            updated_at=as_utc(r.updated_at),
            owner=r.owner,
            editors=tuple(editors.get(r.id, [])),
            practices=r.practices,
            networks=r.networks,
        )
        for r in connection.execute(query)
    ]


def _comment(row: Row[Any]) -> Comment:
    return Comment(
        id=row.id,
        target_kind=row.target_kind,
        target=row.target,
        body=row.body,
        author=row.author,
        created_at=as_utc(row.created_at),
        version=row.version,
        resolved_at=_maybe_utc(row.resolved_at),
        resolved_by=row.resolved_by,
    )


def _link(row: Row[Any]) -> Link:
    return Link(
        id=row.id,
        permission=Permission.parse(row.permission),
        label=row.label,
        hint=row.hint,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        revoked_at=_maybe_utc(row.revoked_at),
        revoked_by=row.revoked_by,
    )


class PlanHandle:
    """A plan opened from a :class:`~footprints.store.Store`, with what it may do.

    Get one from :meth:`Store.open`, :meth:`Store.open_as`, :meth:`Store.open_link` or
    :meth:`Store.create`, not by calling this.

    Parameters
    ----------
    database
        The open store.
    plan_id, name
        The plan.
    permission
        What this handle may do.
    user
        The signed-in user (recorded as the author of everything done through the handle),
        or ``None`` for a local or link user (who may give a name as ``author``).
    link_id
        The link the handle was opened with, checked on every call.
    signed_in
        Whether the permission comes from ``user`` being the owner or an editor: it is then
        read again on every call (:func:`rights`), so a user removed as an editor stops
        editing at once.
    """

    def __init__(
        self,
        database: Database,
        plan_id: int,
        name: str,
        permission: Permission,
        *,
        user: str | None = None,
        link_id: int | None = None,
        signed_in: bool = False,
    ) -> None:
        self._db = database
        self.id = plan_id
        self.name = name
        self.permission = permission
        self.user = user
        self.link_id = link_id
        self._signed_in = signed_in and user is not None

    def __repr__(self) -> str:
        """Name the plan and the permission."""
        return f"PlanHandle({self.name!r}, {self.permission.word})"

    def can(self, permission: Permission | str) -> bool:
        """Whether this handle may do what ``permission`` allows."""
        return self.permission >= Permission.parse(permission)

    # ------------------------------------------------------------------ checks
    def _require(self, permission: Permission, doing: str) -> None:
        if self.permission >= permission:
            return
        how = "this link" if self.link_id is not None else f"user {self.user or 'anonymous'}"
        raise PermissionDeniedError(
            f"plan {self.name!r}: {how} may only {_WHAT[self.permission]}, so it cannot "
            f"{doing}; ask the plan's owner for a link or rights that let you "
            f"{_WHAT[permission]}"
        )

    def _guard(self, connection: Connection) -> None:
        """Check the plan is still there and, for a link, that the link still works."""
        found = connection.execute(
            sa.select(_P.c.name, _P.c.owner).where(_P.c.id == self.id)
        ).first()
        if found is None:
            raise PlanNotFoundError(f"plan {self.name!r} is no longer in the store")
        self.name = found.name
        if self._signed_in and self.user is not None:
            self.permission = rights(connection, self.id, self.name, found.owner, self.user)
        if self.link_id is None:
            return
        revoked = connection.execute(
            sa.select(_L.c.revoked_at).where(_L.c.id == self.link_id, _L.c.plan_id == self.id)
        ).first()
        if revoked is None or revoked.revoked_at is not None:
            raise LinkError(
                f"this link to plan {self.name!r} was revoked: ask the plan's owner for a new one"
            )

    @contextmanager
    def _session(self, needed: Permission, doing: str, *, write: bool) -> Iterator[Connection]:
        """Open a transaction for something needing ``needed``: checked before and inside it.

        Inside, :meth:`_guard` re-reads what may have changed since the handle was opened
        (the plan, a link's revocation, a signed-in user's rights), so the check holds for
        the transaction's own view of the database.
        """
        self._require(needed, doing)
        with self._db.write() if write else self._db.read() as connection:
            self._guard(connection)
            self._require(needed, doing)
            yield connection

    def _who(self, author: str | None) -> str | None:
        """Return the signed-in user, else the name given (a local or link user's)."""
        return self.user if self.user is not None else _user(author)

    def _event(self, connection: Connection, user: str | None, action: str, detail: str) -> None:
        connection.execute(
            _E.insert().values(
                plan_id=self.id, at=now(), user=user, action=action, detail=detail[:500]
            )
        )

    def _head(self, connection: Connection) -> int:
        head: int = connection.execute(sa.select(_P.c.head).where(_P.c.id == self.id)).scalar_one()
        return head

    def _version_row(self, connection: Connection, ref: VersionRef) -> Row[Any]:
        """Return the version ``ref`` names; ``VersionNotFoundError`` naming the choices."""
        head = self._head(connection)
        text = "head" if ref is None else str(ref).strip()
        if text.lower() == "head":
            condition = _V.c.number == head
        elif text.isdigit():
            condition = _V.c.number == int(text)
        else:
            condition = _V.c.name == text
        row = connection.execute(sa.select(_V).where(_V.c.plan_id == self.id, condition)).first()
        if row is None:
            named = connection.execute(
                sa.select(_V.c.number, _V.c.name)
                .where(_V.c.plan_id == self.id, _V.c.name.is_not(None))
                .order_by(_V.c.number)
            ).all()
            names = "; named: " + ", ".join(f"{r.name!r} ({r.number})" for r in named)
            raise VersionNotFoundError(
                f"plan {self.name!r} has no version {text!r} (versions 1–{head}"
                f"{names if named else ''}): list them with footprints plans versions "
                f"{self.name!r}"
            )
        return row

    def _version(self, row: Row[Any]) -> Version:
        try:
            state = decode_state(row.content)
        except ValueError as error:
            raise StoreError(
                f"plan {self.name!r}, version {row.number}: {error}; restore another version"
            ) from None
        return Version(_info(row), state)

    # ------------------------------------------------------------------ reading
    def summary(self) -> PlanSummary:
        """Return the plan's name, head, owner, editors and size."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            (summary,) = summaries(connection, self.id)
        return summary

    def head_number(self) -> int:
        """Return the number of the plan's newest version."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            return self._head(connection)

    def versions(self) -> list[VersionInfo]:
        """Return every version, oldest first (without their content)."""
        columns = [c for c in _V.c if c.name != "content"]
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            rows = connection.execute(
                sa.select(*columns).where(_V.c.plan_id == self.id).order_by(_V.c.number)
            ).all()
        return [_info(row) for row in rows]

    def version(self, ref: VersionRef = None) -> Version:
        """Return a version with its plan, locks and waivers (the head by default)."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            return self._version(self._version_row(connection, ref))

    def diff(
        self, a: VersionRef, b: VersionRef, *, populations: Mapping[str, int] | None = None
    ) -> PlanDiff:
        """Say what changed from version ``a`` to version ``b`` (:func:`diff_plans`)."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            first = self._version(self._version_row(connection, a))
            second = self._version(self._version_row(connection, b))
        return diff_plans(first.plan, second.plan, populations=populations)

    def meta(self) -> dict[str, Any]:
        """Return what the app keeps beside the plan (its region, uploads and settings)."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            text = connection.execute(sa.select(_P.c.meta).where(_P.c.id == self.id)).scalar_one()
        loaded = json.loads(text or "{}")
        return loaded if isinstance(loaded, dict) else {}

    def head_and_meta(self) -> tuple[Version, dict[str, Any]]:
        """Return the newest version and the app's meta, read in one transaction."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            head = self._version(self._version_row(connection, None))
            text = connection.execute(sa.select(_P.c.meta).where(_P.c.id == self.id)).scalar_one()
        loaded = json.loads(text or "{}")
        return head, loaded if isinstance(loaded, dict) else {}

    def history(self) -> list[Event]:
        """Return the plan's edit history, oldest first: saves, names, comments, links."""
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            rows = connection.execute(
                sa.select(_E).where(_E.c.plan_id == self.id).order_by(_E.c.id)
            ).all()
        return [Event(as_utc(r.at), r.user, r.action, r.detail) for r in rows]

    def comments(
        self,
        *,
        status: str = "open",
        target_kind: CommentTarget | None = None,
        target: str | None = None,
    ) -> list[Comment]:
        """Return the comments, oldest first: ``status`` ``open``, ``resolved`` or ``all``."""
        if status not in {"open", "resolved", "all"}:
            raise InvalidValueError(
                f"comment status {status!r} is not one of open, resolved or all"
            )
        query = sa.select(_C).where(_C.c.plan_id == self.id)
        if status == "open":
            query = query.where(_C.c.resolved_at.is_(None))
        elif status == "resolved":
            query = query.where(_C.c.resolved_at.is_not(None))
        if target_kind is not None:
            query = query.where(_C.c.target_kind == target_kind)
        if target is not None:
            query = query.where(_C.c.target == str(target).strip())
        with self._session(Permission.VIEW, "read it", write=False) as connection:
            rows = connection.execute(query.order_by(_C.c.id)).all()
        return [_comment(r) for r in rows]

    # ------------------------------------------------------------------ editing
    def save(
        self,
        state: PlanState | Plan,
        *,
        base: int,
        label: str = "save",
        author: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> VersionInfo:
        """Save a new version against ``base``, the version the edit started from.

        ``meta`` (JSON-ready), when given, replaces what the app keeps beside the plan in the
        same transaction: the version and its meta are saved together or not at all.

        Raises
        ------
        ConflictError
            When another save made a newer version than ``base`` first; it carries both
            sides and :meth:`ConflictError.merge`. Nothing is saved.
        VersionNotFoundError
            When the plan has no version ``base``.
        PermissionDeniedError
            For a handle that may not edit (a view or comment link).
        """
        if isinstance(state, Plan):
            state = PlanState(state)
        label = clean_text(label, "version's label", limit=500, empty=True) or "save"
        return self._write_version(state, int(base), label, self._who(author), "save", meta)

    def _write_version(
        self,
        state: PlanState,
        base: int,
        label: str,
        who: str | None,
        action: str,
        meta: Mapping[str, Any] | None = None,
    ) -> VersionInfo:
        content = encode_state(state)
        when = now()
        values_of_plan: dict[str, Any] = {"head": base + 1, "updated_at": when}
        if meta is not None:
            values_of_plan["meta"] = json.dumps(dict(meta), sort_keys=True, separators=(",", ":"))
        with self._session(Permission.EDIT, f"{action} a version", write=True) as connection:
            head = self._head(connection)
            if not 1 <= base <= head:
                raise VersionNotFoundError(
                    f"plan {self.name!r} has no version {base} to save against (versions "
                    f"1–{head}): reopen the plan and edit its version {head}"
                )
            moved = connection.execute(
                _P.update().where(_P.c.id == self.id, _P.c.head == base).values(**values_of_plan)
            )
            if moved.rowcount != 1:
                raise ConflictError(
                    self.name,
                    self._version(self._version_row(connection, base)),
                    state,
                    self._version(self._version_row(connection, None)),
                )
            values = {
                "plan_id": self.id,
                "number": base + 1,
                "parent": base,
                "created_at": when,
                "author": who,
                "label": label,
                "practices": len(state.plan),
                "networks": len(set(state.plan.assignment.values())),
                "content": content,
            }
            connection.execute(_V.insert().values(**values))
            self._event(connection, who, action, f"version {base + 1}: {label}")
            return _info(
                connection.execute(
                    sa.select(_V).where(_V.c.plan_id == self.id, _V.c.number == base + 1)
                ).one()
            )

    def restore(
        self,
        ref: VersionRef,
        *,
        base: int | None = None,
        author: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> VersionInfo:
        """Save version ``ref`` again as a new version (against ``base``; default the head).

        Without ``base``, a save made by someone else at the same moment is no conflict:
        the version is restored on top of it.

        ``meta``, when given, replaces the app's meta in the same transaction (as
        :meth:`save`).
        """
        with self._session(Permission.EDIT, "restore a version", write=False) as connection:
            old = self._version(self._version_row(connection, ref))
            start = self._head(connection) if base is None else int(base)
        label = f"restore {old.info.title()}"
        who = self._who(author)
        for _ in range(_RESTORE_ATTEMPTS - 1):
            try:
                return self._write_version(old.state, start, label, who, "restore", meta)
            except ConflictError as conflict:
                if base is not None:
                    raise
                start = conflict.theirs.number  # no base asked for: restore on the newest
        return self._write_version(old.state, start, label, who, "restore", meta)

    def name_version(
        self, ref: VersionRef, name: str | None, *, author: str | None = None
    ) -> VersionInfo:
        """Name a version ("for the board, 3 March"), or clear its name with ``None``.

        Raises
        ------
        ValueError
            When another version of the plan already has the name (or it is too long).
        """
        text = None if name is None else clean_text(name, "version's name", limit=200)
        if text is not None and (text.isdigit() or text.lower() == "head"):
            raise InvalidValueError(
                f"a version cannot be named {text!r} (numbers and 'head' name versions "
                "already): give it words"
            )
        who = self._who(author)
        with self._session(Permission.EDIT, "name a version", write=True) as connection:
            row = self._version_row(connection, ref)
            if text is not None:
                taken = connection.execute(
                    sa.select(_V.c.number).where(
                        _V.c.plan_id == self.id, _V.c.name == text, _V.c.number != row.number
                    )
                ).first()
                if taken is not None:
                    raise InvalidValueError(
                        f"plan {self.name!r}: version {taken.number} is already named "
                        f"{text!r}; choose another name"
                    )
            connection.execute(_V.update().where(_V.c.id == row.id).values(name=text))
            said = f'"{text}"' if text is not None else "no name"
            self._event(connection, who, "name", f"version {row.number}: {said}")
            return _info(connection.execute(sa.select(_V).where(_V.c.id == row.id)).one())

    def set_meta(self, meta: Mapping[str, Any]) -> None:
        """Keep the app's region, uploads and settings beside the plan (JSON-ready)."""
        text = json.dumps(dict(meta), sort_keys=True, separators=(",", ":"))
        with self._session(Permission.EDIT, "change its settings", write=True) as connection:
            connection.execute(_P.update().where(_P.c.id == self.id).values(meta=text))

    # ------------------------------------------------------------------ comments
    def add_comment(
        self, target_kind: CommentTarget, target: str, body: str, *, author: str | None = None
    ) -> Comment:
        """Comment on a network (by id) or a practice (by code) of the newest version.

        The text is kept exactly as written (up to 10,000 characters); whoever shows it
        must escape it.
        """
        if target_kind not in ("network", "practice"):
            raise InvalidValueError(
                f"a comment is on a network or a practice, not a {target_kind!r}"
            )
        key = clean_text(target, f"{target_kind} to comment on", limit=100)
        text = clean_text(body, "comment", limit=10_000)
        who = self._who(author)
        with self._session(Permission.COMMENT, "comment", write=True) as connection:
            head = self._version(self._version_row(connection, None))
            known = (
                set(head.plan.assignment.values())
                if target_kind == "network"
                else set(head.plan.assignment)
            )
            if key not in known:
                raise InvalidValueError(
                    f"plan {self.name!r}, version {head.number} has no {target_kind} {key!r}: "
                    f"comment on one of its {len(known):,} {target_kind}s"
                )
            values = {
                "plan_id": self.id,
                "target_kind": target_kind,
                "target": key,
                "body": text,
                "author": who,
                "created_at": now(),
                "version": head.number,
            }
            made = new_id(connection.execute(_C.insert().values(**values)))
            self._event(connection, who, "comment", f"comment {made} on {target_kind} {key}")
            return _comment(connection.execute(sa.select(_C).where(_C.c.id == made)).one())

    def resolve_comment(self, comment_id: int, *, author: str | None = None) -> Comment:
        """Mark a comment resolved (who and when are kept)."""
        return self._set_resolved(comment_id, resolved=True, author=author)

    def reopen_comment(self, comment_id: int, *, author: str | None = None) -> Comment:
        """Mark a resolved comment open again."""
        return self._set_resolved(comment_id, resolved=False, author=author)

    def _set_resolved(self, comment_id: int, *, resolved: bool, author: str | None) -> Comment:
        who = self._who(author)
        where = (_C.c.id == int(comment_id), _C.c.plan_id == self.id)
        with self._session(
            Permission.COMMENT, "resolve comments" if resolved else "reopen comments", write=True
        ) as connection:
            if connection.execute(sa.select(_C.c.id).where(*where)).first() is None:
                raise NotFoundError(f"plan {self.name!r} has no comment {comment_id}")
            values = (
                {"resolved_at": now(), "resolved_by": who}
                if resolved
                else {
                    "resolved_at": None,
                    "resolved_by": None,
                }
            )
            connection.execute(_C.update().where(*where).values(**values))
            action = "resolve" if resolved else "reopen"
            self._event(connection, who, action, f"comment {comment_id}")
            return _comment(connection.execute(sa.select(_C).where(*where)).one())

    # ------------------------------------------------------------------ links and people
    def create_link(
        self, permission: Permission | str, *, label: str = "", author: str | None = None
    ) -> tuple[str, Link]:
        """Make a link token giving ``permission`` (view, comment or edit) on this plan.

        Returns
        -------
        tuple[str, Link]
            The token — ``secrets.token_urlsafe(32)``: 43 characters, 256 random bits; the
            store keeps only its SHA-256, so this is the only time it is seen — and the
            link as :meth:`links` lists it.
        """
        level = Permission.parse(permission)
        if level not in (Permission.VIEW, Permission.COMMENT, Permission.EDIT):
            raise InvalidValueError(f"a link gives view, comment or edit, not {level.word}")
        text = clean_text(label, "link's label", limit=200, empty=True)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        who = self._who(author)
        with self._session(Permission.OWN, "make links", write=True) as connection:
            values = {
                "plan_id": self.id,
                "token_hash": token_hash(token),
                "hint": token[:4],
                "permission": level.word,
                "label": text,
                "created_at": now(),
                "created_by": who,
            }
            made = new_id(connection.execute(_L.insert().values(**values)))
            self._event(connection, who, "link", f"{level.word} link {made} made {text}".strip())
            link = _link(connection.execute(sa.select(_L).where(_L.c.id == made)).one())
        return token, link

    def links(self) -> list[Link]:
        """Return the plan's links, revoked ones included (the owner's view)."""
        with self._session(Permission.OWN, "list its links", write=False) as connection:
            rows = connection.execute(
                sa.select(_L).where(_L.c.plan_id == self.id).order_by(_L.c.id)
            ).all()
        return [_link(row) for row in rows]

    def revoke_link(self, link_id: int, *, author: str | None = None) -> Link:
        """Revoke a link: from now on it opens nothing."""
        who = self._who(author)
        where = (_L.c.id == int(link_id), _L.c.plan_id == self.id)
        with self._session(Permission.OWN, "revoke links", write=True) as connection:
            if connection.execute(sa.select(_L.c.id).where(*where)).first() is None:
                raise NotFoundError(f"plan {self.name!r} has no link {link_id}")
            connection.execute(
                _L.update()
                .where(*where, _L.c.revoked_at.is_(None))
                .values(revoked_at=now(), revoked_by=who)
            )
            self._event(connection, who, "revoke", f"link {link_id}")
        return next(link for link in self.links() if link.id == int(link_id))

    def set_owner(self, user: str | None, *, author: str | None = None) -> None:
        """Give the plan an owner (or none: then any signed-in user may edit it)."""
        owner, who = _user(user), self._who(author)
        with self._session(Permission.OWN, "change its owner", write=True) as connection:
            connection.execute(_P.update().where(_P.c.id == self.id).values(owner=owner))
            self._event(connection, who, "owner", f"owner {owner or 'none'}")

    def add_editor(self, user: str, *, author: str | None = None) -> None:
        """Let a signed-in user edit the plan."""
        editor, who = clean_text(user, "user id", limit=320), self._who(author)
        with self._session(Permission.OWN, "add editors", write=True) as connection:
            present = connection.execute(
                sa.select(_ED.c.user).where(_ED.c.plan_id == self.id, _ED.c.user == editor)
            ).first()
            if present is None:
                connection.execute(_ED.insert().values(plan_id=self.id, user=editor))
                self._event(connection, who, "editor", f"editor {editor} added")

    def remove_editor(self, user: str, *, author: str | None = None) -> None:
        """Stop a signed-in user editing the plan."""
        editor, who = str(user).strip(), self._who(author)
        with self._session(Permission.OWN, "remove editors", write=True) as connection:
            removed = connection.execute(
                _ED.delete().where(_ED.c.plan_id == self.id, _ED.c.user == editor)
            )
            if removed.rowcount:
                self._event(connection, who, "editor", f"editor {editor} removed")
