"""Period comparison: this period against the previous one and the same dates a year earlier.

Used by the Overview and the province pages. The numbers come from
:func:`tracker.analysis.comparison.compare_periods`; claims (``killed_claimed``) are never counted.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.analysis import aggregates, comparison, coverage
from tracker.analysis.filters import FilterSpec
from tracker.present import wording
from tracker.present.safety import escape_markdown
from tracker.present.text import date_range

MEASURE_LABELS = {"incidents": "Attacks", "killed": "Killed", "injured": "Injured"}
BY_LABELS = {"province": "Province", "district": "District"}
SHOWN = ("area", "this", "previous", "vs_previous", "year_before", "vs_year_before",
         "cov_this", "cov_previous", "cov_year_before")
"""Columns on screen: counts, the change in words, and the sample's coverage per period."""
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
    span = aggregates.data_span(everything)
    data_start = span[0] if span else None
    periods = comparison.comparison_periods(spec.start, spec.end)
    st.caption(period_line(periods, data_start))
    reference = coverage.load_reference()
    scope = coverage.area_scope(spec.provinces, spec.districts)
    this = coverage.month_bounds(periods["this"].start, periods["this"].end)
    pairs = {name: coverage.span_pair(everything, reference, scope, this,
                                      coverage.month_bounds(periods[name].start,
                                                            periods[name].end))
             for name in ("previous", "year_before")}
    for line in coverage_lines(pairs, periods, scope, data_start):
        st.markdown(line)
    totals = wording.totals_with_words(comparison.comparison_totals(
        frame, spec.start, spec.end, data_start=data_start,
        coverage_of=lambda period: _pct(everything, reference, scope, period)))
    st.dataframe(totals.assign(measure=totals["measure"].map(MEASURE_LABELS)),
                 column_config=_config("Measure"), hide_index=True, key=f"{key}_totals")
    for line in published_totals_lines(reference, scope, periods):
        st.markdown(line)
    left, right = st.columns(2)
    by = left.radio("Compare by", list(BY_LABELS), format_func=BY_LABELS.get,
                    horizontal=True, key=f"{key}_by")
    measure = right.radio("Count", list(MEASURE_LABELS), format_func=MEASURE_LABELS.get,
                          horizontal=True, key=f"{key}_measure")
    table = wording.with_change_words(comparison.compare_periods(
        frame, spec.start, spec.end, by=by, measure=measure, data_start=data_start,
        coverage_of=lambda area, period: _pct(everything, reference,
                                              area if by == "province" else None, period)))
    st.dataframe(table, column_config=_config(BY_LABELS[by]), column_order=SHOWN,
                 hide_index=True, width="stretch", key=f"{key}_table")
    if by == "district":
        st.caption("No publisher gives district counts, so district changes are not "
                   "comparable: the table shows counts, not trends.")
    st.caption(NO_COLOUR_NOTE)
    st.markdown(first_time_line(frame, spec, data_start, pairs["previous"][0]))


def headline_previous(spec: FilterSpec, everything: pd.DataFrame) -> tuple[FilterSpec | None, str]:
    """The previous period for the headline's deltas, or None with the reason in words when
    the sample's coverage makes the two periods not comparable."""
    previous = spec.previous_period()
    if previous is None:
        return None, ""
    reference = coverage.load_reference()
    scope = coverage.area_scope(spec.provinces, spec.districts)
    this, before = coverage.span_pair(
        everything, reference, scope, coverage.month_bounds(spec.start, spec.end),
        coverage.month_bounds(previous.start, previous.end))
    if coverage.comparable_spans(this, before):
        return previous, ""
    if this.pct is not None and before.pct is not None:
        why = (f"this dataset holds {this.pct:.0f}% of the attacks {this.publisher} published "
               f"in the months of this period and {before.pct:.0f}% in those of the "
               "previous one")
    else:
        why = "no published count gives the sample's coverage in both periods"
    return None, (f"No change is shown against the previous period: not comparable, {why}. "
                  "See “Change against earlier periods” below.")


NO_COLOUR_NOTE = (
    "Changes are counts in this sample, not good or bad news: fewer incidents here can mean "
    "fewer reports were collected. A percentage is shown only when both counts are at least "
    f"{coverage.MIN_FOR_PERCENT} and the sample's coverage of the published count is alike "
    f"in both periods (within a factor of {coverage.COMPARABLE_FACTOR:g})."
)


def _pct(everything: pd.DataFrame, reference: pd.DataFrame, scope: str | None,
         period: comparison.Period) -> float | None:
    """Coverage over the whole months the period falls in (see coverage.month_bounds)."""
    return coverage.span_coverage(everything, reference, scope,
                                  *coverage.month_bounds(period.start, period.end)).pct


def coverage_lines(pairs: dict[str, tuple[coverage.SpanCoverage, coverage.SpanCoverage]],
                   periods: dict[str, comparison.Period], scope: str | None,
                   data_start: object) -> list[str]:
    """Per comparison: whether the sample's counts can be compared, and the published change.

    E.g. "not comparable: this dataset holds 11% of the attacks PICSS published in 1–30 Apr
    2025 and 50% in 1–31 Mar 2025", then "PICSS published 82 attacks against 105 (−22%)".
    """
    if scope is None:
        return ["**Not comparable:** no publisher gives one monthly count for the area in "
                "view (a district, or several provinces), so the sample's coverage is "
                "unknown and its changes are counts, not trends."]
    lines = []
    for name, label in (("previous", "previous period"), ("year_before", "a year earlier")):
        this, other = pairs[name]
        if periods[name].coverage(data_start) == "none":
            continue
        head = f"**Against the {label}:**" if name == "previous" else f"**Against {label}:**"
        if coverage.comparable_spans(this, other):
            text = (f"{head} comparable — this dataset holds {this.pct:.0f}% of the attacks "
                    f"{this.publisher} published in {_months(this)} and "
                    f"{other.pct:.0f}% in {_months(other)}.")
        elif this.pct is not None and other.pct is not None and this.publisher == other.publisher:
            text = (f"{head} not comparable: this dataset holds {this.pct:.0f}% of the "
                    f"attacks {this.publisher} published in {_months(this)} and "
                    f"{other.pct:.0f}% in {_months(other)}, so the change in its counts "
                    "is not a trend.")
        elif this.pct is not None and other.pct is not None:
            text = (f"{head} not comparable: no one publisher counts both periods "
                    f"({this.publisher} for {_months(this)}, {other.publisher} for "
                    f"{_months(other)}), and publishers count differently.")
        else:
            missing = [_months(s) for s in (this, other) if s.pct is None]
            text = (f"{head} not comparable: no one publisher's monthly counts cover every "
                    f"month of {' and of '.join(missing)} for {escape_markdown(scope)}, so "
                    "the sample's coverage there is unknown.")
        if this.publisher and this.publisher == other.publisher and all(
                coverage.is_whole_months(periods[n].start, periods[n].end)
                for n in ("this", name)):
            now, before = round(this.published or 0), round(other.published or 0)
            text += (f" {this.publisher} published {now:,} attacks against {before:,}: "
                     f"{wording.change_words(now, before)}.")
        lines.append(text)
    return lines


def _months(span: coverage.SpanCoverage) -> str:
    """'April 2025', 'Jan – Mar 2025' or '2025' for a span of whole months."""
    start, end = span.start, span.end
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    if start.month == 1 and end.month == 12 and start.year == end.year:
        return str(start.year)
    return date_range(start, end)


def published_totals_lines(reference: pd.DataFrame, scope: str | None,
                           periods: dict[str, comparison.Period]) -> list[str]:
    """Published annual or quarterly totals for this period and a year earlier, if any."""
    this = coverage.published_totals(reference, scope, periods["this"].start,
                                     periods["this"].end)
    before = coverage.published_totals(reference, scope, periods["year_before"].start,
                                       periods["year_before"].end)
    if this.empty:
        return []
    earlier = {(r.publisher, r.metric): r.value for r in before.itertuples(index=False)}
    lines = []
    for publisher, part in this.groupby("publisher", sort=True):
        items = []
        for row in part.itertuples(index=False):
            prior = earlier.get((publisher, row.metric))
            item = f"{row.metric} {row.value:,}"
            if prior is not None:
                words = wording.change_words(row.value, prior)
                item += f" against {prior:,} a year earlier ({words})"
            items.append(item)
        kind = part["period_kind"].iloc[0]
        lines.append(f"**Published {kind} totals, {escape_markdown(scope or '')} "
                     f"({publisher}, attacks only):** " + "; ".join(items) + ".")
    return lines


def period_line(periods: dict[str, comparison.Period], data_start: object) -> str:
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


def first_time_line(frame: pd.DataFrame, spec: FilterSpec, data_start: object,
                    span: coverage.SpanCoverage | None = None) -> str:
    """Districts and named groups seen in the period and never before in the data, with
    what the sample's coverage lets "first" mean."""
    text = _first_time(frame, spec, data_start)
    share = (f" (it holds about {span.pct:.0f}% of the attacks {span.publisher} published "
             "for this period)") if span is not None and span.pct is not None else ""
    return (text + f" _The sample is a small part of the reported attacks{share}, so "
            "\"first\" means first in this sample: earlier attacks may have gone "
            "unrecorded here._")


def _first_time(frame: pd.DataFrame, spec: FilterSpec, data_start: object) -> str:
    if data_start is None or spec.start <= data_start:
        return "_The period starts with the data, so nothing in it can be new._"
    districts = comparison.first_appearances(frame, spec.start, spec.end, "district",
                                            data_start=data_start)
    groups = comparison.first_appearances(frame, spec.start, spec.end, "perpetrator",
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
        **{f"cov_{n}": st.column_config.NumberColumn(
            f"Coverage, {label}", format="%.0f%%",
            help="The sample's incidents ÷ the attacks published for that area and period")
           for n, label in (("this", "this period"), ("previous", "previous"),
                            ("year_before", "a year earlier"))},
    }
