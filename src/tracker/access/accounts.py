"""Local accounts, open sessions and sign-in limits, all in the store's tables.

Accounts, open sessions and failed sign-ins live in the store, so every instance on one
database shares them. Passwords are stored only as salted argon2id hashes; no account and
no password ship with the project. Failed sign-ins earn growing delays per name and client
address (never a lock over all names) and each one is written to the audit log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker.access.roles import AccountError, User, clip, role_rank
from tracker.store import tables as t
from tracker.store.database import Store, write_audit

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_HOURS = 12
"""A signed-in session ends after this many hours."""

@dataclass(frozen=True)
class RateLimit:
    """Failed sign-ins allowed before each further try waits, and how the wait grows.

    Counted over the last ``window_seconds``: per name from one address (``per_pair``),
    per name from anywhere (``per_name``) and, for names that have an account, per
    address (``per_address``). Past the free tries the wait starts at ``first_delay``
    seconds and doubles with each failure, up to ``max_delay``. Nothing counts over all
    names, so nobody can hold every account shut.
    """

    per_pair: int = 5
    per_name: int = 20
    per_address: int = 20
    first_delay: float = 2.0
    max_delay: float = 15 * 60
    window_seconds: int = 60 * 60


@dataclass(frozen=True)
class LoginResult:
    """The answer to one sign-in attempt: the user, or a message saying why not."""

    user: User | None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None

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


def _delay(failures: int, free: int, limit: RateLimit) -> float:
    """Seconds to wait after the last failure: none for the first ``free``, then doubling."""
    if failures < free:
        return 0.0
    return min(limit.first_delay * 2 ** (failures - free), limit.max_delay)


class Accounts:
    """Accounts, open sessions and failed sign-ins, all in the store's tables.

    Every instance on the same database sees the same accounts: a user added, disabled or
    demoted through one instance is added, disabled or demoted on all of them, and their
    sessions end at their next action (:meth:`session_user`). Every change is written to
    the audit log in the same transaction.

    >>> from tracker.store.database import Store
    >>> store = Store("sqlite://"); store.init()
    >>> accounts = Accounts(store)
    >>> accounts.add("ayesha", "researcher", "a long passphrase", actor="setup")
    User(name='ayesha', role='researcher', via='password')
    >>> accounts.authenticate("ayesha", "a long passphrase").ok
    True
    """

    def __init__(self, store: Store, *, limit: RateLimit | None = None,
                 clock: Any = time.time) -> None:
        self.store = store
        self.limit = limit or RateLimit()
        self.clock = clock

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.UTC)

    # --- reading -----------------------------------------------------------------------

    def _record(self, conn: sa.Connection, key: str) -> dict[str, Any] | None:
        row = conn.execute(sa.select(t.accounts).where(t.accounts.c.name == key)).mappings().first()
        return dict(row) if row else None

    def _get(self, name: str) -> dict[str, Any] | None:
        try:
            key = normalise_name(name)
        except AccountError:
            return None
        with self.store.engine.connect() as conn:
            return self._record(conn, key)

    def names(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(sa.select(t.accounts.c.name)
                                     .order_by(t.accounts.c.name)).scalars())

    def user(self, name: str) -> User | None:
        """The enabled account called ``name`` as a :class:`User`, or None."""
        record = self._get(name)
        if record is None or record["disabled"]:
            return None
        return User(record["name"], record["role"])

    def sso_user(self, email: str | None) -> User | None:
        """The user for a single-sign-on identity: their account's role, else a viewer.

        A disabled account signs in by SSO no more than by password.
        """
        if not email:
            return None
        try:
            key = normalise_name(email)
        except AccountError:
            return None
        record = self._get(key)
        if record is not None and record["disabled"]:
            return None
        return User(key, record["role"] if record else "viewer", via="sso")

    def table(self) -> pd.DataFrame:
        """Accounts for display: name, role, status, how they sign in; never hashes."""
        count = (sa.select(sa.func.count()).select_from(t.sessions)
                 .where(t.sessions.c.name == t.accounts.c.name).scalar_subquery())
        query = sa.select(t.accounts, count.label("sessions")).order_by(t.accounts.c.name)
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        out = [
            {"name": r["name"], "role": r["role"],
             "status": "disabled" if r["disabled"] else "active",
             "signs_in_with": "password" if r["password_hash"] else "single sign-on",
             "open_sessions": int(r["sessions"] or 0),
             "created_at": _when(r["created_at"]), "created_by": r["created_by"],
             "password_changed_at": _when(r["password_changed_at"])}
            for r in rows
        ]
        return pd.DataFrame(out, columns=["name", "role", "status", "signs_in_with",
                                          "open_sessions", "created_at", "created_by",
                                          "password_changed_at"])

    # --- changing ----------------------------------------------------------------------

    def add(self, name: str, role: str, password: str | None, *, actor: str,
            confirm: str | None = None) -> User:
        """Create an account; ``password=None`` makes one that signs in only by SSO."""
        key = normalise_name(name)
        role_rank(role)
        if password is not None:
            check_password(password, confirm)
        hashed = _hasher.hash(password) if password is not None else None
        stamp = self._now()
        try:
            with self.store.engine.begin() as conn:
                if self._record(conn, key) is not None:
                    raise AccountError(f"There is already an account called {key!r}.")
                conn.execute(t.accounts.insert().values(
                    name=key, role=role, password_hash=hashed, disabled=False,
                    created_at=stamp, created_by=actor,
                    password_changed_at=stamp if password is not None else None))
                write_audit(conn, actor, "account added", key, f"role {role}")
        except sa.exc.IntegrityError as exc:  # added at the same moment elsewhere
            raise AccountError(f"There is already an account called {key!r}.") from exc
        return User(key, role)

    def set_role(self, name: str, role: str, *, actor: str) -> None:
        """Change an account's role and end its sessions; the last admin stays an admin."""
        role_rank(role)
        with self._changing(name) as (conn, record):
            old = record["role"]
            if old == "admin" and role != "admin":
                self._keep_an_admin(conn, record["name"])
            conn.execute(t.accounts.update().where(t.accounts.c.name == record["name"])
                         .values(role=role))
            ended = self._end_sessions(conn, record["name"])
            write_audit(conn, actor, "role changed", record["name"],
                     f"{old} → {role}; {_sessions_ended(ended)}")

    def reset_password(self, name: str, password: str, *, actor: str,
                       confirm: str | None = None) -> None:
        """Set a new password, end the account's sessions and lift its sign-in delays."""
        check_password(password, confirm)
        hashed = _hasher.hash(password)
        with self._changing(name) as (conn, record):
            key = record["name"]
            conn.execute(t.accounts.update().where(t.accounts.c.name == key)
                         .values(password_hash=hashed, password_changed_at=self._now()))
            ended = self._end_sessions(conn, key)
            conn.execute(t.login_failures.delete().where(t.login_failures.c.name == key))
            write_audit(conn, actor, "password reset", key, _sessions_ended(ended))

    def disable(self, name: str, *, actor: str) -> None:
        """Stop an account from signing in and end its sessions (kept for the record)."""
        with self._changing(name) as (conn, record):
            if record["disabled"]:
                raise AccountError(f"{record['name']!r} is already disabled.")
            if record["role"] == "admin":
                self._keep_an_admin(conn, record["name"])
            conn.execute(t.accounts.update().where(t.accounts.c.name == record["name"])
                         .values(disabled=True))
            ended = self._end_sessions(conn, record["name"])
            write_audit(conn, actor, "account disabled", record["name"], _sessions_ended(ended))

    def enable(self, name: str, *, actor: str) -> None:
        """Let a disabled account sign in again."""
        with self._changing(name) as (conn, record):
            if not record["disabled"]:
                raise AccountError(f"{record['name']!r} is not disabled.")
            conn.execute(t.accounts.update().where(t.accounts.c.name == record["name"])
                         .values(disabled=False))
            write_audit(conn, actor, "account enabled", record["name"], None)

    def remove(self, name: str, *, actor: str) -> None:
        """Delete an account and its sessions; its batches and audit entries stay."""
        with self._changing(name) as (conn, record):
            if record["role"] == "admin" and not record["disabled"]:
                self._keep_an_admin(conn, record["name"])
            ended = self._end_sessions(conn, record["name"])
            conn.execute(t.accounts.delete().where(t.accounts.c.name == record["name"]))
            write_audit(conn, actor, "account removed", record["name"],
                     f"was {record['role']}; {_sessions_ended(ended)}")

    @contextlib.contextmanager
    def _changing(self, name: str) -> Iterator[tuple[sa.Connection, dict[str, Any]]]:
        """One transaction on an existing account, locked against concurrent changes."""
        key = normalise_name(name)
        with self.store.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": ACCOUNTS_LOCK})
            record = self._record(conn, key)
            if record is None:
                raise AccountError(f"There is no account called {key!r}.")
            yield conn, record

    @staticmethod
    def _keep_an_admin(conn: sa.Connection, key: str) -> None:
        others = conn.execute(
            sa.select(sa.func.count()).select_from(t.accounts).where(
                t.accounts.c.role == "admin", t.accounts.c.disabled.is_(False),
                t.accounts.c.name != key)
        ).scalar()
        if not others:
            raise AccountError("This is the only active admin account; make another admin "
                               "first.")

    @staticmethod
    def _end_sessions(conn: sa.Connection, key: str) -> int:
        return conn.execute(t.sessions.delete().where(t.sessions.c.name == key)).rowcount or 0

    # --- sessions ----------------------------------------------------------------------

    def start_session(self, user: User, address: str | None = None) -> str:
        """Open a session for ``user``; return the token the browser session keeps."""
        token = secrets.token_urlsafe(32)
        expired = self._now() - dt.timedelta(hours=SESSION_HOURS)
        with self.store.engine.begin() as conn:
            conn.execute(t.sessions.delete().where(t.sessions.c.started_at <= expired))
            conn.execute(t.sessions.insert().values(
                token_hash=_token_hash(token), name=user.name, started_at=self._now(),
                address=_address(address)))
        return token

    def session_user(self, token: str | None) -> User | None:
        """The user of an open session, read from the store on every call (so a change
        made on any instance applies at the user's next action); None once it has ended."""
        if not token:
            return None
        since = self._now() - dt.timedelta(hours=SESSION_HOURS)
        query = (sa.select(t.accounts.c.name, t.accounts.c.role)
                 .join(t.sessions, t.sessions.c.name == t.accounts.c.name)
                 .where(t.sessions.c.token_hash == _token_hash(token),
                        t.sessions.c.started_at > since,
                        t.accounts.c.disabled.is_(False)))
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return User(row.name, row.role) if row else None

    def end_session(self, token: str | None) -> None:
        """Sign out: forget the session here and on every instance; drop expired ones."""
        since = self._now() - dt.timedelta(hours=SESSION_HOURS)
        with self.store.engine.begin() as conn:
            if token:
                conn.execute(t.sessions.delete().where(
                    t.sessions.c.token_hash == _token_hash(token)))
            conn.execute(t.sessions.delete().where(t.sessions.c.started_at <= since))

    # --- signing in --------------------------------------------------------------------

    def authenticate(self, name: str, password: str, address: str | None = None) -> LoginResult:
        """Check a name and password, within the sign-in delays.

        Failures are counted per name and client address, per name and per address, and
        each earns a delay that doubles after a few free tries (:class:`RateLimit`); there
        is no lock over all names. Failures for names that have no account count only
        against that name, so a flood of made-up names never delays a real user. The
        message never says whether the name exists; every failure is audited.
        """
        shown = clip(str(name).strip().lower(), 100) or "(empty)"
        try:
            key = normalise_name(name)
        except AccountError:
            key = None
        where = _address(address)
        wait = self.wait_seconds(key or shown, where)
        if wait:
            self.store.record("anonymous", "login failed", shown,
                              f"refused unchecked: delay of {_duration(wait)} running"
                              + _from(where))
            return LoginResult(None, _blocked_message(wait))
        record = self._get(key) if key else None
        usable = record is not None and not record["disabled"] and record["password_hash"]
        if usable:
            ok = _verify(record["password_hash"], password)  # type: ignore[index]
            if ok and _hasher.check_needs_rehash(record["password_hash"]):  # type: ignore[index]
                self._rehash(key, password)  # type: ignore[arg-type]
        else:
            _verify(_decoy_hash(), password)
            ok = False
        if ok:
            with self.store.engine.begin() as conn:
                conn.execute(t.login_failures.delete().where(
                    t.login_failures.c.name == key,
                    _same_address(where)))
            return LoginResult(User(key, record["role"]))  # type: ignore[arg-type, index]
        reason = ("wrong password" if usable else
                  "account disabled" if record is not None and record["disabled"] else
                  "no password (single sign-on only)" if record is not None else
                  "no such account")
        with self.store.engine.begin() as conn:
            conn.execute(t.login_failures.delete().where(
                t.login_failures.c.at <= self._now() - self._window()))
            conn.execute(t.login_failures.insert().values(
                at=self._now(), name=key or shown, address=where, known=record is not None))
        wait = self.wait_seconds(key or shown, where)
        if wait:
            reason += f"; next try delayed {_duration(wait)}"
        self.store.record("anonymous", "login failed", shown, reason + _from(where))
        if wait:
            return LoginResult(None, _blocked_message(wait))
        return LoginResult(None, "Wrong user name or password.")

    def _window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.limit.window_seconds)

    def _failures(self, name: str | None = None, address: str | None = None) -> pd.DataFrame:
        cond = []
        if name is not None:
            cond.append(t.login_failures.c.name == name)
        if address is not None:
            cond.append(t.login_failures.c.address == address)
        query = sa.select(t.login_failures).where(
            t.login_failures.c.at > self._now() - self._window())
        if cond:
            query = query.where(sa.or_(*cond))
        with self.store.engine.connect() as conn:
            result = conn.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if not frame.empty:
            frame["at"] = pd.to_datetime(frame["at"])
        return frame

    def wait_seconds(self, name: str, address: str | None = None) -> float:
        """Seconds until ``name`` may try again from ``address`` (0: it may try now)."""
        frame = self._failures(name, address)
        if frame.empty:
            return 0.0
        now = pd.Timestamp(self._now()).tz_localize(None)
        lim = self.limit
        by_name = frame[frame["name"] == name]
        pair = by_name[by_name["address"] == address] if address else by_name
        groups = [(pair, lim.per_pair), (by_name, lim.per_name)]
        if address:
            from_here = frame[(frame["address"] == address) & frame["known"].astype(bool)]
            groups.append((from_here, lim.per_address))
        waits = [0.0]
        for group, free in groups:
            delay = _delay(len(group), free, lim)
            if delay:
                waits.append((group["at"].max() + pd.Timedelta(seconds=delay) - now)
                             .total_seconds())
        return max(waits)

    def locks(self) -> pd.DataFrame:
        """Sign-ins delayed now: one row per name and client address, longest wait first."""
        frame = self._failures()
        rows = []
        if not frame.empty:
            pairs = frame[["name", "address"]].drop_duplicates().itertuples(index=False)
            for name, address in pairs:
                address = None if pd.isna(address) else address
                wait = self.wait_seconds(name, address)
                if wait >= 1:
                    mine = frame[frame["name"] == name]
                    rows.append({"name": name, "address": address or "(unknown)",
                                 "failures": len(mine), "wait_seconds": math.ceil(wait)})
        out = pd.DataFrame(rows, columns=["name", "address", "failures", "wait_seconds"])
        return out.sort_values("wait_seconds", ascending=False).reset_index(drop=True)

    def lift(self, *, actor: str, name: str | None = None, address: str | None = None) -> int:
        """Forget the failed sign-ins of a name or an address (ends its delay); audited."""
        if not name and not address:
            raise AccountError("Say which name or address to unlock.")
        cond = []
        if name:
            cond.append(t.login_failures.c.name == str(name).strip().lower())
        if address:
            cond.append(t.login_failures.c.address == _address(address))
        with self.store.engine.begin() as conn:
            gone = conn.execute(t.login_failures.delete().where(sa.or_(*cond))).rowcount or 0
            what = " and ".join(x for x in (name and f"name {clip(name, 100)}",
                                            address and f"address {clip(address, 64)}") if x)
            write_audit(conn, actor, "sign-in delay lifted", clip(name or address, 100),
                     f"{what}: {gone} failed sign-ins forgotten")
        return gone

    def _rehash(self, key: str, password: str) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(t.accounts.update().where(t.accounts.c.name == key)
                         .values(password_hash=_hasher.hash(password)))


#: Key of the PostgreSQL advisory lock that serialises account changes (any fixed number).
ACCOUNTS_LOCK = 7_411_020_250_317


# --- small helpers -----------------------------------------------------------------------


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _address(address: str | None) -> str | None:
    text = clip(address or "", 64).strip()
    return text or None


def _same_address(address: str | None) -> Any:
    column = t.login_failures.c.address
    return column.is_(None) if address is None else column == address


def _from(address: str | None) -> str:
    return f" (from {address})" if address else ""


def _when(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def _sessions_ended(count: int) -> str:
    return f"{count} open session{'' if count == 1 else 's'} ended"


def _duration(seconds: float) -> str:
    if seconds < 90:
        whole = max(1, math.ceil(seconds))
        return f"{whole} second" + ("" if whole == 1 else "s")
    return _minutes(seconds)


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def _blocked_message(seconds: float) -> str:
    return f"Too many failed sign-ins. Try again in {_duration(seconds)}."
