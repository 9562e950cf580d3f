"""Exports: PNGs through one kaleido session, the deck as PPTX and PDF, safe spreadsheets.

The deck is opened again with python-pptx and checked slide by slide; pictures are
checked for drawn pixels with Pillow. One test runs ``tracker export-deck`` in a network
namespace that has only a loopback interface (``unshare -rn``) and first proves, inside
that same sandbox, that an outbound connection fails.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import textwrap

import openpyxl
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tracker.present import export, slides
from tracker.store.database import Store

DECK = slides.load_deck()


def _drawn(png: bytes) -> tuple[float, float]:
    """(largest channel standard deviation, share of pixels that are not near-white)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    spread = max(ImageStat.Stat(image).stddev)
    grey = image.convert("L")
    inked = sum(grey.histogram()[:235]) / (grey.width * grey.height)
    return spread, inked


@pytest.fixture(scope="module")
def deck_files(tmp_path_factory, bundled):
    folder = tmp_path_factory.mktemp("deck")
    result = export.export_deck(DECK, bundled, folder / "deck.pptx", folder / "deck.pdf")
    yield result
    export.stop_session()


def test_figure_png_is_a_drawn_image_of_the_asked_size(bundled):
    slide = DECK.slides[0]
    fig = slides.build_figure(slide, bundled, width=400, height=300)
    png = export.figure_png(fig, width=400, height=300, scale=1)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (400, 300)
    spread, inked = _drawn(png)
    assert spread > 10 and inked > 0.05
    assert export.start_session() == 0.0  # the one session is still open: nothing started


def test_figure_png_refuses_a_bad_size(bundled):
    fig = slides.build_figure(DECK.slides[-1], bundled)
    with pytest.raises(ValueError, match="must be positive"):
        export.figure_png(fig, width=0, height=10)


def _title(page) -> str:
    return page.shapes[0].text_frame.text


def _slide_pages(prs) -> list[list]:
    """Each configured slide's pages: its own, then any "(continued)" ones."""
    groups: list[list] = []
    for page in list(prs.slides)[1:-1]:
        if _title(page).endswith(" (continued)"):
            groups[-1].append(page)
        else:
            groups.append([page])
    return groups


def test_deck_has_a_title_and_one_slide_per_configured_slide(deck_files, bundled):
    prs = Presentation(str(deck_files.pptx))
    assert _title(list(prs.slides)[-1]) == "Sources"
    assert len(_slide_pages(prs)) == len(DECK)
    title_text = " ".join(s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)
    assert DECK.title in title_text
    assert "a sample of reported attacks, not a complete count" in title_text
    assert "left out" in title_text  # says that unreviewed and sensitive batches are not shown
    assert prs.slides[0].notes_slide.notes_text_frame.text.strip()
    assigned = slides.assign_takeaways(DECK)
    for group, slide in zip(_slide_pages(prs), DECK.slides, strict=True):
        page = group[0]
        frame = slides.slide_frame(slide, bundled)
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1, slide.id
        spread, inked = _drawn(pictures[0].image.blob)
        assert spread > 10 and inked > 0.03, f"{slide.id}: the picture looks blank"
        text = " ".join(s.text_frame.text for p in group for s in p.shapes if s.has_text_frame)
        text = text.replace(" … … ", " ")  # a takeaway cut across two slides
        assert slide.title in text
        points = slides.takeaways(DECK, slide, frame, assigned=assigned)
        assert points, slide.id
        for point in points:
            assert point.text in text, (slide.id, point.label)
        assert slides.data_line(slide, frame) in text
        notes = page.notes_slide.notes_text_frame.text
        assert slides.data_line(slide, frame) in notes
        assert ("Day by day:" in notes) == (slide.steps == "day")
        assert "Sanober Institute" in notes
        assert notes.startswith("Talking points:\n- ")
        links = set(frame.sort_values("date", ascending=False).head(40)["source_url"])
        assert len(re.findall(r"https?://", notes)) == len(links)
        for part in group:  # nothing under 14 pt
            for shape in (s for s in part.shapes if s.has_text_frame):
                sizes = [r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs
                         if r.font.size is not None]
                assert min(sizes, default=14) >= 14, (slide.id, shape.text_frame.text[:40])


def test_surge_notes_walk_through_the_days(deck_files, bundled):
    prs = Presentation(str(deck_files.pptx))
    index = [s.id for s in DECK.slides].index("march-2025-surge")
    notes = _slide_pages(prs)[index][0].notes_slide.notes_text_frame.text
    surge = DECK.slides[index]
    for day in slides.days(surge, slides.slide_frame(surge, bundled)):
        assert f"{day.label()}: {day.summary()}" in notes


def test_pdf_has_the_same_pages_with_pictures(deck_files):
    data = deck_files.pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", data)
    assert len(pages) == len(Presentation(str(deck_files.pptx)).slides)
    assert len(re.findall(rb"/Subtype\s*/Image", data)) == len(DECK)


def test_timings_are_recorded(deck_files):
    timings = deck_files.timings
    assert len(timings.figures) == len(DECK)
    assert timings.total >= sum(timings.figures) > 0
    assert "figures" in timings.describe()


def test_spreadsheets_are_safe_against_formulas(bundled):
    frame = bundled.head(4).copy()
    frame["summary"] = frame["summary"].astype(object)
    frame.loc[frame.index[0], "summary"] = '=HYPERLINK("http://example.invalid","x")'
    frame.loc[frame.index[1], "summary"] = "@SUM(A1:A9)"
    text = export.incidents_csv(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert not re.search(r'(^|,)"?[=@]', text, flags=re.M)
    book = openpyxl.load_workbook(io.BytesIO(export.incidents_excel(frame)))
    sheet = book.active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert sheet.max_row == len(frame) + 1
    assert all(c.data_type != "f" for c in cells)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)
    dates = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert dates == sorted(dates, reverse=True)  # newest first


SANDBOXED = textwrap.dedent("""
    import socket, sys
    for host, port in (("1.1.1.1", 80), ("8.8.8.8", 53), ("151.101.1.69", 443)):
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError:
            continue
        sys.exit(f"network is reachable inside the sandbox: {host}:{port}")
    try:
        socket.getaddrinfo("pypi.org", 443)
    except OSError:
        pass
    else:
        sys.exit("names resolve inside the sandbox")
    print("sandbox: no network")
    from tracker.cli import main
    main(sys.argv[1:])
""")


def test_deck_export_works_with_the_network_blocked(tmp_path):
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "-rn", "true"], capture_output=True) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.fail("This test needs `unshare -rn` (user and network namespaces, from "
                    "util-linux) to cut the network; it is missing or not permitted here.")
    url = f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    Store(url).seed()
    out, pdf = tmp_path / "offline.pptx", tmp_path / "offline.pdf"
    env = {**os.environ, "TRACKER_DB_URL": url, "TRACKER_STATE_DIR": str(tmp_path / "state")}
    run = subprocess.run(
        [unshare, "-rn", sys.executable, "-c", SANDBOXED, "export-deck", "--out", str(out),
         "--pdf", str(pdf)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("sandbox: no network")
    assert "Time: " in run.stdout and " s in all" in run.stdout
    print(run.stdout)  # the whole-deck export time, shown with pytest -s
    prs = Presentation(str(out))
    assert len(_slide_pages(prs)) == len(DECK) and _title(list(prs.slides)[-1]) == "Sources"
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_every_picture_has_the_slide_in_words_as_its_description(deck_files, bundled):
    """Alt text for screen readers: the summary of the slide's own data."""
    from tracker.analysis import aggregates

    prs = Presentation(str(deck_files.pptx))
    for group, slide in zip(_slide_pages(prs), DECK.slides, strict=True):
        page = group[0]
        frame = slides.slide_frame(slide, bundled)
        pictures = [s for s in page.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        for picture in pictures:
            descr = picture._element.nvPicPr.cNvPr.get("descr")
            assert descr and descr.strip(), slide.id
            assert f"{len(frame):,} attack" in descr, (slide.id, descr)
            if len(frame):
                assert f"{aggregates.headline(frame).killed:,} " in descr
        notes = page.notes_slide.notes_text_frame.text
        assert notes.startswith("Talking points:") and pictures[0]._element.nvPicPr.cNvPr.get(
            "descr") in notes


def test_a_deck_as_of_a_moment_says_so_on_every_slide_and_the_title(bundled):
    """No images drawn here: a tiny PNG stands in for each figure."""
    import datetime as dt

    blank = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(blank, format="PNG")
    moment = dt.datetime(2026, 2, 24, 10, 0)
    deck = slides.with_as_of(DECK, moment)
    rendered = []
    for number, slide in enumerate(deck.slides, start=1):
        frame = slides.slide_frame(slide, bundled)
        words = export.slide_summary(slide, frame, bundled)
        rendered.append(export.RenderedSlide(number, slide, blank.getvalue(), (),
                                             slides.data_line(slide, frame), "", words))
    note = export.title_line(deck, bundled, safe=False)
    prs = Presentation(io.BytesIO(export.deck_pptx(deck, rendered, title_note=note)))
    for page in list(prs.slides)[:-1]:  # the title and every slide (not the sources)
        text = " ".join(s.text_frame.text for s in page.shapes if s.has_text_frame)
        assert "Data as of 24 Feb 2026 10:00 UTC" in text
    assert all(item.summary for item in rendered)
