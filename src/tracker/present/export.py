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
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from tracker import schema
from tracker.analysis.filters import FilterSpec
from tracker.briefs import loading
from tracker.present import deck_layout, safety, slides, summary

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
    png: bytes | None
    points: tuple[slides.Point, ...]
    data_line: str
    notes: str
    summary: str = ""
    """The slide in words (:mod:`tracker.present.summary`): the picture's description (alt text)."""
    talking: tuple[str, ...] = ()
    """Talking points from the data in view (:mod:`tracker.present.talking`)."""
    figure: go.Figure | None = None
    """The figure drawn into ``png``, with its title, caveat and source line."""
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Source links of the slide's incidents, by outlet."""


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


def slide_picture(slide: slides.Slide, frame: pd.DataFrame, step: int | None = None, *,
                  width: int = SLIDE_FIGURE_PX[0], height: int = SLIDE_FIGURE_PX[1]
                  ) -> go.Figure | None:
    """The slide's figure as it leaves the app: fitted to ``width`` × ``height``, with its
    title, area and period, the sample caveat and the source line (None: a text slide).
    Export it at ``fig.layout.height`` (the caption adds to ``height``)."""
    if slide.figure == "text":
        return None
    fig = slides.build_figure(slide, frame, step=step, width=width, height=height)
    where = f"{slides.area_words(slide.spec)} · {slide.spec.period_label(frame)}"
    if slide.steps == "day" and step:
        where += f" · {slide.step_label(step)}"
    if slide.spec.as_of is not None:
        from tracker.analysis import asof

        where += f" · data as of {asof.label(slide.spec.as_of)}"
    return slides.stand_alone(fig, title=slide.title, area_period=where,
                              caveat=slides.CAVEAT, source=slides.source_summary(frame))


def picture_png(fig: go.Figure, width: int = SLIDE_FIGURE_PX[0]) -> bytes:
    """The PNG of a :func:`slide_picture` figure, at the height it grew to."""
    return figure_png(fig, width=width, height=int(fig.layout.height))


def render_slides(deck: slides.Deck, incidents: pd.DataFrame, *,
                  library: loading.Library | None = None,
                  timings: Timings | None = None) -> list[RenderedSlide]:
    """Build every slide of ``deck`` on ``incidents``: figure PNG, takeaways, notes.

    A slide stepped by day is exported at its last day (the whole window) and its notes
    walk through the days; a slide stepped by theme shows every theme's takeaway.
    """
    from tracker.present import talking

    timings = timings if timings is not None else Timings()
    library = library or loading.load_library()
    timings.session += start_session()
    assigned = slides.assign_takeaways(deck, library)
    out = []
    for number, slide in enumerate(deck.slides, start=1):
        frame = slides.slide_frame(slide, incidents)
        began = time.perf_counter()
        fig = slide_picture(slide, frame)
        png = picture_png(fig) if fig is not None else None
        timings.figures.append(time.perf_counter() - began)
        points = tuple(slides.takeaways(deck, slide, frame, library=library, assigned=assigned))
        line = slides.data_line(slide, frame)
        words = slide_summary(slide, frame, incidents)
        said = tuple(talking.talking_points(slide, frame, incidents))
        notes = speaker_notes(slide, frame, points, line, library, summary=words,
                              talking=said)
        out.append(RenderedSlide(number, slide, png, points, line, notes, words, said, fig,
                                 slides.sources_by_outlet(frame)))
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
                  summary: str = "", talking: Sequence[str] = ()) -> str:
    """The presenter's notes: talking points first, then the slide in words, the data
    line, the day-by-day walk, the claims and citations, and the sources by outlet."""
    parts = ["Talking points:\n" + "\n".join(f"- {t}" for t in talking)] if talking else []
    if summary:
        parts.append(f"In short: {summary}")
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
    parts.append(sources_note(frame, limit))
    return "\n\n".join(parts)


def sources_note(frame: pd.DataFrame, limit: int = 40) -> str:
    """The slide's sources grouped by outlet, at most ``limit`` links (newest first)."""
    grouped = slides.sources_by_outlet(frame.sort_values("date", ascending=False).head(limit))
    head = f"Sources of the {len(frame):,} incidents, by outlet"
    if len(frame) > limit:
        head += f" (the {limit} most recent; the CSV export lists every one)"
    lines = [f"{outlet} ({len(links)}): " + " ; ".join(links)
             for outlet, links in grouped.items()]
    return head + ":\n" + "\n".join(lines)


def title_line(deck: slides.Deck, incidents: pd.DataFrame, *, safe: bool) -> str:
    """The title slide's line about the data (period, count, sample, what was left out)."""
    moment = deck.slides[0].spec.as_of if deck.slides else None  # see slides.with_as_of
    line = slides.describe_data(FilterSpec(as_of=moment), incidents)
    if safe:
        line += " Batches not yet reviewed and batches marked sensitive are left out."
    return line


def plan(deck: slides.Deck, rendered: Sequence[RenderedSlide], *, title_note: str,
         exported: dt.date | None = None) -> tuple[deck_layout.Cover, list[deck_layout.Page]]:
    """The deck's pages: the title slide, each slide (split when its text does not fit at
    14 pt), then the sources by outlet."""
    cover_fields = deck.cover
    cover = deck_layout.Cover(
        title=deck.title, subtitle=deck.subtitle, event=cover_fields.event,
        presenter=cover_fields.presenter,
        date=cover_fields.date or exported or dt.date.today(), note=title_note,
        notes=f"{title_note}\nSlides: " + "; ".join(f"{r.number}. {r.slide.title}"
                                                    for r in rendered))
    pages: list[deck_layout.Page] = []
    outlets: dict[str, set[str]] = {}
    for item in rendered:
        for outlet, links in item.sources.items():
            outlets.setdefault(outlet, set()).update(links)
        if item.points:
            bullets = [deck_layout.Bullet(p.label, p.text) for p in item.points]
            credit = _takeaway_credit(item.points)
        else:
            bullets = [deck_layout.Bullet("", t) for t in item.talking]
            credit = None
        rect = deck_layout.POINTS if item.png is not None else deck_layout.WIDE
        parts = deck_layout.split(bullets, width_in=rect[2], height_in=rect[3],
                                  extra_lines=3 if credit else 0)
        for i, (part, size) in enumerate(parts):
            first = i == 0
            pages.append(deck_layout.Page(
                title=item.slide.title + ("" if first else " (continued)"), bullets=part,
                png=item.png if first else None,
                description=item.summary or f"{item.slide.title}. {item.data_line}",
                credit=credit if i == len(parts) - 1 else None, line=item.data_line,
                notes=item.notes if first else "Continued from the previous slide.",
                size=size))
    ranked = sorted(((name, len(links)) for name, links in outlets.items()),
                    key=lambda pair: (-pair[1], pair[0]))
    every = "\n".join(f"{name} ({len(links)}): " + " ; ".join(sorted(links))
                      for name, links in sorted(outlets.items(),
                                                key=lambda kv: (-len(kv[1]), kv[0])))
    pages += deck_layout.sources_pages(
        ranked, notes="Every source on these slides, by outlet:\n" + every)
    return cover, pages


def deck_pptx(deck: slides.Deck, rendered: Sequence[RenderedSlide], *, title_note: str,
              exported: dt.date | None = None) -> bytes:
    """The deck as PPTX bytes: a title slide, the slides, the sources."""
    cover, pages = plan(deck, rendered, title_note=title_note, exported=exported)
    return deck_layout.deck_pptx(cover, pages)


def deck_pdf(deck: slides.Deck, rendered: Sequence[RenderedSlide], *, title_note: str,
             exported: dt.date | None = None) -> bytes:
    """The same deck as a PDF (reportlab): one 16:9 page per slide, text kept as text."""
    cover, pages = plan(deck, rendered, title_note=title_note, exported=exported)
    return deck_layout.deck_pdf(cover, pages)


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
