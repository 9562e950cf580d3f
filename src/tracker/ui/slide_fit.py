"""How a presenter slide fills a screen: type size, figure size and where text must split.

Presenter mode lays a slide out for the browser window it is shown in (the window size
is reported by the presenter's keyboard component, see :mod:`tracker.ui.presenter_keys`).
Type scales with the screen and never drops below 20 px; the figure takes the height
left under the title; and when the takeaways do not fit beside the figure at that size
the slide is split into parts rather than set in smaller type. No Streamlit here, so the
arithmetic is testable on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BASE_W, BASE_H = 1280, 720
"""The screen the presenter look was designed at (type at 20 px)."""
MIN_TEXT_PX = 20.0
ROOT_CSS = "max(20px, min(2.7778vh, 1.5625vw))"
"""The root font size as CSS: 20 px at 1280 × 720, growing with the screen (see :func:`root_px`)."""

# Layout in root-font units (rem), as the presenter CSS sets them.
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 0.5, 0.3, 1.2
HEADER_REM = 2.6  # title row: the title's line or the buttons, whichever is taller
GAP_REM = 0.45  # between blocks (the CSS sets the vertical block gap)
COLUMN_GAP_REM = 1.0  # Streamlit's "medium" column gap
LINE = 1.32  # body line height (em)
CAPTION_LINE = 1.3
TITLE_EM = 1.7
SAFETY_REM = 0.7  # rounding in the browser's layout; keeps the page from scrolling
CHAR_EM = 0.48  # an average character of the UI font (measured ~0.475 em)
BOLD_CHAR_EM = 0.48  # a bold title character (measured 0.41–0.46 em)


@dataclass(frozen=True)
class Screen:
    """A browser window's inner size in CSS pixels."""

    width: int = BASE_W
    height: int = BASE_H

    @classmethod
    def parse(cls, value: object) -> Screen | None:
        """A size the browser reported (``{"w": .., "h": ..}``), or None if unusable."""
        if not isinstance(value, dict):
            return None
        w, h = value.get("w"), value.get("h")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (w, h)):
            return None
        if not (320 <= w <= 10_000 and 240 <= h <= 10_000):
            return None
        return cls(int(w), int(h))


def root_px(screen: Screen) -> float:
    """The root font size :data:`ROOT_CSS` gives on ``screen`` (body text is 1 rem)."""
    return max(MIN_TEXT_PX, min(screen.height * 2.7778 / 100, screen.width * 1.5625 / 100))


@dataclass(frozen=True)
class Layout:
    """Where things go on one screen, in CSS pixels."""

    screen: Screen
    rem: float
    columns: tuple[float, float]
    figure_px: tuple[int, int]
    text_width: float
    body_height: float

    @property
    def scale(self) -> float:
        """How much larger than at 1280 × 720 (figure type grows by this)."""
        return self.rem / MIN_TEXT_PX


def layout(screen: Screen, title: str, data_line: str) -> Layout:
    """The figure's size and the text column's box for a slide on ``screen``.

    The title row and the data line under the figure take what their text needs at this
    type size (a long title wraps on a narrow screen); the figure gets the rest.
    """
    rem = root_px(screen)
    wide = screen.width / screen.height >= 1.5
    columns = (1.42, 1.0) if wide else (1.2, 1.0)
    content_w = screen.width - 2 * PAD_SIDE * rem
    title_w = (content_w - 4 * rem) * 7.4 / 11.55  # its share of the header row, less 4 gaps
    title_h = lines(title, title_w, rem * TITLE_EM, bold=True) * rem * TITLE_EM * 1.2
    header_h = max(HEADER_REM * rem, title_h + 0.4 * rem)
    line_h = lines(data_line, content_w, rem) * rem * CAPTION_LINE
    body = (screen.height - (PAD_TOP + PAD_BOTTOM) * rem - header_h - line_h
            - (2 * GAP_REM + SAFETY_REM) * rem)
    share = (content_w - COLUMN_GAP_REM * rem) / sum(columns)
    figure_w, text_w = share * columns[0], share * columns[1]
    return Layout(screen=screen, rem=rem, columns=columns,
                  figure_px=(int(figure_w), max(int(body), 200)),
                  text_width=text_w, body_height=body)


def lines(text: str, width_px: float, font_px: float, *, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a box ``width_px`` wide (a cautious estimate)."""
    char = font_px * (BOLD_CHAR_EM if bold else CHAR_EM)
    room = max(int(width_px // char), 8)
    count, used = 1, 0
    for word in text.split():
        n = len(word)
        if used and used + 1 + n > room:
            count, used = count + 1, 0
        while n > room:  # a very long word (a URL) breaks where it must
            count, n = count + 1, n - room
        used = used + (1 if used else 0) + n
    return count


def block_height(text: str, fit: Layout, *, caption: bool = False, bold: bool = False) -> float:
    """Height of one paragraph in the text column, with the gap after it."""
    line = CAPTION_LINE if caption else LINE
    n = lines(text, fit.text_width, fit.rem, bold=bold)
    return n * fit.rem * line + GAP_REM * fit.rem


def split(blocks: Sequence[Sequence[float]], fixed: float, room: float) -> list[list[int]]:
    """Group blocks (each a list of paragraph heights kept together) into parts that fit.

    ``fixed`` is the height every part repeats (the step line, the citation line) and
    ``room`` the column's height. Order is kept; a block too tall for any part gets a part
    of its own (it cannot be made smaller: the type does not shrink).
    """
    parts: list[list[int]] = [[]]
    used = fixed
    for i, block in enumerate(blocks):
        need = math.fsum(block)
        if parts[-1] and used + need > room:
            parts.append([])
            used = fixed
        parts[-1].append(i)
        used += need
    return parts
