"""Benchmark: the app's store load at 1M SYNTHETIC incidents, before and after, in one run.

Three kinds of load, each in a fresh process, alternating. "before" is
``Store.load_incidents`` of an earlier commit (``--before-rev``, by default the
one before the free text became pandas' ``str`` dtype; its ``src/`` is taken with ``git
archive``); "after: first load" is ``Store.load_incidents`` of this checkout, as the app calls
it, with an empty state folder (SQLite is read and the snapshot written: the first load after
a change); "after: snapshot" the same with the snapshot in place (``tracker.store.snapshot``).
The medians are printed with the ratios, beside the wall time, CPU time and peak memory. All
must give the same values (checked on the frames as ``object``; the free text's dtype differs
by design).
(``--before-rev adbc`` compares the ADBC reader of ``benchmarks/before_columnar.py`` instead.)

``--app`` adds one run of ``tracker bench``'s app-like process (store load, coding, page data
and figures; its peak and final memory) on the same store.

Run from the project root:
``PYTHONPATH=src python benchmarks/bench_store_load.py [--rows 1000000] [--repeat 3] [--app]``
``[--before-rev REV]``.
The store is built once in a temporary folder (``tracker.devtools.synth``; ``--keep DIR``
reuses one).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = """
import json, resource, sys, time
import pandas as pd
kind, db = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
if kind == "before" and sys.argv[4] != "adbc":
    sys.path.insert(0, sys.argv[4])  # the earlier commit's src/, ahead of this checkout's
    for name in [m for m in sys.modules if m == "tracker" or m.startswith("tracker.")]:
        del sys.modules[name]
if kind == "before" and sys.argv[4] == "adbc":
    import before_columnar
    load = lambda: before_columnar.read_sqlite_incidents(db)
else:
    from tracker.store.database import Store
    load = Store("sqlite:///" + db).load_incidents
started, cpu = time.perf_counter(), time.process_time()
frame = load()
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import tracker
source = tracker.__file__
check = int(pd.util.hash_pandas_object(frame.astype(object).where(frame.notna(), None),
                                       index=False).sum())
print(json.dumps({"wall_s": wall, "cpu_s": cpu, "rows": len(frame), "check": check,
                  "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
                  "peak_rss_mb": peak, "source": source}))
"""


def run(kind: str, db: Path, before: str, state: Path) -> dict:
    if kind == "first":
        shutil.rmtree(state, ignore_errors=True)
    env = {**os.environ, "TRACKER_STATE_DIR": str(state)}
    done = subprocess.run([sys.executable, "-c", _CHILD, kind, str(db), str(HERE), before],
                          capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build(rows: int, folder: Path, seed: int = 1) -> Path:
    """A store of ``rows`` synthetic incidents (``tracker bench``'s own set-up step)."""
    db = folder / f"app-{rows}.db"
    if not db.exists():
        subprocess.run([sys.executable, "-m", "tracker.devtools.bench", "_child", "fill", str(rows),
                        str(folder), str(seed)], check=True, capture_output=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="folder to build the store in and reuse")
    parser.add_argument("--app", action="store_true", help="also run the app-like process")
    parser.add_argument("--before-rev", default="0e79d4c",
                        help="git commit whose store load is 'before' ('adbc': the ADBC reader)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        before = args.before_rev
        if before != "adbc":
            archive = subprocess.run(["git", "archive", before, "src"], cwd=HERE.parent,
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", scratch], input=archive, check=True)
            before = str(Path(scratch) / "src")
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        db = build(args.rows, folder)
        print(f"{args.rows:,} SYNTHETIC incidents in {db} ({db.stat().st_size / 2**20:,.0f} MB)"
              f"; load average {[round(x, 2) for x in os.getloadavg()]}")
        results: dict[str, list[dict]] = {"before": [], "first": [], "snapshot": []}
        states = {"before": Path(scratch) / "state-before", "first": Path(scratch) / "state",
                  "snapshot": Path(scratch) / "state"}
        for _ in range(args.repeat):
            for kind in results:  # "snapshot" reads what "first" just wrote
                results[kind].append(run(kind, db, before, states[kind]))
        checks = {r["check"] for rs in results.values() for r in rs}
        if len(checks) != 1:
            raise SystemExit("before and after read different frames")
        med = {kind: {key: statistics.median(r[key] for r in rs)
                      for key in ("wall_s", "cpu_s", "peak_rss_mb", "frame_mb")}
               for kind, rs in results.items()}
        print(f"{'':38}{'wall s':>9}{'CPU s':>9}{'peak MB':>9}{'frame MB':>10}")
        labels = {"before": f"before: {args.before_rev}"[:38],
                  "first": "after: first load (writes snapshot)",
                  "snapshot": "after: from the snapshot"}
        print("sources: " + ", ".join(f"{k} {rs[0]['source']}" for k, rs in results.items()))
        for kind, m in med.items():
            runs = ", ".join(f"{r['wall_s']:.2f}" for r in results[kind])
            print(f"{labels[kind]:38}{m['wall_s']:9.2f}{m['cpu_s']:9.2f}"
                  f"{m['peak_rss_mb']:9.0f}{m['frame_mb']:10.0f}   runs: {runs}")
        for kind in ("first", "snapshot"):
            wall = med[kind]["wall_s"] / med["before"]["wall_s"]
            cpu = med[kind]["cpu_s"] / med["before"]["cpu_s"]
            print(f"ratio {kind}/before (median wall): {wall:.2f}; CPU: {cpu:.2f}")
        print("same values in every run: yes")
        if args.app:  # first load in an empty state folder, then one from the snapshot
            env = {**os.environ, "TRACKER_STATE_DIR": str(Path(scratch) / "state-app")}
            app = {}
            for kind in ("app", "load"):
                done = subprocess.run([sys.executable, "-m", "tracker.devtools.bench", "_child",
                                       kind, str(args.rows), str(folder), "1"],
                                      capture_output=True, text=True, check=True, env=env)
                app |= json.loads(done.stdout.strip().splitlines()[-1])
            print("app-like process (tracker bench): " + ", ".join(
                f"{k} {app[k]}" for k in ("store_load_s", "store_load_cpu_s", "index_s",
                                          "rss_mb", "peak_rss_mb", "snapshot_load_s",
                                          "snapshot_load_cpu_s", "snapshot_load_peak_rss_mb")
                if k in app))
        print(f"load average after {[round(x, 2) for x in os.getloadavg()]}")


if __name__ == "__main__":
    main()
