"""Column mappings for files in no known format: suggestions, and mappings saved for reuse.

A researcher's log has its own headers ("Date of attack", "Shaheed", "Group"). The mapping
step pairs each file column with a canonical field. :func:`suggest` proposes pairs by
name: the canonical name, a list of headers seen in real logs (English and Urdu), then
the closest spelling (rapidfuzz). A confirmed mapping is saved in the store (so every
instance offers it) under the header's signature, and :func:`load` offers it again for
any file with the same columns, in any order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from tracker import schema
from tracker.ingest.formats import column_key

MAPPABLE = (*(c for c in schema.COLUMNS if c != "batch_id"), "country")
"""The fields a file column can be mapped to: the canonical ones, and ``country``, which is
not stored but sends rows naming another country to ``outside_pakistan``."""
SUGGEST_CUTOFF = 80

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "country": ("country name", "country_txt", "nation", "ملک"),
    "incident_id": ("event id", "incident id", "incident no", "incident code", "ref no"),
    "date": ("date of attack", "date of incident", "incident date", "attack date", "day",
             "event date", "dated", "تاریخ"),
    "date_precision": ("date accuracy", "date certainty"),
    "province": ("province", "region", "state", "admin1", "provstate", "صوبہ"),
    "district": ("district", "admin2", "agency", "ضلع"),
    "location": ("place", "area", "town", "city", "village", "tehsil", "locality", "site",
                 "مقام"),
    "latitude": ("lat", "y"),
    "longitude": ("lon", "long", "lng", "x"),
    "geo_precision": ("location accuracy", "location precision", "precision"),
    "attack_type": ("type", "attack", "type of attack", "incident type", "nature of attack",
                    "tactic", "method", "category"),
    "target": ("target type", "targeted", "victims", "victim type", "target group"),
    "perpetrator": ("group", "perpetrator group", "attacker", "attackers",
                    "responsible group", "claimed by", "militant group", "organisation",
                    "organization", "actor"),
    "claimed": ("claim", "claimed responsibility", "responsibility claimed"),
    "killed": ("deaths", "dead", "fatalities", "killed total", "no of killed", "shaheed",
               "martyred", "ہلاکتیں"),
    "injured": ("wounded", "injuries", "hurt", "no of injured", "زخمی"),
    "militants_killed": ("terrorists killed", "attackers killed", "militants dead"),
    "killed_claimed": ("claimed killed", "claimed toll", "killed claimed by group"),
    "summary": ("description", "details", "incident summary", "what happened", "narrative",
                "تفصیل"),
    "notes": ("remarks", "comments", "comment", "note"),
    "source_name": ("source", "newspaper", "outlet", "publication", "media"),
    "source_url": ("url", "link", "source link", "web link", "reference url", "news link"),
}


def suggest(header: list[str]) -> dict[str, str | None]:
    """file column → the canonical field it most likely holds (``None`` when unsure).

    Each canonical field is suggested for one column at most: the best-scoring one.
    """
    names: dict[str, str] = {}
    for field in MAPPABLE:
        names[column_key(field)] = field
        names[column_key(field.replace("_", " "))] = field
        for synonym in HEADER_SYNONYMS.get(field, ()):
            names.setdefault(column_key(synonym), field)
    scored: list[tuple[float, str, str]] = []
    for column in header:
        key = column_key(column)
        if not key:
            continue
        if key in names:
            scored.append((200.0, column, names[key]))
            continue
        best = process.extractOne(key, list(names), scorer=fuzz.ratio,
                                  score_cutoff=SUGGEST_CUTOFF)
        if best is not None:
            scored.append((float(best[1]), column, names[best[0]]))
    out: dict[str, str | None] = dict.fromkeys(header)
    taken: set[str] = set()
    for _score, column, field in sorted(scored, key=lambda t: -t[0]):
        if field not in taken and out[column] is None:
            out[column] = field
            taken.add(field)
    return out


def signature(header: list[str]) -> str:
    """A key for a header: the same columns in any order give the same signature."""
    keys = sorted(column_key(h) for h in header)
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """What is wrong with a mapping, in words (empty when it can be used)."""
    found: list[str] = []
    for column, field in mapping.items():
        if column not in header:
            found.append(f"the file has no column {column!r}")
        if field not in MAPPABLE:
            found.append(f"{field!r} is not a field of the tracker")
    targets = [f for f in mapping.values() if f]
    for field in sorted({f for f in targets if targets.count(f) > 1}):
        found.append(f"{field!r} is mapped from more than one column")
    return found


def missing_required(mapping: dict[str, str]) -> list[str]:
    """Required fields no column is mapped to (their rows will be rejected)."""
    fields = set(mapping.values())
    derived = {"incident_id", "date_precision", "geo_precision", "claimed", "perpetrator",
               "province", "source_name"}
    return [f.name for f in schema.FIELDS
            if f.required and f.name not in fields and f.name not in derived
            and f.name != "batch_id"]


def save(header: list[str], mapping: dict[str, str], store: Any | None = None) -> str:
    """Keep a confirmed mapping for files with the same header, in the store (shared by
    every instance); returns the header's signature."""
    issues = problems(mapping, header)
    if issues:
        raise ValueError("The mapping cannot be saved: " + "; ".join(issues))
    from tracker.store.database import shared_store
    from tracker.store.tables import column_mappings

    store = store or shared_store()
    key = signature(header)
    values = {"header": json.dumps(header, ensure_ascii=False),
              "mapping": json.dumps(mapping, ensure_ascii=False),
              "saved_at": dt.datetime.now(dt.UTC)}
    with store.engine.begin() as conn:
        done = conn.execute(column_mappings.update()
                            .where(column_mappings.c.signature == key).values(**values))
        if not done.rowcount:
            conn.execute(column_mappings.insert().values(signature=key, **values))
    return key


def load(header: list[str], store: Any | None = None) -> dict[str, str] | None:
    """The mapping saved for this header, if one was saved and still fits it."""
    from tracker import config
    from tracker.store import columnar
    from tracker.store.database import shared_store
    from tracker.store.tables import column_mappings

    if store is None:
        path = columnar.sqlite_path(config.db_url())
        if path is not None and not Path(path).exists():
            return None  # no store yet, so nothing saved: do not create one just to look
        store = shared_store()
    with store.engine.connect() as conn:
        text = conn.execute(sa.select(column_mappings.c.mapping)
                            .where(column_mappings.c.signature == signature(header))).scalar()
    if text is None:
        return None
    try:
        mapping = {str(k): str(v) for k, v in json.loads(text).items()}
    except (ValueError, AttributeError):
        return None
    by_key = {column_key(h): h for h in header}
    fitted = {by_key.get(column_key(k), k): v for k, v in mapping.items()}
    return fitted if not problems(fitted, header) else None


def read_mapping_file(path: str | Path) -> dict[str, str]:
    """A mapping from a JSON file: ``{"file column": "canonical field", ...}``.

    A file saved by :func:`save` (with ``header`` and ``mapping`` keys) works too.
    """
    body = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(body, dict) and isinstance(body.get("mapping"), dict):
        body = body["mapping"]
    if not isinstance(body, dict):
        raise ValueError("A mapping file holds one JSON object: file column → field.")
    return {str(k): str(v) for k, v in body.items() if v}
