"""Reading the incident table column by column: SQLite → Arrow → the canonical frame.

Reading a million incidents through a row cursor builds 22 million Python objects and takes
tens of seconds. Here an embedded SQLite store is read column by column instead: SQLite
itself joins each column of a range of rows into one byte string (``group_concat``), and
those bytes become Arrow columns without a Python object per cell. The columns then become
the canonical frame of :func:`tracker.schema.conform` with ``text="loaded"`` (free text,
:data:`tracker.schema.LONG_TEXT`, as pandas' Arrow-backed ``str``; other text as ``object``
with ``None``; counts as ``Int64``, dates as ``datetime64[ns]``) without a row loop. Other
text that repeats (provinces, districts, types, perpetrators…) becomes one shared Python
string per distinct value, which keeps the frame small and fast to filter.

**One SQLite library per process.** The read goes through Python's own :mod:`sqlite3`, the
library SQLAlchemy uses for the store, never through a driver that carries its own copy of
SQLite (ADBC, DuckDB's scanner, apsw). SQLite's locks on a database file are POSIX advisory
locks, which belong to the process: when a second copy of the library closes its handle
on the file, the kernel drops the locks the first copy's connections hold too. Another
process (``tracker ingest``, ``tracker users add``) then believes it is the last user,
checkpoints and deletes the write-ahead log under the running app, and every batch the app
saves afterwards goes to a deleted file: invisible to others and lost on a crash. One copy
of the library knows its own connections and keeps the file open until none holds a lock.
``tests/unit/test_sqlite_one_library.py`` keeps ``src/`` to that rule.

Anything this path cannot read (another database, another SQLite driver, an in-memory
SQLite, an unexpected value) returns ``None``, and the store reads through SQLAlchemy.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracker import schema
from tracker.store import snapshot

_log = logging.getLogger(__name__)

_DEDUP_SHARE = 0.5
"""Text columns with fewer distinct values than this share of rows share their strings."""

_PART_ROWS = 125_000
"""Rows per ``group_concat`` read: keeps each joined column far below SQLite's 1 GB string
limit and the bytes in flight small; a part that is still too big is halved."""

_SPLIT_ROWS = 200_000
"""Stores with more rows than this are read on several threads (SQLite and Arrow release
the GIL), one connection each."""

_COMMA = ord(",")
"""The separator of ``group_concat(x)``, SQLite's fastest form (half the cost of naming one)."""

_NUL = 0
"""The separator named for columns whose values hold commas (never inside UTF-8 text SQLite
hands over)."""

_NULL = 0xFF
"""Byte standing for a missing value (0xFF never occurs in UTF-8)."""


def sqlite_path(url: str) -> str | None:
    """The database file of a SQLite URL; None for other databases or in-memory SQLite."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    return database


def uses_stdlib_sqlite(engine) -> bool:
    """Whether the store's engine talks to SQLite through Python's own :mod:`sqlite3`.

    Only then may this module open the file itself: with any other driver (e.g. SQLCipher)
    that would put a second SQLite library into the process.
    """
    dbapi = getattr(engine.dialect, "dbapi", None)
    return getattr(dbapi, "connect", None) is sqlite3.connect


def read_sqlite_incidents(path: str, batch_ids: Sequence[str] | None = None, *,
                          rowids: tuple[int, int] | None = None) -> pd.DataFrame:
    """All incidents of ``batch_ids`` (every batch when None) as a canonical frame, oldest first.

    Parameters
    ----------
    path
        The SQLite database file.
    batch_ids
        The visible batches; ``None`` reads every row without a filter.
    rowids
        The first and last row id to read (the bounds seen with the batches, so that rows
        committed meanwhile stay out); ``None`` reads the bounds now.

    Returns
    -------
    pandas.DataFrame
        Canonical columns and dtypes, ordered by date then incident id, index 0..n-1.
    """
    if rowids is None:
        with closing(_connect(path)) as conn:
            rowids = conn.execute("SELECT min(rowid), max(rowid) FROM incidents").fetchone()
    tables = [_read_table(path, batch_ids, rowids)]
    # Hand over the only reference: the conversion frees each Arrow column once converted.
    return arrow_to_canonical(tables.pop())


def _read_table(path: str, batch_ids: Sequence[str] | None,
                rowids: tuple[int, int]) -> pa.Table:
    """The rows of ``batch_ids`` with row ids in ``rowids`` as one Arrow table, stored order."""
    low, high = rowids
    if low is None:
        return _empty_table()
    parts = _ranges(low, high, -(-(high - low + 1) // _PART_ROWS))
    workers = max(1, min(os.cpu_count() or 1, 4)) if high - low + 1 >= _SPLIT_ROWS else 1
    if workers == 1 or len(parts) == 1:
        tables = [_read_part(path, batch_ids, r) for r in parts]
    else:
        with ThreadPoolExecutor(workers) as pool:
            tables = list(pool.map(lambda r: _read_part(path, batch_ids, r), parts))
    return pa.concat_tables(tables)


def _sorted(table: pa.Table) -> pa.Table:
    """``table`` in (date, incident id) order, reordered one column at a time."""
    order = sort_order(_days(table.column("date")), table.column("incident_id"))
    if order is None:
        return table
    indices = pa.array(order)
    columns = []
    for name in table.column_names:
        columns.append(table.column(name).take(indices).combine_chunks())
        table = table.drop_columns([name])  # peak memory: one column held twice at most
    return pa.table(columns, names=list(schema.COLUMNS))


def _from_snapshot(path: str, found: dict, batch_ids: Sequence[str] | None) -> pd.DataFrame:
    """The frame of ``batch_ids`` out of the store's snapshot, written first when missing."""
    table = snapshot.read(path, found)
    if table is None:
        table = _sorted(_read_table(path, None, tuple(found["rowids"])))
        snapshot.write(path, found, table)
        # the frame's text then lives in the (memory-mapped) file, not in this process's heap
        table = snapshot.read(path, found) or table
        pa.default_memory_pool().release_unused()
    if batch_ids is not None:
        keep = pc.is_in(table.column("batch_id"), value_set=pa.array(batch_ids, pa.string()))
        table = table.filter(keep)
    tables = [table]
    del table
    return arrow_to_canonical(tables.pop())


def _connect(path: str) -> sqlite3.Connection:
    """A read-only connection to the store's file, through Python's :mod:`sqlite3`."""
    from pathlib import Path

    uri = Path(path).resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def _ranges(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    step = (high - low) // max(parts, 1) + 1
    return [(low + i * step, min(low + (i + 1) * step - 1, high)) for i in range(parts)
            if low + i * step <= high]


def _joined_select(fields: Sequence[schema.Field], batch_ids: Sequence[str] | None,
                   sep: int) -> tuple[str, list]:
    """One row: the row count, then each of ``fields`` joined into one byte string.

    Values are separated by ``sep`` (a comma: SQLite's default, and its fastest); a missing
    value is the byte :data:`_NULL`. Numbers go through ``quote()``, which writes the
    shortest text that reads back as the very same double (``CAST`` keeps 15 digits).
    """
    parts = ["count(*)"]
    for field in fields:
        name = field.name
        value = f"iif({name} IS NULL, NULL, quote({name}))" if field.kind == "number" else name
        separator = "" if sep == _COMMA else f", X'{sep:02X}'"
        parts.append(f"CAST(group_concat(ifnull({value}, X'{_NULL:02X}'){separator}) AS BLOB)")
    sql = f"SELECT {', '.join(parts)} FROM incidents WHERE rowid BETWEEN ? AND ?"
    params: list = []
    if batch_ids is not None:
        if not batch_ids:
            sql += " AND 0"
        else:
            sql += f" AND batch_id IN ({', '.join('?' * len(batch_ids))})"
            params = list(batch_ids)
    return sql, params


_ARROW_TYPES = {"text": pa.string(), "date": pa.string(), "number": pa.float64(),
                "count": pa.int64()}


def _empty_table() -> pa.Table:
    return pa.table({f.name: pa.array([], _ARROW_TYPES[f.kind]) for f in schema.FIELDS})


def _read_part(path: str, batch_ids: Sequence[str] | None,
               rowids: tuple[int, int]) -> pa.Table:
    """The incidents with row ids in ``rowids`` (inclusive), typed Arrow columns.

    Every column is first joined with commas; a column whose values hold commas (more
    pieces than rows) is read again, joined with NUL bytes.
    """
    low, high = rowids
    try:
        with closing(_connect(path)) as conn:
            count, texts = _joined(conn, schema.FIELDS, batch_ids, rowids, _COMMA)
            again = [f for f in schema.FIELDS if texts[f.name] is None]
            if again and count:
                texts |= _joined(conn, again, batch_ids, rowids, _NUL)[1]
    except sqlite3.DataError:  # "string or blob too big": read it in halves
        if low >= high:
            raise
        mid = (low + high) // 2
        return pa.concat_tables([_read_part(path, batch_ids, (low, mid)),
                                 _read_part(path, batch_ids, (mid + 1, high))])
    if not count:
        return _empty_table()
    columns = {}
    for field in schema.FIELDS:
        text = texts.pop(field.name)
        if text is None:
            raise ValueError(f"a stored {field.name} holds a NUL byte; it cannot be split")
        target = _ARROW_TYPES[field.kind]
        columns[field.name] = text if target == pa.string() else pc.cast(text, target)
    return pa.table(columns)


def _joined(conn: sqlite3.Connection, fields: Sequence[schema.Field],
            batch_ids: Sequence[str] | None, rowids: tuple[int, int],
            sep: int) -> tuple[int, dict[str, pa.StringArray | None]]:
    """Row count and each field's values as Arrow text (None where ``sep`` is in a value)."""
    sql, params = _joined_select(fields, batch_ids, sep)
    row = conn.execute(sql, [*rowids, *params]).fetchone()
    count, joined = row[0], list(row[1:])
    out: dict[str, pa.StringArray | None] = {}
    for i, field in enumerate(fields):
        out[field.name] = _split(joined[i], count, sep) if count else None
        joined[i] = None
    return count, out


def _split(joined: bytes, count: int, sep: int) -> pa.StringArray | None:
    """``count`` values joined by ``sep`` (missing ones as :data:`_NULL`) → Arrow text.

    None when the joined text holds more separators than there are gaps between values.
    Each value is first taken with the separator after it, which Arrow then cuts off (one
    pass in C++, faster than removing the separators in numpy); the cast to text checks
    that every value is valid UTF-8.
    """
    raw = np.frombuffer(joined + bytes([sep]), dtype=np.uint8)
    ends = np.flatnonzero(raw == sep)
    if len(ends) != count:
        return None
    if len(raw) >= 2**31:
        raise ValueError("a column part is too large for 32-bit offsets")
    offsets = np.empty(count + 1, dtype=np.int32)
    offsets[0] = 0
    offsets[1:] = ends + 1
    missing = np.zeros(count, dtype=bool)
    single = np.flatnonzero(np.diff(offsets) == 2)
    missing[single] = raw[offsets[single]] == _NULL
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    with_sep = pa.Array.from_buffers(pa.binary(), count, [validity, pa.py_buffer(offsets),
                                                          pa.py_buffer(raw)])
    return pc.binary_slice(with_sep, 0, -1).cast(pa.string())


def arrow_to_canonical(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of incident columns → the canonical frame, sorted by date and id.

    Dates may be ISO strings or Arrow dates/timestamps. Missing columns become empty.
    """
    n = table.num_rows
    day = _days(table.column("date")) if "date" in table.column_names else np.zeros(n, "int64")
    ids = table.column("incident_id") if "incident_id" in table.column_names else \
        pa.array([""] * n, pa.string())
    order = sort_order(day, ids)
    columns: dict[str, pd.Series | np.ndarray] = {}
    for field in schema.FIELDS:
        name = field.name
        if name not in table.column_names:
            columns[name] = pd.Series([None] * n, dtype="str" if name in schema.LONG_TEXT
                                      else object)
            continue
        col = table.column(name)
        table = table.drop_columns([name])  # free the Arrow copy as we go (peak memory)
        if field.kind == "date":
            days = _take(day, order)
            columns[name] = pd.Series(
                (days.astype("int64") * 86_400_000_000_000).astype("datetime64[ns]")
            ).where(days != _NO_DAY, pd.NaT)
        elif field.kind == "count":
            columns[name] = _nullable_int(col, order)
        elif field.kind == "number":
            values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
            columns[name] = pd.Series(_take(values, order), dtype="float64")
        elif name in schema.LONG_TEXT:
            columns[name] = pd.Series(_arrow_text(col, order), copy=False)
        else:
            text = _text(col, order, dedup=name != "incident_id")
            columns[name] = pd.Series(text, dtype=object)
    return pd.DataFrame(columns, copy=False)


def sort_order(day: np.ndarray, ids: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """Row order by (date, incident id); None when the rows are already in that order.

    A stable sort on the day number keeps rows of one day in stored order; only when the
    ids of some day are then out of order is the (slower) sort on both keys done.
    """
    n = len(day)
    if n < 2:
        return None
    if np.all(day[1:] >= day[:-1]) and _ids_ordered_within_days(day, ids):
        return None
    by_day = np.argsort(day, kind="stable")
    sorted_ids = ids.take(pa.array(by_day))
    if _ids_ordered_within_days(day[by_day], sorted_ids):
        return by_day
    keys = pa.table({"day": pa.array(day), "id": ids})
    return pc.sort_indices(keys, sort_keys=[("day", "ascending"), ("id", "ascending")]
                           ).to_numpy()


# --- helpers -----------------------------------------------------------------------------

_NO_DAY = np.iinfo("int64").max
"""Day number standing for a missing date (sorts last)."""


def _days(col: pa.ChunkedArray) -> np.ndarray:
    """Day numbers since 1970-01-01 (int64); missing or unreadable dates get :data:`_NO_DAY`."""
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        try:
            dates = pc.cast(pc.utf8_slice_codeunits(col, 0, 10), pa.date32())
        except pa.ArrowInvalid:
            parsed = pd.to_datetime(pd.Series(col.to_numpy(zero_copy_only=False)),
                                    errors="coerce").dt.normalize()
            dates = pa.array(parsed.to_numpy(dtype="datetime64[D]"), pa.date32(),
                             from_pandas=True)
    else:
        dates = pc.cast(col, pa.date32())
    values = pc.cast(dates, pa.int32()).fill_null(0).to_numpy(zero_copy_only=False)
    out = values.astype("int64")
    nulls = dates.is_null().to_numpy(zero_copy_only=False)
    out[nulls] = _NO_DAY
    return out


def _ids_ordered_within_days(day: np.ndarray, ids: pa.ChunkedArray | pa.Array) -> bool:
    """Whether, for consecutive rows of the same day, ids never decrease."""
    same_day = day[1:] == day[:-1]
    if not same_day.any():
        return True
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    ascending = pc.less_equal(ids.slice(0, len(ids) - 1), ids.slice(1))
    ascending = ascending.fill_null(True).to_numpy(zero_copy_only=False)
    return bool(np.all(ascending | ~same_day))


def _take(values: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    return values if order is None else values[order]


def _nullable_int(col: pa.ChunkedArray, order: np.ndarray | None) -> pd.arrays.IntegerArray:
    values = pc.cast(col, pa.int64(), safe=False).combine_chunks()
    data = values.fill_null(0).to_numpy(zero_copy_only=False).astype("int64", copy=False)
    mask = values.is_null().to_numpy(zero_copy_only=False)
    return pd.arrays.IntegerArray(_take(data, order), _take(mask, order))


def _text(col: pa.ChunkedArray, order: np.ndarray | None, *, dedup: bool) -> np.ndarray:
    """Object array of ``str`` and ``None`` in ``order``; repeated values share one object.

    Reordering happens on integer codes or object pointers, never on the string bytes.
    """
    if not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    col = col.combine_chunks()
    n = len(col)
    if n == 0:
        return np.empty(0, dtype=object)
    if dedup and _repeats(col):
        encoded = col.dictionary_encode()
        if len(encoded.dictionary) <= _DEDUP_SHARE * n:
            words = np.empty(len(encoded.dictionary) + 1, dtype=object)
            words[:-1] = encoded.dictionary.to_pylist()
            codes = encoded.indices.fill_null(len(words) - 1).to_numpy(zero_copy_only=False)
            return words[_take(codes, order)]
    values = col.to_numpy(zero_copy_only=False)
    if values.dtype != object:
        values = values.astype(object)
    return _take(values, order)


def _arrow_text(col: pa.ChunkedArray, order: np.ndarray | None) -> pd.api.extensions.ExtensionArray:
    """pandas' ``str`` array over the Arrow text in ``order``: no Python string per cell."""
    if not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    col = col.combine_chunks()
    if order is not None:
        col = col.take(pa.array(order))
    return pd.array(col, dtype="str")


def load_incidents(engine, url: str, rule, as_of=None) -> pd.DataFrame | None:
    """The incidents ``rule`` shows, read column by column, or None when this path can't.

    Which batches: :func:`tracker.store.visibility.visible_batch_ids` (a
    :class:`~tracker.store.visibility.Visibility`); ``as_of`` gives the batches as they
    stood at that moment. The row-id bounds are read before the
    batches, so rows committed meanwhile stay out. A store of at least
    :data:`tracker.store.snapshot.MIN_ROWS` rows is read from its snapshot (written on the
    first load after each change; see :mod:`tracker.store.snapshot`).
    """
    path = sqlite_path(url)
    if path is None or not uses_stdlib_sqlite(engine):
        return None
    import sqlalchemy as sa

    from tracker.store.visibility import visible_batch_ids

    try:
        with closing(_connect(path)) as conn:
            found = snapshot.key(conn)  # big stores: read from their snapshot
            bounds = tuple(found["rowids"]) if found else conn.execute(
                "SELECT min(rowid), max(rowid) FROM incidents").fetchone()
    except sqlite3.Error as exc:
        _log.warning("Columnar read of %s failed (%s); reading row by row.", path, exc)
        return None
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM batches")).scalar()
        visible = list(conn.execute(visible_batch_ids(rule, as_of)).scalars())
    batch_ids = None if len(visible) == total else visible
    if found is not None:
        try:
            return _from_snapshot(path, found, batch_ids)
        except Exception as exc:  # the store itself is still there to read
            _log.warning("Snapshot of %s failed (%s); reading the store.", path, exc)
    try:
        return read_sqlite_incidents(path, batch_ids, rowids=bounds)
    except Exception as exc:  # anything unexpected: the row cursor still works
        _log.warning("Columnar read of %s failed (%s); reading row by row.", path, exc)
        return None


# --- writing -------------------------------------------------------------------------------


def incident_tuples(frame: pd.DataFrame, batch_id: str) -> list[tuple]:
    """The rows of a canonical frame as tuples in :data:`tracker.schema.COLUMNS` order.

    Values are what SQLAlchemy writes to SQLite for these columns — text, ``YYYY-MM-DD``
    dates, Python ints and floats, ``None`` for empty — built column by column instead of
    one dictionary per row, so a million rows are ready in seconds.
    """
    # an upload's frame holds pandas' string dtype already: kept, so that each text value
    # becomes a Python string once (straight from Arrow), not twice through object columns
    arrow_text = all(frame[f.name].dtype == "str" for f in schema.FIELDS
                     if f.kind not in ("date", "count", "number") and f.name in frame
                     and f.name != "batch_id")
    frame = schema.conform(frame, text="str" if arrow_text else "object")
    n = len(frame)
    columns: list[list] = []
    for field in schema.FIELDS:
        series = frame[field.name]
        if field.name == "batch_id":
            values = [batch_id] * n
        elif field.kind == "date":
            days = series.to_numpy(dtype="datetime64[D]")
            text = np.datetime_as_string(days, unit="D").astype(object)
            text[np.isnat(days)] = None
            values = text.tolist()
        elif field.kind == "count" or series.dtype == "str":
            values = series.array.to_numpy(dtype=object, na_value=None).tolist()
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        columns.append(values)
    return list(zip(*columns, strict=True))


def insert_incidents(conn, rows: list[tuple], chunk: int = 50_000) -> None:
    """Bulk-insert :func:`incident_tuples` rows on a SQLite connection (in its transaction)."""
    names = ", ".join(schema.COLUMNS)
    marks = ", ".join("?" for _ in schema.COLUMNS)
    sql = f"INSERT INTO incidents ({names}) VALUES ({marks})"
    for start in range(0, len(rows), chunk):
        conn.exec_driver_sql(sql, rows[start:start + chunk])


def _repeats(col: pa.Array, sample: int = 20_000) -> bool:
    """Whether a text column repeats enough to share strings (judged on a sample)."""
    part = col.slice(0, sample) if len(col) > sample else col
    return len(pc.unique(part)) <= _DEDUP_SHARE * len(part)
