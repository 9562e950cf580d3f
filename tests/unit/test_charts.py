"""Figure builders, without Streamlit: the numbers drawn equal the bundled data's.

Each map must be a MapLibre map on the blank style with an explicit centre and zoom and
the province outlines as a line layer; data text must reach hovers escaped.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from tracker import schema
from tracker.ingest import places
from tracker.present import charts, map_labels, shapes, timelines

SURGE = ("2025-03-15", "2025-03-17")


def surge(bundled: pd.DataFrame, province: str | None = None) -> pd.DataFrame:
    window = bundled[(bundled.date >= SURGE[0]) & (bundled.date <= SURGE[1])]
    return window if province is None else window[window.province == province]


def point_traces(fig: go.Figure) -> list[go.Scattermap]:
    """Incident point traces (the centre-dot trace has no hover and is left out)."""
    return [t for t in fig.data if t.type == "scattermap" and t.hoverinfo != "skip"]


def line_layers(fig: go.Figure) -> list:
    return [layer for layer in fig.layout.map.layers if layer.type == "line"]


def assert_offline_map(fig: go.Figure) -> None:
    assert map_labels.is_offline_style(fig.layout.map.style)
    center = fig.layout.map.center
    assert schema.LAT_RANGE[0] < center.lat < schema.LAT_RANGE[1]
    assert schema.LON_RANGE[0] < center.lon < schema.LON_RANGE[1]
    assert 3 <= fig.layout.map.zoom <= 9
    (outline,) = line_layers(fig)
    assert len(outline.source["features"]) == 7
    types = {t.type for t in fig.data}
    assert types <= {"choroplethmap", "scattermap"}, types


# --- province map ------------------------------------------------------------------------


def test_province_choropleth_counts_equal_the_csv(bundled):
    fig = charts.province_map(bundled)
    assert_offline_map(fig)
    fill = fig.data[0]
    assert fill.type == "choroplethmap"
    assert fill.featureidkey == "properties.iso_3166_2"
    got = dict(zip(fill.locations, fill.z, strict=True))
    expected = bundled["province"].map(schema.PROVINCES).value_counts()
    assert set(got) == set(schema.PROVINCES.values())
    for code, value in got.items():
        assert value == expected.get(code, 0), code


@pytest.mark.parametrize("measure", ["killed", "injured", "casualties"])
def test_province_choropleth_other_counts(bundled, measure):
    fig = charts.province_map(surge(bundled), measure=measure)
    got = dict(zip(fig.data[0].locations, fig.data[0].z, strict=True))
    window = surge(bundled)
    values = window["killed"].fillna(0) + window["injured"].fillna(0) \
        if measure == "casualties" else window[measure].fillna(0)
    expected = values.groupby(window["province"].map(schema.PROVINCES)).sum()
    for code in expected.index:
        assert got[code] == int(expected[code])


def test_per_million_measure_uses_the_census_population(bundled):
    population = pd.read_csv(charts.config.data_dir() / "population.csv").set_index("iso_3166_2")
    fig = charts.province_map(bundled, measure="killed_per_million")
    got = dict(zip(fig.data[0].locations, fig.data[0].z, strict=True))
    killed = bundled.groupby(bundled["province"].map(schema.PROVINCES))["killed"].sum()
    assert got["PK-BA"] == pytest.approx(int(killed["PK-BA"]) / population.loc["PK-BA",
                                                                              "population"] * 1e6,
                                         abs=0.005)
    census = {code: row[2] for code, row in zip(fig.data[0].locations, fig.data[0].customdata,
                                                  strict=True)}
    assert census["PK-BA"] == "2023" and census["PK-GB"] == "2017"
    assert "census" in fig.data[0].hovertemplate


def test_only_the_provinces_in_view_are_filled_and_the_view_fits_them(bundled):
    fig = charts.province_map(bundled[bundled.province == "Balochistan"],
                              provinces=("Balochistan",))
    assert list(fig.data[0].locations) == ["PK-BA"]
    lon_min, lat_min, lon_max, lat_max = shapes.geo.province_bounds("Balochistan")
    assert lat_min < fig.layout.map.center.lat < lat_max
    assert lon_min < fig.layout.map.center.lon < lon_max
    whole = charts.province_map(bundled)
    assert fig.layout.map.zoom > whole.layout.map.zoom


def test_every_incident_is_one_point(bundled):
    fig = charts.province_map(bundled)
    points = point_traces(fig)
    assert sum(len(t.lat) for t in points) == len(bundled)
    by_type = {t.name: 0 for t in points}
    for t in points:
        by_type[t.name] += len(t.lat)
    counts = bundled["attack_type"].value_counts()
    assert by_type["armed assault"] == counts["armed assault"]
    assert by_type["bombing"] == counts["bombing"]


def test_points_can_be_coloured_by_perpetrator(bundled):
    fig = charts.province_map(bundled, color_by="perpetrator")
    names = {t.name for t in point_traces(fig)}
    assert {"TTP", "BLA", "Unknown"} <= names
    unknown = sum(len(t.lat) for t in point_traces(fig) if t.name == "Unknown")
    assert unknown == int((bundled["perpetrator"] == "Unknown").sum())
    colours = {t.name: t.marker.color for t in point_traces(fig)}
    assert colours["TTP"] in charts.OKABE_ITO and colours["BLA"] in charts.OKABE_ITO
    assert colours["TTP"] != colours["BLA"]


def test_points_are_sized_by_casualties(bundled):
    frame = bundled.head(3).copy()
    frame["attack_type"] = "bombing"
    frame["killed"] = pd.array([0, 10, None], dtype="Int64")
    frame["injured"] = pd.array([0, 30, None], dtype="Int64")
    (trace,) = point_traces(charts.province_map(frame))
    sizes = list(trace.marker.size)
    assert sizes[1] > sizes[0] == sizes[2]


def test_district_located_incidents_are_drawn_as_approximate(bundled):
    frame = bundled.head(2).copy()
    frame["attack_type"] = "bombing"
    frame["geo_precision"] = ["exact", "district"]
    frame["latitude"] = [33.0, 31.0]
    frame["longitude"] = [70.0, 68.0]
    fig = charts.province_map(frame)
    exact, approximate = point_traces(fig)
    assert exact.marker.opacity > approximate.marker.opacity
    assert "only" not in exact.hovertext[0]
    assert "Located to the district only" in approximate.hovertext[0]
    dots = [t for t in fig.data if t.type == "scattermap" and t.hoverinfo == "skip"]
    assert len(dots) == 1 and list(dots[0].lat) == [31.0]
    assert "district centre" in dots[0].name
    assert "district" in charts.incident_layer_note(frame)


def test_hover_text_is_escaped_and_says_what_matters(bundled):
    row = bundled[bundled.incident_id == "BAL-0023"].copy()  # Noshki convoy: 5 killed, 90 claimed
    row["location"] = "<img src=x onerror=alert(1)>"
    row["source_name"] = "<script>alert('x')</script>"
    (trace,) = point_traces(charts.province_map(row))
    text = trace.hovertext[0]
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "&lt;img" in text
    assert "16 Mar 2025" in text
    assert "Killed: 5" in text
    assert "Perpetrator claimed 90 killed" in text
    assert "Perpetrator: BLA" in text


def test_group_names_in_the_legend_are_escaped(bundled):
    """A perpetrator is free text from an upload: its legend entry must stay text."""
    frame = bundled.head(4).copy()
    frame["perpetrator"] = ['<a href="https://evil.example">x</a>', "<b>bold</b>", "TTP", "TTP"]
    names = [t.name for t in point_traces(charts.province_map(frame, color_by="perpetrator"))]
    assert not any("<a" in n or "<b>" in n for n in names), names
    assert html.escape('<a href="https://evil.example">x</a>', quote=False) in names
    assert html.escape("<b>bold</b>", quote=False) in names and "TTP" in names


def test_province_located_incidents_say_province_in_the_legend(bundled):
    frame = bundled.head(2).copy()
    frame["geo_precision"] = ["province", "province"]
    (dots,) = [t for t in charts.province_map(frame).data
               if t.type == "scattermap" and t.hoverinfo == "skip"]
    assert "province centre" in dots.name and "district" not in dots.name
    traces = point_traces(charts.province_map(frame))
    assert all("Located to the province only" in h for t in traces for h in t.hovertext)


def test_unreported_counts_say_so_in_the_hover(bundled):
    row = bundled.head(1).copy()
    row["killed"] = pd.array([None], dtype="Int64")
    (trace,) = point_traces(charts.province_map(row))
    assert "Killed: not reported" in trace.hovertext[0]


def test_beyond_the_point_limit_the_map_draws_district_bubbles(bundled):
    fig = charts.province_map(bundled, point_limit=100)
    bubbles = [t for t in fig.data if t.type == "scattermap"]
    assert len(bubbles) == 1
    per_district = bundled["district"].value_counts()
    got = {h.split("</b>")[0].removeprefix("<b>"): c[0]
           for h, c in zip(bubbles[0].hovertext, bubbles[0].customdata, strict=True)}
    assert got == per_district.to_dict()
    note = charts.incident_layer_note(bundled, point_limit=100)
    assert "district bubbles" in note and f"{len(bundled):,}" in note


def test_a_large_frame_keeps_the_figure_small(bundled):
    big = pd.concat([bundled] * 60, ignore_index=True)  # 21,180 rows, above POINT_LIMIT
    assert len(big) > charts.POINT_LIMIT
    size = len(pio.to_json(charts.province_map(big), validate=False))
    assert size < 150_000, size
    bundled_size = len(pio.to_json(charts.province_map(bundled), validate=False))
    assert bundled_size < 400_000, bundled_size


def test_outlines_are_simplified_for_display():
    outlines = shapes.province_outlines()
    assert {f["properties"]["province"] for f in outlines["features"]} == set(schema.PROVINCES)
    assert len(json.dumps(outlines)) < 40_000


def test_online_basemap_is_opt_in(bundled, monkeypatch):
    monkeypatch.delenv("TRACKER_ONLINE_BASEMAP", raising=False)
    assert map_labels.is_offline_style(charts.province_map(bundled).layout.map.style)
    monkeypatch.setenv("TRACKER_ONLINE_BASEMAP", "1")
    assert charts.province_map(bundled).layout.map.style == "carto-positron"


def test_unknown_choices_are_refused(bundled):
    with pytest.raises(ValueError, match="measure"):
        charts.province_map(bundled, measure="deaths")
    with pytest.raises(ValueError, match="color_by"):
        charts.province_map(bundled, color_by="target")
    with pytest.raises(ValueError, match="freq"):
        timelines.timeline_chart(bundled, freq="year")


# --- district map ------------------------------------------------------------------------


@pytest.mark.parametrize("province", ["Balochistan", "Khyber Pakhtunkhwa"])
def test_district_bubbles_equal_the_csv_per_district(bundled, province):
    part = surge(bundled, province)
    fig = charts.district_map(part, province=province)
    assert_offline_map(fig)
    (bubbles,) = fig.data
    got = {h.split("</b>")[0].removeprefix("<b>"): c[0]
           for h, c in zip(bubbles.hovertext, bubbles.customdata, strict=True)}
    assert got == part["district"].value_counts().to_dict()
    fill = [layer for layer in fig.layout.map.layers if layer.type == "fill"]
    assert [f["properties"]["province"] for f in fill[0].source["features"]] == [province]


def test_district_bubbles_sized_by_casualties(bundled):
    part = bundled[bundled.province == "Balochistan"]
    fig = charts.district_map(part, province="Balochistan", size_by="casualties")
    got = {h.split("</b>")[0].removeprefix("<b>"): c[0]
           for h, c in zip(fig.data[0].hovertext, fig.data[0].customdata, strict=True)}
    expected = (part["killed"].fillna(0) + part["injured"].fillna(0)).groupby(
        part["district"]).sum()
    assert got == {d: int(v) for d, v in expected.items()}
    sizes = dict(zip(got, fig.data[0].marker.size, strict=True))
    top = max(got, key=got.get)
    assert sizes[top] == max(sizes.values())


def square(lat: float, lon: float, name: str, key: str = "ADM2_EN", half: float = 0.2) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Feature", "properties": {key: name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def synthetic_districts() -> dict:
    """A made-up boundary file: squares around two gazetteer points, one unknown name."""
    points = places.district_points()
    return {"type": "FeatureCollection", "features": [
        square(points.loc["Quetta", "lat"], points.loc["Quetta", "lon"], "Quetta"),
        square(points.loc["Kech", "lat"], points.loc["Kech", "lon"], "Turbat"),  # an alias
        square(29.0, 66.0, "Nowhere-by-the-sea"),
        square(points.loc["Bannu", "lat"], points.loc["Bannu", "lon"], "Bannu"),
    ]}


def test_district_shapes_are_matched_to_the_gazetteer():
    got = shapes.district_shapes(synthetic_districts(), "Balochistan")
    assert sorted(f["properties"]["district"] for f in got["features"]) == ["Kech", "Quetta"]
    assert shapes.district_shapes(None) is None
    assert shapes.district_shapes({"type": "FeatureCollection", "features": []}) is None
    renamed = {"type": "FeatureCollection", "features": [
        square(30.2, 67.0, "Quetta", key="shapeName")]}
    assert shapes.district_shapes(renamed)["features"][0]["properties"] == {"district": "Quetta"}


def test_newer_districts_count_in_their_parent_polygon():
    table = places.districts_table().set_index("district")
    child = table[table["parent_polygon"] != table.index].index[0]
    parent = table.loc[child, "parent_polygon"]
    point = places.district_points().loc[parent]
    drawn = {"type": "FeatureCollection", "features": [square(point.lat, point.lon, parent)]}
    mapping = shapes.polygon_of_district(shapes.district_shapes(drawn))
    assert mapping[child] == parent and mapping[parent] == parent


def test_a_district_file_turns_bubbles_into_a_choropleth(bundled):
    part = bundled[bundled.province == "Balochistan"]
    district_shapes = shapes.district_shapes(synthetic_districts(), "Balochistan")
    fig = charts.district_map(part, province="Balochistan", district_shapes=district_shapes)
    fill, bubbles = fig.data
    assert fill.type == "choroplethmap" and bubbles.type == "scattermap"
    got = dict(zip(fill.locations, fill.z, strict=True))
    counts = part["district"].value_counts()
    assert got == {"Quetta": counts["Quetta"], "Kech": counts["Kech"]}
    bubble_total = sum(c[0] for c in bubbles.customdata)
    assert bubble_total + sum(got.values()) == len(part)


# --- timeline and breakdowns -------------------------------------------------------------


def bar_totals(fig: go.Figure) -> dict[str, int]:
    return {t.name: int(np.sum(t.y)) for t in fig.data}


def test_timeline_by_province_adds_up(bundled):
    fig = timelines.timeline_chart(bundled, freq="month")
    assert bar_totals(fig) == bundled["province"].value_counts().to_dict()
    assert [t.name for t in fig.data][:2] == ["Balochistan", "Khyber Pakhtunkhwa"]
    assert fig.data[0].marker.color == charts.PROVINCE_COLORS["Balochistan"]


def test_timeline_by_day_in_the_surge(bundled):
    window = surge(bundled)
    fig = timelines.timeline_chart(window, freq="day", measure="killed")
    kp = next(t for t in fig.data if t.name == "Khyber Pakhtunkhwa")
    expected = window[window.province == "Khyber Pakhtunkhwa"].groupby(
        window["date"].dt.strftime("%Y-%m-%d"))["killed"].sum()
    expected = {d: int(v) for d, v in expected.items() if v > 0}
    assert dict(zip(kp.x, (int(v) for v in kp.y), strict=True)) == expected


def test_timeline_by_week_without_a_split(bundled):
    part = bundled[bundled.province == "Balochistan"]
    fig = timelines.timeline_chart(part, freq="week", by=None, measure="casualties")
    (trace,) = fig.data
    assert int(np.sum(trace.y)) == int(part["killed"].sum()) + int(part["injured"].sum())
    assert all(pd.Timestamp(x).day_of_week == 0 for x in trace.x)  # weeks start on Monday


def test_breakdown_bars_equal_the_csv(bundled):
    fig = charts.breakdown_chart(bundled, "target")
    got = dict(zip(fig.data[0].y, fig.data[0].x, strict=True))
    assert got == bundled["target"].value_counts().to_dict()
    perps = charts.breakdown_chart(bundled, "perpetrator")
    got = dict(zip(perps.data[0].y, perps.data[0].x, strict=True))
    joint = bundled["perpetrator"].str.split("; ").explode()
    assert got["Hafiz Gul Bahadur group"] == int((joint == "Hafiz Gul Bahadur group").sum())
