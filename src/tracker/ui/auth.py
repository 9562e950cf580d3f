"""Signing in and out in the sidebar, and the gate every restricted page calls first.

A local sign-in keeps only a random session token in the browser session (and in a cookie,
so that a page refresh keeps it: :mod:`tracker.ui.session_cookie`); the store holds its
hash, and every run reads the session and the account's role from the store. A role
change, password reset, disable or removal on any instance deletes the user's sessions, so
it applies at their next action everywhere. When
``[auth]`` is configured in ``.streamlit/secrets.toml`` (and Authlib is installed), a
single-sign-on button appears as well; those users get the role of the account with their
e-mail address as its name, or ``viewer``.
"""

from __future__ import annotations

import streamlit as st

from tracker.access import roles
from tracker.access.accounts import MAX_PASSWORD, SESSION_HOURS, Accounts
from tracker.access.roles import User
from tracker.present import safety
from tracker.ui import session_cookie, shared_store

SESSION_TOKEN = "auth_token"
FLASH = "auth_flash"
_ENDED = "auth_ended"
_COOKIE_READ = "auth_cookie_read"


def accounts() -> Accounts:
    """The accounts in the configured store (their changes go to its audit log)."""
    return Accounts(shared_store.store())


def client_address() -> str | None:
    """The browser's address as the server sees it (None when unknown), for sign-in delays."""
    try:
        return st.context.ip_address
    except Exception:  # outside a browser session (tests) or an older Streamlit
        return None


def sso_configured() -> bool:
    """True when secrets hold an ``[auth]`` section and Authlib is there to use it."""
    try:
        configured = "auth" in st.secrets
    except Exception:  # no secrets file, or one that does not parse
        return False
    if not configured:
        return False
    from streamlit.auth_util import is_authlib_installed

    return is_authlib_installed()


def current_user() -> User | None:
    """The signed-in user of this session, checked against the store on every run.

    When the store cannot be read the session counts as signed out (the page says so)
    rather than failing.
    """
    state = st.session_state
    token = state.get(SESSION_TOKEN)
    if not token and not state.get(_COOKIE_READ):  # a refreshed page: the browser's cookie
        state[_COOKIE_READ] = True
        token = session_cookie.from_browser()
    try:
        if token:
            user = accounts().session_user(token)
            if user is not None:
                state[SESSION_TOKEN] = token
                return user
            state.pop(SESSION_TOKEN, None)
            state[_ENDED] = True
            session_cookie.forget()
        if sso_configured() and st.user.is_logged_in:
            return accounts().sso_user(st.user.get("email"))
    except Exception as exc:  # a damaged or unreachable store: signed out, and said so
        st.error(f"Accounts cannot be read from the store, so nobody is signed in "
                 f"({safety.plain_text(str(exc)[:200])}).", icon=":material/error:")
    return None


def visibility(url_path: str, user: User | None) -> str:
    """``"visible"`` if ``user`` may use the page, else ``"hidden"`` (reachable, but gated)."""
    return "visible" if roles.may_see_page(user, url_path) else "hidden"


def sidebar_login(user: User | None) -> None:
    """Who is signed in and a sign-out button, or the sign-in form, in the sidebar."""
    box = st.sidebar.container(key="auth_box")
    session_cookie.write_pending(box)
    if user is not None:
        box.caption(f"Signed in as **{safety.plain_text(user.name)}** · {user.role}")
        if box.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
            sign_out(user)
        return
    if st.session_state.get(_ENDED):  # said until they sign in again
        box.info("Your session ended: your account was changed or disabled, or the session "
                 "expired. Sign in again.", icon=":material/logout:")
    with box.expander("Sign in to upload or manage", icon=":material/login:"):
        with st.form("auth_login_form", clear_on_submit=True, border=False):
            name = st.text_input("User name", key="auth_login_name", max_chars=100)
            password = st.text_input("Password", type="password", key="auth_login_password",
                                     max_chars=MAX_PASSWORD)
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            sign_in(name, password)
        if sso_configured():
            st.button("Sign in with single sign-on", key="auth_sso", on_click=st.login)
        if not _has_accounts():
            st.caption("No accounts yet. An administrator creates one on the command line: "
                       "`tracker users add NAME --role admin`.")


def _has_accounts() -> bool:
    try:
        return bool(accounts().names())
    except Exception:  # an unreadable store is reported where the incidents are read
        return True


def sign_in(name: str, password: str) -> None:
    where = client_address()
    try:
        result = accounts().authenticate(name, password, address=where)
    except Exception as exc:  # a damaged or unreachable store
        st.error("Signing in is not possible now: the store cannot be read "
                 f"({safety.plain_text(str(exc)[:200])}).", icon=":material/error:")
        return
    if result.ok:
        token = accounts().start_session(result.user, where)  # type: ignore[arg-type]
        st.session_state[SESSION_TOKEN] = token
        session_cookie.remember(token, SESSION_HOURS * 3600)
        st.session_state.pop(_ENDED, None)
        st.rerun()
    st.error(result.message, icon=":material/error:")


def sign_out(user: User) -> None:
    accounts().end_session(st.session_state.pop(SESSION_TOKEN, None))
    session_cookie.forget()
    if user.via == "sso":
        st.logout()
    st.rerun()


def require_role(role: str, purpose: str) -> User:
    """Stop the page with a clear notice unless the session's user has ``role``.

    Call right after the page title; ``purpose`` completes "Sign in as a … to …".
    """
    user = current_user()
    if roles.has_role(user, role):
        return user  # type: ignore[return-value]
    _refusal(user, role, purpose)
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises; this line keeps type checkers calm


def gate(action: str, purpose: str) -> User | None:
    """The user if they may do ``action``; else a notice in place of the part, and None.

    For a part of a page (e.g. the brief upload on the briefs page); whole pages use
    :func:`require_role`.
    """
    user = current_user()
    if roles.can(user, action):
        return user
    _refusal(user, roles.PERMISSIONS[action], purpose)
    return None


def _refusal(user: User | None, role: str, purpose: str) -> None:
    """Say who may do this: sign in, or (signed in with too small a role) ask an admin."""
    if user is None:
        st.info(f"Sign in as {_a(role)} to {purpose}: use **Sign in** in the sidebar.",
                icon=":material/lock:")
    else:
        st.warning(f"To {purpose} you need {_a(role)} account; yours is {_a(user.role)} "
                   "account. Ask an admin.", icon=":material/lock:")


def _a(role: str) -> str:
    return ("an " if role[0] in "aeiou" else "a ") + role


def stop_unless_viewing_allowed(user: User | None) -> None:
    """Under ``TRACKER_REQUIRE_LOGIN``, show only a sign-in page until someone signs in."""
    if user is not None or not roles.viewing_requires_login():
        return
    page = st.navigation([st.Page(_sign_in_first, title="Sign in", icon=":material/lock:",
                                  url_path="sign-in")])
    sidebar_login(None)
    page.run()
    st.stop()


def _sign_in_first() -> None:
    st.title("Pakistan incident tracker")
    st.info("This dashboard is open to signed-in users only. Sign in in the sidebar.",
            icon=":material/lock:")


def flash(message: str) -> None:
    """Keep a success message for the next run (shown by :func:`show_flash`)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def state_problems() -> None:
    """Tell admins about state that could not be read (e.g. a damaged legacy file)."""
    log = shared_store.store().audit_log(limit=500)
    failed = log.loc[log["action"] == "state import failed"] if not log.empty else log
    for row in failed.head(5).itertuples():
        st.warning(f"{safety.plain_text(row.target)}: {safety.plain_text(row.detail)}",
                   icon=":material/report:")
