"""Briefs: every takeaway by region and by theme, checked against the data; add a brief."""

import streamlit as st

from tracker.ui import auth as auth_ui
from tracker.ui import cards, data, layout

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Policy briefs")
st.caption(
    "Takeaways from published briefs, written in this project's own words and attributed. "
    "Each map and chart panel shows the ones for the regions in view."
)
spec = layout.current_spec()
frame = spec.apply(data.incidents())
layout.caption_data_line(frame, spec)
cards.library_warnings()
cards.briefs_browser(frame, spec.regions, key="briefs")

st.subheader("Add a brief")
if editor := auth_ui.gate("manage_briefs", "add a brief"):
    cards.brief_upload(user=editor, store=data.store(), key="briefs_upload")
