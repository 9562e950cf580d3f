"""Slide layout arithmetic: type that grows with the screen, figures that take the height
left, and takeaways split into parts instead of shrinking."""

from __future__ import annotations

import pytest

from tracker.ui import slide_fit
from tracker.ui.slide_fit import Screen

LINE = "1 Jan 2024 – 28 Mar 2026 · 303 sourced incidents · a sample of reported attacks"


@pytest.mark.parametrize(("w", "h", "px"), [(1280, 720, 20.0), (1920, 1080, 30.0),
                                             (1024, 768, 20.0), (2560, 1440, 40.0),
                                             (800, 600, 20.0)])
def test_type_grows_with_the_screen_and_never_drops_below_20_px(w, h, px):
    assert slide_fit.root_px(Screen(w, h)) == pytest.approx(px, abs=0.01)


@pytest.mark.parametrize(("w", "h"), [(1280, 720), (1920, 1080), (1024, 768)])
def test_the_figure_takes_the_height_left_under_the_title(w, h):
    fit = slide_fit.layout(Screen(w, h), "Balochistan: attacks by district", LINE)
    width, height = fit.figure_px
    assert 0.7 * h <= height < h  # most of the screen, never more than it
    assert fit.body_height == pytest.approx(height, abs=1)
    assert width + fit.text_width < w  # both columns on the screen
    assert fit.text_width >= 18 * fit.rem  # room for a line of words


def test_a_long_title_that_wraps_leaves_less_room_for_the_figure():
    short = slide_fit.layout(Screen(1024, 768), "Pakistan", LINE)
    long = slide_fit.layout(Screen(1024, 768), "Khyber Pakhtunkhwa: attacks per month, "
                                                "beside the published count", LINE)
    assert long.figure_px[1] < short.figure_px[1]


def test_lines_wrap_by_words_and_break_a_word_longer_than_the_box():
    assert slide_fit.lines("short", 400, 20) == 1
    words = " ".join(["word"] * 100)  # 499 characters at ~9.6 px: about 12 lines of 400 px
    assert 11 <= slide_fit.lines(words, 400, 20) <= 14
    assert slide_fit.lines("x" * 200, 400, 20) >= 5


def test_split_keeps_order_and_fills_each_part():
    parts = slide_fit.split([[100], [100], [100], [50]], fixed=40, room=260)
    assert parts == [[0, 1], [2, 3]]
    assert slide_fit.split([[10], [10]], fixed=0, room=100) == [[0, 1]]


def test_a_block_taller_than_the_column_gets_a_part_of_its_own():
    assert slide_fit.split([[50], [500], [50]], fixed=0, room=200) == [[0], [1], [2]]
    assert slide_fit.split([], fixed=30, room=200) == [[]]


@pytest.mark.parametrize("raw", [None, "1920x1080", {"w": "1920", "h": 1080},
                                 {"w": True, "h": 1080}, {"w": 10, "h": 10},
                                 {"w": 1e9, "h": 1080}, {"h": 1080}])
def test_a_reported_size_that_cannot_be_a_screen_is_ignored(raw):
    assert Screen.parse(raw) is None


def test_a_reported_size_is_read():
    assert Screen.parse({"w": 1920, "h": 1080.0}) == Screen(1920, 1080)


def test_the_presenter_css_sets_the_root_size_the_layout_assumes():
    from tracker.ui import present

    assert f"html {{ font-size: {slide_fit.ROOT_CSS}; }}" in present._CSS
