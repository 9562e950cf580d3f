"""Withdrawing is an undo: a corrected file saves every row, the owner restores, and a
corrected file replaces a batch in one audited step. Every file here is SYNTHETIC."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.upload_samples import CANONICAL_HEADER, URL, to_csv
from tracker.access import batch_actions
from tracker.access.roles import PermissionDenied, User
from tracker.ingest import pipeline as ingest
from tracker.store import database
from tracker.store.database import Store, StoreError

AYESHA = User("ayesha", "researcher")
BILAL = User("bilal", "researcher")
ADMIN = User("zara", "admin")
DISTRICTS = [("Khyber Pakhtunkhwa", "Bannu"), ("Balochistan", "Kech"), ("Sindh", "Karachi")]
CORRECTED = {4: 7, 11: 2, 25: 9}
"""Rows whose death toll the corrected file changes (row → killed)."""


def _log(corrected: bool, with_ids: bool) -> bytes:
    """A 30-row SYNTHETIC log; ``corrected`` changes the killed count of three rows."""
    rows = []
    for i in range(30):
        province, district = DISTRICTS[i % 3]
        killed = CORRECTED[i] if corrected and i in CORRECTED else i % 4
        rows.append({
            "incident_id": f"LOG-{i:03d}" if with_ids else "", "date": f"2025-03-{i % 28 + 1:02d}",
            "date_precision": "day", "province": province, "district": district,
            "location": "", "latitude": "", "longitude": "", "geo_precision": "district",
            "attack_type": "bombing" if i % 2 else "armed assault", "target": "police",
            "perpetrator": "Unknown", "claimed": "unknown", "killed": str(killed),
            "injured": str(i % 5), "militants_killed": "", "killed_claimed": "",
            "summary": f"SYNTHETIC row {i}", "notes": "", "source_name": "SYNTHETIC",
            "source_url": f"{URL}{i}",
        })
    header = CANONICAL_HEADER if with_ids else [c for c in CANONICAL_HEADER
                                                if c != "incident_id"]
    return to_csv(rows, header)


def _upload(store: Store, content: bytes, name: str, user: User = AYESHA) -> str:
    report = ingest.ingest_bytes(content, name, store=store)
    assert report.error is None and not report.needs_mapping, report.error
    return batch_actions.commit_upload(report, store, user)


def _killed(store: Store) -> dict[str, int]:
    frame = store.load_incidents()
    return dict(zip(frame["summary"], frame["killed"].astype(int), strict=True))


@pytest.mark.parametrize("with_ids", [True, False], ids=["own ids", "derived ids"])
def test_after_a_withdraw_every_corrected_row_is_saved(store: Store, with_ids: bool):
    first = _upload(store, _log(False, with_ids), "log.csv")
    assert len(store.load_incidents()) == 30
    batch_actions.withdraw_batch(store, AYESHA, first)

    report = ingest.ingest_bytes(_log(True, with_ids), "log-corrected.csv", store=store)
    assert (report.accepted, report.duplicates, report.rejected) == (30, 0, 0)
    batch_actions.commit_upload(report, store, AYESHA)
    killed = _killed(store)
    assert len(killed) == 30
    assert {killed[f"SYNTHETIC row {i}"] for i in CORRECTED} == set(CORRECTED.values())


def test_a_live_batch_still_holds_its_ids(store: Store):
    _upload(store, _log(False, True), "log.csv")
    report = ingest.ingest_bytes(_log(True, True), "log-corrected.csv", store=store)
    assert report.accepted == 0 and report.duplicates == 30  # same ids as a live batch
    with pytest.raises(StoreError, match="already in the store"):
        store.add_batch(report.held, database.BatchMeta("again.csv", "ayesha"))
    assert len(store.load_incidents()) == 30


def test_the_owner_restores_their_batch_and_a_clash_is_refused(store: Store):
    first = _upload(store, _log(False, True), "log.csv")
    batch_actions.withdraw_batch(store, AYESHA, first)
    with pytest.raises(PermissionDenied, match="someone else"):
        batch_actions.restore_batch(store, BILAL, first)
    batch_actions.restore_batch(store, AYESHA, first)
    assert store.batch(first)["withdrawn"] is False
    assert len(store.load_incidents()) == 30

    batch_actions.withdraw_batch(store, AYESHA, first)
    second = _upload(store, _log(True, True), "log-corrected.csv")
    with pytest.raises(StoreError, match="cannot be restored"):
        batch_actions.restore_batch(store, AYESHA, first)
    assert store.batch(first)["withdrawn"] is True  # nothing changed, not even the log
    assert store.audit_log()["action"].iloc[0] == "upload"
    batch_actions.withdraw_batch(store, AYESHA, second)
    batch_actions.restore_batch(store, AYESHA, first)  # the original is back
    assert _killed(store)["SYNTHETIC row 4"] == 0


def test_a_corrected_file_replaces_a_batch_in_one_audited_step(store: Store):
    first = _upload(store, _log(False, False), "log.csv")
    view = store.replacing(first)
    report = ingest.ingest_bytes(_log(True, False), "log-corrected.csv", store=view)
    assert (report.accepted, report.duplicates) == (30, 0)  # the old rows are no twins
    with pytest.raises(PermissionDenied, match="someone else"):
        batch_actions.replace_batch(report, store, BILAL, first)

    new = batch_actions.replace_batch(report, store, AYESHA, first)
    assert store.batch(first)["withdrawn"] is True
    assert store.batch(new)["withdrawn"] is False
    killed = _killed(store)
    assert len(killed) == 30 and killed["SYNTHETIC row 4"] == 7
    log = store.audit_log()
    assert log[["actor", "action", "target"]].head(2).values.tolist() == [
        ["ayesha", "upload", new], ["ayesha", "withdraw", first]]
    assert log["detail"].iloc[0].endswith(f"replaces batch {first}")
    assert log["detail"].iloc[1] == f"replaced by a corrected file (batch {new})"
    with store.engine.connect() as conn:  # both changes share one moment's transaction
        events = conn.execute(sa.select(database.batch_events.c.action)
                              .order_by(database.batch_events.c.id)).scalars().all()
    assert events == ["upload", "withdraw", "upload"]


def test_a_failed_replacement_leaves_the_old_batch_live(store: Store, monkeypatch):
    first = _upload(store, _log(False, False), "log.csv")
    report = ingest.ingest_bytes(_log(True, False), "log-corrected.csv",
                                 store=store.replacing(first))

    def broken(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT", None, Exception("disk I/O error"))

    monkeypatch.setattr(database.columnar, "insert_incidents", broken)
    monkeypatch.setattr(database.pgcopy, "insert_incidents", broken)
    with pytest.raises(StoreError, match="Nothing was saved"):
        batch_actions.replace_batch(report, store, AYESHA, first)
    assert store.batch(first)["withdrawn"] is False
    assert len(store.batches()) == 1 and len(store.load_incidents()) == 30
    assert store.audit_log()["action"].tolist() == ["upload"]


def test_a_withdrawn_batch_is_not_replaced(store: Store):
    first = _upload(store, _log(False, True), "log.csv")
    batch_actions.withdraw_batch(store, AYESHA, first)
    report = ingest.ingest_bytes(_log(True, True), "c.csv", store=store.replacing(first))
    with pytest.raises(StoreError, match="withdrawn already"):
        batch_actions.replace_batch(report, store, AYESHA, first)
