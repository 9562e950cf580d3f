"""Widgets and cards of the Surges page; the counting lives in
``tracker.analysis.surge_detection``, the words in ``tracker.present.wording``.

Every piece of data text (area names, summaries, published notes) is Markdown-escaped
before it reaches ``st.markdown`` / ``st.caption``; hovers are escaped in
``tracker.present.charts``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pandas as pd
import streamlit as st

from tracker.analysis import aggregates, coverage, filters, surge_detection
from tracker.analysis.surge_detection import Surge, SurgeParams
from tracker.present import surge_charts, tables, wording
from tracker.present.safety import escape_markdown
from tracker.present.text import date_range
from tracker.ui import exports, layout, memo

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
        "Window", list(surge_detection.WINDOWS), index=1, key=f"{key}_window",
        help="Dates in the data are to the day, so 48 h means two consecutive days.")
    labels = {**LEVEL_LABELS, "Pakistan": national}
    level = cols[1].selectbox("Count attacks for", list(surge_detection.AREA_LEVELS),
                              format_func=labels.get, key=f"{key}_level")
    min_count = cols[2].number_input(
        "At least this many attacks", min_value=2, max_value=200, step=1,
        value=surge_detection.DEFAULT_MIN_COUNT[level], key=f"{key}_min_count_{level}")
    ratio = cols[3].number_input(
        "At least × the expected number", min_value=1.5, max_value=50.0, step=0.5, value=3.0,
        key=f"{key}_ratio")
    params = SurgeParams(window_days=surge_detection.WINDOWS[window], min_count=int(min_count),
                         min_ratio=float(ratio))
    return params, surge_detection.AREA_LEVELS[level], level


def method_note(params: SurgeParams, frame: pd.DataFrame) -> None:
    """The rule in words, and what the windows leave out."""
    skipped = memo.cached("undated_rows", frame, (),
                          lambda: int((~surge_detection.day_mask(frame)).sum()))
    text = wording.surge_rule(params) + (
        " Flagged windows that overlap or touch form one shaded spell. The sample holds a "
        "changing share of the published attacks, so each spell is also scored against the "
        "expected count scaled by its coverage: the share of the published count the sample "
        "holds in the window's month, divided by its share in the baseline weeks. A spell "
        "that falls below the rule on that adjusted count may reflect denser reporting in "
        "the sample.")
    if skipped:
        text += (f" {skipped:,} incidents dated only to a week or month are not in any "
                 "window.")
    st.caption(text)


def known_surge(frame: pd.DataFrame, surges: list[Surge], params: SurgeParams, *,
                national: str = surge_detection.NATIONAL,
                found_coverage: dict[Surge, surge_detection.SurgeCoverage] | None = None) -> None:
    """Whether the mid-March 2025 surge is found, with its coverage and adjusted ratio,
    beside the published tally of those days."""
    found, text = wording.window_finding(frame, surges, filters.SURGE_START,
                                         filters.SURGE_END, params, national=national)
    hits = surge_detection.surges_in_window(surges, filters.SURGE_START, filters.SURGE_END)
    if hits and found_coverage:
        best = max(hits, key=lambda s: (s.incidents, -s.start.toordinal()))
        if best in found_coverage:
            text += " " + coverage_text(best, found_coverage[best], params)
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
            f"{date_range(row.period_start.date(), row.period_end.date())} "
            f"— {escape_markdown(row.notes.split(' (')[0] or row.publisher)}{link}.")


def area_choice(surges: list[Surge], frame: pd.DataFrame, by: str | None, *,
                key: str) -> str:
    """For provinces or districts, which area's timeline to draw (most surges first)."""
    if by is None:
        return surge_detection.NATIONAL
    ranked = pd.Series([s.area for s in surges], dtype=object).value_counts()
    others = sorted(set(frame[by].dropna()) - set(ranked.index))
    options = [*ranked.index, *others]
    return st.selectbox(f"Timeline for {by}", options, key=f"{key}_area_{by}",
                        help="Areas with surges in the period come first.")


DENSER = "May reflect denser reporting in the sample"


def coverages(surges: list[Surge], everything: pd.DataFrame, spec: filters.FilterSpec,
              params: SurgeParams) -> dict[Surge, surge_detection.SurgeCoverage]:
    """Each surge's coverage in its window's month and baseline weeks (whole sample)."""
    def compute() -> dict[Surge, surge_detection.SurgeCoverage]:
        reference = coverage.load_reference()
        view = coverage.area_scope(spec.provinces, spec.districts)
        return {s: surge_detection.surge_coverage(s, everything, reference,
                                                  surge_detection.surge_scope(s, view),
                                                  params.baseline_days)
                for s in surges}

    return memo.cached("surge_coverages", everything,
                       (spec.provinces, spec.districts, params.baseline_days, surges), compute)


def _pct(span: coverage.SpanCoverage) -> str:
    return f"{span.pct:.0f}%" if span.pct is not None else "unknown"


def coverage_text(surge: Surge, found: surge_detection.SurgeCoverage, params: SurgeParams) -> str:
    """The coverage line of a card: both coverages and the adjusted ratio, in words."""
    window, base = found.window, found.baseline
    if window.scope is None:
        return ("Coverage: unknown (no publisher counts districts), so the ratio cannot be "
                "adjusted for how thickly the sample was collected.")
    month = f"{surge.start:%B %Y}"
    text = (f"Coverage of {window.publisher or 'the published count'}: {_pct(window)} in "
            f"{month}, {_pct(base)} in the baseline weeks"
            + (f" ({base.publisher})" if base.publisher and base.publisher != window.publisher
               else "") + ".")
    if found.adjusted_ratio is None:
        return text + (" The ratio cannot be adjusted: no one publisher's monthly count "
                       "covers both.")
    ratio = ("more than 20" if found.adjusted_ratio >= 20 else f"{found.adjusted_ratio:.1f}")
    text += (f" Adjusted for it, {surge.incidents} against "
             f"{found.adjusted_expected:.1f} expected: {ratio} times.")
    if not found.holds(params.min_ratio):
        text += (f" Below {params.min_ratio:g} times: this spell may reflect denser "
                 "reporting in the sample rather than a burst of attacks.")
    return text


def cards(surges: list[Surge], *, national: str = LEVEL_LABELS["Pakistan"],
          found: dict[Surge, surge_detection.SurgeCoverage] | None = None,
          params: SurgeParams | None = None) -> None:
    """The largest surges as cards, in words; with ``found`` (coverages), spells whose
    adjusted ratio falls below the rule are set apart as possibly denser reporting."""
    if not surges:
        st.info("No window in this period passes the surge rule. Lower the thresholds, "
                "choose a longer window, or widen the period.", icon=":material/info:")
        return
    found = found or {}
    weak = [s for s in surges if s in found and params is not None
            and found[s].holds(params.min_ratio) is False]
    strong = [s for s in surges if s not in weak]
    _card_grid(strong, national, found, params)
    if weak:
        st.markdown(f"**{DENSER}** ({len(weak)}): flagged on the sample's own counts, but "
                    "below the rule once the sample's coverage is allowed for.")
        _card_grid(weak, national, found, params)


def _card_grid(surges: list[Surge], national: str, found: dict, params: SurgeParams | None
               ) -> None:
    if not surges:
        return
    shown = sorted(surges, key=lambda s: (-s.incidents, s.start))[:MAX_CARDS]
    if len(surges) > MAX_CARDS:
        st.caption(f"The {MAX_CARDS} largest of {len(surges)} surges; every one is in the "
                   "list below.")
    columns = st.columns(3)
    for i, surge in enumerate(shown):
        with columns[i % 3].container(border=True):
            st.markdown(f"**{escape_markdown(wording.surge_card(surge))}**")
            st.caption(escape_markdown(wording.surge_details(surge, national)))
            if surge in found and params is not None:
                st.caption(escape_markdown(coverage_text(surge, found[surge], params)))


def incidents_of(surges: list[Surge], frame: pd.DataFrame, *, key: str,
                 national: str = surge_detection.NATIONAL) -> None:
    """The incidents of one chosen surge window, with links to their sources."""
    if not surges:
        return
    by_label = {wording.surge_label(s, national): s for s in
                sorted(surges, key=lambda s: (-s.incidents, s.start))}
    label = st.selectbox("Show the incidents of", list(by_label), key=f"{key}_pick")
    surge = by_label[label]
    rows = memo.cached("surge_rows", frame, (surge,), lambda: frame.loc[
        frame["incident_id"].isin(surge.incident_ids)])
    st.caption(escape_markdown(wording.surge_card(surge)) + " Claimed tolls are listed "
               "apart and never counted.")
    layout.show_incidents(tables.incident_table(rows), key=f"{key}_incidents",
                          column_order=LIST_ORDER)
    exports.incidents_buttons(rows, key=f"{key}_incidents",
                              stem=f"surge-{surge.start:%Y-%m-%d}")


def find_surges(history: pd.DataFrame, params: SurgeParams, *, by: str | None,
                spec: filters.FilterSpec) -> list[Surge]:
    """:func:`~tracker.analysis.surge_detection.find_surges` on the history in view, kept
    per view and rule (seconds over the whole history at a million rows)."""
    return memo.cached("find_surges", history, (spec.with_dates(None, None), params, by),
                       lambda: surge_detection.find_surges(history, params, by=by))


def timeline_figure(history: pd.DataFrame, spec: filters.FilterSpec, params: SurgeParams, *,
                    by: str | None, area: str, in_view: list[Surge], measure: str,
                    claims: bool, start: dt.date, end: dt.date, national: str):
    """The day-by-day timeline of ``area`` with its rolling windows and surges shaded,
    kept per view and settings (the windows span the whole history)."""
    def draw():
        rows = history if by is None else history.loc[history[by] == area]
        span = aggregates.data_span(history)
        windows = surge_detection.rolling_windows(rows, params.window_days, by=None,
                                                  span=span,
                                                  baseline_days=params.baseline_days,
                                                  min_history_days=params.min_history_days)
        return surge_charts.surge_timeline(
            surge_detection.daily_counts(rows, span=span), windows,
            [s for s in in_view if s.area == area], surge_detection.pinned_events(rows),
            measure=measure, show_claims=claims, window_label=params.window_label,
            baseline_weeks=params.baseline_days // 7, start=start, end=end,
            title=f"{national if by is None else area}: "
                  f"{'attacks' if measure == 'incidents' else 'killed'} per day, surges shaded")

    return memo.cached("surge_timeline", history,
                       (spec, params, by, area, measure, claims, start, end), draw)


def period_bounds(spec: filters.FilterSpec, frame: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """The period in view, falling back to the data's own span."""
    span = aggregates.data_span(frame) or (dt.date.today(), dt.date.today())
    return spec.start or span[0], spec.end or span[1]
