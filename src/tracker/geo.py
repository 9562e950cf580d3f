"""Boundaries and point lookups: which province a point is in, the nearest district.

All geometry is WGS84 lon/lat. Province lookups are vectorised (shapely 2 predicates over
an STRtree through geopandas' ``sjoin``); nothing loops over rows in Python.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tracker import config
from tracker.ingest import places


@cache
def provinces_gdf() -> gpd.GeoDataFrame:
    """The seven provinces from ``data/provinces.geojson`` (Natural Earth, FATA merged)."""
    frame = gpd.read_file(config.data_dir() / "provinces.geojson")
    return frame.set_crs("EPSG:4326", allow_override=True)


def district_geojson() -> dict[str, Any] | None:
    """An optional district boundary file a user may add (``data/districts.geojson``).

    None when absent: the project ships no district polygons, so district maps fall back
    to bubbles at gazetteer points.
    """
    path = config.data_dir() / "districts.geojson"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def province_of_points(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """Province name for each point (``None`` outside every province), by point in polygon.

    Each province's prepared polygon tests the raw coordinates (shapely's ``contains_xy``)
    inside its bounding box only, so no point geometries are built: a million points take
    a fraction of a second. A point on a shared border lies in neither polygon's interior
    and gets ``None``, as a spatial join with ``within`` gives.
    """
    lat_arr = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    lon_arr = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    result = np.full(len(lat_arr), None, dtype=object)
    open_ = ~np.isnan(lat_arr) & ~np.isnan(lon_arr)
    for name, shape, (minx, miny, maxx, maxy) in _prepared_provinces():
        box = open_ & (lon_arr >= minx) & (lon_arr <= maxx) & (lat_arr >= miny) & (
            lat_arr <= maxy)
        where = np.flatnonzero(box)
        if not len(where):
            continue
        inside = where[shapely.contains_xy(shape, lon_arr[where], lat_arr[where])]
        result[inside] = name
        open_[inside] = False  # the first province found keeps the point
    return pd.Series(result, index=lat.index, dtype=object)


@cache
def _prepared_provinces() -> tuple[tuple[str, Any, tuple[float, float, float, float]], ...]:
    frame = provinces_gdf()
    out = []
    for name, shape in zip(frame["province"], frame.geometry, strict=True):
        shapely.prepare(shape)
        out.append((str(name), shape, tuple(float(b) for b in shape.bounds)))
    return tuple(out)


def nearest_district(
    lat: pd.Series, lon: pd.Series, province: pd.Series | None = None
) -> pd.Series:
    """Nearest gazetteer district point to each coordinate (within its province if given).

    Distances are on a local equirectangular approximation, which is ample for choosing
    between district points a few tens of km apart.
    """
    table = places.districts_table()
    lat_arr = pd.to_numeric(lat, errors="coerce").to_numpy(dtype=float)
    lon_arr = pd.to_numeric(lon, errors="coerce").to_numpy(dtype=float)
    result = np.full(len(lat_arr), None, dtype=object)
    groups = [(None, np.ones(len(lat_arr), dtype=bool))]
    if province is not None:
        prov = province.to_numpy(dtype=object)
        groups = [(p, prov == p) for p in pd.unique(prov) if p is not None]
    for prov_name, mask in groups:
        cand = table if prov_name is None else table[table["province"] == prov_name]
        if cand.empty:
            continue
        mask = mask & ~np.isnan(lat_arr) & ~np.isnan(lon_arr)
        if not mask.any():
            continue
        clat = cand["lat"].to_numpy()
        clon = cand["lon"].to_numpy()
        dlat = lat_arr[mask, None] - clat[None, :]
        dlon = (lon_arr[mask, None] - clon[None, :]) * np.cos(np.radians(lat_arr[mask, None]))
        result[mask] = cand["district"].to_numpy()[np.argmin(dlat**2 + dlon**2, axis=1)]
    return pd.Series(result, index=lat.index, dtype=object)


def map_view(lat: pd.Series, lon: pd.Series, *, width: int, height: int,
             fill: float = 0.9, min_degrees: float = 0.5) -> dict:
    """Centre and zoom that fit the points' box into ``width`` × ``height`` pixels.

    The one map fit of the project (dashboard maps, slides, exports). plotly opens a map
    at 0°, 0° without an explicit centre, so every map calls this. It uses the Web
    Mercator projection MapLibre draws in (a world 512 px wide at zoom 0), so the box fills
    ``fill`` of the tighter side: a degree of latitude is longer on the map than a degree
    of longitude, by 1/cos(latitude). A box narrower than ``min_degrees`` is widened to it
    (one district does not zoom to street level).
    """
    lat = pd.to_numeric(pd.Series(lat), errors="coerce").dropna()
    lon = pd.to_numeric(pd.Series(lon), errors="coerce").dropna()
    if lat.empty or lon.empty:
        lat, lon = pd.Series([23.6, 37.1]), pd.Series([60.9, 77.8])
    lat_lo, lat_hi = _widen(float(lat.min()), float(lat.max()), min_degrees)
    lon_lo, lon_hi = _widen(float(lon.min()), float(lon.max()), min_degrees)
    x0, x1 = (lon_lo + 180) / 360, (lon_hi + 180) / 360
    y0, y1 = _mercator_y(lat_hi), _mercator_y(lat_lo)
    span_x, span_y = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
    zoom = math.log2(min(width * fill / (512 * span_x), height * fill / (512 * span_y)))
    centre_y = (y0 + y1) / 2
    centre_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * centre_y))))
    return {
        "center": {"lat": round(centre_lat, 4), "lon": round((x0 + x1) / 2 * 360 - 180, 4)},
        "zoom": round(min(max(zoom, 2.0), 10.0), 2),
    }


def _widen(lo: float, hi: float, least: float) -> tuple[float, float]:
    pad = max(least - (hi - lo), 0.0) / 2
    return lo - pad, hi + pad


def _mercator_y(lat: float) -> float:
    """Latitude → Web Mercator y in [0, 1] (0 at the top)."""
    phi = math.radians(max(min(lat, 85.0), -85.0))
    return (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2


def province_bounds(province: str) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of one province."""
    frame = provinces_gdf()
    geom = frame.loc[frame["province"] == province, "geometry"]
    if geom.empty:
        raise ValueError(f"`province` was {province!r} but is expected to be one of the seven")
    minx, miny, maxx, maxy = geom.total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)
