"""Integer-coded columns of the big shared incident table, for fast filters and counts.

The app keeps one read-only table of every incident (see :mod:`tracker.ui.data`). Grouping
a million rows of text by province, district or type costs tens of milliseconds per column
in pandas, and a page does a dozen such groupings per filter change. Here the table is
coded once (:func:`prepare`): each grouping column becomes small integers plus its list of
distinct values, dates become day numbers. A filter is then a few comparisons of integer
arrays, and every count is one ``numpy.bincount``.

Frames cut from a prepared table (by :func:`apply`, ``loc``, ``dropna``…) keep their rows'
index labels; :func:`view` finds their rows by those labels and checks, once per frame and
column, that the values are still the table's own (cuts made by :func:`apply` are known to
be; other frames are compared value by value). A frame that fails, or was never prepared,
takes the plain pandas code: results never depend on this module, which only makes them
faster (the unit tests compare both paths). Only public pandas and numpy are used.

A column replaced after the check is noticed (the checked array is held and compared by
identity or buffer), values written in place are not: frames cut from the shared table are
read-only, like the table itself (see :mod:`tracker.ui.data`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from tracker.present.text import split_perpetrators


class Selection(Protocol):
    """What a filter selects, as plain data (a :class:`tracker.analysis.filters.FilterSpec`)."""

    start: dt.date | None
    end: dt.date | None
    provinces: tuple[str, ...]
    districts: tuple[str, ...]
    attack_types: tuple[str, ...]
    targets: tuple[str, ...]
    perpetrators: tuple[str, ...]
    min_casualties: int
    text: str


MIN_ROWS = 5_000
"""Tables smaller than this are not coded: pandas is quick enough there."""

CODED_COLUMNS: tuple[str, ...] = (
    "province", "district", "attack_type", "target", "perpetrator", "claimed",
    "geo_precision", "date_precision",
)
COUNT_COLUMNS: tuple[str, ...] = ("killed", "injured", "militants_killed", "killed_claimed")

_NO_DAY = np.iinfo("int64").max
_NS_PER_DAY = 86_400_000_000_000
_enabled = True


@dataclass
class Codes:
    """One text column as integer codes (-1 where missing) and its distinct values."""

    codes: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Codes:
        codes, labels = pd.factorize(values, use_na_sentinel=True)
        return cls(codes.astype(np.int32), np.asarray(labels, dtype=object))

    def lookup(self, wanted: Iterable[object]) -> np.ndarray:
        """Boolean per code (plus a last slot for missing): is the value wanted?"""
        wanted = set(wanted)
        table = np.zeros(len(self.labels) + 1, dtype=bool)
        table[:-1] = [label in wanted for label in self.labels]
        return table


@dataclass
class CodedTable:
    """The coded form of one prepared incident table (see module docstring)."""

    n: int
    day: np.ndarray
    columns: dict[str, Codes]
    counts: dict[str, tuple[np.ndarray, np.ndarray]]
    """Count column → (values with 0 where missing, missing mask)."""
    originals: dict[str, object] = field(repr=False)
    """The table's own column arrays, to check that a frame's values are still these."""

    def column(self, name: str, pos: np.ndarray | None) -> np.ndarray:
        codes = self.columns[name].codes
        return codes if pos is None else codes[pos]

    def values(self, name: str, pos: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        data, missing = self.counts[name]
        return (data, missing) if pos is None else (data[pos], missing[pos])

    def days(self, pos: np.ndarray | None) -> np.ndarray:
        return self.day if pos is None else self.day[pos]


class Rows:
    """Some rows of a coded table (all when ``pos`` is None), with their codes cut once."""

    def __init__(self, table: CodedTable, pos: np.ndarray | None) -> None:
        self.table = table
        self.pos = pos
        self.columns = table.columns
        self._cut: dict[str, object] = {}

    def __len__(self) -> int:
        return self.table.n if self.pos is None else len(self.pos)

    def _get(self, key: str, make) -> object:
        if key not in self._cut:
            self._cut[key] = make()
        return self._cut[key]

    def column(self, name: str) -> np.ndarray:
        return self._get(name, lambda: self.table.column(name, self.pos))  # type: ignore[return-value]

    def values(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self._get("#" + name, lambda: self.table.values(name, self.pos))  # type: ignore[return-value]

    def days(self) -> np.ndarray:
        return self._get("@date", lambda: self.table.days(self.pos))  # type: ignore[return-value]


# --- the registry of prepared tables -------------------------------------------------------

_TABLES: dict[int, tuple[weakref.ref, CodedTable]] = {}


def prepare(frame: pd.DataFrame) -> CodedTable | None:
    """Code a big read-only incident table once; later filters and counts on it are fast.

    Returns None (and does nothing) for tables below :data:`MIN_ROWS` rows or without a
    plain 0..n-1 index. The coding is dropped when the table is garbage-collected.
    """
    found = _TABLES.get(id(frame))
    if found is not None and found[0]() is frame:
        return found[1]
    if len(frame) < MIN_ROWS or not _plain_index(frame.index):
        return None
    table = _code(frame)
    key = id(frame)
    _TABLES[key] = (weakref.ref(frame, lambda _ref, key=key: _TABLES.pop(key, None)), table)
    return table


def _code(frame: pd.DataFrame) -> CodedTable:
    dates = frame["date"].to_numpy(dtype="datetime64[ns]")
    day = dates.astype("datetime64[D]").astype("int64")
    day[np.isnat(dates)] = _NO_DAY
    columns = {name: Codes.of(frame[name].to_numpy(dtype=object)) for name in CODED_COLUMNS}
    counts = {}
    for name in COUNT_COLUMNS:
        values = frame[name].astype("Int64").array
        counts[name] = (values.to_numpy(dtype="int64", na_value=0), values.isna())
    originals = {name: _column_data(frame[name]) for name in
                 ("incident_id", "date", *CODED_COLUMNS, *COUNT_COLUMNS)}
    return CodedTable(len(frame), day, columns, counts, originals)


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within this block every function here answers None (the pandas path is used)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def view(frame: pd.DataFrame, columns: Iterable[str]) -> Rows | None:
    """The rows of a prepared table that ``frame`` was cut from, or None.

    ``columns`` are the columns the caller will read through the codes; each is checked
    once per frame to hold the table's own values at those rows (and checked again if the
    frame's column is replaced). None when no prepared table fits.
    """
    if not _enabled or not _TABLES:
        return None
    columns = ("incident_id", *columns)
    entry = _VIEWS.get(id(frame))
    if entry is not None and entry.ref() is frame:
        return entry.rows if entry.check(frame, columns) else None
    for ref, table in list(_TABLES.values()):
        root = ref()
        if root is None:
            continue
        if frame is root:
            return _remember(frame, Rows(table, None), trusted=True)
        pos = _positions(frame.index, table.n)
        if pos is None:
            continue
        entry = _View(weakref.ref(frame), Rows(table, pos))
        if entry.check(frame, columns):
            return _remember(frame, entry.rows, entry=entry)
    return None


class _View:
    """A frame known to be cut from a prepared table, and which of its columns were checked."""

    def __init__(self, ref: weakref.ref, rows: Rows, trusted: bool = False) -> None:
        self.ref = ref
        self.rows = rows
        self.trusted = trusted
        self.checked: dict[str, object] = {}
        """Column → the data found to be the table's own (held, so its memory is not reused)."""

    def check(self, frame: pd.DataFrame, columns: Iterable[str]) -> bool:
        if self.trusted:
            return all(name in frame.columns for name in columns)
        for name in columns:
            if name not in frame.columns:
                return False
            data = _column_data(frame[name])
            if _unchanged(self.checked.get(name), data):
                continue
            if self.rows.pos is None or not _same(frame, name, self.rows.table, self.rows.pos):
                return False
            self.checked[name] = data
        return True


_VIEWS: dict[int, _View] = {}


def _remember(frame: pd.DataFrame, rows: Rows, *, trusted: bool = False,
              entry: _View | None = None) -> Rows:
    key = id(frame)
    ref = weakref.ref(frame, lambda _ref, key=key: _VIEWS.pop(key, None))
    entry = entry or _View(ref, rows, trusted=trusted)
    entry.ref = ref
    _VIEWS[key] = entry
    return rows


def _column_data(series: pd.Series) -> object:
    """The array a column's values live in (integer columns: their masked array)."""
    array = series.array
    return array if isinstance(array, pd.arrays.IntegerArray) else series.to_numpy()


def _unchanged(held: object, data: object) -> bool:
    """Whether ``data`` is the very data checked before (``held``, kept alive by the check).

    Because ``held`` is still referenced, no other array can occupy its memory: the same
    address, shape and strides mean the same data (short of writes in place).
    """
    if held is None:
        return False
    if isinstance(held, np.ndarray) and isinstance(data, np.ndarray):
        return _same_buffer(held, data)
    return held is data


def _plain_index(index: pd.Index) -> bool:
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _positions(index: pd.Index, n: int) -> np.ndarray | None:
    if isinstance(index, pd.RangeIndex):
        if index.step > 0 and index.start >= 0 and (len(index) == 0 or index[-1] < n):
            return np.arange(index.start, index.stop, index.step)
        return None
    if not pd.api.types.is_integer_dtype(index.dtype) or len(index) == 0:
        return None
    pos = index.to_numpy()
    if pos.min() < 0 or pos.max() >= n:
        return None
    return pos.astype(np.intp, copy=False)


def _same(frame: pd.DataFrame, name: str, table: CodedTable, pos: np.ndarray) -> bool:
    """Whether ``frame[name]`` still holds the table's values at ``pos``.

    The table's own arrays pass at once; anything else is compared value by value (text by
    equality, missing matching missing), so an equal copy passes and a changed value fails.
    """
    if name not in frame.columns:
        return False
    mine = _column_data(frame[name])
    theirs = table.originals[name]
    full = len(pos) == table.n and pos[0] == 0 and pos[-1] == table.n - 1
    if isinstance(theirs, pd.arrays.IntegerArray):
        if not isinstance(mine, pd.arrays.IntegerArray) or len(mine) != len(pos):
            return False
        if full and mine is theirs:
            return True
        data, missing = table.counts[name] if name in table.counts else (
            theirs.to_numpy(dtype="int64", na_value=0), theirs.isna())
        return bool(np.array_equal(missing[pos], mine.isna())
                    and np.array_equal(data[pos], mine.to_numpy(dtype="int64", na_value=0)))
    if not isinstance(mine, np.ndarray) or mine.dtype != theirs.dtype or mine.ndim != 1:
        return False
    if full and _same_buffer(mine, theirs):
        return True
    if theirs.dtype == object:
        return _equal_objects(theirs[pos], mine)
    if theirs.dtype.kind == "M":
        return bool(np.array_equal(theirs[pos].view("int64"), mine.view("int64")))
    return bool(np.array_equal(theirs[pos], mine, equal_nan=theirs.dtype.kind == "f"))


def _equal_objects(a: np.ndarray, b: np.ndarray) -> bool:
    """Element-wise equal text, a missing value (None or NaN) matching a missing one."""
    if a.shape != b.shape:
        return False
    differ = np.flatnonzero(a != b)
    return bool(pd.isna(a[differ]).all() and pd.isna(b[differ]).all())


def _same_buffer(a: np.ndarray, b: np.ndarray) -> bool:  # numpy's public array interface
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


# --- filters -------------------------------------------------------------------------------


def filter_mask(spec: Selection, frame: pd.DataFrame) -> np.ndarray | None:
    """The boolean mask of ``spec`` over ``frame``'s rows, or None (use pandas).

    The free-text search still runs in pandas, but only over rows the rest kept.
    """
    needed = ["date"]
    for column, values in (("province", spec.provinces), ("district", spec.districts),
                           ("attack_type", spec.attack_types), ("target", spec.targets),
                           ("perpetrator", spec.perpetrators)):
        if values:
            needed.append(column)
    if spec.min_casualties > 0:
        needed += ["killed", "injured"]
    found = view(frame, needed)
    if found is None:
        return None
    rows = found
    table = rows.table
    n = len(rows)
    mask = np.ones(n, dtype=bool)
    day = rows.days()
    if spec.start is not None:
        mask &= day >= _day(spec.start)
    if spec.end is not None:
        mask &= day <= _day(spec.end)
    if spec.start is not None or spec.end is not None:
        mask &= day != _NO_DAY
    for column, values in (("province", spec.provinces), ("district", spec.districts),
                           ("attack_type", spec.attack_types), ("target", spec.targets)):
        if values:
            mask &= table.columns[column].lookup(values)[rows.column(column)]
    if spec.perpetrators:
        codes = table.columns["perpetrator"]
        wanted = set(spec.perpetrators)
        hit = np.zeros(len(codes.labels) + 1, dtype=bool)
        hit[:-1] = [bool(wanted.intersection(split_perpetrators(label))) for label in codes.labels]
        hit[-1] = bool(wanted.intersection([""]))
        mask &= hit[rows.column("perpetrator")]
    if spec.min_casualties > 0:
        killed, _ = rows.values("killed")
        injured, _ = rows.values("injured")
        mask &= (killed + injured) >= spec.min_casualties
    if spec.text.strip() and mask.any():
        rows = np.flatnonzero(mask)
        part = frame.iloc[rows]
        needle = spec.text.strip().lower()
        hay = (part["summary"].fillna("") + " " + part["location"].fillna("") + " "
               + part["district"].fillna("")).str.lower()
        mask[rows] = hay.str.contains(needle, regex=False).to_numpy(dtype=bool)
    return mask


def apply(spec: Selection, frame: pd.DataFrame) -> pd.DataFrame | None:
    """``spec.apply(frame)`` through the codes, or None when ``frame`` is not coded.

    When every row matches, the result shares the table's data (pandas' copy-on-write
    keeps the table safe from any change made to it).
    """
    mask = filter_mask(spec, frame)
    if mask is None:
        return None
    if mask.all():
        result = frame.copy(deep=False)
        picked = None
    else:
        picked = np.flatnonzero(mask)
        result = frame.iloc[picked]
    _inherit(frame, result, picked)
    return result


def _inherit(source: pd.DataFrame, result: pd.DataFrame, picked: np.ndarray | None) -> None:
    """Register rows cut from a coded frame, with the columns already known to be the
    table's own, so counting them needs no new check (a replaced column still fails)."""
    entry = _VIEWS.get(id(source))
    if entry is None or entry.ref() is not source:
        return
    rows = entry.rows
    base = np.arange(rows.table.n) if rows.pos is None else rows.pos
    pos = base if picked is None else base[picked]
    known = list(rows.table.originals) if entry.trusted else list(entry.checked)
    child = _View(weakref.ref(result), Rows(rows.table, pos))
    child.checked = {name: _column_data(result[name]) for name in known
                     if name in result.columns}
    _remember(result, child.rows, entry=child)


def _day(date: object) -> int:
    return int(np.datetime64(pd.Timestamp(date).date(), "D").astype("int64"))


# --- aggregates ----------------------------------------------------------------------------


def headline_parts(frame: pd.DataFrame) -> dict | None:
    """The numbers of :func:`tracker.analysis.aggregates.headline`, or None (use pandas)."""
    found = view(frame, ("date", "district", "killed", "injured"))
    if found is None:
        return None
    rows = found
    table = rows.table
    killed, killed_missing = rows.values("killed")
    injured, injured_missing = rows.values("injured")
    district = rows.column("district")
    seen = np.bincount(district[district >= 0], minlength=len(table.columns["district"].labels))
    day = rows.days()
    day = day[day != _NO_DAY]
    n = len(killed)
    return {
        "incidents": n,
        "killed": int(killed.sum()),
        "injured": int(injured.sum()),
        "districts": int(np.count_nonzero(seen)),
        "killed_reported": int(n - killed_missing.sum()),
        "injured_reported": int(n - injured_missing.sum()),
        "first": _timestamp(day.min()) if n and len(day) else (pd.NaT if n else None),
        "last": _timestamp(day.max()) if n and len(day) else (pd.NaT if n else None),
    }


def count_by(frame: pd.DataFrame, column: str,
             all_values: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """:func:`tracker.analysis.aggregates.count_by` through the codes, or None (use pandas)."""
    if column not in CODED_COLUMNS:
        return None
    found = view(frame, (column, "killed", "injured"))
    if found is None:
        return None
    rows = found
    table = rows.table
    codes = table.columns[column]
    code = rows.column(column)
    k = len(codes.labels)
    killed, _ = rows.values("killed")
    injured, _ = rows.values("injured")
    slot = np.where(code < 0, k, code)
    incidents = np.bincount(slot, minlength=k + 1)
    killed_sum = np.bincount(slot, weights=killed, minlength=k + 1)
    injured_sum = np.bincount(slot, weights=injured, minlength=k + 1)
    if column == "perpetrator":
        labels = [split_perpetrators(label) for label in codes.labels] + [[""]]
    else:
        labels = [[label] for label in codes.labels] + [[]]  # missing values are dropped
    totals: dict[str, list[int]] = {}
    for names, a, b, c in zip(labels, incidents, killed_sum, injured_sum, strict=True):
        if a == 0:
            continue
        for name in names:
            entry = totals.setdefault(name, [0, 0, 0])
            entry[0] += int(a)
            entry[1] += round(float(b))
            entry[2] += round(float(c))
    out = pd.DataFrame.from_dict(totals, orient="index",
                                 columns=["incidents", "killed", "injured"])
    if all_values:
        out = out.reindex(list(all_values), fill_value=0)
    out = out.astype("int64")
    out["casualties"] = out["killed"] + out["injured"]
    out.index.name = column
    out = out.reset_index()
    return out.sort_values(["incidents", column], ascending=[False, True], ignore_index=True)


def count_by_district(frame: pd.DataFrame, unknown: str) -> pd.DataFrame | None:
    """The counts of :func:`tracker.analysis.aggregates.count_by_district` (without the points)."""
    found = view(frame, ("district", "province", "killed", "injured"))
    if found is None:
        return None
    rows = found
    table = rows.table
    district = rows.column("district")
    province = rows.column("province")
    if len(district) == 0:
        return None
    d_labels = table.columns["district"].labels
    p_labels = table.columns["province"].labels
    width = len(p_labels) + 1
    pair = (np.where(district < 0, len(d_labels), district).astype(np.int64) * width
            + np.where(province < 0, len(p_labels), province))
    killed, _ = rows.values("killed")
    injured, _ = rows.values("injured")
    size = (len(d_labels) + 1) * width
    appearance = pd.unique(pair)  # pairs in order of first appearance, as groupby(sort=False)
    incidents = np.bincount(pair, minlength=size)[appearance]
    killed_sum = np.bincount(pair, weights=killed, minlength=size)[appearance]
    injured_sum = np.bincount(pair, weights=injured, minlength=size)[appearance]
    d_names = np.append(d_labels, unknown)
    p_names = np.append(p_labels, None)
    out = pd.DataFrame({
        "district": pd.Series(d_names[appearance // width]),
        "province": pd.Series(p_names[appearance % width]),
        "incidents": incidents.astype("int64"),
        "killed": np.round(killed_sum).astype("int64"),
        "injured": np.round(injured_sum).astype("int64"),
    })
    out["casualties"] = out["killed"] + out["injured"]
    return out


def timeline(frame: pd.DataFrame, freq: str, by: str | None,
             columns: list[str]) -> pd.DataFrame | None:
    """:func:`tracker.analysis.aggregates.timeline` through the codes, or None (use pandas)."""
    if by is not None and by not in CODED_COLUMNS:
        return None
    found = view(frame, ("date", "killed", "injured", *([by] if by else [])))
    if found is None:
        return None
    rows = found
    table = rows.table
    day = rows.days()
    dated = day != _NO_DAY
    if not dated.any():
        return None
    start = _period_start(day[dated], freq)
    # The first and last period exactly as pandas names them (same unit as the slow path).
    extremes = np.flatnonzero(dated)[[int(np.argmin(start)), int(np.argmax(start))]]
    ends = frame["date"].iloc[extremes].dt.to_period({"day": "D", "week": "W", "month": "M"}[freq])
    ends = ends.dt.start_time
    full = pd.date_range(ends.iloc[0], ends.iloc[1],
                         freq={"day": "D", "week": "W-MON", "month": "MS"}[freq])
    full_days = full.to_numpy(dtype="datetime64[D]").astype("int64")
    slot = np.searchsorted(full_days, start)
    killed, _ = rows.values("killed")
    injured, _ = rows.values("injured")
    killed, injured = killed[dated], injured[dated]
    if by is None:
        groups = np.zeros(len(start), dtype=np.int64)
        names: list[object] = []
        keep = np.ones(len(start), dtype=bool)
        width = 1
    else:
        every = rows.column(by)
        present = np.unique(every[every >= 0])
        if len(present) == 0:
            return None
        code = every[dated]
        keep = code >= 0
        labels = table.columns[by].labels[present]
        order = np.argsort(labels.astype(str), kind="stable")
        names = list(labels[order])
        rank = np.empty(len(table.columns[by].labels), dtype=np.int64)
        rank[present[order]] = np.arange(len(present))
        groups = np.where(keep, rank[np.maximum(code, 0)], 0)
        width = max(len(names), 1)
    cell = (slot * width + groups)[keep]
    size = len(full) * width
    incidents = np.bincount(cell, minlength=size)
    killed_sum = np.bincount(cell, weights=killed[keep], minlength=size)
    injured_sum = np.bincount(cell, weights=injured[keep], minlength=size)
    data = {"period": np.repeat(full.to_numpy(), width)}
    if by is not None:
        data[by] = pd.Series(np.tile(np.asarray(names, dtype=object), len(full)))
    data |= {"incidents": incidents.astype("int64"),
             "killed": np.round(killed_sum).astype("int64"),
             "injured": np.round(injured_sum).astype("int64")}
    return pd.DataFrame(data)[columns]


def _period_start(day: np.ndarray, freq: str) -> np.ndarray:
    if freq == "day":
        return day
    if freq == "week":
        return day - (day + 3) % 7  # 1 Jan 1970 was a Thursday; weeks start on Monday
    months = day.astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype("int64")


def _timestamp(day: int | np.integer) -> pd.Timestamp:
    return pd.Timestamp(int(day) * _NS_PER_DAY)
