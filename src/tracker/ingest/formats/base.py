"""What every format module provides, and the helpers the outside formats share.

A format module is anything that satisfies :class:`Format`: a name, a label, the columns
that identify it, and ``to_canonical(frame) -> Mapped``. The pipeline reads the typed
fields of :class:`Mapped`, never extra columns in its frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from tracker.ingest import places

_URL = re.compile(r"(https?://[^\s,;\"'<>)\]]+)")


@dataclass
class Mapped:
    """A file mapped onto canonical fields (values not yet normalised).

    Attributes
    ----------
    frame
        Canonical column names only (any subset), indexed like the file.
    columns
        canonical field → where it came from, in words (provenance for the batch).
    caveats
        Sentences about the whole file a researcher must know (e.g. "ACLED fatalities
        may include attackers").
    country
        The row's country as the file gives it, when the file has one: rows for other
        countries are counted as outside Pakistan.
    rejections
        Why a row is not a militant attack in Pakistan's sense (ACLED protests, a state's
        own air strike, UCDP events located only to the country), missing for rows kept:
        the pipeline turns each into a rejection, never a silent drop.
    reject_columns
        The file column (as :func:`column_key`) each rejection is about.
    district_hint
        A town that may name the district (GTD's city).
    """

    frame: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    country: pd.Series | None = None
    rejections: pd.Series | None = None
    reject_columns: pd.Series | None = None
    district_hint: pd.Series | None = None


@runtime_checkable
class Format(Protocol):
    """A file format an upload can be in (the modules in :mod:`tracker.ingest.formats`)."""

    NAME: str
    """``canonical``, ``acled``, ``gtd`` or ``ucdp``."""
    LABEL: str
    """The format's name for people."""
    SIGNATURE: frozenset[str]
    """Column names (compared as :func:`column_key`) whose presence identifies the format."""

    def matches(self, keys: set[str]) -> bool:
        """Whether a file with these column keys is in this format."""
        ...

    def to_canonical(self, frame: pd.DataFrame) -> Mapped:
        """The file's columns mapped to canonical fields: still text where the pipeline
        normalises them (dates, names, counts), already translated where the format has
        its own codes (GTD's ``imonth = 0``, UCDP's ``where_prec``)."""
        ...


def column_key(name: object) -> str:
    """A header reduced for comparison: lower case, runs of other characters as ``_``."""
    return re.sub(r"[^0-9a-z\u0600-\u06ff]+", "_", str(name).strip().lower()).strip("_")


class Columns:
    """Look up a file's columns by their :func:`column_key`, whatever their spelling."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.by_key: dict[str, str] = {}
        for name in frame.columns:
            self.by_key.setdefault(column_key(name), name)

    @property
    def keys(self) -> set[str]:
        return set(self.by_key)

    def has(self, key: str) -> bool:
        return key in self.by_key

    def name(self, key: str) -> str | None:
        return self.by_key.get(key)

    def text(self, key: str) -> pd.Series:
        """The column as stripped text (missing where blank or absent)."""
        name = self.by_key.get(key)
        if name is None:
            return pd.Series(np.nan, index=self.frame.index, dtype="str")
        col = self.frame[name].astype("str").str.strip()
        return col.mask(col.eq(""))

    def number(self, key: str) -> pd.Series:
        """The column as floats (NaN where blank, absent or not a number)."""
        return pd.to_numeric(self.text(key), errors="coerce").astype("float64")


def is_pakistan(country: pd.Series) -> pd.Series:
    """True where a country column names Pakistan or is blank (blank: judged by location)."""
    key = country.astype("str").str.strip().str.lower()
    return key.isna() | key.isin({"", "pakistan", "pak", "pk", "islamic republic of pakistan"})


def first_url(first: pd.Series, *more: pd.Series) -> pd.Series:
    """The first http(s) link found in any of the given text columns, per row."""
    out = first.astype("str").str.extract(_URL, expand=False)
    for text in more:
        out = out.fillna(text.astype("str").str.extract(_URL, expand=False))
    return out.str.rstrip(".")


def join_text(first: pd.Series, *more: pd.Series, sep: str = "; ") -> pd.Series:
    """Join text columns row by row, skipping blanks (missing when all are blank)."""

    def blank_missing(part: pd.Series) -> pd.Series:
        part = part.astype("str").str.strip()
        return part.mask(part.eq(""))

    out = blank_missing(first)
    for part in map(blank_missing, more):
        both = out.notna() & part.notna()
        out = out.fillna(part).where(~both, out + sep + part)
    return out


def prefixed(prefix: str, values: pd.Series) -> pd.Series:
    """``prefix`` + value where a value is present (ids like ``GTD-201501010001``)."""
    text = values.astype("str").str.strip()
    text = text.str.replace(r"\.0$", "", regex=True)
    return (prefix + text).mask(text.isna() | text.eq(""))


def resolve_actor(name: str) -> str:
    """A dataset's actor name reduced to what the alias table can resolve.

    ACLED writes "TTP: Tehreek-i-Taliban Pakistan" and "Unidentified Armed Group
    (Pakistan)"; the part that the alias table knows exactly is preferred.
    """
    text = re.sub(r"\s*\((?:\d{4}-?\d{0,4}|pakistan|afghanistan|iran|india)\)\s*", " ",
                  str(name), flags=re.I).strip()
    if re.match(r"^unidentified\b|^unknown\b", text, flags=re.I):
        return ""
    if ":" in text:
        short, long = (p.strip() for p in text.split(":", 1))
        if places.resolve_perpetrator(short).kind in ("exact", "alias"):
            return short
        return long
    return text


def code(values: pd.Series) -> pd.Series:
    """A numeric code column as text without a trailing ``.0`` (``"3.0"`` is code ``3``).

    Files saved from pandas or a spreadsheet often turn the codes of a column with blanks
    into floats; the tables are keyed by the whole-number spelling.
    """
    return values.astype("str").str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)


def map_by_table(values: pd.Series, table: dict[str, str], default: str | None) -> pd.Series:
    """Translate values through a table keyed by :func:`column_key` of the value."""
    lookup = {column_key(k): v for k, v in table.items()}
    text = values.astype("str")
    uniques = text.dropna().unique()
    translated = {u: lookup.get(column_key(u), default) for u in uniques}
    return text.map(translated).astype("object").where(text.notna(), default)
