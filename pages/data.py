"""Incidents: the filtered list with a clickable link to each source."""

import streamlit as st

from tracker.present import tables
from tracker.ui import data, exports, layout

layout.start_page()  # before anything draws (a link may be a fresh server's first)

LIST_LIMIT = 10_000  # rows listed at most (3–5 MB sent to the browser); then the newest

st.title("Incidents")
spec = layout.current_spec()
frame = spec.apply(data.incidents())
layout.caption_data_line(frame, spec)
if not layout.nothing_matches(frame):
    shown = frame.nlargest(LIST_LIMIT, "date") if len(frame) > LIST_LIMIT else frame
    if len(shown) < len(frame):  # every listed row is sent to the browser: keep it light
        st.caption(f"The newest {LIST_LIMIT:,} of {len(frame):,} incidents are listed; "
                   "narrow the filters in the sidebar to list others.")
    layout.show_incidents(tables.incident_table(shown), key="data_table")
    exports.incidents_buttons(frame, key="data_export", stem="incidents")  # every row, not
    # only those listed
