"""Widgets and cards of the Surges page; the counting lives in ``tracker.analytics``.

Every piece of data text (area names, summaries, published notes) is Markdown-escaped
before it reaches ``st.markdown`` / ``st.caption``; hovers are escaped in ``tracker.charts``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pandas as pd
import streamlit as st

from tracker import analytics, coverage, filters, tables
from tracker.analytics import Surge, SurgeParams
from tracker.safety import escape_markdown
from tracker.ui import exports, layout

LEVEL_LABELS = {"Pakistan": "Pakistan as a whole", "province": "each province",
                "district": "each district"}
MAX_CARDS = 9
LIST_ORDER = ("date", "district", "province", "attack_type", "killed", "injured",
              "killed_claimed", "source_url", "summary", "perpetrator", "target", "location",
              "source_name", "geo_precision", "incident_id")
"""Tolls, claims and the source first: what a reader of a surge checks."""


def scope_name(spec: filters.FilterSpec) -> str:
    """What the country-level count covers under the sidebar's filter, in words.

    'Pakistan as a whole' with no filter; the chosen provinces or districts otherwise, and
    '(filtered)' when a type, target, group, casualty or text filter narrows the rows.
    """
    areas = spec.districts or spec.provinces
    if not areas:
        name = "Pakistan as a whole"
    elif len(areas) <= 3:
        name = ", ".join(areas[:-1]) + (" and " if len(areas) > 1 else "") + areas[-1]
    else:
        name = f"{len(areas)} {'districts' if spec.districts else 'provinces'}"
    narrowed = (spec.attack_types or spec.targets or spec.perpetrators
                or spec.min_casualties or spec.text.strip())
    return f"{name} (filtered)" if narrowed else name


def controls(*, key: str, national: str = LEVEL_LABELS["Pakistan"]
             ) -> tuple[SurgeParams, str | None, str]:
    """The window, level and thresholds; returns the rule, the grouping column and level.

    ``national`` labels the country-level choice (see :func:`scope_name`).
    """
    cols = st.columns(4)
    window = cols[0].selectbox(
        "Window", list(analytics.WINDOWS), index=1, key=f"{key}_window",
        help="Dates in the data are to the day, so 48 h means two consecutive days.")
    labels = {**LEVEL_LABELS, "Pakistan": national}
    level = cols[1].selectbox("Count attacks for", list(analytics.AREA_LEVELS),
                              format_func=labels.get, key=f"{key}_level")
    min_count = cols[2].number_input(
        "At least this many attacks", min_value=2, max_value=200, step=1,
        value=analytics.DEFAULT_MIN_COUNT[level], key=f"{key}_min_count_{level}")
    ratio = cols[3].number_input(
        "At least × the expected number", min_value=1.5, max_value=50.0, step=0.5, value=3.0,
        key=f"{key}_ratio")
    params = SurgeParams(window_days=analytics.WINDOWS[window], min_count=int(min_count),
                         min_ratio=float(ratio))
    return params, analytics.AREA_LEVELS[level], level


def method_note(params: SurgeParams, frame: pd.DataFrame) -> None:
    """The rule in words, and what the windows leave out."""
    skipped = len(frame) - len(analytics.day_precision(frame))
    text = params.describe() + " Flagged windows that overlap or touch form one shaded spell."
    if skipped:
        text += (f" {skipped:,} incidents dated only to a week or month are not in any "
                 "window.")
    st.caption(text)


def known_surge(frame: pd.DataFrame, surges: list[Surge], params: SurgeParams, *,
                national: str = analytics.NATIONAL) -> None:
    """Whether the mid-March 2025 surge is found, beside the published tally of those days."""
    found, text = analytics.window_finding(frame, surges, filters.SURGE_START,
                                           filters.SURGE_END, params, national=national)
    box = st.success if found else st.warning
    box(f"**Mid-March 2025 surge.** {escape_markdown(text)}",
        icon=":material/check_circle:" if found else ":material/info:")
    tallies = coverage.window_tallies(coverage.load_reference(), filters.SURGE_START,
                                      filters.SURGE_END)
    for row in tallies.itertuples(index=False):
        link = f" ([source]({quote(row.source_url, safe=':/?&=%#+,;@~')}))" \
            if row.source_url else ""
        st.caption(
            f"Published for comparison, never added to the data: {row.value:,} attacks, "
            f"{analytics.date_range_text(row.period_start.date(), row.period_end.date())} "
            f"— {escape_markdown(row.notes.split(' (')[0] or row.publisher)}{link}.")


def area_choice(surges: list[Surge], frame: pd.DataFrame, by: str | None, *,
                key: str) -> str:
    """For provinces or districts, which area's timeline to draw (most surges first)."""
    if by is None:
        return analytics.NATIONAL
    ranked = pd.Series([s.area for s in surges], dtype=object).value_counts()
    others = sorted(set(frame[by].dropna()) - set(ranked.index))
    options = [*ranked.index, *others]
    return st.selectbox(f"Timeline for {by}", options, key=f"{key}_area_{by}",
                        help="Areas with surges in the period come first.")


def cards(surges: list[Surge], *, national: str = LEVEL_LABELS["Pakistan"]) -> None:
    """The largest surges as cards, in words."""
    if not surges:
        st.info("No window in this period passes the surge rule. Lower the thresholds, "
                "choose a longer window, or widen the period.", icon=":material/info:")
        return
    shown = sorted(surges, key=lambda s: (-s.incidents, s.start))[:MAX_CARDS]
    if len(surges) > MAX_CARDS:
        st.caption(f"The {MAX_CARDS} largest of {len(surges)} surges; every one is in the "
                   "list below.")
    columns = st.columns(3)
    for i, surge in enumerate(shown):
        with columns[i % 3].container(border=True):
            st.markdown(f"**{escape_markdown(analytics.surge_card(surge))}**")
            st.caption(escape_markdown(analytics.surge_details(surge, national)))


def incidents_of(surges: list[Surge], frame: pd.DataFrame, *, key: str,
                 national: str = analytics.NATIONAL) -> None:
    """The incidents of one chosen surge window, with links to their sources."""
    if not surges:
        return
    by_label = {analytics.surge_label(s, national): s for s in
                sorted(surges, key=lambda s: (-s.incidents, s.start))}
    label = st.selectbox("Show the incidents of", list(by_label), key=f"{key}_pick")
    surge = by_label[label]
    rows = frame.loc[frame["incident_id"].isin(surge.incident_ids)]
    st.caption(escape_markdown(analytics.surge_card(surge)) + " Claimed tolls are listed "
               "apart and never counted.")
    st.dataframe(tables.incident_table(rows), column_config=layout.incident_column_config(),
                 column_order=LIST_ORDER, hide_index=True, width="stretch",
                 key=f"{key}_incidents")
    exports.incidents_buttons(rows, key=f"{key}_incidents",
                              stem=f"surge-{surge.start:%Y-%m-%d}")


def period_bounds(spec: filters.FilterSpec, frame: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """The period in view, falling back to the data's own span."""
    span = analytics.data_span(frame) or (dt.date.today(), dt.date.today())
    return spec.start or span[0], spec.end or span[1]
