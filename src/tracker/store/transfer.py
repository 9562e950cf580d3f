"""Move a whole store to another database (e.g. the SQLite file into PostgreSQL), losing nothing.

Every table of :data:`tracker.store.database.metadata` is copied row by row (incidents, batches, the
audit log, and the shared state: accounts, open sessions, failed sign-ins, saved column
mappings and added briefs), values as they are:
incident ids, batch ids, audit ids and times stay the same, so the audit trail and the
provenance of each batch survive the move. The source is read inside one snapshot and the
target is written in one transaction: the copy is whole or absent. Afterwards both sides are
compared by :func:`fingerprint` (row counts, a checksum of the incident ids and a digest of
every row's contents) and the command says whether they match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tracker.present.text import hide_password
from tracker.store import migrations
from tracker.store.database import Store, StoreError
from tracker.store.tables import incidents, metadata


@dataclass(frozen=True)
class Fingerprint:
    """What must be equal on both sides of a move."""

    counts: dict[str, int]
    incident_ids_sha256: str
    contents: dict[str, str]

    def rows(self) -> list[tuple[str, str]]:
        """(measure, value) pairs, in a fixed order, for printing and comparing."""
        out = [(f"{name} rows", str(n)) for name, n in self.counts.items()]
        out.append(("incident ids sha256", self.incident_ids_sha256))
        out += [(f"{name} contents", digest) for name, digest in self.contents.items()]
        return out


@dataclass(frozen=True)
class MoveReport:
    """Source and target fingerprints after a copy."""

    source_url: str
    target_url: str
    source: Fingerprint
    target: Fingerprint

    @property
    def matches(self) -> bool:
        return self.source == self.target

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": hide_password(self.source_url),
            "to": hide_password(self.target_url),
            "matches": self.matches,
            "source": self.source.__dict__,
            "target": self.target.__dict__,
        }


def move_store(source_url: str, target_url: str, *, replace: bool = False,
               chunk_rows: int = 5000,
               progress: Callable[[str], None] | None = None) -> MoveReport:
    """Copy every table from ``source_url`` into ``target_url`` and compare them after.

    Parameters
    ----------
    source_url, target_url
        SQLAlchemy URLs of two different databases.
    replace
        Empty the target first when it holds anything. Without it a non-empty target is
        refused, so that nothing there is overwritten by accident.
    chunk_rows
        Rows read and inserted per round trip.
    progress
        Called with a short line after each table.

    Raises
    ------
    StoreError
        When the two URLs name the same database, the source holds no store, or the target
        is not empty and ``replace`` is false. Nothing is written then.
    """
    say = progress or (lambda _line: None)
    if _same_database(source_url, target_url):
        raise StoreError("The source and the target are the same database.")
    source, target = Store(source_url), Store(target_url)
    if not sa.inspect(source.engine).has_table(incidents.name):
        raise StoreError(f"There is no tracker store at {hide_password(source_url)}.")
    migrations.upgrade(source.engine)  # what the app does on start: same columns both sides
    target.init()

    with _snapshot(source.engine) as inp:
        with target.engine.begin() as out:
            held = {t.name: _count(out, t) for t in metadata.sorted_tables}
            if any(held.values()):
                if not replace:
                    raise StoreError(
                        f"The target already holds {_describe(held)}. Nothing was copied; "
                        "use --replace to empty it first, or choose an empty database."
                    )
                for table in reversed(metadata.sorted_tables):
                    out.execute(table.delete())
                say(f"emptied the target (it held {_describe(held)})")
            for table in metadata.sorted_tables:
                copied = _copy_table(inp, out, table, chunk_rows)
                say(f"{table.name}: {copied} rows copied")
            _advance_sequences(out)
        source_print = fingerprint(inp)
    with target.engine.connect() as conn:
        target_print = fingerprint(conn)
    for engine in (source.engine, target.engine):
        engine.dispose()
    return MoveReport(source_url, target_url, source_print, target_print)


def fingerprint(conn: sa.Connection) -> Fingerprint:
    """Row counts, a checksum of the incident ids, and a digest of every table's rows.

    The id checksum is the sha256 of the ids sorted by code point and joined by newlines
    (sorted here, not by the database, whose collation may differ). A content digest is the
    sum, modulo 2**128, of a hash of each row, so it does not depend on row order either.
    """
    counts = {t.name: _count(conn, t) for t in metadata.sorted_tables}
    ids = sorted(conn.execute(sa.select(incidents.c.incident_id)).scalars())
    id_sum = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    contents = {t.name: _content_digest(conn, t) for t in metadata.sorted_tables}
    return Fingerprint(counts, id_sum, contents)


class _snapshot:
    """A connection that sees one consistent state of the source for the whole copy."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __enter__(self) -> sa.Connection:
        self.conn = self.engine.connect()
        if self.engine.dialect.name == "postgresql":
            self.conn = self.conn.execution_options(isolation_level="REPEATABLE READ")
            self.conn.begin()
        elif self.engine.dialect.name == "sqlite":
            self.conn.begin()
            self.conn.exec_driver_sql("BEGIN")  # pysqlite starts none before a SELECT
        else:
            self.conn.begin()
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.rollback()
        self.conn.close()


def _copy_table(inp: sa.Connection, out: sa.Connection, table: sa.Table, chunk_rows: int) -> int:
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = inp.execution_options(yield_per=chunk_rows).execute(query)
    copied = 0
    for part in result.mappings().partitions():
        out.execute(table.insert(), [dict(row) for row in part])
        copied += len(part)
    return copied


def _advance_sequences(out: sa.Connection) -> None:
    """Let PostgreSQL's serial columns continue after the copied ids (SQLite does so itself)."""
    if out.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        top = out.execute(sa.select(sa.func.max(column))).scalar()
        sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
        out.execute(sa.select(sa.func.setval(sequence, top or 1, top is not None)))


def _count(conn: sa.Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _content_digest(conn: sa.Connection, table: sa.Table) -> str:
    total = 0
    result = conn.execution_options(yield_per=10_000).execute(sa.select(table))
    for row in result:
        text = json.dumps([_plain(v) for v in row], ensure_ascii=False)
        total += int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")
    return f"{total % (1 << 128):032x}"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name} rows" for name, n in counts.items() if n)


def _same_database(a: str, b: str) -> bool:
    ua, ub = make_url(a), make_url(b)
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        if not ua.database or ua.database == ":memory:":
            return False
        return Path(ua.database).resolve() == Path(ub.database or "").resolve()
    return (ua.host, ua.port, ua.database, ua.query.get("options")) == (
        ub.host, ub.port, ub.database, ub.query.get("options"))
