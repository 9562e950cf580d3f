"""The file formats an upload can be in, each recognised by its columns.

Every format module satisfies :class:`~tracker.ingest.formats.base.Format`: ``NAME``
(``canonical``, ``acled``, ``gtd``, ``ucdp``), ``LABEL`` for people, ``SIGNATURE`` (the
column names whose presence identifies the format), ``matches(keys)`` and
``to_canonical(frame) -> Mapped``. What a format knows beyond the canonical fields (the
row's country, why a row is not a militant attack, a town that may name the district)
travels in typed fields of :class:`~tracker.ingest.formats.base.Mapped`.
"""

from __future__ import annotations

import pandas as pd

from tracker.ingest.formats.base import (
    Columns,
    Format,
    Mapped,
    code,
    column_key,
    first_url,
    is_pakistan,
    join_text,
    map_by_table,
    prefixed,
    resolve_actor,
)

__all__ = [
    "Columns", "Format", "Mapped", "by_name", "code", "column_key", "detect", "first_url",
    "is_pakistan", "join_text", "map_by_table", "missing_signature", "modules", "prefixed",
    "resolve_actor",
]


def modules() -> list[Format]:
    """The outside formats first (their signatures are specific), canonical last."""
    from tracker.ingest.formats import acled, canonical, gtd, ucdp

    return [acled, gtd, ucdp, canonical]  # modules satisfy the Format protocol


def by_name(name: str) -> Format:
    for module in modules():
        if name == module.NAME:
            return module
    known = ", ".join(m.NAME for m in modules())
    raise ValueError(f"`format` was {name!r} but is expected to be one of: {known}")


def detect(frame: pd.DataFrame) -> Format | None:
    """The format whose signature columns the file has, or None (a mapping is needed)."""
    keys = Columns(frame).keys
    for module in modules():
        if module.matches(keys):
            return module
    return None


def missing_signature(module: Format, frame: pd.DataFrame) -> list[str]:
    """Signature columns of ``module`` that the file lacks (for a forced format)."""
    keys = Columns(frame).keys
    return sorted(k for k in module.SIGNATURE if k not in keys)
