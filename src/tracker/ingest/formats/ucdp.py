"""UCDP Georeferenced Event Dataset (GED, Uppsala): recognition and mapping.

UCDP records organised violence with deaths, not tactics, so every row's attack type is
``other`` and the file's caveats say so. Who attacked is read from the conflict type:
in state-based violence (``type_of_violence`` 1) side A is the government and side B the
armed group; in non-state (2) side A is taken as the attacker; in one-sided violence (3)
side A attacks civilians. Deaths are split by side where UCDP gives ``deaths_a/b``.
A date range longer than a month, or an event located only to the country, is rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker.ingest.formats.base import (
    Columns,
    Mapped,
    first_url,
    is_pakistan,
    map_by_table,
    prefixed,
)

NAME = "ucdp"
LABEL = "UCDP Georeferenced Event Dataset (GED)"
SIGNATURE = frozenset({"id", "date_start", "date_end", "side_a", "side_b", "best"})
DATASET_URL = "https://ucdp.uu.se/downloads/"

WHERE_PRECISION: dict[str, str | None] = {
    "1": "exact", "2": "town", "3": "district", "4": "province", "5": "town",
    "6": None, "7": None,
}
"""UCDP ``where_prec`` → geo precision; 6 (country) and 7 (waters) cannot be placed."""

DATE_PRECISION: dict[str, str | None] = {
    "1": "day", "2": "week", "3": "week", "4": "month", "5": None,
}
"""UCDP ``date_prec`` → date precision; 5 (more than a month) is rejected."""


def matches(keys: set[str]) -> bool:
    return keys >= SIGNATURE


def to_canonical(frame: pd.DataFrame) -> Mapped:
    cols = Columns(frame)
    out = pd.DataFrame(index=frame.index)
    out["incident_id"] = prefixed("UCDP-", cols.text("id"))
    start = cols.text("date_start").str.slice(0, 10)
    end = cols.text("date_end").str.slice(0, 10)
    out["date"] = start
    span = (pd.to_datetime(end, errors="coerce", format="%Y-%m-%d")
            - pd.to_datetime(start, errors="coerce", format="%Y-%m-%d")).dt.days
    by_span = pd.Series(
        np.select([span.le(0), span.le(6), span.le(31)], ["day", "week", "month"], default=""),
        index=frame.index,
    ).replace("", None).where(span.notna(), None)
    prec_code = cols.text("date_prec").str.replace(r"\.0$", "", regex=True)
    precision = map_by_table(prec_code, DATE_PRECISION, "__none__")
    precision = precision.where(prec_code.notna(), by_span)
    too_vague = precision.isna() & start.notna() & (prec_code.notna() | span.gt(31))
    out["date_precision"] = precision.where(precision.ne("__none__") & precision.notna(), None)

    out["province"] = _strip_unit(cols.text("adm_1"))
    out["district"] = _strip_unit(cols.text("adm_2"))
    out["location"] = cols.text("where_coordinates").fillna(cols.text("where_description"))
    out["latitude"] = cols.text("latitude")
    out["longitude"] = cols.text("longitude")
    where_code = cols.text("where_prec").str.replace(r"\.0$", "", regex=True)
    out["geo_precision"] = map_by_table(where_code, WHERE_PRECISION, None)
    unplaceable = where_code.isin(["6", "7"])

    kind = cols.text("type_of_violence").str.replace(r"\.0$", "", regex=True)
    side_a, side_b = cols.text("side_a"), cols.text("side_b")
    state_based = kind.eq("1").fillna(False).astype(bool)
    one_sided = kind.eq("3").fillna(False).astype(bool)
    government_a = side_a.str.startswith("Government of").fillna(False).astype(bool)
    out["perpetrator"] = side_b.where(state_based & government_a, side_a)
    out["target"] = np.select(
        [state_based, one_sided], ["security forces", "civilians"], default="other"
    )
    out["attack_type"] = "other"
    out["claimed"] = np.where(out["perpetrator"].notna(), "attributed", "unknown")

    best = cols.number("best")
    deaths_a, deaths_b = cols.number("deaths_a"), cols.number("deaths_b")
    attackers = pd.Series(
        np.where(state_based & government_a, deaths_b, deaths_a), index=frame.index
    )
    split = attackers.notna()
    out["killed"] = (best - attackers.fillna(0)).where(best.notna()).astype("Float64")
    out["militants_killed"] = attackers.where(split).astype("Float64")

    low, high = cols.text("low"), cols.text("high")
    sources = cols.text("source_article")
    notes = ("UCDP sources: " + sources).where(sources.notna())
    estimate = ("UCDP deaths low-high: " + low + "-" + high).where(low.notna() & high.notna())
    out["notes"] = notes.fillna(estimate).where(~(notes.notna() & estimate.notna()),
                                                notes + "; " + estimate)
    out["summary"] = cols.text("source_headline")
    out["source_name"] = ("UCDP GED (" + cols.text("source_office") + ")").fillna("UCDP GED")
    out["source_url"] = first_url(sources).fillna(DATASET_URL)

    country = cols.text("country")
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[too_vague] = "UCDP dates this event only to more than a month (date_prec 5)"
    reason[unplaceable] = "UCDP places this event only in the country or at sea (where_prec 6-7)"
    reason[one_sided & government_a] = "one-sided violence by the state, not a militant attack"
    both_states = government_a & side_b.str.startswith("Government of").fillna(False)
    reason[both_states] = "fighting between states, not a militant attack"
    rejections = reason.where(is_pakistan(country))
    reject_columns = pd.Series(np.where(unplaceable, "where_prec",
                                        np.where(too_vague, "date_prec", "side_a")),
                               index=frame.index)

    columns = {
        "incident_id": "UCDP- + id", "date": "date_start",
        "date_precision": "date_prec, else the span date_start-date_end",
        "province": "adm_1", "district": "adm_2", "location": "where_coordinates",
        "latitude": "latitude", "longitude": "longitude", "geo_precision": "where_prec",
        "perpetrator": "side_b in state-based conflict, else side_a",
        "target": "type_of_violence (1 security forces, 3 civilians, 2 other)",
        "attack_type": "other (UCDP records no tactic)",
        "killed": "best minus the attacking side's deaths", "militants_killed":
        "the attacking side's deaths (deaths_a or deaths_b)", "notes": "source_article, low-high",
        "summary": "source_headline", "source_url": "link in source_article, else UCDP",
    }
    caveats = [
        "UCDP records no tactic: attack_type is 'other' for every row. It records fighting, "
        "not who began it: check that each event is a militant attack.",
        "killed is UCDP's best estimate minus the attacking side's deaths where UCDP splits "
        "deaths by side; otherwise it is the best estimate for all sides.",
        "UCDP rows carry no article links: source_url points to UCDP's downloads page "
        "unless a link is in source_article.",
    ]
    return Mapped(frame=out, columns=columns, caveats=caveats, country=country,
                  rejections=rejections, reject_columns=reject_columns)


def _strip_unit(values: pd.Series) -> pd.Series:
    """"Khyber Pakhtunkhwa province" → "Khyber Pakhtunkhwa"; "Bannu district" → "Bannu"."""
    return values.str.replace(r"\s+(province|district|agency|division|tehsil)$", "",
                              case=False, regex=True)
