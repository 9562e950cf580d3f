"""The columnar store read gives exactly what the row-by-row read gives."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import pytest
import sqlalchemy as sa

from tracker import schema
from tracker.devtools import synth
from tracker.store import columnar
from tracker.store.database import BatchMeta, Store
from tracker.store.tables import batches, incidents
from tracker.store.visibility import EVERYTHING


def _row_by_row(store: Store, **flags) -> pd.DataFrame:
    query = sa.select(incidents).join(batches, incidents.c.batch_id == batches.c.batch_id)
    if not flags.get("include_withdrawn"):
        query = query.where(batches.c.withdrawn.is_(False))
    if flags.get("reviewed_only"):
        query = query.where(batches.c.reviewed.is_(True))
    if flags.get("include_sensitive") is False:
        query = query.where(batches.c.sensitive.is_(False))
    query = query.order_by(incidents.c.date, incidents.c.incident_id)
    with store.engine.connect() as conn:
        result = conn.execute(query)
        frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return schema.conform(frame, text="loaded").reset_index(drop=True)


@pytest.fixture
def mixed_store(tmp_path) -> Store:
    """A SQLite file store (the columnar path is for embedded SQLite only)."""
    seeded_store = Store(f"sqlite:///{(tmp_path / 'mixed.db').as_posix()}")
    seeded_store.seed()
    extra = synth.generate(3000, seed=9)
    # Columns empty for the first few thousand rows, then filled; out-of-order ids.
    extra["killed_claimed"] = pd.array([None] * 2990 + [7] * 10, dtype="Int64")
    extra["latitude"] = extra["latitude"].mask(extra.index < 2500)
    extra = extra.sample(frac=1, random_state=2).reset_index(drop=True)
    batch = seeded_store.add_batch(extra, BatchMeta("syn.csv", "tester"))
    seeded_store.mark_sensitive(batch, "tester")
    other = synth.generate(200, seed=10)
    withdrawn = seeded_store.add_batch(other, BatchMeta("syn2.csv", "tester"))
    seeded_store.set_withdrawn(withdrawn, True, "tester")
    return seeded_store


def test_the_store_reads_through_the_columnar_path(mixed_store):
    assert columnar.sqlite_path(mixed_store.url) is not None
    fast = columnar.load_incidents(mixed_store.engine, mixed_store.url, EVERYTHING)
    assert fast is not None and len(fast) > 3000


@pytest.mark.parametrize("flags", [
    {}, {"include_withdrawn": True}, {"reviewed_only": True},
    {"include_sensitive": False}, {"include_withdrawn": True, "include_sensitive": False},
])
def test_same_frame_as_row_by_row(mixed_store, flags):
    fast = mixed_store.load_incidents(**flags)
    pd.testing.assert_frame_equal(fast, _row_by_row(mixed_store, **flags))


def test_repeated_text_shares_one_object(mixed_store):
    frame = mixed_store.load_incidents()
    provinces = frame["province"].to_numpy()
    firsts = {}
    for value in provinces:
        firsts.setdefault(value, value)
        assert firsts[value] is value


def test_in_memory_and_other_databases_use_the_row_path():
    assert columnar.sqlite_path("sqlite://") is None
    assert columnar.sqlite_path("sqlite:///:memory:") is None
    assert columnar.sqlite_path("postgresql+psycopg://u@localhost/db") is None
    store = Store("sqlite://")
    store.init()
    assert store.load_incidents().empty


def test_an_empty_file_store(tmp_path):
    store = Store(f"sqlite:///{(tmp_path / 'empty.db').as_posix()}")
    store.init()
    frame = store.load_incidents()
    assert frame.empty
    assert list(frame.columns) == list(schema.COLUMNS)


def _stored(path) -> list[tuple]:
    import sqlite3

    names = ", ".join(f"{c}, typeof({c})" for c in schema.COLUMNS)
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {names} FROM incidents ORDER BY incident_id").fetchall()


def test_bulk_insert_stores_what_typed_inserts_store(tmp_path, bundled):
    from tracker.store import database as store_module

    frame = pd.concat([bundled, synth.generate(500, seed=4)], ignore_index=True)
    frame.loc[3, ["killed", "latitude", "district"]] = [pd.NA, float("nan"), None]
    fast = Store(f"sqlite:///{(tmp_path / 'fast.db').as_posix()}")
    fast.init()
    fast.add_batch(frame, BatchMeta("f.csv", "tester"), batch_id="b1")
    typed = Store(f"sqlite:///{(tmp_path / 'typed.db').as_posix()}")
    typed.init()
    with typed.engine.begin() as conn:  # the SQLAlchemy path, as for other databases
        conn.execute(batches.insert().values(
            batch_id="b1", file_name="f.csv", format="canonical", rows=0, accepted=0,
            rejected=0, duplicates=0, outside_pakistan=0, uploaded_by="tester",
            uploaded_at=store_module.now(), reviewed=False, withdrawn=False, sensitive=False))
        conn.execute(incidents.insert(), store_module._records(frame, "b1"))
    assert _stored(tmp_path / "fast.db") == _stored(tmp_path / "typed.db")
    pd.testing.assert_frame_equal(fast.load_incidents(), typed.load_incidents())


def test_bulk_insert_refuses_a_stored_id(tmp_path):
    from tracker.store.database import StoreError

    store = Store(f"sqlite:///{(tmp_path / 'ids.db').as_posix()}")
    store.init()
    frame = synth.generate(50, seed=1)
    store.add_batch(frame, BatchMeta("a.csv", "tester"))
    with pytest.raises(StoreError, match="already in the store"):
        store.add_batch(frame.iloc[:5], BatchMeta("b.csv", "tester"))
    assert store.count_incidents() == 50


@pytest.mark.parametrize("flags", [{}, {"include_sensitive": False}])
def test_reading_in_row_ranges_gives_the_same_frame(mixed_store, monkeypatch, flags):
    whole = mixed_store.load_incidents(**flags)
    monkeypatch.setattr(columnar, "_SPLIT_ROWS", 100)
    monkeypatch.setattr(columnar, "_PART_ROWS", 700)
    monkeypatch.setattr(columnar.os, "cpu_count", lambda: 3)
    parts = []
    read_part = columnar._read_part
    monkeypatch.setattr(columnar, "_read_part", lambda *a: parts.append(a) or read_part(*a))
    pd.testing.assert_frame_equal(mixed_store.load_incidents(**flags), whole)
    assert len(parts) >= 5


def test_a_part_too_big_for_sqlite_is_read_in_halves(mixed_store, monkeypatch):
    whole = mixed_store.load_incidents()
    connect = columnar._connect

    def small_strings(path):
        conn = connect(path)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 200_000)  # "string or blob too big"
        return conn

    monkeypatch.setattr(columnar, "_connect", small_strings)
    assert columnar.load_incidents(mixed_store.engine, mixed_store.url, EVERYTHING) is not None
    pd.testing.assert_frame_equal(mixed_store.load_incidents(), whole)


AWKWARD_TEXT = [
    "", " ", "line one\nline two", "carriage\r\nreturn", "it's \"quoted\", with, commas",
    "NULL", "None", "ضلع کوئٹہ", "emoji 🙂 and tab\t", "a" * 5000, "'", "\\",
]


def _raw_store(tmp_path, rows: list[dict]) -> Store:
    """A store whose incidents are written by hand with plain sqlite3 (any stored value)."""
    store = Store(f"sqlite:///{(tmp_path / 'raw.db').as_posix()}")
    store.init()
    store.add_batch(synth.generate(3, seed=1), BatchMeta("s.csv", "tester"), batch_id="b1")
    names = list(schema.COLUMNS)
    with closing(sqlite3.connect(tmp_path / "raw.db")) as conn, conn:
        conn.executemany(
            f"INSERT INTO incidents ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [tuple(row.get(n) for n in names) for row in rows])
    return store


def _awkward_rows() -> list[dict]:
    base = synth.generate(len(AWKWARD_TEXT) * 2, seed=5)
    rows = [dict(zip(schema.COLUMNS, values, strict=True))
            for values in columnar.incident_tuples(base, "b1")]
    for i, text in enumerate(AWKWARD_TEXT * 2):
        rows[i].update({
            "incident_id": f"AWK-{i:03d}", "date": f"2020-01-{1 + i % 28:02d}",
            "summary": text, "notes": None if i % 2 else text, "location": text or None,
            "latitude": [0.1 + 0.2, 1 / 3, 33.123456789012345, -0.0, 1e-300, 30.0, None][i % 7],
            "longitude": None if i % 3 else 70.0 + i / 7,
            "killed": [None, 0, 5, 2**40][i % 4], "injured": None,
            "province": "Balochistan", "district": None if i % 5 == 0 else "Quetta",
        })
    rows[-1] |= {"summary": None, "killed": None, "latitude": None}  # missing at the end
    return rows


def test_awkward_values_read_exactly_as_row_by_row(tmp_path):
    store = _raw_store(tmp_path, _awkward_rows())
    fast = columnar.load_incidents(store.engine, store.url, EVERYTHING)
    assert fast is not None  # the columnar path read them (no fallback)
    slow = _row_by_row(store)
    pd.testing.assert_frame_equal(fast, slow)
    by_id = fast.set_index("incident_id")
    assert by_id.loc["AWK-002", "summary"] == "line one\nline two"
    assert by_id.loc["AWK-000", "latitude"] == 0.1 + 0.2  # every bit of the double
    assert by_id.loc["AWK-003", "killed"] == 2**40


def test_a_value_the_split_cannot_hold_falls_back_to_the_row_read(tmp_path, caplog):
    rows = _awkward_rows()
    rows[4]["summary"] = "a NUL\x00inside"
    store = _raw_store(tmp_path, rows)
    assert columnar.load_incidents(store.engine, store.url, EVERYTHING) is None
    assert "reading row by row" in caplog.text
    pd.testing.assert_frame_equal(store.load_incidents(), _row_by_row(store))


def test_another_sqlite_driver_is_never_opened_beside_it(tmp_path):
    store = Store(f"sqlite:///{(tmp_path / 'other.db').as_posix()}")
    store.init()
    assert columnar.uses_stdlib_sqlite(store.engine)

    class OtherDriver:
        def connect(self, *args, **kwargs):
            raise AssertionError("not this one")

    store.engine.dialect.dbapi = OtherDriver()
    assert not columnar.uses_stdlib_sqlite(store.engine)
    assert columnar.load_incidents(store.engine, store.url, EVERYTHING) is None
