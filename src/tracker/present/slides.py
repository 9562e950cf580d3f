"""The briefing sequence: one import for the deck, its navigation, takeaways, figures and
data lines.

The parts live in focused modules: :mod:`tracker.present.deck` (slides as data and the
slide file's validation), :mod:`tracker.present.navigation` (the position in the URL),
:mod:`tracker.present.takeaways` (which brief takeaways a slide shows) and
:mod:`tracker.present.slide_figures` (each slide's figure). Presenter mode and the exported
deck both build every slide through these, so the screen and the deck always agree. This
module adds the data line and the sources under a slide.
"""

from __future__ import annotations

import pandas as pd

from tracker.analysis import asof
from tracker.analysis.filters import FilterSpec
from tracker.devtools import synth
from tracker.present.deck import (  # noqa: F401  (the sequence's names, in one place)
    DEFAULT_TAKEAWAYS,
    FIGURE_KINDS,
    MAX_SLIDES,
    MAX_STEPS,
    MAX_TAKEAWAYS,
    STEP_KINDS,
    Day,
    Deck,
    Slide,
    SlideConfigError,
    TitleFields,
    days,
    default_path,
    load_deck,
    parse_deck,
    slide_frame,
    step_frame,
    with_as_of,
)
from tracker.present.navigation import (  # noqa: F401
    PRESENT_PARAM,
    SLIDE_PARAM,
    STEP_PARAM,
    Position,
    next_position,
    previous_position,
    query_for,
    read_position,
)
from tracker.present.slide_figures import (  # noqa: F401
    LEGEND_ROW_PX,
    NO_GROUP,
    add_size_key,
    build_figure,
    group_counts,
    headline_figure,
    stand_alone,
    timeline_figure,
)
from tracker.present.takeaways import (  # noqa: F401
    Point,
    assign_takeaways,
    citations,
    takeaways,
)
from tracker.present.text import day_label

SAMPLE_NOTE = "a sample of reported attacks, not a complete count"
CAVEAT = f"This dataset is {SAMPLE_NOTE}."
"""The one-line caveat every picture that leaves the app carries."""


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
        day = day_label(row.date)
        link = row.source_url if isinstance(row.source_url, str) else "no link"  # NaN: none
        out.append(f"{day} · {place} · {row.source_name} · {link}")
    return out




def area_words(spec: FilterSpec) -> str:
    """'Khyber Pakhtunkhwa', 'Peshawar, Bannu' or 'Pakistan': the area a slide covers."""
    if spec.districts:
        return ", ".join(spec.districts)
    if spec.provinces:
        return " and ".join(spec.provinces)
    return "Pakistan"


def sources_by_outlet(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Each outlet's source links for the incidents, outlets by count, links newest first."""
    rows = frame.sort_values("date", ascending=False)
    out: dict[str, list[str]] = {}
    names = rows["source_name"].fillna("").astype(str).str.strip().replace("", "unnamed outlet")
    for outlet, url in zip(names, rows["source_url"].fillna("").astype(str), strict=True):
        links = out.setdefault(outlet, [])
        if url and url not in links:
            links.append(url)
    return dict(sorted(out.items(), key=lambda item: (-len(item[1]), item[0])))
