"""The view in words: one short paragraph, generated from the data in view, to read aloud.

It opens the Overview and the province pages, goes into each slide's speaker notes, and is
the text alternative of the view's charts (the caption under the map, the description of
every picture in the PPTX). Every number and name in it comes from the frames passed in;
nothing is fixed in advance. Place names come from the data: escape before showing them
as Markdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from tracker.analysis import aggregates, coverage, surge_detection
from tracker.analysis.filters import FilterSpec
from tracker.present.text import plural

MIN_COMPARABLE = 10
"""Fewest incidents each period must hold before the summary speaks of a change (below it,
the two counts are given side by side)."""
TOP = 3
"""How many provinces or districts the paragraph names."""


def summarise(frame: pd.DataFrame, spec: FilterSpec, *, previous: pd.DataFrame | None = None,
              surges: Sequence[surge_detection.Surge] | None = None,
              data_start: dt.date | None = None,
              coverage_pair: tuple[coverage.SpanCoverage, coverage.SpanCoverage] | None = None
              ) -> str:
    """The paragraph for ``frame``, the incidents in view under ``spec``.

    Parameters
    ----------
    frame
        The filtered incidents the view shows.
    spec
        The filter (its period, provinces and other narrowing).
    previous
        The same filter over the period of equal length just before (``None`` when the
        view has no bounded period): the comparison sentence.
    surges
        Surges found by :func:`tracker.analysis.surge_detection.find_surges` on the filter's
        whole span (``None``: not said); those overlapping the period are mentioned.
    data_start
        The first date the data holds, so that a previous period before it is not
        read as a fall.
    coverage_pair
        The sample's coverage of the published count in this period and the previous one
        (:func:`period_coverage`); when given, a change is said only where the two are
        comparable (:func:`tracker.analysis.coverage.comparable_spans`).
    """
    where = area_words(spec)
    n = len(frame)
    when = period_words(spec, frame)
    if n == 0:
        return f"{when}, this dataset records no attack in {where} that matches the filters."
    head = aggregates.headline(frame)
    killed = f"{head.killed:,} {'person was' if head.killed == 1 else 'people were'} killed"
    if head.killed_reported < n:
        killed += f" (the death toll is reported for {head.killed_reported:,} of them)"
    parts = [f"{when}, this dataset, a sample of news reports, records "
             f"{plural(n, 'attack')} in {where}, in which {killed}."]
    if (place := concentration(frame, spec)):
        parts.append(place)
    if previous is not None and spec.start is not None and spec.end is not None:
        parts.append(comparison_sentence(frame, previous, spec, data_start, coverage_pair))
    if surges is not None:
        parts.append(surge_sentence(surges, spec, frame))
    if _narrowed(spec):
        parts.append("Other filters narrow these counts.")
    return " ".join(parts)


def period_words(spec: FilterSpec, frame: pd.DataFrame) -> str:
    """'From 1 January 2025 to 31 March 2025', or the data's own span when open."""
    start, end = spec.start, spec.end
    if start is None or end is None:
        span = aggregates.data_span(frame) if not frame.empty else None
        start = start or (span[0] if span else None)
        end = end or (span[1] if span else None)
        if start is None or end is None:
            return "Over all dates"
    if start == end:
        return f"On {_day(start)}"
    return f"From {_day(start)} to {_day(end)}"


def concentration(frame: pd.DataFrame, spec: FilterSpec) -> str | None:
    """Where the attacks concentrate: the top districts when one province is in view,
    otherwise the top provinces, each with its count and share."""
    one_province = len(spec.provinces) == 1 or frame["province"].nunique() == 1
    column, kind = ("district", "district") if one_province else ("province", "province")
    counts = frame[column].dropna().astype(str)
    counts = counts[counts.str.strip().ne("")].value_counts()
    if counts.empty:
        return None
    n = len(frame)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    groups: dict[int, list[str]] = {}
    for name, count in ranked:
        groups.setdefault(int(count), []).append(name)
    parts, named, covered = [], 0, 0
    for count, names in groups.items():  # places with equal counts are named together
        if named >= TOP:
            break
        if len(names) == 1:
            parts.append(f"{names[0]} ({count:,}, {count / n:.0%})")
        else:
            shown = names[:5] + (["others"] if len(names) > 5 else [])
            parts.append(f"{_join(shown)} ({count:,} each)")
        named += len(names)
        covered += count * len(names)
    listed = _join(parts, oxford=any(" and " in part for part in parts))
    if len(counts) == 1:
        return f"All of them with a known {kind} were in {listed}."
    lead = "Most were in" if covered * 2 > n else "The largest numbers were in"
    return f"{lead} the {kind}s of {listed}." if named > 1 else f"{lead} {listed}."


def period_coverage(spec: FilterSpec, everything: pd.DataFrame
                    ) -> tuple[coverage.SpanCoverage, coverage.SpanCoverage] | None:
    """The sample's coverage of the published count over the whole months of the period in
    view and of the previous period, against one publisher (None without a bounded period)."""
    before = spec.previous_period()
    if before is None or spec.start is None or spec.end is None:
        return None
    return coverage.span_pair(
        everything, coverage.load_reference(), coverage.area_scope(spec.provinces,
                                                                   spec.districts),
        coverage.month_bounds(spec.start, spec.end),
        coverage.month_bounds(before.start, before.end))


def comparison_sentence(frame: pd.DataFrame, previous: pd.DataFrame, spec: FilterSpec,
                        data_start: dt.date | None = None,
                        coverage_pair: tuple[coverage.SpanCoverage,
                                             coverage.SpanCoverage] | None = None) -> str:
    """The change against the previous period, said only when the two can be compared.

    The previous period must lie within the data; with ``coverage_pair`` the sample's
    coverage of the published count must be alike in both (the comparability rule of
    :mod:`tracker.analysis.coverage`), and then the publisher's own change is given instead; both
    periods must hold at least :data:`MIN_COMPARABLE` incidents for a percentage.
    """
    before = spec.previous_period()
    label = "the previous period"
    if before is not None:
        label += f", {_day(before.start)} to {_day(before.end)}"
    now, then = len(frame), len(previous)
    counts = f"{plural(now, 'attack')} against {then:,} in {label}"
    if before is not None and data_start is not None and before.start < data_start:
        return (f"This dataset does not reach back over all of {label}, so no change "
                f"is read from it ({now:,} against {then:,}).")
    if coverage_pair is not None and not coverage.comparable_spans(*coverage_pair):
        return _not_comparable(counts, *coverage_pair)
    if now < MIN_COMPARABLE or then < MIN_COMPARABLE:
        return f"Too few attacks to speak of a change: {counts}."
    diff = now - then
    if diff == 0:
        return f"That is as many as in {label} ({plural(then, 'attack')})."
    word = "more" if diff > 0 else "fewer"
    return (f"That is {abs(diff):,} {word} than in {label} ({plural(then, 'attack')}), a "
            f"change of {diff / then:+.0%}.")


def _not_comparable(counts: str, this: coverage.SpanCoverage,
                    before: coverage.SpanCoverage) -> str:
    """Why no change is read from the sample, with the publisher's own change if known."""
    if this.pct is None or before.pct is None or this.publisher != before.publisher:
        return (f"No change is read from this dataset ({counts}): no published count "
                "gives its coverage in both periods.")
    text = (f"No change is read from this dataset ({counts}): it holds "
            f"{this.pct:.0f}% of the attacks {this.publisher} published in the months of "
            f"this period and {before.pct:.0f}% in those of the previous one.")
    if this.whole_months and before.whole_months:
        now, then = round(this.published), round(before.published)
        change = f", {(now - then) / then:+.0%}" if then else ""
        text += (f" {this.publisher} published {now:,} attacks in those months against "
                 f"{then:,}{change}.")
    return text


def surge_sentence(surges: Sequence[surge_detection.Surge], spec: FilterSpec,
                   frame: pd.DataFrame) -> str:
    """The surges whose spell touches the period, the largest one described."""
    start, end = spec.start, spec.end
    if (start is None or end is None) and not frame.empty:
        first, last = aggregates.data_span(frame)
        start, end = start or first, end or last
    hits = [s for s in surges if s.overlaps(start, end)]
    if not hits:
        return "The surge detector flags no surge in this period."
    best = max(hits, key=lambda s: (s.incidents, -s.start.toordinal()))
    days = (f"on {_day(best.start)}" if best.start == best.end
            else f"from {_day(best.start)} to {_day(best.end)}")
    area = area_words(spec) if best.level == "Pakistan" else best.area  # "Pakistan": the filter's
    others = f" ({plural(len(hits), 'surge')} in all)" if len(hits) > 1 else ""
    return (f"The surge detector flags a burst of {plural(best.incidents, 'attack')} in {area} "
            f"{days}{others}, against about {best.expected:.1f} expected.")


def area_words(spec: FilterSpec) -> str:
    """The area a filter shows, in words: its districts, else its provinces, else Pakistan."""
    if spec.districts:
        return _join(list(spec.districts[:TOP]) + (["other districts"]
                                                    if len(spec.districts) > TOP else []))
    if spec.provinces:
        return _join(list(spec.provinces))
    return "Pakistan"


def _narrowed(spec: FilterSpec) -> bool:
    return bool(spec.attack_types or spec.targets or spec.perpetrators or spec.min_casualties
                or spec.text.strip())


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _join(items: list[str], *, oxford: bool = False) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = ", and " if oxford and len(items) > 2 else " and "
    return ", ".join(items[:-1]) + last + items[-1]
