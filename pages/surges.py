"""Surges: short bursts of attacks far above the recent rate, shown in words, on a timeline
and as the incidents behind them, each with its source."""

import streamlit as st

from tracker.analysis import aggregates, filters, surge_detection
from tracker.present import charts
from tracker.present.safety import escape_markdown
from tracker.present.text import date_range
from tracker.ui import cards, data, exports, layout
from tracker.ui import surges as view

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Surges")
spec = layout.current_spec()
everything = data.incidents()
# Baselines need the weeks before the period, so every filter but the dates applies here.
history = spec.with_dates(None, None).apply(everything)
shown = spec.apply(everything)
layout.caption_data_line(shown, spec)
if not layout.nothing_matches(shown):  # a period with no incident gets words, not empty bars
    national = view.scope_name(spec)  # what a country-level count covers under the filter
    params, by, level = view.controls(key="surges", national=national)
    view.method_note(params, history)
    surges = surge_detection.find_surges(history, params, by=by)
    start, end = view.period_bounds(spec, history)
    in_view = [s for s in surges if s.overlaps(start, end)]
    march = surge_detection.surges_in_window(surges, filters.SURGE_START, filters.SURGE_END)
    found = view.coverages(list(dict.fromkeys([*in_view, *march])), everything, spec, params)
    view.known_surge(history, surges, params, national=national, found_coverage=found)
    area = view.area_choice(in_view, history, by, key="surges")
    rows = history if by is None else history.loc[history[by] == area]
    left, right = st.columns([3, 2])
    measure = left.radio("Timeline shows", ["incidents", "killed"], horizontal=True,
                         key="surges_measure", format_func={"incidents": "Attacks",
                                                            "killed": "Killed"}.get)
    claims = right.toggle("Show perpetrators' claimed tolls", key="surges_claims",
                          disabled=measure != "killed",
                          help="Claims are drawn apart and never added to any total.")
    windows = surge_detection.rolling_windows(rows, params.window_days, by=None,
                                        span=aggregates.data_span(history),
                                        baseline_days=params.baseline_days,
                                        min_history_days=params.min_history_days)
    timeline = charts.surge_timeline(
        surge_detection.daily_counts(rows, span=aggregates.data_span(history)), windows,
        [s for s in in_view if s.area == area], surge_detection.pinned_events(rows),
        measure=measure, show_claims=claims, window_label=params.window_label,
        baseline_weeks=params.baseline_days // 7, start=start, end=end,
        title=f"{national if by is None else area}: "
              f"{'attacks' if measure == 'incidents' else 'killed'} per day, surges shaded")
    st.plotly_chart(timeline, key="surges_timeline")
    exports.png_button(timeline, key="surges_timeline", name="surges-timeline")
    cards.inline_takeaways("surges", spec.regions, shown, key="surges")
    where = national if by is None else view.LEVEL_LABELS[level]
    st.subheader(f"Surges in {escape_markdown(where)}, "
                 f"{date_range(start, end)}")
    view.cards(in_view, national=national, found=found, params=params)
    view.incidents_of(in_view, history, key="surges", national=national)
    cards.takeaway_panel(spec.regions, shown, key="surges")
