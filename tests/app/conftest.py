"""AppTest helpers: run the app against a fresh seeded store, then switch pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def run_page(page: str | None = None, query: dict | None = None,
             session: dict | None = None) -> AppTest:
    """Run ``app.py`` (optionally with query parameters), then switch to ``page``."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    if page and page != "pages/overview.py":
        at.switch_page(page).run()
    return at


def session_for(url: str, name: str) -> dict:
    """Session state for a browser session signed in as the account ``name`` (which must
    exist in the store at ``url``): a session token, as the sign-in form leaves it."""
    from tracker.access.accounts import Accounts
    from tracker.store.database import Store

    accounts = Accounts(Store(url))
    return {"auth_token": accounts.start_session(accounts.user(name))}


@pytest.fixture
def app(app_store):
    """A function that runs a page of the app on a fresh seeded store."""
    return run_page


UPLOAD_PAGE = "pages/upload.py"
RESEARCHER_PASSWORD = "a long passphrase 1"


@pytest.fixture
def upload_page(app_store, monkeypatch):
    """A function that opens the Upload page signed in as the researcher 'ayesha' through
    the sidebar form (straight to the page: the Overview is not needed)."""
    from tests.hostile.apptest import use_full_runs
    from tracker.access.accounts import Accounts
    from tracker.store.database import Store

    use_full_runs(monkeypatch)
    Accounts(store=Store(app_store)).add("ayesha", "researcher", RESEARCHER_PASSWORD,
                                         actor="test setup")

    def open_page() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        at.switch_page(UPLOAD_PAGE).run()
        at.text_input(key="auth_login_name").input("ayesha")
        at.text_input(key="auth_login_password").input(RESEARCHER_PASSWORD)
        at.button(key="FormSubmitter:auth_login_form-Sign in").click().run()
        at.switch_page(UPLOAD_PAGE).run()
        assert not at.exception, at.exception
        return at

    return open_page
