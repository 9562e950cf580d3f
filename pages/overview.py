"""Overview: headline figures and counts by province for the filtered incidents."""

import streamlit as st

from tracker import analytics, charts
from tracker.ui import data, layout

st.title("Militant attacks in Pakistan")
spec = layout.current_spec()
everything = data.incidents()
frame = spec.apply(everything)
previous = spec.previous_period()
layout.headline_metrics(frame, previous.apply(everything) if previous else None)
layout.caption_data_line(frame, spec)
if not layout.nothing_matches(frame):
    by_province = analytics.count_by_province(frame)
    st.plotly_chart(
        charts.bar_counts(by_province, "province", title="Incidents by province"),
        key="overview_by_province",
    )
