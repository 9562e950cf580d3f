"""A store of 100,000 SYNTHETIC incidents in a real browser: the Overview stays light.

The store is built once per session. The Overview is drawn in headless Chromium; the test
then measures what the browser received: the JSON of every plotly figure on the page (read
from the figures themselves) and every byte that came over Streamlit's websocket. Figure
data must stay under the payload limit, and the synthetic-data banner must be on screen.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import (
    OUTPUT,
    assert_no_exception,
    open_app,
    screenshot,
    scroll_to,
    streamlit_server,
)
from tracker.devtools import bench, synth
from tracker.store.database import Store

pytestmark = pytest.mark.browser

ROWS = 100_000
FIGURE_LIMIT = 3 * 1024 * 1024
"""Figure data one page may send, all figures together (bytes of JSON)."""
PAGE_LIMIT = 12 * 1024 * 1024
"""Everything the page's websocket may carry for one load (figures, tables, text)."""

FIGURE_SIZES = """
() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => ({
  traces: (gd.data || []).length,
  bytes: new TextEncoder().encode(JSON.stringify({data: gd.data, layout: gd.layout})).length,
}))
"""


@pytest.fixture(scope="session")
def big_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payload-store")
    url = f"sqlite:///{(folder / 'big.db').as_posix()}"
    bench.fill_store(url, synth.generate(ROWS, seed=3))
    store = Store(url)
    for batch_id in store.batches().query("uploaded_by == 'benchmark'")["batch_id"]:
        store.mark_reviewed(batch_id, actor="test setup")  # published: the public view is big
    store.engine.dispose()
    with streamlit_server(url, tmp_path_factory.mktemp("payload-state")) as base:
        yield base


def test_overview_at_100k_sends_little_figure_data(page, big_server, bundled):
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: received.append(len(payload))))
    open_app(page, big_server, timeout_ms=180_000)
    assert_no_exception(page)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 5",
                           timeout=120_000)
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert f"{ROWS + len(bundled):,}" in metrics  # the app also seeds the real sample
    banner = page.get_by_text("SYNTHETIC DATA", exact=False)
    assert banner.count() >= 1 and banner.first.is_visible()
    assert f"{ROWS:,} of {ROWS + len(bundled):,}" in banner.first.inner_text()
    figures = page.evaluate(FIGURE_SIZES)
    total_figures = sum(f["bytes"] for f in figures)
    total_socket = sum(received)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT.parent / "payload-100k.json").write_text(json.dumps(
        {"rows": ROWS, "figures": figures, "figure_bytes": total_figures,
         "websocket_bytes": total_socket}, indent=1))
    screenshot(page, "payload-overview-100k")
    scroll_to(page.locator(".js-plotly-plot").first)
    screenshot(page, "payload-overview-100k-map")
    assert len(figures) >= 5
    assert total_figures < FIGURE_LIMIT, figures
    assert max(f["bytes"] for f in figures) < FIGURE_LIMIT
    assert 0 < total_socket < PAGE_LIMIT, total_socket
    # Far more incidents than the map draws one by one: they are summed into districts.
    assert page.get_by_text("summed into district bubbles", exact=False).count() >= 1
