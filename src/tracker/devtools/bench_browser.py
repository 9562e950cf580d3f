"""``tracker bench --browser``: page loads timed in headless Chromium at a large store.

From navigation start to the last Plotly chart drawn, for the Overview, Balochistan and
Surges pages, on a store of SYNTHETIC incidents filled by :mod:`tracker.devtools.bench`
(or a copy of an existing store file).

Three figures per page:

* the median of five loads of the page's default view after a first load (which fills
  the app's caches that later sessions share), each in a new browser profile, so the
  browser downloads and compiles the app's scripts every time (a first visit);
* the median of five loads each with a filter no session has asked for before (an unseen
  link), also in new profiles, which measures the work a new filter costs;
* the median of five reloads after a first in one browser profile, whose cache keeps the
  scripts, as for someone who comes back to the page.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracker.devtools.bench import _child, _load_average, machine_info

BROWSER_PAGES = (("Overview", "/"), ("Balochistan", "/balochistan"), ("Surges", "/surges"))
BROWSER_LOADS = 6
"""Loads per page: the first warms the app's caches; the median of the other five counts."""

UNSEEN_FILTERS = {
    "Overview": [f"?type={t.replace(' ', '%20')}" for t in
                 ("armed assault", "bombing", "grenade attack", "suicide bombing",
                  "targeted killing")],
    "Balochistan": [f"?start={y}-01-01&end={y}-12-31" for y in range(2021, 2026)],
    "Surges": [f"?target={t.replace(' ', '%20')}" for t in
               ("security forces", "police", "civilians", "government officials",
                "infrastructure")],
}
"""Per page, five links with a filter that no earlier load used (no page shares one): a
different attack type on the Overview, year on Balochistan, target on Surges. Each load
is a new session, so only the caches shared by every session (the table, the sidebar's
choices) are warm."""

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
                progress: Callable[[str], None] | None = None,
                store: str | Path | None = None) -> dict[str, Any]:
    """Navigation to the last chart drawn, per page, at ``rows`` synthetic incidents.

    A store of ``rows`` SYNTHETIC incidents is filled in a child process, the app is
    started with ``streamlit run`` and driven by headless Chromium (the flags of the
    browser tests). Each page is loaded :data:`BROWSER_LOADS` times; a load's time runs
    from navigation start to the moment every Plotly chart on the page has drawn and the
    script has finished (the chart count checked again 0.5 s later). The median of the
    loads after the first is reported, the median of five loads with an unseen filter
    (:data:`UNSEEN_FILTERS`), and the median of five reloads in one browser profile.

    ``store``: an existing SQLite store file to copy and use instead of filling one (its
    row count is reported as found; the app writes to its store, so the file itself is
    never opened).
    """
    import shutil

    from playwright.sync_api import sync_playwright

    from tracker.devtools.app_server import CHROMIUM_ARGS, chromium_path, running_app

    say = progress or (lambda _line: None)
    chromium = chromium_path() or "chromium"
    out: dict[str, Any] = {"rows": rows, "pages": {}, "load_average_start": _load_average()}
    with tempfile.TemporaryDirectory(dir=workdir, prefix="tracker-browser-") as tmp:
        db = Path(tmp) / f"app-{rows}.db"
        if store is not None:
            say(f"copying {store} …")
            shutil.copyfile(store, db)
            out["rows"] = rows = _count_rows(db)
            out["store"] = str(store)
        else:
            say(f"{rows:,} rows: filling a store …")
            _child("fill", rows, Path(tmp), seed)
        with (running_app(f"sqlite:///{db}", Path(tmp) / "state", timeout_s=120) as base,
              sync_playwright() as pw):
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

            def new_context():
                return browser.new_context(viewport={"width": 1280, "height": 720})

            def load(url: str, timeout_ms: int, context=None) -> float:
                """One load in ``context`` (kept), or in a new browser profile (closed)."""
                fresh = context is None
                context = new_context() if fresh else context
                page = context.new_page()
                page.goto(url, wait_until="commit")
                try:
                    return _drawn(page, timeout_ms)
                finally:
                    page.close()
                    if fresh:
                        context.close()

            for name, path in BROWSER_PAGES:
                # the first load reads and codes the whole store: on a busy machine
                # that alone can take minutes at a million rows
                times = [load(base + path, 900_000 if not i else 300_000)
                         for i in range(BROWSER_LOADS)]
                unseen = [load(base + path + query, 300_000)
                          for query in UNSEEN_FILTERS[name]]
                one_profile = new_context()
                kept = [load(base + path, 300_000, one_profile) for _ in range(BROWSER_LOADS)]
                one_profile.close()
                got = out["pages"][name] = {
                    "loads_s": [round(t, 3) for t in times],
                    "median_s": round(statistics.median(times[1:]), 3),
                    "unseen_filters": UNSEEN_FILTERS[name],
                    "unseen_loads_s": [round(t, 3) for t in unseen],
                    "unseen_median_s": round(statistics.median(unseen), 3),
                    "same_browser_loads_s": [round(t, 3) for t in kept],
                    "same_browser_median_s": round(statistics.median(kept[1:]), 3)}
                say(f"{name}: median {got['median_s']:.2f} s; unseen filters "
                    f"{got['unseen_median_s']:.2f} s; same browser "
                    f"{got['same_browser_median_s']:.2f} s")
            browser.close()
    out["machine"] = machine_info()
    out["load_average_end"] = out["machine"]["load_average_before"]  # taken just now
    out["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return out


def _count_rows(db: Path) -> int:
    """Incidents in a copied store file (the table the app loads)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM incidents").fetchone()[0]


def _drawn(page, timeout_ms: int = 180_000) -> float:
    """Seconds from navigation start to every chart drawn (stable for half a second)."""
    while True:
        at, count = page.wait_for_function(_DRAWN_JS, timeout=timeout_ms).json_value()
        page.wait_for_timeout(500)
        again = page.evaluate(_DRAWN_JS)
        if again and again[1] == count:
            return at / 1000
