"""Shared fixtures: stores built from the bundled data in temporary folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests import postgres as pg
from tracker import config
from tracker.store.database import Store, read_canonical_csv

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="session", autouse=True)
def own_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Each test process (each pytest-xdist worker) its own state folder, so accounts,
    saved mappings and a default store never cross between workers running at once.
    Tests that need a folder of their own still set one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    path = tmp_path_factory.mktemp(f"state-{worker}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKER_STATE_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def bundled() -> pd.DataFrame:
    """``data/incidents.csv`` read independently of the store (the tests' oracle)."""
    return read_canonical_csv(DATA / "incidents.csv")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty schema on the test PostgreSQL server, as a store URL.

    Skipped with the reason when no server is configured; a failure in CI.
    """
    with pg.fresh_schema(pg.require_server()) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a temporary SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store (tables created), once on SQLite and once on PostgreSQL."""
    s = Store(store_url)
    s.init()
    yield s
    s.engine.dispose()


@pytest.fixture
def seeded_store(store: Store) -> Store:
    store.seed()
    return store


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the app at a fresh seeded store for AppTest; returns its URL."""
    url = f"sqlite:///{(tmp_path / 'app.db').as_posix()}"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    Store(url).seed()
    return url


@pytest.fixture(scope="session")
def project_root() -> Path:
    assert config.PROJECT_ROOT == ROOT
    return ROOT


# --- PostgreSQL cases: marked, counted, and named in the summary -----------------------------

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    pg.record(report)


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.write_sep("=", pg.summary_line())
