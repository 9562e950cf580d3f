"""Policy briefs: their takeaways by region and theme, and claims checked against the data.

A brief is one YAML file (format in ``data/briefs/README.md``). Bundled briefs live in
``data/briefs/``; briefs added through the app are kept in the store (``added_briefs``);
both are merged on load. A brief file is untrusted input: it is parsed without anchors, aliases or
custom tags, size-limited, validated field by field (errors name the field and the problem),
and its text is never treated as HTML.

A takeaway may carry a *checkable claim*: a small declarative query (``count_in_window``,
``share_in_provinces``, ``count_matching``) that :func:`evaluate` runs on the incidents in
view. The verdict never claims more agreement than the data shows; the bundled incidents are
a sample, so a count below the cited figure cannot refute it, and fewer than
:data:`MIN_TO_JUDGE` incidents is too little to judge a share at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker import config, schema
from tracker.analysis import coverage
from tracker.ingest import places
from tracker.present.safety import escape_markdown

# --- vocabularies and limits -------------------------------------------------------------

PAKISTAN = "Pakistan"
THEMES: tuple[str, ...] = (
    "Afghanistan/TTP",
    "China/CPEC",
    "Iran border",
    "India",
    "internal governance",
    "regional cooperation",
    "legal framework",
    "economy",
)
"""The themes (or actors) a takeaway can speak to, in display order."""

PANELS: tuple[str, ...] = (
    "map", "province map", "district map", "timeline", "surges", "perpetrators", "targets",
    "attack types", "coverage", "border distance",
)
"""The chart panels a takeaway can annotate (``panels:``); ``map`` means both maps.

:mod:`tracker.briefs.panels` picks, for each panel, the takeaways that name it."""

MIN_TO_JUDGE = 10
"""Fewest incidents a claim's figures must rest on before the data is allowed a verdict.

Below it (e.g. 4 incidents in one province over three days) any share or comparison swings
on one report more or less, so the verdict is "too little data to judge"."""

MAX_BRIEF_BYTES = 200_000
MAX_TAKEAWAYS = 200
MAX_TEXT_CHARS = 700
MAX_SHORT_CHARS = 300
MAX_LIST = 50
MAX_YAML_DEPTH = 12
MAX_YAML_NODES = 20_000

_SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
_HTML = re.compile(
    r"</?[a-zA-Z!?][^<>]*>|<\s*/?\s*(script|iframe|img|svg|style|object|embed|a)\b", re.I
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BriefError(ValueError):
    """A brief file that cannot be used; ``problems`` lists each field and what is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# --- regions -----------------------------------------------------------------------------


@cache
def known_regions() -> dict[str, str]:
    """Every name a takeaway may use → its kind (``country``, ``province`` or ``district``)."""
    regions = {PAKISTAN: "country"}
    regions.update(dict.fromkeys(schema.PROVINCES, "province"))
    for district in places.districts_table()["district"]:
        regions.setdefault(str(district), "district")
    return regions


def province_of(region: str) -> str | None:
    """The province a province or district belongs to; None for Pakistan or unknown names."""
    if region in schema.PROVINCES:
        return region
    return places.district_province().get(region)


# --- the model ---------------------------------------------------------------------------


def _plain(value: str, *, what: str) -> str:
    """Refuse markup and control characters; collapse whitespace."""
    if _HTML.search(value):
        raise ValueError(f"{what} contains HTML markup; brief text must be plain text")
    if _CONTROL.search(value):
        raise ValueError(f"{what} contains control characters")
    return re.sub(r"\s+", " ", value).strip()


Text = Annotated[str, Strict()]
Count = Annotated[int, Strict(), Field(ge=0, le=10_000_000)]
Day = Annotated[dt.date, Strict(False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ClaimBase(_Strict):
    statement: Text = Field(min_length=10, max_length=MAX_SHORT_CHARS)
    no_verdict: Text | None = Field(default=None, min_length=10, max_length=MAX_SHORT_CHARS)
    """Set when the check cannot bear on the brief's point: why, in words. The data is then
    shown as context, without a verdict."""

    @field_validator("no_verdict")
    @classmethod
    def _no_verdict_plain(cls, value: str | None) -> str | None:
        return None if value is None else _plain(value, what="no_verdict")

    @field_validator("statement")
    @classmethod
    def _statement_plain(cls, value: str) -> str:
        return _plain(value, what="the statement")


def _check_targets(values: list[str]) -> list[str]:
    for value in values:
        if value not in schema.TARGETS:
            raise ValueError(f"unknown target {value!r}; use one of: {', '.join(schema.TARGETS)}")
    return values


def _check_provinces(values: list[str]) -> list[str]:
    for value in values:
        if value not in schema.PROVINCES:
            raise ValueError(
                f"unknown province {value!r}; use one of: {', '.join(schema.PROVINCES)}"
            )
    return values


def _check_districts(values: list[str]) -> list[str]:
    known = places.district_province()
    for value in values:
        if value not in known:
            raise ValueError(f"unknown district {value!r}; use a district from data/districts.csv")
    return values


def _check_window(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end is before start")


class CountInWindow(_ClaimBase):
    """"N attacks in H hours between START and END": a count the brief cites for a window."""

    kind: Literal["count_in_window"]
    start: Day
    end: Day
    cited: Count
    hours: Count | None = None
    cited_districts: Count | None = None
    cited_provinces: Count | None = None
    window_from: Text | None = Field(default=None, min_length=5, max_length=MAX_SHORT_CHARS)
    """Where ``start``/``end`` come from when the brief itself gives no dates."""

    @field_validator("window_from")
    @classmethod
    def _window_from_plain(cls, value: str | None) -> str | None:
        return None if value is None else _plain(value, what="window_from")

    @model_validator(mode="after")
    def _window(self) -> CountInWindow:
        _check_window(self.start, self.end)
        return self


class ShareInProvinces(_ClaimBase):
    """"Most attacks fall in these provinces": a share of the incidents in view."""

    kind: Literal["share_in_provinces"]
    provinces: list[Text] = Field(min_length=1, max_length=len(schema.PROVINCES))
    threshold: Annotated[float, Field(gt=0, le=1)]
    start: Day | None = None
    end: Day | None = None
    perpetrators: list[Text] = Field(default_factory=list, max_length=MAX_LIST)

    _provinces = field_validator("provinces")(classmethod(lambda cls, v: _check_provinces(v)))

    @model_validator(mode="after")
    def _window(self) -> ShareInProvinces:
        _check_window(self.start, self.end)
        return self


class CountMatching(_ClaimBase):
    """"Such attacks happen (repeatedly)": at least ``minimum`` incidents match the query."""

    kind: Literal["count_matching"]
    minimum: Annotated[int, Strict(), Field(ge=1, le=10_000_000)]
    provinces: list[Text] = Field(default_factory=list, max_length=len(schema.PROVINCES))
    districts: list[Text] = Field(default_factory=list, max_length=MAX_LIST)
    targets: list[Text] = Field(default_factory=list, max_length=len(schema.TARGETS))
    perpetrators: list[Text] = Field(default_factory=list, max_length=MAX_LIST)
    word: Text | None = Field(default=None, min_length=2, max_length=60)
    start: Day | None = None
    end: Day | None = None

    _provinces = field_validator("provinces")(classmethod(lambda cls, v: _check_provinces(v)))
    _districts = field_validator("districts")(classmethod(lambda cls, v: _check_districts(v)))

    _targets = field_validator("targets")(classmethod(lambda cls, v: _check_targets(v)))

    @model_validator(mode="after")
    def _window(self) -> CountMatching:
        _check_window(self.start, self.end)
        return self


Claim = Annotated[CountInWindow | ShareInProvinces | CountMatching, Field(discriminator="kind")]
CLAIM_KINDS = ("count_in_window", "share_in_provinces", "count_matching")


class Takeaway(_Strict):
    """One point of a brief, in the project's own words, tied to regions and a theme."""

    id: Annotated[str, Strict(), Field(pattern=_SLUG)]
    regions: list[Text] = Field(min_length=1, max_length=MAX_LIST)
    theme: Literal[THEMES]  # type: ignore[valid-type]
    section: Text = Field(min_length=2, max_length=120)
    text: Text = Field(min_length=20, max_length=MAX_TEXT_CHARS)
    claim: Claim | None = None
    panels: list[Literal[PANELS]] = Field(default_factory=list,  # type: ignore[valid-type]
                                          max_length=len(PANELS))
    actors: list[Text] = Field(default_factory=list, max_length=MAX_LIST)
    targets: list[Text] = Field(default_factory=list, max_length=len(schema.TARGETS))

    @field_validator("actors")
    @classmethod
    def _actors(cls, values: list[str]) -> list[str]:
        known = set(places.perpetrators_table()["perpetrator"])
        families = set(places.perpetrators_table()["family"])
        for value in values:
            if value not in known and value not in families:
                raise ValueError(f"unknown group {value!r}; use a group or family from "
                                 "data/perpetrators.csv")
        return values

    _targets = field_validator("targets")(classmethod(lambda cls, v: _check_targets(v)))

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        known = known_regions()
        for value in values:
            if value not in known:
                raise ValueError(
                    f"unknown region {value!r}; use Pakistan, a province "
                    f"({', '.join(schema.PROVINCES)}) or a district from data/districts.csv"
                )
        if len(set(values)) != len(values):
            raise ValueError("a region is listed twice")
        return values

    @field_validator("section", "text")
    @classmethod
    def _text_plain(cls, value: str, info: Any) -> str:
        return _plain(value, what=f"the {info.field_name}")


class Brief(_Strict):
    """A policy brief and its takeaways; ``source`` says where the file was loaded from."""

    id: Annotated[str, Strict(), Field(pattern=_SLUG)]
    title: Text = Field(min_length=3, max_length=MAX_SHORT_CHARS)
    publisher: Text = Field(min_length=2, max_length=200)
    date: str
    citation: Text = Field(min_length=10, max_length=MAX_SHORT_CHARS)
    url: Text | None = None
    note: Text | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    takeaways: list[Takeaway] = Field(min_length=1, max_length=MAX_TAKEAWAYS)
    source: str = "bundled"

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: object) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
            return str(value)
        if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value.strip()):
            return value.strip()
        raise ValueError("must be a year (2025), a month (2025-03) or a day (2025-03-18)")

    @field_validator("title", "publisher", "citation", "note")
    @classmethod
    def _short_plain(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _plain(value, what=f"the {info.field_name}")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and schema.http_url(value) is None:
            raise ValueError("must be a plain http(s) address")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _unique_ids(self) -> Brief:
        seen: set[str] = set()
        for takeaway in self.takeaways:
            if takeaway.id in seen:
                raise ValueError(f"takeaway id {takeaway.id!r} is used twice")
            seen.add(takeaway.id)
        return self

    @property
    def year(self) -> str:
        return self.date[:4]

    @property
    def short_citation(self) -> str:
        """'Sanober Institute (2025)': the attribution on every card."""
        return f"{self.publisher} ({self.year})"


# --- parsing -----------------------------------------------------------------------------


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases (YAML bombs) and duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a brief",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        keys: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_shape(value: object, depth: int = 0, budget: list[int] | None = None) -> None:
    budget = budget if budget is not None else [MAX_YAML_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise BriefError([f"file: more than {MAX_YAML_NODES:,} values; a brief is much smaller"])
    if depth > MAX_YAML_DEPTH:
        raise BriefError([f"file: nested more than {MAX_YAML_DEPTH} levels deep"])
    if isinstance(value, dict):
        for key, item in value.items():
            _check_shape(key, depth + 1, budget)
            _check_shape(item, depth + 1, budget)
    elif isinstance(value, list):
        for item in value:
            _check_shape(item, depth + 1, budget)


def parse_brief(raw: bytes | str, *, source: str = "upload") -> Brief:
    """Parse and validate one brief file; raise :class:`BriefError` naming every problem.

    Parameters
    ----------
    raw
        The file's bytes (UTF-8) or text.
    source
        Where it came from (``bundled``, ``added``, ``upload``), kept on the brief.
    """
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > MAX_BRIEF_BYTES:
        raise BriefError(
            [f"file: {size:,} bytes is over the {MAX_BRIEF_BYTES:,}-byte limit for a brief"]
        )
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BriefError([f"file: not UTF-8 text (byte {exc.start})"]) from None
    else:
        text = raw
    if "\x00" in text:
        raise BriefError(["file: contains NUL bytes; a brief is a text file"])
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader: no Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BriefError([f"file: not valid YAML{where}: {problem}"]) from None
    except RecursionError:
        raise BriefError(["file: nested too deeply"]) from None
    if not isinstance(data, dict):
        raise BriefError(["file: must be a YAML mapping with title, publisher, ... takeaways"])
    _check_shape(data)
    data = {**data, "source": source}
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        raise BriefError(_explain(exc, data)) from None


def _explain(exc: ValidationError, data: dict) -> list[str]:
    """Pydantic errors as 'takeaways[2] (id 'x').regions: unknown region ...' lines."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = [part for part in error["loc"] if part not in CLAIM_KINDS]
        path = _path(loc, data)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but missing"
        elif error["type"] == "extra_forbidden":
            message = "is not a field of a brief (check the spelling)"
        elif error["type"] == "literal_error" and loc and loc[-1] == "theme":
            message = f"must be one of: {', '.join(THEMES)}"
        elif error["type"] == "literal_error" and "panels" in loc:
            message = f"must be one of: {', '.join(PANELS)}"
        elif error["type"] == "union_tag_invalid":
            message = f"claim kind must be one of: {', '.join(CLAIM_KINDS)}"
        elif error["type"].endswith("_type"):
            got = type(error.get("input")).__name__
            message = f"{message} (got {got})"
        problems.append(f"{path}: {message}")
    return problems


def _path(loc: Sequence[Any], data: dict) -> str:
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(item, dict) and isinstance(item.get("id"), str) and len(parts) == 1:
                parts[-1] += f" (id {item['id'][:40]!r})"
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "file"


# --- loading -----------------------------------------------------------------------------


def bundled_dir() -> Path:
    return config.data_dir() / "briefs"


@dataclass(frozen=True)
class Library:
    """All loaded briefs, plus the files that could not be loaded (never fatal)."""

    briefs: tuple[Brief, ...]
    problems: tuple[str, ...] = ()

    def brief(self, brief_id: str) -> Brief | None:
        return next((b for b in self.briefs if b.id == brief_id), None)


def _signature(folders: Iterable[Path]) -> tuple:
    files = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.y*ml")):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(files)


def _added_signature(store: Any | None) -> tuple[str | None, tuple, str | None]:
    """(store URL, (brief id, sha256) of each added brief, problem) — cheap to ask often."""
    from tracker.store.database import added_briefs, shared_store

    try:
        store = store or shared_store()
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(added_briefs.c.brief_id, added_briefs.c.sha256)
                                .order_by(added_briefs.c.brief_id)).all()
    except Exception as exc:  # a store that cannot be read leaves the bundled briefs
        return None, (), f"added briefs: the store cannot be read ({str(exc)[:160]})"
    return store.url, tuple((r.brief_id, r.sha256) for r in rows), None


def load_library(store: Any | None = None) -> Library:
    """Bundled briefs (files) and briefs added through the app (in the store), merged;
    re-read only when a file or an added brief changes."""
    folders = (bundled_dir(),)
    url, added, problem = _added_signature(store)
    library = _load(folders, _signature(folders), url, added)
    if problem:
        library = Library(library.briefs, (*library.problems, problem))
    return library


@lru_cache(maxsize=8)
def _load(folders: tuple[Path, ...], signature: tuple, url: str | None = None,
          added: tuple = ()) -> Library:
    briefs: dict[str, Brief] = {}
    problems: list[str] = []
    sources: list[tuple[str, Any, str]] = [(Path(p).name, Path(p), "bundled")
                                           for p, _, _ in signature]
    if added:
        from tracker.store.database import added_briefs, shared_store

        with shared_store(url).engine.connect() as conn:
            rows = conn.execute(sa.select(added_briefs.c.brief_id, added_briefs.c.content)
                                .order_by(added_briefs.c.brief_id)).all()
        sources += [(f"added brief {r.brief_id}", bytes(r.content), "added") for r in rows]
    for label, body, source in sources:
        try:
            raw = body.read_bytes() if isinstance(body, Path) else body
            brief = parse_brief(raw, source=source)
        except BriefError as exc:
            problems.append(f"{label}: {'; '.join(exc.problems[:5])}")
            continue
        except OSError as exc:
            problems.append(f"{label}: cannot be read ({exc.strerror})")
            continue
        if brief.id in briefs:
            problems.append(f"{label}: a brief with id {brief.id!r} is already loaded")
            continue
        briefs[brief.id] = brief
    return Library(tuple(briefs.values()), tuple(problems))


def add_brief(raw: bytes, *, actor: str, store: Any | None = None) -> Brief:
    """Validate an uploaded brief, keep it in the store and record it in the audit log.

    Raises :class:`BriefError` when the file is invalid or its id is already taken. The
    file is stored byte for byte, in the same transaction as its audit entry; the next
    :func:`load_library` on any instance picks it up.
    """
    from tracker.store.database import _audit, added_briefs, now, shared_store

    brief = parse_brief(raw, source="added")
    store = store or shared_store()
    if load_library(store).brief(brief.id) is not None:
        raise BriefError([f"id: a brief with id {brief.id!r} already exists; choose another id"])
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with store.engine.begin() as conn:
            conn.execute(added_briefs.insert().values(
                brief_id=brief.id, content=raw, sha256=digest, added_by=actor, added_at=now()))
            _audit(conn, actor, "brief added", brief.id,
                   f"{brief.short_citation}: {len(brief.takeaways)} takeaways; sha256 {digest}")
    except sa.exc.IntegrityError as exc:
        raise BriefError([f"id: a brief with id {brief.id!r} already exists; "
                          "choose another id"]) from exc
    return brief.model_copy(update={"source": "added"})


# --- lookup ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A takeaway with its brief, and why it shows for the regions asked about.

    ``scope`` is ``national`` for a Pakistan-wide takeaway shown on a regional view,
    otherwise ``regional``; ``matched`` lists the regions in view it speaks to.
    """

    brief: Brief
    takeaway: Takeaway
    scope: str
    matched: tuple[str, ...] = field(default=())

    @property
    def national(self) -> bool:
        return self.scope == "national"


def takeaways_for(regions: Sequence[str], library: Library | None = None) -> list[Item]:
    """Takeaways for the regions in view, most specific first, national ones last.

    For Pakistan: the takeaways about Pakistan as a whole. For a province: those naming
    the province or a district inside it, then the Pakistan-wide ones (``scope`` national).
    For a district: those naming it or its province, then the Pakistan-wide ones.
    """
    library = library or load_library()
    wanted = [r for r in dict.fromkeys(regions) if r in known_regions()] or [PAKISTAN]
    provinces = {province_of(r) for r in wanted} - {None}
    districts = {r for r in wanted if known_regions()[r] == "district"}
    regional: list[Item] = []
    national: list[Item] = []
    for brief in library.briefs:
        for takeaway in brief.takeaways:
            matched = tuple(
                r for r in takeaway.regions
                if r in provinces or r in districts
                or (known_regions()[r] == "district" and province_of(r) in provinces
                    and not districts)
            )
            if matched and wanted != [PAKISTAN]:
                regional.append(Item(brief, takeaway, "regional", matched))
            elif PAKISTAN in takeaway.regions:
                scope = "regional" if wanted == [PAKISTAN] else "national"
                (regional if scope == "regional" else national).append(
                    Item(brief, takeaway, scope, (PAKISTAN,))
                )
    return _ordered(regional) + _ordered(national)


def _ordered(items: list[Item]) -> list[Item]:
    """Takeaways about fewer provinces first (the most specific), then by theme."""
    def breadth(item: Item) -> int:
        return len({province_of(r) or r for r in item.takeaway.regions})

    return sorted(items, key=lambda i: (breadth(i), THEMES.index(i.takeaway.theme)))


def all_items(library: Library | None = None) -> list[Item]:
    """Every takeaway of every brief (for the Briefs page)."""
    library = library or load_library()
    return [Item(b, t, "regional", tuple(t.regions)) for b in library.briefs for t in b.takeaways]


def filter_items(items: Sequence[Item], *, region: str | None = None,
                 themes: Sequence[str] = (), brief_ids: Sequence[str] = (),
                 library: Library | None = None) -> list[Item]:
    """Narrow a takeaway list: to one region (as its panels would show it), themes, briefs."""
    if region is not None:
        keep = {(i.brief.id, i.takeaway.id): i for i in takeaways_for((region,), library)}
        items = [keep[(i.brief.id, i.takeaway.id)] for i in items
                 if (i.brief.id, i.takeaway.id) in keep]
    if themes:
        items = [i for i in items if i.takeaway.theme in themes]
    if brief_ids:
        items = [i for i in items if i.brief.id in brief_ids]
    return list(items)


def group_by_region(items: Sequence[Item]) -> dict[str, list[Item]]:
    """Region → the takeaways naming it: Pakistan, then provinces, then districts A–Z.

    A takeaway naming several regions appears under each of them.
    """
    groups: dict[str, list[Item]] = {}
    for item in items:
        for region in item.takeaway.regions:
            groups.setdefault(region, []).append(item)
    rank = {PAKISTAN: 0, **{p: 1 + n for n, p in enumerate(schema.PROVINCES)}}
    return dict(sorted(groups.items(), key=lambda kv: (rank.get(kv[0], 99), kv[0])))


def group_by_theme(items: Sequence[Item]) -> dict[str, list[Item]]:
    """Theme → its takeaways, in :data:`THEMES` order; empty themes left out."""
    groups: dict[str, list[Item]] = {theme: [] for theme in THEMES}
    for item in items:
        groups[item.takeaway.theme].append(item)
    return {theme: found for theme, found in groups.items() if found}


def region_options(library: Library | None = None) -> list[str]:
    """Regions any takeaway names, plus Pakistan and every province (for a filter)."""
    library = library or load_library()
    named = {r for b in library.briefs for t in b.takeaways for r in t.regions}
    districts = sorted(r for r in named if known_regions().get(r) == "district")
    return [PAKISTAN, *schema.PROVINCES, *districts]


def region_label(regions: Sequence[str]) -> str:
    """'Balochistan', 'Balochistan and KP', or 'Pakistan'."""
    names = [r for r in dict.fromkeys(regions) if r in known_regions()] or [PAKISTAN]
    short = [schema.PROVINCE_SHORT.get(n, n) if len(names) > 1 else n for n in names]
    if len(short) == 1:
        return short[0]
    return ", ".join(short[:-1]) + " and " + short[-1]


# --- checkable claims --------------------------------------------------------------------

CONSISTENT = "consistent with the data"
FEWER = "the data holds fewer than cited — it is a sample, so it cannot confirm or refute"
NOT_SHOWN = "the data in view does not show this"
TOO_THIN = "too little data to judge"
NOT_IN_VIEW = "cannot be judged in this view"
CONTEXT = "none: context only, this check cannot test the brief's point"


@dataclass(frozen=True)
class ClaimCheck:
    """A claim beside the data: what the brief says, what the data in view holds, a verdict."""

    cited: str
    observed: str
    verdict: str
    figures: dict[str, float | int | None]


def _window_mask(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame["date"] >= pd.Timestamp(start)
    if end is not None:
        mask &= frame["date"] < pd.Timestamp(end) + pd.Timedelta(days=1)
    return mask


def _on_uniques(column: pd.Series, test: Any) -> pd.Series:
    """Apply a per-value test once per distinct value (cheap on large, repetitive columns)."""
    codes, uniques = pd.factorize(column.fillna(""), sort=False)
    hits = pd.Series([bool(test(str(u))) for u in uniques], dtype=bool).to_numpy()
    if len(uniques) == 0:
        return pd.Series(False, index=column.index)
    return pd.Series(hits[codes], index=column.index)


def _has_word(column: pd.Series, word: str) -> pd.Series:
    """Which values contain ``word`` as a whole word, ignoring case.

    Summaries are nearly all distinct, so a Python regex per value (or per distinct value)
    means a million calls on a million rows; Arrow's vectorised regex (RE2) does it in C++.
    """
    values = pa.array(column, from_pandas=True, type=pa.string())
    found = pc.match_substring_regex(values, rf"\b{re.escape(word)}\b", ignore_case=True)
    return pd.Series(found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool),
                     index=column.index)


def _perpetrator_mask(frame: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    wanted = set(names)
    return _on_uniques(frame["perpetrator"], lambda v: bool(wanted.intersection(v.split("; "))))


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None and end is None:
        return ""
    if start is not None and end is not None:
        if start.year == end.year and start.month == end.month:
            return f"{start.day}–{end.day} {end:%b %Y}"
        return f"{_day(start)} – {_day(end)}"
    return f"from {_day(start)}" if start is not None else f"until {_day(end)}"  # type: ignore[arg-type]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def evaluate(claim: CountInWindow | ShareInProvinces | CountMatching, frame: pd.DataFrame,
             *, view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    """Check a claim on the incidents in view.

    Parameters
    ----------
    claim
        The takeaway's claim.
    frame
        The filtered canonical incidents the panel shows.
    view
        The regions in view. A share across provinces cannot be judged on a view narrowed
        to some provinces, so :data:`NOT_IN_VIEW` is returned there.
    """
    if isinstance(claim, CountInWindow):
        found = _count_in_window(claim, frame, view)
    elif isinstance(claim, ShareInProvinces):
        found = _share_in_provinces(claim, frame, view)
    else:
        found = _count_matching(claim, frame, view)
    if claim.no_verdict and found.verdict != NOT_IN_VIEW:
        return ClaimCheck(found.cited, f"{found.observed} Shown as context: "
                          f"{claim.no_verdict}", CONTEXT, found.figures)
    return found


def _narrowed(view: Sequence[str]) -> list[str]:
    return [r for r in view if r != PAKISTAN]


def _coverage_words(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> str:
    """How much of the published count the sample holds over the months of [start, end]
    that a publisher reports: said beside every "fewer than cited" verdict."""
    if frame.empty:
        return ""
    start = start or frame["date"].min().date()
    end = end or frame["date"].max().date()
    table = coverage.monthly_coverage(frame, coverage.load_reference(), PAKISTAN,
                                      start=start, end=end)
    for publisher in coverage.PUBLISHER_ORDER:
        part = table.loc[table["publisher"] == publisher]
        if len(part) and int(part["published"].sum()) > 0:
            share = int(part["dataset"].sum()) / int(part["published"].sum())
            months = (f"{part['month'].iloc[0]:%B %Y}" if len(part) == 1
                      else f"the {len(part)} months of the period it reports")
            return (f" The sample holds about {share:.0%} of the attacks {publisher} "
                    f"published for {months}, so a shortfall reflects the sample, not the "
                    "claim.")
    return " No published monthly count gives the sample's coverage for this period."


_MEMO: dict[int, tuple[weakref.ref, dict[tuple, ClaimCheck]]] = {}


def check(item: Item, frame: pd.DataFrame, view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    """:func:`evaluate` a takeaway's claim, once per frame object.

    Several panels of one page show the same claims for the same frame; the result is kept
    while that frame object lives (frames are never changed in place), so each claim is
    computed once per page run.
    """
    claim = item.takeaway.claim
    if claim is None:
        raise ValueError(f"takeaway {item.takeaway.id!r} has no claim")
    ident = id(frame)
    entry = _MEMO.get(ident)
    if entry is None or entry[0]() is not frame:
        entry = (weakref.ref(frame, lambda _ref, ident=ident: _MEMO.pop(ident, None)), {})
        _MEMO[ident] = entry
    key = (item.brief.id, item.takeaway.id, len(frame), tuple(view))
    found = entry[1].get(key)
    if found is None:
        found = entry[1][key] = evaluate(claim, frame, view=view)
    return found


def _count_in_window(claim: CountInWindow, frame: pd.DataFrame,
                     view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    days = (claim.end - claim.start).days + 1
    inside = frame.loc[_window_mask(frame, claim.start, claim.end), ["district", "province"]]
    n = len(inside)
    k = int(inside["district"].dropna().nunique())
    p = int(inside["province"].dropna().nunique())
    window = _span(claim.start, claim.end)
    cited = f"The brief cites {claim.cited:,} attacks"
    cited += f" in {claim.hours} hours" if claim.hours else ""
    spread = [x for x in (
        _plural(claim.cited_districts, "district") if claim.cited_districts else "",
        _plural(claim.cited_provinces, "province") if claim.cited_provinces else "",
    ) if x]
    if claim.window_from:  # the brief gave no dates: say whose they are
        cited += (f"{', across ' + ' in '.join(spread) if spread else ''}, without dates. "
                  f"The window checked, {window}, is from {claim.window_from}.")
    else:
        cited += f" ({window})"
        cited += f", across {' in '.join(spread)}." if spread else "."
    observed = (f"This view holds {_plural(n, 'sourced incident')} in that window, across "
                f"{_plural(k, 'district')} in {_plural(p, 'province')}.")
    if claim.hours and claim.hours < days * 24:
        observed += (f" Dates here are days, so the {claim.hours}-hour window is read as the "
                     f"{days} calendar days {window}.")
    baseline = None
    if not frame.empty:
        total_days = (frame["date"].max() - frame["date"].min()).days + 1
        outside = len(frame) - n
        if total_days >= 4 * days and total_days > days:
            baseline = outside / (total_days - days) * days
            if baseline > 0 and n >= MIN_TO_JUDGE:
                observed += (f" Outside it, the view averages {baseline:.1f} incidents per "
                             f"{days} days, so the window stands out "
                             f"({n / baseline:.0f}× that).")
    if _narrowed(view):
        verdict = NOT_IN_VIEW
        observed += (f" This view is limited to {region_label(_narrowed(view))}; a national "
                     "count is judged on the Pakistan-wide view.")
    elif n < MIN_TO_JUDGE:
        verdict = TOO_THIN
    elif n >= claim.cited:
        verdict = CONSISTENT
    else:
        verdict = FEWER
        observed += _coverage_words(frame, claim.start, claim.end)
    return ClaimCheck(cited, observed, verdict, {
        "incidents": n, "districts": k, "provinces": p, "cited": claim.cited,
        "baseline": None if baseline is None else round(baseline, 3),
    })


def _share_in_provinces(claim: ShareInProvinces, frame: pd.DataFrame,
                        view: Sequence[str]) -> ClaimCheck:
    mask = _window_mask(frame, claim.start, claim.end)
    if claim.perpetrators:
        mask &= _perpetrator_mask(frame, claim.perpetrators)
    base = frame.loc[mask, "province"]
    n = len(base)
    inside = int(base.isin(claim.provinces).sum())
    share = inside / n if n else None
    names = region_label(claim.provinces)
    window = _span(claim.start, claim.end)
    who = f"attributed to {', '.join(claim.perpetrators)}" if claim.perpetrators else ""
    scope = " ".join(x for x in (who, f"on {window}" if window else "") if x)
    cited = f"Checked: {claim.statement}"
    if n:
        observed = (f"In this view, {inside:,} of {_plural(n, 'incident')}"
                    f"{' ' + scope if scope else ''} ({share:.0%}) are in {names}; "
                    f"the claim needs at least {claim.threshold:.0%}.")
    else:
        observed = f"This view holds no incidents{' ' + scope if scope else ''}."
    narrowed = [r for r in view if r != PAKISTAN]
    if narrowed:
        verdict = NOT_IN_VIEW
        observed = (f"This view is limited to {region_label(narrowed)}; a share across "
                    "provinces is judged on the Pakistan-wide view.")
    elif n < MIN_TO_JUDGE:
        verdict = TOO_THIN
    elif share is not None and share >= claim.threshold:
        verdict = CONSISTENT
    else:
        verdict = NOT_SHOWN
    return ClaimCheck(cited, observed, verdict, {
        "incidents": n, "inside": inside, "share": None if share is None else round(share, 4),
        "threshold": claim.threshold,
    })


def _count_matching(claim: CountMatching, frame: pd.DataFrame,
                    view: Sequence[str] = (PAKISTAN,)) -> ClaimCheck:
    mask = _window_mask(frame, claim.start, claim.end)
    if claim.provinces:
        mask &= frame["province"].isin(claim.provinces)
    if claim.districts:
        mask &= frame["district"].isin(claim.districts)
    if claim.targets:
        mask &= frame["target"].isin(claim.targets)
    if claim.perpetrators:
        mask &= _perpetrator_mask(frame, claim.perpetrators)
    if claim.word:
        subset = frame.loc[mask, ["summary", "notes"]]
        hit = _has_word(subset["summary"], claim.word) | _has_word(subset["notes"], claim.word)
        mask &= hit.reindex(frame.index, fill_value=False)
    found = frame.loc[mask, "district"]
    n = len(found)
    k = int(found.dropna().nunique())
    cited = f"Checked: {claim.statement}"
    where = f" in {_plural(k, 'district')}" if n else ""
    observed = (f"This view holds {_plural(n, 'matching sourced incident')}{where}; "
                f"the claim implies at least {claim.minimum:,}.")
    national = not claim.provinces and not claim.districts
    if national and _narrowed(view):
        verdict = NOT_IN_VIEW
        observed += (f" This view is limited to {region_label(_narrowed(view))}; a claim "
                     "about Pakistan as a whole is judged on the Pakistan-wide view.")
    elif n == 0:
        verdict = TOO_THIN
    elif n >= claim.minimum:
        verdict = CONSISTENT
    else:
        verdict = FEWER
        observed += _coverage_words(frame, claim.start, claim.end)
    return ClaimCheck(cited, observed, verdict, {"incidents": n, "districts": k,
                                                "minimum": claim.minimum})


# --- display helpers (no Streamlit) -------------------------------------------------------

def md_escape(text: str) -> str:
    """Escape every Markdown-active character so that text renders as typed.

    Streamlit's Markdown also reads ``:color[...]``, ``:material/...:`` and ``$...$``;
    backslash-escaping ``:``, ``[``, ``$`` and the rest leaves them inert. Newlines become
    spaces (a card is one paragraph).
    """
    return escape_markdown(re.sub(r"\s+", " ", str(text)).strip())
