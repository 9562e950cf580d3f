"""plotly figure builders: tidy frame in, figure out; no Streamlit, nothing fetched online.

Two looks: ``DESK`` for the dashboard and ``PRESENTER`` for screen sharing (larger type,
higher contrast). Colours come from the Okabe–Ito palette, which stays distinguishable for
the common forms of colour blindness.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
    "#999999",  # grey
)
SEQUENTIAL = "Cividis"
"""Colour scale for choropleths: perceptually even and colour-blind safe."""


@dataclass(frozen=True)
class Look:
    """Type sizes and colours for one way of showing figures."""

    name: str
    font_size: int
    title_size: int
    height: int
    font_color: str = "#111111"
    background: str = "#FFFFFF"


DESK = Look("desk", font_size=13, title_size=16, height=420)
PRESENTER = Look("presenter", font_size=22, title_size=28, height=560, font_color="#000000")


def style(fig: go.Figure, look: Look = DESK, title: str | None = None) -> go.Figure:
    """Apply a look: fonts, colours, margins; no web fonts (the system sans-serif is used)."""
    fig.update_layout(
        template="plotly_white",
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": look.font_size,
              "color": look.font_color},
        title={"text": title, "font": {"size": look.title_size}} if title else None,
        height=look.height,
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        paper_bgcolor=look.background,
        colorway=list(OKABE_ITO),
        legend={"font": {"size": look.font_size}},
    )
    return fig


def bar_counts(counts: pd.DataFrame, column: str, measure: str = "incidents", *,
               look: Look = DESK, title: str | None = None, top: int = 15) -> go.Figure:
    """Horizontal bars of ``measure`` per value of ``column`` (largest on top)."""
    data = counts.sort_values(measure, ascending=False).head(top).iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=data[measure],
            y=data[column].astype(str),
            orientation="h",
            marker_color=OKABE_ITO[0],
            text=data[measure],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(title=measure.replace("_", " "))
    return style(fig, look, title)
