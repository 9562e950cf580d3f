"""Set-up and chores with nothing but Python 3.11+: ``python tasks.py run`` or ``test``.

    python tasks.py run     # install into .venv, seed the store, serve http://localhost:8501
    python tasks.py test    # install into .venv (browser included), lint, run the whole suite
    python tasks.py lint    # ruff

Both install with the pinned versions in ``constraints.txt``. The test command needs a
Chromium for the browser tests: it installs Debian's ``chromium`` package when it is missing
and it may (root on Debian or Ubuntu); otherwise it stops and says how to get one.
The test command runs ``ruff check`` first and stops on any lint error (CI lints this way).
Extra arguments after ``test`` go to pytest. The suite runs in two pytest-xdist workers
(``TRACKER_TEST_WORKERS=auto``, a number, or ``0`` for one process; ``-n`` overrides).

The store tests also run against a real PostgreSQL server. With ``TRACKER_TEST_PG_URL`` set,
that server is used; otherwise the test command starts a throwaway cluster on a free loopback
port under ``.state/pg-test/`` and stops it afterwards, installing Debian's ``postgresql``
package first when it is missing and it may. In CI (``CI=true``) a missing PostgreSQL is a
failure; elsewhere the PostgreSQL tests are reported as not run.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = os.name == "nt"
BIN = VENV / ("Scripts" if WINDOWS else "bin")
PY = BIN / ("python.exe" if WINDOWS else "python")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


def run(args: list[str]) -> int:
    install(extras="")
    return call([str(PY), "-m", "tracker.cli", "serve", *args])


def test(args: list[str]) -> int:
    install(extras="[test]")
    if ruff_check() != 0:
        print("\nruff check found lint errors (listed above): the tests were not run. "
              "Fix them, or see what `python tasks.py lint --fix` can fix.", file=sys.stderr,
              flush=True)
        return 1
    ensure_chromium()
    env = os.environ.copy()
    env.setdefault("TRACKER_STATE_DIR", str(ROOT / ".state" / "test"))
    with postgres_for_tests(env):
        return call([str(PY), "-m", "pytest", *_parallel(args, env), *args], env=env)


def _parallel(args: list[str], env: dict[str, str]) -> list[str]:
    """pytest-xdist workers: ``TRACKER_TEST_WORKERS`` (a number, ``auto`` or ``0`` for none),
    two by default; nothing added when the arguments already choose (``-n``, ``-p``)."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses", "-p")) for a in args):
        return []
    workers = env.get("TRACKER_TEST_WORKERS", "2").strip() or "2"
    return [] if workers == "0" else ["-n", workers]


def lint(args: list[str]) -> int:
    install(extras="[test]")
    return ruff_check(args)


def ruff_check(args: list[str] | None = None) -> int:
    """``ruff check`` over the project (ruff comes with the ``test`` extra)."""
    return call([str(PY), "-m", "ruff", "check", ".", *(args or [])])


def install(extras: str) -> None:
    """Create .venv and install the project with pinned versions (skipped when current)."""
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed{extras.strip('[]') or '-base'}"
    digest = hashlib.sha256(
        b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "constraints.txt"))
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing the tracker{extras} with pinned versions …", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    check([*pip, "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}{extras}"])
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """Find Chromium for the browser tests, installing Debian's package when we may."""
    if find_chromium():
        return
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt and is_root:
        print("Chromium is missing: installing Debian's chromium package …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        check([apt, "update", "-qq"], env=env)
        check([apt, "install", "-y", "-qq", "chromium"], env=env)
        if find_chromium():
            return
    sys.exit(
        "The browser tests need Chromium and none was found.\n"
        "  Debian/Ubuntu: sudo apt-get install chromium   (then run this again)\n"
        "  Windows/macOS: install Chrome or Chromium and set TRACKER_CHROMIUM to its path.\n"
        "The tests never download a browser of their own."
    )


def find_chromium() -> str | None:
    configured = os.environ.get("TRACKER_CHROMIUM")
    if configured and Path(configured).exists():
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


PG_STATE = ROOT / ".state" / "pg-test"
PG_USER = "postgres"  # the system account that runs the cluster when we are root


@contextlib.contextmanager
def postgres_for_tests(env: dict[str, str]) -> Iterator[None]:
    """Put a PostgreSQL server's URL in ``env["TRACKER_TEST_PG_URL"]`` for the tests.

    A URL already set is used as it is. Otherwise a throwaway cluster is started (and
    stopped after); without PostgreSQL the tests are told why they cannot run, and CI fails.
    """
    given = env.get("TRACKER_TEST_PG_URL", "").strip()
    if given:
        print(f"PostgreSQL for the tests: TRACKER_TEST_PG_URL ({_hide_password(given)})",
              flush=True)
        yield
        return
    bindir = ensure_postgres()
    if bindir is None:
        reason = ("no PostgreSQL server binaries were found (Debian/Ubuntu: apt-get install "
                  "postgresql; or set TRACKER_TEST_PG_URL to a server you may use)")
        if env.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            sys.exit(f"CI needs PostgreSQL for the store tests: {reason}.")
        print(f"PostgreSQL tests NOT RUN: {reason}.", flush=True)
        env["TRACKER_TEST_PG_MISSING"] = reason
        yield
        return
    with throwaway_cluster(bindir) as url:
        env["TRACKER_TEST_PG_URL"] = url
        yield


def ensure_postgres() -> Path | None:
    """Find PostgreSQL's server binaries, installing Debian's package when we may."""
    found = find_postgres()
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("PostgreSQL is missing: installing Debian's postgresql package …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        check([apt, "update", "-qq"], env=env)
        check([apt, "install", "-y", "-qq", "postgresql"], env=env)
        return find_postgres()
    return None


def find_postgres() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres`` (newest version first)."""
    candidates = []
    if os.environ.get("TRACKER_PG_BIN"):
        candidates.append(Path(os.environ["TRACKER_PG_BIN"]))
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).resolve().parent)
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0),
                         reverse=True)
    exe = ".exe" if WINDOWS else ""
    for folder in candidates:
        if all((folder / f"{name}{exe}").exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


@contextlib.contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """initdb a cluster under .state/pg-test, serve it on 127.0.0.1 only, remove it after.

    initdb refuses to run as root, so as root the cluster belongs to the ``postgres``
    system account (created when missing); when that account cannot reach .state (a clone
    inside a private home folder) the cluster goes to a temporary folder instead. The
    superuser gets a random password; the server listens on TCP only.
    """
    as_user = _cluster_account()
    home = _cluster_home(as_user)
    data = home / "data"
    password = secrets.token_urlsafe(18)
    pwfile = home / "pwfile"
    pwfile.write_text(password + "\n")
    if as_user:
        shutil.chown(pwfile, user=as_user, group=as_user)
    check(_as(as_user, [str(bindir / "initdb"), "-D", str(data), "-U", "tracker",
                        f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
                        "--no-locale", "--no-sync", "--no-instructions"]),
          env={**os.environ, "LC_ALL": "C"}, quiet=True)
    pwfile.unlink()
    port = _free_port()
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# throwaway test cluster (tasks.py)\n"
            f"listen_addresses = '127.0.0.1'\nport = {port}\n"
            "unix_socket_directories = ''\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 200\n"
        )
    log = home / "server.log"
    try:
        check(_as(as_user, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                            "-t", "60", "start"]), quiet=True)
        env = {**os.environ, "PGPASSWORD": password}
        check([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tracker",
               "tracker_test"], env=env)
        version = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                                 text=True).stdout.strip()
        print(f"PostgreSQL for the tests: {version} at 127.0.0.1:{port} (throwaway cluster "
              f"in {home}, removed after the run)", flush=True)
        yield f"postgresql+psycopg://tracker:{password}@127.0.0.1:{port}/tracker_test"
    finally:
        _stop_cluster(bindir, data)
        shutil.rmtree(data, ignore_errors=True)
        if home != PG_STATE:
            shutil.rmtree(home, ignore_errors=True)


def _cluster_home(as_user: str | None) -> Path:
    """An empty folder for the cluster that ``as_user`` may write: .state/pg-test if it can."""
    _stop_cluster(find_postgres() or Path("."), PG_STATE / "data")  # an interrupted run's
    shutil.rmtree(PG_STATE, ignore_errors=True)
    PG_STATE.mkdir(parents=True)
    if not as_user:
        return PG_STATE
    shutil.chown(PG_STATE, user=as_user, group=as_user)
    if subprocess.call(_as(as_user, ["test", "-w", str(PG_STATE)])) == 0:
        return PG_STATE
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="tracker-pg-test-"))
    shutil.chown(home, user=as_user, group=as_user)
    return home


def _cluster_account() -> str | None:
    """None when we are not root; else the system account to run PostgreSQL as."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        check(["useradd", "--system", "--user-group", "--no-create-home",
               "--shell", "/usr/sbin/nologin", PG_USER])
    return PG_USER


def _as(user: str | None, cmd: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


def _stop_cluster(bindir: Path, data: Path) -> None:
    if (data / "postmaster.pid").exists():
        subprocess.call(_as(_cluster_account(), [str(bindir / "pg_ctl"), "-D", str(data),
                                                 "-m", "fast", "-w", "stop"]),
                        stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hide_password(url: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def call(cmd: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call(cmd, cwd=ROOT, env=env)


def check(cmd: list[str], env: dict[str, str] | None = None, quiet: bool = False) -> None:
    code = subprocess.call(cmd, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL if quiet else None)
    if code:
        sys.exit(f"Command failed ({code}): {' '.join(cmd)}")


COMMANDS = {"run": run, "test": test, "lint": lint}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
