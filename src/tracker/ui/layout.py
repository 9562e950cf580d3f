"""Page furniture shared by every page: the data line, credits, empty-state messages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.analysis import aggregates
from tracker.analysis.filters import FilterSpec
from tracker.present import slides, wording
from tracker.present.safety import escape_markdown
from tracker.ui import data, memo


def start_page() -> None:
    """Make sure ``app.py`` ran in this session before a page draws anything.

    Streamlit treats a ``pages/`` folder as its legacy multipage layout until a session
    runs ``app.py``, whose ``st.navigation`` turns that off for the whole server. So the
    first link to a page (``/balochistan?start=…``) on a fresh server would run the page
    alone: no sign-in gate, no sidebar, no filter from the link, the legacy page list.
    Every page calls this first; it turns the legacy layout off and reruns once, so that
    ``app.py`` runs with the link's parameters intact.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get("app_rerun_done"):
        PagesManager.uses_pages_directory = False
        st.session_state["app_rerun_done"] = True
        st.rerun()


def current_spec() -> FilterSpec:
    """The filter spec the sidebar in ``app.py`` built for this run."""
    return st.session_state.get("filter_spec", FilterSpec())


def caption_data_line(frame: pd.DataFrame, spec: FilterSpec) -> None:
    """One line saying what the figures show: period, count, that it is a sample, sources
    (and how many rows are synthetic, if any)."""
    # The store-wide count is cached per store version: a store with no synthetic rows
    # spares every caption the row-by-row label check.
    synthetic = None if data.synthetic_rows()[0] else 0
    line = memo.cached("data_line", frame, (spec, synthetic),
                       lambda: slides.describe_data(spec, frame, synthetic=synthetic))
    st.caption(escape_markdown(line))  # source names are data


def nothing_matches(frame: pd.DataFrame) -> bool:
    """Show a clear message and return True when the filter leaves no incident."""
    if frame.empty:
        st.info(
            "No incident matches these filters. Widen the period or clear a filter in the "
            "sidebar.",
            icon="🔎",
        )
        return True
    return False


def credits_footer() -> None:
    st.sidebar.divider()
    st.sidebar.caption(
        "Incidents: a sourced sample of real news reports (each links to its source). "
        "Province boundaries: Natural Earth (public domain). District points: bundled "
        "gazetteer; contains data from GeoNames (CC BY 4.0)."
    )


def area_title(spec: FilterSpec) -> str:
    """What a page title calls the area in view: Pakistan, or the provinces or districts
    the sidebar narrowed it to."""
    areas = spec.districts or spec.provinces
    if not areas:
        return "Pakistan"
    if len(areas) <= 3:
        return ", ".join(areas[:-1]) + (" and " if len(areas) > 1 else "") + areas[-1]
    return f"{len(areas)} {'districts' if spec.districts else 'provinces'} of Pakistan"


def headline_metrics(frame: pd.DataFrame, previous: pd.DataFrame | None) -> None:
    """The headline row with the change against the previous period of equal length."""
    now = memo.cached("headline", frame, (), lambda: aggregates.headline(frame))
    before = (memo.cached("headline", previous, (), lambda: aggregates.headline(previous))
              if previous is not None else None)
    cols = st.columns(4)
    for col, (label, value, prev, help_text) in zip(
        cols,
        [
            ("Incidents", now.incidents, before and before.incidents, None),
            ("Killed", now.killed, before and before.killed,
             f"Reported for {now.killed_reported} of {now.incidents} incidents; "
             "attackers and perpetrators' claims excluded."),
            ("Injured", now.injured, before and before.injured,
             f"Reported for {now.injured_reported} of {now.incidents} incidents."),
            ("Districts affected", now.districts, before and before.districts, None),
        ],
        strict=True,
    ):
        delta = wording.change(value, prev if before is not None else None)
        # not coloured: a change in a sample's count is neither good nor bad news
        col.metric(label, f"{value:,}", delta=delta, delta_color="off", help=help_text)


NOT_GIVEN = "—"
"""Shown in an incident table where a cell is empty: a dash, not Streamlit's "None",
which reads as "no one" in a Killed column."""


def show_incidents(table: pd.DataFrame, key: str, **options) -> None:
    """An incident table (:func:`tracker.analysis.tables.incident_table`): labelled
    columns, the source as a link, and :data:`NOT_GIVEN` in empty cells."""
    st.dataframe(table, column_config=incident_column_config(), hide_index=True,
                 width="stretch", placeholder=NOT_GIVEN, key=key, **options)


def incident_column_config() -> dict:
    """Streamlit column settings for :func:`incident_table` (source as a link)."""
    labels = {
        "province": "Province", "district": "District", "location": "Location",
        "attack_type": "Attack type", "target": "Target", "perpetrator": "Perpetrator",
        "source_name": "Source",
        "incident_id": "Incident id",
    }
    unreported = (f"{NOT_GIVEN} where the report gives no figure (not reported, which is "
                  "not zero).")
    return {
        **{name: st.column_config.Column(label) for name, label in labels.items()},
        "killed": st.column_config.NumberColumn("Killed", help=unreported),
        "injured": st.column_config.NumberColumn("Injured", help=unreported),
        "date": st.column_config.TextColumn("Date"),
        "source_url": st.column_config.LinkColumn("Source link", display_text="open report"),
        "killed_claimed": st.column_config.NumberColumn(
            "Killed (claimed)", help="What the perpetrator claimed; never added to totals."
        ),
        "summary": st.column_config.TextColumn("Summary", width="large"),
        "geo_precision": st.column_config.TextColumn(
            "Located to", help="exact, town, district or province"
        ),
    }
