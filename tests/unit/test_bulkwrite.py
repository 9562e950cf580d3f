"""A large batch saved into SQLite with its secondary indexes built once after the insert,
and the staging folders that killed ingests leave behind. Every row here is SYNTHETIC."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from tracker.devtools import synth
from tracker.ingest import staging
from tracker.store import bulkwrite
from tracker.store.database import BatchMeta, Store, StoreError


def _indexes(store: Store) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'incidents' ORDER BY name").fetchall()


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{(tmp_path / 'bulk.db').as_posix()}")
    store.init()
    return store


def _frame(rows: int, seed: int) -> pd.DataFrame:
    from tracker import schema

    return schema.conform(synth.generate(rows, seed))


@pytest.fixture
def small_bulk(monkeypatch):
    monkeypatch.setattr(bulkwrite, "BULK_ROWS", 100)


def test_a_large_batch_is_saved_whole_and_its_indexes_are_built_again(tmp_path, small_bulk):
    store = _store(tmp_path)
    indexes = _indexes(store)
    statements = []
    with store.engine.connect() as conn:
        conn.connection.dbapi_connection.set_trace_callback(statements.append)
    frame = _frame(500, seed=3)
    store.add_batch(frame, BatchMeta(file_name="big.csv", uploaded_by="t"))
    assert any(s.startswith('DROP INDEX "ix_incidents_date"') for s in statements)
    assert _indexes(store) == indexes
    loaded = store.load_incidents()
    assert len(loaded) == 500
    assert set(loaded["incident_id"]) == set(frame["incident_id"])
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM incidents WHERE date > '2020-01-01'"))
        assert "ix_incidents_date" in plan
    # a second batch smaller than what is stored keeps the indexes in place
    statements.clear()
    store.add_batch(_frame(200, seed=4).assign(
        incident_id=lambda f: "B-" + f["incident_id"]),
        BatchMeta(file_name="more.csv", uploaded_by="t"))
    assert not any(s.startswith("DROP INDEX") for s in statements)
    assert store.count_incidents() == 700


def test_a_failed_large_batch_leaves_neither_rows_nor_missing_indexes(tmp_path, small_bulk):
    store = _store(tmp_path)
    indexes = _indexes(store)
    frame = _frame(300, seed=5)
    frame.loc[frame.index[-1], "incident_id"] = frame["incident_id"].iloc[0]  # a clash
    with pytest.raises(StoreError):
        store.add_batch(frame, BatchMeta(file_name="bad.csv", uploaded_by="t"))
    assert store.count_incidents() == 0
    assert store.batches().empty
    assert _indexes(store) == indexes


def test_stale_staging_folders_of_gone_processes_are_removed(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    dead = tmp_path / f"tracker-ingest-{dead_pid}-abc123"
    (dead / "sub").mkdir(parents=True)
    (dead / "part-00000.arrow").write_bytes(b"x")
    alive = tmp_path / f"tracker-ingest-{os.getpid()}-def456"
    alive.mkdir()
    unnamed = tmp_path / "tracker-ingest-nopid"
    unnamed.mkdir()
    other = tmp_path / "something-else-1"
    other.mkdir()
    assert staging.remove_stale(tmp_path) == [dead]
    assert not dead.exists()
    assert alive.exists() and unnamed.exists() and other.exists()


def test_a_staging_folder_is_named_after_its_process(tmp_path, monkeypatch):
    monkeypatch.setattr(staging.tempfile, "tempdir", str(tmp_path))
    staged = staging.Staged()
    try:
        (folder,) = tmp_path.glob("tracker-ingest-*")
        assert folder.name.startswith(f"tracker-ingest-{os.getpid()}-")
        assert staging.remove_stale(tmp_path) == []  # this process still runs
    finally:
        staged.close()
    assert not list(tmp_path.glob("tracker-ingest-*"))


def test_a_large_batch_holding_a_stored_id_is_refused_whole(tmp_path, small_bulk):
    """The live-id check of a batch larger than the store looks from the stored rows' side."""
    store = _store(tmp_path)
    first = _frame(300, seed=6)
    store.add_batch(first, BatchMeta(file_name="first.csv", uploaded_by="t"))
    second = _frame(400, seed=7).assign(incident_id=lambda f: "B-" + f["incident_id"])
    second.loc[second.index[200], "incident_id"] = first["incident_id"].iloc[17]
    with pytest.raises(StoreError, match="already in the store"):
        store.add_batch(second, BatchMeta(file_name="second.csv", uploaded_by="t"))
    assert store.count_incidents() == 300
    assert list(store.batches()["file_name"]) == ["first.csv"]
    # once the first batch is withdrawn its ids may come back
    store.set_withdrawn(store.batches()["batch_id"].iloc[0], True, "t")
    store.add_batch(second, BatchMeta(file_name="second.csv", uploaded_by="t"))
    assert store.count_incidents() == 700
