"""Aggregations over a canonical incidents frame: frame in, tidy frame out.

Unreported counts stay out of sums rather than counting as zero; each aggregate also
says how many incidents had the figure reported, so a total is never read as complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tracker import schema

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
    if column == "perpetrator":
        frame = frame.assign(perpetrator=frame["perpetrator"].fillna("").str.split("; ")).explode(
            "perpetrator"
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
    if previous == 0:
        return f"{diff:+d}"
    return f"{diff:+d} ({diff / previous:+.0%})"
