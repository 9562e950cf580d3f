"""Provinces, districts and perpetrator groups: alias tables and fuzzy matching.

The tables are data in ``data/`` (``provinces.csv``, ``districts.csv``,
``perpetrators.csv``); this module only reads them. Every lookup returns a
:class:`Match` that says *how* a name was matched, so an upload report can list each
fuzzy match for a researcher to check.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pandas as pd
from rapidfuzz import fuzz, process

from tracker import config
from tracker.schema import PROVINCES, UNKNOWN_PERPETRATOR

FUZZY_CUTOFF = 84
"""Minimum rapidfuzz ratio (0–100) for a fuzzy match; below it a name is left unmatched."""


@dataclass(frozen=True)
class Match:
    """The result of resolving a name.

    ``kind`` is ``exact`` (the canonical name), ``alias`` (a listed alias), ``fuzzy``
    (closest spelling, ``score`` ≥ :data:`FUZZY_CUTOFF`) or ``none``.
    """

    query: str
    value: str | None
    kind: str
    score: float = 100.0

    @property
    def found(self) -> bool:
        return self.value is not None

    @property
    def fuzzy(self) -> bool:
        return self.kind == "fuzzy"


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces ("D.I. Khan" → "d i khan")."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# --- tables ------------------------------------------------------------------------------


@cache
def provinces_table() -> pd.DataFrame:
    """``data/provinces.csv``: province, ISO code, label point and aliases."""
    return pd.read_csv(config.data_dir() / "provinces.csv", dtype=str, keep_default_na=False)


@cache
def districts_table() -> pd.DataFrame:
    """``data/districts.csv``: the gazetteer (district, province, lat, lon, aliases, ...)."""
    frame = pd.read_csv(config.data_dir() / "districts.csv", keep_default_na=False)
    frame["lat"] = frame["lat"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    return frame


@cache
def perpetrators_table() -> pd.DataFrame:
    """``data/perpetrators.csv``: canonical group name, family and aliases."""
    return pd.read_csv(config.data_dir() / "perpetrators.csv", dtype=str, keep_default_na=False)


def _alias_index(table: pd.DataFrame, name_col: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for row in table.itertuples(index=False):
        name = getattr(row, name_col)
        names = [name, *[a for a in str(row.aliases).split("|") if a.strip()]]
        for alias in names:
            index.setdefault(normalise(alias), name)
    return index


@cache
def _province_index() -> dict[str, str]:
    index = _alias_index(provinces_table(), "province")
    for extra, name in {"fata": "Khyber Pakhtunkhwa", "k p k": "Khyber Pakhtunkhwa"}.items():
        index.setdefault(extra, name)
    return index


@cache
def _district_index() -> dict[str, str]:
    return _alias_index(districts_table(), "district")


@cache
def _perpetrator_index() -> dict[str, str]:
    return _alias_index(perpetrators_table(), "perpetrator")


@cache
def district_province() -> dict[str, str]:
    """District name → province name."""
    table = districts_table()
    return dict(zip(table["district"], table["province"], strict=True))


@cache
def district_points() -> pd.DataFrame:
    """District → (lat, lon) of its gazetteer point, indexed by district."""
    return districts_table().set_index("district")[["province", "lat", "lon"]]


# --- resolving ---------------------------------------------------------------------------


def _lookup(query: str, index: dict[str, str], restrict: set[str] | None = None) -> Match:
    key = normalise(query)
    if not key:
        return Match(query, None, "none", 0.0)
    if key in index and (restrict is None or index[key] in restrict):
        value = index[key]
        return Match(query, value, "exact" if normalise(value) == key else "alias")
    choices = {k: v for k, v in index.items() if restrict is None or v in restrict}
    best = process.extractOne(key, list(choices), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is None:
        return Match(query, None, "none", 0.0)
    return Match(query, choices[best[0]], "fuzzy", float(best[1]))


def resolve_province(text: object) -> Match:
    """Resolve a province name or alias (KP, KPK, NWFP, FATA, Baluchistan, ICT, GB, AJK...)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return Match("", None, "none", 0.0)
    query = str(text)
    code = query.strip().upper()
    for name, iso in PROVINCES.items():
        if code == iso:
            return Match(query, name, "alias")
    return _lookup(query, _province_index())


def resolve_district(text: object, province: str | None = None) -> Match:
    """Resolve a district name, alias, town or old agency name to a gazetteer district.

    ``province`` narrows the search when known. Shapes seen in real logs are tried in
    turn: the name itself, "South Waziristan (Lower)" as "Lower South Waziristan", the
    part before a bracket, and "Karachi Korangi" when every part names the same district.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return Match("", None, "none", 0.0)
    query = str(text)
    restrict = None
    if province:
        restrict = {d for d, p in district_province().items() if p == province}
    index = _district_index()
    for candidate in _district_candidates(query):
        found = _lookup(candidate, index, restrict)
        if found.found and found.kind != "fuzzy":
            kind = found.kind if candidate == query else "alias"
            return Match(query, found.value, kind, found.score)
    parts = [p for p in re.split(r"[\s/,]+", query) if p]
    if len(parts) > 1:
        part_matches = [_lookup(p, index, restrict) for p in parts]
        hits = {m.value for m in part_matches}
        if all(m.found and not m.fuzzy for m in part_matches) and len(hits) == 1:
            return Match(query, hits.pop(), "alias")
    return _lookup(query, index, restrict)


def _district_candidates(query: str) -> list[str]:
    candidates = [query]
    bracket = re.match(r"^\s*(.+?)\s*\((.+?)\)\s*$", query)
    if bracket:
        outer, inner = bracket.groups()
        candidates += [f"{inner} {outer}", outer, inner]
    stripped = re.sub(r"\b(district|agency|tehsil|division)\b", "", query, flags=re.I).strip()
    if stripped and stripped != query:
        candidates.append(stripped)
    return candidates


def resolve_perpetrator(text: object) -> Match:
    """Resolve a group name through the alias table; blank becomes ``Unknown``.

    Several groups named together ("TTP; Hafiz Gul Bahadur group") resolve part by part
    and are joined with "; ". A name not in the table is kept as written (kind ``none``):
    a new group is not an error, but it is reported.
    """
    if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
        return Match("", UNKNOWN_PERPETRATOR, "exact")
    query = str(text).strip()
    parts = [p.strip() for p in re.split(r";|\band\b(?![- ]?al)", query) if p.strip()]
    if len(parts) > 1:
        matches = [resolve_perpetrator(p) for p in parts]
        values = list(dict.fromkeys(m.value for m in matches if m.value))
        worst = min(matches, key=lambda m: m.score)
        kind = "fuzzy" if any(m.fuzzy for m in matches) else "alias"
        if any(not m.found or m.kind == "none" for m in matches):
            kind = "none"
        return Match(query, "; ".join(values), kind, worst.score)
    found = _lookup(query, _perpetrator_index())
    if not found.found:
        return Match(query, query, "none", 0.0)
    return found


def perpetrator_family(name: str) -> str:
    """The broad family of a group (TTP and allies, Baloch separatists, ISKP, ...)."""
    table = perpetrators_table().set_index("perpetrator")
    first = name.split(";")[0].strip()
    if first in table.index:
        return str(table.loc[first, "family"])
    return "Other or unknown"
