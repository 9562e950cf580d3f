"""Moving a store to another database (tracker migrate-store) loses nothing.

The target is a fresh SQLite file and, as the case that matters, a PostgreSQL schema. Rows
are compared independently of the command's own checksums: every column of every row.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.unit.test_store_concurrency import incidents_frame
from tracker.cli import main
from tracker.store.database import BatchMeta, Store, StoreError
from tracker.store.tables import metadata
from tracker.store.transfer import fingerprint, move_store

URDU = "کوئٹہ میں دھماکہ"


@pytest.fixture
def source(tmp_path) -> Store:
    """A seeded SQLite store with more history: uploads, review, withdrawal, audit notes."""
    store = Store(f"sqlite:///{(tmp_path / 'source.db').as_posix()}")
    store.seed()
    frame = incidents_frame(["up-1", "up-2", "up-3"])
    frame.loc[0, "summary"] = URDU
    frame.loc[1, "killed"] = None
    frame.loc[2, "latitude"] = 30.183_333_333_333_33
    b1 = store.add_batch(frame, BatchMeta("mine.csv", "ayesha", sha256="s1",
                                          mapping={"Date": "date"}, sensitive=True))
    b2 = store.add_batch(incidents_frame(["up-4"]), BatchMeta("other.xlsx", "bilal",
                                                              sha256="s2", format="acled"))
    store.mark_reviewed(b1, actor="admin")
    store.set_withdrawn(b2, True, actor="admin")
    store.record("admin", "login", None, "from the command line")
    return store


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order, with times as naive UTC."""
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns)
            got = conn.execute(sa.select(table).order_by(*key)).all()
            out[table.name] = sorted(tuple(_plain(v) for v in row) for row in got)
    engine.dispose()
    return out


def _plain(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _target_url(store_url: str, tmp_path) -> str:
    return store_url if "postgresql" in store_url else store_url.replace("store.db",
                                                                         "target.db")


def test_moving_the_seeded_store_keeps_every_incident_batch_and_audit_row(source, store_url,
                                                                          tmp_path, bundled):
    target = _target_url(store_url, tmp_path)
    report = move_store(source.url, target)
    assert report.matches
    before, after = rows(source.url), rows(target)
    assert after == before
    assert len(after["incidents"]) == len(bundled) + 4
    assert len(after["batches"]) == 3
    assert len(after["audit"]) == len(source.audit_log()) == 6
    moved = Store(target)
    assert (moved.load_incidents().sort_values("incident_id").reset_index(drop=True)
            .equals(source.load_incidents().sort_values("incident_id").reset_index(drop=True)))
    assert moved.version() == source.version()
    assert URDU in set(moved.load_incidents(include_withdrawn=True)["summary"].dropna())
    assert moved.batch("seed")["uploaded_at"] == source.batch("seed")["uploaded_at"]
    copied_ids = set(source.audit_log()["id"])
    moved.record("admin", "note", None, "after the move")  # new ids follow the copied ones
    assert int(moved.audit_log(limit=1)["id"].iloc[0]) == max(copied_ids) + 1
    moved.set_withdrawn("seed", True, actor="admin")  # and a data change moves the version
    assert moved.version() == max(copied_ids) + 2
    moved.engine.dispose()


def test_a_non_empty_target_is_refused_unless_replaced(source, store_url, tmp_path):
    target = Store(_target_url(store_url, tmp_path))
    target.seed()
    held = rows(target.url)
    with pytest.raises(StoreError, match=r"already holds .* Nothing was copied"):
        move_store(source.url, target.url)
    assert rows(target.url) == held
    report = move_store(source.url, target.url, replace=True)
    assert report.matches
    assert rows(target.url) == rows(source.url)
    target.engine.dispose()


def test_the_comparison_notices_a_missing_incident(source, tmp_path):
    target = f"sqlite:///{(tmp_path / 'copy.db').as_posix()}"
    move_store(source.url, target)
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM incidents WHERE incident_id = 'up-2'"))
    with engine.connect() as conn, sa.create_engine(source.url).connect() as src:
        ours, theirs = fingerprint(conn), fingerprint(src)
    assert ours.counts["incidents"] == theirs.counts["incidents"] - 1
    assert ours.incident_ids_sha256 != theirs.incident_ids_sha256
    assert ours != theirs


def test_the_same_database_twice_is_refused(source):
    with pytest.raises(StoreError, match="same database"):
        move_store(source.url, source.url)


def test_tracker_migrate_store_prints_the_comparison(source, store_url, tmp_path):
    target = _target_url(store_url, tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["migrate-store", "--from", source.url, "--to", target])
    assert result.exit_code == 0, result.output
    assert "incidents rows" in result.output and "incident ids sha256" in result.output
    assert "Nothing lost: every count and checksum matches." in result.output
    assert "DIFFERS" not in result.output
    again = runner.invoke(main, ["migrate-store", "--from", source.url, "--to", target])
    assert again.exit_code == 1
    assert "--replace" in again.output


def test_accounts_sessions_mappings_and_briefs_move_too(source, store_url, tmp_path,
                                                        project_root):
    from tracker.access.accounts import Accounts
    from tracker.briefs import loading
    from tracker.ingest import mappings

    accounts = Accounts(source)
    user = accounts.add("zara", "admin", "a long passphrase 1", actor="setup")
    token = accounts.start_session(user, "203.0.113.9")
    accounts.authenticate("nobody", "wrong", address="198.51.100.7")
    mappings.save(["Date of attack", "Shaheed"], {"Date of attack": "date",
                                                  "Shaheed": "killed"}, store=source)
    bundled_brief = next((project_root / "data" / "briefs").glob("*.yaml"))
    brief = bundled_brief.read_bytes().replace(b"\nid: ", b"\nid: moved-", 1)
    loading.add_brief(brief, actor="zara", store=source)
    target = _target_url(store_url, tmp_path)
    report = move_store(source.url, target)
    assert report.matches
    before, after = rows(source.url), rows(target)
    assert after == before
    assert {name: len(after[name]) for name in ("accounts", "sessions", "login_failures",
                                                "column_mappings", "added_briefs")} == {
        "accounts": 1, "sessions": 1, "login_failures": 1, "column_mappings": 1,
        "added_briefs": 1}
    moved = Store(target)
    assert Accounts(moved).authenticate("zara", "a long passphrase 1").ok
    assert Accounts(moved).session_user(token) == user  # signed-in sessions carry over
    assert mappings.load(["Shaheed", "Date of attack"], store=moved) == {
        "Date of attack": "date", "Shaheed": "killed"}
    assert any(b.id.startswith("moved-") for b in loading.load_library(moved).briefs)
