"""Surges: rolling windows of attacks, the surge rule, and surges beside the sample's coverage.

Numbers only; the sentences that describe a surge are in :mod:`tracker.present.wording`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tracker import config
from tracker.analysis import coded, coverage
from tracker.analysis.aggregates import data_span

# Dates in the data are to the day (no times), so a rolling "48 h" window is two consecutive
# calendar days, "72 h" three and "7 days" seven; a window is named by its first and last day.
# Incidents dated only to a week or a month are left out of these windows (they would pile up
# on the first day of their week or month and fake a surge).

WINDOWS: dict[str, int] = {"24 h": 1, "48 h": 2, "72 h": 3, "7 days": 7}
"""Rolling window labels and their length in whole calendar days."""

AREA_LEVELS: dict[str, str | None] = {"Pakistan": None, "province": "province",
                                      "district": "district"}
"""Where windows are counted: the whole country, each province or each district."""

DEFAULT_MIN_COUNT: dict[str, int] = {"Pakistan": 5, "province": 5, "district": 3}
"""Minimum attacks in a window for it to count as a surge, by level: a district sees far
fewer attacks than the country, so 3 in a window is already unusual there."""

NATIONAL = "Pakistan"
WINDOW_COLUMNS = (
    "area", "window_start", "window_end", "incidents", "killed", "injured", "casualties",
    "killed_claimed", "baseline", "history_days", "expected", "ratio",
)


@dataclass(frozen=True)
class SurgeParams:
    """The surge rule's knobs, all explicit.

    A window is a surge when its count is at least ``min_count`` and at least ``min_ratio``
    times the count expected from the trailing baseline: the ``baseline_days`` just before
    the window, as a daily rate, times the window's length. A window is only scored when it
    lies wholly inside the data's span and has at least ``min_history_days`` of data before
    it; with less than ``baseline_days`` of history the rate uses the days there are.
    """

    window_days: int = 2
    baseline_days: int = 56
    min_history_days: int = 28
    min_count: int = 5
    min_ratio: float = 3.0

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValueError(f"`window_days` was {self.window_days} but must be at least 1")
        if self.min_history_days < 1 or self.baseline_days < self.min_history_days:
            raise ValueError(
                f"`baseline_days` ({self.baseline_days}) must be ≥ `min_history_days` "
                f"({self.min_history_days}) ≥ 1"
            )
        if self.min_count < 1 or self.min_ratio <= 0:
            raise ValueError("`min_count` must be ≥ 1 and `min_ratio` > 0")

    @property
    def window_label(self) -> str:
        """'48 h' for a two-day window; 'N days' for lengths without a label."""
        for label, days in WINDOWS.items():
            if days == self.window_days:
                return label
        return f"{self.window_days} days"


def day_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows dated to the day: the only ones rolling windows can place."""
    if "date_precision" not in frame:
        return frame
    return frame.loc[day_mask(frame)]


def day_mask(frame: pd.DataFrame) -> np.ndarray:
    """Per row: dated to the day? (Counting with it spares copying the rows.)"""
    if "date_precision" not in frame:
        return np.ones(len(frame), dtype=bool)
    mask = coded_day_mask(frame)
    if mask is None:
        mask = (frame["date_precision"].fillna("day") == "day").to_numpy(dtype=bool)
    return mask


def coded_day_mask(frame: pd.DataFrame) -> np.ndarray | None:
    """:func:`day_mask` read through the shared table's integer codes (None when ``frame``
    was not cut from a prepared table); a missing precision counts as the day."""
    rows = coded.view(frame, ("date_precision",))
    if rows is None or "date_precision" not in rows.columns:
        return None
    table = rows.columns["date_precision"].lookup(["day"])
    table[-1] = True  # the last slot is for missing values
    return table[rows.column("date_precision")]


def daily_counts(frame: pd.DataFrame, *, by: str | None = None,
                 span: tuple[dt.date, dt.date] | None = None) -> pd.DataFrame:
    """Incidents, killed, injured and claimed killed per day (and area), zeros kept.

    ``killed_claimed`` is what perpetrators claimed; it is a separate column and never part
    of ``killed`` or ``casualties``.
    """
    rows = day_precision(frame)
    span = span or data_span(rows)
    columns = ["date", "area", "incidents", "killed", "injured", "casualties", "killed_claimed"]
    if span is None:
        return pd.DataFrame(columns=columns)
    days = pd.date_range(pd.Timestamp(span[0]), pd.Timestamp(span[1]), freq="D", name="date")
    wide = _daily_tables(rows, by, days)
    wide = {m: wide[m] for m in _MEASURES}
    long = pd.concat({m: w.stack() for m, w in wide.items()}, axis=1)
    long = long.reindex(columns=list(_MEASURES)).fillna(0).astype("int64")
    long["casualties"] = long["killed"] + long["injured"]
    return long.reset_index().rename(columns={"level_1": "area"})[columns]


_MEASURES = ("incidents", "killed", "injured", "killed_claimed")


def _daily_tables(rows: pd.DataFrame, by: str | None,
                  days: pd.DatetimeIndex) -> dict[str, pd.DataFrame]:
    """Days × areas tables of every measure, from one group-by; areas with no incident at
    all are left out. ``killed_claimed`` is its own table, never part of another."""
    def column(name: str) -> np.ndarray:
        return pd.array(rows[name], dtype="Float64").to_numpy(dtype=float, na_value=0.0)

    killed, injured = column("killed"), column("injured")
    values = pd.DataFrame({
        "incidents": np.ones(len(rows)), "killed": killed, "injured": injured,
        "casualties": killed + injured, "killed_claimed": column("killed_claimed"),
    }, index=rows.index)
    day = rows["date"].dt.normalize().rename("date")
    if by is None:
        summed = values.groupby(day).sum()
        tables = {m: summed[[m]].set_axis([NATIONAL], axis=1) for m in values.columns}
    else:
        summed = values.groupby([day, rows[by].rename("area")]).sum()
        tables = {m: summed[m].unstack("area", fill_value=0.0) for m in values.columns}
    out = {}
    for measure, table in tables.items():
        table = table.reindex(days, fill_value=0.0).astype(float)
        table.columns.name = "area"
        out[measure] = table
    return out


def rolling_windows(frame: pd.DataFrame, window: int | str = 2, *, by: str | None = None,
                    span: tuple[dt.date, dt.date] | None = None, baseline_days: int = 56,
                    min_history_days: int = 28, measure: str = "incidents") -> pd.DataFrame:
    """Counts in every rolling window that lies wholly inside ``span``, per area.

    Parameters
    ----------
    frame
        Canonical incidents (only day-precision rows are counted).
    window
        Length in days, or a label of :data:`WINDOWS` (``"48 h"`` = 2 days).
    by
        None for Pakistan as a whole, ``"province"`` or ``"district"``.
    span
        The calendar the windows run over (default: the data's first to last day). Areas
        with no incident in it are left out.
    baseline_days, min_history_days
        The trailing baseline: up to ``baseline_days`` before each window; ``expected`` is
        empty when fewer than ``min_history_days`` of them lie inside ``span``.
    measure
        What ``baseline``, ``expected`` and ``ratio`` refer to: ``incidents`` or
        ``casualties`` (killed + injured, claims excluded).

    Returns
    -------
    pandas.DataFrame
        One row per area and window: ``area``, ``window_start``, ``window_end``,
        ``incidents``, ``killed``, ``injured``, ``casualties``, ``killed_claimed`` (kept
        apart), ``baseline`` (the measure in the baseline days), ``history_days``,
        ``expected`` (baseline rate × window length) and ``ratio`` (window / expected).
    """
    days_w = WINDOWS[window] if isinstance(window, str) else int(window)
    if days_w < 1:
        raise ValueError(f"`window` was {window!r} but must be at least one day")
    if measure not in ("incidents", "casualties"):
        raise ValueError(f"`measure` was {measure!r} but is expected to be incidents or casualties")
    rows = day_precision(frame)
    span = span or data_span(rows)
    if span is None:
        return pd.DataFrame(columns=list(WINDOW_COLUMNS))
    days = pd.date_range(pd.Timestamp(span[0]), pd.Timestamp(span[1]), freq="D", name="date")
    if len(days) < days_w:
        return pd.DataFrame(columns=list(WINDOW_COLUMNS))
    wide = _daily_tables(rows, by, days)
    sums = {m: w.rolling(days_w).sum() for m, w in wide.items()}
    # Baseline for the window ending on day i: the days [s - baseline_days, s) where
    # s = i - days_w + 1 is its first day, cut at the start of the span.
    target = wide[measure]
    before = target.shift(days_w).rolling(baseline_days, min_periods=1).sum()
    first_day = np.arange(len(days)) - days_w + 1
    history = np.minimum(baseline_days, np.maximum(first_day, 0)).astype(float)
    history_frame = pd.DataFrame(
        np.repeat(history[:, None], target.shape[1], axis=1), index=days, columns=target.columns
    )
    expected = (before / history_frame * days_w).where(history_frame >= min_history_days)
    ratio = sums[measure] / expected
    parts = {**sums, "baseline": before.fillna(0), "history_days": history_frame,
             "expected": expected, "ratio": ratio}
    long = pd.concat({name: part.stack() for name, part in parts.items()}, axis=1)
    long = long.reset_index().rename(columns={"date": "window_end"})
    long = long.loc[long["window_end"] >= days[days_w - 1]]
    long["window_start"] = long["window_end"] - pd.Timedelta(days=days_w - 1)
    for name in (*_MEASURES, "casualties", "history_days"):
        long[name] = long[name].astype("int64")
    long["baseline"] = long["baseline"].astype(float)
    return long[list(WINDOW_COLUMNS)].sort_values(["area", "window_end"], ignore_index=True)


def flag_surges(windows: pd.DataFrame, params: SurgeParams,
                measure: str = "incidents") -> pd.Series:
    """True for each window that passes the surge rule (see :class:`SurgeParams`)."""
    value = windows[measure].astype(float)
    expected = windows["expected"].astype(float)
    return (expected.notna() & (value >= params.min_count)
            & (value >= params.min_ratio * expected))


@dataclass(frozen=True)
class Surge:
    """One surge: a run of flagged windows in one area, described by its peak window.

    ``start``/``end`` are the peak window's first and last day (the window with most
    incidents); ``spell_start``/``spell_end`` span every flagged window of the run.
    """

    area: str
    level: str
    window_days: int
    window_label: str
    start: dt.date
    end: dt.date
    spell_start: dt.date
    spell_end: dt.date
    incidents: int
    killed: int
    injured: int
    killed_reported: int
    districts: int
    provinces: int
    expected: float
    claimed_killed: int
    claimed_incidents: int
    baseline_weeks: int
    incident_ids: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return float("inf") if self.expected == 0 else self.incidents / self.expected

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        """Whether the spell touches the period [start, end] (None = open)."""
        return ((end is None or self.spell_start <= end)
                and (start is None or self.spell_end >= start))


def find_surges(frame: pd.DataFrame, params: SurgeParams = SurgeParams(), *,
                by: str | None = None, span: tuple[dt.date, dt.date] | None = None,
                measure: str = "incidents") -> list[Surge]:
    """Surges in ``frame``, oldest first: flagged windows merged per area into spells.

    Windows that overlap or touch are one spell; the spell is described by its peak
    window (most incidents, earliest on ties), whose incidents the card and list show.
    """
    windows = rolling_windows(frame, params.window_days, by=by, span=span,
                              baseline_days=params.baseline_days,
                              min_history_days=params.min_history_days, measure=measure)
    if windows.empty:
        return []
    hits = windows.loc[flag_surges(windows, params, measure)].sort_values(
        ["area", "window_start"], ignore_index=True)
    if hits.empty:
        return []
    # A new spell starts at each new area, or when a window starts after the day following
    # the previous window's end (overlapping and touching windows stay together).
    new_area = hits["area"].ne(hits["area"].shift())
    gap = hits["window_start"] > hits["window_end"].shift() + pd.Timedelta(days=1)
    hits["spell"] = (new_area | gap).cumsum()
    spans = hits.groupby("spell").agg(spell_start=("window_start", "min"),
                                      spell_end=("window_end", "max"))
    peaks = hits.sort_values(["spell", measure, "window_start"],
                             ascending=[True, False, True]).drop_duplicates("spell")
    peaks = peaks.join(spans, on="spell")
    rows = day_precision(frame)
    # Only incidents inside some peak window are described: keep those before sorting.
    first_days = peaks["window_start"].to_numpy(dtype="datetime64[D]").astype("int64")
    peak_days = np.unique(first_days[:, None] + np.arange(params.window_days)[None, :])
    row_days = rows["date"].to_numpy(dtype="datetime64[D]").astype("int64")
    rows = rows.loc[np.isin(row_days, peak_days), ["incident_id", "date", "province",
                                                   "district", "killed", "injured",
                                                   "killed_claimed"]]
    rows = rows.sort_values("date", kind="stable")
    wanted = set(peaks["area"])
    by_area = {area: _AreaRows(part) for area, part in (
        [(NATIONAL, rows)] if by is None else rows.groupby(by, sort=False)) if area in wanted}
    level = "Pakistan" if by is None else by
    found = [_describe(by_area[peak.area], str(peak.area), level, params, peak)
             for peak in peaks.itertuples(index=False)]
    return sorted(found, key=lambda s: (s.start, s.area))


class _AreaRows:
    """One area's incidents (sorted by date) as plain arrays, so describing each of
    thousands of surges is a slice, not a pandas filter."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.dates = rows["date"].to_numpy(dtype="datetime64[ns]")
        self.counts = {c: rows[c].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                       for c in ("killed", "injured", "killed_claimed")}
        self.codes = {c: pd.factorize(rows[c].replace("", np.nan))[0]
                      for c in ("district", "province")}
        self.ids = rows["incident_id"].to_numpy(dtype=object)


def _describe(area_rows: _AreaRows, area: str, level: str, params: SurgeParams,
              peak: object) -> Surge:
    """The surge from its peak window (claims summed apart, never into ``killed``)."""
    start, end = peak.window_start, peak.window_end
    first = area_rows.dates.searchsorted(np.datetime64(start, "ns"), side="left")
    after = area_rows.dates.searchsorted(np.datetime64(end + pd.Timedelta(days=1), "ns"),
                                         side="left")
    part = {c: values[first:after] for c, values in area_rows.counts.items()}
    claims = part["killed_claimed"][~np.isnan(part["killed_claimed"])]

    def distinct(column: str) -> int:
        codes = area_rows.codes[column][first:after]
        return len(np.unique(codes[codes >= 0]))

    return Surge(
        area=area,
        level=level,
        window_days=params.window_days,
        window_label=params.window_label,
        start=start.date(),
        end=end.date(),
        spell_start=peak.spell_start.date(),
        spell_end=peak.spell_end.date(),
        incidents=int(after - first),
        killed=int(np.nansum(part["killed"])),
        injured=int(np.nansum(part["injured"])),
        killed_reported=int(np.count_nonzero(~np.isnan(part["killed"]))),
        districts=distinct("district"),
        provinces=distinct("province"),
        expected=float(peak.expected),
        claimed_killed=int(claims.sum()),
        claimed_incidents=len(claims),
        baseline_weeks=params.baseline_days // 7,
        incident_ids=tuple(area_rows.ids[first:after]),
    )


@dataclass(frozen=True)
class SurgeCoverage:
    """A surge beside the sample's coverage: in the window's month and in its baseline weeks.

    ``adjusted_expected`` scales the expected count by window coverage ÷ baseline coverage
    (:func:`tracker.analysis.coverage.adjusted_expected`); ``adjusted_ratio`` is the window's count
    over it. Both are None when a coverage is unknown.
    """

    window: coverage.SpanCoverage
    baseline: coverage.SpanCoverage
    adjusted_expected: float | None
    adjusted_ratio: float | None

    def holds(self, min_ratio: float) -> bool | None:
        """True: still a surge once coverage is allowed for; False: may reflect denser
        reporting in the sample; None: coverage unknown."""
        if self.adjusted_ratio is None:
            return None
        return self.adjusted_ratio >= min_ratio


def surge_coverage(surge: Surge, everything: pd.DataFrame, reference: pd.DataFrame,
                   scope: str | None, baseline_days: int) -> SurgeCoverage:
    """The coverage of a surge's window month and baseline days, and the adjusted ratio.

    ``everything`` is the whole sample (published counts cover every attack); ``scope`` is
    the reference area of the surge (:func:`tracker.analysis.coverage.area_scope`, or its province;
    None for a district, which no publisher counts).
    """
    month = pd.Timestamp(surge.start).to_period("M")
    first = surge.start - dt.timedelta(days=baseline_days)
    span = data_span(everything)
    if span is not None:
        first = max(first, span[0])
    window, baseline = coverage.span_pair(
        everything, reference, scope, (month.start_time.date(), month.end_time.date()),
        (first, surge.start - dt.timedelta(days=1)))
    if window.publisher != baseline.publisher:  # two publishers' shares are not compared
        return SurgeCoverage(window, baseline, None, None)
    return SurgeCoverage(
        window, baseline,
        coverage.adjusted_expected(surge.expected, window.pct, baseline.pct),
        coverage.adjusted_ratio(surge.incidents, surge.expected, window.pct, baseline.pct))


def surge_scope(surge: Surge, view_scope: str | None) -> str | None:
    """The reference area a surge is measured against: the view's for a country-level
    surge, its province for a province, none for a district."""
    if surge.level == "Pakistan":
        return view_scope
    return surge.area if surge.level == "province" else None



def surges_in_window(surges: list[Surge], start: dt.date, end: dt.date) -> list[Surge]:
    """Surges whose peak window overlaps [start, end]."""
    return [s for s in surges if s.start <= end and s.end >= start]



# --- landmark incidents ---------------------------------------------------------------------

PIN_COLUMNS = ("incident_id", "date", "label", "summary", "province", "district")


def pinned_events(frame: pd.DataFrame, path: str | None = None) -> pd.DataFrame:
    """The landmark incidents of ``data/pinned_events.csv`` that are in ``frame``.

    Pins name incidents by ``incident_id``; the date and summary come from the incident
    itself, so a pin can never disagree with the data. Pins whose incident is not in the
    frame (filtered out, or withdrawn) are left out.
    """
    pins = pd.read_csv(path or config.data_dir() / "pinned_events.csv", dtype=str,
                       keep_default_na=False)
    ids = frame["incident_id"]
    joined = pins.merge(frame.loc[ids.isin(pins["incident_id"]).to_numpy(dtype=bool)],
                        on="incident_id", how="inner")  # the few pinned rows, not every row
    joined["summary"] = joined["summary"].fillna("")  # a missing summary is NaN (str dtype)
    return joined.loc[:, list(PIN_COLUMNS)].sort_values("date", ignore_index=True)

