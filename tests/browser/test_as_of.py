"""In a real browser: a link as of a moment before an upload shows the earlier count."""

import time

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot, streamlit_server
from tests.unit.test_store_concurrency import incidents_frame
from tracker.analysis import asof
from tracker.store.database import BatchMeta, Store

pytestmark = pytest.mark.browser


def _incidents(page) -> str:
    label = page.locator("[data-testid='stMetric']", has_text="Incidents").first
    return label.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_a_link_as_of_a_moment_before_an_upload_shows_the_earlier_count(browser, page,
                                                                         tmp_path, bundled):
    url = f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    store = Store(url)
    store.seed()
    time.sleep(0.05)
    before = asof.to_param(asof.now())
    time.sleep(0.05)
    store.add_batch(incidents_frame([f"late-{i}" for i in range(14)]),
                    BatchMeta("late.csv", "tester", sha256="late", reviewed=True))
    with streamlit_server(url, tmp_path / "state") as base:
        open_app(page, base)
        assert _incidents(page) == f"{len(bundled) + 14:,}"
        open_app(page, f"{base}/?as_of={before}")
        assert_no_exception(page)
        assert _incidents(page) == f"{len(bundled):,}"
        main = page.locator("[data-testid='stMain']").inner_text()
        assert "Newer data exists" in main and "as of" in main.lower()
        assert "Open the live view" in main
        screenshot(page, "as-of-overview")
        page.get_by_text("Open the live view").click()
        page.wait_for_timeout(1500)
        pages = page.context.pages
        live = pages[-1]
        open_app(live, live.url)
        assert "as_of" not in live.url
        assert _incidents(live) == f"{len(bundled) + 14:,}"
    store.engine.dispose()
