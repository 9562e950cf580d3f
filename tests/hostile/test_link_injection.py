"""Links that try to inject: every query parameter of every page, fed Markdown links, images,
HTML, bare URLs, e-mail addresses and dates out of range, shows them as plain text.

Fails on any link or image the hostile link adds to what the page draws without it (read
from the Markdown each element was given, as :mod:`tests.hostile.links` explains), and on
any exception. ``tests/browser/test_hostile.py`` checks the same in a real browser and
records every request the page makes.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, PAGE_FILES, session_for
from tests.hostile.apptest import use_full_runs
from tests.hostile.links import live_links, markdown_sources
from tracker.access.accounts import Accounts
from tracker.analysis.filters import _ALL_PARAMS
from tracker.store.database import Store
from tracker.ui.sidebar import OTHER_PARAMS

EVIL = "evil.example"
PAYLOAD = (f"[Sign in again](https://{EVIL}/login) ![x](https://{EVIL}/p.png) "
           f"<img src=https://{EVIL}/i.png><a href=https://{EVIL}>here</a> "
           f"https://{EVIL}/bare www.{EVIL} phish@{EVIL} <https://{EVIL}/auto>")


def _query(names, **fixed: str) -> dict[str, str | list[str]]:
    """``names`` set to the payload (lists twice), a hostile parameter name, and ``fixed``."""
    query: dict[str, str | list[str]] = {name: [PAYLOAD, PAYLOAD] for name in names}
    query[f"[x](https://{EVIL})"] = PAYLOAD  # the parameter's name is quoted too
    query.update(fixed)
    return query


FILTER_PARAMS = sorted(_ALL_PARAMS)
VIEW_PARAMS = sorted(OTHER_PARAMS)
QUERIES = {
    # the filter's parameters (a text search for the payload leaves nothing to draw) ...
    "filter parameters": _query(FILTER_PARAMS),
    # ... so the pages' own view settings get theirs with the figures drawn
    "view parameters": _query(VIEW_PARAMS),
    "presenting, dates out of range": _query(["slide", "step"], present="1",
                                             start="0001-01-01", end="9999-12-31"),
}


def _open(page: str, query: dict | None, session: dict) -> AppTest:
    """Open ``page`` straight from a link, as a browser does (app.py runs first)."""
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in session.items():
        at.session_state[key] = value
    at.switch_page(page)
    return at.run()


@pytest.fixture
def signed_in_admin(app_store, monkeypatch) -> dict:
    use_full_runs(monkeypatch)
    Accounts(Store(app_store)).add("zara", "admin", "a long passphrase 1", actor="test")
    return session_for(app_store, "zara")


def _links(at) -> set[str]:
    return {link for source in markdown_sources(at) for link in live_links(source)}


@pytest.mark.parametrize("name", list(QUERIES))
@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.split("/")[-1])
def test_no_parameter_of_any_page_becomes_a_link(app_store, signed_in_admin, page, name):
    baseline = _links(_open(page, None, session_for(app_store, "zara")))
    at = _open(page, QUERIES[name], signed_in_admin)
    assert not at.exception, [e.value for e in at.exception]
    sources = markdown_sources(at)
    added = _links(at) - baseline
    assert not added, [s for s in sources if set(live_links(s)) & added][:3]
    assert not [s for s in sources if EVIL in s.replace("\\", "").replace("\u2060", "")
                and live_links(s)]
    reported = [w.value for w in at.warning if EVIL in w.value.replace("\\", "")
                .replace("\u2060", "")]
    assert reported  # the bad values were reported, quoted as text


@pytest.mark.parametrize("query", [{"end": "9999-12-31"}, {"start": "0001-01-01"},
                                   {"start": "0001-01-01", "end": "0001-12-31"}])
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/balochistan.py",
                                  "pages/khyber_pakhtunkhwa.py", "pages/data.py"],
                         ids=lambda p: p.split("/")[-1])
def test_dates_out_of_range_are_refused_with_a_notice(app_store, page, query, monkeypatch):
    use_full_runs(monkeypatch)
    at = _open(page, query, {})
    assert not at.exception, [e.value for e in at.exception]
    notices = [w.value.replace("\\", "") for w in at.warning]
    assert any("dates run from 1900 to 2100" in n for n in notices), notices
