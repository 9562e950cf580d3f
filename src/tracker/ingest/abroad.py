"""Rows that name a place in a neighbouring country: outside Pakistan, even without
coordinates.

A researcher's log may hold an attack across the border ("Kandahar", "Nangarhar",
"Sistan-Baluchestan"). Without coordinates the pipeline cannot place it, and would reject
it for lacking a province. :func:`named_abroad` finds such rows by name, from a small
gazetteer of Afghan and Iranian provinces and towns near Pakistan
(``data/neighbour_places.csv``, with a GeoNames source for every point), so they are
counted as outside Pakistan instead.

A name that is also a Pakistani place (a district, its alias or a province) is never taken
as foreign: the Pakistani reading wins.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from tracker import config
from tracker.ingest import places

PLACE_FIELDS = ("province", "district", "location")


@cache
def gazetteer() -> pd.DataFrame:
    """The neighbouring places: name, aliases, country, admin level, point and source."""
    return pd.read_csv(config.data_dir() / "neighbour_places.csv", keep_default_na=False)


@cache
def _index() -> dict[str, str]:
    """normalised name or alias → "Name (Country)"."""
    index: dict[str, str] = {}
    for row in gazetteer().itertuples(index=False):
        shown = f"{row.name} ({row.country})"
        for name in [row.name, *str(row.aliases).split("|")]:
            if name.strip():
                index.setdefault(places.normalise(name), shown)
    return index


@cache
def _words() -> re.Pattern[str]:
    """A quick sieve: a value can name a foreign place only if it holds one of the first
    words of the gazetteer's names (checked on the whole column at once)."""
    words = sorted({k.split()[0] for k in _index() if k}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


def foreign_place(text: object) -> str | None:
    """The neighbouring place a value names ("Kandahar (Afghanistan)"), or ``None``.

    The whole value is tried, then its parts split at commas, slashes and brackets
    ("Spin Boldak, Kandahar"); a part that is a Pakistani place makes it ``None``. The
    gazetteer lookups come first, so a value naming no foreign place costs a few dictionary
    lookups (a log's location column may hold a different text on every row).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    parts = [text, *(p for p in re.split(r"[,/;()]+", text) if p.strip())]
    index = _index()
    found = next((index[k] for k in map(places.normalise, parts) if k in index), None)
    if found is None or any(_pakistani(part) for part in parts):
        return None
    return found


def _pakistani(text: str) -> bool:
    for match in (places.resolve_province(text), places.resolve_district(text)):
        if match.found and not match.fuzzy:
            return True
    return False


def named_abroad(frame: pd.DataFrame) -> pd.Series:
    """Rows (of a mapped frame) without coordinates whose place names a neighbouring
    country's province or town, and whose province and district name no place of
    Pakistan (a town in the location column may share a foreign name)."""
    index = frame.index
    hit = pd.Series(False, index=index)
    unplaced = pd.Series(True, index=index)
    for field in ("latitude", "longitude"):
        if field in frame:
            unplaced &= frame[field].isna()
    if not unplaced.any():  # rows with coordinates are placed by them, not by names
        return hit
    rows = frame if unplaced.all() else frame.loc[unplaced]
    for field in PLACE_FIELDS:
        if field not in rows:
            continue
        text = rows[field] if rows[field].dtype == "str" else rows[field].astype("str")
        maybe = text.str.lower().str.contains(_words(), na=False).to_numpy(dtype=bool)
        if maybe.any():
            found = _per_distinct(text[maybe], lambda u: foreign_place(u) is not None)
            hit[found.index[found]] = True
    if not hit.any():
        return hit
    for field in ("province", "district"):  # only on the few rows that named a foreign place
        if field in frame:
            local = _per_distinct(frame.loc[hit, field],
                                  lambda u: isinstance(u, str) and _pakistani(u))
            hit[local.index[local]] = False
    return hit


def _per_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` once per distinct value (missing values give False), spread over the rows."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    table = np.array([bool(func(u)) for u in uniques] + [False])
    return pd.Series(table[codes], index=values.index)


def places_named(frame: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """For the rows marked in ``rows``: the neighbouring place each names, as text."""
    out = pd.Series(None, index=frame.index[rows.to_numpy()], dtype=object)
    for field in PLACE_FIELDS:
        if field in frame and out.isna().any():
            todo = out.index[out.isna()]
            named = frame.loc[todo, field].astype(object).map(foreign_place)
            out[todo] = named
    return out
