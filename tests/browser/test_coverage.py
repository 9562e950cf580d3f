"""Coverage in a real browser: the timelines carry the publisher's monthly count, and a
comparison across months of very different coverage is not reported as a trend."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot

pytestmark = pytest.mark.browser

TRACES = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .map(gd => (gd.data || []).map(t => ({name: t.name || '',
        hover: Array.from(t.hovertext || []).filter(Boolean).join(' ')})))"""


@pytest.mark.parametrize("path", ["", "balochistan", "khyber_pakhtunkhwa"])
def test_timelines_carry_a_series_named_for_its_publisher(page, server, path):
    open_app(page, f"{server}/{path}")
    assert_no_exception(page)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd =>"
        " (gd.data || []).some(t => (t.name || '').endsWith(': attacks published')))",
        timeout=60_000)
    charts = page.evaluate(TRACES)
    series = [t for chart in charts for t in chart if t["name"].endswith(": attacks published")]
    assert series, charts
    assert all(t["name"].split(":")[0] in ("PICSS", "PIPS") for t in series)
    # hovering a month shows the sample's coverage of that publisher's count
    assert any("coverage" in t["hover"] and "published" in t["hover"] for t in series)
    legend = page.locator(".legendtext").evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert any(text.startswith(("PICSS: attacks published", "PIPS: attacks published"))
               for text in legend), legend
    screenshot(page, f"coverage-timeline-{path or 'overview'}")


def test_april_2025_against_march_is_not_comparable(page, server, bundled):
    open_app(page, f"{server}/?start=2025-04-01&end=2025-04-30")
    assert_no_exception(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "not comparable" in text
    # PICSS's own change is shown instead (82 attacks in April 2025, 105 in March:
    # data/reference_counts.csv)
    assert "PICSS published 82 attacks against 105" in text
    # and the sample's own fall from March is never printed as a percentage
    days = bundled["date"].dt.strftime("%Y-%m")
    april, march = int((days == "2025-04").sum()), int((days == "2025-03").sum())
    sample_change = f"{(april - march) / march:+.0%}"
    assert sample_change not in text, sample_change
    deltas = page.locator("[data-testid='stMetricDelta']").all_inner_texts()
    assert not any("%" in d for d in deltas), deltas
    screenshot(page, "coverage-april-2025")
