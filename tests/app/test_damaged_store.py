"""A damaged store never takes down every page: each page draws what it can, with a notice."""

from __future__ import annotations

import pytest

from tests.app.conftest import PAGE_FILES, run_page
from tests.hostile.apptest import use_full_runs


@pytest.fixture
def damaged(tmp_path, monkeypatch):
    """The embedded SQLite file overwritten with garbage, as a failed disk might leave it."""
    use_full_runs(monkeypatch)
    state = tmp_path / "state"
    state.mkdir()
    (state / "tracker.db").write_bytes(b"this is not a database" * 1000)
    monkeypatch.setenv("TRACKER_STATE_DIR", str(state))
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{(state / 'tracker.db').as_posix()}")


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/briefs.py",
                                  "pages/coverage.py", "pages/balochistan.py"],
                         ids=lambda p: p.split("/")[-1])
def test_pages_draw_with_a_notice_when_the_store_cannot_be_read(damaged, page):
    at = run_page(page)
    assert not at.exception, [e.value[:300] for e in at.exception]
    errors = [e.value for e in at.error]
    assert any("incident store cannot be read" in e for e in errors), errors
    assert at.title  # the page itself still draws


def test_every_page_survives_a_damaged_store(damaged):
    for page in PAGE_FILES:
        at = run_page(page)
        assert not at.exception, (page, [e.value[:300] for e in at.exception])
