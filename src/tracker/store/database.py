"""The store: incidents, batches (provenance) and the audit log, behind SQLAlchemy.

The embedded default is a SQLite file (:func:`tracker.config.db_url`); PostgreSQL
(``postgresql+psycopg://…``) is the store for shared deployments, with the same behaviour.
The tables (:mod:`tracker.store.tables`) are created and changed by the migrations in
:mod:`tracker.store.migrations`, run on start. Every write is one transaction and writes its
audit entry inside it, so a batch is either wholly there, with its audit line, or not there
at all. Reads return pandas frames in the canonical shape (:func:`tracker.schema.conform`).
Several processes may write at once: under the store's write lock, incident ids stay unique
among live batches and file hashes unique, and a clash comes back as a :class:`StoreError`
with nothing written.

A batch is never deleted: withdrawing hides its incidents, restoring shows them again, and a
corrected file may replace a batch in one transaction (:meth:`Store.replacing`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event

from tracker import config, schema
from tracker.store import bulkwrite, columnar, migrations, pgcopy
from tracker.store.tables import (  # noqa: F401  (the tables, also read from here)
    DATA_ACTIONS,
    UTCDateTime,
    accounts,
    added_briefs,
    audit,
    batch_events,
    batches,
    column_mappings,
    incidents,
    login_failures,
    metadata,
    sessions,
)
from tracker.store.visibility import EVERYTHING, Visibility, visible_batch_ids


class StoreError(RuntimeError):
    """A write the store refused, with a message meant for the user."""


class SchemaDriftWarning(UserWarning):
    """The tables in the database differ from the tables described in this module."""


@dataclass
class BatchMeta:
    """Provenance of one upload."""

    file_name: str
    uploaded_by: str
    sha256: str | None = None
    format: str = "canonical"
    mapping: dict[str, str] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    reviewed: bool = False
    sensitive: bool = False


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """One database holding incidents, batches and the audit log.

    >>> store = Store("sqlite://")          # in memory
    >>> store.init()
    >>> len(store.load_incidents())
    0
    """

    replaces: str | None = None
    """The batch the next upload replaces (see :meth:`replacing`)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or config.db_url()
        self.engine = make_engine(self.url)

    # --- schema ----------------------------------------------------------------------

    def init(self) -> None:
        """Bring the tables to the newest schema revision (safe on every start).

        Runs the migrations in :mod:`tracker.store.migrations`: one cheap query when the store is
        current; several processes starting at once migrate it exactly once.
        """
        outcome = migrations.upgrade(self.engine)
        if outcome.changed and (diffs := migrations.drift(self.engine)):
            warnings.warn(
                f"The store's tables differ from tracker.store.tables ({diffs[:3]}): a table was "
                "changed without a migration. Write one with `tracker migrate --new MESSAGE`.",
                SchemaDriftWarning, stacklevel=2,
            )

    # --- reads -----------------------------------------------------------------------

    def load_incidents(
        self,
        *,
        include_withdrawn: bool = False,
        reviewed_only: bool = False,
        include_sensitive: bool = True,
        as_of: dt.datetime | None = None,
    ) -> pd.DataFrame:
        """All visible incidents as a canonical frame, oldest first.

        The frame is :func:`tracker.schema.conform`'s ``text="loaded"`` shape: the free-text
        columns (:data:`tracker.schema.LONG_TEXT`) are pandas' ``str`` (NaN when missing),
        other text is ``object`` with ``None``.

        ``as_of`` (a UTC moment) gives the data as it stood then; which batches are read is
        :func:`tracker.store.visibility.visible_batch_ids`, on every path.

        An embedded SQLite store is read column by column (:mod:`tracker.store.columnar`), which
        is many times faster for large stores; other databases go through SQLAlchemy.
        """
        rule = Visibility(include_withdrawn, reviewed_only, include_sensitive)
        fast = columnar.load_incidents(self.engine, self.url, rule, as_of)
        if fast is not None:
            return fast
        if self.engine.dialect.name == "postgresql":
            return pgcopy.read_incidents(self.engine, rule, as_of)
        query = sa.select(incidents).where(
            incidents.c.batch_id.in_(visible_batch_ids(rule, as_of)))
        query = query.order_by(incidents.c.date, incidents.c.incident_id)
        with self.engine.connect() as conn:
            result = conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        return schema.conform(frame, text="loaded").reset_index(drop=True)

    def incident_keys(self, rule: Visibility = EVERYTHING) -> pd.DataFrame:
        """id, date, district, attack type, counts and source of every incident ``rule``
        shows (by default every live batch's: withdrawn batches are no twins).

        The small frame duplicate detection compares an upload against.
        """
        cols = [
            incidents.c.incident_id,
            incidents.c.date,
            incidents.c.province,
            incidents.c.district,
            incidents.c.attack_type,
            incidents.c.killed,
            incidents.c.injured,
            incidents.c.source_url,
            incidents.c.batch_id,
        ]
        with self.engine.connect() as conn:
            query = sa.select(*cols).where(incidents.c.batch_id.in_(visible_batch_ids(rule)))
            if self.replaces is not None:
                query = query.where(incidents.c.batch_id != self.replaces)
            result = conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if frame.empty:
            frame = pd.DataFrame(columns=[c.name for c in cols])
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        return frame

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first."""
        with self.engine.connect() as conn:
            result = conn.execute(sa.select(batches).order_by(batches.c.uploaded_at.desc()))
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(batches).where(batches.c.batch_id == batch_id)
            ).mappings().first()
        return dict(row) if row else None

    def batch_by_hash(self, sha256: str) -> dict[str, Any] | None:
        """The batch that brought a file with this content, if any (same file again)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(batches).where(batches.c.sha256 == sha256)
            ).mappings().first()
        return dict(row) if row else None

    def audit_log(self, limit: int | None = None) -> pd.DataFrame:
        """The audit log, newest first."""
        query = sa.select(audit).order_by(audit.c.id.desc())
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def version(self) -> int:
        """A number that grows with every change to what the incidents show (the newest
        audit id of such a change).

        Cheap to ask on every rerun; a cache keyed on it refreshes when a batch lands,
        is withdrawn, restored, reviewed or marked, from this process or another. Other
        entries (sign-ins, failed logins, account changes) leave it alone, so that they
        never make every session reload the incident table.
        """
        query = sa.select(sa.func.max(audit.c.id)).where(audit.c.action.in_(DATA_ACTIONS))
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def changed_since(self, as_of: dt.datetime) -> bool:
        """Whether any batch landed, or was withdrawn, restored, reviewed or marked, after
        ``as_of`` (a view as of then is no longer the live one)."""
        query = sa.select(batch_events.c.id).where(batch_events.c.at > as_of).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def batch_moment(self, batch_id: str) -> dt.datetime | None:
        """When a batch was committed (naive UTC), for links "as of" a batch id."""
        query = sa.select(sa.func.min(batch_events.c.at)).where(
            batch_events.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def count_incidents(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(incidents)).scalar())

    # --- writes ----------------------------------------------------------------------

    def add_batch(self, frame: pd.DataFrame, meta: BatchMeta, batch_id: str | None = None,
                  *, check: Any = None, chunk_rows: int = 50_000,
                  saved: Any = None) -> str:
        """Write a validated canonical frame as one batch, in one transaction.

        ``frame`` may also be any sized iterable of such frames (read from disk one at a
        time by a big upload), written as one batch.

        The transaction first takes the store's write lock (``BEGIN IMMEDIATE`` on SQLite,
        a table lock on PostgreSQL), then calls ``check()``, if given, which may raise
        :class:`StoreError` or return a new frame and meta to write instead: a duplicate
        re-check there sees every batch saved before and none saved during it. Rows are
        built and written ``chunk_rows`` at a time (``saved(n)`` told after each), so a
        large batch never exists twice in memory.

        Raises :class:`StoreError` when the same file was uploaded before or an
        incident id already exists; nothing is written then.
        """
        batch_id = batch_id or new_batch_id()
        # SQLite and PostgreSQL take the rows as tuples built column by column (many times
        # faster for big uploads; PostgreSQL by COPY); others get SQLAlchemy's typed inserts.
        dialect = self.engine.dialect.name
        bulk = dialect in ("sqlite", "postgresql")
        try:
            with self.engine.begin() as conn:
                _write_lock(conn)
                if self.replaces is not None:  # withdrawn in the same transaction
                    self._withdraw_replaced(conn, meta.uploaded_by, batch_id)
                if check is not None:
                    frame, meta = check()
                written = 0
                conn.execute(
                    batches.insert().values(
                        batch_id=batch_id,
                        file_name=meta.file_name,
                        sha256=meta.sha256,
                        format=meta.format,
                        mapping=json.dumps(meta.mapping) if meta.mapping else None,
                        rows=meta.counts.get("rows", len(frame)),
                        accepted=meta.counts.get("accepted", len(frame)),
                        rejected=meta.counts.get("rejected", 0),
                        duplicates=meta.counts.get("duplicates", 0),
                        outside_pakistan=meta.counts.get("outside_pakistan", 0),
                        uploaded_by=meta.uploaded_by,
                        uploaded_at=now(),
                        reviewed=meta.reviewed,
                        sensitive=meta.sensitive,
                        withdrawn=False,
                    )
                )
                wholes = [frame] if isinstance(frame, pd.DataFrame) else frame
                with bulkwrite.large_batch(conn, len(frame)) as large:
                    for whole, start in ((w, s) for w in wholes
                                         for s in range(0, len(w), chunk_rows)):
                        part = whole.iloc[start:start + chunk_rows]
                        rows = (columnar.incident_tuples(part, batch_id) if bulk
                                else _records(part, batch_id))
                        if dialect == "postgresql":
                            pgcopy.insert_incidents(conn, rows)
                        elif bulk:
                            columnar.insert_incidents(conn, rows)
                        else:
                            for chunk in _chunks(rows, 5000):
                                conn.execute(incidents.insert(), chunk)
                        written += len(rows)
                        del rows
                        if saved is not None:
                            saved(written)
                if clash := _live_clash(conn, batch_id, from_others=large):
                    raise StoreError(
                        "Some incident ids in this file are already in the store (for "
                        f"example {clash!r}). Nothing was saved; check the duplicates in "
                        "the preview.")
                _event(conn, batch_id, "upload")
                detail = f"{meta.file_name}: {written} incidents"
                if self.replaces is not None:
                    detail += f"; replaces batch {self.replaces}"
                write_audit(conn, meta.uploaded_by, "upload", batch_id, detail)
        except sa.exc.IntegrityError as exc:
            raise StoreError(_integrity_message(exc, meta)) from exc
        except sa.exc.OperationalError as exc:
            raise StoreError(
                f"The database refused the write ({_short(exc)}). Nothing was saved; "
                "try the upload again."
            ) from exc
        return batch_id

    def set_withdrawn(self, batch_id: str, withdrawn: bool, actor: str) -> None:
        """Withdraw (hide) or restore a batch; recorded in the audit log.

        A batch is restored only while none of its incident ids is live in another batch
        (e.g. the corrected file that replaced it): ids are unique among live batches.
        """
        if withdrawn:
            self._update_batch(batch_id, actor, "withdraw", withdrawn=True)
            return
        with self.engine.begin() as conn:
            _write_lock(conn)
            self._update(conn, batch_id, actor, "restore", withdrawn=False)
            if clash := _live_clash(conn, batch_id):
                raise StoreError(
                    f"Batch {batch_id} cannot be restored: its incident {clash!r} is live in "
                    "another batch (perhaps the file that replaced it). Withdraw that batch "
                    "first.")

    def replacing(self, batch_id: str) -> Store:
        """This store, seen as if ``batch_id`` were withdrawn: its incidents are no twins,
        and the next :meth:`add_batch` withdraws it in the same transaction (a corrected
        file replacing a batch: one audited step)."""
        view = copy.copy(self)
        view.replaces = batch_id
        return view

    def _withdraw_replaced(self, conn: sa.Connection, actor: str, new: str) -> None:
        batch = conn.execute(sa.select(batches.c.withdrawn).where(
            batches.c.batch_id == self.replaces)).first()
        if batch is None:
            raise StoreError(f"There is no batch {self.replaces!r} to replace.")
        if batch.withdrawn:
            raise StoreError(f"Batch {self.replaces} is withdrawn already; upload the "
                             "corrected file as a new batch.")
        conn.execute(batches.update().where(batches.c.batch_id == self.replaces)
                     .values(withdrawn=True))
        _event(conn, self.replaces, "withdraw")
        write_audit(conn, actor, "withdraw", self.replaces,
               f"replaced by a corrected file (batch {new})")

    def mark_reviewed(self, batch_id: str, actor: str, reviewed: bool = True) -> None:
        self._update_batch(batch_id, actor, "review" if reviewed else "unreview",
                           reviewed=reviewed, reviewed_by=actor if reviewed else None,
                           reviewed_at=now() if reviewed else None)

    def mark_sensitive(self, batch_id: str, actor: str, sensitive: bool = True) -> None:
        self._update_batch(batch_id, actor, "sensitive" if sensitive else "not sensitive",
                           sensitive=sensitive)

    def record(self, actor: str, action: str, target: str | None = None,
               detail: str | None = None) -> None:
        """Add an audit entry on its own (logins, account changes, briefs added)."""
        with self.engine.begin() as conn:
            write_audit(conn, actor, action, target, detail)

    def _update_batch(self, batch_id: str, actor: str, action: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            self._update(conn, batch_id, actor, action, **values)

    @staticmethod
    def _update(conn: sa.Connection, batch_id: str, actor: str, action: str,
                **values: Any) -> None:
        done = conn.execute(
            batches.update().where(batches.c.batch_id == batch_id).values(**values)
        )
        if done.rowcount == 0:
            raise StoreError(f"There is no batch {batch_id!r}.")
        _event(conn, batch_id, action)
        write_audit(conn, actor, action, batch_id, None)

    # --- seeding ---------------------------------------------------------------------

    def seed(self, csv_path: Path | None = None) -> int:
        """Load the bundled real incidents once; return how many were added (0 if seeded)."""
        self.init()
        if self.batch(schema.SEED_BATCH) is not None:
            return 0
        path = csv_path or config.data_dir() / "incidents.csv"
        frame = read_canonical_csv(path)
        valid, problems = schema.validate(frame)
        if not problems.empty:
            raise StoreError(f"{path} does not validate: {problems.head().to_dict('records')}")
        meta = BatchMeta(
            file_name=Path(path).name, uploaded_by="system", format="canonical",
            reviewed=True, counts={"rows": len(frame), "accepted": len(frame)},
        )
        try:
            self.add_batch(valid, meta, batch_id=schema.SEED_BATCH)
        except StoreError:
            if self.batch(schema.SEED_BATCH) is not None:  # another process seeded first
                return 0
            raise
        return len(valid)


def read_canonical_csv(path: Path) -> pd.DataFrame:
    """Read a file in the canonical columns (e.g. ``data/incidents.csv``)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return schema.conform(raw)


def make_engine(url: str) -> sa.Engine:
    """An engine for the store: SQLite set up for several readers and one writer at a time;
    other databases (PostgreSQL) with connections checked before use."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def new_batch_id() -> str:
    """A sortable, unique batch id: UTC time plus random hex."""
    import secrets

    return now().strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)


def open_store(url: str | None = None, *, seed: bool = True) -> Store:
    """The configured store, tables created and (by default) seeded with the bundled data."""
    store = Store(url)
    store.init()
    from tracker.store import statefiles

    statefiles.import_once(store)
    if seed:
        store.seed()
    return store


_shared: dict[str, Store] = {}


def shared_store(url: str | None = None) -> Store:
    """One migrated store per URL in this process, for state reads and writes (mappings,
    added briefs) from code that is not handed a store."""
    url = url or config.db_url()
    if url not in _shared:
        _shared[url] = open_store(url, seed=False)
    return _shared[url]


def _records(frame: pd.DataFrame, batch_id: str) -> list[dict[str, Any]]:
    frame = schema.conform(frame)
    frame["batch_id"] = batch_id
    out = frame.astype(object).where(frame.notna(), None)
    records = out.to_dict("records")
    for rec in records:
        if rec["date"] is not None:
            rec["date"] = pd.Timestamp(rec["date"]).date()
        for name in schema.COUNT_COLUMNS:
            if rec[name] is not None:
                rec[name] = int(rec[name])
    return records


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


#: Key of the PostgreSQL advisory lock that orders audit ids by commit (any fixed number).
AUDIT_LOCK = 7_411_020_250_315


def write_audit(conn: sa.Connection, actor: str, action: str, target: str | None,
                detail: str | None) -> None:
    """Add the audit row, as the last statement of the write's transaction.

    :meth:`Store.version` is the newest audit id, so ids must become visible in the order
    they are handed out: otherwise a reader that saw id n+1 would never notice id n when it
    commits later. SQLite has one writer at a time; on PostgreSQL a transaction-level lock,
    held from here to commit, gives the same order.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    conn.execute(audit.insert().values(at=now(), actor=actor, action=action,
                                       target=target, detail=detail))


_audit = write_audit  # the name it had before; kept for existing callers


def _write_lock(conn: sa.Connection) -> None:
    """Take the store's write lock for this transaction: one batch written or restored at
    a time, so the check of live incident ids sees every batch committed before."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")


def _live_clash(conn: sa.Connection, batch_id: str, from_others: bool = False) -> str | None:
    """An incident id of ``batch_id`` that another live batch holds too, if any.

    Ids are unique among live batches (a withdrawn batch's ids may come back in a
    corrected file); the database keys rows by id and batch, so this check keeps the rule.
    ``from_others`` looks each other live row up in the batch instead of each of the
    batch's rows in the others: the cheaper way round for a batch larger than the store.
    """
    mine, other = incidents.alias("mine"), incidents.alias("other")
    if from_others:
        others = [b for b in conn.execute(visible_batch_ids(EVERYTHING)).scalars()
                  if b != batch_id]
        query = (sa.select(other.c.incident_id)
                 .where(other.c.batch_id.in_(others),
                        sa.exists().where(mine.c.incident_id == other.c.incident_id,
                                          mine.c.batch_id == batch_id))
                 .limit(1))
        return conn.execute(query).scalar() if others else None
    query = (sa.select(mine.c.incident_id)
             .join(other, sa.and_(other.c.incident_id == mine.c.incident_id,
                                  other.c.batch_id != mine.c.batch_id))
             .where(mine.c.batch_id == batch_id,
                    other.c.batch_id.in_(visible_batch_ids(EVERYTHING)))
             .limit(1))
    return conn.execute(query).scalar()


def _event(conn: sa.Connection, batch_id: str, action: str) -> None:
    """Record the batch's state after a change, with its moment (see
    :func:`tracker.store.visibility.batch_states`)."""
    conn.execute(batch_events.insert().from_select(
        ["batch_id", "at", "action", "withdrawn", "reviewed", "sensitive"],
        sa.select(batches.c.batch_id, sa.literal(now(), UTCDateTime), sa.literal(action),
                  batches.c.withdrawn, batches.c.reviewed, batches.c.sensitive)
        .where(batches.c.batch_id == batch_id),
    ))


def _integrity_message(exc: sa.exc.IntegrityError, meta: BatchMeta) -> str:
    text = str(exc.orig).lower()
    if "sha256" in text:
        return (f"{meta.file_name} was uploaded before (same content). Nothing was saved; "
                "restore the earlier batch if it was withdrawn.")
    if "incident_id" in text or "incidents" in text:
        return ("Some incident ids in this file are already in the store. Nothing was saved; "
                "check the duplicates in the preview.")
    return f"The database refused the batch ({_short(exc)}). Nothing was saved."


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
