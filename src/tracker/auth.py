"""Who may change the data: roles, local accounts, sign-in limits and guarded batch actions.

Three roles, each including the one before it:

- ``viewer``: sees the dashboard (open to everyone unless ``TRACKER_REQUIRE_LOGIN`` is set);
- ``researcher``: uploads files and withdraws their own batches;
- ``admin``: withdraws or restores any batch, marks batches reviewed or sensitive, manages
  briefs and accounts, reads the audit log.

Accounts live in ``accounts.json`` in the state folder (:func:`tracker.config.state_dir`),
which version control ignores. Passwords are stored only as salted argon2id hashes; no
account and no password ship with the project. Failed sign-ins are counted per name and
overall in ``login-attempts.json`` beside it, so a restart does not reset the limit, and
each one is written to the audit log.

The guarded functions (:func:`withdraw_batch`, :func:`restore_batch`, :func:`set_reviewed`,
:func:`set_sensitive`) check the role themselves: a page that forgot to hide a button still
cannot let a researcher withdraw someone else's batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker import config
from tracker.store import Store, StoreError

ROLES: tuple[str, ...] = ("viewer", "researcher", "admin")
"""Roles from least to most trusted; each may do everything the one before it may."""

PERMISSIONS: dict[str, str] = {
    "view": "viewer",
    "upload": "researcher",
    "see_batches": "researcher",
    "withdraw_own": "researcher",
    "withdraw_any": "admin",
    "restore": "admin",
    "review": "admin",
    "mark_sensitive": "admin",
    "manage_briefs": "admin",
    "manage_accounts": "admin",
    "see_audit": "admin",
}
"""The least role each action needs."""

PAGE_ROLES: dict[str, str] = {
    "upload": "researcher",
    "batches": "researcher",
    "audit": "admin",
    "accounts": "admin",
}
"""The least role that sees a page (by its URL path) in the navigation."""

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_HOURS = 12
"""A signed-in session ends after this many hours."""


class AccountError(ValueError):
    """An account change that was refused, with a message meant for the user."""


class PermissionDenied(PermissionError):
    """The signed-in user's role does not allow this action."""


@dataclass(frozen=True)
class User:
    """A signed-in person: a name, a role and how they signed in."""

    name: str
    role: str
    via: str = "password"  # password | sso


@dataclass(frozen=True)
class RateLimit:
    """How many failed sign-ins a window allows, per name and over all names."""

    per_name: int = 5
    overall: int = 50
    window_seconds: int = 15 * 60


@dataclass(frozen=True)
class LoginResult:
    """The answer to one sign-in attempt: the user, or a message saying why not."""

    user: User | None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None


# --- settings ----------------------------------------------------------------------------


def viewing_requires_login() -> bool:
    """``TRACKER_REQUIRE_LOGIN=1`` hides the dashboard until someone signs in (default off)."""
    return os.environ.get("TRACKER_REQUIRE_LOGIN", "").strip().lower() in {"1", "true", "yes"}


def accounts_path() -> Path:
    return config.state_dir() / "accounts.json"


# --- roles -------------------------------------------------------------------------------


def role_rank(role: str) -> int:
    if role not in ROLES:
        raise AccountError(f"Unknown role {clip(role)!r}: choose one of {', '.join(ROLES)}.")
    return ROLES.index(role)


def has_role(user: User | None, role: str) -> bool:
    """True when ``user`` is signed in with ``role`` or a more trusted one."""
    return user is not None and role_rank(user.role) >= role_rank(role)


def can(user: User | None, action: str) -> bool:
    """True when ``user`` may do ``action`` (a key of :data:`PERMISSIONS`)."""
    return has_role(user, PERMISSIONS[action])


def require(user: User | None, action: str) -> User:
    """Return ``user`` if they may do ``action``; raise :class:`PermissionDenied` if not."""
    if user is None:
        raise PermissionDenied(f"Sign in to {_ACTION_WORDS[action]}.")
    if not can(user, action):
        raise PermissionDenied(
            f"A {user.role} account cannot {_ACTION_WORDS[action]}; "
            f"this needs a {PERMISSIONS[action]} account."
        )
    return user


def may_see_page(user: User | None, url_path: str) -> bool:
    """Whether the navigation lists the page for ``user`` (pages check again themselves)."""
    role = PAGE_ROLES.get(url_path)
    if role is None:
        return True
    return has_role(user, role)


_ACTION_WORDS = {
    "view": "see the dashboard",
    "upload": "upload files",
    "see_batches": "see batches",
    "withdraw_own": "withdraw batches",
    "withdraw_any": "withdraw other people's batches",
    "restore": "restore batches",
    "review": "mark batches reviewed",
    "mark_sensitive": "mark batches sensitive",
    "manage_briefs": "manage briefs",
    "manage_accounts": "manage accounts",
    "see_audit": "see the audit log",
}


# --- guarded batch actions ---------------------------------------------------------------


def can_withdraw(user: User | None, batch: Mapping[str, Any]) -> bool:
    """Admins may withdraw any batch; researchers only a batch they uploaded."""
    if can(user, "withdraw_any"):
        return True
    return can(user, "withdraw_own") and batch.get("uploaded_by") == user.name  # type: ignore[union-attr]


def can_restore(user: User | None, batch: Mapping[str, Any]) -> bool:
    """Only admins restore: a withdrawn batch comes back after a second look."""
    return can(user, "restore")


def batch_actions(user: User | None, batch: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The actions ``user`` may take on ``batch`` now, as ``(action, button label)``."""
    out: list[tuple[str, str]] = []
    if batch["withdrawn"]:
        if can_restore(user, batch):
            out.append(("restore", "Restore"))
    elif can_withdraw(user, batch):
        out.append(("withdraw", "Withdraw"))
    if can(user, "review"):
        out.append(("unreview", "Mark not reviewed") if batch["reviewed"]
                   else ("review", "Mark reviewed"))
    if can(user, "mark_sensitive"):
        out.append(("not_sensitive", "Mark not sensitive") if batch["sensitive"]
                   else ("sensitive", "Mark sensitive"))
    return out


def withdraw_batch(store: Store, user: User | None, batch_id: str) -> None:
    """Withdraw (hide) a batch, if ``user`` may; recorded in the audit log."""
    batch = _existing_batch(store, batch_id)
    require(user, "withdraw_own")
    if not can_withdraw(user, batch):
        raise PermissionDenied(
            f"{batch_id} was uploaded by someone else; only its uploader or an admin "
            "can withdraw it."
        )
    if batch["withdrawn"]:
        raise StoreError(f"{batch_id} is already withdrawn.")
    store.set_withdrawn(batch_id, True, actor=user.name)  # type: ignore[union-attr]


def restore_batch(store: Store, user: User | None, batch_id: str) -> None:
    """Show a withdrawn batch again (admins only); recorded in the audit log."""
    batch = _existing_batch(store, batch_id)
    require(user, "restore")
    if not batch["withdrawn"]:
        raise StoreError(f"{batch_id} is not withdrawn.")
    store.set_withdrawn(batch_id, False, actor=user.name)  # type: ignore[union-attr]


def set_reviewed(store: Store, user: User | None, batch_id: str, reviewed: bool = True) -> None:
    """Mark a batch reviewed or not (admins only); recorded in the audit log."""
    _existing_batch(store, batch_id)
    require(user, "review")
    store.mark_reviewed(batch_id, actor=user.name, reviewed=reviewed)  # type: ignore[union-attr]


def set_sensitive(store: Store, user: User | None, batch_id: str, sensitive: bool = True) -> None:
    """Mark a batch sensitive or not (admins only); recorded in the audit log."""
    _existing_batch(store, batch_id)
    require(user, "mark_sensitive")
    store.mark_sensitive(batch_id, actor=user.name, sensitive=sensitive)  # type: ignore[union-attr]


def apply_batch_action(store: Store, user: User | None, batch_id: str, action: str) -> str:
    """Run one action from :func:`batch_actions`; return a sentence saying what was done."""
    steps = {
        "withdraw": (lambda: withdraw_batch(store, user, batch_id), "withdrawn"),
        "restore": (lambda: restore_batch(store, user, batch_id), "restored"),
        "review": (lambda: set_reviewed(store, user, batch_id, True), "marked reviewed"),
        "unreview": (lambda: set_reviewed(store, user, batch_id, False), "marked not reviewed"),
        "sensitive": (lambda: set_sensitive(store, user, batch_id, True), "marked sensitive"),
        "not_sensitive": (lambda: set_sensitive(store, user, batch_id, False),
                          "marked not sensitive"),
    }
    if action not in steps:
        raise PermissionDenied(f"Unknown batch action {clip(action)!r}.")
    run, done = steps[action]
    run()
    return f"Batch {batch_id} {done}."


def commit_upload(report: Any, store: Store, user: User | None,
                  accept_rows: Any = ()) -> str:
    """Save a previewed upload as a batch, if ``user`` may upload (see ``ingest.commit``)."""
    from tracker import ingest

    require(user, "upload")
    return ingest.commit(report, store, user.name, accept_rows=accept_rows)  # type: ignore[union-attr]


def add_brief(raw: bytes, store: Store, user: User | None) -> Any:
    """Add an uploaded brief, if ``user`` may manage briefs (see ``briefs.add_brief``)."""
    from tracker import briefs

    require(user, "manage_briefs")
    return briefs.add_brief(raw, actor=user.name, store=store)  # type: ignore[union-attr]


def visible_batches(store: Store, user: User | None) -> pd.DataFrame:
    """The batches ``user`` manages: every batch for admins, their own for researchers."""
    require(user, "see_batches")
    frame = store.batches()
    if not can(user, "withdraw_any"):
        frame = frame.loc[frame["uploaded_by"] == user.name]  # type: ignore[union-attr]
    return frame.reset_index(drop=True)


def batch_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Batches for display: one status word, counts, who and when (plain text)."""
    if frame.empty:
        return pd.DataFrame(columns=["batch_id", "file_name", "uploaded_by", "uploaded_at",
                                     "status", "accepted", "rejected", "duplicates"])
    status = frame["withdrawn"].map({True: "withdrawn", False: "live"})
    status = status + frame["reviewed"].map({True: ", reviewed", False: ", not reviewed"})
    status = status + frame["sensitive"].map({True: ", sensitive", False: ""})
    return pd.DataFrame({
        "batch_id": frame["batch_id"],
        "file_name": frame["file_name"],
        "uploaded_by": frame["uploaded_by"],
        "uploaded_at": pd.to_datetime(frame["uploaded_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "status": status,
        "accepted": frame["accepted"],
        "rejected": frame["rejected"],
        "duplicates": frame["duplicates"],
    })


def _existing_batch(store: Store, batch_id: str) -> dict[str, Any]:
    batch = store.batch(batch_id)
    if batch is None:
        raise StoreError(f"There is no batch {clip(batch_id)!r}.")
    return batch


# --- accounts ----------------------------------------------------------------------------


_hasher = PasswordHasher()
_dummy_hash: str | None = None


def _decoy_hash() -> str:
    """A hash to verify against for unknown names, so timing does not tell names apart."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("decoy password that nobody has")
    return _dummy_hash


def normalise_name(name: str) -> str:
    """The account name as stored: trimmed and lower-case; refused unless plain."""
    text = str(name).strip().lower()
    if not NAME_PATTERN.match(text):
        raise AccountError(
            "A user name is 1–100 characters: letters, digits and . _ @ + - "
            "(starting with a letter or digit)."
        )
    return text


def check_password(password: str, confirm: str | None = None) -> None:
    """Refuse passwords that are too short, too long or mistyped."""
    if confirm is not None and password != confirm:
        raise AccountError("The two passwords differ.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"A password has at most {MAX_PASSWORD} characters.")


class Accounts:
    """The local accounts file and the sign-in counter beside it.

    Every change is written atomically under a file lock (several sessions and processes
    may share one state folder) and recorded in the store's audit log when a store is
    given.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> accounts = Accounts(folder / "accounts.json")
    >>> accounts.add("ayesha", "researcher", "a long passphrase", actor="setup")
    User(name='ayesha', role='researcher', via='password')
    >>> accounts.authenticate("ayesha", "a long passphrase").ok
    True
    """

    def __init__(self, path: Path | None = None, store: Store | None = None,
                 limit: RateLimit | None = None, clock: Any = time.time) -> None:
        self.path = Path(path) if path is not None else accounts_path()
        self.attempts_path = self.path.with_name("login-attempts.json")
        self.store = store
        self.limit = limit or RateLimit()
        self.clock = clock

    # --- reading -----------------------------------------------------------------------

    def _read(self) -> dict[str, dict[str, Any]]:
        return _read_json(self.path).get("accounts", {})

    def names(self) -> list[str]:
        return sorted(self._read())

    def user(self, name: str) -> User | None:
        """The account called ``name`` as a :class:`User`, or None."""
        try:
            key = normalise_name(name)
        except AccountError:
            return None
        record = self._read().get(key)
        return User(key, record["role"]) if record else None

    def sso_user(self, email: str | None) -> User | None:
        """The user for a single-sign-on identity: their account's role, else a viewer."""
        if not email:
            return None
        try:
            key = normalise_name(email)
        except AccountError:
            return None
        record = self._read().get(key)
        return User(key, record["role"] if record else "viewer", via="sso")

    def table(self) -> pd.DataFrame:
        """Accounts for display: name, role, how they sign in, when made; never hashes."""
        rows = [
            {"name": name, "role": rec["role"],
             "signs_in_with": "password" if rec.get("password_hash") else "single sign-on",
             "created_at": rec.get("created_at"), "created_by": rec.get("created_by"),
             "password_changed_at": rec.get("password_changed_at")}
            for name, rec in sorted(self._read().items())
        ]
        return pd.DataFrame(rows, columns=["name", "role", "signs_in_with", "created_at",
                                           "created_by", "password_changed_at"])

    # --- changing ----------------------------------------------------------------------

    def add(self, name: str, role: str, password: str | None, *, actor: str,
            confirm: str | None = None) -> User:
        """Create an account; ``password=None`` makes one that signs in only by SSO."""
        key = normalise_name(name)
        role_rank(role)
        if password is not None:
            check_password(password, confirm)
        with self._locked():
            data = _read_json(self.path)
            accounts = data.setdefault("accounts", {})
            if key in accounts:
                raise AccountError(f"There is already an account called {key!r}.")
            stamp = _stamp()
            accounts[key] = {
                "role": role,
                "password_hash": _hasher.hash(password) if password is not None else None,
                "created_at": stamp,
                "created_by": actor,
                "password_changed_at": stamp if password is not None else None,
            }
            _write_json(self.path, data)
        self._audit(actor, "account added", key, f"role {role}")
        return User(key, role)

    def set_role(self, name: str, role: str, *, actor: str) -> None:
        """Change an account's role; the last admin cannot be demoted."""
        key = normalise_name(name)
        role_rank(role)
        with self._locked():
            data = _read_json(self.path)
            accounts = data.get("accounts", {})
            if key not in accounts:
                raise AccountError(f"There is no account called {key!r}.")
            old = accounts[key]["role"]
            admins = [n for n, r in accounts.items() if r["role"] == "admin"]
            if old == "admin" and role != "admin" and admins == [key]:
                raise AccountError("This is the only admin account; make another admin first.")
            accounts[key]["role"] = role
            _write_json(self.path, data)
        self._audit(actor, "role changed", key, f"{old} → {role}")

    def reset_password(self, name: str, password: str, *, actor: str,
                       confirm: str | None = None) -> None:
        """Set a new password (and clear the account's failed sign-ins)."""
        key = normalise_name(name)
        check_password(password, confirm)
        with self._locked():
            data = _read_json(self.path)
            accounts = data.get("accounts", {})
            if key not in accounts:
                raise AccountError(f"There is no account called {key!r}.")
            accounts[key]["password_hash"] = _hasher.hash(password)
            accounts[key]["password_changed_at"] = _stamp()
            _write_json(self.path, data)
            attempts = _read_json(self.attempts_path)
            attempts.get("names", {}).pop(key, None)
            _write_json(self.attempts_path, attempts)
        self._audit(actor, "password reset", key, None)

    # --- signing in --------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> LoginResult:
        """Check a name and password, within the failed sign-in limits.

        The message never says whether the name exists. Each failure is counted (per
        name and overall, in a file, so restarts keep the count) and written to the
        audit log; while a limit is reached no password is checked at all.
        """
        shown = clip(str(name).strip().lower(), 100) or "(empty)"
        try:
            key = normalise_name(name)
        except AccountError:
            key = None
        with self._locked():
            attempts = self._pruned_attempts()
            wait = self._wait_seconds(attempts, key or shown)
            if wait:
                return LoginResult(None, _blocked_message(wait))
            record = self._read().get(key) if key else None
            if record and record.get("password_hash"):
                ok = _verify(record["password_hash"], password)
                if ok and _hasher.check_needs_rehash(record["password_hash"]):
                    self._rehash(key, password)  # type: ignore[arg-type]
            else:
                _verify(_decoy_hash(), password)
                ok = False
            if ok:
                attempts.setdefault("names", {}).pop(key, None)
                _write_json(self.attempts_path, attempts)
                return LoginResult(User(key, record["role"]))  # type: ignore[arg-type, index]
            now = self.clock()
            attempts.setdefault("names", {}).setdefault(key or shown, []).append(now)
            attempts.setdefault("all", []).append(now)
            _write_json(self.attempts_path, attempts)
            wait = self._wait_seconds(attempts, key or shown)
        reason = "wrong password" if record else "no such account"
        if wait:
            reason += f"; further attempts refused for {_minutes(wait)}"
        self._audit("anonymous", "login failed", shown, reason)
        if wait:
            return LoginResult(None, _blocked_message(wait))
        return LoginResult(None, "Wrong user name or password.")

    def _rehash(self, key: str, password: str) -> None:
        data = _read_json(self.path)
        data["accounts"][key]["password_hash"] = _hasher.hash(password)
        _write_json(self.path, data)

    def _pruned_attempts(self) -> dict[str, Any]:
        since = self.clock() - self.limit.window_seconds
        data = _read_json(self.attempts_path)
        names = {n: [t for t in ts if t > since] for n, ts in data.get("names", {}).items()}
        return {"names": {n: ts for n, ts in names.items() if ts},
                "all": [t for t in data.get("all", []) if t > since]}

    def _wait_seconds(self, attempts: dict[str, Any], key: str) -> float:
        """Seconds until this name may try again (0 when it may try now)."""
        window, now = self.limit.window_seconds, self.clock()
        waits = [0.0]
        mine = attempts.get("names", {}).get(key, [])
        if len(mine) >= self.limit.per_name:
            waits.append(mine[-self.limit.per_name] + window - now)
        every = attempts.get("all", [])
        if len(every) >= self.limit.overall:
            waits.append(every[-self.limit.overall] + window - now)
        return max(waits)

    def _audit(self, actor: str, action: str, target: str | None, detail: str | None) -> None:
        if self.store is not None:
            self.store.record(actor, action, target, detail)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with _file_lock(self.path.with_name(self.path.name + ".lock")):
            yield


# --- small helpers -----------------------------------------------------------------------


def clip(text: object, n: int = 60) -> str:
    """Printable characters only, at most ``n`` of them: safe to echo in a message."""
    out = "".join(ch for ch in str(text) if ch.isprintable())
    return out if len(out) <= n else out[:n] + "…"


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _blocked_message(seconds: float) -> str:
    return f"Too many failed sign-ins. Try again in {_minutes(seconds)}."


def _read_json(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise AccountError(f"{path.name} in the state folder cannot be read ({exc}).") from exc
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically (temporary file, then rename) and readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, **data}, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between threads and processes sharing the state folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            handle.seek(0)
            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    time.sleep(0.05)
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
