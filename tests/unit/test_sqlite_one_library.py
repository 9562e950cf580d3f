"""One SQLite library per process: nothing in ``src/`` reaches the store's SQLite file through
a library other than Python's ``sqlite3``, the one SQLAlchemy uses for the store.

Why: SQLite's locks are POSIX advisory locks, owned by the process. A second copy of the
library (ADBC's SQLite driver, DuckDB's sqlite scanner, apsw, SQLCipher…) that closes its
handle on the file cancels the locks of every connection of the process; another process
then checkpoints and deletes the write-ahead log under the running app, and uploads saved
afterwards are lost (``tests/hostile/test_sqlite_beside_cli.py`` reproduces it).

Two checks: a scan of the sources for such libraries and SQL, and a process that imports
every ``tracker`` module and reads a SQLite store the way the app does, then lists the
SQLite libraries mapped into it. A use that is safe (e.g. DuckDB on Arrow tables in memory)
goes into :data:`ALLOWED` with its reason.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tracker

SRC = Path(tracker.__file__).resolve().parent

OTHER_SQLITE_MODULES = {
    "adbc_driver_sqlite": "ADBC's SQLite driver carries its own SQLite",
    "adbc_driver_manager": "can load ADBC's SQLite driver, which carries its own SQLite",
    "apsw": "apsw is usually built with its own SQLite",
    "pysqlite3": "a separately built SQLite",
    "sqlean": "a separately built SQLite",
    "sqlcipher3": "SQLCipher, a fork of SQLite",
    "pysqlcipher3": "SQLCipher, a fork of SQLite",
    "connectorx": "reads SQLite with its own bundled library",
    "duckdb": "DuckDB reads SQLite files with its own SQLite (the sqlite extension)",
}
"""Modules that bring (or can bring) a second SQLite library into the process."""

OTHER_SQLITE_SQL = re.compile(
    r"sqlite_(scan|attach)\b|\b(INSTALL|LOAD)\s+['\"]?sqlite|TYPE\s+['\"]?sqlite|"
    r"libsqlite3|sqlite\+(?!pysqlite\b|aiosqlite\b)\w+://",
    re.IGNORECASE)
"""Text that opens a SQLite file through another library: DuckDB's scanner, a library
loaded by hand, or a SQLAlchemy SQLite driver other than the standard library's."""

ALLOWED: dict[tuple[str, str], str] = {
    ("devtools/bench.py", "duckdb"): (
        "the benchmark's baseline: DuckDB aggregates an Arrow table in memory and never "
        "loads its sqlite extension or opens a database file"),
}
"""(file under src/tracker, module or matched text) → why this use is safe."""

ALLOWED_LIBRARIES: dict[str, str] = {
    "pyproj.libs/libsqlite3": (
        "pyproj's own SQLite, loaded with geopandas; it opens only pyproj's proj.db, never "
        "the store's file (locks clash only between handles on the same file)"),
}
"""Part of a mapped library's path → why that copy of SQLite never touches the store."""


def other_sqlite_uses(path: Path) -> list[tuple[str, int]]:
    """(module or matched text, line) of every use in ``path`` of another SQLite library."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "__import__" and node.args
              and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = OTHER_SQLITE_SQL.search(node.value)
            if match:
                found.append((match.group(0), node.lineno))
            continue
        for name in names:
            top = name.split(".")[0]
            if top in OTHER_SQLITE_MODULES:
                found.append((top, node.lineno))
    return found


def test_src_opens_sqlite_only_through_the_stores_library():
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for what, line in other_sqlite_uses(path):
            if (rel, what) not in ALLOWED:
                unexplained.append(f"src/tracker/{rel}:{line}: {what} "
                                   f"({OTHER_SQLITE_MODULES.get(what, 'another SQLite')})")
    assert not unexplained, (
        "These open SQLite through a second library, which cancels the store's locks in "
        "the same process (see tracker.store.columnar). Read through Python's sqlite3, or list "
        "the use in ALLOWED with the reason it is safe:\n" + "\n".join(unexplained))


def test_every_allowed_use_still_exists():
    """An allow-list entry for code that is gone would silently permit the next one."""
    present = {(path.relative_to(SRC).as_posix(), what)
               for path in SRC.rglob("*.py") for what, _ in other_sqlite_uses(path)}
    assert set(ALLOWED) <= present, sorted(set(ALLOWED) - present)


@pytest.mark.parametrize("source, expected", [
    ("import adbc_driver_sqlite.dbapi as adbc", "adbc_driver_sqlite"),
    ("from adbc_driver_sqlite import dbapi", "adbc_driver_sqlite"),
    ("import apsw", "apsw"),
    ("m = __import__('pysqlite3')", "pysqlite3"),
    ("con.execute(\"SELECT * FROM sqlite_scan('t.db', 'incidents')\")", "sqlite_scan"),
    ("con.execute(\"ATTACH 't.db' AS s (TYPE sqlite)\")", "TYPE sqlite"),
    ("con.execute('INSTALL sqlite')", "INSTALL sqlite"),
    ("ctypes.CDLL('libsqlite3.so.0')", "libsqlite3"),
    ("create_engine('sqlite+pysqlcipher://:key@/t.db')", "sqlite+pysqlcipher://"),
])
def test_the_scan_finds_other_sqlite_libraries(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    assert [what for what, _ in other_sqlite_uses(path)] == [expected]


@pytest.mark.parametrize("source", [
    "import sqlite3\nsqlite3.connect('t.db')",
    "create_engine('sqlite:///t.db')",
    "create_engine('sqlite+pysqlite:///t.db')",
    "text = 'the SQLite store'",
])
def test_the_scan_leaves_the_standard_library_alone(tmp_path, source):
    path = tmp_path / "m.py"
    path.write_text(source + "\n")
    assert other_sqlite_uses(path) == []


_PROBE = """
import importlib, json, pkgutil, sys
import tracker
from tracker.devtools import synth
from tracker.store.database import BatchMeta, Store
for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
    if module.name.startswith(("tracker.store.migrations.", "tracker.ui")):
        continue
    importlib.import_module(module.name)
store = Store(sys.argv[1])
store.init()
store.add_batch(synth.generate(300, seed=3), BatchMeta("s.csv", "tester"))
frame = store.load_incidents()
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps if "/" in line})
print(json.dumps({"rows": len(frame), "dbapi": store.engine.dialect.dbapi.__name__,
                  "sqlite": [m for m in mapped if "sqlite" in m.lower()]}))
"""


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux: /proc/self/maps")
def test_a_process_reading_the_store_maps_one_sqlite_library(tmp_path):
    """After the app's read of a SQLite file, the only SQLite code mapped into the process
    is Python's ``_sqlite3`` and the ``libsqlite3`` it links."""
    url = f"sqlite:///{(tmp_path / 'probe.db').as_posix()}"
    done = subprocess.run([sys.executable, "-c", _PROBE, url], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["rows"] == 300
    assert probe["dbapi"].split(".")[0] == "sqlite3"
    unexplained = [m for m in probe["sqlite"] if not Path(m).name.startswith("_sqlite3")
                   and not any(part in m for part in ALLOWED_LIBRARIES)]
    # What remains may be the libsqlite3 that Python's _sqlite3 links, and nothing else.
    assert len(unexplained) <= 1, f"a second SQLite library is mapped: {unexplained}"
    assert all(Path(m).name.startswith("libsqlite3") for m in unexplained), unexplained
