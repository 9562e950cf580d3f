"""A briefing built on the Presenter page: saved, reopened by link, exported to PPTX.

A Khyber Pakhtunkhwa briefing of five slides (headline, map, timeline, perpetrators,
takeaways) is built in the app, saved in the store, opened by its link (also as of a
moment), and exported by ``tracker export-deck --briefing``. The PPTX is then opened: the
five slides sit between the title slide and the sources, every picture's figure carries
its title and the caveat, the notes open with talking points that hold numbers, and the
core properties name the deck, its presenter and today.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tests.app.conftest import run_page, session_for
from tracker.access.accounts import Accounts
from tracker.cli import main
from tracker.present import briefing, export, slides
from tracker.store.database import Store

PAGE = "pages/present.py"
NAME = "kp-round-table"
KINDS = ["headline", "map", "timeline", "perpetrators", "takeaways"]


def researcher(url: str) -> dict:
    Accounts(Store(url)).add("ayesha", "researcher", "a long passphrase 1", actor="test")
    return session_for(url, "ayesha")


def build(at, **changes):
    """Fill the builder's form for the KP briefing and press Save and open."""
    values = {"brief_name": NAME, "brief_title": "Attacks in Khyber Pakhtunkhwa",
              "brief_event": "Round table on the north-west", "brief_presenter": "A. Rahman"}
    values.update(changes)
    for key, value in values.items():
        at.text_input(key=key).input(value)
    at.selectbox(key="brief_region").select("Khyber Pakhtunkhwa")
    at.date_input(key="brief_start").set_value(dt.date(2025, 3, 1))
    at.date_input(key="brief_end").set_value(dt.date(2025, 5, 31))
    at.multiselect(key="brief_slides").set_value(KINDS)
    at.button(key="FormSubmitter:briefing_form-Save and open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def slide_number(at) -> str:
    return next(m.value for m in at.markdown if re.fullmatch(r"\*\*\d+ / \d+\*\*", m.value))


def test_a_kp_briefing_is_built_saved_reopened_and_exported(app_store, bundled, tmp_path):
    at = run_page(PAGE, query={"present": "1"}, session=researcher(app_store))
    assert not at.exception
    build(at)
    assert at.query_params[briefing.BRIEFING_PARAM] == NAME
    assert slide_number(at) == "**1 / 5**"
    assert at.title[0].value.replace("\\", "") == "Khyber Pakhtunkhwa: the numbers"

    saved = briefing.load(NAME, store=Store(app_store))
    assert saved is not None and saved.provinces == ("Khyber Pakhtunkhwa",)
    assert list(saved.slides) == KINDS and saved.presenter == "A. Rahman"

    # reopened by its link, by a signed-out visitor: slide 3 is the KP timeline
    link = run_page(PAGE, query={"present": "1", "briefing": NAME, "slide": "3"})
    assert not link.exception and not link.warning, [w.value for w in link.warning]
    assert slide_number(link) == "**3 / 5**"
    assert link.title[0].value.replace("\\", "").startswith("Khyber Pakhtunkhwa: attacks per")
    kp = bundled[(bundled["province"] == "Khyber Pakhtunkhwa")
                 & bundled["date"].between("2025-03-01", "2025-05-31")]
    lines = [c.value.replace("\\", "") for c in link.caption]
    assert any(f" · {len(kp):,} sourced incidents · " in t for t in lines), lines
    talk = [m.value.replace("\\", "") for m in link.markdown if m.value.startswith("- ")]
    assert talk and f"{len(kp):,} attacks in Khyber Pakhtunkhwa" in talk[0]

    # as of a moment, the link says so
    moment = run_page(PAGE, query={"present": "1", "briefing": NAME,
                                   "as_of": "2026-02-24T10:00:00Z"})
    assert not moment.exception
    assert any("as of 24 Feb 2026" in c.value.replace("\\", "") for c in moment.caption)

    # exported from the store by name
    out = tmp_path / "kp.pptx"
    result = CliRunner().invoke(main, ["export-deck", "--out", str(out), "--briefing", NAME,
                                       "--include-unreviewed"])
    export.stop_session()
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    titles = [page.shapes[0].text_frame.text for page in prs.slides]
    deck = saved.to_deck(bundled)
    assert titles[1:6] == [s.title for s in deck.slides]
    assert titles[-1] == "Sources" and len(prs.slides) == 1 + 5 + 1
    cover = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert "Round table on the north-west · A. Rahman · " in cover
    props = prs.core_properties
    assert props.title == "Attacks in Khyber Pakhtunkhwa" and props.author == "A. Rahman"
    assert props.created.date() == dt.datetime.now(dt.UTC).date()
    for page, slide in zip(list(prs.slides)[1:6], deck.slides, strict=True):
        notes = page.notes_slide.notes_text_frame.text
        assert notes.startswith("Talking points:\n- "), slide.id
        first = notes.split("\n")[1]
        assert re.search(r"\d", first), (slide.id, first)
        assert notes.rstrip().splitlines()[-1].count("http") >= 1  # sources last, by outlet
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (0 if slide.figure == "text" else 1), slide.id
        for shape in page.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        assert run.font.size is None or run.font.size.pt >= 14, run.text
    sources = " ".join(s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    top_outlet = kp["source_name"].value_counts().index[0]
    assert top_outlet in sources


def test_every_picture_of_the_briefing_carries_title_caveat_and_source(bundled):
    """The figures as they go into the deck (checked before any image is drawn)."""
    made = briefing.parse({"name": NAME, "title": "KP", "provinces": ["Khyber Pakhtunkhwa"],
                           "start": "2025-03-01", "end": "2025-05-31", "slides": KINDS})
    deck = made.to_deck(bundled)
    drawn = 0
    for slide in deck.slides:
        fig = export.slide_picture(slide, slides.slide_frame(slide, bundled))
        if slide.figure == "text":
            assert fig is None
            continue
        drawn += 1
        text = " ".join(re.sub(r"<[^>]+>", " ", a.text) for a in fig.layout.annotations)
        text = " ".join(text.split())
        assert slide.title in text
        assert "Khyber Pakhtunkhwa · 1 Mar 2025 – 31 May 2025" in text
        assert slides.SAMPLE_NOTE in text and "Source: news reports (" in text
        if slide.figure == "district_map":
            assert slide_figures_key(fig)
    assert drawn == 4


def slide_figures_key(fig) -> bool:
    """The map's bubble-size key: its title and at least two circles."""
    from tracker.present.slide_figures import KEY_TITLE

    circles = [s for s in fig.layout.shapes if s.type == "circle"]
    return any(a.text == KEY_TITLE for a in fig.layout.annotations) and len(circles) >= 2


def test_saving_needs_an_account_and_bad_input_is_refused(app_store):
    at = run_page(PAGE, query={"present": "1"})
    build(at)
    assert briefing.BRIEFING_PARAM not in at.query_params
    assert any("Sign in as a researcher" in e.value for e in at.error)
    at = run_page(PAGE, query={"present": "1"}, session=researcher(app_store))
    build(at, brief_name="<b>bad name</b>")
    assert any(e.value.replace("\\", "").startswith("name: 1 to 60") for e in at.error)
    assert briefing.names(store=Store(app_store)) == []


def test_an_unknown_briefing_link_falls_back_with_a_notice(app_store):
    at = run_page(PAGE, query={"present": "1", "briefing": "no-such-briefing"})
    assert not at.exception
    assert any("No briefing is saved as" in w.value for w in at.warning)
    assert slide_number(at) == f"**1 / {len(slides.load_deck())}**"


@pytest.mark.parametrize("fields", [
    {"provinces": ["Atlantis"]}, {"districts": ["Nowhere"]}, {"slides": []},
    {"slides": ["pie"]}, {"start": "2025-05-01", "end": "2025-03-01"},
    {"title": "a\x00b"}, {"name": "../etc"},
])
def test_a_briefing_is_validated(fields):
    base = {"name": "ok", "title": "T", "slides": ["map"]}
    with pytest.raises(briefing.BriefingError):
        briefing.parse({**base, **fields})
