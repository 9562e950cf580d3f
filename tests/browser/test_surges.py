"""The Surges and Coverage pages in a real browser at 1280×720.

The timeline draws with its shaded surge spells and pinned events, the cards and the
incident list show, no exception box appears and (through the ``page`` fixture) no request
leaves localhost. Screenshots of the top of each page and of the cards and list, scrolled
into view, are saved under test-output/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, open_app, screenshot, scroll_to

pytestmark = pytest.mark.browser


def open_page(page, server: str, path: str) -> None:
    """Open the app's front page first, then the page: a deep link as the very first
    request of a fresh server is served by Streamlit's legacy page list instead of app.py."""
    open_app(page, server)
    open_app(page, f"{server}/{path}")


def wait_for_chart(page) -> None:
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=60_000)


def test_surges_page_draws_timeline_cards_and_sources(page, server):
    open_page(page, server, "surges")
    wait_for_chart(page)
    assert_no_exception(page)
    expect(page.locator("[data-testid='stAlert']").first).to_contain_text("Found")
    # The shaded spells and the pinned events are drawn in the SVG.
    chart = page.locator(".js-plotly-plot").first
    expect(chart.locator(".shapelayer path, .layer-below .shapelayer path").first).to_be_attached()
    labels = chart.locator(".annotation-text")
    for event in ("Jaffar Express hijacking", "Noshki convoy attack"):
        expect(labels.filter(has_text=event).first).to_be_attached()
    screenshot(page, "surges-top")
    scroll_to(chart)
    screenshot(page, "surges-timeline")
    scroll_to(page.get_by_text("attacks in 48 h across").first)
    screenshot(page, "surges-cards")
    scroll_to(page.locator("[data-testid='stDataFrame']").first)
    screenshot(page, "surges-incidents")


def test_coverage_page_draws_chart_and_table(page, server):
    open_page(page, server, "coverage")
    wait_for_chart(page)
    assert_no_exception(page)
    expect(page.locator("h1")).to_have_text("How complete is the data?")
    screenshot(page, "coverage-top")
    scroll_to(page.locator(".js-plotly-plot").first)
    screenshot(page, "coverage-chart")
    scroll_to(page.locator("[data-testid='stDataFrame']").first)
    screenshot(page, "coverage-table")


def test_comparison_section_on_the_overview(page, server):
    open_page(page, server, "?start=2025-03-01&end=2025-03-31")
    assert_no_exception(page)
    scroll_to(page.get_by_role("heading", name="Change against earlier periods"))
    first_time = page.get_by_text("First time in the data")
    expect(first_time).to_have_count(1)
    screenshot(page, "compare-overview")
    scroll_to(first_time)
    screenshot(page, "compare-overview-table")
