"""The one-time move of an old state folder's files into the store."""

from __future__ import annotations

import json

from argon2 import PasswordHasher

from tracker.access.accounts import Accounts
from tracker.ingest import mappings
from tracker.store import statefiles
from tracker.store.database import Store, open_store

PASSWORD = "a long passphrase 1"


def _old_accounts(folder, **names) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    hashed = PasswordHasher().hash(PASSWORD)
    body = {"version": 1, "accounts": {
        name: {"role": role, "password_hash": hashed, "created_at": "2025-11-01 10:00:00 UTC",
               "created_by": "command line", "password_changed_at": "2025-11-01 10:00:00 UTC"}
        for name, role in names.items()}}
    (folder / "accounts.json").write_text(json.dumps(body))


def test_accounts_and_mappings_are_imported_once_and_the_files_kept(store: Store, tmp_path):
    state = tmp_path / "state"
    _old_accounts(state, zara="admin", ayesha="researcher")
    (state / "mappings").mkdir()
    header = ["Date of attack", "Shaheed"]
    (state / "mappings" / f"{mappings.signature(header)}.json").write_text(json.dumps(
        {"header": header, "mapping": {"Date of attack": "date", "Shaheed": "killed"}}))
    (state / "login-attempts.json").write_text("{}")
    Accounts(store).add("ayesha", "viewer", PASSWORD + "x", actor="other instance")

    lines = statefiles.import_once(store, state)
    assert lines == ["1 accounts imported; 1 already in the store kept as they are (ayesha)",
                     "1 saved column mappings imported", "failed sign-in counts dropped"]
    accounts = Accounts(store)
    assert accounts.authenticate("zara", PASSWORD).user.role == "admin"
    assert accounts.user("ayesha").role == "viewer"  # the store's account wins
    assert mappings.load(list(reversed(header)), store=store) == {
        "Date of attack": "date", "Shaheed": "killed"}
    assert sorted(p.name for p in state.iterdir()) == [
        "accounts.json.imported", "login-attempts.json.imported", "mappings.imported"]
    assert statefiles.import_once(store, state) == []  # once
    imported = store.audit_log().query("action == 'state imported'")
    assert len(imported) == 3


def test_a_truncated_accounts_file_is_reported_never_fatal(tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.mkdir()
    (state / "accounts.json").write_text('{"version": 1, "accounts": {"zara": {"ro')
    monkeypatch.setenv("TRACKER_STATE_DIR", str(state))
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    store = open_store(seed=False)  # what every start does
    assert (state / "accounts.json.unreadable").exists()
    failed = store.audit_log().query("action == 'state import failed'")
    assert failed["target"].tolist() == ["accounts.json"]
    assert "could not be read" in failed["detail"].iloc[0]
    assert Accounts(store).names() == []
    open_store(seed=False)  # and the next start does not report it again
    assert len(store.audit_log().query("action == 'state import failed'")) == 1
