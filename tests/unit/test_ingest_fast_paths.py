"""The shortcuts of the ingest's checks give the same answers as the slow paths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import geo
from tracker.ingest.normalise import Distinct


def test_distinct_pairs_spread_each_pair_result_over_its_rows():
    first = pd.Series(["x", None, "y", "x", "x", "z", None, "y"], dtype="str")
    second = pd.Series(["P", "P", None, "P", "Q", None, None, None], dtype=object)
    calls = []
    found = Distinct.pairs(first, second, lambda a, b: calls.append((a, b)) or f"{a}/{b}")
    assert calls == [("x", "P"), ("y", None), ("x", "Q"), ("z", None)]
    assert found.get().tolist() == ["x/P", None, "y/None", "x/P", "x/Q", "z/None", None,
                                    "y/None"]


def test_province_of_points_matches_a_spatial_join():
    rng = np.random.default_rng(3)
    lat = pd.Series(rng.uniform(22, 39, 3000), index=np.arange(3000) * 2 + 5)
    lon = pd.Series(rng.uniform(58, 80, 3000), index=lat.index)
    lat.iloc[7] = np.nan
    points = geo.gpd.GeoDataFrame(geometry=geo.gpd.points_from_xy(lon, lat), index=lat.index,
                                  crs="EPSG:4326").dropna()
    points = points[~points.geometry.is_empty]
    joined = geo.gpd.sjoin(points, geo.provinces_gdf()[["province", "geometry"]],
                           predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    expected = pd.Series([None] * len(lat), index=lat.index, dtype=object)
    expected.loc[joined.index] = joined["province"].to_numpy()
    got = geo.province_of_points(lat, lon)
    assert got.index.equals(lat.index)
    assert got.notna().sum() > 500 and got.isna().sum() > 500  # both inside and outside
    assert got.tolist() == expected.tolist()


def test_link_check_agrees_with_the_python_pattern_value_by_value():
    from tracker import schema

    values = ["http://a.b", "HTTPS://x.y/z?q#f", "http://a.b\n", "http://a b", "http://a\xa0b",
              "ftp://x", "http://", "http:///x", "http://ü.de/ä", None, "http://a.b/\u2003",
              " http://a.b", "http://a.b/\x1c", "http://a#b", "http://a.b/c\td", "Http://x"]
    got = schema.is_http_url(pd.Series(values * 3, dtype="str")).tolist()
    expected = [isinstance(v, str) and bool(schema._HTTP_URL.match(v)) for v in values] * 3
    assert got == expected
    assert True in got and False in got


def test_foreign_names_count_only_on_rows_without_coordinates():
    from tracker.ingest import abroad

    frame = pd.DataFrame({"province": ["Kandahar", None, "Sindh", None],
                          "district": [None] * 4,
                          "location": [None, "Kandahar", "Kandahar", "Karachi"],
                          "latitude": [None] * 4, "longitude": [None] * 4},
                         index=[4, 5, 6, 7]).astype("str")
    assert abroad.named_abroad(frame).tolist() == [True, True, False, False]
    frame.loc[5, ["latitude", "longitude"]] = ["31.6", "65.7"]  # placed by its point
    assert abroad.named_abroad(frame).tolist() == [True, False, False, False]
    frame[["latitude", "longitude"]] = "30.0"
    assert abroad.named_abroad(frame).tolist() == [False] * 4
