"""Coverage: how much of the published count of attacks the incident sample holds."""

import streamlit as st

from tracker.ui import data, layout
from tracker.ui.coverage import coverage_panel

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("How complete is the data?")
coverage_panel(layout.current_spec(), data.incidents(), key="coverage")
