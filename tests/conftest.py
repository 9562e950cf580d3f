"""Shared fixtures: stores built from the bundled data in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tracker import config
from tracker.store import Store, read_canonical_csv

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def bundled() -> pd.DataFrame:
    """``data/incidents.csv`` read independently of the store (the tests' oracle)."""
    return read_canonical_csv(DATA / "incidents.csv")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """An empty store in a temporary SQLite file (tables created)."""
    s = Store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}")
    s.init()
    return s


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
