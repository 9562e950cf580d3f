"""Overview: where, when, who and how many, for the filtered incidents across Pakistan."""

import streamlit as st

from tracker import charts
from tracker.ui import cards, data, exports, layout, panels
from tracker.ui.compare import comparison_section

layout.start_page()  # before anything draws (a link may be a fresh server's first)

KEY = "overview"

st.title("Militant attacks in Pakistan")
spec = layout.current_spec()
everything = data.incidents()
frame = spec.apply(everything)
previous = spec.previous_period()

# --- headline ------------------------------------------------------------------------------
layout.headline_metrics(frame, previous.apply(everything) if previous else None)
layout.caption_data_line(frame, spec)
if layout.nothing_matches(frame):
    st.stop()

# --- map -----------------------------------------------------------------------------------
measure = panels.province_map_panel(frame, spec, key=KEY)
color_by = st.session_state.get(f"{KEY}_color", "attack_type")
exports.export_row(
    lambda: charts.province_map(frame, measure=measure, color_by=color_by,
                                provinces=spec.provinces),
    frame, key=f"{KEY}_export", name="overview-map",
)

# --- timeline ------------------------------------------------------------------------------
panels.timeline_panel(frame, spec.regions, key=KEY, measure=measure, by="province")

# --- breakdowns ----------------------------------------------------------------------------
panels.breakdown_panel(frame, spec.regions, key=KEY, measure=measure)
cards.takeaway_panel(spec.regions, frame, key=KEY)
comparison_section(spec, everything, key=f"{KEY}_compare")
