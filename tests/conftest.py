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


#: The slowest test files, slowest first: with ``pytest -n 2 --dist loadfile`` (``make test``)
#: each file runs whole on one worker, and xdist hands files out in order. Its own order puts
#: files with many tests first, so a slow file of one or two tests (all England, the guides'
#: examples) came last and left the other worker idle for minutes at the end. Handing out the
#: longest first (the LPT rule) lets the short files fill in around them. Seconds are from
#: ``--durations=0`` of the whole suite (2026-11-28, 2 workers, load 3.6–5.7): BENCHMARKS.md,
#: "The test suite's time". A file not listed runs after these, in collection order; the
#: list only orders files, it selects and skips none.
SLOWEST_FILES = (
    "tests/test_docs.py",  # 390 s
    "tests/test_browser.py",  # 161 s
    "tests/test_bad_inputs.py",  # 120 s
    "tests/test_planning_areas.py",  # 112 s
    "tests/test_contained_england.py",  # 102 s
    "tests/optimiser/test_pool.py",  # 92 s
    "tests/test_app.py",  # 84 s
    "tests/optimiser/test_farley.py",  # 77 s
    "tests/optimiser/test_large.py",  # 75 s
    "tests/optimiser/test_shaping_repair.py",  # 75 s
    "tests/test_fuzz.py",  # 70 s
    "tests/test_reality.py",  # 68 s
    "tests/test_cli.py",  # 55 s
    "tests/test_cli_errors.py",  # 50 s
    "tests/test_real_use.py",  # 42 s
    "tests/test_app_share.py",  # 39 s
    "tests/test_real_exports.py",  # 32 s
    "tests/test_browser_signin.py",  # 32 s
    "tests/test_atomic.py",  # 31 s
    "tests/test_comments_shown.py",  # 29 s
)


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, hand files out in collection order (slowest first), not by test count."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _file_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return SLOWEST_FILES.index(path) if path in SLOWEST_FILES else len(SLOWEST_FILES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest files first; each file's tests stay together and in their own order."""
    items[:] = sorted(items, key=_file_rank)  # a stable sort
