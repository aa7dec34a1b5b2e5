"""Where the store is and how it is opened: a SQLite file by default, or any database URL.

A location is a database URL (``postgresql://user@host/db``, ``sqlite:///plans.sqlite``) or
a file path (a SQLite file, created when missing). With none, the store is
``$FOOTPRINTS_STORE`` or ``plans.sqlite`` in the user's data folder
(``~/.local/share/footprints`` on Linux).

SQLite runs in WAL mode with full sync, foreign keys on, and writes in ``BEGIN IMMEDIATE``
transactions (a writer waits up to a minute for another, rather than failing when it
finds the database changed under its read); PostgreSQL's default isolation with the store's
compare-and-set on the plan's head is enough there. A ``postgresql://`` URL without a driver
uses psycopg (version 3).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from footprints.store import schema
from footprints.store.model import StoreError

__all__ = ["STORE_ENV", "Database", "connect", "default_location", "describe", "store_url"]

STORE_ENV = "FOOTPRINTS_STORE"
"""Environment variable naming the default store (a database URL or a SQLite file path)."""

_WRITE = "footprints_write"
#: How long a SQLite writer waits for another writer to finish (a ceiling, not a delay).
_SQLITE_WAIT_S = 60.0
_FIX = (
    "give --store a SQLite file path or a database URL such as "
    "postgresql://USER@HOST/DATABASE (or set FOOTPRINTS_STORE)"
)


def default_location() -> str:
    """Return ``$FOOTPRINTS_STORE``, or ``plans.sqlite`` in the user's data folder."""
    configured = os.environ.get(STORE_ENV, "").strip()
    if configured:
        return configured
    return str(Path(platformdirs.user_data_dir("footprints", appauthor=False)) / "plans.sqlite")


def store_url(location: str | os.PathLike[str] | None = None) -> URL:
    """Turn a location (URL, SQLite path or ``None`` for the default) into a database URL.

    Raises
    ------
    StoreError
        For text that is neither a URL SQLAlchemy reads nor a file path.
    """
    text = os.fspath(location) if location is not None else default_location()
    text = str(text).strip()
    if not text:
        raise StoreError(f"the store location is empty: {_FIX}")
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        raise StoreError(f"{text!r} is not a database URL: {_FIX}") from None
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_file(url: URL) -> Path | None:
    """Return the file a SQLite URL names, or ``None`` for an in-memory database.

    A URL with ``uri=true`` names its file as an SQLite URI
    (``sqlite:///file:/srv/plans.sqlite?mode=ro&uri=true``, how a store is opened
    read-only): its path is the part after ``file:``, not a file called ``file:/srv/…``
    (which was reported missing, and whose folders were made under the working folder).
    """
    database = str(url.database or "")
    if str(url.query.get("uri", "")).lower() in {"true", "1", "yes", "on"} and database.startswith(
        "file:"
    ):
        if str(url.query.get("mode", "")).lower() == "memory":
            return None
        database = unquote(database.removeprefix("file:").split("?", 1)[0])
        if database.startswith("//"):  # file://HOST/path: only an empty host or localhost
            database = "/" + database[2:].partition("/")[2]
    if database in ("", ":memory:"):
        return None
    return Path(database)


def describe(url: URL) -> str:
    """Return the URL with its password hidden, or a SQLite file's path."""
    if url.get_backend_name() == "sqlite" and (path := sqlite_file(url)) is not None:
        return str(path)
    return url.render_as_string(hide_password=True)


def is_write(connection: Connection) -> bool:
    """Whether a connection was opened for a write transaction."""
    return bool(connection.get_execution_options().get(_WRITE))


def write_options() -> dict[str, Any]:
    """Return the execution options that mark a connection as a writer."""
    return {_WRITE: True}


def connect(url: URL) -> Engine:
    """Create the engine, the tables when missing, and check the schema version.

    Raises
    ------
    StoreError
        When the database cannot be reached or was made by a newer footprints.
    """
    where = describe(url)
    path = sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    if path is not None:
        _refuse_another_database(path, where)
    try:
        if url.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url)
        else:
            engine = sa.create_engine(url, pool_pre_ping=True)
    except sa.exc.NoSuchModuleError:
        raise StoreError(
            f"cannot open the plan store at {where}: no database driver for "
            f"{url.drivername!r} — {_FIX}"
        ) from None
    except OSError as error:
        raise StoreError(
            f"cannot open the plan store at {where}: {error.strerror or error} — {_FIX}"
        ) from None
    try:
        schema.metadata.create_all(engine)
        _check_schema(engine, where)
    except BaseException as error:
        engine.dispose()  # no connection is left open behind a store that did not open
        if (
            url.drivername.startswith("sqlite")
            and isinstance(error, sa.exc.DatabaseError)
            and not isinstance(error, sa.exc.OperationalError)  # locked, unreadable: below
        ):
            raise StoreError(  # a spreadsheet or a plan CSV given as the store's file
                f"cannot open the plan store at {where}: {first_line(error)} (it is no SQLite "
                "file) — give --store the plan store's file, or a new file name to start one"
            ) from None
        if url.drivername.startswith("sqlite") and _disk_full(url, error):
            raise StoreError(_disk_full_message(where, error)) from None
        if url.drivername.startswith("sqlite") and _READ_ONLY in first_line(error).lower():
            # a store in WAL mode is read only beside its -wal and -shm files: where the user
            # may not write its folder (another user's, a read-only share) and they are not
            # there, SQLite cannot even read it; 'check that the database is running' was
            # no help
            raise StoreError(
                f"the plan store at {where} cannot be opened: {first_line(error)} (SQLite "
                f"writes {Path(where).name}-wal and -shm beside the store even to read it) — "
                "nothing was changed; ask for write access to the file and its folder, or copy "
                "the file somewhere you may write and give the copy with --store"
            ) from None
        if isinstance(
            error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.ProgrammingError
        ):
            raise StoreError(
                f"cannot open the plan store at {where}: {first_line(error)} — check that the "
                f"database is running and reachable and that the user may create tables; {_FIX}"
            ) from None
        raise
    return engine


def _refuse_another_database(path: Path, where: str) -> None:
    """Refuse a SQLite file of other tables, such as a GeoPackage, before anything is changed.

    A plan exported as GeoPackage (``plan.gpkg``) given as ``--store`` was taken for an
    empty store: the store's seven tables were written into it and it was switched to WAL
    mode ('holds no plans yet'). Read-only here; a file this cannot read goes on to the
    engine, which says what is wrong with it.
    """
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            tables = [str(row[0]) for row in db.execute(_TABLES)]
            if not tables or any(name.startswith("footprints_") for name in tables):
                return
            layers = (
                [str(row[0]) for row in db.execute("SELECT table_name FROM gpkg_contents")]
                if "gpkg_contents" in tables
                else None
            )
    except (OSError, sqlite3.Error):
        return
    shown = layers if layers is not None else tables
    named = ", ".join(shown[:5]) + (f" and {len(shown) - 5} more" if len(shown) > 5 else "")
    what = (
        f"a GeoPackage (layers: {named})"
        if layers is not None
        else f"a SQLite database of other tables ({named})"
    )
    raise StoreError(
        f"cannot open the plan store at {where}: it is {what}, not a plan store — nothing was "
        "changed; give --store the plan store's file, or a new file name (such as "
        "plans.sqlite) to start one"
    )


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def first_line(error: BaseException) -> str:
    """Return the first line of a database error, without SQLAlchemy's notes."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return lines[0][:300] if lines else type(original).__name__


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_file(url)
    memory = path is None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": _SQLITE_WAIT_S, "check_same_thread": False},
        **({"poolclass": StaticPool} if memory else {}),
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the BEGIN below, not the driver's
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write(connection) else "BEGIN")

    return engine


def _check_schema(engine: Engine, where: str) -> None:
    """Record the schema version in a new store; refuse a store made by a newer footprints."""
    query = sa.select(schema.store_info.c.value).where(schema.store_info.c.key == "schema")
    with engine.connect().execution_options(**write_options()) as connection:
        try:
            with connection.begin():
                found = connection.execute(query).scalar_one_or_none()
                if found is None:
                    connection.execute(
                        schema.store_info.insert().values(
                            key="schema", value=str(schema.SCHEMA_VERSION)
                        )
                    )
                    return
        except sa.exc.IntegrityError:  # another process recorded it first
            with connection.begin():
                found = connection.execute(query).scalar_one()
    if not found.isdigit() or int(found) > schema.SCHEMA_VERSION:
        raise StoreError(
            f"the plan store at {where} has schema version {found}, made by a newer "
            f"footprints than this one (which reads version {schema.SCHEMA_VERSION}): upgrade "
            "footprints to open it"
        )


def _disk_full(url: URL, error: BaseException) -> bool:
    """Whether a SQLite store's error is its disk being full.

    SQLite says 'database or disk is full'; on a disk too full to make its shared-memory
    file it says 'disk I/O error' (a full 64 KB tmpfs), told here by the space left.
    """
    words = first_line(error).lower()
    if "disk is full" in words:
        return True
    path = sqlite_file(url)
    if "disk i/o error" not in words or path is None:
        return False
    try:
        return shutil.disk_usage(path.parent).free < 1 << 20
    except OSError:
        return False


def _disk_full_message(where: str, error: BaseException) -> str:
    return (
        f"the disk holding the plan store at {where} is full ({first_line(error)}) — nothing "
        "was saved; free some space, or give --store a file on another disk"
    )


_READ_ONLY = "readonly database"
"""SQLite's words for a store file it may not write ('attempt to write a readonly database')."""


class Database:
    """An open store's engine, and its read and write transactions.

    Parameters
    ----------
    location
        A database URL, a SQLite file path, or ``None`` for :func:`default_location`.
    """

    def __init__(self, location: str | os.PathLike[str] | None = None) -> None:
        self.url = store_url(location)
        self.where = describe(self.url)
        self.engine = connect(self.url)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Open a transaction that only reads."""
        with self._transaction({}) as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """Open a transaction that writes: all of it is committed, or none of it."""
        with self._transaction(write_options()) as connection:
            yield connection

    @contextmanager
    def _transaction(self, options: dict[str, Any]) -> Iterator[Connection]:
        try:
            with (
                self.engine.connect().execution_options(**options) as connection,
                connection.begin(),
            ):
                yield connection
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DatabaseError) as error:
            if self.url.get_backend_name() == "sqlite" and _disk_full(self.url, error):
                raise StoreError(_disk_full_message(self.where, error)) from error
            if _READ_ONLY in str(error.orig).lower():
                raise StoreError(
                    f"the plan store at {self.where} is read-only ({first_line(error)}) — "
                    "nothing was changed; ask for write access to the file and its folder "
                    "(SQLite writes its journal beside it), or copy it somewhere you may "
                    "write and give the copy with --store"
                ) from error
            raise StoreError(
                f"the plan store at {self.where} failed: {first_line(error)} — nothing was "
                "changed; check that the database is running and try again"
            ) from error

    def close(self) -> None:
        """Close every connection to the database."""
        self.engine.dispose()
