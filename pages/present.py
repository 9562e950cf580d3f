"""Presenter: the briefing sequence one slide at a time, for sharing a screen.

The slide number and step are in the URL (``?present=1&slide=N&step=K``); the sequence is
``data/slides.yaml``. Large type, no sidebar, nothing that scrolls at 1280 × 720.
"""

import streamlit as st

from tracker import slides
from tracker.briefs import md_escape
from tracker.ui import data, exports, layout, present

layout.start_page()  # before anything draws (a link may be a fresh server's first)

deck = present.deck()
where = present.position(deck)
slide = deck.slides[where.index]
menu = present.header(deck, slide, where)
export_menu = menu.popover("Export", icon=":material/download:", width="stretch")
with export_menu:
    safe = data.safe_share_toggle()  # drawn first: it decides which incidents show
everything = data.incidents(safe=safe)
frame = slides.slide_frame(slide, everything)
with export_menu:
    exports.slide_png_button(slide, frame, where.step, key="present_slide")
    exports.deck_buttons(deck, everything, key="present_deck", safe=safe)
    exports.incidents_buttons(frame, key="present_rows", stem=slide.id)

figure_col, text_col = st.columns([1.42, 1], gap="medium")
with figure_col:
    if frame.empty:
        st.info("No incident in the data for this slide's filter.", icon=":material/search_off:")
    else:
        width, height = present.FIGURE_PX
        st.plotly_chart(
            slides.build_figure(slide, frame, step=where.step, width=width, height=height),
            key="present_figure", config=present.CHART_CONFIG, width="stretch", theme=None,
        )
with text_col:
    step_text = slide.step_label(where.step)
    if slide.steps == "day" and where.step:
        step_text = f"{step_text}: {slides.days(slide, frame)[where.step - 1].summary()}"
    present.points(slides.takeaways(deck, slide, frame, step=where.step), step_text)
st.caption(md_escape(slides.data_line(slide, frame)))
