"""Presenter: the briefing sequence one slide at a time, for sharing a screen.

The slide number and step are in the URL (``?present=1&slide=N&step=K``); the sequence is
``data/slides.yaml``, or a saved briefing (``?briefing=NAME``) built in the
Export menu's Briefings part. Large type, no sidebar, nothing that scrolls at 1280 × 720.
"""


import streamlit as st

from tracker.present import slides
from tracker.ui import as_of, data, deck_builder, exports, layout, present

layout.start_page()  # before anything draws (a link may be a fresh server's first)

chosen = deck_builder.deck(present.deck())  # ?briefing=NAME, else the bundled sequence
deck = slides.with_as_of(chosen, data.as_of())  # data lines name a link's moment
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
    as_of.copy_link()
    deck_builder.builder(st.container())  # build, save and open briefings (same menu: no scroll)

present.slide_body(deck, slide, frame, where.step, everything=everything)
