"""Set-up and chores with nothing but Python 3.11+: ``python tasks.py run`` or ``test``.

    python tasks.py run     # install into .venv, seed the store, serve http://localhost:8501
    python tasks.py test    # install into .venv (browser included), run the whole suite
    python tasks.py lint    # ruff

Both install with the pinned versions in ``constraints.txt``. The test command needs a
Chromium for the browser tests: it installs Debian's ``chromium`` package when it is missing
and it may (root on Debian or Ubuntu); otherwise it stops and says how to get one.
Extra arguments after ``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
WINDOWS = os.name == "nt"
BIN = VENV / ("Scripts" if WINDOWS else "bin")
PY = BIN / ("python.exe" if WINDOWS else "python")


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed (this is %d.%d)." % sys.version_info[:2])
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


def run(args: list[str]) -> int:
    install(extras="")
    return call([str(PY), "-m", "tracker.cli", "serve", *args])


def test(args: list[str]) -> int:
    install(extras="[test]")
    ensure_chromium()
    env = os.environ.copy()
    env.setdefault("TRACKER_STATE_DIR", str(ROOT / ".state" / "test"))
    return call([str(PY), "-m", "pytest", *args], env=env)


def lint(args: list[str]) -> int:
    install(extras="[test]")
    return call([str(PY), "-m", "ruff", "check", ".", *args])


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
    check(pip + ["-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}{extras}"])
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


def call(cmd: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call(cmd, cwd=ROOT, env=env)


def check(cmd: list[str], env: dict[str, str] | None = None) -> None:
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code:
        sys.exit(f"Command failed ({code}): {' '.join(cmd)}")


COMMANDS = {"run": run, "test": test, "lint": lint}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
