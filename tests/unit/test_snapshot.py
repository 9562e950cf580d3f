"""A big store is read from its Arrow snapshot: the same frame, and never a stale one."""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

from tests.unit.test_columnar import _row_by_row, mixed_store  # noqa: F401 (fixture)
from tracker.devtools import synth
from tracker.store import columnar, snapshot
from tracker.store.database import BatchMeta, Store, now

FLAGS = [{}, {"include_withdrawn": True}, {"reviewed_only": True},
         {"include_sensitive": False}, {"include_withdrawn": True, "include_sensitive": False}]


@pytest.fixture
def snapshots(monkeypatch, tmp_path):
    """Snapshots for every store (however small), in a folder of the test's own."""
    monkeypatch.setattr(snapshot, "MIN_ROWS", 1)
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state" / "snapshots"


def _files(folder):
    return sorted(folder.glob("*.arrow")) if folder.exists() else []


@pytest.mark.parametrize("flags", FLAGS)
def test_the_snapshot_gives_the_row_by_row_frame(mixed_store, snapshots, flags):  # noqa: F811
    first = mixed_store.load_incidents(**flags)  # from SQLite, then written
    assert len(_files(snapshots)) == 1
    again = mixed_store.load_incidents(**flags)  # from the snapshot
    expected = _row_by_row(mixed_store, **flags)
    pd.testing.assert_frame_equal(first, expected)
    pd.testing.assert_frame_equal(again, expected)


def test_the_snapshot_is_read_and_not_sqlite(mixed_store, snapshots, monkeypatch):  # noqa: F811
    mixed_store.load_incidents()
    monkeypatch.setattr(columnar, "_read_part", lambda *a: pytest.fail("read SQLite"))
    assert len(mixed_store.load_incidents()) > 3000


def test_an_upload_makes_a_new_snapshot(mixed_store, snapshots):  # noqa: F811
    before = mixed_store.load_incidents()
    old = _files(snapshots)
    moment = now()
    mixed_store.add_batch(synth.generate(40, seed=11), BatchMeta("new.csv", "tester"))
    after = mixed_store.load_incidents()
    assert len(after) == len(before) + 40
    pd.testing.assert_frame_equal(after, _row_by_row(mixed_store))
    assert len(_files(snapshots)) == 1 and _files(snapshots) != old
    # the data as it stood before the upload comes from the new snapshot too
    as_then = mixed_store.load_incidents(as_of=moment)
    pd.testing.assert_frame_equal(as_then, before)


def test_a_review_changes_the_version_and_the_view(mixed_store, snapshots):  # noqa: F811
    reviewed = mixed_store.load_incidents(reviewed_only=True)
    batch = mixed_store.add_batch(synth.generate(30, seed=12), BatchMeta("r.csv", "tester"))
    assert len(mixed_store.load_incidents(reviewed_only=True)) == len(reviewed)
    mixed_store.mark_reviewed(batch, "tester")
    assert len(mixed_store.load_incidents(reviewed_only=True)) == len(reviewed) + 30


def test_a_snapshot_that_does_not_match_is_ignored(mixed_store, snapshots, caplog):  # noqa: F811
    expected = mixed_store.load_incidents()
    (file,) = _files(snapshots)
    table = feather.read_table(file)
    # the right name and key, other rows: caught by the row count
    feather.write_feather(table.slice(0, 10), file, compression="uncompressed")
    with caplog.at_level(logging.WARNING):
        pd.testing.assert_frame_equal(mixed_store.load_incidents(), expected)
    assert "does not match" in caplog.text
    # the right rows, another key inside: caught by the key
    meta = {b"tracker.snapshot.key": b'{"version": -1}'}
    feather.write_feather(table.replace_schema_metadata(meta), file, compression="uncompressed")
    pd.testing.assert_frame_equal(mixed_store.load_incidents(), expected)
    # not an Arrow file at all
    file.write_bytes(b"not arrow")
    pd.testing.assert_frame_equal(mixed_store.load_incidents(), expected)


def test_another_store_at_the_same_path_never_matches(tmp_path, snapshots):
    path = tmp_path / "s.db"
    frames = []
    for seed in (1, 2):
        if path.exists():
            path.unlink()
        store = Store(f"sqlite:///{path.as_posix()}")
        store.init()
        store.add_batch(synth.generate(50, seed=seed), BatchMeta("a.csv", "tester"))
        frames.append(store.load_incidents())
        store.engine.dispose()
    assert frames[0]["incident_id"].iloc[0].startswith("SYN-1-")
    assert frames[1]["incident_id"].iloc[0].startswith("SYN-2-")


def test_small_stores_keep_no_snapshot(mixed_store, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path / "state"))
    assert snapshot.MIN_ROWS > 10_000
    mixed_store.load_incidents()
    assert _files(tmp_path / "state" / "snapshots") == []


def test_an_unwritable_folder_still_loads(mixed_store, snapshots, monkeypatch):  # noqa: F811
    def refuse(*_a, **_k):
        raise OSError("read-only file system")

    monkeypatch.setattr(snapshot.feather, "write_feather", refuse)
    pd.testing.assert_frame_equal(mixed_store.load_incidents(), _row_by_row(mixed_store))
    assert _files(snapshots) == []
    assert not list(snapshots.glob(".*.tmp"))


def test_sorting_matches_the_canonical_order():
    frame = synth.generate(500, seed=3).sample(frac=1, random_state=1)
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None),
                                 preserve_index=False).select(list(frame.columns))
    table = pa.table({n: table.column(n).cast(pa.string()) if n in ("date",) else table.column(n)
                      for n in table.column_names})
    ordered = columnar._sorted(table)
    days = ordered.column("date").to_pylist()
    ids = ordered.column("incident_id").to_pylist()
    assert list(zip(days, ids, strict=True)) == sorted(zip(days, ids, strict=True))
    assert dt.date.fromisoformat(days[0]) <= dt.date.fromisoformat(days[-1])
