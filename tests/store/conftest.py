"""The store's tests run twice: on a SQLite file and on a real PostgreSQL server.

`make test` starts a throw-away server (tools/with_postgres.sh) and names it in
FOOTPRINTS_TEST_POSTGRES_URL; every test here gets a database of its own on it, dropped
afterwards. Under CI=true a missing URL fails the PostgreSQL case, never skips it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from footprints.store import Store

POSTGRES_ENV = "FOOTPRINTS_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the test PostgreSQL server's maintenance database."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        message = (
            f"{POSTGRES_ENV} is not set: run the tests with `make test`, or as "
            "`bash tools/with_postgres.sh .venv/bin/python -m pytest …`, which start a "
            "PostgreSQL server for them"
        )
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plans.sqlite'}"
        return
    server = make_url(request.getfixturevalue("postgres_server"))
    name = f"footprints_test_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store on each backend."""
    with Store(store_url) as opened:
        yield opened
