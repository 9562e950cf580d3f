"""Period comparison: this period against the previous one and the same dates a year earlier.

Used by the Overview and the province pages. The numbers come from
:func:`tracker.analytics.compare_periods`; claims (``killed_claimed``) are never counted.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker import analytics
from tracker.filters import FilterSpec
from tracker.safety import escape_markdown

MEASURE_LABELS = {"incidents": "Attacks", "killed": "Killed", "injured": "Injured"}
BY_LABELS = {"province": "Province", "district": "District"}
SHOWN = ("area", "this", "previous", "vs_previous", "year_before", "vs_year_before")
"""Columns on screen: counts and the change in words (direction, size, percentage)."""
COVERAGE_WORDS = {"none": "before the data begins", "partial": "partly before the data begins"}


def comparison_section(spec: FilterSpec, everything: pd.DataFrame, *, key: str) -> None:
    """Draw the comparison for the spec's period, with every other filter applied."""
    st.subheader("Change against earlier periods")
    if spec.start is None or spec.end is None:
        st.caption("Choose a period in the sidebar (a year, a month or the last 30 days of "
                   "the data) to compare it with the period before it and the same dates a "
                   "year earlier.")
        return
    frame = spec.with_dates(None, None).apply(everything)
    span = analytics.data_span(everything)
    data_start = span[0] if span else None
    periods = analytics.comparison_periods(spec.start, spec.end)
    st.caption(period_line(periods, data_start))
    totals = analytics.comparison_totals(frame, spec.start, spec.end, data_start=data_start)
    st.dataframe(totals.assign(measure=totals["measure"].map(MEASURE_LABELS)),
                 column_config=_config("Measure"), hide_index=True, key=f"{key}_totals")
    left, right = st.columns(2)
    by = left.radio("Compare by", list(BY_LABELS), format_func=BY_LABELS.get,
                    horizontal=True, key=f"{key}_by")
    measure = right.radio("Count", list(MEASURE_LABELS), format_func=MEASURE_LABELS.get,
                          horizontal=True, key=f"{key}_measure")
    table = analytics.compare_periods(frame, spec.start, spec.end, by=by, measure=measure,
                                      data_start=data_start)
    st.dataframe(table, column_config=_config(BY_LABELS[by]), column_order=SHOWN,
                 hide_index=True, width="stretch", key=f"{key}_table")
    st.markdown(first_time_line(frame, spec, data_start))


def period_line(periods: dict[str, analytics.Period], data_start: object) -> str:
    """'This period: … · previous: … · a year earlier: …' with data-coverage warnings."""
    parts = []
    for name, label in (("this", "This period"), ("previous", "previous period"),
                        ("year_before", "a year earlier")):
        period = periods[name]
        text = f"{label}: {period.label}"
        state = period.coverage(data_start)
        if name != "this" and state in COVERAGE_WORDS:
            text += f" ({COVERAGE_WORDS[state]})"
        parts.append(text)
    return " · ".join(parts) + ". Claimed tolls are never counted."


def first_time_line(frame: pd.DataFrame, spec: FilterSpec, data_start: object) -> str:
    """Districts and named groups seen in the period and never before in the data."""
    if data_start is None or spec.start <= data_start:
        return "_The period starts with the data, so nothing in it can be new._"
    districts = analytics.first_appearances(frame, spec.start, spec.end, "district",
                                            data_start=data_start)
    groups = analytics.first_appearances(frame, spec.start, spec.end, "perpetrator",
                                         data_start=data_start)
    if not districts and not groups:
        return ("**First time in the data:** no district or named group appears here "
                "for the first time.")
    parts = []
    if districts:
        parts.append("districts " + ", ".join(escape_markdown(d) for d in districts))
    if groups:
        parts.append("groups " + ", ".join(escape_markdown(g) for g in groups))
    return f"**First time in the data:** {'; '.join(parts)}."


def _config(first: str) -> dict:
    number = {"format": "%d"}
    return {
        "area": st.column_config.TextColumn(first),
        "measure": st.column_config.TextColumn(first),
        "this": st.column_config.NumberColumn("This period", **number),
        "previous": st.column_config.NumberColumn("Previous period", **number),
        "change": st.column_config.NumberColumn("Change", format="%+d"),
        "change_pct": st.column_config.NumberColumn("Change %", format="percent"),
        "vs_previous": st.column_config.TextColumn("Against the previous period"),
        "year_before": st.column_config.NumberColumn("A year earlier", **number),
        "change_year": st.column_config.NumberColumn("Change on a year", format="%+d"),
        "change_year_pct": st.column_config.NumberColumn("Change on a year %",
                                                         format="percent"),
        "vs_year_before": st.column_config.TextColumn("Against a year earlier"),
    }
