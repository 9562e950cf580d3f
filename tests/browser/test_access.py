"""Access control in a real browser: the sign-in form, what each role sees and reaches.

The server runs on its own store and state folder; the accounts are made with
``tracker.access.accounts`` (nothing ships with the project) and each researcher uploads one batch
through the real pipeline.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_no_exception,
    open_app,
    screenshot,
    scroll_to,
    streamlit_server,
    wait_for_run,
)
from tests.hostile import files
from tracker.access import batch_actions
from tracker.access.accounts import Accounts
from tracker.access.roles import User
from tracker.ingest import pipeline as ingest
from tracker.store.database import Store

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 1"
RESTRICTED_TITLES = ("Upload", "Batches", "Audit log", "Accounts")


@pytest.fixture(scope="module")
def access_server(tmp_path_factory):
    """A live app with two researchers (one batch each) and an admin."""
    folder = tmp_path_factory.mktemp("access")
    state = folder / "state"
    url = f"sqlite:///{(folder / 'store.db').as_posix()}"
    store = Store(url)
    store.seed()
    accounts = Accounts(store)
    batches = {}
    for year, (name, role) in enumerate([("ayesha", "researcher"), ("bilal", "researcher"),
                                         ("zara", "admin")], start=2015):
        accounts.add(name, role, PASSWORD, actor="test setup")
        if role == "researcher":
            data = files.to_csv(files.district_rows(4, files.dt.date(year, 1, 1)))
            report = ingest.ingest_bytes(data, f"{name}-log.csv", store=store)
            batches[name] = batch_actions.commit_upload(report, store, User(name, role))
    store.engine.dispose()
    with streamlit_server(url, state) as base:
        yield {"base": base, "url": url, "batches": batches}


def nav_titles(page) -> str:
    return page.locator("[data-testid='stSidebarNav']").inner_text()


_SIGN_IN_RAN = """() => {
  const box = document.querySelector(".st-key-auth_box");
  if (!box) return false;
  if (box.innerText.includes("Signed in as")) return true;
  const field = box.querySelector("input[type='password']");
  return !!box.querySelector("[data-testid='stAlertContentError']") && !!field
    && field.value === "";
}"""
"""True once the server has run a sign-in: signed in, or refused (an error, the form cleared)."""


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    """Sign in through the sidebar form and wait until the server has run it.

    A click that lands while a run the page asked for is replacing the sidebar can be lost
    with the old form; the form is then filled and sent once more.
    """
    for attempt in (1, 2):
        if not page.get_by_label("User name").is_visible():
            page.get_by_text("Sign in to upload or manage").click()
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        try:
            page.wait_for_function(_SIGN_IN_RAN, timeout=20_000 if attempt == 1 else 60_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            wait_for_run(page)
            if page.evaluate(_SIGN_IN_RAN):  # only slow, not lost
                break
    wait_for_run(page)


def go(page, title: str, heading: str) -> None:
    """Follow a navigation link (a new page load would start a new session, signed in again
    only through the session cookie)."""
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.locator("h1", has_text=heading).wait_for()
    wait_for_run(page)


def test_without_sign_in_nothing_that_writes_is_listed_or_reachable(page, access_server):
    base = access_server["base"]
    open_app(page, base)
    nav = nav_titles(page)
    assert "Overview" in nav
    for title in RESTRICTED_TITLES:
        assert title not in nav, f"{title} is listed before anyone signs in"
    page.get_by_text("Sign in to upload or manage").click()
    scroll_to(page.get_by_role("button", name="Sign in", exact=True))
    screenshot(page, "access-sign-in")
    for path, role in [("upload", "researcher"), ("batches", "researcher"),
                       ("audit", "admin"), ("accounts", "admin")]:
        open_app(page, f"{base}/{path}")
        assert_no_exception(page)
        expect(page.locator("[data-testid='stAlert']").first).to_contain_text(
            f"Sign in as a{'n' if role == 'admin' else ''} {role}")
        main = page.locator("[data-testid='stMain']")
        assert main.locator("[data-testid='stFileUploader']").count() == 0
        assert main.locator("[data-testid='stDataFrame']").count() == 0
        assert main.get_by_role("button").count() == 0
    screenshot(page, "access-accounts-gated")


def test_a_wrong_password_is_refused_in_the_form(page, access_server):
    open_app(page, access_server["base"])
    sign_in(page, "ayesha", "not the password")
    assert "Wrong user name or password." in page.locator("[data-testid='stAlert']").inner_text()
    assert "Upload" not in nav_titles(page)


def test_a_researcher_signs_in_uploads_and_sees_only_their_own_batches(page, access_server):
    open_app(page, access_server["base"])
    sign_in(page, "ayesha")
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert re.search(r"Signed in as\s+ayesha", sidebar)
    nav = nav_titles(page)
    assert "Upload" in nav and "Batches" in nav
    assert "Audit log" not in nav and "Accounts" not in nav

    go(page, "Upload", "Upload an incident log")
    assert_no_exception(page)
    page.locator("[data-testid='stMain'] [data-testid='stFileUploader']").wait_for()
    screenshot(page, "access-upload-signed-in")

    go(page, "Batches", "Batches")
    assert_no_exception(page)
    main = page.locator("[data-testid='stMain']")
    main.locator("[data-testid='stDataFrame']").wait_for()
    table = main.locator("[data-testid='stDataFrame']")
    choice = main.get_by_role("combobox", name="Batch")
    assert access_server["batches"]["ayesha"] in choice.input_value()
    choice.click()
    page.get_by_role("option").first.wait_for()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert len(options) == 1 and access_server["batches"]["ayesha"] in options[0], options
    assert access_server["batches"]["bilal"] not in options[0]
    assert table.count() == 1
    assert main.get_by_role("button", name="Withdraw").count() == 1
    screenshot(page, "access-batches-researcher")


def test_an_admin_manages_every_batch_and_the_accounts(page, access_server):
    open_app(page, access_server["base"])
    sign_in(page, "zara")
    nav = nav_titles(page)
    for title in RESTRICTED_TITLES:
        assert title in nav
    go(page, "Batches", "Batches")
    main = page.locator("[data-testid='stMain']")
    main.locator("[data-testid='stDataFrame']").wait_for()
    for label in ("Withdraw", "Mark reviewed", "Mark sensitive"):
        assert main.get_by_role("button", name=label).count() == 1
    screenshot(page, "access-batches-admin")
    go(page, "Audit log", "Audit log")
    assert_no_exception(page)
    assert page.locator("[data-testid='stDownloadButton']").count() == 2
    screenshot(page, "access-audit")
    go(page, "Accounts", "Accounts")
    assert_no_exception(page)
    screenshot(page, "access-accounts")


@pytest.mark.parametrize("path", ["balochistan?start=2025-03-01", "audit", "present?slide=2"])
def test_a_link_as_a_fresh_servers_first_request_still_meets_the_gate(page, tmp_path, path):
    """Streamlit would run a linked page file alone on a fresh server; every page first
    reruns through ``app.py`` so that a closed dashboard stays closed."""
    url = f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    Store(url).seed()
    with streamlit_server(url, tmp_path / "state", env={"TRACKER_REQUIRE_LOGIN": "1"}) as base:
        open_app(page, f"{base}/{path}")
        assert_no_exception(page)
        main = page.locator("[data-testid='stMain']")
        assert "open to signed-in users only" in main.inner_text()
        assert main.locator("[data-testid='stMetricValue']").count() == 0
        assert main.locator(".js-plotly-plot").count() == 0
        assert main.locator("[data-testid='stDataFrame']").count() == 0
        assert page.get_by_label("User name").count() == 1
