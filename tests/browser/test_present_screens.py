"""The presenter driven by the keyboard alone, measured on three screens.

At 1280×720, 1920×1080 and 4:3 1024×768 the test opens the briefing, walks it with the
keys a presenter or a clicker uses (→, Space, PageDown on; ←, PageUp, Backspace back;
Home, End; B to blank), and at every slide, step and part measures: nothing scrolls, the
slide fills at least 90% of the window's height, no text under 20 px, and no element
covers slide text (each line of text is the topmost thing at its centre). A province
page with ``?present=1`` is walked the same way through its panels. Screenshots go to
test-output/screenshots/present-screen-*.png.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageStat

from tests.browser.conftest import assert_no_exception, open_app, screenshot, wait_for_run
from tests.browser.test_present import MEASURE, MIN_PX
from tracker.present import slides

pytestmark = pytest.mark.browser

DECK = slides.load_deck()
SCREENS = [(1280, 720), (1920, 1080), (1024, 768)]
FILL = 0.9

LAYOUT = """
() => {
  const vh = window.innerHeight;
  const main = document.querySelector('[data-testid="stMain"]');
  let top = Infinity, bottom = 0;
  for (const el of main.querySelectorAll('h1, p, canvas, .js-plotly-plot, button, svg')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
  }
  // Every line of slide text must be the topmost thing along its height.
  const covered = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, owner = node.parentElement;
    if (!node.textContent.trim() || owner.closest('.js-plotly-plot, svg, button')) continue;
    const style = getComputedStyle(owner);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const range = document.createRange(); range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (!r.width || !r.height) continue;
      for (const y of [0.2, 0.5, 0.85]) {  // top, middle and foot of the line
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height * y);
        if (!hit || !(hit === owner || owner.contains(hit))) {
          const what = hit ? hit.tagName + '.' + String(hit.className).slice(0, 40) : 'nothing';
          covered.push(`${node.textContent.trim().slice(0, 40)} under ${what}`);
          break;
        }
      }
    }
  }
  const tips = [...document.querySelectorAll('[data-testid="stTooltipContent"], [role="tooltip"]')]
    .filter(t => t.getBoundingClientRect().width > 0).length;
  return {top, bottom, span: (bottom - Math.max(top, 0)) / vh, covered, tips,
          screen: document.documentElement.dataset.presenterScreen || ''};
}
"""


@pytest.fixture(scope="module")
def app_url(server, browser) -> str:
    """The server's URL once a session has run ``app.py`` (see test_present.app_url)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    open_app(context.new_page(), server)
    context.close()
    return server


def wait_for_slide(page, width: int, height: int) -> None:
    """Wait until the run is over, the slide is laid out for this window and drawn."""
    wait_for_run(page)
    page.wait_for_function(f"() => document.documentElement.dataset.presenterScreen"
                           f" === '{width}x{height}'", timeout=60_000)
    wait_for_run(page)
    page.wait_for_function(
        "() => { const p = document.querySelector('.js-plotly-plot');"
        " if (!p || !p._fullLayout) return false;"
        " const m = p._fullLayout.map; return !m || (m._subplot && m._subplot.map.loaded()); }",
        timeout=60_000)
    page.wait_for_timeout(500)


def press(page, key: str, width: int, height: int) -> None:
    """Press a key and wait for the slide it leads to."""
    before = page.evaluate("location.search")
    page.keyboard.press(key)
    page.wait_for_function(f"() => location.search !== {before!r}", timeout=30_000)
    wait_for_slide(page, width, height)


def where(page) -> tuple[int, int | None, int]:
    """(slide, step, part) from the address bar."""
    query = dict(p.split("=", 1) for p in page.evaluate("location.search")[1:].split("&") if p)
    return (int(query.get("slide", 1)), int(query["step"]) if "step" in query else None,
            int(query.get("part", 1)))


def measure(page, label: str, width: int, height: int) -> list[str]:
    """Everything wrong with the slide on screen now (an empty list when it fits)."""
    assert_no_exception(page)
    found = page.evaluate(MEASURE)
    laid = page.evaluate(LAYOUT)
    scroll = found["docScroll"]
    problems = []
    if scroll["scrollHeight"] > scroll["clientHeight"] or \
            scroll["mainScroll"] > scroll["mainClient"]:
        problems.append(f"scrolls: {scroll}")
    for kind in ("scrollers", "small", "overflow"):
        if found["problems"][kind]:
            problems.append(f"{kind}: {found['problems'][kind][:3]}")
    if found["chartTextCount"] and found["chartTextMin"] < MIN_PX - 2:
        problems.append(f"figure text {found['chartTextMin']} px")
    if laid["span"] < FILL:
        problems.append(f"fills {laid['span']:.0%} of the height ({laid['top']:.0f}"
                        f"–{laid['bottom']:.0f} of {height})")
    if laid["covered"]:
        problems.append(f"covered text: {laid['covered'][:3]}")
    if laid["tips"]:
        problems.append("a tooltip is showing")
    return [f"{width}x{height} {label}: {p}" for p in problems]


def expected_walk() -> list[tuple[int, int | None]]:
    return [(n, s) for n, slide in enumerate(DECK.slides, start=1)
            for s in (range(1, slide.step_count + 1) if slide.step_count else [None])]


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_keyboard_drives_the_briefing_and_every_slide_fits(browser, app_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        open_app(page, f"{app_url}/present?present=1")
        wait_for_slide(page, width, height)
        problems = measure(page, "slide 1", width, height)
        screenshot(page, f"present-screen-{width}x{height}-1")

        # End, then Home: the last step of the last slide, then the first slide.
        press(page, "End", width, height)
        last = DECK.slides[-1]
        assert where(page)[:2] == (len(DECK), last.step_count or None)
        press(page, "Home", width, height)
        assert where(page) == (1, None, 1)

        # On through everything, with the three keys that go on (a clicker's is PageDown).
        seen = [where(page)]
        keys = ["ArrowRight", "PageDown", " "]
        while len(seen) < 40 and not page.get_by_role("button", name="▶").is_disabled():
            press(page, keys[len(seen) % 3], width, height)
            seen.append(where(page))
            slide, step, part = seen[-1]
            label = f"slide {slide}" + (f" step {step}" if step else "") + \
                (f" part {part}" if part > 1 else "")
            problems += measure(page, label, width, height)
            if step in (None, 1) and part == 1:
                screenshot(page, f"present-screen-{width}x{height}-{slide}")
        assert [s[:2] for s in seen if s[2] == 1] == expected_walk(), seen
        # Back with the three keys that go back, over the last slide's steps.
        for key in ["ArrowLeft", "PageUp", "Backspace"]:
            before = where(page)
            press(page, key, width, height)
            assert seen.index(where(page)) == seen.index(before) - 1, (key, before, where(page))

        # B blanks the screen black and B brings the same slide back.
        at = page.evaluate("location.search")
        page.keyboard.press("b")
        cover = page.locator("[data-testid='presenterBlank']")
        cover.wait_for()
        box = cover.bounding_box()
        assert box["width"] >= width and box["height"] >= height
        shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
        assert max(ImageStat.Stat(shot).extrema[0]) == 0, "the blanked screen is not black"
        page.keyboard.press("b")
        assert cover.count() == 0 and page.evaluate("location.search") == at
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_a_province_page_presents_its_panels_as_slides(browser, app_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    province = "Khyber Pakhtunkhwa"
    titles = [f"{province}: attacks by district", f"{province}: attacks per month",
              f"{province}: attacks by the group named"]
    try:
        open_app(page, f"{app_url}/khyber_pakhtunkhwa?present=1")
        wait_for_slide(page, width, height)
        problems = measure(page, "district map", width, height)
        shown = [page.locator("h1").first.inner_text().strip()]
        screenshot(page, f"present-screen-{width}x{height}-kp-1")
        for number in (2, 3):
            press(page, "PageDown", width, height)
            while where(page)[0] != number:  # a split slide shows its parts first
                problems += measure(page, f"slide {where(page)}", width, height)
                press(page, "PageDown", width, height)
            shown.append(page.locator("h1").first.inner_text().strip())
            problems += measure(page, f"slide {number}", width, height)
            screenshot(page, f"present-screen-{width}x{height}-kp-{number}")
            if number == 2:  # the timeline draws the published monthly counts beside the bars
                names = page.evaluate("() => document.querySelector('.js-plotly-plot')"
                                      ".data.map(t => t.name || '')")
                assert any("published" in n for n in names), names
        assert shown == titles
        assert page.get_by_text("3 / 3", exact=True).is_visible()
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
