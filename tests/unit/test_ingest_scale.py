"""Large files: chunked reading gives the one-pass report, saves are atomic and re-checked
under the store's write lock (on SQLite and PostgreSQL). Every row here is SYNTHETIC."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests import upload_samples as samples
from tests.killing import kill_while_writing
from tracker.devtools import synth
from tracker.ingest import chunks, readers, staging
from tracker.ingest import pipeline as ingest
from tracker.store.database import Store, open_store

CTX = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def _acled_file(rows: int) -> bytes:
    """An ACLED-shaped SYNTHETIC export: attacks, protests (rejected), other countries,
    bad dates (rejected) and repeated events under new ids (probable duplicates)."""
    base = samples.acled_rows()
    days = pd.date_range("2025-01-01", periods=40).strftime("%d %B %Y")
    out = []
    for n in range(rows):
        row = dict(base[n % len(base)])
        row["event_id_cnty"] = f"SYN{n:07d}"
        row["event_date"] = days[(n // len(base)) % len(days)]
        if n % 997 == 0:
            row["event_date"] = "31 February 2025"
        out.append(row)
    return samples.to_csv(out)


def _same(a: ingest.IngestReport, b: ingest.IngestReport) -> None:
    assert a.to_dict() == b.to_dict()
    assert a.reader == b.reader
    pd.testing.assert_series_equal(a.status, b.status)
    pd.testing.assert_frame_equal(a.accepted_rows(), b.accepted_rows())
    pd.testing.assert_frame_equal(a.held, b.held)
    pd.testing.assert_frame_equal(a.twins, b.twins)
    pd.testing.assert_frame_equal(a.rejected_source, b.rejected_source)


def test_a_chunked_run_reports_exactly_what_one_pass_does(tmp_path):
    data = _acled_file(50_000)
    path = tmp_path / "acled-50k.csv"
    path.write_bytes(data)
    one = ingest.ingest_file(path, chunk_rows=1_000_000, limits=ingest.cli_limits())
    seen: list[tuple[str, int]] = []
    chunked = ingest.ingest_file(path, chunk_rows=7_001, limits=ingest.cli_limits(),
                                 progress=lambda stage, n: seen.append((stage, n)),
                                 stage=True)  # accepted rows on disk, as for a big file
    assert one.rows == 50_000 and one.adds_up
    assert one.rejected and one.duplicates and one.outside_pakistan and one.accepted
    assert any("31 February" in str(r["value"]) for r in one.rejections)
    assert one.staged is None and chunked.staged is not None and chunked.incidents.empty
    _same(one, chunked)
    assert ("read", 7_001) in seen and ("checked", 50_000) in seen
    assert ingest.ingest_bytes(data, "acled-50k.csv", chunk_rows=3_333).to_dict() == (
        one.to_dict())


def test_the_whole_file_decides_the_date_order_even_when_the_first_chunk_cannot():
    rows = [samples.canonical_rows()[0] | {"incident_id": f"D-{i}", "date": "2025-03-01"}
            for i in range(4)]
    rows += [samples.canonical_rows()[0] | {"incident_id": "D-9", "date": "03/16/2025"},
             samples.canonical_rows()[0] | {"incident_id": "D-10", "date": "04/05/2025"}]
    data = samples.to_csv(rows)
    one = ingest.ingest_bytes(data, "dates.csv")
    chunked = ingest.ingest_bytes(data, "dates.csv", chunk_rows=2)
    _same(one, chunked)
    assert any("month first" in n for n in one.file_notes)
    assert str(one.incidents.loc[7, "date"].date()) == "2025-04-05"


def test_a_ragged_or_titled_file_read_whole_is_chunked_the_same():
    rows = samples.canonical_rows()
    data = b"Incident log, SYNTHETIC\n" + samples.to_csv(rows)
    data += b"X-1,2025-01-01,day,Punjab,Lahore,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u\n"
    one = ingest.ingest_bytes(data, "titled.csv")
    chunked = ingest.ingest_bytes(data, "titled.csv", chunk_rows=1)
    assert one.rejected and one.accepted
    _same(one, chunked)


def test_streamed_and_whole_readers_give_the_same_cells(tmp_path):
    data = synth.generate(500, seed=3)
    path = synth.write(data, tmp_path / "s.csv")
    streamed = chunks.read_chunks(path, "s.csv", chunk_rows=77)
    assert streamed.streamed
    frame = pd.concat([c.frame for c in streamed.chunks])
    whole = readers.read_upload(path.read_bytes(), "s.csv").frame
    pd.testing.assert_frame_equal(frame, whole, check_index_type=False)


def test_the_command_line_has_no_size_limit_of_the_web_page(monkeypatch):
    monkeypatch.setenv("TRACKER_MAX_UPLOAD_MB", "1")
    assert ingest.cli_limits().max_upload_mb > 1_000_000 / 2


# --- saving ------------------------------------------------------------------------------------

def _files() -> tuple[bytes, bytes]:
    """Two SYNTHETIC files that share 150 incidents under other ids (probable duplicates)."""
    rows = synth.generate(450, seed=11)
    first = rows.iloc[:300].copy()
    second = rows.iloc[150:].copy()
    second["incident_id"] = second["incident_id"] + "-again"
    return (synth.to_csv_bytes(first), synth.to_csv_bytes(second))


def _preview_then_save(url: str, name: str, data: bytes, barrier, out) -> None:
    store = Store(url)
    report = ingest.ingest_bytes(data, name, store=store)
    barrier.wait(60)
    ingest.commit(report, store, name)
    out.put((name, report.duplicates))
    store.engine.dispose()


def _outcome(store: Store) -> dict[str, tuple[int, int]]:
    batches = store.batches()
    return {row.file_name: (int(row.accepted), int(row.duplicates))
            for row in batches.itertuples() if row.file_name in ("a.csv", "b.csv")}


def test_concurrent_saves_flag_the_duplicates_saves_in_a_row_do(store_url, tmp_path):
    first, second = _files()
    store = Store(store_url)
    store.init()
    barrier, out = CTX.Barrier(2), CTX.Queue()
    procs = [CTX.Process(target=_preview_then_save, args=(store_url, n, d, barrier, out))
             for n, d in (("a.csv", first), ("b.csv", second))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    together = _outcome(store)
    saved_first = store.batches().sort_values("uploaded_at")["file_name"].tolist()[0]
    ids = set(store.load_incidents()["incident_id"])

    replay = Store(f"sqlite:///{(tmp_path / 'replay.db').as_posix()}")
    replay.init()
    files = {"a.csv": first, "b.csv": second}
    order = [saved_first, "b.csv" if saved_first == "a.csv" else "a.csv"]
    for name in order:
        ingest.commit(ingest.ingest_bytes(files[name], name, store=replay), replay, name)
    assert together == _outcome(replay)
    assert ids == set(replay.load_incidents()["incident_id"])
    assert together[order[1]][1] > together[order[0]][1]  # the later one held the overlap


def _saved(store: Store) -> pd.DataFrame:
    return store.load_incidents().drop(columns="batch_id").reset_index(drop=True)


def test_a_staged_upload_saves_and_rechecks_what_an_in_memory_one_does(tmp_path):
    rows = synth.generate(3_000, seed=5)
    path = synth.write(rows.iloc[1_000:], tmp_path / "later.csv")
    earlier = synth.to_csv_bytes(rows.iloc[:1_200])
    results = []
    for stage in (False, True):
        store = Store(f"sqlite:///{(tmp_path / f'{stage}.db').as_posix()}")
        store.init()
        first = ingest.ingest_bytes(synth.to_csv_bytes(rows.iloc[:100]), "first.csv",
                                    store=store)
        ingest.commit(first, store, "ayesha")
        report = ingest.ingest_file(path, store=store, chunk_rows=333, stage=stage)
        assert report.duplicates and report.accepted
        # saved by someone else after the preview: the save checks again under its lock
        ingest.commit(ingest.ingest_bytes(earlier, "earlier.csv", store=store), store, "bilal")
        taken = [d["row"] for d in report.duplicate_of if not d["certain"]][:3]
        ingest.commit(report, store, "chandra", accept_rows=taken)
        assert any("checked again at save time" in n for n in report.file_notes)
        results.append((report, _saved(store)))
    (memory, saved_memory), (staged, saved_staged) = results
    assert staged.staged is not None and memory.batch_id != staged.batch_id
    memory.batch_id = staged.batch_id = None  # two saves, two batch ids; nothing else differs
    _same(memory, staged)
    assert memory.counts() == staged.counts() and memory.accepted > 0
    pd.testing.assert_frame_equal(saved_memory, saved_staged)


@pytest.mark.slow
def test_killing_tracker_ingest_while_it_saves_a_big_file_leaves_no_partial_batch(tmp_path):
    """The command line's path for a big file (staged on disk), killed mid-save."""
    db = tmp_path / "kill.db"
    url = f"sqlite:///{db.as_posix()}"
    store = open_store(url)  # seeded with the bundled incidents, as the command line would
    before = store.count_incidents()
    assert before > 0
    store.engine.dispose()
    big = synth.write(synth.generate(120_000, seed=8), tmp_path / "big.csv")
    assert big.stat().st_size > staging.STAGE_BYTES  # staged by default
    root = Path(__file__).resolve().parents[2]
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TRACKER_DB_URL": url, "TRACKER_STATE_DIR": str(tmp_path / "state"),
           "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)]), "TMPDIR": str(temp)}
    wal = Path(f"{db}-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-m", "tracker.cli", "ingest", str(big), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=root, env=env)
    kill_while_writing(proc, wal, start_size, 4_000_000, timeout=600, what="save")
    assert proc.returncode == -signal.SIGKILL
    assert proc.stdout.read() == ""
    assert list(temp.glob("tracker-ingest-*/part-*.arrow"))  # the rows were staged on disk

    after = Store(url)
    assert after.count_incidents() == before
    assert "big.csv" not in set(after.batches()["file_name"])
    with after.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # the indexes the save set aside for the large batch came back with the rollback
        assert _incident_indexes(conn) == _incident_indexes_of_a_fresh_store(tmp_path)
    after.engine.dispose()

    # SIGKILL left the staging folder; the next ingest removes it (its process is gone)
    left = list(temp.glob("tracker-ingest-*"))
    assert left and all(p.name.startswith(f"tracker-ingest-{proc.pid}-") for p in left)
    small = synth.write(synth.generate(50, seed=9), tmp_path / "small.csv")
    done = subprocess.run([sys.executable, "-m", "tracker.cli", "ingest", str(small), "--json"],
                          capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list(temp.glob("tracker-ingest-*"))


def _incident_indexes(conn) -> list[tuple[str, str]]:
    return conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents' "
        "ORDER BY name").fetchall()


def _incident_indexes_of_a_fresh_store(tmp_path) -> list[tuple[str, str]]:
    fresh = Store(f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}")
    fresh.init()
    with fresh.engine.connect() as conn:
        indexes = _incident_indexes(conn)
    fresh.engine.dispose()
    assert len(indexes) >= 4  # the primary key's and the three secondary ones
    return indexes

