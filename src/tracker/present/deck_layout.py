"""The exported deck's pages, laid out once and drawn as PPTX (python-pptx) and PDF (reportlab).

:func:`plan_pages` turns the rendered slides into pages: the title slide, one page per
slide (its picture beside its takeaways, or its talking points where it has no takeaway),
continuation pages when the text does not fit at :data:`MIN_PT`, and the "Sources" pages
(outlets and their report counts) at the end. No text is set below :data:`MIN_PT`.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

MIN_PT = 14
"""The smallest type on any page (readable from the back of a room)."""
LARGEST_PT = 20

# layout of a 16:9 slide, in inches
W, H = 13.333, 7.5
TITLE = (0.45, 0.25, 12.4, 0.85)
PICTURE = (0.35, 1.15, 7.7, 5.35)
POINTS = (8.3, 1.15, 4.7, 5.2)
WIDE = (0.45, 1.15, 12.4, 5.2)
LINE = (0.35, 6.5, 11.4, 0.95)
NUMBER = (11.8, 6.95, 1.3, 0.45)
INK = (0x00, 0x00, 0x00)
GREY = (0x33, 0x33, 0x33)


@dataclass(frozen=True)
class Bullet:
    label: str
    text: str


@dataclass
class Page:
    """One page of the deck, ready to draw."""

    title: str
    bullets: list[Bullet] = field(default_factory=list)
    png: bytes | None = None
    description: str = ""
    credit: str | None = None
    line: str = ""
    notes: str = ""
    size: int = LARGEST_PT
    columns: int = 1
    """Bullets in this many columns side by side (the sources)."""


@dataclass(frozen=True)
class Cover:
    """The title slide's text."""

    title: str
    subtitle: str
    event: str
    presenter: str
    date: dt.date
    note: str
    notes: str


def fit_size(bullets: Sequence[Bullet], *, width_in: float, height_in: float,
             extra_lines: int = 0) -> int | None:
    """The largest size (pt, at least :data:`MIN_PT`) at which the bullets fit their box,
    by a width estimate (a character is about half the size wide; lines 1.2 × the size
    high, plus a gap after each bullet); None when they do not fit even at the minimum."""
    for size in range(LARGEST_PT, MIN_PT - 1, -1):
        per_line = max(int(width_in * 72 / (size * 0.5)), 1)
        lines = sum(math.ceil((len(b.label) + len(b.text) + 4) / per_line) for b in bullets)
        needed = ((lines + extra_lines) * 1.2 + len(bullets) * 0.6) * size / 72
        if needed <= height_in:
            return size
    return None


def split(bullets: Sequence[Bullet], *, width_in: float, height_in: float,
          extra_lines: int = 0) -> list[tuple[list[Bullet], int]]:
    """The bullets in as few boxes as fit at :data:`MIN_PT` or larger, in order, each with
    its size. A bullet too long for a box on its own is cut at a word boundary."""
    out: list[tuple[list[Bullet], int]] = []
    chunk: list[Bullet] = []
    for bullet in bullets:
        if fit_size([*chunk, bullet], width_in=width_in, height_in=height_in,
                    extra_lines=extra_lines) is not None:
            chunk.append(bullet)
            continue
        if chunk:
            out.append((chunk, 0))
        chunk = [bullet]
        while fit_size(chunk, width_in=width_in, height_in=height_in,
                       extra_lines=extra_lines) is None:
            words = chunk[0].text.split(" ")
            half = max(len(words) // 2, 1)
            out.append(([Bullet(chunk[0].label, " ".join(words[:half]) + " …")], 0))
            chunk = [Bullet(chunk[0].label, "… " + " ".join(words[half:]))]
    if chunk or not out:
        out.append((chunk, 0))
    return [(part, fit_size(part, width_in=width_in, height_in=height_in,
                            extra_lines=extra_lines) or MIN_PT) for part, _ in out]


def sources_pages(outlets: Sequence[tuple[str, int]], notes: str) -> list[Page]:
    """The closing "Sources" page: the outlets and how many of the deck's reports each gave,
    the most cited first, as many as fit at :data:`MIN_PT` in two columns; the rest are
    counted on the page and listed in its notes."""
    bullets = [Bullet(name, f"{n:,} report{'s' if n != 1 else ''}") for name, n in outlets]
    if not bullets:
        bullets = [Bullet("No source", "no incident on these slides")]
    column = split(bullets, width_in=WIDE[2] / 2 - 0.2, height_in=WIDE[3])
    fits = sum(len(part) for part, _ in column[:2])
    if fits < len(bullets):
        rest = len(bullets) - fits + 1
        bullets = [*bullets[:fits - 1],
                   Bullet("", f"{rest} other outlets, listed in this slide's notes")]
    size = min(s for _, s in column[:2])
    return [Page(title="Sources", bullets=bullets, size=size, notes=notes, columns=2,
                 line="News reports, as collected; every link is in the speaker notes and "
                      "in the incidents' CSV export.")]


def png_box(png: bytes, box: tuple[float, float, float, float]
            ) -> tuple[float, float, float, float]:
    """The largest rectangle of the picture's shape inside ``box`` (top left kept)."""
    with Image.open(io.BytesIO(png)) as image:
        ratio = image.width / image.height
    x, y, w, h = box
    if w / h > ratio:
        return x, y, h * ratio, h
    return x, y, w, w / ratio


# --- PPTX ----------------------------------------------------------------------------


def deck_pptx(cover: Cover, pages: Sequence[Page], *, now: dt.datetime | None = None) -> bytes:
    """The deck as PPTX bytes, with its core properties (title, author, created) set."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(W), Inches(H)
    blank = prs.slide_layouts[6]
    props = prs.core_properties
    props.title = cover.title
    props.author = props.last_modified_by = cover.presenter or "Pakistan incident tracker"
    props.subject = cover.event or cover.subtitle
    props.created = props.modified = now.replace(tzinfo=None)
    props.revision = 1
    props.comments = cover.note

    def box(page, rect, text, size, *, bold=False, color=INK):
        shape = page.shapes.add_textbox(*(Inches(v) for v in rect))
        frame = shape.text_frame
        frame.word_wrap = True
        run = frame.paragraphs[0].add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(max(size, MIN_PT)), bold
        run.font.color.rgb = RGBColor(*color)
        return frame

    first = prs.slides.add_slide(blank)
    box(first, (0.8, 1.6, 11.7, 1.3), cover.title, 40, bold=True)
    if cover.subtitle:
        box(first, (0.8, 2.9, 11.7, 0.9), cover.subtitle, 22, color=GREY)
    box(first, (0.8, 3.9, 11.7, 1.0), _cover_line(cover), 24)
    box(first, (0.8, 5.0, 11.7, 1.6), cover.note, MIN_PT, color=GREY)
    first.notes_slide.notes_text_frame.text = cover.notes

    for number, item in enumerate(pages, start=2):
        page = prs.slides.add_slide(blank)
        box(page, TITLE, item.title, 30, bold=True)
        rect = WIDE
        if item.png is not None:
            picture = page.shapes.add_picture(
                io.BytesIO(item.png), *(Inches(v) for v in png_box(item.png, PICTURE)))
            picture._element.nvPicPr.cNvPr.set("descr", item.description)
            rect = POINTS
        for box_rect, bullets in _columns(item, rect):
            frame = page.shapes.add_textbox(*(Inches(v) for v in box_rect)).text_frame
            frame.word_wrap = True
            for i, bullet in enumerate(bullets):
                para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
                para.space_after = Pt(item.size * 0.6)
                if bullet.label:
                    label = para.add_run()
                    label.text = f"• {bullet.label}: "
                    label.font.bold, label.font.size = True, Pt(item.size)
                body = para.add_run()
                body.text = bullet.text if bullet.label else f"• {bullet.text}"
                body.font.size = Pt(item.size)
            if item.credit and bullets is item.bullets:
                cite = frame.add_paragraph().add_run()
                cite.text = item.credit
                cite.font.size, cite.font.italic = Pt(MIN_PT), True
                cite.font.color.rgb = RGBColor(*GREY)
        if item.line:
            box(page, LINE, item.line, MIN_PT, color=GREY)
        box(page, NUMBER, f"{number} / {len(pages) + 1}", MIN_PT, color=GREY)
        page.notes_slide.notes_text_frame.text = item.notes
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _columns(item: Page, rect: tuple[float, float, float, float]
             ) -> list[tuple[tuple[float, float, float, float], list[Bullet]]]:
    """The page's text boxes: one, or side-by-side columns with the bullets shared out."""
    if not item.bullets:
        return []
    if item.columns <= 1:
        return [(rect, item.bullets)]
    x, y, w, h = rect
    per = -(-len(item.bullets) // item.columns)
    width = w / item.columns
    return [((x + i * width, y, width - 0.2, h), item.bullets[i * per:(i + 1) * per])
            for i in range(item.columns) if item.bullets[i * per:(i + 1) * per]]


def _cover_line(cover: Cover) -> str:
    parts = [p for p in (cover.event, cover.presenter) if p]
    parts.append(f"{cover.date.day} {cover.date:%B %Y}")
    return " · ".join(parts)


# --- PDF -----------------------------------------------------------------------------


def deck_pdf(cover: Cover, pages: Sequence[Page]) -> bytes:
    """The same pages as a PDF (reportlab): one 16:9 page each, text kept as text."""
    from reportlab.lib.colors import Color
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Frame, KeepInFrame, Paragraph

    regular, bold = _pdf_fonts()
    inch = 72.0
    page_w, page_h = W * inch, H * inch
    grey = Color(0.2, 0.2, 0.2)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(page_w, page_h))
    pdf.setTitle(cover.title)
    pdf.setAuthor(cover.presenter or "Pakistan incident tracker")
    pdf.setSubject(cover.event or cover.subtitle)

    def text_block(rect, paragraphs, size, *, font=regular, color=None):
        x, y, w, h = (v * inch for v in rect)
        style = ParagraphStyle("b", fontName=font, fontSize=size, leading=size * 1.25,
                               spaceAfter=size * 0.5, textColor=color or Color(0, 0, 0))
        flow = [Paragraph(p, style) for p in paragraphs]
        frame = Frame(x, page_h - y - h, w, h, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0, showBoundary=0)
        frame.addFromList([KeepInFrame(w, h, flow, mode="truncate")], pdf)

    text_block((0.8, 1.6, 11.7, 1.3), [escape(cover.title)], 40, font=bold)
    if cover.subtitle:
        text_block((0.8, 2.9, 11.7, 0.9), [escape(cover.subtitle)], 22, color=grey)
    text_block((0.8, 3.9, 11.7, 1.0), [escape(_cover_line(cover))], 24)
    text_block((0.8, 5.0, 11.7, 1.6), [escape(cover.note)], MIN_PT, color=grey)
    pdf.showPage()
    for number, item in enumerate(pages, start=2):
        text_block(TITLE, [escape(item.title)], 30, font=bold)
        rect = WIDE
        if item.png is not None:
            x, y, w, h = (v * inch for v in png_box(item.png, PICTURE))
            pdf.drawImage(ImageReader(io.BytesIO(item.png)), x, page_h - y - h, w, h)
            rect = POINTS
        for box_rect, bullets in _columns(item, rect):
            paragraphs = [(f"<font name='{bold}'>• {escape(b.label)}:</font> " if b.label
                           else "• ") + escape(b.text) for b in bullets]
            if item.credit and bullets is item.bullets:
                paragraphs.append(f"<font color='#333333' size='{MIN_PT}'>"
                                  f"{escape(item.credit)}</font>")
            text_block(box_rect, paragraphs, item.size)
        if item.line:
            text_block(LINE, [escape(item.line)], MIN_PT, color=grey)
        text_block(NUMBER, [f"{number} / {len(pages) + 1}"], MIN_PT, color=grey)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


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
