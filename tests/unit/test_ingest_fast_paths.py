"""The shortcuts of the ingest's checks give the same answers as the slow paths."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker import geo
from tracker.ingest import chunks, pipeline
from tracker.ingest.normalise import Distinct


def test_a_nul_byte_in_a_streamed_csv_is_still_rejected(monkeypatch):
    seen = []
    original = chunks._arrow_chunk

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        seen.append(result[0].may_hold_nul)
        return result

    monkeypatch.setattr(chunks, "_arrow_chunk", spy)
    header = "incident_id,date,province,district,attack_type,target,summary,source_url\n"
    clean = "A-{0},2025-03-1{0},Sindh,Karachi,bombing,police,s{0},http://x.invalid/{0}\n"
    text = header + clean.format(1) + clean.format(2).replace("s2", "bad\x00byte")
    report = pipeline.ingest_bytes(text.encode(), "nul.csv")
    assert seen == [True]  # read by the streaming reader, which found the NUL
    assert report.status.to_dict() == {2: "accepted", 3: "rejected"}
    assert "NUL byte" in report.rejections[0]["reason"]

    seen.clear()
    report = pipeline.ingest_bytes((header + clean.format(1)).encode(), "clean.csv")
    assert seen == [False] and report.accepted == 1


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
