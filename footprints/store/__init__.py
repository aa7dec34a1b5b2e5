"""The plan store: plans as shared documents, with versions, comments, links and history.

One small interface over SQLAlchemy 2: a SQLite file by default (embedded, no set-up), or any
database URL for a shared server (PostgreSQL is tested). ::

    store = Store()                                  # or Store("postgresql://…"), Store(path)
    handle = store.create("Kent draft", plan)        # version 1
    head = handle.version()                          # the newest: plan, locks, waivers
    handle.save(new_state, base=head.number)         # version 2, or ConflictError
    handle.name_version(2, "for the board, 3 March")
    handle.restore(1)                                # version 3 = version 1 again
    token, link = handle.create_link("view")         # store.open_link(token) reads only

Every save is a version, made against the version the edit started from; a save whose base
is no longer the newest raises :class:`ConflictError` carrying both sides (and
:meth:`ConflictError.merge`, :func:`footprints.merge.merge_states`). A save is one
transaction: a process killed mid-save leaves the versions before it whole and no part of
its own. Links are ``secrets.token_urlsafe(32)`` tokens (256 random bits) of which the store
keeps only the SHA-256; a handle opened by a link can do only what the link allows, checked
in the store on every call.
"""

from __future__ import annotations

from footprints.store.core import Store
from footprints.store.engine import STORE_ENV, default_location
from footprints.store.handle import TOKEN_BYTES, PlanHandle, VersionRef
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
    PlanExistsError,
    PlanNotFoundError,
    PlanSummary,
    StoreError,
    Version,
    VersionInfo,
    VersionNotFoundError,
)

__all__ = [
    "STORE_ENV",
    "TOKEN_BYTES",
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
    "PlanHandle",
    "PlanNotFoundError",
    "PlanSummary",
    "Store",
    "StoreError",
    "Version",
    "VersionInfo",
    "VersionNotFoundError",
    "VersionRef",
    "default_location",
]
