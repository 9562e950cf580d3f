"""Who may do what: the three roles, the permissions of each, and the publication rule.

Three roles, each including the one before it:

- ``viewer``: sees the dashboard (open to everyone unless ``TRACKER_REQUIRE_LOGIN`` is set);
- ``researcher``: uploads files, withdraws and restores their own batches;
- ``admin``: withdraws or restores any batch, marks batches reviewed or sensitive, manages
  briefs and accounts, reads the audit log.

The publication rule (:func:`visibility_for`): signed-out visitors and viewers see only
reviewed, non-sensitive batches; researchers and admins see everything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracker.store.visibility import EVERYTHING, PUBLIC, Visibility

ROLES: tuple[str, ...] = ("viewer", "researcher", "admin")
"""Roles from least to most trusted; each may do everything the one before it may."""

PERMISSIONS: dict[str, str] = {
    "view": "viewer",
    "upload": "researcher",
    "see_batches": "researcher",
    "withdraw_own": "researcher",
    "withdraw_any": "admin",
    "restore_own": "researcher",
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


# --- settings ----------------------------------------------------------------------------


def viewing_requires_login() -> bool:
    """``TRACKER_REQUIRE_LOGIN=1`` hides the dashboard until someone signs in (default off)."""
    return os.environ.get("TRACKER_REQUIRE_LOGIN", "").strip().lower() in {"1", "true", "yes"}


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
    "restore_own": "restore batches",
    "restore": "restore other people's batches",
    "review": "mark batches reviewed",
    "mark_sensitive": "mark batches sensitive",
    "manage_briefs": "manage briefs",
    "manage_accounts": "manage accounts",
    "see_audit": "see the audit log",
}


# --- the publication rule ----------------------------------------------------------------


def visibility_for(user: User | None) -> Visibility:
    """Which batches ``user`` sees: everything live for researchers and admins, otherwise
    only reviewed, non-sensitive batches."""
    return EVERYTHING if has_role(user, "researcher") else PUBLIC


def audience(batch: Mapping[str, Any]) -> str:
    """Who sees a batch's incidents now, in one sentence (after an upload, on Batches)."""
    if batch.get("withdrawn"):
        return "Nobody sees it on the dashboard: it is withdrawn."
    if batch.get("sensitive"):
        return ("Only signed-in researchers and admins see it: it is marked sensitive, so "
                "signed-out visitors and viewers never do.")
    if not batch.get("reviewed"):
        return ("Only signed-in researchers and admins see it for now; signed-out visitors "
                "and viewers see it once an admin marks it reviewed.")
    return "Everyone who can open the dashboard sees it."


def seen_by(batch: Mapping[str, Any]) -> str:
    """Who sees a batch now, in two or three words (the Batches table's column)."""
    if batch.get("withdrawn"):
        return "nobody"
    if batch.get("sensitive") or not batch.get("reviewed"):
        return "researchers, admins"
    return "everyone"


def clip(text: object, n: int = 60) -> str:
    """Printable characters only, at most ``n`` of them: safe to echo in a message."""
    out = "".join(ch for ch in str(text) if ch.isprintable())
    return out if len(out) <= n else out[:n] + "…"

