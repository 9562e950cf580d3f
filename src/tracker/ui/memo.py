"""What a page computes from the shared table and the filter, kept for the next session.

Every session that opens a page runs ``app.py`` and the page from the top. What a run
computes depends only on the shared incident table (one object per store version and
visibility, :mod:`tracker.ui.data`), the filter and the page's own settings; at a million
rows it takes seconds. Here such results are kept in one bounded ``st.cache_resource``,
keyed by a number naming the table object, the filter spec and the settings, so the next
run with the same view reuses them. A new table (a batch landed, another visibility) gets
a new number, so nothing computed from an old table is ever served for it.

Cached values are shared by every session: callers must not mutate them (copy a figure
before changing it). The functions computed stay pure in ``tracker.analysis`` and
``tracker.present``; this module only decides when to reuse their results.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from tracker.analysis.filters import FilterSpec

T = TypeVar("T")

MAX_ENTRIES = 128
"""Results kept across sessions (figures, small tables, texts; most well under a MB, an
incident list of 5,000 rows a few MB), so a full cache stays a few hundred MB at most."""

_TABLES: dict[int, tuple[weakref.ref, int]] = {}
_VIEWS: dict[int, tuple[weakref.ref, tuple]] = {}
_NUMBERS = itertools.count(1)


def table_number(table: pd.DataFrame) -> int:
    """A number for this table object while it lives; never reused for another."""
    ident = id(table)
    entry = _TABLES.get(ident)
    if entry is None or entry[0]() is not table:
        entry = (weakref.ref(table, lambda _r, i=ident: _TABLES.pop(i, None)), next(_NUMBERS))
        _TABLES[ident] = entry
    return entry[1]


def view(spec: FilterSpec, everything: pd.DataFrame) -> pd.DataFrame:
    """``spec.apply(everything)``, remembered as (table, spec) so its results can be kept."""
    frame = spec.apply(everything)
    if frame is everything:
        return frame  # unfiltered: the table's own number names it (see key_of)
    ident = id(frame)
    _VIEWS[ident] = (weakref.ref(frame, lambda _r, i=ident: _VIEWS.pop(i, None)),
                     (table_number(everything), spec))
    return frame


def key_of(frame: pd.DataFrame) -> tuple | None:
    """What names ``frame``'s rows: (table number, spec) for a frame made by :func:`view`,
    (table number,) for a shared table itself, None for any other frame (not cached)."""
    entry = _VIEWS.get(id(frame))
    if entry is not None and entry[0]() is frame:
        return entry[1]
    entry = _TABLES.get(id(frame))
    if entry is not None and entry[0]() is frame:
        return (entry[1],)
    return None


def cached(kind: str, frame: pd.DataFrame, args: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, kept under (``kind``, the rows of ``frame``, ``args``).

    ``args`` must name everything else the result depends on (settings, the spec when
    ``frame`` is a table); a frame that :func:`key_of` cannot name is computed every time.
    """
    rows = key_of(frame)
    if rows is None:
        return compute()
    return _kept(repr((kind, rows, args)), compute)


@st.cache_resource(max_entries=MAX_ENTRIES, show_spinner=False)
def _kept(key: str, _compute: Callable[[], Any]) -> Any:
    return _compute()
