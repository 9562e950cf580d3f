"""Schema migrations for the store (Alembic), run from the package, no ``alembic.ini``.

The store's tables are described once, in :mod:`tracker.store.tables`; each change to them is a
revision under ``versions/`` that works on SQLite and PostgreSQL alike. :func:`upgrade` runs
on every start (``Store.init``) and from ``tracker migrate``. It is safe when several app
processes start at once: the whole upgrade is one transaction taken under a lock
(PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``), so one process migrates and the
others find the schema current.

A store made before migrations existed (tables present, no ``alembic_version``) is stamped
at :data:`BASELINE` first, since that revision creates exactly those tables.

To change the schema: edit the tables in :mod:`tracker.store.tables`, then
``tracker migrate --new "what changed"`` writes a revision from the difference; read it,
fix what autogenerate cannot know (data moves, renames), and commit it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

HERE = Path(__file__).resolve().parent
BASELINE = "0001"
#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
MIGRATION_LOCK = 7_411_020_250_316


@dataclass(frozen=True)
class Outcome:
    """What :func:`upgrade` found and left: revisions before and after (None = empty)."""

    before: str | None
    after: str | None
    stamped: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """An Alembic configuration pointing at this package (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", HERE.as_posix())
    cfg.attributes["connection"] = connection
    cfg.attributes["url"] = url
    return cfg


@functools.cache
def head() -> str:
    """The newest revision shipped with this package."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"The migrations have {len(heads)} heads ({heads}); merge them.")
    return heads[0]


def current(engine: sa.Engine) -> str | None:
    """The store's revision, or None when it has never been migrated."""
    with engine.connect() as conn:
        return _current(conn)


def upgrade(engine: sa.Engine, revision: str = "head") -> Outcome:
    """Bring the store to ``revision`` (default: the newest), once, under a lock.

    Cheap when the store is current: one query, no lock, nothing written.
    """
    target = head() if revision == "head" else revision
    with engine.connect() as conn:
        before = _current(conn)
    if before == target:
        return Outcome(before, before)
    with engine.connect() as conn, conn.begin():
        _lock(conn)
        before = _current(conn)  # another process may have migrated while we waited
        stamped = False
        if before is None and sa.inspect(conn).has_table("batches"):
            command.stamp(alembic_config(conn), BASELINE)
            stamped = True
        command.upgrade(alembic_config(conn), revision)
        after = _current(conn)
    return Outcome(before, after, stamped)


def downgrade(engine: sa.Engine, revision: str) -> Outcome:
    """Take the store back to ``revision`` (``base`` drops every table)."""
    with engine.connect() as conn, conn.begin():
        _lock(conn)
        before = _current(conn)
        command.downgrade(alembic_config(conn), revision)
        after = _current(conn)
    return Outcome(before, after)


def sql(url: str, revision: str = "head") -> str:
    """The SQL an upgrade from an empty database would run, for review (offline mode)."""
    import contextlib
    import io

    cfg = alembic_config(url=url)
    buffer = io.StringIO()
    cfg.output_buffer = buffer
    with contextlib.redirect_stdout(buffer):
        command.upgrade(cfg, revision, sql=True)
    return buffer.getvalue()


def drift(engine: sa.Engine) -> list[Any]:
    """Differences between the store's tables and :data:`tracker.store.tables.metadata`.

    Empty when the migrations describe the tables exactly; anything else means a table
    was changed in code without a revision (``tracker migrate --new``).
    """
    from alembic.autogenerate import compare_metadata

    from tracker.store.tables import metadata

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, metadata)


def new_revision(message: str, engine: sa.Engine) -> list[str]:
    """Write a revision for the difference between ``engine`` (at head) and the code.

    ``engine`` should be a scratch database; it is upgraded to head first.
    Returns the paths written.
    """
    upgrade(engine)
    with engine.connect() as conn:
        cfg = alembic_config(conn)
        scripts = command.revision(cfg, message=message, autogenerate=True,
                                   rev_id=_next_rev_id())
    scripts = scripts if isinstance(scripts, list) else [scripts]
    head.cache_clear()
    return [s.path for s in scripts if s is not None]


def _next_rev_id() -> str:
    numbers = [int(s.revision) for s in ScriptDirectory.from_config(alembic_config())
               .walk_revisions() if s.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def _current(conn: sa.Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    return heads[0] if heads else None


def _lock(conn: sa.Connection) -> None:
    """Serialise migrations across processes for the rest of this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
