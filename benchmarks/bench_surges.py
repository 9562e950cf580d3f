"""Benchmark: rolling windows, surge detection and period comparison on synthetic incidents.

Prints timings beside a raw baseline measured in the same run (a bare pandas daily count
and 2-day rolling sum), so the figures can be read against the machine they ran on.
Run: ``python benchmarks/bench_surges.py [rows ...]`` (default 100,000 and 1,000,000).
Every row is synthetic (``tracker.devtools.synth``); nothing here touches the bundled data.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from tracker.analysis import comparison, surge_detection
from tracker.devtools import synth


def timed(label: str, func, repeat: int = 3) -> float:
    best = min(_once(func) for _ in range(repeat))
    print(f"  {label:<48} {best:8.3f} s")
    return best


def _once(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main(sizes: list[int]) -> None:
    for rows in sizes:
        frame = synth.generate(rows, seed=1)
        print(f"{rows:,} synthetic incidents, {frame['date'].min():%Y-%m-%d} – "
              f"{frame['date'].max():%Y-%m-%d}")
        timed("baseline: daily count + rolling(2).sum (pandas)",
              lambda f=frame: f.groupby(f["date"].dt.normalize()).size().rolling(2).sum())
        timed("rolling_windows 48 h, Pakistan", lambda f=frame: surge_detection.rolling_windows(f))
        for by in (None, "province", "district"):
            params = surge_detection.SurgeParams(min_count=surge_detection.DEFAULT_MIN_COUNT[by or
                                                                                 "Pakistan"])
            timed(f"find_surges 48 h by {by or 'Pakistan'}",
                  lambda f=frame, b=by, p=params: surge_detection.find_surges(f, p, by=b))
        timed("compare_periods by district (one month)",
              lambda f=frame: comparison.compare_periods(f, dt.date(2025, 3, 1),
                                                        dt.date(2025, 3, 31), by="district"))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
