"""A large batch written into SQLite: secondary indexes rebuilt once, not grown row by row.

Inserting a million rows into a table with an index on the date column costs SQLite one
random B-tree insert per row and index; with its default 2 MB page cache the index pages
spill to the write-ahead log again and again. Building the index once after the insert
(a sort) costs a fraction of that. So, for a batch at least as large as the rows already
stored, the save drops the incidents table's secondary indexes inside its own transaction
and creates them again, from the very SQL the database holds, before it commits.

SQLite's schema changes are transactional: a failure or a kill before the commit rolls the
drop back with the rows, and the store keeps its indexes. Readers in WAL mode see the last
committed schema, indexes included, until the commit, and the new one after it. The primary
key's index stays (it cannot be dropped, and it is what keeps ids unique).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

BULK_ROWS = 50_000
"""Batches smaller than this are inserted with the indexes in place."""

CACHE_KIB = 200 * 1024
"""SQLite page cache of the saving connection while the indexes are built again (then reset):
SQLite's sorter keeps that much in memory before it spills to temporary files. The rows
themselves are inserted with the usual cache, so the write-ahead log grows as they go."""


@contextmanager
def large_batch(conn, rows: int) -> Iterator[bool]:
    """Set aside the incidents table's secondary indexes while ``rows`` rows are inserted.

    Call inside the save's transaction (after its write lock). On SQLite with a batch of at
    least :data:`BULK_ROWS` rows and at least as many rows as are stored, the indexes are
    dropped here and created again when the block ends without an error; on an error the
    caller's rollback brings them back. Anything else (PostgreSQL, a small batch) is
    written as it is. Yields whether the indexes were set aside (the batch then holds at
    least as many rows as the store held before it).
    """
    if conn.dialect.name != "sqlite" or rows < BULK_ROWS:
        yield False
        return
    stored = conn.exec_driver_sql("SELECT count(*) FROM incidents").scalar() or 0
    if rows < stored:
        yield False
        return
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'incidents' AND sql IS NOT NULL ORDER BY name").fetchall()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield True
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
