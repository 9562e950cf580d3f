"""A sign-in survives a page refresh, and a sign-out or a disabled account does not.

The server runs on its own store; the accounts are made here (nothing ships with the
project).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, open_app, streamlit_server, wait_for_run
from tests.browser.test_access import sign_in
from tracker.access.accounts import SESSION_HOURS, Accounts
from tracker.store.database import Store
from tracker.ui.session_cookie import COOKIE

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 1"


@pytest.fixture(scope="module")
def session_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refresh")
    url = f"sqlite:///{(folder / 'store.db').as_posix()}"
    store = Store(url)
    store.seed()
    accounts = Accounts(store)
    for name in ("ayesha", "bilal"):
        accounts.add(name, "researcher", PASSWORD, actor="test setup")
    store.engine.dispose()
    with streamlit_server(url, folder / "state") as base:
        yield {"base": base, "url": url}


def _sidebar(page):
    return page.locator("[data-testid='stSidebar']")


def _cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE), None)


def _signed_in_as(page, name: str) -> None:
    expect(_sidebar(page)).to_contain_text(re.compile(rf"Signed in as\s+{name}"))
    expect(page.locator("[data-testid='stSidebarNav']")).to_contain_text("Batches")


def _signed_out(page) -> None:
    expect(_sidebar(page).get_by_text("Sign in to upload or manage")).to_be_visible()
    expect(page.locator("[data-testid='stSidebarNav']")).not_to_contain_text("Batches")


def test_a_researcher_stays_signed_in_after_a_refresh_and_not_after_signing_out(
        page, session_server):
    base = session_server["base"]
    open_app(page, f"{base}/data")
    sign_in(page, "ayesha")
    _signed_in_as(page, "ayesha")
    page.wait_for_function(f"document.cookie.includes('{COOKIE}=')")
    cookie = _cookie(page)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert abs(cookie["expires"] - (time.time() + SESSION_HOURS * 3600)) < 120

    page.reload()
    wait_for_run(page)
    assert_no_exception(page)
    _signed_in_as(page, "ayesha")

    open_app(page, f"{base}/batches")  # a new page load straight to a restricted page
    assert_no_exception(page)
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text("No batches yet")  # the page itself, not the sign-in notice
    expect(main).not_to_contain_text("Sign in as")
    _signed_in_as(page, "ayesha")

    _sidebar(page).get_by_role("button", name="Sign out").click()
    wait_for_run(page)
    _signed_out(page)
    page.wait_for_function(f"!document.cookie.includes('{COOKIE}=')")
    page.reload()
    wait_for_run(page)
    _signed_out(page)
    expect(_sidebar(page)).not_to_contain_text("Your session ended")


def test_a_disabled_account_is_signed_out_at_the_refresh(page, session_server):
    open_app(page, f"{session_server['base']}/data")
    sign_in(page, "bilal")
    _signed_in_as(page, "bilal")
    page.wait_for_function(f"document.cookie.includes('{COOKIE}=')")
    store = Store(session_server["url"])
    Accounts(store).disable("bilal", actor="test admin")
    store.engine.dispose()

    page.reload()
    wait_for_run(page)
    _signed_out(page)
    expect(_sidebar(page)).to_contain_text("Your session ended")
    page.wait_for_function(f"!document.cookie.includes('{COOKIE}=')")


def test_a_made_up_cookie_signs_nobody_in(page, session_server):
    base = session_server["base"]
    page.context.add_cookies([{"name": COOKIE, "value": "x" * 43, "url": base}])
    open_app(page, f"{base}/data")
    assert_no_exception(page)
    _signed_out(page)
