"""Incidents: the filtered list with a clickable link to each source."""

import streamlit as st

from tracker import tables
from tracker.ui import data, layout

st.title("Incidents")
spec = layout.current_spec()
frame = spec.apply(data.incidents())
layout.caption_data_line(frame, spec)
if not layout.nothing_matches(frame):
    st.dataframe(
        tables.incident_table(frame),
        column_config=layout.incident_column_config(),
        hide_index=True,
        width="stretch",
        key="data_table",
    )
