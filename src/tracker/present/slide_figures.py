"""The main figure of a slide, fitted to the size it is drawn or exported at.

Maps fit their centre and zoom with :func:`tracker.geo.map_view` (the one map fit), carry
the same district names as the dashboard's maps (:mod:`tracker.present.map_labels`) and a
key to the bubble sizes (:func:`add_size_key`). :func:`stand_alone` adds what a picture
needs when it leaves the app: its title, area and period, the sample caveat and the source.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tracker import geo, schema
from tracker.analysis import analytics, context, coverage
from tracker.ingest import places
from tracker.present import charts, map_labels, shapes
from tracker.present.deck import FIGURE_KINDS, Slide, step_frame
from tracker.present.timelines import timeline_chart

NO_GROUP = "no group named in the report"
LEGEND_ROW_PX = 48
"""Height of the one-row legend under a slide map (two entries at most, in slide type)."""
DAY_COLOR = charts.OKABE_ITO[5]
EARLIER_COLOR = charts.OKABE_ITO[0]
KEY_TITLE = "Bubble area: attacks"



def build_figure(
    slide: Slide,
    frame: pd.DataFrame,
    *,
    step: int | None = None,
    look: charts.Look = charts.PRESENTER,
    width: int = 760,
    height: int = 470,
) -> go.Figure:
    """The slide's main figure for its incidents, sized for ``width`` × ``height`` pixels.

    Maps fit their centre and zoom to that size, so pass the size the figure is drawn at
    (the screen column or the exported image). ``step`` picks the day on a stepped slide
    (its last day when None).
    """
    provinces = slide.spec.provinces or tuple(schema.PROVINCES)
    if slide.spec.districts and not frame.empty:  # a set of districts: fit to them
        box = frame["latitude"], frame["longitude"]
    else:
        box = shapes.bounds_points(provinces)
    if slide.figure == "province_map":
        # District bubbles over the province shades: one colour, readable from the back.
        fig = charts.province_map(frame, look=look, provinces=slide.spec.provinces,
                                  point_limit=0, context_layers=True)
        _fit_map(fig, *box, width=width, height=height, incidents=frame)
    elif slide.figure == "district_map":
        province = slide.spec.provinces[0] if len(slide.spec.provinces) == 1 else None
        fig = charts.district_map(frame, province=province, look=look, context_layers=True)
        fig.update_traces(showlegend=True,  # the legend says what the bubbles measure
                          selector=lambda t: not context.is_layer(t))
        _fit_map(fig, *box, width=width, height=height, incidents=frame)
    elif slide.figure == "surge_map":
        day = None
        if slide.step_days:
            day = slide.step_days[min(step or slide.step_count, slide.step_count) - 1]
        # Framed on the provinces the whole window touches, so the view stays put
        # from day to day and the room sees where in the country each day fell.
        touched = tuple(p for p in schema.PROVINCES if p in set(frame["province"]))
        fig = slide_day_map(step_frame(slide, frame, step), current=day, look=look,
                                   height=height)
        _fit_map(fig, *shapes.bounds_points(touched or provinces), width=width,
                 height=height, incidents=step_frame(slide, frame, step))
    elif slide.figure == "group_bars":
        fig = charts.bar_counts(group_counts(frame), "group", look=look, top=8)
        fig.update_xaxes(title="Incidents")
        fig.update_yaxes(title=None)
        fig.update_layout(margin={"l": 10, "r": 30, "t": 10, "b": 10})
    elif slide.figure in ("type_bars", "target_bars"):
        column = "attack_type" if slide.figure == "type_bars" else "target"
        fig = charts.breakdown_chart(frame, column, look=look, top=8)
        fig.update_yaxes(title=None)
        fig.update_layout(margin={"l": 10, "r": 30, "t": 10, "b": 10})
    elif slide.figure == "timeline":
        fig = timeline_figure(slide, frame, look=look)
    elif slide.figure == "headline":
        fig = headline_figure(frame, look=look)
    else:  # parse_deck refuses other kinds
        raise ValueError(f"`figure` was {slide.figure!r}; expected one of {FIGURE_KINDS}")
    fig.update_layout(height=height)
    return fig


def timeline_figure(slide: Slide, frame: pd.DataFrame, *,
                    look: charts.Look = charts.PRESENTER) -> go.Figure:
    """Attacks per month beside the published monthly count for the slide's area.

    Coverage is counted on the slide's incidents (its filter names only an area and dates
    in the bundled deck, so they are every attack the sample holds there).
    """
    scope = coverage.area_scope(slide.spec.provinces, slide.spec.districts)
    table = None
    if scope is not None and not frame.empty:
        table = coverage.monthly_coverage(frame, coverage.load_reference(), scope)
        if table["published"].isna().all():
            table = None
    fig = timeline_chart(frame, freq="month", by=None, look=look, published=table)
    fig.update_layout(legend={"font": {"size": max(look.font_size - 2, 12)}})
    if table is None:  # say so on the slide itself, in the room and in the exported deck
        fig.add_annotation(text="No publisher gives a monthly count for this area: "
                                "this dataset only.", showarrow=False, xref="paper",
                           yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                           font={"size": max(look.font_size - 2, 12)})
    return fig


def group_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per family of the group a report names ("no group named" for the rest).

    Counts each incident once, by the family of the first group named.
    """
    names = frame["perpetrator"].fillna(schema.UNKNOWN_PERPETRATOR).astype(str)
    family = names.map(places.perpetrator_family)
    unnamed = names.str.strip().isin(["", schema.UNKNOWN_PERPETRATOR])
    family = family.where(~unnamed, NO_GROUP)
    counts = family.value_counts().rename_axis("group").reset_index(name="incidents")
    return counts.sort_values(["incidents", "group"], ascending=[False, True], ignore_index=True)


def _fit_map(fig: go.Figure, lat: pd.Series, lon: pd.Series, *, width: int, height: int,
             incidents: pd.DataFrame | None = None) -> None:
    """Refit a MapLibre figure to the pixel size it is drawn at; colour bars in slide type;
    place names laid out again for that size (the same labels as the dashboard's maps).

    A legend sits under the map (see ``charts._map_layout``), so the map itself is that
    much shorter than the figure.
    """
    legend = any(t.showlegend is not False for t in fig.data if t.type == "scattermap")
    map_height = height - (LEGEND_ROW_PX if legend else 0)
    view = geo.map_view(lat, lon, width=width, height=map_height)
    size = fig.layout.font.size or charts.PRESENTER.font_size
    fig.update_layout(map={"center": view["center"], "zoom": view["zoom"]})
    fig.update_traces(
        selector={"type": "choroplethmap"},
        colorbar={"tickfont": {"size": size - 2}, "title": {"font": {"size": size - 2}},
                  "thickness": 18},
    )
    if incidents is not None:
        map_labels.add_place_names(fig, incidents, width_px=width, height_px=map_height,
                                   font_size=round(size * 0.75))
    add_size_key(fig, font_size=max(size - 6, 14))




def headline_figure(frame: pd.DataFrame, *, look: charts.Look = charts.PRESENTER
                    ) -> go.Figure:
    """The headline numbers as large figures: attacks, killed, injured, districts."""
    head = analytics.headline(frame)
    numbers = (("Attacks in this dataset", head.incidents), ("Killed (where reported)",
               head.killed), ("Injured (where reported)", head.injured),
               ("Districts hit", head.districts))
    fig = go.Figure([
        go.Indicator(mode="number", value=value, number={"valueformat": ",d",
                     "font": {"size": look.title_size * 2}},
                     title={"text": label, "font": {"size": look.font_size}},
                     domain={"row": i // 2, "column": i % 2})
        for i, (label, value) in enumerate(numbers)])
    charts.style(fig, look)
    fig.update_layout(grid={"rows": 2, "columns": 2, "pattern": "independent"},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig


def add_size_key(fig: go.Figure, *, font_size: int = 14) -> go.Figure:
    """A key to the bubble sizes in the map's top-right corner: three circles drawn at the
    sizes the map draws them (read from the bubble trace: value in ``customdata``)."""
    pairs: dict[int, float] = {}
    for trace in fig.data:
        if trace.type != "scattermap" or trace.customdata is None \
                or not isinstance(trace.marker.size, (list, tuple, np.ndarray)):
            continue
        for value, size in zip(trace.customdata, trace.marker.size, strict=False):
            pairs.setdefault(int(value[0]), float(size))
    if not pairs:
        return fig
    values = sorted(pairs)
    chosen = list(dict.fromkeys([values[-1], values[len(values) // 2], values[0]]))
    top = pairs[values[-1]]
    step = top + 8
    width = step * len(chosen) + 16
    fig.add_shape(type="rect", xref="paper", yref="paper", xanchor=1, yanchor=1,
                  xsizemode="pixel", ysizemode="pixel", x0=-width - 4, x1=-4,
                  y0=-(top + font_size * 2 + 30), y1=-4, fillcolor="rgba(255,255,255,0.9)",
                  line={"color": "#777777", "width": 1})
    fig.add_annotation(text=KEY_TITLE, xref="paper", yref="paper", x=1, y=1,
                       xshift=-width / 2 - 4, yshift=-12, showarrow=False,
                       font={"size": font_size}, xanchor="center", yanchor="middle")
    for i, value in enumerate(chosen):
        d = pairs[value]
        centre_x = -width - 4 + 8 + step * i + step / 2
        centre_y = -(font_size + 14 + top / 2)
        fig.add_shape(type="circle", xref="paper", yref="paper", xanchor=1, yanchor=1,
                      xsizemode="pixel", ysizemode="pixel", x0=centre_x - d / 2,
                      x1=centre_x + d / 2, y0=centre_y - d / 2, y1=centre_y + d / 2,
                      fillcolor="rgba(213,94,0,0.65)", line={"width": 0})
        fig.add_annotation(text=f"{value:,}", xref="paper", yref="paper", x=1, y=1,
                           xshift=centre_x, yshift=centre_y - top / 2 - font_size * 0.8,
                           showarrow=False, font={"size": font_size}, xanchor="center",
                           yanchor="middle")
    return fig


def stand_alone(fig: go.Figure, *, title: str, area_period: str, caveat: str, source: str,
                font_size: int = 16) -> go.Figure:
    """Add what a picture needs once it leaves the app: a title and the area and period
    above, the sample caveat and the source line below (all escaped: data text).

    The figure grows by the room these take, so a map keeps the size its zoom was fitted
    for; export it at ``fig.layout.height``.
    """
    top, bottom = round(font_size * 4.2), round(font_size * 3.6)
    height = int(fig.layout.height or charts.PRESENTER.height)
    margin = fig.layout.margin
    fig.update_layout(
        height=height + top + bottom,
        margin={"l": margin.l or 0, "r": margin.r or 0, "t": (margin.t or 0) + top,
                "b": (margin.b or 0) + bottom},
        title={"text": f"<b>{html.escape(title)}</b><br><span style='font-size:"
                       f"{font_size}px'>{html.escape(area_period)}</span>",
               "font": {"size": round(font_size * 1.4)}, "x": 0.01, "xanchor": "left",
               "y": 1 - 6 / (height + top + bottom), "yanchor": "top"},
    )
    fig.add_annotation(text=f"{html.escape(caveat)}<br>Source: {html.escape(source)}",
                       xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", yshift=-(margin.b or 0) - 6, showarrow=False,
                       align="left", font={"size": font_size, "color": "#222222"})
    return fig


def slide_day_map(incidents: pd.DataFrame, *, current: object,
                  look: charts.Look = charts.PRESENTER, height: int = 470,
                  online: bool | None = None) -> go.Figure:
    """Incidents up to one day of a window: that day picked out, earlier days behind it.

    One bubble per district and day (area ∝ incidents), at the district's gazetteer point:
    the day ``current`` in vermillion, earlier days in translucent blue. The caller sets
    the view (centre and zoom) for the size it draws the map at.
    """
    day = pd.Timestamp(current).normalize() if current is not None else None
    located = incidents.dropna(subset=["latitude", "longitude"])
    day_of = located["date"].dt.normalize()
    traces: list[go.Scattermap] = []
    parts = [("earlier", located[day_of < day] if day is not None else located.iloc[:0]),
             ("today", located[day_of == day] if day is not None else located)]
    top = 1.0
    groups = {}
    for name, part in parts:
        groups[name] = part.groupby(["district", "latitude", "longitude"], dropna=False).agg(
            incidents=("incident_id", "size"),
            killed=("killed", lambda s: int(s.sum(skipna=True))),
            injured=("injured", lambda s: int(s.sum(skipna=True))),
            types=("attack_type", lambda s: ", ".join(sorted(set(map(str, s))))),
        ).reset_index()
        if not groups[name].empty:
            top = max(top, float(groups[name]["incidents"].max()))
    label_day = f"{day.day} {day:%b %Y}" if day is not None else "all days"
    for name, color, opacity in (("earlier", EARLIER_COLOR, 0.45), ("today", DAY_COLOR, 0.9)):
        table = groups[name]
        if table.empty:
            continue
        n = int(table["incidents"].sum())
        legend = (f"{label_day}: {n} attack{'s' if n != 1 else ''}" if name == "today"
                  else f"Earlier days: {n}")
        hover = [
            f"<b>{html.escape(str(d))}</b> · {html.escape(legend)}<br>{k:,} "
            f"attack{'s' if k != 1 else ''}: {html.escape(t)}<br>Killed {kk:,} · injured "
            f"{ii:,} (where reported)<br>Drawn at the district's gazetteer point"
            for d, k, t, kk, ii in zip(table["district"], table["incidents"], table["types"],
                                       table["killed"], table["injured"], strict=True)
        ]
        traces.append(go.Scattermap(
            lat=table["latitude"], lon=table["longitude"], mode="markers",
            marker={"size": (14 + 30 * np.sqrt(table["incidents"] / top)).round(1),
                    "color": color, "opacity": opacity},
            customdata=[[int(v)] for v in table["incidents"]],
            name=legend, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig = go.Figure(traces)
    charts._map_layout(fig, geo.map_view(incidents["latitude"], incidents["longitude"],
                                          width=760, height=height), look, online)
    fig.update_layout(height=height, showlegend=True)
    return fig
