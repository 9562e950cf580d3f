"""Who reaches what, through the real pages: sign-in form, gates, batches, accounts, audit.

Every run executes ``app.py`` and then the page, as a live server does
(:mod:`tests.hostile.apptest` explains why AppTest needs telling).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.app.conftest import run_page
from tests.hostile.apptest import use_full_runs
from tracker import schema
from tracker.access import accounts as accounts_module
from tracker.access.accounts import Accounts, RateLimit
from tracker.store.database import BatchMeta, Store

PASSWORD = "a long passphrase 1"
RESTRICTED = ["pages/upload.py", "pages/batches.py", "pages/audit.py", "pages/accounts.py"]
SUBMIT = "FormSubmitter:auth_login_form-Sign in"


@pytest.fixture
def full_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    use_full_runs(monkeypatch)


def _frame(ids: list[str]) -> pd.DataFrame:
    rows = [{
        "incident_id": i, "date": "2025-05-01", "date_precision": "day", "province": "Sindh",
        "district": "Karachi", "geo_precision": "district", "latitude": 25.0,
        "longitude": 67.2, "attack_type": "bombing", "target": "police",
        "perpetrator": "Unknown", "claimed": "unknown", "killed": 1, "injured": None,
        "source_name": "Synthetic test row", "source_url": "https://example.org",
        "batch_id": "x",
    } for i in ids]
    return schema.conform(pd.DataFrame(rows))


@pytest.fixture
def people(app_store: str, full_runs) -> dict[str, str]:
    """Accounts for two researchers, an admin and a viewer, and one batch per researcher."""
    store = Store(app_store)
    accounts = Accounts(store=store)
    for name, role in [("ayesha", "researcher"), ("bilal", "researcher"), ("zara", "admin"),
                       ("vik", "viewer")]:
        accounts.add(name, role, PASSWORD, actor="test setup")
    return {
        "ayesha": store.add_batch(_frame(["t-a1", "t-a2"]),
                                  BatchMeta("ayesha-log.csv", "ayesha", "sha-a")),
        "bilal": store.add_batch(_frame(["t-b1"]), BatchMeta("bilal-log.csv", "bilal", "sha-b")),
        "url": app_store,
    }


@dataclasses.dataclass(frozen=True)
class SlowLimit(RateLimit):
    """Sign-in delays longer than a test, whatever the machine's speed."""

    first_delay: float = 600


def signed_in(name: str, password: str = PASSWORD, page: str | None = None):
    """Run the app, sign in through the sidebar form, then open ``page``."""
    at = run_page()
    at.text_input(key="auth_login_name").input(name)
    at.text_input(key="auth_login_password").input(password)
    at.button(key=SUBMIT).click().run()
    if page:
        at.switch_page(page).run()
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


# --- without signing in ------------------------------------------------------------------


@pytest.mark.parametrize("page", RESTRICTED)
def test_without_sign_in_the_restricted_pages_show_only_a_notice(people, page):
    at = run_page(page)
    assert not at.exception
    assert any("Sign in as" in text for text in _texts(at.info))
    assert not at.main.dataframe
    assert [b.key for b in at.main.button] == []  # no withdraw, no account form
    assert not at.get("download_button")
    assert not at.get("file_uploader")
    assert not [t for t in at.text_input if t.key and t.key.startswith("accounts_")]


def test_without_sign_in_the_store_is_unchanged_after_visiting_every_restricted_page(people):
    store = Store(people["url"])
    before = store.audit_log()
    for page in RESTRICTED:
        run_page(page)
    assert len(store.audit_log()) == len(before)
    assert not store.batch(people["ayesha"])["withdrawn"]


# --- signing in --------------------------------------------------------------------------


def test_sign_in_form_lets_a_researcher_in(people):
    at = signed_in("ayesha")
    assert not at.exception
    assert any("Signed in as" in c and "ayesha" in c for c in _texts(at.sidebar.caption))
    assert at.button(key="auth_sign_out")
    at.button(key="auth_sign_out").click().run()
    assert at.text_input(key="auth_login_name")
    assert "auth_token" not in at.session_state


def test_a_wrong_password_is_refused_audited_and_delayed(people, monkeypatch):
    monkeypatch.setattr(accounts_module, "RateLimit", SlowLimit)
    at = run_page()
    for _ in range(5):
        at.text_input(key="auth_login_name").input("ayesha")
        at.text_input(key="auth_login_password").input("wrong password")
        at.button(key=SUBMIT).click().run()
    assert _texts(at.error)[-1] == "Too many failed sign-ins. Try again in 10 minutes."
    at.text_input(key="auth_login_name").input("ayesha")
    at.text_input(key="auth_login_password").input(PASSWORD)
    at.button(key=SUBMIT).click().run()
    assert "auth_token" not in at.session_state  # delayed even with the right password
    log = Store(people["url"]).audit_log()
    failed = log.loc[log["action"] == "login failed"]
    assert len(failed) == 6 and set(failed["target"]) == {"ayesha"}
    assert failed["detail"].iloc[0].startswith("refused unchecked")
    assert signed_in("bilal").session_state["auth_token"]  # other users are not delayed


def test_a_hundred_failed_sign_ins_for_made_up_names_do_not_block_a_real_user(people):
    accounts = Accounts(Store(people["url"]))
    for i in range(100):  # what the sign-in form calls, a hundred times
        assert not accounts.authenticate(f"made-up-{i}", "wrong password").ok
    at = signed_in("ayesha")
    assert not at.exception and not _texts(at.error)
    assert any("Signed in as" in c and "ayesha" in c for c in _texts(at.sidebar.caption))


def test_a_change_on_another_instance_ends_the_session_at_the_next_action(people):
    at = signed_in("ayesha", page="pages/batches.py")
    assert at.dataframe  # a researcher's page
    other = Accounts(Store(people["url"]))  # as another instance on the same database
    other.set_role("ayesha", "viewer", actor="zara")
    at.run()
    assert "auth_token" not in at.session_state
    assert not at.dataframe
    assert any("session ended" in i for i in _texts(at.info))
    at = signed_in("ayesha", page="pages/batches.py")
    assert any("need a researcher account" in w for w in _texts(at.warning))  # now a viewer
    other.disable("ayesha", actor="zara")
    at.run()
    assert "auth_token" not in at.session_state
    assert "auth_token" not in signed_in("ayesha").session_state  # cannot sign in again


# --- researchers -------------------------------------------------------------------------


def test_a_researcher_sees_and_withdraws_only_their_own_batch(people):
    at = signed_in("ayesha", page="pages/batches.py")
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown["batch_id"].tolist() == [people["ayesha"]]
    options = at.selectbox(key="batches_choice").options
    assert len(options) == 1 and people["ayesha"] in options[0]
    assert [b.key for b in at.button if b.key.startswith("batches_")] == [
        "batches_withdraw", "batches_replace"]
    at.button(key="batches_withdraw").click().run()
    assert not at.exception
    store = Store(people["url"])
    assert store.batch(people["ayesha"])["withdrawn"] is True
    assert store.batch(people["bilal"])["withdrawn"] is False
    assert any("withdrawn" in s for s in _texts(at.success))


def test_a_researcher_cannot_reach_accounts_or_the_audit_log(people):
    for page in ("pages/accounts.py", "pages/audit.py"):
        at = signed_in("bilal", page=page)
        assert any("need an admin account" in w for w in _texts(at.warning))
        assert not at.dataframe


def test_a_viewer_cannot_reach_batches(people):
    at = signed_in("vik", page="pages/batches.py")
    assert any("need a researcher account" in w for w in _texts(at.warning))
    assert not at.dataframe


def test_a_researcher_uploads_through_the_page_and_the_batch_is_theirs(people):
    from tests.hostile import files

    at = signed_in("ayesha", page="pages/upload.py")
    data = files.to_csv(files.district_rows(3))
    at.file_uploader(key="upload_file").set_value(("ayesha-new.csv", data, "text/csv")).run()
    assert not at.exception
    at.button(key="upload_commit").click().run()
    assert not at.exception
    store = Store(people["url"])
    batch = store.batches().query("file_name == 'ayesha-new.csv'").iloc[0]
    assert (batch["uploaded_by"], batch["accepted"], bool(batch["reviewed"])) == (
        "ayesha", 3, False)


@pytest.mark.parametrize(("who", "allowed"), [(None, False), ("bilal", False), ("zara", True)])
def test_only_an_admin_may_add_a_brief(people, who, allowed):
    at = signed_in(who, page="pages/briefs.py") if who else run_page("pages/briefs.py")
    assert not at.exception
    uploaders = [u for u in at.get("file_uploader") if u.proto.id.endswith("briefs_upload_file")
                 or "briefs_upload_file" in u.proto.id]
    assert bool(uploaders) is allowed
    if not allowed:
        assert any("need an admin account" in i or "Sign in as an admin" in i
                   for i in _texts(at.info) + _texts(at.warning))


# --- admins ------------------------------------------------------------------------------


def test_an_admin_restores_reviews_and_marks_sensitive_any_batch(people):
    store = Store(people["url"])
    store.set_withdrawn(people["bilal"], True, actor="bilal")
    at = signed_in("zara", page="pages/batches.py")
    assert set(at.dataframe[0].value["batch_id"]) >= {people["ayesha"], people["bilal"]}
    at.selectbox(key="batches_choice").set_value(people["bilal"]).run()
    for key in ("batches_restore", "batches_review", "batches_sensitive"):
        at.button(key=key).click().run()
        assert not at.exception
    batch = store.batch(people["bilal"])
    assert (batch["withdrawn"], batch["reviewed"], batch["sensitive"]) == (False, True, True)
    actions = store.audit_log().query("target == @people['bilal']")["action"].tolist()
    assert actions[:3] == ["sensitive", "review", "restore"]


def test_an_admin_adds_an_account_and_it_is_audited(people):
    at = signed_in("zara", page="pages/accounts.py")
    at.text_input(key="accounts_add_name").input("newcomer")
    at.selectbox(key="accounts_add_role").set_value("researcher")
    at.text_input(key="accounts_add_pw1").input("newcomer passphrase")
    at.text_input(key="accounts_add_pw2").input("newcomer passphrase")
    at.button(key="FormSubmitter:accounts_add-Add account").click().run()
    assert not at.exception
    assert "Account added." in _texts(at.success)
    assert Accounts(Store(people["url"])).user("newcomer").role == "researcher"
    entry = Store(people["url"]).audit_log().iloc[0]
    assert (entry["actor"], entry["action"], entry["target"]) == ("zara", "account added",
                                                                  "newcomer")


def test_an_admin_sees_the_audit_log_with_exports(people):
    at = signed_in("zara", page="pages/audit.py")
    assert not at.exception
    log = at.dataframe[0].value
    assert {"upload", "account added"} <= set(log["action"])
    assert len(at.get("download_button")) == 2


# --- viewing behind a sign-in ------------------------------------------------------------


def test_required_login_hides_the_dashboard_until_sign_in(people, monkeypatch):
    monkeypatch.setenv("TRACKER_REQUIRE_LOGIN", "1")
    at = run_page()
    assert not at.exception
    assert any("signed-in users only" in i for i in _texts(at.info))
    assert not at.metric and not at.get("plotly_chart")
    at.text_input(key="auth_login_name").input("vik")
    at.text_input(key="auth_login_password").input(PASSWORD)
    at.button(key=SUBMIT).click().run()
    assert at.metric  # the overview's headline figures


def test_an_admin_lifts_a_delay_disables_and_removes_on_the_accounts_page(people, monkeypatch):
    monkeypatch.setattr(accounts_module, "RateLimit", SlowLimit)
    store = Store(people["url"])
    accounts = Accounts(store)
    for _ in range(6):
        accounts.authenticate("bilal", "wrong password")
    assert accounts.wait_seconds("bilal") > 0
    at = signed_in("zara", page="pages/accounts.py")
    assert not at.exception
    locks = next(d.value for d in at.dataframe if "wait_seconds" in d.value.columns)
    assert locks["name"].tolist() == ["bilal"]
    at.button(key="FormSubmitter:accounts_lift-Lift delay").click().run()
    assert "Sign-in delay lifted." in _texts(at.success)
    assert accounts.wait_seconds("bilal") == 0

    at.selectbox(key="accounts_access_name").set_value("bilal")
    at.button(key="FormSubmitter:accounts_access-Disable").click().run()
    assert "Account disabled; its open sessions ended." in _texts(at.success)
    assert accounts.user("bilal") is None
    at.selectbox(key="accounts_access_name").set_value("bilal")
    at.button(key="FormSubmitter:accounts_access-Remove").click().run()
    assert any("Tick the box" in w for w in _texts(at.warning))
    assert "bilal" in accounts.names()  # not without the confirmation
    at.selectbox(key="accounts_access_name").set_value("bilal")
    at.checkbox(key="accounts_remove_sure").check()
    at.button(key="FormSubmitter:accounts_access-Remove").click().run()
    assert "bilal" not in accounts.names()
    table = at.dataframe[0].value
    assert "bilal" not in table["name"].tolist() and "status" in table.columns
    actions = store.audit_log()["action"].head(3).tolist()
    assert actions == ["account removed", "account disabled", "sign-in delay lifted"]
