"""Shared fixtures: the real 2020 snapshot in ../shared/data, and tiny fixtures in tests/data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


def _shared_data_dir() -> Path:
    return Path(os.environ.get("FOOTPRINTS_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open data snapshot (../shared/data). In CI its absence is a failure, not a skip."""
    path = _shared_data_dir()
    if not (path / "practices" / "practices_2020.csv").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the real data snapshot is missing at {path}; CI must have ../shared")
        pytest.skip(f"real data snapshot not found at {path} (set FOOTPRINTS_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture(scope="session", autouse=True)
def _private_plan_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep every test (and every command a test runs) out of the user's own plan store."""
    previous = os.environ.get("FOOTPRINTS_STORE")
    os.environ["FOOTPRINTS_STORE"] = str(tmp_path_factory.mktemp("store") / "plans.sqlite")
    yield
    if previous is None:
        os.environ.pop("FOOTPRINTS_STORE", None)
    else:
        os.environ["FOOTPRINTS_STORE"] = previous
