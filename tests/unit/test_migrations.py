"""Schema migrations: the revisions build exactly the tables in tracker.store.tables, on
both databases."""

from __future__ import annotations

import multiprocessing as mp

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tracker.cli import main
from tracker.store import migrations
from tracker.store.database import Store, make_engine, open_store
from tracker.store.tables import metadata

BASELINE_TABLES = ("batches", "incidents", "audit")
TABLES = {*BASELINE_TABLES, "batch_events", "accounts", "sessions", "login_failures",
          "column_mappings", "added_briefs"}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_a_new_store_is_built_by_the_migrations_and_matches_the_code(store_url):
    store = Store(store_url)
    assert _tables(store.engine) == set()
    store.init()
    assert _tables(store.engine) == TABLES | {"alembic_version"}
    assert migrations.current(store.engine) == migrations.head()
    assert migrations.drift(store.engine) == []
    store.engine.dispose()


def test_init_again_changes_nothing(store):
    assert migrations.upgrade(store.engine) == migrations.Outcome(migrations.head(),
                                                                  migrations.head())


def test_the_indexes_and_constraints_are_the_declared_ones(store):
    inspector = sa.inspect(store.engine)
    index_names = {i["name"] for i in inspector.get_indexes("incidents")}
    assert index_names == {"ix_incidents_date", "ix_incidents_province", "ix_incidents_batch"}
    key = inspector.get_pk_constraint("incidents")["constrained_columns"]
    assert key == ["incident_id", "batch_id"]  # ids are unique among live batches only
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("batches")]
    assert ["sha256"] in uniques
    fks = inspector.get_foreign_keys("incidents")
    assert [(f["constrained_columns"], f["referred_table"]) for f in fks] == [
        (["batch_id"], "batches")
    ]
    columns = {c["name"] for c in inspector.get_columns("incidents")}
    assert columns == {c.name for c in metadata.tables["incidents"].columns}


def test_a_store_made_before_migrations_is_adopted_with_its_data(store_url):
    """Tables made by create_all (no alembic_version) are stamped, not rebuilt."""
    engine = make_engine(store_url)
    metadata.create_all(engine, tables=[metadata.tables[t] for t in BASELINE_TABLES])
    legacy = Store(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit (at, actor, action) "
                             "VALUES ('2025-01-01 00:00:00', 'old', 'legacy')"))
    outcome = migrations.upgrade(engine)
    assert outcome.stamped and outcome.before is None and outcome.after == migrations.head()
    assert legacy.audit_log()["action"].tolist() == ["legacy"]
    assert legacy.seed() > 0
    engine.dispose()
    legacy.engine.dispose()


def test_downgrade_to_base_drops_every_table_and_upgrade_rebuilds_them(store):
    store.seed()
    migrations.downgrade(store.engine, "base")
    assert _tables(store.engine) <= {"alembic_version"}
    store.init()
    assert _tables(store.engine) == TABLES | {"alembic_version"}
    assert store.count_incidents() == 0


def _start_in_child(url: str, start: mp.Event, out: mp.Queue) -> None:
    """What every app process does on start: migrate, then seed."""
    start.wait(30)
    try:
        open_store(url).engine.dispose()
        out.put("ok")
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(f"{type(exc).__name__}: {exc}")


def test_several_processes_starting_at_once_migrate_and_seed_once(store_url, bundled):
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_start_in_child, args=(store_url, start, out))
             for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert results == ["ok"] * 3
    engine = make_engine(store_url)
    assert migrations.current(engine) == migrations.head()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
    store = Store(store_url)
    assert store.count_incidents() == len(bundled)
    assert store.batches()["batch_id"].tolist() == ["seed"]
    store.engine.dispose()


def test_tracker_migrate_reports_the_revision(store_url, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", store_url)
    runner = CliRunner()
    first = runner.invoke(main, ["migrate"])
    second = runner.invoke(main, ["migrate"])
    assert first.exit_code == 0, first.output
    assert f"schema empty -> {migrations.head()}" in first.output
    assert f"schema already at {migrations.head()} (newest)" in second.output


def test_tracker_migrate_sql_prints_the_ddl_without_touching_the_store(tmp_path, monkeypatch):
    url = f"sqlite:///{(tmp_path / 'never.db').as_posix()}"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    result = CliRunner().invoke(main, ["migrate", "--sql"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE incidents" in result.output
    assert "CREATE INDEX ix_incidents_date" in result.output
    assert not (tmp_path / "never.db").exists()


def test_the_migrations_ship_inside_the_package(project_root):
    """A wheel holds env.py and every revision: they are packages the build finds."""
    import tomllib

    for package in (migrations.HERE, migrations.HERE / "versions"):
        assert (package / "__init__.py").is_file()  # what setuptools' discovery looks for
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    package_data = pyproject["tool"]["setuptools"]["package-data"]["tracker.store.migrations"]
    assert "script.py.mako" in package_data
    revisions = sorted(p.name for p in (migrations.HERE / "versions").glob("[0-9]*.py"))
    assert revisions[0] == "0001_initial.py"
    assert (migrations.HERE / "env.py").is_file()


def test_drift_names_what_differs_from_the_code(store):
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_incidents_province"))
    diffs = migrations.drift(store.engine)
    assert [d[0] for d in diffs] == ["add_index"]
    assert diffs[0][1].name == "ix_incidents_province"


def test_a_table_added_in_code_without_a_migration_is_flagged_on_start(store_url, monkeypatch):
    import tracker.store.tables as store_module
    from tracker.store.database import SchemaDriftWarning

    changed = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    sa.Table("notes", changed, sa.Column("id", sa.Integer, primary_key=True))
    monkeypatch.setattr(store_module, "metadata", changed)
    with pytest.warns(SchemaDriftWarning, match="notes.*tracker migrate --new"):
        Store(store_url).init()


def test_a_new_revision_is_written_from_the_code_and_builds_what_it_describes(
        tmp_path, monkeypatch):
    """`tracker migrate --new`: autogenerate a revision, then check it builds the new table."""
    import shutil

    import tracker.store.tables as store_module

    scripts = tmp_path / "migrations"
    shutil.copytree(migrations.HERE, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "HERE", scripts)
    migrations.head.cache_clear()
    changed = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed)
    sa.Table("notes", changed, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("text", sa.Text, nullable=False))
    monkeypatch.setattr(store_module, "metadata", changed)
    try:
        scratch = make_engine(f"sqlite:///{(tmp_path / 'scratch.db').as_posix()}")
        following = f"{int(migrations.head()) + 1:04d}"  # the revision after the newest
        paths = migrations.new_revision("add notes", scratch)
        assert [p.rsplit("/", 1)[-1] for p in paths] == [f"{following}_add_notes.py"]
        written = (scripts / "versions" / f"{following}_add_notes.py").read_text()
        assert "op.create_table('notes'" in written
        fresh = make_engine(f"sqlite:///{(tmp_path / 'fresh.db').as_posix()}")
        assert migrations.upgrade(fresh).after == following
        assert "notes" in _tables(fresh)
        assert migrations.drift(fresh) == []
    finally:
        migrations.head.cache_clear()


def test_revision_0002_adds_the_shared_state_tables_to_a_0001_store(store_url):
    engine = make_engine(store_url)
    migrations.upgrade(engine, "0001")
    assert _tables(engine) == {"batches", "incidents", "audit", "alembic_version"}
    first = Store(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit (at, actor, action) "
                             "VALUES ('2025-01-01 00:00:00', 'old', 'legacy')"))
    outcome = migrations.upgrade(engine, "0002")
    assert (outcome.before, outcome.after) == ("0001", "0002")
    assert _tables(engine) == TABLES - {"batch_events"} | {"alembic_version"}
    assert first.audit_log()["action"].tolist() == ["legacy"]  # what was there stays
    assert migrations.upgrade(engine).after == migrations.head()  # and on to the newest
    assert _tables(engine) == TABLES | {"alembic_version"}
    assert migrations.drift(engine) == []
    migrations.downgrade(engine, "0001")
    assert _tables(engine) == {"batches", "incidents", "audit", "alembic_version"}
    engine.dispose()
    first.engine.dispose()
