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
from tracker.analysis import aggregates, context, coverage
from tracker.ingest import places
from tracker.present import charts, map_labels, shapes
from tracker.present.deck import FIGURE_KINDS, Slide, step_frame
from tracker.present.text import day_label
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
    if slide.spec.start and slide.spec.end and (slide.spec.end - slide.spec.start).days < 400:
        fig.update_xaxes(dtick="M1", tickformat="%b<br>%Y")  # one tick per month
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
    add_size_key(fig, font_size=max(size - 2, 14))  # on screen too: 20 px in slide type




def headline_figure(frame: pd.DataFrame, *, look: charts.Look = charts.PRESENTER
                    ) -> go.Figure:
    """The headline numbers as large figures: attacks, killed, injured, districts."""
    head = aggregates.headline(frame)
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
    """A key to the bubble sizes in the map's top-left corner (over the neighbouring country,
    where no bubble is drawn; the colour bar keeps the right): three circles drawn at the
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
    width = max(step * len(chosen) + 16, len(KEY_TITLE) * 0.6 * font_size + 16)
    fig.add_shape(type="rect", xref="paper", yref="paper", xanchor=0, yanchor=1,
                  xsizemode="pixel", ysizemode="pixel", x0=4, x1=width + 4,
                  y0=-(top + font_size * 2 + 30), y1=-4, fillcolor="rgba(255,255,255,0.9)",
                  line={"color": "#777777", "width": 1})
    fig.add_annotation(text=KEY_TITLE, xref="paper", yref="paper", x=0, y=1,
                       xshift=width / 2 + 4, yshift=-12, showarrow=False,
                       font={"size": font_size}, xanchor="center", yanchor="middle")
    for i, value in enumerate(chosen):
        d = pairs[value]
        pad = (width - step * len(chosen)) / 2
        centre_x = 4 + pad + step * i + step / 2
        centre_y = -(font_size + 14 + top / 2)
        fig.add_shape(type="circle", xref="paper", yref="paper", xanchor=0, yanchor=1,
                      xsizemode="pixel", ysizemode="pixel", x0=centre_x - d / 2,
                      x1=centre_x + d / 2, y0=centre_y - d / 2, y1=centre_y + d / 2,
                      fillcolor="rgba(213,94,0,0.65)", line={"width": 0})
        fig.add_annotation(text=f"{value:,}", xref="paper", yref="paper", x=0, y=1,
                           xshift=centre_x, yshift=centre_y - top / 2 - font_size * 0.8,
                           showarrow=False, font={"size": font_size}, xanchor="center",
                           yanchor="middle")
    return fig


def stand_alone(fig: go.Figure, *, title: str, area_period: str, caveat: str, source: str,
                font_size: int = 16) -> go.Figure:
    """Add what a picture needs once it leaves the app: a title and the area and period
    above, the sample caveat and the source line below (all escaped: data text).

    The figure grows by the room these take, so a map keeps the size its zoom was fitted
    for; export it at ``fig.layout.height``. Legends and axis labels keep their room: the
    title sits above them, the caption below them (placed in pixels from the plot).
    """
    height = int(fig.layout.height or charts.PRESENTER.height)
    width = int(fig.layout.width or 760)
    named = _wrap(title, width, round(font_size * 1.25), bold=True)
    heading = [*named, *_wrap(area_period, width, round(font_size * 1.25))]
    footing = _wrap(caveat, width, font_size) + _wrap(f"Source: {source}", width, font_size)
    top = round(font_size * 1.25 * 1.3 * len(heading) + 10)
    caption = round(font_size * 1.3 * len(footing) + 8)
    margin = fig.layout.margin
    t_old, b_old = margin.t or 0, margin.b or 0
    left = max(margin.l or 0, _left_px(fig))
    legend = _legend_px(fig, width) if _legend_shown(fig) else 0
    y = fig.layout.legend.y
    above = legend if y is not None and y >= 1 else 0
    below = legend if y is not None and y <= 0 else 0
    axis = _axis_px(fig)
    fig.update_layout(
        height=height + top + caption,
        margin={"l": left, "r": max(margin.r or 0, 20), "t": max(t_old, above) + top,
                "b": b_old + below + axis + caption, "autoexpand": False},
        title=None,
    )
    lines = [f"<b>{html.escape(line)}</b>" if i < len(named) else html.escape(line)
             for i, line in enumerate(heading)]
    fig.add_annotation(
        text="<br>".join(lines), xref="paper", yref="paper", x=0, y=1, xanchor="left",
        yanchor="bottom", xshift=-left + 8, yshift=max(t_old, above) + 4, showarrow=False,
        align="left", font={"size": round(font_size * 1.25)})
    fig.add_annotation(
        text="<br>".join(html.escape(line) for line in footing), xref="paper", yref="paper",
        x=0, y=0, xanchor="left", yanchor="top", xshift=-left + 8,
        yshift=-(b_old + below + axis), showarrow=False, align="left",
        font={"size": font_size, "color": "#222222"})
    return fig


def _wrap(text: str, width: int, size: int, *, bold: bool = False) -> list[str]:
    """Lines of ``text`` that fit ``width`` pixels at ``size`` (a width estimate)."""
    per = max(int((width - 24) / (size * (0.64 if bold else 0.58))), 10)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _left_px(fig: go.Figure) -> int:
    """Room for the y axis' labels and title at the left of a chart (0 for maps)."""
    size = fig.layout.font.size or 14
    bars = [t for t in fig.data if t.type == "bar" and t.orientation == "h"]
    if bars:
        labels = [v for t in bars for v in (t.y if t.y is not None else ())]
        longest = max((len(str(v)) for v in labels), default=4)
        return round(longest * 0.6 * size + 16)
    if any(t.type in ("bar", "scatter") for t in fig.data):
        return round(size * 4.5)
    return 0


def _legend_shown(fig: go.Figure) -> bool:
    return fig.layout.showlegend is not False and any(
        t.showlegend is not False and t.name for t in fig.data
        if t.type not in ("choroplethmap", "indicator"))


def _axis_px(fig: go.Figure) -> int:
    """Room for the x axis' tick labels and title under a chart (0 for maps and numbers)."""
    if not any(t.type in ("bar", "scatter") for t in fig.data):
        return 0
    size = fig.layout.font.size or 14
    dated = any(t.type == "bar" and t.orientation != "h" for t in fig.data)
    lines = 2 if dated else 1  # date ticks carry the year on a second line
    titled = bool(fig.layout.xaxis.title.text)
    return round(size * 1.35 * lines + (size * 1.6 if titled else 0) + 10)


def _legend_px(fig: go.Figure, width: int) -> int:
    """Rough height of a horizontal legend under the plot (entries wrap into rows)."""
    size = fig.layout.legend.font.size or fig.layout.font.size or 14
    names = [t.name for t in fig.data if t.showlegend is not False and t.name
             and t.type not in ("choroplethmap", "indicator")]
    names = list(dict.fromkeys(names))
    needed = sum(len(n) * 0.58 * size + 46 for n in names)
    if needed <= width:
        rows = 1
    elif (fig.layout.legend.y or 0) >= 1:  # the timelines' legend: an entry a row then
        rows = len(names)
    else:  # entries wrap into columns about as wide as the average entry
        per_row = max(int(width // (needed / len(names))), 1)
        rows = -(-len(names) // per_row)
    return round(rows * max(size * 1.75, 29) + 6)  # a row holds the larger symbols too


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
    label_day = day_label(day) if day is not None else "all days"
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
