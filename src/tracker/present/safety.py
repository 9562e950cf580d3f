"""Making user and data text safe to hand on: spreadsheets and plain-text display.

Exports never let a spreadsheet run a cell as a formula: a cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (the OWASP
advice for CSV injection). Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run, made inert; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM so Excel reads Urdu right), formula-safe."""
    # Quote every text cell: pandas leaves a lone carriage return unquoted otherwise.
    text = neutralise_formulas(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8-sig")


def to_safe_excel(frame: pd.DataFrame, sheet_name: str = "incidents") -> bytes:
    """An .xlsx workbook, formula-safe, with dates as dates."""
    buffer = io.BytesIO()
    safe = neutralise_formulas(frame)
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
            safe[column] = safe[column].dt.tz_localize(None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()


MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$:=^&"
"""Characters Streamlit's Markdown gives a meaning to (CommonMark, colour and icon codes, LaTeX,
entities)."""
_MARKDOWN_ACTIVE = re.compile("([" + re.escape(MARKDOWN_SPECIALS) + "])")


def escape_markdown(text: object) -> str:
    """Text shown literally in Streamlit Markdown (titles, captions, labels, messages).

    Every special character gets a backslash, so ``**x**``, ``[a](javascript:…)``,
    ``:red[x]`` or ``$x$`` from a file or a URL show as typed.
    """
    return _MARKDOWN_ACTIVE.sub(r"\\\1", str(text))


_AUTOLINK_STARTS = re.compile(r"(?i)(://|www(?=\\?\.)|@)")
_JOINER = "\u2060"  # WORD JOINER: invisible, and breaks the pattern an auto-linker looks for


def plain_text(text: object) -> str:
    """Text from a URL, a file or a user, for any notice: shown as typed and never a link.

    :func:`escape_markdown` disarms Markdown (links, images, HTML, emphasis); Streamlit's
    Markdown still turns bare ``https://…``, ``www.…`` and ``name@host`` into links, so an
    invisible word joiner goes after each ``://``, ``www`` and ``@``. Use this one helper
    for every notice built from a query parameter.
    """
    joined = _AUTOLINK_STARTS.sub(lambda m: m.group(1) + _JOINER, str(text))
    return escape_markdown(joined)
