"""``tracker bench --browser``: page loads timed in headless Chromium at a large store.

From navigation start to the last Plotly chart drawn, for the Overview, Balochistan and
Surges pages, on a store of SYNTHETIC incidents filled by :mod:`tracker.devtools.bench`.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.devtools.bench import _child, machine_info

BROWSER_PAGES = (("Overview", "/"), ("Balochistan", "/balochistan"), ("Surges", "/surges"))
BROWSER_LOADS = 6
"""Loads per page: the first warms the app's caches; the median of the other five counts."""

_DRAWN_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  if (document.querySelector("[data-testid='stSkeleton']")) return false;
  const plots = document.querySelectorAll(".js-plotly-plot");
  if (!plots.length) return false;
  for (const p of plots) { if (!p.querySelector(".main-svg")) return false; }
  return [performance.now(), plots.length];
}"""


def browser_run(rows: int, *, seed: int = 1, workdir: str | Path | None = None,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Navigation to the last chart drawn, per page, at ``rows`` synthetic incidents.

    A store of ``rows`` SYNTHETIC incidents is filled in a child process, the app is
    started with ``streamlit run`` and driven by headless Chromium (the flags of the
    browser tests). Each page is loaded :data:`BROWSER_LOADS` times; a load's time runs
    from navigation start to the moment every Plotly chart on the page has drawn and the
    script has finished (the chart count checked again 0.5 s later). The median of the
    loads after the first is reported.
    """
    import shutil
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    say = progress or (lambda _line: None)
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    chromium = os.environ.get("TRACKER_CHROMIUM") or shutil.which("chromium") or "chromium"
    out: dict[str, Any] = {"rows": rows, "pages": {}}
    with tempfile.TemporaryDirectory(dir=workdir, prefix="tracker-browser-") as tmp:
        say(f"{rows:,} rows: filling a store …")
        _child("fill", rows, Path(tmp), seed)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "TRACKER_DB_URL": f"sqlite:///{Path(tmp) / f'app-{rows}.db'}",
               "TRACKER_STATE_DIR": str(Path(tmp) / "state")}
        from tracker.config import PROJECT_ROOT as root
        with open(Path(tmp) / "streamlit.log", "w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(root / "app.py"),
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start")
                time.sleep(0.3)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=args)
                for name, path in BROWSER_PAGES:
                    times = []
                    for _ in range(BROWSER_LOADS):
                        context = browser.new_context(viewport={"width": 1280, "height": 720})
                        page = context.new_page()
                        page.goto(base + path, wait_until="commit")
                        # the first load reads and codes the whole store: on a busy
                        # machine that alone can take minutes at a million rows
                        times.append(_drawn(page, 900_000 if not times else 300_000))
                        context.close()
                    out["pages"][name] = {"loads_s": [round(t, 3) for t in times],
                                          "median_s": round(statistics.median(times[1:]), 3)}
                    say(f"{name}: median {out['pages'][name]['median_s']:.2f} s")
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    out["machine"] = machine_info()
    out["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return out


def _drawn(page, timeout_ms: int = 180_000) -> float:
    """Seconds from navigation start to every chart drawn (stable for half a second)."""
    while True:
        at, count = page.wait_for_function(_DRAWN_JS, timeout=timeout_ms).json_value()
        page.wait_for_timeout(500)
        again = page.evaluate(_DRAWN_JS)
        if again and again[1] == count:
            return at / 1000
