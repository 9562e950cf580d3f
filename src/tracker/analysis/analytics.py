"""Aggregations over a canonical incidents frame: frame in, tidy frame out.

Unreported counts stay out of sums rather than counting as zero; each aggregate also
says how many incidents had the figure reported, so a total is never read as complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from tracker import config, schema
from tracker.analysis import coded
from tracker.analysis import coverage
from tracker.analysis import filters
from tracker.ingest import places

FREQUENCIES = {"day": "D", "week": "W-MON", "month": "MS"}


@dataclass(frozen=True)
class Headline:
    """The headline row: incidents, killed, injured and districts affected."""

    incidents: int
    killed: int
    injured: int
    districts: int
    killed_reported: int
    injured_reported: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def headline(frame: pd.DataFrame) -> Headline:
    """Totals for a frame (claims never enter the killed total)."""
    if (fast := coded.headline_parts(frame)) is not None:
        return Headline(**fast)
    return Headline(
        incidents=len(frame),
        killed=int(frame["killed"].sum(skipna=True)),
        injured=int(frame["injured"].sum(skipna=True)),
        districts=int(frame["district"].dropna().nunique()),
        killed_reported=int(frame["killed"].notna().sum()),
        injured_reported=int(frame["injured"].notna().sum()),
        first=frame["date"].min() if len(frame) else None,
        last=frame["date"].max() if len(frame) else None,
    )


def count_by(frame: pd.DataFrame, column: str, *, all_values: tuple[str, ...] = ()) -> pd.DataFrame:
    """Incidents, killed and injured per value of ``column``, largest first.

    ``all_values`` keeps categories with no incidents as zero rows (e.g. every province).
    """
    if (fast := coded.count_by(frame, column, all_values)) is not None:
        return fast
    if column == "perpetrator":
        # one row per named group; the shared incidents table forbids duplicate labels
        frame = frame.set_flags(allows_duplicate_labels=True)
        frame = frame.assign(perpetrator=frame["perpetrator"].fillna("").str.split("; ")).explode(
            "perpetrator", ignore_index=True
        )
    grouped = frame.groupby(column, dropna=True).agg(
        incidents=("incident_id", "size"),
        killed=("killed", lambda s: int(s.sum(skipna=True))),
        injured=("injured", lambda s: int(s.sum(skipna=True))),
    )
    if all_values:
        grouped = grouped.reindex(list(all_values), fill_value=0)
    grouped = grouped.astype("int64")
    grouped["casualties"] = grouped["killed"] + grouped["injured"]
    out = grouped.reset_index().rename(columns={"index": column})
    return out.sort_values(["incidents", column], ascending=[False, True], ignore_index=True)


def count_by_province(frame: pd.DataFrame) -> pd.DataFrame:
    """Per province, all seven listed (zero where nothing happened), with ISO codes."""
    out = count_by(frame, "province", all_values=tuple(schema.PROVINCES))
    out["iso_3166_2"] = out["province"].map(schema.PROVINCES)
    return out


def timeline(frame: pd.DataFrame, freq: str = "month", by: str | None = "province") -> pd.DataFrame:
    """Incidents and casualties per day, week or month (optionally split by a column).

    Empty periods inside the data's span are kept as zeros so a chart shows the gaps.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"`freq` was {freq!r} but is expected to be one of {list(FREQUENCIES)}")
    columns = ["period", *([by] if by else []), "incidents", "killed", "injured"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    if (fast := coded.timeline(frame, freq, by, columns)) is not None:
        return fast
    rule = FREQUENCIES[freq]
    period = frame["date"].dt.to_period(rule.split("-")[0] if freq != "month" else "M")
    period = period.dt.start_time
    keys = [period.rename("period")] + ([frame[by]] if by else [])
    grouped = frame.groupby(keys, dropna=True).agg(
        incidents=("incident_id", "size"),
        killed=("killed", lambda s: int(s.sum(skipna=True))),
        injured=("injured", lambda s: int(s.sum(skipna=True))),
    )
    full_periods = pd.date_range(
        period.min(), period.max(), freq={"day": "D", "week": "W-MON", "month": "MS"}[freq]
    )
    if by:
        index = pd.MultiIndex.from_product(
            [full_periods, sorted(frame[by].dropna().unique())], names=["period", by]
        )
    else:
        index = pd.Index(full_periods, name="period")
    grouped = grouped.reindex(index, fill_value=0).astype("int64")
    return grouped.reset_index()[columns]


def change(current: int, previous: int | None) -> str | None:
    """'+12 (+40%)' style change against the previous period; None when there is none."""
    if previous is None:
        return None
    diff = current - previous
    if previous == 0 or not coverage.percent_allowed(current, previous):  # small: counts only
        return f"{diff:+d}"
    return f"{diff:+d} ({diff / previous:+.0%})"


# --- maps: districts, populations and rates ------------------------------------------------

UNKNOWN_DISTRICT = "(district not known)"
"""Label for incidents with no district, so district tables still add up to the total."""

BASE_MEASURES: tuple[str, ...] = ("incidents", "killed", "injured", "casualties")
"""Counts a map or chart can show; each also exists as ``<measure>_per_million``."""


def count_by_district(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents, killed, injured and casualties per district, with its gazetteer point.

    Incidents without a district are kept as one :data:`UNKNOWN_DISTRICT` row per province
    (with no point), so the rows add up to every incident in ``frame``. Largest first.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical incidents.

    Returns
    -------
    pandas.DataFrame
        Columns ``district, province, incidents, killed, injured, casualties, lat, lon``.
    """
    columns = ["district", "province", "incidents", "killed", "injured", "casualties",
               "lat", "lon"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = coded.count_by_district(frame, UNKNOWN_DISTRICT)
    if grouped is None:
        keys = [frame["district"].fillna(UNKNOWN_DISTRICT).rename("district"),
                frame["province"]]
        grouped = frame.groupby(keys, dropna=False, sort=False).agg(
            incidents=("incident_id", "size"),
            killed=("killed", "sum"),
            injured=("injured", "sum"),
        )
        grouped = grouped.fillna(0).astype("int64").reset_index()
        grouped["casualties"] = grouped["killed"] + grouped["injured"]
    points = places.district_points()
    grouped["lat"] = grouped["district"].map(points["lat"]).astype(float)
    grouped["lon"] = grouped["district"].map(points["lon"]).astype(float)
    return grouped.sort_values(
        ["incidents", "casualties", "district"], ascending=[False, False, True],
        ignore_index=True,
    )[columns]


@cache
def population() -> pd.DataFrame:
    """``data/population.csv``: population per province and the census year it comes from."""
    table = pd.read_csv(config.data_dir() / "population.csv", keep_default_na=False)
    table["population"] = table["population"].astype("int64")
    table["census"] = table["census"].astype(str)
    return table[["province", "iso_3166_2", "population", "census", "source_url"]]


def per_million(counts: pd.DataFrame) -> pd.DataFrame:
    """Add ``population``, ``census`` and a ``<measure>_per_million`` column per count.

    ``counts`` has a ``province`` column and the columns of :data:`BASE_MEASURES` (e.g.
    from :func:`count_by_province`). A province without a population gets no rate (NaN).
    """
    pop = population().set_index("province")
    out = counts.copy()
    out["population"] = out["province"].map(pop["population"])
    out["census"] = out["province"].map(pop["census"])
    for measure in BASE_MEASURES:
        out[f"{measure}_per_million"] = (
            out[measure] / out["population"].astype(float) * 1_000_000
        ).round(2)
    return out


def census_note(provinces: tuple[str, ...] | list[str] = ()) -> str:
    """Which census the per-million rates use, for the provinces shown (all when empty)."""
    pop = population()
    if provinces:
        pop = pop[pop["province"].isin(provinces)]
    by_year: dict[str, list[str]] = {}
    for row in pop.sort_values("census", ascending=False).itertuples(index=False):
        by_year.setdefault(row.census, []).append(schema.PROVINCE_SHORT.get(row.province,
                                                                            row.province))
    if not by_year:
        return "No population figure for the provinces shown."
    years = list(by_year)
    if len(years) == 1:
        return f"Rates per million inhabitants use the {years[0]} census."
    main = years[0]
    rest = "; ".join(f"{', '.join(by_year[y])}: {y} figures" for y in years[1:])
    return f"Rates per million inhabitants use the {main} census ({rest})."


# --- surges: rolling windows, surge detection, period comparison --------------------------
#
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

    def describe(self) -> str:
        """The rule in one sentence, for captions."""
        return (
            f"A {self.window_label} window is flagged when it holds at least "
            f"{self.min_count} attacks and at least {self.min_ratio:g} times the number "
            f"expected from the previous {self.baseline_days // 7} weeks' daily rate "
            f"(scored once {self.min_history_days} days of history exist)."
        )


def day_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows dated to the day: the only ones rolling windows can place."""
    if "date_precision" not in frame:
        return frame
    return frame.loc[frame["date_precision"].fillna("day") == "day"]


def data_span(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """First and last day of the frame's dates (None when empty)."""
    if frame.empty:
        return None
    return frame["date"].min().date(), frame["date"].max().date()


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


def date_range_text(start: dt.date, end: dt.date) -> str:
    """'15 Mar 2025', '15–16 Mar 2025', '30 Mar – 2 Apr 2025' or across years in full."""
    if start == end:
        return f"{start.day} {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def surge_card(surge: Surge) -> str:
    """The surge in words: 'N attacks in 48 h across K districts in P provinces, …'."""
    text = (
        f"{_n(surge.incidents, 'attack')} in {surge.window_label} across "
        f"{_n(surge.districts, 'district')} in {_n(surge.provinces, 'province')}, "
        f"{date_range_text(surge.start, surge.end)}; killed {surge.killed:,}, "
        f"injured {surge.injured:,}."
    )
    return text


def surge_details(surge: Surge, national: str = "Pakistan as a whole") -> str:
    """The surge's context: area, baseline, spell length, unreported tolls and claims.

    ``national`` names what a country-level surge counted: the whole country, or what the
    filter left of it (see :func:`area_name`).
    """
    where = area_name(surge, national)
    weeks = f"the previous {surge.baseline_weeks} weeks"
    if surge.expected == 0:
        base = f"no attack at all in {weeks}"
    elif surge.ratio >= 20:
        base = f"more than 20 times the {_expected_text(surge.expected)} expected from {weeks}"
    else:
        base = (f"{surge.ratio:.1f} times the {_expected_text(surge.expected)} expected "
                f"from {weeks}")
    parts = [f"{where}: {base}."]
    if (surge.spell_start, surge.spell_end) != (surge.start, surge.end):
        parts.append(f"Flagged windows run {date_range_text(surge.spell_start, surge.spell_end)}.")
    if surge.killed_reported < surge.incidents:
        parts.append(f"Deaths reported for {surge.killed_reported} of {surge.incidents}.")
    if surge.claimed_incidents:
        parts.append(
            f"Perpetrators claimed {surge.claimed_killed:,} killed in "
            f"{_n(surge.claimed_incidents, 'attack')}; claims are not counted."
        )
    return " ".join(parts)


def _expected_text(expected: float) -> str:
    return "fewer than 0.1" if expected < 0.1 else f"{expected:.1f}"


def surge_label(surge: Surge, national: str = NATIONAL) -> str:
    """A short unique label for pick lists."""
    return (f"{date_range_text(surge.start, surge.end)} · {area_name(surge, national)} · "
            f"{_n(surge.incidents, 'attack')}")


def area_name(surge: Surge, national: str = NATIONAL) -> str:
    """The surge's area in words: its province or district, or ``national`` for a surge
    counted over every incident in view (which a filter may have narrowed)."""
    return national if surge.level == "Pakistan" else surge.area


def surges_in_window(surges: list[Surge], start: dt.date, end: dt.date) -> list[Surge]:
    """Surges whose peak window overlaps [start, end]."""
    return [s for s in surges if s.start <= end and s.end >= start]


def window_finding(frame: pd.DataFrame, surges: list[Surge], start: dt.date, end: dt.date,
                   params: SurgeParams, national: str = NATIONAL) -> tuple[bool, str]:
    """Whether the detector finds a surge in [start, end], said plainly either way.

    ``national`` names a country-level surge's area (see :func:`area_name`).
    """
    rows = day_precision(frame)
    held = int(((rows["date"] >= pd.Timestamp(start))
                & (rows["date"] < pd.Timestamp(end) + pd.Timedelta(days=1))).sum())
    period = date_range_text(start, end)
    hits = surges_in_window(surges, start, end)
    if hits:
        best = max(hits, key=lambda s: (s.incidents, -s.start.toordinal()))
        return True, (
            f"Found: the detector flags {date_range_text(best.start, best.end)} "
            f"({_n(best.incidents, 'attack')} in {best.window_label} in "
            f"{area_name(best, national)}, against "
            f"{_expected_text(best.expected)} expected). The sample holds {_n(held, 'incident')} "
            f"on {period}."
        )
    return False, (
        f"Not found: with these settings no {params.window_label} window in {period} "
        f"passes the surge rule. The sample holds only {_n(held, 'incident')} on those "
        f"days — too thin to stand out here; it is not evidence that no surge happened."
    )


PIN_COLUMNS = ("incident_id", "date", "label", "summary", "province", "district")


def pinned_events(frame: pd.DataFrame, path: str | None = None) -> pd.DataFrame:
    """The landmark incidents of ``data/pinned_events.csv`` that are in ``frame``.

    Pins name incidents by ``incident_id``; the date and summary come from the incident
    itself, so a pin can never disagree with the data. Pins whose incident is not in the
    frame (filtered out, or withdrawn) are left out.
    """
    pins = pd.read_csv(path or config.data_dir() / "pinned_events.csv", dtype=str,
                       keep_default_na=False)
    joined = pins.merge(frame, on="incident_id", how="inner")
    return joined.loc[:, list(PIN_COLUMNS)].sort_values("date", ignore_index=True)


# --- period comparison -----------------------------------------------------------------------


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
        return date_range_text(self.start, self.end)

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


def change_words(current: float, previous: float | None) -> str:
    """Direction and size of a change: 'up 12 (+40%)', 'down 3', 'new', …

    The percentage is left out when either side is under
    :data:`tracker.analysis.coverage.MIN_FOR_PERCENT` (1 → 8 is not "+700%")."""
    if previous is None or pd.isna(previous):
        return "no data"
    current, previous = int(current), int(previous)
    diff = current - previous
    if previous == 0:
        return "none in either" if current == 0 else f"new (up {diff:,} from none)"
    if diff == 0:
        return "no change"
    word = "up" if diff > 0 else "down"
    if not coverage.percent_allowed(current, previous):  # small counts: no percentage
        return f"{word} {abs(diff):,}"
    return f"{word} {abs(diff):,} ({diff / previous:+.0%})"


def not_comparable_words(this_pct: float | None, other_pct: float | None) -> str:
    """Why two periods' sample counts are not set side by side as a trend."""
    if this_pct is None or other_pct is None or pd.isna(this_pct) or pd.isna(other_pct):
        return "not comparable: coverage unknown"
    return f"not comparable: sample holds {this_pct:.0f}% vs {other_pct:.0f}%"


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
        periods fail :func:`tracker.analysis.coverage.comparable` gets "not comparable" words and no
        percentage, and ``cov_this``, ``cov_previous``, ``cov_year_before`` are filled.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``this``, ``previous``, ``change``, ``change_pct``, ``vs_previous``,
        ``year_before``, ``change_year``, ``change_year_pct``, ``vs_year_before``; areas
        with anything in any of the three periods, largest this period first.
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
        out[f"vs_{name}"] = [change_words(c, p) for c, p in zip(out["this"], out[name],
                                                                strict=True)]
        small = [not coverage.percent_allowed(c, p) for c, p in zip(out["this"], out[name],
                                                                     strict=True)]
        out.loc[small, f"change{suffix}_pct"] = pd.NA
    for name in periods:
        out[f"cov_{name}"] = pd.array(
            [coverage_of(a, periods[name]) if coverage_of else None for a in areas]
            if coverage_of else [pd.NA] * len(areas), dtype="Float64")
    if coverage_of is not None:
        for name, suffix in (("previous", ""), ("year_before", "_year")):
            for i in out.index:
                this_pct, other_pct = out.at[i, "cov_this"], out.at[i, f"cov_{name}"]
                if pd.isna(out.at[i, name]):
                    continue  # before the data begins: "no data" already says it
                if not coverage.comparable(None if pd.isna(this_pct) else this_pct,
                                           None if pd.isna(other_pct) else other_pct):
                    out.at[i, f"vs_{name}"] = not_comparable_words(
                        None if pd.isna(this_pct) else this_pct,
                        None if pd.isna(other_pct) else other_pct)
                    out.at[i, f"change{suffix}_pct"] = pd.NA
    out = out.sort_values(["this", "area"], ascending=[False, True], ignore_index=True)
    return out[["area", "this", "previous", "change", "change_pct", "vs_previous",
                "year_before", "change_year", "change_year_pct", "vs_year_before",
                "cov_this", "cov_previous", "cov_year_before"]]


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
            "this", "previous", "vs_previous", "year_before", "vs_year_before")}})
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
            for name in str(combined).split("; "):
                if name and name != schema.UNKNOWN_PERPETRATOR:
                    firsts[name] = min(first, firsts.get(name, first))
        first_seen = pd.Series(firsts, dtype="datetime64[ns]")
    period = Period(start, end)
    new = first_seen[(first_seen >= pd.Timestamp(period.start))
                     & (first_seen < pd.Timestamp(period.end) + pd.Timedelta(days=1))]
    return sorted(str(value) for value in new.index)


def province_summary(frame: pd.DataFrame, provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Counts and per-million rates for the provinces in view (all seven when empty)."""
    out = per_million(count_by_province(frame))
    if provinces:
        out = out[out["province"].isin(provinces)]
    return out.reset_index(drop=True)


# --- the Overview's numbers for one filter change ----------------------------------------------


@dataclass(frozen=True)
class OverviewData:
    """Everything the Overview page computes for one filter: rows, headline, counts."""

    rows: pd.DataFrame
    headline: Headline
    previous: Headline | None
    by_province: pd.DataFrame
    by_district: pd.DataFrame
    timeline: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]


def overview_data(frame: pd.DataFrame, spec, *, freq: str = "month",
                  by: str | None = "province") -> OverviewData:
    """The Overview's figures for ``spec`` over the shared table ``frame``.

    The same public functions the page's panels call, in one place, so that the benchmark
    (``tracker bench``) times what the page does for one filter change.

    Parameters
    ----------
    frame : pandas.DataFrame
        All incidents (the shared, read-only table).
    spec : tracker.analysis.filters.FilterSpec
        The filter.
    freq, by
        The timeline's step and split.
    """
    rows = spec.apply(frame)
    before = spec.previous_period()
    previous = headline(before.apply(frame)) if before is not None else None
    return OverviewData(
        rows=rows,
        headline=headline(rows),
        previous=previous,
        by_province=per_million(count_by_province(rows)),
        by_district=count_by_district(rows),
        timeline=timeline(rows, freq, by),
        breakdowns={column: count_by(rows, column)
                    for column in ("attack_type", "target", "perpetrator")},
    )
