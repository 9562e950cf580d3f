"""The store: incidents, batches (provenance) and the audit log, behind SQLAlchemy.

The embedded default is a SQLite file (:func:`tracker.config.db_url`); PostgreSQL
(``postgresql+psycopg://…``) is the store for shared deployments, with the same behaviour.
The tables are created and changed by the migrations in :mod:`tracker.store.migrations`, run on
start. Every write is one transaction and writes its audit entry inside it,
so a batch is either wholly there, with its audit line, or not there at all. Reads return
pandas frames in the canonical shape (:func:`tracker.schema.conform`). Several processes may
write at once: the database enforces unique incident ids and file hashes, and a clash comes
back as a :class:`StoreError` with nothing written.

A batch is never deleted: withdrawing hides its incidents, restoring shows them again.
"""

from __future__ import annotations

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
from tracker.store import columnar
from tracker.store import migrations
from tracker.store import pgcopy
from tracker.store.visibility import Visibility


class UTCDateTime(sa.types.TypeDecorator):
    """A moment, stored in UTC and read back as naive UTC on every database.

    SQLite keeps no time zone and PostgreSQL answers in the session's; this makes both
    give the same values.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> Any:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC).replace(tzinfo=None)


metadata = sa.MetaData()

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=True, unique=True),
    sa.Column("format", sa.String(40), nullable=False, default="canonical"),
    sa.Column("mapping", sa.Text, nullable=True),
    sa.Column("rows", sa.Integer, nullable=False, default=0),
    sa.Column("accepted", sa.Integer, nullable=False, default=0),
    sa.Column("rejected", sa.Integer, nullable=False, default=0),
    sa.Column("duplicates", sa.Integer, nullable=False, default=0),
    sa.Column("outside_pakistan", sa.Integer, nullable=False, default=0),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("uploaded_at", UTCDateTime, nullable=False),
    sa.Column("reviewed", sa.Boolean, nullable=False, default=False),
    sa.Column("reviewed_by", sa.String(200), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("withdrawn", sa.Boolean, nullable=False, default=False),
    sa.Column("sensitive", sa.Boolean, nullable=False, default=False),
)

_COLUMN_TYPES: dict[str, Any] = {
    "text": sa.Text,
    "date": sa.Date,
    "number": sa.Float,
    "count": sa.Integer,
}

incidents = sa.Table(
    "incidents",
    metadata,
    *[
        sa.Column(
            f.name,
            sa.String(200) if f.name == "incident_id" else _COLUMN_TYPES[f.kind],
            primary_key=f.name == "incident_id",
            nullable=not f.required,
        )
        for f in schema.FIELDS
        if f.name != "batch_id"
    ],
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False),
    sa.Index("ix_incidents_date", "date"),
    sa.Index("ix_incidents_province", "province"),
    sa.Index("ix_incidents_batch", "batch_id"),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
)

# --- state that every instance shares (accounts, sign-in, mappings, added briefs) ---------

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("password_changed_at", UTCDateTime, nullable=True),
)
"""Local accounts: argon2id hashes only (``NULL`` for accounts that sign in by SSO)."""

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(100), sa.ForeignKey("accounts.name", ondelete="CASCADE"),
              nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Index("ix_sessions_name", "name"),
)
"""Open sign-ins, by the sha256 of the token the browser session holds. Deleting a row
ends that session on every instance at its next action."""

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("known", sa.Boolean, nullable=False),
    sa.Index("ix_login_failures_name", "name"),
    sa.Index("ix_login_failures_address", "address"),
)
"""Failed sign-ins in the throttling window (older rows are pruned)."""

column_mappings = sa.Table(
    "column_mappings",
    metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("header", sa.Text, nullable=False),
    sa.Column("mapping", sa.Text, nullable=False),
    sa.Column("saved_at", UTCDateTime, nullable=False),
)
"""Confirmed column mappings, by header signature (:func:`tracker.ingest.mappings.signature`)."""

added_briefs = sa.Table(
    "added_briefs",
    metadata,
    sa.Column("brief_id", sa.String(200), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("added_by", sa.String(200), nullable=False),
    sa.Column("added_at", UTCDateTime, nullable=False),
)
"""Briefs added through the app, byte for byte as uploaded."""


batch_events = sa.Table(
    "batch_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("reviewed", sa.Boolean, nullable=False),
    sa.Column("sensitive", sa.Boolean, nullable=False),
    sa.Index("ix_batch_events_batch", "batch_id"),
)
"""Each batch's state after every change (upload, withdraw, restore, review, marking), with
its moment: what :func:`batch_states` reads to show the data as it stood at a past moment."""


def batch_states(as_of: dt.datetime | None = None) -> sa.FromClause:
    """(batch_id, withdrawn, reviewed, sensitive) of every batch, live or as at ``as_of``.

    Live, that is the batches table. At a past moment it is each batch's newest state
    recorded at or before it; a batch committed later has no such state, so it is absent.
    """
    if as_of is None:
        return batches
    ev = batch_events
    latest = (sa.select(sa.func.max(ev.c.id)).where(ev.c.at <= as_of)
              .group_by(ev.c.batch_id))
    return (sa.select(ev.c.batch_id, ev.c.withdrawn, ev.c.reviewed, ev.c.sensitive)
            .where(ev.c.id.in_(latest)).subquery("states"))


def visible_batches(as_of: dt.datetime | None = None, *, include_withdrawn: bool = False,
                    reviewed_only: bool = False, include_sensitive: bool = True) -> sa.Select:
    """The ids of the batches a reader sees: the one visibility rule of every read path
    (SQLAlchemy, columnar SQLite, PostgreSQL COPY), live or as of a past moment.

    Which states are shown is :class:`tracker.store.visibility.Visibility` (the publication
    rule); the states themselves are those of the batches at ``as_of``."""
    rule = Visibility(include_withdrawn, reviewed_only, include_sensitive)
    states = batch_states(as_of)
    return sa.select(states.c.batch_id).where(*rule.conditions(states.c))


DATA_ACTIONS = ("upload", "withdraw", "restore", "review", "unreview", "sensitive",
                "not sensitive")
"""Audit actions that change which incidents a view shows (see :meth:`Store.version`)."""


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
                f"The store's tables differ from tracker.store.database ({diffs[:3]}): a table was "
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

        ``as_of`` (a UTC moment) gives the data as it stood then (:func:`visible_batches`).

        An embedded SQLite store is read column by column (:mod:`tracker.store.columnar`), which
        is many times faster for large stores; other databases go through SQLAlchemy.
        """
        fast = columnar.load_incidents(
            self.engine, self.url, include_withdrawn=include_withdrawn,
            reviewed_only=reviewed_only, include_sensitive=include_sensitive, as_of=as_of,
        )
        if fast is not None:
            return fast
        if self.engine.dialect.name == "postgresql":
            return pgcopy.read_incidents(
                self.engine, include_withdrawn=include_withdrawn,
                reviewed_only=reviewed_only, include_sensitive=include_sensitive, as_of=as_of,
            )
        query = sa.select(incidents).where(incidents.c.batch_id.in_(visible_batches(
            as_of, include_withdrawn=include_withdrawn, reviewed_only=reviewed_only,
            include_sensitive=include_sensitive)))
        query = query.order_by(incidents.c.date, incidents.c.incident_id)
        with self.engine.connect() as conn:
            result = conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        return schema.conform(frame).reset_index(drop=True)

    def incident_keys(self) -> pd.DataFrame:
        """id, date, district, attack type, counts and source of every stored incident.

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
            result = conn.execute(sa.select(*cols))
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
                if dialect == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                elif dialect == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
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
                _event(conn, batch_id, "upload")
                _audit(conn, meta.uploaded_by, "upload", batch_id,
                       f"{meta.file_name}: {written} incidents")
        except sa.exc.IntegrityError as exc:
            raise StoreError(_integrity_message(exc, meta)) from exc
        except sa.exc.OperationalError as exc:
            raise StoreError(
                f"The database refused the write ({_short(exc)}). Nothing was saved; "
                "try the upload again."
            ) from exc
        return batch_id

    def set_withdrawn(self, batch_id: str, withdrawn: bool, actor: str) -> None:
        """Withdraw (hide) or restore a batch; recorded in the audit log."""
        self._update_batch(batch_id, actor, "withdraw" if withdrawn else "restore",
                           withdrawn=withdrawn)

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
            _audit(conn, actor, action, target, detail)

    def _update_batch(self, batch_id: str, actor: str, action: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                batches.update().where(batches.c.batch_id == batch_id).values(**values)
            )
            if done.rowcount == 0:
                raise StoreError(f"There is no batch {batch_id!r}.")
            _event(conn, batch_id, action)
            _audit(conn, actor, action, batch_id, None)

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


def _audit(conn: sa.Connection, actor: str, action: str, target: str | None,
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


def _event(conn: sa.Connection, batch_id: str, action: str) -> None:
    """Record the batch's state after a change, with its moment (see :func:`batch_states`)."""
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
