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
