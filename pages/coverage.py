"""Coverage: how much of the published count of attacks the incident sample holds."""

import streamlit as st

from tracker.ui import cards, data, layout
from tracker.ui.coverage import coverage_panel

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("How complete is the data?")
spec = layout.current_spec()
frame = spec.apply(data.incidents())
coverage_panel(spec, data.incidents(), key="coverage", frame=frame)
cards.takeaway_panel(spec.regions, frame, key="coverage")
