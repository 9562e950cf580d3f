"""Place names on the maps: the busiest districts in view and the neighbouring countries."""

from __future__ import annotations

import json

import pytest

from tracker.analysis import aggregates
from tracker.analysis.filters import FilterSpec
from tracker.present import charts, map_labels, slides

KP, BA = "Khyber Pakhtunkhwa", "Balochistan"


def top_districts(frame, n: int = 5) -> list[str]:
    """The n districts with the most incidents (ties by name), computed from the data."""
    counts = aggregates.count_by_district(frame).dropna(subset=["lat", "lon"])
    return counts.sort_values(["incidents", "district"], ascending=[False, True])[
        "district"].head(n).tolist()


def label_rows(fig) -> list[dict]:
    style = fig.layout.map.style
    return [f["properties"] | {"lon": f["geometry"]["coordinates"][0],
                                "lat": f["geometry"]["coordinates"][1]}
            for key, source in style["sources"].items() if key.endswith("districts")
            for f in source["data"]["features"]]


@pytest.mark.parametrize("province", [None, BA, KP])
def test_province_maps_name_the_top_five_districts(bundled, province):
    frame = bundled if province is None else bundled[bundled["province"] == province]
    fig = (charts.province_map(frame) if province is None
           else charts.district_map(frame, province=province))
    names = map_labels.label_names(fig)
    for district in top_districts(frame):
        assert district in names, (district, names)
    assert len([n for n in names if not n.isupper()]) >= 5


def test_the_neighbours_are_named_where_they_are_in_view(bundled):
    ba = map_labels.label_names(charts.district_map(
        bundled[bundled["province"] == BA], province=BA))
    assert {"AFGHANISTAN", "IRAN"} <= set(ba)
    kp = map_labels.label_names(charts.district_map(
        bundled[bundled["province"] == KP], province=KP))
    assert "AFGHANISTAN" in kp and "IRAN" not in kp  # Iran is off a KP map
    country = set(map_labels.label_names(charts.province_map(bundled)))
    assert {"AFGHANISTAN", "IRAN", "INDIA", "CHINA"} <= country


def test_district_labels_do_not_overlap_at_the_drawn_size(bundled):
    for province in (BA, KP):
        fig = charts.district_map(bundled[bundled["province"] == province], province=province)
        view = fig.layout.map
        project = map_labels._projector(view.center.lat, view.center.lon, view.zoom,
                                        charts.MAP_WIDTH_PX, charts.DESK.height)
        positions = {v: k for k, v in map_labels._ANCHORS.items()}
        boxes = [map_labels._box(*project(r["lat"], r["lon"]), r["name"], 12,
                                 positions[r["anchor"]], round(r["offset"] * 12))
                 for r in label_rows(fig)]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
            assert a[0] >= 0 and a[2] <= charts.MAP_WIDTH_PX
            assert a[1] >= 0 and a[3] <= charts.DESK.height


def test_labels_follow_the_incidents_in_view(bundled):
    window = bundled[(bundled["date"] >= "2025-03-15") & (bundled["date"] <= "2025-03-17")]
    names = map_labels.label_names(charts.province_map(window))
    assert set(top_districts(window)) <= set(names)
    assert set(names) - {"AFGHANISTAN", "IRAN", "INDIA", "CHINA"} <= set(window["district"])


def test_the_offline_style_fetches_nothing_and_traces_draw_under_the_names(bundled):
    fig = charts.province_map(bundled)
    style = fig.layout.map.style
    assert map_labels.is_offline_style(style)
    text = json.dumps(style)
    assert "http" not in text and "glyphs" not in style
    assert all(t.below == f"{map_labels.META}-countries" for t in fig.data)
    assert not map_labels.is_offline_style("white-bg")  # plotly's own names a font server


def test_slides_and_exports_show_the_same_names_once(bundled):
    deck = slides.load_deck()
    for slide in deck.slides:
        if not slide.figure.endswith("_map"):
            continue
        frame = slides.slide_frame(slide, bundled)
        fig = slides.build_figure(slide, frame, width=1200, height=700)
        names = map_labels.label_names(fig)
        assert len(names) == len(set(names)), "a refitted map keeps one set of labels"
        shown = frame if slide.figure != "surge_map" else slides.step_frame(slide, frame, None)
        for district in top_districts(shown):
            assert district in names, (slide.id, district, names)


def test_view_slide_of_a_province_names_its_districts(bundled):
    slide = slides.Slide(id="balochistan", title="Balochistan", figure="district_map",
                         spec=FilterSpec(provinces=(BA,)), regions=(BA,))
    frame = slides.slide_frame(slide, bundled)
    names = map_labels.label_names(slides.build_figure(slide, frame, width=720, height=530))
    assert set(top_districts(frame)) <= set(names) and "IRAN" in names
