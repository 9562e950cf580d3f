"""In a real browser: a link as of a moment before an upload shows the earlier count."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, open_app, screenshot, streamlit_server
from tests.unit.test_store_concurrency import incidents_frame
from tracker.analysis import asof
from tracker.store.database import BatchMeta, Store

pytestmark = pytest.mark.browser


def _incidents(page):
    """The Incidents metric's value, for ``expect``."""
    label = page.locator("[data-testid='stMetric']", has_text="Incidents").first
    return label.locator("[data-testid='stMetricValue']")


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
        expect(_incidents(page)).to_have_text(f"{len(bundled) + 14:,}")
        open_app(page, f"{base}/?as_of={before}")
        assert_no_exception(page)
        expect(_incidents(page)).to_have_text(f"{len(bundled):,}")
        main = page.locator("[data-testid='stMain']")
        expect(main).to_contain_text("Newer data exists", use_inner_text=True)
        expect(main).to_contain_text("as of", ignore_case=True, use_inner_text=True)
        expect(main).to_contain_text("Open the live view", use_inner_text=True)
        screenshot(page, "as-of-overview")
        link = page.get_by_role("link", name="Open the live view")
        if link.get_attribute("target") == "_blank":
            with page.context.expect_page() as opened:
                link.click()
            live = opened.value
        else:
            link.click()
            page.wait_for_url(lambda u: "as_of" not in u)
            live = page
        open_app(live, live.url)
        assert "as_of" not in live.url
        expect(_incidents(live)).to_have_text(f"{len(bundled) + 14:,}")
    store.engine.dispose()
