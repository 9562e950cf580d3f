"""Alembic's entry point, called by :mod:`tracker.store.migrations` with an open connection."""

from __future__ import annotations

from alembic import context

from tracker.store.tables import metadata

config = context.config


def run_offline() -> None:
    """Print SQL for an empty database of the URL's kind (``tracker migrate --sql``)."""
    url = config.attributes.get("url")
    context.configure(url=url, target_metadata=metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate on the caller's connection, inside the caller's transaction."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations through tracker.store.migrations (tracker migrate).")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things in place: later revisions rebuild the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
