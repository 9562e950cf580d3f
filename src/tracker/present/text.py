"""Small text helpers shared by every layer: clipping, plurals, date ranges, link values,
perpetrator lists, Markdown-safe text and store URLs without their password.

Each rule is written once here, so a date range or a plural reads the same on every page,
slide and export.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from tracker.present.safety import escape_markdown

PERPETRATOR_SEPARATOR = "; "
"""How several named groups share one perpetrator cell ("BLA; BLF")."""


def split_perpetrators(value: object) -> list[str]:
    """The named groups of one perpetrator cell; a missing cell is ``[""]``, as pandas'
    ``fillna("").str.split("; ")`` gives."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return [""]
    return str(value).split(PERPETRATOR_SEPARATOR)


def split_perpetrator_column(values: pd.Series) -> pd.Series:
    """:func:`split_perpetrators` over a column (lists of names; missing → ``[""]``)."""
    return values.fillna("").str.split(PERPETRATOR_SEPARATOR)


def clip(text: object, n: int = 40) -> str:
    """Printable characters only, cut to ``n`` with an ellipsis: safe to quote in a notice."""
    text = "".join(ch for ch in str(text) if ch.isprintable())
    return text if len(text) <= n else text[:n] + "…"


def last_value(value: object) -> str | None:
    """The last of a link parameter's values (a text or a list of them), or None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence) and value:
        return str(value[-1])
    return None


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 attack', '2,345 attacks' (``plural_form`` for irregular words)."""
    return f"{count:,} {singular if count == 1 else (plural_form or singular + 's')}"


def day_label(day: object) -> str:
    """A day as readers write it ("5 Mar 2025"), the same on every operating system."""
    return f"{day.day} {day:%b %Y}"


def date_range(start: dt.date, end: dt.date) -> str:
    """'15 Mar 2025', '15–16 Mar 2025', '30 Mar – 2 Apr 2025' or across years in full."""
    if start == end:
        return day_label(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def md_escape(text: str) -> str:
    """Untrusted text (a brief, a file, a link) for ``st.markdown`` / ``st.caption``: runs of
    whitespace become one space (no headings or lists from line breaks), then every Markdown
    character is escaped."""
    return escape_markdown(re.sub(r"\s+", " ", str(text)).strip())


def hide_password(url: str) -> str:
    """A store URL as text with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
