"""Keeping a sign-in across a page refresh: the session token in a browser cookie.

A refresh opens a new Streamlit session, which forgets ``st.session_state``. The browser
keeps the session token in a cookie (``SameSite=Strict``, ``Secure`` over HTTPS, expiring
with the session); a new session reads it from the page request (``st.context.cookies``)
and adopts it only if the store still holds an open session for it
(:meth:`tracker.access.accounts.Accounts.session_user`): the store stays the one judge, so
a sign-out, disable, role change or password reset ends the cookie's session everywhere,
and an expired one is refused. The token is 256 random bits whose hash alone is stored, so
there is nothing to sign or forge.

Streamlit has no server hook to send ``Set-Cookie``, so the cookie is written by a small
script (``st.html``) and cannot be ``HttpOnly``; the page renders user text escaped,
never as HTML, so no other script runs beside it.
"""

from __future__ import annotations

import re

import streamlit as st

COOKIE = "tracker_session"
_PENDING = "auth_cookie_pending"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def from_browser() -> str | None:
    """The token the browser sent with the page request, if it looks like one."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # outside a browser session (tests) or an older Streamlit
        return None
    return token if isinstance(token, str) and _TOKEN.match(token) else None


def remember(token: str, seconds: int) -> None:
    """Have the browser keep ``token`` for ``seconds`` (written at the next run)."""
    if _TOKEN.match(token):
        st.session_state[_PENDING] = (token, int(seconds))


def forget() -> None:
    """Have the browser drop the cookie (written at the next run)."""
    st.session_state[_PENDING] = ("", 0)


def write_pending(container) -> None:
    """Write or clear the cookie, once, with a script in ``container`` (runs in the page)."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None:
        return
    token, seconds = pending
    script = (
        "<script>(function(){"
        f"var c='{COOKIE}={token}; Max-Age={seconds}; Path=/; SameSite=Strict';"
        "if(window.location.protocol==='https:'){c+='; Secure';}"
        "document.cookie=c;})();</script>"
    )
    container.html(script, unsafe_allow_javascript=True)
