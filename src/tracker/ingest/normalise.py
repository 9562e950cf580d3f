"""Reading the values researchers write: dates, counts and the fixed vocabularies.

Each parser works on one text value and says what it decided: the value, a note when it
read something loosely ("12+" → 12, a lower bound), or an error in words a researcher
understands. The column functions apply a parser once per *distinct* value and spread the
result back over the rows, so a 100,000-row file with a few thousand distinct dates costs a
few thousand parses, not 100,000.

Dates: ISO (``2025-03-16``), slash or dot dates day first (``16/03/2025``, the local habit
and the default), ``16 March 2025``, ``16-Mar-25``, ``March 16, 2025``, ``March 2025``
(month precision), ``20250316`` and Excel serial day numbers (``45732``). A slash date is
read month first only when the file itself shows it (some date has a second number above
12 and none a first number above 12), and the report says so. An impossible date
(``2025-02-30``), a year alone, a date before 1947 or in the future is an error, never a
guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from tracker import schema
from tracker.ingest.places import normalise as normalise_name

MIN_YEAR = 1947
EXCEL_EPOCH = dt.date(1899, 12, 30)
VOCAB_FUZZY_CUTOFF = 85

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}
_WEEKDAYS = {"mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur",
             "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday", "of",
             "the", "on"}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_TIME}$")
_YMD = re.compile(rf"^(\d{{4}})[/.](\d{{1,2}})[/.](\d{{1,2}}){_TIME}$")
_YEAR_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_NUMERIC = re.compile(rf"^(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}}){_TIME}$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)$")

DAY_FIRST, MONTH_FIRST, AUTO = "day-first", "month-first", "auto"


# --- dates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateParse:
    """One date read: ``value`` and ``precision`` or an ``error``; ``ambiguous`` when a
    slash date's day and month could be swapped (both ≤ 12)."""

    value: dt.date | None
    precision: str | None
    error: str | None = None
    ambiguous: bool = False


def parse_date(text: object, order: str = DAY_FIRST, today: dt.date | None = None) -> DateParse:
    """Read one date as researchers write it.

    >>> parse_date("16/03/2025").value
    datetime.date(2025, 3, 16)
    >>> parse_date("2025-02-30").error
    'no such day: 30 February 2025'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return DateParse(None, None, "is required but empty")
    raw = str(text).strip()
    if not raw:
        return DateParse(None, None, "is required but empty")
    today = today or dt.date.today()
    if m := _ISO.match(raw) or _YMD.match(raw):
        return _checked(int(m[1]), int(m[2]), int(m[3]), "day", today)
    if m := _NUMERIC.match(raw):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        day, month = (second, first) if order == MONTH_FIRST else (first, second)
        result = _checked(year, month, day, "day", today)
        if result.error and month > 12 and day <= 12:
            other = "day first" if order == MONTH_FIRST else "month first"
            return DateParse(None, None, f"has no month {month}: dates are read "
                             f"{order.replace('-', ' ')}; this one only makes sense {other}")
        return DateParse(result.value, result.precision, result.error,
                         ambiguous=result.error is None and first <= 12 and second <= 12
                         and first != second)
    if m := _YEAR_MONTH.match(raw):
        return _checked(int(m[1]), int(m[2]), 1, "month", today)
    if m := _COMPACT.match(raw):
        return _checked(int(m[1]), int(m[2]), int(m[3]), "day", today)
    if m := _SERIAL.match(raw):
        value = EXCEL_EPOCH + dt.timedelta(days=int(m[1]))
        result = _checked(value.year, value.month, value.day, "day", today)
        if result.error:
            return DateParse(None, None, f"read as an Excel day number ({value:%d %B %Y}): "
                             + result.error)
        return result
    if _YEAR.match(raw):
        return DateParse(None, None, "gives only a year; the tracker needs at least the month")
    return _parse_words(raw, today)


def _parse_words(raw: str, today: dt.date) -> DateParse:
    tokens = [t for t in re.split(r"[\s,./\-]+", raw.lower()) if t and t not in _WEEKDAYS]
    months = [MONTHS[t] for t in tokens if t in MONTHS]
    numbers: list[str] = []
    for token in tokens:
        if token in MONTHS:
            continue
        ordinal = _ORDINAL.match(token)
        if ordinal:
            numbers.append(ordinal[1])
        elif token.isdigit():
            numbers.append(token)
        else:
            return DateParse(None, None, "is not a date the tracker can read (write it as "
                             "2025-03-16 or 16/03/2025)")
    if len(months) != 1:
        return DateParse(None, None, "is not a date the tracker can read (write it as "
                         "2025-03-16 or 16/03/2025)")
    month = months[0]
    if len(numbers) == 1 and len(numbers[0]) == 4:
        return _checked(int(numbers[0]), month, 1, "month", today)
    if len(numbers) == 2:
        long_ = [n for n in numbers if len(n) == 4]
        if long_:
            year = int(long_[0])
            day = int(next(n for n in numbers if n is not long_[0]))
        elif all(len(n) <= 2 for n in numbers):
            day, year = int(numbers[0]), _year(numbers[1])
        else:
            return DateParse(None, None, "is not a date the tracker can read")
        return _checked(year, month, day, "day", today)
    if len(numbers) == 1:
        return DateParse(None, None, "has a day and month but no year")
    return DateParse(None, None, "is not a date the tracker can read (write it as "
                     "2025-03-16 or 16/03/2025)")


def _year(text: str) -> int:
    """A two-digit year in this century unless that would be in the future."""
    if len(text) == 4:
        return int(text)
    year = 2000 + int(text)
    return year if year <= dt.date.today().year else year - 100


def _checked(year: int, month: int, day: int, precision: str, today: dt.date) -> DateParse:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            name = dt.date(2000, month, 1).strftime("%B")
            return DateParse(None, None, f"no such day: {day} {name} {year}")
        return DateParse(None, None, f"has no month {month}")
    if year < MIN_YEAR:
        return DateParse(None, None, f"is before {MIN_YEAR} ({value:%d %B %Y})")
    if value > today + dt.timedelta(days=1):
        return DateParse(None, None, f"is in the future ({value:%d %B %Y})")
    return DateParse(value, precision)


@dataclass
class DateColumn:
    """A date column read: values, precision and error per row, and notes for the report."""

    values: pd.Series
    precision: pd.Series
    error: pd.Series
    order: str
    notes: list[str]
    evidence: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    """The distinct slash dates that only read day first, and only month first."""
    ambiguous: int = 0
    first_ambiguous: int | None = None


def dates(series: pd.Series, order: str = AUTO) -> DateColumn:
    """Read a date column, once per distinct value.

    ``order`` is ``auto`` (day first unless the file shows month first), ``day-first`` or
    ``month-first``.
    """
    text = series.astype("str").str.strip()
    uniques = pd.Index(text.dropna().unique())
    notes: list[str] = []
    evidence = order_evidence(uniques)
    if order == AUTO:
        order, note = decide_order(len(evidence[0]), len(evidence[1]))
        if note:
            notes.append(note)
    today = dt.date.today()
    parsed = [parse_date(u, order, today) for u in uniques]
    positions = uniques.get_indexer(text)
    found = positions >= 0

    def spread(values: list) -> np.ndarray:
        table = np.array([*values, None], dtype=object)
        return table[np.where(found, positions, len(values))]

    values = pd.to_datetime(pd.Series(spread([p.value for p in parsed]), index=series.index))
    precision = pd.Series(spread([p.precision for p in parsed]), index=series.index)
    error = pd.Series(spread([p.error for p in parsed]), index=series.index)
    error[~found] = "is required but empty"
    ambiguous = np.array([p.ambiguous for p in parsed] + [False])[
        np.where(found, positions, len(parsed))
    ]
    first = int(series.index[ambiguous][0]) if ambiguous.any() else None
    if first is not None:
        notes.append(ambiguous_note(int(ambiguous.sum()), first, order))
    return DateColumn(values.astype("datetime64[ns]"), precision, error, order, notes,
                      evidence, int(ambiguous.sum()), first)


def ambiguous_note(count: int, first: int, order: str) -> str:
    reading = "day first (16/03/2025 style)" if order == DAY_FIRST else "month first"
    return (f"{count} date(s) could be read either way (day and month both 12 "
            f"or less, first at row {first}); they were read {reading}.")


def order_evidence(uniques: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The slash dates that read only day first, and those that read only month first."""
    day_first, month_first = set(), set()
    for value in uniques:
        m = _NUMERIC.match(value)
        if not m:
            continue
        if int(m[1]) > 12:
            day_first.add(value)
        if int(m[2]) > 12:
            month_first.add(value)
    return frozenset(day_first), frozenset(month_first)


def decide_order(day_first: int, month_first: int) -> tuple[str, str | None]:
    """The order for ``auto`` from the evidence, and a note when the file decided it."""
    if month_first and not day_first:
        return MONTH_FIRST, (
            f"Slash dates were read month first (03/16/2025): {month_first} date(s) in the "
            "file have a second number above 12 and none a first number above 12."
        )
    if month_first and day_first:
        return DAY_FIRST, (
            "The file mixes day-first and month-first slash dates; they were read day first "
            "and dates that only make sense month first are rejected."
        )
    return DAY_FIRST, None


# --- counts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountParse:
    value: int | None
    note: str | None = None
    error: str | None = None


_UNKNOWN = {"", "unknown", "unk", "n/a", "na", "n a", "not known", "not reported", "nr", "-",
            "--", "?", "none reported", "not given", "unclear", "nil reported"}
_ZERO = {"none", "nil", "no", "zero"}
_INT = re.compile(r"^\d+(?:\.0+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_LOWER = re.compile(
    r"^(?:at least|atleast|a minimum of|minimum|min\.?|over|more than|above|>=?|≥)\s*(\d+)\+?$"
)
_PLUS = re.compile(r"^(\d+)\s*\+$")
_ABOUT = re.compile(r"^(?:about|around|approx\.?|approximately|~|c\.|ca\.?|some|nearly|"
                    r"almost|up to|upto|<=?)\s*(\d+)$")
_RANGE = re.compile(r"^(\d+)\s*(?:-|–|to)\s*(\d+)$")


def parse_count(text: object) -> CountParse:
    """Read a count: ``12``, ``12+``, ``at least 12`` → 12 (with a note); blank → unknown.

    >>> parse_count("12+")
    CountParse(value=12, note="'12+' kept as 12, a lower bound", error=None)
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return CountParse(None)
    raw = str(text).strip()
    key = raw.lower()
    if key in _UNKNOWN:
        return CountParse(None)
    if _INT.match(key):
        return CountParse(int(float(key)))
    if _THOUSANDS.match(key):
        return CountParse(int(key.replace(",", "")))
    if key in _ZERO:
        return CountParse(0, f"'{raw}' read as 0")
    for pattern, meaning in ((_PLUS, "a lower bound"), (_LOWER, "a lower bound"),
                             (_ABOUT, "an approximate figure")):
        m = pattern.match(key)
        if m:
            return CountParse(int(m[1]), f"'{raw}' kept as {int(m[1])}, {meaning}")
    m = _RANGE.match(key)
    if m and int(m[1]) <= int(m[2]):
        return CountParse(int(m[1]), f"'{raw}' kept as {int(m[1])}, the lower end of the range")
    if re.match(r"^-\d+(?:\.0+)?$", key):
        return CountParse(None, error="must not be negative")
    if re.match(r"^\d*\.\d+$", key):
        return CountParse(None, error="is not a whole number")
    return CountParse(None, error="is not a number of people")


@dataclass
class CountColumn:
    values: pd.Series  # Int64
    note: pd.Series
    error: pd.Series


def counts(series: pd.Series) -> CountColumn:
    """Read a count column (text or numbers), once per distinct value."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = pd.to_numeric(series, errors="coerce").astype("float64")
        whole = numbers.eq(np.floor(numbers))
        error = pd.Series(None, index=series.index, dtype=object)
        error[numbers.notna() & ~whole] = "is not a whole number"
        error[numbers.lt(0)] = "must not be negative"
        good = numbers.where(whole & numbers.ge(0))
        return CountColumn(good.astype("Int64"), pd.Series(None, index=series.index,
                                                           dtype=object), error)
    text = series.astype("str").str.strip()
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if len(uniques) * 4 < len(text):  # counts repeat: read each distinct text once
        once = counts(pd.Series(uniques, dtype="str"))

        def spread(found: pd.Series) -> pd.Series:
            table = np.empty(len(found) + 1, dtype=object)
            table[:-1] = found.to_numpy(dtype=object)
            table[-1] = None
            return pd.Series(table[codes], index=series.index, dtype=object)

        values = pd.Series(once.values.array.take(codes, allow_fill=True), index=series.index)
        return CountColumn(values, spread(once.note), spread(once.error))
    quick = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,9}")), errors="coerce")
    slow = text.notna() & quick.isna()
    values = quick.astype("Int64")
    note = pd.Series(None, index=series.index, dtype=object)
    error = pd.Series(None, index=series.index, dtype=object)
    if slow.any():
        table = {u: parse_count(u) for u in text[slow].unique()}
        parsed = text[slow].map(table)
        values[slow] = pd.array([p.value for p in parsed], dtype="Int64")
        note[slow] = [p.note for p in parsed]
        error[slow] = [p.error for p in parsed]
    return CountColumn(values, note, error)


# --- vocabularies --------------------------------------------------------------------------

ATTACK_SYNONYMS: dict[str, str] = {
    "ied": "bombing", "ied blast": "bombing", "ied attack": "bombing", "blast": "bombing",
    "explosion": "bombing", "bomb": "bombing", "bomb blast": "bombing",
    "bomb attack": "bombing", "roadside bomb": "bombing", "vbied": "bombing",
    "car bomb": "bombing", "landmine": "bombing", "remote control bomb": "bombing",
    "suicide attack": "suicide bombing", "suicide blast": "suicide bombing",
    "suicide bomb": "suicide bombing", "suicide": "suicide bombing",
    "suicide bomber": "suicide bombing", "svbied": "suicide bombing",
    "gun attack": "armed assault", "firing": "armed assault", "shooting": "armed assault",
    "armed attack": "armed assault", "ambush": "armed assault", "raid": "armed assault",
    "gunfight": "armed assault", "assault": "armed assault", "complex attack": "armed assault",
    "assassination": "targeted killing", "target killing": "targeted killing",
    "targeted attack": "targeted killing", "abduction": "kidnapping", "kidnap": "kidnapping",
    "hostage taking": "kidnapping", "hijack": "hijacking", "grenade": "grenade attack",
    "hand grenade": "grenade attack", "rocket": "rocket attack", "rockets": "rocket attack",
    "mortar": "rocket attack", "mortar attack": "rocket attack", "missile": "rocket attack",
    "sabotage": "attack on infrastructure", "arson": "attack on infrastructure",
    "infrastructure attack": "attack on infrastructure",
}
TARGET_SYNONYMS: dict[str, str] = {
    "military": "security forces", "army": "security forces", "soldiers": "security forces",
    "fc": "security forces", "frontier corps": "security forces",
    "security personnel": "security forces", "levies": "security forces",
    "security": "security forces", "policemen": "police", "police personnel": "police",
    "ctd": "police", "cops": "police", "civilian": "civilians", "public": "civilians",
    "people": "civilians", "government": "government officials",
    "officials": "government officials", "government official": "government officials",
    "foreigners": "foreign nationals", "chinese nationals": "foreign nationals",
    "foreign national": "foreign nationals", "mosque": "religious site",
    "church": "religious site", "shrine": "religious site", "imambargah": "religious site",
    "religious": "religious site", "politician": "political",
    "political party": "political", "election": "political", "rally": "political",
    "railway": "infrastructure", "gas pipeline": "infrastructure",
    "power": "infrastructure", "tower": "infrastructure",
}
CLAIMED_SYNONYMS: dict[str, str] = {
    "yes": "claimed", "y": "claimed", "true": "claimed", "1": "claimed",
    "claimed responsibility": "claimed", "alleged": "attributed", "suspected": "attributed",
    "blamed": "attributed", "no": "unknown", "n": "unknown", "false": "unknown",
    "0": "unknown", "unclaimed": "unknown", "not claimed": "unknown",
}
DATE_PRECISION_SYNONYMS = {"exact": "day", "daily": "day", "d": "day", "w": "week",
                           "weekly": "week", "m": "month", "monthly": "month"}
GEO_PRECISION_SYNONYMS = {"village": "town", "city": "town", "point": "exact",
                          "precise": "exact", "tehsil": "district", "region": "province"}

VOCABULARIES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "attack_type": (schema.ATTACK_TYPES, ATTACK_SYNONYMS),
    "target": (schema.TARGETS, TARGET_SYNONYMS),
    "claimed": (schema.CLAIMED, CLAIMED_SYNONYMS),
    "date_precision": (schema.DATE_PRECISIONS, DATE_PRECISION_SYNONYMS),
    "geo_precision": (schema.GEO_PRECISIONS, GEO_PRECISION_SYNONYMS),
}


@dataclass(frozen=True)
class VocabMatch:
    value: str | None
    kind: str  # exact | alias | fuzzy | none
    score: float = 100.0


def match_vocabulary(text: object, field: str) -> VocabMatch:
    """Match a value to one of a field's fixed words: exactly, by synonym, or fuzzily."""
    words, synonyms = VOCABULARIES[field]
    key = normalise_name(text) if isinstance(text, str) else ""
    if not key:
        return VocabMatch(None, "none", 0.0)
    exact = {normalise_name(w): w for w in words}
    if key in exact:
        return VocabMatch(exact[key], "exact")
    alias = {normalise_name(k): v for k, v in synonyms.items()}
    if key in alias:
        return VocabMatch(alias[key], "alias")
    choices = {**exact, **alias}
    best = process.extractOne(key, list(choices), scorer=fuzz.ratio,
                              score_cutoff=VOCAB_FUZZY_CUTOFF)
    if best is None:
        return VocabMatch(None, "none", 0.0)
    return VocabMatch(choices[best[0]], "fuzzy", float(best[1]))


class Distinct:
    """A function applied once per distinct value of a column, its results spread back.

    >>> d = Distinct(pd.Series(["KP", "KP", None]), str.lower)
    >>> d.get().tolist()
    ['kp', 'kp', None]
    """

    def __init__(self, values: pd.Series, func: Callable[..., object]) -> None:
        self.index = values.index
        # pandas' string dtype factorizes in Arrow, far faster than Python objects
        self.codes, uniques = pd.factorize(
            values if values.dtype == "str" else values.astype(object), use_na_sentinel=True)
        self.results = [func(u) for u in uniques]

    @classmethod
    def pairs(cls, first: pd.Series, second: pd.Series,
              func: Callable[[object, object], object]) -> Distinct:
        """``func(a, b)`` once per distinct pair, for rows where ``first`` is present."""
        out = cls.__new__(cls)
        out.index = first.index
        a = first.astype(object).where(first.notna(), None).to_numpy()
        b = second.astype(object).where(second.notna(), None).to_numpy()
        # One integer per pair from the two columns' codes: no joined strings to hash
        codes_a, _ = pd.factorize(first.astype("str"), use_na_sentinel=True)
        codes_b, uniques_b = pd.factorize(second.astype("str"), use_na_sentinel=True)
        pair = codes_a.astype(np.int64) * (len(uniques_b) + 1) + (codes_b + 1)
        present = codes_a >= 0
        codes = np.full(len(pair), -1, dtype=np.intp)
        codes[present] = pd.factorize(pair[present])[0]
        _, first_positions = np.unique(codes[codes >= 0], return_index=True)
        positions = np.flatnonzero(codes >= 0)[first_positions]
        out.codes = codes
        out.results = [func(a[p], b[p]) for p in positions]
        return out

    def derive(self, func: Callable[[object], object]) -> Distinct:
        """The same rows with ``func`` applied to each distinct result."""
        out = Distinct.__new__(Distinct)
        out.index, out.codes = self.index, self.codes
        out.results = [func(r) for r in self.results]
        return out

    def get(self, attr: str | None = None, fill: object = None) -> pd.Series:
        """The result (or one attribute of it) per row; ``fill`` where the value is missing."""
        values = [getattr(r, attr) if attr and r is not None else r for r in self.results]
        table = np.empty(len(values) + 1, dtype=object)
        table[:-1] = values
        table[-1] = fill
        return pd.Series(table[self.codes], index=self.index, dtype=object)

    def get_text(self, attr: str | None = None) -> pd.Series:
        """Like :meth:`get` for text results, as pandas' string dtype (missing stays missing).

        Built by one vectorised take from the few distinct results, not row by row.
        """
        values = [getattr(r, attr) if attr and r is not None else r for r in self.results]
        table = pd.array([*values, None], dtype="str")
        return pd.Series(table.take(self.codes), index=self.index)


# --- what the pipeline found ---------------------------------------------------------------


class Findings:
    """Rejection reasons, fuzzy matches and notes, gathered column by column.

    Each ``add_*`` takes a boolean mask over the rows, so the pipeline records a finding
    for thousands of rows in one call; :meth:`frame` gives them as one table.
    """

    KINDS = ("rejection", "fuzzy", "note")

    def __init__(self) -> None:
        self._parts: dict[str, list[pd.DataFrame]] = {k: [] for k in self.KINDS}

    def add(self, kind: str, mask: pd.Series, column: str | None, value: object,
            text: object, matched: object = None) -> None:
        """Record ``text`` (a reason or note) for every row where ``mask`` is true."""
        mask = mask.fillna(False).astype(bool) if mask.dtype != bool else mask
        if not mask.any():
            return
        index = mask.index[mask.to_numpy()]
        self._parts[kind].append(pd.DataFrame({
            "row": index.to_numpy(),
            "column": column,
            "value": _pick(value, mask),
            "text": _pick(text, mask),
            "matched": _pick(matched, mask),
        }))

    def reject(self, mask: pd.Series, column: str | None, value: object, reason: object) -> None:
        self.add("rejection", mask, column, value, reason)

    def note(self, mask: pd.Series, column: str | None, value: object, note: object) -> None:
        self.add("note", mask, column, value, note)

    def fuzzy(self, mask: pd.Series, column: str, value: object, matched: object,
              score: object) -> None:
        self.add("fuzzy", mask, column, value, score, matched)

    def frame(self, kind: str) -> pd.DataFrame:
        parts = [p for p in self._parts[kind] if len(p)]
        if not parts:
            return pd.DataFrame(columns=["row", "column", "value", "text", "matched"])
        return pd.concat(parts, ignore_index=True)


def _pick(value: object, mask: pd.Series) -> object:
    if isinstance(value, pd.Series):
        return value[mask].to_numpy(dtype=object)
    if isinstance(value, np.ndarray):
        return value[mask.to_numpy()]
    return value
