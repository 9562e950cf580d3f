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
from tracker.present import map_labels, shapes
from tracker.present.text import day_label

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
            f"<b>{day_label(row.date)}</b> · {place}",
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
    """Centre and zoom for a dashboard map panel (:func:`tracker.geo.map_view`)."""
    return geo.map_view(lat, lon, width=MAP_WIDTH_PX, height=look.height, fill=0.8)


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
