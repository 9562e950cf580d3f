"""The command line beside a running app on the embedded SQLite store loses nothing.

The failure this guards against: the app read its store through a second copy of the
SQLite library (the ADBC driver) beside Python's ``sqlite3``. Closing that copy's handle
dropped every POSIX lock the process held on the file, so a ``tracker`` command run beside
the app believed it was the last user, checkpointed and deleted the write-ahead log under
the app. The app then saved uploads into a deleted file: "on the dashboard now", yet no
other process saw them, and a crash lost them.

Here each actor is its own process, as in real use: the app (``tests.hostile.app_holder``),
the command line (``python -m tracker.cli``) and a fresh reader.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tracker
from tests.hostile import files

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

PROC = Path("/proc/self/fd").is_dir()
"""Linux shows which files a process holds open; elsewhere only the files on disk are checked."""


def _env(tmp_path: Path) -> dict[str, str]:
    """The children import this tracker and these tests, on a store in ``tmp_path``."""
    src = str(Path(tracker.__file__).resolve().parents[1])
    path = os.pathsep.join([src, str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, "TRACKER_STATE_DIR": str(tmp_path / "state"),
            "TRACKER_DB_URL": f"sqlite:///{(tmp_path / 't.db').as_posix()}"}


class App:
    """The app process: started, asked, killed."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hostile.app_holder"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
            bufsize=1)
        self.started = self.read()

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=30)
            raise AssertionError(f"the app process ended: {self.proc.returncode}")
        return json.loads(line)

    def open_files(self) -> dict[str, tuple[int, int]]:
        """Every file the app holds open: link text → (device, inode) of the open file."""
        out = {}
        fd_dir = Path(f"/proc/{self.proc.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target, st = os.readlink(fd), os.stat(fd)
            except OSError:
                continue
            out[target] = (st.st_dev, st.st_ino)
        return out

    def kill(self) -> None:
        """``kill -9``: no clean shutdown, no last checkpoint."""
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL on POSIX
            self.proc.wait(timeout=30)
        self.log.close()


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "tracker.cli", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _reader_count(env: dict[str, str]) -> dict:
    """A fresh process's view of the store: incidents and batches."""
    code = ("import json; from tracker.store.database import Store; s = Store(); "
            "print(json.dumps({'count': s.count_incidents(), "
            "'batches': list(s.batches()['batch_id'])}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_logs_are_the_apps(app: App, db: Path) -> None:
    held = app.open_files() if PROC else {}
    for suffix in ("-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        assert path.exists(), f"{path.name} was deleted under the running app"
        if not PROC:
            continue
        deleted = [t for t in held if t.startswith(str(path)) and t.endswith("(deleted)")]
        assert not deleted, f"the app writes to a deleted {path.name}: {deleted}"
        assert str(path) in held, f"the app does not hold {path.name} open: {sorted(held)}"
        st = path.stat()
        assert held[str(path)] == (st.st_dev, st.st_ino), \
            f"{path.name} on disk is not the file the app holds open"


def test_cli_beside_the_app_loses_no_upload(tmp_path):
    env = _env(tmp_path)
    db = (tmp_path / "t.db").resolve()
    dry = tmp_path / "dry.csv"
    dry.write_bytes(files.to_csv(files.district_rows(30, dt.date(2012, 1, 3), 7)))
    late = tmp_path / "late.csv"
    late.write_bytes(files.to_csv(files.district_rows(25, dt.date(2013, 2, 5), 9)))

    app = App(env, tmp_path / "app.log")
    try:
        assert app.started["loaded"] > 0  # the app read the seeded store (the fast path)
        before = _reader_count(env)
        _assert_logs_are_the_apps(app, db)

        # The command line, beside the running app.
        _cli(env, "ingest", str(dry), "--dry-run")
        _cli(env, "users", "add", "imran", "--role", "viewer", "--password-stdin",
             stdin="a long passphrase 1\n")
        _assert_logs_are_the_apps(app, db)

        # An upload saved in the app now is seen by everyone at once...
        saved = app.ask(f"save {late}")
        assert saved["accepted"] > 0
        _assert_logs_are_the_apps(app, db)
        after = _reader_count(env)
        assert after["count"] == before["count"] + saved["accepted"]
        assert saved["batch_id"] in after["batches"]
        assert app.ask("count")["loaded"] == after["count"]

        # ...and survives the app's sudden death.
        app.kill()
        assert _reader_count(env) == after
    finally:
        app.kill()


def test_two_app_instances_on_one_file_see_each_others_uploads(tmp_path):
    env = _env(tmp_path)
    db = (tmp_path / "t.db").resolve()
    uploads = []
    for i, year in enumerate((2014, 2016)):
        path = tmp_path / f"up{i}.csv"
        path.write_bytes(files.to_csv(files.district_rows(20, dt.date(year, 3, 1), 11)))
        uploads.append(path)
    first = App(env, tmp_path / "first.log")
    second = App(env, tmp_path / "second.log")
    try:
        seeded = _reader_count(env)["count"]
        a = first.ask(f"save {uploads[0]}")
        b = second.ask(f"save {uploads[1]}")
        total = seeded + a["accepted"] + b["accepted"]
        assert first.ask("count")["loaded"] == total
        assert second.ask("count")["loaded"] == total
        _assert_logs_are_the_apps(first, db)
        _assert_logs_are_the_apps(second, db)
        first.kill()
        second.kill()
        assert _reader_count(env)["count"] == total
    finally:
        first.kill()
        second.kill()
