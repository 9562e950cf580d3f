"""Every page in a real browser: drawn, no exception, real figures, nothing fetched online."""

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot

pytestmark = pytest.mark.browser

PAGES = [("", "overview"), ("data", "data")]


@pytest.mark.parametrize(("path", "name"), PAGES, ids=[n for _, n in PAGES])
def test_page_draws_without_exception(page, server, path, name):
    open_app(page, f"{server}/{path}")
    assert_no_exception(page)
    assert page.locator("h1").count() >= 1
    screenshot(page, f"page-{name}")


def test_overview_shows_the_bundled_headline(page, server, bundled):
    open_app(page, server)
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert f"{len(bundled):,}" in metrics
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)


def test_navigation_shows_only_our_page_titles(page, server):
    open_app(page, server)
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Overview" in nav and "Incidents" in nav
    assert "overview" not in nav.split()  # no automatic page list from file names
