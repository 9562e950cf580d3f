"""Presenter mode in a real browser at 1280×720: every slide and step fits the screen.

For each slide (and each step of a stepped slide) the page must show no scrollbar
anywhere, no text running past its box or off the screen, body text of at least 20 px
(measured with getComputedStyle), the figure drawn (its pixels vary), no exception and,
through the ``page`` fixture, no request outside localhost. A screenshot of each is saved
under test-output/screenshots/present-*.png.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, open_app, screenshot, wait_for_run
from tracker.present import slides

pytestmark = pytest.mark.browser

DECK = slides.load_deck()
POSITIONS = [
    (number, step)
    for number, slide in enumerate(DECK.slides, start=1)
    for step in (range(1, slide.step_count + 1) if slide.step_count else [None])
]
MIN_PX = 20.0

MEASURE = """
() => {
  const problems = {scrollers: [], small: [], overflow: []};
  const vw = window.innerWidth, vh = window.innerHeight;
  const se = document.scrollingElement;
  const main = document.querySelector('[data-testid="stMain"]');
  const docScroll = {scrollHeight: se.scrollHeight, clientHeight: se.clientHeight,
                     mainScroll: main.scrollHeight, mainClient: main.clientHeight};
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (rect.right <= 0 || rect.bottom <= 0) continue;  // parked off-screen (skip link)
    const scrollsY = ['auto', 'scroll'].includes(style.overflowY);
    const scrollsX = ['auto', 'scroll'].includes(style.overflowX);
    if ((scrollsY && el.scrollHeight > el.clientHeight + 1) ||
        (scrollsX && el.scrollWidth > el.clientWidth + 1)) {
      problems.scrollers.push(`${el.tagName}.${el.className}`.slice(0, 120));
    }
    if (el.closest('.js-plotly-plot, svg, canvas, [data-testid="stPopoverBody"]')) continue;
    const text = [...el.childNodes]
      .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent.trim()).join(' ');
    if (!text) continue;
    const size = parseFloat(style.fontSize);
    if (size < MIN_PX) problems.small.push(`${size}px: ${text.slice(0, 60)}`);
    if (el.scrollWidth > el.clientWidth + 1 && style.overflowX !== 'visible'
        || rect.right > vw + 1 || rect.bottom > vh + 1 || rect.left < -1) {
      problems.overflow.push(`${text.slice(0, 60)} @ ${Math.round(rect.right)},` +
                             `${Math.round(rect.bottom)}`);
    }
  }
  const chartText = [...document.querySelectorAll('.js-plotly-plot svg text')]
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  const sizes = chartText.map(t => parseFloat(getComputedStyle(t).fontSize));
  return {docScroll, problems, chartTextMin: Math.min(...sizes),
          chartTextCount: chartText.length,
          legendTextCount: chartText.filter(t => t.closest('.legend')).length,
          axisTextCount: chartText.filter(t => t.closest('.xtick, .ytick')).length};
}
""".replace("MIN_PX", str(MIN_PX))


@pytest.fixture(scope="module")
def app_url(server, browser) -> str:
    """The server's URL, after one session has run ``app.py`` on it.

    With a ``pages/`` folder beside ``app.py``, Streamlit 1.67 runs a page file on its own
    (legacy multipage mode, no ``app.py``) for sessions that open a sub-page link before
    any session has called ``st.navigation`` in that server process. Opening the main
    page once takes the server out of that mode, so these tests measure presenter mode.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    open_app(context.new_page(), server)
    context.close()
    return server


def wait_for_figure(page, is_map: bool) -> None:
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    if is_map:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].some("
            "el => el._fullLayout && el._fullLayout.map && el._fullLayout.map._subplot"
            " && el._fullLayout.map._subplot.map.loaded())",
            timeout=60_000,
        )
    # the figure's words (axes, legend) are drawn last
    expect(page.locator(".js-plotly-plot svg text").first).to_be_visible(timeout=30_000)


@pytest.mark.parametrize(("number", "step"), POSITIONS,
                         ids=[f"slide{n}" + (f"-step{s}" if s else "") for n, s in POSITIONS])
def test_slide_fits_the_screen_in_presenter_mode(page, app_url, number, step):
    slide = DECK.slides[number - 1]
    query = f"present=1&slide={number}" + (f"&step={step}" if step else "")
    open_app(page, f"{app_url}/present?{query}")
    assert_no_exception(page)
    wait_for_figure(page, slide.figure.endswith("_map"))
    name = f"present-{number}-{slide.id}" + (f"-step{step}" if step else "")
    screenshot(page, name)

    expect(page.locator("h1").first).to_have_text(slide.title)
    expect(page.get_by_text(f"{number} / {len(DECK)}", exact=True)).to_be_visible()
    expect(page.locator("[data-testid='stSidebar']")).not_to_be_visible()
    assert page.locator("[data-testid='stWarning']").count() == 0  # a valid link: no notice

    found = page.evaluate(MEASURE)
    scroll = found["docScroll"]
    assert scroll["scrollHeight"] <= scroll["clientHeight"], scroll
    assert scroll["mainScroll"] <= scroll["mainClient"], scroll
    assert found["problems"]["scrollers"] == []
    assert found["problems"]["overflow"] == []
    assert found["problems"]["small"] == []
    # The figure's own words (legend, axes, colour bar) are there and large enough to read.
    # A chart labels its axes; a map's white base style draws no text on its canvas, so
    # its words are the legend saying what the marks are (and a colour bar, if shaded).
    if slide.figure.endswith("_map"):
        assert found["legendTextCount"] >= 1, found
    else:
        assert found["axisTextCount"] >= 1, found
    assert found["chartTextCount"] >= 1, found
    assert found["chartTextMin"] >= MIN_PX - 2, found

    chart = page.locator(".js-plotly-plot").first
    pixels = Image.open(io.BytesIO(chart.screenshot())).convert("L")
    assert max(ImageStat.Stat(pixels).stddev) > 10, "the figure looks blank"


def assert_drawn_png(download, path) -> None:
    """Save a downloaded image and check that it is a PNG with something drawn on it."""
    download.save_as(path)
    image = Image.open(path)
    assert image.format == "PNG" and max(ImageStat.Stat(image.convert("L")).stddev) > 10


def _click_and_wait(page, label: str, url_part: str) -> None:
    page.get_by_role("button", name=label).click()
    page.wait_for_function(f"() => location.search.includes({url_part!r})", timeout=30_000)
    wait_for_run(page)


def test_next_and_previous_move_through_steps_and_slides(page, app_url):
    open_app(page, f"{app_url}/present?present=1&slide=3")
    _click_and_wait(page, "▶", "step=1")
    surge = DECK.slides[3]
    assert "slide=4" in page.url
    assert page.locator("h1").first.inner_text().strip() == surge.title
    _click_and_wait(page, "▶", "step=2")
    assert page.get_by_text("Day 2 of 3", exact=False).first.is_visible()
    page.get_by_role("button", name="▶").hover()  # the pointer rests where it clicked
    page.wait_for_timeout(1500)
    tips = page.locator("[data-testid='stTooltipContent'], [role='tooltip']")
    assert not any(tips.nth(i).is_visible() for i in range(tips.count())), \
        "a tooltip covers the slide after a click"
    _click_and_wait(page, "◀", "step=1")
    _click_and_wait(page, "◀", "slide=3")
    assert "step=" not in page.url
    assert page.locator("h1").first.inner_text().strip() == DECK.slides[2].title


@pytest.mark.parametrize("bad", ["99", "zero", "-1"])
def test_a_bad_slide_number_shows_a_notice(page, app_url, bad):
    open_app(page, f"{app_url}/present?present=1&slide={bad}")
    assert_no_exception(page)
    notice = page.locator("[data-testid='stAlertContentWarning']").first.inner_text()
    assert "slide" in notice.lower()
    expected = len(DECK) if bad == "99" else 1
    assert page.get_by_text(f"{expected} / {len(DECK)}", exact=True).is_visible()


@pytest.mark.parametrize(("path", "title"), [
    ("?present=1", "Militant attacks in Pakistan"),
    ("balochistan?present=1&start=2025-01-01&end=2025-12-31", "Balochistan: attacks by district"),
    ("data?present=1&province=PK-KP", "Militant attacks in Khyber Pakhtunkhwa"),
])
def test_present_param_turns_any_view_into_one_screen(page, app_url, path, title):
    """``?present=1`` on a dashboard view shows that view's filter as one slide: no
    sidebar, no controls, large type, nothing that scrolls."""
    open_app(page, f"{app_url}/{path}")
    assert_no_exception(page)
    wait_for_figure(page, is_map=True)
    assert page.locator("h1").first.inner_text().strip() == title
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    found = page.evaluate(MEASURE)
    scroll = found["docScroll"]
    assert scroll["scrollHeight"] <= scroll["clientHeight"], scroll
    assert scroll["mainScroll"] <= scroll["mainClient"], scroll
    assert found["problems"] == {"scrollers": [], "small": [], "overflow": []}, found
    assert found["legendTextCount"] >= 1 and found["chartTextMin"] >= MIN_PX - 2, found
    screenshot(page, "present-view-" + (path.split("?")[0] or "overview"))


def test_export_menu_downloads_the_slide_png_and_the_whole_deck(page, app_url, tmp_path):
    from pptx import Presentation

    open_app(page, f"{app_url}/present?present=1&slide=2")
    page.get_by_role("button", name="Export").click()
    page.get_by_role("button", name="This figure as PNG").wait_for()
    screenshot(page, "present-export-menu")
    with page.expect_download(timeout=120_000) as png_download:
        page.get_by_role("button", name="This figure as PNG").click()
    assert_drawn_png(png_download.value, tmp_path / "slide.png")
    with page.expect_download(timeout=300_000) as deck_download:
        page.get_by_role("button", name="Whole deck as PowerPoint").click()
    deck = tmp_path / "deck.pptx"
    deck_download.value.save_as(deck)
    titles = [page.shapes[0].text_frame.text for page in Presentation(str(deck)).slides]
    slide_titles = [t for t in titles[1:-1] if not t.endswith(" (continued)")]
    assert slide_titles == [s.title for s in DECK.slides] and titles[-1] == "Sources"


def test_overview_map_downloads_as_png(page, app_url, tmp_path):
    open_app(page, app_url)
    wait_for_figure(page, is_map=True)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Chart as PNG").click()
    assert_drawn_png(download.value, tmp_path / "overview.png")
    screenshot(page, "present-overview-exports")
