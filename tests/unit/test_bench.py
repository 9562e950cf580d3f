"""``tracker bench`` at tiny sizes: every measure is there and each ratio is computed from
the times measured in the same run. Speed itself is never asserted."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.devtools import bench

pytestmark = pytest.mark.slow

PER_SIZE = {
    "rows", "ingest_s", "ingest_raw_s", "ingest_ratio", "store_load_s", "index_s",
    "page_data_s", "page_data_duckdb_s", "page_data_ratio", "compare_s", "figures_s",
    "figure_s", "figure_json_bytes", "figure_json_max_bytes", "peak_rss_mb",
    "peak_rss_with_baseline_mb",
}
FIGURES = {"overview_map", "overview_timeline_day", "overview_timeline_week",
           "overview_timeline_month", "overview_attack_type", "overview_target",
           "overview_perpetrator", "balochistan_districts", "khyber_pakhtunkhwa_districts"}


@pytest.fixture(scope="module")
def report() -> dict:
    result = CliRunner().invoke(main, ["bench", "--rows", "300,600", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_one_json_object_with_machine_and_every_size(report):
    machine = report["machine"]
    assert machine["cores"] >= 1 and machine["memory_mb"] > 0
    assert set(machine["versions"]) >= {"pandas", "duckdb", "pyarrow"}
    assert [r["rows"] for r in report["results"]] == [300, 600]
    for result in report["results"]:
        assert set(result) >= PER_SIZE, PER_SIZE - set(result)
        assert set(result["figure_json_bytes"]) == FIGURES
        for key in ("ingest_s", "ingest_raw_s", "store_load_s", "page_data_s",
                    "page_data_duckdb_s", "figures_s"):
            assert result[key] > 0, key


def test_ratios_come_from_the_measured_times(report):
    for result in report["results"]:
        assert result["ingest_ratio"] == pytest.approx(
            result["ingest_s"] / result["ingest_raw_s"], rel=0.02, abs=0.01)
        assert result["page_data_ratio"] == pytest.approx(
            result["page_data_s"] / result["page_data_duckdb_s"], rel=0.02, abs=0.01)
        sizes = result["figure_json_bytes"]
        assert result["figure_json_max_bytes"] == max(sizes.values())
        assert result["figures_s"] == pytest.approx(sum(result["figure_s"].values()), abs=0.01)
        # the app's own peak is read before the DuckDB baseline runs, in the same process
        assert result["peak_rss_with_baseline_mb"] >= result["peak_rss_mb"] > 50


def test_targets_are_judged_on_the_largest_size(report):
    largest = report["results"][-1]
    targets = {t["key"]: t for t in report["targets"]}
    assert set(targets) == set(bench.TARGETS)
    for key, target in targets.items():
        assert target["value"] == largest[key]
        op, limit, _ = bench.TARGETS[key]
        assert target["met"] == (largest[key] <= limit if op == "≤" else largest[key] < limit)


def test_the_printed_table_has_a_row_per_measure():
    fake = {"rows": 1000, "ingest_s": 2.0, "ingest_raw_s": 1.0, "ingest_ratio": 2.0,
            "page_data_s": 0.3, "page_data_duckdb_s": 0.1, "page_data_ratio": 3.0,
            "figure_json_max_bytes": 2 * 1024 * 1024, "peak_rss_mb": 100.0,
            "store_load_s": 0.5}
    text = bench.table_text({"results": [fake]})
    assert "| ingest ratio (target ≤ 3) | 2.00× |" in text
    assert "| page data ratio (target ≤ 1.5) | 3.00× |" in text
    assert "| largest figure JSON (MB) | 2.00 |" in text
    judged = {t["key"]: t for t in bench.check_targets(fake)}
    assert judged["page_data_ratio"]["met"] is False
    assert judged["page_data_ratio"]["over_by"] == 2.0
    assert judged["ingest_ratio"]["met"] is True


def test_bad_sizes_are_refused():
    result = CliRunner().invoke(main, ["bench", "--rows", "ten"])
    assert result.exit_code != 0
    assert "whole numbers" in result.output


def test_ingest_is_timed_on_the_users_path_beside_the_raw_baseline(tmp_path):
    from tracker.devtools import bench

    result = bench.measure_ingest(300, tmp_path, 1)
    assert result["ingest_accepted"] + result["ingest_duplicates"] <= 300
    assert result["ingest_s"] > 0 and result["ingest_raw_s"] > 0
    assert result["ingest_peak_rss_mb"] > 50  # a Python process with pandas loaded
    assert result["ingest_ratio"] == pytest.approx(result["ingest_s"] / result["ingest_raw_s"],
                                                   rel=0.05)  # both rounded to ms
    assert (tmp_path / "synth-300.csv").read_text().count("SYNTHETIC") >= 300


def test_browser_unseen_filters_are_valid_links_and_never_repeat():
    from urllib.parse import parse_qs, urlsplit

    from tracker.analysis.filters import FilterSpec
    from tracker.devtools import bench_browser

    assert set(bench_browser.UNSEEN_FILTERS) == {n for n, _ in bench_browser.BROWSER_PAGES}
    specs = []
    for page, queries in bench_browser.UNSEEN_FILTERS.items():
        assert len(queries) == bench_browser.BROWSER_LOADS - 1, page
        for query in queries:
            spec, notices = FilterSpec.from_query(parse_qs(urlsplit(query).query))
            assert notices == [] and spec != FilterSpec(), query
            specs.append(spec)
    assert len(set(specs)) == len(specs)
