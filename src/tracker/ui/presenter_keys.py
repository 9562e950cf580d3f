"""The presenter's keyboard, clicker and screen size: one small offline component.

Constant JavaScript (no user or data text ever goes into it) runs in the page:

* →, PageDown and Space go on; ←, PageUp and Backspace go back; Home and End jump to the
  first and last slide. A presentation clicker sends PageDown and PageUp. Each key is
  sent to Python as an event (``key``), whose callback moves the slide in the URL.
* B (or .) blanks the screen black, and B again (or any key that moves, or a click)
  brings it back without moving, as slide software does. This stays in the browser.
* The window's inner size is reported (``screen``) when it differs from the size the
  slide was laid out for, so type and figure fit the screen (see :mod:`slide_fit`).

Keys typed into a text field, or held with Ctrl, Alt or Cmd, are left alone. The script is
loaded from the Streamlit server itself (a Blob of the constant text): nothing is fetched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from tracker.ui.slide_fit import Screen

KEY = "presenter_keys"
ACTIONS = ("next", "back", "first", "last")

_JS = r"""
const MOVES = {ArrowRight: 'next', PageDown: 'next', ' ': 'next', Spacebar: 'next',
               ArrowLeft: 'back', PageUp: 'back', Backspace: 'back',
               Home: 'first', End: 'last'};
const BLANK_ID = 'presenter-blank';

function blanked() { return document.getElementById(BLANK_ID); }

function toggleBlank() {
  const shown = blanked();
  if (shown) { shown.remove(); return; }
  const cover = document.createElement('div');
  cover.id = BLANK_ID;
  cover.setAttribute('data-testid', 'presenterBlank');
  cover.setAttribute('role', 'presentation');
  cover.style.cssText = 'position:fixed;inset:0;background:#000;z-index:2147483647;cursor:none';
  cover.addEventListener('click', () => cover.remove());
  document.body.appendChild(cover);
}

function onKey(event) {
  const state = window.__trackerPresenter;
  if (!state || !document.querySelector('.st-key-presenter_keys')) return;  // not presenting
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target;
  if (target && (target.isContentEditable ||
                 ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
  if (event.key === 'b' || event.key === 'B' || event.key === '.') {
    event.preventDefault(); event.stopPropagation();
    if (!event.repeat) toggleBlank();
    return;
  }
  const move = MOVES[event.key];
  if (!move) return;
  event.preventDefault(); event.stopPropagation();  // no page scroll, no map panning
  if (blanked()) { blanked().remove(); return; }
  state.setTriggerValue('key', move);
}

function report() {
  const state = window.__trackerPresenter;
  const size = {w: window.innerWidth, h: window.innerHeight};
  const text = `${size.w}x${size.h}`;
  const data = state.data || {};
  document.documentElement.dataset.presenterScreen = data.laid_out === text ? text : '';
  if (data.got !== text && state.sent !== text + '|' + data.got) {
    state.sent = text + '|' + data.got;
    state.setStateValue('screen', size);
  }
}

export default function (component) {
  const state = window.__trackerPresenter || (window.__trackerPresenter = {});
  state.setTriggerValue = component.setTriggerValue;
  state.setStateValue = component.setStateValue;
  state.data = component.data;
  if (!state.listening) {
    state.listening = true;
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('resize', () => {
      clearTimeout(state.timer);
      state.timer = setTimeout(report, 250);
    });
  }
  report();
}
"""


@functools.cache
def _component() -> Callable[..., Any]:
    return st.components.v2.component("tracker_presenter_keys", js=_JS)


def reported_screen() -> tuple[Screen, str | None]:
    """The window size the browser last reported (the 1280 × 720 design size until then),
    and the raw report as text, so the browser knows whether it was heard."""
    state = st.session_state.get(KEY)
    raw = state.get("screen") if hasattr(state, "get") else None
    screen = Screen.parse(raw)
    got = f"{raw.get('w')}x{raw.get('h')}" if isinstance(raw, dict) else None
    return screen or Screen(), got


def mount(on_key: Callable[[], None]) -> Screen:
    """Listen for presenter keys (``on_key`` runs on each; read the key with
    :func:`pressed`) and return the screen size to lay the slide out for."""
    screen, got = reported_screen()
    _component()(key=KEY, data={"laid_out": f"{screen.width}x{screen.height}", "got": got},
                 on_key_change=on_key, on_screen_change=lambda: None,
                 width="stretch", height="content")
    return screen


def pressed() -> str | None:
    """The key action that triggered this run (a callback), one of :data:`ACTIONS`."""
    state = st.session_state.get(KEY)
    value = state.get("key") if hasattr(state, "get") else None
    return value if value in ACTIONS else None
