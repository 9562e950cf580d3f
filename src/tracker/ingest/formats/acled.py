"""ACLED exports (Armed Conflict Location & Event Data): recognition and mapping.

ACLED records all political violence and protest, by everyone. The tracker holds militant
attacks, so the mapping keeps the events a militant group carries out and rejects the
rest with a reason (protests, riots, arrests, a state's own strikes). The tables below are
documented in ``docs/ingest.md``; change them there and here together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker.ingest.formats.base import (
    Columns,
    Mapped,
    code,
    first_url,
    is_pakistan,
    join_text,
    map_by_table,
    prefixed,
    resolve_actor,
)
from tracker.ingest.normalise import Distinct

NAME = "acled"
LABEL = "ACLED export"
SIGNATURE = frozenset({"event_id_cnty", "event_date", "sub_event_type", "country"})
DATASET_URL = "https://acleddata.com/"

SUB_EVENT_ATTACK_TYPES: dict[str, str | None] = {
    "Armed clash": "armed assault",
    "Non-state actor overtakes territory": "armed assault",
    "Attack": "armed assault",
    "Abduction/forced disappearance": "kidnapping",
    "Sexual violence": "other",
    "Suicide bomb": "suicide bombing",
    "Remote explosive/landmine/IED": "bombing",
    "Grenade": "grenade attack",
    "Shelling/artillery/missile attack": "rocket attack",
    "Air/drone strike": "other",
    "Chemical weapon": "other",
    "Looting/property destruction": "attack on infrastructure",
    "Government regains territory": None,
    "Peaceful protest": None,
    "Protest with intervention": None,
    "Excessive force against protesters": None,
    "Violent demonstration": None,
    "Mob violence": None,
    "Agreement": None,
    "Arrests": None,
    "Change to group/activity": None,
    "Disrupted weapons use": None,
    "Headquarters or base established": None,
    "Non-violent transfer of territory": None,
    "Other": None,
}
"""ACLED ``sub_event_type`` → attack type; ``None`` means "not a militant attack" (rejected)."""

GEO_PRECISION = {"1": "town", "2": "town", "3": "district"}
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}

_TARGET_BY_KIND = {
    "police": "police",
    "military": "security forces",
    "government": "government officials",
    "civilians": "civilians",
    "protesters": "civilians",
    "rioters": "other",
    "nonstate": "other",
    "": "other",
}
_STATE = {"police", "military", "government"}


def matches(keys: set[str]) -> bool:
    return keys >= SIGNATURE


def actor_kind(name: object, inter: object = None) -> str:
    """What kind of actor an ACLED actor is: police, military, government, civilians,
    protesters, rioters, nonstate, or "" when blank."""
    text = str(name).strip().lower() if isinstance(name, str) else ""
    if text.startswith("police forces of"):
        return "police"
    if text.startswith("military forces of"):
        return "military"
    if text.startswith("government of"):
        return "government"
    for word in ("civilians", "protesters", "rioters"):
        if text.startswith(word):
            return word
    inter_code = str(inter).strip().lower() if isinstance(inter, str) else ""
    by_code = {"1": "military", "state forces": "military", "5": "rioters", "rioters": "rioters",
               "6": "protesters", "protesters": "protesters", "7": "civilians",
               "civilians": "civilians"}
    if inter_code in by_code:
        return by_code[inter_code]
    return "nonstate" if text else ""


def to_canonical(frame: pd.DataFrame) -> Mapped:
    cols = Columns(frame)
    out = pd.DataFrame(index=frame.index)
    out["incident_id"] = prefixed("ACLED-", cols.text("event_id_cnty"))
    out["date"] = cols.text("event_date")
    out["date_precision"] = map_by_table(code(cols.text("time_precision")), TIME_PRECISION,
                                         None)
    out["province"] = cols.text("admin1")
    out["district"] = cols.text("admin2")
    place, admin3 = cols.text("location"), cols.text("admin3")
    same = place.str.casefold().eq(admin3.str.casefold()).fillna(False).astype(bool)
    out["location"] = join_text(place, admin3.mask(same), sep=", ")
    out["latitude"] = cols.text("latitude")
    out["longitude"] = cols.text("longitude")
    out["geo_precision"] = map_by_table(code(cols.text("geo_precision")), GEO_PRECISION, None)

    event_type = cols.text("event_type")
    sub_event = cols.text("sub_event_type")
    attack = map_by_table(sub_event, SUB_EVENT_ATTACK_TYPES, "__unknown__")
    actor1, actor2 = cols.text("actor1"), cols.text("actor2")
    kind1 = _kinds(actor1, code(cols.text("inter1")))
    kind2 = _kinds(actor2, code(cols.text("inter2")))

    battle = event_type.str.lower().eq("battles").fillna(False).to_numpy(dtype=bool)
    k1, k2 = kind1.to_numpy(dtype=object), kind2.to_numpy(dtype=object)
    second_attacks = battle & (k1 != "nonstate") & (k2 == "nonstate")
    perp_kind = np.where(second_attacks, k2, k1)
    victim_kind = np.where(second_attacks, k1, k2)
    perp_name = pd.Series(np.where(second_attacks, actor2, actor1), index=frame.index)
    out["perpetrator"] = _actor_names(perp_name)

    victims = pd.Series(victim_kind, index=frame.index).map(_TARGET_BY_KIND).fillna("other")
    against_civilians = event_type.str.lower().eq("violence against civilians").fillna(False)
    victims = victims.mask(against_civilians & victims.eq("other"), "civilians")
    foreign = cols.text("assoc_actor_2").str.contains(r"foreign|china|chinese", case=False)
    victims = victims.mask(foreign.fillna(False).astype(bool), "foreign nationals")
    out["target"] = victims

    notes_text = cols.text("notes")
    claimed = notes_text.str.contains(r"claimed\b", case=False).fillna(False).astype(bool)
    known = out["perpetrator"].notna()
    out["claimed"] = np.where(claimed & known, "claimed", np.where(known, "attributed", "unknown"))
    out["killed"] = cols.text("fatalities")
    out["summary"] = notes_text
    sources = cols.text("source")
    out["notes"] = ("ACLED sources: " + sources).where(sources.notna())
    out["source_name"] = ("ACLED (" + sources.str.slice(0, 280) + ")").fillna("ACLED")
    out["source_url"] = first_url(sources, notes_text).fillna(DATASET_URL)

    country = cols.text("country")
    rejections = _rejections(event_type, sub_event, attack, perp_kind, perp_name)
    reject_columns = pd.Series(np.where(attack.isna() | attack.eq("__unknown__"),
                                        "sub_event_type", "actor1"), index=frame.index)
    out["attack_type"] = attack.where(attack.notna() & attack.ne("__unknown__"), None)
    rejections[~is_pakistan(country)] = None

    columns = {
        "incident_id": "ACLED- + event_id_cnty", "date": "event_date",
        "date_precision": "time_precision (1 day, 2 week, 3 month)", "province": "admin1",
        "district": "admin2", "location": "location, admin3",
        "latitude": "latitude", "longitude": "longitude",
        "geo_precision": "geo_precision (1, 2 town; 3 district)",
        "attack_type": "sub_event_type (table in docs/ingest.md)",
        "target": "the victim side's actor or inter code", "perpetrator": "the attacking actor",
        "claimed": "'claimed' in notes, else attributed", "killed": "fatalities",
        "summary": "notes", "notes": "source", "source_name": "ACLED (source)",
        "source_url": "first link in source or notes, else " + DATASET_URL,
    }
    caveats = [
        "ACLED's fatalities count everyone killed, attackers included; they are stored as "
        "killed. ACLED records no injuries, so injured is left empty (not reported).",
        "ACLED exports carry no article links: source_url points to ACLED unless a link is "
        "in the row, and the outlets are named in source_name.",
        "In battles ACLED does not record who attacked: the non-state side is taken as the "
        "perpetrator. Protests, riots, strategic developments and state forces' own "
        "operations are rejected as not militant attacks.",
    ]
    return Mapped(frame=out, columns=columns, caveats=caveats, country=country,
                  rejections=rejections, reject_columns=reject_columns)


def _kinds(actor: pd.Series, inter: pd.Series) -> pd.Series:
    return Distinct.pairs(actor.fillna(""), inter, actor_kind).get()


def _actor_names(names: pd.Series) -> pd.Series:
    resolved = Distinct(names, resolve_actor).get()
    return resolved.mask(resolved.isna() | resolved.eq(""))


def _rejections(event_type: pd.Series, sub_event: pd.Series, attack: pd.Series,
                perp_kind: np.ndarray, perp_name: pd.Series) -> pd.Series:
    reason = pd.Series(None, index=event_type.index, dtype=object)
    unknown = attack.eq("__unknown__") & sub_event.notna()
    reason[unknown] = ("ACLED sub_event_type '" + sub_event[unknown]
                       + "' is not one the tracker knows")
    missing = sub_event.isna()
    reason[missing] = "ACLED sub_event_type is empty"
    out_of_scope = attack.isna()
    reason[out_of_scope] = (
        "ACLED event '" + event_type[out_of_scope].fillna("") + " / "
        + sub_event[out_of_scope].fillna("") + "' is not a militant attack"
    )
    attacks = ~(unknown | missing | out_of_scope).to_numpy()
    state = np.isin(perp_kind, list(_STATE))
    crowd = np.isin(perp_kind, ["civilians", "protesters", "rioters"])
    by_state = attacks & state
    by_crowd = attacks & crowd & ~by_state
    reason[by_state] = ("carried out by state forces ('" + perp_name[by_state].fillna("")
                        + "'), not a militant attack")
    reason[by_crowd] = ("carried out by '" + perp_name[by_crowd].fillna("")
                        + "', not by a militant group")
    return reason
