"""Keeping a sign-in across a page refresh: the session token in a browser cookie.

A refresh opens a new Streamlit session, which forgets ``st.session_state``. The browser
keeps the session token in a cookie (``SameSite=Strict``, ``Secure`` over HTTPS, expiring
with the session); a new session reads it from the page request (``st.context.cookies``)
and adopts it only if the store still holds an open session for it
(:meth:`tracker.access.accounts.Accounts.session_user`): the store stays the one judge, so
a sign-out, disable, role change or password reset ends the cookie's session everywhere,
and an expired one is refused. The token is 256 random bits whose hash alone is stored, so
there is nothing to sign or forge.

Streamlit has no server hook to send ``Set-Cookie``, so the cookie is written in the page
by a small component of constant JavaScript; the token reaches it as component data (JSON),
never as HTML, and the script checks its shape again before writing. So the cookie cannot
be ``HttpOnly``; the page renders user text escaped, never as HTML, so no other script runs
beside it.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from typing import Any

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


_WRITE_JS = r"""
export default function (component) {
  const d = component.data || {};
  if (typeof d.value !== 'string' || !/^[A-Za-z0-9_-]{0,100}$/.test(d.value)) return;
  if (typeof d.name !== 'string' || !/^[a-z_]{1,40}$/.test(d.name)) return;
  if (window.__trackerCookieWrite === d.nonce) return;  // once per change, not per redraw
  window.__trackerCookieWrite = d.nonce;
  const age = Math.max(0, Math.floor(Number(d.max_age) || 0));
  let cookie = `${d.name}=${d.value}; Max-Age=${age}; Path=/; SameSite=Strict`;
  if (window.location.protocol === 'https:') cookie += '; Secure';
  document.cookie = cookie;
}
"""


@functools.cache
def _writer() -> Callable[..., Any]:
    return st.components.v2.component("tracker_session_cookie", js=_WRITE_JS)


def write_pending(container) -> None:
    """Write or clear the cookie, once, from a component in ``container`` (runs in the page)."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None:
        return
    token, seconds = pending
    with container:
        _writer()(key=f"session_cookie_{secrets.token_hex(4)}",
                  data={"name": COOKIE, "value": token, "max_age": int(seconds),
                        "nonce": secrets.token_hex(8)},
                  width="stretch", height="content")
