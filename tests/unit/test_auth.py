"""Roles, accounts, sign-in limits and the guarded batch actions, without Streamlit."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tracker import cli, config, schema
from tracker.access import batch_actions, roles
from tracker.access.accounts import SESSION_HOURS, Accounts, RateLimit
from tracker.access.roles import AccountError, PermissionDenied, User
from tracker.store import tables, visibility
from tracker.store.database import BatchMeta, Store, StoreError

PASSWORD = "a long passphrase 1"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _frame(ids):
    rows = [{
        "incident_id": i, "date": "2025-05-01", "date_precision": "day", "province": "Sindh",
        "district": "Karachi", "geo_precision": "district", "latitude": 25.0,
        "longitude": 67.2, "attack_type": "bombing", "target": "police",
        "perpetrator": "Unknown", "claimed": "unknown", "killed": 1, "injured": None,
        "source_name": "Test", "source_url": "https://example.org", "batch_id": "x",
    } for i in ids]
    return schema.conform(pd.DataFrame(rows))


@pytest.fixture
def accounts(tmp_path: Path, store: Store) -> Accounts:
    return Accounts(store, limit=RateLimit(per_pair=3, per_name=6, per_address=6,
                                           first_delay=60, max_delay=600,
                                           window_seconds=3600), clock=Clock())


@pytest.fixture
def batches(store: Store) -> dict[str, str]:
    """One batch uploaded by each of two researchers."""
    return {
        "ayesha": store.add_batch(_frame(["a1", "a2"]), BatchMeta("a.csv", "ayesha", "ha")),
        "bilal": store.add_batch(_frame(["b1"]), BatchMeta("b.csv", "bilal", "hb")),
    }


AYESHA = User("ayesha", "researcher")
BILAL = User("bilal", "researcher")
ADMIN = User("zara", "admin")
VIEWER = User("vik", "viewer")


# --- accounts ----------------------------------------------------------------------------


def test_passwords_are_stored_only_as_salted_argon2_hashes(accounts: Accounts, store: Store):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    accounts.add("bilal", "researcher", PASSWORD, actor="setup")
    with store.engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(sa.select(tables.accounts))}
        everything = json.dumps([list(map(str, r)) for t in tables.metadata.sorted_tables
                                 for r in conn.execute(sa.select(t))])
    assert PASSWORD not in everything
    hashes = [rows[n].password_hash for n in ("ayesha", "bilal")]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert hashes[0] != hashes[1]  # same password, different salt


def test_no_account_or_password_ships(project_root: Path, store: Store):
    fresh = Accounts(store)
    assert fresh.names() == []
    for name, password in [("admin", "admin"), ("admin", "password"), ("root", "")]:
        assert not fresh.authenticate(name, password).ok
    tracked = subprocess.run(["git", "ls-files"], cwd=project_root, capture_output=True,
                             text=True, check=True).stdout.split()
    assert not [p for p in tracked if p.endswith("accounts.json") or p.startswith(".state/")]
    assert ".state/" in (project_root / ".gitignore").read_text().split()


def test_sign_in_with_the_right_password_only(accounts: Accounts):
    accounts.add("Ayesha", "researcher", PASSWORD, actor="setup")
    result = accounts.authenticate("  AYESHA ", PASSWORD)
    assert result.ok and result.user == User("ayesha", "researcher")
    assert not accounts.authenticate("ayesha", PASSWORD + "x").ok


def test_failure_message_does_not_tell_whether_the_name_exists(accounts: Accounts):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    wrong = accounts.authenticate("ayesha", "nope").message
    unknown = accounts.authenticate("nobody", "nope").message
    assert wrong == unknown == "Wrong user name or password."


def test_failed_sign_ins_are_audited(accounts: Accounts, store: Store):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    accounts.authenticate("ayesha", "nope")
    accounts.authenticate("<script>alert(1)</script>", "x")
    log = store.audit_log()
    failed = log.loc[log["action"] == "login failed"]
    assert failed["target"].tolist() == ["<script>alert(1)</script>", "ayesha"]
    assert failed["detail"].tolist() == ["no such account", "wrong password"]
    # and the addresses, when the app knows them
    accounts.authenticate("ayesha", "nope", address="203.0.113.9")
    assert store.audit_log().iloc[0]["detail"] == "wrong password (from 203.0.113.9)"
    assert set(failed["actor"]) == {"anonymous"}


def test_failed_sign_ins_earn_growing_delays_that_survive_a_restart(
    accounts: Accounts, store: Store
):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    for _ in range(3):
        accounts.authenticate("ayesha", "wrong")
    blocked = accounts.authenticate("ayesha", PASSWORD)
    assert not blocked.ok
    assert blocked.message == "Too many failed sign-ins. Try again in 60 seconds."
    assert store.audit_log().iloc[0]["detail"].startswith("refused unchecked")
    restarted = Accounts(store, limit=accounts.limit, clock=accounts.clock)  # another instance
    assert not restarted.authenticate("ayesha", PASSWORD).ok
    accounts.clock.now += 61  # the first delay is over
    assert not accounts.authenticate("ayesha", "wrong again").ok
    assert accounts.wait_seconds("ayesha") == pytest.approx(120)  # doubled
    accounts.clock.now += 119
    assert not accounts.authenticate("ayesha", PASSWORD).ok
    accounts.clock.now += 2
    assert restarted.authenticate("ayesha", PASSWORD).ok


def test_a_flood_of_unknown_names_never_blocks_a_real_user(accounts: Accounts, store: Store):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    for address in (None, "198.51.100.7"):  # unknown address, and the flood's own address
        for i in range(100):
            assert not accounts.authenticate(f"made-up-{i}", "wrong", address=address).ok
        result = accounts.authenticate("ayesha", PASSWORD, address=address)
        assert result.ok, result.message
    failed = store.audit_log().query("action == 'login failed'")
    assert len(failed) == 200  # every failure audited


def test_guessing_one_name_from_one_address_leaves_other_addresses_alone(accounts: Accounts):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    for _ in range(5):
        accounts.authenticate("ayesha", "wrong", address="198.51.100.7")
    assert not accounts.authenticate("ayesha", PASSWORD, address="198.51.100.7").ok
    assert accounts.authenticate("ayesha", PASSWORD, address="203.0.113.9").ok


def test_spraying_real_names_from_one_address_is_slowed(accounts: Accounts):
    for i in range(4):
        accounts.add(f"user{i}", "viewer", PASSWORD, actor="setup")
    for i in range(4):  # 2 guesses each: under the per-name limit, over the per-address one
        accounts.authenticate(f"user{i}", "wrong", address="198.51.100.7")
        accounts.authenticate(f"user{i}", "wrong 2", address="198.51.100.7")
    assert accounts.wait_seconds("user0", "198.51.100.7") > 0
    assert accounts.wait_seconds("user0", "203.0.113.9") == 0


def test_an_admin_lifts_a_delay_and_it_is_audited(accounts: Accounts, store: Store):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    for _ in range(3):
        accounts.authenticate("ayesha", "wrong", address="198.51.100.7")
    locks = accounts.locks()
    assert locks[["name", "address"]].values.tolist() == [["ayesha", "198.51.100.7"]]
    assert locks["wait_seconds"].iloc[0] == 60
    assert accounts.lift(actor="zara", name="ayesha") == 3
    assert accounts.locks().empty
    assert accounts.authenticate("ayesha", PASSWORD, address="198.51.100.7").ok
    row = store.audit_log().query("action == 'sign-in delay lifted'").iloc[0]
    assert (row["actor"], row["target"]) == ("zara", "ayesha")
    for i in range(6):
        accounts.authenticate("ayesha", "wrong", address=f"192.0.2.{i}")
    assert accounts.wait_seconds("ayesha", "192.0.2.99") > 0  # per name, from anywhere
    accounts.lift(actor="zara", address="192.0.2.3")
    assert accounts.wait_seconds("ayesha", "192.0.2.99") == 0  # 5 left: under the limit


def test_a_success_clears_the_names_failures(accounts: Accounts):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    accounts.authenticate("ayesha", "wrong")
    accounts.authenticate("ayesha", "wrong")
    assert accounts.authenticate("ayesha", PASSWORD).ok
    accounts.authenticate("ayesha", "wrong")
    assert accounts.authenticate("ayesha", PASSWORD).ok  # 1 failure since, not 3


def test_a_password_reset_lifts_a_lock(accounts: Accounts, store: Store):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    for _ in range(3):
        accounts.authenticate("ayesha", "wrong")
    accounts.reset_password("ayesha", "another long one", actor="zara")
    assert accounts.authenticate("ayesha", "another long one").ok
    assert not accounts.authenticate("ayesha", PASSWORD).ok
    row = store.audit_log().query("action == 'password reset'").iloc[0]
    assert (row["actor"], row["target"]) == ("zara", "ayesha")


def test_account_changes_are_audited_and_the_last_admin_stays(accounts: Accounts, store: Store):
    accounts.add("zara", "admin", PASSWORD, actor="setup")
    accounts.add("ayesha", "viewer", PASSWORD, actor="zara")
    accounts.set_role("ayesha", "researcher", actor="zara")
    assert accounts.user("ayesha") == User("ayesha", "researcher")
    with pytest.raises(AccountError, match="only active admin"):
        accounts.set_role("zara", "viewer", actor="zara")
    assert accounts.user("zara").role == "admin"
    log = store.audit_log()
    assert log["action"].tolist()[:2] == ["role changed", "account added"]
    assert log["detail"].tolist()[0] == "viewer → researcher; 0 open sessions ended"


@pytest.mark.parametrize("name", [
    "", " ", "a b", "<script>", "=cmd|' /C calc'!A0", "x" * 101, "ayesha\x00", "-lead",
    "ünïcode",
])
def test_hostile_or_odd_names_are_refused(accounts: Accounts, name: str):
    with pytest.raises(AccountError, match="user name"):
        accounts.add(name, "researcher", PASSWORD, actor="setup")
    assert accounts.names() == []


def test_password_rules(accounts: Accounts):
    with pytest.raises(AccountError, match="at least 10"):
        accounts.add("ayesha", "researcher", "short", actor="setup")
    with pytest.raises(AccountError, match="differ"):
        accounts.add("ayesha", "researcher", PASSWORD, actor="setup", confirm=PASSWORD + "!")
    with pytest.raises(AccountError, match="Unknown role"):
        accounts.add("ayesha", "superuser", PASSWORD, actor="setup")
    with pytest.raises(AccountError, match="already"):
        accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
        accounts.add("AYESHA", "admin", PASSWORD, actor="setup")


def test_accounts_added_at_once_from_many_threads_all_land(accounts: Accounts):
    names = [f"user{i}" for i in range(8)]
    threads = [threading.Thread(target=accounts.add, args=(n, "viewer", PASSWORD),
                                kwargs={"actor": "setup"}) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert accounts.names() == sorted(names)


def test_the_table_never_shows_hashes(accounts: Accounts):
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    accounts.add("sso@example.org", "admin", None, actor="setup")
    table = accounts.table()
    assert "password_hash" not in table.columns
    assert table.set_index("name")["signs_in_with"].to_dict() == {
        "ayesha": "password", "sso@example.org": "single sign-on"}
    assert not accounts.authenticate("sso@example.org", "").ok  # no password to match


def test_a_change_ends_the_users_sessions_on_every_instance(accounts: Accounts, store: Store):
    accounts.add("zara", "admin", PASSWORD, actor="setup")
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    other = Accounts(Store(store.url), clock=accounts.clock)  # a second instance, same database
    changes = [lambda: accounts.set_role("ayesha", "viewer", actor="zara"),
               lambda: accounts.reset_password("ayesha", PASSWORD, actor="zara"),
               lambda: accounts.disable("ayesha", actor="zara")]
    for change in changes:
        token = other.start_session(other.user("ayesha"))
        unrelated = other.start_session(other.user("zara"))
        assert other.session_user(token).name == "ayesha"
        change()
        assert other.session_user(token) is None
        assert other.session_user(unrelated) == User("zara", "admin")
    assert not accounts.authenticate("ayesha", PASSWORD).ok  # disabled
    assert accounts.user("ayesha") is None
    zara = other.start_session(other.user("zara"))
    accounts.clock.now += SESSION_HOURS * 3600 + 1
    assert other.session_user(zara) is None  # expired
    actions = store.audit_log()["action"].tolist()
    assert {"role changed", "password reset", "account disabled"} <= set(actions)


def test_disable_enable_remove_and_the_last_admin(accounts: Accounts, store: Store):
    accounts.add("zara", "admin", PASSWORD, actor="setup")
    accounts.add("ayesha", "researcher", PASSWORD, actor="setup")
    with pytest.raises(AccountError, match="only active admin"):
        accounts.disable("zara", actor="zara")
    with pytest.raises(AccountError, match="only active admin"):
        accounts.remove("zara", actor="zara")
    accounts.disable("ayesha", actor="zara")
    with pytest.raises(AccountError, match="already disabled"):
        accounts.disable("ayesha", actor="zara")
    assert accounts.table().set_index("name")["status"].to_dict() == {
        "ayesha": "disabled", "zara": "active"}
    accounts.enable("ayesha", actor="zara")
    assert accounts.authenticate("ayesha", PASSWORD).ok
    accounts.remove("ayesha", actor="zara")
    assert accounts.names() == ["zara"]
    with pytest.raises(AccountError, match="no account"):
        accounts.enable("ayesha", actor="zara")
    log = store.audit_log()
    assert log[["actor", "action", "target"]].head(3).values.tolist() == [
        ["zara", "account removed", "ayesha"], ["zara", "account enabled", "ayesha"],
        ["zara", "account disabled", "ayesha"]]


def test_single_sign_on_users_take_their_accounts_role_else_viewer(accounts: Accounts):
    accounts.add("Zara@Example.org", "admin", None, actor="setup")
    assert accounts.sso_user("zara@example.org") == User("zara@example.org", "admin", "sso")
    assert accounts.sso_user("someone@example.org").role == "viewer"
    assert accounts.sso_user(None) is None
    assert accounts.sso_user("<b>bad</b>") is None
    accounts.add("zed@example.org", "researcher", None, actor="setup")
    accounts.add("root", "admin", PASSWORD, actor="setup")
    accounts.disable("zed@example.org", actor="root")
    assert accounts.sso_user("zed@example.org") is None  # disabled stays out by SSO too


def test_viewing_requires_login_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TRACKER_REQUIRE_LOGIN", raising=False)
    assert roles.viewing_requires_login() is False
    monkeypatch.setenv("TRACKER_REQUIRE_LOGIN", "1")
    assert roles.viewing_requires_login() is True
    monkeypatch.setenv("TRACKER_REQUIRE_LOGIN", "no")
    assert roles.viewing_requires_login() is False


# --- roles and guarded actions -----------------------------------------------------------


def test_roles_are_ordered():
    assert roles.has_role(ADMIN, "researcher") and roles.has_role(AYESHA, "viewer")
    assert not roles.has_role(VIEWER, "researcher") and not roles.has_role(None, "viewer")
    assert not roles.can(AYESHA, "manage_accounts") and roles.can(ADMIN, "manage_accounts")
    with pytest.raises(PermissionDenied, match="Sign in"):
        roles.require(None, "upload")
    with pytest.raises(PermissionDenied, match="viewer account cannot upload"):
        roles.require(VIEWER, "upload")
    assert roles.require(AYESHA, "upload") is AYESHA


def test_restricted_pages_by_role():
    assert {p for p in roles.PAGE_ROLES if roles.may_see_page(None, p)} == set()
    assert {p for p in roles.PAGE_ROLES if roles.may_see_page(AYESHA, p)} == {"upload", "batches"}
    assert all(roles.may_see_page(ADMIN, p) for p in roles.PAGE_ROLES)
    assert roles.may_see_page(None, "overview")


def test_a_researcher_cannot_withdraw_another_researchers_batch(store, batches):
    before = store.version()
    with pytest.raises(PermissionDenied, match="someone else"):
        batch_actions.withdraw_batch(store, BILAL, batches["ayesha"])
    assert store.batch(batches["ayesha"])["withdrawn"] is False
    assert store.version() == before  # nothing written, not even an audit line
    assert {"a1", "a2"} <= set(store.load_incidents()["incident_id"])


def test_a_researcher_withdraws_and_restores_their_own_batch(store, batches):
    batch_actions.withdraw_batch(store, AYESHA, batches["ayesha"])
    assert not {"a1", "a2"} & set(store.load_incidents()["incident_id"])
    with pytest.raises(PermissionDenied, match="someone else"):
        batch_actions.restore_batch(store, BILAL, batches["ayesha"])
    with pytest.raises(PermissionDenied, match="viewer account cannot restore"):
        batch_actions.restore_batch(store, VIEWER, batches["ayesha"])
    done = batch_actions.apply_batch_action(store, AYESHA, batches["ayesha"], "restore")
    assert done.startswith(f"Batch {batches['ayesha']} restored. Only signed-in researchers")
    assert {"a1", "a2"} <= set(store.load_incidents()["incident_id"])
    log = store.audit_log()
    assert log[["actor", "action", "target"]].head(2).values.tolist() == [
        ["ayesha", "restore", batches["ayesha"]], ["ayesha", "withdraw", batches["ayesha"]]]


def test_an_admin_restores_anyones_batch(store, batches):
    batch_actions.withdraw_batch(store, BILAL, batches["bilal"])
    batch_actions.restore_batch(store, ADMIN, batches["bilal"])
    assert store.batch(batches["bilal"])["withdrawn"] is False
    assert store.audit_log()["actor"].iloc[0] == "zara"


def test_nobody_signed_in_and_viewers_change_nothing(store, batches):
    for user in (None, VIEWER):
        for action in ("withdraw", "restore", "review", "sensitive"):
            with pytest.raises(PermissionDenied):
                batch_actions.apply_batch_action(store, user, batches["bilal"], action)
        with pytest.raises(PermissionDenied):
            batch_actions.visible_batches(store, user)
    assert store.audit_log()["action"].tolist() == ["upload", "upload"]


def test_review_and_sensitive_are_for_admins(store, batches):
    bid = batches["ayesha"]
    with pytest.raises(PermissionDenied):
        batch_actions.set_reviewed(store, AYESHA, bid)
    with pytest.raises(PermissionDenied):
        batch_actions.set_sensitive(store, AYESHA, bid)
    done = batch_actions.apply_batch_action(store, ADMIN, bid, "review")
    assert done == f"Batch {bid} marked reviewed. Everyone who can open the dashboard sees it."
    batch_actions.apply_batch_action(store, ADMIN, bid, "sensitive")
    batch = store.batch(bid)
    assert batch["reviewed"] and batch["reviewed_by"] == "zara" and batch["sensitive"]
    assert not set(store.load_incidents(include_sensitive=False)["incident_id"]) & {"a1", "a2"}


def test_an_admin_withdraws_anyones_batch(store, batches):
    batch_actions.withdraw_batch(store, ADMIN, batches["bilal"])
    assert store.batch(batches["bilal"])["withdrawn"] is True
    with pytest.raises(StoreError, match="already withdrawn"):
        batch_actions.withdraw_batch(store, ADMIN, batches["bilal"])
    with pytest.raises(StoreError, match="no batch"):
        batch_actions.withdraw_batch(store, ADMIN, "nope")


def test_researchers_see_their_own_batches_admins_see_all(store, batches):
    assert batch_actions.visible_batches(store, AYESHA)["batch_id"].tolist() == [batches["ayesha"]]
    assert set(batch_actions.visible_batches(store, ADMIN)["batch_id"]) == set(batches.values())
    table = batch_actions.batch_table(batch_actions.visible_batches(store, ADMIN))
    assert set(table["status"]) == {"live, not reviewed"}


def test_batch_actions_offered_match_what_is_allowed(store, batches):
    own, other = store.batch(batches["ayesha"]), store.batch(batches["bilal"])
    assert batch_actions.batch_actions(AYESHA, own) == [("withdraw", "Withdraw")]
    assert batch_actions.batch_actions(AYESHA, other) == []
    assert [a for a, _ in batch_actions.batch_actions(ADMIN, other)] == ["withdraw", "review",
                                                                         "sensitive"]
    batch_actions.withdraw_batch(store, AYESHA, batches["ayesha"])
    withdrawn = store.batch(batches["ayesha"])
    assert batch_actions.batch_actions(AYESHA, withdrawn) == [("restore", "Restore")]
    assert batch_actions.batch_actions(BILAL, withdrawn) == []
    assert batch_actions.batch_actions(ADMIN, withdrawn)[0] == ("restore", "Restore")


# --- command line ------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "state"
    monkeypatch.setenv("TRACKER_STATE_DIR", str(state))
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{(tmp_path / 'cli.db').as_posix()}")
    return state


def test_users_add_asks_twice_and_lists(cli_env: Path):
    runner = CliRunner()
    done = runner.invoke(cli.main, ["users", "add", "Ayesha", "--role", "researcher"],
                         input=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.exit_code == 0, done.output
    assert "'ayesha' added as researcher" in done.output
    listed = runner.invoke(cli.main, ["users", "list"])
    assert "ayesha" in listed.output and "researcher" in listed.output
    assert "argon2" not in listed.output
    assert Accounts(Store()).authenticate("ayesha", PASSWORD).ok
    log = Store().audit_log()
    assert log.iloc[0]["action"] == "account added"
    assert log.iloc[0]["actor"].startswith("command line")


def test_users_add_from_stdin_and_refusals(cli_env: Path):
    runner = CliRunner()
    ok = runner.invoke(cli.main, ["users", "add", "zara", "--role", "admin", "--password-stdin"],
                       input=PASSWORD + "\n")
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(cli.main, ["users", "add", "zara", "--role", "admin",
                                     "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already an account" in again.output
    short = runner.invoke(cli.main, ["users", "add", "bo", "--role", "viewer",
                                     "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least 10" in short.output
    bad_role = runner.invoke(cli.main, ["users", "add", "x", "--role", "root"])
    assert bad_role.exit_code == 2
    assert Accounts(Store()).names() == ["zara"]


def test_users_passwd_sets_a_new_password(cli_env: Path):
    runner = CliRunner()
    runner.invoke(cli.main, ["users", "add", "zara", "--role", "admin", "--password-stdin"],
                  input=PASSWORD + "\n")
    done = runner.invoke(cli.main, ["users", "passwd", "zara"],
                         input="brand new secret\nbrand new secret\n")
    assert done.exit_code == 0, done.output
    assert Accounts(Store()).authenticate("zara", "brand new secret").ok


@pytest.mark.parametrize("who", [None, AYESHA])
def test_only_an_admin_adds_a_brief_in_the_tracker_code_too(store, who, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path))
    raw = next((config.PROJECT_ROOT / "data" / "briefs").glob("*.yaml")).read_bytes()
    before = len(store.audit_log())
    with pytest.raises(PermissionDenied):
        batch_actions.add_brief(raw, store, who)
    assert len(store.audit_log()) == before
    assert briefs_table_rows(store) == 0


def briefs_table_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tables.added_briefs)).scalar()


def test_users_disable_enable_remove_unlock_on_the_command_line(cli_env: Path):
    runner = CliRunner()
    for name, role in (("zara", "admin"), ("ayesha", "researcher")):
        runner.invoke(cli.main, ["users", "add", name, "--role", role, "--password-stdin"],
                      input=PASSWORD + "\n")
    accounts = Accounts(Store())
    token = accounts.start_session(accounts.user("ayesha"))
    done = runner.invoke(cli.main, ["users", "disable", "ayesha"])
    assert done.exit_code == 0, done.output
    assert accounts.session_user(token) is None and accounts.user("ayesha") is None
    assert "disabled" in runner.invoke(cli.main, ["users", "list"]).output
    assert runner.invoke(cli.main, ["users", "enable", "ayesha"]).exit_code == 0
    assert runner.invoke(cli.main, ["users", "role", "ayesha", "admin"]).exit_code == 0
    assert accounts.user("ayesha").role == "admin"
    for _ in range(6):
        accounts.authenticate("zara", "wrong")
    assert "zara" in runner.invoke(cli.main, ["users", "locks"]).output
    lifted = runner.invoke(cli.main, ["users", "unlock", "zara"])
    # the 6th try came during the delay: refused unchecked, not counted
    assert lifted.exit_code == 0 and "5 failed sign-ins forgotten" in lifted.output
    assert accounts.authenticate("zara", PASSWORD).ok
    assert runner.invoke(cli.main, ["users", "remove", "ayesha", "--yes"]).exit_code == 0
    assert accounts.names() == ["zara"]
    refused = runner.invoke(cli.main, ["users", "remove", "zara", "--yes"])
    assert refused.exit_code == 1 and "only active admin" in refused.output


def test_batches_on_the_command_line_follow_the_publication_rule(cli_env: Path):
    store = Store()
    store.init()
    bid = store.add_batch(_frame(["a1"]), BatchMeta("a.csv", "ayesha", "ha"))
    public = roles.visibility_for(None)
    assert store.load_incidents(reviewed_only=public.reviewed_only,
                                include_sensitive=public.include_sensitive).empty
    runner = CliRunner()
    listed = runner.invoke(cli.main, ["batches", "list"])
    assert bid in listed.output and "not reviewed" in listed.output
    done = runner.invoke(cli.main, ["batches", "review", bid])
    assert done.exit_code == 0, done.output
    assert "Everyone who can open the dashboard sees it." in done.output
    assert store.load_incidents(reviewed_only=True, include_sensitive=False)[
        "incident_id"].tolist() == ["a1"]
    assert runner.invoke(cli.main, ["batches", "withdraw", bid]).exit_code == 0
    assert store.load_incidents().empty
    assert runner.invoke(cli.main, ["batches", "restore", bid]).exit_code == 0
    missing = runner.invoke(cli.main, ["batches", "review", "nope"])
    assert missing.exit_code == 1 and "no batch" in missing.output
    log = store.audit_log()
    assert log["action"].head(3).tolist() == ["restore", "withdraw", "review"]
    assert log["actor"].iloc[0].startswith("command line")


def _shows(rule, **flags: bool) -> bool:
    """Whether ``rule``'s SQL conditions let a batch with these flags through."""
    import sqlalchemy as sa

    batch = sa.select(*(sa.literal(v, sa.Boolean).label(k) for k, v in flags.items())).subquery()
    query = sa.select(sa.literal(1)).select_from(batch).where(*rule.conditions(batch.c))
    with sa.create_engine("sqlite://").connect() as conn:
        return conn.execute(query).first() is not None


def test_the_publication_rule():
    assert roles.visibility_for(None) == visibility.PUBLIC == roles.visibility_for(VIEWER)
    assert roles.visibility_for(AYESHA) == visibility.EVERYTHING == roles.visibility_for(ADMIN)
    assert _shows(visibility.PUBLIC, withdrawn=False, reviewed=True, sensitive=False)
    assert not _shows(visibility.PUBLIC, withdrawn=False, reviewed=False, sensitive=False)
    assert not _shows(visibility.PUBLIC, withdrawn=False, reviewed=True, sensitive=True)
    assert _shows(visibility.EVERYTHING, withdrawn=False, reviewed=False, sensitive=True)
    assert not _shows(visibility.EVERYTHING, withdrawn=True, reviewed=True, sensitive=False)
    assert "once an admin marks it reviewed" in roles.audience(
        {"withdrawn": False, "reviewed": False, "sensitive": False})
    assert "never" in roles.audience({"withdrawn": False, "reviewed": True, "sensitive": True})
