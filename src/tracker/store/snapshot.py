"""A copy of a big SQLite store's incident table as one Arrow file, read instead of SQLite.

Reading a million incidents out of SQLite costs seconds of CPU (SQLite decodes every value);
an Arrow file of the same rows, already sorted by date and id, is mapped into memory in a
fraction of that, and its free text becomes the frame with no copy. So a store with at least
:data:`MIN_ROWS` incidents keeps one snapshot of its whole incident table (every batch: what
a view shows is chosen afterwards, by batch) in ``<state folder>/snapshots/``.

**Never stale.** Incident rows are only ever inserted, in one transaction with the
``upload`` entry of the audit log (no code updates or deletes them). The snapshot's key is
read in one SQLite read transaction: the newest audit id of a data change (the store's
version), the number of incident rows, the first and last row id and the batches of those
two rows (batch ids carry random hex, so another store at the same path cannot match), plus
the columns. Any upload changes the version, the count and the last row id; the key is the
file's name, is stored inside the file and is compared again when it is read, with the row
count. A file that is missing, unreadable or does not match is ignored and replaced; writing
one goes to a temporary name first, so a reader never sees half a file.

**Invalidation.** Nothing is invalidated in place: a new key means a new file, written on the
first load after the change, and the older snapshots of the same store are deleted then.
Deleting the folder is always safe (the next load reads SQLite again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather

from tracker import config, schema
from tracker.store.tables import DATA_ACTIONS

_log = logging.getLogger(__name__)

MIN_ROWS = 200_000
"""Stores with fewer incident rows are read from SQLite every time (well under a second)."""

FORMAT = 1
"""Bumped when what a snapshot holds changes, so that older files never match."""

_KEY = b"tracker.snapshot.key"


def folder() -> Path:
    return config.state_dir() / "snapshots"


def key(conn: sqlite3.Connection) -> dict | None:
    """What identifies the incident table's content now, read in one transaction; None when
    the table is too small for a snapshot (or empty)."""
    marks = ", ".join("?" * len(DATA_ACTIONS))
    conn.execute("BEGIN")
    try:
        low, high, count = conn.execute(
            "SELECT min(rowid), max(rowid), count(*) FROM incidents").fetchone()
        if low is None or count < MIN_ROWS:
            return None
        version = conn.execute(f"SELECT max(id) FROM audit WHERE action IN ({marks})",
                               DATA_ACTIONS).fetchone()[0]
        ends = [conn.execute("SELECT batch_id FROM incidents WHERE rowid = ?", (r,)).fetchone()[0]
                for r in (low, high)]
    finally:
        conn.execute("COMMIT")
    return {"format": FORMAT, "columns": list(schema.COLUMNS), "version": version,
            "rows": count, "rowids": [low, high], "end_batches": ends}


def _names(path: str, found: dict) -> tuple[str, str]:
    store = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]
    content = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()[:24]
    return f"incidents-{store}-", f"incidents-{store}-{content}.arrow"


def read(path: str, found: dict) -> pa.Table | None:
    """The snapshot of ``found``, or None when there is none that matches.

    Memory-mapped: the frame's free text stays in the file's pages (the system's cache,
    shared and reclaimable), and the other columns' pages are left once converted.
    """
    _, name = _names(path, found)
    file = folder() / name
    if not file.exists():
        return None
    try:
        table = feather.read_table(file, memory_map=True)
        held = json.loads((table.schema.metadata or {}).get(_KEY, b"null"))
    except (OSError, pa.ArrowException, ValueError) as exc:
        _log.warning("Snapshot %s unreadable (%s); reading the store.", file, exc)
        return None
    if held != found or table.num_rows != found["rows"] or \
            table.column_names != list(schema.COLUMNS):
        _log.warning("Snapshot %s does not match the store; reading the store.", file)
        return None
    return table


def write(path: str, found: dict, table: pa.Table) -> None:
    """Keep ``table`` (every incident row, sorted) as the snapshot of ``found``; drop the
    store's older snapshots. A failure (full disk, read-only folder) is logged, not raised."""
    prefix, name = _names(path, found)
    target = folder() / name
    temporary = target.with_name(f".{name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        meta = dict(table.schema.metadata or {}) | {_KEY: json.dumps(found).encode()}
        feather.write_feather(table.replace_schema_metadata(meta), temporary,
                              compression="uncompressed")
        os.replace(temporary, target)
    except (OSError, pa.ArrowException) as exc:
        _log.warning("Snapshot %s not written (%s).", target, exc)
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    for old in target.parent.glob(prefix + "*.arrow"):
        if old != target:
            with contextlib.suppress(OSError):  # another process's, or open elsewhere
                old.unlink()
