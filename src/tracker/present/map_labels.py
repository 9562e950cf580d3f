"""Place names on the maps: the districts with the most incidents in view, and the
neighbouring countries, so that takeaways about borders can be read against the map.

:func:`add_place_names` is applied by every map builder (``tracker.present.charts`` for the
dashboard, ``tracker.present.slides`` for presenter slides and exported decks) once the map's
centre and zoom are known. It works out where each label falls in pixels at the size the
map is drawn and leaves out a label that would overlap one already placed, so the busiest
districts are named first and names never print over each other.

Country outlines come from ``data/neighbours.geojson`` (Natural Earth admin-0, public
domain); a country's label sits at a representative point of the part of it in view. The
text is drawn by MapLibre with the browser's own fonts (see :data:`OFFLINE_STYLE`): no
glyphs or tiles are fetched.
"""

from __future__ import annotations

import json
import math
from functools import cache

import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import box, shape

from tracker import config
from tracker.analysis import aggregates

META = "place-names"
"""``meta`` of the label traces, so a refitted map can replace them."""
NEIGHBOURS = ("Afghanistan", "Iran", "India", "China")
DISTRICTS_MIN = 5
DISTRICTS_MAX = 8
DISTRICT_COLOR = "#1A1A1A"
COUNTRY_COLOR = "#6B6B6B"

OFFLINE_STYLE: dict = {
    "version": 8,
    "name": "white-bg",
    "sources": {},
    "layers": [{"id": "white-bg", "type": "background",
                "paint": {"background-color": "#FFFFFF"}}],
}
"""plotly's "white-bg" MapLibre style without its ``glyphs`` address.

plotly's built-in "white-bg" names a font server (fonts.openmaptiles.org) for map text.
Without a glyphs address MapLibre draws label glyphs locally from the browser's fonts, so
the map text works offline and nothing leaves the machine."""

_POSITIONS = tuple((position, gap) for gap in (6, 16) for position in (
    "top center", "bottom center", "middle right", "middle left", "top right", "top left",
    "bottom right", "bottom left"))
"""Where a name may sit around its point, nearest first, and how far off (px)."""


def is_offline_style(style: object) -> bool:
    """Whether a map's style is the blank offline one: no glyphs, sprites or tiles to fetch,
    only inline GeoJSON sources (the place names)."""
    return isinstance(style, dict) and style.get("name") == "white-bg" and not (
        {"glyphs", "sprite"} & set(style)) and all(
        source.get("type") == "geojson" and isinstance(source.get("data"), dict)
        for source in style.get("sources", {}).values())


@cache
def neighbour_shapes() -> dict[str, object]:
    """Country name → shapely geometry, for the neighbours named on maps."""
    data = json.loads((config.data_dir() / "neighbours.geojson").read_text(encoding="utf-8"))
    # simplified to ~2 km: a label point needs no more, and it keeps placing cheap
    return {f["properties"]["name"]: shape(f["geometry"]).simplify(0.02)
            for f in data["features"] if f["properties"].get("name") in NEIGHBOURS}


def add_place_names(fig: go.Figure, incidents: pd.DataFrame, *, width_px: int,
                    height_px: int, font_size: int | None = None) -> go.Figure:
    """Add (or replace) the district and country labels of a MapLibre map.

    On the offline style the labels are symbol layers of the style itself, with a white
    halo so they stay legible over bubbles and shading, and the map's traces are drawn
    under them. On an online basemap (a style by name) they are text traces.

    Parameters
    ----------
    fig
        A map whose ``layout.map`` centre and zoom are set (the view it is drawn at).
    incidents
        The incidents in view: districts are ranked by how many of them each holds.
    width_px, height_px
        The size the map is drawn at, for working out where labels fall and collide.
    font_size
        District label size in px (default: 0.9 × the figure's font size); country names
        are a little larger and grey.
    """
    fig.data = tuple(t for t in fig.data if getattr(t, "meta", None) != META)
    view = fig.layout.map
    style = view.style
    if isinstance(style, dict):
        style = _without_labels(style)
        fig.update_layout(map_style=style)
    if view.center is None or view.center.lat is None or view.zoom is None:
        return fig
    base = fig.layout.font.size or 13
    size = font_size or max(10, round(base * 0.9))
    project = _projector(view.center.lat, view.center.lon, view.zoom, width_px, height_px)
    ranked = _ranked_districts(incidents)
    taken: list[tuple[float, float, float, float]] = []
    if any(t.type == "choroplethmap" and t.showscale is not False for t in fig.data):
        # the colour bar sits at the right, low or midway (see charts._province_fill)
        taken.append((width_px - 80, height_px * 0.2, width_px, height_px))
    districts: list[tuple[float, float, str, tuple[str, int]]] = []
    # the busiest few are placed together (every combination of positions if need be),
    # the rest one by one where they still fit
    first = ranked[:DISTRICTS_MIN]
    spots = _place_all([(project(la, lo), n, size) for n, la, lo in first],
                       width_px, height_px, taken)
    if spots is not None:
        districts = [(la, lo, n, spot) for (n, la, lo), spot in zip(first, spots, strict=True)]
        rest = ranked[DISTRICTS_MIN:]
    else:
        rest = ranked
    for name, lat, lon in rest:
        if len(districts) >= DISTRICTS_MAX:
            break
        spot = _place(project(lat, lon), name, size, width_px, height_px, taken)
        if spot is not None:
            districts.append((lat, lon, name, spot))
    countries = _country_points(project, width_px, height_px, size + 2, taken)
    if isinstance(style, dict):
        _label_layers(fig, style, districts, countries, size)
    else:
        by_position: dict[str, list] = {}
        for lat, lon, name, spot in districts:
            by_position.setdefault(spot[0], []).append((lat, lon, name))
        traces = [_trace(rows, position, size, DISTRICT_COLOR, "District names")
                  for position, rows in by_position.items()]
        if countries:
            traces.append(_trace(countries, "middle center", size + 2, COUNTRY_COLOR,
                                 "Country names"))
        fig.add_traces(traces)
    return fig


def label_names(fig: go.Figure) -> list[str]:
    """Every place name a map shows (from its style layers or its label traces)."""
    names = [str(t) for tr in fig.data if getattr(tr, "meta", None) == META
             for t in (tr.text or ())]
    style = fig.layout.map.style
    if isinstance(style, dict):
        for source_id, source in style.get("sources", {}).items():
            if source_id.startswith(META):
                names += [f["properties"]["name"] for f in source["data"]["features"]]
    return names


_ANCHORS = {"top center": "bottom", "bottom center": "top", "middle right": "left",
            "middle left": "right", "middle center": "center", "top right": "bottom-left",
            "top left": "bottom-right", "bottom right": "top-left", "bottom left": "top-right"}
"""Where a label sits → the MapLibre ``text-anchor`` (the side of the text at the point)."""


def _without_labels(style: dict) -> dict:
    out = dict(style)
    out["sources"] = {k: v for k, v in style.get("sources", {}).items()
                      if not k.startswith(META)}
    out["layers"] = [x for x in style.get("layers", []) if not x["id"].startswith(META)]
    return out


def _label_layers(fig: go.Figure, style: dict, districts, countries, size: int) -> None:
    """Put the labels into the style as haloed symbol layers, with the traces under them."""
    def collection(rows, text_size):
        return {"type": "geojson", "data": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"name": name, "anchor": _ANCHORS[spot[0]],
                            "offset": round(spot[1] / text_size, 2)}}
            for lat, lon, name, spot in rows]}}

    def layer(ident, text_size, color, halo):
        return {"id": ident, "type": "symbol", "source": ident,
                "layout": {"text-field": ["get", "name"], "text-size": text_size,
                           "text-anchor": ["get", "anchor"],
                           "text-radial-offset": ["get", "offset"],
                           "text-font": ["Open Sans Regular"],
                           # placed here without overlaps; MapLibre must not drop any
                           "text-allow-overlap": True},
                "paint": {"text-color": color, "text-halo-color": "rgba(255,255,255,0.92)",
                          "text-halo-width": halo}}

    country_rows = [(lat, lon, name, ("middle center", 0)) for lat, lon, name in countries]
    ids = (f"{META}-countries", f"{META}-districts")
    style = {**style,
             "sources": {**style["sources"], ids[0]: collection(country_rows, size + 2),
                         ids[1]: collection(districts, size)},
             "layers": [*style["layers"], layer(ids[0], size + 2, COUNTRY_COLOR, 1.0),
                        layer(ids[1], size, DISTRICT_COLOR, 1.8)]}
    fig.update_layout(map_style=style)
    # the map's own traces (fills, bubbles, points) draw under the names
    fig.update_traces(below=ids[0], selector={"type": "scattermap"})
    fig.update_traces(below=ids[0], selector={"type": "choroplethmap"})


def _ranked_districts(incidents: pd.DataFrame) -> list[tuple[str, float, float]]:
    """Districts with their gazetteer point, most incidents first (ties by name)."""
    if incidents.empty:
        return []
    counts = aggregates.count_by_district(incidents).dropna(subset=["lat", "lon"])
    counts = counts.sort_values(["incidents", "district"], ascending=[False, True])
    return [(_clean(d), float(la), float(lo)) for d, la, lo in
            zip(counts["district"], counts["lat"], counts["lon"], strict=True)]


def _clean(name: object) -> str:
    """Plain one-line text (MapLibre draws text as is; no markup is read)."""
    return " ".join("".join(ch for ch in str(name) if ch.isprintable()).split())[:40]


def _projector(lat0: float, lon0: float, zoom: float, width: int, height: int):
    """(lat, lon) → (x, y) pixels from the top left, in MapLibre's Web Mercator."""
    scale = 512 * 2 ** zoom

    def merc(lat: float, lon: float) -> tuple[float, float]:
        phi = math.radians(max(min(lat, 85.0), -85.0))
        return ((lon + 180) / 360 * scale,
                (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * scale)

    cx, cy = merc(lat0, lon0)

    def project(lat: float, lon: float) -> tuple[float, float]:
        x, y = merc(lat, lon)
        return x - cx + width / 2, y - cy + height / 2

    project.inverse = lambda x, y: _unmerc(x - width / 2 + cx, y - height / 2 + cy, scale)
    return project


def _unmerc(x: float, y: float, scale: float) -> tuple[float, float]:
    lon = x / scale * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))
    return lat, lon


def _box(x: float, y: float, name: str, size: int, position: str, gap: int = 6
         ) -> tuple[float, float, float, float]:
    """The label's box (left, top, right, bottom), a little generous on purpose."""
    w, h = 0.58 * size * len(name) + 4, 1.2 * size + 2
    vertical, horizontal = position.split()
    left = {"center": x - w / 2, "right": x + gap, "left": x - gap - w}[horizontal]
    top = {"middle": y - h / 2, "top": y - gap - h, "bottom": y + gap}[vertical]
    return left, top, left + w, top + h


def _fits(rect, width: int, height: int, taken) -> bool:
    left, top, right, bottom = rect
    if left < 2 or top < 2 or right > width - 2 or bottom > height - 2:
        return False
    return not any(left < x1 and x0 < right and top < y1 and y0 < bottom
                   for x0, y0, x1, y1 in taken)


def _place(point, name: str, size: int, width: int, height: int, taken
           ) -> tuple[str, int] | None:
    """The first position around the point where the label fits; None if none does."""
    for position, gap in _POSITIONS:
        rect = _box(point[0], point[1], name, size, position, gap)
        if _fits(rect, width, height, taken):
            taken.append(rect)
            return position, gap
    return None


def _place_all(labels, width: int, height: int, taken, budget: list[int] | None = None
               ) -> list[tuple[str, int]] | None:
    """Positions for all ``labels`` ((point, name, size) each) at once, by depth-first
    search over the positions; None if they cannot all fit (or after 20,000 tries, so
    points piled on one spot cost nothing)."""
    budget = budget if budget is not None else [20_000]
    if not labels:
        return []
    (point, name, size), rest = labels[0], labels[1:]
    for position, gap in _POSITIONS:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        rect = _box(point[0], point[1], name, size, position, gap)
        if _fits(rect, width, height, taken):
            taken.append(rect)
            found = _place_all(rest, width, height, taken, budget)
            if found is not None:
                return [(position, gap), *found]
            taken.pop()
    return None


def _country_points(project, width: int, height: int, size: int, taken
                    ) -> list[tuple[float, float, str]]:
    """A point inside each neighbour's part of the view where its name fits."""
    corner_a = project.inverse(0, height)  # bottom left
    corner_b = project.inverse(width, 0)  # top right
    view = box(corner_a[1], corner_a[0], corner_b[1], corner_b[0])
    out = []
    for name, geometry in neighbour_shapes().items():
        part = geometry.intersection(view)
        if part.is_empty or part.area <= 0:
            continue
        label = name.upper()
        pieces = sorted(getattr(part, "geoms", [part]), key=lambda g: -g.area)
        for piece in pieces[:2]:
            for candidate in _candidates(piece):
                x, y = project(candidate.y, candidate.x)
                rect = _box(x, y, label, size, "middle center")
                if _fits(rect, width, height, taken):
                    taken.append(rect)
                    out.append((candidate.y, candidate.x, label))
                    break
            else:
                continue
            break
    return out


def _candidates(piece):
    """The representative point first, then points of the piece shrunk towards its core."""
    yield piece.representative_point()
    for step in (0.3, 0.6, 1.0):
        core = piece.buffer(-step)
        if not core.is_empty:
            yield core.representative_point()
    yield piece.centroid


def _trace(rows: list[tuple[float, float, str]], position: str, size: int, color: str,
           name: str) -> go.Scattermap:
    return go.Scattermap(
        lat=[r[0] for r in rows], lon=[r[1] for r in rows], text=[r[2] for r in rows],
        # an invisible marker: plotly offsets the text from it (text alone gets no offset)
        mode="markers+text", marker={"size": 10, "opacity": 0}, textposition=position,
        textfont={"size": size, "color": color},
        hoverinfo="skip", showlegend=False, name=name, meta=META,
    )
