"""PostgreSQL's bulk paths for the incident table: ``COPY`` in and out.

A row-by-row insert or read builds and sends one Python object per cell; at a hundred
thousand incidents that is tens of seconds. ``COPY`` moves the same rows as one stream:
uploads are written with ``COPY … FROM STDIN`` inside the batch's transaction, and the
incident table is read with ``COPY (SELECT …) TO STDOUT`` as CSV straight into Arrow
columns, then into the canonical frame by :func:`tracker.store.columnar.arrow_to_canonical`
(the same conversion the embedded SQLite store uses).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from tracker import schema
from tracker.store import columnar
from tracker.store.tables import batches
from tracker.store.visibility import Visibility, visible_batch_ids

_ARROW_TYPES = {"text": pa.string(), "date": pa.date32(), "number": pa.float64(),
                "count": pa.int64()}


def insert_incidents(conn: sa.Connection, rows: Sequence[tuple]) -> None:
    """Write :func:`tracker.store.columnar.incident_tuples` rows with ``COPY``, in ``conn``'s
    transaction.

    A clash with a stored incident id is raised as SQLAlchemy's ``IntegrityError``, as an
    ordinary insert would raise it, so the store reports it the same way.
    """
    import psycopg

    names = ", ".join(schema.COLUMNS)
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY incidents ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.IntegrityError as exc:
        raise sa.exc.IntegrityError("COPY incidents", None, exc) from exc
    except psycopg.OperationalError as exc:
        raise sa.exc.OperationalError("COPY incidents", None, exc) from exc
    finally:
        cursor.close()


def read_incidents(engine: sa.Engine, rule: Visibility, as_of=None) -> pd.DataFrame:
    """The incidents ``rule`` shows as a canonical frame, oldest first, read with one ``COPY``.

    Which batches: :func:`tracker.store.visibility.visible_batch_ids` (``as_of``: as at
    that moment).
    """
    columns = ", ".join(f"i.{name}" for name in schema.COLUMNS)
    query = f"SELECT {columns} FROM incidents i"
    buffer = io.BytesIO()
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar()
        visible = list(conn.execute(visible_batch_ids(rule, as_of)).scalars())
        params: list = []
        if len(visible) < total:  # a hashed semi-join: cheap for many batches too
            query += " WHERE i.batch_id IN (SELECT unnest(%s::text[]))"
            params = [visible]
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)",
                         params or None) as copy:
            for block in copy:
                buffer.write(block)
        cursor.close()
        conn.rollback()
    buffer.seek(0)
    table = pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(block_size=1 << 24),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: _ARROW_TYPES[f.kind] for f in schema.FIELDS},
            strings_can_be_null=True,  # PostgreSQL writes NULL as an unquoted empty field
            quoted_strings_can_be_null=False,  # and an empty text as ""
            null_values=[""],
        ),
    )
    return columnar.arrow_to_canonical(table)
