"""The brief takeaways each slide shows, so that a deck does not repeat itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tracker.analysis.filters import FilterSpec
from tracker.briefs import claims, loading, lookup
from tracker.present.deck import Deck, Slide


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


