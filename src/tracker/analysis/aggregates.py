"""Aggregations over a canonical incidents frame: frame in, tidy frame out.

Unreported counts stay out of sums rather than counting as zero; each aggregate also
says how many incidents had the figure reported, so a total is never read as complete.
The big shared table is counted through :mod:`tracker.analysis.coded`; the results are the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import pandas as pd

from tracker import config, schema
from tracker.analysis import coded
from tracker.ingest import places
from tracker.present.text import split_perpetrator_column

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
        frame = frame.assign(perpetrator=split_perpetrator_column(frame["perpetrator"])).explode(
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

def data_span(frame: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """First and last day of the frame's dates (None when empty)."""
    if frame.empty:
        return None
    return frame["date"].min().date(), frame["date"].max().date()
