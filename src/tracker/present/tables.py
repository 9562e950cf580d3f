"""Incident lists for display: chosen columns, plain text, links only when http(s)."""

from __future__ import annotations

import pandas as pd

from tracker import schema

LIST_COLUMNS = (
    "date", "province", "district", "location", "attack_type", "target", "perpetrator",
    "killed", "injured", "killed_claimed", "summary", "source_name", "source_url",
    "geo_precision", "incident_id",
)


def safe_link(url: object) -> str | None:
    """The URL if it is http(s), else None: other schemes are never shown as links."""
    return schema.http_url(url)


def incident_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The incident list as shown: newest first, dates as text, safe links."""
    out = frame.loc[:, list(LIST_COLUMNS)].sort_values("date", ascending=False).copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out["source_url"] = out["source_url"].map(safe_link)
    return out.reset_index(drop=True)

