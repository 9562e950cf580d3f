"""The Surges and Coverage pages in a real browser at 1280×720.

The timeline draws with its shaded surge spells and pinned events, the cards and the
incident list show, no exception box appears and (through the ``page`` fixture) no request
leaves localhost. Screenshots of the top of each page and of the cards and list, scrolled
into view, are saved under test-output/screenshots/.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot

pytestmark = pytest.mark.browser


def open_page(page, server: str, path: str) -> None:
    """Open the app's front page first, then the page: a deep link as the very first
    request of a fresh server is served by Streamlit's legacy page list instead of app.py."""
    open_app(page, server)
    open_app(page, f"{server}/{path}")


def wait_for_chart(page) -> None:
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_timeout(500)


def test_surges_page_draws_timeline_cards_and_sources(page, server):
    open_page(page, server, "surges")
    wait_for_chart(page)
    assert_no_exception(page)
    assert "Found" in page.locator("[data-testid='stAlert']").first.inner_text()
    # The shaded spells and the pinned events are drawn in the SVG.
    chart = page.locator(".js-plotly-plot").first
    assert chart.locator(".shapelayer path, .layer-below .shapelayer path").count() >= 1
    labels = chart.locator(".annotation-text").evaluate_all("els => els.map(e => e.textContent)")
    assert "Jaffar Express hijacking" in labels and "Noshki convoy attack" in labels
    screenshot(page, "surges-top")
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, "surges-timeline")
    cards = page.get_by_text("attacks in 48 h across").first
    cards.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, "surges-cards")
    table = page.locator("[data-testid='stDataFrame']").first
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "surges-incidents")


def test_coverage_page_draws_chart_and_table(page, server):
    open_page(page, server, "coverage")
    wait_for_chart(page)
    assert_no_exception(page)
    assert page.locator("h1").inner_text() == "How complete is the data?"
    screenshot(page, "coverage-top")
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, "coverage-chart")
    page.locator("[data-testid='stDataFrame']").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "coverage-table")


def test_comparison_section_on_the_overview(page, server):
    open_page(page, server, "?start=2025-03-01&end=2025-03-31")
    assert_no_exception(page)
    heading = page.get_by_role("heading", name="Change against earlier periods")
    heading.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert page.get_by_text("First time in the data").count() == 1
    screenshot(page, "compare-overview")
    page.get_by_text("First time in the data").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, "compare-overview-table")
