"""The store itself: its plans, and the three ways to open one (local, signed in, by link)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from footprints.plan import Plan, PlanState
from footprints.store import schema
from footprints.store.engine import Database
from footprints.store.handle import PlanHandle, clean_text, new_id, rights, summaries, token_hash
from footprints.store.model import (
    LinkError,
    Permission,
    PlanExistsError,
    PlanNotFoundError,
    PlanSummary,
    as_utc,
    encode_state,
    now,
)

__all__ = ["Store"]

_P, _V, _ED, _L, _E = schema.plans, schema.versions, schema.editors, schema.links, schema.events
_MAX_TOKEN = 200


class Store:
    """Plans and their versions, comments, links and history, in one database.

    Parameters
    ----------
    location
        A database URL (``postgresql://USER@HOST/DATABASE``, ``sqlite:///plans.sqlite``), a
        SQLite file path, or ``None``: ``$FOOTPRINTS_STORE``, else ``plans.sqlite`` in the
        user's data folder. Tables are made on first use.

    Raises
    ------
    StoreError
        When the database cannot be opened (the message hides any password).
    """

    def __init__(self, location: str | os.PathLike[str] | None = None) -> None:
        self._db = Database(location)

    @property
    def where(self) -> str:
        """The store's location, password hidden (a SQLite file's path)."""
        return self._db.where

    def close(self) -> None:
        """Close every connection to the database."""
        self._db.close()

    def __enter__(self) -> Store:
        """Use the store in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()

    # ------------------------------------------------------------------ the plans
    def plans(self) -> list[PlanSummary]:
        """Return every plan, by name, with its head version's size."""
        with self._db.read() as connection:
            return summaries(connection)

    def exists(self, name: str) -> bool:
        """Whether a plan of that name is in the store."""
        with self._db.read() as connection:
            return (
                connection.execute(sa.select(_P.c.id).where(_P.c.name == name)).first() is not None
            )

    def create(
        self,
        name: str,
        state: PlanState | Plan,
        *,
        owner: str | None = None,
        author: str | None = None,
        label: str = "created",
        meta: Mapping[str, Any] | None = None,
    ) -> PlanHandle:
        """Add a plan whose version 1 is ``state``; return it opened by its owner.

        Parameters
        ----------
        name
            The plan's name, unique in the store (1–200 characters).
        state
            The first version: a plan, or a plan with locks and waivers.
        owner
            The signed-in user who owns it; ``None`` where sign-in is off.
        author
            Who made version 1 (default: the owner).
        label
            What version 1 is ("import plan.csv").
        meta
            What the app keeps beside the plan (region, uploads, settings), JSON-ready.

        Raises
        ------
        PlanExistsError
            When the store has a plan of that name.
        """
        title = clean_text(name, "plan's name", limit=200)
        if isinstance(state, Plan):
            state = PlanState(state)
        owner = clean_text(owner, "owner", limit=320) if owner else None
        who = clean_text(author, "author", limit=320) if author else owner
        text = clean_text(label, "version's label", limit=500, empty=True) or "created"
        when = now()
        with self._db.write() as connection:
            if connection.execute(sa.select(_P.c.id).where(_P.c.name == title)).first():
                raise PlanExistsError(
                    f"the store at {self.where} already has a plan {title!r}: choose another "
                    "name, or save a new version of that plan"
                )
            plan_id = new_id(
                connection.execute(
                    _P.insert().values(
                        name=title,
                        created_at=when,
                        updated_at=when,
                        owner=owner,
                        head=1,
                        meta=json.dumps(dict(meta or {}), sort_keys=True, separators=(",", ":")),
                    )
                )
            )
            connection.execute(
                _V.insert().values(
                    plan_id=plan_id,
                    number=1,
                    parent=None,
                    created_at=when,
                    author=who,
                    label=text,
                    practices=len(state.plan),
                    networks=len(set(state.plan.assignment.values())),
                    content=encode_state(state),
                )
            )
            connection.execute(
                _E.insert().values(
                    plan_id=plan_id, at=when, user=who, action="create", detail=f"version 1: {text}"
                )
            )
        return PlanHandle(self._db, plan_id, title, Permission.OWN, user=owner, signed_in=True)

    def _find(self, plan: str | int) -> Any:
        """Return the plan's row by name (text) or id (a number); say what there is if none."""
        column = _P.c.id if isinstance(plan, int) else _P.c.name
        with self._db.read() as connection:
            row = connection.execute(sa.select(_P).where(column == plan)).first()
            if row is not None:
                return row
            names = connection.execute(sa.select(_P.c.name).order_by(_P.c.name)).scalars().all()
        shown = ", ".join(repr(n) for n in names[:10]) + (" …" if len(names) > 10 else "")
        raise PlanNotFoundError(
            f"the store at {self.where} has no plan {plan!r}"
            + (f" (plans: {shown})" if names else " (it holds no plans yet)")
            + ": list them with footprints plans list, or import one with footprints plans import"
        )

    # ------------------------------------------------------------------ opening a plan
    def open(self, plan: str | int) -> PlanHandle:
        """Open a plan by name (or id) with every right: the local user, the command line.

        Where sign-in is on, the app opens plans only with :meth:`open_as` and
        :meth:`open_link`.
        """
        row = self._find(plan)
        return PlanHandle(self._db, row.id, row.name, Permission.OWN)

    def open_as(self, plan: str | int, user: str) -> PlanHandle:
        """Open a plan as a signed-in user: its owner owns it, its editors edit it.

        A plan without an owner may be edited by every signed-in user.

        Raises
        ------
        PermissionDeniedError
            When the user is neither the owner nor an editor of an owned plan.
        """
        who = clean_text(user, "user id", limit=320)
        row = self._find(plan)
        with self._db.read() as connection:
            permission = rights(connection, row.id, row.name, row.owner, who)
        return PlanHandle(self._db, row.id, row.name, permission, user=who, signed_in=True)

    def open_link(self, token: str, *, user: str | None = None) -> PlanHandle:
        """Open the plan a link token gives, with the link's permission.

        Parameters
        ----------
        token
            The token from :meth:`PlanHandle.create_link`.
        user
            The signed-in user following the link, if any (recorded as the author).

        Raises
        ------
        LinkError
            When the token is unknown (mistyped, or its plan deleted) or revoked.
        """
        text = str(token).strip() if isinstance(token, str) else ""
        if not text or len(text) > _MAX_TOKEN:
            raise LinkError("this link opens no plan: it is mistyped or incomplete")
        with self._db.read() as connection:
            link = connection.execute(
                sa.select(_L, _P.c.name)
                .join(_P, _P.c.id == _L.c.plan_id)
                .where(_L.c.token_hash == token_hash(text))
            ).first()
        if link is None:
            raise LinkError(
                "this link opens no plan: it is mistyped, or its plan was deleted; ask the "
                "plan's owner for a new link"
            )
        if link.revoked_at is not None:
            raise LinkError(
                f"this link to plan {link.name!r} was revoked on "
                f"{as_utc(link.revoked_at):%d %B %Y at %H:%M} UTC; ask the plan's owner for a "
                "new one"
            )
        permission = Permission.parse(link.permission)
        who = clean_text(user, "user id", limit=320) if user else None
        return PlanHandle(self._db, link.plan_id, link.name, permission, user=who, link_id=link.id)
