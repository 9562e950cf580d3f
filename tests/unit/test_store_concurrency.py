"""Several processes writing to one store at once, on SQLite and on PostgreSQL.

The database enforces unique incident ids and file hashes; these tests start real processes
together and check that every upload lands exactly once and that a clash is refused whole,
with a message meant for the user.
"""

from __future__ import annotations

import multiprocessing as mp
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from tracker import schema
from tracker.store.database import BatchMeta, Store, StoreError

CTX = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def incidents_frame(ids: list[str]) -> pd.DataFrame:
    rows = [
        {
            "incident_id": i, "date": "2025-05-01", "date_precision": "day",
            "province": "Balochistan", "district": "Quetta", "geo_precision": "district",
            "latitude": 30.18, "longitude": 67.0, "attack_type": "bombing",
            "target": "police", "perpetrator": "Unknown", "claimed": "unknown", "killed": 1,
            "injured": None, "source_name": "Test (synthetic)",
            "source_url": "https://example.org/synthetic", "batch_id": "x",
        }
        for i in ids
    ]
    return schema.conform(pd.DataFrame(rows))


def _upload_all(url: str, uploads: list[tuple[str, list[str]]], start, out) -> None:
    """Child process: upload each (sha256, ids) as one batch; report what happened."""
    store = Store(url)
    start.wait(60)
    for sha, ids in uploads:
        try:
            batch_id = store.add_batch(incidents_frame(ids), BatchMeta(f"{sha}.csv", "child",
                                                                     sha256=sha))
            out.put(("ok", sha, batch_id))
        except StoreError as exc:
            out.put(("refused", sha, str(exc)))
        except Exception as exc:  # anything else fails the test in the parent
            out.put(("crash", sha, f"{type(exc).__name__}: {exc}"))
    store.engine.dispose()


def run_together(url: str, plans: list[list[tuple[str, list[str]]]]) -> list[tuple]:
    """Start one process per plan, release them at once, collect every result."""
    start, out = CTX.Event(), CTX.Queue()
    procs = [CTX.Process(target=_upload_all, args=(url, plan, start, out)) for plan in plans]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=300) for plan in plans for _ in plan]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return results


def test_two_processes_uploading_at_once_each_land_exactly_once(store: Store):
    rounds, size = 8, 250
    plans = [
        [(f"{who}-{r}", [f"{who}-{r}-{i}" for i in range(size)]) for r in range(rounds)]
        for who in ("a", "b")
    ]
    results = run_together(store.url, plans)
    assert [r for r in results if r[0] != "ok"] == []
    expected = {i for plan in plans for _, ids in plan for i in ids}
    loaded = store.load_incidents(include_withdrawn=True)["incident_id"]
    assert len(loaded) == len(expected) == 2 * rounds * size
    assert set(loaded) == expected
    batches = store.batches()
    assert len(batches) == 2 * rounds
    assert sorted(batches["accepted"].tolist()) == [size] * (2 * rounds)
    audit = store.audit_log()
    assert (audit["action"] == "upload").sum() == 2 * rounds
    assert store.version() == audit["id"].max() == len(audit)


def test_the_same_file_from_two_processes_lands_once(store: Store):
    rounds = 6
    plans = [[(f"same-{r}", [f"same-{r}-{i}" for i in range(100)]) for r in range(rounds)]
             for _ in range(2)]
    results = run_together(store.url, plans)
    for r in range(rounds):
        outcomes = sorted(res[0] for res in results if res[1] == f"same-{r}")
        assert outcomes == ["ok", "refused"], results
    refusals = [res[2] for res in results if res[0] == "refused"]
    assert all("uploaded before" in m and "Nothing was saved" in m for m in refusals), refusals
    assert store.count_incidents() == rounds * 100
    assert len(store.batches()) == rounds


def test_clashing_incident_ids_from_two_processes_land_once(store: Store):
    rounds = 6
    plans = [[(f"{who}-{r}", [f"shared-{r}-{i}" for i in range(100)]) for r in range(rounds)]
             for who in ("a", "b")]
    results = run_together(store.url, plans)
    for r in range(rounds):
        outcomes = sorted(res[0] for res in results if res[1].endswith(f"-{r}"))
        assert outcomes == ["ok", "refused"], results
    refusals = [res[2] for res in results if res[0] == "refused"]
    assert all("already in the store" in m for m in refusals), refusals
    assert store.count_incidents() == rounds * 100
    assert len(store.batches()) == rounds
    assert (store.audit_log()["action"] == "upload").sum() == rounds


def test_audit_ids_become_visible_in_order_on_postgresql(pg_url):
    """version() is max(audit id): a later id must not be visible before an earlier one.

    A write holds its audit row uncommitted; another write must wait for it rather than
    commit a higher id first (which a reader would take as the newest version, then never
    notice the lower one).
    """
    from tracker.store.database import write_audit

    store = Store(pg_url)
    store.init()
    done = threading.Event()
    with store.engine.connect() as first:
        first.begin()
        write_audit(first, "first", "upload", "b1", None)
        first_id = first.execute(sa.text("SELECT max(id) FROM audit")).scalar()
        second = threading.Thread(
            target=lambda: (store.record("second", "review", "b2"), done.set()), daemon=True)
        second.start()
        assert not done.wait(2.0), "a second write committed while the first was open"
        assert store.version() == 0
        first.commit()
    second.join(30)
    assert done.is_set()
    log = store.audit_log()
    assert log["actor"].tolist() == ["second", "first"]
    assert log["id"].tolist()[1] == first_id < log["id"].tolist()[0] == store.version()
    store.engine.dispose()


@pytest.mark.parametrize("action", ["withdraw", "review"])
def test_a_change_from_one_process_moves_the_version_seen_by_another(store: Store, action):
    bid = store.add_batch(incidents_frame(["v1"]), BatchMeta("v.csv", "u", sha256="v"))
    before = store.version()

    def change() -> None:
        other = Store(store.url)
        if action == "withdraw":
            other.set_withdrawn(bid, True, actor="other")
        else:
            other.mark_reviewed(bid, actor="other")

    proc = CTX.Process(target=change)
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0
    assert store.version() > before
    assert store.audit_log()["action"].iloc[0] == action
