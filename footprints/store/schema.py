"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

``plans.head`` is the number of the plan's newest version: a save moves it from the base
the editor started from to base + 1 in one ``UPDATE … WHERE head = base`` and adds the
version in the same transaction, so two saves from one base cannot both succeed and a
version is either wholly there or not at all. ``store_info`` holds the schema version.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "SCHEMA_VERSION",
    "comments",
    "editors",
    "events",
    "links",
    "metadata",
    "plans",
    "store_info",
    "versions",
]

SCHEMA_VERSION = 1
"""The layout these tables describe; a store made by a newer footprints is refused."""

metadata = sa.MetaData()


def _plan_id(*, primary_key: bool = False) -> sa.Column[int]:
    """Return the column naming the plan a row belongs to (deleted with the plan)."""
    return sa.Column(
        "plan_id",
        sa.ForeignKey("footprints_plans.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


_WHEN = sa.DateTime(timezone=True)
_USER = sa.String(320)  # an e-mail address at most

store_info = sa.Table(
    "footprints_store_info",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

plans = sa.Table(
    "footprints_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", _WHEN, nullable=False),
    sa.Column("updated_at", _WHEN, nullable=False),
    sa.Column("owner", _USER),
    sa.Column("head", sa.Integer, nullable=False),
    sa.Column("meta", sa.Text, nullable=False, default="{}"),
)

versions = sa.Table(
    "footprints_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _plan_id(),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("parent", sa.Integer),
    sa.Column("created_at", _WHEN, nullable=False),
    sa.Column("author", _USER),
    sa.Column("label", sa.String(500), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("practices", sa.Integer, nullable=False),
    sa.Column("networks", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("plan_id", "number", name="footprints_version_number"),
    sa.UniqueConstraint("plan_id", "name", name="footprints_version_name"),
)

editors = sa.Table(
    "footprints_editors",
    metadata,
    _plan_id(primary_key=True),
    sa.Column("user", _USER, primary_key=True),
)

links = sa.Table(
    "footprints_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _plan_id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hint", sa.String(8), nullable=False),
    sa.Column("permission", sa.String(16), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", _WHEN, nullable=False),
    sa.Column("created_by", _USER),
    sa.Column("revoked_at", _WHEN),
    sa.Column("revoked_by", _USER),
)

comments = sa.Table(
    "footprints_comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _plan_id(),
    sa.Column("target_kind", sa.String(16), nullable=False),
    sa.Column("target", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("author", _USER),
    sa.Column("created_at", _WHEN, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("resolved_at", _WHEN),
    sa.Column("resolved_by", _USER),
)

events = sa.Table(
    "footprints_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _plan_id(),
    sa.Column("at", _WHEN, nullable=False),
    sa.Column("user", _USER),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False),
)

sa.Index("footprints_comments_plan", comments.c.plan_id)
sa.Index("footprints_events_plan", events.c.plan_id)
sa.Index("footprints_links_plan", links.c.plan_id)
