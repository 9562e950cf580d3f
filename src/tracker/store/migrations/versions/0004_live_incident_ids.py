"""Incident ids unique among live batches: the incidents' key becomes (incident id, batch).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Withdrawing a batch hides its incidents but keeps them, so that it can be restored. With
the incident id as the key, those hidden rows still held their ids, and a corrected file
with the same rows could not be saved: withdrawing was no undo. The store now checks ids
against the live batches when it writes or restores a batch (``Store.add_batch``,
``Store.set_withdrawn``), and the table keeps one row per id and batch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rekey("incidents_pkey", "pk_incidents", ["incident_id", "batch_id"])


def downgrade() -> None:
    """Back to one row per id: fails while a withdrawn batch shares ids with another."""
    _rekey("pk_incidents", "incidents_pkey", ["incident_id"])


def _rekey(old_name: str, new_name: str, key: list[str]) -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    if op.get_context().as_sql:  # offline SQL for an empty database: nothing to reflect
        if sqlite:  # the review output shows the rebuild with the tables of this release
            from tracker.store.tables import incidents

            with op.batch_alter_table("incidents", copy_from=incidents, recreate="always"):
                pass
        else:
            op.drop_constraint(old_name, "incidents", type_="primary")
            op.create_primary_key(new_name, "incidents", key)
        return
    now = sa.inspect(op.get_bind()).get_pk_constraint("incidents")
    if now["constrained_columns"] == key:  # made with this key already (e.g. create_all)
        return
    if not sqlite:
        op.drop_constraint(now["name"] or old_name, "incidents", type_="primary")
        op.create_primary_key(new_name, "incidents", key)
        return
    # SQLite cannot change a key in place: the table is rebuilt with the new one, its
    # columns, foreign key and indexes as they are in the database.
    meta = sa.MetaData()
    old = sa.Table("incidents", meta, autoload_with=op.get_bind())
    new_meta = sa.MetaData()
    sa.Table("batches", new_meta, autoload_with=op.get_bind())
    new = sa.Table(
        "incidents", new_meta,
        *[sa.Column(c.name, c.type, nullable=c.nullable) for c in old.columns],
        sa.PrimaryKeyConstraint(*key, name=new_name),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.batch_id"]),
        *[sa.Index(i.name, *[c.name for c in i.columns]) for i in old.indexes],
    )
    with op.batch_alter_table("incidents", copy_from=new, recreate="always"):
        pass
