"""One template for every province page: districts, timeline, who and what, incidents.

A province page is two lines (``province_page.render("Balochistan")``); any of the seven
provinces can have one. The sidebar's filters apply, narrowed to the page's province.
"""

from __future__ import annotations

import streamlit as st

from tracker import schema
from tracker.ui import cards, context_panels, data, layout, memo, panels, summary
from tracker.ui.compare import comparison_section, headline_previous
from tracker.ui.sidebar import spec_for_province


def render(province: str) -> None:
    """Draw the page for ``province`` (one of :data:`tracker.schema.PROVINCES`)."""
    if province not in schema.PROVINCES:
        raise ValueError(f"`province` was {province!r} but is expected to be one of "
                         f"{list(schema.PROVINCES)}")
    key = page_key(province)
    chosen = layout.current_spec()
    spec = spec_for_province(chosen, province)
    everything = data.incidents()
    frame = memo.view(spec, everything)
    previous, not_comparable = headline_previous(spec, everything)

    # --- headline ------------------------------------------------------------------------
    st.title(f"{province}: militant attacks")
    words = summary.text(frame, spec, everything)
    summary.paragraph(words)  # the view in words, to read aloud
    if chosen.provinces and chosen.provinces != (province,):
        st.caption(f"This page always shows {province}; the sidebar's province choice "
                   "applies on the Overview.")
    layout.headline_metrics(frame, memo.view(previous, everything) if previous else None)
    if not_comparable:
        st.caption(not_comparable)
    layout.caption_data_line(frame, spec)
    if layout.nothing_matches(frame):
        return

    # --- districts -----------------------------------------------------------------------
    size_by = panels.district_map_panel(frame, spec, province, key=key)
    context_panels.border_distance_panel(frame, province, key=key)  # KP and Balochistan
    summary.caption(words)

    # --- timeline ------------------------------------------------------------------------
    panels.timeline_panel(frame, (province,), key=key, measure=size_by, by=None,
                          everything=everything, spec=spec)

    # --- perpetrators and targets ----------------------------------------------------------
    panels.breakdown_panel(frame, (province,), key=key, measure=size_by,
                           columns=("perpetrator", "target", "attack_type"))
    cards.takeaway_panel((province,), frame, key=key)

    comparison_section(spec, everything, key=f"{key}_compare")

    # --- incidents -----------------------------------------------------------------------
    st.subheader("Incidents")
    panels.incident_table(frame, key=f"{key}_incidents")


def page_key(province: str) -> str:
    """Widget-key prefix for a province page: ``khyber_pakhtunkhwa`` etc."""
    return "".join(ch if ch.isalnum() else "_" for ch in province.lower())
