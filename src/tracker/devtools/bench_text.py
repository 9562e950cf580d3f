"""The results of ``tracker bench`` as text: Markdown tables, machine, targets."""

from __future__ import annotations

from typing import Any

# --- the printed table ------------------------------------------------------------------------

ROWS = (
    ("file_mb", "ingest: size of the tracker synth CSV (MB)", "{:,.0f}"),
    ("ingest_s", "ingest: `tracker ingest FILE --json`, wall (s)", "{:.2f}"),
    ("ingest_raw_s", "ingest: raw pyarrow + bulk insert (s)", "{:.2f}"),
    ("ingest_ratio", "ingest ratio (target ≤ 3)", "{:.2f}×"),
    ("ingest_cpu_s", "ingest: `tracker ingest`, CPU time (s)", "{:.2f}"),
    ("ingest_raw_cpu_s", "ingest: raw baseline, CPU time (s)", "{:.2f}"),
    ("ingest_cpu_ratio", "ingest ratio in CPU time", "{:.2f}×"),
    ("store_load_s", "store load into the app's frame, first after a change (s)", "{:.3f}"),
    ("store_load_cpu_s", "store load, CPU time of the process (s)", "{:.3f}"),
    ("snapshot_load_s", "store load from its snapshot, fresh process (s)", "{:.3f}"),
    ("snapshot_load_cpu_s", "store load from its snapshot, CPU time (s)", "{:.3f}"),
    ("snapshot_load_peak_rss_mb", "peak memory of that load (MB)", "{:,.0f}"),
    ("index_s", "coding the table once per store version (s)", "{:.3f}"),
    ("page_data_s", "Overview data, one filter change (s)", "{:.3f}"),
    ("page_data_duckdb_s", "same aggregates in DuckDB (s)", "{:.3f}"),
    ("page_data_ratio", "page data ratio (target ≤ 1.5)", "{:.2f}×"),
    ("page_data_cpu_s", "Overview data, CPU time (s)", "{:.3f}"),
    ("compare_s", "period comparison section (s)", "{:.3f}"),
    ("figures_s", "all figures built + JSON (s)", "{:.2f}"),
    ("figure_json_max_bytes", "largest figure JSON (MB)", "mb"),
    ("figure_json_max", "largest figure", "{}"),
    ("peak_rss_mb", "peak memory, app-like process (MB)", "{:,.0f}"),
    ("peak_rss_with_baseline_mb", "same process after the DuckDB baseline (MB)", "{:,.0f}"),
    ("ingest_peak_rss_mb", "peak memory, `tracker ingest` process (MB)", "{:,.0f}"),
)


def table_text(report: dict[str, Any]) -> str:
    """The results as a Markdown table: one row per measure, one column per size."""
    results = report["results"]
    header = ["measure", *[f"{r['rows']:,} rows" for r in results]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for key, label, fmt in ROWS:
        if not any(key in r for r in results):
            continue
        cells = [label]
        for r in results:
            value = r.get(key)
            if value is None:
                cells.append("–")
            elif fmt == "mb":
                cells.append(f"{value / 1024 / 1024:.2f}")
            else:
                cells.append(fmt.format(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def figures_text(report: dict[str, Any]) -> str:
    """Per figure: build time and JSON size at each size (Markdown)."""
    results = [r for r in report["results"] if "figure_json_bytes" in r]
    if not results:
        return ""
    names = list(results[0]["figure_json_bytes"])
    header = ["figure", *[f"{r['rows']:,} rows: s / KB" for r in results]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in names:
        cells = [name]
        for r in results:
            cells.append(f"{r['figure_s'][name]:.3f} / {r['figure_json_bytes'][name] / 1024:,.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine_text(report: dict[str, Any]) -> str:
    m = report["machine"]
    return (f"Machine: {m['cores']} cores ({m['cores_usable']} usable), "
            f"{(m['memory_mb'] or 0) / 1024:.1f} GB memory, {m['platform']}, Python "
            f"{m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
            + f". Load average before/after: {m['load_average_before']} / "
            f"{m.get('load_average_after')}.")


def targets_text(report: dict[str, Any]) -> str:
    lines = []
    for t in report["targets"]:
        if t["met"] is None:
            lines.append(f"- {t['target']}: not measured")
        else:
            state = "met" if t["met"] else f"MISSED ({t['over_by']}× the limit)"
            lines.append(f"- {t['target']}: {_fmt_value(t['key'], t['value'])} — {state}")
    return "\n".join(lines)


def _fmt_value(key: str, value: float) -> str:
    if key == "figure_json_max_bytes":
        return f"{value / 1024 / 1024:.2f} MB"
    if key.endswith("_ratio"):
        return f"{value:.2f}×"
    if key.endswith("_s"):
        return f"{value:.3f} s"
    if key.endswith("_mb"):
        return f"{value:,.0f} MB"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    """The measured part of ``docs/benchmarks.md``: machine, table, figures, targets."""
    sizes = ", ".join(f"{r['rows']:,}" for r in report["results"])
    return "\n\n".join([
        f"Measured {report['measured_at']} with `tracker bench --rows "
        f"{','.join(str(r['rows']) for r in report['results'])}` ({sizes} rows).",
        machine_text(report),
        "Filter timed for page data: " + ", ".join(
            f"{k} = {v}" for k, v in report.get("filter", {}).items()) + ".",
        table_text(report),
        "Per figure, the default view (everything): build + JSON time / JSON size.",
        figures_text(report),
        f"Targets, judged on {max(r['rows'] for r in report['results']):,} rows:",
        targets_text(report),
    ]) + "\n"
