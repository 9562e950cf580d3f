"""The briefing builder on the Presenter page, and opening a saved briefing by link.

A presenter picks a region (Pakistan, a province or a set of districts), a period, the
slides in order and the title slide's fields; the briefing is saved in the store under its
name (:mod:`tracker.present.briefing`) and opens by link (``?briefing=NAME``, with
``as_of`` honoured like every link). Without ``?briefing=`` the page shows the bundled
sequence (``data/slides.yaml``). Everything typed is validated by the briefing's pydantic
model; problems are shown as plain text, never as Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from tracker import schema
from tracker.access import roles
from tracker.analysis import aggregates
from tracker.ingest import places
from tracker.present import briefing, slides, talking
from tracker.present.safety import plain_text
from tracker.present.text import md_escape
from tracker.ui import auth, data

DISTRICTS = "A set of districts"
DEFAULT_SLIDES = ("headline", "map", "timeline", "perpetrators", "takeaways")
_ERRORS = "briefing_errors"


def requested() -> str | None:
    """The saved briefing the URL names (``?briefing=NAME``), if any."""
    name = st.query_params.get(briefing.BRIEFING_PARAM)
    return name.strip()[:80] if name and name.strip() else None


def deck(default: slides.Deck) -> slides.Deck:
    """The saved briefing the link names, as a deck; else ``default`` (with a notice when
    the name is unknown or the saved briefing no longer validates)."""
    name = requested()
    if name is None:
        return default
    try:
        saved = briefing.load(name, store=data.store())
    except briefing.BriefingError as exc:
        st.warning(plain_text(f"The briefing '{name}' cannot be shown: {exc}. Showing the "
                              "default sequence."), icon=":material/error:")
        return default
    if saved is None:
        st.warning(plain_text(f"No briefing is saved as '{name}'; showing the default "
                              "sequence."), icon=":material/error:")
        return default
    return saved.to_deck(data.incidents(safe=data.safe_share()))


def talking_points(slide: slides.Slide, frame: pd.DataFrame,
                   everything: pd.DataFrame) -> None:
    """A briefing's data slide on screen: its talking points beside the figure."""
    for point in talking.talking_points(slide, frame, everything):
        st.markdown(f"- {md_escape(point)}")


def builder(container) -> None:
    """The builder: open a saved briefing, or build, save and open a new one."""
    with container:
        st.markdown("**Briefings**")
        _open_saved()
        errors = st.session_state.pop(_ERRORS, None)
        for problem in errors or []:
            st.error(plain_text(problem), icon=":material/error:")
        everything = data.incidents(safe=data.safe_share())
        span = aggregates.data_span(everything) or (dt.date.today(), dt.date.today())
        with st.form("briefing_form", border=False):
            st.text_input("Briefing name", key="brief_name", max_chars=60,
                          placeholder="e.g. kp-march-round-table")
            st.text_input("Title", key="brief_title", max_chars=120,
                          placeholder="Militant attacks in Khyber Pakhtunkhwa")
            st.text_input("Event", key="brief_event", max_chars=120)
            st.text_input("Presenter", key="brief_presenter", max_chars=120)
            st.date_input("Date on the title slide", key="brief_date", value=dt.date.today())
            st.selectbox("Region", ["Pakistan", *schema.PROVINCES, DISTRICTS],
                         key="brief_region")
            st.multiselect("Districts (for a set of districts)", key="brief_districts",
                           options=sorted(places.district_province()))
            st.date_input("From", key="brief_start", value=max(span[0], span[1] -
                                                               dt.timedelta(days=89)),
                          min_value=span[0], max_value=span[1])
            st.date_input("To", key="brief_end", value=span[1], min_value=span[0],
                          max_value=span[1])
            st.multiselect("Slides, in order", key="brief_slides",
                           options=list(briefing.KINDS), default=list(DEFAULT_SLIDES),
                           format_func=briefing.KINDS.get)
            st.form_submit_button("Save and open", icon=":material/save:", on_click=_save,
                                  width="stretch")


def _open_saved() -> None:
    try:
        saved = briefing.names(store=data.store())
    except Exception:  # a store without the table yet: nothing saved to list
        saved = []
    if not saved:
        st.caption("No saved briefing yet: build one below.")
        return
    st.selectbox("Open a saved briefing", ["", *saved], key="brief_open",
                 on_change=_open, format_func=lambda n: n or "Choose…")


def _open() -> None:
    name = st.session_state.get("brief_open")
    if name:
        go_to(name)


def go_to(name: str) -> None:
    """Put a briefing in the URL at its first slide (a shareable link)."""
    if slides.STEP_PARAM in st.query_params:
        del st.query_params[slides.STEP_PARAM]
    st.query_params.update({briefing.BRIEFING_PARAM: name, slides.PRESENT_PARAM: "1",
                            slides.SLIDE_PARAM: "1"})


def _save() -> None:
    """Form callback: validate, save under the name, open it; or keep the problems."""
    state = st.session_state
    user = auth.current_user()
    if not roles.can(user, "save_briefing"):
        state[_ERRORS] = ["Sign in as a researcher or an admin to save a briefing "
                          "(use Sign in on any dashboard page)."]
        return
    region = state.get("brief_region", "Pakistan")
    fields = {
        "name": state.get("brief_name", ""),
        "title": state.get("brief_title", "").strip() or (
            f"Militant attacks in {region}" if region != DISTRICTS else
            "Militant attacks in the chosen districts"),
        "event": state.get("brief_event", ""),
        "presenter": state.get("brief_presenter", ""),
        "date": state.get("brief_date"),
        "provinces": [region] if region in schema.PROVINCES else [],
        "districts": list(state.get("brief_districts", [])) if region == DISTRICTS else [],
        "start": state.get("brief_start"),
        "end": state.get("brief_end"),
        "slides": list(state.get("brief_slides", [])),
    }
    if region == DISTRICTS and not fields["districts"]:
        state[_ERRORS] = ["Choose at least one district, or another region."]
        return
    try:
        made = briefing.parse(fields)
    except briefing.BriefingError as exc:
        state[_ERRORS] = exc.problems
        return
    briefing.save(made, actor=user.name, store=data.store())
    go_to(made.name)
