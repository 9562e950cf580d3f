"""A briefing built from the dashboard: a region, a period, chosen slides, a title slide.

A :class:`Briefing` is plain data (pydantic): the region (Pakistan, provinces, or a set of
districts), the period, the slide kinds in order (:data:`KINDS`) and the title slide's
fields. :meth:`Briefing.to_deck` turns it into the same :class:`~tracker.present.deck.Deck`
the bundled ``data/slides.yaml`` gives, so presenter mode and the exports treat both alike.
Saved briefings live in the store's ``briefings`` table under their name, shared by every
instance, and open by link (``?briefing=NAME``). A briefing can also be written as YAML
(``tracker export-deck --from-yaml FILE``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker import schema
from tracker.analysis import surge_detection
from tracker.analysis.filters import FilterSpec
from tracker.ingest import places
from tracker.present.deck import MAX_STEPS, MAX_TAKEAWAYS, Deck, Slide, TitleFields
from tracker.present.text import day_label

BRIEFING_PARAM = "briefing"
"""The query parameter that opens a saved briefing on the Presenter page."""

Kind = Literal["headline", "map", "timeline", "perpetrators", "attack_types", "targets",
               "surge", "takeaways"]
KINDS: dict[str, str] = {
    "headline": "Headline numbers",
    "map": "Map of districts",
    "timeline": "Timeline with the published series",
    "perpetrators": "Breakdown: perpetrators",
    "attack_types": "Breakdown: attack types",
    "targets": "Breakdown: targets",
    "surge": "The period's largest surge, day by day",
    "takeaways": "Takeaways from the policy briefs",
}
"""The slide kinds a briefing can hold (value → label in the builder)."""
MAX_BRIEFING_SLIDES = 20
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,59}$")


class BriefingError(ValueError):
    """A briefing cannot be used: ``problems`` says what, field by field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _plain(value: str, what: str, longest: int) -> str:
    value = " ".join(value.split())
    if len(value) > longest:
        raise ValueError(f"{what}: at most {longest} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError(f"{what}: plain text only")
    return value


class Briefing(BaseModel):
    """What a presenter chose: where, when, which slides in which order, the title slide."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str = Field(min_length=1)
    subtitle: str = ""
    event: str = ""
    presenter: str = ""
    date: dt.date | None = None
    """The title slide's date; None: the day it is shown or exported."""
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    slides: tuple[Kind, ...] = Field(min_length=1, max_length=MAX_BRIEFING_SLIDES)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not NAME.match(value):
            raise ValueError("1 to 60 letters, digits, spaces, hyphens or underscores, "
                             "starting with a letter or digit")
        return value

    @field_validator("title", "subtitle", "event", "presenter")
    @classmethod
    def _text(cls, value: str, info: Any) -> str:
        return _plain(value, info.field_name, 120)

    @field_validator("provinces")
    @classmethod
    def _provinces(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for province in value:
            if province not in schema.PROVINCES:
                raise ValueError(f"unknown province '{province[:40]}'")
        return tuple(dict.fromkeys(value))

    @field_validator("districts")
    @classmethod
    def _districts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = places.district_province()
        for district in value:
            if district not in known:
                raise ValueError(f"unknown district '{district[:40]}'")
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _period(self) -> Briefing:
        if self.start and self.end and self.end < self.start:
            raise ValueError("the period ends before it starts")
        if self.districts and self.provinces:
            raise ValueError("choose provinces or districts, not both")
        return self

    # --- what it shows ----------------------------------------------------------------

    @property
    def spec(self) -> FilterSpec:
        return FilterSpec(start=self.start, end=self.end, provinces=self.provinces,
                          districts=self.districts)

    @property
    def area(self) -> str:
        """'Khyber Pakhtunkhwa', 'Peshawar and Bannu' or 'Pakistan'."""
        names = self.districts or self.provinces
        if not names:
            return "Pakistan"
        if len(names) <= 3:
            return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1
                                else names)
        return f"{', '.join(names[:2])} and {len(names) - 2} more"

    @property
    def regions(self) -> tuple[str, ...]:
        """Whose brief takeaways fit: the provinces (of the districts), else Pakistan."""
        if self.districts:
            lookup = places.district_province()
            return tuple(dict.fromkeys(lookup[d] for d in self.districts)) or ("Pakistan",)
        return self.provinces or ("Pakistan",)

    def to_deck(self, incidents: pd.DataFrame | None = None) -> Deck:
        """The briefing as a deck; ``incidents`` (what may be shown) finds the surge."""
        slides: list[Slide] = []
        used: dict[str, int] = {}
        for kind in self.slides:
            used[kind] = used.get(kind, 0) + 1
            slide_id = kind.replace("_", "-") + (f"-{used[kind]}" if used[kind] > 1 else "")
            slides.append(self._slide(kind, slide_id, incidents))
        cover = TitleFields(event=self.event, presenter=self.presenter, date=self.date)
        return Deck(self.title, self.subtitle, tuple(slides), cover)

    def _slide(self, kind: str, slide_id: str, incidents: pd.DataFrame | None) -> Slide:
        area, spec = self.area, self.spec
        common = {"id": slide_id, "spec": spec, "regions": self.regions, "max_takeaways": 0}
        if kind == "headline":
            return Slide(title=f"{area}: the numbers", figure="headline", **common)
        if kind == "map":
            figure = "province_map" if not (self.provinces or self.districts) \
                else "district_map"
            return Slide(title=f"{area}: where the attacks fell", figure=figure, **common)
        if kind == "timeline":
            return Slide(title=f"{area}: attacks per month, beside the published count",
                         figure="timeline", **common)
        if kind == "perpetrators":
            return Slide(title=f"{area}: the groups the reports name", figure="group_bars",
                         **common)
        if kind == "attack_types":
            return Slide(title=f"{area}: how they attacked", figure="type_bars", **common)
        if kind == "targets":
            return Slide(title=f"{area}: whom they attacked", figure="target_bars", **common)
        if kind == "takeaways":
            return Slide(title=f"{area}: what the policy briefs say", figure="text",
                         **{**common, "max_takeaways": MAX_TAKEAWAYS})
        # surge: the period's largest surge in the area, day by day
        window = self._surge_window(incidents)
        if window is None:
            return Slide(title=f"{area}: no surge found in this period", figure="surge_map",
                         **common)
        first, last = window
        return Slide(title=f"{area}: the surge of {day_label(first)}",
                     figure="surge_map", steps="day",
                     **{**common, "spec": FilterSpec(start=first, end=last,
                                                     provinces=self.provinces,
                                                     districts=self.districts)})

    def _surge_window(self, incidents: pd.DataFrame | None) -> tuple[dt.date, dt.date] | None:
        if incidents is None or incidents.empty:
            return None
        area = FilterSpec(provinces=self.provinces, districts=self.districts).apply(incidents)
        found = [s for s in surge_detection.find_surges(area) if s.overlaps(self.start, self.end)]
        if not found:
            return None
        top = max(found, key=lambda s: (s.incidents, s.spell_start))
        last = min(top.spell_end, top.spell_start + dt.timedelta(days=MAX_STEPS - 1))
        return top.spell_start, last


def parse(data: object) -> Briefing:
    """Validate a briefing given as a mapping; every problem is listed."""
    if not isinstance(data, dict):
        raise BriefingError(["a briefing is a mapping of fields"])
    try:
        return Briefing.model_validate(data)
    except ValidationError as exc:
        raise BriefingError([
            (f"{'.'.join(str(p) for p in e['loc'])}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]) from None


def load_yaml(path: Path) -> Briefing:
    """A briefing from a YAML file (the same fields as :class:`Briefing`)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BriefingError([f"{Path(path).name}: cannot be read ({exc.strerror})"]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise BriefingError([f"{Path(path).name}: not valid YAML ({first})"]) from None
    return parse(data)


# --- shared through the store ------------------------------------------------------------


def save(briefing: Briefing, actor: str, store: Any | None = None) -> None:
    """Keep the briefing under its name (replacing one of that name) for every instance."""
    from tracker.store.database import shared_store
    from tracker.store.tables import briefings

    store = store or shared_store()
    values = {"body": briefing.model_dump_json(), "saved_by": actor[:200],
              "saved_at": dt.datetime.now(dt.UTC)}
    with store.engine.begin() as conn:
        done = conn.execute(briefings.update().where(briefings.c.name == briefing.name)
                            .values(**values))
        if not done.rowcount:
            conn.execute(briefings.insert().values(name=briefing.name, **values))


def load(name: str, store: Any | None = None) -> Briefing | None:
    """The saved briefing of that name, or None when there is none."""
    from tracker.store.database import shared_store
    from tracker.store.tables import briefings

    store = store or shared_store()
    with store.engine.connect() as conn:
        body = conn.execute(sa.select(briefings.c.body)
                            .where(briefings.c.name == name.strip()[:60])).scalar()
    if body is None:
        return None
    return parse(json.loads(body))


def names(store: Any | None = None) -> list[str]:
    """The saved briefings' names, alphabetically."""
    from tracker.store.database import shared_store
    from tracker.store.tables import briefings

    store = store or shared_store()
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(briefings.c.name).order_by(briefings.c.name))
                    .scalars())
