"""Uploaded markup in a real browser: nothing runs, nothing is injected, no link is forged.

Part of the hostile-input suite (``tests/hostile/``), kept here beside the browser fixtures.

The store holds a batch uploaded through the real pipeline whose every free-text field
carries HTML, script, Markdown and formulas (and a sign-in attempt with a script as its
user name). Every page is opened; any alert dialog, any element the payloads would create,
or any ``javascript:`` or planted link fails the test.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot, streamlit_server
from tests.browser.test_access import go, sign_in
from tests.hostile import files
from tests.hostile.test_display import hostile_store
from tracker.access.accounts import Accounts
from tracker.store.database import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 1"
INJECTED = "#pwned, #pwned-link, img[src='x'], script[src*='evil']"
LINKS = """Array.from(document.querySelectorAll('a'),
             a => a.getAttribute('href') || a.getAttribute('xlink:href') || '')"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-browser")
    url = f"sqlite:///{(folder / 'store.db').as_posix()}"
    store = Store(url)
    store.seed()
    accounts = Accounts(store)
    accounts.add("zara", "admin", PASSWORD, actor="test setup")
    store.mark_reviewed(hostile_store(url), actor="test setup")  # published: public pages
    accounts.authenticate(files.PAYLOADS["img"], "guess")  # a script as a user name
    store.engine.dispose()
    with streamlit_server(url, folder / "state") as base:
        yield base


@pytest.fixture
def dialogs(page):
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


def assert_nothing_ran(page, dialogs) -> None:
    """Nothing from the data ran: checked once the page's requests have settled, so an
    injected image had its chance to load (or fail and fire its handler)."""
    page.wait_for_load_state("networkidle")
    assert dialogs == [], f"a script ran: {dialogs}"
    assert page.locator(INJECTED).count() == 0, "an element from the data was created"
    for href in page.evaluate(LINKS):
        assert not href.strip().lower().startswith(("javascript:", "data:", "vbscript:")), href
        assert "evil.example" not in href, href


@pytest.mark.parametrize("path", ["", "data?q=xss", "balochistan", "briefs", "surges",
                                  "coverage"])
def test_pages_show_uploaded_markup_as_text(page, hostile_server, dialogs, path):
    open_app(page, f"{hostile_server}/{path}")
    assert_no_exception(page)
    if path == "":
        page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert_nothing_ran(page, dialogs)


def test_the_perpetrator_chart_labels_are_text(page, hostile_server, dialogs):
    # the payload rows are dated 2020: alone in view, each payload is a bar of the chart
    open_app(page, f"{hostile_server}/?start=2020-01-01&end=2020-12-31")
    labels = page.locator(".js-plotly-plot .ytick text")
    labels.filter(has_text="<img src=x").first.wait_for(timeout=30_000)  # charts draw in turn
    texts = labels.evaluate_all("nodes => nodes.map(n => n.textContent)")
    assert any("<img src=x" in t for t in texts), texts  # shown literally, as typed
    chart = page.locator(".js-plotly-plot").filter(has_text="<img src=x").first
    chart.scroll_into_view_if_needed()
    chart.hover()
    assert_nothing_ran(page, dialogs)
    screenshot(page, "hostile-perpetrator-chart")


def test_the_incident_list_shows_payloads_inert(page, hostile_server, dialogs):
    open_app(page, f"{hostile_server}/data?q=xss")
    page.locator("[data-testid='stDataFrame']").wait_for()
    assert_nothing_ran(page, dialogs)
    screenshot(page, "hostile-incidents")


def test_an_admin_sees_hostile_names_inert_in_batches_and_audit(page, hostile_server,
                                                                 dialogs):
    open_app(page, hostile_server)
    sign_in(page, "<script>alert('signin')</script>", "whatever it is")
    assert "Wrong user name or password." in page.locator("[data-testid='stAlert']").inner_text()
    sign_in(page, "zara")
    go(page, "Batches", "Batches")
    assert_nothing_ran(page, dialogs)
    screenshot(page, "hostile-batches")
    go(page, "Audit log", "Audit log")
    page.locator("[data-testid='stDataFrame']").wait_for()
    assert_nothing_ran(page, dialogs)
    screenshot(page, "hostile-audit")


OUTSIDE = """Array.from(document.querySelectorAll('a[href], img[src], image, iframe, source'),
  e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || '')
  .filter(u => /^(https?:)?\\/\\//i.test(u))
  .filter(u => !/^(https?:)?\\/\\/(localhost|127\\.0\\.0\\.1)[:/]/i.test(u))"""


@pytest.mark.parametrize("name", ["view parameters", "filter parameters",
                                  "presenting, dates out of range"])
@pytest.mark.parametrize("path", ["", "balochistan", "surges", "data", "present"])
def test_links_in_query_parameters_stay_text_and_nothing_leaves_localhost(
        page, hostile_server, dialogs, path, name):
    """Every query parameter carries Markdown links, images, HTML, bare URLs (the ``page``
    fixture fails the test on any request that leaves localhost)."""
    from urllib.parse import urlencode

    from tests.hostile.test_link_injection import EVIL, QUERIES

    open_app(page, f"{hostile_server}/{path}")
    own = set(page.evaluate(OUTSIDE))  # the page's own links (incident sources) without it
    open_app(page, f"{hostile_server}/{path}?{urlencode(QUERIES[name], doseq=True)}")
    assert_no_exception(page)
    assert_nothing_ran(page, dialogs)  # after any image or link the text could make loaded
    links = page.evaluate(OUTSIDE)
    assert not [u for u in links if u not in own or EVIL in u]  # none added by the link
    alerts = page.locator("[data-testid='stAlert']").all_inner_texts()
    assert any(EVIL in a.replace("\u2060", "") for a in alerts), alerts  # quoted as text
    if path == "balochistan" and name == "view parameters":
        screenshot(page, "hostile-link-notices")
