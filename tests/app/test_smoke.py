"""Every page file runs without an exception (generated from the file list)."""

import pytest

from tests.app.conftest import PAGE_FILES


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.split("/")[-1])
def test_page_runs_without_exception(app, page):
    at = app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} shows no title"
