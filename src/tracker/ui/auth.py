"""Signing in and out in the sidebar, and the gate every restricted page calls first.

A local sign-in keeps only the account name in the session; the role is read from the
accounts file on every run, so a role change or a password reset applies at once. When
``[auth]`` is configured in ``.streamlit/secrets.toml`` (and Authlib is installed), a
single-sign-on button appears as well; those users get the role of the account with their
e-mail address as its name, or ``viewer``.
"""

from __future__ import annotations

import time

import streamlit as st

from tracker import auth
from tracker.auth import Accounts, User
from tracker.safety import escape_markdown
from tracker.ui import data

SESSION_USER = "auth_user"
SESSION_SINCE = "auth_since"
FLASH = "auth_flash"


def accounts() -> Accounts:
    """The accounts file, writing its audit entries to the configured store."""
    return Accounts(store=data.store())


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
    """The signed-in user of this session, or None."""
    state = st.session_state
    name = state.get(SESSION_USER)
    if name:
        since = state.get(SESSION_SINCE, 0.0)
        user = accounts().user(name)
        if user is not None and time.time() - since < auth.SESSION_HOURS * 3600:
            return user
        state.pop(SESSION_USER, None)
    if sso_configured() and st.user.is_logged_in:
        return accounts().sso_user(st.user.get("email"))
    return None


def visibility(url_path: str, user: User | None) -> str:
    """``"visible"`` if ``user`` may use the page, else ``"hidden"`` (reachable, but gated)."""
    return "visible" if auth.may_see_page(user, url_path) else "hidden"


def sidebar_login(user: User | None) -> None:
    """Who is signed in and a sign-out button, or the sign-in form, in the sidebar."""
    box = st.sidebar.container(key="auth_box")
    if user is not None:
        box.caption(f"Signed in as **{escape_markdown(user.name)}** · {user.role}")
        if box.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
            sign_out(user)
        return
    with box.expander("Sign in to upload or manage", icon=":material/login:"):
        with st.form("auth_login_form", clear_on_submit=True, border=False):
            name = st.text_input("User name", key="auth_login_name", max_chars=100)
            password = st.text_input("Password", type="password", key="auth_login_password",
                                     max_chars=auth.MAX_PASSWORD)
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            sign_in(name, password)
        if sso_configured():
            st.button("Sign in with single sign-on", key="auth_sso", on_click=st.login)
        if not accounts().names():
            st.caption("No accounts yet. An administrator creates one on the command line: "
                       "`tracker users add NAME --role admin`.")


def sign_in(name: str, password: str) -> None:
    result = accounts().authenticate(name, password)
    if result.ok:
        st.session_state[SESSION_USER] = result.user.name  # type: ignore[union-attr]
        st.session_state[SESSION_SINCE] = time.time()
        st.rerun()
    st.error(result.message, icon=":material/error:")


def sign_out(user: User) -> None:
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_SINCE, None)
    if user.via == "sso":
        st.logout()
    st.rerun()


def require_role(role: str, purpose: str) -> User:
    """Stop the page with a clear notice unless the session's user has ``role``.

    Call right after the page title; ``purpose`` completes "Sign in as a … to …".
    """
    user = current_user()
    if auth.has_role(user, role):
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
    if auth.can(user, action):
        return user
    _refusal(user, auth.PERMISSIONS[action], purpose)
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
    if user is not None or not auth.viewing_requires_login():
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
