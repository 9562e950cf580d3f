"""The slide sequence: loading and validation, positions in the URL, data and figures."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import re

import pandas as pd
import pytest
import yaml

from tracker import geo
from tracker.analysis.filters import FilterSpec
from tracker.briefs import model
from tracker.present import charts, map_labels, slides

DECK = slides.load_deck()
RAW = yaml.safe_load(slides.default_path().read_text(encoding="utf-8"))


def _slide(slide_id: str) -> slides.Slide:
    return next(s for s in DECK.slides if s.id == slide_id)


# --- the bundled sequence ----------------------------------------------------------------


def test_default_sequence_is_the_briefing_order():
    assert [s.id for s in DECK.slides] == [
        "pakistan", "balochistan", "khyber-pakhtunkhwa", "march-2025-surge", "actors",
        "over-time"]
    assert _slide("balochistan").spec.provinces == ("Balochistan",)
    assert _slide("khyber-pakhtunkhwa").spec.provinces == ("Khyber Pakhtunkhwa",)
    assert _slide("pakistan").spec == FilterSpec()
    assert _slide("actors").themes == (
        "Afghanistan/TTP", "China/CPEC", "Iran border", "India", "internal governance")


def test_timeline_slide_carries_the_published_series(bundled):
    """The deck's timeline names the publisher of the monthly count beside the sample."""
    slide = _slide("over-time")
    fig = slides.build_figure(slide, slides.slide_frame(slide, bundled), width=760,
                              height=470)
    names = [t.name for t in fig.data]
    assert "PICSS: attacks published" in names and "This dataset: incidents" in names
    narrowed = dataclasses.replace(slide, spec=FilterSpec(districts=("Quetta",)))
    fig = slides.build_figure(narrowed, slides.slide_frame(narrowed, bundled))
    assert not any("published" in (t.name or "") for t in fig.data)
    assert "No publisher gives a monthly count" in fig.layout.annotations[0].text


def test_surge_slide_steps_through_its_three_days():
    surge = _slide("march-2025-surge")
    assert (surge.spec.start, surge.spec.end) == (dt.date(2025, 3, 15), dt.date(2025, 3, 17))
    assert surge.step_days == (dt.date(2025, 3, 15), dt.date(2025, 3, 16), dt.date(2025, 3, 17))
    assert surge.step_label(2) == "Day 2 of 3 · 16 Mar 2025"
    assert _slide("actors").step_label(4) == "India (4 of 5)"
    assert _slide("pakistan").step_count == 0 and _slide("pakistan").step_label(1) is None


# --- validation --------------------------------------------------------------------------


def _broken(**changes) -> dict:
    raw = copy.deepcopy(RAW)
    raw["slides"][0].update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"figure": "pie"}, "figure: 'pie' is not one of"),
        ({"id": "Bad Id"}, ".id: lower-case letters"),
        ({"id": "balochistan"}, "id 'balochistan' is used twice"),
        ({"filter": {"province": "Atlantis"}}, "unknown province 'Atlantis'"),
        ({"filter": {"start": "15/03/2025"}}, "not a date"),
        ({"filter": {"colour": "red"}}, "unknown link parameter 'colour'"),
        ({"regions": ["Narnia"]}, "unknown region 'Narnia'"),
        ({"themes": ["weather"]}, "'weather' is not one of"),
        ({"steps": "day"}, "'day' needs both start and end"),
        ({"steps": "hour"}, "'hour' is not one of"),
        ({"takeaways": 99}, "takeaways: a whole number"),
        ({"title": ""}, "title: a text of 1 to 120"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
    ids=["figure", "id", "duplicate", "province", "date", "param", "region", "theme",
         "steps-window", "steps-kind", "takeaways", "title", "field"],
)
def test_an_invalid_slide_is_refused_with_a_reason(changes, expected):
    with pytest.raises(slides.SlideConfigError) as caught:
        slides.parse_deck(_broken(**changes))
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert all(re.match(r"slide [12]\b", p) for p in caught.value.problems)


def test_every_problem_is_listed_not_only_the_first():
    raw = copy.deepcopy(RAW)
    raw["slides"][0]["figure"] = "pie"
    raw["slides"][2]["regions"] = ["Narnia"]
    with pytest.raises(slides.SlideConfigError) as caught:
        slides.parse_deck(raw)
    assert len(caught.value.problems) == 2
    assert caught.value.problems[1].startswith("slide 3 ('khyber-pakhtunkhwa')")


@pytest.mark.parametrize("raw", [None, [], {"title": "x"}, {"title": "x", "slides": []},
                                 {"title": "x", "slides": ["not a mapping"]}])
def test_a_malformed_file_is_refused(raw):
    with pytest.raises(slides.SlideConfigError):
        slides.parse_deck(raw)


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    path = tmp_path / "slides.yaml"
    path.write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(slides.SlideConfigError, match="not valid YAML"):
        slides.load_deck(path)


# --- position in the URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "index", "step", "notice"),
    [
        ({}, 0, None, None),
        ({"slide": "2"}, 1, None, None),
        ({"slide": ["1", "3"]}, 2, None, None),
        ({"slide": "4"}, 3, 1, None),
        ({"slide": "4", "step": "3"}, 3, 3, None),
        ({"slide": "4", "step": "9"}, 3, 3, "Step '9' does not exist"),
        ({"slide": "4", "step": "x"}, 3, 1, "Step 'x' does not exist"),
        ({"slide": "99"}, 5, None, "There is no slide 99"),  # the last
        ({"slide": "0"}, 0, None, "There is no slide 0"),
        ({"slide": "-3"}, 0, None, "There is no slide -3"),
        ({"slide": "two"}, 0, None, "Slide 'two' is not a number"),
        ({"slide": "<script>" * 10}, 0, None, "is not a number"),
        ({"slide": "2", "step": "2"}, 1, None, None),
    ],
)
def test_read_position_never_raises(params, index, step, notice):
    position, notices = slides.read_position(params, DECK)
    assert (position.index, position.step) == (index, step)
    if notice is None:
        assert notices == []
    else:
        assert len(notices) == 1 and notice in notices[0]
        assert len(notices[0]) < 120


def test_next_and_previous_walk_steps_then_slides():
    walk = [slides.Position(0)]
    while (following := slides.next_position(DECK, walk[-1])) is not None:
        walk.append(following)
    expected = [(0, None), (1, None), (2, None), (3, 1), (3, 2), (3, 3),
                (4, 1), (4, 2), (4, 3), (4, 4), (4, 5), (5, None)]
    assert [(p.index, p.step) for p in walk] == expected
    back = [walk[-1]]
    while (before := slides.previous_position(DECK, back[-1])) is not None:
        back.append(before)
    assert back == walk[::-1]


def test_query_for_round_trips_through_read_position():
    for position in (slides.Position(0), slides.Position(3, 2), slides.Position(4, 5)):
        query = slides.query_for(position)
        assert query["present"] == "1"
        assert slides.read_position(query, DECK) == (position, [])


# --- data --------------------------------------------------------------------------------


def test_days_match_an_independent_count(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled)
    found = slides.days(surge, frame)
    day = bundled["date"].dt.date
    so_far = 0
    for item, date in zip(found, surge.step_days, strict=True):
        rows = bundled[day == date]
        so_far += len(rows)
        assert item.incidents == len(rows)
        assert item.killed == int(rows["killed"].sum(skipna=True))
        assert item.districts == rows["district"].nunique()
        assert dict(item.by_province) == rows["province"].value_counts().to_dict()
        assert item.so_far == so_far
    assert found[-1].so_far == len(frame)


def test_step_frame_keeps_days_up_to_the_step(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled)
    first = slides.step_frame(surge, frame, 1)
    assert set(first["date"].dt.date) == {dt.date(2025, 3, 15)}
    assert len(slides.step_frame(surge, frame, 3)) == len(frame)
    assert len(slides.step_frame(_slide("pakistan"), bundled, 2)) == len(bundled)


def test_data_line_says_period_count_sample_and_source(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled)
    line = slides.data_line(surge, frame)
    n = int(bundled["date"].between("2025-03-15", "2025-03-17 23:59").sum())
    assert line.startswith("15 Mar 2025 – 17 Mar 2025 · ")
    assert f"{n} sourced incidents" in line
    assert "a sample of reported attacks, not a complete count" in line
    top = frame["source_name"].value_counts().index[0]
    assert f"Source: news reports ({top}" in line


def test_data_line_labels_synthetic_rows(bundled):
    frame = bundled.head(3).copy()
    frame.loc[frame.index[0], "source_name"] = "SYNTHETIC"
    line = slides.data_line(_slide("pakistan"), frame)
    assert "1 of them SYNTHETIC test rows, not real attacks" in line


def test_sources_lists_each_incident_with_its_url(bundled):
    frame = slides.slide_frame(_slide("march-2025-surge"), bundled)
    listed = slides.sources(frame, limit=5)
    assert len(listed) == 5
    newest = frame.sort_values("date").iloc[-1]
    assert listed[0].startswith(f"{newest['date']:%-d %b %Y} · ")
    assert all(" · http" in s for s in listed)


def test_group_counts_add_up_and_name_unclaimed_attacks(bundled):
    counts = slides.group_counts(bundled)
    assert counts["incidents"].sum() == len(bundled)
    unknown = bundled["perpetrator"].fillna("Unknown").eq("Unknown").sum()
    row = counts.set_index("group").loc[slides.NO_GROUP, "incidents"]
    assert row == unknown
    ttp = bundled["perpetrator"].fillna("").str.split(";").str[0].str.strip().isin(
        ["TTP", "Hafiz Gul Bahadur group"]).sum()
    assert counts.set_index("group").loc["TTP and allied groups", "incidents"] == ttp


# --- takeaways ---------------------------------------------------------------------------


def test_takeaways_follow_the_slide_themes_without_repeats(bundled):
    assigned = slides.assign_takeaways(DECK)
    for slide in DECK.slides:
        items = assigned[slide.id]
        assert 1 <= len(items) <= slide.max_takeaways, slide.id
        themes = [i.takeaway.theme for i in items]
        assert themes == list(slide.themes)[: len(themes)], slide.id
    keys = [(i.brief.id, i.takeaway.id) for items in assigned.values() for i in items]
    assert len(keys) == len(set(keys))
    surge = assigned["march-2025-surge"][0].takeaway
    assert surge.claim is not None and surge.claim.kind == "count_in_window"


def test_takeaways_for_a_region_slide_speak_to_its_region():
    assigned = slides.assign_takeaways(DECK)
    for slide_id, province in (("balochistan", "Balochistan"),
                               ("khyber-pakhtunkhwa", "Khyber Pakhtunkhwa")):
        for item in assigned[slide_id]:
            regions = item.takeaway.regions
            assert province in regions or any(
                model.province_of(r) == province for r in regions), item.takeaway.id


def test_a_theme_step_shows_only_its_theme(bundled):
    actors = _slide("actors")
    for step, theme in enumerate(actors.themes, start=1):
        points = slides.takeaways(DECK, actors, bundled, step=step)
        assert [p.label for p in points] == [theme]
    assert [p.label for p in slides.takeaways(DECK, actors, bundled)] == list(actors.themes)


def test_a_claim_is_checked_against_the_slide_data(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled)
    point = slides.takeaways(DECK, surge, frame)[0]
    assert point.citation == "Sanober Institute (2025)"
    assert f"holds {len(frame)} sourced incidents in that window" in point.check
    assert "Verdict:" in point.check


# --- figures -----------------------------------------------------------------------------


def _map_view(fig):
    return fig.layout.map.center.lat, fig.layout.map.center.lon, fig.layout.map.zoom


@pytest.mark.parametrize("slide_id", [s.id for s in DECK.slides])
def test_every_slide_builds_its_figure_with_the_presenter_look(slide_id, bundled):
    slide = _slide(slide_id)
    fig = slides.build_figure(slide, slides.slide_frame(slide, bundled), width=760, height=520)
    assert fig.layout.height == 520
    assert fig.layout.font.size == charts.PRESENTER.font_size
    assert len(fig.data) >= 1
    if slide.figure.endswith("_map"):
        assert map_labels.is_offline_style(fig.layout.map.style)
        assert fig.layout.map.center.lat is not None and fig.layout.map.zoom is not None
        assert all(t.type in ("scattermap", "choroplethmap") for t in fig.data)


def test_maps_fit_their_zoom_to_the_drawn_size(bundled):
    slide = _slide("balochistan")
    frame = slides.slide_frame(slide, bundled)
    small = slides.build_figure(slide, frame, width=380, height=260)
    large = slides.build_figure(slide, frame, width=1520, height=1040)
    lat, lon, zoom_small = _map_view(small)
    assert 24 < lat < 32.5 and 60.5 < lon < 70.5  # inside Balochistan's box
    assert 1.8 < _map_view(large)[2] - zoom_small < 2.4


def test_map_view_fits_a_box_in_web_mercator():
    lat, lon = pd.Series([24.0, 37.0]), pd.Series([61.0, 77.0])
    view = geo.map_view(lat, lon, width=1024, height=1024, fill=1.0)
    # 16° of longitude are 16/360 of a 512 px world at zoom 0: it fills 1024 px at zoom z.
    assert view["zoom"] == pytest.approx(min(
        math.log2(1024 / (512 * 16 / 360)),
        math.log2(1024 / (512 * (geo._mercator_y(24.0) - geo._mercator_y(37.0))))),
        abs=0.01)
    assert view["center"]["lon"] == pytest.approx(69.0)
    assert 30.5 < view["center"]["lat"] < 31.0  # the Mercator middle is north of 30.5°
    bigger = geo.map_view(lat, lon, width=4096, height=4096, fill=1.0)
    assert bigger["zoom"] == pytest.approx(view["zoom"] + 2, abs=0.01)


def test_surge_map_picks_out_the_step_day(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled)
    counts = frame["date"].dt.date.value_counts()
    first = slides.build_figure(surge, frame, step=1)
    assert [t.name for t in first.data] == [f"15 Mar 2025: {counts[dt.date(2025, 3, 15)]} attacks"]
    second = slides.build_figure(surge, frame, step=2)
    assert [t.name for t in second.data] == [
        f"Earlier days: {counts[dt.date(2025, 3, 15)]}",
        f"16 Mar 2025: {counts[dt.date(2025, 3, 16)]} attacks",
    ]
    assert _map_view(first) == _map_view(second)  # the view stays put from day to day


def test_hover_text_from_data_is_escaped(bundled):
    surge = _slide("march-2025-surge")
    frame = slides.slide_frame(surge, bundled).copy()
    frame["district"] = frame["district"].astype(object)
    frame.loc[frame.index[0], "district"] = "<img src=x onerror=alert(1)>"
    fig = slides.build_figure(surge, frame)
    hover = " ".join(" ".join(t.hovertext) for t in fig.data)
    assert "<img" not in hover and "&lt;img" in hover


def test_an_empty_slide_still_builds(bundled):
    slide = _slide("balochistan")
    empty = bundled.iloc[:0]
    fig = slides.build_figure(slide, empty)
    assert fig.layout.map.center.lat is not None  # the province is framed, not 0°, 0°
    assert slides.data_line(slide, empty).startswith("all dates · 0 sourced incidents")
    assert isinstance(slides.group_counts(empty), pd.DataFrame)
