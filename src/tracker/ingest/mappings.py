"""Column mappings for files in no known format: suggestions, and mappings saved for reuse.

A researcher's log has its own headers ("Date of attack", "Shaheed", "Group"). The mapping
step pairs each file column with a canonical field. :func:`suggest` proposes pairs by
name: the canonical name, a list of headers seen in real logs (English and Urdu), then
the closest spelling (rapidfuzz); and by content: a column of links is ``source_url``
whatever its header, a column of dates ``date``, one of small whole numbers a count. A
confirmed mapping (with the researcher's value mapping, see
:mod:`tracker.ingest.value_mapping`) is saved in the store (so every instance offers it)
under the header's signature, and :func:`load` offers it again for any file with the same
columns, in any order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
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


def suggest(header: list[str], frame: pd.DataFrame | None = None) -> dict[str, str | None]:
    """file column → the canonical field it most likely holds (``None`` when unsure).

    ``frame`` (the file's first rows, optional) lets the cells speak too: a column of
    links goes to ``source_url`` even when headed "Source"; a column of dates to
    ``date`` and one of small whole numbers to a count when the header says nothing.
    Each canonical field is suggested for one column at most: the best-scoring one.
    """
    names: dict[str, str] = {}
    for field in MAPPABLE:
        names[column_key(field)] = field
        names[column_key(field.replace("_", " "))] = field
        for synonym in HEADER_SYNONYMS.get(field, ()):
            names.setdefault(column_key(synonym), field)
    scored: list[tuple[float, str, str]] = []
    sample = frame.head(200) if frame is not None else None
    for column in header:
        key = column_key(column)
        kind = content_kind(sample[column]) if sample is not None and column in sample else None
        if kind == "url":
            scored.append((250.0, column, "source_url"))
            continue
        if not key:
            continue
        if key in names:
            scored.append((200.0, column, names[key]))
            continue
        best = process.extractOne(key, list(names), scorer=fuzz.ratio,
                                  score_cutoff=SUGGEST_CUTOFF)
        if best is not None:
            scored.append((float(best[1]), column, names[best[0]]))
        elif kind == "date":
            scored.append((150.0, column, "date"))
        elif kind == "count":
            scored += [(70.0 - i, column, f) for i, f in enumerate(schema.COUNT_COLUMNS)]
    out: dict[str, str | None] = dict.fromkeys(header)
    taken: set[str] = set()
    for _score, column, field in sorted(scored, key=lambda t: -t[0]):
        if field not in taken and out[column] is None:
            out[column] = field
            taken.add(field)
    return out


def content_kind(cells: pd.Series) -> str | None:
    """What a column's cells look like: ``url``, ``date``, ``count`` or ``None``.

    Most of the filled cells (four in five) must agree. A run of serial numbers (1, 2,
    3…) is not a count.
    """
    from tracker.ingest.normalise import parse_date

    text = cells.dropna().astype(str).str.strip()
    text = text[text.ne("")]
    if text.empty:
        return None
    share = 0.8 * len(text)
    if text.str.match(r"(?i)^(https?://|www\.)\S+$").sum() >= share:
        return "url"
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,4}")), errors="coerce")
    if numbers.notna().sum() >= share:
        whole = numbers.dropna()
        serial = len(whole) > 2 and whole.diff().dropna().eq(1).all()
        return None if serial else "count"
    if sum(parse_date(v).error is None for v in text.head(50)) >= 0.8 * len(text.head(50)):
        return "date"
    return None


FIELD_HELP: dict[str, tuple[str, str]] = {
    "incident_id": ("Your own id for the incident; one is made when empty", "BL-2025-031"),
    "date": ("Day of the attack", "16/03/2025"),
    "date_precision": ("How exact the date is: day, week or month", "day"),
    "province": ("Province or region of Pakistan", "KP"),
    "district": ("District; old agency names work too", "D.I.Khan"),
    "location": ("Town, village or place as reported", "Mir Ali bazaar"),
    "latitude": ("Latitude in decimal degrees", "32.01"),
    "longitude": ("Longitude in decimal degrees", "70.05"),
    "geo_precision": ("How exact the place is: exact, town, district, province", "town"),
    "attack_type": ("Kind of attack", "IED blast"),
    "target": ("Who or what was attacked", "Police"),
    "perpetrator": ("Group responsible; blank means Unknown", "TTP"),
    "claimed": ("Whether the group claimed it", "yes"),
    "killed": ("People killed, attackers excluded", "3"),
    "injured": ("People injured", "7"),
    "militants_killed": ("Attackers killed", "2"),
    "killed_claimed": ("Toll the group claimed", "10"),
    "summary": ("What happened, in a sentence", "Bomb hit a police van"),
    "notes": ("Anything else worth keeping", "Second source disagrees"),
    "source_name": ("Name of the outlet; taken from the link when empty", "Dawn"),
    "source_url": ("Link to the report", "https://www.dawn.com/…"),
    "country": ("Country; rows of other countries are set aside", "Pakistan"),
}
"""A one-line description and an example for each field, as the mapping step shows them."""


def describe(field: str) -> str:
    """'source_url: Link to the report (e.g. https://…)', for a choice in the mapping step."""
    text, example = FIELD_HELP.get(field, ("", ""))
    return f"{field}: {text} (e.g. {example})" if text else field


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


def save(header: list[str], mapping: dict[str, str], store: Any | None = None,
         values: dict[str, dict[str, str]] | None = None) -> str:
    """Keep a confirmed mapping for files with the same header, in the store (shared by
    every instance); returns the header's signature.

    ``values`` is the value mapping (field → {value: word}); without it, a value mapping
    saved earlier for the header is kept. With one, the row holds
    ``{"columns": ..., "values": ...}``; a column mapping alone stays the plain
    ``{column: field}`` object older versions wrote.
    """
    from tracker.ingest import value_mapping

    issues = problems(mapping, header) + value_mapping.problems(values or {})
    if issues:
        raise ValueError("The mapping cannot be saved: " + "; ".join(issues))
    from tracker.store.database import shared_store
    from tracker.store.tables import column_mappings

    store = store or shared_store()
    key = signature(header)
    if values is None:
        values = _load_body(header, store)[1]
    body: dict[str, Any] = {"columns": mapping, "values": values} if values else mapping
    row = {"header": json.dumps(header, ensure_ascii=False),
           "mapping": json.dumps(body, ensure_ascii=False),
           "saved_at": dt.datetime.now(dt.UTC)}
    with store.engine.begin() as conn:
        done = conn.execute(column_mappings.update()
                            .where(column_mappings.c.signature == key).values(**row))
        if not done.rowcount:
            conn.execute(column_mappings.insert().values(signature=key, **row))
    return key


def load(header: list[str], store: Any | None = None) -> dict[str, str] | None:
    """The mapping saved for this header, if one was saved and still fits it."""
    mapping = _load_body(header, store)[0]
    if mapping is None:
        return None
    by_key = {column_key(h): h for h in header}
    fitted = {by_key.get(column_key(k), k): v for k, v in mapping.items()}
    return fitted if not problems(fitted, header) else None


def load_values(header: list[str], store: Any | None = None) -> dict[str, dict[str, str]]:
    """The value mapping saved for this header (empty when none was)."""
    return _load_body(header, store)[1]


def _load_body(header: list[str], store: Any | None
               ) -> tuple[dict[str, str] | None, dict[str, dict[str, str]]]:
    """The saved column mapping (``None`` when none) and value mapping for a header."""
    from tracker import config
    from tracker.ingest import value_mapping
    from tracker.store import columnar
    from tracker.store.database import shared_store
    from tracker.store.tables import column_mappings

    if store is None:
        path = columnar.sqlite_path(config.db_url())
        if path is not None and not Path(path).exists():
            return None, {}  # no store yet, so nothing saved: do not create one just to look
        store = shared_store()
    with store.engine.connect() as conn:
        text = conn.execute(sa.select(column_mappings.c.mapping)
                            .where(column_mappings.c.signature == signature(header))).scalar()
    if text is None:
        return None, {}
    try:
        body = json.loads(text)
        if isinstance(body.get("columns"), dict) and "values" in body:
            values = value_mapping.clean(body.get("values"))
            body = body["columns"]
        else:
            values = {}
        return {str(k): str(v) for k, v in body.items()}, values
    except (ValueError, AttributeError):
        return None, {}


def read_mapping_spec(path: str | Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Columns and values from a mapping file (YAML or JSON), for ``tracker ingest``.

    The file holds ``columns: {file column: field}`` and ``values: {field: {value as
    written: word on the list}}``; either part may be left out. A plain
    ``{file column: field}`` object, or a file saved by :func:`save`, works too.
    """
    import yaml

    from tracker.ingest import value_mapping

    text = Path(path).read_text(encoding="utf-8")
    try:
        body = json.loads(text)
    except ValueError:
        try:
            body = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"The mapping file is not YAML or JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ValueError("A mapping file holds columns and values (see docs/ingest.md).")
    if "columns" in body or "values" in body:
        columns, values = body.get("columns") or {}, body.get("values") or {}
    elif isinstance(body.get("mapping"), dict):
        columns, values = body["mapping"], {}
    else:
        columns, values = body, {}
    if not isinstance(columns, dict) or not isinstance(values, dict):
        raise ValueError("columns and values are each a set of name: value pairs.")
    issues = value_mapping.problems(values)
    if issues:
        raise ValueError("; ".join(issues))
    return ({str(k): str(v) for k, v in columns.items() if v}, value_mapping.clean(values))


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
