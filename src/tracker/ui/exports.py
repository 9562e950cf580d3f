"""Download buttons any page can call: a chart as PNG, the briefing deck, the incidents.

Files are built only when a button is pressed (Streamlit calls the function then, on its
own thread), so an unused button costs nothing. Everything is made offline by
:mod:`tracker.present.export`; CSV and Excel are safe against spreadsheet formulas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from tracker.analysis import asof
from tracker.analysis.filters import FilterSpec
from tracker.present import charts, export, slides
from tracker.ui import data, layout

PNG_MIME = "image/png"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DESK_PNG_WIDTH = 1000


def export_row(fig: go.Figure | Callable[[], go.Figure] | None, frame: pd.DataFrame, *,
               key: str, name: str) -> None:
    """PNG of a chart (when given) and the incidents behind the view as CSV and Excel.

    Parameters
    ----------
    fig
        The view's main chart or map, or a function that builds it (called only when the
        PNG button is pressed). Maps keep their centre and zoom and are exported at the
        width their zoom was fitted for.
    frame
        The filtered incidents the view shows.
    key
        Widget key prefix, starting with the page name (e.g. ``overview_export``).
    name
        File name stem (letters, digits and hyphens are kept).
    """
    stem = _stem(name)
    cols = st.columns(3 if fig is not None else 2)
    if fig is not None:
        line = _as_of_line(frame)
        spec = layout.current_spec()  # read now: the button's function runs off the script
        cols[0].download_button(
            "Chart as PNG", data=lambda: _desk_png(fig, line, frame, name, spec),
            file_name=f"{stem}.png",
            mime=PNG_MIME, key=f"{key}_png", icon=":material/image:", on_click="ignore",
            width="stretch", disabled=frame.empty,
        )
    incidents_buttons(frame, key=key, stem=stem, columns=cols[-2:])


def png_button(fig: go.Figure | Callable[[], go.Figure], *, key: str, name: str,
               disabled: bool = False) -> None:
    """A small "PNG" button under a chart: the image is drawn offline only when pressed."""
    line = _as_of_line(None)
    spec = layout.current_spec()  # read now: the button's function runs off the script
    st.download_button(
        "PNG", data=lambda: _desk_png(fig, line, None, name, spec), file_name=f"{_stem(name)}.png",
        mime=PNG_MIME,
        key=f"{key}_png", icon=":material/image:", on_click="ignore", disabled=disabled,
        help="Download this chart as an image (drawn on this machine, no internet needed)",
    )


def _desk_png(fig: go.Figure | Callable[[], go.Figure], line: str | None = None,
              frame: pd.DataFrame | None = None, name: str = "",
              spec: FilterSpec | None = None) -> bytes:
    figure = go.Figure(fig() if callable(fig) else fig)  # a copy: the page keeps its own
    width, height = desk_png_size(figure)
    figure.update_layout(width=width, height=height)
    _stand_alone(figure, frame, name, spec or FilterSpec())
    png = export.figure_png(figure, width=width, height=int(figure.layout.height))
    return asof.stamp_png(png, line) if line else png  # a view as of a moment says so


def _stand_alone(fig: go.Figure, frame: pd.DataFrame | None, name: str,
                 spec: FilterSpec) -> None:
    """Title, area and period, the sample caveat and the source on a dashboard PNG (no
    Streamlit call: this runs when the button is pressed, off the script's run)."""
    title = fig.layout.title.text or name.replace("-", " ").replace("_", " ").capitalize()
    if any(t.type == "scattermap" for t in fig.data):
        slides.add_size_key(fig, font_size=12)  # a map: what the bubble sizes mean
    source = (slides.source_summary(frame) if frame is not None
              else "news reports (each listed in the view's CSV export)")
    slides.stand_alone(fig, title=re.sub(r"<[^>]+>", "", str(title)),
                       area_period=f"{slides.area_words(spec)} · {spec.period_label(frame)}",
                       caveat=slides.CAVEAT, source=source, font_size=14)


def incidents_buttons(frame: pd.DataFrame, *, key: str, stem: str, columns=None) -> None:
    """The incidents behind a view as CSV and as Excel (formula-safe)."""
    first, second = columns if columns is not None else st.columns(2)
    n = len(frame)
    line = _as_of_line(frame)
    first.download_button(
        f"{n:,} incidents as CSV", data=lambda: export.incidents_csv(frame, line),
        file_name=f"{stem}-incidents.csv", mime="text/csv", key=f"{key}_csv",
        icon=":material/table:", on_click="ignore", width="stretch", disabled=n == 0,
    )
    second.download_button(
        f"{n:,} incidents as Excel", data=lambda: export.incidents_excel(frame),
        file_name=f"{stem}-incidents.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
        icon=":material/grid_on:", on_click="ignore", width="stretch", disabled=n == 0,
    )


def deck_buttons(deck: slides.Deck, incidents: pd.DataFrame, *, key: str, safe: bool) -> None:
    """The whole sequence as a PPTX deck and as a PDF (built when pressed, ~10–30 s)."""
    today = f"{dt.date.today():%Y-%m-%d}"
    st.download_button(
        "Whole deck as PowerPoint", data=lambda: _deck_bytes(deck, incidents, safe, "pptx"),
        file_name=f"briefing-{today}.pptx", mime=PPTX_MIME, key=f"{key}_pptx",
        icon=":material/slideshow:", on_click="ignore", width="stretch",
    )
    st.download_button(
        "Whole deck as PDF", data=lambda: _deck_bytes(deck, incidents, safe, "pdf"),
        file_name=f"briefing-{today}.pdf", mime="application/pdf", key=f"{key}_pdf",
        icon=":material/picture_as_pdf:", on_click="ignore", width="stretch",
    )


def slide_png_button(slide: slides.Slide, frame: pd.DataFrame, step: int | None, *,
                     key: str) -> None:
    """The current slide's figure as PNG, drawn and fitted at the deck's image size."""
    width, height = export.SLIDE_FIGURE_PX

    def _png() -> bytes:
        fig = export.slide_picture(slide, frame, step, width=width, height=height)
        png = export.picture_png(fig, width=width)
        if slide.spec.as_of is not None:  # a view as of a moment says so
            png = asof.stamp_png(png, slides.data_line(slide, frame))
        return png

    suffix = f"-step{step}" if step else ""
    st.download_button(
        "This figure as PNG", data=_png, file_name=f"{_stem(slide.id)}{suffix}.png",
        mime=PNG_MIME, key=f"{key}_png", icon=":material/image:", on_click="ignore",
        width="stretch", disabled=frame.empty or slide.figure == "text",
    )


def desk_png_size(fig: go.Figure) -> tuple[int, int]:
    """Figure pixels to export a dashboard figure at: maps at the width their zoom fits."""
    height = int(fig.layout.height or charts.DESK.height)
    has_map = any(t.type in ("scattermap", "choroplethmap", "densitymap") for t in fig.data)
    return (charts.MAP_WIDTH_PX if has_map else DESK_PNG_WIDTH), height


def _deck_bytes(deck: slides.Deck, incidents: pd.DataFrame, safe: bool, kind: str) -> bytes:
    pptx, pdf, _ = export.build_deck(deck, incidents, pptx=kind == "pptx", pdf=kind == "pdf",
                                     safe=safe)
    return (pdf if kind == "pdf" else pptx) or b""


def _as_of_line(frame: pd.DataFrame | None) -> str | None:
    """The data line of a view from an ``as_of`` link (None when live), for its exports."""
    moment = data.as_of()
    if moment is None:
        return None
    if frame is None:
        return f"Data as of {asof.label(moment)}"
    line = asof.data_line(moment, frame)
    return line[:1].upper() + line[1:]


def _stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-")[:60] or "export"
