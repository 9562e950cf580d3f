"""Faults during an upload: a locked or full database, a crash mid-commit, two uploads at once.

Each case goes through the real pipeline (``ingest.ingest_bytes`` then the role-checked
``batch_actions.commit_upload``). Afterwards the store holds either the whole batch or nothing of
it, the user got a message saying what to do, and trying again lands the rows exactly once.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.hostile import files
from tracker.access import batch_actions
from tracker.access.roles import User
from tracker.ingest import pipeline as ingest
from tracker.store.database import Store, StoreError

RESEARCHER = User("ayesha", "researcher")
CTX = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _file(rows: int, year: int, step_days: int = 5) -> bytes:
    return files.to_csv(files.district_rows(rows, dt.date(year, 1, 1), step_days))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    """An empty SQLite store that waits 0.3 s (not 30 s) for a lock before giving up."""
    store = Store(f"sqlite:///{(tmp_path / 'faults.db').as_posix()}")
    store.init()

    @event.listens_for(store.engine, "connect")
    def _short_wait(dbapi_conn, _record) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=300")

    store.engine.dispose()
    return store


def _db_path(store: Store) -> str:
    return store.url.removeprefix("sqlite:///")


def _assert_landed_once(store: Store, report: ingest.IngestReport) -> None:
    assert store.count_incidents() == report.accepted
    assert len(store.batches()) == 1
    log = store.audit_log()
    assert (log["action"] == "upload").sum() == 1


def _assert_nothing_written(store: Store) -> None:
    assert store.count_incidents() == 0
    assert store.batches().empty
    assert "upload" not in set(store.audit_log()["action"])


# --- locked ------------------------------------------------------------------------------


def test_a_locked_database_gives_a_clear_error_and_the_retry_lands_once(sqlite_store):
    report = ingest.ingest_bytes(_file(40, 2015), "locked.csv", store=sqlite_store)
    assert report.accepted == 40
    holder = sqlite3.connect(_db_path(sqlite_store), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        with pytest.raises(StoreError) as refused:
            batch_actions.commit_upload(report, sqlite_store, RESEARCHER)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(refused.value)
    assert "locked" in message and "Nothing was saved" in message and "again" in message
    assert report.batch_id is None
    _assert_nothing_written(sqlite_store)

    batch_id = batch_actions.commit_upload(report, sqlite_store, RESEARCHER)  # the retry
    assert report.batch_id == batch_id
    _assert_landed_once(sqlite_store, report)
    with pytest.raises(StoreError, match="already saved"):
        batch_actions.commit_upload(report, sqlite_store, RESEARCHER)  # a double click
    again = ingest.ingest_bytes(_file(40, 2015), "locked.csv", store=sqlite_store)
    assert again.previous_batch["batch_id"] == batch_id
    with pytest.raises(StoreError, match="uploaded before"):
        batch_actions.commit_upload(again, sqlite_store, RESEARCHER)  # the same file later
    _assert_landed_once(sqlite_store, report)


# --- full --------------------------------------------------------------------------------


def test_a_full_database_gives_a_clear_error_and_the_retry_lands_once(sqlite_store):
    frame = files.district_rows(300, dt.date(2010, 1, 1))
    frame["summary"] = "SYNTHETIC " + "long text " * 300
    report = ingest.ingest_bytes(files.to_csv(frame), "full.csv", store=sqlite_store)
    assert report.accepted == 300
    with sqlite_store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def _cap(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 5}")

    event.listen(sqlite_store.engine, "connect", _cap)
    sqlite_store.engine.dispose()
    with pytest.raises(StoreError) as refused:
        batch_actions.commit_upload(report, sqlite_store, RESEARCHER)
    assert "full" in str(refused.value) and "Nothing was saved" in str(refused.value)
    event.remove(sqlite_store.engine, "connect", _cap)
    sqlite_store.engine.dispose()
    _assert_nothing_written(sqlite_store)

    batch_actions.commit_upload(report, sqlite_store, RESEARCHER)
    _assert_landed_once(sqlite_store, report)


# --- crash ---------------------------------------------------------------------------------


def _commit_and_hang(url: str, data: bytes, marker: str) -> None:
    """Child: commit, and stop dead once every row is written but nothing is committed.

    The audit line is the last statement of the batch's transaction; the child writes how
    many incidents its open transaction holds, then hangs until it is killed.
    """
    store = Store(url)
    report = ingest.ingest_bytes(data, "crash.csv", store=store)

    @event.listens_for(store.engine, "after_cursor_execute")
    def _hang(conn, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT"):
            held = conn.exec_driver_sql("SELECT count(*) FROM incidents").scalar()
            Path(marker + ".tmp").write_text(str(held))
            Path(marker + ".tmp").replace(marker)  # appears whole
            time.sleep(300)

    batch_actions.commit_upload(report, store, RESEARCHER)


def test_a_crash_in_the_middle_of_a_commit_leaves_no_partial_batch(store, tmp_path):
    data = _file(7000, 1950, step_days=3)  # 7,000 rows, 1950-2007: more than one insert
    marker = tmp_path / "inserting"
    child = CTX.Process(target=_commit_and_hang, args=(store.url, data, str(marker)))
    child.start()
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert child.is_alive() and time.monotonic() < deadline, "the commit never started"
        time.sleep(0.05)
    assert int(marker.read_text()) == 7000  # all written, inside the open transaction
    child.kill()  # SIGKILL: no cleanup, no rollback from the child
    child.join(30)
    assert child.exitcode != 0

    fresh = Store(store.url)
    _assert_nothing_written(fresh)
    if fresh.url.startswith("sqlite"):
        with fresh.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    report = ingest.ingest_bytes(data, "crash.csv", store=fresh)
    assert report.previous_batch is None and report.accepted == 7000
    batch_actions.commit_upload(report, fresh, RESEARCHER)
    _assert_landed_once(fresh, report)
    fresh.engine.dispose()


# --- two at once ---------------------------------------------------------------------------


def _upload_files(url: str, years: list[int], rows: int, start, out) -> None:
    """Child: preview and commit one file per year, as a researcher would, one after another."""
    store = Store(url)
    start.wait(60)
    for year in years:
        try:
            report = ingest.ingest_bytes(_file(rows, year), f"log-{year}.csv", store=store)
            batch_id = batch_actions.commit_upload(report, store, RESEARCHER)
            out.put(("ok", year, batch_id, report.counts()))
        except Exception as exc:  # reported to the parent, which fails the test
            out.put(("error", year, f"{type(exc).__name__}: {exc}", None))
    store.engine.dispose()


def test_two_processes_uploading_different_files_at_once_each_land_exactly_once(store):
    rounds, rows = 4, 150  # 150 rows five days apart span about two years
    plans = [[2000 + 3 * r for r in range(rounds)], [2012 + 3 * r for r in range(rounds)]]
    start, out = CTX.Event(), CTX.Queue()
    procs = [CTX.Process(target=_upload_files, args=(store.url, plan, rows, start, out))
             for plan in plans]
    for proc in procs:
        proc.start()
    start.set()
    results = [out.get(timeout=600) for plan in plans for _ in plan]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert [r for r in results if r[0] != "ok"] == []
    assert all(r[3]["accepted"] == rows and r[3]["rows"] == rows for r in results)

    expected = {f"HOSTILE-{year}-{i:05d}" for plan in plans for year in plan
                for i in range(rows)}
    stored = store.load_incidents(include_withdrawn=True)["incident_id"]
    assert len(stored) == len(expected) == 2 * rounds * rows  # none twice
    assert set(stored) == expected  # none missing
    with store.engine.connect() as conn:
        per_batch = conn.execute(sa.text(
            "SELECT batch_id, count(*) FROM incidents GROUP BY batch_id")).all()
    assert sorted(n for _, n in per_batch) == [rows] * (2 * rounds)
    assert (store.audit_log()["action"] == "upload").sum() == 2 * rounds


# --- the same through the Upload page -------------------------------------------------------


def test_the_upload_page_says_the_store_is_locked_and_saves_once_on_retry(app_store,
                                                                         monkeypatch):
    from tests.app.conftest import run_page, session_for
    from tests.hostile.apptest import use_full_runs
    from tracker.access.accounts import Accounts
    from tracker.ui import data as ui_data

    use_full_runs(monkeypatch)
    Accounts(store=Store(app_store)).add("ayesha", "researcher", "a long passphrase 1",
                                         actor="test")
    at = run_page("pages/upload.py", session=session_for(app_store, "ayesha"))
    engine = ui_data.store().engine  # the app's own (cached) store
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=300"))
    engine.dispose()
    at.file_uploader(key="upload_file").set_value(
        ("locked.csv", _file(25, 2016), "text/csv")).run()
    before = Store(app_store).count_incidents()

    holder = sqlite3.connect(app_store.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        at.button(key="upload_commit").click().run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]
    assert any("locked" in e and "Nothing was saved" in e for e in errors), errors
    assert Store(app_store).count_incidents() == before

    at.button(key="upload_commit").click().run()  # try again
    assert not at.exception
    store = Store(app_store)
    assert store.count_incidents() == before + 25
    assert (store.batches()["file_name"] == "locked.csv").sum() == 1
    assert not [b for b in at.button if b.key == "upload_commit" and not b.disabled]
