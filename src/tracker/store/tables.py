"""The store's tables, described once: what the migrations build and every module reads.

Kept apart from :mod:`tracker.store.database` so that the migrations (which compare the
database with :data:`metadata`) and the readers import the tables without importing the
store, and the store imports the migrations without a cycle.

Incident ids are unique among the live batches, not among all: a corrected file may bring
back the ids of a withdrawn batch. The key is therefore (incident id, batch); the store
checks live ids when it writes a batch or restores one (:mod:`tracker.store.database`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from tracker import schema


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
            nullable=not f.required,
        )
        for f in schema.FIELDS
        if f.name != "batch_id"
    ],
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False),
    sa.PrimaryKeyConstraint("incident_id", "batch_id", name="pk_incidents"),
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

briefings = sa.Table(
    "briefings",
    metadata,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("saved_by", sa.String(200), nullable=False),
    sa.Column("saved_at", UTCDateTime, nullable=False),
)
"""Saved briefings by name (:mod:`tracker.present.briefing`): the builder's choices as JSON."""

DATA_ACTIONS = ("upload", "withdraw", "restore", "review", "unreview", "sensitive",
                "not sensitive")
"""Audit actions that change which incidents a view shows (see
:meth:`tracker.store.database.Store.version`; the snapshot's key, :mod:`tracker.store.snapshot`)."""
