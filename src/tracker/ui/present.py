"""Presenter mode: large type, no sidebar or controls, the slide position in the URL.

Presenter mode is on for the Presenter page and for any view opened with ``?present=1``.
Its look is page-level CSS (a constant: no user or data text is ever put inside it). The
slide number and step live in the URL (``?present=1&slide=N&step=K``), so a copied link
opens the same slide; bad values become a notice, never an exception.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from tracker.analysis.filters import FilterSpec
from tracker.present import slides
from tracker.present.safety import plain_text
from tracker.present.text import md_escape
from tracker.ui import as_of, data, exports

PAGE_PATH = "present"
FIGURE_PX = (720, 530)
"""Size the slide figure is drawn at on a 1280 × 720 screen (maps fit their zoom to it)."""
CHART_CONFIG = {"displayModeBar": False, "scrollZoom": False}

_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"] { display: none !important; }
html { font-size: 20px; }
.stApp, [data-testid="stMain"] { background: #FFFFFF; color: #000000; }
[data-testid="stMainBlockContainer"] {
  padding: 0.5rem 1.2rem 0.3rem 1.2rem !important; max-width: 100% !important;
}
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  line-height: 1.32; color: #000000;
}
[data-testid="stMetricLabel"] * { font-size: 20px !important; color: #000000; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {
  font-size: 20px !important; line-height: 1.3; color: #222222 !important;
  opacity: 1 !important;
}
[data-testid="stMain"] h1 { font-size: 34px; line-height: 1.2; padding: 0.1rem 0 0 0; }
[data-testid="stMain"] h3 { font-size: 24px; padding: 0; }
[data-testid="stAlert"] p { font-size: 20px; }
[data-testid="stMain"] button p { font-size: 20px; }
[data-testid="stMain"] :is([data-testid="stRadio"], [data-testid="stSelectbox"],
  [data-testid="stMultiSelect"], [data-testid="stSlider"], [data-testid="stCheckbox"],
  [data-testid="stTextInput"], [data-testid="stNumberInput"], [data-testid="stDateInput"],
  [data-testid="stExpander"], [data-testid="stSegmentedControl"],
  [data-testid="stDownloadButton"]) { display: none; }
</style>
"""


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


def position(current: slides.Deck) -> slides.Position:
    """The slide and step the URL asks for; anything invalid shows a notice instead."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    where, notices = slides.read_position(params, current)
    for notice in notices:
        st.warning(plain_text(notice), icon=":material/error:")  # notices quote the link
    return where


def go_to(target: slides.Position | None) -> None:
    """Put a position in the URL (button callback; the script reruns on it)."""
    if target is None:
        return
    wanted = slides.query_for(target)
    if slides.STEP_PARAM not in wanted and slides.STEP_PARAM in st.query_params:
        del st.query_params[slides.STEP_PARAM]
    st.query_params.update(wanted)


def header(current: slides.Deck, slide: slides.Slide, where: slides.Position) -> Any:
    """Title, then previous, the slide number and next; returns the column for a menu."""
    title, back, number, forward, menu = st.columns([7.4, 0.75, 0.95, 0.75, 1.7],
                                                    vertical_alignment="center")
    title.title(md_escape(slide.title), anchor=False)
    before = slides.previous_position(current, where)
    after = slides.next_position(current, where)
    back.button("◀", key="present_prev", on_click=go_to, args=(before,),
                disabled=before is None, help="Previous (slide or step)", width="stretch")
    number.markdown(f"**{where.number} / {len(current)}**")
    forward.button("▶", key="present_next", on_click=go_to, args=(after,),
                   disabled=after is None, help="Next (step or slide)", width="stretch")
    return menu


def points(items: Sequence[slides.Point], step_text: str | None) -> None:
    """The step line and the takeaways, as escaped Markdown (brief text is untrusted)."""
    if step_text:
        st.markdown(f"**{md_escape(step_text)}**")
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


def slide_body(current: slides.Deck, slide: slides.Slide, frame: pd.DataFrame,
               step: int | None) -> None:
    """The figure beside the takeaways, then the data line: one screen at 1280 × 720."""
    figure_col, text_col = st.columns([1.42, 1], gap="medium")
    with figure_col:
        if frame.empty:
            st.info("No incident in the data for this slide's filter.",
                    icon=":material/search_off:")
        else:
            width, height = FIGURE_PX
            st.plotly_chart(
                slides.build_figure(slide, frame, step=step, width=width, height=height),
                key="present_figure", config=CHART_CONFIG, width="stretch", theme=None,
            )
    with text_col:
        step_text = slide.step_label(step)
        if slide.steps == "day" and step:
            step_text = f"{step_text}: {slides.days(slide, frame)[step - 1].summary()}"
        points(slides.takeaways(current, slide, frame, step=step), step_text)
    st.caption(md_escape(slides.data_line(slide, frame)))


PROVINCE_VIEWS = {"balochistan": "Balochistan", "khyber_pakhtunkhwa": "Khyber Pakhtunkhwa"}
"""Province pages by URL path: in presenter mode they become a district map slide."""
COUNTRY_VIEWS = ("", "overview", "surges", "coverage", "data", "briefs")
"""Dashboard views that become a Pakistan map slide of their filter in presenter mode."""


def view_slide(url_path: str, spec: FilterSpec) -> slides.Slide | None:
    """A dashboard view opened with ``?present=1``, as one slide of its own filter.

    Presenter mode must fit one screen, so a view is shown as its main figure with the
    brief's takeaways for its regions, like a slide of the sequence. None for pages that
    are not for presenting (uploads, batches, accounts, the audit log).
    """
    if url_path in PROVINCE_VIEWS:
        province = PROVINCE_VIEWS[url_path]
        return slides.Slide(id=url_path, title=f"{province}: attacks by district",
                            spec=dataclasses.replace(spec, provinces=(province,)),
                            figure="district_map", regions=(province,))
    if url_path in COUNTRY_VIEWS:
        where = " and ".join(spec.provinces) if 0 < len(spec.provinces) <= 2 else "Pakistan"
        return slides.Slide(id=url_path or "overview", title=f"Militant attacks in {where}",
                            spec=spec, figure="province_map",
                            regions=spec.provinces or ("Pakistan",))
    return None


def show_view_slide(slide: slides.Slide) -> None:
    """Draw a dashboard view as a slide: title, an Export menu, figure and takeaways."""
    title, menu = st.columns([8.3, 1.7], vertical_alignment="center")
    title.title(md_escape(slide.title), anchor=False)
    export_menu = menu.popover("Export", icon=":material/download:", width="stretch")
    with export_menu:
        safe = data.safe_share_toggle()  # drawn first: it decides which incidents show
    frame = slides.slide_frame(slide, data.incidents(safe=safe))
    with export_menu:
        exports.slide_png_button(slide, frame, None, key="present_slide")
        exports.incidents_buttons(frame, key="present_rows", stem=slide.id)
        as_of.copy_link()
    current = slides.Deck(title=slide.title, subtitle="", slides=(slide,))
    slide_body(current, slide, frame, None)
