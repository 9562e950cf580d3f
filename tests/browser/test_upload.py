"""The Upload page in a real browser: sign in, upload a synthetic log, see the counts, save,
and find the new incidents on the Overview page.

The server runs on its own fresh store and state folder, so the shared session server is
not disturbed.
"""

from __future__ import annotations

import pytest

from tests import upload_samples as samples
from tests.browser.conftest import (
    assert_no_exception,
    open_app,
    screenshot,
    scroll_to,
    streamlit_server,
    wait_for_run,
)
from tests.browser.test_access import PASSWORD, sign_in
from tracker.access.accounts import Accounts
from tracker.store.database import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("upload")
    state = folder / "state"
    url = f"sqlite:///{(folder / 'store.db').as_posix()}"
    store = Store(url)
    store.seed()
    Accounts(store).add("ayesha", "researcher", PASSWORD, actor="test setup")
    seeded = store.count_incidents()
    store.engine.dispose()
    with streamlit_server(url, state) as base:
        yield {"base": base, "url": url, "seeded": seeded}


def _go(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    wait_for_run(page)


def _metrics(page) -> dict[str, str]:
    labels = page.locator("[data-testid='stMain'] [data-testid='stMetricLabel']")
    values = page.locator("[data-testid='stMain'] [data-testid='stMetricValue']")
    return dict(zip(labels.all_inner_texts(), values.all_inner_texts(), strict=True))


def test_upload_preview_save_and_see_the_incidents_on_the_overview(page, upload_server,
                                                                   tmp_path):
    rows = [*samples.canonical_rows(),
            dict(samples.canonical_rows()[0], incident_id="T-BAD", date="2025-02-30")]
    path = tmp_path / "synthetic-log.csv"
    path.write_bytes(samples.to_csv(rows, samples.CANONICAL_HEADER))

    open_app(page, upload_server["base"])
    sign_in(page, "ayesha")
    _go(page, "Upload")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text("Every row is counted once").wait_for(timeout=60_000)
    wait_for_run(page)
    assert_no_exception(page)
    metrics = _metrics(page)
    assert metrics == {"Rows": "5", "Accepted": "4", "Rejected": "1",
                       "Probable duplicates": "0", "Outside Pakistan": "0"}
    assert page.get_by_text("no such day: 30 February 2025").count() >= 1
    screenshot(page, "upload-preview")

    save = page.get_by_role("button", name="Save 4 incidents as a new batch")
    save.scroll_into_view_if_needed()
    save.click()
    page.get_by_text("Saved as batch").wait_for(timeout=60_000)
    wait_for_run(page)
    assert_no_exception(page)
    page.get_by_text("Saved as batch").scroll_into_view_if_needed()
    screenshot(page, "upload-saved")

    _go(page, "Overview")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    values = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert f"{upload_server['seeded'] + 4:,}" in values, values
    batches = Store(upload_server["url"]).batches()
    newest = batches.iloc[0]
    assert (newest["file_name"], newest["uploaded_by"], bool(newest["reviewed"])) == (
        "synthetic-log.csv", "ayesha", False)
    screenshot(page, "upload-overview-after")


def test_an_unknown_layout_is_mapped_then_its_duplicates_shown_beside_their_twins(
        page, upload_server, tmp_path):
    path = tmp_path / "researcher-log.xlsx"
    path.write_bytes(samples.to_xlsx({"Read me": [["SYNTHETIC workbook made for tests"]],
                                      "Incidents 2025": samples.messy_rows()}))
    open_app(page, upload_server["base"])
    sign_in(page, "ayesha")
    _go(page, "Upload")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.get_by_text("Map the columns").wait_for(timeout=60_000)
    wait_for_run(page)
    assert_no_exception(page)
    page.get_by_role("combobox", name="Sheet").click()
    page.get_by_role("option", name="Incidents 2025").click()
    wait_for_run(page)
    page.get_by_text("Map the columns").wait_for(timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.scroll_into_view_if_needed()
    screenshot(page, "upload-mapping")
    apply = page.get_by_role("button", name="Apply mapping")
    apply.scroll_into_view_if_needed()
    apply.click()
    page.get_by_text("Every row is counted once").wait_for(timeout=60_000)
    wait_for_run(page)
    assert_no_exception(page)
    metrics = _metrics(page)
    assert metrics["Rows"] == "12"
    assert sum(int(metrics[k]) for k in ("Accepted", "Rejected", "Probable duplicates",
                                         "Outside Pakistan")) == 12
    page.get_by_role("tab", name="Probable duplicates").click()
    scroll_to(page.locator("[data-testid='stDataFrame']").nth(1))
    screenshot(page, "upload-duplicates")
