"""Takeaway cards and the Briefs page in a real browser at 1280×720.

The Balochistan page is opened with its list of all takeaways expanded and screenshotted;
the Briefs page is opened with a brief in the state folder whose text is full of Markdown
and link syntax, which must show as typed (no link, no colour, no script), and with a broken
brief file beside it, which is skipped with a warning while the rest still shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.conftest import (
    OUTPUT,
    assert_no_exception,
    open_app,
    screenshot,
    scroll_to,
    streamlit_server,
    wait_for_run,
)
from tracker.store.database import Store

pytestmark = pytest.mark.browser

HOSTILE = ("**Loud** words, a [link](javascript:alert(1)), :red[colour], $x^2$ and "
           "&lt;b&gt;entities&lt;/b&gt; stay as typed.")


def _state_with_briefs(folder: Path) -> Path:
    briefs = folder / "briefs"
    briefs.mkdir(parents=True)
    doc = {
        "id": "inert-test", "title": "Inert text test", "publisher": "Test Desk",
        "date": 2025, "citation": "Test Desk, Inert text test, 2025.",
        "takeaways": [{"id": "inert", "regions": ["Pakistan"], "theme": "economy",
                       "section": "Test", "text": HOSTILE}],
    }
    (briefs / "inert-test.yaml").write_text(yaml.safe_dump(doc))
    (briefs / "broken.yaml").write_text("title: [unclosed\n")
    return folder


def test_province_page_takeaway_cards(server, page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, f"{server}/balochistan")
    assert_no_exception(page)
    assert page.locator("[data-testid='stSidebarNav']").filter(has_text="Provinces").count()
    panel = page.locator(".st-key-balochistan_takeaways")
    expect(panel).to_be_attached(timeout=60_000)
    summary = panel.locator("summary").first
    expect(summary).to_contain_text("takeaways for Balochistan")
    summary.click()  # opening the panel reruns the page; its claims are checked then
    cards = panel.locator("[data-testid='stExpanderDetails']")
    expect(cards).to_be_visible(timeout=10_000)
    wait_for_run(page)
    expect(cards.get_by_text("Verdict:").first).to_be_visible(timeout=30_000)
    for words in ("Sanober Institute", "China/CPEC", "Iran border", "India",
                  "Pakistan-wide takeaways", "Verdict:"):
        expect(cards).to_contain_text(words, use_inner_text=True)
    # At the foot of the page: scroll so the panel's top sits in the window, then screenshot.
    summary.evaluate("el => el.scrollIntoView({block: 'start'})")
    expect(summary).to_be_in_viewport()
    path = screenshot(page, "briefs-balochistan-takeaways")
    assert path.stat().st_size > 10_000
    # Text must wrap inside the window: no card wider than the main column.
    overflow = cards.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1
    assert not dialogs


def test_briefs_page_renders_brief_text_inert(seeded_url, tmp_path, page):
    state = _state_with_briefs(tmp_path / "state")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with streamlit_server(seeded_url, state) as base:
        open_app(page, f"{base}/briefs")
        assert_no_exception(page)
        assert page.locator("[data-testid='stSidebarNav']").filter(has_text="Briefs").count()
        # an invalid file of the old briefs folder is left out of the import, never fatal
        assert page.get_by_text("Traceback").count() == 0
        screenshot(page, "briefs-page")
        card = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="Loud").first
        scroll_to(card)
        shown = card.inner_text()
        assert HOSTILE in shown.replace("\n", " ")
        assert card.locator("a").count() == 0
        assert card.locator("strong").filter(has_text="Loud").count() == 0
        assert card.locator("b").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        page.screenshot(path=str(OUTPUT / "briefs-page-inert-card.png"))
    assert not dialogs
    imported = Store(seeded_url).audit_log()
    imported = imported.loc[imported["action"] == "state imported", "detail"].tolist()
    assert any("1 invalid left out (broken.yaml)" in str(d) for d in imported), imported
