"""Presenter mode: large type, no sidebar or controls, the slide position in the URL.

Presenter mode is on for the Presenter page and for any view opened with ``?present=1``.
Its look is page-level CSS (a constant: no user or data text is ever put inside it). The
slide number and step live in the URL (``?present=1&slide=N&step=K``), so a copied link
opens the same slide; bad values become a notice, never an exception.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker.analysis.filters import FilterSpec
from tracker.present import charts, slides
from tracker.present.safety import plain_text
from tracker.present.text import md_escape
from tracker.ui import as_of, data, deck_builder, exports, presenter_keys, slide_fit

PAGE_PATH = "present"
CHART_CONFIG = {"displayModeBar": False, "scrollZoom": False}

_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], .st-key-presenter_keys { display: none !important; }
html { font-size: max(20px, min(2.7778vh, 1.5625vw)); }
.stApp, [data-testid="stMain"] { background: #FFFFFF; color: #000000; }
[data-testid="stMainBlockContainer"] {
  padding: 0.5rem 1.2rem 0.3rem 1.2rem !important; max-width: 100% !important;
}
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1rem; line-height: 1.32; color: #000000;
}
[data-testid="stMetricLabel"] * { font-size: 1rem !important; color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  font-size: 1rem !important; line-height: 1.3; color: #222222 !important;
  opacity: 1 !important;
}
[data-testid="stMain"] h1 { font-size: 1.7rem; line-height: 1.2; padding: 0.1rem 0 0 0; }
[data-testid="stHeading"] [data-testid="stMarkdownContainer"] { margin-bottom: 0; }
[data-testid="stMain"] h3 { font-size: 1.2rem; padding: 0; }
[data-testid="stAlert"] p { font-size: 1rem; }
[data-testid="stMain"] button p { font-size: 1rem; }
[data-testid="stMain"] :is([data-testid="stRadio"], [data-testid="stSelectbox"],
  [data-testid="stMultiSelect"], [data-testid="stSlider"], [data-testid="stCheckbox"],
  [data-testid="stTextInput"], [data-testid="stNumberInput"], [data-testid="stDateInput"],
  [data-testid="stExpander"], [data-testid="stSegmentedControl"],
  [data-testid="stDownloadButton"]) { display: none; }
</style>
"""
"""Constant CSS; type is set in rem on a root size that grows with the screen
(:data:`tracker.ui.slide_fit.ROOT_CSS`, which lays the slide out for it)."""


def is_requested() -> bool:
    """Whether the URL asks for presenter mode (``?present=1``)."""
    return st.query_params.get(slides.PRESENT_PARAM) == "1"


def apply_style() -> None:
    """Switch the page to the presenter look (constant CSS only)."""
    st.html(_CSS)


@st.cache_resource(show_spinner=False, max_entries=4)
def _deck(path: str, mtime_ns: int) -> slides.Deck:
    return slides.load_deck(Path(path))


def deck() -> slides.Deck:
    """The configured slide sequence, re-read when the file changes."""
    path = slides.default_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _deck(str(path), stamp)


PART_PARAM = "part"
"""A slide whose takeaways do not fit beside the figure is shown in parts (``&part=K``)."""
_SHOWN = "present_shown"  # (deck title, slide index, step, parts) of the last slide drawn
_LAST_PART = "present_last_part"  # set when going back onto a slide: open its last part


def position(current: slides.Deck) -> slides.Position:
    """The slide and step the URL asks for; anything invalid shows a notice instead."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    where, notices = slides.read_position(params, current)
    for notice in notices:
        st.warning(plain_text(notice), icon=":material/error:")  # notices quote the link
    return where


def _requested_part() -> int:
    """The part the URL asks for (1 when absent; made valid later against the screen)."""
    raw = st.query_params.get(PART_PARAM)
    if raw is None:
        return 1
    if not raw.strip().isdigit() or len(raw.strip()) > 3:
        st.warning(plain_text(f"Part '{raw[:20]}' is not a number; showing part 1."),
                   icon=":material/error:")
        return 1
    return max(int(raw), 1)


def _shown_parts(current: slides.Deck, where: slides.Position) -> int:
    """How many parts the slide at ``where`` had when it was last drawn (1 if not known)."""
    shown = st.session_state.get(_SHOWN)
    if shown and shown[:3] == (current.title, where.index, where.step):
        return shown[3]
    return 1


def go_to(target: slides.Position | None, part: int = 1) -> None:
    """Put a position in the URL (button callback; the script reruns on it)."""
    if target is None:
        return
    wanted = slides.query_for(target)
    for name in (slides.STEP_PARAM, PART_PARAM):
        if name not in wanted and name in st.query_params:
            del st.query_params[name]
    if part > 1:
        wanted[PART_PARAM] = str(part)
    elif PART_PARAM in st.query_params:
        del st.query_params[PART_PARAM]
    st.query_params.update(wanted)


def move(current: slides.Deck, action: str | None) -> None:
    """Go on, back, to the first or to the last slide, from where the URL is now.

    Worked out when the key or button arrives (not when the button was drawn), so two
    quick presses move twice. Parts of a split slide come before the next slide; going
    back onto a slide opens its last step and last part.
    """
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    where, _ = slides.read_position(params, current)
    raw = st.query_params.get(PART_PARAM, "1")
    part = int(raw) if raw.isdigit() and len(raw) <= 3 else 1
    parts = _shown_parts(current, where)
    if action == "next":
        if part < parts:
            go_to(where, part + 1)
        else:
            go_to(slides.next_position(current, where))
    elif action == "back":
        if part > 1:
            go_to(where, min(part, parts) - 1)
        elif (before := slides.previous_position(current, where)) is not None:
            st.session_state[_LAST_PART] = True
            go_to(before)
    elif action == "first":
        first = current.slides[0]
        go_to(slides.Position(0, 1 if first.step_count else None))
    elif action == "last":
        last = current.slides[-1]
        st.session_state[_LAST_PART] = True
        go_to(slides.Position(len(current) - 1, last.step_count or None))


def _on_key(current: slides.Deck) -> None:
    move(current, presenter_keys.pressed())


def header(current: slides.Deck, slide: slides.Slide, where: slides.Position) -> Any:
    """Title, then previous, the slide number and next; returns the column for a menu.

    Also listens for the keyboard and a clicker (see :mod:`tracker.ui.presenter_keys`).
    The buttons carry no tooltip: one would cover the slide's first line after a click.
    """
    presenter_keys.mount(functools.partial(_on_key, current))
    title, back, number, forward, menu = st.columns([7.4, 0.75, 0.95, 0.75, 1.7],
                                                    vertical_alignment="center")
    title.title(md_escape(slide.title), anchor=False)
    part = int(st.query_params.get(PART_PARAM, "1")) if st.query_params.get(
        PART_PARAM, "1").isdigit() else 1
    at_start = slides.previous_position(current, where) is None and part <= 1
    at_end = (slides.next_position(current, where) is None
              and part >= _shown_parts(current, where))
    back.button("◀", key="present_prev", on_click=move, args=(current, "back"),
                disabled=at_start, width="stretch")
    number.markdown(f"**{where.number} / {len(current)}**")
    forward.button("▶", key="present_next", on_click=move, args=(current, "next"),
                   disabled=at_end, width="stretch")
    return menu


def points(items: Sequence[slides.Point], step_text: str | None,
           part: tuple[int, int] = (1, 1)) -> None:
    """The step line and the takeaways, as escaped Markdown (brief text is untrusted)."""
    if step_text:
        st.markdown(f"**{md_escape(step_text)}**")
    if part[1] > 1:
        st.caption(f"Takeaways, part {part[0]} of {part[1]}")
    for point in items:
        named = step_text is not None and point.label in step_text
        heading = point.label[:1].upper() + point.label[1:]  # "internal governance" leads a line
        label = "" if named else f"**{md_escape(heading)}:** "
        st.markdown(f"{label}{md_escape(point.text)}")
        if point.check:
            st.caption(f"Against the data: {md_escape(point.check)}")
    if items:
        names = ", ".join(dict.fromkeys(p.citation for p in items))
        st.caption(f"Takeaways: {md_escape(names)}, in our words; the brief's views.")


def split_points(items: Sequence[slides.Point], step_text: str | None,
                 fit: slide_fit.Layout) -> list[list[slides.Point]]:
    """The takeaways in parts that each fit the text column at this screen's type size."""
    blocks = []
    for point in items:
        heights = [slide_fit.block_height(f"{point.label}: {point.text}", fit)]
        if point.check:
            heights.append(slide_fit.block_height(f"Against the data: {point.check}", fit,
                                                  caption=True))
        blocks.append(heights)
    names = ", ".join(dict.fromkeys(p.citation for p in items))
    fixed = slide_fit.block_height(f"Takeaways: {names}, in our words; the brief's views.",
                                   fit, caption=True)
    if step_text:
        fixed += slide_fit.block_height(step_text, fit, bold=True)
    fixed += slide_fit.block_height("Takeaways, part 1 of 2", fit, caption=True)
    groups = slide_fit.split(blocks, fixed, fit.body_height)
    return [[items[i] for i in group] for group in groups] or [[]]


def slide_look(fit: slide_fit.Layout) -> charts.Look:
    """The presenter look with type scaled to the screen (never smaller than at 720 p)."""
    base = charts.PRESENTER
    return dataclasses.replace(base, font_size=round(base.font_size * fit.scale),
                               title_size=round(base.title_size * fit.scale),
                               height=fit.figure_px[1])


def slide_body(current: slides.Deck, slide: slides.Slide, frame: pd.DataFrame,
               step: int | None, *, everything: pd.DataFrame | None = None) -> None:
    """The figure beside the takeaways, then the data line: one screen of any size.

    The figure is drawn at the size left on the screen the browser reported; takeaways
    that do not fit beside it go to further parts of the slide (``&part=K``). A briefing's
    takeaways slide (figure ``text``) is text across the screen; a slide without takeaways
    shows its talking points (when ``everything`` is given).
    """
    where = slides.Position(current.slides.index(slide), step)
    screen, _ = presenter_keys.reported_screen()
    line = slides.data_line(slide, frame)
    fit = slide_fit.layout(screen, slide.title, line)
    step_text = slide.step_label(step)
    if slide.steps == "day" and step:
        step_text = f"{step_text}: {slides.days(slide, frame)[step - 1].summary()}"
    groups = split_points(slides.takeaways(current, slide, frame, step=step), step_text, fit)
    part = len(groups) if st.session_state.pop(_LAST_PART, False) else _requested_part()
    part = min(part, len(groups))
    st.session_state[_SHOWN] = (current.title, where.index, where.step, len(groups))
    if str(part) != st.query_params.get(PART_PARAM, "1"):  # a link's part, made valid
        go_to(where, part)
    if slide.figure == "text":
        points(groups[part - 1], step_text, (part, len(groups)))
        st.caption(md_escape(line))
        return
    figure_col, text_col = st.columns(list(fit.columns), gap="medium")
    with figure_col:
        if frame.empty:
            st.info("No incident in the data for this slide's filter.",
                    icon=":material/search_off:")
        else:
            width, height = fit.figure_px
            fig = slides.build_figure(slide, frame, step=step, width=width, height=height,
                                      look=slide_look(fit))
            if slide.figure == "group_bars":  # upright numbers, a few of them
                fig.update_xaxes(tickangle=0, nticks=4)
            st.plotly_chart(fig, key="present_figure", config=CHART_CONFIG, width="stretch",
                            theme=None)
    with text_col:
        points(groups[part - 1], step_text, (part, len(groups)))
        if not any(groups) and everything is not None:
            deck_builder.talking_points(slide, frame, everything)
    st.caption(md_escape(line))


PROVINCE_VIEWS = {"balochistan": "Balochistan", "khyber_pakhtunkhwa": "Khyber Pakhtunkhwa"}
"""Province pages by URL path: in presenter mode they become their panels as slides."""
COUNTRY_VIEWS = ("", "overview", "surges", "coverage", "data", "briefs")
"""Dashboard views that become slides of their filter in presenter mode."""


def view_deck(url_path: str, spec: FilterSpec) -> slides.Deck | None:
    """A dashboard view opened with ``?present=1``, as slides of its own filter.

    Each of the view's panels that has a slide kind becomes a slide: the map (districts
    on a province page, provinces elsewhere), attacks per month beside the published
    count, and attacks by the group the reports name, each with the brief's takeaways
    for its area. None for pages that are not for presenting (uploads, batches,
    accounts, the audit log).
    """
    if url_path in PROVINCE_VIEWS:
        place = PROVINCE_VIEWS[url_path]
        spec = dataclasses.replace(spec, provinces=(place,))
        first = slides.Slide(id=url_path.replace("_", "-"),
                             title=f"{place}: attacks by district",
                             spec=spec, figure="district_map", regions=(place,))
    elif url_path in COUNTRY_VIEWS:
        place = " and ".join(spec.provinces) if 0 < len(spec.provinces) <= 2 else "Pakistan"
        first = slides.Slide(id=url_path or "overview", title=f"Militant attacks in {place}",
                             spec=spec, figure="province_map",
                             regions=spec.provinces or ("Pakistan",))
    else:
        return None
    more = (
        slides.Slide(id="over-time", title=f"{place}: attacks per month", spec=spec,
                     figure="timeline", regions=first.regions),
        slides.Slide(id="groups", title=f"{place}: attacks by the group named", spec=spec,
                     figure="group_bars", regions=first.regions),
    )
    return slides.Deck(title=f"{place} ({url_path or 'overview'})", subtitle="",
                       slides=(first, *more))


def show_view_deck(current: slides.Deck) -> None:
    """Draw a dashboard view's slides: title and buttons, an Export menu, figure, text."""
    where = position(current)
    slide = current.slides[where.index]
    menu = header(current, slide, where)
    export_menu = menu.popover("Export", icon=":material/download:", width="stretch")
    with export_menu:
        safe = data.safe_share_toggle()  # drawn first: it decides which incidents show
    frame = slides.slide_frame(slide, data.incidents(safe=safe))
    with export_menu:
        exports.slide_png_button(slide, frame, where.step, key="present_slide")
        exports.incidents_buttons(frame, key="present_rows", stem=slide.id)
        as_of.copy_link()
    slide_body(current, slide, frame, where.step)
