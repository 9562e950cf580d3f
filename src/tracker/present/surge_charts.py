"""Surge timelines (daily counts, spells shaded, pinned events) and the coverage chart.

Split from :mod:`tracker.present.charts` (same looks and colours).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from tracker.present import wording
from tracker.present.charts import DESK, OKABE_ITO, Look, _check_choice, _empty_figure, style
from tracker.present.text import day_label

SURGE_FILL = OKABE_ITO[1]
CLAIM_COLOR = OKABE_ITO[5]
PIN_COLOR = OKABE_ITO[7]


def surge_timeline(daily: pd.DataFrame, windows: pd.DataFrame, surges: list, pins: pd.DataFrame,
                   *, measure: str = "incidents", show_claims: bool = False,
                   window_label: str = "48 h", baseline_weeks: int = 8,
                   start: object = None, end: object = None, look: Look = DESK,
                   title: str | None = None) -> go.Figure:
    """Daily counts with surge spells shaded and pinned events marked.

    Parameters
    ----------
    daily
        ``surge_detection.daily_counts`` rows of one area.
    windows
        ``surge_detection.rolling_windows`` rows of the same area: drawn as the rolling count and
        the count the baseline expects (incidents only).
    surges
        ``surge_detection.Surge`` objects of the area; each spell is shaded.
    pins
        Pinned events in view: ``date``, ``label``, ``summary`` (data text, escaped here).
    measure
        ``incidents`` or ``killed``. With ``killed`` and ``show_claims`` the perpetrators'
        claimed tolls are a separate marker series, never added to the bars.
    """
    _check_choice("measure", measure, {"incidents": "", "killed": ""})
    if start is not None and end is not None:
        # Cut to the period so the value axis fits what is on screen.
        first, last = pd.Timestamp(start), pd.Timestamp(end)
        daily = daily.loc[daily["date"].between(first, last)]
        windows = windows.loc[windows["window_end"].between(first, last)] if len(windows) \
            else windows
        pins = pins.loc[pins["date"].between(first, last)] if len(pins) else pins
        surges = [s for s in surges if s.overlaps(first.date(), last.date())]
    if daily.empty:
        return _empty_figure("No incident matches these filters.", look)
    label = "Attacks per day" if measure == "incidents" else "Killed per day (confirmed)"
    fig = go.Figure(go.Bar(
        x=daily["date"], y=daily[measure], name=label, marker_color=OKABE_ITO[0],
        marker_line_width=0, width=_DAY_MS,  # at least a day wide, so single days show
        hovertext=[_day_hover(row) for row in daily.itertuples(index=False)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    # hover dates are written here ("5 Mar 2025"), the same on every operating system
    if measure == "incidents" and not windows.empty and window_label != "24 h":
        fig.add_trace(go.Scatter(
            x=windows["window_end"], y=windows["incidents"], mode="lines",
            name=f"Attacks in the {window_label} ending that day",
            line={"color": OKABE_ITO[2], "width": 1}, opacity=0.7,
            customdata=_day_labels(windows["window_end"]),
            hovertemplate=f"%{{customdata}}: %{{y}} attacks in the {window_label} "
                          "to this day<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=windows["window_end"], y=windows["expected"], mode="lines",
            name=f"Expected from the previous {baseline_weeks} weeks",
            line={"color": OKABE_ITO[8], "width": 1.5, "dash": "dash"},
            customdata=_day_labels(windows["window_end"]),
            hovertemplate="%{customdata}: %{y:.1f} expected<extra></extra>",
        ))
    if measure == "killed" and show_claims:
        claims = daily.loc[daily["killed_claimed"] > 0]
        fig.add_trace(go.Scatter(
            x=claims["date"], y=claims["killed_claimed"], mode="markers",
            name="Killed as claimed by perpetrators (not in totals)",
            marker={"color": CLAIM_COLOR, "symbol": "diamond-open", "size": 11,
                    "line": {"width": 2}},
            customdata=_day_labels(claims["date"]),
            hovertemplate="%{customdata}: perpetrators claimed %{y:,} killed "
                          "(not counted)<extra></extra>",
        ))
    for surge in surges:
        fig.add_vrect(x0=pd.Timestamp(surge.spell_start) - pd.Timedelta(hours=12),
                      x1=pd.Timestamp(surge.spell_end) + pd.Timedelta(hours=12),
                      fillcolor=SURGE_FILL, opacity=0.3, layer="below", line_width=0)
    if surges:
        # Spells of a day or two are hairlines on a two-year axis: a marker above each
        # peak keeps them findable, and its hover gives the surge in words.
        tops = [daily[measure].max()]
        if measure == "incidents" and not windows.empty:
            tops.append(windows["incidents"].max())
        top = float(max(tops) or 1)
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(s.start) + (pd.Timestamp(s.end) - pd.Timestamp(s.start)) / 2
               for s in surges],
            y=[top * 1.08] * len(surges), mode="markers", name="Surge (shaded)",
            marker={"symbol": "triangle-down", "size": 11, "color": SURGE_FILL,
                    "line": {"color": "#7a5200", "width": 1}},
            hovertext=[html.escape(wording.surge_card(s)) for s in surges],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    _add_pins(fig, pins, start, end)
    if start is not None and end is not None:
        fig.update_xaxes(range=[pd.Timestamp(start) - pd.Timedelta(hours=12),
                                pd.Timestamp(end) + pd.Timedelta(hours=12)])
    fig.update_yaxes(title="Attacks" if measure == "incidents" else "Killed",
                     rangemode="tozero")
    fig.update_xaxes(title=None)
    fig.update_layout(bargap=0, legend={"orientation": "h", "y": -0.12, "yanchor": "top",
                                        "x": 0})
    style(fig, look, html.escape(title) if title else None)  # titles may hold area names
    fig.update_layout(margin={"t": 70 if title else 40})
    return fig


def _day_hover(row: object) -> str:
    text = (f"<b>{day_label(row.date)}</b><br>{row.incidents:,} attacks · killed "
            f"{row.killed:,} · injured {row.injured:,}")
    if row.killed_claimed:
        text += f"<br>Perpetrators claimed {row.killed_claimed:,} killed (not counted)"
    return text


def _day_labels(days: pd.Series) -> list[str]:
    return [day_label(day) for day in days]


_DAY_MS = 86_400_000


def _add_pins(fig: go.Figure, pins: pd.DataFrame, start: object = None,
              end: object = None) -> None:
    """A dotted line and a short label per pinned event; hover gives its summary.

    Labels alternate in height so close events do not overprint, and those in the right
    third of the axis hang to the left of their line so they stay inside the plot.
    """
    if pins.empty:
        return
    first = pd.Timestamp(start) if start is not None else pins["date"].min()
    last = pd.Timestamp(end) if end is not None else pins["date"].max()
    turn = first + (last - first) * 2 / 3
    for i, pin in enumerate(pins.sort_values("date").itertuples(index=False)):
        fig.add_shape(type="line", x0=pin.date, x1=pin.date, yref="paper", y0=0, y1=1,
                      line={"color": PIN_COLOR, "width": 1, "dash": "dot"})
        fig.add_annotation(x=pin.date, y=1.0 if i % 2 == 0 else 0.91, yref="paper",
                           text=html.escape(str(pin.label)), showarrow=False,
                           xanchor="right" if pin.date > turn else "left",
                           yanchor="bottom", font={"size": 11},
                           bgcolor="rgba(255,255,255,0.8)")
    hover = [f"<b>{html.escape(str(p.label))}</b> ({day_label(p.date)})<br>"
             f"{html.escape(str(p.summary))}" for p in pins.itertuples(index=False)]
    fig.add_trace(go.Scatter(
        x=pins["date"], y=[0] * len(pins), mode="markers", name="Pinned event",
        marker={"symbol": "triangle-up", "size": 12, "color": PIN_COLOR},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
    ))


def coverage_chart(table: pd.DataFrame, scope: str, *, look: Look = DESK,
                   title: str | None = None) -> go.Figure:
    """Per month: each publisher's attack count beside the sample's incidents in ``scope``.

    Each published bar is labelled with the share of its attacks the sample holds.
    """
    rows = table.loc[table["scope"] == scope].sort_values("month")
    if rows.empty:
        return _empty_figure(f"No published monthly count for {scope} in this period.", look)
    fig = go.Figure()
    for i, (publisher, part) in enumerate(rows.groupby("publisher", sort=True)):
        hover = [
            f"<b>{m:%B %Y}</b> · {html.escape(scope)}<br>{html.escape(publisher)} counted "
            f"{p:,} attacks (attacks only)<br>This dataset holds {d:,}: "
            + (f"{c:.0f}%" if pd.notna(c) else "no percentage (none published)")
            + (f"<br>Also published: {int(a):,} ({ap:.0f}%)" if pd.notna(a) else "")
            for m, p, d, c, a, ap in zip(part["month"], part["published"], part["dataset"],
                                         part["coverage_pct"], part["alternative"],
                                         part["alternative_pct"], strict=True)
        ]
        fig.add_trace(go.Bar(
            x=part["month"], y=part["published"], name=f"Published by {publisher}",
            marker_color=OKABE_ITO[(i + 1) % len(OKABE_ITO)],
            text=[f"{c:.0f}%" if pd.notna(c) else "" for c in part["coverage_pct"]],
            textposition="outside", textangle=-90, constraintext="none", cliponaxis=False,
            textfont={"size": max(look.font_size - 2, 10)}, hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    sample = rows.drop_duplicates("month")
    fig.add_trace(go.Bar(
        x=sample["month"], y=sample["dataset"], name="In this dataset",
        marker_color=OKABE_ITO[0],
        hovertemplate="%{x|%B %Y}: %{y:,} incidents in this dataset<extra></extra>",
    ))
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.0,
                                               "yanchor": "bottom", "x": 0})
    fig.update_xaxes(title=None, dtick="M1", tickformat="%b %Y")
    top = float(rows["published"].max() or 1)
    fig.update_yaxes(title="Attacks in the month", range=[0, top * 1.18])
    style(fig, look, html.escape(title) if title else None)
    fig.update_layout(margin={"t": 90 if title else 40})  # room for the legend under the title
    return fig

