"""A live app for a browser to drive: ``streamlit run app.py`` on a free port, and Chromium.

Used by the browser tests and by ``tracker bench --browser``, so that both time and test
the same server with the same browser flags. The browser is the system's Chromium
(Debian's ``chromium`` package); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tracker.config import PROJECT_ROOT

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
]
"""Headless, offline (no background requests), and software WebGL for the MapLibre maps."""


class AppDidNotStart(RuntimeError):
    """The app exited or never answered its health check; the message ends with its log."""


def chromium_path() -> str | None:
    """The Chromium to drive: ``TRACKER_CHROMIUM`` if set, else the first one on the path."""
    for candidate in (os.environ.get("TRACKER_CHROMIUM"), "chromium", "chromium-browser",
                      "google-chrome"):
        if candidate and (found := shutil.which(candidate) or
                          (candidate if Path(candidate).exists() else None)):
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(db_url: str, state_dir: Path, env: dict | None = None,
                timeout_s: float = 60) -> Iterator[str]:
    """Run the app against ``db_url`` with its own state folder; yield its base URL.

    The server's output goes to a log file in ``state_dir`` (a pipe could fill and stall
    it). The server is stopped on the way out, whatever happened inside.
    """
    port = free_port()
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / f"streamlit-{port}.log"
    run_env = {**os.environ, "TRACKER_DB_URL": db_url, "TRACKER_STATE_DIR": str(state_dir),
               **(env or {})}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://localhost:{port}"
    try:
        _wait_until_healthy(proc, base, log_path, timeout_s)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_until_healthy(proc: subprocess.Popen, base: str, log_path: Path,
                        timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise AppDidNotStart(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AppDidNotStart(f"streamlit did not become healthy in {timeout_s:.0f} s:\n"
                                 f"{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
