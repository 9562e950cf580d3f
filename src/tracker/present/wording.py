"""The analysis in words: changes between periods, surges and the census behind the rates.

Sentences built for display from the numbers of :mod:`tracker.analysis` (which holds no
wording); every page, slide and export takes its words from here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from tracker import schema
from tracker.analysis import aggregates, coverage, surge_detection
from tracker.analysis.surge_detection import NATIONAL, Surge, SurgeParams
from tracker.present.text import date_range, plural


def change(current: int, previous: int | None) -> str | None:
    """'+12 (+40%)' style change against the previous period; None when there is none."""
    if previous is None:
        return None
    diff = current - previous
    if previous == 0 or not coverage.percent_allowed(current, previous):  # small: counts only
        return f"{diff:+d}"
    return f"{diff:+d} ({diff / previous:+.0%})"


def census_note(provinces: tuple[str, ...] | list[str] = ()) -> str:
    """Which census the per-million rates use, for the provinces shown (all when empty)."""
    pop = aggregates.population()
    if provinces:
        pop = pop[pop["province"].isin(provinces)]
    by_year: dict[str, list[str]] = {}
    for row in pop.sort_values("census", ascending=False).itertuples(index=False):
        by_year.setdefault(row.census, []).append(schema.PROVINCE_SHORT.get(row.province,
                                                                            row.province))
    if not by_year:
        return "No population figure for the provinces shown."
    years = list(by_year)
    if len(years) == 1:
        return f"Rates per million inhabitants use the {years[0]} census."
    main = years[0]
    rest = "; ".join(f"{', '.join(by_year[y])}: {y} figures" for y in years[1:])
    return f"Rates per million inhabitants use the {main} census ({rest})."


def surge_rule(params: SurgeParams) -> str:
    """The surge rule in one sentence, for captions."""
    return (
        f"A {params.window_label} window is flagged when it holds at least "
        f"{params.min_count} attacks and at least {params.min_ratio:g} times the number "
        f"expected from the previous {params.baseline_days // 7} weeks' daily rate "
        f"(scored once {params.min_history_days} days of history exist)."
    )


def surge_card(surge: Surge) -> str:
    """The surge in words: 'N attacks in 48 h across K districts in P provinces, …'."""
    text = (
        f"{plural(surge.incidents, 'attack')} in {surge.window_label} across "
        f"{plural(surge.districts, 'district')} in {plural(surge.provinces, 'province')}, "
        f"{date_range(surge.start, surge.end)}; killed {surge.killed:,}, "
        f"injured {surge.injured:,}."
    )
    return text


def surge_details(surge: Surge, national: str = "Pakistan as a whole") -> str:
    """The surge's context: area, baseline, spell length, unreported tolls and claims.

    ``national`` names what a country-level surge counted: the whole country, or what the
    filter left of it (see :func:`area_name`).
    """
    where = area_name(surge, national)
    weeks = f"the previous {surge.baseline_weeks} weeks"
    if surge.expected == 0:
        base = f"no attack at all in {weeks}"
    elif surge.ratio >= 20:
        base = f"more than 20 times the {_expected_text(surge.expected)} expected from {weeks}"
    else:
        base = (f"{surge.ratio:.1f} times the {_expected_text(surge.expected)} expected "
                f"from {weeks}")
    parts = [f"{where}: {base}."]
    if (surge.spell_start, surge.spell_end) != (surge.start, surge.end):
        parts.append(f"Flagged windows run {date_range(surge.spell_start, surge.spell_end)}.")
    if surge.killed_reported < surge.incidents:
        parts.append(f"Deaths reported for {surge.killed_reported} of {surge.incidents}.")
    if surge.claimed_incidents:
        parts.append(
            f"Perpetrators claimed {surge.claimed_killed:,} killed in "
            f"{plural(surge.claimed_incidents, 'attack')}; claims are not counted."
        )
    return " ".join(parts)


def _expected_text(expected: float) -> str:
    return "fewer than 0.1" if expected < 0.1 else f"{expected:.1f}"


def surge_label(surge: Surge, national: str = NATIONAL) -> str:
    """A short unique label for pick lists."""
    return (f"{date_range(surge.start, surge.end)} · {area_name(surge, national)} · "
            f"{plural(surge.incidents, 'attack')}")


def area_name(surge: Surge, national: str = NATIONAL) -> str:
    """The surge's area in words: its province or district, or ``national`` for a surge
    counted over every incident in view (which a filter may have narrowed)."""
    return national if surge.level == "Pakistan" else surge.area


def window_finding(frame: pd.DataFrame, found: list[Surge], start: dt.date, end: dt.date,
                   params: SurgeParams, national: str = NATIONAL) -> tuple[bool, str]:
    """Whether the detector finds a surge in [start, end], said plainly either way.

    ``national`` names a country-level surge's area (see :func:`area_name`).
    """
    dates = frame["date"]
    held = int((surge_detection.day_mask(frame)
                & (dates >= pd.Timestamp(start)).to_numpy(dtype=bool)
                & (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).to_numpy(dtype=bool)).sum())
    period = date_range(start, end)
    hits = surge_detection.surges_in_window(found, start, end)
    if hits:
        best = max(hits, key=lambda s: (s.incidents, -s.start.toordinal()))
        return True, (
            f"Found: the detector flags {date_range(best.start, best.end)} "
            f"({plural(best.incidents, 'attack')} in {best.window_label} in "
            f"{area_name(best, national)}, against "
            f"{_expected_text(best.expected)} expected). The sample holds "
            f"{plural(held, 'incident')} on {period}."
        )
    return False, (
        f"Not found: with these settings no {params.window_label} window in {period} "
        f"passes the surge rule. The sample holds only {plural(held, 'incident')} on those "
        f"days — too thin to stand out here; it is not evidence that no surge happened."
    )


def change_words(current: float, previous: float | None) -> str:
    """Direction and size of a change: 'up 12 (+40%)', 'down 3', 'new', …

    The percentage is left out when either side is under
    :data:`tracker.analysis.coverage.MIN_FOR_PERCENT` (1 → 8 is not "+700%")."""
    if previous is None or pd.isna(previous):
        return "no data"
    current, previous = int(current), int(previous)
    diff = current - previous
    if previous == 0:
        return "none in either" if current == 0 else f"new (up {diff:,} from none)"
    if diff == 0:
        return "no change"
    word = "up" if diff > 0 else "down"
    if not coverage.percent_allowed(current, previous):  # small counts: no percentage
        return f"{word} {abs(diff):,}"
    return f"{word} {abs(diff):,} ({diff / previous:+.0%})"


def not_comparable_words(this_pct: float | None, other_pct: float | None) -> str:
    """Why two periods' sample counts are not set side by side as a trend."""
    if this_pct is None or other_pct is None or pd.isna(this_pct) or pd.isna(other_pct):
        return "not comparable: coverage unknown"
    return f"not comparable: sample holds {this_pct:.0f}% vs {other_pct:.0f}%"


COMPARISON_COLUMNS = ("area", "this", "previous", "change", "change_pct", "vs_previous",
                      "year_before", "change_year", "change_year_pct", "vs_year_before",
                      "cov_this", "cov_previous", "cov_year_before")
TOTALS_COLUMNS = ("measure", "this", "previous", "vs_previous", "year_before", "vs_year_before")


def _change_words_of(table: pd.DataFrame, name: str) -> list[str]:
    """``vs_<name>``: the change in words, or why the two periods are not comparable."""
    words = []
    for this, other, comparable, this_pct, other_pct in zip(
            table["this"], table[name], table[f"comparable_{name}"], table["cov_this"],
            table[f"cov_{name}"], strict=True):
        if comparable:
            words.append(change_words(this, other))
        else:
            words.append(not_comparable_words(None if pd.isna(this_pct) else this_pct,
                                              None if pd.isna(other_pct) else other_pct))
    return words


def with_change_words(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`tracker.analysis.comparison.compare_periods` with the change in words:
    ``vs_previous`` and ``vs_year_before`` ('up 12 (+40%)', 'not comparable: …')."""
    out = table.assign(vs_previous=_change_words_of(table, "previous"),
                       vs_year_before=_change_words_of(table, "year_before"))
    return out[list(COMPARISON_COLUMNS)]


def totals_with_words(totals: pd.DataFrame) -> pd.DataFrame:
    """:func:`tracker.analysis.comparison.comparison_totals` with the change in words."""
    out = totals.assign(vs_previous=_change_words_of(totals, "previous"),
                        vs_year_before=_change_words_of(totals, "year_before"))
    return out[list(TOTALS_COLUMNS)]
