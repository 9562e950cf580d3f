"""Value mapping: a log's own wordings ("FC convoy", "Govt official") onto the fixed lists.

The pipeline matches the fixed-vocabulary fields (attack type, target, perpetrator,
province) exactly, through the alias tables, or by close spelling. What is left over would
reject its rows (attack type, target, province) or be kept as a new group (perpetrator).
:func:`survey` lists each left-over value once, with its row count and a suggested match;
the researcher accepts, changes or leaves each one, and :func:`apply` rewrites the chosen
values before the pipeline reads them. Values left alone keep today's outcome, with the
reason shown.

A value map is ``{field: {value as written: word on the list}}``. It is saved with the
column mapping for the header (:mod:`tracker.ingest.mappings`) and given to ``tracker
ingest`` in the same mapping file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from tracker import config, schema
from tracker.ingest import places
from tracker.ingest.normalise import VOCABULARIES, match_vocabulary

FIELDS = ("attack_type", "target", "perpetrator", "province")
"""The fixed-vocabulary fields a researcher maps values for."""

SUGGEST_CUTOFF = 60

FIELD_WORDINGS: dict[str, dict[str, str]] = {
    # Wordings seen in field teams' logs that the pipeline's alias tables leave out (the
    # 30-row log of issue 22, and the headings of provincial police and CTD press notes).
    # Only suggestions: the researcher confirms each one.
    "target": {
        "fc convoy": "security forces", "fc post": "security forces",
        "fc personnel": "security forces", "army convoy": "security forces",
        "military convoy": "security forces", "check post": "security forces",
        "checkpost": "security forces", "levies post": "security forces",
        "security convoy": "security forces", "police station": "police",
        "police post": "police", "police mobile": "police", "police van": "police",
        "ctd officials": "police", "govt official": "government officials",
        "govt officials": "government officials", "govt employee": "government officials",
        "government employee": "government officials", "officer": "government officials",
        "passengers": "civilians", "passenger bus": "civilians", "passenger coach": "civilians",
        "labourers": "civilians", "laborers": "civilians", "workers": "civilians",
        "shopkeeper": "civilians", "villagers": "civilians", "travellers": "civilians",
        "students": "civilians", "teachers": "civilians", "polio workers": "civilians",
        "tribal elder": "civilians", "tribal elders": "civilians",
        "mobile tower": "infrastructure", "gas pipe line": "infrastructure",
        "railway track": "infrastructure", "electricity pylon": "infrastructure",
        "bridge": "infrastructure", "school": "infrastructure",
        "chinese engineers": "foreign nationals", "worship place": "religious site",
        "political worker": "political", "party office": "political",
    },
    "attack_type": {
        "ied explosion": "bombing", "remote control blast": "bombing",
        "magnetic bomb": "bombing", "sticky bomb": "bombing", "cracker attack": "grenade attack",
        "hand grenade attack": "grenade attack", "target killing": "targeted killing",
        "gun attack": "armed assault", "terrorist attack": "armed assault",
        "firing on check post": "armed assault", "attack on check post": "armed assault",
        "suicide vest": "suicide bombing", "rocket fire": "rocket attack",
        "kidnapped": "kidnapping", "abducted": "kidnapping",
    },
}


@dataclass(frozen=True)
class Leftover:
    """A value no list entry matched, how many rows hold it, and a suggested word."""

    field: str
    column: str
    value: str
    rows: int
    suggestion: str | None
    why: str | None


def choices(field: str) -> tuple[str, ...]:
    """The words a value of ``field`` can be mapped to."""
    if field == "province":
        return tuple(schema.PROVINCES)
    if field == "perpetrator":
        return tuple(places.perpetrators_table()["perpetrator"])
    return VOCABULARIES[field][0]


def matched(field: str, value: str) -> bool:
    """Whether the pipeline already reads ``value`` for ``field`` (no mapping needed)."""
    if field in VOCABULARIES:
        return match_vocabulary(value, field).value is not None
    if field == "province":
        from tracker.ingest.locate import _resolve_province

        return _resolve_province(value).found
    found = places.resolve_perpetrator(value)
    return found.kind != "none"


def suggest(field: str, value: str) -> tuple[str | None, str | None]:
    """A suggested list word for ``value`` and why: a common field wording, a word of the
    value that is on the list or its alias table, or the closest spelling."""
    key = places.normalise(value)
    wordings = {places.normalise(k): v for k, v in FIELD_WORDINGS.get(field, {}).items()}
    if key in wordings:
        return wordings[key], "a common wording in field logs"
    index = _index(field)
    for word in key.split():
        if word in index and len(word) > 1:
            return index[word], f"'{word}' is a name for it"
    for wording, word in wordings.items():
        if wording in key:
            return word, f"contains '{wording}'"
    best = process.extractOne(key, list(index), scorer=fuzz.WRatio,
                              score_cutoff=SUGGEST_CUTOFF)
    if best is None:
        return None, None
    return index[best[0]], f"closest spelling ({best[1]:.0f}%)"


def _index(field: str) -> dict[str, str]:
    """normalised name or alias → list word, for one field."""
    if field in VOCABULARIES:
        words, synonyms = VOCABULARIES[field]
        return {**{places.normalise(k): v for k, v in synonyms.items()},
                **{places.normalise(w): w for w in words}}
    if field == "province":
        return places._province_index()
    return places._perpetrator_index()


def leftovers(frame: pd.DataFrame, columns: dict[str, str]) -> list[Leftover]:
    """Each value of a fixed-vocabulary field no list entry matches, once, with its rows.

    ``frame`` has the canonical field names (a mapped file); ``columns`` gives the file's
    own column name for each field.
    """
    tallies = {f: Counter(frame[f].dropna().astype(str).str.strip().value_counts().to_dict())
               for f in FIELDS if f in frame}
    return _leftovers(tallies, columns)


def _leftovers(tallies: dict[str, Counter], columns: dict[str, str]) -> list[Leftover]:
    out: list[Leftover] = []
    for field, tally in tallies.items():
        for value, rows in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
            if not value or matched(field, value):
                continue
            suggestion, why = suggest(field, value)
            out.append(Leftover(field, columns.get(field, field), value, rows, suggestion, why))
    return out


def survey(source: bytes | Path, file_name: str, *, sheet: str | None = None,
           mapping: dict[str, str] | None = None,
           limits: config.Limits | None = None) -> list[Leftover]:
    """Read a file once and list its left-over values (see :func:`leftovers`)."""
    return survey_file(source, file_name, sheet=sheet, mapping=mapping, limits=limits)[0]


def survey_file(source: bytes | Path, file_name: str, *, sheet: str | None = None,
                mapping: dict[str, str] | None = None, limits: config.Limits | None = None
                ) -> tuple[list[Leftover], dict[int, str]]:
    """The left-over values, and the rows counted as outside Pakistan by a place name
    (row number → "Kandahar (Afghanistan)"), from one read of the file.

    Only the tracker's own columns or a column mapping are surveyed: the outside formats
    (ACLED, GTD, UCDP) translate their own values. Counting distinct values keeps the
    memory small, chunk by chunk.
    """
    from tracker.ingest import abroad, chunks, formats, readers
    from tracker.ingest.formats import canonical

    tallies: dict[str, Counter] = {}
    columns: dict[str, str] = {}
    away: dict[int, str] = {}
    for stream in (True, False):
        tallies, columns, away = {}, {}, {}
        try:
            read = chunks.read_chunks(source, file_name, sheet=sheet, limits=limits,
                                      stream=stream)
            for chunk in read.chunks:
                frame = chunk.frame
                if mapping:
                    if any(c not in frame.columns for c in mapping):
                        return [], {}
                elif formats.detect(frame) is not canonical:
                    return [], {}
                mapped = canonical.to_canonical(frame, mapping or None)
                columns = mapped.columns
                named = abroad.named_abroad(mapped.frame)
                if named.any():
                    away.update(abroad.places_named(mapped.frame, named).to_dict())
                for field in FIELDS:
                    if field in mapped.frame:
                        counted = mapped.frame[field].dropna().astype(str).str.strip()
                        tallies.setdefault(field, Counter()).update(
                            counted.value_counts().to_dict())
            break
        except chunks.Fallback:
            continue
        except readers.ReadError:
            return [], {}
    return _leftovers(tallies, columns), away


def apply(frame: pd.DataFrame, values: dict[str, dict[str, str]] | None) -> pd.DataFrame:
    """The mapped frame with the chosen values rewritten (case and spacing ignored).

    ``frame`` has the canonical field names; only the fixed-vocabulary fields change.
    """
    if not values:
        return frame
    out = frame
    for field, table in values.items():
        if field not in FIELDS or field not in frame or not table:
            continue
        keys = {places.normalise(k): v for k, v in table.items() if v}
        column = frame[field]
        codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
        words = [keys.get(places.normalise(str(u))) for u in uniques]  # once per value
        new = pd.Series(pd.array([*words, None], dtype=object)[codes], index=column.index)
        hit = new.notna()
        if hit.any():
            if out is frame:
                out = frame.copy()
            updated = column.astype(object).copy()
            updated[hit.index[hit]] = new[hit]
            out[field] = updated.astype(column.dtype) if column.dtype == "str" else updated
    return out


def problems(values: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with a value map, in words (empty when it can be used)."""
    found: list[str] = []
    if not isinstance(values, dict):
        return ["the values part must map each field to {value: word}"]
    for field, table in values.items():
        if field not in FIELDS:
            found.append(f"values can be mapped for {', '.join(FIELDS)}, not {field!r}")
            continue
        if not isinstance(table, dict):
            found.append(f"the values for {field!r} must be pairs of value: word")
            continue
        allowed = set(choices(field))
        for value, word in table.items():
            if word and word not in allowed:
                found.append(f"{word!r} (for {value!r}) is not on the list for {field}")
    return found


def clean(values: object) -> dict[str, dict[str, str]]:
    """A value map from loosely typed data (JSON or YAML): text keys and words only."""
    if not isinstance(values, dict):
        return {}
    return {str(f): {str(k): str(v) for k, v in t.items() if v}
            for f, t in values.items() if isinstance(t, dict)}
