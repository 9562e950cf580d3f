"""The briefing sequence: slides defined as data, their figures, takeaways and data lines.

``data/slides.yaml`` lists the slides (format in its header and the README). Each slide
holds a filter state written as the same query parameters a dashboard link uses, the kind
of its main figure and the regions (or themes) whose brief takeaways it shows. Presenter
mode and the exported deck both read the sequence through :func:`load_deck` and build
every slide through the functions here, so the screen and the deck always agree.

A slide with ``steps: day`` walks its date window day by day: step ``k`` shows the
incidents of days ``1..k`` with day ``k`` picked out. A slide with ``steps: theme`` walks
its themes (actors), one takeaway at a time. The slide number and step live in the
URL (``?slide=N&step=K``, both counted from 1); :func:`read_position` turns untrusted URL
values into a valid position plus notices, never an exception.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import yaml

from tracker import config, schema
from tracker.analysis import aggregates, asof, context, coverage
from tracker.analysis.filters import FilterSpec
from tracker.briefs import claims, loading, lookup, model
from tracker.devtools import synth
from tracker.ingest import places
from tracker.present import charts, map_labels, shapes
from tracker.present.text import clip, last_value

FIGURE_KINDS = ("province_map", "district_map", "surge_map", "group_bars", "timeline")
"""The main figures a slide may show (see :func:`build_figure`)."""
STEP_KINDS = ("day", "theme")
DEFAULT_TAKEAWAYS = 2
MAX_TAKEAWAYS = 6
MAX_SLIDES = 40
MAX_STEPS = 31
SAMPLE_NOTE = "a sample of reported attacks, not a complete count"
NO_GROUP = "no group named in the report"
LEGEND_ROW_PX = 48
"""Height of the one-row legend under a slide map (two entries at most, in slide type)."""
SLIDE_PARAM, STEP_PARAM, PRESENT_PARAM = "slide", "step", "present"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_KEYS = {"id", "title", "filter", "figure", "regions", "themes", "takeaways", "steps"}


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
        return f"Day {step} of {self.step_count} · {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class Deck:
    """The whole sequence, with the title slide's text."""

    title: str
    subtitle: str
    slides: tuple[Slide, ...]

    def __len__(self) -> int:
        return len(self.slides)


@dataclass(frozen=True)
class Position:
    """Where the presenter is: a slide index (from 0) and, on a stepped slide, a step (from 1)."""

    index: int
    step: int | None = None

    @property
    def number(self) -> int:
        """The slide number shown to people and used in the URL (from 1)."""
        return self.index + 1


# --- loading -----------------------------------------------------------------------------


def default_path() -> Path:
    return config.data_dir() / "slides.yaml"


def load_deck(path: Path | None = None) -> Deck:
    """Read and validate the slide file.

    Parameters
    ----------
    path
        The YAML file; ``data/slides.yaml`` by default.

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
    problems: list[str] = []
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append("title: must be a non-empty text")
    subtitle = data.get("subtitle", "")
    if not isinstance(subtitle, str):
        problems.append("subtitle: must be text")
    raw_slides = data.get("slides")
    slides: list[Slide] = []
    if not isinstance(raw_slides, list) or not raw_slides:
        problems.append("slides: must be a non-empty list")
        raw_slides = []
    elif len(raw_slides) > MAX_SLIDES:
        problems.append(f"slides: {len(raw_slides)} slides; at most {MAX_SLIDES}")
        raw_slides = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_slides, start=1):
        slide, slide_problems = _parse_slide(raw, number)
        problems.extend(slide_problems)
        if slide is not None:
            if slide.id in seen:
                problems.append(f"slide {number}: id '{slide.id}' is used twice")
            seen.add(slide.id)
            slides.append(slide)
    if problems:
        raise SlideConfigError(problems)
    return Deck(str(title).strip(), str(subtitle).strip(), tuple(slides))


def _parse_slide(raw: object, number: int) -> tuple[Slide | None, list[str]]:
    where = f"slide {number}"
    if not isinstance(raw, Mapping):
        return None, [f"{where}: must be a mapping"]
    problems = [f"{where}: unknown field '{k}'" for k in raw if k not in _KEYS]
    slide_id = raw.get("id")
    if not isinstance(slide_id, str) or not _ID.match(slide_id):
        problems.append(f"{where}.id: lower-case letters, digits and hyphens (up to 40)")
    else:
        where = f"slide {number} ('{slide_id}')"
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 120:
        problems.append(f"{where}.title: a text of 1 to 120 characters")
    figure = raw.get("figure")
    if figure not in FIGURE_KINDS:
        problems.append(f"{where}.figure: '{figure}' is not one of {', '.join(FIGURE_KINDS)}")
    spec, filter_problems = _parse_filter(raw.get("filter", {}))
    problems.extend(f"{where}.filter: {p}" for p in filter_problems)
    regions = _text_list(raw.get("regions", ["Pakistan"]))
    if regions is None or not regions:
        problems.append(f"{where}.regions: a list of region names")
        regions = ()
    for region in regions:
        if region not in model.known_regions():
            problems.append(f"{where}.regions: unknown region '{region}'")
    themes = _text_list(raw.get("themes", []))
    if themes is None:
        problems.append(f"{where}.themes: a list of themes")
        themes = ()
    for theme in themes:
        if theme not in model.THEMES:
            problems.append(f"{where}.themes: '{theme}' is not one of {', '.join(model.THEMES)}")
    limit = raw.get("takeaways", DEFAULT_TAKEAWAYS)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_TAKEAWAYS:
        problems.append(f"{where}.takeaways: a whole number from 0 to {MAX_TAKEAWAYS}")
        limit = DEFAULT_TAKEAWAYS
    steps = raw.get("steps")
    if steps is not None and steps not in STEP_KINDS:
        problems.append(f"{where}.steps: '{steps}' is not one of {', '.join(STEP_KINDS)}")
    if steps == "theme" and not themes:
        problems.append(f"{where}.steps: 'theme' needs a list of themes")
    if steps == "day":
        if spec.start is None or spec.end is None:
            problems.append(f"{where}.steps: 'day' needs both start and end in the filter")
        elif (spec.end - spec.start).days + 1 > MAX_STEPS:
            problems.append(f"{where}.steps: the window is longer than {MAX_STEPS} days")
    if problems:
        return None, problems
    return Slide(
        id=slide_id, title=title.strip(), spec=spec, figure=figure, regions=tuple(regions),
        themes=tuple(themes), max_takeaways=limit, steps=steps,
    ), []


def _parse_filter(raw: object) -> tuple[FilterSpec, list[str]]:
    if raw is None:
        return FilterSpec(), []
    if not isinstance(raw, Mapping):
        return FilterSpec(), ["must be a mapping of link parameters"]
    params: dict[str, list[str]] = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        params[str(key)] = [v.isoformat() if isinstance(v, dt.date) else str(v) for v in values]
    perpetrators = places.perpetrators_table()["perpetrator"].tolist()
    districts = places.districts_table()["district"].tolist()
    spec, notices = FilterSpec.from_query(
        params, known_districts=districts, known_perpetrators=perpetrators
    )
    return spec, notices


def _text_list(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(v.strip() for v in value)


# --- position in the URL -----------------------------------------------------------------


def read_position(params: Mapping[str, Any], deck: Deck) -> tuple[Position, list[str]]:
    """The slide and step a URL asks for, made valid, with a notice for anything changed.

    ``params`` maps query parameter names to a value or a list of values (the last one
    counts). A missing slide means the first; a number outside the deck, or not a number,
    opens the nearest valid slide with a notice. The same holds for ``step``.
    """
    notices: list[str] = []
    raw_slide = last_value(params.get(SLIDE_PARAM))
    index = 0
    if raw_slide is not None:
        number = _whole(raw_slide)
        if number is None:
            notices.append(f"Slide '{clip(raw_slide, 20)}' is not a number; showing slide 1.")
        elif not 1 <= number <= len(deck):
            index = len(deck) - 1 if number > len(deck) else 0
            notices.append(
                f"There is no slide {number}: the sequence has {len(deck)} slides; "
                f"showing slide {index + 1}."
            )
        else:
            index = number - 1
    slide = deck.slides[index]
    raw_step = last_value(params.get(STEP_PARAM))
    if not slide.step_count:
        return Position(index, None), notices
    step = 1
    if raw_step is not None:
        number = _whole(raw_step)
        if number is None or not 1 <= number <= slide.step_count:
            step = slide.step_count if number is not None and number > slide.step_count else 1
            notices.append(
                f"Step '{clip(raw_step, 20)}' does not exist on this slide "
                f"(it has {slide.step_count}); showing step {step}."
            )
        else:
            step = number
    return Position(index, step), notices


def next_position(deck: Deck, position: Position) -> Position | None:
    """One step on (steps first, then the next slide); None at the end."""
    slide = deck.slides[position.index]
    if slide.step_count and position.step is not None and position.step < slide.step_count:
        return Position(position.index, position.step + 1)
    if position.index + 1 >= len(deck):
        return None
    following = deck.slides[position.index + 1]
    return Position(position.index + 1, 1 if following.step_count else None)


def previous_position(deck: Deck, position: Position) -> Position | None:
    """One step back (steps first, then the previous slide at its last step); None at start."""
    if position.step is not None and position.step > 1:
        return Position(position.index, position.step - 1)
    if position.index == 0:
        return None
    before = deck.slides[position.index - 1]
    return Position(position.index - 1, before.step_count or None)


def query_for(position: Position) -> dict[str, str]:
    """The page-owned query parameters that open ``position`` (a shareable link)."""
    out = {PRESENT_PARAM: "1", SLIDE_PARAM: str(position.number)}
    if position.step is not None:
        out[STEP_PARAM] = str(position.step)
    return out


def _whole(text: str) -> int | None:
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,6}", text):
        return None
    return int(text)


# --- the data behind a slide -------------------------------------------------------------


def slide_frame(slide: Slide, incidents: pd.DataFrame) -> pd.DataFrame:
    """The incidents a slide shows (its filter applied)."""
    return slide.spec.apply(incidents)


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
        return f"Day {self.number} of {self.of} · {self.date.day} {self.date:%b %Y}"

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


def step_frame(slide: Slide, frame: pd.DataFrame, step: int | None) -> pd.DataFrame:
    """The incidents up to and including the step's day (all of them when not stepped)."""
    if slide.steps != "day" or not slide.step_count or step is None:
        return frame
    last = slide.step_days[min(step, slide.step_count) - 1]
    return frame.loc[frame["date"] < pd.Timestamp(last) + pd.Timedelta(days=1)]


def with_as_of(deck: Deck, moment: dt.datetime | None) -> Deck:
    """The deck with every slide's filter saying the data is as of ``moment`` (None: live),
    so that data lines and exports name the moment."""
    if moment is None:
        return deck
    return dataclasses.replace(deck, slides=tuple(
        dataclasses.replace(s, spec=dataclasses.replace(s.spec, as_of=moment))
        for s in deck.slides))


def data_line(slide: Slide, frame: pd.DataFrame) -> str:
    """One line saying what the slide's data is: period, count, a sample, the source."""
    return describe_data(slide.spec, frame)


def describe_data(spec: FilterSpec, frame: pd.DataFrame, *,
                  synthetic: int | None = None) -> str:
    """'15 Mar 2025 – 17 Mar 2025 · 19 sourced incidents · a sample … · Source: …'.

    ``synthetic`` is the frame's number of synthetic rows when the caller knows it (e.g. 0
    for a store that holds none); otherwise the rows' labels are checked.
    """
    n = len(frame)
    noun = "incident" if n == 1 else "incidents"
    line = f"{spec.period_label(frame)} · {n:,} sourced {noun} · {SAMPLE_NOTE}"
    if spec.as_of is not None:  # a link as of a moment says so first
        moment = asof.data_line(spec.as_of, frame)
        line = f"{moment[:1].upper()}{moment[1:]} · {line}"
    fake = synth.synthetic_count(frame) if synthetic is None else synthetic
    if fake:
        line += f" · {fake:,} of them SYNTHETIC test rows, not real attacks"
    return f"{line} · Source: {source_summary(frame)}."


def source_summary(frame: pd.DataFrame, named: int = 2) -> str:
    """'news reports (Dawn, The News and 9 other outlets)'."""
    outlets = frame["source_name"].dropna().astype(str).str.strip()
    outlets = outlets[outlets.ne("")].value_counts()
    if outlets.empty:
        return "no source named"
    top = [str(o) for o in outlets.index[:named]]
    rest = len(outlets) - len(top)
    if rest:
        listed = f"{', '.join(top)} and {rest} other outlet{'s' if rest != 1 else ''}"
    else:
        listed = " and ".join(top)
    return f"news reports ({listed})"


def sources(frame: pd.DataFrame, limit: int = 40) -> list[str]:
    """'16 Mar 2025 · Nushki · Dawn · https://…' for the slide's incidents, newest first."""
    rows = frame.sort_values("date", ascending=False).head(limit)
    out = []
    for row in rows.itertuples(index=False):
        place = row.district if isinstance(row.district, str) and row.district else row.province
        day = f"{row.date.day} {row.date:%b %Y}"
        out.append(f"{day} · {place} · {row.source_name} · {row.source_url}")
    return out


# --- takeaways ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One takeaway as a slide shows it: theme, text, citation, and the data beside a claim."""

    label: str
    text: str
    citation: str
    check: str | None = None


def assign_takeaways(deck: Deck, library: loading.Library | None = None
                     ) -> dict[str, list[lookup.Item]]:
    """Which brief takeaways each slide shows, so that the deck does not repeat itself.

    Candidates are the takeaways for the slide's regions
    (:func:`tracker.briefs.lookup.takeaways_for`);
    a slide with a date window puts first those whose claim is about that window. A slide
    with ``themes`` takes the first candidate of each theme in that order; other
    slides take one per theme in turn. Each takeaway goes to the most specific slide that
    can show it (a dated window first, then a province, then Pakistan); a slide falls back
    to an already used takeaway only when no other is left for a theme it asks for.
    """
    library = library or loading.load_library()
    order = sorted(range(len(deck)), key=lambda i: (
        0 if deck.slides[i].spec.start or deck.slides[i].spec.end else 1,
        0 if deck.slides[i].spec.provinces or deck.slides[i].spec.districts else 1, i))
    used: set[tuple[str, str]] = set()
    out: dict[str, list[lookup.Item]] = {}
    for i in order:
        slide = deck.slides[i]
        candidates = lookup.takeaways_for(slide.regions, library)
        chosen = _choose(slide, candidates, used)
        used.update(_key(item) for item in chosen)
        out[slide.id] = chosen
    return out


def _choose(slide: Slide, candidates: list[lookup.Item], used: set[tuple[str, str]]
            ) -> list[lookup.Item]:
    if slide.spec.start is not None or slide.spec.end is not None:
        candidates = sorted(candidates, key=lambda c: _window_rank(c, slide.spec))
    fresh = [c for c in candidates if _key(c) not in used]
    if slide.themes:
        chosen = []
        for theme in slide.themes:
            match = next((c for c in fresh if c.takeaway.theme == theme), None) or next(
                (c for c in candidates if c.takeaway.theme == theme), None)
            if match is not None:
                chosen.append(match)
        return chosen[: slide.max_takeaways]
    by_theme: dict[str, list[lookup.Item]] = {}
    for item in fresh:
        by_theme.setdefault(item.takeaway.theme, []).append(item)
    chosen = []
    while len(chosen) < slide.max_takeaways and any(by_theme.values()):
        for items in by_theme.values():
            if items and len(chosen) < slide.max_takeaways:
                chosen.append(items.pop(0))
    return chosen


def _window_rank(item: lookup.Item, spec: FilterSpec) -> int:
    """0 for a claim counted in a window that overlaps the slide's dates, 1 for another
    claim about such a window, 2 for the rest (a dated slide shows what speaks to it)."""
    claim = item.takeaway.claim
    start, end = getattr(claim, "start", None), getattr(claim, "end", None)
    if claim is None or start is None or end is None:
        return 2
    lo = spec.start or dt.date.min
    hi = spec.end or dt.date.max
    if end < lo or start > hi:
        return 2
    return 0 if claim.kind == "count_in_window" else 1


def _key(item: lookup.Item) -> tuple[str, str]:
    return item.brief.id, item.takeaway.id


def takeaways(deck: Deck, slide: Slide, frame: pd.DataFrame, *, step: int | None = None,
              library: loading.Library | None = None,
              assigned: dict[str, list[lookup.Item]] | None = None) -> list[Point]:
    """The brief takeaways a slide shows, each with the data beside its claim (plain text).

    On a ``steps: theme`` slide a step shows only its theme's takeaway; without a step
    (the exported deck) every theme's takeaway is shown.
    """
    assigned = assigned if assigned is not None else assign_takeaways(deck, library)
    items = assigned.get(slide.id, [])
    if slide.steps == "theme" and step is not None and slide.step_count:
        theme = slide.themes[min(max(step, 1), slide.step_count) - 1]
        items = [i for i in items if i.takeaway.theme == theme]
    view = slide.spec.provinces or ("Pakistan",)
    return [_point(item, frame, view) for item in items]


def _point(item: lookup.Item, frame: pd.DataFrame, view: Sequence[str]) -> Point:
    check = None
    if item.takeaway.claim is not None:
        result = claims.evaluate(item.takeaway.claim, frame, view=view)
        if result.verdict == claims.CONTEXT:  # context, never a verdict
            check = result.observed
        elif result.verdict != claims.NOT_IN_VIEW:  # nothing a room can use
            check = f"{result.observed} Verdict: {result.verdict}."
    return Point(label=item.takeaway.theme, text=item.takeaway.text,
                 citation=item.brief.short_citation, check=check)


def citations(points: Sequence[Point], library: loading.Library | None = None) -> list[str]:
    """The full citation of every brief the points come from (for speaker notes)."""
    library = library or loading.load_library()
    wanted = dict.fromkeys(p.citation for p in points)
    return [b.citation.rstrip(". ") for b in library.briefs if b.short_citation in wanted]


# --- figures ---------------------------------------------------------------------------


def build_figure(
    slide: Slide,
    frame: pd.DataFrame,
    *,
    step: int | None = None,
    look: charts.Look = charts.PRESENTER,
    width: int = 760,
    height: int = 470,
) -> go.Figure:
    """The slide's main figure for its incidents, sized for ``width`` × ``height`` pixels.

    Maps fit their centre and zoom to that size, so pass the size the figure is drawn at
    (the screen column or the exported image). ``step`` picks the day on a stepped slide
    (its last day when None).
    """
    provinces = slide.spec.provinces or tuple(schema.PROVINCES)
    if slide.figure == "province_map":
        # District bubbles over the province shades: one colour, readable from the back.
        fig = charts.province_map(frame, look=look, provinces=slide.spec.provinces,
                                  point_limit=0, context_layers=True)
        _fit_map(fig, *shapes.bounds_points(provinces), width=width, height=height,
                 incidents=frame)
    elif slide.figure == "district_map":
        province = slide.spec.provinces[0] if len(slide.spec.provinces) == 1 else None
        fig = charts.district_map(frame, province=province, look=look, context_layers=True)
        fig.update_traces(showlegend=True,  # the legend says what the bubbles measure
                          selector=lambda t: not context.is_layer(t))
        _fit_map(fig, *shapes.bounds_points(provinces), width=width, height=height,
                 incidents=frame)
    elif slide.figure == "surge_map":
        day = None
        if slide.step_days:
            day = slide.step_days[min(step or slide.step_count, slide.step_count) - 1]
        # Framed on the provinces the whole window touches, so the view stays put
        # from day to day and the room sees where in the country each day fell.
        touched = tuple(p for p in schema.PROVINCES if p in set(frame["province"]))
        fig = charts.slide_day_map(step_frame(slide, frame, step), current=day, look=look,
                                   height=height)
        _fit_map(fig, *shapes.bounds_points(touched or provinces), width=width,
                 height=height, incidents=step_frame(slide, frame, step))
    elif slide.figure == "group_bars":
        fig = charts.bar_counts(group_counts(frame), "group", look=look, top=8)
        fig.update_xaxes(title="Incidents")
        fig.update_yaxes(title=None)
        fig.update_layout(margin={"l": 10, "r": 30, "t": 10, "b": 10})
    elif slide.figure == "timeline":
        fig = timeline_figure(slide, frame, look=look)
    else:  # parse_deck refuses other kinds
        raise ValueError(f"`figure` was {slide.figure!r}; expected one of {FIGURE_KINDS}")
    fig.update_layout(height=height)
    return fig


def timeline_figure(slide: Slide, frame: pd.DataFrame, *,
                    look: charts.Look = charts.PRESENTER) -> go.Figure:
    """Attacks per month beside the published monthly count for the slide's area.

    Coverage is counted on the slide's incidents (its filter names only an area and dates
    in the bundled deck, so they are every attack the sample holds there).
    """
    scope = coverage.area_scope(slide.spec.provinces, slide.spec.districts)
    table = None
    if scope is not None and not frame.empty:
        table = coverage.monthly_coverage(frame, coverage.load_reference(), scope)
        if table["published"].isna().all():
            table = None
    fig = charts.timeline_chart(frame, freq="month", by=None, look=look, published=table)
    fig.update_layout(legend={"font": {"size": max(look.font_size - 2, 12)}})
    if table is None:  # say so on the slide itself, in the room and in the exported deck
        fig.add_annotation(text="No publisher gives a monthly count for this area: "
                                "this dataset only.", showarrow=False, xref="paper",
                           yref="paper", x=0, y=1.0, xanchor="left", yanchor="bottom",
                           font={"size": max(look.font_size - 2, 12)})
    return fig


def group_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per family of the group a report names ("no group named" for the rest).

    Counts each incident once, by the family of the first group named.
    """
    names = frame["perpetrator"].fillna(schema.UNKNOWN_PERPETRATOR).astype(str)
    family = names.map(places.perpetrator_family)
    unnamed = names.str.strip().isin(["", schema.UNKNOWN_PERPETRATOR])
    family = family.where(~unnamed, NO_GROUP)
    counts = family.value_counts().rename_axis("group").reset_index(name="incidents")
    return counts.sort_values(["incidents", "group"], ascending=[False, True], ignore_index=True)


def _fit_map(fig: go.Figure, lat: pd.Series, lon: pd.Series, *, width: int, height: int,
             incidents: pd.DataFrame | None = None) -> None:
    """Refit a MapLibre figure to the pixel size it is drawn at; colour bars in slide type;
    place names laid out again for that size (the same labels as the dashboard's maps).

    A legend sits under the map (see ``charts._map_layout``), so the map itself is that
    much shorter than the figure.
    """
    legend = any(t.showlegend is not False for t in fig.data if t.type == "scattermap")
    map_height = height - (LEGEND_ROW_PX if legend else 0)
    view = map_view(lat, lon, width=width, height=map_height)
    size = fig.layout.font.size or charts.PRESENTER.font_size
    fig.update_layout(map={"center": view["center"], "zoom": view["zoom"]})
    fig.update_traces(
        selector={"type": "choroplethmap"},
        colorbar={"tickfont": {"size": size - 2}, "title": {"font": {"size": size - 2}},
                  "thickness": 18},
    )
    if incidents is not None:
        map_labels.add_place_names(fig, incidents, width_px=width, height_px=map_height,
                                   font_size=round(size * 0.75))


def map_view(lat: pd.Series, lon: pd.Series, *, width: int, height: int,
             fill: float = 0.9) -> dict:
    """Centre and zoom that fit the points' box into ``width`` × ``height`` pixels.

    Uses the Web Mercator projection MapLibre draws in (a world 512 px wide at zoom 0),
    so the box fills ``fill`` of the tighter side: a degree of latitude is longer than a
    degree of longitude on the map, by 1/cos(latitude).
    """
    lat = pd.to_numeric(pd.Series(lat), errors="coerce").dropna()
    lon = pd.to_numeric(pd.Series(lon), errors="coerce").dropna()
    if lat.empty or lon.empty:
        lat, lon = pd.Series([23.6, 37.1]), pd.Series([60.9, 77.8])
    x0, x1 = (float(lon.min()) + 180) / 360, (float(lon.max()) + 180) / 360
    y0, y1 = _mercator_y(float(lat.max())), _mercator_y(float(lat.min()))
    span_x, span_y = max(x1 - x0, 1e-4), max(y1 - y0, 1e-4)
    zoom = math.log2(min(width * fill / (512 * span_x), height * fill / (512 * span_y)))
    centre_y = (y0 + y1) / 2
    centre_lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * centre_y))))
    return {
        "center": {"lat": round(centre_lat, 4), "lon": round((x0 + x1) / 2 * 360 - 180, 4)},
        "zoom": round(min(max(zoom, 2.0), 10.0), 2),
    }


def _mercator_y(lat: float) -> float:
    """Latitude → Web Mercator y in [0, 1] (0 at the top)."""
    phi = math.radians(max(min(lat, 85.0), -85.0))
    return (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2
