"""Surges: short bursts of attacks far above the recent rate, shown in words, on a timeline
and as the incidents behind them, each with its source."""

import streamlit as st

from tracker.analysis import filters, surge_detection
from tracker.present.safety import escape_markdown
from tracker.present.text import date_range
from tracker.ui import cards, data, exports, layout, memo
from tracker.ui import surges as view

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Surges")
spec = layout.current_spec()
everything = data.incidents()
# Baselines need the weeks before the period, so every filter but the dates applies here.
history = memo.view(spec.with_dates(None, None), everything)
shown = memo.view(spec, everything)
layout.caption_data_line(shown, spec)
if not layout.nothing_matches(shown):  # a period with no incident gets words, not empty bars
    national = view.scope_name(spec)  # what a country-level count covers under the filter
    params, by, level = view.controls(key="surges", national=national)
    view.method_note(params, history)
    surges = view.find_surges(history, params, by=by, spec=spec)
    start, end = view.period_bounds(spec, history)
    in_view = [s for s in surges if s.overlaps(start, end)]
    march = surge_detection.surges_in_window(surges, filters.SURGE_START, filters.SURGE_END)
    found = view.coverages(list(dict.fromkeys([*in_view, *march])), everything, spec, params)
    view.known_surge(history, surges, params, national=national, found_coverage=found)
    area = view.area_choice(in_view, history, by, key="surges")
    left, right = st.columns([3, 2])
    measure = left.radio("Timeline shows", ["incidents", "killed"], horizontal=True,
                         key="surges_measure", format_func={"incidents": "Attacks",
                                                            "killed": "Killed"}.get)
    claims = right.toggle("Show perpetrators' claimed tolls", key="surges_claims",
                          disabled=measure != "killed",
                          help="Claims are drawn apart and never added to any total.")

    timeline = view.timeline_figure(history, spec, params, by=by, area=area, in_view=in_view,
                                    measure=measure, claims=claims, start=start, end=end,
                                    national=national)
    st.plotly_chart(timeline, key="surges_timeline")
    exports.png_button(timeline, key="surges_timeline", name="surges-timeline")
    cards.inline_takeaways("surges", spec.regions, shown, key="surges")
    where = national if by is None else view.LEVEL_LABELS[level]
    st.subheader(f"Surges in {escape_markdown(where)}, "
                 f"{date_range(start, end)}")
    view.cards(in_view, national=national, found=found, params=params)
    view.incidents_of(in_view, history, key="surges", national=national)
    cards.takeaway_panel(spec.regions, shown, key="surges")
