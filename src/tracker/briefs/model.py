"""Policy briefs as data: the vocabularies, the validated model and the parser of a brief file.

A brief is one YAML file (format in ``data/briefs/README.md``). A brief file is untrusted input:
it is parsed without anchors, aliases or custom tags, size-limited, validated field by field
(errors name the field and the problem), and its text is never treated as HTML. A takeaway may
carry a *checkable claim* (``count_in_window``, ``share_in_provinces``, ``count_matching``),
which :mod:`tracker.briefs.claims` runs on the incidents in view.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import cache
from typing import Annotated, Any, Literal

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

from tracker import schema
from tracker.ingest import places

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
