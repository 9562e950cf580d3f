"""The cached data layer between the store and the pages.

The store handle and the full incident table are ``st.cache_resource``: one read-only copy
shared by every session, keyed by the store's version so that a batch that lands (here or
in another app process) refreshes it on the next rerun. Nothing returned here may be
mutated; filtering makes new frames.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import streamlit as st

from tracker.analysis import asof, coded
from tracker.analysis.filters import FilterSpec
from tracker.devtools import synth
from tracker.ui import memo, shared_store
from tracker.ui.shared_store import store


@st.cache_resource(show_spinner="Loading incidents…", max_entries=4)
def _incidents(url: str, version: int, reviewed_only: bool,
               include_sensitive: bool, as_of: dt.datetime | None = None) -> pd.DataFrame:
    frame = shared_store.cached(url).load_incidents(
        reviewed_only=reviewed_only, include_sensitive=include_sensitive, as_of=as_of
    )
    frame.flags.allows_duplicate_labels = False
    coded.prepare(frame)  # filters and counts on this shared table run on integer codes
    memo.table_number(frame)  # what pages compute from it is kept by this number
    return frame


def incidents(*, safe: bool | None = None) -> pd.DataFrame:
    """The incidents this view may show (shared, read-only).

    With the screen-share switch on (``safe``; by default the session's switch), batches
    not yet reviewed and batches marked sensitive are left out; and always for signed-out
    visitors and viewers (the publication rule, :func:`tracker.access.roles.visibility_for`).
    """
    safe = safe_share() if safe is None else safe
    if not safe and not _sees_unpublished():
        safe = True  # the publication rule: the public sees reviewed, non-sensitive batches
    try:
        s = store()
        moment = as_of()
        # The data as of a past moment never changes: its copy is not re-read on new versions.
        return _incidents(s.url, 0 if moment else s.version(), safe, not safe, moment)
    except Exception as exc:  # a damaged or unreachable store must not take down every page
        _report_unreadable(exc)
        return _no_incidents()


AS_OF_KEY = "as_of_moment"
AS_OF_NOTICES_KEY = "as_of_notices"


def as_of() -> dt.datetime | None:
    """The moment this session's link asks the data as of (None: live).

    Read from the URL's ``as_of`` once per session (before the sidebar, since it decides
    which incidents load); a malformed or future value is ignored with a notice.
    """
    state = st.session_state
    if AS_OF_KEY not in state:
        raw = st.query_params.get_all(asof.PARAM)
        moment, notices = None, []
        if raw:
            text = raw[-1].strip()
            committed = store().batch_moment(text[:64]) if text else None
            spec, notices = FilterSpec.from_query(
                {asof.PARAM: raw}, batch_moments={text: committed} if committed else None)
            moment = spec.as_of
        state[AS_OF_KEY] = moment
        state[AS_OF_NOTICES_KEY] = notices
    return state[AS_OF_KEY]


_REPORTED = "store_unreadable_reported"


def _report_unreadable(exc: Exception) -> None:
    """Say once per run that the store cannot be read: the reason to admins (and the server
    log), a plain notice to everyone else."""
    from tracker.access import roles
    from tracker.present import safety
    from tracker.ui import auth as auth_ui

    if st.session_state.get(_REPORTED):
        return
    st.session_state[_REPORTED] = True
    logging.getLogger(__name__).error("The store cannot be read: %s", exc)
    detail = ""
    try:
        if roles.has_role(auth_ui.current_user(), "admin"):
            detail = f" ({safety.plain_text(str(exc)[:300])})"
    except Exception:  # accounts live in the same store: leave the detail out
        pass
    st.error("The incident store cannot be read right now, so no incidents are shown; the "
             "rest of the page still works." + detail, icon=":material/error:")


@st.cache_resource(show_spinner=False)
def _no_incidents() -> pd.DataFrame:
    from tracker import schema

    frame = schema.conform(pd.DataFrame(columns=schema.COLUMNS), text="loaded")
    coded.prepare(frame)
    memo.table_number(frame)
    return frame


def _sees_unpublished() -> bool:
    """Whether this session's user may see batches not yet published (researchers, admins)."""
    from tracker.access import roles
    from tracker.store import visibility
    from tracker.ui import auth as auth_ui

    return roles.visibility_for(auth_ui.current_user()) == visibility.EVERYTHING


def unpublished_count() -> int:
    """Incidents live in the store that signed-out visitors and viewers do not see."""
    try:
        s = store()
        moment = as_of()
        version = 0 if moment else s.version()
    except Exception:  # reported by incidents()
        return 0
    return (len(_incidents(s.url, version, False, True, moment))
            - len(_incidents(s.url, version, True, False, moment)))


PRESENTING_KEY = "presenting"
SAFE_KEY = "screen_share_safe"
_SAFE_CHOICE_KEY = "screen_share_safe_choice"
SAFE_LABEL = "Screen-share safe"
SAFE_HELP = ("Shows only reviewed batches and leaves out anything marked sensitive. On by "
             "default in presenter mode.")


def set_presenting(on: bool) -> None:
    """Record whether this run is in presenter mode (set by ``app.py`` before any data)."""
    st.session_state[PRESENTING_KEY] = on
    st.session_state.pop(_REPORTED, None)  # a new run: an unreadable store is said again


def safe_share() -> bool:
    """The screen-share switch: the user's choice if they made one, else on exactly in
    presenter mode."""
    choice = st.session_state.get(_SAFE_CHOICE_KEY)
    return bool(st.session_state.get(PRESENTING_KEY)) if choice is None else choice


def safe_share_toggle(container=st) -> bool:
    """Draw the screen-share switch (once per run, in ``container``); return its state."""
    st.session_state[SAFE_KEY] = safe_share()
    container.toggle(SAFE_LABEL, key=SAFE_KEY, help=SAFE_HELP, on_change=_remember_choice)
    return safe_share()


def _remember_choice() -> None:
    st.session_state[_SAFE_CHOICE_KEY] = bool(st.session_state[SAFE_KEY])


@st.cache_resource(show_spinner=False, max_entries=4)
def _synthetic(url: str, version: int) -> tuple[int, int]:
    frame = _incidents(url, version, False, True)
    return synth.synthetic_count(frame), len(frame)


def synthetic_rows() -> tuple[int, int]:
    """(synthetic incidents, all incidents) in the store; counted once per store version."""
    try:
        s = store()
        return _synthetic(s.url, s.version())
    except Exception as exc:  # reported by incidents(); nothing to count
        _report_unreadable(exc)
        return 0, 0


def label_unpublished(user, container=st.sidebar) -> None:
    """Tell researchers and admins how much of what they see the public does not."""
    from tracker.access import roles

    if not roles.has_role(user, "researcher") or safe_share():
        return
    hidden = unpublished_count()
    if hidden:
        container.caption(
            f":material/visibility_off: {hidden:,} incidents in view come from batches not "
            "yet reviewed or marked sensitive: signed-out visitors and viewers do not see "
            "them (see Batches).")
