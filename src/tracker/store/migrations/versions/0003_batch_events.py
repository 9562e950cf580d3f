"""Batch events: each batch's state after every change, with its moment (links "as of").

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

Batches carried their upload time but not when they were withdrawn, restored, reviewed or
marked sensitive, so the data as it stood at a past moment could not be rebuilt. This adds
``batch_events`` and fills it for existing batches from the audit log: the upload, then
each change to the batch in audit order. Where the log does not explain a batch's present
state (entries missing), one last event records that state at the batch's newest known
moment, so that the present is always right.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CHANGES = {
    "withdraw": ("withdrawn", True), "restore": ("withdrawn", False),
    "review": ("reviewed", True), "unreview": ("reviewed", False),
    "sensitive": ("sensitive", True), "not sensitive": ("sensitive", False),
}


def upgrade() -> None:
    events = op.create_table(
        "batch_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"),
                  nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
    )
    op.create_index("ix_batch_events_batch", "batch_events", ["batch_id"])
    if op.get_context().as_sql:  # offline SQL for an empty database: nothing to fill
        return
    rows = backfill(op.get_bind())
    if rows:
        op.bulk_insert(events, rows)


def backfill(conn: sa.Connection) -> list[dict]:
    """Events for the stored batches, replayed from the audit log (oldest first)."""
    moment = sa.DateTime(timezone=True)
    batches = sa.table("batches", sa.column("batch_id", sa.String),
                       sa.column("uploaded_at", moment), sa.column("withdrawn", sa.Boolean),
                       sa.column("reviewed", sa.Boolean),
                       sa.column("sensitive", sa.Boolean))
    audit = sa.table("audit", sa.column("id", sa.Integer), sa.column("at", moment),
                     sa.column("action", sa.String), sa.column("target", sa.String))
    log: dict[str, list] = {}
    for entry in conn.execute(sa.select(audit.c.at, audit.c.action, audit.c.target)
                              .where(audit.c.target.is_not(None)).order_by(audit.c.id)):
        log.setdefault(entry.target, []).append(entry)
    stored = conn.execute(sa.select(batches).order_by(batches.c.uploaded_at,
                                                      batches.c.batch_id)).fetchall()
    out: list[dict] = []
    for batch in stored:
        entries = log.get(batch.batch_id, [])
        now = {"withdrawn": bool(batch.withdrawn), "reviewed": bool(batch.reviewed),
               "sensitive": bool(batch.sensitive)}
        changes = [e for e in entries if e.action in _CHANGES]
        state = {"withdrawn": False}
        for flag in ("reviewed", "sensitive"):  # before its first change, the opposite of it
            first = next((_CHANGES[e.action][1] for e in changes
                          if _CHANGES[e.action][0] == flag), None)
            state[flag] = now[flag] if first is None else not first
        upload = next((e.at for e in entries if e.action == "upload"), batch.uploaded_at)
        out.append({"batch_id": batch.batch_id, "at": upload, "action": "upload", **state})
        last = upload
        for entry in changes:
            flag, value = _CHANGES[entry.action]
            state = {**state, flag: value}
            last = max(last, entry.at) if last is not None else entry.at
            out.append({"batch_id": batch.batch_id, "at": entry.at, "action": entry.action,
                        **state})
        if state != now:
            out.append({"batch_id": batch.batch_id, "at": last, "action": "migrated", **now})
    return out


def downgrade() -> None:
    op.drop_index("ix_batch_events_batch", table_name="batch_events")
    op.drop_table("batch_events")
