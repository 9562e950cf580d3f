"""The slide sequence as data: slides, the deck, the slide file's pydantic validation.

``data/slides.yaml`` lists the slides (format in its header and the README). Each slide
holds a filter state written as the same query parameters a dashboard link uses, the kind
of its main figure and the regions (or themes) whose brief takeaways it shows. The file
is checked by pydantic models (:class:`SlideEntry`, :class:`DeckFile`); every problem is
reported with its slide and field, not only the first. A saved briefing
(:mod:`tracker.present.briefing`) builds the same :class:`Deck`.

A slide with ``steps: day`` walks its date window day by day: step ``k`` shows the
incidents of days ``1..k`` with day ``k`` picked out. A slide with ``steps: theme`` walks
its themes (actors), one takeaway at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker import config, schema
from tracker.analysis import aggregates
from tracker.analysis.filters import FilterSpec
from tracker.briefs import model
from tracker.ingest import places
from tracker.present.text import day_label

FIGURE_KINDS = ("province_map", "district_map", "surge_map", "group_bars", "timeline",
                "headline", "type_bars", "target_bars", "text")
"""The main figures a slide may show (see :func:`tracker.present.slide_figures.build_figure`;
``text``: no figure, the takeaways across the slide)."""
STEP_KINDS = ("day", "theme")
DEFAULT_TAKEAWAYS = 2
MAX_TAKEAWAYS = 6
MAX_SLIDES = 40
MAX_STEPS = 31

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class SlideConfigError(ValueError):
    """The slide file cannot be used; ``problems`` names each slide, field and problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Slide:
    """One slide: what it filters, which figure it draws, whose takeaways it shows."""

    id: str
    title: str
    spec: FilterSpec
    figure: str
    regions: tuple[str, ...] = ("Pakistan",)
    themes: tuple[str, ...] = ()
    max_takeaways: int = DEFAULT_TAKEAWAYS
    steps: str | None = None

    @property
    def step_days(self) -> tuple[dt.date, ...]:
        """The days a ``steps: day`` slide walks through (empty for other slides)."""
        if self.steps != "day" or self.spec.start is None or self.spec.end is None:
            return ()
        n = (self.spec.end - self.spec.start).days + 1
        return tuple(self.spec.start + dt.timedelta(days=i) for i in range(n))

    @property
    def step_count(self) -> int:
        """How many steps the slide walks through (0: not stepped)."""
        if self.steps == "theme":
            return len(self.themes)
        return len(self.step_days)

    def step_label(self, step: int | None) -> str | None:
        """'Day 2 of 3 · 16 Mar 2025' or 'India (4 of 5)'; None when not stepped."""
        if not self.step_count or step is None:
            return None
        step = min(max(step, 1), self.step_count)
        if self.steps == "theme":
            return f"{self.themes[step - 1]} ({step} of {self.step_count})"
        day = self.step_days[step - 1]
        return f"Day {step} of {self.step_count} · {day_label(day)}"


@dataclass(frozen=True)
class TitleFields:
    """What the title slide names besides the deck's title: the event, who presents, when."""

    event: str = ""
    presenter: str = ""
    date: dt.date | None = None
    """None: the day the deck is exported."""


@dataclass(frozen=True)
class Deck:
    """The whole sequence, with the title slide's text."""

    title: str
    subtitle: str
    slides: tuple[Slide, ...]
    cover: TitleFields = TitleFields()

    def __len__(self) -> int:
        return len(self.slides)


# --- the slide file, validated by pydantic ----------------------------------------------


def _filter_spec(raw: object) -> FilterSpec:
    """A slide's ``filter`` (link parameters) as a FilterSpec; unknown values are errors."""
    if raw is None:
        return FilterSpec()
    if not isinstance(raw, Mapping):
        raise ValueError("must be a mapping of link parameters")
    params: dict[str, list[str]] = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        params[str(key)] = [v.isoformat() if isinstance(v, dt.date) else str(v) for v in values]
    spec, notices = FilterSpec.from_query(
        params, known_districts=places.districts_table()["district"].tolist(),
        known_perpetrators=places.perpetrators_table()["perpetrator"].tolist())
    if notices:
        raise ValueError("; ".join(notices))
    return spec


def _names(value: object) -> object:
    return [value] if isinstance(value, str) else value


class SlideEntry(BaseModel):
    """One slide of the slide file, as written."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str
    title: str = Field(min_length=1, max_length=120)
    filter: FilterSpec = FilterSpec()
    figure: str
    regions: tuple[str, ...] = ("Pakistan",)
    themes: tuple[str, ...] = ()
    takeaways: int = Field(DEFAULT_TAKEAWAYS, ge=0, le=MAX_TAKEAWAYS, strict=True)
    steps: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("lower-case letters, digits and hyphens (up to 40)")
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a text of 1 to 120 characters")
        return value.strip()

    @field_validator("filter", mode="plain")
    @classmethod
    def _filter(cls, value: object) -> FilterSpec:
        return _filter_spec(value)

    @field_validator("figure")
    @classmethod
    def _figure(cls, value: str) -> str:
        if value not in FIGURE_KINDS:
            raise ValueError(f"'{value}' is not one of {', '.join(FIGURE_KINDS)}")
        return value

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, value: object) -> object:
        value = _names(value)
        if not isinstance(value, list) or not value:
            raise ValueError("a list of region names")
        for region in value:
            if region not in model.known_regions():
                raise ValueError(f"unknown region '{region}'")
        return value

    @field_validator("themes", mode="before")
    @classmethod
    def _themes(cls, value: object) -> object:
        value = _names(value)
        if not isinstance(value, list):
            raise ValueError("a list of themes")
        for theme in value:
            if theme not in model.THEMES:
                raise ValueError(f"'{theme}' is not one of {', '.join(model.THEMES)}")
        return value

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: str | None) -> str | None:
        if value is not None and value not in STEP_KINDS:
            raise ValueError(f"'{value}' is not one of {', '.join(STEP_KINDS)}")
        return value

    @model_validator(mode="after")
    def _steps_fit(self) -> SlideEntry:
        spec = self.filter
        if self.steps == "theme" and not self.themes:
            raise ValueError("steps: 'theme' needs a list of themes")
        if self.steps == "day":
            if spec.start is None or spec.end is None:
                raise ValueError("steps: 'day' needs both start and end in the filter")
            if (spec.end - spec.start).days + 1 > MAX_STEPS:
                raise ValueError(f"steps: the window is longer than {MAX_STEPS} days")
        return self

    def to_slide(self) -> Slide:
        return Slide(id=self.id, title=self.title, spec=self.filter, figure=self.figure,
                     regions=tuple(r.strip() for r in self.regions),
                     themes=tuple(t.strip() for t in self.themes),
                     max_takeaways=self.takeaways, steps=self.steps)


class DeckFile(BaseModel):
    """The slide file: a title, a subtitle and 1 to 40 slides with distinct ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    subtitle: str = ""
    slides: list[SlideEntry] = Field(min_length=1, max_length=MAX_SLIDES)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be a non-empty text")
        return value.strip()

    @model_validator(mode="after")
    def _distinct(self) -> DeckFile:
        seen: set[str] = set()
        for number, slide in enumerate(self.slides, start=1):
            if slide.id in seen:
                raise ValueError(f"slide {number}: id '{slide.id}' is used twice")
            seen.add(slide.id)
        return self

    def to_deck(self) -> Deck:
        return Deck(self.title, self.subtitle.strip(), tuple(s.to_slide() for s in self.slides))


def default_path() -> Path:
    return config.data_dir() / "slides.yaml"


def load_deck(path: Path | None = None) -> Deck:
    """Read and validate the slide file (``data/slides.yaml`` by default).

    Raises
    ------
    SlideConfigError
        When the file is missing, is not YAML, or any slide is invalid (every problem is
        listed, not only the first).
    """
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SlideConfigError([f"{path.name}: cannot be read ({exc.strerror})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise SlideConfigError([f"{path.name}: not valid YAML ({first})"]) from None
    return parse_deck(data)


def parse_deck(data: object) -> Deck:
    """Validate a parsed slide file (a mapping) and build the :class:`Deck`."""
    if not isinstance(data, Mapping):
        raise SlideConfigError(["file: must be a mapping with title, subtitle and slides"])
    try:
        return DeckFile.model_validate(dict(data)).to_deck()
    except ValidationError as exc:
        raise SlideConfigError(problems(exc, data)) from None


def problems(exc: ValidationError, data: Mapping[str, Any]) -> list[str]:
    """pydantic's errors in the slide file's words: 'slide 2 ('kp').figure: …'."""
    out = []
    raw_slides = data.get("slides") if isinstance(data.get("slides"), list) else []
    for error in exc.errors():
        loc = list(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if loc[:1] == ["slides"] and len(loc) >= 2 and isinstance(loc[1], int):
            number = loc[1] + 1
            raw = raw_slides[loc[1]] if loc[1] < len(raw_slides) else None
            where = f"slide {number}"
            if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) \
                    and _ID.match(raw["id"]):
                where += f" ('{raw['id']}')"
            if not isinstance(raw, Mapping):
                out.append(f"{where}: must be a mapping")
            elif len(loc) == 2:
                out.append(f"{where}.{message}")
            elif error["type"] == "extra_forbidden":
                out.append(f"{where}: unknown field '{loc[2]}'")
            elif loc[2] == "takeaways":
                out.append(f"{where}.takeaways: a whole number from 0 to {MAX_TAKEAWAYS}")
            elif loc[2] == "title" and error["type"] != "value_error":
                out.append(f"{where}.title: a text of 1 to 120 characters")
            else:
                out.append(f"{where}.{loc[2]}: {message}")
        elif not loc:
            out.append(message)
        else:
            out.append(f"{loc[0]}: {message}")
    return list(dict.fromkeys(out))


def with_as_of(deck: Deck, moment: dt.datetime | None) -> Deck:
    """The deck with every slide's filter saying the data is as of ``moment`` (None: live),
    so that data lines and exports name the moment."""
    if moment is None:
        return deck
    return dataclasses.replace(deck, slides=tuple(
        dataclasses.replace(s, spec=dataclasses.replace(s.spec, as_of=moment))
        for s in deck.slides))


# --- the data behind a slide -------------------------------------------------------------


def slide_frame(slide: Slide, incidents: pd.DataFrame) -> pd.DataFrame:
    """The incidents a slide shows (its filter applied)."""
    return slide.spec.apply(incidents)


def step_frame(slide: Slide, frame: pd.DataFrame, step: int | None) -> pd.DataFrame:
    """The incidents up to and including the step's day (all of them when not stepped)."""
    if slide.steps != "day" or not slide.step_count or step is None:
        return frame
    last = slide.step_days[min(step, slide.step_count) - 1]
    return frame.loc[frame["date"] < pd.Timestamp(last) + pd.Timedelta(days=1)]


@dataclass(frozen=True)
class Day:
    """One day of a stepped slide: what happened that day and what had happened by then."""

    number: int
    of: int
    date: dt.date
    incidents: int
    killed: int
    injured: int
    districts: int
    by_province: tuple[tuple[str, int], ...]
    so_far: int

    def label(self) -> str:
        """'Day 2 of 3 · 16 Mar 2025'."""
        return f"Day {self.number} of {self.of} · {day_label(self.date)}"

    def summary(self) -> str:
        """'9 attacks in 7 districts (KP 8, Balochistan 1); 16 since 15 Mar'."""
        if not self.incidents:
            return f"No attack in this data that day; {self.so_far} so far in the window."
        where = ", ".join(f"{schema.PROVINCE_SHORT.get(p, p)} {n}" for p, n in self.by_province)
        noun = "attack" if self.incidents == 1 else "attacks"
        places_word = "district" if self.districts == 1 else "districts"
        return (
            f"{self.incidents} {noun} in {self.districts} {places_word} ({where}); "
            f"killed {self.killed}, injured {self.injured} where reported; "
            f"{self.so_far} so far in the window."
        )


def days(slide: Slide, frame: pd.DataFrame) -> list[Day]:
    """Day-by-day figures of a ``steps: day`` slide (``frame`` is the slide's incidents)."""
    out: list[Day] = []
    so_far = 0
    day_of = frame["date"].dt.normalize()
    for number, date in enumerate(slide.step_days, start=1):
        today = frame.loc[day_of == pd.Timestamp(date)]
        head = aggregates.headline(today)
        so_far += head.incidents
        by_province = today["province"].value_counts()
        out.append(Day(
            number=number, of=slide.step_count, date=date, incidents=head.incidents,
            killed=head.killed, injured=head.injured, districts=head.districts,
            by_province=tuple((str(p), int(n)) for p, n in by_province.items()),
            so_far=so_far,
        ))
    return out
