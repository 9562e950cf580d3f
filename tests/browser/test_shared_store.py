"""Two ``streamlit run`` servers on one PostgreSQL store, as behind a load balancer.

A batch committed by another process shows in both servers on their next run, without a
restart: each server's cached incident table is keyed on the store's version.
"""

import pytest

from tests.browser.conftest import assert_no_exception, open_app, screenshot, streamlit_server
from tests.unit.test_store_concurrency import incidents_frame
from tracker.store.database import BatchMeta, Store

pytestmark = pytest.mark.browser


def _incidents(page) -> str:
    label = page.locator("[data-testid='stMetric']", has_text="Incidents").first
    return label.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_two_servers_on_one_postgresql_see_each_others_batches(pg_url, browser, page,
                                                                tmp_path, bundled):
    writer = Store(pg_url)
    writer.seed()
    with streamlit_server(pg_url, tmp_path / "a") as first, \
            streamlit_server(pg_url, tmp_path / "b") as second:
        other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        open_app(page, first)
        open_app(other, second)
        assert _incidents(page) == _incidents(other) == f"{len(bundled):,}"

        writer.add_batch(incidents_frame([f"shared-{i}" for i in range(3)]),
                         BatchMeta("shared.csv", "third process", sha256="shared",
                                   reviewed=True))  # published: signed-out visitors see it
        for tab, name in ((page, "a"), (other, "b")):
            open_app(tab, tab.url)  # a new run on the same server process
            assert_no_exception(tab)
            assert _incidents(tab) == f"{len(bundled) + 3:,}"
            screenshot(tab, f"shared-store-server-{name}")
        other.context.close()
    writer.engine.dispose()
