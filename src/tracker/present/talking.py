"""Talking points: two to four sentences a presenter can read aloud, from the data in view.

They open each slide's speaker notes, and stand beside a briefing's figure where no brief
takeaway does. Every number comes from the frames passed in. The change against the
previous period is the plain-language summary's sentence
(:func:`tracker.present.summary.comparison_sentence`), so it follows the comparability
rule of :mod:`tracker.analysis.coverage`; where the attacks concentrate is the summary's
too (:func:`tracker.present.summary.concentration`).
"""

from __future__ import annotations

import pandas as pd

from tracker.analysis import aggregates
from tracker.present import summary
from tracker.present.deck import Slide, days
from tracker.present.slide_figures import NO_GROUP, group_counts
from tracker.present.text import plural

MAX_POINTS = 4


def talking_points(slide: Slide, frame: pd.DataFrame, incidents: pd.DataFrame) -> list[str]:
    """Two to four points for ``slide`` (``frame``: its incidents; ``incidents``: all that
    may be shown, for the previous period and the coverage rule)."""
    spec = slide.spec
    when = summary.period_words(spec, frame)
    area = summary.area_words(spec)
    head = aggregates.headline(frame)
    if head.incidents == 0:
        return [f"{when}, this dataset records no attack in {area}.",
                "It is a sample of news reports: an empty slide is not proof of calm."]
    points = [f"{when}: {plural(head.incidents, 'attack')} in {area} in this dataset, "
              f"{head.killed:,} killed and {head.injured:,} injured where reported."]
    previous = spec.previous_period()
    if previous is not None and spec.start is not None and spec.end is not None:
        span = aggregates.data_span(incidents)
        points.append(summary.comparison_sentence(
            frame, previous.apply(incidents), spec, data_start=span[0] if span else None,
            coverage_pair=summary.period_coverage(spec, incidents)))
    specific = _for_figure(slide, frame)
    if specific:
        points.append(specific)
    place = summary.concentration(frame, spec)
    if place:
        points.append(place)
    return points[:MAX_POINTS]


def _for_figure(slide: Slide, frame: pd.DataFrame) -> str | None:
    """The point the slide's own figure makes: its top bars, busiest month or day."""
    if slide.figure == "group_bars":
        counts = group_counts(frame)
        named = counts[counts["group"] != NO_GROUP]
        if named.empty:
            return f"No report of these {plural(len(frame), 'attack')} names a group."
        return (f"{int(named['incidents'].sum()):,} of {len(frame):,} reports name a group; "
                "most often " + _top(named, "group") + ".")
    if slide.figure in ("type_bars", "target_bars"):
        column = "attack_type" if slide.figure == "type_bars" else "target"
        word = "Most common attack types" if column == "attack_type" else "Most hit targets"
        return f"{word}: " + _top(aggregates.count_by(frame, column), column) + "."
    if slide.figure == "timeline":
        months = frame["date"].dt.to_period("M").value_counts()
        if months.empty:
            return None
        busiest = months.sort_index().idxmax()
        return (f"The busiest month was {busiest.strftime('%B %Y')}, with "
                f"{plural(int(months.max()), 'attack')}.")
    if slide.figure == "surge_map" and slide.step_count:
        walk = days(slide, frame)
        peak = max(walk, key=lambda d: d.incidents)
        return f"Busiest day: {peak.label().split(' · ')[-1]}, {peak.summary()}"
    return None


def _top(counts: pd.DataFrame, column: str, n: int = 3) -> str:
    total = int(counts["incidents"].sum()) or 1
    rows = counts.sort_values("incidents", ascending=False).head(n)
    return ", ".join(f"{name} {int(k):,} ({int(k) / total:.0%})"
                     for name, k in zip(rows[column], rows["incidents"], strict=True))
