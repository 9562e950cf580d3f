import pandas as pd
import pytest

from tracker import schema
from tracker.store.database import BatchMeta, Store, StoreError


def _frame(ids, date="2025-05-01"):
    rows = [
        {
            "incident_id": i, "date": date, "date_precision": "day", "province": "Sindh",
            "district": "Karachi", "geo_precision": "district", "latitude": 25.0,
            "longitude": 67.2, "attack_type": "bombing", "target": "police",
            "perpetrator": "Unknown", "claimed": "unknown", "killed": 1, "injured": None,
            "source_name": "Test", "source_url": "https://example.org", "batch_id": "x",
        }
        for i in ids
    ]
    return schema.conform(pd.DataFrame(rows))


def test_seed_is_idempotent(store: Store, bundled):
    assert store.seed() == len(bundled)
    assert store.seed() == 0
    assert store.count_incidents() == len(bundled)


def test_loaded_frame_equals_the_bundled_csv(seeded_store: Store, bundled):
    loaded = seeded_store.load_incidents().sort_values("incident_id").reset_index(drop=True)
    expected = schema.conform(bundled, text="loaded").sort_values("incident_id")
    pd.testing.assert_frame_equal(loaded, expected.reset_index(drop=True), check_dtype=True)
    assert [c for c in loaded if loaded[c].dtype == "str"] == list(schema.LONG_TEXT)


def test_batch_writes_audit_and_can_be_withdrawn_and_restored(seeded_store: Store):
    before = seeded_store.version()
    bid = seeded_store.add_batch(_frame(["a", "b"]), BatchMeta("f.csv", "ayesha", sha256="h1"))
    assert seeded_store.version() > before
    assert seeded_store.batch(bid)["reviewed"] is False
    assert {"a", "b"} <= set(seeded_store.load_incidents()["incident_id"])
    seeded_store.set_withdrawn(bid, True, actor="ayesha")
    assert not {"a", "b"} & set(seeded_store.load_incidents()["incident_id"])
    seeded_store.set_withdrawn(bid, False, actor="admin")
    assert {"a", "b"} <= set(seeded_store.load_incidents()["incident_id"])
    actions = seeded_store.audit_log()["action"].tolist()
    assert actions[:3] == ["restore", "withdraw", "upload"]


def test_same_file_twice_is_refused_and_nothing_is_written(seeded_store: Store):
    seeded_store.add_batch(_frame(["a"]), BatchMeta("f.csv", "u", sha256="same"))
    n = seeded_store.count_incidents()
    with pytest.raises(StoreError, match="uploaded before"):
        seeded_store.add_batch(_frame(["b"]), BatchMeta("g.csv", "u", sha256="same"))
    assert seeded_store.count_incidents() == n


def test_clashing_ids_roll_back_the_whole_batch(seeded_store: Store):
    n, batches = seeded_store.count_incidents(), len(seeded_store.batches())
    with pytest.raises(StoreError):
        seeded_store.add_batch(_frame(["new-1", "PK24-0001"]), BatchMeta("f.csv", "u", sha256="z"))
    assert seeded_store.count_incidents() == n
    assert len(seeded_store.batches()) == batches


def test_reviewed_only_hides_unreviewed_batches(seeded_store: Store):
    bid = seeded_store.add_batch(_frame(["r1"]), BatchMeta("f.csv", "u", sha256="r"))
    assert "r1" not in set(seeded_store.load_incidents(reviewed_only=True)["incident_id"])
    seeded_store.mark_reviewed(bid, actor="admin")
    assert "r1" in set(seeded_store.load_incidents(reviewed_only=True)["incident_id"])


def test_unknown_batch_gives_a_clear_error(store: Store):
    with pytest.raises(StoreError, match="no batch"):
        store.set_withdrawn("nope", True, actor="x")


def test_cli_seed_twice_keeps_the_count(tmp_path, monkeypatch, bundled):
    from click.testing import CliRunner

    from tracker.cli import main

    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    first = runner.invoke(main, ["seed"])
    second = runner.invoke(main, ["seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    n = len(bundled)
    assert f"{n} incidents added; the store holds {n}" in first.output
    assert f"0 incidents added; the store holds {n}" in second.output


def test_only_changes_to_what_incidents_show_move_the_version(seeded_store: Store):
    """Every session's cached table is keyed on the version: a burst of failed sign-ins
    must not make them all reload it."""
    before = seeded_store.version()
    for action in ("login failed", "account added", "brief added", "role changed"):
        seeded_store.record("someone", action, "x")
    assert seeded_store.version() == before
    bid = seeded_store.add_batch(_frame(["v"]), BatchMeta("v.csv", "ayesha", sha256="v1"))
    after_upload = seeded_store.version()
    assert after_upload > before
    seeded_store.mark_sensitive(bid, "admin")
    assert seeded_store.version() > after_upload
