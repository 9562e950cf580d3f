"""Placing uploaded rows: province, district, coordinates and how sure the place is.

What a row says is checked against what its coordinates say, never overwritten silently:

- Coordinates give the province by point in polygon (``data/provinces.geojson``) and,
  when no district is named, the nearest gazetteer district.
- A named district gives the province when none is stated; a district named in another
  province than the one stated is a rejection.
- A stated province that disagrees with the coordinates is kept, with a note, when the
  point lies within :data:`NEAR_KM` of that province (the bundled boundaries are
  generalised); farther off the row is rejected with both provinces named.
- Coordinates outside Pakistan on a row that belongs to Pakistan are rejected (a hint
  says when latitude and longitude look swapped), except within :data:`NEAR_KM` of the
  border, where the nearest province is taken with a note.
- Without coordinates, a district gives its gazetteer point (``geo_precision =
  district``); a province alone gives the province's label point (``province``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from tracker import geo
from tracker.ingest import places
from tracker.ingest.normalise import Distinct, Findings

NEAR_KM = 10.0
"""How far (km) a point may lie outside a province and still count as in it."""

METRIC_CRS = "EPSG:32642"  # UTM 42N: metres, good enough across Pakistan for a tolerance

URDU_PROVINCES = {
    "بلوچستان": "Balochistan",
    "خیبر پختونخوا": "Khyber Pakhtunkhwa",
    "خیبرپختونخوا": "Khyber Pakhtunkhwa",
    "پنجاب": "Punjab",
    "سندھ": "Sindh",
    "اسلام آباد": "Islamabad Capital Territory",
    "گلگت بلتستان": "Gilgit-Baltistan",
    "آزاد کشمیر": "Azad Jammu and Kashmir",
}


DATASET_PROVINCES = {
    "federally administered tribal areas": "Khyber Pakhtunkhwa",
    "fata": "Khyber Pakhtunkhwa",
    "northern areas": "Gilgit-Baltistan",
    "islamabad capital territory": "Islamabad Capital Territory",
    "azad kashmir": "Azad Jammu and Kashmir",
}
"""Province names the outside datasets use that the alias table matches only loosely."""


@dataclass
class Placed:
    province: pd.Series
    district: pd.Series
    latitude: pd.Series
    longitude: pd.Series
    geo_precision: pd.Series
    location: pd.Series


def place(
    rows: pd.DataFrame,
    findings: Findings,
    columns: dict[str, str] | None = None,
) -> Placed:
    """Resolve the place of every row of ``rows``.

    Parameters
    ----------
    rows
        Text columns ``province``, ``district``, ``location``, ``latitude``,
        ``longitude`` (any may be absent), ``geo_precision`` (already one of the fixed
        words or missing) and ``_district_hint`` (a town that may name the district).
    findings
        Where rejections, fuzzy matches and notes are recorded.
    columns
        canonical field → name shown in the report (the file's column where it has one).
    """
    columns = columns or {}
    shown = {f: columns.get(f, f) for f in ("province", "district", "latitude", "longitude")}
    index = rows.index

    def text(name: str) -> pd.Series:
        if name not in rows:
            return pd.Series(np.nan, index=index, dtype="str")
        col = rows[name].astype("str").str.strip()
        return col.mask(col.eq(""))

    prov_text, dist_text = text("province"), text("district")
    hint_text, location = text("_district_hint"), text("location")
    stated = _provinces(prov_text, findings, shown["province"])

    lat, lon, has_point = _coordinates(text("latitude"), text("longitude"), findings, shown)
    point_prov = pd.Series(None, index=index, dtype=object)
    if has_point.any():
        # Point in polygon is cheaper than finding the distinct points first.
        point_prov[has_point] = geo.province_of_points(lat[has_point], lon[has_point])
        point_prov = _near_border(point_prov, lat, lon, has_point, stated, findings, shown)

    district, dist_prov, elsewhere = _districts(dist_text, stated, findings, shown["district"])
    unknown_district = dist_text.notna() & district.isna() & ~elsewhere
    if unknown_district.any():
        findings.note(unknown_district, shown["district"], dist_text,
                      "not in the district gazetteer; kept in location, district left empty")
        location = location.where(~unknown_district | location.notna(), dist_text)
        both = unknown_district & location.notna() & location.ne(dist_text)
        location = location.where(~both, dist_text + "; " + location)

    province = stated.where(stated.notna(), dist_prov)
    province = province.where(province.notna(), point_prov)
    unplaced = unknown_district & province.isna() & ~has_point & prov_text.isna()
    findings.reject(unplaced, shown["district"], dist_text,
                    "is not a district the tracker knows, and the row names no province: "
                    "add the province (or coordinates), or correct the district's spelling")
    _check_agreement(province, point_prov, lat, lon, has_point, findings, shown, stated)

    if hint_text.notna().any():
        hinted = Distinct.pairs(hint_text, province, _exact_district).get()
        district = district.where(district.notna(), hinted)
    need = district.isna() & has_point & province.notna()
    if need.any():
        wanted = pd.DataFrame({"lat": lat[need], "lon": lon[need], "province": province[need]})
        district[need] = _by_distinct(
            wanted, lambda u: geo.nearest_district(u["lat"], u["lon"], u["province"]))

    precision = rows["geo_precision"] if "geo_precision" in rows else pd.Series(
        None, index=index, dtype=object)
    precision = precision.astype(object).where(precision.notna(), None)
    points = places.district_points()
    from_district = ~has_point & district.notna()
    if from_district.any():  # only these rows are looked up
        lat = lat.where(~from_district, district[from_district].map(points["lat"]))
        lon = lon.where(~from_district, district[from_district].map(points["lon"]))
    labels = places.provinces_table().set_index("province")
    from_province = ~has_point & district.isna() & province.notna()
    if from_province.any():
        lat = lat.where(~from_province, province[from_province].map(labels["lat"].astype(float)))
        lon = lon.where(~from_province, province[from_province].map(labels["lon"].astype(float)))
    claimed_precise = precision.isin(["exact", "town"])
    for mask, level in ((from_district, "district"), (from_province, "province")):
        findings.note(mask & claimed_precise, "geo_precision", precision,
                      f"given without coordinates: placed at the {level}'s point with "
                      f"geo_precision {level}")
        precision = precision.where(~mask, level)
    precision = precision.where(~(has_point & precision.isna()), "town")

    nowhere = province.isna() & ~has_point & prov_text.isna() & dist_text.isna()
    findings.reject(nowhere, shown["province"], None,
                    "no place: give a province, a district or coordinates")
    return Placed(province, district, lat.astype(float), lon.astype(float), precision,
                  location)


# --- pieces --------------------------------------------------------------------------------


def _by_distinct(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
    """``func`` on the distinct rows of ``frame`` only, its result spread back over every row.

    Uploads repeat places (a district's point, a town's coordinates), so distances run
    once per distinct point, not once per row.
    """
    if frame.empty:
        return pd.Series(dtype=object, index=frame.index)
    columns = list(frame.columns)
    codes = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
    unique = frame.drop_duplicates().reset_index(drop=True)
    result = np.asarray(func(unique).to_numpy(), dtype=object)
    return pd.Series(result[codes], index=frame.index, dtype=object)


def _provinces(text: pd.Series, findings: Findings, column: str) -> pd.Series:
    matches = Distinct(text, _resolve_province)
    value = matches.get("value")
    findings.fuzzy(matches.get("kind").eq("fuzzy"), column, text, value, matches.get("score"))
    findings.reject(text.notna() & value.isna(), column, text,
                    "is not a province of Pakistan (KP, Balochistan, Punjab, Sindh, ICT, GB, AJK)")
    return value


def _resolve_province(text: str) -> places.Match:
    spaced = " ".join(text.split())
    known = URDU_PROVINCES.get(spaced) or DATASET_PROVINCES.get(places.normalise(spaced))
    if known:
        return places.Match(text, known, "alias")
    return places.resolve_province(text)


def _coordinates(lat_text: pd.Series, lon_text: pd.Series, findings: Findings,
                 shown: dict[str, str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    lat = pd.to_numeric(lat_text, errors="coerce").astype(float)
    lon = pd.to_numeric(lon_text, errors="coerce").astype(float)
    findings.reject(lat_text.notna() & lat.isna(), shown["latitude"], lat_text,
                    "is not a number (write decimal degrees, e.g. 33.99)")
    findings.reject(lon_text.notna() & lon.isna(), shown["longitude"], lon_text,
                    "is not a number (write decimal degrees, e.g. 71.52)")
    half = lat_text.notna() ^ lon_text.notna()
    findings.reject(half & lat_text.notna(), shown["longitude"], lon_text,
                    "is missing while latitude is given")
    findings.reject(half & lon_text.notna(), shown["latitude"], lat_text,
                    "is missing while longitude is given")
    bad_lat = lat.notna() & ~lat.between(-90, 90)
    bad_lon = lon.notna() & ~lon.between(-180, 180)
    findings.reject(bad_lat, shown["latitude"], lat_text, "is not a latitude (-90 to 90)")
    findings.reject(bad_lon, shown["longitude"], lon_text, "is not a longitude (-180 to 180)")
    ok = lat.notna() & lon.notna() & ~bad_lat & ~bad_lon
    return lat.where(ok), lon.where(ok), ok


def _near_border(point_prov: pd.Series, lat: pd.Series, lon: pd.Series, has_point: pd.Series,
                 stated: pd.Series, findings: Findings, shown: dict[str, str]) -> pd.Series:
    outside = has_point & point_prov.isna()
    if not outside.any():
        return point_prov
    nearest, km = _nearest_province(lat[outside], lon[outside])
    close = km <= NEAR_KM
    point_prov = point_prov.copy()
    point_prov[close.index[close]] = nearest[close]
    far = pd.Series(False, index=lat.index)
    far[close.index[~close]] = True
    coords = lat.round(5).astype(str) + ", " + lon.round(5).astype(str)
    near_mask = pd.Series(False, index=lat.index)
    near_mask[close.index[close]] = True
    findings.note(near_mask, shown["latitude"], coords,
                  "lies just outside the bundled boundary (within "
                  f"{NEAR_KM:.0f} km); taken as inside the nearest province")
    swapped = pd.Series(False, index=lat.index)
    if far.any():
        back = geo.province_of_points(lon[far], lat[far])
        swapped[back.index[back.notna()]] = True
    findings.reject(far & ~swapped, shown["latitude"], coords,
                    "the coordinates are outside Pakistan")
    findings.reject(far & swapped, shown["latitude"], coords,
                    "the coordinates are outside Pakistan; latitude and longitude look swapped")
    return point_prov


def _nearest_province(lat: pd.Series, lon: pd.Series) -> tuple[pd.Series, pd.Series]:
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=lat.index, crs="EPSG:4326")
    points = points.to_crs(METRIC_CRS)
    provinces = _metric_provinces()
    distances = np.column_stack([points.distance(g).to_numpy() for g in provinces])
    best = distances.argmin(axis=1)
    names = provinces.index.to_numpy()[best]
    km = distances[np.arange(len(best)), best] / 1000.0
    return pd.Series(names, index=lat.index), pd.Series(km, index=lat.index)


def _distance_to(province: pd.Series, lat: pd.Series, lon: pd.Series) -> pd.Series:
    """Km from each point to the named province's polygon (one projection per province)."""
    shapes = _metric_provinces()
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), index=lat.index, crs="EPSG:4326")
    points = points.to_crs(METRIC_CRS)
    km = pd.Series(np.nan, index=lat.index)
    for name in pd.unique(province.dropna()):
        mask = province.eq(name).to_numpy()
        if name in shapes.index:
            km[mask] = points[mask].distance(shapes[name]).to_numpy() / 1000.0
    return km


@cache
def _metric_provinces() -> gpd.GeoSeries:
    frame = geo.provinces_gdf().to_crs(METRIC_CRS)
    return frame.set_index("province").geometry


def _check_agreement(province: pd.Series, point_prov: pd.Series, lat: pd.Series,
                     lon: pd.Series, has_point: pd.Series, findings: Findings,
                     shown: dict[str, str], stated: pd.Series) -> None:
    differ = has_point & province.notna() & point_prov.notna() & province.ne(point_prov)
    if not differ.any():
        return
    pairs = pd.DataFrame({"province": province[differ], "lat": lat[differ], "lon": lon[differ]})
    km = _by_distinct(pairs, lambda u: _distance_to(u["province"], u["lat"], u["lon"]))
    km = km.astype(float)
    # Messages are built for the disagreeing rows only, not for the whole chunk.
    close = km.le(NEAR_KM)
    far = ~close
    point_prov, province = point_prov[differ], province[differ]
    source = np.where(stated[differ].notna(), "the province given", "the district's province")
    findings.note(close, shown["province"], province,
                  "the coordinates fall just inside " + point_prov.fillna("") + " (within "
                  f"{NEAR_KM:.0f} km of the border); kept " + pd.Series(source,
                                                                       index=province.index))
    km_text = km.round().fillna(0).astype(int).astype(str)
    findings.reject(far, shown["province"], province,
                    "disagrees with the coordinates, which are in " + point_prov.fillna("")
                    + " (" + km_text + " km away)")


def _districts(text: pd.Series, stated: pd.Series, findings: Findings,
               column: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """District per row, its province, and where the district lies in another province."""
    found = Distinct.pairs(text, stated, _resolve_district)
    match = found.derive(lambda r: r[0])
    value = match.get("value")
    other_province = found.derive(lambda r: r[1]).get()
    findings.fuzzy(match.get("kind").eq("fuzzy"), column, text, value, match.get("score"))
    elsewhere = other_province.notna()
    findings.reject(elsewhere, column, text,
                    "is a district of " + other_province.fillna("") + ", not of the province "
                    "given (" + stated.fillna("") + ")")
    value = value.where(~elsewhere, None)
    dist_prov = value.map(places.district_province()).astype(object)
    return value, dist_prov.where(dist_prov.notna(), None), elsewhere


def _resolve_district(text: str, province: str | None) -> tuple[places.Match, str | None]:
    """The district match, and the province it belongs to when that is not ``province``."""
    found = places.resolve_district(text, province)
    if found.found or province is None:
        return found, None
    anywhere = places.resolve_district(text)
    if anywhere.found and anywhere.kind != "fuzzy":
        return places.Match(text, None, "none", 0.0), places.district_province()[anywhere.value]
    return found, None


def _exact_district(text: str, province: str | None) -> str | None:
    found = places.resolve_district(text, province)
    return found.value if found.kind in ("exact", "alias") else None
