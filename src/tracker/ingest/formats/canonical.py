"""The tracker's own columns (``schema.COLUMNS``), or a researcher's columns mapped onto them.

A file is canonical when it has at least ``date`` and ``attack_type`` and a place
(``province``, ``district`` or coordinates) under the canonical names (any case, spaces
or underscores). An extra ``country`` column, as in a multi-country log, sends rows for
other countries to ``outside_pakistan``. A file with other names goes through a column mapping
(:mod:`tracker.ingest.mappings`) and is then read exactly like a canonical file.
"""

from __future__ import annotations

import pandas as pd

from tracker import schema
from tracker.ingest.formats.base import Columns, Mapped, column_key

NAME = "canonical"
LABEL = "Canonical (this tracker's columns)"
SIGNATURE = frozenset({"date", "attack_type"})
_PLACE = {"province", "district", "latitude"}
_IGNORED = {"batch_id"}


def matches(keys: set[str]) -> bool:
    return keys >= SIGNATURE and bool(_PLACE & keys)


def to_canonical(frame: pd.DataFrame, mapping: dict[str, str] | None = None) -> Mapped:
    """Pick the canonical columns out of ``frame``.

    Parameters
    ----------
    frame
        The file's text cells.
    mapping
        file column → canonical field, from the mapping step; when ``None`` the columns
        are matched by name.
    """
    cols = Columns(frame)
    out = pd.DataFrame(index=frame.index)
    used: dict[str, str] = {}
    if mapping is None:
        for name in schema.COLUMNS:
            source = cols.name(name)
            if source is not None and name not in _IGNORED:
                used[name] = source
    else:
        for source, target in mapping.items():
            if target in schema.COLUMNS and target not in _IGNORED and source in frame.columns:
                used[target] = source
    for target, source in used.items():
        out[target] = cols.text(column_key(source)) if mapping is None else _stripped(
            frame[source]
        )
    country_column = cols.name("country") if mapping is None else next(
        (c for c, f in mapping.items() if f == "country"), None)
    country = None
    if country_column is not None:
        country = _stripped(frame[country_column])
        used["country"] = country_column
    caveats: list[str] = []
    ignored = [c for c in frame.columns if c not in used.values()]
    if ignored:
        shown = ", ".join(repr(str(c)) for c in ignored[:12])
        more = f" and {len(ignored) - 12} more" if len(ignored) > 12 else ""
        caveats.append(f"Columns not used: {shown}{more}.")
    if cols.has("batch_id"):
        caveats.append("The file's batch_id column is ignored: the upload gets its own batch.")
    return Mapped(frame=out, columns={k: str(v) for k, v in used.items() if k != "country"},
                  caveats=caveats, country=country)


def _stripped(column: pd.Series) -> pd.Series:
    text = column.astype("str").str.strip()
    return text.mask(text.eq(""))
