"""Benchmark: the Overview's page data through the coded fast path, before and after it gave
up ctypes and pandas' private attributes, on the same SYNTHETIC frame in one run.

"before" is ``benchmarks/before_coded.py`` (a frozen copy of the old module), "after" is
``tracker.analysis.coded``; beside them the plain pandas path (coding off) and DuckDB on an
Arrow table of the same rows (as ``tracker bench`` measures it), so the figures can be read
against the machine they ran on. The two paths take turns (five rounds after a warm-up) so
both meet the same load; figures are medians, with CPU seconds of this process beside wall
time (on a shared machine the CPU figures are the better guide).

Run: ``PYTHONPATH=src python benchmarks/bench_coded.py [rows]`` (default 1,000,000).
Every row is synthetic (``tracker.devtools.synth``); nothing here touches the bundled data.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import statistics
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


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(rows: int, rounds: int = 5) -> None:
    started = time.perf_counter()
    frame = synth.generate(rows, seed=1)
    print(f"{rows:,} SYNTHETIC incidents generated in {time.perf_counter() - started:.1f} s")
    spec = FilterSpec(**bench.BENCH_FILTER)
    paths = {"before (ctypes, private pandas)": _load_before(),
             "after (public pandas and numpy)": coded}
    prepared, heads = {}, set()
    for name, module in paths.items():
        with _using(module):
            prepared[name] = _timed(lambda module=module: module.prepare(frame))[0]
            heads.add(_page(frame, spec).headline)  # warm-up
    # The two paths take turns, so both meet the same load on a shared machine.
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    cuts: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, module in paths.items():
            with _using(module):
                times[name].append(_timed(lambda: _page(frame, spec)))
                cuts[name].append(_timed(lambda: _cut_by_pandas(frame))[0])
    with coded.disabled(), _using(coded):
        pandas_s, plain = bench._median(lambda: _page(frame, spec), repeats=1)
    duck_s, duck = bench.duckdb_overview(frame, spec)
    heads.add(plain.headline)
    if len(heads) != 1 or duck["incidents"] != plain.headline.incidents:
        raise SystemExit(f"The paths disagree: {heads} / {duck}")
    print(f"filter: {bench.BENCH_FILTER}; {plain.headline.incidents:,} rows match; "
          f"medians of {rounds} alternating rounds")
    print(f"{'':34} {'prepare':>9} {'page data':>10} {'page CPU':>9} {'pandas cut':>11}")
    summary = {}
    for name in paths:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        cut = statistics.median(cuts[name])
        summary[name] = (wall, cpu)
        print(f"{name:34} {prepared[name]:8.3f}s {wall:9.3f}s {cpu:8.3f}s {cut:10.3f}s")
    (old_wall, old_cpu), (new_wall, new_cpu) = summary.values()
    print(f"page data after / before: {new_wall / old_wall:.2f} (wall), "
          f"{new_cpu / old_cpu:.2f} (CPU)")
    print(f"plain pandas (coding off): {pandas_s:.3f} s; DuckDB: {duck_s:.3f} s; "
          f"after / DuckDB: {new_wall / duck_s:.2f}, before / DuckDB: {old_wall / duck_s:.2f}")
    print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
