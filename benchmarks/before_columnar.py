"""BASELINE ONLY, not used by the app: the store reader as it was before the store was read
through Python's sqlite3 (see ``tracker.store.columnar``), kept verbatim below this note so that
``benchmarks/bench_store_load.py`` can time "before" and "after" in one run.

It reads through the ADBC SQLite driver, a second copy of SQLite. That is safe only in a
process that holds no other connection to the file, which is how the benchmark runs it: in
a child process of its own that calls :func:`read_sqlite_incidents` and exits. Never import
it from the app or the command line (``tests/unit/test_sqlite_one_library.py`` keeps it out
of ``src/``). Needs ``adbc-driver-sqlite`` (the ``test`` extra).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracker import schema

_SENTINEL = "_typed"
"""Marker column of the one typed row put before the data (see :func:`_typed_select`)."""

_DEDUP_SHARE = 0.5
"""Text columns with fewer distinct values than this share of rows share their strings."""


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


def adbc_available() -> bool:
    """Whether the ADBC SQLite driver is installed (it is a dependency; checked anyway)."""
    try:
        import adbc_driver_sqlite.dbapi  # noqa: F401
    except ImportError:
        return False
    return True


def read_sqlite_incidents(path: str, batch_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """All incidents of ``batch_ids`` (every batch when None) as a canonical frame, oldest first.

    Parameters
    ----------
    path
        The SQLite database file.
    batch_ids
        The visible batches; ``None`` reads every row without a filter.

    Returns
    -------
    pandas.DataFrame
        Canonical columns and dtypes, ordered by date then incident id, index 0..n-1.
    """
    import adbc_driver_sqlite.dbapi as adbc

    uri = f"file:{path}?mode=ro"
    with adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.execute("SELECT min(rowid), max(rowid), count(*) FROM incidents")
        low, high, count = cur.fetchone()
    if not count:
        return arrow_to_canonical(_read_part(uri, batch_ids, None))
    parts = max(1, min(os.cpu_count() or 1, 4)) if count >= _SPLIT_ROWS else 1
    step = (high - low) // parts + 1
    ranges = [(low + i * step, min(low + (i + 1) * step - 1, high)) for i in range(parts)]
    if parts == 1:
        tables = [_read_part(uri, batch_ids, None)]
    else:
        with ThreadPoolExecutor(parts) as pool:
            tables = list(pool.map(lambda r: _read_part(uri, batch_ids, r), ranges))
    tables = [pa.concat_tables(tables)]
    # Hand over the only reference: the conversion frees each Arrow column once converted.
    return arrow_to_canonical(tables.pop())


_SPLIT_ROWS = 200_000
"""Stores with more rows than this are read in row-id ranges, one thread per core."""


def _read_part(uri: str, batch_ids: Sequence[str] | None,
               rowids: tuple[int, int] | None) -> pa.Table:
    """One row-id range (or every row) of the incidents, typed, without the typed row."""
    import adbc_driver_sqlite.dbapi as adbc

    sql, params = _typed_select(batch_ids)
    if rowids is not None:
        sql += (" AND" if batch_ids is not None else " WHERE") + " rowid BETWEEN ? AND ?"
        params = [*params, *rowids]
    with adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        table = cur.fetch_arrow_table()
    if table.num_rows == 0 or table.column(_SENTINEL)[0].as_py() != 0:
        raise RuntimeError("the typed first row is missing from the incidents read")
    return table.slice(1).drop_columns([_SENTINEL])


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
            columns[name] = pd.Series([None] * n, dtype=object)
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


def _typed_select(batch_ids: Sequence[str] | None) -> tuple[str, list[str]]:
    """SELECT of every incident column, preceded by one row of literals of the right types.

    The ADBC SQLite driver infers each column's Arrow type from the first rows it sees; a
    column that starts with empty cells would be guessed wrong and fail later. The literal
    row fixes every type; it is dropped after the read.
    """
    literal = {"text": "''", "date": "''", "number": "0.5", "count": "0"}
    names = [f.name for f in schema.FIELDS]
    first = ", ".join([f"0 AS {_SENTINEL}"] + [f"{literal[f.kind]} AS {f.name}"
                                                  for f in schema.FIELDS])
    rest = ", ".join(["1", *names])
    sql = f"SELECT {first} UNION ALL SELECT {rest} FROM incidents"
    params: list[str] = []
    if batch_ids is not None:
        if not batch_ids:
            sql += " WHERE 0"
        else:
            sql += f" WHERE batch_id IN ({', '.join('?' * len(batch_ids))})"
            params = list(batch_ids)
    return sql, params


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


def load_incidents(engine, url: str, *, include_withdrawn: bool, reviewed_only: bool,
                   include_sensitive: bool) -> pd.DataFrame | None:
    """The store's visible incidents read column by column, or None when this path can't.

    Visibility follows :meth:`tracker.store.database.Store.load_incidents`: withdrawn batches are
    hidden unless asked for, and so are unreviewed or sensitive ones when asked.
    """
    path = sqlite_path(url)
    if path is None or not adbc_available():
        return None
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT batch_id, withdrawn, reviewed, sensitive FROM batches"
        )).fetchall()
    visible = [
        r.batch_id for r in rows
        if (include_withdrawn or not r.withdrawn) and (not reviewed_only or r.reviewed)
        and (include_sensitive or not r.sensitive)
    ]
    batch_ids = None if len(visible) == len(rows) else visible
    try:
        return read_sqlite_incidents(path, batch_ids)
    except Exception as exc:  # any driver trouble: the row cursor still works
        import logging

        logging.getLogger(__name__).warning(
            "Columnar read of %s failed (%s); reading row by row.", path, exc
        )
        return None


# --- writing -------------------------------------------------------------------------------


def incident_tuples(frame: pd.DataFrame, batch_id: str) -> list[tuple]:
    """The rows of a canonical frame as tuples in :data:`tracker.schema.COLUMNS` order.

    Values are what SQLAlchemy writes to SQLite for these columns — text, ``YYYY-MM-DD``
    dates, Python ints and floats, ``None`` for empty — built column by column instead of
    one dictionary per row, so a million rows are ready in seconds.
    """
    frame = schema.conform(frame)
    n = len(frame)
    columns: list[list] = []
    for field in schema.FIELDS:
        series = frame[field.name]
        if field.name == "batch_id":
            values = [batch_id] * n
        elif field.kind == "date":
            text = series.dt.strftime("%Y-%m-%d").astype(object)
            values = text.where(series.notna(), None).tolist()
        elif field.kind == "count":
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
