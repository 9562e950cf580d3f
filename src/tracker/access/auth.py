"""The access layer in one import, for code written before it was split.

The rules live in focused modules: :mod:`tracker.access.roles` (roles, permissions, the
publication rule), :mod:`tracker.access.batch_actions` (guarded batch actions) and
:mod:`tracker.access.accounts` (accounts, sessions, sign-in limits). New code imports
those directly.
"""

from __future__ import annotations

from tracker.access.accounts import (  # noqa: F401
    ACCOUNTS_LOCK,
    MAX_PASSWORD,
    MIN_PASSWORD,
    NAME_PATTERN,
    SESSION_HOURS,
    Accounts,
    LoginResult,
    RateLimit,
    check_password,
    normalise_name,
)
from tracker.access.batch_actions import (  # noqa: F401
    add_brief,
    apply_batch_action,
    batch_actions,
    batch_table,
    can_restore,
    can_withdraw,
    commit_upload,
    replace_batch,
    restore_batch,
    set_reviewed,
    set_sensitive,
    visible_batches,
    withdraw_batch,
)
from tracker.access.roles import (  # noqa: F401
    PAGE_ROLES,
    PERMISSIONS,
    ROLES,
    AccountError,
    PermissionDenied,
    User,
    audience,
    can,
    clip,
    has_role,
    may_see_page,
    require,
    role_rank,
    seen_by,
    viewing_requires_login,
    visibility_for,
)
from tracker.store.visibility import EVERYTHING, PUBLIC, Visibility  # noqa: F401
