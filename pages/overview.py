"""Overview: where, when, who and how many, for the filtered incidents across Pakistan."""

import streamlit as st

from tracker.present import charts
from tracker.present.safety import escape_markdown
from tracker.ui import cards, data, exports, layout, memo, panels, summary
from tracker.ui.compare import comparison_section, headline_previous

layout.start_page()  # before anything draws (a link may be a fresh server's first)

KEY = "overview"

spec = layout.current_spec()
st.title(f"Militant attacks in {escape_markdown(layout.area_title(spec))}")
everything = data.incidents()
frame = memo.view(spec, everything)
previous, not_comparable = headline_previous(spec, everything)
words = summary.text(frame, spec, everything)
summary.paragraph(words)  # the view in words, to read aloud

# --- headline ------------------------------------------------------------------------------
layout.headline_metrics(frame, memo.view(previous, everything) if previous else None)
if not_comparable:
    st.caption(not_comparable)
layout.caption_data_line(frame, spec)
if layout.nothing_matches(frame):
    st.stop()

# --- map -----------------------------------------------------------------------------------
measure = panels.province_map_panel(frame, spec, key=KEY, everything=everything)
color_by = st.session_state.get(f"{KEY}_color", "attack_type")
exports.export_row(
    lambda: charts.province_map(frame, measure=measure, color_by=color_by,
                                provinces=spec.provinces, context_layers=True),
    frame, key=f"{KEY}_export", name="overview-map",
)
summary.caption(words)

# --- timeline ------------------------------------------------------------------------------
panels.timeline_panel(frame, spec.regions, key=KEY, measure=measure, by="province",
                      everything=everything, spec=spec)

# --- breakdowns ----------------------------------------------------------------------------
panels.breakdown_panel(frame, spec.regions, key=KEY, measure=measure)
cards.takeaway_panel(spec.regions, frame, key=KEY)
comparison_section(spec, everything, key=f"{KEY}_compare")
