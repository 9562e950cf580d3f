"""The canonical incident: fields, fixed vocabularies, provinces and the validation schema.

Every other module speaks in these names. An unreported count is ``<NA>`` (pandas'
nullable ``Int64``), never 0: "not reported" and "nobody was hurt" are different facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

# --- provinces ---------------------------------------------------------------------------

PROVINCES: dict[str, str] = {
    "Balochistan": "PK-BA",
    "Khyber Pakhtunkhwa": "PK-KP",
    "Punjab": "PK-PB",
    "Sindh": "PK-SD",
    "Islamabad Capital Territory": "PK-IS",
    "Gilgit-Baltistan": "PK-GB",
    "Azad Jammu and Kashmir": "PK-JK",
}
"""The seven first-level units with their ISO 3166-2 codes (former FATA is part of KP)."""

PROVINCE_BY_CODE: dict[str, str] = {code: name for name, code in PROVINCES.items()}

PROVINCE_SHORT: dict[str, str] = {
    "Balochistan": "Balochistan",
    "Khyber Pakhtunkhwa": "KP",
    "Punjab": "Punjab",
    "Sindh": "Sindh",
    "Islamabad Capital Territory": "ICT",
    "Gilgit-Baltistan": "GB",
    "Azad Jammu and Kashmir": "AJK",
}

# --- fixed vocabularies ------------------------------------------------------------------

ATTACK_TYPES: tuple[str, ...] = (
    "armed assault",
    "bombing",
    "suicide bombing",
    "targeted killing",
    "kidnapping",
    "hijacking",
    "attack on infrastructure",
    "grenade attack",
    "rocket attack",
    "other",
)
TARGETS: tuple[str, ...] = (
    "security forces",
    "police",
    "civilians",
    "government officials",
    "infrastructure",
    "foreign nationals",
    "religious site",
    "political",
    "other",
)
CLAIMED: tuple[str, ...] = ("claimed", "attributed", "unknown")
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month")
GEO_PRECISIONS: tuple[str, ...] = ("exact", "town", "district", "province")
UNKNOWN_PERPETRATOR = "Unknown"
SEED_BATCH = "seed"

# --- fields ------------------------------------------------------------------------------

# Pakistan's bounding box (with a little margin); a finer test is point in polygon.
LAT_RANGE = (23.5, 37.2)
LON_RANGE = (60.8, 77.9)

_HTTP_URL = re.compile(r"^https?://[^\s/?#\x00-\x1f\x7f]+(?:[/?#][^\s\x00-\x1f\x7f]*)?$",
                       re.IGNORECASE)
"""The one rule for a link: an absolute http(s) address with a host and no spaces or
control characters. Ingest validation, briefs and the links shown all use it."""


def http_url(value: object) -> str | None:
    """``value`` stripped when it is an http(s) address (see :data:`_HTTP_URL`), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if _HTTP_URL.match(text) else None


def is_http_url(values: pd.Series) -> pd.Series:
    """:func:`http_url` for a whole column at once: True where the text is an http(s) address
    as it stands (surrounding spaces count against it, as in a stored value).

    Plain-ASCII links pass an equivalent Arrow regex in one go; only the rest (non-ASCII
    text, failures) meet the Python pattern, which decides them."""
    text = values.astype("str")
    ok = text.str.match(_ASCII_HTTP_URL, case=False).fillna(False).astype(bool)
    rest = ~ok & text.notna()
    if rest.any():
        ok[rest] = text[rest].str.match(_HTTP_URL).fillna(False).astype(bool)
    return ok


_ASCII_HTTP_URL = r"^https?://[\x21\x22\x24-\x2e\x30-\x3e\x40-\x7e]+(?:[/?#][\x21-\x7e]*)?$"
""":data:`_HTTP_URL` for printable ASCII only: whatever it accepts, that pattern accepts."""

Kind = Literal["text", "date", "number", "count"]
"""How a field is stored: text, a day, a float, or a count (nullable ``Int64``)."""

_DTYPES: dict[str, object] = {"text": str, "date": "datetime64[ns]", "number": float,
                              "count": "Int64"}


@dataclass(frozen=True)
class Rule:
    """One value check: a pandera built-in (``name`` with ``args``) or ``is_http_url``.

    Kept as plain data so importing this module does not import pandera (a quarter of a
    second): :func:`incident_schema` builds the pandera checks when first used, and
    :func:`validate` needs them only for a frame that fails the column-wise shortcut.
    """

    name: str
    args: tuple = ()
    error: str | None = None

    def check(self):
        import pandera.pandas as pa

        extra = {} if self.error is None else {"error": self.error}
        if self.name == "is_http_url":
            return pa.Check(is_http_url, **extra)
        return getattr(pa.Check, self.name)(*self.args, **extra)


def _in(values: tuple[str, ...]) -> Rule:
    return Rule("isin", (list(values),), f"must be one of: {', '.join(values)}")


_COUNT = Rule("ge", (0,), "must not be negative")


@dataclass(frozen=True)
class Field:
    """One canonical column: its name, storage kind, a one-line meaning for users and the
    checks a value must pass. A required field may not be empty; the others may."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    checks: tuple[Rule, ...] = ()
    unique: bool = False


FIELDS: tuple[Field, ...] = (
    Field("incident_id", "text", "Unique, stable id (from the source where it has one).", True,
          (Rule("str_length", (1, 200)),), unique=True),
    Field("date", "date", "Day of the attack (or first day of its week or month).", True),
    Field("date_precision", "text", "day, week or month: how exact the date is.", True,
          (_in(DATE_PRECISIONS),)),
    Field("province", "text", "One of the seven first-level units.", True,
          (_in(tuple(PROVINCES)),)),
    Field("district", "text", "District from the bundled gazetteer; empty when unknown."),
    Field("location", "text", "The place as reported."),
    Field("latitude", "number", "Latitude (WGS84) inside Pakistan.",
          checks=(Rule("in_range", LAT_RANGE, "latitude outside Pakistan"),)),
    Field("longitude", "number", "Longitude (WGS84) inside Pakistan.",
          checks=(Rule("in_range", LON_RANGE, "longitude outside Pakistan"),)),
    Field("geo_precision", "text", "exact, town, district or province: how sure the point is.",
          True, (_in(GEO_PRECISIONS),)),
    Field("attack_type", "text", "One of the fixed attack types.", True, (_in(ATTACK_TYPES),)),
    Field("target", "text", "One of the fixed target kinds.", True, (_in(TARGETS),)),
    Field("perpetrator", "text", "Canonical group name, or Unknown.", True,
          (Rule("str_length", (1, 200)),)),
    Field("claimed", "text", "claimed, attributed or unknown.", True, (_in(CLAIMED),)),
    Field("killed", "count", "People killed, attackers excluded; empty if not reported.",
          checks=(_COUNT,)),
    Field("injured", "count", "People injured; empty if not reported.", checks=(_COUNT,)),
    Field("militants_killed", "count", "Attackers killed; empty if not reported.",
          checks=(_COUNT,)),
    Field("killed_claimed", "count", "Toll claimed by the perpetrator, kept apart.",
          checks=(_COUNT,)),
    Field("summary", "text", "One plain-text sentence."),
    Field("notes", "text", "Source disagreements, other source URLs."),
    Field("source_name", "text", "Outlet that reported the incident.", True,
          (Rule("str_length", (1, 300)),)),
    Field("source_url", "text", "http(s) link to the report.", True,
          (Rule("is_http_url", (), "must be an http(s) URL"),)),
    Field("batch_id", "text", "The upload that brought the row ('seed' for bundled data).", True,
          (Rule("str_length", (1, 100)),)),
)
"""The one declaration of the canonical incident: the column list, the store's tables and
:func:`incident_schema` all come from it."""

COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
COUNT_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "count")
LONG_TEXT: tuple[str, ...] = ("location", "summary", "notes", "source_url")
"""Free text that rarely repeats. The frame the store loads holds these in pandas' ``str``
dtype (Arrow storage, NaN for missing): at a million rows a Python string per cell costs
about 600 MB and over a second to build. Code reading them must treat NaN as missing."""


@cache
def incident_schema():
    """The pandera schema of :data:`FIELDS`, built on first use (see :class:`Rule`)."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            f.name: pa.Column(_DTYPES[f.kind], [r.check() for r in f.checks],
                              nullable=not f.required, unique=f.unique)
            for f in FIELDS
        },
        strict=True,
        ordered=False,
        coerce=False,
        name="canonical incident",
    )


def empty_frame() -> pd.DataFrame:
    """An empty incidents frame with the canonical columns and dtypes."""
    return conform(pd.DataFrame({c: [] for c in COLUMNS}))


def conform(frame: pd.DataFrame, *, text: str = "object") -> pd.DataFrame:
    """Give a frame the canonical columns (missing ones empty) and dtypes.

    Counts become nullable ``Int64``, dates ``datetime64[ns]``; extra columns are dropped.
    Text stays text: by default ``object`` with ``None`` for missing, or with
    ``text="str"`` pandas' string dtype (which pandera checks several times faster), or
    with ``text="loaded"`` the store's shape: :data:`LONG_TEXT` as ``str``, the rest
    ``object`` (the frame :meth:`tracker.store.database.Store.load_incidents` returns).
    """
    out = pd.DataFrame(index=frame.index)
    for field in FIELDS:
        col = frame[field.name] if field.name in frame.columns else pd.Series(
            [None] * len(frame), index=frame.index, dtype=object
        )
        if field.kind == "date":
            out[field.name] = pd.to_datetime(col, errors="coerce").astype("datetime64[ns]")
        elif field.kind == "count":
            out[field.name] = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif field.kind == "number":
            out[field.name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif text == "str" or (text == "loaded" and field.name in LONG_TEXT):
            out[field.name] = col if col.dtype == "str" else col.astype("str")
        else:
            out[field.name] = col.astype(object).where(col.notna(), None)
    return out


def validate(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate lazily: return ``(valid_rows, problems)``.

    ``problems`` has one row per failing value with ``index``, ``column``, ``value`` and a
    ``reason`` in words a researcher understands; a row that fails several checks appears
    once per failure, so every reason is reported, not only the first.
    """
    if _surely_valid(frame):
        return frame, pd.DataFrame(columns=["index", "column", "value", "reason"])
    import pandera.errors

    try:
        incident_schema().validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        problems = _explain(err.failure_cases, frame)
        bad = set(problems["index"].dropna().astype(int))
        return frame.loc[~frame.index.isin(bad)], problems
    return frame, pd.DataFrame(columns=["index", "column", "value", "reason"])


def _surely_valid(frame: pd.DataFrame) -> bool:
    """True only when every check of :func:`incident_schema` passes, found column-wise.

    A shortcut for the common case, a frame :func:`conform` made: the same columns,
    dtypes (text as ``str``, or ``object`` holding only strings and missing values, as
    pandera requires), required values, uniqueness and value checks, each as one
    vectorised test. Anything it does not recognise, and any failure, answers False, so
    pandera then runs and words each problem; a clean frame never loads its machinery.
    """
    if set(frame.columns) != set(COLUMNS) or len(frame.columns) != len(COLUMNS):
        return False
    for field in FIELDS:
        col = frame[field.name]
        if str(col.dtype) != _FAST_DTYPES[field.kind] and not (
                field.kind == "text" and col.dtype == object  # pandera: str or missing
                and pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")):
            return False
        missing = col.isna()
        if field.required and missing.any():
            return False
        if field.unique and col.duplicated().any():
            return False
        values = col[~missing] if missing.any() else col
        for check in field.checks:
            if not _passes(check, values):
                return False
    return True


_FAST_DTYPES = {kind: str(pd.Series([], dtype=d).dtype) for kind, d in _DTYPES.items()}
"""The dtype names :func:`conform` gives (``text="str"``): "str", "datetime64[ns]"…"""


def _passes(rule: Rule, values: pd.Series) -> bool:
    """One rule on non-missing values, as pandera checks it (bounds inclusive); False for
    a rule it does not know."""
    if rule.name == "isin":
        return bool(values.isin(rule.args[0]).all())
    if rule.name in ("str_length", "in_range"):
        low, high = rule.args
        measured = values.str.len() if rule.name == "str_length" else values
        return bool(((measured >= low) & (measured <= high)).all())
    if rule.name == "ge":
        return bool((values >= rule.args[0]).all())
    if rule.name == "is_http_url":
        return bool(is_http_url(values).all())
    return False


def _explain(failures: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for case in failures.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        check = str(case.check)
        reason = _REASONS.get(check.split("(")[0], check)
        if check.startswith("field_uniqueness"):
            reason = "the same incident_id appears more than once"
        elif check.startswith("not_nullable"):
            reason = "is required but empty"
        elif check.startswith("dtype"):
            reason = f"has the wrong type ({check})"
        if case.index is None or (isinstance(case.index, float) and pd.isna(case.index)):
            # A column-level failure (e.g. a missing column) applies to every row.
            for idx in frame.index:
                rows.append({"index": idx, "column": column, "value": None, "reason": reason})
            continue
        rows.append(
            {"index": case.index, "column": column, "value": case.failure_case, "reason": reason}
        )
    return pd.DataFrame(rows, columns=["index", "column", "value", "reason"])


_REASONS = {
    "str_length": "is empty or too long",
    "column_in_dataframe": "column is missing",
    "column_in_schema": "column is not part of the canonical incident",
}
