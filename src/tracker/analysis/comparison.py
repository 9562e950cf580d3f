"""Period comparison: this period against the one before it and the same dates a year earlier.

Counts, changes and whether the sample's coverage lets two periods be compared; the change in
words is added by :mod:`tracker.present.wording`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from tracker import schema
from tracker.analysis import coverage, filters
from tracker.analysis.surge_detection import NATIONAL
from tracker.present.text import date_range, split_perpetrators


@dataclass(frozen=True)
class Period:
    """A closed range of days with a readable label."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return date_range(self.start, self.end)

    def rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[(frame["date"] >= pd.Timestamp(self.start))
                         & (frame["date"] < pd.Timestamp(self.end) + pd.Timedelta(days=1))]

    def coverage(self, data_start: dt.date | None) -> str:
        """'full', 'partial' or 'none': how much of the period the data reaches."""
        if data_start is None or self.end < data_start:
            return "none"
        return "full" if self.start >= data_start else "partial"


def comparison_periods(start: dt.date, end: dt.date) -> dict[str, Period]:
    """This period, the one before it and the same dates a year earlier.

    A calendar year, quarter or month is compared with the previous calendar one (2025 with
    2024, April with March); any other period with the days of equal length just before it.
    """
    if end < start:
        raise ValueError(f"`end` ({end}) is before `start` ({start})")
    this = Period(start, end)
    previous = Period(*filters.previous_span(start, end))
    year = pd.DateOffset(years=1)
    year_before = Period((pd.Timestamp(start) - year).date(), (pd.Timestamp(end) - year).date())
    if filters.calendar_unit(start, end) is not None:  # a whole month a year earlier
        after = pd.Timestamp(end + dt.timedelta(days=1)) - year
        year_before = Period(year_before.start, (after - pd.Timedelta(days=1)).date())
    return {"this": this, "previous": previous, "year_before": year_before}



COMPARE_MEASURES = ("incidents", "killed", "injured")


def _measure_by(rows: pd.DataFrame, by: str | None, measure: str) -> pd.Series:
    keys = pd.Series(NATIONAL, index=rows.index) if by is None else rows[by]
    if measure == "incidents":
        return rows.groupby(keys, dropna=True).size().astype("int64")
    return rows[measure].astype("Float64").fillna(0).groupby(keys, dropna=True).sum().astype(
        "int64")


def compare_periods(frame: pd.DataFrame, start: dt.date, end: dt.date, *,
                    by: str | None = "province", measure: str = "incidents",
                    data_start: dt.date | None = None,
                    coverage_of: Callable[[str, Period], float | None] | None = None
                    ) -> pd.DataFrame:
    """Per area: this period against the previous one and the same period a year earlier.

    Parameters
    ----------
    frame
        Incidents with every filter but the dates applied (the periods are cut here).
    start, end
        This period, inclusive.
    by
        ``"province"``, ``"district"`` or None for Pakistan as a whole.
    measure
        ``incidents``, ``killed`` or ``injured`` (claims are never counted).
    data_start
        First day the data covers (default: the frame's first date). A comparison period
        wholly before it has no data: its values are empty and its words say "no data".
    coverage_of
        ``coverage_of(area, period)``: the sample's coverage (percent) of the published
        count for that area and period, None when unknown. When given, an area whose two
        periods fail :func:`tracker.analysis.coverage.comparable` is marked not comparable and gets
        no percentage, and ``cov_this``, ``cov_previous``, ``cov_year_before`` are filled.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``this``, ``previous``, ``change``, ``change_pct``, ``year_before``,
        ``change_year``, ``change_year_pct``, the ``cov_`` columns and
        ``comparable_previous``, ``comparable_year_before``; areas with anything in any of
        the three periods, largest this period first. The change in words is added by
        :func:`tracker.present.wording.with_change_words`.
    """
    if measure not in COMPARE_MEASURES:
        raise ValueError(f"`measure` was {measure!r} but is expected to be one of "
                         f"{list(COMPARE_MEASURES)}")
    periods = comparison_periods(start, end)
    if data_start is None and not frame.empty:
        data_start = frame["date"].min().date()
    # Only the columns counted here are cut three times (not the whole table).
    slim = frame[["date", *([by] if by else []), *([] if measure == "incidents" else [measure])]]
    values = {name: _measure_by(p.rows(slim), by, measure) for name, p in periods.items()}
    areas = [NATIONAL] if by is None else sorted(set().union(*(v.index for v in values.values())))
    out = pd.DataFrame({"area": areas})
    for name, series in values.items():
        column = series.reindex(areas, fill_value=0).astype("Float64").to_numpy()
        if periods[name].coverage(data_start) == "none":
            column = pd.array([pd.NA] * len(areas), dtype="Float64")
        out[name] = pd.array(column, dtype="Float64")
    out["this"] = out["this"].fillna(0)
    for name, suffix in (("previous", ""), ("year_before", "_year")):
        out[f"change{suffix}"] = out["this"] - out[name]
        out[f"change{suffix}_pct"] = (out[f"change{suffix}"] / out[name].where(out[name] > 0))
        small = [not coverage.percent_allowed(c, p) for c, p in zip(out["this"], out[name],
                                                                     strict=True)]
        out.loc[small, f"change{suffix}_pct"] = pd.NA
    for name in periods:
        out[f"cov_{name}"] = pd.array(
            [coverage_of(a, periods[name]) if coverage_of else None for a in areas]
            if coverage_of else [pd.NA] * len(areas), dtype="Float64")
    for name, suffix in (("previous", ""), ("year_before", "_year")):
        comparable = [True] * len(out)
        if coverage_of is not None:
            for i in out.index:
                if pd.isna(out.at[i, name]):
                    continue  # before the data begins: "no data" already says it
                comparable[i] = coverage.comparable(_number(out.at[i, "cov_this"]),
                                                    _number(out.at[i, f"cov_{name}"]))
        out[f"comparable_{name}"] = comparable
        out.loc[~out[f"comparable_{name}"], f"change{suffix}_pct"] = pd.NA
    out = out.sort_values(["this", "area"], ascending=[False, True], ignore_index=True)
    return out[["area", "this", "previous", "change", "change_pct", "year_before", "change_year",
                "change_year_pct", "cov_this", "cov_previous", "cov_year_before",
                "comparable_previous", "comparable_year_before"]]


def _number(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]


def comparison_totals(frame: pd.DataFrame, start: dt.date, end: dt.date, *,
                      data_start: dt.date | None = None,
                      coverage_of: Callable[[Period], float | None] | None = None
                      ) -> pd.DataFrame:
    """Incidents, killed and injured in the three periods, one row per measure.

    ``coverage_of(period)`` gives the view's coverage; the rule of :func:`compare_periods`
    then applies to every measure (killed follows the attacks it comes from)."""
    rows = []
    per_area = (lambda _area, period: coverage_of(period)) if coverage_of else None
    for measure in COMPARE_MEASURES:
        row = compare_periods(frame, start, end, by=None, measure=measure,
                              data_start=data_start, coverage_of=per_area).iloc[0]
        rows.append({"measure": measure, **{k: row[k] for k in (
            "this", "previous", "year_before", "cov_this", "cov_previous", "cov_year_before",
            "comparable_previous", "comparable_year_before")}})
    return pd.DataFrame(rows)


def first_appearances(frame: pd.DataFrame, start: dt.date, end: dt.date, column: str, *,
                      data_start: dt.date | None = None) -> list[str]:
    """Values of ``column`` seen in [start, end] and never before ``start`` in ``frame``.

    "Never before" means since the data begins (``data_start``, default the frame's first
    date); when the period starts on or before it nothing can be new, so the list is empty.
    For ``perpetrator`` each named group counts on its own and "Unknown" is never listed.
    """
    if frame.empty:
        return []
    if start <= (data_start or frame["date"].min().date()):
        return []
    # A value is new in the period exactly when the first day it is seen falls in it. The
    # first days come from one group-by (a few hundred values, not a million rows).
    values = frame[column]
    present = values.notna() & values.astype(str).ne("")
    first_seen = frame["date"][present].groupby(values[present], observed=True,
                                                sort=False).min()
    if column == "perpetrator":  # "BLA; BLF" counts for each named group
        firsts: dict[str, pd.Timestamp] = {}
        for combined, first in first_seen.items():
            for name in split_perpetrators(combined):
                if name and name != schema.UNKNOWN_PERPETRATOR:
                    firsts[name] = min(first, firsts.get(name, first))
        first_seen = pd.Series(firsts, dtype="datetime64[ns]")
    period = Period(start, end)
    new = first_seen[(first_seen >= pd.Timestamp(period.start))
                     & (first_seen < pd.Timestamp(period.end) + pd.Timedelta(days=1))]
    return sorted(str(value) for value in new.index)

