"""The first schema: batches (provenance), incidents and the audit log.

Revision ID: 0001
Revises:
Create Date: 2025-11-26

Written out column by column (not generated from ``tracker.store.tables`` at run time) so that it
keeps describing the first schema after the code moves on. A test checks that the tables it
creates, plus every later revision, equal the tables in ``tracker.store.tables``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(64), primary_key=True),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True, unique=True),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("mapping", sa.Text, nullable=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("outside_pakistan", sa.Integer, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(200), primary_key=True),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("date_precision", sa.Text, nullable=False),
        sa.Column("province", sa.Text, nullable=False),
        sa.Column("district", sa.Text, nullable=True),
        sa.Column("location", sa.Text, nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("geo_precision", sa.Text, nullable=False),
        sa.Column("attack_type", sa.Text, nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("perpetrator", sa.Text, nullable=False),
        sa.Column("claimed", sa.Text, nullable=False),
        sa.Column("killed", sa.Integer, nullable=True),
        sa.Column("injured", sa.Integer, nullable=True),
        sa.Column("militants_killed", sa.Integer, nullable=True),
        sa.Column("killed_claimed", sa.Integer, nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("notes", sa.Text, nullable=True),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False),
    )
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.create_index("ix_incidents_province", "incidents", ["province"])
    op.create_index("ix_incidents_batch", "incidents", ["batch_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_index("ix_incidents_batch", table_name="incidents")
    op.drop_index("ix_incidents_province", table_name="incidents")
    op.drop_index("ix_incidents_date", table_name="incidents")
    op.drop_table("incidents")
    op.drop_table("batches")
