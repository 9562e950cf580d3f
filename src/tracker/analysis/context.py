"""Context the brief talks about: border crossings, CPEC sites, and distance to the borders.

The layers are sourced files in ``data/context/`` (each row names where its coordinates come
from); the borders are Pakistan's shared edges with Afghanistan and Iran in
``data/neighbours.geojson`` (Natural Earth admin-0). Nothing is fetched at run time.

Distances are measured in a Lambert conformal conic projection fitted to Pakistan
(:data:`PAKISTAN_LCC`, standard parallels 26° N and 35° N). Its scale error depends on
latitude only and stays under about 1 % from 24° N to 37° N across the whole width of the
country, where UTM zone 42N would stretch distances by 0.6 % or more at Taftan (61.6° E),
over 4° outside the zone. An incident located only to its district is measured from the
district's gazetteer point, so its distance is the district point's distance.
"""

from __future__ import annotations

import html
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tracker import config
from tracker.briefs import claims, model
from tracker.present.text import split_perpetrators

PAKISTAN_LCC = ("+proj=lcc +lat_0=30 +lon_0=69 +lat_1=26 +lat_2=35 +datum=WGS84 "
                "+units=m +no_defs")
"""The projected CRS for distances (metres): a Lambert conformal conic fitted to Pakistan."""

BORDERS = {"Afghanistan": "AFG", "Iran": "IRN", "China": "CHN", "India": "IND"}
ADJECTIVE = {"Afghanistan": "Afghan", "Iran": "Iranian", "China": "Chinese", "India": "Indian"}
BANDS = ((0, 25), (25, 50), (50, 100), (100, None))
"""Distance bands in km: [0, 25), [25, 50), [50, 100), 100 and over."""
NO_LOCATION = "no location"

CROSSINGS = "Border crossings"
CPEC_SITES = "CPEC sites"
CORRIDOR = "Karakoram Highway (CPEC)"
LAYER_NAMES = (CROSSINGS, CPEC_SITES, CORRIDOR)
_META = "context-layer"
_CROSSING_COLOR = "#000000"
# Okabe–Ito yellow ring round a black dot: the incident points use the other Okabe–Ito
# colours, and the black centre stays visible on the white map and the Cividis shades
_CPEC_COLOR = "#F0E442"
_CORRIDOR_COLOR = "#000000"  # thicker than the province outlines


# --- the layers ---------------------------------------------------------------------------

@cache
def crossings() -> pd.DataFrame:
    """Border crossings (``data/context/crossings.csv``): name, border, lat/lon, source."""
    return _read("crossings.csv")


@cache
def cpec_sites() -> pd.DataFrame:
    """CPEC sites and sites of attacks on Chinese nationals (``cpec_sites.csv``)."""
    return _read("cpec_sites.csv")


@cache
def corridors() -> pd.DataFrame:
    """Corridor vertices in order (``corridors.csv``): straight segments between towns."""
    return _read("corridors.csv").sort_values(["corridor", "seq"], ignore_index=True)


def _read(name: str) -> pd.DataFrame:
    frame = pd.read_csv(config.data_dir() / "context" / name, dtype={"incident_ids": str})
    return frame.fillna("")


def map_layers(look_font_size: int = 13) -> list[go.Scattermap]:
    """The context layers as named map traces, to draw on top of the incident layers.

    Crossings are black rings round a white dot, CPEC sites yellow rings round a black dot,
    the Karakoram Highway a thick dark line; each is one legend entry (a click hides it)
    and every point has hover text.
    No text labels: MapLibre would fetch their font from the internet. :func:`hide_layers`
    switches the layers off from a page control.
    """
    size = 13 if look_font_size < 18 else 18
    traces: list[go.Scattermap] = []
    lines = corridors()
    for name, part in lines.groupby("corridor", sort=False):
        traces.append(go.Scattermap(
            lat=part["lat"], lon=part["lon"], mode="lines",
            line={"width": 3.5, "color": _CORRIDOR_COLOR}, opacity=0.75,
            name=CORRIDOR, legendgroup=CORRIDOR, meta=_META, showlegend=True,
            hovertext=[f"<b>{html.escape(str(name))}</b><br>{html.escape(p)} · CPEC corridor "
                       "(drawn as straight lines between the towns it passes)"
                       for p in part["place"]],
            hovertemplate="%{hovertext}<extra></extra>",
        ))
    sites = cpec_sites()
    if not sites.empty:
        traces += _ring(sites, CPEC_SITES, (_CPEC_COLOR, "#000000"), "kind", size, legend=0)
    points = crossings()
    if not points.empty:
        traces += _ring(points, CROSSINGS, (_CROSSING_COLOR, "#FFFFFF"), "border", size,
                        legend=0)
    return traces


def _ring(table: pd.DataFrame, name: str, colors: tuple[str, str], detail: str,
          size: int, *, legend: int) -> list[go.Scattermap]:
    """Two stacked circle traces (MapLibre draws no marker outline offline): an outer
    circle and an inner one; one legend entry (trace ``legend``); the outer one hovers."""
    hover = []
    for row in table.itertuples(index=False):
        what = (f"crossing to {html.escape(row.border)}" if detail == "border"
                else html.escape(row.kind))
        source = f"{html.escape(row.coord_source)} ({html.escape(row.licence)})"
        hover.append(f"<b>{html.escape(row.name)}</b> · {what}<br>{html.escape(row.note)}"
                     f"<br>Coordinates: {source}")
    traces = []
    for n, (color, scale) in enumerate(zip(colors, (1.0, 0.55), strict=True)):
        traces.append(go.Scattermap(
            lat=table["lat"], lon=table["lon"], mode="markers",
            marker={"size": round(size * scale, 1), "color": color, "opacity": 1},
            name=name, legendgroup=name, meta=_META, showlegend=n == legend,
            text=[html.escape(v) for v in table["name"]],
            hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
            hoverinfo=None if n == 0 else "skip",
        ))
    return traces


def is_layer(trace: object) -> bool:
    """Whether a figure trace is one of the context layers."""
    return getattr(trace, "meta", None) == _META


def hide_layers(fig: go.Figure) -> go.Figure:
    """Switch the context layers off (kept in the legend, one click shows them again)."""
    fig.for_each_trace(lambda t: t.update(visible="legendonly"),
                       selector={"meta": _META})
    return fig


# --- borders and distances ----------------------------------------------------------------

@cache
def border_line(country: str):
    """Pakistan's shared edge with ``country`` (a line in :data:`PAKISTAN_LCC`, metres)."""
    if country not in BORDERS:
        raise ValueError(f"`country` was {country!r} but is expected to be one of "
                         f"{list(BORDERS)}")
    shapes = gpd.read_file(config.data_dir() / "neighbours.geojson").set_index("iso_a3")
    shapes = shapes.set_crs("EPSG:4326", allow_override=True).to_crs(PAKISTAN_LCC)
    pakistan = shapes.loc["PAK", "geometry"]
    # the outlines share their vertices (one topology), so Pakistan's edge within 50 m of
    # the neighbour is exactly the shared border
    return pakistan.boundary.intersection(shapes.loc[BORDERS[country], "geometry"].buffer(50))


def distance_km(lat: pd.Series, lon: pd.Series, country: str) -> pd.Series:
    """Distance in km from each point to Pakistan's border with ``country`` (NaN if no point).

    Computed once per distinct point (incidents share district points), then mapped back.
    """
    lat = pd.to_numeric(pd.Series(lat), errors="coerce")
    lon = pd.to_numeric(pd.Series(lon), errors="coerce").set_axis(lat.index)
    result = pd.Series(np.nan, index=lat.index, dtype=float)
    ok = lat.notna() & lon.notna()
    if not ok.any():
        return result
    pairs = pd.DataFrame({"lat": lat[ok], "lon": lon[ok]})
    unique = pairs.drop_duplicates(ignore_index=True)
    points = gpd.GeoSeries(gpd.points_from_xy(unique["lon"], unique["lat"]),
                           crs="EPSG:4326").to_crs(PAKISTAN_LCC)
    unique["km"] = points.distance(border_line(country)).to_numpy() / 1000
    merged = pairs.merge(unique, on=["lat", "lon"], how="left")
    result.loc[ok] = merged["km"].to_numpy()
    return result


def border_distances(incidents: pd.DataFrame) -> pd.DataFrame:
    """Per incident: km to the Afghan and the Iranian border, and what it was measured from.

    ``measured_from`` is the incident's ``geo_precision`` (``district`` means the district's
    gazetteer point), or ``no location``.
    """
    lat, lon = incidents["latitude"], incidents["longitude"]
    located = pd.to_numeric(lat, errors="coerce").notna() & pd.to_numeric(
        lon, errors="coerce").notna()
    return pd.DataFrame({
        "incident_id": incidents["incident_id"],
        "km_afghanistan": distance_km(lat, lon, "Afghanistan").round(1),
        "km_iran": distance_km(lat, lon, "Iran").round(1),
        "measured_from": incidents["geo_precision"].where(located, NO_LOCATION),
    }, index=incidents.index)


def band_label(low: float, high: float | None) -> str:
    return f"over {low:g} km" if high is None else f"{low:g}–{high:g} km"


def distance_bands(incidents: pd.DataFrame, country: str = "Afghanistan") -> pd.DataFrame:
    """Incidents by distance band to the border with ``country``: counts and shares.

    One row per band of :data:`BANDS` (every band listed, also when empty) and a
    ``no location`` row when some incidents have no point, so the counts always sum to the
    incidents given. ``share`` is of all incidents given.
    """
    km = distance_km(incidents["latitude"], incidents["longitude"], country)
    rows = []
    for low, high in BANDS:
        inside = (km >= low) & (km < high) if high is not None else km >= low
        rows.append({"band": band_label(low, high), "incidents": int(inside.sum())})
    missing = int(km.isna().sum())
    if missing:
        rows.append({"band": NO_LOCATION, "incidents": missing})
    table = pd.DataFrame(rows, columns=["band", "incidents"])
    total = len(incidents)
    table["share"] = table["incidents"] / total if total else 0.0
    return table


def precision_note(incidents: pd.DataFrame) -> str:
    """How the distances were measured, in words, for the incidents in view."""
    counts = incidents["geo_precision"].value_counts()
    parts = [f"{n:,} located to the {p}" for p, n in counts.items()]
    return ("Distances in km to Pakistan's border (Natural Earth 1:10m, de facto lines), "
            "measured in a Lambert conformal projection fitted to Pakistan. "
            f"Incidents in view: {', '.join(parts) or 'none'}. An incident known only to its "
            "district is measured from the district's gazetteer point, not where it "
            "happened, so a band can be off by the district's size.")


def bands_figure(table: pd.DataFrame, country: str, *, height: int = 260) -> go.Figure:
    """Horizontal bars of incidents per distance band, with counts and shares as labels."""
    shown = table[table["band"] != NO_LOCATION]
    fig = go.Figure(go.Bar(
        y=shown["band"], x=shown["incidents"], orientation="h", marker_color="#0072B2",
        text=[f"{n:,} ({s:.0%})" for n, s in zip(shown["incidents"], shown["share"],
                                                 strict=True)],
        textposition="auto", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} incidents<extra></extra>",
    ))
    fig.update_layout(
        template="plotly_white", height=height,
        margin={"l": 10, "r": 30, "t": 40, "b": 40},
        title={"text": f"Attacks by distance to the {ADJECTIVE[country]} border (km)",
               "font": {"size": 15}, "x": 0.01, "xanchor": "left"},
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 13, "color": "#111111"},
        xaxis={"title": {"text": "incidents"}, "rangemode": "tozero"},
        yaxis={"autorange": "reversed"},
    )
    return fig


# --- the brief's border takeaways and a checkable claim ------------------------------------

BORDER_THEMES = {"Afghanistan": "Afghanistan/TTP", "Iran": "Iran border"}


def check_near_border(incidents: pd.DataFrame, *, perpetrators: tuple[str, ...] = ("TTP",),
                      country: str = "Afghanistan", within_km: float = 50,
                      threshold: float = 0.5) -> claims.ClaimCheck:
    """Check "most attacks attributed to ``perpetrators`` in this view fell within
    ``within_km`` of the border with ``country``" on the incidents given.

    Incidents without a point are left out of the share (and counted in the text). Fewer
    than :data:`tracker.briefs.model.MIN_TO_JUDGE` located attributed incidents is too little
    to judge.
    """
    names = set(perpetrators)
    attributed = incidents["perpetrator"].map(
        lambda v: bool(names.intersection(split_perpetrators(v))))
    subset = incidents[attributed.to_numpy(dtype=bool)]
    km = distance_km(subset["latitude"], subset["longitude"], country)
    located = int(km.notna().sum())
    near = int((km < within_km).sum())
    share = near / located if located else None
    who = ", ".join(perpetrators)
    cited = (f"Checked: most {who}-attributed attacks in this view fell within "
             f"{within_km:g} km of the {ADJECTIVE[country]} border.")
    missing = len(subset) - located
    if located:
        observed = (f"{near:,} of {located:,} located {who}-attributed incidents "
                    f"({share:.0%}) lie within {within_km:g} km; the claim needs more than "
                    f"{threshold:.0%}. District-located incidents are measured from the "
                    "district point.")
    else:
        observed = f"This view holds no located incidents attributed to {who}."
    if missing:
        observed += f" {missing:,} without a location are left out."
    if located < model.MIN_TO_JUDGE:
        verdict = claims.TOO_THIN
    elif share is not None and share > threshold:
        verdict = claims.CONSISTENT
    else:
        verdict = claims.NOT_SHOWN
    return claims.ClaimCheck(cited, observed, verdict, {
        "incidents": len(subset), "located": located, "within": near,
        "share": None if share is None else round(share, 4), "within_km": within_km,
        "threshold": threshold,
    })
