"""Two app instances with separate state folders, sharing nothing but one PostgreSQL store.

A user added through one instance signs in on the other; a role change and a disable made
on the first end the user's session on the second at their next click. A batch not yet
reviewed stays hidden from signed-out visitors until ``tracker batches review ID``.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_no_exception,
    open_app,
    screenshot,
    streamlit_server,
    wait_for_run,
)
from tests.browser.test_access import go, sign_in
from tests.unit.test_store_concurrency import incidents_frame
from tracker import cli
from tracker.access.accounts import Accounts
from tracker.store.database import BatchMeta, Store

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 1"


def _incidents(page) -> str:
    label = page.locator("[data-testid='stMetric']", has_text="Incidents").first
    return label.locator("[data-testid='stMetricValue']").inner_text().strip()


def _next_click(page) -> None:
    """Any action: over to Coverage and back to the Overview."""
    go(page, "Coverage", "How complete is the data?")
    go(page, "Overview", "Militant attacks in Pakistan")


def _choose(page, name: str) -> None:
    """Pick the account in the open tab's "Account" box."""
    page.get_by_label("Account", exact=True).filter(visible=True).click()
    page.get_by_role("option", name=name, exact=True).click()


def _auth_box_says(page, text: str) -> None:
    """The sidebar's sign-in box shows ``text`` (waiting for the run that writes it)."""
    expect(page.locator(".st-key-auth_box")).to_contain_text(text, timeout=30_000)


def test_accounts_and_publication_are_shared_by_two_instances(pg_url, browser, page,
                                                               tmp_path, bundled):
    writer = Store(pg_url)
    writer.seed()
    Accounts(writer).add("zara", "admin", PASSWORD, actor="test setup")
    batch = writer.add_batch(incidents_frame([f"unreviewed-{i}" for i in range(3)]),
                             BatchMeta("new-log.csv", "zara", sha256="new-log"))
    seeded, with_batch = f"{len(bundled):,}", f"{len(bundled) + 3:,}"
    with streamlit_server(pg_url, tmp_path / "state-a") as first, \
            streamlit_server(pg_url, tmp_path / "state-b") as second:
        admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        open_app(page, second)  # the user's browser, on instance B
        assert _incidents(page) == seeded  # signed out: the unreviewed batch is not shown

        open_app(admin, first)  # the admin, on instance A, adds the account
        sign_in(admin, "zara")
        go(admin, "Accounts", "Accounts")
        admin.get_by_label("User name", exact=True).fill("ayesha")
        admin.get_by_label("Password", exact=True).fill(PASSWORD)
        admin.get_by_label("Password again", exact=True).fill(PASSWORD)
        admin.get_by_role("button", name="Add account").click()
        admin.get_by_text("Account added.").wait_for()
        screenshot(admin, "shared-accounts-admin-on-a")

        sign_in(page, "ayesha")  # on instance B
        assert_no_exception(page)
        _auth_box_says(page, "ayesha · researcher")
        assert _incidents(page) == with_batch  # researchers see unreviewed batches
        assert page.get_by_text("signed-out visitors and viewers do not see").is_visible()

        wait_for_run(admin)
        admin.get_by_role("tab", name="Change a role").click()  # ayesha → viewer
        _choose(admin, "ayesha")
        admin.get_by_role("button", name="Change role").click()
        wait_for_run(admin)
        screenshot(admin, "shared-accounts-role-change-on-a")
        admin.get_by_text("Role changed; the account's open sessions ended.").wait_for()
        _next_click(page)
        _auth_box_says(page, "Your session ended")
        assert _incidents(page) == seeded
        screenshot(page, "shared-accounts-session-ended-on-b")
        sign_in(page, "ayesha")
        _auth_box_says(page, "ayesha · viewer")
        assert _incidents(page) == seeded  # viewers see the published batches only

        wait_for_run(admin)
        admin.get_by_role("tab", name="Disable or remove").click()
        _choose(admin, "ayesha")
        admin.get_by_role("button", name="Disable").click()
        admin.get_by_text("Account disabled; its open sessions ended.").wait_for()
        _next_click(page)
        _auth_box_says(page, "Your session ended")
        sign_in(page, "ayesha")
        assert page.get_by_text("Wrong user name or password.").is_visible()

        env = {"TRACKER_DB_URL": pg_url, "TRACKER_STATE_DIR": str(tmp_path / "cli")}
        done = CliRunner().invoke(cli.main, ["batches", "review", batch], env=env)
        assert done.exit_code == 0, done.output
        _next_click(page)
        assert _incidents(page) == with_batch  # reviewed: now public
        assert_no_exception(page)
        admin.context.close()
    log = writer.audit_log()
    assert {"account added", "role changed", "account disabled", "review"} <= set(log["action"])
    writer.engine.dispose()
