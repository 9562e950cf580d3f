"""Offline exports: figure PNGs, the briefing deck (PPTX and PDF), incident CSV and Excel.

Every image goes through kaleido and the system Chromium in **one long-lived export
session** per process (:func:`start_session`), started with MathJax off: kaleido otherwise
adds MathJax from a CDN, and a browser per image costs seconds. Nothing here fetches
anything from the internet. The deck is built from the same slides presenter mode shows
(:mod:`tracker.present.slides`): a title slide, then per slide its figure, the brief's takeaways as
bullets, the data line, and speaker notes with the data line and the sources. The PDF is
the same deck drawn with reportlab from the same PNGs. Spreadsheets go through
:mod:`tracker.present.safety`, so no cell can run as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import plotly.graph_objects as go

from tracker import schema
from tracker.analysis.filters import FilterSpec
from tracker.briefs import loading
from tracker.present import safety, slides, summary

PNG_SCALE = 2
"""Pixels per figure pixel in exported images (sharp on a projector, ~0.2 s per chart)."""
SLIDE_FIGURE_PX = (760, 520)
"""Size a deck figure is laid out at (as on screen); exported at ``PNG_SCALE`` times it."""


class ExportError(RuntimeError):
    """An export could not be made (e.g. no Chromium for the image session)."""


# --- the image session -------------------------------------------------------------------

_session_lock = threading.Lock()
_render_lock = threading.Lock()
_session_started = False


def start_session() -> float:
    """Start the process's one kaleido session (MathJax off); seconds it took (0 if running).

    kaleido finds the system Chromium (Debian's ``chromium``) itself; ``BROWSER_PATH``
    overrides it. The session lives until the process ends or :func:`stop_session`.
    """
    global _session_started
    with _session_lock:
        if _session_started:
            return 0.0
        import kaleido

        began = time.perf_counter()
        kaleido.start_sync_server(mathjax=False, silence_warnings=True)
        _session_started = True
        try:  # draw a blank image now: Chromium starts here, not inside the first figure
            with _render_lock:
                kaleido.calc_fig_sync({"data": [], "layout": {}},
                                      opts={"format": "png", "width": 8, "height": 8})
        except Exception:  # reported with its reason by the first real figure
            pass
        return time.perf_counter() - began


def stop_session() -> None:
    """Close the export session (tests; the process exit closes it otherwise)."""
    global _session_started
    with _session_lock:
        if not _session_started:
            return
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _session_started = False


def figure_png(fig: go.Figure, *, width: int, height: int, scale: float = PNG_SCALE) -> bytes:
    """A PNG of ``fig`` drawn at ``width`` × ``height`` figure pixels (times ``scale``).

    Maps keep the centre and zoom they carry, so build a map for the size it is exported at
    (e.g. ``slides.build_figure(..., width=, height=)``).

    Raises
    ------
    ExportError
        When Chromium cannot be found or the image cannot be drawn.
    """
    if width <= 0 or height <= 0 or scale <= 0:
        raise ValueError(f"`width`, `height` and `scale` must be positive, got "
                         f"{width}, {height}, {scale}")
    import kaleido
    from kaleido.errors import ChromeNotFoundError

    start_session()
    spec = fig.to_dict()
    spec.setdefault("layout", {}).update(width=width, height=height)
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    try:
        with _render_lock:  # the session answers one request at a time, in order
            image = kaleido.calc_fig_sync(spec, opts=opts)
    except ChromeNotFoundError:
        raise ExportError(
            "Image export needs Chromium or Chrome: install Debian's `chromium` package, "
            "or set BROWSER_PATH to the browser's path."
        ) from None
    except Exception as exc:  # kaleido reports drawing failures as plain exceptions
        raise ExportError(f"The image could not be drawn: {exc}") from exc
    if not image.startswith(b"\x89PNG"):
        raise ExportError("The image session returned something other than a PNG.")
    return image


# --- the deck ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedSlide:
    """Everything one deck slide shows, ready to lay out."""

    number: int
    slide: slides.Slide
    png: bytes
    points: tuple[slides.Point, ...]
    data_line: str
    notes: str
    summary: str = ""
    """The slide in words (:mod:`tracker.present.summary`): the picture's description (alt text)."""


@dataclass
class Timings:
    """Seconds spent on each part of a deck export (printed by ``tracker export-deck``)."""

    session: float = 0.0
    figures: list[float] = field(default_factory=list)
    pptx: float = 0.0
    pdf: float = 0.0
    total: float = 0.0

    def describe(self) -> str:
        per = ", ".join(f"{s:.2f}" for s in self.figures)
        text = (f"{self.total:.2f} s in all: export session start {self.session:.2f} s, "
                f"{len(self.figures)} figures {sum(self.figures):.2f} s ({per}), "
                f"PPTX {self.pptx:.2f} s")
        return text + (f", PDF {self.pdf:.2f} s" if self.pdf else "")


def render_slides(deck: slides.Deck, incidents: pd.DataFrame, *,
                  library: loading.Library | None = None,
                  timings: Timings | None = None) -> list[RenderedSlide]:
    """Build every slide of ``deck`` on ``incidents``: figure PNG, takeaways, notes.

    A slide stepped by day is exported at its last day (the whole window) and its notes
    walk through the days; a slide stepped by theme shows every theme's takeaway.
    """
    timings = timings if timings is not None else Timings()
    library = library or loading.load_library()
    timings.session += start_session()
    width, height = SLIDE_FIGURE_PX
    assigned = slides.assign_takeaways(deck, library)
    out = []
    for number, slide in enumerate(deck.slides, start=1):
        frame = slides.slide_frame(slide, incidents)
        began = time.perf_counter()
        fig = slides.build_figure(slide, frame, width=width, height=height)
        png = figure_png(fig, width=width, height=height)
        timings.figures.append(time.perf_counter() - began)
        points = tuple(slides.takeaways(deck, slide, frame, library=library, assigned=assigned))
        line = slides.data_line(slide, frame)
        words = slide_summary(slide, frame, incidents)
        out.append(RenderedSlide(number, slide, png, points, line,
                                 speaker_notes(slide, frame, points, line, library,
                                               summary=words), words))
    return out


def slide_summary(slide: slides.Slide, frame: pd.DataFrame, incidents: pd.DataFrame) -> str:
    """The slide in words: its incidents against the period before, with any surge."""
    from tracker.analysis import aggregates, surge_detection

    previous = slide.spec.previous_period()
    span = aggregates.data_span(incidents)
    found = surge_detection.find_surges(slide.spec.with_dates(None, None).apply(incidents))
    return summary.summarise(frame, slide.spec,
                             previous=previous.apply(incidents) if previous else None,
                             surges=found, data_start=span[0] if span else None,
                             coverage_pair=summary.period_coverage(slide.spec, incidents))


def speaker_notes(slide: slides.Slide, frame: pd.DataFrame, points: Sequence[slides.Point],
                  line: str, library: loading.Library | None = None, limit: int = 40, *,
                  summary: str = "") -> str:
    """The presenter's notes: the slide in words, the data line, the day-by-day walk,
    citations, the sources."""
    parts = [f"In short: {summary}"] if summary else []
    parts.append(f"What the data is: {line}")
    if slide.steps == "day":
        parts.append("Day by day:\n" + "\n".join(
            f"- {day.label()}: {day.summary()}" for day in slides.days(slide, frame)))
    checks = [f"- {p.label}: {p.check}" for p in points if p.check]
    if checks:
        parts.append("Claims against the data:\n" + "\n".join(checks))
    cited = slides.citations(points, library)
    if cited:
        parts.append("Takeaways paraphrased from, and attributed to: " + "; ".join(cited)
                     + ". They are the brief's views, not findings of this dataset.")
    listed = slides.sources(frame, limit=limit)
    head = f"Sources of the {len(frame):,} incidents"
    if len(frame) > limit:
        head += f" (the {limit} most recent; the CSV export lists every one)"
    parts.append(head + ":\n" + "\n".join(f"- {s}" for s in listed))
    return "\n\n".join(parts)


def title_line(deck: slides.Deck, incidents: pd.DataFrame, *, safe: bool) -> str:
    """The title slide's line about the data (period, count, sample, what was left out)."""
    moment = deck.slides[0].spec.as_of if deck.slides else None  # see slides.with_as_of
    line = slides.describe_data(FilterSpec(as_of=moment), incidents)
    if safe:
        line += " Batches not yet reviewed and batches marked sensitive are left out."
    return line


# layout of a 16:9 slide, in inches
_W, _H = 13.333, 7.5
_TITLE = (0.45, 0.25, 12.4, 0.85)
_PICTURE = (0.35, 1.2, 7.7, 7.7 * SLIDE_FIGURE_PX[1] / SLIDE_FIGURE_PX[0])
_POINTS = (8.3, 1.15, 4.7, 5.3)
_LINE = (0.35, 6.6, 12.6, 0.75)
_INK = (0x00, 0x00, 0x00)
_GREY = (0x33, 0x33, 0x33)


def deck_pptx(deck: slides.Deck, rendered: Sequence[RenderedSlide], *, title_note: str,
              exported: dt.date | None = None) -> bytes:
    """The deck as PPTX bytes: a title slide, then one picture slide per rendered slide."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    exported = exported or dt.date.today()
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(_W), Inches(_H)
    blank = prs.slide_layouts[6]

    def box(page, rect, text, size, *, bold=False, color=_INK):
        shape = page.shapes.add_textbox(*(Inches(v) for v in rect))
        frame = shape.text_frame
        frame.word_wrap = True
        run = frame.paragraphs[0].add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = RGBColor(*color)
        return frame

    first = prs.slides.add_slide(blank)
    box(first, (0.8, 2.2, 11.7, 1.3), deck.title, 40, bold=True)
    if deck.subtitle:
        box(first, (0.8, 3.5, 11.7, 1.0), deck.subtitle, 22, color=_GREY)
    box(first, (0.8, 4.8, 11.7, 1.6), f"{title_note} Exported {exported.day} {exported:%B %Y}.", 14,
        color=_GREY)
    first.notes_slide.notes_text_frame.text = (
        f"{title_note}\nSlides: " + "; ".join(f"{r.number}. {r.slide.title}" for r in rendered))

    for item in rendered:
        page = prs.slides.add_slide(blank)
        box(page, _TITLE, item.slide.title, 30, bold=True)
        picture = page.shapes.add_picture(io.BytesIO(item.png),
                                          *(Inches(v) for v in _PICTURE))
        describe_picture(picture, item.summary or f"{item.slide.title}. {item.data_line}")
        size = _fit_points_size(item.points, width_in=_POINTS[2], height_in=_POINTS[3])
        frame = page.shapes.add_textbox(*(Inches(v) for v in _POINTS)).text_frame
        frame.word_wrap = True
        for i, point in enumerate(item.points):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.space_after = Pt(size * 0.6)
            label = para.add_run()
            label.text = f"• {point.label}: "
            label.font.bold, label.font.size = True, Pt(size)
            body = para.add_run()
            body.text = point.text
            body.font.size = Pt(size)
        if item.points:
            cite = frame.add_paragraph().add_run()
            cite.text = _takeaway_credit(item.points)
            cite.font.size, cite.font.italic = Pt(max(size - 3, 10)), True
            cite.font.color.rgb = RGBColor(*_GREY)
        box(page, _LINE, item.data_line, 13, color=_GREY)
        box(page, (11.9, 7.05, 1.2, 0.35), f"{item.number + 1} / {len(rendered) + 1}", 11,
            color=_GREY)
        page.notes_slide.notes_text_frame.text = item.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def describe_picture(picture, text: str) -> None:
    """Set a PPTX picture's description (the alt text screen readers speak)."""
    picture._element.nvPicPr.cNvPr.set("descr", text)


def deck_pdf(deck: slides.Deck, rendered: Sequence[RenderedSlide], *, title_note: str,
             exported: dt.date | None = None) -> bytes:
    """The same deck as a PDF (reportlab): one 16:9 page per slide, text kept as text."""
    from reportlab.lib.colors import Color
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, KeepInFrame, Paragraph

    exported = exported or dt.date.today()
    regular, bold = _pdf_fonts()
    inch = 72.0
    page_w, page_h = _W * inch, _H * inch
    grey = Color(0.2, 0.2, 0.2)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(page_w, page_h))
    pdf.setTitle(deck.title)
    pdf.setAuthor("Pakistan incident tracker")

    def text_block(rect, paragraphs, size, *, font=regular, color=None, shrink=True):
        x, y, w, h = (v * inch for v in rect)
        style = ParagraphStyle("b", fontName=font, fontSize=size, leading=size * 1.25,
                               spaceAfter=size * 0.5, textColor=color or Color(0, 0, 0))
        flow = [Paragraph(p, style) for p in paragraphs]
        frame = Frame(x, page_h - y - h, w, h, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0, showBoundary=0)
        frame.addFromList([KeepInFrame(w, h, flow, mode="shrink")] if shrink else flow, pdf)

    text_block((0.8, 2.2, 11.7, 1.3), [escape(deck.title)], 40, font=bold)
    if deck.subtitle:
        text_block((0.8, 3.5, 11.7, 1.0), [escape(deck.subtitle)], 22, color=grey)
    exported_on = f"{exported.day} {exported:%B %Y}"
    text_block((0.8, 4.8, 11.7, 1.6), [escape(f"{title_note} Exported {exported_on}.")],
               14, color=grey)
    pdf.showPage()
    for item in rendered:
        text_block(_TITLE, [escape(item.slide.title)], 30, font=bold)
        x, y, w, h = (v * inch for v in _PICTURE)
        pdf.drawImage(ImageReader(io.BytesIO(item.png)), x, page_h - y - h, w, h)
        size = _fit_points_size(item.points, width_in=_POINTS[2], height_in=_POINTS[3])
        paragraphs = [f"<font name='{bold}'>• {escape(p.label)}:</font> {escape(p.text)}"
                      for p in item.points]
        if item.points:
            paragraphs.append(f"<font color='#333333' size='{max(size - 3, 10)}'>"
                              f"{escape(_takeaway_credit(item.points))}</font>")
        text_block(_POINTS, paragraphs, size)
        text_block(_LINE, [escape(item.data_line)], 13, color=grey)
        text_block((11.9, 7.05, 1.2, 0.35), [f"{item.number + 1} / {len(rendered) + 1}"], 11,
                   color=grey)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@dataclass(frozen=True)
class DeckFiles:
    """What :func:`export_deck` wrote, and how long it took."""

    pptx: Path | None
    pdf: Path | None
    slides: int
    timings: Timings


def build_deck(deck: slides.Deck, incidents: pd.DataFrame, *, pptx: bool = True,
               pdf: bool = False, safe: bool = True, library: loading.Library | None = None
               ) -> tuple[bytes | None, bytes | None, Timings]:
    """Render the whole sequence once; return the PPTX and/or PDF bytes and the timings.

    ``incidents`` should already be what may be shown; ``safe`` only says on the title
    slide that unreviewed and sensitive batches were left out.
    """
    timings = Timings()
    began = time.perf_counter()
    rendered = render_slides(deck, incidents, library=library, timings=timings)
    note = title_line(deck, incidents, safe=safe)
    pptx_bytes = pdf_bytes = None
    if pptx:
        mark = time.perf_counter()
        pptx_bytes = deck_pptx(deck, rendered, title_note=note)
        timings.pptx = time.perf_counter() - mark
    if pdf:
        mark = time.perf_counter()
        pdf_bytes = deck_pdf(deck, rendered, title_note=note)
        timings.pdf = time.perf_counter() - mark
    timings.total = time.perf_counter() - began
    return pptx_bytes, pdf_bytes, timings


def export_deck(deck: slides.Deck, incidents: pd.DataFrame, pptx_path: Path | None,
                pdf_path: Path | None = None, *, safe: bool = True,
                library: loading.Library | None = None) -> DeckFiles:
    """Write the deck as PPTX and/or PDF files (see :func:`build_deck`)."""
    pptx_bytes, pdf_bytes, timings = build_deck(
        deck, incidents, pptx=pptx_path is not None, pdf=pdf_path is not None, safe=safe,
        library=library)
    if pptx_path is not None and pptx_bytes is not None:
        Path(pptx_path).write_bytes(pptx_bytes)
    if pdf_path is not None and pdf_bytes is not None:
        Path(pdf_path).write_bytes(pdf_bytes)
    return DeckFiles(Path(pptx_path) if pptx_path else None,
                     Path(pdf_path) if pdf_path else None, len(deck), timings)


def _takeaway_credit(points: Sequence[slides.Point]) -> str:
    names = ", ".join(dict.fromkeys(p.citation for p in points))
    return f"Takeaways: {names}, in this project's words; the brief's views, not the data's."


def _fit_points_size(points: Sequence[slides.Point], *, width_in: float, height_in: float,
                     largest: int = 18, smallest: int = 10) -> int:
    """The largest font size (pt) at which the takeaways fit their box, by a width estimate.

    An average sans-serif character is about half the font size wide; lines are 1.2 ×
    the size high, plus the gap after each bullet and the credit line.
    """
    for size in range(largest, smallest - 1, -1):
        per_line = max(int(width_in * 72 / (size * 0.5)), 1)
        lines = sum(math.ceil((len(p.label) + len(p.text) + 4) / per_line) for p in points)
        needed = (lines * 1.2 + len(points) * 0.6 + 2.5) * size / 72
        if needed <= height_in:
            return size
    return smallest


def _pdf_fonts() -> tuple[str, str]:
    """DejaVu Sans when the system has it (wide character coverage), else Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path("/usr/share/fonts/truetype/dejavu")
    try:
        if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(folder / "DejaVuSans.ttf")))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
        return "DejaVuSans", "DejaVuSans-Bold"
    except Exception:  # no such font file here: the PDF base fonts need no file
        return "Helvetica", "Helvetica-Bold"


# --- spreadsheets ------------------------------------------------------------------------


def incidents_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The incidents behind a view in canonical columns, newest first."""
    columns = [c for c in schema.COLUMNS if c in frame.columns]
    return frame.loc[:, columns].sort_values("date", ascending=False, ignore_index=True)


def incidents_csv(frame: pd.DataFrame, line: str | None = None) -> bytes:
    """CSV of the incidents behind a view, safe against spreadsheet formulas; ``line`` (the
    data line of a view as of a moment) goes above the header, where the importer skips it."""
    from tracker.analysis import asof

    body = safety.to_safe_csv(incidents_table(frame))
    return asof.stamp_csv(body, line) if line else body


def incidents_excel(frame: pd.DataFrame) -> bytes:
    """Excel workbook of the incidents behind a view, safe against spreadsheet formulas."""
    return safety.to_safe_excel(incidents_table(frame))
