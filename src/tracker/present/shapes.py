"""Display geometry for the maps: light province outlines and optional district polygons.

Maps send their geometry to the browser inside each figure, so it is simplified for display
(about 1 km, far below a pixel at the zooms used) and rounded to 3 decimals: the seven
provinces then take ~23 kB instead of ~123 kB. Analysis (point in polygon) keeps using the
full geometry in :mod:`tracker.geo`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import geopandas as gpd
import pandas as pd

from tracker import geo
from tracker.ingest import places

DISPLAY_TOLERANCE = 0.01
"""Simplification tolerance in degrees (~1 km) for geometry drawn on maps."""

NAME_PROPERTIES = ("district", "ADM2_EN", "shapeName", "NAME_2", "adm2_name", "name", "NAME")
"""Property names a district boundary file may use for the district's name, tried in order."""


@cache
def province_outlines() -> dict[str, Any]:
    """The province boundaries, simplified for display, with ``province`` and ISO code."""
    frame = geo.provinces_gdf()[["province", "iso_3166_2", "geometry"]]
    return _display_geojson(frame)


def district_shapes(geojson: dict[str, Any] | None, province: str | None = None
                    ) -> dict[str, Any] | None:
    """District polygons matched to the gazetteer, for a district choropleth.

    Each feature's name (the first of :data:`NAME_PROPERTIES` it has) is resolved through
    the gazetteer's names and aliases; features that match no district, or a district of
    another province, are dropped. The result holds one property, ``district`` (the
    gazetteer name), and simplified geometry.

    Parameters
    ----------
    geojson : dict or None
        A GeoJSON FeatureCollection (e.g. from :func:`tracker.geo.district_geojson`).
    province : str, optional
        Keep only the districts of this province.

    Returns
    -------
    dict or None
        None when there is no file or no feature could be matched.
    """
    if not geojson or not geojson.get("features"):
        return None
    try:
        frame = gpd.GeoDataFrame.from_features(geojson["features"], crs="EPSG:4326")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    name_column = next((c for c in NAME_PROPERTIES if c in frame.columns), None)
    if name_column is None or frame.empty:
        return None
    frame["district"] = [
        places.resolve_district(name).value if isinstance(name, str) else None
        for name in frame[name_column]
    ]
    frame = frame[frame["district"].notna() & frame.geometry.notna()]
    if province is not None:
        owner = places.district_province()
        frame = frame[frame["district"].map(owner) == province]
    if frame.empty:
        return None
    frame = frame.dissolve(by="district", as_index=False)[["district", "geometry"]]
    return _display_geojson(frame)


def polygon_of_district(shapes: dict[str, Any] | None) -> dict[str, str]:
    """District → the polygon it is drawn in: its own, or the older parent polygon.

    Newer districts (split off after a boundary file was made) are counted in the polygon
    of the district they were carved from, as named in the gazetteer's ``parent_polygon``.
    """
    if not shapes:
        return {}
    drawn = {f["properties"]["district"] for f in shapes["features"]}
    table = places.districts_table()
    out = {}
    for district, parent in zip(table["district"], table["parent_polygon"], strict=True):
        if district in drawn:
            out[district] = district
        elif parent in drawn:
            out[district] = parent
    return out


def _display_geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    frame = frame.copy()
    frame["geometry"] = frame.geometry.simplify(DISPLAY_TOLERANCE, preserve_topology=True)
    data = json.loads(frame.to_json(drop_id=True, na="drop"))
    for feature in data["features"]:
        geometry = feature["geometry"]
        geometry["coordinates"] = _round(geometry["coordinates"])
    return data


def _round(coords: Any) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(float(coords[0]), 3), round(float(coords[1]), 3)]
    return [_round(part) for part in coords]


def bounds_points(provinces: tuple[str, ...] | list[str]) -> tuple[pd.Series, pd.Series]:
    """Corner points (lat, lon) of the given provinces, for :func:`tracker.geo.map_view`."""
    lats: list[float] = []
    lons: list[float] = []
    for province in provinces:
        lon_min, lat_min, lon_max, lat_max = geo.province_bounds(province)
        lats += [lat_min, lat_max]
        lons += [lon_min, lon_max]
    return pd.Series(lats, dtype=float), pd.Series(lons, dtype=float)
