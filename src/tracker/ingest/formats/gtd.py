"""Global Terrorism Database (GTD, START, University of Maryland): recognition and mapping.

GTD splits the date into ``iyear``, ``imonth``, ``iday`` where 0 means unknown: a missing
day gives the first of the month with ``date_precision = month``; a missing month leaves
only the year, which the tracker cannot place on its monthly timelines, so such a row is
rejected with that reason rather than pinned to an invented month. Numeric unknowns
(``-9``, ``-99``) are read as "not reported". GTD's ``nkill`` includes perpetrators;
``nkillter`` (perpetrators killed) is subtracted where given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker.ingest.formats.base import (
    Columns,
    Mapped,
    first_url,
    is_pakistan,
    join_text,
    map_by_table,
    prefixed,
)

NAME = "gtd"
LABEL = "Global Terrorism Database (GTD)"
SIGNATURE = frozenset({"eventid", "iyear", "imonth", "iday", "country_txt"})
INCIDENT_URL = "https://www.start.umd.edu/gtd/search/IncidentSummary.aspx?gtdid="

ATTACK_TYPES: dict[str, str] = {
    "Assassination": "targeted killing",
    "Armed Assault": "armed assault",
    "Bombing/Explosion": "bombing",
    "Hijacking": "hijacking",
    "Hostage Taking (Barricade Incident)": "kidnapping",
    "Hostage Taking (Kidnapping)": "kidnapping",
    "Facility/Infrastructure Attack": "attack on infrastructure",
    "Unarmed Assault": "other",
    "Unknown": "other",
}
"""GTD ``attacktype1_txt`` → attack type (refined by ``suicide`` and the weapon below)."""

WEAPON_SUBTYPES: dict[str, str] = {
    "Grenade": "grenade attack",
    "Projectile (rockets, mortars, RPGs, etc.)": "rocket attack",
}
"""GTD ``weapsubtype1_txt`` that name a more precise attack type for a bombing."""

TARGETS: dict[str, str] = {
    "Military": "security forces",
    "Police": "police",
    "Government (General)": "government officials",
    "Government (Diplomatic)": "government officials",
    "Private Citizens & Property": "civilians",
    "Business": "civilians",
    "Educational Institution": "civilians",
    "Journalists & Media": "civilians",
    "NGO": "civilians",
    "Religious Figures/Institutions": "religious site",
    "Tourists": "foreign nationals",
    "Utilities": "infrastructure",
    "Telecommunication": "infrastructure",
    "Transportation": "infrastructure",
    "Airports & Aircraft": "infrastructure",
    "Maritime": "infrastructure",
    "Food or Water Supply": "infrastructure",
    "Violent Political Party": "political",
    "Terrorists/Non-State Militia": "other",
    "Abortion Related": "other",
    "Other": "other",
    "Unknown": "other",
}
"""GTD ``targtype1_txt`` → target."""

SPECIFICITY = {"1": "town", "2": "district", "3": "district", "4": "province", "5": "province"}
"""GTD ``specificity`` → geo precision (1 city; 2–3 smallest region; 4 province; 5 unknown)."""


def matches(keys: set[str]) -> bool:
    return keys >= SIGNATURE


def to_canonical(frame: pd.DataFrame) -> Mapped:
    cols = Columns(frame)
    out = pd.DataFrame(index=frame.index)
    eventid = cols.text("eventid").str.replace(r"\.0$", "", regex=True)
    out["incident_id"] = prefixed("GTD-", eventid)

    year, month, day = (_whole(_known(cols.number(k))) for k in ("iyear", "imonth", "iday"))
    year_only = year.notna() & (month.isna() | month.eq(0))
    month_only = ~year_only & year.notna() & (day.isna() | day.eq(0))
    date = (
        year.astype("Int64").astype("str").str.zfill(4) + "-"
        + month.where(month > 0).astype("Int64").astype("str").str.zfill(2) + "-"
        + day.where(day > 0, 1).astype("Int64").astype("str").str.zfill(2)
    )
    out["date"] = date.where(year.notna() & ~year_only)
    out["date_precision"] = np.where(month_only, "month", "day")
    out["province"] = cols.text("provstate").replace(
        {"Federally Administered Tribal Areas": "FATA"}
    )
    city = cols.text("city").mask(cols.text("city").str.lower().eq("unknown"))
    out["location"] = city
    out["latitude"] = cols.text("latitude")
    out["longitude"] = cols.text("longitude")
    out["geo_precision"] = map_by_table(
        cols.text("specificity").str.replace(r"\.0$", "", regex=True), SPECIFICITY, None
    )

    attack = map_by_table(cols.text("attacktype1_txt"), ATTACK_TYPES, None)
    weapon = map_by_table(cols.text("weapsubtype1_txt"), WEAPON_SUBTYPES, None)
    attack = attack.mask(attack.eq("bombing") & weapon.notna(), weapon)
    suicide = _known(cols.number("suicide")).eq(1)
    attack = attack.mask(suicide & attack.isin(["bombing", "grenade attack"]), "suicide bombing")
    out["attack_type"] = attack.where(attack.notna(), cols.text("attacktype1_txt"))
    target = map_by_table(cols.text("targtype1_txt"), TARGETS, None)
    out["target"] = target.where(target.notna(), cols.text("targtype1_txt"))

    group = cols.text("gname")
    out["perpetrator"] = group.mask(group.str.lower().eq("unknown"))
    claimed = _known(cols.number("claimed")).eq(1)
    known = out["perpetrator"].notna()
    out["claimed"] = np.where(claimed & known, "claimed", np.where(known, "attributed", "unknown"))

    nkill, nkillter = _known(cols.number("nkill")), _known(cols.number("nkillter"))
    nwound, nwoundte = _known(cols.number("nwound")), _known(cols.number("nwoundte"))
    out["killed"] = (nkill - nkillter.fillna(0)).astype("Float64")
    out["injured"] = (nwound - nwoundte.fillna(0)).astype("Float64")
    out["militants_killed"] = nkillter.astype("Float64")

    out["summary"] = cols.text("summary")
    citations = join_text(cols.text("scite1"), cols.text("scite2"), cols.text("scite3"))
    approx = cols.text("approxdate")
    out["notes"] = join_text(
        ("GTD sources: " + citations).where(citations.notna()),
        ("GTD approximate date: " + approx).where(approx.notna()),
    )
    database = cols.text("dbsource")
    out["source_name"] = ("GTD (" + database + ")").fillna("GTD")
    out["source_url"] = first_url(citations).fillna((INCIDENT_URL + eventid).where(
        eventid.notna()))

    country = cols.text("country_txt")
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[year_only] = (
        "GTD gives only the year (imonth = 0); the tracker needs at least the month"
    )
    reason[year.isna()] = "iyear is empty or not a year"
    rejections = reason.where(is_pakistan(country))
    reject_columns = pd.Series(np.where(year.isna(), "iyear", "imonth"), index=frame.index)

    columns = {
        "incident_id": "GTD- + eventid", "date": "iyear, imonth, iday (0 = unknown)",
        "province": "provstate", "location": "city", "district": "city (when it names one)",
        "latitude": "latitude", "longitude": "longitude", "geo_precision": "specificity",
        "attack_type": "attacktype1_txt, suicide, weapsubtype1_txt",
        "target": "targtype1_txt", "perpetrator": "gname", "claimed": "claimed",
        "killed": "nkill - nkillter", "injured": "nwound - nwoundte",
        "militants_killed": "nkillter", "summary": "summary", "notes": "scite1-3, approxdate",
        "source_name": "GTD (dbsource)", "source_url": "link in scite1-3, else GTD's page",
    }
    caveats = [
        "GTD dates with an unknown day are stored as the first of the month with "
        "date_precision 'month'; dates known only to the year are rejected.",
        "GTD's nkill includes perpetrators; killed is nkill minus nkillter where GTD gives "
        "nkillter. -9 and -99 are read as not reported.",
    ]
    return Mapped(frame=out, columns=columns, caveats=caveats, country=country,
                  rejections=rejections, reject_columns=reject_columns, district_hint=city)


def _whole(values: pd.Series) -> pd.Series:
    """Whole numbers only (a fractional year or month is as good as missing)."""
    return values.where(values.eq(values.round()))


def _known(values: pd.Series) -> pd.Series:
    """GTD's numeric unknown codes (-9, -99) as missing."""
    return values.mask(values.isin([-9.0, -99.0]))
