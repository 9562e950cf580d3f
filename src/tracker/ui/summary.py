"""The view in words on the page: the paragraph at the top, and the charts' caption.

The text is :func:`tracker.present.summary.summarise`; this gathers what it needs (the previous
period, the surges over the filter's whole span) and shows it escaped (place names are data).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tracker.analysis import aggregates, surge_detection
from tracker.analysis.filters import FilterSpec
from tracker.present import summary
from tracker.present.safety import escape_markdown
from tracker.ui import memo


def text(frame: pd.DataFrame, spec: FilterSpec, everything: pd.DataFrame) -> str:
    """The paragraph for the view: ``frame`` is ``spec`` applied to ``everything``."""
    return memo.cached("summary", frame, (spec, memo.key_of(everything)),
                       lambda: _text(frame, spec, everything))


def _text(frame: pd.DataFrame, spec: FilterSpec, everything: pd.DataFrame) -> str:
    previous = spec.previous_period()
    span = aggregates.data_span(everything)
    return summary.summarise(
        frame, spec, previous=previous.apply(everything) if previous else None,
        surges=surges(spec, everything), data_start=span[0] if span else None,
        coverage_pair=summary.period_coverage(spec, everything))


def surges(spec: FilterSpec, everything: pd.DataFrame) -> list[surge_detection.Surge]:
    """Surges under every filter but the dates (baselines need the weeks before)."""
    undated = spec.with_dates(None, None)  # kept per table and filter, whatever the dates
    return memo.cached("summary_surges", everything, (undated,),
                       lambda: surge_detection.find_surges(undated.apply(everything)))


def paragraph(words: str) -> None:
    """The summary at the top of a page, as plain text."""
    st.markdown(escape_markdown(words))


def caption(words: str) -> None:
    """The charts' text alternative, under the main chart."""
    st.caption(f"The charts in words: {escape_markdown(words)}")
