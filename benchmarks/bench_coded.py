"""Benchmark: the Overview's page data through the coded fast path, before and after it gave
up ctypes and pandas' private attributes, on the same SYNTHETIC frame in one run.

"before" is ``benchmarks/before_coded.py`` (a frozen copy of the old module), "after" is
``tracker.analysis.coded``; beside them the plain pandas path (coding off) and DuckDB on an
Arrow table of the same rows (as ``tracker bench`` measures it), so the figures can be read
against the machine they ran on. Each figure is the median of three runs after a warm-up
(``tracker.devtools.bench._median``); CPU seconds of this process are shown beside wall time.

Run: ``PYTHONPATH=src python benchmarks/bench_coded.py [rows]`` (default 1,000,000).
Every row is synthetic (``tracker.devtools.synth``); nothing here touches the bundled data.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import time
from pathlib import Path

from tracker.analysis import aggregates, coded, filters
from tracker.analysis.filters import FilterSpec
from tracker.devtools import bench, synth


def _load_before():
    path = Path(__file__).with_name("before_coded.py")
    spec = importlib.util.spec_from_file_location("before_coded", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _using(module):
    """Filters and aggregates read through ``module`` within this block."""
    saved = aggregates.coded, filters.coded
    aggregates.coded = filters.coded = module
    try:
        yield
    finally:
        aggregates.coded, filters.coded = saved


def _page(frame, spec):
    return aggregates.overview_data(frame, spec)


def _cut_by_pandas(frame):
    """Counts on a frame cut by pandas itself (checked value by value after the change)."""
    located = frame.dropna(subset=["district"])
    return aggregates.count_by(located, "district")


def main(rows: int) -> None:
    started = time.perf_counter()
    frame = synth.generate(rows, seed=1)
    print(f"{rows:,} SYNTHETIC incidents generated in {time.perf_counter() - started:.1f} s")
    spec = FilterSpec(**bench.BENCH_FILTER)
    before = _load_before()
    results = {}
    for name, module in (("before (ctypes, private pandas)", before),
                         ("after (public pandas and numpy)", coded)):
        with _using(module):
            t0 = time.perf_counter()
            module.prepare(frame)
            prepare_s = time.perf_counter() - t0
            page_s, data = bench._median(lambda: _page(frame, spec))
            cpu_s = bench._median_cpu(lambda: _page(frame, spec))
            cut_s, _ = bench._median(lambda: _cut_by_pandas(frame), repeats=1)
        results[name] = (prepare_s, page_s, cpu_s, cut_s, data.headline)
    with coded.disabled(), _using(coded):
        pandas_s, plain = bench._median(lambda: _page(frame, spec), repeats=1)
    duck_s, duck = bench.duckdb_overview(frame, spec)
    heads = {r[4] for r in results.values()} | {plain.headline}
    if len(heads) != 1 or duck["incidents"] != plain.headline.incidents:
        raise SystemExit(f"The paths disagree: {heads} / {duck}")
    print(f"filter: {bench.BENCH_FILTER}; {plain.headline.incidents:,} rows match")
    print(f"{'':34} {'prepare':>9} {'page data':>10} {'page CPU':>9} {'pandas cut':>11}")
    for name, (prepare_s, page_s, cpu_s, cut_s, _) in results.items():
        print(f"{name:34} {prepare_s:8.3f}s {page_s:9.3f}s {cpu_s:8.3f}s {cut_s:10.3f}s")
    after, old = results["after (public pandas and numpy)"], \
        results["before (ctypes, private pandas)"]
    print(f"page data after / before: {after[1] / old[1]:.2f} (wall), "
          f"{after[2] / old[2]:.2f} (CPU)")
    print(f"plain pandas (coding off): {pandas_s:.3f} s; DuckDB: {duck_s:.3f} s; "
          f"after / DuckDB: {after[1] / duck_s:.2f}, before / DuckDB: {old[1] / duck_s:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
