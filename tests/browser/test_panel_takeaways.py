"""Takeaways a reader sees without clicking, in a real browser at 1280×720.

On the Overview, Balochistan and Khyber Pakhtunkhwa pages, nothing is clicked. For each
chart, the visible text between it and the next chart is collected from the DOM (text in
a collapsed expander is not rendered, so it does not count): every chart must have at least
one takeaway there, with its theme and the brief's citation. Balochistan must show a CPEC
and an Iran takeaway; KP and the Overview an Afghanistan one. The whole page's innerText is
checked too, and a screenshot of each page is saved under test-output/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, assert_no_exception, open_app
from tracker.briefs import model

pytestmark = pytest.mark.browser

CITATION = "Sanober Institute (2025), in our words"

VISIBLE_AFTER_EACH_CHART = """
() => {
  const main = document.querySelector('[data-testid=stMain]');
  const charts = [...main.querySelectorAll('.js-plotly-plot')];
  const segments = charts.map(() => []);
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest('.js-plotly-plot')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    let last = -1;
    charts.forEach((chart, i) => {
      if (chart.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING) last = i;
    });
    if (last >= 0) segments[last].push(node.textContent);
  }
  return {segments: segments.map(s => s.join(' ')), inner: main.innerText};
}
"""

FIGURES_FIT = """
() => [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')].every(el =>
  el._fullLayout && Math.abs(el._fullLayout.width - el.getBoundingClientRect().width) < 2)
"""

PAGES = {
    "": ("overview", 5, ["Afghanistan/TTP"]),
    "balochistan": ("balochistan", 5, ["China/CPEC", "Iran border"]),
    "khyber_pakhtunkhwa": ("khyber-pakhtunkhwa", 5, ["Afghanistan/TTP"]),
}


def visible_after_each_chart(page, charts: int) -> dict:
    last = page.locator("[data-testid=stMain] .js-plotly-plot").nth(charts - 1)
    expect(last.locator(".main-svg").first).to_be_visible(timeout=60_000)
    return page.evaluate(VISIBLE_AFTER_EACH_CHART)


@pytest.mark.parametrize("path", list(PAGES), ids=[v[0] for v in PAGES.values()])
def test_every_chart_shows_its_takeaways_without_a_click(page, server, path):
    name, charts, themes = PAGES[path]
    open_app(page, f"{server}/{path}")
    assert_no_exception(page)
    found = visible_after_each_chart(page, charts)
    segments, inner = found["segments"], found["inner"]
    assert len(segments) >= charts
    for n, text in enumerate(segments):
        shown = [t for t in model.THEMES if t in text]
        assert shown, f"chart {n} on /{path} has no visible takeaway after it: {text[:300]!r}"
        assert CITATION in text, f"chart {n} on /{path}: no citation in {text[:300]!r}"
    after_charts = " ".join(segments)
    for theme in themes:
        assert theme in after_charts, f"/{path} shows no {theme} takeaway without a click"
        assert theme in inner
    if name == "balochistan":
        assert "CPEC" in inner and "Iran" in inner
    else:
        assert "Afghanistan" in inner
    # the rest of the takeaways wait in one collapsed list at the foot of the page
    expect(page.get_by_text("takeaways for")).to_have_count(1)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(height + 40, 8000)})
    page.wait_for_function(FIGURES_FIT)  # every chart laid out for the new window
    page.screenshot(path=str(OUTPUT / f"takeaways-{name}-1280.png"))
    assert_no_exception(page)
