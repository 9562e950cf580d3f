"""How complete is the sample? Published monthly attack counts set beside the dataset's own.

``data/reference_counts.csv`` holds totals that monitoring bodies published (PICSS, PIPS,
CRSS, official bodies). They count different things and overlap in time, so they are only
ever *compared with* the incident sample, row by row, and never added to incident totals
or to each other. The fair yardstick for a sample of militant attacks is a publisher's
monthly count of attacks alone (``includes == "attacks only"``) from PICSS or PIPS; CRSS
and combined counts include security operations the sample leaves out by design.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from tracker import config, schema
from tracker.ingest import places
from tracker.present.tables import safe_link

YARDSTICK_PUBLISHERS: tuple[str, ...] = ("PICSS", "PIPS")
YARDSTICK = {"metric": "attacks", "period_kind": "month", "includes": "attacks only"}
MERGED = "Khyber Pakhtunkhwa (merged tribal districts)"
SETTLED = "Khyber Pakhtunkhwa (settled districts)"
NATIONAL = "Pakistan"
SCOPES: tuple[str, ...] = (NATIONAL, *schema.PROVINCES, MERGED, SETTLED)
"""Every area a reference figure can cover, in display order."""

CONFLICT_RULE = (
    "Where one publisher gave two different figures for the same month and area, the "
    "higher one is used, so coverage is never overstated; the other figure and the "
    "coverage it would give are shown beside it."
)
COLUMNS = (
    "month", "scope", "publisher", "published", "dataset", "coverage_pct", "alternative",
    "alternative_pct", "source_url", "notes",
)


@cache
def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["value"] = frame["value"].astype("int64")
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    return frame


def load_reference(path: Path | str | None = None) -> pd.DataFrame:
    """``data/reference_counts.csv`` with dates parsed and values as whole numbers."""
    return _read(Path(path) if path else config.data_dir() / "reference_counts.csv").copy()


_YARDSTICKS: dict[int, pd.DataFrame] = {}


def monthly_yardsticks(reference: pd.DataFrame) -> pd.DataFrame:
    """The monthly 'attacks only' counts of PICSS and PIPS, one row per publisher, month, area.

    Conflicting figures (same publisher, month and area) are resolved by
    :data:`CONFLICT_RULE`: the higher value is kept in ``published`` with its source, the
    other in ``alternative``. Kept per reference content (a page asks many times).
    """
    key = int(pd.util.hash_pandas_object(reference, index=False).sum())
    if key not in _YARDSTICKS:
        if len(_YARDSTICKS) > 8:
            _YARDSTICKS.clear()
        _YARDSTICKS[key] = _monthly_yardsticks(reference)
    return _YARDSTICKS[key].copy()


def _monthly_yardsticks(reference: pd.DataFrame) -> pd.DataFrame:
    rows = reference.loc[
        reference["publisher"].isin(YARDSTICK_PUBLISHERS)
        & (reference["metric"] == YARDSTICK["metric"])
        & (reference["period_kind"] == YARDSTICK["period_kind"])
        & (reference["includes"] == YARDSTICK["includes"])
        & reference["scope"].isin(SCOPES)
    ]
    out = []
    for (publisher, month, scope), group in rows.groupby(
        ["publisher", "period_start", "scope"], sort=True
    ):
        group = group.sort_values("value", ascending=False)
        chosen = group.iloc[0]
        others = [int(v) for v in group["value"].iloc[1:] if int(v) != int(chosen["value"])]
        out.append({
            "month": month,
            "period_end": chosen["period_end"],
            "scope": scope,
            "publisher": publisher,
            "published": int(chosen["value"]),
            "alternative": others[0] if others else None,
            "source_url": chosen["source_url"],
            "notes": " | ".join(n for n in group["notes"] if n),
        })
    frame = pd.DataFrame(out, columns=["month", "period_end", "scope", "publisher", "published",
                                       "alternative", "source_url", "notes"])
    frame["alternative"] = frame["alternative"].astype("Int64")
    return frame


def merged_districts() -> frozenset[str]:
    """The districts of Khyber Pakhtunkhwa that were tribal agencies before 2018."""
    table = places.districts_table()
    return frozenset(table.loc[table["former_fata"].astype(bool), "district"])


def scope_mask(incidents: pd.DataFrame, scope: str) -> pd.Series:
    """Which incidents fall in a reference scope.

    The two parts of Khyber Pakhtunkhwa are told apart by district (the gazetteer's
    ``former_fata`` flag); a KP incident with no district belongs to neither part.
    """
    if scope == NATIONAL:
        return pd.Series(True, index=incidents.index)
    if scope in schema.PROVINCES:
        return incidents["province"] == scope
    in_kp = incidents["province"] == "Khyber Pakhtunkhwa"
    merged = incidents["district"].isin(merged_districts())
    if scope == MERGED:
        return in_kp & merged
    if scope == SETTLED:
        return in_kp & ~merged & incidents["district"].notna() & (incidents["district"] != "")
    raise ValueError(f"`scope` was {scope!r} but is expected to be one of {list(SCOPES)}")


def coverage_table(incidents: pd.DataFrame, reference: pd.DataFrame, *,
                   start: dt.date | None = None, end: dt.date | None = None,
                   provinces: tuple[str, ...] = ()) -> pd.DataFrame:
    """Each published monthly count beside the number of dataset incidents it covers.

    Parameters
    ----------
    incidents
        The whole incident sample (not narrowed by type, target or group: the published
        counts cover all attacks).
    reference
        :func:`load_reference` output.
    start, end
        Keep months that overlap this period (None = open).
    provinces
        Keep these provinces' rows (KP's parts go with KP); empty keeps every area,
        Pakistan included.

    Returns
    -------
    pandas.DataFrame
        ``month``, ``scope``, ``publisher``, ``published``, ``dataset``, ``coverage_pct``
        (dataset / published × 100; empty when nothing was published), ``alternative`` and
        ``alternative_pct`` (the conflicting figure, if any), ``source_url`` (http(s) only)
        and ``notes``. Newest month first.
    """
    table = monthly_yardsticks(reference)
    if start is not None:
        table = table.loc[table["period_end"] >= pd.Timestamp(start)]
    if end is not None:
        table = table.loc[table["month"] <= pd.Timestamp(end)]
    if provinces:
        wanted = set(provinces) | ({MERGED, SETTLED} if "Khyber Pakhtunkhwa" in provinces
                                   else set())
        table = table.loc[table["scope"].isin(wanted)]
    dates = incidents["date"]
    counts = []
    for row in table.itertuples(index=False):
        in_month = (dates >= row.month) & (dates < row.period_end + pd.Timedelta(days=1))
        counts.append(int((in_month & scope_mask(incidents, row.scope)).sum()))
    out = table.assign(dataset=pd.array(counts, dtype="int64"))
    out["coverage_pct"] = _percent(out["dataset"], out["published"])
    out["alternative_pct"] = _percent(out["dataset"], out["alternative"])
    out["source_url"] = out["source_url"].map(safe_link)
    order = {scope: i for i, scope in enumerate(SCOPES)}
    out = out.assign(_order=out["scope"].map(order)).sort_values(
        ["month", "_order", "publisher"], ascending=[False, True, True], ignore_index=True)
    return out[list(COLUMNS)]


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    whole = pd.Series(whole, dtype="Float64")
    return (part.astype("Float64") / whole.where(whole > 0) * 100).astype("Float64")


def coverage_summary(table: pd.DataFrame) -> str:
    """One line on the spread of coverage, or why there is none to show."""
    shown = table.dropna(subset=["coverage_pct"])
    if shown.empty:
        return "No published monthly attack count matches the period and areas in view."
    low, high = shown["coverage_pct"].min(), shown["coverage_pct"].max()
    national = shown.loc[shown["scope"] == NATIONAL, "coverage_pct"]
    text = (f"{len(shown)} published monthly counts in view: the sample holds between "
            f"{low:.0f}% and {high:.0f}% of the attacks they record")
    if len(national):
        text += f" (Pakistan as a whole: median {national.median():.0f}%)"
    return text + "."


def conflicts(table: pd.DataFrame) -> pd.DataFrame:
    """Rows where the publisher gave a second, different figure."""
    return table.loc[table["alternative"].notna()].reset_index(drop=True)


def window_tallies(reference: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Published attack counts for short windows (a week or less) inside [start, end].

    Used to set, for example, the mid-March 2025 "57 attacks in 48 hours" tally beside the
    sample's own count of those days.
    """
    length = reference["period_end"] - reference["period_start"]
    rows = reference.loc[
        (reference["metric"] == "attacks")
        & (reference["period_start"] >= pd.Timestamp(start))
        & (reference["period_end"] <= pd.Timestamp(end))
        & (length <= pd.Timedelta(days=7))
    ].copy()
    rows["source_url"] = rows["source_url"].map(safe_link)
    return rows.reset_index(drop=True)


# --- coverage in the main views: timelines, comparisons, surges ------------------------------
# Pure rules that every view (timelines, the comparison, surges, claim checks, the deck)
# shares; the words a page shows stay in the presentation code.

LOW_COVERAGE_PCT = 20.0
"""Default threshold: a month where the sample holds less than this share of the published
count (or with no published count) is marked on timelines and weakens surges. One setting:
``TRACKER_LOW_COVERAGE_PCT`` overrides it."""
COMPARABLE_FACTOR = 1.5
"""Two periods' sample counts are compared as a trend only when their coverages differ by
at most this factor (and both are known)."""
MIN_FOR_PERCENT = 10
"""Below this many on either side a change is given as counts only, never as a percentage."""
PUBLISHER_ORDER: tuple[str, ...] = ("PICSS", "PIPS")
"""Which publisher's monthly count a timeline shows: PICSS first, PIPS where PICSS has none."""


_DAY_COUNTS: dict[int, tuple[weakref.ref, dict[str, pd.Series]]] = {}


def day_counts(incidents: pd.DataFrame, scope: str) -> pd.Series:
    """The sample's incidents per day in ``scope`` (index: days, sorted), once per frame.

    Every coverage figure of a page run counts the same frame; on a million rows one count
    per area keeps that to a fraction of a second (frames are never changed in place).
    """
    ident = id(incidents)
    entry = _DAY_COUNTS.get(ident)
    if entry is None or entry[0]() is not incidents:
        entry = (weakref.ref(incidents, lambda _r, ident=ident: _DAY_COUNTS.pop(ident, None)),
                 {})
        _DAY_COUNTS[ident] = entry
    found = entry[1].get(scope)
    if found is None:
        mask = scope_mask(incidents, scope).to_numpy(dtype=bool)
        days = incidents["date"].to_numpy(dtype="datetime64[ns]")[mask].astype("datetime64[D]")
        days = days[~np.isnat(days)]
        values, counts = np.unique(days, return_counts=True)
        found = entry[1][scope] = pd.Series(counts.astype("int64"),
                                            index=pd.DatetimeIndex(values.astype("datetime64[ns]")))
    return found


def _held(incidents: pd.DataFrame, scope: str, first: pd.Timestamp, last: pd.Timestamp) -> int:
    """Incidents in ``scope`` from day ``first`` to day ``last``, inclusive."""
    counts = day_counts(incidents, scope)
    lo, hi = counts.index.searchsorted(first), counts.index.searchsorted(last, side="right")
    return int(counts.iloc[lo:hi].sum())


def low_coverage_pct() -> float:
    """The low-coverage threshold in percent (``TRACKER_LOW_COVERAGE_PCT``, default 20)."""
    return config.number_env("TRACKER_LOW_COVERAGE_PCT", LOW_COVERAGE_PCT, high=100)


def area_scope(provinces: tuple[str, ...] = (), districts: tuple[str, ...] = ()) -> str | None:
    """The reference area matching a view: Pakistan, one province, or None.

    None means no publisher reports that area as one figure (districts, or several
    provinces: two provinces' figures would have to be summed).
    """
    if districts:
        return None
    if not provinces:
        return NATIONAL
    return provinces[0] if len(provinces) == 1 else None


def published_monthly(reference: pd.DataFrame, scope: str) -> pd.DataFrame:
    """One published monthly attack count per month for ``scope``: PICSS first, PIPS else.

    Khyber Pakhtunkhwa: where a publisher gave no figure for the whole province but did for
    both its merged tribal and settled districts, the two parts of that one publisher's
    count make the province's figure (``parts`` says so). Publishers are never added to
    each other.

    Returns ``month``, ``period_end``, ``publisher``, ``published``, ``source_url``,
    ``parts`` (True where built from KP's two parts), oldest first.
    """
    table = monthly_yardsticks(reference)
    rows = table.loc[table["scope"] == scope, ["month", "period_end", "publisher",
                                                "published", "source_url"]].assign(parts=False)
    if scope == "Khyber Pakhtunkhwa":
        halves = table.loc[table["scope"].isin([MERGED, SETTLED])]
        both = halves.groupby(["publisher", "month"]).filter(lambda g: g["scope"].nunique() == 2)
        built = both.groupby(["publisher", "month"], as_index=False).agg(
            period_end=("period_end", "first"), published=("published", "sum"),
            source_url=("source_url", "first")).assign(parts=True)
        have = set(zip(rows["publisher"], rows["month"], strict=True))
        built = built.loc[[(p, m) not in have for p, m in zip(built["publisher"],
                                                              built["month"], strict=True)]]
        rows = pd.concat([rows, built], ignore_index=True)
    rank = {p: i for i, p in enumerate(PUBLISHER_ORDER)}
    rows = rows.assign(_rank=rows["publisher"].map(rank)).sort_values(["month", "_rank"])
    rows = rows.drop_duplicates("month").drop(columns="_rank")
    rows["source_url"] = rows["source_url"].map(safe_link)
    return rows.reset_index(drop=True)


def monthly_coverage(incidents: pd.DataFrame, reference: pd.DataFrame, scope: str | None, *,
                     start: dt.date | None = None, end: dt.date | None = None,
                     threshold: float | None = None) -> pd.DataFrame:
    """The coverage join, area × month: each month's published count beside the sample's.

    Parameters
    ----------
    incidents
        The whole sample (published counts cover every attack, so no type or group filter).
    scope
        :func:`area_scope` of the view; None gives every month with no published figure.
    start, end
        The months to list (default: the months the incidents span).
    threshold
        Low-coverage threshold in percent (default :func:`low_coverage_pct`).

    Returns
    -------
    pandas.DataFrame
        One row per calendar month: ``month``, ``publisher`` (empty where none),
        ``published`` (Int64), ``dataset`` (the sample's incidents in the area), ``parts``,
        ``coverage_pct`` (Float64, empty where nothing was published) and ``low`` (True
        below the threshold or where unknown).
    """
    threshold = low_coverage_pct() if threshold is None else threshold
    if start is None or end is None:
        if incidents.empty:
            return pd.DataFrame(columns=["month", "publisher", "published", "dataset",
                                         "parts", "coverage_pct", "low"])
        start = start or incidents["date"].min().date()
        end = end or incidents["date"].max().date()
    months = pd.date_range(pd.Timestamp(start).to_period("M").start_time,
                           pd.Timestamp(end).to_period("M").start_time, freq="MS", name="month")
    out = pd.DataFrame({"month": months})
    if scope:
        daily = day_counts(incidents, scope)
        held = daily.groupby(daily.index.to_period("M").start_time).sum()
        out["dataset"] = out["month"].map(held).fillna(0).astype("int64")
    else:
        out["dataset"] = 0
    if scope:
        series = published_monthly(reference, scope).set_index("month")
        out["publisher"] = out["month"].map(series["publisher"]).fillna("")
        out["published"] = pd.array(out["month"].map(series["published"]), dtype="Int64")
        out["parts"] = out["month"].map(series["parts"]).fillna(False).astype(bool)
    else:
        out["publisher"], out["parts"] = "", False
        out["published"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["coverage_pct"] = _percent(out["dataset"], out["published"])
    out["low"] = (out["coverage_pct"].isna() | (out["coverage_pct"] < threshold)).astype(bool)
    if not scope:
        out["dataset"] = 0  # no area to count in: the sample's count here means nothing
    return out[["month", "publisher", "published", "dataset", "parts", "coverage_pct", "low"]]


@dataclass(frozen=True)
class SpanCoverage:
    """The sample's share of one publisher's published attacks over a span of days.

    ``published`` is the publisher's monthly counts, each taken pro rata to the days of the
    month inside the span (exact when the span is whole months, ``whole_months``).
    ``pct`` is None when any month of the span has no figure from that publisher, or when
    the area has no published series at all.
    """

    start: dt.date
    end: dt.date
    scope: str | None
    publisher: str | None
    published: float | None
    dataset: int
    whole_months: bool

    @property
    def pct(self) -> float | None:
        if not self.published:
            return None
        return self.dataset / self.published * 100


def span_coverage(incidents: pd.DataFrame, reference: pd.DataFrame, scope: str | None,
                  start: dt.date, end: dt.date,
                  publishers: tuple[str, ...] = PUBLISHER_ORDER) -> SpanCoverage:
    """How much of the published count for [start, end] the sample holds in ``scope``.

    One publisher must cover every month the span touches (the first of ``publishers``
    that does): a span is never measured against two publishers' figures added together.
    """
    if end < start:
        raise ValueError(f"`end` ({end}) is before `start` ({start})")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    whole = first.day == 1 and (last + pd.Timedelta(days=1)).day == 1
    if scope is None:
        return SpanCoverage(start, end, None, None, None, 0, whole)
    dataset = _held(incidents, scope, first, last)
    months = pd.date_range(first.to_period("M").start_time, last.to_period("M").start_time,
                           freq="MS")
    table = monthly_yardsticks(reference)
    for publisher in publishers:
        series = published_series(table, scope, publisher)
        if not all(m in series.index for m in months):
            continue
        total = 0.0
        for month in months:
            month_end = month + pd.offsets.MonthEnd(0)
            overlap = (min(month_end, last) - max(month, first)).days + 1
            total += float(series[month]) * overlap / month.days_in_month
        return SpanCoverage(start, end, scope, publisher, total, dataset, whole)
    return SpanCoverage(start, end, scope, None, None, dataset, whole)


def span_pair(incidents: pd.DataFrame, reference: pd.DataFrame, scope: str | None,
              first: tuple[dt.date, dt.date], second: tuple[dt.date, dt.date]
              ) -> tuple[SpanCoverage, SpanCoverage]:
    """Two spans' coverage measured against the same publisher where one covers both
    (publishers count differently, so their shares are not compared with each other)."""
    for publisher in PUBLISHER_ORDER:
        a = span_coverage(incidents, reference, scope, *first, publishers=(publisher,))
        b = span_coverage(incidents, reference, scope, *second, publishers=(publisher,))
        if a.publisher and b.publisher:
            return a, b
    return (span_coverage(incidents, reference, scope, *first),
            span_coverage(incidents, reference, scope, *second))


def month_bounds(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole calendar months [start, end] touches.

    A monthly figure cannot say how a month's attacks were spread over its days, so a
    period comparison measures coverage over the months its periods fall in.
    """
    first = pd.Timestamp(start).to_period("M")
    last = pd.Timestamp(end).to_period("M")
    return first.start_time.date(), last.end_time.date()


def is_whole_months(start: dt.date, end: dt.date) -> bool:
    return month_bounds(start, end) == (start, end)


def comparable_spans(a: SpanCoverage, b: SpanCoverage,
                     factor: float = COMPARABLE_FACTOR) -> bool:
    """:func:`comparable` for two spans, which must also share their publisher."""
    return a.publisher is not None and a.publisher == b.publisher and comparable(
        a.pct, b.pct, factor)


def published_series(table: pd.DataFrame, scope: str, publisher: str) -> pd.Series:
    """One publisher's monthly counts for ``scope`` (KP built from its two parts where the
    publisher gave no whole-province figure), indexed by month."""
    rows = table.loc[(table["publisher"] == publisher) & (table["scope"] == scope)]
    series = rows.set_index("month")["published"].astype(float)
    if scope == "Khyber Pakhtunkhwa":
        halves = table.loc[(table["publisher"] == publisher)
                           & table["scope"].isin([MERGED, SETTLED])]
        wide = halves.pivot_table(index="month", columns="scope", values="published",
                                  aggfunc="first")
        if {MERGED, SETTLED} <= set(wide.columns):
            built = (wide[MERGED] + wide[SETTLED]).dropna()
            series = pd.concat([series, built.loc[~built.index.isin(series.index)]])
    return series.sort_index()


def comparable(this_pct: float | None, other_pct: float | None,
               factor: float = COMPARABLE_FACTOR) -> bool:
    """The comparability rule: both coverages known and above zero, and the larger at most
    ``factor`` times the smaller. Otherwise a change in the sample's count is not a trend."""
    if this_pct is None or other_pct is None or pd.isna(this_pct) or pd.isna(other_pct):
        return False
    if this_pct <= 0 or other_pct <= 0:
        return False
    return max(this_pct, other_pct) / min(this_pct, other_pct) <= factor


def percent_allowed(this: float | None, other: float | None) -> bool:
    """A percentage change is shown only when both counts are known and at least
    :data:`MIN_FOR_PERCENT` (below it one report more or less swings it wildly)."""
    if this is None or other is None or pd.isna(this) or pd.isna(other):
        return False
    return this >= MIN_FOR_PERCENT and other >= MIN_FOR_PERCENT


def adjusted_expected(expected: float, window_pct: float | None,
                      baseline_pct: float | None) -> float | None:
    """The surge baseline scaled to the window's coverage: expected × window / baseline.

    If the sample holds 50% of the published attacks in the window's month but 25% in the
    baseline weeks, steady violence alone would give twice the expected count in the
    sample. None when either coverage is unknown or the baseline's is zero.
    """
    if window_pct is None or baseline_pct is None or baseline_pct <= 0:
        return None
    return expected * window_pct / baseline_pct


def adjusted_ratio(count: int, expected: float, window_pct: float | None,
                   baseline_pct: float | None) -> float | None:
    """``count`` ÷ :func:`adjusted_expected` (inf when that is zero; None when unknown)."""
    scaled = adjusted_expected(expected, window_pct, baseline_pct)
    if scaled is None:
        return None
    return float("inf") if scaled == 0 else count / scaled


def published_totals(reference: pd.DataFrame, scope: str | None, start: dt.date,
                     end: dt.date) -> pd.DataFrame:
    """Published annual or quarterly 'attacks only' totals (attacks, deaths, injured) for
    exactly the period [start, end] and ``scope``, PICSS and PIPS, each row as published
    (the highest where a publisher gave two)."""
    columns = ["publisher", "metric", "value", "period_kind", "source_url"]
    if scope is None:
        return pd.DataFrame(columns=columns)
    rows = reference.loc[
        reference["publisher"].isin(YARDSTICK_PUBLISHERS)
        & reference["period_kind"].isin(["year", "quarter"])
        & (reference["scope"] == scope)
        & reference["metric"].isin(["attacks", "deaths", "injured"])
        & reference["includes"].isin(["attacks only", ""])
        & (reference["period_start"] == pd.Timestamp(start))
        & (reference["period_end"] == pd.Timestamp(end))
    ]
    rows = rows.sort_values("value", ascending=False).drop_duplicates(["publisher", "metric"])
    rows = rows.assign(source_url=rows["source_url"].map(safe_link))
    order = {"attacks": 0, "deaths": 1, "injured": 2}
    rows = rows.assign(_o=rows["metric"].map(order)).sort_values(["publisher", "_o"])
    return rows[columns].reset_index(drop=True)


def province_totals(incidents: pd.DataFrame, reference: pd.DataFrame,
                    provinces: tuple[str, ...], start: dt.date | None,
                    end: dt.date | None) -> tuple[pd.DataFrame | None, str]:
    """Published attacks per province for the map's "published totals" lens, or why not.

    Only whole calendar months, and only when every province in view has one publisher's
    figure for every month of the period. Returns (``province``, ``publisher``,
    ``published``, ``dataset``) or None, and a reason in words when None.
    """
    if start is None or end is None:
        return None, "choose a period of whole months in the sidebar"
    spans = {p: span_coverage(incidents, reference, p, start, end) for p in provinces}
    if not next(iter(spans.values())).whole_months:
        return None, "published figures are monthly, and the period is not whole months"
    missing = [p for p, s in spans.items() if s.publisher is None]
    if missing:
        names = ", ".join(missing[:4]) + (" …" if len(missing) > 4 else "")
        return None, f"no published monthly figure covers the whole period for {names}"
    return pd.DataFrame([{"province": p, "publisher": s.publisher,
                          "published": round(s.published or 0), "dataset": s.dataset}
                         for p, s in spans.items()]), ""
