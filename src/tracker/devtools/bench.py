"""``tracker bench``: how the app copes with large stores, against raw baselines, in one run.

For each size the benchmark builds a store of SYNTHETIC incidents
(:mod:`tracker.devtools.synth`) and measures, each against the raw cost of the same work
where one exists:

* **ingest** — ``tracker ingest FILE --json`` on the ``tracker synth`` file, as its own
  process on a fresh store (wall time and peak memory of that process), against reading
  the same file with pyarrow and bulk-inserting it in one transaction with no processing;
* **store load** — reading every incident from the store into the app's frame;
* **page data** — everything the Overview computes for one filter change
  (:func:`tracker.analysis.aggregates.overview_data`) against DuckDB computing the same aggregates
  on an Arrow table of the same rows; the period comparison the page adds is timed apart;
* **figures** — building each page's figures and the size of their JSON (what the browser
  receives);
* **memory** — the peak resident memory of a process that holds the store's table the
  way the app does.

Each measurement that holds the table runs in a fresh child process, so one size's memory
does not leak into the next. Timings are medians of a few runs after a warm-up; the load
average is recorded with the machine, since other work on a shared machine slows everything.
Speed is reported, never asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tracker.devtools.bench_text import (  # noqa: F401 (the printed results, used by the CLI)
    ROWS,
    figures_text,
    machine_text,
    markdown,
    table_text,
    targets_text,
)

SIZES = (10_000, 100_000, 1_000_000)
REPEATS = 3

BENCH_FILTER = {
    "start": dt.date(2023, 1, 1),
    "end": dt.date(2025, 12, 31),
    "provinces": ("Balochistan", "Khyber Pakhtunkhwa"),
}
"""The "one filter change" timed: the last three years in Balochistan and KP (most rows)."""

TARGETS = {
    "ingest_ratio": ("≤", 3.0, "ingest within 3× the raw baseline (1M rows)"),
    "ingest_peak_rss_mb": ("≤", 2048.0, "`tracker ingest` peak memory at most 2 GB (1M rows)"),
    "page_data_ratio": ("≤", 1.5, "Overview data within 1.5× DuckDB (1M rows)"),
    "page_data_s": ("<", 0.300, "Overview data under 300 ms (1M rows)"),
    "store_load_s": ("<", 2.0, "store load under 2 s, first after a change (1M rows)"),
    "snapshot_load_s": ("<", 2.0, "store load from its snapshot under 2 s (1M rows)"),
    "figure_json_max_bytes": ("<", 3 * 1024 * 1024, "every figure's JSON under 3 MB"),
    "peak_rss_mb": ("<", 1536.0, "app process under 1.5 GB (1M rows)"),
}
"""Targets of the issue, checked on the largest size measured (reported, not asserted)."""


# --- the parent: one run over several sizes -------------------------------------------------


def run(sizes: Iterable[int] = SIZES, *, ingest: bool = True, seed: int = 1,
        workdir: str | Path | None = None,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Measure every size; return ``{"machine": …, "results": [...], "targets": …}``.

    Parameters
    ----------
    sizes
        Numbers of incidents, e.g. ``(10_000, 100_000, 1_000_000)``.
    ingest
        Also time the upload pipeline (the slowest part at large sizes).
    seed
        Seed of the synthetic data.
    workdir
        Where the temporary stores go (a temporary folder by default).
    progress
        Called with a line of text as each step finishes.
    """
    say = progress or (lambda _line: None)
    machine = machine_info()
    results = []
    with tempfile.TemporaryDirectory(dir=workdir, prefix="tracker-bench-") as tmp:
        for rows in sizes:
            result: dict[str, Any] = {"rows": int(rows)}
            if ingest:
                say(f"{rows:,} rows: ingest …")
                result |= _child("ingest", rows, Path(tmp), seed)
            say(f"{rows:,} rows: store, page data, figures, memory …")
            _child("fill", rows, Path(tmp), seed)
            result |= _child("app", rows, Path(tmp), seed)
            result |= _child("load", rows, Path(tmp), seed)
            results.append(result)
    machine["load_average_after"] = _load_average()
    largest = max(results, key=lambda r: r["rows"]) if results else {}
    return {"machine": machine, "results": results, "targets": check_targets(largest),
            "filter": {k: (list(v) if isinstance(v, tuple) else str(v))
                       for k, v in BENCH_FILTER.items()},
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def check_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value, met or not, and by how much it is missed."""
    out = []
    for key, (op, limit, text) in TARGETS.items():
        value = result.get(key)
        if value is None:
            out.append({"key": key, "target": text, "value": None, "met": None})
            continue
        met = value <= limit if op == "≤" else value < limit
        out.append({"key": key, "target": text, "value": value, "limit": limit, "met": met,
                    "over_by": None if met else round(value / limit, 2)})
    return out


def machine_info() -> dict[str, Any]:
    """Cores, memory, Python and library versions, and how busy the machine is."""
    import duckdb
    import numpy
    import pandas
    import plotly
    import pyarrow

    memory_mb = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory_mb = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cores": os.cpu_count(), "cores_usable": usable, "memory_mb": memory_mb,
        "platform": platform.platform(), "python": platform.python_version(),
        "versions": {"pandas": pandas.__version__, "numpy": numpy.__version__,
                     "pyarrow": pyarrow.__version__, "duckdb": duckdb.__version__,
                     "plotly": plotly.__version__},
        "load_average_before": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _child(kind: str, rows: int, tmp: Path, seed: int) -> dict[str, Any]:
    """Run one measurement in a fresh Python process and return its JSON."""
    cmd = [sys.executable, "-m", "tracker.devtools.bench", "_child", kind, str(rows), str(tmp),
           str(seed)]
    # the store's snapshot (tracker.store.snapshot) goes to the run's folder, never the user's
    env = {**os.environ, "TRACKER_STATE_DIR": str(tmp / "state")}
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark step {kind} ({rows:,} rows) failed:\n"
                           f"{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the children -----------------------------------------------------------------------------


def measure_ingest(rows: int, tmp: Path, seed: int) -> dict[str, Any]:
    """The user's path against the raw baseline, on the same ``tracker synth`` file.

    ``tracker ingest FILE --json`` runs as its own process on a fresh store, exactly as a
    user would run it; its wall time and peak resident memory are those of that process.
    The baseline, in this process, reads the same file with pyarrow and inserts every
    row into a fresh SQLite table in one transaction, with no checks at all.
    """
    from tracker.devtools import synth

    path = synth.write(synth.generate(rows, seed), tmp / f"synth-{rows}.csv")
    cpu = time.process_time()
    raw_s = raw_baseline(path, f"sqlite:///{(tmp / f'raw-{rows}.db').as_posix()}")
    raw_cpu = time.process_time() - cpu
    state = tmp / f"ingest-state-{rows}"
    state.mkdir(exist_ok=True)
    env = {**os.environ, "TRACKER_STATE_DIR": str(state),
           "TRACKER_DB_URL": f"sqlite:///{(state / 'tracker.db').as_posix()}"}
    out_path = tmp / f"ingest-{rows}.json"
    cmd = [sys.executable, "-m", "tracker.cli", "ingest", str(path), "--json"]
    # Started from a small launcher process: a child's peak RSS (ru_maxrss) includes the
    # memory of the process that forked it, and this one holds the whole file by now.
    launcher = [sys.executable, "-c", _LAUNCHER, json.dumps(cmd), str(out_path),
                str(tmp / f"ingest-{rows}.err")]
    started = time.perf_counter()
    launched = subprocess.run(launcher, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    status, maxrss_kb, cpu_s = json.loads(launched.stdout.strip().splitlines()[-1])
    if status != 0:
        raise RuntimeError(f"tracker ingest failed on {rows:,} rows: "
                           + (tmp / f"ingest-{rows}.err").read_text()[-2000:])
    report = json.loads(out_path.read_text(encoding="utf-8"))
    counted = sum(report[k] for k in ("accepted", "rejected", "duplicates", "outside_pakistan"))
    if report["rows"] != rows or counted != rows:
        raise RuntimeError(f"tracker ingest accounted for {counted:,} of {rows:,} rows")
    return {
        "ingest_s": round(wall, 3), "ingest_raw_s": round(raw_s, 3),
        "ingest_ratio": round(wall / raw_s, 2) if raw_s else None,
        "ingest_peak_rss_mb": round(maxrss_kb / 1024, 1),
        "ingest_cpu_s": round(cpu_s, 3),
        "ingest_raw_cpu_s": round(raw_cpu, 3),
        "ingest_cpu_ratio": round(cpu_s / raw_cpu, 2) if raw_cpu else None,
        "ingest_accepted": report["accepted"], "ingest_duplicates": report["duplicates"],
        "file_mb": round(path.stat().st_size / 1024 / 1024, 1),
    }


_LAUNCHER = """
import json, os, subprocess, sys
cmd, out_path, err_path = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    child = subprocess.Popen(cmd, stdout=out, stderr=err)
    _pid, status, usage = os.wait4(child.pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss,
                  usage.ru_utime + usage.ru_stime]))
"""
"""Runs ``tracker ingest`` and prints its exit code, peak RSS (kB) and CPU seconds."""


def raw_baseline(path: Path, url: str) -> float:
    """Seconds to read the CSV with pyarrow and insert every row into SQLite in one
    transaction, with no processing at all: the floor any ingest is measured against."""
    import pyarrow.csv as pacsv
    import sqlalchemy as sa

    started = time.perf_counter()
    table = pacsv.read_csv(path)
    engine = sa.create_engine(url)
    names = table.column_names
    marks = ", ".join("?" for _ in names)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE raw_incidents (" + ", ".join(f'"{n}" TEXT' for n in names) + ")")
        for batch in table.to_batches(50_000):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            conn.exec_driver_sql(f"INSERT INTO raw_incidents VALUES ({marks})",
                                 list(zip(*columns, strict=True)))
    engine.dispose()
    return time.perf_counter() - started


def measure_fill(rows: int, tmp: Path, seed: int) -> dict[str, Any]:
    """Set-up, in its own process: a fresh store holding ``rows`` synthetic incidents."""
    from tracker.devtools import synth

    db = tmp / f"app-{rows}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    fill_store(f"sqlite:///{db.as_posix()}", synth.generate(rows, seed))
    return {}


def measure_app(rows: int, tmp: Path, seed: int) -> dict[str, Any]:
    """Store load, page data against DuckDB, figures and memory, as the app holds the table.

    The store was filled by another process, so this one's peak memory is the app's own:
    Streamlit imported, the table loaded and coded, the pages' data and figures computed.
    """
    import streamlit  # noqa: F401  (the app process has it loaded; so does this one)

    from tracker.analysis import coded
    from tracker.store.database import Store

    store = Store(f"sqlite:///{(tmp / f'app-{rows}.db').as_posix()}")
    started, cpu = time.perf_counter(), time.process_time()
    frame = store.load_incidents()
    store_load_s = time.perf_counter() - started
    store_load_cpu_s = time.process_time() - cpu
    if len(frame) != rows:
        raise RuntimeError(f"the store returned {len(frame)} incidents, expected {rows}")
    started = time.perf_counter()
    coded.prepare(frame)
    index_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "store_load_s": round(store_load_s, 3),
        "store_load_cpu_s": round(store_load_cpu_s, 3),
        "index_s": round(index_s, 3),
        "frame_mb": round(frame.memory_usage(deep=False).sum() / 1024 / 1024, 1),
    }
    result |= measure_page_data(frame)
    result |= measure_figures(frame)
    result["rss_mb"] = current_rss_mb()
    result["peak_rss_mb"] = peak_rss_mb()  # the app's own work; the baseline's copy comes next
    result |= measure_duckdb(frame, result)
    result["peak_rss_with_baseline_mb"] = peak_rss_mb()
    return result


def measure_load(rows: int, tmp: Path, seed: int) -> dict[str, Any]:
    """The store load alone in a fresh process, from the snapshot the app step wrote (as an
    app process restarted, or the other visibility of the same store version, loads it)."""
    from tracker.store.database import Store

    store = Store(f"sqlite:///{(tmp / f'app-{rows}.db').as_posix()}")
    started, cpu = time.perf_counter(), time.process_time()
    frame = store.load_incidents()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if len(frame) != rows:
        raise RuntimeError(f"the store returned {len(frame)} incidents, expected {rows}")
    return {"snapshot_load_s": round(wall, 3), "snapshot_load_cpu_s": round(cpu, 3),
            "snapshot_load_peak_rss_mb": peak_rss_mb()}


def measure_page_data(frame) -> dict[str, Any]:
    """Overview data for one filter change, and the period-comparison section."""
    from tracker.analysis import aggregates
    from tracker.analysis.filters import FilterSpec

    spec = FilterSpec(**BENCH_FILTER)
    page_s, data = _median(lambda: aggregates.overview_data(frame, spec))
    page_cpu_s = _median_cpu(lambda: aggregates.overview_data(frame, spec))
    compare_s, _ = _median(lambda: _comparison(frame, spec))
    return {
        "page_rows": int(data.headline.incidents),
        "page_killed": int(data.headline.killed),
        "page_data_s": round(page_s, 5),
        "page_data_cpu_s": round(page_cpu_s, 4),
        "compare_s": round(compare_s, 4),
    }


def measure_duckdb(frame, page: dict[str, Any]) -> dict[str, Any]:
    """The same Overview aggregates in DuckDB on an Arrow table of the rows, and the ratio.

    Run after everything the app does, so that the Arrow copy DuckDB needs does not count in
    the app's peak memory (it is reported apart, as ``peak_rss_with_baseline_mb``).
    """
    from tracker.analysis.filters import FilterSpec

    duck_s, duck = duckdb_overview(frame, FilterSpec(**BENCH_FILTER))
    if duck["incidents"] != page["page_rows"] or duck["killed"] != page["page_killed"]:
        raise RuntimeError("DuckDB and the app disagree on the filtered totals: "
                           f"{duck} vs {page['page_rows']} incidents, "
                           f"{page['page_killed']} killed")
    duck_s = round(duck_s, 5)
    return {"page_data_duckdb_s": duck_s,
            "page_data_ratio": round(page["page_data_s"] / duck_s, 2) if duck_s else None}


def _comparison(frame, spec) -> None:
    """The period comparison the Overview adds when a period is chosen."""
    from tracker.analysis import aggregates, comparison
    from tracker.present import wording

    rest = spec.with_dates(None, None).apply(frame)
    span = aggregates.data_span(frame)
    start = span[0] if span else None
    wording.totals_with_words(
        comparison.comparison_totals(rest, spec.start, spec.end, data_start=start))
    wording.with_change_words(
        comparison.compare_periods(rest, spec.start, spec.end, by="province", data_start=start))
    comparison.first_appearances(rest, spec.start, spec.end, "district", data_start=start)
    comparison.first_appearances(rest, spec.start, spec.end, "perpetrator", data_start=start)


def duckdb_overview(frame, spec) -> tuple[float, dict[str, Any]]:
    """DuckDB computing the Overview's aggregates on an Arrow table; (median s, totals)."""
    import duckdb
    import pyarrow as pa

    columns = ["date", "province", "district", "attack_type", "target", "perpetrator",
               "killed", "injured"]
    table = pa.Table.from_pandas(frame[columns], preserve_index=False)
    con = duckdb.connect()
    con.register("incidents", table)
    before = spec.previous_period()
    now = _where(spec)
    prev = _where(before) if before is not None else None
    sums = "count(*) AS incidents, sum(killed) AS killed, sum(injured) AS injured"
    queries = [
        f"SELECT {sums}, count(DISTINCT district), count(killed), count(injured), "
        f"min(date), max(date) FROM incidents WHERE {now}",
        f"SELECT province, {sums} FROM incidents WHERE {now} GROUP BY province",
        f"SELECT coalesce(district, '?') AS d, province, {sums} FROM incidents "
        f"WHERE {now} GROUP BY d, province",
        f"SELECT date_trunc('month', date) AS period, province, {sums} FROM incidents "
        f"WHERE {now} GROUP BY period, province",
        f"SELECT attack_type, {sums} FROM incidents WHERE {now} GROUP BY attack_type",
        f"SELECT target, {sums} FROM incidents WHERE {now} GROUP BY target",
        f"SELECT p, {sums} FROM (SELECT unnest(string_split(coalesce(perpetrator, ''), '; '))"
        f" AS p, killed, injured FROM incidents WHERE {now}) GROUP BY p",
    ]
    if prev is not None:
        queries.append(f"SELECT {sums}, count(DISTINCT district) FROM incidents WHERE {prev}")

    def all_queries() -> list[Any]:
        return [con.execute(sql).fetchall() for sql in queries]

    seconds, answers = _median(all_queries)
    con.close()
    first = answers[0][0]
    return seconds, {"incidents": int(first[0]), "killed": int(first[1] or 0)}


def _where(spec) -> str:
    """SQL for the benchmark filter (dates and provinces only; our own literal values)."""
    parts = []
    if spec.start is not None:
        parts.append(f"date >= DATE '{spec.start.isoformat()}'")
    if spec.end is not None:
        parts.append(f"date < DATE '{spec.end.isoformat()}' + INTERVAL 1 DAY")
    if spec.provinces:
        names = ", ".join("'" + p.replace("'", "''") + "'" for p in spec.provinces)
        parts.append(f"province IN ({names})")
    return " AND ".join(parts) or "TRUE"


def measure_figures(frame) -> dict[str, Any]:
    """Build every figure of the Overview and the province pages; time and JSON size each.

    The default view (everything) is measured: it is the largest.
    """
    import plotly.io as pio

    from tracker.analysis.filters import FilterSpec
    from tracker.present import charts, timelines

    rows = FilterSpec().apply(frame)
    builders: dict[str, Callable[[], Any]] = {
        "overview_map": lambda: charts.province_map(rows),
        **{f"overview_timeline_{f}": (lambda f=f: timelines.timeline_chart(rows, freq=f))
           for f in ("day", "week", "month")},
        **{f"overview_{c}": (lambda c=c: charts.breakdown_chart(rows, c))
           for c in ("attack_type", "target", "perpetrator")},
    }
    for province, name in (("Balochistan", "balochistan"),
                           ("Khyber Pakhtunkhwa", "khyber_pakhtunkhwa")):
        part = FilterSpec(provinces=(province,)).apply(frame)
        builders[f"{name}_districts"] = (
            lambda part=part, province=province: charts.district_map(part, province=province))
    seconds: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for name, build in builders.items():
        started = time.perf_counter()
        spec_json = pio.to_json(build(), validate=False)
        seconds[name] = round(time.perf_counter() - started, 4)
        sizes[name] = len(spec_json.encode("utf-8"))
    return {
        "figures_s": round(sum(seconds.values()), 3),
        "figure_s": seconds,
        "figure_json_bytes": sizes,
        "figure_json_max_bytes": max(sizes.values()),
        "figure_json_max": max(sizes, key=sizes.get),
    }


def fill_store(url: str, frame) -> None:
    """Write a synthetic frame into a fresh store as one batch, quickly (setup, not timed).

    The same tables and value formats as :meth:`tracker.store.database.Store.add_batch`, written
    with one bulk insert, so the benchmark's setup does not take longer than its subject.
    """
    import pandas as pd

    from tracker import schema
    from tracker.devtools import synth
    from tracker.store.database import BatchMeta, Store, now
    from tracker.store.tables import batches

    store = Store(url)
    store.init()
    batch_id = str(frame["batch_id"].iloc[0]) if len(frame) else synth.batch_id(0)
    meta = BatchMeta(file_name=f"{batch_id}.csv", uploaded_by="benchmark", format="canonical")
    names = list(schema.COLUMNS)
    columns = []
    for name in names:
        series = frame[name]
        if name == "date":
            values = series.dt.strftime("%Y-%m-%d").astype(object)
        elif name == "batch_id":
            values = pd.Series(batch_id, index=frame.index, dtype=object)
        else:
            values = series.astype(object)
        columns.append(values.where(series.notna(), None).tolist())
    with store.engine.begin() as conn:
        conn.execute(batches.insert().values(
            batch_id=batch_id, file_name=meta.file_name, sha256=None, format=meta.format,
            rows=len(frame), accepted=len(frame), rejected=0, duplicates=0,
            outside_pakistan=0, uploaded_by=meta.uploaded_by, uploaded_at=now(),
            reviewed=True, sensitive=False, withdrawn=False))
        conn.exec_driver_sql(
            f"INSERT INTO incidents ({', '.join(names)}) VALUES "
            f"({', '.join('?' for _ in names)})", list(zip(*columns, strict=True)))
    store.record("benchmark", "upload", batch_id, f"{len(frame)} SYNTHETIC incidents")
    store.engine.dispose()


def _median(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """Median seconds of ``repeats`` runs after one warm-up, and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        result = None  # the app holds one result at a time: so does the peak memory here
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _median_cpu(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    """Median CPU seconds of this process (all its threads) over ``repeats`` runs.

    Less sensitive than wall time to other work on a shared machine.
    """
    fn()
    times = []
    for _ in range(repeats):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return statistics.median(times)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024, 1)


def current_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _main_child(argv: list[str]) -> None:
    kind, rows, tmp, seed = argv[0], int(argv[1]), Path(argv[2]), int(argv[3])
    measure = {"ingest": measure_ingest, "fill": measure_fill, "app": measure_app,
               "load": measure_load}[kind]
    print(json.dumps(measure(rows, tmp, seed)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _main_child(sys.argv[2:])
    else:
        print(__doc__)
