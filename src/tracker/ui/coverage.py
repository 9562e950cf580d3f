"""The Coverage panel: published monthly attack counts beside the sample's own counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.analysis import coverage
from tracker.analysis.filters import FilterSpec
from tracker.present import surge_charts
from tracker.present.safety import escape_markdown
from tracker.ui import cards

INTRO = (
    "The incident list is a sample of well-sourced reports, not a count. To show how much of "
    "the reported violence it holds, each monthly count of militant attacks published by "
    "PICSS or PIPS (their 'attacks only' figures; security operations excluded, as in this "
    "data) is set beside the number of incidents this dataset holds for the same month and "
    "area. Published figures are cited, never added to the incident totals, and publishers "
    "count differently, so their rows are shown side by side and never summed."
)
SCOPE_NOTE = (
    "Khyber Pakhtunkhwa's tribal and settled districts are told apart by the gazetteer's "
    "former-FATA flag; attacks in the former Frontier Regions count with the settled district "
    "that absorbed them, which a publisher may count as tribal. Incidents are counted whatever "
    "the sidebar's type, target, group or text filters say, because the published figures "
    "cover every attack; the period and provinces do narrow the rows."
)


def coverage_panel(spec: FilterSpec, everything: pd.DataFrame, *, key: str,
                   frame: pd.DataFrame | None = None) -> None:
    """Draw the panel for the period and provinces in ``spec``; ``frame`` (the incidents
    the filter selects) is what the chart's takeaways are checked against."""
    frame = spec.apply(everything) if frame is None else frame
    st.caption(INTRO)
    table = coverage.coverage_table(everything, coverage.load_reference(), start=spec.start,
                                    end=spec.end, provinces=spec.provinces)
    st.markdown(escape_markdown(coverage.coverage_summary(table)))
    scopes = [s for s in coverage.SCOPES if s in set(table["scope"])]
    if not scopes:
        st.info("Widen the period: the published monthly counts run from January 2024 to "
                "January 2026, for some months and areas only.", icon=":material/info:")
        return
    scope = st.selectbox("Area", scopes, key=f"{key}_scope")
    st.plotly_chart(surge_charts.coverage_chart(
        table, scope, title=f"{scope}: published attacks and this dataset, per month"),
        key=f"{key}_chart")
    cards.inline_takeaways("coverage", spec.regions, frame, key=f"{key}_chart")
    st.dataframe(display_table(table.loc[table["scope"] == scope]),
                 column_config=column_config(), hide_index=True, width="stretch",
                 key=f"{key}_table")
    st.caption(SCOPE_NOTE)
    clashes = coverage.conflicts(table)
    if len(clashes):
        st.markdown("**Conflicting figures.** " + escape_markdown(coverage.CONFLICT_RULE))
        for row in clashes.itertuples(index=False):
            st.caption(escape_markdown(
                f"{row.publisher}, {row.scope}, {row.month:%B %Y}: {row.published} used "
                f"({row.coverage_pct:.1f}% covered); also published {row.alternative} "
                f"({row.alternative_pct:.1f}%). {row.notes}"))


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The coverage rows as shown: month as text, percentages rounded to one decimal."""
    out = table.copy()
    out["month"] = out["month"].dt.strftime("%b %Y")
    for column in ("coverage_pct", "alternative_pct"):
        out[column] = out[column].round(1)
    return out


def column_config() -> dict:
    return {
        "month": st.column_config.TextColumn("Month"),
        "scope": st.column_config.TextColumn("Area"),
        "publisher": st.column_config.TextColumn("Publisher"),
        "published": st.column_config.NumberColumn("Attacks published"),
        "dataset": st.column_config.NumberColumn("Incidents in this dataset"),
        "coverage_pct": st.column_config.NumberColumn(
            "Coverage %", format="%.1f%%", help="Dataset incidents ÷ published attacks × 100"),
        "alternative": st.column_config.NumberColumn(
            "Other figure published", help="A second, conflicting figure from the same "
            "publisher for the same month and area"),
        "alternative_pct": st.column_config.NumberColumn("Coverage with it %", format="%.1f%%"),
        "source_url": st.column_config.LinkColumn("Source", display_text="open report"),
        "notes": st.column_config.TextColumn("Notes", width="large"),
    }
