"""plotly figure builders: tidy frame in, figure out; no Streamlit, nothing fetched online.

Two looks: ``DESK`` for the dashboard and ``PRESENTER`` for screen sharing (larger type,
higher contrast). Colours come from the Okabe–Ito palette, which stays distinguishable for
the common forms of colour blindness.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tracker import config, geo, schema
from tracker.analysis import aggregates, context
from tracker.present import map_labels, shapes, wording

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
            # category names are data text: plotly reads <a>, <b>… in tick labels
            y=data[column].astype(str).map(lambda v: html.escape(v, quote=False)),
            orientation="h",
            marker_color=OKABE_ITO[0],
            text=data[measure],
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_xaxes(title=measure.replace("_", " "))
    return style(fig, look, title)


# --- maps and timelines ------------------------------------------------------------------
# Maps are plotly's MapLibre maps on a blank style (plotly's "white-bg" without its font
# server, see map_labels.OFFLINE_STYLE): nothing is fetched at run time. Every map gets an
# explicit centre and zoom and the province outlines as a line layer.

MEASURE_LABELS: dict[str, str] = {
    "incidents": "Incidents",
    "killed": "Killed",
    "injured": "Injured",
    "casualties": "Killed + injured",
    "incidents_per_million": "Incidents per million inhabitants",
    "killed_per_million": "Killed per million inhabitants",
    "injured_per_million": "Injured per million inhabitants",
    "casualties_per_million": "Killed + injured per million inhabitants",
}
"""What a map or chart can measure (URL value → label)."""

COLOR_BY: dict[str, str] = {"attack_type": "Attack type", "perpetrator": "Perpetrator"}
"""What incident points can be coloured by (URL value → label)."""

SIZE_BY: dict[str, str] = {"incidents": "Incidents", "casualties": "Killed + injured"}
"""What district bubbles can be sized by (URL value → label)."""

FREQ_LABELS: dict[str, str] = {"day": "Day", "week": "Week", "month": "Month"}

POINT_LIMIT = 2_000
"""Above this many incidents a map draws district bubbles instead of one point each.

Each point carries its hover text (~450 bytes with the JSON around it), so 2,000 points
make a figure of about 0.9 MB; beyond that the page gets slow to send and draw. The
bubbles keep the figure near 70 kB however many rows there are.
"""

MAP_WIDTH_PX = 480
"""Typical width of a map panel beside its table at 1280 px, for fitting the zoom."""

LEGEND_PX = 100
"""Room under a map for a legend of up to about ten entries in three rows."""

OUTLINE_COLOR = "#3A3A3A"
FOCUS_FILL = "#EDEDED"
"""Light grey fill that marks the province a province page is about."""
PRECISE = ("exact", "town")
"""Geo precisions drawn as precise points; the others are drawn as approximate."""

PROVINCE_COLORS: dict[str, str] = {
    "Balochistan": OKABE_ITO[5],
    "Khyber Pakhtunkhwa": OKABE_ITO[0],
    "Punjab": OKABE_ITO[2],
    "Sindh": OKABE_ITO[1],
    "Islamabad Capital Territory": OKABE_ITO[3],
    "Gilgit-Baltistan": OKABE_ITO[4],
    "Azad Jammu and Kashmir": OKABE_ITO[7],
}
"""One fixed colour per province, so a province keeps its colour from chart to chart."""

_POINT_COLORS = (*OKABE_ITO[:6], OKABE_ITO[7])  # yellow left out: it vanishes on Cividis
_OTHER_COLOR = "#767676"  # a grey that stays visible on the shaded provinces
_BUBBLE_COLOR = OKABE_ITO[5]


def province_map(incidents: pd.DataFrame, *, measure: str = "incidents",
                 color_by: str = "attack_type", provinces: tuple[str, ...] = (),
                 look: Look = DESK, point_limit: int = POINT_LIMIT,
                 online: bool | None = None, context_layers: bool = False,
                 published: pd.DataFrame | None = None) -> go.Figure:
    """Province choropleth of ``measure`` with the incidents as points on top.

    ``context_layers`` adds the border crossings, CPEC sites and the Karakoram Highway
    (:func:`tracker.analysis.context.map_layers`) on top. ``published``
    (:func:`tracker.analysis.coverage.province_totals`) shades the provinces by the attacks their
    publisher counted instead (the "published totals" lens).

    Parameters
    ----------
    incidents : pandas.DataFrame
        Canonical incidents (already filtered).
    measure : str
        A key of :data:`MEASURE_LABELS`; rates use :func:`tracker.analysis.aggregates.per_million`.
    color_by : str
        ``attack_type`` or ``perpetrator``: what colours the points.
    provinces : tuple of str
        The provinces in view (all seven when empty): only these are filled and the view
        is fitted to them.
    point_limit : int
        Above this many located incidents, points become district bubbles
        (see :func:`incident_layer_note`).
    online : bool, optional
        Draw an online basemap under the map; default from ``TRACKER_ONLINE_BASEMAP``.
    """
    _check_choice("measure", measure, MEASURE_LABELS)
    _check_choice("color_by", color_by, COLOR_BY)
    shown = tuple(provinces) or tuple(schema.PROVINCES)
    counts = aggregates.per_million(aggregates.count_by_province(incidents))
    counts = counts[counts["province"].isin(shown)]
    fig = go.Figure(_province_fill(counts, measure) if published is None
                    else _published_fill(published))
    fig.add_traces(incident_layer(incidents, color_by=color_by, point_limit=point_limit))
    if context_layers:
        fig.add_traces(context.map_layers(look.font_size))
    _map_layout(fig, _fit(*shapes.bounds_points(shown), look), look, online)
    return map_labels.add_place_names(fig, incidents, width_px=MAP_WIDTH_PX,
                                      height_px=look.height)


def district_map(incidents: pd.DataFrame, *, province: str | None = None,
                 size_by: str = "incidents", district_shapes: dict | None = None,
                 look: Look = DESK, online: bool | None = None,
                 context_layers: bool = False) -> go.Figure:
    """Districts as bubbles at their gazetteer points, or a district choropleth.

    ``context_layers`` adds crossings, CPEC sites and the Karakoram Highway on top.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Canonical incidents (already filtered).
    province : str, optional
        Fit the view to this province (else to the districts shown).
    size_by : str
        ``incidents`` or ``casualties``: what sizes the bubbles (or colours the polygons).
    district_shapes : dict, optional
        District polygons from :func:`tracker.present.shapes.district_shapes`. When given, districts
        with a polygon are drawn as a choropleth and only the rest stay bubbles.
    """
    _check_choice("size_by", size_by, SIZE_BY)
    counts = aggregates.count_by_district(incidents)
    if province is not None:
        counts = counts[counts["province"] == province]
    traces: list[go.BaseTraceType] = []
    polygon = shapes.polygon_of_district(district_shapes)
    in_polygon = counts["district"].isin(list(polygon))
    if district_shapes and in_polygon.any():
        traces.append(_district_fill(counts[in_polygon], polygon, district_shapes, size_by))
        counts = counts[~in_polygon]
    located = counts.dropna(subset=["lat", "lon"])
    if not located.empty:
        traces.append(district_bubbles(located, size_by=size_by))
    if context_layers:
        traces += context.map_layers(look.font_size)  # on top of the bubbles
    fig = go.Figure(traces)
    if province is not None:
        view = _fit(*shapes.bounds_points((province,)), look)
    else:
        view = _fit(located["lat"], located["lon"], look)
    _map_layout(fig, view, look, online, focus=province)
    return map_labels.add_place_names(fig, incidents, width_px=MAP_WIDTH_PX,
                                      height_px=look.height)


def incident_layer(incidents: pd.DataFrame, *, color_by: str = "attack_type",
                   point_limit: int = POINT_LIMIT) -> list[go.Scattermap]:
    """The incidents as map traces: points, or district bubbles beyond ``point_limit``.

    Points are sized by killed + injured and coloured by ``color_by`` (the largest groups
    get a colour each, the rest share grey). Incidents located only to a district or a
    province are drawn translucent with a small dark dot at the centre point they are
    drawn at, and their hover says so.
    """
    located = incidents.dropna(subset=["latitude", "longitude"])
    if located.empty:
        return []
    if len(located) > point_limit:
        bubbles = aggregates.count_by_district(located).dropna(subset=["lat", "lon"])
        return [district_bubbles(bubbles, size_by="incidents", showlegend=True)]
    categories = _categories(located[color_by], color_by)
    casualties = (located["killed"].fillna(0) + located["injured"].fillna(0)).astype(float)
    top = max(float(casualties.max()), 1.0)
    sizes = 9 + 21 * np.sqrt(casualties / top)
    hover = incident_hover(located)
    precise = located["geo_precision"].isin(PRECISE)
    traces: list[go.Scattermap] = []
    for label, color in _category_colors(categories).items():
        # a group's name is data text (uploads may name any group): plotly reads <a>, <b>…
        # in legend entries, so it is escaped like every hover
        name = html.escape(label, quote=False)
        for is_precise in (True, False):
            mask = (categories == label) & (precise == is_precise)
            if not mask.any():
                continue
            traces.append(go.Scattermap(
                lat=located.loc[mask, "latitude"], lon=located.loc[mask, "longitude"],
                mode="markers",
                marker={"size": sizes[mask].round(1), "color": color,
                        "opacity": 0.9 if is_precise else 0.6},
                name=name, legendgroup=name,
                showlegend=not any(t.legendgroup == name for t in traces),
                hovertext=hover[mask], hovertemplate="%{hovertext}<extra></extra>",
            ))
    approximate = located.loc[~precise, ["latitude", "longitude"]].drop_duplicates()
    if not approximate.empty:
        areas = " or ".join(level for level in ("district", "province")
                            if (located.loc[~precise, "geo_precision"] == level).any())
        traces.append(go.Scattermap(
            lat=approximate["latitude"], lon=approximate["longitude"], mode="markers",
            marker={"size": 4, "color": "#111111"}, hoverinfo="skip",
            name=f"dot: {areas or 'area'} centre (place not exact)",
        ))
    return traces


def incident_layer_note(incidents: pd.DataFrame, point_limit: int = POINT_LIMIT) -> str | None:
    """What the map's incident layer leaves out or approximates, in words (None if nothing)."""
    located = incidents.dropna(subset=["latitude", "longitude"])
    notes = []
    if len(located) > point_limit:
        notes.append(
            f"{len(located):,} incidents are more than the map draws one by one "
            f"({point_limit:,}), so they are summed into district bubbles."
        )
    elif (~located["geo_precision"].isin(PRECISE)).any():
        notes.append(
            "Translucent circles with a dark dot: incidents known only to their district "
            "(or province), drawn at its centre point, not where they happened."
        )
    missing = len(incidents) - len(located)
    if missing:
        notes.append(f"{missing:,} incidents without a location are not on the map.")
    return " ".join(notes) or None


def incident_hover(incidents: pd.DataFrame) -> pd.Series:
    """Hover text for each incident; every piece of data text is HTML-escaped."""
    shared = incidents.groupby(["latitude", "longitude"])["incident_id"].transform("size")
    lines = []
    for row, n_shared in zip(incidents.itertuples(index=False), shared, strict=True):
        place = ", ".join(html.escape(str(v)) for v in (row.location, row.district,
                                                         row.province) if _present(v))
        claimed = {"claimed": " (claimed)", "attributed": " (attributed)"}.get(row.claimed, "")
        text = [
            f"<b>{row.date.day} {row.date:%b %Y}</b> · {place}",
            f"{html.escape(str(row.attack_type))} · target: {html.escape(str(row.target))}",
            f"Perpetrator: {html.escape(str(row.perpetrator))}{claimed}",
            f"Killed: {_count(row.killed)} · injured: {_count(row.injured)}",
        ]
        if _present(row.killed_claimed):
            text.append(f"Perpetrator claimed {int(row.killed_claimed):,} killed (not counted)")
        if row.geo_precision not in PRECISE:
            text.append(f"Located to the {html.escape(str(row.geo_precision))} only, "
                        "drawn at its centre")
            if n_shared > 1:
                text.append(f"{n_shared} incidents in view share this point")
        text.append(f"Source: {html.escape(str(row.source_name))}")
        lines.append("<br>".join(text))
    return pd.Series(lines, index=incidents.index, dtype=object)


def district_bubbles(counts: pd.DataFrame, *, size_by: str = "incidents",
                     showlegend: bool = False) -> go.Scattermap:
    """Bubbles at district points (``count_by_district`` rows), area ∝ ``size_by``."""
    values = counts[size_by].astype(float)
    top = max(float(values.max()), 1.0)
    hover = [
        f"<b>{html.escape(str(d))}</b> ({html.escape(str(p))})<br>Incidents: {n:,}<br>"
        f"Killed: {k:,} · injured: {i:,}<br>Drawn at the district's gazetteer point"
        for d, p, n, k, i in zip(counts["district"], counts["province"], counts["incidents"],
                                 counts["killed"], counts["injured"], strict=True)
    ]
    return go.Scattermap(
        lat=counts["lat"], lon=counts["lon"], mode="markers",
        marker={"size": (8 + 32 * np.sqrt(values / top)).round(1), "color": _BUBBLE_COLOR,
                "opacity": 0.65},
        customdata=[[int(v)] for v in counts[size_by]],
        name=f"District bubbles: {SIZE_BY[size_by].lower()}",
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", showlegend=showlegend,
    )


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
    # a d3 format for the hover template below, read by the browser (not Python's strftime)
    fmt = {"day": "%-d %b %Y", "week": "week of %-d %b %Y", "month": "%B %Y"}[freq]  # d3 format
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
            marker_color=color,
            hovertemplate=f"%{{x|{fmt}}}: %{{y:,}} {html.escape(label.lower())}"
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
    from tracker.analysis import coverage  # local: charts stays importable without the CSV
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


def breakdown_chart(incidents: pd.DataFrame, column: str, *, measure: str = "incidents",
                    look: Look = DESK, title: str | None = None, top: int = 10) -> go.Figure:
    """Bars of ``measure`` per attack type, target or perpetrator (largest on top)."""
    base = measure.removesuffix("_per_million")
    counts = aggregates.count_by(incidents, column)
    fig = bar_counts(counts, column, base, look=look, title=title, top=top)
    fig.update_xaxes(title=MEASURE_LABELS[base])
    fig.update_layout(height=min(look.height, 120 + 28 * min(len(counts), top)))
    return fig


def _province_fill(counts: pd.DataFrame, measure: str) -> go.Choroplethmap:
    label = MEASURE_LABELS[measure]
    is_rate = measure.endswith("_per_million")
    value_format = "%{z:,.2f}" if is_rate else "%{z:,}"
    names = counts["province"].map(html.escape)
    extra = ("<br>Population: %{customdata[1]:,} (%{customdata[2]} census)" if is_rate else "")
    return go.Choroplethmap(
        geojson=shapes.province_outlines(), featureidkey="properties.iso_3166_2",
        locations=counts["iso_3166_2"], z=counts[measure],
        customdata=[[name, int(pop), census] for name, pop, census in zip(
            names, counts["population"].fillna(0), counts["census"].fillna(""), strict=True)],
        colorscale=SEQUENTIAL, reversescale=True, zmin=0,
        zmax=max(float(counts[measure].max(skipna=True) or 0), 1e-9),  # the scale starts at 0
        marker={"opacity": 0.4, "line": {"width": 0}},
        colorbar={"title": {"text": label.replace(" per ", "<br>per "), "side": "top",
                            "font": {"size": 11}},
                  "thickness": 10, "len": 0.4, "x": 0.99, "xanchor": "right", "y": 0.02,
                  "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)",
                  "tickfont": {"size": 10}},
        hovertemplate=f"<b>%{{customdata[0]}}</b><br>{html.escape(label)}: {value_format}"
                      f"{extra}<extra></extra>",
        name=label, showlegend=False,
    )


def _published_fill(totals: pd.DataFrame) -> go.Choroplethmap:
    """Provinces shaded by the attacks a publisher counted (never summed across publishers:
    each province names its own)."""
    hover = [f"<b>{html.escape(p)}</b><br>{html.escape(pub)} published {n:,} attacks"
             f"<br>This dataset holds {d:,}" + (f" ({d / n:.0%})" if n else "")
             for p, pub, n, d in zip(totals["province"], totals["publisher"],
                                     totals["published"], totals["dataset"], strict=True)]
    return go.Choroplethmap(
        geojson=shapes.province_outlines(), featureidkey="properties.iso_3166_2",
        locations=totals["province"].map(schema.PROVINCES), z=totals["published"],
        colorscale=SEQUENTIAL, reversescale=True, zmin=0,
        zmax=max(float(totals["published"].max() or 0), 1e-9),
        marker={"opacity": 0.4, "line": {"width": 0}},
        colorbar={"title": {"text": "Attacks<br>published", "side": "top",
                            "font": {"size": 11}},
                  "thickness": 10, "len": 0.4, "x": 0.99, "xanchor": "right", "y": 0.02,
                  "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.8)",
                  "tickfont": {"size": 10}},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        name="Attacks published", showlegend=False,
    )


def _district_fill(counts: pd.DataFrame, polygon: dict[str, str], district_shapes: dict,
                   size_by: str) -> go.Choroplethmap:
    by_polygon = counts.assign(polygon=counts["district"].map(polygon)).groupby("polygon").agg(
        incidents=("incidents", "sum"), killed=("killed", "sum"), injured=("injured", "sum"),
        casualties=("casualties", "sum"),
        districts=("district", lambda s: ", ".join(sorted(s))),
    ).reset_index()
    names = [f["properties"]["district"] for f in district_shapes["features"]]
    table = by_polygon.set_index("polygon").reindex(names, fill_value=0).reset_index(
        names="polygon")
    table["districts"] = table["districts"].replace(0, "")
    hover = [
        f"<b>{html.escape(p)}</b>" + (f" (incl. {html.escape(d)})" if d and d != p else "")
        + f"<br>Incidents: {n:,}<br>Killed: {k:,} · injured: {i:,}"
        for p, d, n, k, i in zip(table["polygon"], table["districts"], table["incidents"],
                                 table["killed"], table["injured"], strict=True)
    ]
    return go.Choroplethmap(
        geojson=district_shapes, featureidkey="properties.district",
        locations=table["polygon"], z=table[size_by], colorscale=SEQUENTIAL,
        reversescale=True, zmin=0, zmax=max(float(table[size_by].max()), 1.0),
        marker={"opacity": 0.7, "line": {"width": 0.5, "color": "#777777"}},
        colorbar={"title": {"text": SIZE_BY[size_by], "side": "top"}, "thickness": 12,
                  "len": 0.5, "x": 0.99, "xanchor": "right"},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        name="Districts", showlegend=False,
    )


def _map_layout(fig: go.Figure, view: dict, look: Look, online: bool | None,
                focus: str | None = None) -> go.Figure:
    """Blank (offline) map style, fitted view, province outlines; ``focus`` gets a fill."""
    style(fig, look)
    online = config.online_basemap() if online is None else online
    outlines = shapes.province_outlines()
    layers = [{"source": outlines, "type": "line", "below": "traces",
               "color": OUTLINE_COLOR, "line": {"width": 1.2}}]
    if focus is not None:
        shape = {"type": "FeatureCollection", "features": [
            f for f in outlines["features"] if f["properties"]["province"] == focus]}
        layers.insert(0, {"source": shape, "type": "fill", "below": "traces",
                          "color": FOCUS_FILL})
    fig.update_layout(
        map={
            "style": "carto-positron" if online else map_labels.OFFLINE_STYLE,
            "center": view["center"],
            "zoom": view["zoom"],
            "layers": layers,
        },
        legend={"orientation": "h", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
                "font": {"size": look.font_size - 2}, "itemwidth": 30},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    if any(trace.showlegend for trace in fig.data):
        fig.update_layout(height=look.height + LEGEND_PX)  # the map keeps its fitted height
    return fig


def _fit(lat: pd.Series, lon: pd.Series, look: Look) -> dict:
    """Centre and zoom from :func:`tracker.geo.fit_view`, told the map's true height.

    ``fit_view`` treats a degree of latitude as 1/180 of a tile, half what MapLibre's Web
    Mercator draws near 30° N (about 1.15/360). Passing the height scaled by that ratio
    (2·cos φ) lets it fit the latitude span to the panel instead of to half of it.
    """
    lat = pd.to_numeric(pd.Series(lat), errors="coerce").dropna()
    middle = float((lat.min() + lat.max()) / 2) if not lat.empty else 30.4
    stretch = 2 * np.cos(np.radians(middle))
    return geo.fit_view(lat, lon, width_px=MAP_WIDTH_PX, height_px=int(look.height * stretch))


def _categories(values: pd.Series, color_by: str, n: int = len(_POINT_COLORS)) -> pd.Series:
    """Each value, or "other …" beyond the ``n`` most frequent (Unknown is kept as is)."""
    values = values.fillna(schema.UNKNOWN_PERPETRATOR).astype(str)
    ranked = [v for v in values.value_counts().index if v != schema.UNKNOWN_PERPETRATOR]
    keep = set(ranked[:n])
    other = "other groups" if color_by == "perpetrator" else "other types"
    return values.where(values.isin(keep) | (values == schema.UNKNOWN_PERPETRATOR), other)


def _category_colors(categories: pd.Series) -> dict[str, str]:
    order = [v for v in categories.value_counts().index
             if v not in (schema.UNKNOWN_PERPETRATOR, "other groups", "other types")]
    colors = dict(zip(order, _POINT_COLORS, strict=False))
    for rest in ("other groups", "other types", schema.UNKNOWN_PERPETRATOR):
        if (categories == rest).any():
            colors[rest] = _OTHER_COLOR
    return colors


def _group_order(values: pd.Series, by: str) -> list[str]:
    present = set(values.dropna())
    if by == "province":
        return [p for p in schema.PROVINCES if p in present]
    return sorted(present)


def _empty_figure(message: str, look: Look) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=html.escape(message), showarrow=False, x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, look)


def _check_choice(name: str, value: str, allowed: dict[str, str]) -> None:
    if value not in allowed:
        raise ValueError(f"`{name}` was {value!r} but is expected to be one of {list(allowed)}")


def _present(value: object) -> bool:
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and np.isnan(value)) and str(value).strip() != ""


def _count(value: object) -> str:
    return f"{int(value):,}" if _present(value) else "not reported"


# --- surges and coverage ------------------------------------------------------------------

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
    if measure == "incidents" and not windows.empty and window_label != "24 h":
        fig.add_trace(go.Scatter(
            x=windows["window_end"], y=windows["incidents"], mode="lines",
            name=f"Attacks in the {window_label} ending that day",
            line={"color": OKABE_ITO[2], "width": 1}, opacity=0.7,
            hovertemplate=f"%{{x|%-d %b %Y}}: %{{y}} attacks in the {window_label} "
                          "to this day<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=windows["window_end"], y=windows["expected"], mode="lines",
            name=f"Expected from the previous {baseline_weeks} weeks",
            line={"color": OKABE_ITO[8], "width": 1.5, "dash": "dash"},
            hovertemplate="%{x|%-d %b %Y}: %{y:.1f} expected<extra></extra>",
        ))
    if measure == "killed" and show_claims:
        claims = daily.loc[daily["killed_claimed"] > 0]
        fig.add_trace(go.Scatter(
            x=claims["date"], y=claims["killed_claimed"], mode="markers",
            name="Killed as claimed by perpetrators (not in totals)",
            marker={"color": CLAIM_COLOR, "symbol": "diamond-open", "size": 11,
                    "line": {"width": 2}},
            hovertemplate="%{x|%-d %b %Y}: perpetrators claimed %{y:,} killed "
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
    text = (f"<b>{row.date.day} {row.date:%b %Y}</b><br>{row.incidents:,} attacks · killed "
            f"{row.killed:,} · injured {row.injured:,}")
    if row.killed_claimed:
        text += f"<br>Perpetrators claimed {row.killed_claimed:,} killed (not counted)"
    return text


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
    hover = [f"<b>{html.escape(str(p.label))}</b> ({p.date.day} {p.date:%b %Y})<br>"
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


# --- presenter slides ---------------------------------------------------------------------
# Figures only the briefing slides use; the slides reuse the maps and bars above where
# they fit and refit each map's centre and zoom to the size it is drawn or exported at.

DAY_COLOR = OKABE_ITO[5]
EARLIER_COLOR = OKABE_ITO[0]


def slide_day_map(incidents: pd.DataFrame, *, current: object, look: Look = PRESENTER,
                  height: int = 470, online: bool | None = None) -> go.Figure:
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
            name=legend, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        ))
    fig = go.Figure(traces)
    _map_layout(fig, geo.fit_view(incidents["latitude"], incidents["longitude"]), look, online)
    fig.update_layout(height=height, showlegend=True)
    return fig
