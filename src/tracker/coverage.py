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
from functools import cache
from pathlib import Path

import pandas as pd

from tracker import config, places, schema
from tracker.tables import safe_link

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


def monthly_yardsticks(reference: pd.DataFrame) -> pd.DataFrame:
    """The monthly 'attacks only' counts of PICSS and PIPS, one row per publisher, month, area.

    Conflicting figures (same publisher, month and area) are resolved by
    :data:`CONFLICT_RULE`: the higher value is kept in ``published`` with its source, the
    other in ``alternative``.
    """
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
