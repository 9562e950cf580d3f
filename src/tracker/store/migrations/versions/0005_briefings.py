"""Saved briefings: a region, a period and chosen slides, by name, shared by instances.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

The Presenter page's builder saves briefings here (:mod:`tracker.present.briefing`), so a
briefing built on one instance opens by link (``?briefing=NAME``) on every other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "briefings",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("saved_by", sa.String(200), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("briefings")
