"""Timelines: attacks per day, week or month, beside the published monthly counts.

Split from :mod:`tracker.present.charts` (same looks and colours); the published series are
lines per publisher, never summed with the sample.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tracker.analysis import aggregates
from tracker.present.charts import (
    DESK,
    FREQ_LABELS,
    MEASURE_LABELS,
    OKABE_ITO,
    PROVINCE_COLORS,
    Look,
    _check_choice,
    _empty_figure,
    _group_order,
    style,
)
from tracker.present.text import day_label


def timeline_chart(incidents: pd.DataFrame, *, freq: str = "month", measure: str = "incidents",
                   by: str | None = "province", look: Look = DESK,
                   title: str | None = None, published: pd.DataFrame | None = None,
                   lens: str = "sample", threshold: float | None = None) -> go.Figure:
    """Stacked bars of a count per day, week or month, split by ``by`` (e.g. province).

    Rates are not meaningful per bar, so a ``*_per_million`` measure shows its count.
    ``published`` (:func:`tracker.analysis.coverage.monthly_coverage` for the area in view) adds the
    published monthly attack count as its own series per publisher, never summed with the
    sample; bars of months below ``threshold`` coverage, or with no published figure, are
    hatched and faded. At week or day grain the monthly figure is drawn as a step (its
    weekly or daily average). ``lens="published"`` (month grain only) draws the published
    counts as the bars and the sample as a line.
    """
    if lens == "published" and published is not None and freq == "month":
        return _published_lens(incidents, published, look=look, title=title,
                               threshold=threshold)
    _check_choice("freq", freq, FREQ_LABELS)
    _check_choice("measure", measure, MEASURE_LABELS)
    base = measure.removesuffix("_per_million")
    table = aggregates.timeline(incidents, freq, by)
    if table.empty:
        return _empty_figure("No incident matches these filters.", look)
    table["casualties"] = table["killed"] + table["injured"]
    label = MEASURE_LABELS[base]
    # hover dates are written here, the same on every operating system
    period_label = {"day": day_label, "week": lambda d: f"week of {day_label(d)}",
                    "month": lambda d: f"{d:%B %Y}"}[freq]
    groups = [None] if by is None else _group_order(table[by], by)
    fig = go.Figure()
    for i, group in enumerate(groups):
        part = table if group is None else table[table[by] == group]
        part = part[part[base] > 0]  # an empty period is a gap on the date axis anyway
        color = PROVINCE_COLORS.get(group, OKABE_ITO[i % len(OKABE_ITO)]) if group else \
            OKABE_ITO[0]
        fig.add_trace(go.Bar(
            x=part["period"].dt.strftime("%Y-%m-%d"), y=part[base],
            name=str(group or (label if published is None else f"This dataset: {label.lower()}")),
            marker_color=color, customdata=[period_label(d) for d in part["period"]],
            hovertemplate=f"%{{customdata}}: %{{y:,}} {html.escape(label.lower())}"
                          + (f" ({html.escape(str(group))})" if group else "")
                          + "<extra></extra>",
        ))
    fig.update_layout(barmode="stack", bargap=0.1, showlegend=by is not None,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                              "traceorder": "normal"})
    fig.update_yaxes(title=label, rangemode="tozero")
    fig.update_xaxes(title=None)
    if published is not None and len(published):
        _add_published(fig, published, freq=freq, same_axis=base == "incidents",
                       threshold=threshold)
        fig.update_layout(showlegend=True)
    style(fig, look, title)
    if published is not None and len(published):
        fig.update_layout(margin={"t": 90 if title else 60})  # room for a longer legend
    return fig


PUBLISHED_STYLE = {"PICSS": ("#000000", "solid", "diamond"), "PIPS": ("#555555", "dot", "square")}
"""Line colour, dash and marker per publisher (lines, so they never read as more bars)."""
LOW_PATTERN = "/"


def published_name(publisher: str, freq: str = "month") -> str:
    """The legend name of a publisher's series, e.g. 'PICSS: attacks published'."""
    per = {"month": "", "week": " (weekly avg.)", "day": " (daily avg.)"}[freq]
    return f"{publisher}: attacks published{per}"


def low_mark_name(threshold: float | None) -> str:
    from tracker.analysis import coverage  # local: importable without the CSV
    value = coverage.low_coverage_pct() if threshold is None else threshold
    return f"Hatched: under {value:g}% covered, or unknown"


def _coverage_hover(row: object) -> str:
    month = f"<b>{row.month:%B %Y}</b>"
    if pd.isna(row.published):
        return f"{month}<br>No published monthly count<br>This dataset holds {row.dataset:,}"
    parts = " (tribal + settled districts)" if row.parts else ""
    share = f"{row.coverage_pct:.0f}%" if pd.notna(row.coverage_pct) else "no percentage"
    return (f"{month}<br>{html.escape(row.publisher)} published {int(row.published):,} "
            f"attacks{parts}<br>This dataset holds {row.dataset:,}: coverage {share}")


def _add_published(fig: go.Figure, published: pd.DataFrame, *, freq: str, same_axis: bool,
                   threshold: float | None) -> None:
    """The published series beside the bars, and the low-coverage mark on the bars."""
    low = {m.strftime("%Y-%m"): bool(v) for m, v in zip(published["month"], published["low"],
                                                         strict=True)}
    hover = {m.strftime("%Y-%m"): _coverage_hover(r) for m, r in zip(
        published["month"], published.itertuples(index=False), strict=True)}
    for trace in list(fig.data):
        months = [str(x)[:7] for x in trace.x]
        marks = [low.get(m, True) for m in months]
        trace.marker.pattern = {"shape": [LOW_PATTERN if m else "" for m in marks],
                                "fillmode": "overlay", "fgcolor": "#FFFFFF", "size": 6}
        trace.marker.opacity = [0.45 if m else 1.0 for m in marks]
        trace.customdata = [hover.get(m, "") for m in months]
        trace.hovertemplate = trace.hovertemplate.replace(
            "<extra></extra>", "<br>%{customdata}<extra></extra>")
    axis = {} if same_axis else {"yaxis": "y2"}
    for publisher in [p for p in PUBLISHED_STYLE if p in set(published["publisher"])]:
        part = published.loc[published["publisher"] == publisher].sort_values("month")
        color, dash, symbol = PUBLISHED_STYLE[publisher]
        if freq == "month":
            full = published[["month"]].merge(part, on="month", how="left")  # gaps stay gaps
            x = full["month"].dt.strftime("%Y-%m-%d")
            y = full["published"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            text = [_coverage_hover(r) if pd.notna(r.published) else None
                    for r in full.itertuples(index=False)]
            fig.add_trace(go.Scatter(
                x=x, y=y, name=published_name(publisher), mode="lines+markers",
                line={"color": color, "dash": dash, "width": 2},
                marker={"symbol": symbol, "size": 8, "color": color}, connectgaps=False,
                hovertext=text, hovertemplate="%{hovertext}<extra></extra>", **axis))
        else:
            per = 7 if freq == "week" else 1
            xs, ys, texts = [], [], []
            for row in part.itertuples(index=False):
                end = row.month + pd.offsets.MonthBegin(1)
                value = int(row.published) / row.month.days_in_month * per
                text = _coverage_hover(row) + f"<br>{value:.1f} a {freq} on average"
                xs += [row.month.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"), None]
                ys += [value, value, None]
                texts += [text, text, None]
            fig.add_trace(go.Scatter(
                x=xs, y=ys, name=published_name(publisher, freq), mode="lines",
                line={"color": color, "dash": dash, "width": 2, "shape": "hv"},
                hovertext=texts, hovertemplate="%{hovertext}<extra></extra>", **axis))
    if any(low.values()):
        fig.add_trace(go.Bar(
            x=[None], y=[None], name=low_mark_name(threshold), hoverinfo="skip",
            marker={"color": "#BBBBBB", "opacity": 0.6,
                    "pattern": {"shape": LOW_PATTERN, "fgcolor": "#FFFFFF"}}))
    # each legend entry as wide as its text, so the long ones do not force one column
    fig.update_layout(legend={"entrywidth": 0, "entrywidthmode": "pixels"})
    if not same_axis:
        fig.update_layout(yaxis2={"title": "Attacks published", "overlaying": "y",
                                  "side": "right", "rangemode": "tozero", "showgrid": False,
                                  "tickformat": ",d"})


def _published_lens(incidents: pd.DataFrame, published: pd.DataFrame, *, look: Look,
                    title: str | None, threshold: float | None) -> go.Figure:
    """Published monthly counts as bars (one series per publisher), the sample as a line."""
    fig = go.Figure()
    rows = published.loc[published["published"].notna()]
    for publisher in [p for p in PUBLISHED_STYLE if p in set(rows["publisher"])]:
        part = rows.loc[rows["publisher"] == publisher]
        fig.add_trace(go.Bar(
            x=part["month"].dt.strftime("%Y-%m-%d"), y=part["published"].astype(int),
            name=published_name(publisher), marker_color=PUBLISHED_STYLE[publisher][0]
            if publisher == "PIPS" else OKABE_ITO[8],
            hovertext=[_coverage_hover(r) for r in part.itertuples(index=False)],
            hovertemplate="%{hovertext}<extra></extra>"))
    missing = published.loc[published["published"].isna(), "month"]
    fig.add_trace(go.Scatter(
        x=published["month"].dt.strftime("%Y-%m-%d"), y=published["dataset"],
        name="This dataset (a sample)", mode="lines+markers",
        line={"color": OKABE_ITO[0], "width": 2}, marker={"size": 7},
        hovertext=[_coverage_hover(r) for r in published.itertuples(index=False)],
        hovertemplate="%{hovertext}<extra></extra>"))
    if len(missing):
        fig.add_trace(go.Scatter(
            x=missing.dt.strftime("%Y-%m-%d"), y=[0] * len(missing), mode="markers",
            name="No published count that month", marker={"symbol": "x", "size": 9,
                                                            "color": OKABE_ITO[5]},
            hovertemplate="%{x|%B %Y}: no published monthly count<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.1, showlegend=True,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                              "entrywidth": 0, "entrywidthmode": "pixels"})
    fig.update_yaxes(title="Attacks in the month", rangemode="tozero")
    fig.update_xaxes(title=None)
    style(fig, look, title)
    fig.update_layout(margin={"t": 90 if title else 50})
    return fig

